"""Metrics on hand-built networks with answers worked out by hand; graphs."""

from __future__ import annotations

import json

import networkx as nx
import pandas as pd
import pytest
from networks_fixtures import AS_OF, dataset, household, orgs, pairing, person

from pbkit.errors import UsageError
from pbkit.networks import graphs, metrics


def _ds():
    """Two villages.

    V1: households H1 (elderly_alone), H2 (disabled;low_income), H3 (low_income)
    V2: households H4 (left_behind_child), H5 (elderly_alone)
    Helpers: P1 (V1, cap 2) -> H1, H2 ; P2 (V1, cap 1, migrant) -> H2, H3 (overloaded)
             P3 (V2, cap 1) idle ; P4 (V2, cap 3, migrant) -> H4
    Ended pair P3 -> H5 does not count.
    """
    people = [
        person("P1", "V1", capacity=2), person("P2", "V1", capacity=1, migrant=True),
        person("P3", "V2", capacity=1), person("P4", "V2", capacity=3, migrant=True),
        person("S1", "V1", "secretary"), person("S2", "V2", "secretary"),
        person("O1", "V2", "student_official"), person("L1", "T1", "township_leader"),
        person("A1", "T1", "agency_cadre"), person("A2", "T1", "agency_cadre"),
    ]
    hh = [household("H1", "V1", "elderly_alone"), household("H2", "V1", "disabled;low_income"),
          household("H3", "V1", "low_income"), household("H4", "V2", "left_behind_child"),
          household("H5", "V2", "elderly_alone")]
    pr = [pairing("R1", "P1", "H1"), pairing("R2", "P1", "H2"), pairing("R3", "P2", "H2"),
          pairing("R4", "P2", "H3"), pairing("R5", "P4", "H4"),
          pairing("R6", "P3", "H5", status="ended"),
          pairing("B1", "L1", "V1", "bao_cun", role="deputy_leader", group_id="b1"),
          pairing("B2", "A1", "V1", "bao_cun", role="agency_cadre", group_id="b1"),
          pairing("B3", "A2", "V1", "bao_cun", role="agency_cadre", group_id="b1"),
          pairing("B4", "L1", "V2", "bao_cun", role="deputy_leader", group_id="b2"),
          pairing("G1", "L1", "O1", "two_plus_one", role="township_mentor", group_id="g"),
          pairing("G2", "S1", "O1", "two_plus_one", role="secretary_mentor", group_id="g")]
    return dataset(orgs(["V1", "V2"]), people, hh, pr)


def test_coverage_by_village_need_and_overall():
    ds = _ds()
    by_v = metrics.coverage(ds, as_of=AS_OF)
    assert by_v[["village", "needy", "covered", "uncovered", "coverage"]].values.tolist() == [
        ["V2", 2, 1, 1, 0.5], ["V1", 3, 3, 0, 1.0]]
    by_need = metrics.coverage(ds, "need", as_of=AS_OF).set_index("need")
    assert by_need.loc["elderly_alone", ["needy", "covered"]].tolist() == [2, 1]
    assert by_need.loc["low_income", ["needy", "covered"]].tolist() == [2, 2]
    assert by_need.loc["left_behind_child", "coverage"] == 1.0
    assert metrics.coverage(ds, "all", as_of=AS_OF)["coverage"].iloc[0] == 0.8
    assert metrics.uncovered_households(ds, as_of=AS_OF)["household_id"].tolist() == ["H5"]
    with pytest.raises(UsageError):
        metrics.coverage(ds, "street")


def test_helper_load_overload_and_gini_by_hand():
    ds = _ds()
    load = metrics.helper_load(ds, as_of=AS_OF).set_index("person_id")
    assert load.loc[["P1", "P2", "P3", "P4"], "pairs"].tolist() == [2, 2, 0, 1]
    assert load.loc["P2", "overloaded"] and not load.loc["P1", "overloaded"]
    assert load.loc["P2", "load_ratio"] == 2.0
    assert load.loc["P4", "spare"] == 2
    # secretaries etc. default to capacity 2 and carry no pairs
    summary = metrics.load_summary(ds, as_of=AS_OF)
    helpers = len(load)
    assert summary["helpers"].iloc[0] == helpers
    assert summary["overloaded"].iloc[0] == 1
    # Gini over loads [2, 2, 0, 1, 0 x (helpers - 4)] computed by the pairwise definition
    x = [2, 2, 0, 1] + [0] * (helpers - 4)
    pairwise = sum(abs(a - b) for a in x for b in x) / (2 * len(x) ** 2 * (sum(x) / len(x)))
    assert summary["gini"].iloc[0] == round(pairwise, 4)
    by_v = metrics.load_summary(ds, "village", as_of=AS_OF).set_index("village")
    assert by_v.loc["V1", "pairs"] == 4
    assert by_v.loc["V1", "overloaded"] == 1


def test_gini_known_values():
    assert metrics.gini([5, 5, 5]) == 0.0
    assert metrics.gini([0, 0, 0, 10]) == 0.75
    assert metrics.gini([]) != metrics.gini([])  # nan
    assert metrics.gini([0, 0]) == 0.0


def test_robustness_when_migrants_are_away():
    ds = _ds()
    rob = metrics.robustness(ds, as_of=AS_OF).set_index("mechanism")
    # migrants P2 and P4: one_on_one pairs R3, R4, R5 break (3 of 5)
    assert rob.loc["one_on_one", ["pairs", "broken", "targets", "targets_lost"]].tolist() == [
        5, 3, 4, 2]
    assert rob.loc["one_on_one", "broken_share"] == 0.6
    left = metrics.left_uncovered(ds, as_of=AS_OF)
    assert left[["household_id", "lost_helpers"]].values.tolist() == [["H3", "P2"], ["H4", "P4"]]
    what_if = metrics.left_uncovered(ds, ["P1"], as_of=AS_OF)
    assert what_if["household_id"].tolist() == ["H1"]  # H2 still has P2
    rob_l1 = metrics.robustness(ds, ["L1"], as_of=AS_OF).set_index("mechanism")
    assert rob_l1.loc["bao_cun", ["broken", "targets_lost"]].tolist() == [2, 1]


def test_reach_and_leader_contacts():
    ds = _ds()
    r = metrics.reach(ds, as_of=AS_OF).set_index("target_id")
    assert r.loc["S1", ["kind", "reached"]].tolist() == ["secretary", True]
    assert r.loc["S2", ["kind", "reached"]].tolist() == ["secretary", False]
    assert r.loc["O1", ["kind", "two_plus_one_links", "reached"]].tolist() == [
        "student_official", 2, True]
    assert r.loc["V1", ["bao_cun_members", "team_complete", "reached"]].tolist() == [3, True,
                                                                                      True]
    assert r.loc["V2", ["bao_cun_members", "team_complete", "reached"]].tolist() == [1, False,
                                                                                      True]
    lc = metrics.leader_contacts(ds, as_of=AS_OF).set_index("person_id")
    assert lc.loc["L1", ["two_plus_one_targets", "bao_cun_villages", "contacts"]].tolist() == [
        1, 2, 3]


def test_structure_on_a_hand_built_network():
    """Edges: P1-H1, P1-H2, P2-H2, P2-H3, P4-H4, L1-V1, A1-V1, A2-V1, L1-V2, L1-O1, S1-O1.

    Component {P1,P2,H1,H2,H3} is the path H1-P1-H2-P2-H3; component {L1,V1,V2,A1,A2,O1,S1}
    is a tree around L1 and V1; {P4,H4} a pair. n = 14 nodes.
    """
    ds = _ds()
    st = metrics.structure(ds, as_of=AS_OF).set_index("node")
    assert len(st) == 14
    assert st.loc["P1", "degree"] == 2 and st.loc["L1", "degree"] == 3
    # exact normalised betweenness on the whole graph, checked against networkx
    g = nx.Graph([("P1", "H1"), ("P1", "H2"), ("P2", "H2"), ("P2", "H3"), ("P4", "H4"),
                  ("L1", "V1"), ("A1", "V1"), ("A2", "V1"), ("L1", "V2"), ("L1", "O1"),
                  ("S1", "O1")])
    expected = nx.betweenness_centrality(g)
    for node, value in expected.items():
        assert st.loc[node, "betweenness"] == pytest.approx(value, abs=1e-8)
    # on the path H1-P1-H2-P2-H3 the middle H2 lies on 4 of the 10 pairs: 4 / C(13, 2)
    assert st.loc["H2", "betweenness"] == pytest.approx(4 / 78)
    # S1's only neighbour is O1: no brokerage; brokerage is for secretaries only
    assert st.loc["S1", "brokerage"] == 0
    assert pd.isna(st.loc["L1", "brokerage"])
    assert st.loc["L1", "component"] == 0 and st.loc["L1", "component_size"] == 7
    assert st.loc["H4", "component_size"] == 2
    comps = metrics.components(ds, as_of=AS_OF)
    assert comps["nodes"].tolist() == [7, 5, 2]
    assert comps["households"].tolist() == [0, 3, 1]


def test_brokerage_counts_unlinked_neighbour_pairs_across_organisations():
    people = [person("S1", "V1", "secretary"), person("L1", "T1", "township_leader"),
              person("O1", "V1", "student_official"), person("O2", "V2", "student_official")]
    pr = [pairing("G1", "S1", "O1", "two_plus_one"), pairing("G2", "S1", "O2", "two_plus_one"),
          pairing("G3", "L1", "S1", "two_plus_one")]
    ds = dataset(orgs(["V1", "V2"]), people, pairings=pr)
    st = metrics.structure(ds, as_of=AS_OF).set_index("node")
    # neighbours O1 (V1), O2 (V2), L1 (T1): pairs in different orgs, none linked -> 3
    assert st.loc["S1", "brokerage"] == 3


def test_large_graph_path_uses_components_and_stays_consistent(monkeypatch):
    """Forcing the scale path (per component, stars by formula) gives exact values here."""
    ds = _ds()
    exact = metrics.structure(ds, as_of=AS_OF).set_index("node")["betweenness"]
    monkeypatch.setattr(metrics, "EXACT_BETWEENNESS_NODES", 3)
    scaled = metrics.structure(ds, as_of=AS_OF, k=None).set_index("node")["betweenness"]
    pd.testing.assert_series_equal(exact.sort_index(), scaled.sort_index())


def test_metrics_report_views_json_and_xlsx(tmp_path):
    ds = _ds()
    report = metrics.metrics_report(ds, as_of=AS_OF)
    assert report.summary["covered"] == 4 and report.summary["needy"] == 5
    assert report.summary["overloaded_helpers"] == 1
    assert report.summary["migrant_broken_pairs"] == 3
    assert report.summary["households_left_uncovered"] == 2
    assert report.summary["secretaries_reached"] == 0.5
    assert set(report.views) == {
        "coverage_by_village", "coverage_by_need", "uncovered", "helper_load", "overloaded",
        "load_by_village", "robustness", "left_uncovered", "reach", "leader_contacts",
        "structure", "components"}
    data = json.loads(report.to_json())
    assert data["views"]["uncovered"][0]["household_id"] == "H5"
    assert data["views"]["uncovered"][0]["needs"] == "elderly_alone"
    path = report.to_xlsx(tmp_path / "m.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert "summary" in sheets and "coverage_by_village" in sheets
    with pytest.raises(AttributeError):
        report.summary = {}  # frozen


def test_graphs_per_mechanism_and_combined():
    ds = _ds()
    g = graphs.build_graph(ds, "one_on_one", as_of=AS_OF)
    assert isinstance(g, nx.DiGraph)
    assert sorted(g.edges()) == [("P1", "H1"), ("P1", "H2"), ("P2", "H2"), ("P2", "H3"),
                                 ("P4", "H4")]
    assert g.nodes["H1"] == {"kind": "household", "org": "V1", "village": "V1",
                             "township": "T1"}
    assert g.nodes["P1"]["kind"] == "person"
    bc = graphs.build_graph(ds, "bao_cun", as_of=AS_OF)
    assert bc.nodes["V1"]["kind"] == "org" and bc.edges["L1", "V1"]["role"] == "deputy_leader"
    full = graphs.combined_graph(ds, as_of=AS_OF)
    assert isinstance(full, nx.MultiDiGraph)
    mechs = sorted(d["mechanism"] for _, _, d in full.edges(data=True))
    assert mechs.count("one_on_one") == 5 and mechs.count("bao_cun") == 4
    assert mechs.count("two_plus_one") == 2
    everyone = graphs.build_graph(ds, "one_on_one", as_of=AS_OF, all_nodes=True)
    assert everyone.has_node("H5") and everyone.degree("H5") == 0
    elig = graphs.eligibility_graph(ds)
    assert elig.has_edge("P3", "H5") and not elig.has_edge("P3", "H1")
    assert elig.nodes["P4"]["capacity"] == 3
    with pytest.raises(UsageError):
        graphs.build_graph(ds, "mentoring")


def test_tree_and_budget_betweenness_match_networkx_on_random_forests(monkeypatch):
    """Scale path: trees by the branch formula, cyclic components exact when k is None."""
    import numpy as np

    rng = np.random.default_rng(4)
    people, households, pairs = [], [], []
    n = 0
    for comp in range(12):  # random trees and some cycles, helper -> household links
        size = int(rng.integers(3, 12))
        nodes = [f"C{comp}N{i}" for i in range(size)]
        for i in range(1, size):
            pairs.append((nodes[int(rng.integers(0, i))], nodes[i]))
        if comp % 3 == 0:
            pairs.append((nodes[0], nodes[-1]))
        n += size
    pr = [pairing(f"R{i}", a, b) for i, (a, b) in enumerate(pairs)]
    ds = dataset(orgs(["V1"]), people, households, pr)
    g = nx.Graph([(a, b) for a, b in pairs])
    expected = nx.betweenness_centrality(g)
    monkeypatch.setattr(metrics, "EXACT_BETWEENNESS_NODES", 3)
    st = metrics.structure(ds, as_of=AS_OF, k=None).set_index("node")["betweenness"]
    for node, value in expected.items():
        assert st[node] == pytest.approx(value, abs=1e-8)
    sampled = metrics.structure(ds, as_of=AS_OF, k=2, seed=1).set_index("node")["betweenness"]
    again = metrics.structure(ds, as_of=AS_OF, k=2, seed=1).set_index("node")["betweenness"]
    pd.testing.assert_series_equal(sampled, again)  # seeded: reproducible
    trees = [v for v in expected if not v.startswith(("C0N", "C3N", "C6N", "C9N"))]
    for node in trees:  # trees stay exact even when sampling
        assert sampled[node] == pytest.approx(expected[node], abs=1e-8)
