"""Group mechanisms: 2+1 mentoring, bao-cun teams, branch pairs, study help."""

from __future__ import annotations

import itertools

import pytest
from networks_fixtures import AS_OF, dataset, household, orgs, pairing, person

from pbkit.errors import UsageError
from pbkit.networks.planner import plan

VILLAGES = ["V1", "V2", "V3", "V4"]
COORDS = {"T1": (0.0, 0.0), "V1": (1.0, 0.0), "V2": (2.0, 0.0), "V3": (3.0, 0.0),
          "V4": (4.0, 0.0)}


def _township(leaders=2, cadres=4):
    people = [person(f"L{i}", "T1", "township_leader") for i in range(leaders)]
    people += [person(f"A{i}", "T1", "agency_cadre") for i in range(cadres)]
    return people


def test_bao_cun_gives_each_village_one_leader_and_two_cadres_within_limits():
    ds = dataset(orgs(VILLAGES, coords=COORDS), _township(2, 4))
    result = plan(ds, "bao_cun", as_of=AS_OF, lang="en")
    roles = result.pairs.groupby("target_id")["role"].apply(sorted).to_dict()
    assert roles == {v: ["agency_cadre", "agency_cadre", "deputy_leader"] for v in VILLAGES}
    load = result.pairs["source_id"].value_counts()
    # balanced: 4 villages over 2 leaders and 8 cadre places over 4 cadres (limit 2)
    assert sorted(load[["L0", "L1"]].tolist()) == [2, 2]
    assert load[[f"A{i}" for i in range(4)]].tolist() == [2, 2, 2, 2]
    # no cadre twice in one village
    assert not result.pairs.duplicated(["source_id", "target_id"]).any()
    assert result.objective["slots_filled"] == result.objective["slots_needed"] == 12
    assert result.uncovered.empty
    assert all(result.pairs["reason"].str.contains("this person serves"))


def test_bao_cun_shortage_is_explained():
    ds = dataset(orgs(VILLAGES, coords=COORDS), _township(1, 1))
    result = plan(ds, "bao_cun", as_of=AS_OF, lang="en")
    # one leader (limit 4) covers every village; one cadre (limit 2) two places
    assert result.objective["slots_filled"] == 4 + 2
    reasons = dict(zip(result.uncovered["target_id"], result.uncovered["reason"]))
    assert len(reasons) == 4
    assert sorted(reasons.values()).count(
        "agency cadre: 2 missing, all 1 eligible people are at their limit (2 each)") == 2
    assert sorted(reasons.values()).count(
        "agency cadre: 1 missing, all 1 eligible people are at their limit (2 each)") == 2
    nobody = dataset(orgs(VILLAGES, coords=COORDS), [])
    unc = plan(nobody, "bao_cun", as_of=AS_OF, lang="en").uncovered
    assert unc["reason"].iloc[0] == ("deputy leader: 1 missing, nobody eligible in the township; "
                                     "agency cadre: 2 missing, nobody eligible in the township")


def test_bao_cun_leaders_serve_their_own_township_only():
    frame = orgs(["V1", "V2"], towns=("T1", "T2"))
    ds = dataset(frame, [person("L1", "T1", "township_leader"),
                         person("A1", "T1", "agency_cadre"), person("A2", "T1", "agency_cadre")])
    result = plan(ds, "bao_cun", as_of=AS_OF, lang="en")
    assert set(result.pairs["target_id"]) == {"V1"}
    assert result.uncovered["target_id"].tolist() == ["V2"]


def _two_plus_one_people():
    return [
        person("L1", "T1", "township_leader"),
        person("S1", "V1", "secretary", role_since=2010),  # experienced
        person("S2", "V2", "secretary", role_since=2023),  # newly appointed: a target
        person("S3", "V3", "secretary", role_since=2015),  # experienced
        person("S4", "V4", "secretary", join_year=1990),  # role unknown, 34 party years
        person("O1", "V3", "student_official"),
        person("M1", "V1", "member"),
    ]


def test_two_plus_one_default_composition():
    ds = dataset(orgs(VILLAGES, coords=COORDS), _two_plus_one_people())
    result = plan(ds, "two_plus_one", as_of=AS_OF, lang="en")
    groups = {tg: dict(zip(g["role"], g["source_id"])) for tg, g in
              result.pairs.groupby("target_id")}
    assert set(groups) == {"S2", "O1"}  # the new secretary and the student official
    assert groups["O1"]["township_mentor"] == "L1"
    assert groups["S2"]["township_mentor"] == "L1"
    # experienced secretaries: S1 (14 years), S3 (9 years), S4 (unknown role, 34 party years)
    assert groups["O1"]["secretary_mentor"] == "S3"  # same village, nearest
    assert groups["S2"]["secretary_mentor"] in {"S1", "S3"}
    assert result.objective["covered"] == 2
    assert result.pairs.groupby("target_id")["group_id"].nunique().eq(1).all()
    assert not (result.pairs["source_id"] == result.pairs["target_id"]).any()


def test_two_plus_one_limit_and_missing_mentor_reason():
    people = [person("L1", "T1", "township_leader")] + [
        person(f"O{i}", "V1", "student_official") for i in range(4)]
    ds = dataset(orgs(VILLAGES, coords=COORDS), people)
    result = plan(ds, "two_plus_one", as_of=AS_OF, lang="en")
    assert (result.pairs["source_id"] == "L1").sum() == 3  # limit 3 per township leader
    reasons = result.uncovered.set_index("target_id")["reason"]
    assert len(reasons) == 4
    assert reasons.iloc[0].startswith(
        "experienced village secretary: 1 missing, nobody eligible in the township")
    assert any("township team member: 1 missing, all 1 eligible people are at their limit (3 "
               "each)" in r for r in reasons)


def test_two_plus_one_keep_existing_and_locked():
    people = _two_plus_one_people() + [person("L2", "T1", "township_leader")]
    existing = [pairing("G1", "L2", "O1", "two_plus_one", role="township_mentor",
                        group_id="grp-1"),
                pairing("G2", "S1", "O1", "two_plus_one", role="secretary_mentor",
                        group_id="grp-1")]
    ds = dataset(orgs(VILLAGES, coords=COORDS), people, pairings=existing)
    kept = plan(ds, "two_plus_one", keep_existing=True, as_of=AS_OF)
    o1 = kept.pairs[kept.pairs["target_id"] == "O1"]
    assert set(o1["source_id"]) == {"L2", "S1"}
    assert set(o1["status"]) == {"kept"}
    assert set(o1["group_id"]) == {"grp-1"}
    locked = plan(ds, "two_plus_one", locked=[("S4", "S2")], as_of=AS_OF)
    s2 = locked.pairs[locked.pairs["target_id"] == "S2"].set_index("role")
    assert s2.loc["secretary_mentor", "source_id"] == "S4"
    assert s2.loc["secretary_mentor", "status"] == "locked"
    with pytest.raises(UsageError) as err:
        plan(ds, "two_plus_one", locked=[("M1", "S2")], as_of=AS_OF)
    assert err.value.render("en") == ("locked pair source M1 does not qualify for this "
                                      "mechanism (role or capacity)")


def test_branch_pair_pairs_advanced_with_weak_branches_by_distance():
    ds = dataset(orgs(VILLAGES, coords=COORDS, weak=("V1", "V4")))
    result = plan(ds, "branch_pair", as_of=AS_OF)
    got = dict(zip(result.pairs["target_id"], result.pairs["source_id"]))
    # nearest advanced branches, each advanced branch at most once (limit 1)
    assert got == {"V1": "V2", "V4": "V3"}
    assert result.objective["total_cost"] == 2.0


def test_study_help_pairs_backbone_with_older_members_in_the_same_branch():
    people = [person("B1", "V1", "member", birth_year=1990, education="college"),
              person("E1", "V1", "member", birth_year=1950),
              person("E2", "V1", "member", birth_year=1990, education="primary"),
              person("E3", "V2", "member", birth_year=1945),
              person("Y1", "V1", "member", birth_year=1990, education="college")]
    ds = dataset(orgs(VILLAGES, coords=COORDS), people)
    result = plan(ds, "study_help", as_of=AS_OF, lang="en")
    pairs = set(zip(result.pairs["source_id"], result.pairs["target_id"]))
    targets = {tg for _, tg in pairs}
    assert targets == {"E1", "E2"}
    assert all(s in {"B1", "Y1"} for s, _ in pairs)
    assert result.uncovered["target_id"].tolist() == ["E3"]
    assert result.uncovered["reason"].tolist() == [
        "backbone member: 1 missing, nobody eligible in the organisation"]
    # balanced: two backbone members share the two targets
    assert sorted(result.pairs["source_id"].value_counts().tolist()) == [1, 1]


@pytest.mark.parametrize("mechanism", ["two_plus_one", "bao_cun", "branch_pair", "study_help"])
def test_group_plans_are_deterministic_and_explained(mechanism):
    people = _township(3, 5) + _two_plus_one_people() + [
        person(f"E{i}", VILLAGES[i % 4], "member", birth_year=1950) for i in range(6)]
    ds = dataset(orgs(VILLAGES, coords=COORDS, weak=("V2",)), people,
                 [household("H1", "V1")])
    a = plan(ds, mechanism, as_of=AS_OF, lang="zh")
    b = plan(ds, mechanism, as_of=AS_OF, lang="zh")
    assert a.to_json() == b.to_json()
    assert all(a.pairs["reason"].str.len() > 0)
    assert all(a.uncovered["reason"].str.len() > 0)


def test_balanced_bao_cun_is_optimal_for_load_spread():
    """With 3 leaders and 4 villages, the max load is the smallest possible (2)."""
    ds = dataset(orgs(VILLAGES, coords=COORDS), _township(3, 8))
    result = plan(ds, "bao_cun", as_of=AS_OF)
    leaders = result.pairs[result.pairs["role"] == "deputy_leader"]["source_id"].value_counts()
    assert leaders.max() == 2 and leaders.sum() == 4
    best = min(max(c.count(x) for x in set(c))
               for c in itertools.product(range(3), repeat=4))
    assert leaders.max() == best


def test_scarce_cadres_are_spread_over_villages_first():
    """3 villages, 2 cadres with 2 places each: every village gets at least one cadre."""
    ds = dataset(orgs(VILLAGES[:3], coords=COORDS), _township(1, 2))
    result = plan(ds, "bao_cun", as_of=AS_OF)
    cadres = result.pairs[result.pairs["role"] == "agency_cadre"]
    assert sorted(cadres.groupby("target_id").size().tolist()) == [1, 1, 2]
    assert result.objective["slots_filled"] == 3 + 4
