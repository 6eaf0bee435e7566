"""Integration on the bundled sample and synthetic data, against an independent solver."""

from __future__ import annotations

import numpy as np
import pytest
from networks_fixtures import AS_OF

from pbkit.networks import eligibility as el
from pbkit.networks.mechanisms import get_mechanism
from pbkit.networks.metrics import metrics_report
from pbkit.networks.planner import plan


def _ortools_optimum(ds, radius_km=None):
    """Covered households and total integer cost from one OR-Tools min-cost flow."""
    min_cost_flow = pytest.importorskip("ortools.graph.python.min_cost_flow")
    mech = get_mechanism("one_on_one")
    helpers = el.helper_pool(ds, mech, AS_OF)
    needy = el.needy_pool(ds, mech, AS_OF)
    scope = "radius" if radius_km is not None else mech.scope
    edges = el.one_on_one_edges(helpers, needy, scope, radius_km)
    cost = np.rint(el.one_on_one_costs(helpers, needy, edges, mech)["cost"] * 100).astype(int)
    nh, npp = len(needy), len(helpers)
    big = int(cost.max() + 1) * nh + 1
    src, sink = nh + npp, nh + npp + 1
    smcf = min_cost_flow.SimpleMinCostFlow()
    for h in range(nh):
        smcf.add_arc_with_capacity_and_unit_cost(src, h, 1, -big)
    arcs = [smcf.add_arc_with_capacity_and_unit_cost(int(h), nh + int(p), 1, int(c))
            for h, p, c in zip(edges.household, edges.helper, cost)]
    for p, cap in enumerate(helpers["capacity"]):
        smcf.add_arc_with_capacity_and_unit_cost(nh + p, sink, int(cap), 0)
    smcf.add_arc_with_capacity_and_unit_cost(src, sink, nh, 0)
    smcf.set_node_supply(src, nh)
    smcf.set_node_supply(sink, -nh)
    assert smcf.solve() == smcf.OPTIMAL
    used = [a for a in arcs if smcf.flow(a) > 0]
    return len(used), int(sum(cost[i] for i, a in enumerate(arcs) if smcf.flow(a) > 0))


def _check(ds, radius_km=None):
    result = plan(ds, "one_on_one", as_of=AS_OF, radius_km=radius_km)
    covered, cost = _ortools_optimum(ds, radius_km)
    assert result.objective["covered"] == covered
    assert int(np.rint(result.pairs["cost"].to_numpy() * 100).sum()) == cost
    return result


def test_sample_township_matches_an_independent_min_cost_flow():
    from pbkit.data.sample import load_sample

    ds = load_sample()
    result = _check(ds)
    assert result.objective["covered"] > 0
    _check(ds, radius_km=1.5)
    for mechanism in ("two_plus_one", "bao_cun", "branch_pair", "study_help"):
        group = plan(ds, mechanism, as_of=AS_OF)
        assert group.objective["slots_filled"] <= group.objective["slots_needed"]
        assert all(group.pairs["reason"].str.len() > 0)
    report = metrics_report(ds, as_of=AS_OF)
    assert report.summary["needy"] == len(ds.households)


def test_synthetic_township_matches_an_independent_min_cost_flow():
    synth = pytest.importorskip("pbkit.data.synth")
    ds = synth.synthesize("township", seed=3)
    _check(ds)
    again = plan(synth.synthesize("township", seed=3), "one_on_one", as_of=AS_OF)
    assert again.to_json() == plan(ds, "one_on_one", as_of=AS_OF).to_json()
