"""Signals, branches needing attention, the outlier view and the rectification list."""

from __future__ import annotations

import pandas as pd
import pytest
from health_frames import known_dataset, meetings, person

from pbkit.data.dataset import Dataset
from pbkit.health.context import HealthContext
from pbkit.health.weak import (
    INDICATORS,
    anomalies,
    indicators,
    rectification_list,
    weak_branches,
    weak_flags,
)


@pytest.fixture(scope="module")
def ds():
    return known_dataset()


def _flags(frame, org):
    return frame.loc[frame.org_id == org, "flag"].tolist()


def test_indicators_known_values(ds):
    ind = indicators(HealthContext.create(ds, year=2024)).set_index("org_id")
    assert ind.loc["V2", "missing_share"] == pytest.approx(2 / 46)
    assert ind.loc["V3", "missing_share"] == 1.0
    assert ind.loc["V3", "attendance_rate"] == 0.0
    assert ind.loc["V2", "one_on_one_coverage"] == 0.75
    assert ind.loc["V2", "visits_per_household"] == 0.5
    assert ind.loc["V2", "solved_rate"] == 0.5
    assert ind.loc["V2", "migrant_out_of_contact_share"] == 0.5
    assert pd.isna(ind.loc["V3", "one_on_one_coverage"])
    assert ind.loc["V3", "years_since_last_new"] == 9


def test_rule_based_flags(ds):
    ctx = HealthContext.create(ds, year=2024)
    from pbkit.health.scorecard import score_context

    flags = weak_flags(ctx, scores=score_context(ctx).totals)
    assert _flags(flags, "V1") == []
    assert _flags(flags, "E1") == []
    # V2: 3 of 4 households paired is above the "fewer than half" signal (the scorecard
    # still deducts for it); half its migrants out of contact is a signal
    assert _flags(flags, "V2") == ["migrant_out_of_contact"]
    assert _flags(flags, "V3") == ["missed_meetings", "development_stalled", "ageing",
                                   "low_score"]
    row = flags[(flags.org_id == "V3") & (flags.flag == "development_stalled")].iloc[0]
    assert (row["value"], row["threshold"]) == (9, 5)


def test_flag_evidence_text(ds, tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text("weak:\n  low_coverage: {threshold: 0.8}\n", encoding="utf-8")
    ctx = HealthContext.create(ds, year=2024, lang="en", rules=rules)
    flags = weak_flags(ctx).set_index(["org_id", "flag"])
    # V3 (4 full members) owes no committee or group meetings: 22 required
    assert flags.loc[("V3", "missed_meetings"), "evidence"] == \
        "22 of 22 required meetings missed (100%)"
    assert flags.loc[("V3", "development_stalled"), "evidence"] == \
        "last new member joined in 2015 (9 years ago); no activist and no probationary member now"
    assert flags.loc[("V2", "low_coverage"), "evidence"] == \
        "only 3 of 4 needy households have a one-on-one helper (75%)"
    zh = weak_flags(HealthContext.create(ds, year=2024, lang="zh")).set_index(["org_id", "flag"])
    assert zh.loc[("V3", "ageing"), "evidence"] == "4 名党员中 4 名达到老龄（100%）"


def test_user_thresholds_change_flags(tmp_path, ds):
    rules = tmp_path / "r.yaml"
    rules.write_text("weak:\n  low_coverage: {threshold: 0.8}\n  development_stalled: "
                     "{threshold: 10}\n", encoding="utf-8")
    flags = weak_flags(HealthContext.create(ds, year=2024, rules=rules))
    assert _flags(flags, "V2") == ["low_coverage", "migrant_out_of_contact"]
    assert "development_stalled" not in _flags(flags, "V3")


def test_weak_branches_table(ds):
    wb = weak_branches(ds, year=2024, lang="en")
    assert wb["org_id"].iloc[0] == "V3"  # needing attention first
    row = wb.set_index("org_id").loc["V3"]
    assert row["n_flags"] == 4 and row["weak"]
    assert row["flags"] == "missed_meetings;development_stalled;ageing;low_score"
    assert row["score_total"] == 57.0
    assert not wb.set_index("org_id").loc["V1", "weak"]
    # a signal (migrants out of contact) is for V2 to act on, not for the township's list
    v2 = wb.set_index("org_id").loc["V2"]
    assert v2["n_flags"] == 1 and not v2["weak"]


def _many_villages() -> Dataset:
    """20 ordinary villages and one (V99) that holds no meeting and has only old members."""
    orgs, acts, people = [], [], []
    for v in range(20):
        org = f"V{v:02d}"
        orgs.append({"org_id": org, "level": "village"})
        skip = tuple(("committee_meeting", m) for m in range(1, 1 + v % 3))
        acts += meetings(org, skip=skip, expected=10 + v % 4)
        for k in range(8):
            people.append(person(f"{org}-P{k}", org, birth_year=1960 + 3 * k + v % 5,
                                 join_year=2024 - (k + v) % 4,
                                 education="senior_high" if k % 2 else "primary"))
    orgs.append({"org_id": "V99", "level": "village"})
    for k in range(8):
        people.append(person(f"V99-P{k}", "V99", birth_year=1940, join_year=1990))
    return Dataset.from_frames(orgs=pd.DataFrame(orgs), activities=pd.DataFrame(acts),
                               people=pd.DataFrame(people))


def test_anomalies_name_the_driving_indicators():
    ds = _many_villages()
    ctx = HealthContext.create(ds, year=2024)
    an = anomalies(ctx).set_index("org_id")
    assert an["anomaly_score"].idxmax() == "V99"
    odd = an.loc["V99"]
    assert odd["is_outlier"] and odd["weak_side"]
    assert {odd["driver_1"], odd["driver_2"], odd["driver_3"]} <= {
        "missing_share", "attendance_rate", "years_since_last_new", "share_old", "new_per_year",
        "share_senior_high_plus"}
    assert abs(odd["z_1"]) >= abs(odd["z_2"]) >= abs(odd["z_3"]) > 2
    assert odd["drivers"].startswith(odd["driver_1"])
    # deterministic for the configured random_state
    again = anomalies(HealthContext.create(ds, year=2024)).set_index("org_id")
    pd.testing.assert_series_equal(an["anomaly_score"], again["anomaly_score"])


def test_anomalies_skip_the_forest_for_few_branches(ds):
    an = anomalies(HealthContext.create(ds, year=2024))
    assert an["anomaly_score"].isna().all() and not an["is_outlier"].any()
    assert set(an["driver_1"]) <= set(INDICATORS)


def test_rectification_list(ds):
    rl = rectification_list(ds, year=2024, lang="zh")
    assert list(rl.columns) == ["org_id", "problem", "problem_text", "evidence",
                                "suggested_measure", "deadline", "responsible", "status"]
    v3 = rl[rl.org_id == "V3"]
    assert v3["problem"].tolist() == ["missed_meetings", "development_stalled", "ageing",
                                      "low_score"]
    assert v3["problem_text"].tolist()[:2] == ["组织生活不经常", "发展党员工作停滞"]
    assert v3["suggested_measure"].iloc[1].startswith("从返乡青年")
    assert "3 至 5" not in "".join(v3["suggested_measure"])  # no quota in the measures
    assert (v3["responsible"] == "").all() and (v3["status"] == "待整改").all()
    ctx = HealthContext.create(ds, year=2024)
    assert v3["deadline"].iloc[0] == ctx.as_of + pd.Timedelta(days=90)
    en = rectification_list(ds, year=2024, lang="en")
    assert en.loc[en.problem == "missed_meetings", "suggested_measure"].iloc[0].startswith(
        "plan the year's three meetings")
    # only branches needing attention get a draft list
    assert set(rl["org_id"]) == {"V3"}


def test_a_clearly_failing_branch_needs_attention_with_its_drivers():
    ds = _many_villages()
    wb = weak_branches(ds, year=2024, lang="en").set_index("org_id")
    odd = wb.loc["V99"]
    assert odd["weak"]
    assert set(odd["flags"].split(";")) >= {"missed_meetings", "development_stalled",
                                            "ageing", "low_score"}
    assert wb.index[0] == "V99"
    rl = rectification_list(ds, year=2024, lang="en")
    assert set(rl.loc[rl.org_id == "V99", "problem"]) >= {"missed_meetings",
                                                          "development_stalled"}
    # the ordinary villages (a committee meeting or two missed) do not
    assert wb.drop(index="V99")["weak"].sum() == 0


def test_small_enterprise_branch_not_flagged_for_committee_or_group_meetings():
    kinds = ["general_meeting", "party_lesson", "activity_day", "org_life_meeting",
             "democratic_appraisal"]
    people = [person(f"E-P{k}", "E1", birth_year=1980 + k, join_year=2010 + k,
                     education="bachelor") for k in range(5)]
    people.append(person("E-PR", "E1", roles="probationary_member", join_year=2024,
                         birth_year=1998))
    people.append(person("E-AC", "E1", roles="activist", join_year=None, birth_year=2000))
    ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["E1"], "level": ["enterprise"]}),
                             activities=pd.DataFrame(meetings("E1", kinds=kinds, expected=6)),
                             people=pd.DataFrame(people))
    from pbkit.health.scorecard import scorecard

    res = scorecard(ds, year=2024)
    pts = res.items.set_index("item")["points"]
    assert pts["three_meetings_one_lesson"] == 25 and pts["activity_day"] == 10
    assert res.totals["total"].iloc[0] == 100.0
    wb = weak_branches(ds, year=2024)
    assert wb["flags"].iloc[0] == "" and not wb["weak"].iloc[0]



def test_plausible_townships_have_at_most_a_quarter_needing_attention():
    from pbkit.data.io import load_dataset
    from pbkit.data.sample import repo_root
    from pbkit.data.synth import synthesize

    # the bundled sample township: at most a quarter of its branches on the short list,
    # each with the signals that put it there
    sample = load_dataset(repo_root() / "datasets" / "sample-township")
    wb = weak_branches(sample, lang="en")
    assert 0 < wb["weak"].sum() and wb["weak"].mean() <= 0.25, wb[wb["weak"]]
    assert (wb.loc[wb["weak"], "n_flags"] >= 3).all()
    assert (wb.loc[wb["weak"], "flags"].str.len() > 0).all()
    # other generated townships: a quarter on average, never much more
    shares = [weak_branches(synthesize("township", seed=s)).loc[:, "weak"].mean()
              for s in range(1, 7)]
    assert sum(shares) / len(shares) <= 0.25 and max(shares) <= 0.3, shares
