"""The branch-health report on Dask: same views as pandas, from a Parquet dataset.

Where the engine logic lives: the health package reads the big tables only through the
"engine contract" methods of :class:`~pbkit.health.context.HealthContext` (meeting totals
per month, member counts, household and visit totals, and the rows kept as evidence).
:class:`DaskHealthContext` overrides exactly those methods, so this module is the one place
that knows about Dask; every other step of the report (compliance per period, scorecard,
IsolationForest weak branches, Gini/Theil fairness, rectification list) is the unchanged
pandas code of :mod:`pbkit.health`, run on the small frames the contract returns.

How each piece runs on Dask (``dask.dataframe`` over
:func:`pbkit.data.parquet.read_dask`, one partition per Parquet file):

=====================  ===================================================================
contract method        Dask computation
=====================  ===================================================================
activity_totals        each file's meetings of the year summed per (org, kind, month)
                       (:func:`~pbkit.health.compliance.activity_totals`), then a Dask
                       ``groupby().sum()`` over the partial sums
low_attendance         rows below the kind's minimum, filtered file by file
member_aggregates      member counts per branch file by file
                       (:func:`~pbkit.health.membership.member_aggregates`), added up
migrant_members        migrant members of the branches, filtered in the same pass over the
                       people files (which also counts members at home / away per
                       organisation for the perfunctory check)
visit_totals           visits of the year joined (Dask ``merge``) to the households they
                       concern, then ``groupby("org_id").sum()``
unsolved_visits        the same join, filtered; rows back in file order
household_stats        households joined to active one-on-one targets and to visits per
                       household (Dask ``merge``), then ``groupby("org_id").sum()``
household_problems     the same join, filtered (not covered or not visited)
perfunctory            one task per township: it reads only that township's organisations
                       and activities (meetings never cross a township), with the member
                       counts above
=====================  ===================================================================

Joins go through Dask, never a township shortcut: a visit or a pairing is stored with its
visitor's or helper's township and may concern a household of another one. Rows kept as
evidence carry their file and row number through the joins and come back in the order
of the Parquet files, which is the order :func:`pbkit.data.parquet.read_parquet` gives the
pandas engine: both engines give equal frames on the same Parquet dataset.

>>> import os, tempfile
>>> from pbkit.data.parquet import write_parquet
>>> from pbkit.data.synth import synthesize
>>> path = write_parquet(synthesize("township", seed=2), os.path.join(tempfile.mkdtemp(), "pq"))
>>> rep = health_report(path, engine="pandas", lang="en")
>>> rep.meta["branches"] > 0, "scorecard" in rep.views
(True, True)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset, cast_table
from pbkit.health.context import HealthContext, as_of_timestamp, unsolved_order, visit_totals
from pbkit.scale.engine import check_engine, check_workers_read, dask_client

__all__ = ["DaskHealthContext", "health_report", "parquet_source", "DATE_COLUMNS", "CONTRACT"]

# (table, column) whose latest date fixes the reference year, in the order of
# pbkit.health.branches.reference_year
DATE_COLUMNS = (("activities", "date"), ("visits", "date"), ("pairings", "start"),
                ("people", "last_contact"))
_ORDER = ["_part", "_pos"]
# the engine-contract tables of HealthContext this module computes with Dask
CONTRACT = ("activity_totals", "low_attendance", "member_aggregates", "migrant_members",
            "visit_totals", "unsolved_visits", "household_stats", "household_problems",
            "perfunctory")


# ------------------------------------------------------------------------- sources
@contextmanager
def parquet_source(source: Any, lang: str | None = None) -> Iterator[Path]:
    """A Parquet dataset folder for ``source``: the folder itself, or a temporary
    conversion (removed afterwards) of a :class:`Dataset` or of a CSV folder, .zip or .xlsx
    (validated by :func:`pbkit.data.io.load_dataset` on the way)."""
    from pbkit.data.parquet import is_parquet_dataset, write_parquet

    if not isinstance(source, Dataset) and is_parquet_dataset(source):
        from pbkit.data.parquet import townships

        townships(source)  # a damaged manifest is reported before any Dask work
        yield Path(source).resolve()  # the workers' working folder is not the client's
        return
    if not isinstance(source, Dataset):
        from pbkit.data.io import load_dataset

        source = load_dataset(source)
    tmp = Path(tempfile.mkdtemp(prefix="pbkit-parquet-"))
    try:
        yield write_parquet(source, tmp / "dataset")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load(source: Any) -> Dataset:
    """A pandas Dataset from a Dataset, a Parquet folder or any dataset path."""
    from pbkit.data.parquet import is_parquet_dataset, read_parquet

    if isinstance(source, Dataset):
        return source
    if is_parquet_dataset(source):
        return read_parquet(source)
    from pbkit.data.io import load_dataset

    return load_dataset(source)


# ------------------------------------------------------------------------- partition work
def _cast(name: str, part: pd.DataFrame) -> pd.DataFrame:
    """A stored partition in the schema dtypes, exactly as read_parquet gives them
    (multi-value text split into tuples; Dask's Arrow strings turned into Python ones)."""
    from pbkit.data.schema import TABLES

    multi = [c.name for c in TABLES[name].columns
             if c.kind in ("multi", "tags") and c.name in part.columns]
    if multi:
        part = part.astype({c: object for c in multi})
    return cast_table(name, part)


def _typed(name: str, part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Some columns of a stored partition in the schema dtypes (see :func:`_cast`)."""
    return _cast(name, part[[c for c in columns if c in part.columns]])[columns]


def _with_order(part: pd.DataFrame, partition_info=None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    return part.assign(_part=np.full(len(part), number, dtype="int64"),
                       _pos=np.arange(len(part), dtype="int64"))


_ACT_COLS = ["activity_id", "org_id", "kind", "date", "expected", "attended"]
_PEOPLE_COLS = ["person_id", "org_id", "roles", "gender", "birth_year", "age_band",
                "education", "join_year", "migrant", "destination", "last_contact",
                "dues_paid_until"]
_VISIT_COLS = ["visit_id", "person_id", "target_id", "date", "topic", "problem_solved"]
_PAIR_COLS = ["mechanism", "source_id", "target_id", "start", "end", "status"]


def _part_totals(part, rules, year):
    from pbkit.health.compliance import activity_totals, year_rows

    return activity_totals(year_rows(_typed("activities", part, _ACT_COLS), rules, year))


def _part_low(part, rules, year, branch_ids):
    from pbkit.health.branches import isin
    from pbkit.health.compliance import low_attendance_rows, year_rows

    acts = year_rows(_typed("activities", part, _ACT_COLS), rules, year)
    acts = acts[isin(acts["org_id"], branch_ids)]
    return low_attendance_rows(acts, rules)


def _part_people(part, rules, year, branch_ids) -> dict[str, Any]:
    """Everything the report needs of one people file: member aggregates of the branches,
    their migrant members, and members at home / away per organisation (perfunctory)."""
    from pbkit.health.branches import isin, members
    from pbkit.health.membership import activist_counts, member_aggregates

    people = _typed("people", part, _PEOPLE_COLS)
    every = members(Dataset(people=people))
    mem = every[isin(every["org_id"], branch_ids)]
    mem = mem[mem["join_year"].isna() | (mem["join_year"] <= year)].reset_index(drop=True)
    counts = pd.DataFrame({"org_id": every["org_id"],
                           "home": (~every["is_migrant"]).astype("int64"),
                           "away": every["is_migrant"].astype("int64")})
    return {"aggs": member_aggregates(mem, year, rules,
                                      activists=activist_counts(people, branch_ids)),
            "migrants": mem[mem["is_migrant"]][["person_id", "org_id", "destination",
                                                "last_contact", "dues_paid_until"]],
            "counts": counts.groupby("org_id").sum()}


def _combine_people(parts) -> dict[str, Any]:
    from pbkit.health.membership import combine_aggregates

    counts = pd.concat([p["counts"] for p in parts])
    return {"member_aggregates": combine_aggregates([p["aggs"] for p in parts]),
            "migrant_members": _concat([p["migrants"] for p in parts]),
            "member_counts": counts.groupby(level=0).sum()}


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    found = [p for p in parts if len(p)]
    if not found:
        return parts[0] if parts else pd.DataFrame()
    return pd.concat(found, ignore_index=True) if len(found) > 1 else found[0]


def _part_visits(part, year, partition_info=None):
    """Visits of ``year`` (typed) with their file order."""
    v = _typed("visits", part, _VISIT_COLS)
    v = v[v["date"].dt.year == year].reset_index(drop=True)
    return _with_order(v, partition_info)


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).astype("str")


def _part_hh_org(part):
    """household_id -> its organisation, as join keys (``target_id``, ``hh_org``)."""
    return pd.DataFrame({"target_id": _text(part["household_id"]),
                         "hh_org": _text(part["org_id"])})


def _part_visit_orgs(part, org_ids):
    """The organisation a visit concerns: its household's village, or the org visited."""
    from pbkit.health.branches import isin

    via_hh = part["hh_org"]
    is_org = pd.Series(isin(part["target_id"], org_ids), index=part.index)
    org = via_hh.where(via_hh.notna(), part["target_id"].where(is_org))
    kind = np.where(via_hh.notna(), "household", np.where(is_org, "org", "unknown"))
    return part.drop(columns="hh_org").assign(org_id=org.astype("str"), target_type=kind)


def _part_unsolved(part, branch_ids):
    from pbkit.health.branches import isin

    v = part[part["problem_solved"].notna().to_numpy() & isin(part["org_id"], branch_ids)]
    return v[~v["problem_solved"].astype(bool)]


def _part_visit_totals(part):
    return visit_totals(part).reset_index()


def _part_targets(part, as_of):
    """Targets of active one-on-one pairings on ``as_of`` (health's definition)."""
    from pbkit.health.branches import active_pairings

    p = active_pairings(Dataset(pairings=_cast("pairings", part)), as_of, "one_on_one")
    return pd.DataFrame({"household_id": p["target_id"].astype("str")}).drop_duplicates()


def _part_per_household(part):
    v = part[part["target_type"] == "household"]
    frame = pd.DataFrame({"household_id": v["target_id"], "visits": 1,
                          "solved": v["problem_solved"].fillna(False).astype(bool)
                          .astype("int64")})
    return frame.groupby("household_id").sum().reset_index()


def _part_households(part, partition_info=None):
    hh = pd.DataFrame({"household_id": _text(part["household_id"]),
                       "org_id": _text(part["org_id"]),
                       "needs": part["needs"].astype(object), "size": part["size"]})
    return _with_order(hh.reset_index(drop=True), partition_info)


def _part_flags(part):
    covered = part["covered"].fillna(False).astype(bool)
    visits = part["visits"].fillna(0).astype("int64")
    solved = part["solved"].fillna(0).astype("int64")
    return part.assign(covered=covered, visits=visits, solved=solved, visited=visits > 0)


def _part_household_stats(part):
    frame = pd.DataFrame({"org_id": part["org_id"], "needy": 1,
                          "covered": part["covered"].astype("int64"),
                          "visited": part["visited"].astype("int64")})
    return frame.groupby("org_id").sum().reset_index()


def _town_perfunctory(path, township, rules, year, lang, people):
    from pbkit.data.parquet import read_parquet
    from pbkit.health.compliance import perfunctory

    part = read_parquet(path, townships=[township], tables=("orgs", "activities"))
    return perfunctory(part, rules=rules, year=year, lang=lang,
                       member_counts=people["member_counts"])


def _combine_perfunctory(parts):
    from pbkit.health.compliance import PERFUNCTORY_REASONS

    found = [p for p in parts if len(p)]
    if not found:
        return parts[0]
    out = pd.concat(found, ignore_index=True)
    order = {r: i for i, r in enumerate(PERFUNCTORY_REASONS)}
    return out.assign(_r=out["reason"].map(order)).sort_values(
        ["org_id", "_r", "kind"], kind="stable").drop(columns="_r").reset_index(drop=True)


def _meta(fn, ddf, *args, **kwargs):
    """Dask ``meta``: ``fn`` applied to an empty partition."""
    return fn(ddf._meta, *args, **kwargs)


# ------------------------------------------------------------------------- the context
@dataclass(eq=False)
class DaskHealthContext(HealthContext):
    """A :class:`HealthContext` whose engine-contract tables are computed with Dask from
    a Parquet dataset (see the module docstring). ``ds`` holds only the organisations."""

    path: str = ""
    tables: Any = None

    @classmethod
    def open(cls, path: str | os.PathLike, *, rules=None, year: int | None = None,
             as_of=None, lang: str | None = None) -> DaskHealthContext:
        """Resolve rules, year and as-of date like :meth:`HealthContext.create`, reading
        only the date columns (Dask reductions) and the organisations."""
        from pbkit.data.parquet import read_dask
        from pbkit.health.compliance import _resolve

        tables = read_dask(path)
        orgs = _cast("orgs", tables.orgs.compute())
        ds = Dataset(orgs=orgs, name=tables.name)
        if year is None:
            year = _reference_year(tables)
        rules, year = _resolve(ds, rules, year)
        when = _reference_date(tables, year) if as_of is None else as_of_timestamp(as_of)
        return cls(ds=ds, rules=rules, year=year, as_of=when, lang=lang,
                   due_only=as_of is not None, path=str(path), tables=tables)

    # the big tables are never loaded whole on this engine
    def _whole(self, *_args, **_kwargs):
        raise RuntimeError("DaskHealthContext does not load whole tables")

    activities = visits = households = all_members = members = _whole

    def _get(self, name: str, fn) -> Any:
        # the first contract table asked for computes them all, in one Dask graph
        if name in CONTRACT and name not in self._cache:
            self.prefetch()
        return super()._get(name, fn)

    def prefetch(self) -> None:
        """Compute every engine-contract table in one Dask graph (shared file reads)."""
        import dask

        t = self.tables
        rules, year = self.rules, self.year
        branch_ids = pd.Index(self.branches()["org_id"], dtype=object)
        org_ids = pd.Index(self.ds.orgs["org_id"].dropna(), dtype=object)
        jobs: dict[str, Any] = {}

        # meetings
        acts = t.activities[[c for c in _ACT_COLS if c in t.activities.columns]]
        partial = acts.map_partitions(_part_totals, rules, year,
                                      meta=_meta(_part_totals, acts, rules, year))
        jobs["activity_totals"] = partial.groupby(["org_id", "kind", "month"]).sum()
        jobs["low_attendance"] = acts.map_partitions(
            _part_low, rules, year, branch_ids,
            meta=_meta(_part_low, acts, rules, year, branch_ids))

        # members: file by file (delayed tasks over the people partitions)
        later: dict[str, Any] = {}
        cols = [c for c in _PEOPLE_COLS if c in t.people.columns]
        people = dask.delayed(_combine_people)(
            [dask.delayed(_part_people)(p, rules, year, branch_ids)
             for p in t.people[cols].to_delayed()])
        later["people"] = people

        # visits, joined to the households they concern
        visits = t.visits[[c for c in _VISIT_COLS if c in t.visits.columns]]
        vis = visits.map_partitions(_part_visits, year, meta=_meta(_part_visits, visits, year))
        keys = t.households[["household_id", "org_id"]]
        hh_org = keys.map_partitions(_part_hh_org, meta=_meta(_part_hh_org, keys))
        vis = vis.merge(hh_org, on="target_id", how="left")
        vis = vis.map_partitions(_part_visit_orgs, org_ids,
                                 meta=_meta(_part_visit_orgs, vis, org_ids))
        vt = vis.map_partitions(_part_visit_totals, meta=_meta(_part_visit_totals, vis))
        jobs["visit_totals"] = vt.groupby("org_id").sum()
        jobs["unsolved_visits"] = vis.map_partitions(
            _part_unsolved, branch_ids, meta=_meta(_part_unsolved, vis, branch_ids))

        # households with coverage and visits
        pairs = t.pairings[[c for c in _PAIR_COLS if c in t.pairings.columns]]
        targets = pairs.map_partitions(_part_targets, self.as_of,
                                       meta=_meta(_part_targets, pairs, self.as_of))
        targets = targets.drop_duplicates().assign(covered=True)
        per_hh = vis.map_partitions(_part_per_household, meta=_meta(_part_per_household, vis))
        per_hh = per_hh.groupby("household_id").sum().reset_index()
        households = t.households[["household_id", "org_id", "needs", "size"]]
        hh = households.map_partitions(_part_households,
                                       meta=_meta(_part_households, households))
        hh = hh.merge(targets, on="household_id", how="left").merge(
            per_hh, on="household_id", how="left")
        hh = hh.map_partitions(_part_flags, meta=_meta(_part_flags, hh))
        hs = hh.map_partitions(_part_household_stats, meta=_meta(_part_household_stats, hh))
        jobs["household_stats"] = hs.groupby("org_id").sum()
        jobs["household_problems"] = hh[~hh["covered"] | ~hh["visited"]]

        # perfunctory meetings: one task per township
        towns = _township_keys(self.path)
        later["perfunctory"] = dask.delayed(_combine_perfunctory)(
            [dask.delayed(_town_perfunctory)(self.path, k, rules, year, self.lang, people)
             for k in towns])

        # one compute per kind of collection: dask.compute may return a mix of Dask
        # DataFrames and delayed objects out of argument order
        results: dict[str, Any] = {}
        for batch in (jobs, later):
            names = list(batch)
            results.update(zip(names, dask.compute(*[batch[n] for n in names])))
        results.update(results.pop("people"))
        results.pop("member_counts")
        self._cache.update(_finish(results))


def _township_keys(path: str) -> list[str]:
    from pbkit.data.parquet import OUTSIDE, townships

    keys = list(townships(path))
    if any((Path(path) / name / OUTSIDE).is_dir() for name in ("orgs", "activities")):
        keys.insert(0, "")
    return keys


def _in_file_order(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(_ORDER, kind="stable").drop(columns=_ORDER).reset_index(drop=True)


def _finish(r: dict[str, Any]) -> dict[str, Any]:
    """Computed Dask results in exactly the form the pandas contract methods return."""
    from pbkit.data.dataset import split_multi
    from pbkit.health.compliance import combine_totals

    out: dict[str, Any] = {}
    out["activity_totals"] = combine_totals([r["activity_totals"].reset_index()])
    out["low_attendance"] = r["low_attendance"].reset_index(drop=True)
    out["member_aggregates"] = r["member_aggregates"]
    out["migrant_members"] = r["migrant_members"].sort_values(
        "org_id", kind="stable").reset_index(drop=True)
    out["visit_totals"] = r["visit_totals"].sort_index().astype("int64")
    uv = _in_file_order(r["unsolved_visits"])
    typed = cast_table("visits", uv[_VISIT_COLS])[_VISIT_COLS]
    out["unsolved_visits"] = unsolved_order(typed.assign(
        org_id=uv["org_id"].astype("str"), target_type=uv["target_type"].to_numpy()))
    out["household_stats"] = r["household_stats"].sort_index().astype("int64")
    hp = _in_file_order(r["household_problems"])
    out["household_problems"] = pd.DataFrame({
        "household_id": hp["household_id"].astype("str"),
        "org_id": hp["org_id"].astype("str"),
        "needs": pd.Series([split_multi(v) for v in hp["needs"].astype(object)],
                           dtype=object),
        "size": hp["size"].astype("Int64"),
        "covered": hp["covered"].astype(bool), "visits": hp["visits"].astype("int64"),
        "solved": hp["solved"].astype("int64"), "visited": hp["visited"].astype(bool)})
    out["perfunctory"] = r["perfunctory"]
    return out


def _reference_year(tables) -> int:
    """:func:`pbkit.health.branches.reference_year` as Dask reductions."""
    import dask

    from pbkit.errors import UsageError

    cols = [tables.table(name)[col] for name, col in DATE_COLUMNS]
    found = dask.compute(*[c.max() for c in cols], tables.people["join_year"].max())
    for value in found[:-1]:
        if pd.notna(value):
            return int(pd.Timestamp(value).year)
    if pd.notna(found[-1]):
        return int(found[-1])
    raise UsageError("health.err.no_dates")


def _reference_date(tables, year: int) -> pd.Timestamp:
    """:func:`pbkit.health.branches.reference_date` as Dask reductions."""
    import dask

    end = pd.Timestamp(year=year, month=12, day=31)
    cols = [tables.table(name)[col] for name, col in DATE_COLUMNS]
    latest = [pd.Timestamp(v) for v in dask.compute(*[c[c <= end].max() for c in cols])
              if pd.notna(v)]
    if not latest:
        return end
    found = max(latest)
    return found if found.year == year else end


# ------------------------------------------------------------------------- entry point
def health_report(source: Dataset | str | os.PathLike, *, engine: str = "pandas",
                  scheduler: str | None = None, rules=None, scorecard=None,
                  year: int | None = None, as_of=None, lang: str | None = None):
    """The branch-health report of ``source`` on the pandas or the Dask engine.

    Parameters
    ----------
    source : Dataset or path
        A loaded dataset, a Parquet dataset folder (:mod:`pbkit.data.parquet`) or any
        dataset path :func:`pbkit.data.io.load_dataset` reads. The Dask engine works from
        Parquet: anything else is converted to a temporary Parquet folder first.
    engine : {"pandas", "dask"}
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default: a local
        cluster on 127.0.0.1, closed afterwards.
    rules, scorecard, year, as_of, lang
        As for :func:`pbkit.health.report.health_report`.

    Returns
    -------
    HealthReport
        Equal, view by view, on both engines for the same Parquet dataset.
    """
    from pbkit.health.report import health_report as pandas_report
    from pbkit.health.report import report_from_context
    from pbkit.i18n import resolve_lang

    check_engine(engine)
    if engine == "pandas":
        return pandas_report(_load(source), rules=rules, scorecard=scorecard, year=year,
                             as_of=as_of, lang=lang)
    from pbkit.health.rules import resolve_rules
    from pbkit.health.scorecard import _resolve_card

    lang = resolve_lang(lang)
    resolve_rules(rules)  # bad rule or scorecard files: reported before any Dask work
    _resolve_card(scorecard)
    with parquet_source(source) as path, dask_client(scheduler) as client:
        check_workers_read(client, path)
        ctx = DaskHealthContext.open(path, rules=rules, year=year, as_of=as_of, lang=lang)
        ctx.prefetch()  # all Dask work here, while the client is open
        return report_from_context(ctx, rules=rules, scorecard=scorecard)
