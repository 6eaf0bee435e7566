"""Raw readers: encodings, table names, blank rows and columns, xlsx writers, zip names.

Every spreadsheet here is built in code: with openpyxl, with xlsxwriter, and by hand the
way LibreOffice Calc writes .xlsx (inline strings, no <dimension>, rows given with explicit
``r`` numbers and gaps, date serials with a date style). LibreOffice itself (``soffice``)
is not installed on the build machine, so a real LibreOffice export is emulated.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from pbkit.data.readers import column_letter, decode_bytes, detect_table, read_source
from pbkit.errors import DataError, UsageError

ORGS_ZH = "组织编号,层级,名称代码\nV1,村,𠮷庄€\nT1,乡镇,T01\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------ encodings

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings_detected(tmp_path, encoding):
    write(tmp_path / "组织.csv", ORGS_ZH, encoding)
    src = read_source(tmp_path)
    assert not [i for i in src.issues if i.severity == "error"]
    rt = src.tables["orgs"]
    assert rt.headers == ("组织编号", "层级", "名称代码")
    assert rt.data[2].tolist() == ["𠮷庄€", "T01"]
    assert rt.rows.tolist() == [2, 3]


def test_gbk_bytes_decoded_as_gb18030(tmp_path):
    # plain GBK bytes (no 𠮷) are valid GB18030
    write(tmp_path / "orgs.csv", "组织编号,层级\nV1,村\n", "gbk")
    src = read_source(tmp_path)
    assert src.tables["orgs"].data[1].tolist() == ["村"]


def test_header_only_gbk_file_detected(tmp_path):
    write(tmp_path / "人员.csv", "人员编号,所在组织编号,角色,性别,学历\n", "gbk")
    src = read_source(tmp_path)
    assert src.tables["people"].headers == ("人员编号", "所在组织编号", "角色", "性别", "学历")
    assert len(src.tables["people"].data) == 0


def test_encoding_override(tmp_path):
    write(tmp_path / "orgs.csv", "org_id,level\nV1,村\n", "gb18030")
    src = read_source(tmp_path, encoding="GBK")
    assert src.tables["orgs"].data[1].tolist() == ["村"]


def test_wrong_encoding_override_reports_line(tmp_path):
    write(tmp_path / "orgs.csv", "org_id,level\nV1,village\nV2,村\n", "gb18030")
    src = read_source(tmp_path, encoding="utf-8")
    [issue] = [i for i in src.issues if i.severity == "error"]
    assert (issue.file, issue.table, issue.key) == ("orgs.csv", "orgs", "data.encoding_failed")
    assert issue.message("en") == "cannot decode as utf-8: invalid bytes near line 3"
    assert issue.message("zh") == "无法按编码 utf-8 解码，第 3 行附近有无效字节"


def test_unknown_encoding_name_is_usage_error(tmp_path):
    with pytest.raises(UsageError) as err:
        read_source(tmp_path, encoding="no-such-codec")
    assert err.value.render("en") == "unknown encoding name no-such-codec"


def test_undecodable_bytes_reported(tmp_path):
    (tmp_path / "orgs.csv").write_bytes(b"org_id,level\n\xff\xfe\x80\x80,\x81\x20\n")
    src = read_source(tmp_path)
    [issue] = [i for i in src.issues if i.severity == "error"]
    assert (issue.file, issue.table, issue.key) == ("orgs.csv", "orgs", "data.encoding_unknown")
    assert "GB18030" in issue.message("en") and "GB18030" in issue.message("zh")


def test_decode_rule_order():
    assert decode_bytes("a,b".encode("utf-8-sig")) == ("a,b", "utf-8-sig")
    assert decode_bytes("村".encode())[1] == "utf-8"
    assert decode_bytes("村".encode("gbk"))[1] == "gb18030"
    assert decode_bytes("𠮷€".encode("gb18030")) == ("𠮷€", "gb18030")


# ------------------------------------------------------------------ table names

@pytest.mark.parametrize("name, table", [
    ("orgs.csv", "orgs"), ("组织.csv", "orgs"), ("ORGS.CSV", "orgs"),
    ("people.csv", "people"), ("人员.csv", "people"), ("党员.csv", "people"),
    ("党员名册.csv", "people"), ("01_people.csv", "people"), ("people (1).csv", "people"),
    ("人员表.csv", "people"), ("人员-副本.csv", "people"), ("households.csv", "households"),
    ("困难户.csv", "households"), ("结对.csv", "pairings"), ("结对关系.csv", "pairings"),
    ("activities.csv", "activities"), ("组织生活.csv", "activities"),
    ("组织生活记录表.csv", "activities"), ("visits.csv", "visits"), ("走访记录.csv", "visits"),
    ("readme.csv", None), ("people_households.csv", None),
])
def test_detect_table(name, table):
    assert detect_table(name) == table


def test_unknown_file_warning_and_non_csv_ignored(tmp_path):
    write(tmp_path / "orgs.csv", "org_id,level\nV1,village\n")
    write(tmp_path / "notes.csv", "a\n1\n")
    write(tmp_path / "README.md", "# hi\n")
    src = read_source(tmp_path)
    [issue] = src.issues
    assert (issue.severity, issue.key, issue.file) == ("warning", "data.unknown_file", "notes.csv")
    assert "orgs(组织)" in issue.message("en")


def test_same_table_twice_is_an_error(tmp_path):
    write(tmp_path / "orgs.csv", "org_id,level\nV1,village\n")
    write(tmp_path / "组织.csv", "org_id,level\nV2,village\n")
    src = read_source(tmp_path)
    [issue] = src.issues
    assert (issue.severity, issue.file, issue.table) == ("error", "组织.csv", "orgs")
    assert issue.message("en") == ("table orgs is already given by orgs.csv; a table may come "
                                   "from one file only")


# ------------------------------------------------------------------ rows and columns

def test_blank_rows_and_columns_keep_user_row_numbers(tmp_path):
    text = ("org_id,,level,\n"
            "\n"
            "V1,,village,\n"
            ",,,\n"
            "  ,  ,  ,\n"
            "V2,,village,\n")
    write(tmp_path / "orgs.csv", text)
    rt = read_source(tmp_path).tables["orgs"]
    assert rt.headers == ("org_id", "level")
    assert rt.rows.tolist() == [3, 6]
    assert rt.data[0].tolist() == ["V1", "V2"]


def test_multiline_quoted_cell_counts_one_row(tmp_path):
    write(tmp_path / "orgs.csv", 'org_id,level,name_code\nV1,village,"a\nb"\nV2,village,c\n')
    rt = read_source(tmp_path).tables["orgs"]
    assert rt.rows.tolist() == [2, 3]
    assert rt.data[2].tolist() == ["a\nb", "c"]


def test_title_row_above_header(tmp_path):
    write(tmp_path / "人员.csv", "某某村党员名册,,,,\n人员编号,所在组织编号,角色,性别,学历\n"
                                 "P1,V1,党员,男,初中\n")
    src = read_source(tmp_path)
    rt = src.tables["people"]
    assert rt.header_row == 2
    assert rt.rows.tolist() == [3]
    [issue] = src.issues
    assert (issue.key, issue.row, issue.file) == ("data.rows_above_header", 1, "人员.csv")
    assert issue.message("en") == ("the header is on row 2; the rows above it (such as a "
                                   "title) were ignored")


def test_ragged_rows_and_unnamed_column(tmp_path):
    write(tmp_path / "orgs.csv", "org_id,level\nV1,village\nV2,village,extra\n")
    src = read_source(tmp_path)
    rt = src.tables["orgs"]
    assert rt.headers == ("org_id", "level")
    assert rt.data[0].tolist() == ["V1", "V2"]
    [issue] = src.issues
    assert (issue.key, issue.row) == ("data.unnamed_column", 3)
    assert issue.message("en") == "column C has data but no header; ignored"


def test_semicolon_and_tab_separated(tmp_path):
    write(tmp_path / "orgs.csv", "org_id;level\nV1;village\n")
    write(tmp_path / "people.tsv", "person_id\torg_id\nP1\tV1\n")
    src = read_source(tmp_path)
    assert src.tables["orgs"].headers == ("org_id", "level")
    assert src.tables["people"].headers == ("person_id", "org_id")


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 701, 702)] == \
        ["A", "B", "Z", "AA", "ZZ", "AAA"]


# ------------------------------------------------------------------ xlsx

def openpyxl_book(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "组织"
    ws.append(["组织编号", "层级"])
    ws.append(["V1", "村"])
    ws2 = wb.create_sheet("活动")
    ws2.append(["活动编号", "组织编号", "类型", "日期", "应到人数", "实到人数"])
    ws2.append([])  # blank row 2
    ws2.append(["A1", "V1", "党课", dt.datetime(2024, 3, 5), 10, 8.0])
    ws2.append(["A2", "V1", "支委会", 45356, 5, 5])
    wb.create_sheet("说明").append(["这是说明"])
    wb.save(path)
    return path


def xlsxwriter_book(path: Path) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("orgs")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["org_id", "level", "weak_lax"])
    ws.write_row(1, 0, ["V1", "village"])
    ws.write_boolean(1, 2, True)
    ws2 = wb.add_worksheet("activities")
    ws2.write_row(0, 0, ["activity_id", "org_id", "kind", "date", "expected", "attended"])
    ws2.write_row(3, 0, ["A1", "V1", "party_lesson"])
    ws2.write_datetime(3, 3, dt.datetime(2024, 3, 5), date_fmt)
    ws2.write_number(3, 4, 10)
    ws2.write_number(3, 5, 8)
    wb.close()
    return path


def libreoffice_style_book(path: Path) -> Path:
    """An .xlsx as LibreOffice Calc writes it: inline strings, no dimension, gaps in rows."""
    ct = ('<?xml version="1.0" encoding="UTF-8"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
          'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
          'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.styles+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')
    workbook = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
                'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
                'openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                '<sheet name="人员" sheetId="1" state="visible" r:id="rId2"/></sheets></workbook>')
    wb_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
               'openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
               '2006/relationships/styles" Target="styles.xml"/>'
               '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
               '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
               '</Relationships>')
    styles = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.'
              'openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt '
              'numFmtId="164" formatCode="YYYY/MM/DD"/></numFmts><fonts count="1"><font><sz val="10"/>'
              '<name val="Arial"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill>'
              '<fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs><cellXfs count="2">'
              '<xf numFmtId="0" xfId="0"/><xf numFmtId="164" xfId="0" applyNumberFormat="1"/>'
              '</cellXfs></styleSheet>')

    def s(ref, value):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'

    def n(ref, value, style=0):
        return f'<c r="{ref}" s="{style}" t="n"><v>{value}</v></c>'

    header = "".join(s(f"{c}1", v) for c, v in zip(
        "ABCDEFG", ["人员编号", "所在组织编号", "角色", "性别", "学历", "出生年份", "最近联系日期"]))
    row3 = "".join([s("A3", "P1"), s("B3", "V1"), s("C3", "书记、党员"), s("D3", "男"),
                    s("E3", "高中"), n("F3", 1961), n("G3", 45356, 1)])
    row4 = "".join([s("A4", "P2"), s("B4", "V1"), s("C4", "党员"), s("D4", "女"),
                    s("E4", "初中"), n("F4", "1970.0"), '<c r="G4" s="1"/>'])
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             f'<row r="1">{header}</row><row r="3">{row3}</row><row r="4">{row4}</row>'
             '<row r="6"><c r="A6" s="0"/></row></sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", ct)
        zf.writestr("_rels/.rels", rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        zf.writestr("xl/styles.xml", styles)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_xlsx_openpyxl_sheets_rows_and_values(tmp_path):
    src = read_source(openpyxl_book(tmp_path / "branch.xlsx"))
    assert set(src.tables) == {"orgs", "activities"}
    acts = src.tables["activities"]
    assert acts.file == "branch.xlsx" and acts.sheet == "活动"
    assert acts.rows.tolist() == [3, 4]
    assert acts.data[3].tolist() == ["2024-03-05", "45356"]
    assert acts.data[5].tolist() == ["8", "5"]
    [issue] = src.issues
    assert (issue.key, issue.file) == ("data.unknown_sheet", "branch.xlsx")
    assert "说明" in issue.message("zh")


def test_xlsx_written_by_xlsxwriter(tmp_path):
    src = read_source(xlsxwriter_book(tmp_path / "data.xlsx"))
    assert src.tables["orgs"].data[2].tolist() == ["true"]
    acts = src.tables["activities"]
    assert acts.rows.tolist() == [4]
    assert acts.data[3].tolist() == ["2024-03-05"]


def test_xlsx_written_like_libreoffice(tmp_path):
    src = read_source(libreoffice_style_book(tmp_path / "lo.xlsx"))
    assert not src.issues
    rt = src.tables["people"]
    assert rt.rows.tolist() == [3, 4]
    assert rt.data[5].tolist() == ["1961", "1970"]
    assert rt.data[6].tolist() == ["2024-03-05", ""]


def test_single_sheet_named_sheet1_uses_file_name(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["org_id", "level"])
    wb.active.append(["V1", "village"])
    wb.save(tmp_path / "组织.xlsx")
    src = read_source(tmp_path / "组织.xlsx")
    assert list(src.tables) == ["orgs"]


def test_corrupt_xlsx_is_reported(tmp_path):
    path = openpyxl_book(tmp_path / "branch.xlsx")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    src = read_source(path)
    [issue] = src.issues
    assert (issue.severity, issue.key, issue.file) == ("error", "data.bad_xlsx", "branch.xlsx")


def test_xls_refused_with_advice(tmp_path):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    [issue] = read_source(tmp_path / "old.xls").issues
    assert issue.message("en").startswith("the old .xls format cannot be read")


# ------------------------------------------------------------------ zip

def test_zip_of_csv_with_gbk_member_names(tmp_path):
    """Windows zip tools store Chinese member names as GBK bytes without the UTF-8 flag."""
    path = tmp_path / "export.zip"
    gbk_name = "导出/组织.csv".encode("gbk")
    placeholder = b"Q" * len(gbk_name)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(placeholder.decode(), "组织编号,层级\nV1,村\n".encode("gb18030"))
        zf.writestr("__MACOSX/._x.csv", b"junk")
    raw = path.read_bytes()
    assert raw.count(placeholder) == 2  # local header and central directory
    path.write_bytes(raw.replace(placeholder, gbk_name))
    src = read_source(path)
    assert not src.issues
    rt = src.tables["orgs"]
    assert rt.file == "export.zip/导出/组织.csv"
    assert rt.data[1].tolist() == ["村"]


def test_bad_zip_reported(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"PK\x03\x04not really")
    [issue] = read_source(tmp_path / "x.zip").issues
    assert (issue.severity, issue.key, issue.file) == ("error", "data.bad_zip", "x.zip")


# ------------------------------------------------------------------ paths

def test_missing_path_raises_one_line(tmp_path):
    with pytest.raises(DataError) as err:
        read_source(tmp_path / "nope")
    assert err.value.render("en").endswith("nope: no such file or folder")
    assert err.value.render("zh").endswith("nope：文件或文件夹不存在")


def test_unsupported_suffix(tmp_path):
    (tmp_path / "data.json").write_text("{}")
    with pytest.raises(DataError) as err:
        read_source(tmp_path / "data.json")
    assert "unsupported file type .json" in err.value.render("en")


# ------------------------------------------------------------------ hostile inputs

def test_xlsx_far_row_number_is_not_materialised(tmp_path):
    """A sheet naming row 1,000,000 must not build a million empty rows (fuzz finding)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "orgs"
    ws.append(["org_id", "level"])
    ws.cell(row=1_000_000, column=1, value="V9")
    ws.cell(row=1_000_000, column=2, value="village")
    wb.save(tmp_path / "far.xlsx")
    rt = read_source(tmp_path / "far.xlsx").tables["orgs"]
    assert rt.rows.tolist() == [1_000_000]
    assert rt.data[0].tolist() == ["V9"]


def test_long_names_and_cells_stay_fast(tmp_path):
    from pbkit.data.normalize import parse_date, parse_int

    assert detect_table("people_" + "1" * 5000 + "x.csv") is None
    assert detect_table("people" + "_2024" * 30) is None  # over the name length bound
    import pandas as pd

    long_cell = "1" + " " * 200_000 + "x"
    _values, bad = parse_date(pd.Series([long_cell, "2024/3/5"], dtype="str"))
    assert bad.tolist() == [True, False]
    _values, bad = parse_int(pd.Series([long_cell, "5人"], dtype="str"))
    assert bad.tolist() == [True, False]
