"""`pbkit plan` and `pbkit metrics` end to end on a dataset written to disk."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from networks_fixtures import dataset, household, orgs, pairing, person

from pbkit.cli import main


@pytest.fixture()
def folder(tmp_path):
    people = [person("P1", "V1", capacity=2, birth_year=1970, skills="medical"),
              person("P2", "V1", capacity=1, birth_year=1980, migrant=True),
              person("P3", "V2", capacity=1, birth_year=1960),
              person("L1", "T1", "township_leader", birth_year=1975),
              person("A1", "T1", "agency_cadre", birth_year=1985),
              person("A2", "T1", "agency_cadre", birth_year=1988)]
    hh = [household(f"H{i}", "V1" if i < 4 else "V2", "chronic_illness", size=2)
          for i in range(6)]
    pr = [pairing("R1", "P1", "H0", role="helper"), pairing("R2", "P2", "H1", role="helper")]
    ds = dataset(orgs(["V1", "V2"], coords={"T1": (1.0, 0.0), "V1": (0.0, 0.0),
                                            "V2": (3.0, 0.0)}), people, hh, pr)
    return ds.write_csv(tmp_path / "data")


def test_plan_json_shape(folder, tmp_path, capsys):
    out = tmp_path / "plan.json"
    code = main(["plan", str(folder), "--mechanism", "one_on_one", "--out", str(out),
                 "--lang", "en"])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data) == ["mechanism", "objective", "pairs", "uncovered"]
    assert data["objective"]["covered"] == 4  # V1: 3 places for 4 households, V2: 1 for 2
    assert [set(p) for p in data["pairs"]] == [{"source_id", "target_id", "cost", "reason"}] * 4
    assert data["uncovered"] == [
        {"target_id": "H3", "reason": "all 2 eligible helpers are at full capacity"},
        {"target_id": "H5", "reason": "all 1 eligible helpers are at full capacity"}]
    printed = capsys.readouterr().out
    assert "one_on_one: 4 pairs, 4/6 covered, 2 uncovered" in printed


def test_plan_keep_existing_csv_and_xlsx(folder, tmp_path):
    csv = tmp_path / "plan.csv"
    assert main(["plan", str(folder), "-m", "one_on_one", "--keep-existing",
                 "--out", str(csv)]) == 0
    frame = pd.read_csv(csv, encoding="utf-8-sig")
    assert list(frame.columns) == ["source_id", "target_id", "cost", "reason"]
    kept = frame[frame["reason"].str.startswith("保留原有结对", na=False)]
    assert set(zip(kept["source_id"], kept["target_id"])) == {("P1", "H0"), ("P2", "H1")}
    xlsx = tmp_path / "bao.xlsx"
    assert main(["plan", str(folder), "-m", "bao_cun", "--radius-km", "5",
                 "--out", str(xlsx)]) == 0
    sheets = pd.read_excel(xlsx, sheet_name=None, header=6)
    assert list(sheets) == ["结对名单", "未覆盖的结对村（组织）", "方案汇总"]
    assert list(sheets["结对名单"].columns) == ["序号", "村", "帮扶人", "结对村（组织）",
                                            "距离（公里）", "状态", "说明"]
    assert len(sheets["结对名单"]) == 6
    assert sheets["未覆盖的结对村（组织）"].iloc[:, 0].tolist() == ["本范围内已全部结对，没有未覆盖的对象。"]
    far = tmp_path / "far.json"
    assert main(["plan", str(folder), "-m", "bao_cun", "--radius-km", "1.5", "--lang", "en",
                 "--out", str(far)]) == 0
    unc = json.loads(far.read_text(encoding="utf-8"))["uncovered"]
    assert unc == [{"target_id": "V2", "reason": "deputy leader: 1 missing, nobody eligible "
                    "within 1.5 km; agency cadre: 2 missing, nobody eligible within 1.5 km"}]


def test_plan_bad_extension_or_mechanism_is_one_line_exit_2(folder, tmp_path, capsys):
    code = main(["plan", str(folder), "-m", "one_on_one", "--out", str(tmp_path / "p.txt"),
                 "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [f"pbkit plan: cannot write {tmp_path / 'p.txt'}: the output file must end "
                   "in .json, .csv, .xlsx"]
    code = main(["plan", str(folder), "-m", "mentoring", "--out", str(tmp_path / "p.json"),
                 "--lang", "en"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert "unknown pairing mechanism mentoring" in err[0]
    assert not (tmp_path / "p.json").exists() and not (tmp_path / "p.txt").exists()
    code = main(["plan", str(folder), "-m", "one_on_one", "--radius-km", "0",
                 "--out", str(tmp_path / "p.json"), "--lang", "en"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "pbkit plan: radius 0.0 is invalid; give a number of km greater than 0")


def test_metrics_json_and_xlsx(folder, tmp_path, capsys):
    out = tmp_path / "m.xlsx"
    assert main(["metrics", str(folder), "--json", "--xlsx", str(out)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"summary", "views"}
    assert data["summary"]["needy"] == 6 and data["summary"]["covered"] == 2
    assert data["views"]["coverage_by_village"][0] == {
        "village": "V2", "township": "T1", "needy": 2, "covered": 0, "uncovered": 2,
        "coverage": 0.0}
    assert "helper_load" in pd.read_excel(out, sheet_name=None)
    assert main(["metrics", str(folder), "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == ("Needy households covered: 2/6 (33.3%); "
                                    "4 without a helper")


def test_metrics_missing_path_exit_2(tmp_path, capsys):
    assert main(["metrics", str(tmp_path / "nothing"), "--lang", "en"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == f"pbkit metrics: {tmp_path / 'nothing'}: no such file or folder"


def test_plan_weights_locked_and_removed_files(folder, tmp_path, capsys):
    locked = tmp_path / "locked.csv"
    locked.write_text("source_id,target_id\nP3,H5\n", encoding="utf-8")
    removed = tmp_path / "removed.csv"
    removed.write_text("source_id,target_id\nP1,H0\nP1,H1\n", encoding="utf-8")
    out = tmp_path / "p.json"
    assert main(["plan", str(folder), "-m", "one_on_one", "--locked", str(locked),
                 "--removed", str(removed), "--weight", "migrant=0", "--out", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    pairs = {(p["source_id"], p["target_id"]) for p in data["pairs"]}
    assert ("P3", "H5") in pairs
    assert not pairs & {("P1", "H0"), ("P1", "H1")}
    assert data["objective"]["weights"]["migrant"] == 0.0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("source,target_id\nP3,H5\n", encoding="utf-8")
    assert main(["plan", str(folder), "-m", "one_on_one", "--locked", str(bad),
                 "--out", str(out), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"pbkit plan: {bad}: column source_id: required column is missing")
    empty = tmp_path / "empty.csv"
    empty.write_text("source_id,target_id\nP3,\n", encoding="utf-8")
    assert main(["plan", str(folder), "-m", "one_on_one", "--removed", str(empty),
                 "--out", str(out), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"pbkit plan: {empty}: row 2, column target_id: the id must not be empty")
    assert main(["plan", str(folder), "-m", "one_on_one", "--weight", "migrant",
                 "--out", str(out), "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == (
        "pbkit plan: weight argument migrant must look like TERM=NUMBER, e.g. migrant=10")
    assert main(["plan", str(folder), "-m", "one_on_one", "--weight", "beauty=1",
                 "--out", str(out), "--lang", "en"]) == 2
    assert "unknown cost weight beauty" in capsys.readouterr().err
