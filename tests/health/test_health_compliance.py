"""Meeting-rule compliance, calendar and perfunctory flags on hand-built data."""

from __future__ import annotations

import pandas as pd
import pytest
from health_frames import known_dataset, meetings, person
from hypothesis import given, settings
from hypothesis import strategies as st

from pbkit.data.dataset import Dataset
from pbkit.errors import UsageError
from pbkit.health.compliance import (
    compliance,
    compliance_summary,
    meeting_calendar,
    perfunctory,
)
from pbkit.health.rules import load_rules


@pytest.fixture(scope="module")
def ds():
    return known_dataset()


def _row(summary, org, kind):
    sel = summary[(summary["org_id"] == org) & (summary["kind"] == kind)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_branch_missing_exactly_two_committee_meetings(ds):
    s = compliance_summary(ds, year=2024)
    row = _row(s, "V2", "committee_meeting")
    assert (row["required"], row["held"], row["missing"], row["periods_missed"]) == (12, 10, 2, 2)
    assert row["completion"] == pytest.approx(10 / 12)
    # every other kind of V2 is complete
    other = s[(s["org_id"] == "V2") & (s["kind"] != "committee_meeting")]
    assert other["missing"].sum() == 0
    per = compliance(ds, year=2024)
    miss = per[(per["org_id"] == "V2") & (per["missing"] > 0)]
    assert miss["period"].tolist() == ["2024-11", "2024-12"]
    assert miss["kind"].unique().tolist() == ["committee_meeting"]


def test_required_counts_follow_frequency_and_levels(ds):
    s = compliance_summary(ds, year=2024)
    req = s[s["org_id"] == "V1"].set_index("kind")["required"].to_dict()
    assert req == {"general_meeting": 4, "committee_meeting": 12, "group_meeting": 12,
                   "party_lesson": 4, "activity_day": 12, "org_life_meeting": 1,
                   "democratic_appraisal": 1}
    # township T1 is no branch; V3 with no meeting at all still has rows, all missing.
    # V3 has 4 full members: no branch committee (under 7) and no party groups, so it owes
    # no committee or group meeting (支部工作条例 2018): 4 + 4 + 12 + 1 + 1 = 22
    assert "T1" not in set(s["org_id"])
    v3 = s[s["org_id"] == "V3"]
    assert v3["missing"].sum() == 22 and v3["held"].sum() == 0
    assert not {"committee_meeting", "group_meeting"} & set(v3["kind"])
    assert v3["attendance_rate"].isna().all()


def test_extra_meeting_does_not_make_up_for_a_missing_one():
    acts = meetings("V1", kinds=["committee_meeting"], skip=(("committee_meeting", 4),))
    acts.append({"activity_id": "EXTRA", "org_id": "V1", "kind": "committee_meeting",
                 "date": "2024-03-28", "expected": 10, "attended": 10})
    ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
                             activities=pd.DataFrame(acts))
    row = _row(compliance_summary(ds, year=2024), "V1", "committee_meeting")
    assert (row["required"], row["held"], row["missing"]) == (12, 12, 1)


def test_attendance_rate_is_attended_over_expected():
    acts = [{"activity_id": f"A{i}", "org_id": "V1", "kind": "general_meeting",
             "date": f"2024-{m:02d}-10", "expected": e, "attended": a}
            for i, (m, e, a) in enumerate([(1, 10, 9), (4, 10, 5), (7, 20, 20), (10, 10, 6)])]
    ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
                             activities=pd.DataFrame(acts))
    row = _row(compliance_summary(ds, year=2024), "V1", "general_meeting")
    assert row["attendance_rate"] == pytest.approx(40 / 50)
    assert bool(row["attendance_ok"]) is True  # 0.8 >= min_attendance 0.8
    per = compliance(ds, year=2024)
    per = per[per["kind"] == "general_meeting"]
    assert per["low_attendance"].tolist() == [False, True, False, True]


def test_as_of_leaves_out_periods_not_yet_due(ds):
    s = compliance_summary(ds, year=2024, as_of="2024-06-15")
    row = _row(s, "V2", "committee_meeting")
    assert row["required"] == 6
    assert _row(s, "V3", "general_meeting")["required"] == 2
    # the yearly period has started: it is due
    assert _row(s, "V3", "org_life_meeting")["required"] == 1


def test_year_defaults_to_latest_activity_year(ds):
    assert compliance_summary(ds)["required"].sum() == compliance_summary(
        ds, year=2024)["required"].sum()
    # a year with no data: everything missing, nothing held
    s = compliance_summary(ds, year=2023)
    assert s["held"].sum() == 0 and s["missing"].sum() == s["required"].sum()


def test_bad_year_is_a_usage_error(ds):
    with pytest.raises(UsageError) as exc:
        compliance(ds, year=1800)
    assert exc.value.render("en") == "invalid year 1800 (expected 1921 to 2200)"


def test_meeting_calendar_grid(ds):
    cal = meeting_calendar(ds, "V2", 2024)
    assert cal["month"].tolist() == list(range(1, 13))
    assert list(cal.columns[1:]) == ["general_meeting", "committee_meeting", "group_meeting",
                                     "party_lesson", "activity_day", "org_life_meeting",
                                     "democratic_appraisal"]
    assert cal["committee_meeting"].tolist() == [1] * 10 + [0, 0]
    assert cal["general_meeting"].tolist() == [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    assert int(cal.loc[cal.month == 12, "org_life_meeting"].iloc[0]) == 1
    assert meeting_calendar(ds, "V3", 2024).drop(columns="month").to_numpy().sum() == 0


def test_meeting_calendar_unknown_org(ds):
    with pytest.raises(UsageError) as exc:
        meeting_calendar(ds, "NOPE", 2024)
    assert exc.value.render("en") == "no organisation NOPE in the data"


def test_user_rules_change_compliance(tmp_path, ds):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "meetings:\n"
        "  - kind: committee_meeting\n"
        "    frequency: quarterly\n"
        "  - kind: party_lesson\n"
        "    frequency: quarterly\n"
        "    times: 2\n"
        "    levels: [enterprise]\n", encoding="utf-8")
    s = compliance_summary(ds, year=2024, rules=rules)
    assert set(s["kind"]) == {"committee_meeting", "party_lesson"}
    # quarterly committee meetings: V2 held them in every quarter, nothing missing now
    assert _row(s, "V2", "committee_meeting")["missing"] == 0
    assert _row(s, "V2", "committee_meeting")["required"] == 4
    # party lessons twice a quarter apply to the enterprise only; it held 1 per quarter
    lessons = s[s["kind"] == "party_lesson"]
    assert lessons["org_id"].tolist() == ["E1"]
    assert (lessons["required"].iloc[0], lessons["missing"].iloc[0]) == (8, 4)


# ---- perfunctory ------------------------------------------------------------------------
def _perf_ds(acts, people=None) -> Dataset:
    frames = {"orgs": pd.DataFrame({"org_id": ["V1", "V2"], "level": ["village", "village"]}),
              "activities": pd.DataFrame(acts)}
    if people is not None:
        frames["people"] = pd.DataFrame(people)
    return Dataset.from_frames(**frames)


def test_perfunctory_same_attendance_and_same_day():
    acts = (meetings("V1", kinds=["committee_meeting", "activity_day"], attended=7, days=15)
            + meetings("V2", kinds=["committee_meeting", "activity_day"]))
    out = perfunctory(_perf_ds(acts), year=2024, lang="en")
    assert out["org_id"].unique().tolist() == ["V1"]
    assert out[["kind", "reason", "n_meetings", "value"]].values.tolist() == [
        ["all", "same_attendance", 24, "7"], ["all", "same_day_of_month", 24, "15"]]
    assert out["message"].iloc[0] == "all 24 meetings record the same attendance (7)"


def test_perfunctory_same_attendance_within_one_kind():
    acts = (meetings("V1", kinds=["committee_meeting"], attended=5)
            + meetings("V1", kinds=["activity_day"], start=50))
    out = perfunctory(_perf_ds(acts), year=2024)
    assert out[["org_id", "kind", "reason"]].values.tolist() == [
        ["V1", "committee_meeting", "same_attendance"]]


def test_perfunctory_full_attendance_with_migrants():
    people = [person(f"P{i}", "V1", migrant=i < 3) for i in range(10)]
    acts = meetings("V1", kinds=["committee_meeting"], attended=10)
    acts = [{**a, "attended": 10 - (k % 2), "expected": 10 - (k % 2)}
            for k, a in enumerate(acts)]
    out = perfunctory(_perf_ds(acts, people), year=2024, lang="en")
    assert out[["org_id", "reason", "value"]].values.tolist() == [
        ["V1", "full_attendance_with_migrants", "3"]]
    assert "3 migrant members" in out["message"].iloc[0]
    # the same records without migrant members are not suspicious
    people = [person(f"P{i}", "V1") for i in range(10)]
    assert perfunctory(_perf_ds(acts, people), year=2024).empty


def test_perfunctory_bundled_dates():
    acts = []
    for m in range(1, 13):
        for k, kind in enumerate(("committee_meeting", "group_meeting", "activity_day")):
            acts.append({"activity_id": f"A{m}-{k}", "org_id": "V2", "kind": kind,
                         "date": f"2024-{m:02d}-{(m * 2) % 27 + 1:02d}", "expected": 10,
                         "attended": 6 + (m + k) % 4})
    out = perfunctory(_perf_ds(acts), year=2024)
    assert out[["org_id", "reason", "value"]].values.tolist() == [["V2", "bundled_dates",
                                                                     "100%"]]


def test_perfunctory_needs_enough_meetings():
    acts = meetings("V1", kinds=["general_meeting"], attended=7, days=15)[:3]
    assert perfunctory(_perf_ds(acts), year=2024).empty


def test_perfunctory_rule_switches(tmp_path):
    acts = meetings("V1", kinds=["committee_meeting", "activity_day"], attended=7, days=15)
    rules = tmp_path / "r.yaml"
    rules.write_text("perfunctory:\n  same_attendance: false\n", encoding="utf-8")
    out = perfunctory(_perf_ds(acts), year=2024, rules=rules)
    assert out["reason"].tolist() == ["same_day_of_month"]


# ---- property: per-period counting matches a brute-force oracle ----------------------------

_KIND_STEP = {"general_meeting": 3, "committee_meeting": 1, "group_meeting": 1,
              "party_lesson": 3, "activity_day": 1, "org_life_meeting": 12,
              "democratic_appraisal": 12}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["V1", "V2"]), st.sampled_from(sorted(_KIND_STEP)),
                          st.integers(1, 12), st.integers(1, 28), st.integers(0, 3)),
                max_size=60))
def test_missing_matches_brute_force(rows):
    acts = pd.DataFrame([{"activity_id": f"A{i}", "org_id": org, "kind": kind,
                          "date": f"2024-{m:02d}-{d:02d}", "expected": 3, "attended": a}
                         for i, (org, kind, m, d, a) in enumerate(rows)],
                        columns=["activity_id", "org_id", "kind", "date", "expected",
                                 "attended"])
    ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1", "V2"], "level": "village"}),
                             activities=acts)
    s = compliance_summary(ds, year=2024).set_index(["org_id", "kind"])
    for org in ("V1", "V2"):
        for kind, step in _KIND_STEP.items():
            held = [0] * (12 // step)
            for o, k, m, _d, _a in rows:
                if o == org and k == kind:
                    held[(m - 1) // step] += 1
            row = s.loc[(org, kind)]
            assert row["required"] == len(held)
            assert row["held"] == sum(held)
            assert row["missing"] == sum(1 for h in held if h == 0)
            att = [a for o, k, _m, _d, a in rows if o == org and k == kind]
            if att:
                assert row["attendance_rate"] == pytest.approx(sum(att) / (3 * len(att)))
            else:
                assert pd.isna(row["attendance_rate"])


def _sized_branch(full: int, probationary: int = 0, group_meeting: bool = False) -> Dataset:
    people = [{"person_id": f"P{i}", "org_id": "E1", "roles": "member", "gender": "male",
               "education": "bachelor", "join_year": 2010} for i in range(full)]
    people += [{"person_id": f"Q{i}", "org_id": "E1", "roles": "probationary_member",
                "gender": "male", "education": "bachelor", "join_year": 2024}
               for i in range(probationary)]
    kinds = ["general_meeting"] + (["group_meeting"] if group_meeting else [])
    return Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["E1"], "level": ["enterprise"]}),
        people=pd.DataFrame(people), activities=pd.DataFrame(meetings("E1", kinds=kinds)))


def test_branch_under_seven_full_members_owes_no_committee_meeting():
    # 6 full + 2 probationary: 8 members but only 6 full ones -> no branch committee
    small = compliance_summary(_sized_branch(6, 2), year=2024)
    assert "committee_meeting" not in set(small["kind"])
    assert small["missing"].sum() == 4 + 12 + 1 + 1  # lesson, activity day, org life, appraisal
    big = compliance_summary(_sized_branch(7), year=2024)
    assert _row(big, "E1", "committee_meeting")["required"] == 12


def test_group_meeting_only_where_the_branch_has_party_groups():
    assert "group_meeting" not in set(compliance_summary(_sized_branch(12), year=2024)["kind"])
    # groups recorded (a group meeting held), or members many enough to assume them
    recorded = compliance_summary(_sized_branch(12, group_meeting=True), year=2024)
    assert _row(recorded, "E1", "group_meeting")["missing"] == 0
    many = compliance_summary(_sized_branch(30), year=2024)
    assert _row(many, "E1", "group_meeting")["missing"] == 12


def test_branch_facts_and_a_rule_file_without_the_group_assumption(tmp_path):
    from pbkit.health.compliance import branch_facts

    orgs = pd.DataFrame({"org_id": ["A", "B", "C"], "level": "village"})
    empty = pd.DataFrame({"org_id": [], "kind": [], "held": []})
    facts = branch_facts(orgs, pd.Series({"A": 40, "B": 3}), empty, load_rules())
    # C: no member on record, size unknown -> every rule applies
    assert facts["has_groups"].tolist() == [True, False, True]
    assert facts["full_members"].isna().tolist() == [False, False, True]
    # a local rule file that relies on the records only
    path = tmp_path / "r.yaml"
    path.write_text("party_groups: {assume_from_full_members: null}\n", encoding="utf-8")
    rules = load_rules(path)
    assert rules.party_groups.assume_from_full_members is None
    assert "group_meeting" not in set(compliance_summary(_sized_branch(40), rules=rules,
                                                         year=2024)["kind"])
