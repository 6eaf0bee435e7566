"""Branch-health benchmarks: the full report against a plain pandas groupby.

``health_report`` computes every view of :func:`pbkit.health.report.health_report`
(compliance per branch/kind/period, calendar, perfunctory flags, membership views, migrant
contact, the 100-point scorecard with its evidence, weak-branch flags, the IsolationForest
view, the rectification list, attention fairness) and serialises it to JSON, as
``pbkit health PATH --json`` does. The baseline is the plain pandas groupby a researcher
would write first over the same activities: meetings held, expected and attended per
branch, kind and month of the year. ``check`` verifies both count the same meetings.
Target: the whole report of a county-scale dataset within 10 s on a 2-core machine.
"""

from __future__ import annotations

import time

from benchmarks.harness import Benchmark

__all__ = ["BENCHMARKS"]

BRANCH_LEVELS = ("village", "community", "enterprise", "school", "organ")
KINDS = ("general_meeting", "committee_meeting", "group_meeting", "party_lesson",
         "activity_day", "org_life_meeting", "democratic_appraisal")


def _setup(scale: str):
    import sklearn.ensemble  # noqa: F401  (import time is not what is measured)

    from pbkit.data.synth import synthesize
    from pbkit.health.branches import reference_year

    ds = synthesize(scale, seed=0)
    return ds, reference_year(ds)


def _run(data) -> dict:
    from pbkit.health.report import health_report

    ds, year = data
    c0, t0 = time.process_time(), time.perf_counter()
    report = health_report(ds, year=year, lang="zh")
    t1 = time.perf_counter()
    text = report.to_json()
    c2, t2 = time.process_time(), time.perf_counter()
    comp = report.views["compliance"]
    return {
        "compute_s": round(t1 - t0, 3),
        "json_s": round(t2 - t1, 3),
        "cpu_s": round(c2 - c0, 3),  # CPU time: meaningful when the machine is shared
        "json_mb": round(len(text.encode("utf-8")) / 1e6, 1),
        "branches": int(report.meta["branches"]),
        "activities": int(len(ds.activities)),
        "held_total": int(comp["held"].sum()),
        "evidence_rows": int(sum(len(f) for f in report.scores.evidence.values())),
    }


def _baseline(data) -> dict:
    ds, year = data
    c0 = time.process_time()
    acts = ds.activities
    branches = ds.orgs.loc[ds.orgs["level"].isin(BRANCH_LEVELS), "org_id"]
    acts = acts[(acts["date"].dt.year == year) & acts["kind"].isin(KINDS)
                & acts["org_id"].isin(branches)]
    out = acts.groupby([acts["org_id"], acts["kind"], acts["date"].dt.month]).agg(
        held=("activity_id", "size"), expected=("expected", "sum"),
        attended=("attended", "sum"))
    return {"groups": int(len(out)), "held_total": int(out["held"].sum()),
            "cpu_s": round(time.process_time() - c0, 3)}


def _check(mine: dict, base: dict) -> None:
    assert mine["held_total"] == base["held_total"], (mine["held_total"], base["held_total"])


BENCHMARKS = [
    Benchmark(
        name="health_report",
        run=_run,
        baseline=_baseline,
        setup=_setup,
        scales=("township", "county"),
        repeat=2,
        target="county: whole report (compute + JSON) <= 10 s",
        check=_check,
    ),
]
