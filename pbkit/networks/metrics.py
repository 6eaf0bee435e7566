"""Pairing-network metrics: coverage, helper load, robustness, reach, structure.

Every function takes a :class:`~pbkit.data.dataset.Dataset` and returns a tidy DataFrame
(one row per village, need, helper, person or node); aggregations are vectorised with
pandas. Only pairings in force count (status empty or ``active``, not ended on ``as_of``;
see :func:`pbkit.networks.eligibility.active_pairings`). :func:`metrics_report` gathers
them all.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(
...     orgs=pd.DataFrame({"org_id": ["T", "V1"], "parent_id": [None, "T"],
...                        "level": ["township", "village"]}),
...     people=pd.DataFrame({"person_id": ["P1"], "org_id": ["V1"], "roles": ["member"],
...                          "gender": ["male"], "education": ["primary"], "capacity": [1]}),
...     households=pd.DataFrame({"household_id": ["H1", "H2"], "org_id": ["V1", "V1"],
...                              "needs": ["disabled", "low_income"]}),
...     pairings=pd.DataFrame({"pairing_id": ["a"], "mechanism": ["one_on_one"],
...                            "source_id": ["P1"], "target_id": ["H1"]}))
>>> coverage(ds)[["village", "needy", "covered", "coverage"]].to_dict("records")
[{'village': 'V1', 'needy': 2, 'covered': 1, 'coverage': 0.5}]
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.schema import NEEDS
from pbkit.networks import eligibility as el
from pbkit.networks.mechanisms import get_mechanism

__all__ = [
    "household_places",
    "coverage_counts",
    "coverage_finish",
    "helper_rows",
    "helper_finish",
    "coverage",
    "uncovered_households",
    "helper_load",
    "load_summary",
    "gini",
    "robustness",
    "left_uncovered",
    "reach",
    "leader_contacts",
    "structure",
    "components",
    "MetricsReport",
    "metrics_report",
]

EXACT_BETWEENNESS_NODES = 2000
SMALL_COMPONENT = 50


def _example():
    """A tiny dataset for the examples: village V1 with 3 needy households, V2 with 1.

    P1 (capacity 1) helps H1 and H2 (overloaded), P2 (migrant) helps H3; L1 leads the
    bao-cun team of V1 and mentors student official O1 with secretary S1.
    """
    from pbkit.data.dataset import Dataset

    return Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["T", "V1", "V2"], "parent_id": [None, "T", "T"],
                           "level": ["township", "village", "village"]}),
        people=pd.DataFrame({
            "person_id": ["P1", "P2", "S1", "O1", "L1"], "org_id": ["V1", "V1", "V1", "V1", "T"],
            "roles": ["member", "member", "secretary", "student_official", "township_leader"],
            "gender": ["male"] * 5, "education": ["primary"] * 5,
            "capacity": [1, 2, 0, 0, 0], "migrant": [False, True, False, False, False]}),
        households=pd.DataFrame({"household_id": ["H1", "H2", "H3", "H4"],
                                 "org_id": ["V1", "V1", "V1", "V2"],
                                 "needs": ["disabled", "low_income", "disabled",
                                           "elderly_alone"]}),
        pairings=pd.DataFrame({
            "pairing_id": ["a", "b", "c", "d", "e", "f"],
            "mechanism": ["one_on_one"] * 3 + ["bao_cun", "two_plus_one", "two_plus_one"],
            "source_id": ["P1", "P1", "P2", "L1", "L1", "S1"],
            "target_id": ["H1", "H2", "H3", "V1", "O1", "O1"],
            "role": ["helper"] * 3 + ["deputy_leader", "township_mentor",
                                      "secretary_mentor"]}))


class _Ctx:
    """Intermediates shared by several metrics (built once per :func:`metrics_report`)."""

    def __init__(self, ds, as_of=None) -> None:
        self.ds = ds
        self.as_of = as_of
        self.places = el.org_places(ds.orgs)
        self.active = el.active_pairings(ds, None, as_of)
        self.one = self.active[self.active["mechanism"] == "one_on_one"]
        self.households = household_places(ds.households, self.places)


def household_places(h: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Households with their village and township: ``household_id, village, township,
    needs`` (the village is the household's org when that is not in a village)."""
    pl = places.reindex(h["org_id"].to_numpy(dtype=object))
    village = pd.Series(pl["village"].to_numpy(dtype=object), index=h.index)
    # text columns always typed "str" (missing = NaN), whatever rows a part holds
    return pd.DataFrame({
        "household_id": h["household_id"], "village": village.fillna(h["org_id"]).astype("str"),
        "township": pd.Series(pl["township"].to_numpy(dtype=object), index=h.index,
                              dtype="str"),
        "needs": h["needs"]})


def _get_ctx(ds, as_of, ctx) -> _Ctx:
    return ctx if ctx is not None else _Ctx(ds, as_of)


def _covered_set(ctx: _Ctx, removed: Iterable[str] = ()) -> pd.Series:
    """Per household: number of active helpers (helpers in ``removed`` not counted)."""
    act = ctx.one
    if removed:
        act = act[~el.isin(act["source_id"], list(removed))]
    return act.drop_duplicates(["source_id", "target_id"]).groupby("target_id").size()


def coverage(ds, by: str = "village", *, as_of=None, _ctx=None) -> pd.DataFrame:
    """Share of needy households with at least one active one-on-one helper.

    Formula: ``coverage = covered / needy`` where ``covered`` counts households that are
    the target of an active ``one_on_one`` pairing.

    Parameters
    ----------
    by : {"village", "township", "need", "all"}
        Grouping. ``need``: a household with several needs counts under each of them.

    Returns
    -------
    DataFrame
        The group column(s), ``needy``, ``covered``, ``uncovered``, ``coverage``; sorted by
        coverage (lowest first), then group.
    """
    ctx = _get_ctx(ds, as_of, _ctx)
    h = ctx.households.copy()
    helpers = _covered_set(ctx)
    h["covered"] = el.isin(h["household_id"], helpers.index)
    grouped, keys = coverage_counts(h, by)
    return coverage_finish(grouped, keys, by)


def coverage_counts(h: pd.DataFrame, by: str) -> tuple[pd.DataFrame, list[str]]:
    """``size`` (needy) and ``sum`` (covered) per group of households with a ``covered``
    column; counts of disjoint parts add up (the Dask engine sums them file by file)."""
    if by == "need":
        ex = h.explode("needs")
        ex = ex[ex["needs"].notna()]
        grouped = ex.groupby("needs", sort=True)["covered"].agg(["size", "sum"])
        grouped = grouped.reindex([n for n in NEEDS if n in grouped.index])
        keys = ["need"]
        grouped.index.name = "need"
    elif by in ("village", "township"):
        keys = ["village", "township"] if by == "village" else ["township"]
        grouped = h.groupby(keys, dropna=False, sort=True)["covered"].agg(["size", "sum"])
    elif by == "all":
        keys = []
        grouped = pd.DataFrame({"size": [len(h)], "sum": [int(h["covered"].sum())]})
    else:
        from pbkit.errors import UsageError

        raise UsageError("networks.err.bad_by", by=by, choices="village, township, need, all")
    return grouped, keys


def coverage_finish(grouped: pd.DataFrame, keys: list[str], by: str) -> pd.DataFrame:
    """The coverage table from :func:`coverage_counts` (rates, sorting)."""
    out = grouped.reset_index() if keys else grouped
    out = out.rename(columns={"size": "needy", "sum": "covered"})
    out["needy"] = out["needy"].astype("int64")
    out["covered"] = out["covered"].astype("int64")
    out["uncovered"] = out["needy"] - out["covered"]
    out["coverage"] = np.where(out["needy"] > 0, out["covered"] / out["needy"].clip(lower=1),
                               np.nan).round(4)
    if keys and by != "need":
        out = out.sort_values(["coverage", *keys], kind="stable")
    return out.reset_index(drop=True)


def uncovered_households(ds, *, as_of=None, _ctx=None) -> pd.DataFrame:
    """Needy households without any active one-on-one helper.

    Returns ``household_id, village, township, needs`` sorted by village and id.

    Examples
    --------
    >>> uncovered_households(_example())["household_id"].tolist()
    ['H4']
    """
    ctx = _get_ctx(ds, as_of, _ctx)
    h = ctx.households
    helpers = _covered_set(ctx)
    out = h[~el.isin(h["household_id"], helpers.index)]
    return out.sort_values(["village", "household_id"], kind="stable").reset_index(drop=True)


def gini(values) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated).

    Formula: ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mean(x))``, computed from the sorted
    values as ``G = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n`` (i = 1..n). ``nan`` for no
    values; 0 when all are 0.

    >>> gini([1, 1, 1, 1]), gini([0, 0, 0, 4]), round(gini([1, 2, 3]), 4)
    (0.0, 0.75, 0.2222)
    """
    x = np.sort(np.asarray(list(values) if not hasattr(values, "__array__") else values,
                           dtype=np.float64))
    n = len(x)
    if n == 0:
        return float("nan")
    total = x.sum()
    if total == 0:
        return 0.0
    i = np.arange(1, n + 1)
    return float(round(2.0 * (i * x).sum() / (n * total) - (n + 1) / n, 10))


def helper_load(ds, *, as_of=None, _ctx=None) -> pd.DataFrame:
    """Active one-on-one pairs per helper against capacity.

    Helpers are the people the one_on_one mechanism admits (roles, capacity > 0) plus
    anyone who is the source of an active one-on-one pair. Formula: ``load_ratio = pairs / capacity``
    (capacity from the people table, the mechanism default when empty);
    ``overloaded = pairs > capacity``; ``spare = max(capacity - pairs, 0)``.

    Returns ``person_id, org_id, village, capacity, pairs, load_ratio, spare, overloaded,
    migrant`` sorted by load ratio (highest first), then id.

    Examples
    --------
    >>> helper_load(_example())[["person_id", "pairs", "overloaded"]].values.tolist()
    [['P1', 2, True], ['P2', 1, False]]
    """
    ctx = _get_ctx(ds, as_of, _ctx)
    act = ctx.one.drop_duplicates(["source_id", "target_id"])
    counts = act.groupby("source_id").size()
    out = helper_rows(ds, ctx.places, counts, as_of)
    # sources of pairs who are not in the people table at all
    unknown = counts[~el.isin(counts.index, ds.people["person_id"])]
    return helper_finish(out, unknown)


def helper_rows(ds, places: pd.DataFrame, counts: pd.Series, as_of=None) -> pd.DataFrame:
    """Helper rows of ``ds.people`` (a whole table or a part): the people the one_on_one
    mechanism admits with capacity > 0, plus the sources in ``counts`` (pairs per
    source); see :func:`helper_load`."""
    mech = get_mechanism("one_on_one")
    people = ds.people
    eligible = el.select(ds, mech.source, as_of)
    cap_all = people[mech.capacity_column].astype("Float64").fillna(mech.capacity_default)
    # one hash lookup in the (unique) index of pair sources: its hash table is built once
    # and kept with ``counts``, which matters when this runs once per Parquet file
    pos = counts.index.get_indexer(people["person_id"].to_numpy(dtype=object))
    keep = (eligible.to_numpy() & (cap_all.to_numpy(dtype="float64") > 0)) | (pos >= 0)
    rows = people[keep]
    cap = cap_all[keep]
    out = pd.DataFrame({
        "person_id": pd.Series(rows["person_id"].to_numpy(dtype=object), dtype="str"),
        "org_id": pd.Series(rows["org_id"].to_numpy(dtype=object), dtype="str"),
        "village": pd.Series(places.reindex(rows["org_id"].to_numpy(dtype=object))[
            "village"].to_numpy(dtype=object), dtype="str"),
        "capacity": cap.astype("int64").to_numpy(),
        "migrant": rows["migrant"].fillna(False).astype(bool).to_numpy(),
    })
    pos = pos[keep]
    values = counts.to_numpy(dtype="int64")
    out["pairs"] = np.where(pos >= 0, values[np.maximum(pos, 0)] if len(values) else 0, 0)
    out["pairs"] = out["pairs"].astype("int64")
    return out


def helper_finish(out: pd.DataFrame, unknown: pd.Series) -> pd.DataFrame:
    """Add ``unknown`` sources (pairs per source not in the people table) to helper rows,
    compute load ratio, spare capacity and overload, and sort (see :func:`helper_load`)."""
    mech = get_mechanism("one_on_one")
    if len(unknown):
        out = pd.concat([out, pd.DataFrame({
            "person_id": unknown.index.to_numpy(dtype=object), "org_id": None, "village": None,
            "capacity": mech.capacity_default, "migrant": False,
            "pairs": unknown.to_numpy(dtype="int64")})], ignore_index=True)
    out["load_ratio"] = np.where(out["capacity"] > 0,
                                 out["pairs"] / out["capacity"].clip(lower=1),
                                 np.where(out["pairs"] > 0, np.inf, 0.0)).round(4)
    out["spare"] = (out["capacity"] - out["pairs"]).clip(lower=0)
    out["overloaded"] = out["pairs"] > out["capacity"]
    out = out[["person_id", "org_id", "village", "capacity", "pairs", "load_ratio", "spare",
               "overloaded", "migrant"]]
    return out.sort_values(["load_ratio", "person_id"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def load_summary(ds, by: str | None = None, *, as_of=None, load: pd.DataFrame | None = None
                 ) -> pd.DataFrame:
    """Load distribution of helpers, overall or per village.

    Formula: ``gini`` of pairs per helper over all helpers (idle ones included, see
    :func:`gini`); ``overloaded`` = helpers with pairs > capacity; ``utilisation`` =
    sum(min(pairs, capacity)) / sum(capacity).

    Returns one row (``by=None``) or one row per village (``by="village"``) with
    ``helpers, active_helpers, pairs, capacity, mean_load, max_load, overloaded,
    utilisation, gini``.

    Examples
    --------
    >>> row = load_summary(_example()).iloc[0]
    >>> int(row["helpers"]), int(row["pairs"]), int(row["overloaded"]), float(row["gini"])
    (2, 3, 1, 0.1667)
    """
    frame = helper_load(ds, as_of=as_of) if load is None else load

    def agg(g: pd.DataFrame) -> dict:
        cap = g["capacity"].sum()
        return {"helpers": len(g), "active_helpers": int((g["pairs"] > 0).sum()),
                "pairs": int(g["pairs"].sum()), "capacity": int(cap),
                "mean_load": round(float(g["pairs"].mean()), 4) if len(g) else np.nan,
                "max_load": int(g["pairs"].max()) if len(g) else 0,
                "overloaded": int(g["overloaded"].sum()),
                "utilisation": round(float(np.minimum(g["pairs"], g["capacity"]).sum() / cap),
                                     4) if cap else np.nan,
                "gini": round(gini(g["pairs"].to_numpy()), 4)}

    if by is None:
        return pd.DataFrame([agg(frame)])
    if by != "village":
        from pbkit.errors import UsageError

        raise UsageError("networks.err.bad_by", by=by, choices="village")
    # vectorised per-village aggregation; Gini by the sorted-rank formula per group
    f = frame.assign(village=frame["village"].fillna("?"))
    f = f.sort_values(["village", "pairs"], kind="stable")
    f["_rank"] = f.groupby("village").cumcount() + 1
    f["_ix"] = f["_rank"] * f["pairs"]
    f["_used"] = np.minimum(f["pairs"], f["capacity"])
    g = f.groupby("village", sort=True)
    out = pd.DataFrame({
        "helpers": g.size(), "active_helpers": (f["pairs"] > 0).groupby(f["village"]).sum(),
        "pairs": g["pairs"].sum(), "capacity": g["capacity"].sum(),
        "mean_load": g["pairs"].mean().round(4), "max_load": g["pairs"].max(),
        "overloaded": g["overloaded"].sum(), "_used": g["_used"].sum(), "_ix": g["_ix"].sum(),
    })
    n, tot = out["helpers"], out["pairs"]
    out["utilisation"] = (out["_used"] / out["capacity"].where(out["capacity"] > 0)).round(4)
    out["gini"] = np.where(tot > 0, 2.0 * out["_ix"] / (n * tot.where(tot > 0, 1)) - (n + 1) / n,
                           0.0).round(4)
    out = out.drop(columns=["_used", "_ix"]).reset_index()
    return out.astype({"active_helpers": "int64", "overloaded": "int64"})


def _migrants(ds) -> list[str]:
    people = ds.people
    return people.loc[people["migrant"].fillna(False).astype(bool), "person_id"].tolist()


def robustness(ds, removed: Iterable[str] | None = None, *, as_of=None, _ctx=None) -> pd.DataFrame:
    """Pairs broken when some people are away (default: every migrant member).

    Formula per mechanism: ``broken`` = active pairs whose source or target is in
    ``removed``; ``broken_share = broken / pairs``; ``targets_lost`` = targets that had at
    least one active link and have none left.

    Returns ``mechanism, pairs, broken, broken_share, targets, targets_lost``.

    Examples
    --------
    >>> robustness(_example())[["mechanism", "pairs", "broken"]].values.tolist()
    [['bao_cun', 1, 0], ['one_on_one', 3, 1], ['two_plus_one', 2, 0]]
    """
    ctx = _get_ctx(ds, as_of, _ctx)
    removed = _migrants(ds) if removed is None else list(removed)
    act = ctx.active.drop_duplicates(
        ["mechanism", "source_id", "target_id"])
    gone = el.isin(act["source_id"], removed) | el.isin(act["target_id"], removed)
    frame = act.assign(broken=gone, alive=~gone)
    per_target = frame.groupby(["mechanism", "target_id"])["alive"].any()
    lost = (~per_target).groupby(level="mechanism").sum()
    g = frame.groupby("mechanism")
    out = pd.DataFrame({"pairs": g.size(), "broken": g["broken"].sum(),
                        "targets": per_target.groupby(level="mechanism").size(),
                        "targets_lost": lost}).reset_index()
    out["broken_share"] = (out["broken"] / out["pairs"]).round(4)
    return out[["mechanism", "pairs", "broken", "broken_share", "targets",
                "targets_lost"]].astype({"broken": "int64", "targets_lost": "int64"})


def left_uncovered(ds, removed: Iterable[str] | None = None, *, as_of=None, _ctx=None) -> pd.DataFrame:
    """Households covered now that would be left without a helper if ``removed`` leave.

    ``removed`` defaults to every migrant member ("what if the migrants are away").

    Returns ``household_id, village, needs, lost_helpers`` (the helpers removed).

    Examples
    --------
    >>> left_uncovered(_example(), ["P1"])["household_id"].tolist()
    ['H1', 'H2']
    """
    ctx = _get_ctx(ds, as_of, _ctx)
    removed = _migrants(ds) if removed is None else list(removed)
    before = _covered_set(ctx)
    after = _covered_set(ctx, removed)
    lost = before.index[~el.isin(before.index, after.index)]
    h = ctx.households
    out = h[el.isin(h["household_id"], lost)].copy()
    act = ctx.one
    gone = act[el.isin(act["source_id"], removed) & el.isin(act["target_id"], lost)]
    gone = gone.loc[:, ["target_id", "source_id"]].drop_duplicates().sort_values(
        ["target_id", "source_id"], kind="stable")
    names = gone.groupby("target_id", sort=False)["source_id"].agg(";".join)
    out["lost_helpers"] = out["household_id"].map(names).to_numpy()
    return out[["household_id", "village", "needs", "lost_helpers"]].sort_values(
        ["village", "household_id"], kind="stable").reset_index(drop=True)


def reach(ds, *, as_of=None, _ctx=None) -> pd.DataFrame:
    """Whether every village secretary, student official and village is reached.

    A secretary or student official is reached when they take part in an active
    ``two_plus_one`` group (as target or mentor); ``two_plus_one_links`` counts their links.
    A village is reached when it has an active ``bao_cun`` link; ``team_complete`` when the
    team has at least the mechanism's composition (1 deputy leader + 2 agency cadres).

    Returns ``target_id, kind, org_id, township, two_plus_one_links, bao_cun_members,
    team_complete, reached`` sorted by kind, then id. Formula of the reach rate per kind:
    ``reached.mean()``.

    Examples
    --------
    >>> reach(_example())[["target_id", "kind", "reached"]].values.tolist()
    [['S1', 'secretary', True], ['O1', 'student_official', True], ['V1', 'village', True], ['V2', 'village', False]]
    """
    ctx = _get_ctx(ds, as_of, _ctx)
    places = ctx.places
    people = ds.people
    act = ctx.active
    tp = act[act["mechanism"] == "two_plus_one"]
    tp_links = pd.concat([tp["source_id"], tp["target_id"]]).value_counts()
    roles = people["roles"]
    is_sec = np.array([isinstance(r, tuple) and "secretary" in r for r in roles], dtype=bool)
    is_so = np.array([isinstance(r, tuple) and "student_official" in r for r in roles],
                     dtype=bool)
    org_pl = places.reindex(people["org_id"].to_numpy(dtype=object))
    in_village = org_pl["village"].notna().to_numpy()
    frames = []
    for mask, kind in ((is_sec & in_village, "secretary"), (is_so, "student_official")):
        sub = people[mask]
        pl = places.reindex(sub["org_id"].to_numpy(dtype=object))
        frames.append(pd.DataFrame({
            "target_id": sub["person_id"].to_numpy(dtype=object), "kind": kind,
            "org_id": sub["org_id"].to_numpy(dtype=object),
            "township": pl["township"].to_numpy(dtype=object),
            "two_plus_one_links": sub["person_id"].map(tp_links).fillna(0).astype(
                "int64").to_numpy(),
            "bao_cun_members": 0, "team_complete": False}))
    villages = ds.villages()
    bc = act[act["mechanism"] == "bao_cun"].drop_duplicates(["source_id", "target_id"])
    members = bc.groupby("target_id").size()
    role_counts = bc.groupby(["target_id", "role"]).size().unstack(fill_value=0)
    mech = get_mechanism("bao_cun")
    complete = pd.Series(True, index=role_counts.index)
    for slot in mech.slots:
        have = role_counts[slot.role] if slot.role in role_counts.columns else 0
        complete &= pd.Series(have, index=role_counts.index) >= slot.count
    vpl = places.reindex(villages["org_id"].to_numpy(dtype=object))
    frames.append(pd.DataFrame({
        "target_id": villages["org_id"].to_numpy(dtype=object), "kind": "village",
        "org_id": villages["org_id"].to_numpy(dtype=object),
        "township": vpl["township"].to_numpy(dtype=object),
        "two_plus_one_links": 0,
        "bao_cun_members": villages["org_id"].map(members).fillna(0).astype("int64").to_numpy(),
        "team_complete": villages["org_id"].map(complete).eq(True).to_numpy(dtype=bool),
    }))
    out = pd.concat(frames, ignore_index=True)
    out["reached"] = np.where(out["kind"] == "village", out["bao_cun_members"] > 0,
                              out["two_plus_one_links"] > 0)
    order = {"secretary": 0, "student_official": 1, "village": 2}
    return out.assign(_k=out["kind"].map(order)).sort_values(
        ["_k", "target_id"], kind="stable").drop(columns="_k").reset_index(drop=True)


def leader_contacts(ds, *, as_of=None, _ctx=None) -> pd.DataFrame:
    """Contacts per township leader through 2+1 groups and bao-cun teams.

    Formula: ``contacts`` = distinct targets (2+1 mentees and bao-cun villages) linked to
    the leader by active pairings.

    Returns ``person_id, township, two_plus_one_targets, bao_cun_villages, contacts``
    sorted by contacts (highest first), then id.

    Examples
    --------
    >>> leader_contacts(_example())[["person_id", "contacts"]].values.tolist()
    [['L1', 2]]
    """
    ctx = _get_ctx(ds, as_of, _ctx)
    places = ctx.places
    people = ds.people
    is_leader = np.array([isinstance(r, tuple) and "township_leader" in r
                          for r in people["roles"]], dtype=bool)
    leaders = people[is_leader]
    act = ctx.active
    act = act[el.isin(act["source_id"], leaders["person_id"])]
    act = act[act["mechanism"].isin(["two_plus_one", "bao_cun"])].drop_duplicates(
        ["mechanism", "source_id", "target_id"])
    per = act.groupby(["source_id", "mechanism"]).size().unstack(fill_value=0)
    distinct = act.drop_duplicates(["source_id", "target_id"]).groupby("source_id").size()
    out = pd.DataFrame({
        "person_id": leaders["person_id"].to_numpy(dtype=object),
        "township": places.reindex(leaders["org_id"].to_numpy(dtype=object))[
            "township"].to_numpy(dtype=object)})
    for mech, col in (("two_plus_one", "two_plus_one_targets"), ("bao_cun", "bao_cun_villages")):
        series = per[mech] if mech in per.columns else pd.Series(dtype="int64")
        out[col] = out["person_id"].map(series).fillna(0).astype("int64").to_numpy()
    out["contacts"] = out["person_id"].map(distinct).fillna(0).astype("int64").to_numpy()
    return out.sort_values(["contacts", "person_id"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- structure


def _edge_codes(ds, as_of=None, ctx=None):
    """Undirected simple edges of all active pairings as integer codes, and the node ids."""
    act = ctx.active if ctx is not None else el.active_pairings(ds, None, as_of)
    src = act["source_id"].to_numpy(dtype=object)
    tgt = act["target_id"].to_numpy(dtype=object)
    codes, names = pd.factorize(np.concatenate([src, tgt]), sort=True)
    a, b = codes[: len(src)], codes[len(src):]
    ok = (a >= 0) & (b >= 0) & (a != b)
    lo, hi = np.minimum(a[ok], b[ok]), np.maximum(a[ok], b[ok])
    pairs = np.unique(np.column_stack([lo, hi]), axis=0) if len(lo) else np.empty((0, 2), int)
    return pairs, np.asarray(names, dtype=object)


def _nx_graph(n_names, pairs, nodes=None):
    import networkx as nx

    g = nx.Graph()
    if nodes is not None:
        g.add_nodes_from(nodes.tolist())
    g.add_edges_from(zip(n_names[pairs[:, 0]].tolist(), n_names[pairs[:, 1]].tolist()))
    return g


SAMPLE_BUDGET_FACTOR = 8


def _tree_betweenness(n: int, pairs: np.ndarray, tree_nodes: np.ndarray, labels: np.ndarray,
                      sizes: np.ndarray) -> np.ndarray:
    """Exact raw betweenness of every node in tree components, in linear time.

    In a tree every pair of nodes has one path, so a node v lies on the paths between its
    branches: ``raw(v) = ((sum b)^2 - sum b^2) / 2`` where ``b`` are the sizes of the parts
    left when v is removed (``sum b = s - 1``).
    """
    from scipy.sparse import csr_matrix

    raw = np.zeros(n, dtype=np.float64)
    if not len(tree_nodes):
        return raw
    in_tree = np.zeros(n, dtype=bool)
    in_tree[tree_nodes] = True
    tp = pairs[in_tree[pairs[:, 0]]]
    both = np.concatenate([tp, tp[:, ::-1]])
    adj = csr_matrix((np.ones(len(both), np.int8), (both[:, 0], both[:, 1])), shape=(n, n))
    indptr, indices = adj.indptr, adj.indices
    parent = np.full(n, -1, dtype=np.int64)
    size = np.ones(n, dtype=np.float64)
    sumsq = np.zeros(n, dtype=np.float64)
    seen = np.zeros(n, dtype=bool)
    for root in tree_nodes.tolist():
        if seen[root]:
            continue
        order = [root]
        seen[root] = True
        i = 0
        while i < len(order):
            v = order[i]
            i += 1
            for w in indices[indptr[v]:indptr[v + 1]].tolist():
                if not seen[w]:
                    seen[w] = True
                    parent[w] = v
                    order.append(w)
        for v in reversed(order[1:]):
            p = parent[v]
            size[p] += size[v]
            sumsq[p] += size[v] * size[v]
    s = sizes[labels[tree_nodes]].astype(np.float64)
    up = s - size[tree_nodes]  # the part above each node (0 for the root)
    total_sq = sumsq[tree_nodes] + up * up
    raw[tree_nodes] = ((s - 1) ** 2 - total_sq) / 2.0
    return raw


def _betweenness(names, pairs, labels, sizes, degree, k: int | None, seed: int) -> np.ndarray:
    """Normalised betweenness, exact on small graphs, per component and sampled at scale.

    Paths never cross components, so a node's betweenness is computed within its
    component and normalised by the whole graph's pair count ``(n-1)(n-2)/2``.
    Components of two nodes or fewer score 0; trees (stars, 2+1 groups, bao-cun teams...)
    are exact in linear time (:func:`_tree_betweenness`); other components use networkx,
    exact up to ``k`` nodes, else ``k`` seeded source samples (networkx rescales the sampled
    sums by ``s/k``); when these components hold more than ``8 k`` nodes in all, each one
    samples the same share ``8 k / total`` of its nodes (at least 2, at most ``k``).
    """
    import networkx as nx

    n = len(names)
    out = np.zeros(n, dtype=np.float64)
    if n < 3:
        return out
    if n <= EXACT_BETWEENNESS_NODES:
        values = nx.betweenness_centrality(_nx_graph(names, pairs, names), normalized=True)
        return np.array([values[v] for v in names.tolist()], dtype=np.float64)
    scale = 1.0 / ((n - 1) * (n - 2) / 2.0)
    n_comp = len(sizes)
    m = np.bincount(labels[pairs[:, 0]], minlength=n_comp)
    tree = (sizes >= 3) & (m == sizes - 1)
    out += _tree_betweenness(n, pairs, np.flatnonzero(tree[labels]), labels, sizes) * scale
    complex_comp = np.flatnonzero((sizes >= 3) & ~tree)
    if len(complex_comp):
        total = int(sizes[complex_comp].sum())
        budget = None if k is None else SAMPLE_BUDGET_FACTOR * k
        share = 1.0 if budget is None or total <= budget else budget / total
        edge_comp = labels[pairs[:, 0]]
        order = np.argsort(edge_comp, kind="stable")
        ec = edge_comp[order]
        starts = np.searchsorted(ec, complex_comp, "left")
        ends = np.searchsorted(ec, complex_comp, "right")
        index = {v: i for i, v in enumerate(names.tolist())}
        for c, a, b in zip(complex_comp.tolist(), starts.tolist(), ends.tolist()):
            sub = _nx_graph(names, pairs[order[a:b]])
            size = int(sizes[c])
            kk = size if k is None else min(size, k, max(2, int(np.ceil(share * size))))
            raw = nx.betweenness_centrality(sub, k=None if kk >= size else kk,
                                            normalized=False, seed=seed)
            for node, v in raw.items():
                out[index[node]] = v * scale
    return out


def _brokerage(names, pairs, org: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each node in ``targets``: pairs of its neighbours in different organisations
    that are not linked to each other."""
    out = np.full(len(names), -1, dtype=np.int64)
    if not len(targets) or not len(pairs):
        out[targets] = 0
        return out
    wanted = np.zeros(len(names), dtype=bool)
    wanted[targets] = True
    nbrs: dict[int, list[int]] = {int(t): [] for t in targets}
    for a, b in pairs[wanted[pairs[:, 0]] | wanted[pairs[:, 1]]].tolist():
        if wanted[a]:
            nbrs[a].append(b)
        if wanted[b]:
            nbrs[b].append(a)
    edge_set = set(map(tuple, pairs.tolist()))
    for v, nb in nbrs.items():
        count = 0
        for i, a in enumerate(nb):
            for b in nb[i + 1:]:
                if org[a] != org[b] and (min(a, b), max(a, b)) not in edge_set:
                    count += 1
        out[v] = count
    return out


def _communities(names, pairs, labels, sizes, seed: int) -> np.ndarray:
    """Louvain communities (seeded); components of at most 50 nodes are one community each."""
    import networkx as nx

    n = len(names)
    out = np.full(n, -1, dtype=np.int64)
    small = sizes[labels] <= SMALL_COMPONENT
    out[small] = labels[small]
    nxt = int(labels.max()) + 1 if n else 0
    big = np.flatnonzero(~small)
    if len(big):
        keep = ~small[pairs[:, 0]]
        sub = _nx_graph(names, pairs[keep], names[big])
        found = nx.community.louvain_communities(sub, seed=seed)
        index = {v: i for i, v in enumerate(names.tolist())}
        for comm in sorted((sorted(map(str, c)) for c in found), key=lambda c: c[0]):
            for node in comm:
                out[index[node]] = nxt
            nxt += 1
    # renumber in order of first appearance along sorted node ids
    _, first = np.unique(out, return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[np.searchsorted(np.unique(out), out)]


def structure(ds, *, as_of=None, k: int | None = 64, seed: int = 0,
              _ctx=None) -> pd.DataFrame:
    """Node-level structure of the combined pairing network (undirected, all mechanisms).

    Formulas: ``degree`` = number of distinct neighbours; ``betweenness`` = normalised
    betweenness centrality ``sum_{s,t} sigma_st(v) / sigma_st`` divided by
    ``(n-1)(n-2)/2`` (exact up to 2,000 nodes; else per component: exact on trees, ``k``
    seeded source samples in other components above ``k`` nodes, and a total budget of
    ``8 k`` sources shared in proportion to size); ``brokerage`` (secretaries only) =
    pairs of the secretary's neighbours that belong to different organisations and are not
    linked to each other; ``component`` = connected component (0 = largest);
    ``community`` = Louvain community (seeded; components of at most 50 nodes are one
    community each).

    Returns ``node, kind, org, village, is_secretary, degree, betweenness, brokerage,
    component, component_size, community`` sorted by betweenness (highest first), node.

    Examples
    --------
    >>> structure(_example()).head(1)[["node", "degree", "component"]].values.tolist()
    [['L1', 2, 0]]
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from pbkit.networks.graphs import node_table

    columns = ["node", "kind", "org", "village", "is_secretary", "degree", "betweenness",
               "brokerage", "component", "component_size", "community"]
    pairs, names = _edge_codes(ds, as_of, _ctx)
    n = len(names)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    degree = np.bincount(pairs.ravel(), minlength=n)
    graph = coo_matrix((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    n_comp, raw = connected_components(graph, directed=False)
    raw_sizes = np.bincount(raw, minlength=n_comp)
    first = np.full(n_comp, n, dtype=np.int64)
    np.minimum.at(first, raw, np.arange(n))  # names are sorted: first = smallest id
    order = np.lexsort((first, -raw_sizes))
    relabel = np.empty(n_comp, dtype=np.int64)
    relabel[order] = np.arange(n_comp)
    labels = relabel[raw]
    sizes = raw_sizes[order]
    info = node_table(ds).set_index("node").reindex(names)
    kind = info["kind"].fillna("unknown").to_numpy(dtype=object)
    org = info["org"].to_numpy(dtype=object)
    people = ds.people
    sec_ids = people.loc[[isinstance(r, tuple) and "secretary" in r for r in people["roles"]],
                         "person_id"].to_numpy(dtype=object)
    is_sec = el.isin(names, sec_ids) & (kind == "person")
    bet = _betweenness(names, pairs, labels, sizes, degree, k, seed)
    brok = _brokerage(names, pairs, org, np.flatnonzero(is_sec))
    comm = _communities(names, pairs, labels, sizes, seed)
    out = pd.DataFrame({
        "node": names, "kind": kind, "org": org,
        "village": info["village"].to_numpy(dtype=object), "is_secretary": is_sec,
        "degree": degree, "betweenness": np.round(bet, 8),
        "brokerage": pd.array(np.where(brok >= 0, brok, 0), dtype="Int64"),
        "component": labels, "component_size": sizes[labels], "community": comm,
    })
    out.loc[~is_sec, "brokerage"] = pd.NA
    return out.sort_values(["betweenness", "node"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def components(ds, *, as_of=None, nodes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Connected components of the combined network: size and make-up.

    Returns ``component, nodes, people, households, orgs, villages, communities``
    (component 0 is the largest). Formula: ``villages`` = distinct villages of the nodes.

    Examples
    --------
    >>> components(_example())["nodes"].tolist()
    [4, 3, 2]
    """
    frame = structure(ds, as_of=as_of) if nodes is None else nodes
    if frame.empty:
        return pd.DataFrame(columns=["component", "nodes", "people", "households", "orgs",
                                     "villages", "communities"])
    kind = frame["kind"]
    f = frame.assign(person=kind.eq("person"), household=kind.eq("household"),
                     org_node=kind.eq("org"))
    g = f.groupby("component", sort=True)
    return pd.DataFrame({
        "nodes": g.size(), "people": g["person"].sum(), "households": g["household"].sum(),
        "orgs": g["org_node"].sum(), "villages": g["village"].nunique(),
        "communities": g["community"].nunique()}).reset_index()


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class MetricsReport:
    """All pairing-network metrics of a dataset.

    Attributes
    ----------
    summary : Mapping
        Headline figures (coverage rate, uncovered, overloaded helpers, load Gini, broken
        pairs if migrants are away, reach rates, components, communities).
    views : Mapping[str, DataFrame]
        Tidy tables: ``coverage_by_village``, ``coverage_by_need``, ``uncovered``,
        ``helper_load``, ``overloaded``, ``load_by_village``, ``robustness``,
        ``left_uncovered``, ``reach``, ``leader_contacts``, ``structure``, ``components``.
    timings : Mapping[str, float]
        Seconds spent per metric.
    """

    summary: Mapping[str, Any]
    views: Mapping[str, pd.DataFrame]
    timings: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict:
        """``{"summary": {...}, "views": {name: [records]}}`` with JSON-ready values."""
        return {"summary": _jsonable(dict(self.summary)),
                "views": {name: _records(frame) for name, frame in self.views.items()}}

    def to_json(self, indent: int | None = 2) -> str:
        """The report as JSON text (UTF-8, Chinese kept as is)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_xlsx(self, path) -> Any:
        """Write a summary sheet and one sheet per view (via :func:`pbkit.export.write_xlsx`)."""
        from pbkit.export import write_xlsx

        summary = pd.DataFrame({"metric": list(self.summary),
                                "value": [str(v) for v in self.summary.values()]})
        sheets = {"summary": summary}
        for name, frame in self.views.items():
            sheets[name] = _flat(frame)
        return write_xlsx(sheets, path)


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: ";".join(v) if isinstance(v, tuple) else v)
    return out


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(_flat(frame).to_json(orient="records", force_ascii=False))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else round(float(value), 4)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def metrics_report(ds, *, as_of=None, seed: int = 0, k: int | None = 64,
                   removed: Iterable[str] | None = None, _ctx: _Ctx | None = None,
                   _pre: Mapping[str, pd.DataFrame] | None = None) -> MetricsReport:
    """Compute every metric (see each function for its formula).

    Parameters
    ----------
    ds : Dataset
    as_of : date-like, optional
        Reference date for active pairings (default today).
    seed : int
        Seed of the sampled betweenness and of Louvain communities.
    k : int or None
        Source samples for betweenness in components above ``k`` nodes (``None`` = exact).
    removed : iterable of person_id, optional
        People assumed away for the robustness views (default: migrant members).
    _ctx, _pre
        Used by the Dask engine (:mod:`pbkit.scale.metrics`): a prepared context, and
        views it already computed (``coverage_by_village``, ``coverage_by_need``,
        ``coverage_all``, ``uncovered``, ``helper_load``) instead of computing them here.

    Examples
    --------
    >>> from pbkit.data.dataset import Dataset
    >>> metrics_report(Dataset()).summary["needy"]
    0
    """
    timings: dict[str, float] = {}
    views: dict[str, pd.DataFrame] = {}
    t0 = time.perf_counter()
    ctx = _Ctx(ds, as_of) if _ctx is None else _ctx
    timings["prepare"] = time.perf_counter() - t0
    pre = dict(_pre or {})

    def timed(name: str, fn, view: str | None = None):
        if view in pre:
            return pre[view]
        t0 = time.perf_counter()
        value = fn()
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0
        return value

    views["coverage_by_village"] = timed("coverage", lambda: coverage(ds, as_of=as_of, _ctx=ctx),
                                         "coverage_by_village")
    views["coverage_by_need"] = timed("coverage", lambda: coverage(ds, "need", as_of=as_of,
                                                                   _ctx=ctx), "coverage_by_need")
    total = timed("coverage", lambda: coverage(ds, "all", as_of=as_of, _ctx=ctx), "coverage_all")
    views["uncovered"] = timed("coverage", lambda: uncovered_households(ds, as_of=as_of, _ctx=ctx),
                               "uncovered")
    load = timed("helper_load", lambda: helper_load(ds, as_of=as_of, _ctx=ctx), "helper_load")
    views["helper_load"] = load
    views["overloaded"] = load[load["overloaded"]].reset_index(drop=True)
    overall = timed("helper_load", lambda: load_summary(ds, as_of=as_of, load=load))
    views["load_by_village"] = timed("helper_load", lambda: load_summary(
        ds, "village", as_of=as_of, load=load))
    views["robustness"] = timed("robustness", lambda: robustness(ds, removed, as_of=as_of, _ctx=ctx))
    views["left_uncovered"] = timed("robustness", lambda: left_uncovered(ds, removed,
                                                                         as_of=as_of, _ctx=ctx))
    views["reach"] = timed("reach", lambda: reach(ds, as_of=as_of, _ctx=ctx))
    views["leader_contacts"] = timed("reach", lambda: leader_contacts(ds, as_of=as_of, _ctx=ctx))
    views["structure"] = timed("structure", lambda: structure(ds, as_of=as_of, k=k,
                                                              seed=seed, _ctx=ctx))
    views["components"] = timed("structure", lambda: components(ds, nodes=views["structure"]))
    r = views["reach"]

    def rate(kind: str) -> float | None:
        sub = r[r["kind"] == kind]
        return round(float(sub["reached"].mean()), 4) if len(sub) else None

    rob = views["robustness"]
    one = rob[rob["mechanism"] == "one_on_one"]
    st = views["structure"]
    summary = {
        "needy": int(total["needy"].iat[0]), "covered": int(total["covered"].iat[0]),
        "uncovered": int(total["uncovered"].iat[0]),
        "coverage_rate": None if total["needy"].iat[0] == 0 else float(total["coverage"].iat[0]),
        "helpers": int(overall["helpers"].iat[0]),
        "overloaded_helpers": int(overall["overloaded"].iat[0]),
        "load_gini": None if pd.isna(overall["gini"].iat[0]) else float(overall["gini"].iat[0]),
        "migrant_broken_pairs": int(one["broken"].sum()) if removed is None else None,
        "removed_broken_pairs": int(rob["broken"].sum()),
        "households_left_uncovered": len(views["left_uncovered"]),
        "secretaries_reached": rate("secretary"),
        "student_officials_reached": rate("student_official"),
        "villages_reached": rate("village"),
        "villages_team_complete": round(float(r.loc[r["kind"] == "village",
                                                    "team_complete"].mean()), 4)
        if (r["kind"] == "village").any() else None,
        "components": int(st["component"].nunique()) if len(st) else 0,
        "largest_component": int(st["component_size"].max()) if len(st) else 0,
        "communities": int(st["community"].nunique()) if len(st) else 0,
    }
    return MetricsReport(summary=MappingProxyType(summary), views=MappingProxyType(views),
                         timings=MappingProxyType({k_: round(v, 6)
                                                   for k_, v in timings.items()}))
