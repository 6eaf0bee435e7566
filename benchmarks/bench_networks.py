"""Benchmarks of pbkit.networks: the one-on-one planner and the metric suite.

``networks.plan_one_on_one`` plans one-on-one pairs for a county (about 100k needy
households, 50k helpers with capacities, 600 villages, same-village eligibility) including
building the eligibility graph, costs and every reason, and compares it with an independent
solver run side by side: OR-Tools ``SimpleMinCostFlow`` over the whole county (source ->
household -> helper -> sink, with the same integer costs and a big-M coverage bonus). The
``check`` asserts both reach the same optimum (households covered and total integer cost).

``networks.metrics`` runs the metric suite (``metrics_report``) and, as baseline, the
fastest single library call for each metric's core computation on prepared inputs; both
sides report the time per metric, so the per-metric ratio is in the extra figures.

The instance generator is self-contained (deterministic for a seed) so the benchmark does
not depend on the synthetic-data module.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from benchmarks.harness import Benchmark

__all__ = ["BENCHMARKS", "make_instance", "SIZES"]

SIZES = {
    "township": {"villages": 12, "households": 300, "helpers": 600},
    "county": {"villages": 600, "households": 100_000, "helpers": 50_000},
}
SKILLS = ("medical", "elder_care", "agriculture", "tutoring", "legal", "nursing", "business",
          "ecommerce", "psychology", "mediation", "carpentry", "driving")
NEED_CODES = ("elderly_alone", "disabled", "low_income", "left_behind_child", "chronic_illness",
              "other")


def make_instance(villages: int = 600, households: int = 100_000, helpers: int = 50_000,
                  seed: int = 0, sigma: float = 0.35, as_of: str = "2024-06-30"):
    """A county-like :class:`~pbkit.data.dataset.Dataset` for the planner and metrics.

    Villages (15 per township) have uneven sizes (lognormal, ``sigma``); helpers carry a
    capacity of 1-4, skills, ages (ageing membership) and a migrant flag (about 20%); about
    60% of households already have a one-on-one helper (some helpers overloaded); each
    village has a bao-cun team and some villages a 2+1 group.
    """
    from pbkit.data.dataset import Dataset

    rng = np.random.default_rng(seed)
    n_town = max(1, villages // 15)
    towns = [f"T{i:03d}" for i in range(n_town)]
    vill = [f"V{i:04d}" for i in range(villages)]
    v_town = np.arange(villages) % n_town
    tx = (np.arange(n_town) % 8) * 20.0
    ty = (np.arange(n_town) // 8) * 20.0
    vx = tx[v_town] + rng.uniform(-8, 8, villages)
    vy = ty[v_town] + rng.uniform(-8, 8, villages)
    orgs = pd.DataFrame({
        "org_id": ["C0"] + towns + vill,
        "parent_id": [None] + ["C0"] * n_town + [towns[t] for t in v_town],
        "level": ["county"] + ["township"] * n_town + ["village"] * villages,
        "x_km": np.concatenate([[70.0], tx, vx]), "y_km": np.concatenate([[20.0], ty, vy]),
        "weak_lax": np.concatenate([[False] * (1 + n_town), rng.random(villages) < 0.08]),
    })
    wh = np.exp(sigma * rng.standard_normal(villages))
    wp = np.exp(sigma * rng.standard_normal(villages))
    h_v = rng.choice(villages, households, p=wh / wh.sum())
    p_v = rng.choice(villages, helpers, p=wp / wp.sum())
    needs_pool = np.array([(n,) for n in NEED_CODES] + [
        (a, b) for i, a in enumerate(NEED_CODES) for b in NEED_CODES[i + 1:]], dtype=object)
    hh = pd.DataFrame({
        "household_id": [f"H{i:06d}" for i in range(households)],
        "org_id": np.array(vill, dtype=object)[h_v],
        "needs": needs_pool[rng.integers(0, len(needs_pool), households)],
        "size": rng.integers(1, 6, households),
        "x_km": vx[h_v] + rng.normal(0, 0.8, households),
        "y_km": vy[h_v] + rng.normal(0, 0.8, households),
    })
    skills_pool = np.array([()] + [(s,) for s in SKILLS] + [
        (a, b) for i, a in enumerate(SKILLS[:6]) for b in SKILLS[i + 1:6]], dtype=object)
    n_extra = n_town * 20 + villages * 2
    n_people = helpers + n_extra
    roles = np.array([("member",)] * helpers + [None] * n_extra, dtype=object)
    org = list(np.array(vill, dtype=object)[p_v]) + [None] * n_extra
    role_since = [None] * n_people
    k = helpers
    for town in towns:  # 6 township leaders + 14 agency cadres per township
        for j in range(20):
            roles[k] = ("township_leader",) if j < 6 else ("agency_cadre",)
            org[k] = town
            k += 1
    for v_i, v in enumerate(vill):  # a secretary and (every third village) a student official
        roles[k] = ("secretary",)
        org[k] = v
        role_since[k] = int(2024 - rng.integers(0, 15))
        k += 1
        roles[k] = ("student_official",) if v_i % 3 == 0 else ("committee_member",)
        org[k] = v
        k += 1
    people = pd.DataFrame({
        "person_id": [f"P{i:06d}" for i in range(n_people)], "org_id": org, "roles": roles,
        "birth_year": 2024 - np.clip(rng.normal(56, 13, n_people), 20, 90).astype(int),
        "gender": rng.choice(["male", "female"], n_people, p=[0.7, 0.3]),
        "education": rng.choice(["primary", "junior_high", "senior_high", "college",
                                 "bachelor"], n_people, p=[0.3, 0.35, 0.2, 0.1, 0.05]),
        "migrant": rng.random(n_people) < 0.2,
        "skills": skills_pool[rng.integers(0, len(skills_pool), n_people)],
        "capacity": np.where(np.arange(n_people) < helpers, rng.integers(1, 5, n_people), 0),
        "role_since": role_since, "join_year": 2024 - rng.integers(1, 40, n_people),
    })
    # existing one-on-one pairs: 60% of households, a helper of the same village (some
    # helpers get more than their capacity: overloaded)
    pairs = []
    by_v: dict[int, np.ndarray] = {}
    order = np.argsort(p_v, kind="stable")
    bounds = np.searchsorted(p_v[order], np.arange(villages + 1))
    for v in range(villages):
        by_v[v] = order[bounds[v]:bounds[v + 1]]
    has = rng.random(households) < 0.6
    for i in np.flatnonzero(has):
        pool = by_v[h_v[i]]
        if len(pool):
            pairs.append((f"P{pool[rng.integers(0, len(pool))]:06d}", f"H{i:06d}",
                          "one_on_one", None, "helper"))
    for t_i in range(len(towns)):  # bao-cun teams
        leaders = [helpers + t_i * 20 + j for j in range(6)]
        cadres = [helpers + t_i * 20 + 6 + j for j in range(14)]
        for n, v in enumerate(np.flatnonzero(v_town == t_i)):
            if rng.random() < 0.9:
                g = f"BC-{vill[v]}"
                pairs.append((f"P{leaders[n % 6]:06d}", vill[v], "bao_cun", g, "deputy_leader"))
                for c in (cadres[(2 * n) % 14], cadres[(2 * n + 1) % 14]):
                    pairs.append((f"P{c:06d}", vill[v], "bao_cun", g, "agency_cadre"))
    for v_i in range(0, villages, 3):  # 2+1 groups for student officials (most of them)
        if rng.random() < 0.7:
            so = helpers + n_town * 20 + 2 * v_i + 1
            sec = helpers + n_town * 20 + 2 * ((v_i + 1) % villages)
            leader = helpers + v_town[v_i] * 20 + rng.integers(0, 6)
            g = f"TP-{v_i}"
            pairs.append((f"P{leader:06d}", f"P{so:06d}", "two_plus_one", g, "township_mentor"))
            pairs.append((f"P{sec:06d}", f"P{so:06d}", "two_plus_one", g, "secretary_mentor"))
    pr = pd.DataFrame(pairs, columns=["source_id", "target_id", "mechanism", "group_id", "role"])
    pr.insert(0, "pairing_id", [f"R{i:07d}" for i in range(len(pr))])
    pr["start"] = pd.Timestamp("2023-01-01")
    return Dataset.from_frames(name=f"bench-{villages}", orgs=orgs, people=people,
                               households=hh, pairings=pr)


# --------------------------------------------------------------------------- planner

AS_OF = "2024-06-30"


def _warm() -> None:
    """Load modules and the message catalog once, as any pbkit session has (not timed)."""
    import scipy.optimize
    import scipy.sparse.csgraph  # noqa: F401

    import pbkit.networks.planner  # noqa: F401
    from pbkit.i18n import catalog

    catalog()


def _setup_plan(scale: str):
    size = SIZES[scale]
    _warm()
    return make_instance(size["villages"], size["households"], size["helpers"], seed=7)


def _run_plan(ds) -> dict:
    from pbkit.networks.planner import plan

    cpu0 = time.process_time()
    result = plan(ds, "one_on_one", as_of=AS_OF, lang="zh")
    cpu = time.process_time() - cpu0
    int_cost = int(np.rint(result.pairs["cost"].to_numpy() * 100).sum())
    return {"covered": int(result.objective["covered"]), "cost_int": int_cost,
            "cpu_s": round(cpu, 3),
            "eligible_edges": int(result.objective["eligible_edges"]),
            "reasons": int(result.pairs["reason"].str.len().gt(0).sum()
                           + result.uncovered["reason"].str.len().gt(0).sum())}


def _run_ortools(ds) -> dict:
    """Independent solver: OR-Tools SimpleMinCostFlow over the whole county."""
    from ortools.graph.python import min_cost_flow

    from pbkit.networks import eligibility as el
    from pbkit.networks.mechanisms import get_mechanism

    cpu0 = time.process_time()
    mech = get_mechanism("one_on_one")
    helpers = el.helper_pool(ds, mech, AS_OF)
    needy = el.needy_pool(ds, mech, AS_OF)
    edges = el.one_on_one_edges(helpers, needy, mech.scope, mech.radius_km)
    cost = np.rint(el.one_on_one_costs(helpers, needy, edges, mech)["cost"] * 100).astype(
        np.int64)
    nh, npp = len(needy), len(helpers)
    # big-M: a covered household is worth more than any total cost
    big = int(cost.max() + 1) * nh + 1 if len(cost) else 1
    src, sink = nh + npp, nh + npp + 1
    smcf = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([np.full(nh, src), edges.household, nh + np.arange(npp),
                            [src]]).astype(np.int32)
    heads = np.concatenate([np.arange(nh), nh + edges.helper, np.full(npp, sink),
                            [sink]]).astype(np.int32)
    caps = np.concatenate([np.ones(nh), np.ones(len(cost)), helpers["capacity"].to_numpy(),
                           [nh]]).astype(np.int64)
    costs = np.concatenate([np.full(nh, -big), cost, np.zeros(npp), [0]]).astype(np.int64)
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(nh + npp + 2, dtype=np.int64)
    supplies[src], supplies[sink] = nh, -nh
    smcf.set_nodes_supplies(np.arange(nh + npp + 2), supplies)
    status = smcf.solve()
    assert status == smcf.OPTIMAL, status
    flows = smcf.flows(np.arange(nh, nh + len(cost)))
    used = flows > 0
    return {"covered": int(used.sum()), "cost_int": int(cost[used].sum()),
            "eligible_edges": int(len(cost)), "cpu_s": round(time.process_time() - cpu0, 3)}


def _check_plan(mine: dict, base: dict) -> None:
    assert mine["covered"] == base["covered"], (mine["covered"], base["covered"])
    assert mine["cost_int"] == base["cost_int"], (mine["cost_int"], base["cost_int"])


# --------------------------------------------------------------------------- metrics


def _setup_metrics(scale: str):
    ds = _setup_plan(scale)
    # prepared inputs for the single-library-call baselines
    import networkx as nx

    from pbkit.networks import eligibility as el
    from pbkit.networks.graphs import combined_graph

    act = el.active_pairings(ds, None, AS_OF)
    one = act[act["mechanism"] == "one_on_one"]
    merged = ds.households[["household_id", "org_id"]].merge(
        one[["target_id"]].drop_duplicates().assign(covered=True), how="left",
        left_on="household_id", right_on="target_id")
    graph = nx.Graph(combined_graph(ds, as_of=AS_OF))
    return {"ds": ds, "merged": merged, "one": one, "graph": graph}


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _run_metrics(data) -> dict:
    from pbkit.networks.metrics import metrics_report

    cpu0 = time.process_time()
    report = metrics_report(data["ds"], as_of=AS_OF, seed=0)
    out = {f"t_{k}": round(v, 4) for k, v in report.timings.items()}
    out["cpu_s"] = round(time.process_time() - cpu0, 3)
    out["views"] = len(report.views)
    return out


def _run_metric_baselines(data) -> dict:
    import networkx as nx

    g = data["graph"]
    merged, one = data["merged"], data["one"]
    times = {
        "coverage": _timed(lambda: merged.groupby("org_id")["covered"].count()),
        "helper_load": _timed(lambda: one.groupby("source_id").size()),
        "robustness": _timed(lambda: one["source_id"].isin(one["source_id"].head(100))),
        "reach": _timed(lambda: data["ds"].pairings.groupby(["mechanism", "target_id"]).size()),
        "structure": _timed(lambda: (dict(g.degree()),
                                     nx.betweenness_centrality(g, k=64, seed=0),
                                     list(nx.connected_components(g)))),
        "communities": _timed(lambda: nx.community.louvain_communities(g, seed=0)),
    }
    return {f"t_{k}": round(v, 4) for k, v in times.items()}


BENCHMARKS = [
    Benchmark(name="networks.plan_one_on_one", run=_run_plan, baseline=_run_ortools,
              setup=_setup_plan, scales=("township", "county"), repeat=1,
              target="<= 5 s at county, ratio <= 0.3 vs OR-Tools whole-county min-cost flow",
              check=_check_plan),
    Benchmark(name="networks.metrics", run=_run_metrics, baseline=_run_metric_baselines,
              setup=_setup_metrics, scales=("township", "county"), repeat=1,
              target="suite <= 10 s at county"),
]
