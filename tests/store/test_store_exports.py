"""Every export opens with no live formula: .xlsx cells are never formulas and no text cell
in an .xlsx or .csv starts with = + - @, tab, CR or LF (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from store_helpers import make_score

from pbkit.errors import StoreError
from pbkit.export import DANGEROUS_PREFIXES, write_csv, write_xlsx
from pbkit.store.api import ResultsStore

NASTY = [
    '=HYPERLINK("http://127.0.0.1/x?"&A1,"点我查看成绩")',
    "@SUM(1)",
    "+1",
    "-1",
    "\tx",
    "\rx",
    "\nx",
    "=cmd|' /C calc'!A0",
]


def xlsx_cells(path):
    book = openpyxl.load_workbook(path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def csv_cells(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            yield from row


def assert_no_formula_xlsx(path) -> list[str]:
    texts = []
    for sheet, cell in xlsx_cells(path):
        assert cell.data_type != "f", f"{sheet}!{cell.coordinate} is a formula"
        if isinstance(cell.value, str):
            # xlsx stores a carriage return as _x000D_; Excel shows it as CR
            value = cell.value.replace("_x000D_", "\r")
            assert not value.startswith(DANGEROUS_PREFIXES), (
                f"{sheet}!{cell.coordinate} starts with a formula character: {value!r}")
            texts.append(value)
    return texts


def assert_no_formula_csv(path) -> list[str]:
    cells = list(csv_cells(path))
    for value in cells:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n")), repr(value)
    return cells


@pytest.fixture
def nasty_store(sqlite_url):
    store = ResultsStore(sqlite_url)
    store.ensure_cohort("C1", "一班")
    for i, answer in enumerate(NASTY, start=1):
        tid = f"T{i:04d}"
        store.ensure_trainee(tid, "C1")
        score = make_score((1, 2, 3))
        score["criteria"][0]["feedback"] = answer  # a scorer echoing the answer back
        receipt = store.submit_attempt(f"sub-{i}", tid, "s1", [answer, "第二轮"], score)
        store.add_human_score(receipt.attempt_id, "R01", "listen", 2)
        store.save_quiz_answer(tid, "lesson-1", "q1", answer, False)
    yield store
    store.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gradebook_xlsx_has_no_formula_and_keeps_the_text(nasty_store, tmp_path, lang):
    out = nasty_store.export_gradebook("C1", tmp_path / "gradebook.xlsx", lang=lang)
    texts = assert_no_formula_xlsx(out)
    book = openpyxl.load_workbook(out)
    expected_sheets = (["成绩册", "作答记录", "分项评分", "测验"] if lang == "zh"
                       else ["gradebook", "attempts", "scores", "quiz"])
    assert book.sheetnames == expected_sheets
    first = book.worksheets[0]
    header = [c.value for c in first[1]]
    assert header[:3] == (["班级", "学员编号", "情景"] if lang == "zh"
                          else ["class", "trainee code", "scenario"])
    for answer in NASTY:  # neutralised with a leading quote, otherwise intact
        assert "'" + answer in texts
    status_col = header.index("状态" if lang == "zh" else "status")
    assert {row[status_col].value for row in first.iter_rows(min_row=2)} == {
        "已评分" if lang == "zh" else "scored"}
    answer_col = header.index("最近回答" if lang == "zh" else "latest answer")
    answers = [row[answer_col].value.replace("_x000D_", "\r")
               for row in first.iter_rows(min_row=2)]
    assert answers == ["'" + a + "\n\n第二轮" for a in NASTY]
    assert [row[0].value for row in book.worksheets[2].iter_rows(min_row=2)][:1] == [1]


def test_gradebook_csv_has_no_formula_and_keeps_the_text(nasty_store, tmp_path):
    out = nasty_store.export_gradebook("C1", tmp_path / "gradebook.csv", lang="en")
    cells = assert_no_formula_csv(out)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
    for answer in NASTY:  # the latest answer: both turns, neutralised as one cell
        assert "'" + answer + "\n\n第二轮" in cells
    frame = pd.read_csv(out, encoding="utf-8-sig")
    assert frame["trainee code"].tolist() == [f"T{i:04d}" for i in range(1, len(NASTY) + 1)]
    assert frame["final total"].tolist() == [66.7] * len(NASTY)


def test_exporting_to_another_format_is_refused(nasty_store, tmp_path):
    with pytest.raises(StoreError) as info:
        nasty_store.export_gradebook("C1", tmp_path / "gradebook.ods")
    assert info.value.render("en") == "cannot export to .ods: use .xlsx or .csv"
    assert not (tmp_path / "gradebook.ods").exists()


def test_export_writers_neutralise_every_kind_of_column(tmp_path):
    frame = pd.DataFrame({
        "=header": ["ok", "ok"],
        "object": pd.Series(["=1+1", "@x"], dtype=object),
        "str": pd.Series(["+2", "-3"], dtype="str"),
        "string": pd.array(["\t4", None], dtype="string"),
        "category": pd.Categorical(["=5", "\r6"]),
        "tuple": [("=a", "b"), ("c",)],
        "list": [["=x"], {"k": "=y"}],
        "number": [1.5, 2.0],
    })
    xlsx = write_xlsx({"sheet": frame}, tmp_path / "x.xlsx")
    texts = assert_no_formula_xlsx(xlsx)
    assert {"'=header", "'=1+1", "'@x", "'+2", "'-3", "'\t4", "'=5", "'\r6", "'=a;b"} <= set(
        texts)
    out = write_csv(frame, tmp_path / "x.csv")
    cells = assert_no_formula_csv(out)
    assert "'=5" in cells and "'=a;b" in cells


def test_pandas_default_writer_would_have_written_a_formula(tmp_path):
    """Why write_xlsx exists: pandas' own writer makes '=...' a live formula."""
    path = tmp_path / "raw.xlsx"
    pd.DataFrame({"a": ["=1+1"]}).to_excel(path, index=False, engine="xlsxwriter")
    cell = openpyxl.load_workbook(path).active["A2"]
    assert cell.data_type == "f"
    buf = io.StringIO()
    pd.DataFrame({"a": ["=1+1"]}).to_csv(buf, index=False)
    assert buf.getvalue().splitlines()[1] == "=1+1"
