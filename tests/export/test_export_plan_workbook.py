"""The plan workbook a secretary files with the township: labels, numbers, scope, print set-up."""

from __future__ import annotations

import openpyxl
import pytest

from pbkit.data.sample import load_sample
from pbkit.export.plan_workbook import plan_file_name, plan_sheets, write_plan_workbook
from pbkit.networks import plan

HEADER_ROW = 7  # five title lines, one blank line, then the header


@pytest.fixture(scope="module")
def sample_plan():
    ds = load_sample()
    return ds, plan(ds, "one_on_one", keep_existing=True)


def _rows(ws):
    return list(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))


def test_sheets_headers_and_title_block_are_in_chinese(sample_plan, tmp_path):
    ds, p = sample_plan
    book = openpyxl.load_workbook(write_plan_workbook(p, tmp_path / "p.xlsx", ds))
    assert book.sheetnames == ["结对名单", "未覆盖的困难户", "方案汇总"]
    pairs = book["结对名单"]
    assert pairs["A1"].value == "一对一结对帮扶方案"
    assert [pairs.cell(row=r, column=1).value.split("：")[0] for r in range(2, 6)] == [
        "乡镇", "范围", "生成日期", "结对机制"]
    header = [c.value for c in pairs[HEADER_ROW]]
    assert header == ["序号", "村", "帮扶人", "困难户", "距离（公里）", "状态", "说明"]
    assert {r[5] for r in _rows(pairs)} <= {"新结对", "保留", "锁定"}
    text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row
                    if c.value is not None)
    for code in ("source_id", "target_id", "cost", "True", "False", "{", "one_on_one"):
        assert code not in text


def test_numbers_are_numbers_and_distance_is_in_km(sample_plan, tmp_path):
    ds, p = sample_plan
    book = openpyxl.load_workbook(write_plan_workbook(p, tmp_path / "p.xlsx", ds))
    rows = _rows(book["结对名单"])
    assert all(isinstance(r[0], int) and isinstance(r[4], (int, float)) for r in rows)
    assert max(r[4] for r in rows) == pytest.approx(round(p.pairs["distance_km"].max(), 1))
    summary = {r[0]: r[1] for r in _rows(book["方案汇总"])}
    assert summary["困难户（户）"] == p.objective["needy"]
    assert summary["覆盖率"] == pytest.approx(p.objective["coverage_rate"])
    assert isinstance(summary["结对（对）"], int)
    assert summary["保留现有结对"] == "是"
    assert book["方案汇总"].cell(row=HEADER_ROW + 4, column=2).number_format == "0.0%"


def test_village_scope_holds_that_village_only(sample_plan, tmp_path):
    ds, p = sample_plan
    village = "T01-V03"
    book = openpyxl.load_workbook(
        write_plan_workbook(p, tmp_path / "v.xlsx", ds, village=village))
    rows = _rows(book["结对名单"])
    expected = p.pairs[p.pairs["village"] == village]
    name = ds.orgs.set_index("org_id").loc[village, "name_code"]  # the village's pseudonym
    assert len(rows) == len(expected) > 0
    assert {r[1] for r in rows} == {name} and name != village
    summary = {r[0]: r[1] for r in _rows(book["方案汇总"])}
    assert summary["结对（对）"] == len(expected)
    assert summary["方案覆盖（户）"] == expected["target_id"].nunique()
    assert book["结对名单"]["A3"].value == f"范围：{name}"


def test_village_display_names_are_used_when_the_data_has_them(sample_plan):
    ds, p = sample_plan
    orgs = ds.orgs.assign(name_code=ds.orgs["org_id"].map({"T01-V03": "河湾村", "T01": "东山镇"}))
    named = type("Named", (), {"orgs": orgs})()
    sheets = plan_sheets(p, named, village="T01-V03")
    assert set(sheets.pairs["村"]) == {"河湾村"}
    assert sheets.header_lines[:2] == ("乡镇：东山镇", "范围：河湾村")


def test_printable_a4_landscape_frozen_header_repeated(sample_plan, tmp_path):
    ds, p = sample_plan
    book = openpyxl.load_workbook(write_plan_workbook(p, tmp_path / "p.xlsx", ds))
    for ws in book:
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert ws.print_area
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert book["结对名单"].column_dimensions["G"].width > 40  # the reason column wraps


def test_english_workbook_and_empty_uncovered_sheet_says_so(sample_plan, tmp_path):
    ds, _ = sample_plan
    p = plan(ds, "one_on_one", lang="en")
    book = openpyxl.load_workbook(write_plan_workbook(p, tmp_path / "en.xlsx", ds, lang="en"))
    assert book.sheetnames == ["Pairs", "Uncovered households", "Summary"]
    assert [c.value for c in book["Pairs"][HEADER_ROW]][:4] == ["No.", "Village", "Helper",
                                                               "Households"]
    if p.uncovered.empty:
        assert book["Uncovered households"].cell(row=HEADER_ROW + 1, column=1).value.startswith(
            "Everything in this scope is paired")


def test_cells_that_look_like_formulas_stay_text(sample_plan, tmp_path):
    ds, p = sample_plan
    evil = p.pairs.copy()
    evil.loc[evil.index[0], "reason"] = "=HYPERLINK(\"http://x\")"
    bad = type(p)(p.mechanism, p.objective, evil, p.uncovered, p.lang)
    book = openpyxl.load_workbook(write_plan_workbook(bad, tmp_path / "e.xlsx", ds))
    cell = book["结对名单"].cell(row=HEADER_ROW + 1, column=7)
    assert cell.data_type != "f" and cell.value.startswith("'=")


def test_file_name_names_village_and_date():
    assert plan_file_name("河湾村", "2026-12-07") == "结对方案_河湾村_2026-12-07.xlsx"
    assert plan_file_name("a/b c", "2026-12-07", lang="en") == "pairing-plan_a-b-c_2026-12-07.xlsx"
