"""The loader's fast paths give exactly what the general paths give.

The loader reads a clean UTF-8 file in one typed pass and checks it with vectorised
shortcuts (offsets-based empty cells, ISO dates parsed in C, canonical enum codes and
true/false taken as they are, strictly increasing ids, tables checked side by side while
other files are still read, reference look-ups restricted to the rows that need them).
Each test compares a shortcut with the general path on the same input: the arrow-backed
column against the same values in a plain object column (which takes the general
path), and the parallel, pipelined load against the sequential one.
"""

from __future__ import annotations

import datetime as dt
import string

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbkit.data import readers, validation
from pbkit.data.normalize import (
    arrow_filled,
    parse_bool,
    parse_date,
    parse_enum,
    parse_int,
    parse_multi,
)
from pbkit.data.readers import read_source
from pbkit.data.schema import TABLES
from pbkit.data.validation import check_source, read_and_check

TODAY = dt.date(2025, 1, 1)


def arrow(values, chunks: int = 1):
    """An arrow-backed ``str`` Series split into ``chunks`` pieces (large_string)."""
    cuts = np.linspace(0, len(values), chunks + 1).astype(int)
    parts = [pa.array(values[a:b], type=pa.large_string()) for a, b in zip(cuts, cuts[1:])]
    return pd.Series(pa.chunked_array(parts, type=pa.large_string()), dtype="str")


def plain(values):
    """The same values in an object Series: the general (non-arrow) path."""
    return pd.Series(values, dtype="object")


def test_arrow_filled_reads_offsets_nulls_and_slices():
    arr = pa.chunked_array([pa.array(["a", "", None], type=pa.large_string()),
                            pa.array(["", "bc"], type=pa.large_string())])
    assert arrow_filled(arr).tolist() == [True, False, False, False, True]
    assert arrow_filled(pa.array(["", "d", None])).tolist() == [False, True, False]
    sliced = pa.array(["x", "", "y", ""]).slice(1, 3)  # an offset into the buffers
    assert arrow_filled(sliced).tolist() == [False, True, False]
    assert arrow_filled(pa.chunked_array([], type=pa.string())).tolist() == []


_date_text = st.one_of(
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(1500, 2400),
              st.integers(0, 13), st.integers(0, 32)),
    st.text(alphabet="0123456789-/年月日 ", max_size=12),
    st.sampled_from(["", "45356", "2024/3/5", "2024年3月5日", "2024-02-29", "2023-02-29"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_date_text, min_size=1, max_size=8), st.integers(1, 3))
def test_iso_date_fast_path_matches_general_parser(values, chunks):
    chunks = min(chunks, len(values))
    fast_values, fast_bad = parse_date(arrow(values, chunks))
    slow_values, slow_bad = parse_date(plain(values))
    assert str(fast_values.dtype) == "datetime64[ns]"
    assert fast_values.isna().tolist() == slow_values.isna().tolist()
    assert fast_values.dropna().tolist() == slow_values.dropna().tolist()
    assert fast_bad.tolist() == slow_bad.tolist()


def test_iso_date_fast_path_refuses_impossible_and_out_of_range_dates():
    values, bad = parse_date(arrow(["2024-02-30", "2024-01-01"]))
    assert bad.tolist() == [True, False]
    values, bad = parse_date(arrow(["1500-01-01", "", "2024-03-05"]))
    assert bad.tolist() == [True, False, False]
    assert values.iloc[2] == pd.Timestamp("2024-03-05") and pd.isna(values.iloc[1])


_education = TABLES["people"].column("education")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*_education.values, "", "高中", "x", "PRIMARY"]),
                min_size=1, max_size=10), st.integers(1, 3))
def test_enum_codes_fast_path_matches_general_mapping(values, chunks):
    chunks = min(chunks, len(values))
    fast, fast_bad = parse_enum(arrow(values, chunks), _education)
    slow, slow_bad = parse_enum(plain(values), _education)
    assert fast.dtype == slow.dtype
    assert fast.isna().tolist() == slow.isna().tolist()
    assert fast.dropna().tolist() == slow.dropna().tolist()
    assert fast_bad.tolist() == slow_bad.tolist()


def test_enum_codes_with_empty_cells_are_missing_not_bad():
    values, bad = parse_enum(arrow(["primary", "", "bachelor"]), _education)
    assert values.isna().tolist() == [False, True, False]
    assert values.dropna().tolist() == ["primary", "bachelor"] and not bad.any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["true", "false", "", "是", "TRUE", "maybe"]), min_size=1,
                max_size=10), st.integers(1, 3))
def test_true_false_fast_path_matches_general_mapping(values, chunks):
    chunks = min(chunks, len(values))
    fast, fast_bad = parse_bool(arrow(values, chunks))
    slow, slow_bad = parse_bool(plain(values))
    assert str(fast.dtype) == "boolean"
    assert fast.tolist() == slow.tolist() and fast_bad.tolist() == slow_bad.tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                          st.integers(-10**6, 10**6).map(float)), min_size=1, max_size=8))
def test_whole_numbers_from_a_number_column(values):
    numbers = pd.Series(values, dtype="float64")
    out, bad = parse_int(numbers)
    expect = [int(v) if np.isfinite(v) and abs(v) < 2**53 and float(v).is_integer() else None
              for v in values]
    assert [None if pd.isna(v) else int(v) for v in out] == expect
    assert bad.tolist() == [not np.isnan(v) and e is None for v, e in zip(values, expect)]


def test_multi_unknown_parts_kept_per_cell():
    roles = TABLES["people"].column("roles")
    values, bad, parts = parse_multi(arrow(["member;bogus", "", "书记"]), roles)
    assert values.tolist() == [("member",), (), ("secretary",)]
    assert bad.tolist() == [True, False, False]
    assert parts.tolist() == ["bogus", "", ""] and str(parts.dtype) == "str"


# ----------------------------------------------------------------- whole loads

BASE = {
    "orgs": "org_id,parent_id,level\nT1,,township\nV1,T1,village\nV2,T1,village\n",
    "people": ("person_id,org_id,roles,birth_year,gender,education,join_year\n"
               "P1,V1,secretary,1965,male,senior_high,1990\n"
               "P2,V1,member,1950,female,primary,1975\n"
               "P3,V2,member,1980,male,junior_high,2005\n"
               "P4,T1,township_leader,1975,female,bachelor,2000\n"),
    "households": "household_id,org_id,needs,size\nH1,V1,elderly_alone,1\nH2,V2,low_income,3\n",
    "pairings": ("pairing_id,mechanism,group_id,source_id,target_id,role,start,end,status\n"
                 "R1,one_on_one,,P2,H1,helper,2024-01-01,,active\n"
                 "R2,two_plus_one,G1,P4,P3,township_mentor,2024-01-01,,active\n"
                 "R3,bao_cun,B1,P4,V1,deputy_leader,2024-01-01,,\n"
                 "R4,branch_pair,,V1,V2,advanced_branch,2023-05-01,2024-05-01,ended\n"
                 # wrong ends for their mechanisms: a household for bao_cun, a person for
                 # one_on_one, an org as a two_plus_one source
                 "R5,bao_cun,B2,P4,H1,deputy_leader,2024-01-01,,\n"
                 "R6,one_on_one,,P1,P3,helper,2024-01-01,,active\n"
                 "R7,two_plus_one,G2,V1,P3,township_mentor,2024-01-01,,active\n"),
    "activities": ("activity_id,org_id,kind,date,expected,attended\n"
                   "A1,V1,general_meeting,2024-03-05,20,18\n"
                   "A2,V9,party_lesson,2024-03-10,15,15\n"
                   "A2,V2,party_lesson,2024-02-30,15,16\n"),
    "visits": ("visit_id,person_id,target_id,date,topic,problem_solved\n"
               "W1,P1,H1,2024-04-01,assistance,true\n"
               "W2,P4,V2,2024-04-02,policy,false\n"
               "W3,P9,H7,2024-04-03,policy,maybe\n"),
}


def _write(folder, tables):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def _issues(report):
    return [(i.severity, i.key, i.file, i.table, i.row, i.column, sorted(i.params.items()))
            for i in report]


def _sequential(path):
    return check_source(read_source(path), today=TODAY)


def test_parallel_pipelined_load_equals_sequential(tmp_path, monkeypatch):
    folder = _write(tmp_path / "d", BASE)
    report_seq, frames_seq = _sequential(folder)
    # the thresholds make any dataset big enough for side-by-side reading and checking
    monkeypatch.setattr(readers, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(validation, "_PARALLEL_ROWS", 0)
    source, report, frames = read_and_check(folder, today=TODAY)
    assert set(source.prepared) == set(BASE)  # every table was checked while reading
    assert _issues(report) == _issues(report_seq)
    for name, frame in frames_seq.items():
        pd.testing.assert_frame_equal(frames[name], frame, check_exact=True)
    keys = [i.key for i in report]
    assert keys.count("data.dangling_pairing.target") == 2
    assert keys.count("data.dangling_pairing.source") == 1
    assert "data.duplicate_id" in keys and "data.dangling_ref_any" in keys


def test_restricted_reference_look_ups_name_each_wrong_end(tmp_path, monkeypatch):
    monkeypatch.setattr(validation, "_PARALLEL_ROWS", 0)
    report = validation.validate(_write(tmp_path / "d", BASE), today=TODAY)
    found = {(i.row, i.column, i.params.get("target"), i.params.get("mechanism"))
             for i in report if i.key.startswith("data.dangling_pairing")}
    assert found == {(6, "target_id", "orgs", "bao_cun"),
                     (7, "target_id", "households", "one_on_one"),
                     (8, "source_id", "people", "two_plus_one")}
    visit = [i for i in report if i.key == "data.dangling_ref_any"]
    assert [(i.row, i.column, i.params["value"]) for i in visit] == [(4, "target_id", "H7")]


def test_prepared_tables_ignored_when_settings_differ(tmp_path):
    folder = _write(tmp_path / "d", BASE)
    source = read_source(folder, prepare=validation._table_preparer(None, TODAY))
    # checked against another day: the prepared results are not reused
    later = dt.date(2024, 3, 6)
    report, _ = check_source(source, today=later)
    again, _ = check_source(read_source(folder), today=later)
    assert _issues(report) == _issues(again)
    assert any(i.key == "data.future_date" for i in report)


@pytest.mark.parametrize("ids", [["A1", "A2", "A2"], ["A2", "A1", "A2"], ["A1", "A1"]])
def test_duplicate_ids_found_sorted_or_not(tmp_path, ids):
    rows = "".join(f"{i},V1,general_meeting,2024-03-05,5,5\n" for i in ids)
    tables = {**BASE, "activities": "activity_id,org_id,kind,date,expected,attended\n" + rows}
    report = validation.validate(_write(tmp_path / "d", tables), today=TODAY)
    dups = [i for i in report if i.key == "data.duplicate_id" and i.table == "activities"]
    last = len(ids) + 1
    assert [(i.row, i.params["first_row"]) for i in dups] == [
        (last, ids.index(ids[-1]) + 2)]


def test_increasing_ids_are_distinct_without_sorting():
    ids = pd.Series(pa.chunked_array([pa.array([f"P{i:05d}" for i in range(50)],
                                               type=pa.large_string())]), dtype="str")
    assert validation._may_have_duplicates(ids) is False
    shuffled = ids.sample(frac=1, random_state=1).reset_index(drop=True)
    assert validation._may_have_duplicates(shuffled) is False
    assert validation._may_have_duplicates(pd.concat([ids, ids.iloc[:1]],
                                                     ignore_index=True)) is True


def test_clean_ascii_column_taken_as_read_and_dirty_one_cleaned(tmp_path):
    letters = string.ascii_uppercase
    people = ("person_id,org_id,roles,gender,education\n"
              + "".join(f"P{c},V1,member,male,primary\n" for c in letters)
              + "PZZ , V1 ,member,male,primary\n")
    folder = _write(tmp_path / "d", {"orgs": BASE["orgs"], "people": people})
    frames = read_and_check(folder, today=TODAY)[2]
    assert frames["people"]["person_id"].iloc[-1] == "PZZ"
    assert frames["people"]["org_id"].tolist() == ["V1"] * 27


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789０１２３４５６７８９- X号码电话\uf8ffab", max_size=30),
                min_size=1, max_size=12), st.integers(1, 3))
def test_identifier_candidates_never_miss_a_prefilter_match(cells, chunks):
    import re

    from pbkit.data.identifiers import PREFILTER_PATTERN

    chunks = min(chunks, len(cells))
    candidates = validation._id_candidates(arrow(cells, chunks))
    for cell, candidate in zip(cells, candidates):
        if re.search(PREFILTER_PATTERN, cell):
            assert candidate, cell
    assert not validation._id_candidates(arrow(["C01-T01-V01-G01", "P0000001"])).any()


def test_mobile_number_in_a_long_org_code_column_still_found(tmp_path):
    people = ("person_id,org_id,roles,gender,education,skills\n"
              "P1,V1,member,male,primary,C01-T01-V01-G01\n"
              "P2,V1,member,male,primary,电话１３８１２３４５６７８\n")
    folder = _write(tmp_path / "d", {"orgs": BASE["orgs"], "people": people})
    report = validation.validate(folder, today=TODAY)
    hits = [i for i in report if i.key.startswith("data.identifier_cell")]
    assert [(i.row, i.column, i.key) for i in hits] == [
        (3, "skills", "data.identifier_cell.mobile")]


def test_table_given_twice_checks_follow_the_kept_copy(tmp_path, monkeypatch):
    folder = _write(tmp_path / "d", BASE)
    # a second people file (sorted after people.csv): reported, and not used for checks
    (folder / "人员.csv").write_text("person_id,org_id,roles,gender,education\n"
                                     "P9,V1,member,male,primary\n", encoding="utf-8")
    monkeypatch.setattr(readers, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(validation, "_PARALLEL_ROWS", 0)
    report_seq, frames_seq = _sequential(folder)
    source, report, frames = read_and_check(folder, today=TODAY)
    assert _issues(report) == _issues(report_seq)
    assert "data.duplicate_table" in [i.key for i in report]
    # W3's person P9 exists only in the dropped copy: still dangling
    assert [i.params["value"] for i in report if i.key == "data.dangling_ref"
            and i.table == "visits"] == ["P9"]
    for name, frame in frames_seq.items():
        pd.testing.assert_frame_equal(frames[name], frame, check_exact=True)


# ------------------------------------------------- whole numbers and dates typed while read

_PEOPLE_HEAD = "person_id,org_id,roles,gender,education,birth_year,join_year,capacity,last_contact\n"


def _people(rows):
    return _PEOPLE_HEAD + "".join(
        f"P{k},V1,member,male,primary,{b},{j},{c},{d}\n" for k, (b, j, c, d) in enumerate(rows))


def test_whole_numbers_and_iso_dates_arrive_typed(tmp_path):
    folder = _write(tmp_path / "d", {"orgs": BASE["orgs"],
                                      "people": _people([(1960, 1985, 2, "2024-03-05"),
                                                         ("", 1990, 3, "")])})
    raw = read_source(folder).tables["people"]
    dtypes = dict(zip(raw.headers, (str(raw.data[j].dtype) for j in raw.data.columns)))
    assert dtypes["capacity"] == "int64" and dtypes["birth_year"] == "Int64"
    assert dtypes["last_contact"] == "datetime64[ns]" and dtypes["person_id"] == "str"
    report, frames = check_source(read_source(folder), today=TODAY)
    assert not report.has_errors
    people = frames["people"]
    assert people["birth_year"].tolist() == [1960, pd.NA]
    assert people["last_contact"].tolist() == [pd.Timestamp("2024-03-05"), pd.NaT]


@pytest.mark.parametrize("column", ["capacity", "birth_year"])
def test_resident_id_in_a_number_column_is_found_and_masked(tmp_path, column):
    # 18 digits: as a float it would lose its last digits and pass as a number
    ident = "110101199003071233"
    cells = {"capacity": (1960, 1985, ident, ""), "birth_year": (ident, 1985, 1, "")}[column]
    folder = _write(tmp_path / "d", {"orgs": BASE["orgs"],
                                      "people": _people([(1960, 1985, 2, ""), cells])})
    report = validation.validate(folder, today=TODAY)
    about = [i for i in report if i.row == 3 and i.column == column]
    assert [(i.key, i.params) for i in about] == [
        ("data.identifier_cell.resident_id", {"masked": "110***********1233"})]
    assert not any(ident[:12] in i.message("en") for i in report)


def test_mobile_number_in_a_bounded_column_is_not_repeated_as_out_of_range(tmp_path):
    folder = _write(tmp_path / "d", {"orgs": BASE["orgs"],
                                      "people": _people([(1960, 1985, "13812345678", ""),
                                                         (1960, 1985, 99, "")])})
    report = validation.validate(folder, today=TODAY)
    found = [(i.key, i.row, i.column) for i in report if i.severity == "error"]
    assert found == [("data.identifier_cell.mobile", 2, "capacity"),
                     ("data.above_max", 3, "capacity")]
    assert not any("13812345678" in i.message(lang) for i in report for lang in ("zh", "en"))


_int_cell = st.sampled_from(["3", "-3", " 7 ", "0003", "", "4.0", "1,200", "1965年", "x",
                             "2.5", "60", "13812345678", "9223372036854775808", "1e3", "+5",
                             "-0", "\"12\""])
_year_cell = st.sampled_from(["1960", "1990", "", "2090", "1965.0", "abc", "1975"])
_date_cell = st.sampled_from(["2024-03-05", "2024-02-29", "2023-02-29", "1600-01-01",
                              "2300-05-05", "2024/3/5", "2024-3-5", "", "45356",
                              "2099-01-01", "2024年3月5日"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_year_cell, _year_cell, _int_cell, _date_cell), min_size=1,
                max_size=6))
def test_typed_read_reports_what_the_text_read_reports(tmp_path_factory, rows):
    """Whole numbers and ISO dates typed by the CSV reader, or read as text by the general
    reader: the same issues (row, column, message values) and the same frames."""
    folder = _write(tmp_path_factory.mktemp("d"), {"orgs": BASE["orgs"], "people": _people(rows)})
    typed_report, typed_frames = check_source(read_source(folder), today=TODAY)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(readers, "_typed_fast_path", lambda *args, **kwargs: None)
        text_report, text_frames = check_source(read_source(folder), today=TODAY)
    assert _issues(typed_report) == _issues(text_report)
    pd.testing.assert_frame_equal(typed_frames["people"], text_frames["people"],
                                  check_exact=True)
