"""Resource bounds of the readers (issue 22, items 2, 3 and the reader part of 9).

Each hostile input of ``benchmarks/fuzz_limits.py`` is loaded in a fresh process whose own
peak memory (VmHWM) and wall time are checked against the contract: at most 10 times the
input's size above the baseline process (plus a fixed 32 MB allowance) and 30 seconds. The
sizes here are small (CI); ``python benchmarks/fuzz_limits.py --size ...`` runs them up to
1 GB. The other tests check the message of each bound: file, table, row as the user sees it.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest

from pbkit.data.io import load_dataset
from pbkit.data.limits import Limits
from pbkit.data.validation import validate
from pbkit.errors import DataError, DataLimitError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks import fuzz_limits  # noqa: E402

HEAD = "org_id,parent_id,level\nT1,,township\nV1,T1,village\n"


@pytest.fixture(scope="module")
def base_mb(tmp_path_factory) -> float:
    return fuzz_limits.baseline(tmp_path_factory.mktemp("base"))["peak_mb"]


# 1 MB: the wide row took 174 s and 3.6 GB before (issue 22 item 2), the zip and xlsx
# cases GBs or minutes at a few MB (item 3). Left out, because what they cost is rows a
# dataset may hold, not a parser's blow-up: csv_tiny_rows (half a million real two-byte
# rows) and the archive under the ratio cap (read in full; bounded by the cap and
# max_rows) -- see fuzz_limits.KNOWN_OVER. The workbook at the cell budget is gated here
# since max_xlsx_cells went to 250 k (12 s at 1 MB on the loaded machine)
CI_CASES = [c for c in fuzz_limits.CASES if c not in fuzz_limits.KNOWN_OVER]


@pytest.mark.parametrize("case", CI_CASES)
def test_hostile_input_costs_at_most_ten_times_its_size(case, tmp_path, base_mb):
    res = fuzz_limits.run_case(case, 1_000_000, tmp_path, base_mb, timeout=60, hard_mb=3000)
    assert res["killed"] is None, res
    assert res["outcome"] in ("report", "refused"), res
    assert res["seconds"] <= fuzz_limits.TIME_LIMIT_S, res
    assert res["extra_mb"] <= res["budget_mb"], res


def test_wide_row_refused_naming_row(tmp_path):
    (tmp_path / "orgs.csv").write_text(HEAD + "V2,T1," + "," * 70000 + "\n", encoding="utf-8")
    with pytest.raises(DataLimitError) as err:
        load_dataset(tmp_path)
    assert err.value.key == "data.too_many_fields"
    assert (err.value.file, err.value.table, err.value.row) == ("orgs.csv", "orgs", 4)
    assert "500" in err.value.render("en") and "第 4 行" in err.value.render("zh")


def test_wide_row_under_limit_still_read(tmp_path):
    """A row longer than the header but under the column limit: read, extra cell reported."""
    (tmp_path / "orgs.csv").write_text(HEAD + "V2,T1,village,extra\n", encoding="utf-8")
    report = validate(tmp_path)
    assert any(i.key == "data.unnamed_column" and i.row == 4 for i in report), report.render()


def test_long_cell_refused_naming_row_and_column(tmp_path):
    (tmp_path / "orgs.csv").write_text(HEAD + 'V2,T1,"' + "x" * 200_000 + '"\nV3\n',
                                       encoding="utf-8")
    with pytest.raises(DataLimitError) as err:
        load_dataset(tmp_path)
    assert err.value.key == "data.cell_too_large"
    assert (err.value.row, err.value.column) == (4, "C")


def test_long_cell_in_regular_file_refused(tmp_path):
    """The typed pass (no irregularity) measures its text cells too."""
    (tmp_path / "orgs.csv").write_text(HEAD + "V2,T1," + "y" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(DataLimitError) as err:
        load_dataset(tmp_path)
    assert (err.value.key, err.value.row, err.value.column) == ("data.cell_too_large", 4, "C")


def test_unclosed_quote_becomes_cell_limit(tmp_path):
    (tmp_path / "orgs.csv").write_text(HEAD + 'V2,T1,"' + "a,b\n" * 50_000, encoding="utf-8")
    with pytest.raises(DataLimitError) as err:
        load_dataset(tmp_path)
    assert err.value.key == "data.cell_too_large" and err.value.row == 4


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_many_members_just_under_member_threshold_refused(tmp_path):
    """900 members of exactly 1 MiB once slipped under the per-member ratio check."""
    one = (HEAD.encode() + b"V1,T1,village\n" * 80_000)[: 1024 * 1024]
    path = _zip(tmp_path / "x.zip", {f"orgs{i}.csv": one for i in range(40)})
    with pytest.raises(DataLimitError) as err:
        load_dataset(path, limits=Limits(max_compression_ratio=100))
    assert err.value.key in ("data.archive_ratio", "data.compression_ratio")


def test_archive_ratio_of_whole_archive(tmp_path):
    one = (HEAD.encode() + b"V1,T1,village\n" * 20_000)[: 200 * 1024]  # each under 256 KiB
    path = _zip(tmp_path / "x.zip", {f"orgs{i}.csv": one for i in range(10)})
    with pytest.raises(DataLimitError) as err:
        load_dataset(path)
    assert err.value.key == "data.archive_ratio"
    assert "x.zip" in err.value.render("en")


def test_xlsx_cell_budget_stops_at_row(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "orgs"
    ws.append(["org_id", "parent_id", "level"])
    for i in range(50):
        ws.append([f"V{i}", "T1", "village"])
    wb.save(tmp_path / "b.xlsx")
    with pytest.raises(DataLimitError) as err:
        load_dataset(tmp_path / "b.xlsx", limits=Limits(max_xlsx_cells=30))
    assert err.value.key == "data.xlsx_too_many_cells"
    assert err.value.row == 11  # 3 + 10 * 3 = 33 cells: the 11th row overdraws 30


def test_xlsx_shared_strings_bound(tmp_path):
    path = fuzz_limits.make_case("xlsx_shared_strings", tmp_path, 20_000)
    with pytest.raises(DataLimitError) as err:
        load_dataset(path, limits=Limits(max_xlsx_shared_strings_bytes=1024,
                                         max_compression_ratio=1000))
    assert err.value.key == "data.xlsx_shared_strings"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("as_folder", [False, True])
def test_fifo_refused_without_opening(tmp_path, as_folder):
    fifo = tmp_path / "orgs.csv"
    os.mkfifo(fifo)
    if as_folder:  # a pipe inside a folder is not a file of the dataset: never opened
        report = validate(tmp_path)
        assert any(i.key == "data.missing_table" for i in report)
        return
    with pytest.raises(DataError) as err:
        load_dataset(fifo)
    assert err.value.key == "data.not_regular_file.fifo"
    assert "命名管道" in err.value.render("zh")


def _write(path: Path, text: str, encoding: str) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "orgs.csv").write_bytes(text.encode(encoding))
    return path


TW = ("組織編號,上級組織編號,層級,名稱\nT1,,鄉鎮,城關鎮\nV1,T1,村,東風村\nV2,T1,村,紅旗村\n"
      "V3,T1,村,幸福村\n")
JA = "org_id,parent_id,level,名前\nT1,,township,東京都新宿区\nV1,T1,village,ひらがなカタカナ\n" \
     "V2,T1,village,大阪府大阪市北区\n"


@pytest.mark.parametrize("text,encoding,named", [(TW, "big5", "big5"),
                                                 (JA, "shift_jis", "cp932")])
def test_big5_and_shift_jis_refused_with_encoding_named(tmp_path, text, encoding, named):
    report = validate(_write(tmp_path, text, encoding))
    issue = next(i for i in report if i.key == "data.encoding_other")
    assert issue.severity == "error" and issue.file == "orgs.csv"
    assert named in issue.message("en").lower() and "UTF-8" in issue.message("zh")


def test_encoding_override_reads_big5(tmp_path):
    report = validate(_write(tmp_path, TW, "big5"), encoding="big5")
    assert not any(i.key.startswith("data.encoding") for i in report)


@pytest.mark.parametrize("text", [
    "组织编号,上级组织编号,层级\nT1,,乡镇\nV1,T1,村\n",
    "组织编号,上级组织编号,层级,名称\nT1,,乡镇,城关镇\nV1,T1,村,东风村\nV2,T1,村,红旗村\n"
    "V3,T1,村,幸福村\nV4,T1,村,𠮷祥村\n",
    "org_id,parent_id,level,name\nT1,,township,€\n",
])
def test_gb18030_still_accepted(tmp_path, text):
    report = validate(_write(tmp_path, text, "gb18030"))
    assert not any(i.key.startswith("data.encoding") for i in report), report.render("en")


def test_path_through_a_file_is_one_message(tmp_path):
    """A dataset path the file system refuses (a file used as a folder) names the path."""
    (tmp_path / "afile").write_text("x")
    bad = tmp_path / "afile" / "data"
    with pytest.raises(DataError) as err:
        load_dataset(bad)
    assert err.value.key == "data.path_unreadable"
    assert str(bad) in err.value.render("en")


def test_irregular_file_cell_budget(tmp_path):
    """Ragged rows go to the lenient reader, which holds every cell: its size is bounded."""
    row = "V,T1," + "ab," * 40 + "\n"
    (tmp_path / "orgs.csv").write_text(HEAD + row * 100, encoding="utf-8")
    with pytest.raises(DataLimitError) as err:
        load_dataset(tmp_path, limits=Limits(max_irregular_cells=2000))
    assert err.value.key == "data.irregular_too_large"
    assert "103 rows x 43 columns" in err.value.render("en")
    report = validate(tmp_path)  # within the default budget: read and reported
    assert any(i.key == "data.unnamed_column" for i in report)


def test_default_xlsx_cell_budget_keeps_a_workbook_under_the_time_bound():
    # issue 22 item 3: a workbook at the old 1 M-cell budget took 72 s on the loaded
    # two-core server; openpyxl reads 15-25 k cells/s there, so 250 k stays under 30 s
    assert Limits().max_xlsx_cells <= 250_000


def test_xlsx_cell_budget_message_is_one_bilingual_line_naming_the_file(tmp_path):
    path = fuzz_limits.make_case("xlsx_under_cap", tmp_path, 30_000)
    with pytest.raises(DataLimitError) as err:
        load_dataset(path, limits=Limits(max_xlsx_cells=300))
    for lang in ("en", "zh"):
        line = err.value.render(lang)
        assert "\n" not in line and path.name in line, line
    assert "300" in err.value.render("en")
