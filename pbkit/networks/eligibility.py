"""Who may pair with whom: selecting sources and targets, places, eligible edges, costs.

Everything here is vectorised with pandas/numpy so that the one-on-one eligibility graph of
a county (about 100k households and 50k helpers) builds in well under a second.

Places: a person sits at the position (``x_km``, ``y_km``) of their organisation; a household
at its own position, or its village's when it has none. An organisation without a position
inherits its parent's.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(
...     orgs=pd.DataFrame({"org_id": ["T", "V1"], "parent_id": [None, "T"],
...                        "level": ["township", "village"], "x_km": [0.0, 3.0],
...                        "y_km": [0.0, 4.0]}),
...     people=pd.DataFrame({"person_id": ["P1"], "org_id": ["V1"], "roles": ["member"],
...                          "gender": ["male"], "education": ["primary"]}))
>>> [str(v) for v in org_places(ds.orgs).loc["V1", ["village", "township", "x", "y"]]]
['V1', 'T', '3.0', '4.0']
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pbkit.data.schema import AGE_BANDS, EDUCATION, NEEDS

__all__ = [
    "isin",
    "as_of_date",
    "active_pairings",
    "org_places",
    "person_ages",
    "select",
    "helper_pool",
    "needy_pool",
    "EligibleEdges",
    "one_on_one_edges",
    "one_on_one_costs",
    "block_costs",
    "columns",
    "cost_terms",
    "needs_mask",
]

VILLAGE_LEVELS = ("village", "community")
_BAND_MID = {band: (int(band[:2]) + 5 if band[:2].isdigit() and band != "80+" else 85)
             for band in AGE_BANDS}
_BAND_MID["18-29"] = 24


def isin(values, wanted) -> np.ndarray:
    """Fast membership test for id columns (pandas' ``str`` isin is slow on large arrays).

    >>> isin(pd.Series(["a", "b", None]), ["b"]).tolist()
    [False, True, False]
    """
    left = pd.Index(np.asarray(values, dtype=object), dtype=object)
    return np.asarray(left.isin(np.asarray(list(wanted) if not hasattr(wanted, "__array__")
                                           else wanted, dtype=object)), dtype=bool)


def as_of_date(as_of=None) -> pd.Timestamp:
    """The reference date (default: today), as a normalised Timestamp.

    >>> as_of_date("2024-03-05")
    Timestamp('2024-03-05 00:00:00')
    """
    if as_of is None:
        return pd.Timestamp(_dt.date.today())
    return pd.Timestamp(as_of).normalize()


def active_pairings(ds, mechanism: str | None = None, as_of=None) -> pd.DataFrame:
    """Pairings in force on ``as_of``: status empty or ``active``, started, not ended.

    Formula: active = (status is empty or "active") and (start is empty or start <= as_of)
    and (end is empty or end >= as_of).

    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(pairings=pd.DataFrame({
    ...     "pairing_id": ["a", "b", "c"], "mechanism": ["one_on_one"] * 3,
    ...     "source_id": ["P1"] * 3, "target_id": ["H1", "H2", "H3"],
    ...     "status": [None, "ended", "active"], "end": [None, None, "2020-01-01"]}))
    >>> active_pairings(ds, "one_on_one", as_of="2024-01-01")["pairing_id"].tolist()
    ['a']
    """
    day = as_of_date(as_of)
    p = ds.pairings
    status = p["status"]
    keep = status.isna() | (status == "active")
    keep &= p["start"].isna() | (p["start"] <= day)
    keep &= p["end"].isna() | (p["end"] >= day)
    if mechanism is not None:
        keep &= p["mechanism"] == mechanism
    return p[keep.fillna(False).astype(bool)]


def org_places(orgs: pd.DataFrame) -> pd.DataFrame:
    """Per org: its village (if at or under village level), township, county and position.

    Returns a frame indexed by ``org_id`` with columns ``level, village, township, x, y``.
    """
    o = orgs.drop_duplicates("org_id").set_index("org_id")
    parent = o["parent_id"]
    level = o["level"]
    x = o["x_km"].astype("float64")
    y = o["y_km"].astype("float64")
    village = pd.Series(np.where(level.isin(VILLAGE_LEVELS), o.index, None), index=o.index,
                        dtype=object)
    township = pd.Series(np.where(level == "township", o.index, None), index=o.index,
                         dtype=object)
    cur = parent.astype(object)
    for _ in range(8):  # walk up the hierarchy, a few levels at most
        if cur.isna().all():
            break
        plevel = cur.map(level)
        village = village.where(village.notna() | ~plevel.isin(VILLAGE_LEVELS), cur)
        township = township.where(township.notna() | (plevel != "township"), cur)
        x = x.fillna(cur.map(x))
        y = y.fillna(cur.map(y))
        cur = cur.map(parent).astype(object)
    return pd.DataFrame({"level": level, "village": village, "township": township,
                         "x": x, "y": y})


def person_ages(people: pd.DataFrame, as_of=None) -> pd.Series:
    """Age in years on ``as_of``: from ``birth_year``, else the middle of ``age_band``."""
    year = as_of_date(as_of).year
    age = (year - people["birth_year"].astype("float64"))
    band = people["age_band"].map(_BAND_MID).astype("float64")
    return age.fillna(band)


def _education_rank(series: pd.Series) -> pd.Series:
    return series.map({e: i for i, e in enumerate(EDUCATION)}).astype("float64")


def _has_any(values: pd.Series, wanted: tuple[str, ...]) -> pd.Series:
    wanted_set = frozenset(wanted)
    return pd.Series([bool(wanted_set.intersection(v)) if isinstance(v, tuple) else False
                      for v in values], index=values.index, dtype=bool)


def select(ds, selector, as_of=None) -> pd.Series:
    """Boolean mask over ``ds.<selector.table>`` of the rows the selector admits."""
    frame = ds.table(selector.table)
    mask = pd.Series(True, index=frame.index)
    year = as_of_date(as_of).year
    if selector.roles_any:
        mask &= _has_any(frame["roles"], selector.roles_any)
    if selector.org_levels:
        mask &= frame["level"].isin(selector.org_levels)
    if selector.weak_lax is not None:
        flag = frame["weak_lax"].fillna(False).astype(bool)
        mask &= flag if selector.weak_lax else ~flag
    if selector.min_age is not None or selector.max_age is not None:
        age = person_ages(frame, as_of)
        if selector.min_age is not None:
            mask &= (age >= selector.min_age).fillna(False)
        if selector.max_age is not None:
            mask &= (age <= selector.max_age).fillna(False)
    if selector.education_at_least or selector.education_at_most:
        rank = _education_rank(frame["education"])
        if selector.education_at_least:
            mask &= (rank >= EDUCATION.index(selector.education_at_least)).fillna(False)
        if selector.education_at_most:
            mask &= (rank <= EDUCATION.index(selector.education_at_most)).fillna(False)
    if selector.min_years_in_role is not None or selector.max_years_in_role is not None:
        in_role = year - frame["role_since"].astype("float64")
        if selector.min_years_in_role is not None:
            ok = in_role >= selector.min_years_in_role
            if selector.min_party_years_if_role_unknown is not None:
                party = year - frame["join_year"].astype("float64")
                ok = ok.where(in_role.notna(), party >= selector.min_party_years_if_role_unknown)
            mask &= ok.fillna(False).astype(bool)
        if selector.max_years_in_role is not None:
            mask &= (in_role <= selector.max_years_in_role).fillna(False)
    if selector.exclude_migrant:
        mask &= ~frame["migrant"].fillna(False).astype(bool)
    if selector.any_of:
        alt = pd.Series(False, index=frame.index)
        for sub in selector.any_of:
            alt |= select(ds, sub, as_of)
        mask &= alt
    return mask.astype(bool)


def needs_mask(values: pd.Series) -> np.ndarray:
    """Bit mask of need codes per row (bit i = ``NEEDS[i]``).

    >>> needs_mask(pd.Series([("disabled", "elderly_alone"), ()], dtype=object)).tolist()
    [3, 0]

    >>> person_ages(pd.DataFrame({"birth_year": pd.array([1960, None], dtype="Int64"),
    ...                           "age_band": [None, "30-39"]}), "2024-01-01").tolist()
    [64.0, 35.0]

    >>> from pbkit.networks.metrics import _example
    >>> from pbkit.networks.mechanisms import get_mechanism
    >>> ds = _example()
    >>> ds.people["person_id"][select(ds, get_mechanism("one_on_one").source)].tolist()
    ['P1', 'P2', 'S1', 'O1', 'L1']
    """
    bits = {n: 1 << i for i, n in enumerate(NEEDS)}
    cache: dict = {}
    out = np.zeros(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        if isinstance(v, tuple) and v:
            m = cache.get(v)
            if m is None:
                m = cache[v] = sum(bits.get(n, 0) for n in set(v))
            out[k] = m
    return out


def _skills_serve_mask(values: pd.Series, skill_needs) -> np.ndarray:
    """Bit mask of the needs a person's skills serve (via the mechanism's skill_needs)."""
    serve: dict[str, int] = {}
    for i, need in enumerate(NEEDS):
        for tag in skill_needs.get(need, ()):
            serve[tag] = serve.get(tag, 0) | (1 << i)
    cache: dict[tuple, int] = {}
    out = np.zeros(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        if isinstance(v, tuple) and v:
            m = cache.get(v)
            if m is None:
                m = 0
                for tag in v:
                    m |= serve.get(str(tag).strip().lower(), 0)
                cache[v] = m
            out[k] = m
    return out


def helper_pool(ds, mech, as_of=None, *, exclude=()) -> pd.DataFrame:
    """One-on-one helpers: people the mechanism's source selector admits, capacity > 0.

    Columns: ``person_id, org_id, village, township, x, y, capacity, age, migrant,
    serve_mask``; sorted by ``person_id`` (deterministic order).

    >>> from pbkit.networks.metrics import _example
    >>> from pbkit.networks.mechanisms import get_mechanism
    >>> helper_pool(_example(), get_mechanism("one_on_one"))["person_id"].tolist()
    ['P1', 'P2']
    """
    people = ds.people
    mask = select(ds, mech.source, as_of)
    if exclude:
        mask &= ~isin(people["person_id"], list(exclude))
    p = people[mask]
    places = org_places(ds.orgs)
    col = mech.capacity_column if mech.capacity_column in p.columns else "capacity"
    cap = p[col].astype("Float64").fillna(mech.capacity_default).astype("int64")
    out = pd.DataFrame({
        "person_id": p["person_id"].to_numpy(dtype=object),
        "org_id": p["org_id"].to_numpy(dtype=object),
        "capacity": cap.to_numpy(),
        "age": person_ages(p, as_of).to_numpy(),
        "migrant": p["migrant"].fillna(False).astype(bool).to_numpy(),
        "serve_mask": _skills_serve_mask(p["skills"], mech.skill_needs),
        "skills": p["skills"].to_numpy(dtype=object),
    })
    pl = places.reindex(out["org_id"])
    out["village"] = pl["village"].to_numpy(dtype=object)
    out["township"] = pl["township"].to_numpy(dtype=object)
    out["x"] = pl["x"].to_numpy(dtype="float64")
    out["y"] = pl["y"].to_numpy(dtype="float64")
    out = out[out["capacity"] > 0]
    return out.sort_values("person_id", kind="stable").reset_index(drop=True)


def needy_pool(ds, mech=None, as_of=None) -> pd.DataFrame:
    """Needy households with village, township, position and need mask, sorted by id."""
    h = ds.households
    if mech is not None:
        h = h[select(ds, mech.target, as_of)]
    places = org_places(ds.orgs)
    pl = places.reindex(h["org_id"])
    out = pd.DataFrame({
        "household_id": h["household_id"].to_numpy(dtype=object),
        "org_id": h["org_id"].to_numpy(dtype=object),
        "village": pl["village"].to_numpy(dtype=object),
        "township": pl["township"].to_numpy(dtype=object),
        "x": h["x_km"].astype("float64").fillna(
            pd.Series(pl["x"].to_numpy(), index=h.index)).to_numpy(),
        "y": h["y_km"].astype("float64").fillna(
            pd.Series(pl["y"].to_numpy(), index=h.index)).to_numpy(),
        "needs": h["needs"].to_numpy(dtype=object),
        "needs_mask": needs_mask(h["needs"]),
    })
    out["village"] = out["village"].where(out["village"].notna(), out["org_id"])
    return out.sort_values("household_id", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class EligibleEdges:
    """Eligible helper-household edges as parallel arrays (indices into the pools)."""

    household: np.ndarray
    helper: np.ndarray
    distance_km: np.ndarray

    def __len__(self) -> int:
        return len(self.household)


def _group_product(left_key: np.ndarray, right_key: np.ndarray):
    """All (i, j) with left_key[i] == right_key[j] (keys as integer codes), vectorised."""
    lorder = np.argsort(left_key, kind="stable")
    rorder = np.argsort(right_key, kind="stable")
    lk, rk = left_key[lorder], right_key[rorder]
    keys = np.intersect1d(lk, rk)
    keys = keys[keys >= 0]
    if len(keys) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ls, le = np.searchsorted(lk, keys, "left"), np.searchsorted(lk, keys, "right")
    rs, re_ = np.searchsorted(rk, keys, "left"), np.searchsorted(rk, keys, "right")
    nl, nr = le - ls, re_ - rs
    sizes = nl * nr
    total = int(sizes.sum())
    # For each group g and each k in [0, sizes[g]): i = ls + k // nr, j = rs + k % nr
    grp = np.repeat(np.arange(len(keys)), sizes)
    offs = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    i = ls[grp] + offs // nr[grp]
    j = rs[grp] + offs % nr[grp]
    return lorder[i], rorder[j]


def one_on_one_edges(helpers: pd.DataFrame, needy: pd.DataFrame, scope: str,
                     radius_km: float | None) -> EligibleEdges:
    """Eligible (household, helper) pairs.

    ``radius_km`` given: every helper whose place is within ``radius_km`` of the household
    (any village). Otherwise the same ``scope`` (village, township or any); a mechanism-level
    radius then also limits the distance.

    >>> from pbkit.networks.metrics import _example
    >>> needy_pool(_example())[["household_id", "village", "needs_mask"]].values.tolist()[0]
    ['H1', 'V1', 2]

    >>> from pbkit.networks.metrics import _example
    >>> from pbkit.networks.mechanisms import get_mechanism
    >>> ds, mech = _example(), get_mechanism("one_on_one")
    >>> len(one_on_one_edges(helper_pool(ds, mech), needy_pool(ds), "village", None))
    6
    """
    hx, hy = needy["x"].to_numpy(), needy["y"].to_numpy()
    px, py = helpers["x"].to_numpy(), helpers["y"].to_numpy()
    if radius_km is not None and scope == "radius":
        hi, pi = _radius_pairs(hx, hy, px, py, radius_km)
    else:
        key = {"village": "village", "township": "township", "org": "org_id"}.get(scope)
        if key is None:  # any
            hi = np.repeat(np.arange(len(needy)), len(helpers))
            pi = np.tile(np.arange(len(helpers)), len(needy))
        else:
            codes, uniq = pd.factorize(pd.concat([needy[key], helpers[key]], ignore_index=True))
            hk, pk = codes[: len(needy)], codes[len(needy):]
            hi, pi = _group_product(hk, pk)
    dist = np.hypot(hx[hi] - px[pi], hy[hi] - py[pi])
    if radius_km is not None and scope != "radius":
        keep = dist <= radius_km + 1e-9
        hi, pi, dist = hi[keep], pi[keep], dist[keep]
    order = np.lexsort((pi, hi))
    return EligibleEdges(hi[order].astype(np.int64), pi[order].astype(np.int64), dist[order])


def _radius_pairs(hx, hy, px, py, radius):
    """Household/helper index pairs within ``radius`` km (helpers share org places)."""
    from scipy.spatial import cKDTree

    ok_h = ~(np.isnan(hx) | np.isnan(hy))
    ok_p = ~(np.isnan(px) | np.isnan(py))
    hidx, pidx = np.flatnonzero(ok_h), np.flatnonzero(ok_p)
    if len(hidx) == 0 or len(pidx) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pts = np.column_stack([px[pidx], py[pidx]])
    uniq, inverse = np.unique(pts, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    tree_u = cKDTree(uniq)
    tree_h = cKDTree(np.column_stack([hx[hidx], hy[hidx]]))
    sdm = tree_h.sparse_distance_matrix(tree_u, radius + 1e-9, output_type="coo_matrix")
    h_rows, u_cols = sdm.row, sdm.col
    # expand each place to the helpers sitting there
    order = np.argsort(inverse, kind="stable")
    counts = np.bincount(inverse, minlength=len(uniq))
    starts = np.cumsum(counts) - counts
    sizes = counts[u_cols]
    rep_h = np.repeat(h_rows, sizes)
    offs = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    helpers_at = order[np.repeat(starts[u_cols], sizes) + offs]
    return hidx[rep_h], pidx[helpers_at]


def one_on_one_costs(helpers: pd.DataFrame, needy: pd.DataFrame, edges: EligibleEdges,
                     mech) -> dict[str, np.ndarray]:
    """Cost terms per edge and their weighted sum (see :func:`cost_terms` for the formula)."""
    return cost_terms(needy["needs_mask"].to_numpy()[edges.household],
                      helpers["serve_mask"].to_numpy()[edges.helper],
                      helpers["age"].to_numpy()[edges.helper],
                      helpers["migrant"].to_numpy()[edges.helper],
                      edges.distance_km, mech)


def block_costs(helpers, needy, h_idx: np.ndarray, p_idx: np.ndarray,
                mech) -> dict[str, np.ndarray]:
    """Dense cost terms for every (household, helper) of a block (same formula as edges).

    ``helpers`` and ``needy`` may be the pool frames or dicts of their columns as numpy
    arrays (faster when called per block).
    """
    hx = needy["x"][h_idx][:, None]
    hy = needy["y"][h_idx][:, None]
    dist = np.hypot(hx - helpers["x"][p_idx][None, :], hy - helpers["y"][p_idx][None, :])
    out = cost_terms(needy["needs_mask"][h_idx][:, None],
                     helpers["serve_mask"][p_idx][None, :],
                     helpers["age"][p_idx][None, :],
                     helpers["migrant"][p_idx][None, :], dist, mech)
    out["distance_km"] = dist
    return out


def columns(frame: pd.DataFrame, names) -> dict[str, np.ndarray]:
    """``{name: frame[name] as numpy}`` for fast repeated indexing."""
    return {n: frame[n].to_numpy() for n in names}


_POP = np.array([bin(i).count("1") for i in range(1 << len(NEEDS))], dtype=np.int64)


def cost_terms(needs_bits, serve_bits, age, migrant, distance_km, mech) -> dict[str, np.ndarray]:
    """The one-on-one cost of pairing, elementwise over broadcastable arrays.

    Formula (all terms >= 0)::

        cost = w_distance * distance_km
             + w_skill_match * (1 - matched_needs / household_needs)
             + w_helper_age * max(0, helper_age - age_free)
             + w_migrant * [helper is a migrant member]

    ``matched_needs`` counts the household's needs that some skill of the helper serves
    (``skill_needs`` table of the mechanism). A household without recorded needs, or a
    helper of unknown age or position, adds nothing for that term. Every covered household
    pays ``w_skill_match`` minus its match bonus, so this is the issue's skill-need match
    bonus written as a non-negative penalty; at fixed coverage it ranks plans identically.

    >>> from pbkit.networks.mechanisms import get_mechanism
    >>> mech = get_mechanism("one_on_one")
    >>> float(cost_terms(np.array([0b1]), np.array([0b1]), np.array([70.0]),
    ...                  np.array([True]), np.array([2.0]), mech)["cost"][0])
    8.0
    """
    w = mech.weights
    hm = np.asarray(needs_bits, dtype=np.int64)
    matched_mask = hm & np.asarray(serve_bits, dtype=np.int64)
    matched = _POP[matched_mask]
    n_needs = _POP[hm]
    share = np.where(n_needs > 0, matched / np.maximum(n_needs, 1), 1.0)
    age_over = np.nan_to_num(np.maximum(0.0, np.asarray(age, dtype=np.float64) - mech.age_free),
                             nan=0.0)
    mig = np.asarray(migrant, dtype=np.float64)
    dist = np.nan_to_num(np.asarray(distance_km, dtype=np.float64), nan=0.0)
    cost = (w.get("distance", 0.0) * dist + w.get("skill_match", 0.0) * (1.0 - share)
            + w.get("helper_age", 0.0) * age_over + w.get("migrant", 0.0) * mig)
    return {"cost": cost, "matched_mask": matched_mask, "matched": matched, "needs": n_needs}
