"""Validation report: each bad input names its file, table, row (as seen), column, message.

A small valid dataset is written as CSV; each test breaks one thing and asserts the exact
issue reported, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from pbkit.data.limits import Limits
from pbkit.data.validation import validate

TODAY = dt.date(2025, 1, 1)

BASE = {
    "orgs": ("org_id,parent_id,level,name_code\n"
             "T1,,township,T01\n"
             "V1,T1,village,V01\n"
             "V2,T1,village,V02\n"),
    "people": ("person_id,org_id,roles,birth_year,gender,education,join_year\n"
               "P1,V1,secretary;member,1965,male,senior_high,1990\n"
               "P2,V1,member,1950,female,primary,1975\n"
               "P3,V2,member,1980,male,junior_high,2005\n"
               "P4,T1,township_leader,1975,female,bachelor,2000\n"),
    "households": ("household_id,org_id,needs,size\n"
                   "H1,V1,elderly_alone,1\n"
                   "H2,V2,low_income;disabled,3\n"),
    "pairings": ("pairing_id,mechanism,group_id,source_id,target_id,role,start,end,status\n"
                 "R1,one_on_one,,P2,H1,helper,2024-01-01,,active\n"
                 "R2,two_plus_one,G1,P4,P3,township_mentor,2024-01-01,,active\n"
                 "R3,bao_cun,B1,P4,V1,deputy_leader,2024-01-01,,\n"
                 "R4,branch_pair,,V1,V2,advanced_branch,2023-05-01,2024-05-01,ended\n"
                 "R5,study_help,,P1,P2,,2024-02-01,,active\n"),
    "activities": ("activity_id,org_id,kind,date,expected,attended\n"
                   "A1,V1,general_meeting,2024-03-05,20,18\n"
                   "A2,V2,party_lesson,2024-03-10,15,15\n"),
    "visits": ("visit_id,person_id,target_id,date,topic,problem_solved\n"
               "W1,P1,H1,2024-04-01,assistance,true\n"
               "W2,P4,V2,2024-04-02,policy,false\n"),
}


def make(folder: Path, encoding: str = "utf-8", drop=(), **changes: str) -> Path:
    """Write the base dataset with some tables replaced; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**BASE, **changes}.items():
        if name not in drop:
            (folder / f"{name}.csv").write_bytes(text.encode(encoding))
    return folder


def replace_line(table: str, old: str, new: str) -> str:
    text = BASE[table]
    assert old in text
    return text.replace(old, new)


def only(report, key=None):
    issues = [i for i in report if key is None or i.key == key]
    assert len(issues) == 1, [i.render("en") for i in report]
    return issues[0]


def where(issue):
    return (issue.severity, issue.file, issue.table, issue.row, issue.column)


def test_base_dataset_is_clean(tmp_path):
    report = validate(make(tmp_path), today=TODAY)
    assert list(report) == []


def test_missing_required_column(tmp_path):
    people = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 4)
                       for line in BASE["people"].splitlines()) + "\n"
    issue = only(validate(make(tmp_path, people=people), today=TODAY))
    assert where(issue) == ("error", "people.csv", "people", None, "gender")
    assert issue.message("en") == "required column is missing"
    assert issue.message("zh") == "缺少必需的列"


def test_unknown_column_is_a_warning(tmp_path):
    orgs = BASE["orgs"].replace("name_code\n", "name_code,备注\n", 1)
    report = validate(make(tmp_path, orgs=orgs), today=TODAY)
    issue = only(report)
    assert where(issue) == ("warning", "orgs.csv", "orgs", None, "备注")
    assert issue.message("en") == "unknown column; ignored"
    assert issue.message("zh") == "无法识别的列，已忽略"
    assert not report.has_errors


def test_bad_enum_value(tmp_path):
    people = replace_line("people", "P3,V2,member,1980,male", "P3,V2,member,1980,unknown")
    issue = only(validate(make(tmp_path, people=people), today=TODAY))
    assert where(issue) == ("error", "people.csv", "people", 4, "gender")
    assert issue.message("en") == "invalid value unknown; allowed: male(男), female(女)"
    assert issue.message("zh") == "取值 unknown 无效，可填：male(男), female(女)"


def test_bad_multi_value(tmp_path):
    hh = replace_line("households", "low_income;disabled", "low_income;rich")
    issue = only(validate(make(tmp_path, households=hh), today=TODAY))
    assert where(issue) == ("error", "households.csv", "households", 3, "needs")
    assert issue.message("en").startswith("rich is not a valid value; allowed (several")
    assert issue.message("zh").startswith("rich 不是有效的取值")


def test_unparseable_number(tmp_path):
    people = replace_line("people", "P2,V1,member,1950", "P2,V1,member,一九五〇")
    issue = only(validate(make(tmp_path, people=people), today=TODAY))
    assert where(issue) == ("error", "people.csv", "people", 3, "birth_year")
    assert issue.message("en") == "一九五〇 is not a whole number"
    assert issue.message("zh") == "一九五〇 不是整数"


def test_unparseable_date(tmp_path):
    acts = replace_line("activities", "2024-03-10", "2024-13-45")
    issue = only(validate(make(tmp_path, activities=acts), today=TODAY))
    assert where(issue) == ("error", "activities.csv", "activities", 3, "date")
    assert issue.message("en").startswith("2024-13-45 is not a date we can read")
    assert issue.message("zh").startswith("2024-13-45 不是可识别的日期")


def test_unparseable_bool(tmp_path):
    visits = replace_line("visits", "policy,false", "policy,maybe")
    issue = only(validate(make(tmp_path, visits=visits), today=TODAY))
    assert where(issue) == ("error", "visits.csv", "visits", 3, "problem_solved")
    assert issue.message("en").startswith("maybe is not a yes/no value")
    assert issue.message("zh").startswith("maybe 不是“是/否”值")


def test_required_value_empty(tmp_path):
    people = replace_line("people", "P4,T1,township_leader,1975,female", "P4,T1,,1975,female")
    issue = only(validate(make(tmp_path, people=people), today=TODAY))
    assert where(issue) == ("error", "people.csv", "people", 5, "roles")
    assert issue.message("en") == "required value is empty"
    assert issue.message("zh") == "必填项为空"


def test_duplicate_id(tmp_path):
    people = replace_line("people", "P3,V2", "P1,V2")
    issue = only(validate(make(tmp_path, people=people), today=TODAY), "data.duplicate_id")
    assert where(issue) == ("error", "people.csv", "people", 4, "person_id")
    assert issue.message("en") == "duplicate id P1 (first used on row 2)"
    assert issue.message("zh") == "编号 P1 重复（第一次出现在第 2 行）"


def test_dangling_reference_people_org(tmp_path):
    people = replace_line("people", "P3,V2", "P3,V9")
    issue = only(validate(make(tmp_path, people=people), today=TODAY))
    assert where(issue) == ("error", "people.csv", "people", 4, "org_id")
    assert issue.message("en") == "V9 does not exist in table orgs"
    assert issue.message("zh") == "V9 在表 orgs 中不存在"


@pytest.mark.parametrize("table, old, new, row, column, target", [
    ("households", "H2,V2", "H2,V7", 3, "org_id", "orgs"),
    ("activities", "A1,V1", "A1,X1", 2, "org_id", "orgs"),
    ("visits", "W1,P1", "W1,P9", 2, "person_id", "people"),
    ("orgs", "V2,T1", "V2,T9", 4, "parent_id", "orgs"),
])
def test_dangling_simple_references(tmp_path, table, old, new, row, column, target):
    text = replace_line(table, old, new)
    issue = only(validate(make(tmp_path, **{table: text}), today=TODAY))
    assert where(issue) == ("error", f"{table}.csv", table, row, column)
    assert issue.message("en").endswith(f"does not exist in table {target}")


@pytest.mark.parametrize("old, new, row, column, target, mechanism", [
    ("R1,one_on_one,,P2,H1", "R1,one_on_one,,P9,H1", 2, "source_id", "people", "one_on_one"),
    # one_on_one targets a household: a person id there is dangling
    ("R1,one_on_one,,P2,H1", "R1,one_on_one,,P2,P3", 2, "target_id", "households",
     "one_on_one"),
    ("R2,two_plus_one,G1,P4,P3", "R2,two_plus_one,G1,P4,H1", 3, "target_id", "people",
     "two_plus_one"),
    ("R3,bao_cun,B1,P4,V1", "R3,bao_cun,B1,P4,V8", 4, "target_id", "orgs", "bao_cun"),
    ("R4,branch_pair,,V1,V2", "R4,branch_pair,,P1,V2", 5, "source_id", "orgs", "branch_pair"),
    ("R5,study_help,,P1,P2", "R5,study_help,,P1,H2", 6, "target_id", "people", "study_help"),
])
def test_dangling_pairing_by_mechanism(tmp_path, old, new, row, column, target, mechanism):
    text = replace_line("pairings", old, new)
    issue = only(validate(make(tmp_path, pairings=text), today=TODAY))
    assert where(issue) == ("error", "pairings.csv", "pairings", row, column)
    side = "source" if column == "source_id" else "target"
    value = new.split(",")[3 if side == "source" else 4]
    assert issue.message("en") == (f"{value} does not exist in table {target} (the {side} of a "
                                   f"{mechanism} pairing is a {target} id)")
    assert issue.message("zh").startswith(f"{value} 在表 {target} 中不存在")


def test_visit_target_household_or_org(tmp_path):
    visits = replace_line("visits", "W2,P4,V2", "W2,P4,P3")
    issue = only(validate(make(tmp_path, visits=visits), today=TODAY))
    assert where(issue) == ("error", "visits.csv", "visits", 3, "target_id")
    assert issue.message("en") == "P3 exists in none of the tables households, orgs"


def test_parent_self_and_cycle(tmp_path):
    orgs = ("org_id,parent_id,level\nT1,T1,township\nV1,V2,village\nV2,V1,village\n")
    report = validate(make(tmp_path, orgs=orgs), today=TODAY)
    selfref = only(report, "data.parent_self")
    assert where(selfref) == ("error", "orgs.csv", "orgs", 2, "parent_id")
    cycle = only(report, "data.parent_cycle")
    assert where(cycle) == ("error", "orgs.csv", "orgs", 3, "parent_id")
    assert cycle.message("en") == "the chain of parent organisations loops: V1 → V2 → V1"


def test_join_year_before_18(tmp_path):
    people = replace_line("people", "1980,male,junior_high,2005", "1980,male,junior_high,1995")
    issue = only(validate(make(tmp_path, people=people), today=TODAY))
    assert where(issue) == ("error", "people.csv", "people", 4, "join_year")
    assert issue.message("en") == "join_year 1995 is before the person turned 18 (birth_year 1980)"
    assert issue.message("zh") == "入党年份 1995 早于年满 18 岁的年份（出生年份 1980）"


def test_attended_more_than_expected(tmp_path):
    acts = replace_line("activities", "2024-03-10,15,15", "2024-03-10,15,16")
    issue = only(validate(make(tmp_path, activities=acts), today=TODAY))
    assert where(issue) == ("error", "activities.csv", "activities", 3, "attended")
    assert issue.message("en") == "attended 16 is more than expected 15"
    assert issue.message("zh") == "实到人数 16 多于应到人数 15"


@pytest.mark.parametrize("table, old, new, row, column", [
    ("activities", "2024-03-05", "2025-06-01", 2, "date"),
    ("visits", "2024-04-02", "2025年6月1日", 3, "date"),
])
def test_dates_in_the_future(tmp_path, table, old, new, row, column):
    text = replace_line(table, old, new)
    issue = only(validate(make(tmp_path, **{table: text}), today=TODAY))
    assert where(issue) == ("error", f"{table}.csv", table, row, column)
    assert issue.message("en") == "date 2025-06-01 is in the future (today is 2025-01-01)"
    assert issue.message("zh") == "日期 2025-06-01 晚于今天（2025-01-01）"


def test_year_in_the_future(tmp_path):
    people = replace_line("people", "P4,T1,township_leader,1975,female,bachelor,2000",
                          "P4,T1,township_leader,1975,female,bachelor,2030")
    issue = only(validate(make(tmp_path, people=people), today=TODAY))
    assert where(issue) == ("error", "people.csv", "people", 5, "join_year")
    assert issue.message("en") == "year 2030 is in the future (this year is 2025)"


def test_end_before_start(tmp_path):
    pairs = replace_line("pairings", "2023-05-01,2024-05-01", "2023-05-01,2023/4/30")
    issue = only(validate(make(tmp_path, pairings=pairs), today=TODAY))
    assert where(issue) == ("error", "pairings.csv", "pairings", 5, "end")
    assert issue.message("en") == "end date 2023-04-30 is before the start date 2023-05-01"


@pytest.mark.parametrize("table, old, new, row, column, en", [
    ("households", "H1,V1,elderly_alone,1", "H1,V1,elderly_alone,0", 2, "size",
     "0 is below the minimum of 1"),
    ("households", "H2,V2,low_income;disabled,3", "H2,V2,low_income;disabled,31", 3, "size",
     "31 is above the maximum of 30"),
    ("activities", "A1,V1,general_meeting,2024-03-05,20,18",
     "A1,V1,general_meeting,2024-03-05,-2,0", 2, "expected", "-2 is below the minimum of 0"),
])
def test_out_of_range_numbers(tmp_path, table, old, new, row, column, en):
    text = replace_line(table, old, new)
    issue = only(validate(make(tmp_path, **{table: text}), today=TODAY))
    assert where(issue) == ("error", f"{table}.csv", table, row, column)
    assert issue.message("en") == en


def test_missing_required_table(tmp_path):
    folder = make(tmp_path / "branch", drop=("people",))
    issue = only(validate(folder, today=TODAY))
    assert where(issue) == ("error", "branch", "people", None, None)
    assert issue.message("en") == "required table people (人员) is missing"
    assert issue.message("zh") == "缺少必需的表 people（人员）"


def test_optional_tables_may_be_absent(tmp_path):
    folder = make(tmp_path, drop=("households", "pairings", "activities", "visits"))
    assert list(validate(folder, today=TODAY)) == []


def test_duplicate_column(tmp_path):
    orgs = BASE["orgs"].replace("name_code\n", "name_code,组织编号\n", 1).replace(
        "T01\n", "T01,T1\n").replace("V01\n", "V01,V1\n").replace("V02\n", "V02,V2\n")
    issue = only(validate(make(tmp_path, orgs=orgs), today=TODAY))
    assert where(issue) == ("error", "orgs.csv", "orgs", None, "组织编号")
    assert issue.message("en") == "same field org_id as column org_id; duplicate column"


# ------------------------------------------------------------------ rows as the user sees them

def test_rows_count_blank_lines_and_title(tmp_path):
    people = ("党员名册（2024年）\n"
              "\n"
              "人员编号,所在组织编号,角色,出生年份,性别,学历,入党年份\n"
              "P1,V1,书记、党员,1965,男,高中,1990\n"
              "\n"
              ",,,,,,\n"
              "P2,V1,党员,1950,女,小学,1975\n"
              "P3,V2,党员,1980,未知,初中,2005\n")
    report = validate(make(tmp_path, people=people, drop=("pairings", "visits")), today=TODAY)
    bad = only(report, "data.bad_enum")
    assert where(bad) == ("error", "people.csv", "people", 8, "性别")
    title = only(report, "data.rows_above_header")
    assert (title.row, title.params) == (1, {"header_row": 3})


def test_chinese_headed_gb18030_file(tmp_path):
    orgs = "组织编号,上级组织编号,层级,名称代码\nT1,,乡镇,𠮷€\nV1,T1,村,V01\nV2,T1,村,V02\n"
    people = ("人员编号,所在组织编号,角色,出生年份,性别,学历,入党年份,流入地\n"
              "P1,V1,书记;党员,1965,男,高中/中专,1990,\n"
              "P2,V1,党员,1950,女,小学及以下,1975,\n"
              "P3,V2,党员,1980,男,初中,2005,𠮷林€\n"
              "P4,T1,乡镇领导班子成员,1975,女,本科,2000,\n")
    report = validate(make(tmp_path, encoding="gb18030", orgs=orgs, people=people),
                      today=TODAY)
    assert list(report) == []


def test_xlsx_rows_are_sheet_rows(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "组织"
    for line in BASE["orgs"].splitlines():
        ws.append(line.split(","))
    ws2 = wb.create_sheet("人员")
    lines = BASE["people"].splitlines()
    ws2.append(lines[0].split(","))
    ws2.append([])
    ws2.append([])
    for line in lines[1:]:
        ws2.append(line.split(","))
    ws2["E6"] = "男的"  # P3's gender, on sheet row 6
    wb.save(tmp_path / "branch.xlsx")
    issue = only(validate(tmp_path / "branch.xlsx", today=TODAY))
    assert where(issue) == ("error", "branch.xlsx", "people", 6, "gender")


def test_zip_member_named_in_report(tmp_path):
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in BASE.items():
            if name == "people":
                text = replace_line("people", "P3,V2", "P3,V5")
            zf.writestr(f"{name}.csv", text)
    issue = only(validate(path, today=TODAY))
    assert where(issue) == ("error", "data.zip/people.csv", "people", 4, "org_id")


# ------------------------------------------------------------------ identifiers

def test_identifier_header_refused(tmp_path):
    people = BASE["people"].replace("join_year\n", "join_year,姓名\n", 1).replace(
        ",1990\n", ",1990,张三\n")
    report = validate(make(tmp_path, people=people), today=TODAY)
    issue = only(report)
    assert where(issue) == ("error", "people.csv", "people", None, "姓名")
    assert issue.message("en").startswith("this column holds names, a direct identifier")
    assert issue.message("zh").startswith("此列是姓名，属于直接身份信息")
    assert "张三" not in report.to_json("zh") + report.render("en")


@pytest.mark.parametrize("header, kind_en", [
    ("手机", "phone numbers"), ("身份证号", "ID numbers"), ("家庭住址", "addresses"),
    ("phone", "phone numbers"), ("address", "addresses"), ("id_card", "ID numbers"),
])
def test_identifier_headers_refused(tmp_path, header, kind_en):
    orgs = BASE["orgs"].replace("name_code\n", f"name_code,{header}\n", 1)
    issue = only(validate(make(tmp_path, orgs=orgs), today=TODAY))
    assert where(issue) == ("error", "orgs.csv", "orgs", None, header)
    assert issue.message("en").startswith(f"this column holds {kind_en}")


def test_mobile_number_in_text_cell_refused_masked(tmp_path):
    people = BASE["people"].replace("join_year\n", "join_year,destination\n", 1).replace(
        "P3,V2,member,1980,male,junior_high,2005\n",
        "P3,V2,member,1980,male,junior_high,2005,广东 联系13912345678\n")
    report = validate(make(tmp_path, people=people), today=TODAY)
    issue = only(report)
    assert where(issue) == ("error", "people.csv", "people", 4, "destination")
    assert issue.message("en") == ("the cell holds a mobile phone number (139****5678), which "
                                   "cannot be loaded; delete it or replace it by a code in the "
                                   "spreadsheet, or have the data steward anonymise the file "
                                   "first")
    assert issue.message("zh").startswith("单元格中有手机号码（139****5678）")
    assert "13912345678" not in report.to_json("en") + report.render("zh")


def test_resident_id_anywhere_refused_masked(tmp_path):
    rid = "11010519491231002X"
    orgs = BASE["orgs"].replace("V02\n", f"ID{rid}\n")  # in name_code of row 4
    people = replace_line("people", "P1,V1", f"{rid},V1")  # as a person id on row 2
    report = validate(make(tmp_path, orgs=orgs, people=people.replace(
        "R5,study_help,,P1", "x")), today=TODAY)
    cells = [i for i in report if i.key == "data.identifier_cell.resident_id"]
    assert [where(i) for i in cells] == [
        ("error", "orgs.csv", "orgs", 4, "name_code"),
        ("error", "people.csv", "people", 2, "person_id"),
    ]
    assert cells[0].message("en").startswith("the cell holds a resident ID number (110*****"
                                             "******002X)")
    text = report.to_json("en") + report.to_json("zh") + report.render("en")
    assert rid not in text and rid.lower() not in text


def test_identifier_in_number_column_not_echoed(tmp_path):
    acts = replace_line("activities", "2024-03-10,15,15", "2024-03-10,13812345678,15")
    report = validate(make(tmp_path, activities=acts), today=TODAY)
    assert "13812345678" not in report.to_json("en")
    issue = only(report, "data.identifier_cell.mobile")
    assert where(issue) == ("error", "activities.csv", "activities", 3, "expected")


def test_invalid_id_like_numbers_are_not_refused(tmp_path):
    orgs = BASE["orgs"].replace("V02\n", "110105194912310021\n")  # wrong check digit
    report = validate(make(tmp_path, orgs=orgs), today=TODAY)
    assert list(report) == []


# ------------------------------------------------------------------ limits and caps

def test_file_over_size_limit_reported(tmp_path):
    folder = make(tmp_path)
    report = validate(folder, limits=Limits(max_file_bytes=100), today=TODAY)
    issue = only(report)
    assert issue.key == "data.file_too_large"
    assert (issue.file, issue.severity) in {("activities.csv", "error"), ("orgs.csv", "error"),
                                           ("people.csv", "error"), ("households.csv", "error"),
                                           ("pairings.csv", "error"), ("visits.csv", "error")}
    assert "100 B" in issue.message("en")


def test_issue_cap_per_column(tmp_path):
    rows = "".join(f"A{i},V1,party_lesson,notadate,5,5\n" for i in range(12))
    acts = "activity_id,org_id,kind,date,expected,attended\n" + rows
    report = validate(make(tmp_path, activities=acts),
                      limits=Limits(max_issues_per_check=5), today=TODAY)
    dates = [i for i in report if i.column == "date"]
    assert [i.row for i in dates[:5]] == [2, 3, 4, 5, 6]
    assert dates[5].key == "data.more_same"
    assert dates[5].message("en") == ("7 more row(s) in this column have the same problem "
                                      "(only the first 5 are listed)")


def test_report_json_fields(tmp_path):
    people = replace_line("people", "P3,V2", "P3,V9")
    records = json.loads(validate(make(tmp_path, people=people), today=TODAY).to_json("en"))
    assert records == [{"severity": "error", "code": "data.dangling_ref", "file": "people.csv",
                        "table": "people", "row": 4, "column": "org_id", "value": "V9",
                        "message": "V9 does not exist in table orgs"}]


def test_reference_to_absent_optional_table_dangles(tmp_path):
    folder = make(tmp_path, drop=("households", "visits"))
    report = validate(folder, today=TODAY)
    issue = only(report)
    assert where(issue) == ("error", "pairings.csv", "pairings", 2, "target_id")
    assert issue.message("en").startswith("H1 does not exist in table households")


def test_template_header_decorations_accepted(tmp_path):
    people = BASE["people"].replace(
        "person_id,org_id,roles,birth_year,gender,education,join_year",
        "*人员编号,所在组织编号（必填）,角色(roles),出生年份,性别*,学历(education),入党年份")
    assert list(validate(make(tmp_path, people=people), today=TODAY)) == []


# ------------------------------------------------------------------ the offending value

def test_report_keeps_the_value_as_written(tmp_path):
    people = replace_line("people", "P2,V1,member,1950", "P2,V9,member,一九五〇")
    people = people.replace("P3,V2,member,1980,male", "P3,V2,member,1980, Unknown ")
    report = validate(make(tmp_path, people=people), today=TODAY)
    frame = report.to_frame("en")
    assert list(frame.columns) == ["severity", "code", "file", "table", "row", "column",
                                   "value", "message"]
    got = {(r.row, r.column): r.value for r in frame.itertuples()}
    assert got == {(3, "birth_year"): "一九五〇", (4, "gender"): "Unknown",
                   (3, "org_id"): "V9"}
    assert {r["value"] for r in json.loads(report.to_json("zh"))} == set(got.values())


def test_report_value_of_a_number_out_of_range(tmp_path):
    acts = replace_line("activities", "2024-03-10,15,15", "2024-03-10,-3,0")
    issue = only(validate(make(tmp_path, activities=acts), today=TODAY), "data.below_min")
    assert (issue.row, issue.column, issue.value) == (3, "expected", "-3")


def test_report_value_is_masked_for_identifiers(tmp_path):
    rid = "11010519491231002X"
    orgs = BASE["orgs"].replace("V02\n", f"ID{rid}\n")
    people = BASE["people"].replace("join_year\n", "join_year,destination\n", 1).replace(
        "P3,V2,member,1980,male,junior_high,2005\n",
        "P3,V2,member,1980,male,junior_high,2005,广东 联系13912345678\n")
    report = validate(make(tmp_path, orgs=orgs, people=people), today=TODAY)
    values = {(i.table, i.row): i.value for i in report}
    assert values[("orgs", 4)] == "…110***********002X"
    assert values[("people", 4)] == "…139****5678"
    frame_text = report.to_frame("en").to_csv()
    assert rid not in frame_text and "13912345678" not in frame_text


def test_shown_value_masks_by_column_header():
    from pbkit.data.report import shown_value

    assert shown_value("王小明", "户主姓名") == "王*明"
    assert shown_value("王小明", "note") == "王小明"
    assert shown_value(2005.0, "join_year") == "2005"
    assert shown_value(float("nan"), "join_year") is None
