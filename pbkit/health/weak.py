"""Branches needing attention (需关注): rule-based signals, an outlier view, a draft
rectification list.

Which branches are weak and lax (软弱涣散) is a formal designation made by the party
committee; this module only proposes where to look first. Each signal compares one
indicator with a threshold of ``rules.yaml`` (section ``weak``, every threshold with its
reason). A branch *needs attention* (column ``weak``) when at least
``weak.attention_min_signals`` signals are raised (a failed 100-point assessment,
``low_score``, is one of them): one or two signals are for the branch to act on, not for
the township's short list. The
outlier view (IsolationForest) is shown beside it and decides nothing.

Indicators per branch (:data:`INDICATORS`; the direction says whether a higher value is
worse, +1, or better, -1):

============================  ===  ==================================================
indicator                     dir  formula
============================  ===  ==================================================
missing_share                 +1   missing / required meetings over the rule table
attendance_rate               -1   sum(attended) / sum(expected) of meetings held
new_per_year                  -1   mean new members per year over the window
years_since_last_new          +1   year - latest join_year (never: oldest gap + 1)
share_old                     +1   members aged ``old_age``+ / members with known age
share_senior_high_plus        -1   members with senior high or more / known education
one_on_one_coverage           -1   needy households with an active pair / needy
visits_per_household          -1   visits to the village and its households / needy
solved_rate                   -1   visits with problem solved / visits with an outcome
migrant_out_of_contact_share  +1   migrant members out of contact / migrant members
perfunctory_flags             +1   number of perfunctory-meeting flags
============================  ===  ==================================================

Rule-based signals (:data:`FLAG_DEFS`) compare one indicator with the threshold of
``rules.yaml`` (``weak`` section); ``development_stalled`` also needs an empty pipeline
(no activist and no probationary member). The unsupervised view standardises the indicators
(z = (x - mean) / std, missing values imputed with the column median), scores them with a
scikit-learn ``IsolationForest`` (explicit ``random_state``) and names, for every branch,
the indicators with the largest ``|z|`` as the drivers of its score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.health.branches import ALL
from pbkit.health.context import HealthContext
from pbkit.health.rules import WEAK_FLAGS, HealthRules

__all__ = [
    "INDICATORS",
    "FLAG_DEFS",
    "indicators",
    "weak_flags",
    "anomalies",
    "weak_branches",
    "rectification_list",
    "needs_attention",
    "WeakResult",
    "weak_context",
]

# indicator -> direction (+1: higher is worse, -1: higher is better)
INDICATORS: dict[str, int] = {
    "missing_share": +1,
    "attendance_rate": -1,
    "new_per_year": -1,
    "years_since_last_new": +1,
    "share_old": +1,
    "share_senior_high_plus": -1,
    "one_on_one_coverage": -1,
    "visits_per_household": -1,
    "solved_rate": -1,
    "migrant_out_of_contact_share": +1,
    "perfunctory_flags": +1,
}

# flag -> (indicator, comparison with the threshold: ">=" raises the flag at or above,
# "<" below). The one table of how a rule-based flag is decided.
FLAG_DEFS: dict[str, tuple[str, str]] = {
    "missed_meetings": ("missing_share", ">="),
    "development_stalled": ("years_since_last_new", ">="),
    "ageing": ("share_old", ">="),
    "low_coverage": ("one_on_one_coverage", "<"),
    "migrant_out_of_contact": ("migrant_out_of_contact_share", ">="),
    "perfunctory": ("perfunctory_flags", ">="),
    "low_score": ("score_total", "<"),
}
assert tuple(FLAG_DEFS) == WEAK_FLAGS


def _ratio(num, den) -> pd.Series:
    num = pd.Series(num).astype("float64")
    den = pd.Series(den).astype("float64")
    return num / den.where(den > 0)


def indicators(ctx: HealthContext, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """The indicator table: one row per branch, raw counts used in evidence plus every
    indicator of :data:`INDICATORS` (and ``score_total`` when ``scores`` totals are given).
    """
    ids = ctx.branch_ids()
    out = pd.DataFrame(index=ids)
    out["level"] = ctx.branches().set_index("org_id")["level"].reindex(ids)
    comp = ctx.compliance()
    g = comp.groupby("org_id")
    out["required"] = g["required"].sum().reindex(ids).fillna(0).astype("int64")
    out["missing"] = g["missing"].sum().reindex(ids).fillna(0).astype("int64")
    out["missing_share"] = _ratio(out["missing"], out["required"])
    tot = ctx.activity_totals()
    ga = tot[tot["org_id"].isin(ids)].groupby("org_id")
    out["attendance_rate"] = _ratio(ga["attended"].sum(), ga["expected"].sum()).reindex(ids)
    out.loc[out["required"].gt(0) & out["attendance_rate"].isna(), "attendance_rate"] = 0.0

    summ = ctx.membership().summary.set_index("org_id")
    summ = summ[summ.index != ALL].reindex(ids)
    for col in ("members", "new_per_year", "last_join_year", "years_since_last_new",
                "share_old", "share_senior_high_plus"):
        out[col] = summ[col]
    pl = ctx.membership().pipeline.set_index("org_id")
    pl = pl[pl.index != ALL].reindex(ids)
    out["probationary"] = pl["probationary"].fillna(0).astype("int64")
    out["activists"] = pl["activists"]
    old = (summ["share_old"] * summ["members"]).round()
    out["old_members"] = old.fillna(0).astype("int64")

    hs = ctx.household_stats()
    out["needy"] = hs["needy"].reindex(ids).fillna(0).astype("int64")
    out["covered"] = hs["covered"].reindex(ids).fillna(0).astype("int64")
    out["one_on_one_coverage"] = _ratio(out["covered"], out["needy"])
    vt = ctx.visit_totals()
    out["visits"] = vt["visits"].reindex(ids).fillna(0).astype("int64")
    out["visits_per_household"] = _ratio(out["visits"], out["needy"])
    out["solved_rate"] = _ratio(vt["solved"], vt["recorded"]).reindex(ids)

    ms = ctx.migrant_status()
    gm = ms.groupby("org_id")
    out["migrants"] = gm.size().reindex(ids).fillna(0).astype("int64")
    out["migrants_out"] = gm["out_of_contact"].sum().reindex(ids).fillna(0).astype("int64")
    out["migrant_out_of_contact_share"] = _ratio(out["migrants_out"], out["migrants"])
    pf = ctx.perfunctory()
    out["perfunctory_flags"] = (pf.groupby("org_id").size() if len(pf) else pd.Series(
        dtype="int64")).reindex(ids).fillna(0).astype("int64")
    if scores is not None:
        out["score_total"] = scores.set_index("org_id")["total"].reindex(ids)
    return out.reset_index()


def weak_flags(ctx: HealthContext, table: pd.DataFrame | None = None,
               scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rule-based signals: ``org_id, flag, indicator, value, threshold, evidence``.

    ``development_stalled`` is raised when no member joined for ``threshold`` years (or
    no member has a recorded join year) and nobody is in the pipeline (no probationary
    member and no activist on record). Signals whose indicator does not apply (no needy
    households, no migrant members, no score) are not raised.
    """
    from pbkit.i18n import t

    table = indicators(ctx, scores) if table is None else table
    rows = []
    for flag, (col, op) in FLAG_DEFS.items():
        if col not in table:
            continue
        th = ctx.rules.weak.flag(flag).threshold
        x = table[col]
        hit = (x >= th) if op == ">=" else (x < th)
        hit = hit.fillna(False).astype(bool)
        if flag == "development_stalled":
            hit |= x.isna() & table["members"].fillna(0).gt(0)
            empty = table["probationary"].fillna(0).eq(0) & table["activists"].fillna(0).eq(0)
            hit &= empty.astype(bool)
        sub = table[hit]
        for rec in sub.to_dict("records"):
            key = f"health.evidence.{flag}"
            if flag == "development_stalled" and pd.isna(rec[col]):
                key += "_never"
            rows.append((rec["org_id"], flag, col, rec[col], th,
                         t(key, lang=ctx.lang, **_evidence_params(rec))))
    out = pd.DataFrame(rows, columns=["org_id", "flag", "indicator", "value", "threshold",
                                      "evidence"])
    order = {f: i for i, f in enumerate(WEAK_FLAGS)}
    out = out.assign(_o=out["flag"].map(order)).sort_values(
        ["org_id", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    out["value"] = out["value"].astype("float64")
    return out


def _fmt(x, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    return f"{x:.0%}" if pct else (f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}")


def _evidence_params(rec: dict) -> dict:
    return {
        "missing": _fmt(rec.get("missing")), "required": _fmt(rec.get("required")),
        "share": _fmt(rec.get("missing_share"), pct=True),
        "years": _fmt(rec.get("years_since_last_new")),
        "last": _fmt(rec.get("last_join_year")),
        "old": _fmt(rec.get("old_members")), "members": _fmt(rec.get("members")),
        "old_share": _fmt(rec.get("share_old"), pct=True),
        "covered": _fmt(rec.get("covered")), "needy": _fmt(rec.get("needy")),
        "coverage": _fmt(rec.get("one_on_one_coverage"), pct=True),
        "out": _fmt(rec.get("migrants_out")), "migrants": _fmt(rec.get("migrants")),
        "flags": _fmt(rec.get("perfunctory_flags")), "score": _fmt(rec.get("score_total")),
        "probationary": _fmt(rec.get("probationary")), "activists": _fmt(rec.get("activists")),
    }


def anomalies(ctx: HealthContext, table: pd.DataFrame | None = None,
              min_branches: int = 8) -> pd.DataFrame:
    """Unsupervised view: standardised indicators, IsolationForest outlier scores, drivers.

    For indicator matrix X (branches x :data:`INDICATORS`, missing values imputed with
    the column median), ``z = (x - mean) / std`` per column (0 where std = 0).
    ``anomaly_score = -IsolationForest.score_samples(z)`` (higher = more unusual);
    ``is_outlier`` from the forest's prediction with contamination
    ``weak.anomaly_contamination``. ``driver_k``/``z_k`` name the k-th largest ``|z|``.
    ``weak_side`` is true when the drivers point to weakness
    (sum of direction x z over the drivers > 0). With fewer than ``min_branches``
    branches no forest is fitted (scores NaN, no outliers) but the drivers are given.

    Returns
    -------
    pandas.DataFrame
        ``org_id, anomaly_score, is_outlier, weak_side, drivers, driver_1, z_1, ...``.
    """
    table = indicators(ctx) if table is None else table
    cfg = ctx.rules.weak
    names = list(INDICATORS)
    X = table[names].astype("float64").to_numpy(copy=True)
    n = len(X)
    k = min(cfg.anomaly_drivers, len(names))
    cols = ["org_id", "anomaly_score", "is_outlier", "weak_side", "drivers"]
    for i in range(1, k + 1):
        cols += [f"driver_{i}", f"z_{i}"]
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    gap = names.index("years_since_last_new")
    never = np.isnan(X[:, gap])
    if never.any() and not never.all():
        X[never, gap] = np.nanmax(X[:, gap]) + 1
    with np.errstate(all="ignore"):
        med = np.array([np.nanmedian(X[:, j]) if not np.isnan(X[:, j]).all() else 0.0
                        for j in range(X.shape[1])])
    Xf = np.where(np.isnan(X), med, X)
    mean = Xf.mean(axis=0)
    std = Xf.std(axis=0)
    Z = np.divide(Xf - mean, std, out=np.zeros_like(Xf), where=std > 0)
    score = np.full(n, np.nan)
    outlier = np.zeros(n, dtype=bool)
    if n >= min_branches:
        from sklearn.ensemble import IsolationForest

        forest = IsolationForest(n_estimators=100, contamination=cfg.anomaly_contamination,
                                 random_state=cfg.random_state)
        forest.fit(Z)
        raw = forest.score_samples(Z)
        score = -raw
        outlier = (raw - forest.offset_) < 0  # what forest.predict(Z) == -1 computes
    order = np.argsort(-np.abs(Z), axis=1, kind="stable")[:, :k]
    direction = np.array([INDICATORS[c] for c in names])
    top_z = np.take_along_axis(Z, order, axis=1)
    weak_side = (top_z * direction[order]).sum(axis=1) > 0
    out = pd.DataFrame({"org_id": table["org_id"].to_numpy(), "anomaly_score": score,
                        "is_outlier": outlier, "weak_side": weak_side})
    name_arr = np.asarray(names, dtype=object)
    drivers = []
    for i in range(k):
        out[f"driver_{i + 1}"] = name_arr[order[:, i]]
        out[f"z_{i + 1}"] = np.round(top_z[:, i], 3)
    for row in range(n):
        drivers.append("; ".join(f"{name_arr[order[row, i]]} ({top_z[row, i]:+.2f})"
                                 for i in range(k)))
    out["drivers"] = drivers
    return out[cols]


@dataclass(frozen=True)
class WeakResult:
    """Weak-branch views: ``indicators``, ``flags``, ``anomalies``, ``branches`` (one row
    per branch with its flags and outlier status) and ``rectification``."""

    indicators: pd.DataFrame
    flags: pd.DataFrame
    anomalies: pd.DataFrame
    branches: pd.DataFrame
    rectification: pd.DataFrame


def weak_context(ctx: HealthContext, scores: pd.DataFrame | None = None) -> WeakResult:
    """All weak-branch views for one context (``scores``: scorecard totals, optional)."""
    table = indicators(ctx, scores)
    flags = weak_flags(ctx, table)
    anom = anomalies(ctx, table)
    summary = table[["org_id", "level"]].copy()
    per = flags.groupby("org_id")["flag"]
    summary["n_flags"] = summary["org_id"].map(per.size()).fillna(0).astype("int64")
    joined = per.agg(";".join) if len(flags) else pd.Series(dtype=object)
    summary["flags"] = summary["org_id"].map(joined).astype(object).where(
        lambda x: x.notna(), "")
    if "score_total" in table:
        summary["score_total"] = table["score_total"].to_numpy()
    a = anom.set_index("org_id")
    summary["anomaly_score"] = summary["org_id"].map(a["anomaly_score"]).astype("float64")
    summary["is_outlier"] = summary["org_id"].map(a["is_outlier"]).fillna(False).astype(bool)
    summary["drivers"] = summary["org_id"].map(a["drivers"])
    official = ctx.ds.orgs.set_index("org_id")["weak_lax"]
    summary["weak_lax"] = summary["org_id"].map(official).astype("boolean")
    summary["weak"] = needs_attention(summary, flags, ctx.rules)
    summary = summary.sort_values(["weak", "n_flags", "anomaly_score", "org_id"],
                                  ascending=[False, False, False, True], kind="stable",
                                  na_position="last").reset_index(drop=True)
    rect = _rectification(ctx, flags, summary, anom)
    ind_cols = ["org_id", "level", *INDICATORS] + (["score_total"] if "score_total" in table
                                                    else [])
    return WeakResult(indicators=table[ind_cols], flags=flags, anomalies=anom,
                      branches=summary, rectification=rect)


def needs_attention(summary: pd.DataFrame, flags: pd.DataFrame, rules: HealthRules
                    ) -> pd.Series:
    """Whether each branch of ``summary`` needs attention: at least
    ``weak.attention_min_signals`` signals (a failed assessment, ``low_score``, counts as
    one of them).

    A single signal, or two, is for the branch to act on; the township's short list takes
    branches whose problems are broad. ``flags`` is accepted for rule variants that weigh
    particular signals.

    >>> from pbkit.health.rules import load_rules
    >>> s = pd.DataFrame({"org_id": ["A", "B", "C"], "n_flags": [1, 3, 2]})
    >>> f = pd.DataFrame({"org_id": ["A", "B", "B", "B", "C", "C"],
    ...     "flag": ["low_score", "ageing", "perfunctory", "low_coverage", "ageing",
    ...              "low_coverage"]})
    >>> needs_attention(s, f, load_rules()).tolist()
    [False, True, False]
    """
    del flags
    return (summary["n_flags"] >= rules.weak.attention_min_signals).astype(bool)


def _rectification(ctx: HealthContext, flags: pd.DataFrame, summary: pd.DataFrame,
                   anom: pd.DataFrame) -> pd.DataFrame:
    from pbkit.i18n import t

    lang = ctx.lang
    rows = []
    attention = set(summary.loc[summary["weak"], "org_id"])
    for rec in flags[flags["org_id"].isin(attention)].to_dict("records"):
        days = ctx.rules.weak.flag(rec["flag"]).deadline_days
        rows.append((rec["org_id"], rec["flag"], t(f"health.flag.{rec['flag']}", lang=lang),
                     rec["evidence"], t(f"health.measure.{rec['flag']}", lang=lang),
                     ctx.as_of + pd.Timedelta(days=days)))
    out = pd.DataFrame(rows, columns=["org_id", "problem", "problem_text", "evidence",
                                      "suggested_measure", "deadline"])
    out["deadline"] = pd.to_datetime(out["deadline"]).astype("datetime64[ns]")
    out["responsible"] = ""
    out["status"] = t("health.status.open", lang=lang)
    return out


def weak_branches(ds: Dataset, *, rules: HealthRules | str | None = None,
                  year: int | None = None, scorecard=None, lang: str | None = None
                  ) -> pd.DataFrame:
    """One row per branch: ``org_id, level, n_flags, flags, score_total, anomaly_score,
    is_outlier, drivers, weak_lax, weak``; branches needing attention first.

    ``flags`` lists the signals raised (their codes joined by ``;``; shown with labels by
    :func:`pbkit.health.report.display_frame`); ``weak`` says whether the branch needs
    attention (:func:`needs_attention`). ``weak_lax`` is the official weak-and-lax
    designation from ``orgs`` (missing if not recorded), for comparison only.

    ``scorecard`` may be a scorecard (or path) to include ``low_score``; the default
    scorecard is used when ``None``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     people=pd.DataFrame({"person_id": ["P1"], "org_id": "V1", "roles": ["member"],
    ...         "gender": ["male"], "education": ["primary"], "birth_year": [1940],
    ...         "join_year": [1970]}),
    ...     activities=pd.DataFrame({"activity_id": ["A1"], "org_id": "V1",
    ...         "kind": ["committee_meeting"], "date": ["2024-06-30"], "expected": 1,
    ...         "attended": 1}))
    >>> row = weak_branches(ds).iloc[0]
    >>> row["flags"], bool(row["weak"])
    ('missed_meetings;development_stalled;ageing', True)
    """
    return _weak(ds, rules, year, scorecard, lang).branches


def rectification_list(ds: Dataset, *, rules: HealthRules | str | None = None,
                       year: int | None = None, scorecard=None, lang: str | None = None
                       ) -> pd.DataFrame:
    """Draft rectification list: one row per signal of a branch that needs attention.

    Columns: ``org_id, problem`` (flag code), ``problem_text``, ``evidence`` (what the
    data shows), ``suggested_measure`` (from the table of measures in zh/en,
    ``health.measure.<flag>`` in ``pbkit/i18n/catalogs/health.yaml``),
    ``deadline`` (as-of date + the flag's ``deadline_days``; a field to adjust),
    ``responsible`` (empty, to fill in) and ``status``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     people=pd.DataFrame({"person_id": ["P1"], "org_id": "V1", "roles": ["member"],
    ...         "gender": ["male"], "education": ["primary"], "birth_year": [1940],
    ...         "join_year": [1970]}),
    ...     activities=pd.DataFrame({"activity_id": ["A1"], "org_id": "V1",
    ...         "kind": ["general_meeting"], "date": ["2024-06-30"], "expected": 1,
    ...         "attended": 1}))
    >>> rl = rectification_list(ds, lang="en")
    >>> rl["problem"].tolist()[:3], str(rl.loc[0, "deadline"].date())
    (['missed_meetings', 'development_stalled', 'ageing'], '2024-09-28')
    """
    return _weak(ds, rules, year, scorecard, lang).rectification


def _weak(ds, rules, year, card, lang) -> WeakResult:
    from pbkit.health.scorecard import score_context

    ctx = HealthContext.create(ds, rules=rules, year=year, lang=lang)
    scores = score_context(ctx, card).totals
    return weak_context(ctx, scores)
