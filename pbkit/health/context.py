"""One analysis context: a dataset, its rules, its reference year, and shared tables.

Several views need the same intermediate tables (per-period compliance, members, the
needy households with their coverage, visits of the year, migrant-member contact). A
:class:`HealthContext` computes each once, on first use, so the full report does not
repeat work. Contexts are cheap to create and are not shared between calls.

The views read the big tables (activities, people, households, pairings, visits) only
through the methods of the section "engine contract" below: aggregations per organisation
(meeting totals per month, member counts, household and visit totals) and the few rows
kept as evidence. Each is computed here with pandas; :mod:`pbkit.scale.health` computes the
same frames with Dask from a Parquet dataset, so the rest of the report runs unchanged on
either engine.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(
...     orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
...     people=pd.DataFrame({"person_id": ["P1"], "org_id": "V1", "roles": ["member"],
...         "gender": ["male"], "education": ["primary"], "migrant": [True],
...         "last_contact": ["2024-01-05"], "dues_paid_until": ["2024-11-01"]}),
...     activities=pd.DataFrame({"activity_id": ["A1"], "org_id": "V1",
...         "kind": ["committee_meeting"], "date": ["2024-12-20"], "expected": 1,
...         "attended": 1}))
>>> ctx = HealthContext.create(ds)
>>> ctx.year, str(ctx.as_of.date())
(2024, '2024-12-20')
>>> ctx.migrant_status()[["person_id", "out_of_contact", "reason"]].values.tolist()
[['P1', True, 'contact_overdue']]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.health.branches import (
    active_pairings,
    branches,
    isin,
    members,
    month_diff,
    reference_date,
)
from pbkit.health.rules import HealthRules

__all__ = ["HealthContext", "visit_totals", "unsolved_order", "as_of_timestamp"]


def as_of_timestamp(as_of: object) -> pd.Timestamp:
    """The review date ``as_of`` as a timestamp; a clear error if it is not a date.

    >>> as_of_timestamp("2025-06-30")
    Timestamp('2025-06-30 00:00:00')
    """
    from pbkit.errors import UsageError

    try:
        when = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise UsageError("health.err.bad_date", value=str(as_of)) from None
    if pd.isna(when):
        raise UsageError("health.err.bad_date", value=str(as_of))
    return when


def unsolved_order(v: pd.DataFrame) -> pd.DataFrame:
    """Visit rows by ``org_id``, ``date`` and ``visit_id`` (missing last)."""
    return v.sort_values(["org_id", "date", "visit_id"], kind="stable", na_position="last")


def visit_totals(v: pd.DataFrame) -> pd.DataFrame:
    """``visits``, ``solved`` and ``recorded`` per ``org_id`` of visit rows (int64).

    >>> v = pd.DataFrame({"org_id": ["V1", "V1", "V2"],
    ...                   "problem_solved": pd.array([True, None, False], dtype="boolean")})
    >>> visit_totals(v).values.tolist()
    [[2, 1, 1], [1, 0, 1]]
    """
    frame = pd.DataFrame({
        "org_id": v["org_id"],
        "visits": 1,
        "solved": v["problem_solved"].fillna(False).astype(bool).astype("int64"),
        "recorded": v["problem_solved"].notna().astype("int64")})
    return frame.groupby("org_id").sum().astype("int64")


@dataclass(eq=False)
class HealthContext:
    """Dataset + rules + reference year/date, with lazily computed shared tables."""

    ds: Dataset
    rules: HealthRules
    year: int
    as_of: pd.Timestamp
    lang: str | None = None
    due_only: bool = False  # leave out meeting periods starting after as_of
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def create(cls, ds: Dataset, *, rules: HealthRules | str | None = None,
               year: int | None = None, as_of: pd.Timestamp | str | None = None,
               lang: str | None = None) -> HealthContext:
        """Resolve the rules (default file), the year (from the data) and the as-of date.

        Without ``as_of`` the whole year's meetings are required and date rules use the
        last dated record of the year; an explicit ``as_of`` also leaves out the meeting
        periods that start after it (a mid-year review).
        """
        from pbkit.health.compliance import _resolve

        rules, year = _resolve(ds, rules, year)
        when = reference_date(ds, year) if as_of is None else as_of_timestamp(as_of)
        return cls(ds=ds, rules=rules, year=year, as_of=when, lang=lang,
                   due_only=as_of is not None)

    def _get(self, name: str, fn) -> Any:
        if name not in self._cache:
            self._cache[name] = fn()
        return self._cache[name]

    # ---- organisations and people ------------------------------------------------------
    def branches(self) -> pd.DataFrame:
        return self._get("branches", lambda: branches(self.ds, self.rules.branch_levels))

    def branch_ids(self) -> pd.Index:
        return pd.Index(self.branches()["org_id"], name="org_id")

    def all_members(self) -> pd.DataFrame:
        """Every party member of the dataset (:func:`~pbkit.health.branches.members`)."""
        return self._get("all_members", lambda: members(self.ds))

    def members(self) -> pd.DataFrame:
        """Members of the branches who had joined by the reference year."""
        def build():
            mem = self.all_members()
            mem = mem[mem["org_id"].isin(self.branch_ids())]
            return mem[mem["join_year"].isna() | (mem["join_year"] <= self.year)]
        return self._get("members", build)

    # ---- engine contract: the only reads of the big tables ----------------------------
    def activity_totals(self) -> pd.DataFrame:
        """Meetings of the year (kinds of the rule table) per organisation, kind and month:
        ``org_id, kind, month, held, expected, attended`` (sums; see
        :func:`~pbkit.health.compliance.activity_totals`)."""
        from pbkit.health.compliance import activity_totals, year_activities

        return self._get("activity_totals", lambda: activity_totals(
            year_activities(self.ds, self.rules, self.year)))

    def low_attendance(self) -> pd.DataFrame:
        """Meetings of the year held by branches with ``attended / expected`` below their
        kind's ``min_attendance``: ``org_id, activity_id, kind, date, expected, attended,
        attendance_rate`` in the order of the activities table."""
        from pbkit.health.compliance import low_attendance_rows

        return self._get("low_attendance", lambda: low_attendance_rows(
            self.activities(), self.rules))

    def member_aggregates(self):
        """:class:`~pbkit.health.membership.MemberAggregates` of :meth:`members`."""
        from pbkit.health.membership import activist_counts, member_aggregates

        return self._get("member_aggregates", lambda: member_aggregates(
            self.members(), self.year, self.rules,
            activists=activist_counts(self.ds.people, self.branch_ids())))

    def migrant_members(self) -> pd.DataFrame:
        """Migrant members of the branches: ``person_id, org_id, destination,
        last_contact, dues_paid_until``, by branch (people table order within a branch)."""
        def build():
            mem = self.members()
            mig = mem[mem["is_migrant"]][["person_id", "org_id", "destination",
                                          "last_contact", "dues_paid_until"]]
            return mig.sort_values("org_id", kind="stable").reset_index(drop=True)
        return self._get("migrant_members", build)

    def household_stats(self) -> pd.DataFrame:
        """Needy households per organisation (any level): ``needy``, ``covered``,
        ``visited`` (int64, indexed by ``org_id``)."""
        def build():
            hh = self.households()
            g = hh.groupby("org_id")
            return pd.DataFrame({"needy": g.size(), "covered": g["covered"].sum(),
                                 "visited": g["visited"].sum()}).astype("int64")
        return self._get("household_stats", build)

    def household_problems(self) -> pd.DataFrame:
        """Rows of :meth:`households` not covered or not visited (the evidence rows)."""
        def build():
            hh = self.households()
            return hh[~hh["covered"] | ~hh["visited"]]
        return self._get("household_problems", build)

    def visit_totals(self) -> pd.DataFrame:
        """Visits of the year per organisation they concern (:meth:`visits`): ``visits``,
        ``solved`` (problem solved) and ``recorded`` (an outcome recorded), indexed by
        ``org_id``."""
        def build():
            v = self.visits()
            return visit_totals(v)
        return self._get("visit_totals", build)

    def unsolved_visits(self) -> pd.DataFrame:
        """Visits of the year to branches whose recorded outcome is "not solved" (rows of
        :meth:`visits`), by branch, date and visit id: an order that does not depend on how
        the visits table is stored (visits are filed with the visitor, who may belong to
        another township than the branch visited)."""
        def build():
            v = self.visits()
            v = v[v["problem_solved"].notna() & v["org_id"].isin(self.branch_ids())]
            return unsolved_order(v[~v["problem_solved"].astype(bool)])
        return self._get("unsolved_visits", build)

    # ---- meetings ---------------------------------------------------------------------
    def branch_facts(self) -> pd.DataFrame:
        """Full members and party groups per branch
        (:func:`~pbkit.health.compliance.branch_facts`), from the member aggregates and the
        year's meeting totals (both engine-contract tables)."""
        from pbkit.health.compliance import branch_facts

        def build():
            sums = self.member_aggregates().sums
            full = (sums["one"] - sums["probationary"]) if len(sums) else pd.Series(
                dtype="float64")
            return branch_facts(self.branches(), full, self.activity_totals(), self.rules)
        return self._get("branch_facts", build)

    def compliance(self) -> pd.DataFrame:
        from pbkit.health.compliance import compliance

        return self._get("compliance", lambda: compliance(
            self.ds, rules=self.rules, year=self.year,
            as_of=self.as_of if self.due_only else None, totals=self.activity_totals(),
            facts=self.branch_facts()))

    def compliance_summary(self) -> pd.DataFrame:
        from pbkit.health.compliance import compliance_summary

        return self._get("compliance_summary", lambda: compliance_summary(
            self.ds, rules=self.rules, year=self.year, periods=self.compliance()))

    def activities(self) -> pd.DataFrame:
        from pbkit.health.compliance import year_activities

        def build():
            acts = year_activities(self.ds, self.rules, self.year)
            return acts[acts["org_id"].isin(self.branch_ids())]
        return self._get("activities", build)

    def perfunctory(self) -> pd.DataFrame:
        from pbkit.health.compliance import perfunctory

        return self._get("perfunctory", lambda: perfunctory(
            self.ds, rules=self.rules, year=self.year, lang=self.lang,
            member_table=self.all_members()))

    # ---- membership -------------------------------------------------------------------
    def membership(self):
        from pbkit.health.membership import membership_from_aggregates

        return self._get("membership", lambda: membership_from_aggregates(
            self.branches(), self.member_aggregates(), rules=self.rules, year=self.year))

    def development(self, window_years: int | None = None) -> pd.DataFrame:
        """The development view (new members per year) over ``window_years``."""
        from pbkit.health.membership import _Prepared, development

        if window_years is None or window_years == self.rules.development.window_years:
            return self.membership().development
        return self._get(f"development_{window_years}", lambda: development(
            Dataset(), rules=_Prepared(self.rules, self.year, self.branches(),
                                       self.member_aggregates()),
            year=self.year, window_years=window_years))

    # ---- households, pairings and visits ----------------------------------------------
    def visits(self) -> pd.DataFrame:
        """Visits of the year, with the village (``org_id``) each one concerns.

        A visit to a household belongs to the household's village; a visit to an
        organisation belongs to that organisation. ``target_type`` says which.
        """
        def build():
            v = self.ds.visits
            v = v[v["date"].dt.year == self.year]
            hh_org = self.ds.households.set_index("household_id")["org_id"]
            org_ids = pd.Index(self.ds.orgs["org_id"])
            via_hh = v["target_id"].map(hh_org)
            is_org = v["target_id"].isin(org_ids)
            org = via_hh.where(via_hh.notna(), v["target_id"].where(is_org))
            kind = np.where(via_hh.notna(), "household", np.where(is_org, "org", "unknown"))
            return v.assign(org_id=org.astype("str"), target_type=kind)
        return self._get("visits", build)

    def households(self) -> pd.DataFrame:
        """Needy households with ``covered`` (active one-on-one pair on ``as_of``),
        ``visits`` (visits in the year), ``visited`` and ``solved`` (problems solved)."""
        def build():
            hh = self.ds.households[["household_id", "org_id", "needs", "size"]]
            pairs = active_pairings(self.ds, self.as_of, "one_on_one")
            covered = isin(hh["household_id"], pairs["target_id"])
            v = self.visits()
            v = v[v["target_type"] == "household"]
            nvis = v.groupby("target_id").size()
            solved = v["problem_solved"].fillna(False).astype(bool).groupby(
                v["target_id"]).sum()
            out = hh.assign(
                covered=covered,
                visits=hh["household_id"].map(nvis).fillna(0).astype("int64"),
                solved=hh["household_id"].map(solved).fillna(0).astype("int64"),
            )
            out["visited"] = out["visits"] > 0
            return out
        return self._get("households", build)

    def migrant_status(self) -> pd.DataFrame:
        """Migrant members with months since the last contact and months of unpaid dues.

        ``months_since_contact = months(as_of) - months(last_contact)`` and
        ``months_dues_unpaid = months(as_of) - months(dues_paid_until)`` in whole calendar
        months. A member is ``out_of_contact`` when there is no contact in the last
        ``migrant.contact_months`` months (``last_contact`` before ``as_of`` minus that many
        months, or missing) or when dues are unpaid for ``migrant.dues_months`` months or
        more (or never recorded). ``reason`` gives the first failing rule:
        ``no_contact_record``, ``contact_overdue``, ``no_dues_record``, ``dues_overdue``.
        """
        def build():
            cfg = self.rules.migrant
            mig = self.migrant_members().copy()
            since = month_diff(self.as_of, mig["last_contact"])
            unpaid = month_diff(self.as_of, mig["dues_paid_until"])
            cutoff = self.as_of - pd.DateOffset(months=cfg.contact_months)
            no_contact = mig["last_contact"].isna()
            contact_late = (mig["last_contact"] < cutoff).fillna(False)
            no_dues = mig["dues_paid_until"].isna()
            dues_late = (unpaid >= cfg.dues_months).fillna(False)
            reason = np.select([no_contact.to_numpy(), contact_late.to_numpy(dtype=bool),
                                no_dues.to_numpy(), dues_late.to_numpy(dtype=bool)],
                               ["no_contact_record", "contact_overdue", "no_dues_record",
                                "dues_overdue"], default="")
            mig["months_since_contact"] = since
            mig["months_dues_unpaid"] = unpaid
            mig["out_of_contact"] = reason != ""
            mig["reason"] = reason
            return mig.reset_index(drop=True)
        return self._get("migrant_status", build)
