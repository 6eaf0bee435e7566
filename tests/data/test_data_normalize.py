"""Cell normalisation: text, numbers, dates, yes/no, enum labels, multi-value cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pbkit.data.normalize import (
    clean_text,
    enum_lookup,
    parse_bool,
    parse_date,
    parse_enum,
    parse_float,
    parse_int,
    parse_multi,
    parse_tags,
)
from pbkit.data.schema import ENUM_LABELS, TABLES


def text(values):
    return pd.Series(values, dtype="str")


def arrow_text(values):
    import pyarrow as pa

    return pd.Series(pa.chunked_array([pa.array(values, type=pa.string())]), dtype="str")


@pytest.mark.parametrize("make", [text, arrow_text])
def test_clean_text_full_width_and_whitespace(make):
    out = clean_text(make(["  ＰＥＲ０１ ", "Ｖ０３\u3000", "a\u200bb", '="007"', "\t x \n", ""]))
    assert out.tolist() == ["PER01", "V03", "ab", "007", "x", ""]


def test_clean_text_ascii_fast_path_keeps_values():
    out = clean_text(arrow_text(["P1", " P2", "P3 "]))
    assert out.tolist() == ["P1", "P2", "P3"]
    assert str(out.dtype) == "str"


@pytest.mark.parametrize("make", [text, arrow_text])
def test_parse_int_variants(make):
    values, bad = parse_int(make(["12", "1,200", "3.0", "+7", "1965年", "12人", "2.5", "abc",
                                  "", "1e3"]))
    assert values.tolist()[:7] == [12, 1200, 3, 7, 1965, 12, pd.NA]
    assert bad.tolist() == [False, False, False, False, False, False, True, True, False, False]
    assert values.tolist()[9] == 1000
    assert str(values.dtype) == "Int64"


def test_parse_int_full_width_after_cleaning():
    values, bad = parse_int(clean_text(text(["１９６５", "２０"])))
    assert values.tolist() == [1965, 20]
    assert not bad.any()


def test_parse_int_numeric_column_from_xlsx():
    values, bad = parse_int(pd.Series([1.0, 2.0, np.nan, 2.5]))
    assert values.tolist() == [1, 2, pd.NA, pd.NA]
    assert bad.tolist() == [False, False, False, True]


@pytest.mark.parametrize("make", [text, arrow_text])
def test_parse_float(make):
    values, bad = parse_float(make(["1.5", "-2", "1,234.5", "x", "", "nan"]))
    assert values.tolist()[:3] == [1.5, -2.0, 1234.5]
    assert bad.tolist() == [False, False, False, True, False, True]


@pytest.mark.parametrize("make", [text, arrow_text])
@pytest.mark.parametrize("spelling", [
    "2024-03-05", "2024/3/5", "2024/03/05", "2024年3月5日", "2024.3.5", "2024-3-5",
    "20240305", "45356", "45356.0", "2024-03-05 00:00:00", "2024-03-05 14:30", "2024年3月5号",
    "2024 年 3 月 5 日",
])
def test_parse_date_spellings(make, spelling):
    values, bad = parse_date(make([spelling]))
    assert not bad.any(), spelling
    assert values.iloc[0] == pd.Timestamp("2024-03-05")
    assert str(values.dtype) == "datetime64[ns]"


@pytest.mark.parametrize("bad_value", ["2024-02-30", "2024-13-01", "昨天", "3/5/2024x",
                                       "99999999", "0"])
def test_parse_date_rejects(bad_value):
    values, bad = parse_date(text([bad_value, "2024-01-01"]))
    assert bad.tolist() == [True, False]
    assert pd.isna(values.iloc[0])


def test_parse_date_month_only_is_first_day():
    values, bad = parse_date(text(["2024-03", "2024年3月"]))
    assert not bad.any()
    assert values.tolist() == [pd.Timestamp("2024-03-01")] * 2


def test_parse_date_mixed_clean_and_excel_serials_positions():
    values, bad = parse_date(arrow_text(["2024-01-01", "", "45356", "x"]))
    assert bad.tolist() == [False, False, False, True]
    assert values.iloc[2] == pd.Timestamp("2024-03-05")
    assert pd.isna(values.iloc[1])


@pytest.mark.parametrize("make", [text, arrow_text])
def test_parse_bool_zh_en(make):
    values, bad = parse_bool(make(["是", "否", "true", "FALSE", "1", "0", "Y", "n", "yes", "No",
                                   "对", "√", "×", "maybe", ""]))
    assert values.tolist()[:13] == [True, False, True, False, True, False, True, False, True,
                                    False, True, True, False]
    assert bad.tolist() == [False] * 13 + [True, False]
    assert str(values.dtype) == "boolean"


def test_parse_enum_codes_labels_synonyms():
    col = TABLES["people"].column("education")
    values, bad = parse_enum(arrow_text(["初中", "高中/中专", "本科", "Bachelor", "大学本科",
                                         "硕士", "高中", "博士后?", ""]), col)
    assert values.tolist()[:7] == ["junior_high", "senior_high", "bachelor", "bachelor",
                                   "bachelor", "postgraduate", "senior_high"]
    assert bad.tolist() == [False] * 7 + [True, False]


def test_every_enum_label_maps_back_to_its_code():
    for table in TABLES.values():
        for col in table.columns:
            if col.kind not in ("enum", "multi"):
                continue
            lookup = enum_lookup(tuple(col.values))
            for code in col.values:
                values, bad = parse_enum(text([code, ENUM_LABELS.get(code, code)]), col)
                assert values.tolist() == [code, code], (table.name, col.name, code)
                assert not bad.any()
            assert lookup


def test_parse_enum_age_band_spellings():
    col = TABLES["people"].column("age_band")
    values, bad = parse_enum(text(["60-69", "60～69岁", "60至69", "80岁以上", "18-29"]), col)
    assert values.tolist() == ["60-69", "60-69", "60-69", "80+", "18-29"]
    assert not bad.any()


@pytest.mark.parametrize("cell, expected", [
    ("secretary;member", ("secretary", "member")),
    ("书记、党员", ("secretary", "member")),
    ("书记，党员", ("secretary", "member")),
    ("书记；党员", ("secretary", "member")),
    ("书记|第一书记", ("secretary", "first_secretary")),
    ("书记/委员", ("secretary", "committee_member")),
    ("member, member", ("member",)),
    ("", ()),
])
def test_parse_multi_separators(cell, expected):
    col = TABLES["people"].column("roles")
    values, bad, parts = parse_multi(clean_text(text([cell])), col)
    assert values.iloc[0] == expected
    assert not bad.any()


def test_parse_multi_reports_unknown_parts():
    col = TABLES["households"].column("needs")
    values, bad, parts = parse_multi(text(["独居老人;外星人;低保", "残疾"]), col)
    assert values.tolist() == [("elderly_alone", "low_income"), ("disabled",)]
    assert bad.tolist() == [True, False]
    assert parts.tolist() == ["外星人", ""]


def test_parse_tags():
    out = parse_tags(arrow_text(["医疗;农技", "", "法律、法律"]))
    assert out.tolist() == [("医疗", "农技"), (), ("法律",)]
