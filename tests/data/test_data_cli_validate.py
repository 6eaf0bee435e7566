"""``pbkit validate``: report text and JSON, exit codes, languages, encoding override."""

from __future__ import annotations

import json
from pathlib import Path

from pbkit.cli import main

ORGS = "org_id,parent_id,level\nT1,,township\nV1,T1,village\n"
PEOPLE = ("person_id,org_id,roles,gender,education\n"
          "P1,V1,member,male,junior_high\n"
          "P2,V1,member,female,junior_high\n")


def dataset(tmp_path: Path, people: str = PEOPLE, encoding: str = "utf-8") -> Path:
    (tmp_path / "orgs.csv").write_bytes(ORGS.encode(encoding))
    (tmp_path / "people.csv").write_bytes(people.encode(encoding))
    return tmp_path


def test_clean_dataset_exit_0(tmp_path, capsys):
    code = main(["validate", str(dataset(tmp_path)), "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.strip() == f"{tmp_path}: no problems found"


def test_clean_dataset_zh(tmp_path, capsys):
    assert main(["validate", str(dataset(tmp_path)), "--lang", "zh"]) == 0
    assert capsys.readouterr().out.strip() == f"{tmp_path}：没有发现问题"


def test_errors_exit_2_with_located_lines(tmp_path, capsys):
    people = PEOPLE.replace("P2,V1,member,female", "P2,V9,member,女人")
    code = main(["validate", str(dataset(tmp_path, people)), "--lang", "en"])
    out = capsys.readouterr().out.splitlines()
    assert code == 2
    assert out == [
        "[error] people.csv: table people, row 3, column gender: invalid value 女人; allowed: "
        "male(男), female(女)",
        "[error] people.csv: table people, row 3, column org_id: V9 does not exist in table orgs",
        "2 error(s), 0 warning(s)",
    ]


def test_errors_in_chinese(tmp_path, capsys):
    people = PEOPLE.replace("P2,V1", "P2,V9")
    assert main(["validate", str(dataset(tmp_path, people)), "--lang", "zh"]) == 2
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[错误] people.csv：表 people，第 3 行，列 org_id：V9 在表 orgs 中不存在"
    assert out[-1] == "共 1 个错误，0 个警告"


def test_json_output(tmp_path, capsys):
    people = PEOPLE.replace("education\n", "education,备注\n").replace(
        "junior_high\n", "junior_high,x\n")
    code = main(["validate", str(dataset(tmp_path, people)), "--json", "--lang", "en"])
    records = json.loads(capsys.readouterr().out)
    assert code == 0  # warnings only
    assert records == [{"severity": "warning", "code": "data.unknown_column",
                        "file": "people.csv", "table": "people", "row": None,
                        "column": "备注", "value": None,
                        "message": "unknown column; ignored"}]


def test_json_identifier_masked(tmp_path, capsys):
    people = PEOPLE.replace("P1,V1,member", "P1 13812345678,V1,member")
    code = main(["validate", str(dataset(tmp_path, people)), "--json", "--lang", "zh"])
    raw = capsys.readouterr().out
    assert code == 2
    assert "13812345678" not in raw
    records = json.loads(raw)
    first = records[0]
    assert {k: first[k] for k in ("severity", "file", "table", "row", "column")} == {
        "severity": "error", "file": "people.csv", "table": "people", "row": 2,
        "column": "person_id"}
    assert "138****5678" in first["message"]
    assert first["value"] == "…138****5678"


def test_missing_path_one_line_exit_2(tmp_path, capsys):
    code = main(["validate", str(tmp_path / "missing"), "--lang", "en"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        f"pbkit validate: {tmp_path / 'missing'}: no such file or folder"]


def test_encoding_override(tmp_path, capsys):
    people = PEOPLE.replace("male,junior_high\nP2", "男,初中\nP2")
    path = dataset(tmp_path, people, encoding="gb18030")
    assert main(["validate", str(path), "--encoding", "gbk", "--lang", "en"]) == 0
    assert main(["validate", str(path), "--encoding", "utf-8", "--lang", "en"]) == 2
    out = capsys.readouterr().out
    assert "cannot decode as utf-8: invalid bytes near line 2" in out


def test_unknown_encoding_one_line(tmp_path, capsys):
    code = main(["validate", str(dataset(tmp_path)), "--encoding", "klingon", "--lang", "en"])
    assert code == 2
    assert capsys.readouterr().err.strip() == "pbkit validate: unknown encoding name klingon"


def test_limit_refusal_is_reported_exit_2(tmp_path, capsys):
    import zipfile

    with zipfile.ZipFile(tmp_path / "z.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("people.csv", b"person_id\n" + b"0" * (4 * 1024 * 1024))
    code = main(["validate", str(tmp_path / "z.zip"), "--json", "--lang", "en"])
    records = json.loads(capsys.readouterr().out)
    assert code == 2
    assert records[0]["code"] == "data.compression_ratio"
    assert records[0]["file"] == "z.zip"


def test_xlsx_report_keeps_the_value_masked_where_needed(tmp_path, capsys):
    import openpyxl

    people = PEOPLE.replace("P1,V1,member", "P1 13812345678,V1,member").replace(
        "junior_high\n", "junior_high,x\n", 1).replace("education\n", "education,备注\n")
    out = tmp_path / "report.xlsx"
    code = main(["validate", str(dataset(tmp_path, people)), "--xlsx", str(out),
                 "--lang", "zh"])
    assert code == 2
    ws = openpyxl.load_workbook(out)["数据检查"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["级别", "文件", "表", "行", "列", "填写的值", "问题"]
    assert ["错误", "people.csv", "人员", 2, "人员编号", "…138****5678"] in [r[:6] for r in rows]
    assert "13812345678" not in str(rows)
