"""Membership structure per branch and overall.

Views (all tidy; the overall rows carry ``org_id == "ALL"``):

- :func:`age_pyramid`: members per age band and gender;
- :func:`education_mix`: members per education level and their share;
- :func:`development`: members developed (joined) per year, against a local target only
  when one is configured (``development.target_min``/``target_max``; none by default);
- :func:`pipeline`: the member-development pipeline per branch (activists, probationary
  members and overdue ones, years with a new member, age and education of those
  developed) and the checks it fails;
- :func:`membership_summary`: one row per branch with members, probationary members,
  female share, mean age, share aged ``old_age``+, share with senior-high education or
  more, migrant share, new members and years since the last new member.

The reference year is a parameter; by default it is derived from the data
(:func:`pbkit.health.branches.reference_year`), never from today's date.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
...     people=pd.DataFrame({"person_id": ["P1", "P2"], "org_id": "V1",
...         "roles": ["member", "probationary_member"], "gender": ["male", "female"],
...         "education": ["primary", "college"], "birth_year": [1950, 1990],
...         "join_year": [1975, 2023]}))
>>> s = membership_summary(ds, year=2024)
>>> row = s.iloc[0]
>>> int(row.members), int(row.probationary), float(row.share_old), float(row.years_since_last_new)
(2, 1, 0.5, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.data.schema import AGE_BANDS, EDUCATION, GENDERS
from pbkit.health.branches import ALL, age_band_of, branches, members, reference_year
from pbkit.health.rules import HealthRules, resolve_rules

__all__ = [
    "MembershipStructure",
    "membership_structure",
    "membership_summary",
    "age_pyramid",
    "education_mix",
    "development",
    "pipeline",
    "PIPELINE_CHECKS",
    "MemberAggregates",
    "member_aggregates",
    "combine_aggregates",
    "membership_from_aggregates",
]


def _setup(ds: Dataset, rules, year) -> tuple[HealthRules, int, pd.DataFrame, MemberAggregates]:
    from pbkit.health.compliance import _resolve

    if isinstance(rules, _Prepared):
        return rules.rules, rules.year, rules.orgs, rules.aggs
    rules, year = _resolve(ds, rules, year)
    orgs = branches(ds, rules.branch_levels)
    mem = members(ds)
    mem = mem[mem["org_id"].isin(orgs["org_id"])]
    # members who joined after the reference year were not yet members then
    mem = mem[mem["join_year"].isna() | (mem["join_year"] <= year)]
    acts = activist_counts(ds.people, orgs["org_id"])
    return rules, year, orgs, member_aggregates(mem.reset_index(drop=True), year, rules,
                                                activists=acts)


def activist_counts(people: pd.DataFrame, branch_ids) -> pd.Series | None:
    """Activists on record (``roles`` with ``activist`` and no member role) per branch;
    ``None`` when the data lists no activist at all (it does not record them, so their
    number is unknown rather than zero).

    >>> people = pd.DataFrame({"org_id": ["V1", "V1", "V2"],
    ...     "roles": [("activist",), ("member",), ("activist",)]})
    >>> activist_counts(people, ["V1"]).to_dict()
    {'V1': 1}
    """
    from pbkit.health.branches import MEMBER_ROLES

    roles = people["roles"]
    act = roles.map(lambda r: isinstance(r, tuple) and "activist" in r
                    and not MEMBER_ROLES.intersection(r)).astype(bool)
    if not act.any():
        return None
    sub = people.loc[act.to_numpy() & people["org_id"].isin(list(branch_ids)).to_numpy()]
    return sub.groupby("org_id").size().astype("int64")


@dataclass(frozen=True)
class _Prepared:
    """Rules, year, branches and member aggregates computed once for several views."""

    rules: HealthRules
    year: int
    orgs: pd.DataFrame
    aggs: MemberAggregates


_SUMS = ("one", "probationary", "female", "age_known", "old", "edu_known", "senior", "migrant",
         "age_sum", "age_n", "prob_overdue", "new_window", "new_young", "new_senior")

# Middle age of each recorded age band (the open band 80+ counted as 85): the age used for
# the mean and for the age at joining when only the band is known (no birth year).
_BAND_MID = {"18-29": 23.5, "30-39": 34.5, "40-49": 44.5, "50-59": 54.5, "60-69": 64.5,
             "70-79": 74.5, "80+": 85.0}

# Checks of the member-development pipeline (one place; scorecard and views read them).
PIPELINE_CHECKS: tuple[str, ...] = ("new_member_in_window", "activists_in_training",
                                    "probation_on_time")


@dataclass(frozen=True)
class MemberAggregates:
    """Member counts per branch, the only input the membership views need.

    Every field is a sum over members, so aggregates of parts of a dataset (Parquet files,
    townships, Dask partitions) add up to those of the whole (:func:`combine_aggregates`):
    this is the contract both engines implement.

    Attributes
    ----------
    pyramid : Series
        Members per ``(org_id, age_band, gender)``.
    education : Series
        Members per ``(org_id, education)`` (``unknown`` for an empty cell).
    joins : Series
        Members per ``(org_id, join_year)`` (members with a join year).
    sums : DataFrame
        Per ``org_id``: ``one`` (members), ``probationary``, ``female``, ``age_known``,
        ``old`` (aged ``old_age``+), ``edu_known``, ``senior`` (senior high or more),
        ``migrant``, ``age_sum`` and ``age_n`` (sum and count of known ages:
        ``year - birth_year``, else the middle of the age band), ``prob_overdue``
        (probationary members who joined more than ``development.probation_years`` years
        before ``year``), ``new_window`` (joined in the development window), ``new_young``
        (of those, aged under ``development.young_age`` when joining) and ``new_senior``
        (of those, senior high or more); ``activists`` (activists on record) when the
        caller passed them.
    """

    pyramid: pd.Series
    education: pd.Series
    joins: pd.Series
    sums: pd.DataFrame


def member_aggregates(mem: pd.DataFrame, year: int, rules: HealthRules,
                      activists: pd.Series | None = None) -> MemberAggregates:
    """Aggregate a members frame (:func:`~pbkit.health.branches.members` rows of branches
    who had joined by ``year``) into :class:`MemberAggregates`.

    ``activists`` (activists on record per ``org_id``), when given, is kept in the sums;
    without it the number of activists is unknown (missing in :func:`pipeline`).

    >>> import pandas as pd
    >>> from pbkit.health.rules import load_rules
    >>> mem = pd.DataFrame({"org_id": ["V1", "V1"], "birth_year": pd.array([1950, None],
    ...     dtype="Int64"), "age_band": [None, "60-69"], "gender": ["male", "female"],
    ...     "education": ["primary", None], "join_year": pd.array([1980, 2024], dtype="Int64"),
    ...     "probationary": [False, True], "is_migrant": [False, True]})
    >>> a = member_aggregates(mem, 2024, load_rules())
    >>> a.sums.loc["V1", ["one", "old", "age_n"]].tolist(), float(a.sums.loc["V1", "age_sum"])
    ([2, 2, 2], 138.5)
    """
    old_age = rules.membership.old_age
    dev = rules.development
    age = (year - mem["birth_year"].astype("float64"))
    lows = {b: float(b.rstrip("+").split("-")[0]) for b in AGE_BANDS}
    band_low = mem["age_band"].map(lows).astype("float64")
    age_known = age.where(age.notna(), band_low)
    age_est = age.where(age.notna(), mem["age_band"].map(_BAND_MID).astype("float64"))
    join = mem["join_year"].astype("float64")
    in_window = ((join > year - dev.window_years) & (join <= year)).fillna(False)
    age_at_join = age_est - (year - join)
    edu = mem["education"]
    frame = pd.DataFrame({
        "org_id": mem["org_id"],
        "one": 1,
        "probationary": mem["probationary"].astype("int64"),
        "female": (mem["gender"] == "female").fillna(False).astype("int64"),
        "age_known": age_known.notna().astype("int64"),
        "old": (age_known >= old_age).fillna(False).astype("int64"),
        "edu_known": edu.notna().astype("int64"),
        "senior": edu.isin(rules.membership.senior_high_plus).astype("int64"),
        "migrant": mem["is_migrant"].astype("int64"),
        "age_sum": age_est.fillna(0.0).astype("float64"),
        "age_n": age_est.notna().astype("int64"),
        "prob_overdue": (mem["probationary"].astype(bool)
                         & (join < year - dev.probation_years).fillna(False)).astype("int64"),
        "new_window": in_window.astype("int64"),
        "new_young": (in_window & (age_at_join < dev.young_age).fillna(False)).astype("int64"),
        "new_senior": (in_window & edu.isin(rules.membership.senior_high_plus)).astype("int64"),
    })
    sums = frame.groupby("org_id")[list(_SUMS)].sum()
    if activists is not None:
        sums = sums.reindex(sums.index.union(pd.Index(activists.index, name="org_id")),
                            fill_value=0)
        sums["activists"] = activists.reindex(sums.index).fillna(0).astype("int64")
    banded = mem.assign(age_band=age_band_of(mem, year))
    pyramid = banded.groupby(["org_id", "age_band", "gender"], observed=True).size()
    edu_filled = edu.astype("object").where(edu.notna(), "unknown")
    education = mem.assign(education=edu_filled).groupby(
        ["org_id", "education"], observed=True).size()
    joins = mem.groupby(["org_id", "join_year"], observed=True).size()
    return MemberAggregates(pyramid=pyramid, education=education, joins=joins, sums=sums)


def combine_aggregates(parts: list[MemberAggregates]) -> MemberAggregates:
    """Add up the aggregates of disjoint parts of the members (sums of counts)."""
    if len(parts) == 1:
        return parts[0]

    def add(name: str):
        found = [getattr(p, name) for p in parts if len(getattr(p, name))]
        if not found:
            return getattr(parts[0], name)
        joined = pd.concat(found)
        return joined.groupby(level=list(range(joined.index.nlevels)), sort=True).sum()

    return MemberAggregates(pyramid=add("pyramid"), education=add("education"),
                            joins=add("joins"), sums=add("sums"))


def _with_all(frame: pd.DataFrame, keys: list[str], value_cols: list[str]) -> pd.DataFrame:
    """Append overall rows (``org_id == ALL``) summing ``value_cols`` over branches."""
    total = frame.groupby(keys, sort=False, observed=True)[value_cols].sum().reset_index()
    total.insert(0, "org_id", ALL)
    return pd.concat([frame, total], ignore_index=True)


def age_pyramid(ds: Dataset, *, rules: HealthRules | str | None = None, year: int | None = None
                ) -> pd.DataFrame:
    """Members per branch, age band and gender (every combination, zeros included).

    Age is ``year - birth_year`` (or the recorded ``age_band``). Members with no known
    age or gender are left out of the pyramid (they still count in the summary).

    Returns
    -------
    pandas.DataFrame
        ``org_id, age_band, gender, members``; overall rows have ``org_id == "ALL"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     people=pd.DataFrame({"person_id": ["P1", "P2"], "org_id": "V1", "roles": "member",
    ...         "gender": ["male", "female"], "education": "primary",
    ...         "birth_year": [1950, 1952]}))
    >>> p = age_pyramid(ds, year=2024)
    >>> p[(p.org_id == "V1") & (p.members > 0)][["age_band", "gender"]].values.tolist()
    [['70-79', 'male'], ['70-79', 'female']]
    """
    rules, year, orgs, aggs = _setup(ds, rules, year)
    counts = aggs.pyramid
    full = pd.MultiIndex.from_product([orgs["org_id"], AGE_BANDS, GENDERS],
                                      names=["org_id", "age_band", "gender"])
    out = counts.reindex(full, fill_value=0).rename("members").reset_index()
    out["members"] = out["members"].astype("int64")
    return _with_all(out, ["age_band", "gender"], ["members"])


def education_mix(ds: Dataset, *, rules: HealthRules | str | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """Members per branch and education level, with the share of the branch's members.

    ``share = members at that level / members of the branch`` (``unknown`` when the
    education cell is empty; that row appears only when such members exist).

    Returns
    -------
    pandas.DataFrame
        ``org_id, education, members, share``; overall rows have ``org_id == "ALL"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     people=pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4"], "org_id": "V1",
    ...         "roles": "member", "gender": "male", "join_year": 2000,
    ...         "education": ["primary", "primary", "primary", "college"]}))
    >>> e = education_mix(ds, year=2024)
    >>> float(e.loc[(e.org_id == "V1") & (e.education == "primary"), "share"].iloc[0])
    0.75
    """
    rules, year, orgs, aggs = _setup(ds, rules, year)
    counts = aggs.education
    has_unknown = len(counts) > 0 and bool((counts.index.get_level_values("education")
                                             == "unknown").any())
    levels = list(EDUCATION) + (["unknown"] if has_unknown else [])
    full = pd.MultiIndex.from_product([orgs["org_id"], levels], names=["org_id", "education"])
    out = counts.reindex(full, fill_value=0).rename("members").reset_index()
    out = _with_all(out, ["education"], ["members"])
    total = out.groupby("org_id", sort=False)["members"].transform("sum").astype("float64")
    out["members"] = out["members"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(total > 0, out["members"] / total.where(total > 0, 1), np.nan)
    return out


def development(ds: Dataset, *, rules: HealthRules | str | None = None, year: int | None = None,
                window_years: int | None = None) -> pd.DataFrame:
    """New members per branch and year, against a local target only when one is set.

    For each of the ``window_years`` years ending with the reference year:
    ``new_members`` = members whose ``join_year`` is that year. There is no default quota
    (the national principle is to control the total and improve quality, not to fill a
    number): ``target_min``/``target_max`` are missing and ``status`` is ``no_target``.
    When a local rule file sets ``development.target_min``/``target_max``, branches at the
    levels of ``development.levels`` get them and ``status`` is ``below`` (< target_min),
    ``within`` or ``above`` (> target_max); the overall rows compare the total with the
    target times the number of such branches.

    Returns
    -------
    pandas.DataFrame
        ``org_id, year, new_members, target_min, target_max, status``.

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     people=pd.DataFrame({"person_id": ["P1", "P2", "P3"], "org_id": "V1",
    ...         "roles": "member", "gender": "male", "education": "primary",
    ...         "join_year": [2024, 2024, 2024]}))
    >>> d = development(ds, year=2024, window_years=3)
    >>> d[d.org_id == "V1"][["year", "new_members", "status"]].values.tolist()
    [[2022, 0, 'no_target'], [2023, 0, 'no_target'], [2024, 3, 'no_target']]
    """
    rules, year, orgs, aggs = _setup(ds, rules, year)
    dev = rules.development
    window = window_years or dev.window_years
    years = list(range(year - window + 1, year + 1))
    counts = aggs.joins
    if len(counts):
        counts = counts[counts.index.get_level_values("join_year").isin(years)]
    full = pd.MultiIndex.from_product([orgs["org_id"], years], names=["org_id", "join_year"])
    out = counts.reindex(full, fill_value=0).rename("new_members").reset_index()
    out = out.rename(columns={"join_year": "year"})
    out["year"] = out["year"].astype("int64")
    out["new_members"] = out["new_members"].astype("int64")
    has_target = dev.target_min is not None
    targeted = out["org_id"].isin(orgs.loc[orgs["level"].isin(dev.levels), "org_id"])
    targeted &= has_target
    out["target_min"] = np.where(targeted, float(dev.target_min or 0), np.nan)
    out["target_max"] = np.where(targeted, float(dev.target_max or 0), np.nan)
    n_targeted = int(orgs["level"].isin(dev.levels).sum()) if has_target else 0
    total = out.groupby("year", sort=True)["new_members"].sum().reset_index()
    total.insert(0, "org_id", ALL)
    total["target_min"] = float(dev.target_min * n_targeted) if n_targeted else np.nan
    total["target_max"] = float(dev.target_max * n_targeted) if n_targeted else np.nan
    out = pd.concat([out, total], ignore_index=True)
    status = np.select(
        [out["target_min"].isna(), out["new_members"] < out["target_min"],
         out["new_members"] > out["target_max"]],
        ["no_target", "below", "above"], default="within")
    out["status"] = status
    return out


def pipeline(ds: Dataset, *, rules: HealthRules | str | None = None,
             year: int | None = None) -> pd.DataFrame:
    """The member-development pipeline per branch (plus ``ALL``) and the checks it fails.

    Stages the data records: activists (入党积极分子, ``roles: activist``; unknown when
    nobody in the data is an activist), probationary
    members (预备党员) and full members with their join years. Applicants (入党申请人),
    development candidates (发展对象) and the procedure steps are not in the tables, so
    they are not assessed. Columns:

    - ``members``, ``full_members``, ``probationary``, ``activists`` (missing when the
      engine did not count them);
    - ``probationary_overdue``: probationary members who joined more than
      ``development.probation_years`` calendar years before the reference year (the
      probation lasts one year; joined in 2022 and still probationary in 2024 means 转正 is
      overdue or not recorded; joined in 2023 may be due only late in 2024);
    - ``new_in_window`` (joined in the last ``window_years`` years), ``years_with_new``
      (years of the window with at least one new member), ``years_since_last_new``;
    - ``new_young_share`` / ``new_senior_high_share``: of those developed in the window,
      the share under ``young_age`` when joining and with senior high school or more;
    - ``checks_failed``: the failed checks of :data:`PIPELINE_CHECKS` joined by ``;`` -
      ``new_member_in_window`` (nobody developed in the window), ``activists_in_training``
      (no activist on record), ``probation_on_time`` (a probationary member overdue);
      plus ``local_target`` when a local target is set and the mean per year is below it;
    - ``checks``, ``checks_passed``: how many checks applied and passed.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     people=pd.DataFrame({"person_id": ["P1", "P2", "P3"], "org_id": "V1",
    ...         "roles": ["member", "probationary_member", "member"], "gender": "male",
    ...         "education": "primary", "age_band": ["60-69", "30-39", "50-59"],
    ...         "join_year": [1990, 2022, 2010]}))
    >>> p = pipeline(ds, year=2024)
    >>> row = p[p.org_id == "V1"].iloc[0]
    >>> int(row.probationary_overdue), int(row.new_in_window), row.checks_failed
    (1, 1, 'probation_on_time')
    """
    rules, year, orgs, aggs = _setup(ds, rules, year)
    return _pipeline_frame(orgs, aggs, rules, year)


def _pipeline_frame(orgs: pd.DataFrame, aggs: MemberAggregates, rules: HealthRules,
                    year: int) -> pd.DataFrame:
    dev = rules.development
    ids = pd.Index(orgs["org_id"], name="org_id")
    cols = ["one", "probationary", "prob_overdue", "new_window", "new_young", "new_senior"]
    base = aggs.sums.reindex(columns=cols + (["activists"] if "activists" in aggs.sums
                                             else []))
    per = base.reindex(ids).fillna(0)
    years = range(year - dev.window_years + 1, year + 1)
    joins = aggs.joins
    if len(joins):
        jy = joins.index.get_level_values("join_year").astype("float64")
        org = joins.index.get_level_values("org_id")
        frame = pd.DataFrame({"org_id": org, "jy": jy, "n": joins.to_numpy()})
        frame = frame[frame["jy"] <= year]
        in_win = frame[frame["jy"].isin(list(years)) & (frame["n"] > 0)]
        years_with = in_win.groupby("org_id")["jy"].nunique()
        last = frame.groupby("org_id")["jy"].max()
    else:
        years_with = pd.Series(dtype="int64")
        last = pd.Series(dtype="float64")
    total = per.sum().to_frame(ALL).T
    per = pd.concat([per, total])
    per.index.name = "org_id"
    out = pd.DataFrame(index=per.index)
    out["level"] = orgs.set_index("org_id")["level"].reindex(per.index).astype(
        "object").where(per.index != ALL, ALL)
    out["members"] = per["one"].astype("int64")
    out["full_members"] = (per["one"] - per["probationary"]).astype("int64")
    out["probationary"] = per["probationary"].astype("int64")
    out["activists"] = (pd.array(per["activists"].to_numpy(), dtype="Int64")
                        if "activists" in per else pd.array([pd.NA] * len(per), dtype="Int64"))
    out["probationary_overdue"] = per["prob_overdue"].astype("int64")
    out["new_in_window"] = per["new_window"].astype("int64")
    yw = years_with.reindex(per.index).fillna(0)
    yw.loc[ALL] = float(years_with.max()) if len(years_with) else 0.0
    if len(joins):
        yw.loc[ALL] = float(frame.loc[frame["jy"].isin(list(years)) & (frame["n"] > 0),
                                      "jy"].nunique())
    out["years_with_new"] = yw.astype("int64")
    lastv = last.reindex(per.index)
    lastv.loc[ALL] = last.max() if len(last) else np.nan
    out["years_since_last_new"] = (year - lastv).astype("float64")
    new = per["new_window"].astype("float64")
    out["new_young_share"] = per["new_young"] / new.where(new > 0)
    out["new_senior_high_share"] = per["new_senior"] / new.where(new > 0)
    failed = pd.DataFrame({
        "new_member_in_window": out["new_in_window"].eq(0),
        "activists_in_training": out["activists"].eq(0).fillna(False).astype(bool),
        "probation_on_time": out["probationary_overdue"].gt(0)})
    applied = pd.DataFrame({
        "new_member_in_window": True,
        "activists_in_training": out["activists"].notna(),
        "probation_on_time": True}, index=out.index)
    if dev.target_min is not None:
        n = np.where(out.index == ALL, max(int(orgs["level"].isin(dev.levels).sum()), 1), 1)
        mean = new / dev.window_years / n
        on = pd.Series(out["level"].isin(dev.levels) | (out.index == ALL), index=out.index)
        failed["local_target"] = on & (mean < dev.target_min)
        applied["local_target"] = on
    out["checks"] = applied.sum(axis=1).astype("int64")
    out["checks_passed"] = (applied & ~failed).sum(axis=1).astype("int64")
    out["checks_failed"] = [";".join(c for c in failed.columns if row[c])
                            for row in failed.to_dict("records")]
    out.insert(0, "year", year)
    return out.reset_index()


def membership_summary(ds: Dataset, *, rules: HealthRules | str | None = None,
                       year: int | None = None) -> pd.DataFrame:
    """One row per branch (plus ``ALL``) describing its members.

    Columns and formulas (members = full and probationary members of the branch):

    - ``members``, ``probationary``, ``female`` (counts), ``female_share = female / members``
    - ``mean_age`` = mean age: ``year - birth_year``, or the middle of the recorded age
      band when only the band is known (the open band 80+ counted as 85)
    - ``share_old`` = members aged ``membership.old_age``+ / members with a known age
      (a recorded age band counts by its lower bound)
    - ``share_senior_high_plus`` = members with senior high school or more / members with a
      known education
    - ``migrants``, ``migrant_share = migrants / members``
    - ``new_members`` joined in the reference year; ``new_per_year`` = mean over the
      development window; ``years_since_last_new = year - latest join_year`` (NaN if no
      member has a join year)

    Returns
    -------
    pandas.DataFrame
    """
    rules, year, orgs, aggs = _setup(ds, rules, year)
    window = rules.development.window_years
    sums = ["one", "probationary", "female", "age_known", "old", "edu_known", "senior",
            "migrant", "new", "new_window"]
    joins = aggs.joins
    if len(joins):
        jy = joins.index.get_level_values("join_year").astype("float64")
        counts = joins.to_numpy(dtype="int64")
        jframe = pd.DataFrame({
            "org_id": joins.index.get_level_values("org_id"),
            "new": np.where(jy == year, counts, 0),
            "new_window": np.where((jy >= year - window + 1) & (jy <= year), counts, 0),
            "last_join_year": jy})
    else:
        jframe = pd.DataFrame({"org_id": pd.Series(dtype="str"),
                               "new": pd.Series(dtype="int64"),
                               "new_window": pd.Series(dtype="int64"),
                               "last_join_year": pd.Series(dtype="float64")})

    def summarise(base: pd.DataFrame, jf: pd.DataFrame) -> pd.DataFrame:
        """Per-key sums, ``mean_age = age_sum / age_n`` and the latest join year."""
        out = base[sums[:8]].copy()
        gj = jf.groupby("org_id")
        out["new"] = gj["new"].sum().reindex(out.index).fillna(0)
        out["new_window"] = gj["new_window"].sum().reindex(out.index).fillna(0)
        n = base["age_n"].astype("float64")
        out["mean_age"] = base["age_sum"].astype("float64") / n.where(n > 0)
        out["last_join_year"] = gj["last_join_year"].max().reindex(out.index)
        return out

    base = aggs.sums
    per = summarise(base, jframe).reindex(orgs["org_id"])
    per[sums] = per[sums].fillna(0)
    if len(base):
        overall = summarise(base.sum().to_frame(ALL).T.rename_axis("org_id"),
                            jframe.assign(org_id=ALL))
    else:
        overall = pd.DataFrame({c: [0] for c in sums}, index=pd.Index([ALL], name="org_id"))
        overall["mean_age"] = np.nan
        overall["last_join_year"] = np.nan
    per = pd.concat([per, overall])
    per.index.name = "org_id"
    out = pd.DataFrame(index=per.index)
    levels = orgs.set_index("org_id")["level"]
    out["level"] = levels.reindex(per.index).astype("object").where(per.index != ALL, ALL)
    out["members"] = per["one"].astype("int64")
    out["probationary"] = per["probationary"].astype("int64")
    out["female"] = per["female"].astype("int64")

    def ratio(num, den):
        num = num.astype("float64")
        den = den.astype("float64")
        return (num / den.where(den > 0)).astype("float64")

    out["female_share"] = ratio(per["female"], per["one"])
    out["mean_age"] = per["mean_age"].astype("float64")
    out["share_old"] = ratio(per["old"], per["age_known"])
    out["share_senior_high_plus"] = ratio(per["senior"], per["edu_known"])
    out["migrants"] = per["migrant"].astype("int64")
    out["migrant_share"] = ratio(per["migrant"], per["one"])
    out["new_members"] = per["new"].astype("int64")
    n_branches = np.where(out.index == ALL, max(len(orgs), 1), 1)
    out["new_per_year"] = per["new_window"].astype("float64") / window / n_branches
    out["last_join_year"] = per["last_join_year"].astype("float64")
    out["years_since_last_new"] = (year - per["last_join_year"]).astype("float64")
    out.insert(0, "year", year)
    return out.reset_index()


@dataclass(frozen=True)
class MembershipStructure:
    """All membership views of one dataset and reference year."""

    year: int
    summary: pd.DataFrame
    age_pyramid: pd.DataFrame
    education: pd.DataFrame
    development: pd.DataFrame
    pipeline: pd.DataFrame

    def views(self) -> dict[str, pd.DataFrame]:
        return {"membership": self.summary, "age_pyramid": self.age_pyramid,
                "education": self.education, "development": self.development,
                "pipeline": self.pipeline}


def membership_structure(ds: Dataset, *, rules: HealthRules | str | None = None,
                         year: int | None = None,
                         prepared: tuple[pd.DataFrame, pd.DataFrame] | None = None
                         ) -> MembershipStructure:
    """Every membership view at once (see the module docstring).

    ``prepared`` may pass ``(branches, members)`` frames already computed for the same
    rules and year (as :class:`~pbkit.health.context.HealthContext` does).

    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     people=pd.DataFrame({"person_id": ["P1"], "org_id": "V1", "roles": ["member"],
    ...         "gender": ["female"], "education": ["primary"], "join_year": [2020]}))
    >>> ms = membership_structure(ds, year=2024)
    >>> sorted(ms.views())
    ['age_pyramid', 'development', 'education', 'membership', 'pipeline']
    """
    rules = resolve_rules(rules)
    if year is None:
        year = reference_year(ds)
    if prepared is not None:  # (branches, members) already computed by a HealthContext
        orgs, mem = prepared
        return membership_from_aggregates(orgs, member_aggregates(mem, int(year), rules),
                                          rules=rules, year=int(year))
    prep = _Prepared(*_setup(ds, rules, year))
    return membership_from_aggregates(prep.orgs, prep.aggs, rules=prep.rules, year=prep.year)


def membership_from_aggregates(orgs: pd.DataFrame, aggs: MemberAggregates, *,
                               rules: HealthRules, year: int) -> MembershipStructure:
    """Every membership view from branch rows and :class:`MemberAggregates` (the step both
    engines share: pandas aggregates the members in process, Dask partition by partition).
    """
    prep = _Prepared(rules, int(year), orgs, aggs)
    empty = Dataset()
    return MembershipStructure(
        year=prep.year,
        summary=membership_summary(empty, rules=prep, year=prep.year),
        age_pyramid=age_pyramid(empty, rules=prep, year=prep.year),
        education=education_mix(empty, rules=prep, year=prep.year),
        development=development(empty, rules=prep, year=prep.year),
        pipeline=_pipeline_frame(prep.orgs, prep.aggs, prep.rules, prep.year),
    )
