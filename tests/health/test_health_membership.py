"""Membership structure on the hand-built dataset (answers worked out in health_frames)."""

from __future__ import annotations

import pandas as pd
import pytest
from health_frames import known_dataset, person

from pbkit.data.dataset import Dataset
from pbkit.health.branches import members, reference_date, reference_year
from pbkit.health.membership import (
    age_pyramid,
    development,
    education_mix,
    membership_structure,
    membership_summary,
)


@pytest.fixture(scope="module")
def ds():
    return known_dataset()


def test_who_counts_as_member(ds):
    mem = members(ds)
    assert "AC1" not in set(mem["person_id"])  # activist without join year
    assert {"P100", "M1", "PE1", "TL1"} <= set(mem["person_id"])
    assert mem.set_index("person_id").loc["P107", "probationary"]


def test_summary_per_branch(ds):
    s = membership_summary(ds, year=2024).set_index("org_id")
    v1 = s.loc["V1"]
    assert (v1["members"], v1["probationary"], v1["female"], v1["new_members"]) == (10, 3, 3, 3)
    assert v1["mean_age"] == pytest.approx(36.1)
    assert v1["share_old"] == pytest.approx(0.1)
    assert v1["share_senior_high_plus"] == pytest.approx(0.7)
    assert v1["new_per_year"] == pytest.approx(9 / 5)  # 9 new members over the 5-year window
    assert v1["years_since_last_new"] == 0
    v2 = s.loc["V2"]
    assert (v2["members"], v2["migrants"]) == (9, 2)
    assert v2["migrant_share"] == pytest.approx(2 / 9)
    v3 = s.loc["V3"]
    assert (v3["members"], v3["share_old"], v3["last_join_year"],
            v3["years_since_last_new"]) == (4, 1.0, 2015, 9)
    # township cadres are not a branch; ALL sums the branches
    assert "T1" not in s.index
    assert s.loc["ALL", "members"] == 10 + 9 + 4 + 2
    assert s.loc["ALL", "migrants"] == 2


def test_reference_year_is_a_parameter(ds):
    # as seen in 2022: 2023/2024 joiners were not members yet
    s = membership_summary(ds, year=2022).set_index("org_id")
    assert s.loc["V1", "members"] == 4  # 3 joined 2022 + secretary
    assert s.loc["V3", "years_since_last_new"] == 7
    assert reference_year(ds) == 2024


def test_reference_date_is_from_data_not_today():
    ds = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
        visits=pd.DataFrame({"visit_id": ["X"], "person_id": "P", "target_id": "V1",
                             "date": ["2021-07-09"]}))
    assert reference_year(ds) == 2021
    assert str(reference_date(ds, 2021).date()) == "2021-07-09"
    assert str(reference_date(ds, 2020).date()) == "2020-12-31"


def test_age_pyramid_counts(ds):
    pyr = age_pyramid(ds, year=2024)
    v1 = pyr[(pyr.org_id == "V1") & (pyr.members > 0)]
    assert sorted(map(tuple, v1[["age_band", "gender", "members"]].values.tolist())) == [
        ("30-39", "female", 3), ("30-39", "male", 6), ("60-69", "male", 1)]
    v3 = pyr[(pyr.org_id == "V3") & (pyr.members > 0)]
    assert sorted(map(tuple, v3[["age_band", "gender", "members"]].values.tolist())) == [
        ("70-79", "female", 2), ("70-79", "male", 2)]
    # every branch has the full grid: 7 bands x 2 genders
    assert len(pyr[pyr.org_id == "E1"]) == 14
    total = pyr[pyr.org_id == "ALL"]["members"].sum()
    assert total == 25


def test_age_band_used_when_birth_year_missing():
    ds = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
        people=pd.DataFrame([person("P1", "V1", birth_year=None, age_band="60-69"),
                             person("P2", "V1", birth_year=None, age_band=None)]))
    s = membership_summary(ds, year=2024).set_index("org_id")
    assert s.loc["V1", "share_old"] == 1.0  # one known age, aged 60+
    pyr = age_pyramid(ds, year=2024)
    assert pyr[(pyr.org_id == "V1")]["members"].sum() == 1


def test_education_mix_shares(ds):
    edu = education_mix(ds, year=2024)
    v1 = edu[edu.org_id == "V1"].set_index("education")
    assert v1.loc["senior_high", "members"] == 6
    assert v1.loc["primary", "share"] == pytest.approx(0.3)
    assert v1.loc["college", "share"] == pytest.approx(0.1)
    assert v1["share"].sum() == pytest.approx(1.0)
    assert "unknown" not in v1.index


def test_development_has_no_quota_by_default(ds):
    # "3-5 new members per village a year" is one city's target in one field report, not a
    # national rule: no target is applied unless a local rule file sets one
    dev = development(ds, year=2024)
    assert set(dev["status"]) == {"no_target"}
    assert dev["target_min"].isna().all() and dev["target_max"].isna().all()
    v2 = dev[dev.org_id == "V2"]
    assert v2[["year", "new_members"]].values.tolist()[-3:] == [[2022, 3], [2023, 3], [2024, 1]]


def test_development_against_a_local_target(ds, tmp_path):
    rules = tmp_path / "county-plan.yaml"
    rules.write_text("development:\n  target_min: 3\n  target_max: 5\n  window_years: 3\n"
                     "  levels: [village, community]\n", encoding="utf-8")
    dev = development(ds, year=2024, rules=rules)
    v2 = dev[dev.org_id == "V2"]
    assert v2[["year", "new_members", "status"]].values.tolist() == [
        [2022, 3, "within"], [2023, 3, "within"], [2024, 1, "below"]]
    v3 = dev[dev.org_id == "V3"]
    assert v3["status"].tolist() == ["below"] * 3
    e1 = dev[dev.org_id == "E1"]
    assert e1["status"].tolist() == ["no_target"] * 3
    assert e1["new_members"].tolist() == [0, 0, 1]
    all_rows = dev[dev.org_id == "ALL"]
    # 3 villages x target 3..5
    assert all_rows["target_min"].tolist() == [9.0] * 3
    assert all_rows["new_members"].tolist() == [6, 6, 5]


def test_user_rules_change_the_target(tmp_path, ds):
    rules = tmp_path / "r.yaml"
    rules.write_text("development:\n  target_min: 1\n  target_max: 2\n  window_years: 2\n",
                     encoding="utf-8")
    dev = development(ds, year=2024, rules=rules)
    v2 = dev[dev.org_id == "V2"]
    assert v2[["year", "status"]].values.tolist() == [[2023, "above"], [2024, "within"]]


def test_structure_bundle(ds):
    ms = membership_structure(ds, year=2024)
    assert ms.year == 2024
    assert set(ms.views()) == {"membership", "age_pyramid", "education", "development",
                               "pipeline"}
    pd.testing.assert_frame_equal(ms.summary, membership_summary(ds, year=2024))


def test_mean_age_from_age_bands_when_no_birth_year():
    # the bundled data carries age bands only: the mean age must not be empty
    ds = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
        people=pd.DataFrame([person("P1", "V1", birth_year=None, age_band="60-69"),
                             person("P2", "V1", birth_year=None, age_band="30-39"),
                             person("P3", "V1", birth_year=None, age_band=None)]))
    s = membership_summary(ds, year=2024).set_index("org_id")
    assert s.loc["V1", "mean_age"] == pytest.approx((64.5 + 34.5) / 2)
    assert s.loc["ALL", "mean_age"] == pytest.approx(49.5)


def test_pipeline_stages_and_checks(ds):
    from pbkit.health.membership import pipeline

    pl = pipeline(ds, year=2024).set_index("org_id")
    v1 = pl.loc["V1"]
    # 10 members: 3 probationary (joined 2024, on time), 1 activist, 9 developed in 5 years
    assert (v1["full_members"], v1["probationary"], v1["probationary_overdue"],
            v1["activists"], v1["new_in_window"], v1["years_with_new"]) == (7, 3, 0, 1, 9, 3)
    assert v1["new_young_share"] == pytest.approx(1.0)        # all born 1990-1992
    assert v1["new_senior_high_share"] == pytest.approx(6 / 9)
    assert v1["checks_failed"] == "" and v1["checks_passed"] == v1["checks"] == 3
    v3 = pl.loc["V3"]
    assert v3["checks_failed"] == "new_member_in_window;activists_in_training"
    assert v3["years_since_last_new"] == 9


def test_pipeline_finds_an_overdue_probationary_member():
    from pbkit.health.membership import pipeline

    ds = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
        people=pd.DataFrame([person("P1", "V1", roles="probationary_member", join_year=2021),
                             person("P2", "V1", roles="activist", join_year=None)]))
    row = pipeline(ds, year=2024).set_index("org_id").loc["V1"]
    assert row["probationary_overdue"] == 1
    assert row["checks_failed"] == "probation_on_time"
