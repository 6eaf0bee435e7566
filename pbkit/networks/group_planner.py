"""Planning group mechanisms: 2+1 mentoring, bao-cun teams, branch pairs, study help.

Each target (a student official or new secretary, a village, a weak branch, an older
member) needs ``count`` people (or branches) in each role slot of the mechanism; a source
serves at most ``limit`` targets in that role. Slots are filled one after another; for each
slot the problem is a min-cost flow solved exactly per connected component of the slot's
eligibility graph, with the lexicographic objective

1. fill as many target places as possible,
2. (keep_existing) keep as many existing valid links as possible,
3. minimise ``sum(distance_cost + balance * (k - 1))`` over the k-th target each source
   takes - the rising charge spreads the load evenly ("balanced assignment"); when a role
   needs several people per target, the k-th place of a target also costs
   ``balance * (k - 1)``, so scarce people are spread over targets first.

Slots with ``count == 1`` are assignment problems (targets x source load slots) solved with
``scipy.optimize.linear_sum_assignment``; larger counts use networkx ``max_flow_min_cost``
so one person never fills two places of the same target.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> from pbkit.networks.planner import plan
>>> ds = Dataset.from_frames(
...     orgs=pd.DataFrame({"org_id": ["T", "V1", "V2", "V3"],
...                        "parent_id": [None, "T", "T", "T"],
...                        "level": ["township", "village", "village", "village"]}),
...     people=pd.DataFrame({"person_id": ["L1", "A1", "A2"], "org_id": ["T"] * 3,
...         "roles": ["township_leader", "agency_cadre", "agency_cadre"],
...         "gender": ["male"] * 3, "education": ["bachelor"] * 3}))
>>> p = plan(ds, "bao_cun", lang="en")
>>> p.objective["slots_filled"], p.objective["slots_needed"]
(7, 9)
>>> p.pairs.groupby("target_id")["role"].apply(list).to_dict()["V1"]
['deputy_leader', 'agency_cadre', 'agency_cadre']
>>> p.uncovered["reason"].tolist()
['agency cadre: 1 missing, all 2 eligible people are at their limit (2 each)', 'agency cadre: 1 missing, all 2 eligible people are at their limit (2 each)']
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from pbkit.errors import UsageError
from pbkit.i18n import t
from pbkit.networks import eligibility as el
from pbkit.networks import explain as ex
from pbkit.networks.mechanisms import Mechanism, Selector

__all__ = ["plan_groups", "group_members"]

_ID = {"people": "person_id", "orgs": "org_id", "households": "household_id"}


def group_members(ds, selector: Selector, as_of=None, exclude=()) -> pd.DataFrame:
    """Rows the selector admits as ``id, org_id, village, township, x, y``, sorted by id.

    >>> from pbkit.networks.metrics import _example
    >>> from pbkit.networks.mechanisms import get_mechanism
    >>> group_members(_example(), get_mechanism("two_plus_one").target)["id"].tolist()
    ['O1']
    """
    frame = ds.table(selector.table)
    mask = el.select(ds, selector, as_of)
    idcol = _ID[selector.table]
    if exclude:
        mask &= ~el.isin(frame[idcol], list(exclude))
    rows = frame[mask]
    places = el.org_places(ds.orgs)
    org = rows[idcol] if selector.table == "orgs" else rows["org_id"]
    pl = places.reindex(org.to_numpy(dtype=object))
    out = pd.DataFrame({
        "id": rows[idcol].to_numpy(dtype=object),
        "org_id": org.to_numpy(dtype=object),
        "village": pl["village"].to_numpy(dtype=object),
        "township": pl["township"].to_numpy(dtype=object),
        "x": pl["x"].to_numpy(dtype="float64"),
        "y": pl["y"].to_numpy(dtype="float64"),
    })
    if selector.table == "households":
        out["x"] = rows["x_km"].astype("float64").fillna(pd.Series(out["x"].to_numpy(),
                                                                   index=rows.index)).to_numpy()
        out["y"] = rows["y_km"].astype("float64").fillna(pd.Series(out["y"].to_numpy(),
                                                                   index=rows.index)).to_numpy()
    return out.drop_duplicates("id").sort_values("id", kind="stable").reset_index(drop=True)


def _edges(targets: pd.DataFrame, sources: pd.DataFrame, scope: str, radius: float | None):
    """Eligible (target index, source index, distance) for one slot; self-pairs excluded."""
    if radius is not None and scope == "radius":
        ti, si = el._radius_pairs(targets["x"].to_numpy(), targets["y"].to_numpy(),
                                  sources["x"].to_numpy(), sources["y"].to_numpy(), radius)
    elif scope == "any":
        ti = np.repeat(np.arange(len(targets)), len(sources))
        si = np.tile(np.arange(len(sources)), len(targets))
    else:
        key = {"village": "village", "township": "township", "org": "org_id"}[scope]
        codes, _ = pd.factorize(pd.concat([targets[key], sources[key]], ignore_index=True))
        ti, si = el._group_product(codes[: len(targets)], codes[len(targets):])
    dist = np.hypot(targets["x"].to_numpy()[ti] - sources["x"].to_numpy()[si],
                    targets["y"].to_numpy()[ti] - sources["y"].to_numpy()[si])
    if radius is not None and scope != "radius":
        ok = ~(dist > radius + 1e-9)
        ti, si, dist = ti[ok], si[ok], dist[ok]
    ok = targets["id"].to_numpy(dtype=object)[ti] != sources["id"].to_numpy(dtype=object)[si]
    ti, si, dist = ti[ok], si[ok], dist[ok]
    order = np.lexsort((si, ti))
    return ti[order], si[order], dist[order]


def _solve_slot(ti, si, cost, existing, need, limit, balance):
    """Chosen-edge mask for one slot (per component, exact)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    chosen = np.zeros(len(ti), dtype=bool)
    if len(ti) == 0:
        return chosen
    nt, ns = len(need), len(limit)
    graph = coo_matrix((np.ones(len(ti), np.int8), (ti, nt + si)), shape=(nt + ns, nt + ns))
    _, labels = connected_components(graph, directed=False)
    comp = labels[ti]
    order = np.argsort(comp, kind="stable")
    for idx in np.split(order, np.flatnonzero(np.diff(comp[order])) + 1):
        sel = _solve_slot_component(ti[idx], si[idx], cost[idx], existing[idx], need, limit,
                                    balance)
        chosen[idx[sel]] = True
    return chosen


def _solve_slot_component(ti, si, cost, existing, need, limit, balance):
    tu, t_loc = np.unique(ti, return_inverse=True)
    su, s_loc = np.unique(si, return_inverse=True)
    n_t, n_s = len(tu), len(su)
    cnt = need[tu]
    lim = np.minimum(limit[su], int(cnt.sum()))
    c_max = int(cost.max()) + balance * int(max(lim.max() - 1, 0) + max(cnt.max() - 1, 0))
    units = int(cnt.sum())
    big_k = units * c_max + 1
    if cnt.max() <= 1:
        from scipy.optimize import linear_sum_assignment

        big_b = n_t * (big_k + c_max) + 1
        weight = np.zeros((n_t, n_s), dtype=np.float64)
        weight[t_loc, s_loc] = cost - big_k * existing.astype(np.int64) - big_b
        matrix = np.repeat(weight, lim, axis=1)
        slot_owner = np.repeat(np.arange(n_s), lim)
        slot_rank = np.arange(int(lim.sum())) - np.repeat(np.cumsum(lim) - lim, lim)
        matrix = matrix + np.where(matrix < 0, balance * slot_rank[None, :], 0)
        rows, cols = linear_sum_assignment(matrix)
        good = matrix[rows, cols] < 0
        keys = rows[good] * n_s + slot_owner[cols[good]]
        return np.isin(t_loc * n_s + s_loc, keys)
    import networkx as nx

    g = nx.DiGraph()
    for i in range(n_t):  # the k-th place of a target costs balance*k: spread people out
        for k in range(int(cnt[i])):
            g.add_edge("S", ("u", i, k), capacity=1, weight=int(balance * k))
            g.add_edge(("u", i, k), ("t", i), capacity=1, weight=0)
    w = cost + big_k * (1 - existing.astype(np.int64))
    for a, b, wt in zip(t_loc.tolist(), s_loc.tolist(), w.tolist()):
        g.add_edge(("t", a), ("s", b), capacity=1, weight=int(wt))
    for j in range(n_s):
        for k in range(int(lim[j])):
            g.add_edge(("s", j), ("k", j, k), capacity=1, weight=int(balance * k))
            g.add_edge(("k", j, k), "T", capacity=1, weight=0)
    flow = nx.max_flow_min_cost(g, "S", "T")
    return np.array([flow[("t", a)][("s", b)] > 0 for a, b in zip(t_loc.tolist(),
                                                                   s_loc.tolist())], dtype=bool)


def plan_groups(ds, mech: Mechanism, *, keep_existing, radius_km, locked, removed, lang, as_of,
                exclude_people=()):
    """Plan a group mechanism (see module docstring); returns a :class:`Plan`."""
    from pbkit.networks.planner import COST_SCALE, Plan

    targets = group_members(ds, mech.target, as_of)
    scope = "radius" if radius_km is not None else mech.scope
    radius = radius_km if radius_km is not None else mech.radius_km
    w_dist = float(mech.weights.get("distance", 0.0))
    balance = int(round(float(mech.weights.get("balance", 0.0)) * COST_SCALE))
    existing = el.active_pairings(ds, mech.code, as_of)
    existing_pairs = set(zip(existing["source_id"].tolist(), existing["target_id"].tolist()))
    ex_role = {(s, tg): r for s, tg, r in zip(existing["source_id"].tolist(),
                                               existing["target_id"].tolist(),
                                               existing["role"].tolist())}
    ex_group = {(s, tg): g for s, tg, g in zip(existing["source_id"].tolist(),
                                                existing["target_id"].tolist(),
                                                existing["group_id"].tolist())}
    removed_set = set(removed)
    t_ids = targets["id"].to_numpy(dtype=object)
    t_pos = {v: i for i, v in enumerate(t_ids)}
    pools = [group_members(ds, slot.selector, as_of,
                           exclude=exclude_people if slot.selector.table == "people" else ())
             for slot in mech.slots]

    # locked links: assign each to the first slot whose pool holds the source
    locked_by_slot: list[list[tuple[int, int]]] = [[] for _ in mech.slots]
    for source, target in locked:
        if target not in t_pos:
            raise UsageError("networks.err.locked_unknown_target", target=target)
        for k, pool in enumerate(pools):
            hit = np.flatnonzero(pool["id"].to_numpy(dtype=object) == source)
            if len(hit):
                locked_by_slot[k].append((t_pos[target], int(hit[0])))
                break
        else:
            raise UsageError("networks.err.locked_not_helper", source=source)

    frames, unc_parts = [], {}
    total_needed = total_filled = 0
    max_load: dict[str, int] = {}
    taken = set()  # (target, source) already used by an earlier slot
    for k, (slot, pool) in enumerate(zip(mech.slots, pools)):
        need = np.full(len(targets), slot.count, dtype=np.int64)
        limit = np.full(len(pool), slot.limit, dtype=np.int64)
        lk = locked_by_slot[k]
        for ti_, si_ in lk:
            if need[ti_] <= 0:
                raise UsageError("networks.err.locked_twice", target=t_ids[ti_])
            if limit[si_] <= 0:
                raise UsageError("networks.err.locked_over_capacity",
                                 source=pool["id"].iat[si_], capacity=slot.limit)
            need[ti_] -= 1
            limit[si_] -= 1
        ti, si, dist = _edges(targets, pool, scope, radius)
        s_ids = pool["id"].to_numpy(dtype=object)
        pair_t, pair_s = t_ids[ti], s_ids[si]
        eligible_n = np.bincount(ti, minlength=len(targets))
        ok = np.array([(s, tg) not in removed_set and (tg, s) not in taken
                       for s, tg in zip(pair_s, pair_t)], dtype=bool)
        ok &= (need[ti] > 0) & (limit[si] > 0)
        locked_set = {(a, b) for a, b in lk}
        ok &= np.array([(a, b) not in locked_set for a, b in zip(ti.tolist(), si.tolist())],
                       dtype=bool) if len(ti) else ok
        is_ex = np.array([_existing_in_role(ex_role, s, tg, slot.role)
                          for s, tg in zip(pair_s, pair_t)], dtype=bool)
        cost_int = np.rint(w_dist * np.nan_to_num(dist) * COST_SCALE).astype(np.int64)
        sel = np.zeros(len(ti), dtype=bool)
        idx = np.flatnonzero(ok)
        sel[idx] = _solve_slot(ti[idx], si[idx], cost_int[idx],
                               is_ex[idx] & keep_existing, need, limit, balance)
        ch_t = np.concatenate([ti[sel], np.array([a for a, _ in lk], dtype=np.int64)])
        ch_s = np.concatenate([si[sel], np.array([b for _, b in lk], dtype=np.int64)])
        lk_dist = np.hypot(targets["x"].to_numpy()[ch_t[len(ti[sel]):]]
                           - pool["x"].to_numpy()[ch_s[len(ti[sel]):]],
                           targets["y"].to_numpy()[ch_t[len(ti[sel]):]]
                           - pool["y"].to_numpy()[ch_s[len(ti[sel]):]])
        ch_d = np.concatenate([dist[sel], lk_dist])
        load = np.bincount(ch_s, minlength=len(pool))
        # balance charge of the k-th target a source takes, in cost units
        rank = np.zeros(len(ch_s), dtype=np.int64)
        seen: dict[int, int] = {}
        for i in np.lexsort((ch_d, ch_s)):
            rank[i] = seen.get(int(ch_s[i]), 0)
            seen[int(ch_s[i])] = rank[i] + 1
        cost = np.rint(w_dist * np.nan_to_num(ch_d) * COST_SCALE) / COST_SCALE + \
            balance * rank / COST_SCALE
        src, tgt = s_ids[ch_s], t_ids[ch_t]
        status = np.where(np.arange(len(ch_s)) >= int(sel.sum()), "locked",
                          np.where([(s, tg) in existing_pairs for s, tg in zip(src, tgt)],
                                   "kept", "new")).astype(object)
        frames.append(pd.DataFrame({
            "source_id": src, "target_id": tgt, "cost": cost, "role": slot.role,
            "group_id": [ex_group.get((s, tg)) if st == "kept" and pd.notna(
                ex_group.get((s, tg))) else f"{mech.code}:{tg}"
                for s, tg, st in zip(src, tgt, status)],
            "village": targets["village"].to_numpy(dtype=object)[ch_t],
            "township": targets["township"].to_numpy(dtype=object)[ch_t],
            "distance_km": np.round(ch_d, 3), "status": status,
            "load": load[ch_s], "limit": slot.limit,
        }))
        taken.update(zip(tgt.tolist(), src.tolist()))
        got = np.bincount(ch_t, minlength=len(targets))
        missing = slot.count - got
        total_needed += slot.count * len(targets)
        total_filled += int(got.sum())
        max_load[slot.role] = int(load.max()) if len(load) else 0
        for i in np.flatnonzero(missing > 0):
            if eligible_n[i] == 0:
                key = ("networks.uncovered.group_no_source_radius" if scope == "radius"
                       else f"networks.uncovered.group_no_source_{scope}")
                text = t(key, lang=lang, role=ex.role_label(slot.role, lang),
                         radius=f"{radius:g}" if radius else "", missing=int(missing[i]))
            else:
                text = t("networks.uncovered.group_all_full", lang=lang,
                         role=ex.role_label(slot.role, lang), n=int(eligible_n[i]),
                         limit=slot.limit, missing=int(missing[i]))
            unc_parts.setdefault(i, []).append(text)

    pairs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["source_id", "target_id", "cost", "role", "group_id", "village", "township",
                 "distance_km", "status", "load", "limit"])
    role_order = {s.role: i for i, s in enumerate(mech.slots)}
    pairs = pairs.assign(_r=pairs["role"].map(role_order)).sort_values(
        ["target_id", "_r", "source_id"], kind="stable").drop(columns="_r").reset_index(drop=True)
    pairs.insert(3, "reason", pd.Series(_group_reasons(pairs, lang), dtype=object))
    unc_idx = sorted(unc_parts)
    uncovered = pd.DataFrame({
        "target_id": t_ids[unc_idx] if unc_idx else np.array([], dtype=object),
        "reason": pd.Series([ex.SEP(lang).join(unc_parts[i]) for i in unc_idx], dtype=object),
        "village": targets["village"].to_numpy(dtype=object)[unc_idx] if unc_idx
        else np.array([], dtype=object),
    })
    planned = set(zip(pairs["source_id"].tolist(), pairs["target_id"].tolist()))
    added, dropped = len(planned - existing_pairs), len(existing_pairs - planned)
    objective = {
        "targets": len(targets), "covered": len(targets) - len(unc_idx),
        "uncovered": len(unc_idx), "slots_needed": total_needed, "slots_filled": total_filled,
        "total_cost": round(float(pairs["cost"].sum()), 2) if len(pairs) else 0.0,
        "existing_pairs": len(existing_pairs), "kept": int((pairs["status"] == "kept").sum()),
        "added": added, "dropped": dropped, "changes": added + dropped,
        "locked": int((pairs["status"] == "locked").sum()), "max_load": max_load,
        "keep_existing": bool(keep_existing), "scope": scope, "radius_km": radius,
        "weights": dict(mech.weights), "optimal": True,
    }
    return Plan(mechanism=mech.code, objective=MappingProxyType(objective), pairs=pairs,
                uncovered=uncovered, lang=lang)


def _existing_in_role(ex_role: dict, source: str, target: str, role: str) -> bool:
    """Whether an active link source -> target exists for ``role`` (or without a role)."""
    if (source, target) not in ex_role:
        return False
    found = ex_role[(source, target)]
    return found is None or (isinstance(found, float) and np.isnan(found)) or found == role


def _group_reasons(pairs: pd.DataFrame, lang) -> list[str]:
    if pairs.empty:
        return []
    head = [t(f"networks.reason.status.{s}", lang=lang) for s in pairs["status"]]
    role = [ex.role_label(r, lang) for r in pairs["role"]]
    dist = [ex.distance_phrase(d, lang) for d in pairs["distance_km"].astype(float)]
    load = [t("networks.reason.load", lang=lang, load=int(a), limit=int(b))
            for a, b in zip(pairs["load"], pairs["limit"])]
    return ex.join_parts([head, role, dist, load], lang)
