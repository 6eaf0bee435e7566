"""Optimal pairing plans with reasons a secretary can read.

``plan(ds, "one_on_one")`` solves, exactly, the lexicographic problem

1. maximise the number of needy households covered,
2. (with ``keep_existing``) maximise the number of existing valid pairs kept, i.e. make the
   fewest changes,
3. minimise the total cost (see :func:`pbkit.networks.eligibility.one_on_one_costs`),

subject to helper capacities and eligibility. It is a min-cost flow on the bipartite
eligibility graph (source -> household, capacity 1; household -> helper if eligible;
helper -> sink, capacity = helper capacity). Flows of unit-capacity bipartite networks are
assignments, so each connected component of the eligibility graph (each village by default)
is solved independently as a rectangular assignment problem between households and helper
capacity slots (``scipy.optimize.linear_sum_assignment``) with integer costs and a big-M
coverage bonus::

    weight(h, slot of p) = cost_int(h, p) - K * [pair exists] - B      (eligible)
                           0                                            (not eligible)
    K = n_h * C_max + 1 (0 when nothing is kept),   B = n_h * (K + C_max) + 1

so one more covered household outweighs any change in kept pairs and cost, and one more
kept pair outweighs any change in cost (costs are integers in hundredths). Components too
large for a dense matrix (more than ``DENSE_LIMIT`` cells, e.g. a county-wide radius) are
solved on their edge list with SciPy's sparse LAPJVsp matching and one dummy column per
household. Rows and columns are ordered by id, so the same input (in any row order) always
gives the same plan; among equally good plans the solver's order decides, deterministically.

Objective figures: ``covered``, ``uncovered``, ``coverage_rate``, ``total_cost``,
``existing_pairs``, ``kept``, ``added``, ``dropped`` and ``changes = added + dropped``
(against the active pairs of the dataset, whether or not ``keep_existing`` is set).

Group mechanisms (``two_plus_one``, ``bao_cun``, ``branch_pair``, ``study_help``) fill the
role slots of each target (for bao_cun: 1 deputy leader + 2 agency cadres per village) with
a max-flow min-cost flow per component: targets need ``count`` people per role, each person
serves at most ``limit`` targets, cost = distance plus a rising ``balance`` charge per
further target a person takes (which spreads the load evenly).

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(
...     orgs=pd.DataFrame({"org_id": ["T", "V1"], "parent_id": [None, "T"],
...                        "level": ["township", "village"]}),
...     people=pd.DataFrame({"person_id": ["P1", "P2"], "org_id": ["V1", "V1"],
...         "roles": ["member", "member"], "gender": ["male", "female"],
...         "education": ["primary", "primary"], "capacity": [1, 1],
...         "skills": ["medical", ""]}),
...     households=pd.DataFrame({"household_id": ["H1", "H2", "H3"], "org_id": ["V1"] * 3,
...         "needs": ["chronic_illness", "low_income", "disabled"]}))
>>> p = plan(ds, "one_on_one", lang="en")
>>> p.objective["covered"], p.objective["uncovered"]
(2, 1)
>>> p.uncovered["reason"].iloc[0]
'all 2 eligible helpers are at full capacity'
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from pbkit.errors import UsageError
from pbkit.i18n import resolve_lang
from pbkit.networks import eligibility as el
from pbkit.networks import explain as ex
from pbkit.networks.mechanisms import Mechanism, get_mechanism

__all__ = ["Plan", "plan", "PLAN_COLUMNS", "UNCOVERED_COLUMNS", "OUTPUT_SUFFIXES"]

PLAN_COLUMNS = ("source_id", "target_id", "cost", "reason")
UNCOVERED_COLUMNS = ("target_id", "reason")
OUTPUT_SUFFIXES = (".json", ".csv", ".xlsx")
COST_SCALE = 100  # costs are solved as integers in hundredths
DENSE_LIMIT = 16_000_000  # cells of a dense assignment matrix before the sparse fallback


@dataclass(frozen=True)
class Plan:
    """A pairing plan.

    Attributes
    ----------
    mechanism : str
        Mechanism code.
    objective : Mapping
        ``covered``, ``uncovered``, ``total_cost``, ``kept``, ``added``, ``dropped``,
        ``changes`` and further figures of the plan.
    pairs : DataFrame
        ``source_id, target_id, cost, reason`` plus ``status`` (new, kept, locked),
        ``village``, ``distance_km`` and, for groups, ``role`` and ``group_id``.
    uncovered : DataFrame
        ``target_id, reason`` (+ ``village``).
    """

    mechanism: str
    objective: Mapping[str, Any]
    pairs: pd.DataFrame
    uncovered: pd.DataFrame
    lang: str = "zh"
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def target_table(self) -> str:
        """What the mechanism pairs helpers with: ``households``, ``orgs`` or ``people``."""
        return get_mechanism(self.mechanism).target.table

    def to_dict(self) -> dict:
        """The JSON structure: mechanism, objective, pairs and uncovered."""
        pairs = self.pairs
        records = [
            {"source_id": s, "target_id": tg, "cost": round(float(c), 2), "reason": r}
            for s, tg, c, r in zip(pairs["source_id"].tolist(), pairs["target_id"].tolist(),
                                   pairs["cost"].tolist(), pairs["reason"].tolist())
        ]
        unc = [{"target_id": tg, "reason": r} for tg, r in
               zip(self.uncovered["target_id"].tolist(), self.uncovered["reason"].tolist())]
        return {"mechanism": self.mechanism, "objective": _jsonable(dict(self.objective)),
                "pairs": records, "uncovered": unc}

    def to_json(self, indent: int | None = 2) -> str:
        """``{"mechanism", "objective", "pairs": [...], "uncovered": [...]}`` as text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def table(self) -> pd.DataFrame:
        """Pairs and uncovered targets in one frame with columns ``PLAN_COLUMNS``.

        Uncovered targets appear as rows with an empty ``source_id`` and ``cost``.
        """
        pairs = self.pairs.loc[:, list(PLAN_COLUMNS)].astype({"cost": "float64"})
        pairs = pairs.assign(cost=pairs["cost"].round(2))
        unc = self.uncovered.loc[:, list(UNCOVERED_COLUMNS)].assign(source_id=None, cost=np.nan)
        frames = [f for f in (pairs, unc.loc[:, list(PLAN_COLUMNS)]) if len(f)]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in PLAN_COLUMNS})
        return pd.concat(frames, ignore_index=True)

    def write(self, path: str | os.PathLike, ds: Any = None, *, village: str | None = None
              ) -> Path:
        """Write the plan to ``.json``, ``.csv`` or ``.xlsx`` (atomically).

        CSV: one table with ``source_id, target_id, cost, reason``; uncovered targets have
        an empty source. XLSX: the township workbook of
        :func:`pbkit.export.plan_workbook.write_plan_workbook` (labelled sheets, real
        numbers, a title block, printable), scoped to ``village`` when given; ``ds``, the
        dataset planned, supplies display names.
        """
        from pbkit.export import write_csv
        from pbkit.export.plan_workbook import write_plan_workbook

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES:
            raise UsageError("networks.err.bad_output", file=str(path),
                             choices=", ".join(OUTPUT_SUFFIXES))
        if suffix == ".json":
            _atomic_write_text(path, self.to_json() + "\n")
        elif suffix == ".csv":
            write_csv(self.table(), path)
        else:
            write_plan_workbook(self, path, ds, village=village,
                                target_table=self.target_table, lang=self.lang)
        return path


def _atomic_write_text(path: Path, text: str) -> None:
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else round(float(value), 4)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


# --------------------------------------------------------------------------- entry point


def plan(ds, mechanism: str | Mechanism, *, keep_existing: bool = False,
         radius_km: float | None = None, locked: Iterable[tuple[str, str]] = (),
         removed: Iterable[tuple[str, str]] = (), weights: Mapping[str, float] | None = None,
         lang: str | None = None, as_of=None, exclude_people: Iterable[str] = ()) -> Plan:
    """Plan the pairs of ``mechanism`` for dataset ``ds`` optimally.

    Parameters
    ----------
    ds : Dataset
    mechanism : str or Mechanism
        ``one_on_one``, ``two_plus_one``, ``bao_cun``, ``branch_pair`` or ``study_help``.
    keep_existing : bool
        Re-plan with the fewest changes: active pairs that are still valid are kept unless
        keeping them would lower coverage.
    radius_km : float, optional
        Eligible when within this many km (instead of the mechanism's scope, e.g. same
        village).
    locked : iterable of (source_id, target_id)
        Pairs forced into the plan (still within capacity).
    removed : iterable of (source_id, target_id)
        Pairs forbidden.
    weights : mapping, optional
        Cost weights replacing the mechanism file's (e.g. ``{"migrant": 10}``).
    lang : str, optional
        Language of the reasons (zh default, en).
    as_of : date-like, optional
        Reference date for ages, years in role and active pairings (default: today).
    exclude_people : iterable of person_id
        People unavailable for this plan (e.g. helpers who left).

    Returns
    -------
    Plan

    Examples
    --------
    >>> from pbkit.data.dataset import Dataset
    >>> plan(Dataset(), "one_on_one").objective["covered"]
    0
    """
    mech = get_mechanism(mechanism).with_weights(weights)
    if radius_km is not None:
        try:
            radius_km = float(radius_km)
        except (TypeError, ValueError):
            radius_km = -1.0
        if not (radius_km > 0 and np.isfinite(radius_km)):
            raise UsageError("networks.err.bad_radius", value=radius_km)
    lang = resolve_lang(lang)
    locked = _pairs_arg(locked, "locked")
    removed = _pairs_arg(removed, "removed")
    if mech.is_group:
        from pbkit.networks.group_planner import plan_groups

        return plan_groups(ds, mech, keep_existing=keep_existing, radius_km=radius_km,
                           locked=locked, removed=removed, lang=lang, as_of=as_of,
                           exclude_people=tuple(exclude_people))
    return _plan_one_on_one(ds, mech, keep_existing=keep_existing, radius_km=radius_km,
                            locked=locked, removed=removed, lang=lang, as_of=as_of,
                            exclude_people=tuple(exclude_people))


def _pairs_arg(pairs, name: str) -> tuple[tuple[str, str], ...]:
    if isinstance(pairs, pd.DataFrame):
        pairs = pairs.loc[:, ["source_id", "target_id"]].itertuples(index=False, name=None)
    out = []
    for item in pairs:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise UsageError("networks.err.bad_pair_arg", arg=name, value=repr(item))
        out.append((str(item[0]), str(item[1])))
    return tuple(out)


# --------------------------------------------------------------------------- one_on_one


def _blocks(helpers, needy, scope, radius):
    """Independent blocks of the eligibility graph.

    Returns ``(block_of_household, block_of_helper, edges)``: block labels (-1 = no
    block) and, for radius/any planning, the explicit eligible edges (``None`` when a block
    is "everyone of the same village/township/org", optionally within the mechanism radius).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nh, npp = len(needy), len(helpers)
    key = {"village": "village", "township": "township", "org": "org_id"}.get(scope)
    if key is not None:
        codes, _ = pd.factorize(pd.concat([needy[key], helpers[key]], ignore_index=True))
        return codes[:nh].astype(np.int64), codes[nh:].astype(np.int64), None
    edges = el.one_on_one_edges(helpers, needy, scope, radius)
    hb = np.full(nh, -1, dtype=np.int64)
    pb = np.full(npp, -1, dtype=np.int64)
    if len(edges):
        graph = coo_matrix((np.ones(len(edges), dtype=np.int8),
                            (edges.household, nh + edges.helper)), shape=(nh + npp, nh + npp))
        _, labels = connected_components(graph, directed=False)
        touched_h = np.zeros(nh, bool)
        touched_h[edges.household] = True
        touched_p = np.zeros(npp, bool)
        touched_p[edges.helper] = True
        hb = np.where(touched_h, labels[:nh], -1)
        pb = np.where(touched_p, labels[nh:], -1)
    return hb, pb, edges


def _group_index(labels: np.ndarray) -> dict[int, np.ndarray]:
    """label -> sorted member indices, for labels >= 0."""
    order = np.argsort(labels, kind="stable")
    lab = labels[order]
    starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]]) if len(lab) else np.array([], int)
    ends = np.r_[starts[1:], len(lab)]
    return {int(lab[a]): order[a:b] for a, b in zip(starts, ends) if lab[a] >= 0}


def _plan_one_on_one(ds, mech: Mechanism, *, keep_existing, radius_km, locked, removed, lang,
                     as_of, exclude_people) -> Plan:
    helpers = el.helper_pool(ds, mech, as_of, exclude=exclude_people)
    needy = el.needy_pool(ds, mech, as_of)
    scope = "radius" if radius_km is not None else mech.scope
    radius = radius_km if radius_km is not None else mech.radius_km
    nh, npp = len(needy), len(helpers)
    h_index = pd.Index(needy["household_id"])
    p_index = pd.Index(helpers["person_id"])
    cap_all = helpers["capacity"].to_numpy(dtype=np.int64)
    capacity = cap_all.copy()
    hb, pb, edges = _blocks(helpers, needy, scope, radius)

    # existing active pairs (helper index, household index)
    existing = el.active_pairings(ds, "one_on_one", as_of)
    existing_pairs = set(zip(existing["source_id"].tolist(), existing["target_id"].tolist()))
    ex_h = h_index.get_indexer(existing["target_id"])
    ex_p = p_index.get_indexer(existing["source_id"])
    ok = (ex_h >= 0) & (ex_p >= 0)
    ex_h, ex_p = ex_h[ok], ex_p[ok]

    # removed and locked pairs
    rm_h = h_index.get_indexer([tg for _, tg in removed]) if removed else np.empty(0, int)
    rm_p = p_index.get_indexer([sc for sc, _ in removed]) if removed else np.empty(0, int)
    ok = (rm_h >= 0) & (rm_p >= 0)
    rm_h, rm_p = rm_h[ok], rm_p[ok]
    locked_rows: list[tuple[int, int]] = []
    locked_h = np.zeros(nh, dtype=bool)
    if locked:
        known_people = set(ds.people["person_id"].tolist())
        for source, target in locked:
            hi = h_index.get_indexer([target])[0]
            if hi < 0:
                raise UsageError("networks.err.locked_unknown_target", target=target)
            pi = p_index.get_indexer([source])[0]
            if pi < 0:
                key = ("networks.err.locked_unknown_source" if source not in known_people
                       else "networks.err.locked_not_helper")
                raise UsageError(key, source=source)
            if locked_h[hi]:
                raise UsageError("networks.err.locked_twice", target=target)
            if capacity[pi] <= 0:
                raise UsageError("networks.err.locked_over_capacity", source=source,
                                 capacity=int(cap_all[pi]))
            capacity[pi] -= 1
            locked_h[hi] = True
            locked_rows.append((hi, pi))

    # local positions inside blocks
    h_groups, p_groups = _group_index(hb), _group_index(pb)
    h_local = np.zeros(nh, dtype=np.int64)
    p_local = np.zeros(npp, dtype=np.int64)
    for members in h_groups.values():
        h_local[members] = np.arange(len(members))
    for members in p_groups.values():
        p_local[members] = np.arange(len(members))

    def by_block(hs: np.ndarray, ps: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        same = (hb[hs] >= 0) & (hb[hs] == pb[ps])
        hs, ps = hs[same], ps[same]
        groups = _group_index(hb[hs])
        return {b: (h_local[hs[i]], p_local[ps[i]]) for b, i in groups.items()}

    ex_blocks = by_block(ex_h, ex_p) if keep_existing else {}
    rm_blocks = by_block(rm_h, rm_p)
    edge_blocks = by_block(edges.household, edges.helper) if edges is not None else {}

    eligible_count = np.zeros(nh, dtype=np.int64)
    removed_count = np.zeros(nh, dtype=np.int64)
    picked_h, picked_p, picked_cost, picked_dist, picked_match = [], [], [], [], []
    n_edges = 0
    n_blocks = 0
    h_cols = el.columns(needy, ("x", "y", "needs_mask"))
    p_cols = el.columns(helpers, ("x", "y", "serve_mask", "age", "migrant"))
    for b, hs in h_groups.items():
        ps = p_groups.get(b)
        if ps is None or len(ps) == 0:
            continue
        n_blocks += 1
        if edges is not None and len(hs) * len(ps) > DENSE_LIMIT:
            eh, ep = edge_blocks.get(b, (np.empty(0, int), np.empty(0, int)))
            got = _solve_edges_block(hs, ps, eh, ep, h_cols, p_cols, mech, capacity,
                                     locked_h, rm_blocks.get(b), ex_blocks.get(b),
                                     eligible_count, removed_count)
            for part, value in zip((picked_h, picked_p, picked_cost, picked_dist,
                                    picked_match), got):
                part.append(value)
            continue
        terms = el.block_costs(p_cols, h_cols, hs, ps, mech)
        if edges is None:
            elig = np.ones((len(hs), len(ps)), dtype=bool)
            if radius is not None:
                elig &= ~(terms["distance_km"] > radius + 1e-9)
        else:
            elig = np.zeros((len(hs), len(ps)), dtype=bool)
            eh, ep = edge_blocks.get(b, (np.empty(0, int), np.empty(0, int)))
            elig[eh, ep] = True
        n_edges += int(elig.sum())
        eligible_count[hs] = elig.sum(axis=1)
        allowed = elig.copy()
        if b in rm_blocks:
            allowed[rm_blocks[b]] = False
            removed_count[hs] = (elig & ~allowed).sum(axis=1)
        allowed &= ~locked_h[hs][:, None]
        cap_b = np.minimum(capacity[ps], len(hs))
        allowed &= (cap_b > 0)[None, :]
        if not allowed.any():
            continue
        exist = np.zeros(allowed.shape, dtype=bool)
        if b in ex_blocks:
            exist[ex_blocks[b]] = True
        cost_int = np.rint(terms["cost"] * COST_SCALE).astype(np.int64)
        rows, cols = _solve_block(cost_int, allowed, exist, cap_b)
        picked_h.append(hs[rows])
        picked_p.append(ps[cols])
        picked_cost.append(cost_int[rows, cols] / COST_SCALE)
        picked_dist.append(terms["distance_km"][rows, cols])
        picked_match.append(terms["matched_mask"][rows, cols])
    if edges is not None:
        n_edges = len(edges)

    # locked pairs (may be outside eligibility: computed directly)
    if locked_rows:
        lh = np.array([r[0] for r in locked_rows], dtype=np.int64)
        lp = np.array([r[1] for r in locked_rows], dtype=np.int64)
        ld = np.hypot(needy["x"].to_numpy()[lh] - helpers["x"].to_numpy()[lp],
                      needy["y"].to_numpy()[lh] - helpers["y"].to_numpy()[lp])
        lt = el.one_on_one_costs(helpers, needy, el.EligibleEdges(lh, lp, ld), mech)
        picked_h.append(lh)
        picked_p.append(lp)
        picked_cost.append(np.rint(lt["cost"] * COST_SCALE) / COST_SCALE)
        picked_dist.append(ld)
        picked_match.append(lt["matched_mask"])
    n_locked = len(locked_rows)

    def cat(parts, dtype):
        return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype=dtype)

    ph, pp = cat(picked_h, np.int64), cat(picked_p, np.int64)
    src = helpers["person_id"].to_numpy(dtype=object)[pp]
    tgt = needy["household_id"].to_numpy(dtype=object)[ph]
    in_existing = np.array([(a, c) in existing_pairs for a, c in zip(src.tolist(), tgt.tolist())],
                           dtype=bool)
    status = np.where(np.arange(len(src)) >= len(src) - n_locked, "locked",
                      np.where(in_existing, "kept", "new")).astype(object)
    load = np.bincount(pp, minlength=npp)
    pairs = pd.DataFrame({
        "source_id": src, "target_id": tgt, "cost": cat(picked_cost, np.float64),
        "village": needy["village"].to_numpy(dtype=object)[ph],
        "helper_village": helpers["village"].to_numpy(dtype=object)[pp],
        "distance_km": np.round(cat(picked_dist, np.float64), 3), "status": status,
        "capacity": cap_all[pp], "capacity_left": (cap_all - load)[pp],
        "matched_mask": cat(picked_match, np.int64),
        "needs_mask": needy["needs_mask"].to_numpy()[ph],
        "migrant": helpers["migrant"].to_numpy(dtype=bool)[pp],
    })
    pairs = pairs.sort_values(["target_id"], kind="stable").reset_index(drop=True)
    pairs.insert(3, "reason", pd.Series(ex.pair_reasons_one_on_one(pairs, lang), dtype=object))
    pairs["need_matched"] = pairs["matched_mask"] > 0
    pairs = pairs.drop(columns=["matched_mask", "needs_mask"])

    # uncovered households and why
    covered = np.zeros(nh, dtype=bool)
    covered[ph] = True
    unc_idx = np.flatnonzero(~covered)
    code = np.full(len(unc_idx), "full", dtype=object)
    no_edge = eligible_count[unc_idx] == 0
    code[no_edge] = "no_helper"
    if scope == "radius":
        xy = needy[["x", "y"]].to_numpy()[unc_idx]
        code[no_edge & np.isnan(xy).any(axis=1)] = "no_location"
    n_removed = removed_count[unc_idx]
    code[(n_removed > 0) & ~no_edge] = "removed_full"
    code[(n_removed > 0) & (n_removed == eligible_count[unc_idx])] = "removed"
    uncovered = pd.DataFrame({
        "target_id": needy["household_id"].to_numpy(dtype=object)[unc_idx],
        "reason": pd.Series(ex.uncovered_reasons_one_on_one(
            code, eligible_count[unc_idx], scope, radius, lang, removed=n_removed),
            dtype=object),
        "village": needy["village"].to_numpy(dtype=object)[unc_idx],
        "eligible_helpers": eligible_count[unc_idx],
        "code": code,
    })

    kept = int((pairs["status"] == "kept").sum())
    planned = set(zip(pairs["source_id"].tolist(), pairs["target_id"].tolist()))
    dropped = len(existing_pairs - planned)
    added = len(planned - existing_pairs)
    n_cov = int(covered.sum())
    objective = {
        "needy": int(nh), "covered": n_cov, "uncovered": int(nh - n_cov),
        "coverage_rate": round(n_cov / nh, 4) if nh else None,
        "total_cost": round(float(pairs["cost"].sum()), 2),
        "existing_pairs": len(existing_pairs), "kept": kept, "added": added,
        "dropped": dropped, "changes": added + dropped, "locked": n_locked,
        "helpers": int(npp), "helpers_used": int((load > 0).sum()),
        "capacity_total": int(cap_all.sum()), "eligible_edges": int(n_edges),
        "components": int(n_blocks), "keep_existing": bool(keep_existing),
        "scope": scope, "radius_km": radius, "weights": dict(mech.weights), "optimal": True,
    }
    return Plan(mechanism=mech.code, objective=MappingProxyType(objective), pairs=pairs,
                uncovered=uncovered, lang=lang)


def _solve_block(cost: np.ndarray, allowed: np.ndarray, existing: np.ndarray,
                 cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optimal (row, col) pairs of one block: households x helpers with capacities ``cap``.

    Lexicographic: most rows covered, then most ``existing`` pairs kept, then least cost.
    """
    from scipy.optimize import linear_sum_assignment

    n_h, n_p = cost.shape
    c_max = int(cost[allowed].max()) if allowed.any() else 0
    # keep bonus only when there is something to keep: smaller numbers stay exact in float64
    big_k = n_h * c_max + 1 if existing.any() else 0
    big_b = n_h * (big_k + c_max) + 1
    slots = int(cap.sum())
    if n_h * slots > DENSE_LIMIT:
        return _solve_sparse(cost, allowed, existing, cap, big_k)
    weight = np.where(allowed, cost - big_k * existing - big_b, 0).astype(np.float64)
    matrix = np.repeat(weight, cap, axis=1)
    rows, cols = linear_sum_assignment(matrix)
    good = matrix[rows, cols] < 0
    owner = np.repeat(np.arange(n_p), cap)
    return rows[good], owner[cols[good]]


def _solve_edges_block(hs, ps, eh, ep, h_cols, p_cols, mech, capacity, locked_h, removed,
                       existing, eligible_count, removed_count):
    """A block too large for a dense matrix (radius planning): work on its edge list."""
    n_p = len(ps)
    key = eh * n_p + ep
    eligible_count[hs] = np.bincount(eh, minlength=len(hs))
    keep = np.ones(len(eh), dtype=bool)
    if removed is not None:
        gone = np.isin(key, removed[0] * n_p + removed[1])
        removed_count[hs] = np.bincount(eh[gone], minlength=len(hs))
        keep &= ~gone
    keep &= ~locked_h[hs][eh]
    cap_b = np.minimum(capacity[ps], len(hs))
    keep &= cap_b[ep] > 0
    eh, ep, key = eh[keep], ep[keep], key[keep]
    ex_flag = (np.isin(key, existing[0] * n_p + existing[1]) if existing is not None
               else np.zeros(len(eh), dtype=bool))
    gh, gp = hs[eh], ps[ep]
    dist = np.hypot(h_cols["x"][gh] - p_cols["x"][gp], h_cols["y"][gh] - p_cols["y"][gp])
    terms = el.cost_terms(h_cols["needs_mask"][gh], p_cols["serve_mask"][gp],
                          p_cols["age"][gp], p_cols["migrant"][gp], dist, mech)
    cost_int = np.rint(terms["cost"] * COST_SCALE).astype(np.int64)
    c_max = int(cost_int.max()) if len(cost_int) else 0
    big_k = len(hs) * c_max + 1 if ex_flag.any() else 0
    rows, cols = _solve_sparse_edges(eh, ep, cost_int, ex_flag, cap_b, len(hs), n_p, big_k)
    pick = np.isin(key, rows * n_p + cols)
    return (gh[pick], gp[pick], cost_int[pick] / COST_SCALE, dist[pick],
            terms["matched_mask"][pick])


def _solve_sparse(cost, allowed, existing, cap, big_k):
    """Large dense blocks: LAPJVsp on households x (slots + one dummy per household)."""
    n_h, n_p = cost.shape
    h_loc, p_loc = np.nonzero(allowed)
    return _solve_sparse_edges(h_loc, p_loc, cost[h_loc, p_loc], existing[h_loc, p_loc], cap,
                               n_h, n_p, big_k)


def _solve_sparse_edges(h_loc, p_loc, cost, existing, cap, n_h, n_p, big_k):
    """LAPJVsp (scipy) on households x (helper slots + one dummy column per household).

    Weights are positive: ``cost + big_k * [not existing] + 1`` on real slots and a dummy
    weight above any total of real weights, so leaving a household unmatched is the last
    resort (coverage first), then kept pairs, then cost.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    if len(h_loc) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    w = (cost + big_k * (1 - existing.astype(np.int64)) + 1).astype(np.float64)
    dummy = float(n_h) * float(w.max() if len(w) else 1.0) + 1.0
    slot_start = np.cumsum(cap) - cap
    reps = cap[p_loc]
    rows = np.repeat(h_loc, reps)
    offs = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    cols = np.repeat(slot_start[p_loc], reps) + offs
    vals = np.repeat(w, reps)
    slots = int(cap.sum())
    rows = np.concatenate([rows, np.arange(n_h)])
    cols = np.concatenate([cols, slots + np.arange(n_h)])
    vals = np.concatenate([vals, np.full(n_h, dummy)])
    graph = csr_matrix((vals, (rows, cols)), shape=(n_h, slots + n_h))
    _, col_of_row = min_weight_full_bipartite_matching(graph)
    owner = np.repeat(np.arange(n_p), cap)
    real = np.flatnonzero(col_of_row < slots)
    return real, owner[col_of_row[real]]

