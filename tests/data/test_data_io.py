"""load_dataset: typed frames, errors stop the load, identifiers refused, limits enforced."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import pbkit
from pbkit.data.dataset import Dataset, empty_table
from pbkit.data.io import IdentifiersRefused, load_dataset
from pbkit.data.limits import Limits
from pbkit.data.schema import TABLES
from pbkit.errors import DataError, DataLimitError, PrivacyError, ValidationFailed

TODAY = dt.date(2025, 1, 1)

ORGS = "组织编号,上级组织编号,层级,户数,横坐标公里,软弱涣散\nT1,,乡镇,,0.5,否\nV1,T1,村,１２０,1.25,是\n"
PEOPLE = ("人员编号,所在组织编号,角色,出生年份,性别,学历,入党年份,流动党员,特长,最近联系日期\n"
          "P1,V1,书记、党员,1965,男,高中,1990,否,医疗;农技,2024/3/5\n"
          "P2,V1,党员,\u3000１９５０ ,女,小学及以下,1975,是,,2024年3月5日\n")
ACTS = "活动编号,组织编号,类型,日期,应到人数,实到人数\nA1,V1,党课,45356,10,8\n"


def folder(tmp_path: Path, **extra: str) -> Path:
    files = {"orgs": ORGS, "people": PEOPLE, "activities": ACTS, **extra}
    for name, text in files.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8-sig")
    return tmp_path


def test_typed_frames_match_schema_dtypes(tmp_path):
    ds = load_dataset(folder(tmp_path), today=TODAY)
    assert isinstance(ds, Dataset)
    for name, frame in ds.tables().items():
        assert list(frame.columns) == list(TABLES[name].names)
        expected = empty_table(name).dtypes
        assert frame.dtypes.astype(str).to_dict() == expected.astype(str).to_dict(), name
    people = ds.people
    assert people["roles"].tolist() == [("secretary", "member"), ("member",)]
    assert people["birth_year"].tolist() == [1965, 1950]
    assert people["gender"].tolist() == ["male", "female"]
    assert people["education"].tolist() == ["senior_high", "primary"]
    assert people["migrant"].tolist() == [False, True]
    assert people["skills"].tolist() == [("医疗", "农技"), ()]
    assert people["last_contact"].tolist() == [pd.Timestamp("2024-03-05")] * 2
    assert people["occupation"].isna().all()
    assert ds.orgs["households"].tolist() == [pd.NA, 120]
    assert ds.orgs["weak_lax"].tolist() == [False, True]
    assert ds.orgs["x_km"].tolist() == [0.5, 1.25]
    assert ds.activities["date"].tolist() == [pd.Timestamp("2024-03-05")]
    assert ds.activities["kind"].tolist() == ["party_lesson"]
    assert len(ds.households) == 0 and len(ds.visits) == 0
    assert ds.name == tmp_path.name
    assert ds.report is not None and len(ds.report) == 0


def test_public_shortcut():
    assert pbkit.load_dataset is load_dataset


def test_warnings_travel_with_dataset(tmp_path):
    orgs = ORGS.replace("软弱涣散\n", "软弱涣散,备注\n", 1)
    ds = load_dataset(folder(tmp_path, orgs=orgs), today=TODAY)
    [warning] = ds.report.warnings
    assert (warning.file, warning.table, warning.column) == ("orgs.csv", "orgs", "备注")


def test_errors_stop_the_load_with_full_report(tmp_path):
    people = PEOPLE.replace("P2,V1,党员", "P2,V7,党员").replace(",男,", ",M?,")
    with pytest.raises(ValidationFailed) as err:
        load_dataset(folder(tmp_path, people=people), today=TODAY)
    exc = err.value
    assert not isinstance(exc, PrivacyError)
    places = [(i.file, i.row, i.column, i.key) for i in exc.report.errors]
    assert places == [("people.csv", 2, "性别", "data.bad_enum"),
                      ("people.csv", 3, "所在组织编号", "data.dangling_ref")]
    assert exc.render("en") == ("people.csv: table people, row 2, column 性别: invalid value M?; "
                                "allowed: male(男), female(女) (and 1 more error(s); run pbkit "
                                "validate to see all)")


def test_identifiers_refused_as_privacy_error(tmp_path):
    people = PEOPLE.replace("最近联系日期\n", "最近联系日期,联系电话\n", 1).replace(
        "2024/3/5\n", "2024/3/5,13812345678\n")
    with pytest.raises(PrivacyError) as err:
        load_dataset(folder(tmp_path, people=people), today=TODAY)
    assert isinstance(err.value, ValidationFailed)
    assert isinstance(err.value, IdentifiersRefused)
    issue = err.value.report.errors[0]
    assert (issue.file, issue.table, issue.row, issue.column) == (
        "people.csv", "people", None, "联系电话")
    assert "13812345678" not in err.value.render("zh")


def test_same_data_from_csv_xlsx_and_zip(tmp_path):
    import openpyxl

    (tmp_path / "csv").mkdir()
    csv_ds = load_dataset(folder(tmp_path / "csv"), today=TODAY)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, text in (("组织", ORGS), ("人员", PEOPLE), ("组织生活", ACTS)):
        ws = wb.create_sheet(sheet)
        for line in text.splitlines():
            ws.append(line.split(","))
    wb.save(tmp_path / "branch.xlsx")
    xlsx_ds = load_dataset(tmp_path / "branch.xlsx", today=TODAY)
    with zipfile.ZipFile(tmp_path / "branch.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("orgs", ORGS), ("people", PEOPLE), ("activities", ACTS)):
            zf.writestr(f"export/{name}.csv", text.encode("gb18030"))
    zip_ds = load_dataset(tmp_path / "branch.zip", today=TODAY)
    for other in (xlsx_ds, zip_ds):
        for name in TABLES:
            pd.testing.assert_frame_equal(csv_ds.table(name), other.table(name))


def test_sample_dataset_loads_if_present():
    from pbkit.data.sample import sample_path

    if not (sample_path() / "orgs.csv").exists():
        pytest.skip("sample dataset not built yet")
    ds = load_dataset(sample_path())
    assert len(ds.orgs) > 0 and len(ds.people) > 0
    assert not ds.report.has_errors


def test_round_trip_write_csv_then_load(tmp_path):
    (tmp_path / "a").mkdir()
    ds = load_dataset(folder(tmp_path / "a"), today=TODAY)
    ds.write_csv(tmp_path / "b")
    again = load_dataset(tmp_path / "b", today=TODAY)
    for name in TABLES:
        pd.testing.assert_frame_equal(ds.table(name), again.table(name))


def test_missing_path(tmp_path):
    with pytest.raises(DataError) as err:
        load_dataset(tmp_path / "nowhere")
    assert err.value.render("en").endswith("no such file or folder")


# ------------------------------------------------------------------ limits


def _zip_declaring(path: Path, member: str, payload: bytes, declared: int) -> Path:
    """A zip whose central directory declares ``declared`` bytes for ``member``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, payload)
    raw = bytearray(buf.getvalue())
    cd = raw.rfind(b"PK\x01\x02")
    struct.pack_into("<I", raw, cd + 24, declared)  # uncompressed size in the directory
    lh = raw.find(b"PK\x03\x04")
    struct.pack_into("<I", raw, lh + 22, declared)  # and in the local header
    path.write_bytes(bytes(raw))
    return path


def test_zip_declaring_huge_size_refused_before_extraction(tmp_path, monkeypatch):
    path = _zip_declaring(tmp_path / "bomb.zip", "people.csv", b"person_id\nP1\n",
                          4_000_000_000)
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, *args, **kwargs):
        opened.append(args[0])
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    with pytest.raises(DataLimitError) as err:
        load_dataset(path)
    assert opened == []  # no member was opened for reading
    exc = err.value
    assert (exc.file, exc.key) == ("bomb.zip", "data.uncompressed_too_large")
    assert exc.render("en") == ("bomb.zip: the archive declares 3.7 GB uncompressed, over the "
                                "limit of 2.0 GB; not extracted")
    assert exc.render("zh") == "bomb.zip：压缩包声明解压后共 3.7 GB，超过上限 2.0 GB，未解压"


def test_xlsx_declaring_huge_size_refused(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["org_id", "level"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    raw = bytearray(good.read_bytes())
    cd = raw.rfind(b"PK\x01\x02")
    struct.pack_into("<I", raw, cd + 24, 900 * 1024 * 1024)
    (tmp_path / "big.xlsx").write_bytes(bytes(raw))
    with pytest.raises(DataLimitError) as err:
        load_dataset(tmp_path / "big.xlsx")
    assert err.value.key == "data.uncompressed_too_large"
    assert err.value.file == "big.xlsx"
    assert "256.0 MB" in err.value.render("en")


def test_real_compression_bomb_refused_by_ratio(tmp_path):
    path = tmp_path / "zeros.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("people.csv", b"person_id\n" + b"0" * (8 * 1024 * 1024))
    with pytest.raises(DataLimitError) as err:
        load_dataset(path)
    assert err.value.key == "data.compression_ratio"
    assert "people.csv" in err.value.render("en")


def test_file_size_limit(tmp_path):
    path = folder(tmp_path)
    with pytest.raises(DataLimitError) as err:
        load_dataset(path, limits=Limits(max_file_bytes=64))
    assert err.value.key == "data.file_too_large"
    assert err.value.render("en").startswith(f"{err.value.file}: ")
    assert "over" not in err.value.render("en") and "limit of 64 B" in err.value.render("en")


def test_row_and_member_limits(tmp_path):
    path = folder(tmp_path)
    with pytest.raises(DataLimitError) as err:
        load_dataset(path, limits=Limits(max_rows=1))
    assert err.value.key == "data.too_many_rows"
    assert err.value.table in {"orgs", "people"}
    zpath = tmp_path / "many.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for i in range(5):
            zf.writestr(f"x{i}.csv", "a\n")
    with pytest.raises(DataLimitError) as err:
        load_dataset(zpath, limits=Limits(max_members=3))
    assert err.value.render("en") == ("many.zip: the archive has 5 members, over the limit of 3; "
                                      "not extracted")


def test_limits_validate_their_values():
    from pbkit.errors import UsageError

    with pytest.raises(UsageError):
        Limits(max_rows=0)


def test_dataset_equality_compares_contents_without_raising():
    orgs = pd.DataFrame({"org_id": ["T1", "V1"], "parent_id": [None, "T1"],
                         "level": ["township", "village"]})
    a = Dataset.from_frames(name="x", orgs=orgs)
    b = Dataset.from_frames(name="x", orgs=orgs.copy())
    assert (Dataset() == Dataset()) is False  # identity, as for DataFrame objects: no raise
    assert a == a and a != b
    assert a.equals(b) and Dataset().equals(Dataset())
    assert not a.equals(Dataset.from_frames(name="y", orgs=orgs))
    assert not a.equals(a.replace(orgs=a.orgs.iloc[:1]))
    assert not a.equals(orgs)
    assert len({a, b}) == 2  # hashable by identity
