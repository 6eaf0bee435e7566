"""The one-on-one planner: optimality, constraints, reasons, determinism, re-planning."""

from __future__ import annotations

import itertools
import json

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from networks_fixtures import AS_OF, dataset, household, orgs, pairing, person

from pbkit.errors import UsageError
from pbkit.networks import eligibility as el
from pbkit.networks.mechanisms import get_mechanism
from pbkit.networks.planner import plan

NEEDS = ["elderly_alone", "disabled", "low_income", "left_behind_child", "chronic_illness"]
SKILLS = ["medical", "elder_care", "agriculture", "tutoring", "legal", ""]


# --------------------------------------------------------------------------- instances

@st.composite
def instances(draw, max_h=5, max_p=3, villages=("V1", "V2")):
    n_h = draw(st.integers(0, max_h))
    n_p = draw(st.integers(0, max_p))
    coords = {v: (draw(st.floats(0, 4)), draw(st.floats(0, 4))) for v in villages}
    people = []
    for i in range(n_p):
        people.append(person(
            f"P{i}", draw(st.sampled_from(villages)), capacity=draw(st.integers(0, 2)),
            birth_year=draw(st.integers(1940, 2000)), migrant=draw(st.booleans()),
            skills=draw(st.sampled_from(SKILLS))))
    hh = []
    for i in range(n_h):
        needs = draw(st.lists(st.sampled_from(NEEDS), min_size=1, max_size=2, unique=True))
        hh.append(household(f"H{i}", draw(st.sampled_from(villages)), ";".join(needs),
                            x_km=draw(st.floats(0, 4)), y_km=draw(st.floats(0, 4))))
    existing = []
    if n_h and n_p:
        for k in range(draw(st.integers(0, 3))):
            existing.append(pairing(f"R{k}", f"P{draw(st.integers(0, n_p - 1))}",
                                    f"H{draw(st.integers(0, n_h - 1))}"))
    return dataset(orgs(villages, coords=coords), people, hh, existing)


def _edge_costs(ds, radius_km=None):
    """{(person_id, household_id): integer cost} of every eligible pair (independent path)."""
    mech = get_mechanism("one_on_one")
    helpers = el.helper_pool(ds, mech, AS_OF)
    needy = el.needy_pool(ds, mech, AS_OF)
    scope = "radius" if radius_km is not None else mech.scope
    edges = el.one_on_one_edges(helpers, needy, scope, radius_km)
    cost = el.one_on_one_costs(helpers, needy, edges, mech)["cost"]
    pid = helpers["person_id"].to_numpy(dtype=object)
    hid = needy["household_id"].to_numpy(dtype=object)
    caps = dict(zip(helpers["person_id"], helpers["capacity"].astype(int)))
    out = {(pid[p], hid[h]): int(np.rint(c * 100))
           for h, p, c in zip(edges.household, edges.helper, cost)}
    return out, caps, list(hid)


def _brute_force(ds, radius_km=None, existing=frozenset()):
    """Best (covered, kept, -cost) over every feasible assignment, by enumeration."""
    costs, caps, households = _edge_costs(ds, radius_km)
    options = [[None] + sorted(p for (p, h) in costs if h == hh) for hh in households]
    best = None
    for choice in itertools.product(*options):
        load: dict[str, int] = {}
        ok = True
        for p in choice:
            if p is not None:
                load[p] = load.get(p, 0) + 1
                if load[p] > caps[p]:
                    ok = False
                    break
        if not ok:
            continue
        pairs = [(p, h) for p, h in zip(choice, households) if p is not None]
        key = (len(pairs), sum((p, h) in existing for p, h in pairs),
               -sum(costs[ph] for ph in pairs))
        if best is None or key > best:
            best = key
    return best


def _plan_key(result, existing=frozenset()):
    pairs = list(zip(result.pairs["source_id"], result.pairs["target_id"]))
    cost = int(np.rint(result.pairs["cost"].to_numpy() * 100).sum())
    return (len(pairs), sum(pr in existing for pr in pairs), -cost)


# --------------------------------------------------------------------------- optimality

@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_plan_is_optimal_against_brute_force(ds):
    result = plan(ds, "one_on_one", as_of=AS_OF)
    best = _brute_force(ds)
    assert (_plan_key(result)[0], _plan_key(result)[2]) == (best[0], best[2])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_h=4, max_p=3, villages=("V1", "V2", "V3")), st.floats(0.5, 4.0))
def test_radius_plan_is_optimal_against_brute_force(ds, radius):
    result = plan(ds, "one_on_one", radius_km=radius, as_of=AS_OF)
    best = _brute_force(ds, radius_km=radius)
    key = _plan_key(result)
    assert (key[0], key[2]) == (best[0], best[2])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_keep_existing_is_lexicographically_optimal(ds):
    """Coverage first, then the most existing pairs kept (fewest changes), then cost."""
    existing = set(zip(ds.pairings["source_id"], ds.pairings["target_id"]))
    result = plan(ds, "one_on_one", keep_existing=True, as_of=AS_OF)
    assert _plan_key(result, existing) == _brute_force(ds, existing=existing)
    o = result.objective
    assert o["changes"] == o["added"] + o["dropped"]
    assert o["kept"] == int((result.pairs["status"] == "kept").sum())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_h=6, max_p=4))
def test_capacities_and_eligibility_never_violated(ds):
    result = plan(ds, "one_on_one", as_of=AS_OF)
    costs, caps, _ = _edge_costs(ds)
    load = result.pairs["source_id"].value_counts()
    for pid, n in load.items():
        assert n <= caps[pid]
    for p, h in zip(result.pairs["source_id"], result.pairs["target_id"]):
        assert (p, h) in costs
    assert result.pairs["target_id"].is_unique
    people = ds.people.set_index("person_id")["org_id"]
    homes = ds.households.set_index("household_id")["org_id"]
    assert all(people[p] == homes[h] for p, h in zip(result.pairs["source_id"],
                                                     result.pairs["target_id"]))
    assert all(result.pairs["reason"].str.len() > 0)
    assert all(result.uncovered["reason"].str.len() > 0)
    assert len(result.pairs) + len(result.uncovered) == len(ds.households)


def _medium(seed=3, villages=4, n_h=60, n_p=25):
    rng = np.random.default_rng(seed)
    vs = [f"V{i}" for i in range(villages)]
    coords = {v: (float(rng.uniform(0, 10)), float(rng.uniform(0, 10))) for v in vs}
    people = [person(f"P{i:02d}", vs[rng.integers(villages)], capacity=int(rng.integers(0, 4)),
                     birth_year=int(rng.integers(1940, 1995)), migrant=bool(rng.random() < 0.2),
                     skills=SKILLS[rng.integers(len(SKILLS))]) for i in range(n_p)]
    hh = [household(f"H{i:03d}", vs[rng.integers(villages)], NEEDS[rng.integers(len(NEEDS))],
                    x_km=float(rng.uniform(0, 10)), y_km=float(rng.uniform(0, 10)))
          for i in range(n_h)]
    pr = [pairing(f"R{i}", f"P{rng.integers(n_p):02d}", f"H{rng.integers(n_h):03d}")
          for i in range(20)]
    return dataset(orgs(vs, coords=coords), people, hh, pr)


@pytest.mark.parametrize("radius", [None, 2.5])
def test_coverage_equals_maximum_flow_of_the_eligibility_graph(radius):
    ds = _medium()
    costs, caps, households = _edge_costs(ds, radius)
    g = nx.DiGraph()
    for h in households:
        g.add_edge("s", ("h", h), capacity=1)
    for (p, h) in costs:
        g.add_edge(("h", h), ("p", p), capacity=1)
    for p, c in caps.items():
        g.add_edge(("p", p), "t", capacity=c)
    flow = nx.maximum_flow_value(g, "s", "t") if costs else 0
    result = plan(ds, "one_on_one", radius_km=radius, as_of=AS_OF)
    assert result.objective["covered"] == flow
    assert flow > 0


def test_cost_terms_follow_the_documented_formula():
    """distance 3-4-5 km, one of two needs matched, 70 years old, migrant."""
    ds = dataset(orgs(["V1"], coords={"V1": (0.0, 0.0)}),
                 [person("P1", "V1", capacity=1, birth_year=1954, migrant=True,
                         skills="medical")],
                 [household("H1", "V1", "chronic_illness;low_income", x_km=3.0, y_km=4.0)])
    result = plan(ds, "one_on_one", as_of=AS_OF)
    # 1.0*5 + 2.0*(1 - 1/2) + 0.1*(70-60) + 5.0*1 = 12.0
    assert result.pairs["cost"].tolist() == [12.0]
    cheaper = plan(ds, "one_on_one", as_of=AS_OF, weights={"migrant": 0, "helper_age": 0})
    assert cheaper.pairs["cost"].tolist() == [6.0]


def test_skill_match_and_distance_drive_the_choice():
    ds = dataset(orgs(["V1"], coords={"V1": (0.0, 0.0)}),
                 [person("P1", "V1", capacity=1, birth_year=1980, skills="tutoring"),
                  person("P2", "V1", capacity=1, birth_year=1980, skills="medical")],
                 [household("H1", "V1", "chronic_illness", x_km=0.0, y_km=0.0),
                  household("H2", "V1", "left_behind_child", x_km=0.0, y_km=0.0)])
    result = plan(ds, "one_on_one", as_of=AS_OF, lang="en")
    got = dict(zip(result.pairs["target_id"], result.pairs["source_id"]))
    assert got == {"H1": "P2", "H2": "P1"}
    assert result.pairs["reason"].tolist() == [
        "new pair; about 0.0 km away; helper has 0 of 1 places left; skills match: "
        "chronic illness",
        "new pair; about 0.0 km away; helper has 0 of 1 places left; skills match: "
        "left-behind child",
    ]


# --------------------------------------------------------------------------- reasons

def test_uncovered_reasons_name_the_cause():
    ds = dataset(orgs(["V1", "V2"], coords={"V1": (0.0, 0.0), "V2": (9.0, 0.0)}),
                 [person("P1", "V1", capacity=1, birth_year=1980)],
                 [household("H1", "V1", x_km=0.0, y_km=0.0),
                  household("H2", "V1", x_km=0.1, y_km=0.0),
                  household("H3", "V2", x_km=9.0, y_km=0.0)])
    en = plan(ds, "one_on_one", as_of=AS_OF, lang="en")
    assert en.uncovered[["target_id", "reason"]].values.tolist() == [
        ["H2", "all 1 eligible helpers are at full capacity"],
        ["H3", "no eligible helper in the village"],
    ]
    zh = plan(ds, "one_on_one", as_of=AS_OF, lang="zh")
    assert zh.uncovered["reason"].tolist() == ["符合条件的 1 名帮扶人都已满额", "本村没有符合条件的帮扶人"]
    assert zh.pairs["reason"].tolist() == ["新结对；相距约 0.0 公里；帮扶人还可再结对 0 户（容量 1 户）；特长与需求（低收入）不对口"]
    radius = plan(ds, "one_on_one", as_of=AS_OF, lang="en", radius_km=2)
    assert radius.uncovered.set_index("target_id")["reason"]["H3"] == \
        "no eligible helper within 2 km"


def test_removed_and_locked_pairs():
    ds = dataset(orgs(["V1"]),
                 [person("P1", "V1", capacity=2), person("P2", "V1", capacity=1)],
                 [household("H1", "V1"), household("H2", "V1"), household("H3", "V1")])
    result = plan(ds, "one_on_one", as_of=AS_OF, lang="en",
                  locked=[("P2", "H1")], removed=[("P1", "H1"), ("P1", "H2")])
    got = dict(zip(result.pairs["target_id"], result.pairs["source_id"]))
    assert got == {"H1": "P2", "H3": "P1"}
    assert result.pairs.set_index("target_id")["status"]["H1"] == "locked"
    assert result.pairs.set_index("target_id")["reason"]["H1"].startswith("locked as requested")
    assert result.uncovered[["target_id", "reason"]].values.tolist() == [
        ["H2", "1 eligible pair(s) were excluded and the other 1 eligible helper(s) are at "
               "full capacity"]]
    only_removed = plan(ds, "one_on_one", as_of=AS_OF, lang="en",
                        removed=[("P1", "H2"), ("P2", "H2")])
    assert only_removed.uncovered[["target_id", "reason"]].values.tolist() == [
        ["H2", "all 2 eligible pairs were excluded"]]
    with pytest.raises(UsageError) as err:
        plan(ds, "one_on_one", locked=[("P2", "H1"), ("P2", "H2")])
    assert err.value.render("en") == "locked pairs exceed the capacity of P2 (1)"
    with pytest.raises(UsageError) as err:
        plan(ds, "one_on_one", locked=[("P1", "H9")])
    assert err.value.render("en") == \
        "locked pair target H9 is not among the targets of this mechanism"
    with pytest.raises(UsageError) as err:
        plan(ds, "one_on_one", locked=[("PX", "H1")])
    assert err.value.render("en") == "locked pair source PX is not in the people table"


def test_bad_arguments_are_refused_with_one_clear_message():
    ds = dataset(orgs(["V1"]))
    with pytest.raises(UsageError) as err:
        plan(ds, "mentoring")
    assert err.value.render("en") == ("unknown pairing mechanism mentoring (choose from "
                                      "one_on_one, two_plus_one, bao_cun, branch_pair, "
                                      "study_help)")
    with pytest.raises(UsageError) as err:
        plan(ds, "one_on_one", radius_km=-1)
    assert err.value.render("en") == "radius -1.0 is invalid; give a number of km greater than 0"
    with pytest.raises(UsageError) as err:
        plan(ds, "one_on_one", weights={"height": 1})
    assert "unknown cost weight height" in err.value.render("en")
    with pytest.raises(UsageError) as err:
        plan(ds, "one_on_one", weights={"migrant": -2})
    assert err.value.render("en") == \
        "cost weight migrant has invalid value -2; it must be a number >= 0"


# --------------------------------------------------------------------------- determinism

def test_same_input_same_plan_even_with_rows_shuffled():
    ds = _medium(seed=11)
    a = plan(ds, "one_on_one", as_of=AS_OF)
    b = plan(ds, "one_on_one", as_of=AS_OF)
    assert a.to_json() == b.to_json()
    shuffled = ds.replace(people=ds.people.sample(frac=1, random_state=1),
                          households=ds.households.sample(frac=1, random_state=2))
    c = plan(shuffled, "one_on_one", as_of=AS_OF)
    assert c.to_json() == a.to_json()


def test_keep_existing_keeps_every_valid_pair_it_can():
    """Helpers leave; the pairs of those who stay are all kept and coverage is still max."""
    people = [person(f"P{i}", "V1", capacity=2, birth_year=1980) for i in range(4)]
    hh = [household(f"H{i}", "V1") for i in range(8)]
    existing = [pairing(f"R{i}", f"P{i // 2}", f"H{i}") for i in range(8)]
    ds = dataset(orgs(["V1"]), people, hh, existing)
    left = ds.replace(people=ds.people[ds.people["person_id"] != "P3"].reset_index(drop=True))
    result = plan(left, "one_on_one", keep_existing=True, as_of=AS_OF)
    kept = set(zip(result.pairs["source_id"], result.pairs["target_id"]))
    assert {(f"P{i // 2}", f"H{i}") for i in range(6)} <= kept
    assert result.objective["covered"] == 6
    assert result.objective["kept"] == 6
    assert result.objective["dropped"] == 2  # P3's pairs
    assert result.objective["changes"] == 2
    fresh = plan(left, "one_on_one", as_of=AS_OF)
    assert fresh.objective["covered"] == 6


def test_keep_existing_gives_way_to_coverage():
    """An existing pair is dropped when keeping it would leave a household uncovered."""
    ds = dataset(orgs(["V1", "V2"]),
                 [person("P1", "V1", capacity=1), person("P2", "V2", capacity=1)],
                 [household("H1", "V1"), household("H2", "V1")],
                 [pairing("R1", "P1", "H1")])
    # H2 can only be reached by P1 with a 10 km radius; H1 could also use P2
    ds = ds.replace(orgs=orgs(["V1", "V2"], coords={"V1": (0.0, 0.0), "V2": (3.0, 0.0)}).pipe(
        lambda f: ds.orgs.assign(x_km=f["x_km"].astype(float), y_km=f["y_km"].astype(float))))
    hh = ds.households.assign(x_km=[1.0, -2.0], y_km=[0.0, 0.0])
    ds = ds.replace(households=hh)
    result = plan(ds, "one_on_one", keep_existing=True, radius_km=2.5, as_of=AS_OF)
    assert result.objective["covered"] == 2
    assert set(zip(result.pairs["source_id"], result.pairs["target_id"])) == {
        ("P1", "H2"), ("P2", "H1")}
    assert result.objective["kept"] == 0


def test_inactive_pairs_are_not_existing():
    ds = dataset(orgs(["V1"]), [person("P1", "V1", capacity=1), person("P2", "V1", capacity=1)],
                 [household("H1", "V1")],
                 [pairing("R1", "P2", "H1", status="ended"),
                  pairing("R2", "P2", "H1", end="2020-01-01")])
    result = plan(ds, "one_on_one", keep_existing=True, as_of=AS_OF)
    assert result.objective["existing_pairs"] == 0
    assert result.pairs["source_id"].tolist() == ["P1"]  # tie broken by id


# --------------------------------------------------------------------------- output

def test_to_json_has_exactly_the_documented_shape(tmp_path):
    ds = _medium(seed=5)
    result = plan(ds, "one_on_one", as_of=AS_OF)
    data = json.loads(result.to_json())
    assert set(data) == {"mechanism", "objective", "pairs", "uncovered"}
    assert data["mechanism"] == "one_on_one"
    assert all(set(p) == {"source_id", "target_id", "cost", "reason"} for p in data["pairs"])
    assert all(set(u) == {"target_id", "reason"} for u in data["uncovered"])
    assert data["objective"]["covered"] == len(data["pairs"])
    path = result.write(tmp_path / "plan.json")
    assert json.loads(path.read_text(encoding="utf-8")) == data
    csv = pd.read_csv(result.write(tmp_path / "plan.csv"), encoding="utf-8-sig")
    assert list(csv.columns) == ["source_id", "target_id", "cost", "reason"]
    assert len(csv) == len(data["pairs"]) + len(data["uncovered"])
    assert csv["source_id"].isna().sum() == len(data["uncovered"])
    # the workbook is the township's (labelled sheets, title block of 5 lines + 1 blank)
    xl = pd.read_excel(result.write(tmp_path / "plan.xlsx"), sheet_name=None, header=6)
    assert list(xl) == ["结对名单", "未覆盖的困难户", "方案汇总"]
    assert list(xl["结对名单"].columns) == ["序号", "村", "帮扶人", "困难户", "距离（公里）",
                                          "状态", "说明"]
    assert len(xl["结对名单"]) == len(data["pairs"])
    with pytest.raises(UsageError) as err:
        result.write(tmp_path / "plan.txt")
    assert err.value.render("en").endswith("the output file must end in .json, .csv, .xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.csv", "plan.json", "plan.xlsx"]


@pytest.mark.parametrize("radius", [None, 2.5])
@pytest.mark.parametrize("keep", [False, True])
def test_sparse_fallback_for_large_components_reaches_the_same_optimum(monkeypatch, radius,
                                                                       keep):
    """Components too large for a dense matrix use LAPJVsp on the edge list: same optimum."""
    import pbkit.networks.planner as planner

    ds = _medium(seed=8)
    existing = set(zip(ds.pairings["source_id"], ds.pairings["target_id"]))
    dense = plan(ds, "one_on_one", radius_km=radius, keep_existing=keep, as_of=AS_OF,
                 removed=[("P01", "H001")], locked=[("P02", "H003")])
    monkeypatch.setattr(planner, "DENSE_LIMIT", 1)
    sparse = plan(ds, "one_on_one", radius_km=radius, keep_existing=keep, as_of=AS_OF,
                  removed=[("P01", "H001")], locked=[("P02", "H003")])
    assert _plan_key(sparse, existing) == _plan_key(dense, existing)
    assert sparse.uncovered["reason"].tolist() == dense.uncovered["reason"].tolist()
    assert ("P01", "H001") not in set(zip(sparse.pairs["source_id"], sparse.pairs["target_id"]))
