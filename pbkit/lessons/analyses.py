"""The tables the lessons show: one call per worked analysis, each a tidy DataFrame.

Each function is a thin, documented view over :mod:`pbkit.health` and
:mod:`pbkit.networks` (which hold the computations), shaped for teaching: one row per
branch, village, member or indicator, sorted so the row to talk about comes first.

By default (``display=True``) a table is what a trainee reads (:func:`show`): headers,
branch and village names, coded values, yes/no, shares and missing values in ``lang``.
``display=False`` gives the raw table with code columns and values, for exercises that
filter or sort before showing the result with :func:`show`.

A lesson asks several questions of the same dataset, so the shared intermediate results
(one :class:`~pbkit.health.context.HealthContext` per dataset and language, the weak-branch
views, the scorecard) are memoised per dataset *object*: a dataset is immutable, and a
changed one (``Dataset.replace``) is a new object with its own entry. At most
:data:`CACHE_SIZE` datasets are remembered; :func:`clear_cache` forgets them all.

>>> from pbkit.data.sample import load_sample
>>> table = problem_indicators(load_sample(), lang="en", display=False)
>>> table["indicator"].tolist()[:3]
['ageing', 'low_education', 'migrants']
>>> bool(table["value"].between(0, 1).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pbkit.i18n import resolve_lang, t

__all__ = [
    "INDICATORS",
    "ORG_COLUMNS",
    "DISPLAYED",
    "show",
    "CACHE_SIZE",
    "clear_cache",
    "rectification_table",
    "reference_date",
    "problem_indicators",
    "branch_profile",
    "compliance_table",
    "perfunctory_flags",
    "coverage_table",
    "uncovered_households",
    "helper_load_table",
    "overloaded_helpers",
    "plan_summary",
    "attention_table",
    "reach_table",
    "migrant_contact",
    "migrant_pairs",
    "migrant_summary",
    "visit_topics",
    "quorum_table",
    "development_table",
    "weak_table",
    "org_life_table",
    "scorecard_table",
    "scorecard_items",
    "points_table",
    "points_summary",
    "points_by_category",
    "mass_line_list",
    "village_leaders",
    "first_secretaries",
]

#: The six problems of lesson 1, in display order.
INDICATORS: tuple[str, ...] = ("ageing", "low_education", "migrants", "perfunctory",
                               "no_funds", "weak_enterprise")
_POOR_INCOME = ("none", "under_50k")


CACHE_SIZE = 4
_MEMO: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}


def clear_cache() -> None:
    """Forget every memoised intermediate result."""
    _MEMO.clear()


def _memo(ds, lang: str, name: str, build):
    """``build()`` once per (dataset object, language, name); see the module docstring."""
    import weakref

    key = (id(ds), lang)
    entry = _MEMO.get(key)
    if entry is None or entry[0]() is not ds:
        while len(_MEMO) >= CACHE_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        entry = (weakref.ref(ds), {})
        _MEMO[key] = entry
    values = entry[1]
    if name not in values:
        values[name] = build()
    return values[name]


def _ctx(ds, lang: str | None = None):
    from pbkit.health.context import HealthContext

    lang = resolve_lang(lang)
    return _memo(ds, lang, "context", lambda: HealthContext.create(ds, lang=lang))


def _weak(ds, lang: str | None = None):
    from pbkit.health.weak import weak_context

    lang = resolve_lang(lang)
    return _memo(ds, lang, "weak", lambda: weak_context(_ctx(ds, lang)))


def _branch_rows(frame: pd.DataFrame) -> pd.DataFrame:
    from pbkit.health.branches import ALL

    return frame[frame["org_id"] != ALL]


def _share(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


#: Columns holding an organisation id (shown by the organisation's display name).
ORG_COLUMNS: tuple[str, ...] = ("org_id", "village", "sent_from", "stationed_village",
                                "helper_village", "reach_target")

#: Shares whose column name does not say so (shown as % by :func:`show`).
_PERCENT: tuple[str, ...] = ("value", "coverage_before", "coverage_after")

#: The lesson functions whose tables are display-ready by default, by name.
DISPLAYED: dict[str, Any] = {}


def show(ds, frame: pd.DataFrame, lang: str | None = None, *, drop: tuple[str, ...] = (),
         percent: tuple[str, ...] = _PERCENT, rename: dict[str, str] | None = None
         ) -> pd.DataFrame:
    """A raw lesson table as trainees read it, in ``lang``.

    Headers from the label table (``label.col.*``, else ``health.col.*``); organisation
    ids by display name (``orgs.name_code``); coded values, lists of codes and ``;``-joined
    codes as labels (``label.value.*``, ``health.code.*``, the schema's ``ENUM_LABELS``);
    ``*_label`` columns replace their code column; yes/no in words; shares (and the
    ``percent`` columns) as %, counts as integers, dates as ``YYYY-MM-DD``, missing as —.
    ``drop`` names code columns a text column already explains; ``rename`` gives columns
    whose code name means something else in this table another name (before ``percent``). Rows keep their order,
    so a raw table can be filtered and sorted first, then shown.

    Parameters
    ----------
    ds : Dataset
        The dataset the table comes from (for organisation names).
    frame : DataFrame
        A raw table (``display=False``) of this module.
    lang : {"zh", "en"}, optional

    Returns
    -------
    DataFrame
        Text cells only.

    >>> from pbkit.data.sample import load_sample
    >>> ds = load_sample()
    >>> raw = coverage_table(ds, display=False).head(1)
    >>> show(ds, raw, lang="zh").iloc[0].tolist()
    ['桃园村', '12', '1', '11', '8%']
    """
    from pbkit.data.labels import format_kind
    from pbkit.health.report import display_frame, org_display_names

    lang = resolve_lang(lang)
    out = frame.drop(columns=[c for c in drop if c in frame.columns]).copy()
    for col in [c for c in out.columns if c.endswith("_label") and c[:-6] in out.columns]:
        out[col[:-6]] = out[col]
        out = out.drop(columns=col)
    out = out.rename(columns=rename or {})
    names = org_display_names(ds.orgs)
    for col in out.columns:
        series = out[col]
        if col in percent:
            out[col] = [format_kind(v, "percent", lang) for v in series.tolist()]
        elif col in ORG_COLUMNS:
            out[col] = [names.get(v, v) if isinstance(v, str) else t("label.missing", lang=lang)
                        for v in series.tolist()]
        elif pd.api.types.is_bool_dtype(series.dtype):
            out[col] = [format_kind(v, "bool", lang) for v in series.tolist()]
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            out[col] = [format_kind(v if v != v else v.date().isoformat(), "text", lang)
                        for v in series.tolist()]
        elif not pd.api.types.is_numeric_dtype(series.dtype):
            out[col] = [_value_text(col, v, lang) for v in series.tolist()]
    shown = display_frame(out, lang, names=names, text=True)
    shown.columns = [_header(code, label, lang) for code, label in zip(out.columns,
                                                                        shown.columns)]
    return shown


def _header(code: str, label: str, lang: str) -> str:
    from pbkit.data.labels import label_column
    from pbkit.i18n import has_key

    return label_column(code, lang) if has_key(f"label.col.{code}") else label


def _value_text(col: str, value: Any, lang: str) -> Any:
    """A cell of a text column as read: codes (one, a tuple, or ``a;b``) as labels,
    yes/no in words, empty as —; other text unchanged."""
    import re

    from pbkit.data.labels import format_kind

    if isinstance(value, (bool, np.bool_)):
        return format_kind(bool(value), "bool", lang)
    if isinstance(value, (tuple, list)):
        sep = "、" if lang == "zh" else ", "
        return sep.join(_code_text(col, c, lang) for c in value) or t("label.missing", lang=lang)
    if not isinstance(value, str) or value == "":
        return format_kind(None if value == "" else value, "text", lang)
    if not re.fullmatch(r"[a-z0-9_;=]+", value):
        return value
    sep = "、" if lang == "zh" else ", "
    return sep.join(_code_text(col, c, lang) for c in value.split(";") if c)


def _code_text(col: str, code: Any, lang: str) -> str:
    """One code's label: ``label.value.<col>.*``, then ``health.code.*``, then the
    schema's ``ENUM_LABELS`` (the code itself when none knows it)."""
    from pbkit.data.labels import label_enum, label_value
    from pbkit.data.schema import ENUM_LABELS
    from pbkit.i18n import has_key

    code = str(code)
    if has_key(f"label.value.{col}.{code}"):
        return label_value(col, code, lang)
    if has_key(f"health.code.{code}"):
        return t(f"health.code.{code}", lang=lang)
    if code in ENUM_LABELS:
        return label_enum(code, lang)
    return code


def _display_ready(*, drop: tuple[str, ...] = (), percent: tuple[str, ...] = _PERCENT,
                   rename: dict[str, str] | None = None):
    """Give a raw-table function a keyword ``display`` (default ``True``): the table
    through :func:`show`; ``display=False`` gives the raw table with code columns."""
    import functools
    import inspect

    def wrap(func):
        sig = inspect.signature(func)

        @functools.wraps(func)
        def shown(ds, *args, display: bool = True, **kwargs):
            raw = func(ds, *args, **kwargs)
            if not display:
                return raw
            lang = sig.bind(ds, *args, **kwargs).arguments.get("lang")
            return show(ds, raw, lang, drop=drop, percent=percent, rename=rename)

        shown.__signature__ = sig.replace(parameters=[
            *sig.parameters.values(),
            inspect.Parameter("display", inspect.Parameter.KEYWORD_ONLY, default=True,
                              annotation="bool")])
        DISPLAYED[func.__name__] = shown
        return shown

    return wrap


def reference_date(ds) -> pd.Timestamp:
    """The "as of" date of the analyses: the last dated record of the latest year.

    The same date :mod:`pbkit.health` uses, so every lesson reads the data at one moment.
    """
    from pbkit.health.branches import reference_date as ref_date
    from pbkit.health.branches import reference_year

    return ref_date(ds, reference_year(ds))


# ---------------------------------------------------------------- lesson 1
@_display_ready(drop=("indicator",), percent=("share",),
                rename={"label": "problem_name", "value": "share", "numerator": "count",
                        "denominator": "out_of"})
def problem_indicators(ds, lang: str | None = None) -> pd.DataFrame:
    """One share per problem of :data:`INDICATORS` for the whole dataset.

    ===============  ==================================================================
    indicator        value
    ===============  ==================================================================
    ageing           members aged 60+ / members with a known age
    low_education    1 - members with senior-high education or more / known education
    migrants         migrant members / members
    perfunctory      branches with 20%+ of required meetings missing or a perfunctory
                     flag / branches
    no_funds         villages with collective income "none" or "under 50k" / villages
                     with a known income band
    weak_enterprise  enterprise branches with a rule-based weak flag / enterprise
                     branches
    ===============  ==================================================================

    Returns ``indicator, label, value, numerator, denominator``.
    """
    from pbkit.health.weak import weak_flags

    lang = resolve_lang(lang)
    ctx = _ctx(ds, lang)
    summ = _branch_rows(ctx.membership().summary)
    members = summ["members"].fillna(0)
    old = float((summ["share_old"].fillna(0) * members).sum())
    edu = float((summ["share_senior_high_plus"].fillna(0) * members).sum())
    migrants = float(summ["migrants"].fillna(0).sum())
    total = float(members.sum())

    comp = ctx.compliance_summary()
    per = comp.groupby("org_id")[["required", "missing"]].sum()
    bad = set(per.index[(per["missing"] / per["required"].where(per["required"] > 0)) >= 0.2])
    bad |= set(ctx.perfunctory()["org_id"])
    n_branches = len(ctx.branch_ids())

    villages = ds.villages()
    income = villages["collective_income"].dropna()
    poor = int(income.isin(_POOR_INCOME).sum())

    enterprises = ctx.branches()
    enterprises = set(enterprises.loc[enterprises["level"] == "enterprise", "org_id"])
    flagged = set(weak_flags(ctx)["org_id"]) & enterprises
    rows = [
        ("ageing", round(old), total),
        ("low_education", total - round(edu), total),
        ("migrants", migrants, total),
        ("perfunctory", len(bad & set(ctx.branch_ids())), n_branches),
        ("no_funds", poor, len(income)),
        ("weak_enterprise", len(flagged), len(enterprises)),
    ]
    return pd.DataFrame({
        "indicator": [r[0] for r in rows],
        "label": [t(f"lessons.an.indicator.{r[0]}", lang=lang) for r in rows],
        "value": [_share(r[1], r[2]) for r in rows],
        "numerator": [int(r[1]) for r in rows],
        "denominator": [int(r[2]) for r in rows],
    })


@_display_ready()
def branch_profile(ds, lang: str | None = None) -> pd.DataFrame:
    """Per branch: ``org_id, level, members, mean_age, share_old, share_senior_high_plus,
    migrant_share, years_since_last_new`` (from :func:`pbkit.health.membership_summary`),
    oldest branches first."""
    ctx = _ctx(ds, lang)
    summ = _branch_rows(ctx.membership().summary)
    cols = ["org_id", "level", "members", "mean_age", "share_old", "share_senior_high_plus",
            "migrant_share", "years_since_last_new"]
    return (summ[cols].sort_values(["share_old", "org_id"], ascending=[False, True])
            .reset_index(drop=True))


# ---------------------------------------------------------------- lesson 2
@_display_ready()
def compliance_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Per branch and meeting kind over the year: ``org_id, level, kind, kind_label,
    required, held, missing, completion, attendance_rate`` where ``completion = 1 -
    missing / required`` (from :func:`pbkit.health.compliance_summary`)."""
    lang = resolve_lang(lang)
    comp = _ctx(ds, lang).compliance_summary()
    out = comp[["org_id", "level", "kind", "required", "held", "missing", "completion",
                "attendance_rate"]].copy()
    out.insert(3, "kind_label", out["kind"].map(lambda k: _code_label(k, lang)))
    return out.reset_index(drop=True)


@_display_ready(drop=("reason",))
def perfunctory_flags(ds, lang: str | None = None) -> pd.DataFrame:
    """Branches whose records look written up, with the reason in ``lang`` (``org_id,
    kind, reason, n_meetings, message``; see :func:`pbkit.health.perfunctory`)."""
    pf = _ctx(ds, lang).perfunctory()
    return pf[["org_id", "kind", "reason", "n_meetings", "message"]].reset_index(drop=True)


# ---------------------------------------------------------------- lesson 3
@_display_ready()
def coverage_table(ds, lang: str | None = None) -> pd.DataFrame:
    """One-on-one coverage per village: ``org_id, needy, covered, uncovered, coverage``
    with ``coverage = covered / needy`` (households with an active helper on the reference
    date; :func:`pbkit.networks.coverage`), lowest coverage first.

    >>> from pbkit.data.sample import load_sample
    >>> cov = coverage_table(load_sample(), display=False)
    >>> bool((cov["covered"] + cov["uncovered"] == cov["needy"]).all())
    True
    """
    from pbkit.networks import coverage

    cov = coverage(ds, "village", as_of=reference_date(ds)).rename(columns={"village": "org_id"})
    out = cov[["org_id", "needy", "covered", "uncovered", "coverage"]].astype(
        {"needy": "int64", "covered": "int64", "uncovered": "int64", "coverage": "float64"})
    return out.sort_values(["coverage", "org_id"]).reset_index(drop=True)


@_display_ready()
def uncovered_households(ds, lang: str | None = None) -> pd.DataFrame:
    """Needy households with no active one-on-one helper on the reference date:
    ``household_id, org_id, needs, needs_label, size``, by village."""
    lang = resolve_lang(lang)
    hh = _ctx(ds, lang).households()
    out = hh[~hh["covered"]][["household_id", "org_id", "needs", "size"]].copy()
    sep = "、" if lang == "zh" else ", "
    out.insert(3, "needs_label", out["needs"].map(
        lambda needs: sep.join(_code_label(n, lang) for n in (needs or ()))))
    return out.sort_values(["org_id", "household_id"]).reset_index(drop=True)


@_display_ready()
def helper_load_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Every eligible helper with active one-on-one pairs against capacity, heaviest first
    (:func:`pbkit.networks.helper_load`): ``person_id, org_id, village, capacity, pairs,
    load_ratio, spare, overloaded, migrant`` with ``load_ratio = pairs / capacity`` and
    ``overloaded = pairs > capacity``; helpers with no pair are included (pairs = 0)."""
    from pbkit.networks import helper_load

    load = helper_load(ds, as_of=reference_date(ds))
    return load.sort_values(["pairs", "person_id"], ascending=[False, True]).reset_index(
        drop=True)


@_display_ready()
def overloaded_helpers(ds, lang: str | None = None) -> pd.DataFrame:
    """The helpers of :func:`helper_load_table` carrying more pairs than their capacity."""
    table = helper_load_table(ds, lang, display=False)
    return table[table["overloaded"]].reset_index(drop=True)


@_display_ready()
def plan_summary(ds, *, keep_existing: bool = False, radius_km: float | None = None,
                 lang: str | None = None) -> pd.DataFrame:
    """Coverage before and after a one-on-one plan (:func:`pbkit.networks.plan`), one row:
    ``needy, covered_before, covered_after, coverage_before, coverage_after, pairs, kept,
    changes, uncovered`` (figures not reported by the planner are left empty)."""
    from pbkit.networks import plan

    lang = resolve_lang(lang)
    as_of = reference_date(ds)
    result = plan(ds, "one_on_one", keep_existing=keep_existing, radius_km=radius_km,
                  lang=lang, as_of=as_of)
    cov = coverage_table(ds, lang, display=False)
    needy = int(cov["needy"].sum())
    before = int(cov["covered"].sum())
    obj = dict(result.objective)
    after = int(obj.get("covered", len(result.pairs)))
    return pd.DataFrame([{
        "needy": needy, "covered_before": before, "covered_after": after,
        "coverage_before": _share(before, needy), "coverage_after": _share(after, needy),
        "pairs": len(result.pairs), "kept": obj.get("kept"), "changes": obj.get("changes"),
        "uncovered": len(result.uncovered),
    }])


# ---------------------------------------------------------------- lesson 4
@_display_ready()
def attention_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Visits and solved problems per needy household by village, fewest visits first
    (from :func:`pbkit.health.attention_fairness`): ``org_id, needy_households, visits,
    solved, visits_per_household, solved_per_household, neglected``."""
    res = _fairness(ds, lang)
    cols = ["org_id", "needy_households", "visits", "solved", "visits_per_household",
            "solved_per_household", "neglected"]
    return (res.villages[cols].sort_values(["visits_per_household", "org_id"])
            .reset_index(drop=True))


def _fairness(ds, lang):
    from pbkit.health.fairness import fairness_context

    lang = resolve_lang(lang)
    return _memo(ds, lang, "fairness", lambda: fairness_context(_ctx(ds, lang)))


@_display_ready(rename={"target_id": "reach_target", "kind": "reach_kind"})
def reach_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Whether every village secretary and student official has 2+1 mentors and every
    village a complete bao-cun team (:func:`pbkit.networks.reach`): ``target_id, kind,
    kind_label, org_id, two_plus_one_links, bao_cun_members, team_complete, reached``,
    those not reached first."""
    from pbkit.networks import reach

    lang = resolve_lang(lang)
    table = reach(ds, as_of=reference_date(ds))
    cols = ["target_id", "kind", "org_id", "two_plus_one_links", "bao_cun_members",
            "team_complete", "reached"]
    out = table[cols].copy()
    out.insert(2, "kind_label", out["kind"].map(lambda k: _code_label(k, lang)))
    return out.sort_values(["reached", "kind", "target_id"]).reset_index(drop=True)


# ---------------------------------------------------------------- lesson 5
@_display_ready()
def migrant_contact(ds, lang: str | None = None) -> pd.DataFrame:
    """Every migrant member with months since the last contact and of unpaid dues, most
    overdue first: ``person_id, org_id, destination, months_since_contact,
    months_dues_unpaid, out_of_contact, reason`` (rules of
    :meth:`pbkit.health.context.HealthContext.migrant_status`)."""
    ms = _ctx(ds, lang).migrant_status()
    cols = ["person_id", "org_id", "destination", "months_since_contact", "months_dues_unpaid",
            "out_of_contact", "reason"]
    return (ms[cols].sort_values(["months_since_contact", "person_id"],
                                 ascending=[False, True], na_position="first")
            .reset_index(drop=True))


@_display_ready()
def migrant_pairs(ds, months: int | None = None, lang: str | None = None) -> pd.DataFrame:
    """One-on-one pairs whose helper is a migrant member, and whether the household keeps
    another helper: ``source_id, target_id, months_since_contact, away, household_left``.

    ``away`` is every migrant helper, or, with ``months``, the migrant helpers without
    contact for at least ``months`` months; ``household_left`` is true when all the
    household's active helpers are away.
    """
    from pbkit.health.branches import active_pairings

    ms = _ctx(ds, lang).migrant_status().set_index("person_id")
    pairs = active_pairings(ds, reference_date(ds), "one_on_one")[["source_id", "target_id"]]
    since = pairs["source_id"].map(ms["months_since_contact"])
    is_migrant = pairs["source_id"].isin(ms.index)
    away = is_migrant if months is None else is_migrant & (since.fillna(np.inf) >= months)
    out = pairs.assign(migrant=is_migrant.to_numpy(bool), months_since_contact=since,
                       away=away.to_numpy(bool))
    all_away = out.groupby("target_id")["away"].transform("all")
    out["household_left"] = all_away.to_numpy(bool) & out["away"].to_numpy(bool)
    out = out[out["migrant"]].drop(columns="migrant")
    return out.sort_values(["household_left", "source_id", "target_id"],
                           ascending=[False, True, True]).reset_index(drop=True)


@_display_ready()
def migrant_summary(ds, months: int = 6, lang: str | None = None) -> pd.DataFrame:
    """One row: ``migrants``, ``out_of_touch`` (no contact for ``months``+ months or no
    contact record), ``pairs_broken`` (their one-on-one pairs) and ``households_left``
    (households whose every helper is among them).

    >>> from pbkit.data.sample import load_sample
    >>> ds = load_sample()
    >>> a, b = migrant_summary(ds, 1, display=False), migrant_summary(ds, 24, display=False)
    >>> int(a["out_of_touch"].iloc[0]) >= int(b["out_of_touch"].iloc[0])
    True
    """
    contact = migrant_contact(ds, lang, display=False)
    since = contact["months_since_contact"]
    pairs = migrant_pairs(ds, months=months, lang=lang, display=False)
    away = pairs[pairs["away"]]
    return pd.DataFrame([{
        "migrants": len(contact),
        "out_of_touch": int((since.isna() | (since >= months)).sum()),
        "pairs_broken": len(away),
        "households_left": int(away.loc[away["household_left"], "target_id"].nunique()),
    }])


# ---------------------------------------------------------------- lessons 6 and 12
@_display_ready()
def visit_topics(ds, topic: str | None = None, lang: str | None = None) -> pd.DataFrame:
    """Visits of the year by village and topic: ``org_id, topic, topic_label, visits,
    solved, solved_rate`` with ``solved_rate = visits with the problem solved / visits with
    a recorded outcome``; only ``topic`` when given. Most visits first.

    >>> from pbkit.data.sample import load_sample
    >>> set(visit_topics(load_sample(), topic="dispute", lang="en", display=False)["topic"])
    {'dispute'}
    """
    lang = resolve_lang(lang)
    v = _ctx(ds, lang).visits()
    v = v.assign(topic=v["topic"].fillna("other"))
    if topic is not None:
        v = v[v["topic"] == topic]
    known = v["problem_solved"].notna()
    solved = v["problem_solved"].fillna(False).astype(bool)
    g = v.assign(_solved=solved, _known=known).groupby(["org_id", "topic"])
    out = pd.DataFrame({"visits": g.size(), "solved": g["_solved"].sum(),
                        "_known": g["_known"].sum()}).reset_index()
    out["solved_rate"] = out["solved"] / out["_known"].where(out["_known"] > 0)
    out = out.drop(columns="_known").astype({"visits": "int64", "solved": "int64"})
    out.insert(2, "topic_label", out["topic"].map(lambda k: _code_label(k, lang)))
    return out.sort_values(["visits", "org_id", "topic"], ascending=[False, True, True]
                           ).reset_index(drop=True)


# ---------------------------------------------------------------- lesson 7
@_display_ready()
def quorum_table(ds, threshold: float = 0.5, lang: str | None = None) -> pd.DataFrame:
    """General membership meetings of the year per branch against a quorum:
    ``org_id, meetings, mean_share, min_share, with_quorum`` where ``share = attended /
    expected`` of one meeting and ``with_quorum`` counts meetings with ``share >
    threshold``. Branches that held none have ``meetings = 0``.

    >>> from pbkit.data.sample import load_sample
    >>> ds = load_sample()
    >>> strict = quorum_table(ds, 0.9, display=False)
    >>> loose = quorum_table(ds, 0.3, display=False)
    >>> int(strict["with_quorum"].sum()) <= int(loose["with_quorum"].sum())
    True
    """
    ctx = _ctx(ds, lang)
    acts = ctx.activities()
    gm = acts[acts["kind"] == "general_meeting"]
    share = gm["attended"].astype("float64") / gm["expected"].astype("float64").where(
        gm["expected"] > 0)
    gm = gm.assign(share=share)
    g = gm.groupby("org_id")
    out = pd.DataFrame(index=ctx.branch_ids())
    out["meetings"] = g.size().reindex(out.index).fillna(0).astype("int64")
    out["mean_share"] = g["share"].mean().reindex(out.index)
    out["min_share"] = g["share"].min().reindex(out.index)
    out["with_quorum"] = g["share"].apply(lambda s: int((s > threshold).sum())).reindex(
        out.index).fillna(0).astype("int64")
    return out.reset_index().sort_values(["mean_share", "org_id"], na_position="first"
                                         ).reset_index(drop=True)


# ---------------------------------------------------------------- lesson 8
@_display_ready()
def development_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Recruitment per branch: ``org_id, level, members, new_members, new_per_year,
    last_join_year, years_since_last_new`` (window of the health rules), longest gap
    first (a branch with no recorded recruitment at all first of all)."""
    summ = _branch_rows(_ctx(ds, lang).membership().summary)
    cols = ["org_id", "level", "members", "new_members", "new_per_year", "last_join_year",
            "years_since_last_new"]
    return (summ[cols].sort_values(["years_since_last_new", "org_id"], ascending=[False, True],
                                   na_position="first")  # never recruited: on top
            .reset_index(drop=True))


# ---------------------------------------------------------------- lesson 9
@_display_ready()
def weak_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Rule flags and outlier score per branch (:func:`pbkit.health.weak_branches`),
    flagged branches first."""
    return _weak(ds, lang).branches.reset_index(drop=True)


@_display_ready(drop=("problem",))
def rectification_table(ds, lang: str | None = None) -> pd.DataFrame:
    """The draft rectification list of every flagged branch (``org_id, problem,
    problem_text, evidence, suggested_measure, deadline, responsible, status``;
    :func:`pbkit.health.rectification_list`)."""
    return _weak(ds, lang).rectification.reset_index(drop=True)


# ---------------------------------------------------------------- lesson 10
@_display_ready()
def org_life_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Yearly organisation life meetings and democratic appraisals per branch:
    ``org_id, level, org_life_meeting, democratic_appraisal, attendance_rate`` (held
    counts; attendance over both kinds), branches missing one first."""
    comp = _ctx(ds, lang).compliance_summary()
    kinds = ["org_life_meeting", "democratic_appraisal"]
    sub = comp[comp["kind"].isin(kinds)]
    held = sub.pivot_table(index=["org_id", "level"], columns="kind", values="held",
                           aggfunc="sum", fill_value=0)
    for k in kinds:
        if k not in held.columns:
            held[k] = 0
    held = held[kinds].astype("int64")
    att = sub.groupby(["org_id", "level"])[["attended", "expected"]].sum()
    held["attendance_rate"] = att["attended"] / att["expected"].where(att["expected"] > 0)
    out = held.reset_index()
    out.columns.name = None
    done = (out["org_life_meeting"] > 0) & (out["democratic_appraisal"] > 0)
    return out.assign(_d=done).sort_values(["_d", "org_id"]).drop(columns="_d").reset_index(
        drop=True)


# ---------------------------------------------------------------- lesson 11
def _scorecard(ds, lang):
    from pbkit.health.scorecard import score_context

    lang = resolve_lang(lang)
    return _memo(ds, lang, "scorecard", lambda: score_context(_ctx(ds, lang), None))


@_display_ready()
def scorecard_table(ds, lang: str | None = None) -> pd.DataFrame:
    """Totals of the 100-point assessment per branch, best first (``org_id, level, total,
    max_total, rank``; :func:`pbkit.health.scorecard.scorecard`)."""
    return _scorecard(ds, lang).totals.reset_index(drop=True)


@_display_ready()
def scorecard_items(ds, lang: str | None = None) -> pd.DataFrame:
    """Points per branch and item (``org_id, item, points, max_points, lost, ...``)."""
    return _scorecard(ds, lang).items.reset_index(drop=True)


def _code_label(code: Any, lang: str) -> str:
    from pbkit.data.schema import ENUM_LABELS

    if lang == "zh":
        return ENUM_LABELS.get(str(code), str(code))
    return str(code).replace("_", " ")


# ---------------------------------------------------------------- lessons 13-15
def _shown(frame: pd.DataFrame, kinds: dict[str, str], lang: str, ds=None) -> pd.DataFrame:
    """What a user reads: headers from the label table (``label.col.*``), organisation ids
    of :data:`ORG_COLUMNS` by display name (with ``ds``) and values shown by kind
    (``percent`` as %, ``count`` as integers, ``number``, missing as —), through
    :mod:`pbkit.data.labels`."""
    from pbkit.data.labels import format_kind, label_column

    out = frame.copy()
    if ds is not None:
        from pbkit.health.report import org_display_names

        names = org_display_names(ds.orgs)
        for col in [c for c in ORG_COLUMNS if c in out.columns]:
            out[col] = [names.get(v, v) if isinstance(v, str) else t("label.missing", lang=lang)
                        for v in out[col].tolist()]
    for col, kind in kinds.items():
        out[col] = [format_kind(v, kind, lang) for v in out[col].tolist()]
    out.columns = [label_column(c, lang) for c in out.columns]
    return out


def _points(ds, lang: str):
    from pbkit.lessons.points import member_points

    lang = resolve_lang(lang)
    return _memo(ds, lang, "points", lambda: member_points(ds, lang=lang))


def _scale_label(kind: str, code: Any, lang: str) -> str:
    from pbkit.lessons.points import load_scale

    scale = load_scale()
    table = {"item": scale.items, "post": scale.posts,
             "band": {b["id"]: b for b in scale.bands}}[kind]
    if code is None or code != code or code not in table:
        return t("label.missing", lang=lang)
    return str(table[code][lang])


def points_table(ds, org_id: str | None = None, lang: str | None = None,
                 display: bool = True) -> pd.DataFrame:
    """The example points table of lesson 13 (:func:`pbkit.lessons.points.member_points`),
    lowest total first; only branch ``org_id`` when given.

    With ``display`` (default) the table is what a trainee reads: member id, branch,
    category (分类管理), post (设岗定责), the points of each scale item, total and band,
    with labelled headers. ``display=False`` gives the raw table with code values.

    >>> from pbkit.data.sample import load_sample
    >>> raw = points_table(load_sample(), display=False)
    >>> bool((raw["total"].diff().dropna() >= 0).all())
    True
    >>> "总分" in points_table(load_sample(), lang="zh").columns
    True
    """
    lang = resolve_lang(lang)
    table = _points(ds, lang)
    if org_id is not None:
        table = table[table["org_id"] == org_id]
    table = table.sort_values(["total", "person_id"]).reset_index(drop=True)
    if not display:
        return table
    from pbkit.lessons.points import load_scale

    items = list(load_scale().items)
    out = table[["person_id", "org_id", "category", "post", *items, "total", "band"]].copy()
    out["category"] = out["category"].map(lambda c: t(f"lessons.an.category.{c}", lang=lang))
    out["post"] = out["post"].map(lambda c: _scale_label("post", c, lang))
    out["band"] = out["band"].map(lambda c: _scale_label("band", c, lang))
    shown = _shown(out, {c: "number" for c in [*items, "total"]}, lang, ds)
    names = {c: _scale_label("item", c, lang) for c in items}
    return shown.rename(columns=names)


def points_summary(ds, lang: str | None = None, display: bool = True) -> pd.DataFrame:
    """Points per village (lesson 13): ``org_id, members, mean_total, share_low,
    share_high, weakest_item`` where ``weakest_item`` is the scale item whose mean points
    fall furthest below its maximum (as a share of the maximum); lowest mean first.

    >>> from pbkit.data.sample import load_sample
    >>> raw = points_summary(load_sample(), display=False)
    >>> bool(raw["share_low"].between(0, 1).all())
    True
    """
    from pbkit.lessons.points import load_scale

    lang = resolve_lang(lang)
    scale = load_scale()
    table = _points(ds, lang)
    g = table.groupby("org_id")
    out = pd.DataFrame({"members": g.size(), "mean_total": g["total"].mean(),
                        "share_low": g["band"].apply(lambda b: float((b == "low").mean())),
                        "share_high": g["band"].apply(lambda b: float((b == "high").mean()))})
    got = g[list(scale.items)].mean()
    maxima = pd.Series({k: float(v["max"]) for k, v in scale.items.items()})
    out["weakest_item"] = (got / maxima).idxmin(axis=1)
    out = out.reset_index().sort_values(["mean_total", "org_id"]).reset_index(drop=True)
    if not display:
        return out
    out["weakest_item"] = out["weakest_item"].map(lambda c: _scale_label("item", c, lang))
    out["mean_total"] = out["mean_total"].round(1)
    return _shown(out, {"members": "count", "mean_total": "number", "share_low": "percent",
                        "share_high": "percent"}, lang, ds)


def points_by_category(ds, lang: str | None = None, display: bool = True) -> pd.DataFrame:
    """分类管理 view of the points (lesson 13): per category of member, ``category,
    members, mean_total, share_low`` and the mean points of each scale item.

    >>> from pbkit.data.sample import load_sample
    >>> raw = points_by_category(load_sample(), display=False)
    >>> set(raw["category"]) <= {"at_home", "migrant", "elderly", "probationary"}
    True
    """
    from pbkit.lessons.points import CATEGORIES, load_scale

    lang = resolve_lang(lang)
    items = list(load_scale().items)
    table = _points(ds, lang)
    g = table.groupby("category")
    out = pd.DataFrame({"members": g.size(), "mean_total": g["total"].mean(),
                        "share_low": g["band"].apply(lambda b: float((b == "low").mean()))})
    out = out.join(g[items].mean())
    order = [c for c in CATEGORIES if c in out.index]
    out = out.loc[order].reset_index()
    if not display:
        return out
    out["category"] = out["category"].map(lambda c: t(f"lessons.an.category.{c}", lang=lang))
    out["mean_total"] = out["mean_total"].round(1)
    shown = _shown(out, {"members": "count", "mean_total": "number", "share_low": "percent",
                         **{c: "number" for c in items}}, lang, ds)
    for c in items:
        shown[_scale_label("item", c, lang)] = [f"{float(v):.1f}" for v in out[c]]
    return shown.drop(columns=[label for label in shown.columns if label in items])


#: Visit topics whose problems usually need a higher department or money (an example
#: split for the rectification list of lesson 14; a branch decides its own).
GRADUAL_TOPICS: tuple[str, ...] = ("employment", "health")


def mass_line_list(ds, threshold: float = 0.5, min_visits: int = 3,
                   gradual: tuple[str, ...] = GRADUAL_TOPICS, lang: str | None = None,
                   display: bool = True) -> pd.DataFrame:
    """A draft rectification list (整改清单) from what villagers raised (lesson 14).

    One row per village and visit topic with at least ``min_visits`` visits of the year
    and a solved rate below ``threshold``: ``org_id, topic, visits, solved, solved_rate,
    term, deadline, responsible``. ``term`` is ``immediate`` (立行立改, deadline one month
    after the reference date) or, for ``gradual`` topics, ``gradual`` (逐步整改, six
    months). Lowest solved rate first. The list is a draft for the branch to discuss, not
    a finding.

    >>> from pbkit.data.sample import load_sample
    >>> raw = mass_line_list(load_sample(), display=False)
    >>> bool((raw["solved_rate"] < 0.5).all()) and set(raw["term"]) <= {"immediate", "gradual"}
    True
    """
    lang = resolve_lang(lang)
    topics = visit_topics(ds, lang=lang, display=False)
    levels = _ctx(ds, lang).branches().set_index("org_id")["level"]
    topics = topics[topics["org_id"].map(levels).isin(["village", "community"])]
    rows = topics[(topics["visits"] >= min_visits) & (topics["solved_rate"] < threshold)]
    rows = rows[["org_id", "topic", "visits", "solved", "solved_rate"]].copy()
    rows["term"] = np.where(rows["topic"].isin(gradual), "gradual", "immediate")
    ref = reference_date(ds)
    months = np.where(rows["term"] == "gradual", 6, 1)
    rows["deadline"] = [(ref + pd.DateOffset(months=int(m))).date().isoformat()
                        for m in months]
    rows["responsible"] = rows["term"]
    rows = rows.sort_values(["solved_rate", "org_id", "topic"]).reset_index(drop=True)
    if not display:
        return rows
    out = rows.copy()
    out["topic"] = out["topic"].map(lambda k: _code_label(k, lang))
    out["term"] = out["term"].map(lambda k: t(f"lessons.an.term.{k}", lang=lang))
    out["responsible"] = out["responsible"].map(
        lambda k: t(f"lessons.an.responsible.{k}", lang=lang))
    return _shown(out, {"visits": "count", "solved": "count", "solved_rate": "percent"},
                  lang, ds)


def first_secretaries(ds, lang: str | None = None, display: bool = True) -> pd.DataFrame:
    """Every first secretary (第一书记) and the village their visits of the year go to most
    (taken as the village they are stationed in; the dataset does not record the posting):
    ``person_id, sent_from, stationed_village, visits, share_there, solved_rate``
    (lesson 15).

    >>> from pbkit.data.sample import load_sample
    >>> raw = first_secretaries(load_sample(), display=False)
    >>> bool(raw["share_there"].dropna().between(0, 1).all())
    True
    """
    lang = resolve_lang(lang)
    people = ds.people
    fs = people[people["roles"].map(lambda r: isinstance(r, tuple) and "first_secretary" in r)]
    v = _ctx(ds, lang).visits()
    rows = []
    for pid, org in zip(fs["person_id"], fs["org_id"]):
        mine = v[v["person_id"] == pid]
        counts = mine.groupby("org_id").size().sort_values(ascending=False, kind="stable")
        village = counts.index[0] if len(counts) else None
        there = mine[mine["org_id"] == village] if village is not None else mine.iloc[:0]
        known = there["problem_solved"].dropna().astype(bool)
        rows.append({"person_id": pid, "sent_from": org, "stationed_village": village,
                     "visits": len(mine), "share_there": _share(len(there), len(mine)),
                     "solved_rate": float(known.mean()) if len(known) else float("nan")})
    out = pd.DataFrame(rows, columns=["person_id", "sent_from", "stationed_village", "visits",
                                      "share_there", "solved_rate"])
    out = out.sort_values("person_id").reset_index(drop=True)
    if not display:
        return out
    return _shown(out, {"visits": "count", "share_there": "percent", "solved_rate": "percent"},
                  lang, ds)


def village_leaders(ds, lang: str | None = None, display: bool = True) -> pd.DataFrame:
    """Per village and community (lesson 15): who leads and who could follow.

    ``org_id, collective_income, weak_lax, secretary_age, secretary_education, members,
    young_members, activists, reserve_pool, first_secretary_visits`` where
    ``young_members`` are members under 50 and ``reserve_pool`` the people of the village
    (members and activists) under 50 with senior-high education or more who are not
    migrants (an illustrative pool for 后备干部, not a selection rule);
    ``first_secretary_visits`` counts the year's visits of first secretaries to the
    village. Villages flagged weak and lax first, then the smallest pool.

    >>> from pbkit.data.sample import load_sample
    >>> raw = village_leaders(load_sample(), display=False)
    >>> bool((raw["young_members"] <= raw["members"]).all())
    True
    """
    from pbkit.health.branches import age_band_of

    lang = resolve_lang(lang)
    ctx = _ctx(ds, lang)
    orgs = ds.orgs.set_index("org_id")
    ids = [o for o in ctx.branch_ids() if orgs.at[o, "level"] in ("village", "community")]
    young_bands = ("18-29", "30-39", "40-49")
    educated = ("senior_high", "college", "bachelor", "postgraduate")
    people = ds.people.assign(band=age_band_of(ds.people, ctx.year).to_numpy())
    has = lambda role: people["roles"].map(  # noqa: E731
        lambda r: isinstance(r, tuple) and role in r).to_numpy(bool)
    mem = ctx.members()
    mem = mem.assign(young=age_band_of(mem, ctx.year).isin(young_bands).to_numpy())
    pool = people[(has("activist") | people["person_id"].isin(mem["person_id"]).to_numpy())
                  & people["band"].isin(young_bands).to_numpy()
                  & people["education"].isin(educated).to_numpy()
                  & ~people["migrant"].fillna(False).astype(bool).to_numpy()]
    secs = people[has("secretary")].drop_duplicates("org_id").set_index("org_id")
    fs_ids = set(people.loc[has("first_secretary"), "person_id"])
    v = ctx.visits()
    out = pd.DataFrame({"org_id": ids})
    out["collective_income"] = out["org_id"].map(orgs["collective_income"])
    out["weak_lax"] = out["org_id"].map(orgs["weak_lax"]).fillna(False).astype(bool)
    out["secretary_age"] = out["org_id"].map(secs["band"])
    out["secretary_education"] = out["org_id"].map(secs["education"])
    g = mem.groupby("org_id")
    for col, series in (("members", g.size()), ("young_members", g["young"].sum()),
                        ("activists", people[has("activist")].groupby("org_id").size()),
                        ("reserve_pool", pool.groupby("org_id").size()),
                        ("first_secretary_visits",
                         v[v["person_id"].isin(fs_ids)].groupby("org_id").size())):
        out[col] = out["org_id"].map(series).fillna(0).astype("int64")
    out = out.sort_values(["weak_lax", "reserve_pool", "org_id"],
                          ascending=[False, True, True]).reset_index(drop=True)
    if not display:
        return out
    shown = out.copy()
    from pbkit.data.labels import label_value

    shown["collective_income"] = shown["collective_income"].map(
        lambda k: label_value("collective_income", k, lang) if isinstance(k, str) else None)
    shown["secretary_education"] = shown["secretary_education"].map(
        lambda k: _code_label(k, lang) if isinstance(k, str) else None)
    counts = ("members", "young_members", "activists", "reserve_pool", "first_secretary_visits")
    return _shown(shown, {"weak_lax": "bool", "secretary_age": "text",
                          **{c: "count" for c in counts}}, lang, ds)
