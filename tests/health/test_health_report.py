"""The full report: JSON shape (API and CLI), the workbook, CLI errors, synthetic data."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pandas as pd
import pytest
from health_frames import known_dataset

from pbkit.cli import main
from pbkit.health.report import VIEW_ORDER, health_report
from pbkit.i18n import t


@pytest.fixture(scope="module")
def report():
    return health_report(known_dataset(), year=2024, lang="en")


@pytest.fixture(scope="module")
def known_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("known")
    known_dataset().write_csv(folder)
    return folder


def test_every_view_present(report):
    assert tuple(report.views) == VIEW_ORDER
    for name in VIEW_ORDER:
        assert isinstance(report.views[name], pd.DataFrame), name
    assert report.meta["year"] == 2024
    assert report.meta["branches"] == 4 and report.meta["villages"] == 3
    # only V3 needs attention: V2's one signal (migrants out of contact) is for V2 to act on
    assert report.meta["weak_branches"] == 1


def _check_scorecard_json(card):
    assert isinstance(card, list)
    for rec in card:
        assert set(rec) == {"org_id", "total", "items"}
        for item in rec["items"]:
            assert set(item) == {"item", "points", "max_points", "evidence"}
            assert isinstance(item["evidence"], list)


def test_json_holds_every_view(report):
    doc = json.loads(report.to_json())
    assert set(doc) == {"meta", *VIEW_ORDER} - {"scorecard_evidence"}
    _check_scorecard_json(doc["scorecard"])
    v2 = next(r for r in doc["scorecard"] if r["org_id"] == "V2")
    assert v2["total"] == 76.0
    first = v2["items"][0]
    assert first == {"item": "three_meetings_one_lesson", "points": 23.0, "max_points": 25.0,
                     "evidence": [
                         {"kind": "committee_meeting", "period": "2024-11", "required": 1,
                          "held": 0, "missing": 1},
                         {"kind": "committee_meeting", "period": "2024-12", "required": 1,
                          "held": 0, "missing": 1}]}
    comp = [r for r in doc["compliance_summary"]
            if r["org_id"] == "V2" and r["kind"] == "committee_meeting"]
    assert (comp[0]["required"], comp[0]["held"], comp[0]["missing"]) == (12, 10, 2)
    assert doc["rectification"][0]["deadline"][:4] in ("2024", "2025")
    # the fast text and the dict API agree
    assert doc == json.loads(json.dumps(report.to_dict()))


def test_xlsx_has_cover_and_one_sheet_per_view(tmp_path, report):
    out = report.to_xlsx(tmp_path / "health.xlsx", lang="zh")
    wb = openpyxl.load_workbook(out)
    expected = ["封面"] + [t(f"health.view.{v}", lang="zh") for v in VIEW_ORDER]
    assert wb.sheetnames == expected
    cover = [r for r in wb["封面"].iter_rows(values_only=True)]
    assert cover[0] == ("项目", "内容")
    assert ("考核年度", 2024) in cover
    assert ("组织生活汇总", t("health.viewdesc.compliance_summary", lang="zh")) in cover
    header = [c.value for c in wb["百分制考核"][1]]
    # organisations shown by display name (here no name_code: the id) under "支部"
    assert header == ["支部", "层级", "总分", "满分", "名次"]
    comp = [r for r in wb["组织生活汇总"].iter_rows(values_only=True)]
    assert comp[0][:3] == ("支部", "层级", "会议类型")
    assert ("V2", "村", "支委会") in {r[:3] for r in comp[1:]}
    # no formulas anywhere in the file
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


def test_xlsx_english_labels(tmp_path, report):
    out = report.to_xlsx(tmp_path / "en.xlsx")  # the report's language (en)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Cover"
    assert "Rectification list" in wb.sheetnames
    rows = list(wb["Scorecard evidence"].iter_rows(values_only=True))
    assert rows[0] == ("Branch", "Item", "Detail")
    v2 = [r for r in rows if r[0] == "V2" and r[1] == "three meetings and one lesson"]
    assert v2[0][2] == ("Kind=committee meeting; Period=2024-11; Required=1; Held=0; "
                        "Missing=1")


def test_cli_json(known_folder, capsys):
    code = main(["health", str(known_folder), "--json", "--lang", "en", "--year", "2024"])
    captured = capsys.readouterr()
    assert code == 0
    doc = json.loads(captured.out)
    _check_scorecard_json(doc["scorecard"])
    assert {r["org_id"] for r in doc["scorecard"]} == {"V1", "V2", "V3", "E1"}
    assert doc["meta"]["year"] == 2024
    assert "Computing the branch health report" in captured.err


def test_cli_summary_and_xlsx(known_folder, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    code = main(["health", str(known_folder), "--xlsx", str(out), "--lang", "zh"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.splitlines()[0] == (
        f"支部健康报告：{known_folder.name}，2024 年度（截至 2024-12-26）")
    assert captured.out.splitlines()[1] == "支部 4 个，村（社区）3 个，平均得分 82.0，需关注支部 1 个"
    assert "V3  得分 57.0" in captured.out
    assert out.exists() and openpyxl.load_workbook(out).sheetnames[0] == "封面"


def test_cli_user_rules_change_result(known_folder, tmp_path, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text("meetings:\n  - kind: committee_meeting\n    frequency: quarterly\n",
                     encoding="utf-8")
    assert main(["health", str(known_folder), "--json", "--rules", str(rules)]) == 0
    doc = json.loads(capsys.readouterr().out)
    kinds = {r["kind"] for r in doc["compliance_summary"]}
    assert kinds == {"committee_meeting"}
    v2 = next(r for r in doc["scorecard"] if r["org_id"] == "V2")
    first = v2["items"][0]
    assert first["item"] == "three_meetings_one_lesson" and first["points"] == 25.0
    assert doc["meta"]["rules"] == str(rules)


def test_cli_bad_rule_file_one_line_exit_2(known_folder, tmp_path, capsys):
    rules = tmp_path / "rules.yaml"
    rules.write_text("meetings:\n  - kind: committee_meeting\n    frequency: weekly\n",
                     encoding="utf-8")
    xlsx = tmp_path / "never.xlsx"
    code = main(["health", str(known_folder), "--rules", str(rules), "--xlsx", str(xlsx),
                 "--lang", "en"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert lines == [f"pbkit health: {rules}, line 3, field meetings[1].frequency: 'weekly' "
                     "is not one of monthly, quarterly, half_yearly, yearly"]
    assert not xlsx.exists()


def test_cli_bad_scorecard_and_year(known_folder, tmp_path, capsys):
    card = tmp_path / "card.yaml"
    card.write_text("items:\n  - item: a\n    max_points: 100\n    measure: nope\n"
                    "    scoring: {linear: true}\n", encoding="utf-8")
    assert main(["health", str(known_folder), "--scorecard", str(card), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"pbkit health: {card}, line 4, field "
                                               "items[1].measure")
    assert main(["health", str(known_folder), "--year", "1800", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "pbkit health: invalid year 1800 (expected 1921 to 2200)")
    assert main(["health", str(tmp_path / "missing"), "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("pbkit health: ") and "missing" in err[-1]


def test_synthetic_township_report():
    synth = pytest.importorskip("pbkit.data.synth")
    ds = synth.synthesize("township", seed=2)
    rep = health_report(ds, lang="zh")
    doc = json.loads(rep.to_json())
    branch_ids = set(ds.orgs.loc[ds.orgs.level.isin(
        ["village", "community", "enterprise", "school", "organ"]), "org_id"])
    assert {r["org_id"] for r in doc["scorecard"]} == branch_ids
    for rec in doc["scorecard"]:
        assert 0 <= rec["total"] <= 100
        for item in rec["items"]:
            if item["points"] < item["max_points"]:
                assert item["evidence"], (rec["org_id"], item["item"])
    # the generator makes ageing, uneven attention and some weak branches visible
    overall = rep.views["membership"].set_index("org_id").loc["ALL"]
    assert overall["share_old"] > 0.3
    assert rep.views["weak_branches"]["weak"].any()
    fair = rep.views["fairness_summary"]
    assert fair.loc[(fair.scope == "ALL") & (fair.metric == "visits_per_household"),
                    "gini"].iloc[0] > 0.2


def test_sparse_datasets_still_report(tmp_path):
    from pbkit.data.dataset import Dataset
    from pbkit.errors import UsageError

    only_township = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["T1"], "level": ["township"]}),
        visits=pd.DataFrame({"visit_id": ["X"], "person_id": "P", "target_id": "T1",
                             "date": ["2024-01-01"]}))
    rep = health_report(only_township, lang="en")
    assert rep.meta["branches"] == 0 and json.loads(rep.to_json())["scorecard"] == []
    rep.to_xlsx(tmp_path / "empty.xlsx")
    no_meetings = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
        people=pd.DataFrame({"person_id": ["P1"], "org_id": ["V1"], "roles": ["member"],
                             "gender": ["male"], "education": ["primary"],
                             "join_year": [2020]}))
    rep = health_report(no_meetings, lang="en")
    assert rep.meta["year"] == 2020  # from the join years: nothing else is dated
    # one member: no committee or group meetings owed; pipeline: joined in the window,
    # activists not recorded in the data (check not applied), so 15 of 15
    assert rep.scores.totals["total"].tolist() == [67.0]
    with pytest.raises(UsageError):
        health_report(Dataset.from_frames(
            orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]})))


def test_bundled_sample_through_the_cli(capsys):
    from pbkit.data.sample import sample_path

    if not sample_path().is_dir():
        pytest.skip("bundled sample not present")
    assert main(["health", str(sample_path()), "--json", "--lang", "en"]) == 0
    doc = json.loads(capsys.readouterr().out)
    _check_scorecard_json(doc["scorecard"])
    assert doc["meta"]["dataset"] == "sample-township"
    assert len(doc["scorecard"]) == doc["meta"]["branches"] > 10
    assert doc["fairness_summary"] and doc["rectification"]


def test_cli_charts_folder(known_folder, tmp_path, capsys):
    out = tmp_path / "charts"
    assert main(["health", str(known_folder), "--charts", str(out), "--lang", "en"]) == 0
    assert f"Saved 8 charts in {out}" in capsys.readouterr().err
    assert sorted(p.name for p in out.glob("*.png")) == [
        "age_pyramid.png", "compliance.png", "compliance_grid.png", "development.png",
        "education.png", "migrants.png", "probationary.png", "years_since_new.png"]


def test_official_weak_lax_column_and_big_village_share():
    ds = known_dataset()
    orgs = ds.orgs.copy()
    orgs["weak_lax"] = pd.array([None, False, False, True, None], dtype="boolean")
    ds = ds.replace(orgs=orgs)
    rep = health_report(ds, year=2024, lang="en")
    wb = rep.views["weak_branches"].set_index("org_id")
    assert bool(wb.loc["V3", "weak_lax"]) and bool(wb.loc["V3", "weak"])
    assert pd.isna(wb.loc["E1", "weak_lax"])
    fair = rep.views["fairness_summary"].set_index("metric")
    # largest village by residents is V1 (300 households): 3 of the 5 visits of 2024
    assert fair.loc["visits_per_household", "largest20_share"] == pytest.approx(3 / 5)
    # V1 holds 3 of the 7 needy households counted
    assert fair.loc["visits_per_household", "largest20_households_share"] == pytest.approx(
        3 / 7)


def test_as_of_mid_year_review(known_folder, capsys):
    rep = health_report(known_dataset(), year=2024, as_of="2024-06-30", lang="en")
    comp = rep.views["compliance_summary"]
    v3 = comp[(comp.org_id == "V3") & (comp.kind == "activity_day")].iloc[0]
    assert (v3["required"], v3["missing"]) == (6, 6)
    # V2's missing November/December meetings are not due yet: full marks on the item
    v2 = rep.scores.branch("V2")["items"][0]
    assert v2["points"] == 25.0 and v2["evidence"] == []
    assert rep.meta["as_of"] == "2024-06-30"
    assert main(["health", str(known_folder), "--as-of", "2024-13-45", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "pbkit health: --as-of: cannot read the date '2024-13-45' (write it like 2025-06-30)")


def test_display_tables_show_names_and_labels_not_codes():
    from pbkit.data.sample import load_sample

    rep = health_report(load_sample(), lang="zh")
    wb = rep.display("weak_branches")
    assert "org_id" not in wb.columns and "支部" in wb.columns
    assert {"预警信号", "需关注", "已列为软弱涣散"} <= set(wb.columns)
    assert not wb["支部"].str.fullmatch(r"[A-Z]\d+.*").any()   # 东山村, not T01-V03
    assert set(wb["需关注"]) <= {"是", "否"}
    signals = " ".join(wb["预警信号"].dropna())
    assert ";" not in signals and "missed_meetings" not in signals
    assert "组织生活不经常" in signals
    assert not wb["主要驱动指标"].str.contains("share_old|missing_share").any()
    ms = rep.display("membership")
    assert "share_old" not in ms.columns and "老龄党员比例" in ms.columns
    assert (ms["平均年龄"] != "—").all()     # lesson 01's mean age is filled in
    assert ms["老龄党员比例"].str.fullmatch(r"\d+%").all()  # shares as percentages
    assert "全部" in set(ms["支部"])
    pl = rep.display("pipeline")
    assert {"入党积极分子", "逾期未转正", "未通过的检查"} <= set(pl.columns)
    en = rep.display("weak_branches", lang="en")
    assert {"Branch", "Signals", "Needs attention"} <= set(en.columns)
