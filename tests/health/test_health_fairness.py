"""Attention fairness: Gini and Theil by hand, per-household visits, neglected villages."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbkit.data.dataset import Dataset
from pbkit.health.fairness import attention_fairness, gini, theil


def test_gini_hand_computation():
    # x = 1, 2, 3, 4: sum over ordered pairs |xi - xj| = 20, n = 4, mean 2.5
    # G = 20 / (2 * 16 * 2.5) = 0.25
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)  # order does not matter
    assert gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n - 1) / n
    assert gini([7, 7, 7]) == 0.0
    assert math.isnan(gini([0, 0])) and math.isnan(gini([]))


def test_theil_hand_computation():
    # mean 2.5: (0.4 ln 0.4 + 0.8 ln 0.8 + 1.2 ln 1.2 + 1.6 ln 1.6) / 4
    expected = (0.4 * math.log(0.4) + 0.8 * math.log(0.8) + 1.2 * math.log(1.2)
                + 1.6 * math.log(1.6)) / 4
    assert theil([1, 2, 3, 4]) == pytest.approx(expected)
    assert theil([0, 0, 0, 10]) == pytest.approx(math.log(4))  # everything on one village
    assert theil([3, 3]) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1,
                max_size=30))
def test_gini_equals_pairwise_formula(values):
    x = np.asarray(values)
    if x.sum() <= 0:
        assert math.isnan(gini(values))
        return
    pairwise = np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())
    assert gini(values) == pytest.approx(pairwise, abs=1e-9)
    assert 0 <= theil(values) <= math.log(len(x)) + 1e-9


def _dataset() -> Dataset:
    orgs = pd.DataFrame([
        {"org_id": "T1", "level": "township"},
        {"org_id": "V1", "parent_id": "T1", "level": "village", "households": 400},
        {"org_id": "V2", "parent_id": "T1", "level": "village", "households": 100},
        {"org_id": "V3", "parent_id": "T1", "level": "village", "households": 100},
        {"org_id": "V4", "parent_id": "T1", "level": "village", "households": 100},
        {"org_id": "V5", "parent_id": "T1", "level": "village", "households": 50},
    ])
    # needy households: V1 4, V2 2, V3 2, V4 2, V5 none
    hh = pd.DataFrame({"household_id": ["A1", "A2", "A3", "A4", "B1", "B2", "C1", "C2",
                                        "D1", "D2"],
                       "org_id": ["V1"] * 4 + ["V2"] * 2 + ["V3"] * 2 + ["V4"] * 2,
                       "needs": "low_income"})
    visits = []
    # V1: 16 household visits (8 solved) + 4 visits to the village itself = 20 -> 5 / hh
    for i in range(16):
        visits.append((f"A{i % 4 + 1}", i % 2 == 0))
    for _ in range(4):
        visits.append(("V1", None))
    # V2: 2 visits, 1 solved -> 1 / hh; V3: 1 visit, unsolved -> 0.5 / hh; V4: none
    visits += [("B1", True), ("B2", False), ("C1", False)]
    frame = pd.DataFrame({"visit_id": [f"X{i}" for i in range(len(visits))],
                          "person_id": "P1", "target_id": [t for t, _ in visits],
                          "date": "2024-05-01",
                          "problem_solved": [s for _, s in visits]})
    return Dataset.from_frames(orgs=orgs, households=hh, visits=frame)


def test_visits_per_household_by_village():
    fr = attention_fairness(_dataset(), year=2024)
    v = fr.villages.set_index("org_id")
    assert v.loc["V1", ["visits", "solved", "needy_households"]].tolist() == [20, 8, 4]
    assert v["visits_per_household"].round(3).to_dict() == pytest.approx(
        {"V1": 5.0, "V2": 1.0, "V3": 0.5, "V4": 0.0, "V5": float("nan")}, nan_ok=True)
    assert v.loc["V1", "solved_per_household"] == 2.0


def test_indices_over_villages_with_households():
    fr = attention_fairness(_dataset(), year=2024)
    row = fr.summary[(fr.summary.scope == "ALL")
                     & (fr.summary.metric == "visits_per_household")].iloc[0]
    x = [5.0, 1.0, 0.5, 0.0]  # V5 has no needy household: left out
    assert row["villages"] == 4
    assert row["gini"] == pytest.approx(gini(x))
    # by hand: pairs |diff| sum (unordered) = 4+4.5+5+0.5+1+0.5 = 15.5, x2 = 31
    # mean 1.625: G = 31 / (2 * 16 * 1.625) = 0.596153...
    assert row["gini"] == pytest.approx(31 / 52)
    assert row["theil"] == pytest.approx(theil(x))
    assert row["top20_share"] == pytest.approx(5.0 / 6.5)


def test_neglected_villages_with_reason():
    fr = attention_fairness(_dataset(), year=2024, lang="en")
    neg = fr.neglected.set_index("org_id")
    # visits per household 5, 1, 0.5, 0: median 0.75, half of it 0.375 -> V3 is above;
    # solved per household 2, 0.5, 0, 0: median 0.25 > 0 and V3 solved nothing
    assert neg["reason"].to_dict() == {"V3": "none_solved", "V4": "no_visits"}
    assert neg.loc["V4", "message"] == "no visit all year"
    assert neg.loc["V3", "message"] == "1 visit(s) but no problem solved"
    assert neg.loc["V3", "median_visits_per_household"] == 0.75


def test_user_rules_change_neglect_and_denominator(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text("fairness:\n  denominator: resident\n  neglect_ratio: 1.0\n",
                     encoding="utf-8")
    fr = attention_fairness(_dataset(), year=2024, rules=rules, lang="en")
    v = fr.villages.set_index("org_id")
    assert v.loc["V1", "visits_per_household"] == pytest.approx(20 / 400)
    assert v.loc["V5", "visits_per_household"] == 0.0  # counted now: 50 resident households
    neg = fr.neglected.set_index("org_id")["reason"].to_dict()
    # per household: V1 .05, V2 .02, V3 .01, V4 0, V5 0; median .01
    assert neg == {"V4": "no_visits", "V5": "no_visits"}


def test_below_ratio_reason_and_solved_problem_clears_none_solved():
    ds = _dataset()
    vis = ds.visits.copy()
    vis.loc[vis["target_id"] == "C1", "problem_solved"] = True
    # V2 gets many more visits: median rises above twice V3's 0.5 per household
    extra = pd.DataFrame({"visit_id": [f"Y{i}" for i in range(10)], "person_id": "P1",
                          "target_id": "B1", "date": pd.to_datetime("2024-06-01"),
                          "topic": None, "problem_solved": True})
    ds = ds.replace(visits=pd.concat([vis, extra.astype(vis.dtypes.to_dict())],
                                     ignore_index=True))
    fr = attention_fairness(ds, year=2024)
    # per household 5, 6, 0.5, 0: median 2.75, half 1.375 > 0.5
    assert fr.neglected.set_index("org_id")["reason"].to_dict() == {
        "V3": "below_ratio", "V4": "no_visits"}


def test_per_township_scope():
    ds = _dataset()
    orgs = pd.concat([ds.orgs, pd.DataFrame([
        {"org_id": "T2", "level": "township"},
        {"org_id": "W1", "parent_id": "T2", "level": "village"}])], ignore_index=True)
    hh = pd.concat([ds.households.astype(object), pd.DataFrame(
        [{"household_id": "W1H", "org_id": "W1", "needs": ("low_income",)}])],
        ignore_index=True)
    ds2 = Dataset.from_frames(orgs=orgs, households=hh, visits=ds.visits)
    fr = attention_fairness(ds2, year=2024)
    assert set(fr.summary["scope"]) == {"ALL", "T1", "T2"}
    t2 = fr.summary[(fr.summary.scope == "T2") & (fr.summary.metric == "visits_per_household")]
    assert t2["villages"].iloc[0] == 1
