"""Shared building blocks of the health views: branches, members, reference dates.

One place decides who counts as a party member, which organisations are branches, and
which year and date an analysis refers to. The reference is always derived from the data
(or given by the caller), never from today's clock, so a report is reproducible.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(activities=pd.DataFrame({"activity_id": ["A1"],
...     "org_id": ["V1"], "kind": ["committee_meeting"], "date": ["2024-05-10"],
...     "expected": [8], "attended": [7]}))
>>> reference_year(ds), str(reference_date(ds, 2024).date())
(2024, '2024-05-10')
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.data.schema import AGE_BANDS
from pbkit.errors import UsageError

__all__ = [
    "MEMBER_ROLES",
    "ALL",
    "reference_year",
    "reference_date",
    "branches",
    "members",
    "age_band_of",
    "active_pairings",
    "month_diff",
    "isin",
]

# Roles that make a person a full or probationary party member.
MEMBER_ROLES: frozenset[str] = frozenset({"member", "probationary_member", "secretary",
                                          "deputy_secretary", "committee_member"})
# org_id used for the "all branches" rows of overall views
ALL = "ALL"

_BAND_LOWS = np.array([18, 30, 40, 50, 60, 70, 80])


def _date_columns(ds: Dataset) -> Iterable[pd.Series]:
    yield ds.activities["date"]
    yield ds.visits["date"]
    yield ds.pairings["start"]
    yield ds.people["last_contact"]


def reference_year(ds: Dataset) -> int:
    """The latest year with activities (else visits, pairings, contacts, join years).

    Raises :class:`~pbkit.errors.UsageError` when the dataset holds no date at all.
    """
    for series in _date_columns(ds):
        if series.notna().any():
            return int(series.max().year)
    joins = ds.people["join_year"].dropna()
    if len(joins):
        return int(joins.max())
    raise UsageError("health.err.no_dates")


def reference_date(ds: Dataset, year: int) -> pd.Timestamp:
    """The "as of" date for ``year``: the last dated record in the data, capped at Dec 31.

    Rules measured against a date (six months without contact, active pairings) use it.
    """
    end = pd.Timestamp(year=year, month=12, day=31)
    latest = [s[s <= end].max() for s in _date_columns(ds) if s.notna().any()]
    latest = [d for d in latest if pd.notna(d)]
    if not latest:
        return end
    found = max(latest)
    return found if found.year == year else end


def branches(ds: Dataset, levels: Iterable[str]) -> pd.DataFrame:
    """Organisations at the given levels: ``org_id, parent_id, level, name_code, households``."""
    cols = ["org_id", "parent_id", "level", "name_code", "households"]
    out = ds.orgs.loc[ds.orgs["level"].isin(list(levels)), cols]
    return out.sort_values("org_id", kind="stable").reset_index(drop=True)


def _roles_member(roles: pd.Series) -> pd.Series:
    return roles.map(lambda r: bool(MEMBER_ROLES.intersection(r)) if isinstance(r, tuple)
                     else False).astype(bool)


def members(ds: Dataset) -> pd.DataFrame:
    """Party members (full and probationary) with helper columns.

    A person is a member when one of their roles is in :data:`MEMBER_ROLES`, or when a
    ``join_year`` is recorded and the person is not only an activist. Added columns:
    ``probationary`` (bool), ``is_migrant`` (bool, missing = False).
    """
    people = ds.people
    roles = people["roles"]
    has_member_role = _roles_member(roles)
    only_activist = roles.map(lambda r: isinstance(r, tuple) and set(r) <= {"activist"}
                              and len(r) > 0).astype(bool)
    joined = people["join_year"].notna().to_numpy(dtype=bool)
    mask = has_member_role.to_numpy() | (joined & ~only_activist.to_numpy())
    out = people.loc[mask].copy()
    out["probationary"] = out["roles"].map(
        lambda r: isinstance(r, tuple) and "probationary_member" in r).astype(bool)
    out["is_migrant"] = out["migrant"].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def age_band_of(frame: pd.DataFrame, year: int) -> pd.Series:
    """Age band per person: from ``birth_year`` (age = year - birth_year) or ``age_band``.

    Bands are those of the schema (``18-29`` ... ``80+``); ages under 18 fall in ``18-29``.

    >>> f = pd.DataFrame({"birth_year": pd.array([1960, None, 2000], dtype="Int64"),
    ...                   "age_band": ["", "70-79", None]})
    >>> age_band_of(f, 2024).tolist()
    ['60-69', '70-79', '18-29']
    """
    age = (year - frame["birth_year"].astype("float64")).to_numpy()
    idx = np.searchsorted(_BAND_LOWS, np.nan_to_num(age, nan=-1), side="right") - 1
    idx = np.clip(idx, 0, len(AGE_BANDS) - 1)
    from_year = pd.Series(np.asarray(AGE_BANDS, dtype=object)[idx], index=frame.index)
    given = frame["age_band"].where(frame["age_band"].isin(AGE_BANDS))
    out = from_year.where(~np.isnan(age), given)
    return out.astype("object")


def active_pairings(ds: Dataset, as_of: pd.Timestamp, mechanism: str | None = None
                    ) -> pd.DataFrame:
    """Pairings active on ``as_of``: status empty or ``active``, started, not yet ended."""
    p = ds.pairings
    if mechanism is not None:
        p = p[p["mechanism"] == mechanism]
    status_ok = p["status"].isna() | (p["status"] == "active")
    started = p["start"].isna() | (p["start"] <= as_of)
    not_ended = p["end"].isna() | (p["end"] >= as_of)
    return p[status_ok & started & not_ended]


def isin(series: pd.Series, values) -> np.ndarray:
    """``series.isin(values)`` as a bool array, fast for many values (hash lookup; the
    pyarrow-backed ``str`` dtype's own ``isin`` converts values one by one).

    >>> isin(pd.Series(["a", "b", None], dtype="str"), pd.Series(["b", "c"])).tolist()
    [False, True, False]
    """
    index = pd.Index(pd.unique(pd.Series(values, dtype=object).dropna()), dtype=object)
    if len(index) == 0:
        return np.zeros(len(series), dtype=bool)
    return index.get_indexer(series.astype(object)) >= 0


def month_diff(later: pd.Timestamp, earlier: pd.Series) -> pd.Series:
    """Whole calendar months from ``earlier`` to ``later`` (missing stays missing).

    >>> month_diff(pd.Timestamp("2024-12-31"), pd.Series(pd.to_datetime(["2024-06-01"]))).tolist()
    [6.0]
    """
    return ((later.year - earlier.dt.year) * 12 + (later.month - earlier.dt.month)).astype(
        "float64")
