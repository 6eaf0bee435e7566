"""k-anonymity measurement and enforcement (pbkit.data.privacy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbkit.data.dataset import Dataset
from pbkit.data.privacy import (
    GENERALISATION_STEPS,
    age_to_band,
    enforce_k,
    group_sizes,
    k_anonymity,
    privacy_check,
    records_under,
)
from pbkit.data.schema import QUASI_IDENTIFIERS
from pbkit.errors import UsageError

COLS = ["a", "b", "c"]


def _same(x, y) -> bool:
    if pd.isna(x) and pd.isna(y):
        return True
    if pd.isna(x) or pd.isna(y):
        return False
    return x == y


def oracle_sizes(frame: pd.DataFrame, quasi: list[str]) -> list[int]:
    """Brute force: for every row, count the rows equal on every quasi-identifier."""
    rows = frame[quasi].astype(object).values.tolist()
    return [sum(all(_same(r[c], s[c]) for c in range(len(quasi))) for s in rows) for r in rows]


cell = st.one_of(st.none(), st.sampled_from(["x", "y", "z"]))
num_cell = st.one_of(st.none(), st.integers(0, 2))


@st.composite
def frames(draw):
    n = draw(st.integers(0, 25))
    data = {
        "a": draw(st.lists(cell, min_size=n, max_size=n)),
        "b": draw(st.lists(num_cell, min_size=n, max_size=n)),
        "c": draw(st.lists(cell, min_size=n, max_size=n)),
    }
    frame = pd.DataFrame(data)
    frame["a"] = frame["a"].astype("str")     # pandas 3 string column, NaN for missing
    frame["b"] = frame["b"].astype("Int64")   # nullable integers, <NA> for missing
    quasi = draw(st.lists(st.sampled_from(COLS), min_size=1, max_size=3, unique=True))
    return frame, quasi


@settings(max_examples=150, deadline=None)
@given(frames())
def test_group_sizes_and_k_match_brute_force_oracle(case):
    frame, quasi = case
    expected = oracle_sizes(frame, quasi)
    assert group_sizes(frame, quasi).tolist() == expected
    assert k_anonymity(frame, quasi) == (min(expected) if expected else 0)
    for k in (2, 3, 5):
        assert records_under(frame, quasi, k) == sum(s < k for s in expected)


def test_missing_values_form_their_own_class_unlike_plain_groupby():
    frame = pd.DataFrame({"g": ["m", "m", "m", None], "e": ["p", "p", "p", "p"]})
    naive = int(frame.groupby(["g", "e"]).size().min())   # drops the row with a missing key
    assert naive == 3
    assert k_anonymity(frame, ["g", "e"]) == 1
    assert group_sizes(frame, ["g", "e"]).tolist() == [3, 3, 3, 1]


def test_all_missing_rows_are_one_class():
    frame = pd.DataFrame({"g": [None, None, np.nan], "e": [pd.NA, None, None]})
    assert k_anonymity(frame, ["g", "e"]) == 3


def test_unknown_quasi_column_is_an_error():
    with pytest.raises(KeyError):
        group_sizes(pd.DataFrame({"a": [1]}), ["zz"])


@pytest.mark.parametrize("age, band", [(18, "18-29"), (29, "18-29"), (30, "30-39"),
                                       (59, "50-59"), (60, "60-69"), (79, "70-79"),
                                       (80, "80+"), (104, "80+")])
def test_age_to_band_bounds(age, band):
    assert age_to_band(age) == band
    assert age_to_band(pd.Series([age])).tolist() == [band]


def test_age_to_band_missing_and_minors():
    out = age_to_band(pd.Series([np.nan, 12, 45]))
    assert out.isna().tolist() == [True, True, False]


def _people(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {"person_id": [f"P{i:03d}" for i in range(n)], "org_id": ["V1"] * n,
            "roles": ["member"] * n, "gender": ["male"] * n, "education": ["primary"] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_privacy_check_derives_age_band_from_birth_year():
    people = _people(birth_year=[1960] * 5 + [1990], occupation=["farmer"] * 6)
    ds = Dataset.from_frames(people=people)
    report = privacy_check(ds, k=5, ref_year=2025)
    assert report["derived"] == ["age_band"]
    assert report["k"] == 1 and not report["passed"]
    assert (report["under_2"], report["under_3"], report["under_5"]) == (1, 1, 1)
    assert report["records"] == 6 and report["classes"] == 2
    assert report["columns"] == list(QUASI_IDENTIFIERS)


def test_privacy_check_passes_with_k_met():
    ds = Dataset.from_frames(people=_people(age_band=["60-69"] * 6, occupation=["farmer"] * 6))
    report = privacy_check(ds, k=5)
    assert report["passed"] and report["k"] == 6 and report["under_5"] == 0


def quasi_frames():
    ages = st.sampled_from(["18-29", "30-39", "60-69", "70-79", "80+", None])
    return st.integers(1, 40).flatmap(lambda n: st.fixed_dictionaries({
        "age_band": st.lists(ages, min_size=n, max_size=n),
        "gender": st.lists(st.sampled_from(["male", "female"]), min_size=n, max_size=n),
        "education": st.lists(st.sampled_from(["primary", "junior_high", "senior_high",
                                                "college", "bachelor"]), min_size=n,
                              max_size=n),
        "occupation": st.lists(st.sampled_from(["farmer", "teacher", "worker", "retired",
                                                None]), min_size=n, max_size=n),
        "org_id": st.lists(st.sampled_from(["V1", "V2"]), min_size=n, max_size=n),
    }))


@settings(max_examples=80, deadline=None)
@given(quasi_frames(), st.integers(2, 6))
def test_enforce_k_reaches_k_and_reports_what_it_did(data, k):
    frame = pd.DataFrame(data)
    frame["payload"] = range(len(frame))
    out, done = enforce_k(frame, k)
    quasi = [c for c in QUASI_IDENTIFIERS if c in frame.columns]
    assert out.empty or k_anonymity(out, quasi) >= k
    # suppression only removes rows; the other columns are untouched
    assert set(out.index) <= set(frame.index)
    assert (out["payload"] == frame.loc[out.index, "payload"]).all()
    dropped = sum(d["records"] for d in done if d["step"] == "records_suppressed")
    assert dropped == len(frame) - len(out)
    names = [s.name for s in GENERALISATION_STEPS]
    assert [d["step"] for d in done] == sorted((d["step"] for d in done), key=names.index)
    # gender and org are never generalised
    assert (out["gender"] == frame.loc[out.index, "gender"]).all()
    assert (out["org_id"] == frame.loc[out.index, "org_id"]).all()


def test_enforce_k_leaves_a_k_anonymous_table_alone():
    frame = pd.DataFrame({"age_band": ["60-69"] * 5, "gender": ["male"] * 5,
                          "education": ["primary"] * 5, "occupation": ["farmer"] * 5,
                          "org_id": ["V1"] * 5})
    out, done = enforce_k(frame, 5)
    assert done == [] and out.equals(frame)


def test_enforce_k_generalises_education_before_suppressing():
    frame = pd.DataFrame({"age_band": ["60-69"] * 6, "gender": ["male"] * 6,
                          "education": ["college"] * 3 + ["bachelor"] * 3,
                          "occupation": ["farmer"] * 6, "org_id": ["V1"] * 6})
    out, done = enforce_k(frame, 5)
    assert [d["step"] for d in done] == ["education_top_coded"]
    assert out["education"].tolist() == ["college"] * 6 and len(out) == 6


def test_render_check_in_both_languages():
    from pbkit.data.privacy import render_check

    ds = Dataset.from_frames(people=_people(age_band=["60-69"] * 6, occupation=["farmer"] * 6))
    result = privacy_check(ds, k=7)
    # every published column that can identify is checked, not only the first five
    columns = ("age_band, gender, education, occupation, org_id, roles, join_year, "
               "role_since, migrant, destination, skills, birth_year")
    assert render_check(result, lang="en") == (
        f"privacy check ({columns}): k = 6, 7 required, failed")
    assert render_check(result, lang="zh") == (
        f"隐私检查（{columns}）：k = 6，要求 7，未通过")


def test_roles_single_out_the_village_secretary():
    """Five alike on the first five quasi-identifiers, but only one secretary: k = 1."""
    people = _people(age_band=["60-69"] * 6, occupation=["farmer"] * 6,
                     roles=["secretary"] + ["member"] * 5)
    report = privacy_check(Dataset.from_frames(people=people), k=5, offices="protect")
    assert report["k"] == 1 and not report["passed"] and report["under_5"] == 1


def test_public_office_holders_are_measured_apart_from_everyone_else():
    """The secretary is known by the office; k covers the others, and says how many."""
    people = _people(age_band=["60-69"] * 6, occupation=["farmer"] * 6,
                     roles=["secretary"] + ["member"] * 5)
    report = privacy_check(Dataset.from_frames(people=people), k=5)
    assert report["passed"] and report["k"] == 5 and report["office_holders"] == 1
    assert report["offices"] == "public"
    two_alike = _people(age_band=["60-69"] * 6, occupation=["farmer"] * 5 + ["teacher"],
                        roles=["secretary"] + ["member"] * 5)
    assert not privacy_check(Dataset.from_frames(people=two_alike), k=5)["passed"]
    with pytest.raises(UsageError):
        privacy_check(Dataset.from_frames(people=people), offices="hide")
    assert "roles" in report["columns"]


@pytest.mark.parametrize("column, values", [
    ("join_year", [1971, 1985, 1992, 1999, 2003, 2024]),
    ("role_since", [2011, 2014, 2016, 2019, 2021, 2025]),
    ("destination", ["guangdong", None, None, None, None, None]),
    ("skills", [("medical",), (), (), (), (), ()]),
    ("migrant", [True, False, False, False, False, False]),
])
def test_each_published_attribute_counts(column, values):
    people = _people(age_band=["60-69"] * 6, occupation=["farmer"] * 6)
    people[column] = values
    report = privacy_check(Dataset.from_frames(people=people), k=5)
    assert report["k"] == 1 and column in report["columns"]


def _leaders_frame() -> pd.DataFrame:
    """Two villages of 12: a secretary, a deputy, members joining over 40 years."""
    rows = []
    for v in ("V1", "V2"):
        for i in range(12):
            role = ("secretary",) if i == 0 else ("deputy_secretary",) if i == 1 else (
                "member",)
            rows.append({"org_id": v, "roles": role, "age_band": "50-59", "gender": "male",
                         "education": "junior_high", "occupation": "farmer",
                         "join_year": 1980 + 3 * i, "role_since": 2015 + i if i < 2 else None,
                         "migrant": False, "destination": None, "skills": ()})
    frame = pd.DataFrame(rows)
    frame["join_year"] = frame["join_year"].astype("Int64")
    frame["role_since"] = frame["role_since"].astype("Int64")
    return frame


def test_enforce_k_treats_roles_and_join_year():
    frame = _leaders_frame()
    assert k_anonymity(frame, list(QUASI_IDENTIFIERS[:11])) == 1
    out, done = enforce_k(frame, 5)
    quasi = [c for c in QUASI_IDENTIFIERS if c in frame.columns]
    assert len(out) > 0 and k_anonymity(out, quasi) >= 5
    steps = [d["step"] for d in done]
    assert "join_year_5y" in steps or "join_year_10y" in steps
    assert any(s.startswith("roles") for s in steps)
    # no secretary is left that a neighbour could pick out
    left = out["roles"].map(lambda r: "secretary" in r)
    assert not left.any() or left.sum() >= 5
    # a banded join year is the first year of its band, never below the schema's minimum
    years = out["join_year"].dropna().astype(int)
    assert (years % 5 == 0).all() and (years >= 1921).all()


def test_year_bands_respect_the_schema_minimum():
    frame = pd.DataFrame({"org_id": ["V1"] * 6, "join_year": pd.array(
        [1921, 1922, 1923, 1924, 1926, 1949], dtype="Int64"), "gender": ["male"] * 6})
    out, done = enforce_k(frame, 2, quasi=["org_id", "join_year", "gender"])
    assert out["join_year"].min() == 1921
    assert set(out["join_year"].dropna()) <= {1921, 1925, 1930, 1940, 1945}
