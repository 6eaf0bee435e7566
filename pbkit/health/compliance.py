"""Meeting-rule compliance: required, held and missing meetings per branch and period.

For every branch (an org at a level the rule applies to), every meeting kind of the rule
table and every period of the year (month, quarter, half-year or year, from the rule's
frequency)::

    required = times                       (from the rule)
    held     = number of activities of that kind in the period
    missing  = max(required - held, 0)     (an extra meeting in March does not make up
                                            for a missing one in April)
    attendance_rate = sum(attended) / sum(expected)   (NaN when nothing was held)

Branches (orgs at a level of ``branch_levels``) with no activity at all appear with
everything missing. A meeting rule applies to the branches at one of its ``levels`` that
meet its ``applies_if`` conditions (:func:`branch_facts`): a branch with fewer than 7 full
members has no branch committee and owes no committee meeting, a branch without party
groups owes no group meeting. Periods that start after ``as_of`` (when given) are "not
yet due" and left out.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(
...     orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
...     activities=pd.DataFrame({"activity_id": [f"A{m}" for m in range(1, 11)],
...         "org_id": "V1", "kind": "committee_meeting",
...         "date": [f"2024-{m:02d}-10" for m in range(1, 11)],
...         "expected": 8, "attended": 6}))
>>> s = compliance_summary(ds, year=2024)
>>> s.loc[s.kind == "committee_meeting", ["required", "held", "missing"]].values.tolist()
[[12, 10, 2]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.errors import UsageError
from pbkit.health.branches import branches, members, reference_year
from pbkit.health.rules import FREQUENCIES, HealthRules, resolve_rules

__all__ = [
    "period_table",
    "branch_facts",
    "applicable_rules",
    "compliance",
    "compliance_summary",
    "meeting_calendar",
    "perfunctory",
    "year_activities",
    "year_rows",
    "activity_totals",
    "combine_totals",
    "low_attendance_rows",
    "PERFUNCTORY_REASONS",
]

PERFUNCTORY_REASONS = ("same_attendance", "same_day_of_month", "full_attendance_with_migrants",
                       "bundled_dates")


def period_table(rules: HealthRules, year: int) -> pd.DataFrame:
    """One row per (kind, period) of ``year``: ``kind, frequency, period_no, period,
    period_start, period_end, required, min_attendance, levels``.

    >>> from pbkit.health.rules import load_rules
    >>> p = period_table(load_rules(), 2024)
    >>> p[p.kind == "general_meeting"]["period"].tolist()
    ['2024Q1', '2024Q2', '2024Q3', '2024Q4']
    """
    rows = []
    for rule in rules.meetings:
        n = FREQUENCIES[rule.frequency]
        step = 12 // n
        for i in range(n):
            start = pd.Timestamp(year=year, month=i * step + 1, day=1)
            end = start + pd.DateOffset(months=step) - pd.Timedelta(days=1)
            label = {12: f"{year}-{i + 1:02d}", 4: f"{year}Q{i + 1}", 2: f"{year}H{i + 1}",
                     1: f"{year}"}[n]
            rows.append((rule.kind, rule.frequency, i + 1, label, start, end, rule.times,
                         rule.min_attendance, rule.levels))
    return pd.DataFrame(rows, columns=["kind", "frequency", "period_no", "period",
                                       "period_start", "period_end", "required",
                                       "min_attendance", "levels"])


def year_activities(ds: Dataset, rules: HealthRules, year: int) -> pd.DataFrame:
    """Activities of ``year`` whose kind is in the rule table, with ``period_no`` added."""
    return year_rows(ds.activities, rules, year)


def year_rows(acts: pd.DataFrame, rules: HealthRules, year: int) -> pd.DataFrame:
    """:func:`year_activities` of an activities frame (a whole table or a part of it)."""
    acts = acts[(acts["date"].dt.year == year) & acts["kind"].isin(rules.kinds)]
    steps = {m.kind: 12 // FREQUENCIES[m.frequency] for m in rules.meetings}
    step = acts["kind"].map(steps).astype("int64")
    out = acts.assign(period_no=((acts["date"].dt.month - 1) // step + 1).astype("int64"))
    return out


TOTAL_KEYS = ["org_id", "kind", "month"]


def activity_totals(acts: pd.DataFrame) -> pd.DataFrame:
    """Meetings per organisation, kind and month: ``org_id, kind, month, held, expected,
    attended`` (``held`` = meetings recorded, the others summed; missing counts skipped),
    sorted by the keys. Totals of disjoint parts add up (:func:`combine_totals`), which
    is how the Dask engine computes them file by file.

    >>> import pandas as pd
    >>> acts = pd.DataFrame({"org_id": ["V1", "V1"], "kind": "party_lesson",
    ...     "date": pd.to_datetime(["2024-03-01", "2024-03-20"]),
    ...     "expected": pd.array([5, 6], dtype="Int64"), "attended": pd.array([4, None],
    ...     dtype="Int64")})
    >>> activity_totals(acts).values.tolist()
    [['V1', 'party_lesson', 3, 2, 11, 4]]
    """
    frame = pd.DataFrame({
        "org_id": acts["org_id"], "kind": acts["kind"],
        "month": acts["date"].dt.month, "held": np.ones(len(acts), dtype="int64"),
        "expected": acts["expected"].astype("Int64"),
        "attended": acts["attended"].astype("Int64")})
    return combine_totals([frame])


def combine_totals(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Add up :func:`activity_totals` frames of disjoint parts of the activities."""
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out = frame.groupby(TOTAL_KEYS, observed=True)[["held", "expected", "attended"]].sum()
    out = out.reset_index()
    return out.astype({"org_id": "str", "kind": "str", "month": "int64", "held": "int64",
                       "expected": "int64", "attended": "int64"})


def low_attendance_rows(acts: pd.DataFrame, rules: HealthRules) -> pd.DataFrame:
    """Meetings with ``attended / expected`` below their kind's ``min_attendance``:
    ``org_id, activity_id, kind, date, expected, attended, attendance_rate`` (row order
    kept; a meeting with nobody expected has no rate and is never low)."""
    minimum = acts["kind"].map({m.kind: m.min_attendance for m in rules.meetings}).astype(
        "float64")
    den = acts["expected"].astype("float64")
    rate = acts["attended"].astype("float64") / den.where(den > 0)
    low = acts.assign(attendance_rate=rate)[rate < minimum]
    return low[["org_id", "activity_id", "kind", "date", "expected", "attended",
                "attendance_rate"]]


def branch_facts(orgs: pd.DataFrame, full_members: pd.Series, totals: pd.DataFrame,
                 rules: HealthRules) -> pd.DataFrame:
    """Facts of each branch the meeting rules depend on: ``org_id, level, full_members,
    has_groups``.

    ``full_members`` counts full (not probationary) members who had joined by the year
    (missing when the data lists no member of the branch: its size is unknown, and then
    every rule applies, as when the facts are not known). The data has no column for party
    groups: a branch ``has_groups`` when it recorded a group meeting in the year
    (``totals``: :func:`activity_totals`) or has at least
    ``party_groups.assume_from_full_members`` full members.

    >>> import pandas as pd
    >>> from pbkit.health.rules import load_rules
    >>> orgs = pd.DataFrame({"org_id": ["E1", "V1"], "level": ["enterprise", "village"]})
    >>> tot = pd.DataFrame({"org_id": ["E1"], "kind": ["group_meeting"], "month": [1],
    ...                     "held": [1], "expected": [3], "attended": [3]})
    >>> f = branch_facts(orgs, pd.Series({"E1": 5, "V1": 40}), tot, load_rules())
    >>> f[["org_id", "full_members", "has_groups"]].values.tolist()
    [['E1', 5, True], ['V1', 40, True]]
    """
    out = orgs[["org_id", "level"]].copy()
    full = full_members.reindex(out["org_id"]).astype("float64")
    out["full_members"] = pd.array(full.to_numpy(), dtype="Int64")
    known = full.notna().to_numpy()
    grouped = set(totals.loc[(totals["kind"] == "group_meeting") & (totals["held"] > 0),
                             "org_id"])
    has = out["org_id"].isin(grouped).to_numpy() | ~known
    assume = rules.party_groups.assume_from_full_members
    if assume is not None:
        has |= known & (full.fillna(0).to_numpy() >= assume)
    out["has_groups"] = has
    return out.reset_index(drop=True)


def applicable_rules(facts: pd.DataFrame, rules: HealthRules) -> pd.DataFrame:
    """The ``(org_id, kind)`` pairs of meeting rules that apply to each branch: the
    branch's level is among the rule's ``levels`` and it meets the rule's conditions."""
    parts = []
    for m in rules.meetings:
        ok = facts["level"].isin(m.levels)
        if m.min_full_members is not None:
            full = facts["full_members"]
            ok &= (full.isna() | (full >= m.min_full_members)).fillna(True).astype(bool)
        if m.has_groups:
            ok &= facts["has_groups"]
        parts.append(pd.DataFrame({"org_id": facts.loc[ok, "org_id"].to_numpy(),
                                   "kind": m.kind}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"org_id": pd.Series(dtype="str"), "kind": pd.Series(dtype="str")})


def _facts_of(ds: Dataset, rules: HealthRules, year: int, totals: pd.DataFrame
              ) -> pd.DataFrame:
    orgs = branches(ds, rules.branch_levels)
    mem = members(ds)
    mem = mem[mem["join_year"].isna() | (mem["join_year"] <= year)]
    full = (~mem["probationary"]).groupby(mem["org_id"]).sum()
    return branch_facts(orgs, full, totals, rules)


def _resolve(ds: Dataset, rules, year) -> tuple[HealthRules, int]:
    rules = resolve_rules(rules)
    if year is None:
        year = reference_year(ds)
    if not isinstance(year, (int, np.integer)) or isinstance(year, bool) or not (
            1921 <= int(year) <= 2200):
        raise UsageError("health.err.bad_year", year=year)
    return rules, int(year)


def compliance(ds: Dataset, *, rules: HealthRules | str | None = None, year: int | None = None,
               as_of: pd.Timestamp | str | None = None,
               totals: pd.DataFrame | None = None,
               facts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Required, held and missing meetings per branch, kind and period.

    Parameters
    ----------
    ds : Dataset
    rules : HealthRules, path or None
        Rule table (default: the shipped ``rules.yaml``).
    year : int, optional
        Year assessed (default: the latest year with activities).
    as_of : date, optional
        Periods starting after this date are left out (not yet due).
    totals : DataFrame, optional
        :func:`activity_totals` of the year's activities, if already computed (by a
        context or the Dask engine); by default computed from ``ds``.
    facts : DataFrame, optional
        :func:`branch_facts` of the branches, if already computed; by default from ``ds``.
        Only the rules that apply to a branch (:func:`applicable_rules`) get rows.

    Returns
    -------
    pandas.DataFrame
        ``org_id, level, kind, frequency, period_no, period, period_start, period_end,
        required, held, missing, expected, attended, attendance_rate, min_attendance,
        low_attendance`` sorted by org, rule order and period.
    """
    rules, year = _resolve(ds, rules, year)
    periods = period_table(rules, year)
    if as_of is not None:
        periods = periods[periods["period_start"] <= pd.Timestamp(as_of)]
    if totals is None:
        totals = activity_totals(year_activities(ds, rules, year))
    if facts is None:
        facts = _facts_of(ds, rules, year, totals)
    applies = applicable_rules(facts, rules)
    grid = facts[["org_id", "level"]].merge(applies, on="org_id").merge(
        periods.drop(columns="levels"), on="kind")
    steps = {m.kind: 12 // FREQUENCIES[m.frequency] for m in rules.meetings}
    step = totals["kind"].map(steps).astype("int64")
    per = totals.assign(period_no=((totals["month"] - 1) // step + 1).astype("int64"))
    held = per.groupby(["org_id", "kind", "period_no"], observed=True)[
        ["held", "expected", "attended"]].sum().reset_index()
    out = grid.merge(held, on=["org_id", "kind", "period_no"], how="left")
    out["held"] = out["held"].fillna(0).astype("int64")
    out["expected"] = out["expected"].fillna(0).astype("int64")
    out["attended"] = out["attended"].fillna(0).astype("int64")
    out["required"] = out["required"].astype("int64")
    out["missing"] = (out["required"] - out["held"]).clip(lower=0).astype("int64")
    exp = out["expected"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(exp > 0, out["attended"].to_numpy(dtype="float64") / exp, np.nan)
    out["attendance_rate"] = rate
    out["low_attendance"] = (out["held"] > 0) & (out["attendance_rate"] < out["min_attendance"])
    order = {k: i for i, k in enumerate(rules.kinds)}
    out["_k"] = out["kind"].map(order)
    out = out.sort_values(["org_id", "_k", "period_no"], kind="stable").drop(columns="_k")
    cols = ["org_id", "level", "kind", "frequency", "period_no", "period", "period_start",
            "period_end", "required", "held", "missing", "expected", "attended",
            "attendance_rate", "min_attendance", "low_attendance"]
    return out[cols].reset_index(drop=True)


def compliance_summary(ds: Dataset, *, rules: HealthRules | str | None = None,
                       year: int | None = None, as_of: pd.Timestamp | str | None = None,
                       periods: pd.DataFrame | None = None) -> pd.DataFrame:
    """Compliance per branch and kind over the year.

    ``completion = 1 - missing / required``; ``attendance_rate = sum(attended) /
    sum(expected)`` over the meetings held; ``attendance_ok`` compares it with the rule's
    ``min_attendance``. ``periods`` may pass an already computed :func:`compliance` frame.

    Returns
    -------
    pandas.DataFrame
        ``org_id, level, kind, frequency, required, held, missing, periods_missed,
        completion, expected, attended, attendance_rate, min_attendance, attendance_ok``.
    """
    per = periods if periods is not None else compliance(ds, rules=rules, year=year,
                                                         as_of=as_of)
    per = per.assign(periods_missed=(per["missing"] > 0).astype("int64"))
    g = per.groupby(["org_id", "level", "kind", "frequency"], sort=False, observed=True)
    out = g[["required", "held", "missing", "periods_missed", "expected", "attended"]].sum()
    out["min_attendance"] = g["min_attendance"].first()
    out = out.reset_index()
    req = out["required"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["completion"] = np.where(req > 0, 1 - out["missing"] / np.where(req > 0, req, 1),
                                     np.nan)
        exp = out["expected"].to_numpy(dtype="float64")
        out["attendance_rate"] = np.where(exp > 0, out["attended"] / np.where(exp > 0, exp, 1),
                                          np.nan)
    out["attendance_ok"] = out["attendance_rate"].isna() | (
        out["attendance_rate"] >= out["min_attendance"])
    cols = ["org_id", "level", "kind", "frequency", "required", "held", "missing",
            "periods_missed", "completion", "expected", "attended", "attendance_rate",
            "min_attendance", "attendance_ok"]
    return out[cols].reset_index(drop=True)


def meeting_calendar(ds: Dataset, org_id: str, year: int | None = None, *,
                     rules: HealthRules | str | None = None) -> pd.DataFrame:
    """A branch-year as a grid: one row per month, one column per meeting kind.

    Each cell is the number of meetings of that kind held in that month. Kinds follow the
    rule table's order; the ``month`` column is 1..12.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     activities=pd.DataFrame({"activity_id": ["A1", "A2"], "org_id": "V1",
    ...         "kind": ["party_lesson", "party_lesson"], "date": ["2024-03-01", "2024-03-20"],
    ...         "expected": 5, "attended": 5}))
    >>> cal = meeting_calendar(ds, "V1", 2024)
    >>> int(cal.loc[cal.month == 3, "party_lesson"].iloc[0]), int(cal["committee_meeting"].sum())
    (2, 0)
    """
    rules, year = _resolve(ds, rules, year)
    if org_id not in set(ds.orgs["org_id"].dropna()):
        raise UsageError("health.err.unknown_org", org_id=org_id)
    acts = ds.activities
    acts = acts[(acts["org_id"] == org_id) & (acts["date"].dt.year == year)
                & acts["kind"].isin(rules.kinds)]
    counts = pd.crosstab(acts["date"].dt.month, acts["kind"])
    grid = counts.reindex(index=range(1, 13), columns=list(rules.kinds), fill_value=0)
    grid = grid.fillna(0).astype("int64")
    grid.index.name = "month"
    grid.columns.name = None
    return grid.reset_index()


def perfunctory(ds: Dataset, *, rules: HealthRules | str | None = None, year: int | None = None,
                lang: str | None = None, member_table: pd.DataFrame | None = None,
                member_counts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Branches whose meeting records look written up rather than held, with the reason.

    Checked over a branch's meetings of the year (kinds in the rule table), when at least
    ``perfunctory.min_meetings`` were recorded:

    - ``same_attendance``: every meeting records the same number attended (checked for
      the branch as a whole, else kind by kind);
    - ``same_day_of_month``: at least ``same_day_share`` of the meetings (default: all)
      on one day of the month;
    - ``full_attendance_with_migrants``: everyone expected attended every time, and more
      people attended than the branch has members at home (migrant members away);
    - ``bundled_dates``: at least ``bundled_share`` of the meetings fall on dates on which
      ``bundled_kinds`` or more different kinds were "held".

    ``member_table`` may pass an already computed :func:`~pbkit.health.branches.members`,
    or ``member_counts`` just the members at home and away per organisation (columns
    ``home``, ``away`` indexed by ``org_id``: all that this check needs of them).

    Returns
    -------
    pandas.DataFrame
        ``org_id, kind ("all" or a kind), reason, n_meetings, value, message``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     activities=pd.DataFrame({"activity_id": [f"A{m}" for m in range(1, 7)],
    ...         "org_id": "V1", "kind": "committee_meeting",
    ...         "date": [f"2024-{m:02d}-{m + 3:02d}" for m in range(1, 7)],
    ...         "expected": 9, "attended": 7}))
    >>> perfunctory(ds, lang="en")[["reason", "value"]].values.tolist()
    [['same_attendance', '7']]
    """
    from pbkit.i18n import t

    rules, year = _resolve(ds, rules, year)
    cfg = rules.perfunctory
    orgs = branches(ds, rules.branch_levels)["org_id"]
    acts = year_activities(ds, rules, year)
    acts = acts[acts["org_id"].isin(orgs)]
    cols = ["org_id", "kind", "reason", "n_meetings", "value", "message"]
    if acts.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    acts = acts.assign(day=acts["date"].dt.day)
    g = acts.groupby("org_id")
    per = pd.DataFrame({
        "n": g.size(),
        "att_unique": g["attended"].nunique(),
        "att_first": g["attended"].first(),
        "day_mode_n": acts.groupby(["org_id", "day"]).size().groupby(level=0).max(),
        "day_mode": acts.groupby(["org_id", "day"]).size().groupby(level=0).idxmax().map(
            lambda key: key[1]),
        "all_full": (acts["attended"] == acts["expected"]).groupby(acts["org_id"]).all(),
        "max_att": g["attended"].max(),
    })
    per = per[per["n"] >= cfg.min_meetings]
    found: list[tuple] = []

    def add(frame: pd.DataFrame, kind, reason: str, value) -> None:
        if frame.empty:
            return
        kinds = kind if isinstance(kind, pd.Series) else pd.Series(kind, index=frame.index)
        vals = value if isinstance(value, pd.Series) else pd.Series(value, index=frame.index)
        for org, k, n, v in zip(frame.index if "org_id" not in frame else frame["org_id"],
                                kinds, frame["n"], vals):
            found.append((org, k, reason, int(n), str(v)))

    flagged_att: set[str] = set()
    if cfg.same_attendance:
        same = per[per["att_unique"] == 1]
        flagged_att = set(same.index)
        add(same, "all", "same_attendance", same["att_first"].astype("int64"))
        gk = acts.groupby(["org_id", "kind"])
        perk = pd.DataFrame({"n": gk.size(), "att_unique": gk["attended"].nunique(),
                             "att_first": gk["attended"].first()}).reset_index()
        perk = perk[(perk["n"] >= cfg.min_meetings) & (perk["att_unique"] == 1)
                    & ~perk["org_id"].isin(flagged_att)]
        add(perk, perk["kind"], "same_attendance", perk["att_first"].astype("int64"))
    if cfg.same_day_of_month:
        same = per[per["day_mode_n"] >= cfg.same_day_share * per["n"]]
        add(same, "all", "same_day_of_month", same["day_mode"].astype("int64"))
    if cfg.full_attendance_with_migrants:
        if member_counts is not None:
            home, away = member_counts["home"], member_counts["away"]
        else:
            mem = members(ds) if member_table is None else member_table
            home = mem[~mem["is_migrant"]].groupby("org_id").size()
            away = mem[mem["is_migrant"]].groupby("org_id").size()
        home = home.reindex(per.index, fill_value=0)
        away = away.reindex(per.index, fill_value=0)
        sus = per[per["all_full"] & (away > 0) & (per["max_att"] > home)]
        add(sus, "all", "full_attendance_with_migrants", away.loc[sus.index].astype("int64"))
    if cfg.bundled_kinds:
        kinds_per_date = acts.groupby(["org_id", "date"])["kind"].transform("nunique")
        on_bundle = (kinds_per_date >= cfg.bundled_kinds).groupby(acts["org_id"]).mean()
        on_bundle = on_bundle.reindex(per.index)
        sus = per[on_bundle >= cfg.bundled_share]
        add(sus, "all", "bundled_dates", on_bundle.loc[sus.index].map(lambda x: f"{x:.0%}"))
    out = pd.DataFrame(found, columns=cols[:-1])
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})
    order = {r: i for i, r in enumerate(PERFUNCTORY_REASONS)}
    out = out.assign(_r=out["reason"].map(order)).sort_values(
        ["org_id", "_r", "kind"], kind="stable").drop(columns="_r").reset_index(drop=True)
    out["message"] = [t(f"health.reason.{r}", lang=lang, n=n, value=v)
                      for r, n, v in zip(out["reason"], out["n_meetings"], out["value"])]
    return out
