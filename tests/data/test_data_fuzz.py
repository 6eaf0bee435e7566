"""Bounded fuzzing of the loader (CI): malformed CSV, .xlsx and .zip end in a load or a report.

The long run (10,000+ inputs) is ``benchmarks/fuzz_loader.py``; its figures are in
``benchmarks/RESULTS_data.md``.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbkit.data.io import load_dataset
from pbkit.data.report import ValidationReport
from pbkit.data.schema import TABLES
from pbkit.data.validation import validate
from pbkit.errors import PbkitError, ValidationFailed

FUZZ = settings(max_examples=45, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ORGS = "org_id,parent_id,level\nT1,,township\nV1,T1,village\n"
PEOPLE = ("person_id,org_id,roles,gender,education,birth_year,join_year\n"
          "P1,V1,member,male,junior_high,1960,1985\n")
ACTS = "activity_id,org_id,kind,date,expected,attended\nA1,V1,党课,2024-03-05,10,8\n"

CELLS = st.sampled_from([
    "", " ", "V1", "P1", "T1", "H1", "村", "男", "女", "书记;党员", "1965", "１９６５", "3.0",
    "2024/3/5", "2024年3月5日", "45356", "2024-02-30", "是", "maybe", "13812345678",
    "11010519491231002X", '"', "\x00", "𠮷", "€", "\u3000", "=1+1", "a\nb", "1e400", "-5",
    "one_on_one", "bao_cun", "60-69", "，", ";",
]) | st.text(max_size=12)


def check(path: Path) -> str:
    """The contract: validate returns a report; load gives a Dataset or a PbkitError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            report = validate(path)
        except PbkitError as exc:
            exc.render("en")
            return "refused"
        assert isinstance(report, ValidationReport)
        for issue in report:
            issue.render("zh")
            issue.render("en")
        try:
            ds = load_dataset(path)
        except ValidationFailed:
            assert report.has_errors
            return "report"
        except PbkitError:
            return "refused"
        assert not report.has_errors
        assert set(ds.tables()) == set(TABLES)
        return "loaded"


@st.composite
def csv_tables(draw):
    table = draw(st.sampled_from(list(TABLES)))
    cols = list(TABLES[table].columns)
    headers = draw(st.lists(st.sampled_from([h for c in cols for h in c.headers] +
                                            ["姓名", "备注", ""]), max_size=8))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(headers) + 2), max_size=8))

    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(ch in cell for ch in ',"\n') else cell

    lines = [",".join(map(quote, headers))] + [",".join(map(quote, r)) for r in rows]
    return table, "\n".join(lines) + "\n"


def run(files: dict[str, bytes], target: str | None = None) -> str:
    """Write ``files`` to a fresh folder, check it (or the file ``target`` in it), clean up."""
    root = Path(tempfile.mkdtemp(prefix="pbkit-fuzz-"))
    try:
        for name, data in files.items():
            (root / name).write_bytes(data)
        return check(root / target if target else root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(csv_tables(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_fuzz_structured_csv(table_text, encoding):
    table, text = table_text
    files = {"orgs.csv": ORGS.encode(), "people.csv": PEOPLE.encode(),
             "activities.csv": ACTS.encode()}
    files[f"{table}.csv"] = text.encode(encoding, errors="replace")
    assert run(files) in {"loaded", "report", "refused"}


@FUZZ
@given(st.binary(max_size=600), st.binary(max_size=300))
def test_fuzz_random_bytes_csv(orgs, people):
    assert run({"orgs.csv": orgs, "people.csv": people}) in {"report", "loaded", "refused"}


def _flip(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    raw = bytearray(data)
    for pos, value in edits:
        raw[pos % len(raw)] = value
    return bytes(raw[:cut] if cut is not None else raw)


@pytest.fixture(scope="module")
def xlsx_bytes() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, text in (("orgs", ORGS), ("people", PEOPLE), ("activities", ACTS)):
        ws = wb.create_sheet(name)
        for line in text.splitlines():
            ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("orgs", ORGS), ("people", PEOPLE), ("activities", ACTS)):
            zf.writestr(f"{name}.csv", text)
    return buf.getvalue()


EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=6)
CUTS = st.none() | st.integers(0, 4000)


def test_unmutated_inputs_load(xlsx_bytes, zip_bytes):
    assert run({"b.xlsx": xlsx_bytes}, "b.xlsx") == "loaded"
    assert run({"b.zip": zip_bytes}, "b.zip") == "loaded"


@FUZZ
@given(data=st.data())
def test_fuzz_flipped_xlsx(xlsx_bytes, data):
    mutated = _flip(xlsx_bytes, data.draw(EDITS), data.draw(CUTS))
    assert run({"branch.xlsx": mutated}, "branch.xlsx") in {"loaded", "report", "refused"}


@FUZZ
@given(data=st.data())
def test_fuzz_xlsx_with_broken_member(xlsx_bytes, data):
    """A valid zip container whose sheet XML is damaged (openpyxl may still parse it)."""
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes))
    names = src.namelist()
    victim = data.draw(st.sampled_from(names))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for name in names:
            body = src.read(name)
            if name == victim:
                body = _flip(body, data.draw(EDITS), data.draw(st.none() | st.integers(0, 2000)))
            out.writestr(name, body)
    assert run({"branch.xlsx": buf.getvalue()}, "branch.xlsx") in {"loaded", "report", "refused"}


@FUZZ
@given(data=st.data())
def test_fuzz_flipped_zip(zip_bytes, data):
    mutated = _flip(zip_bytes, data.draw(EDITS), data.draw(CUTS))
    assert run({"export.zip": mutated}, "export.zip") in {"loaded", "report", "refused"}


# ------------------------------------------------------------------ findings of the long run

def test_finding_date_beyond_nanosecond_range_is_a_bad_date(tmp_path):
    """Found by benchmarks/fuzz_loader.py: year 9024 crashed the date cast."""
    from pbkit.data.validation import validate

    (tmp_path / "orgs.csv").write_text(ORGS)
    (tmp_path / "people.csv").write_text(PEOPLE)
    (tmp_path / "activities.csv").write_text(
        "activity_id,org_id,kind,date,expected,attended\nA1,V1,党课,9024-03-05,1,1\n"
        "A2,V1,党课,9024年3月5日,1,1\n")
    report = validate(tmp_path)
    assert [(i.key, i.row, i.column) for i in report] == [
        ("data.bad_date", 2, "date"), ("data.bad_date", 3, "date")]


def test_finding_zip_with_unsupported_version_is_reported(tmp_path, zip_bytes):
    """Found by the long run: a flipped 'version needed' field raised NotImplementedError."""
    raw = bytearray(zip_bytes)
    cd = raw.find(b"PK\x01\x02")
    raw[cd + 6] = 111  # version needed to extract: 11.1
    (tmp_path / "x.zip").write_bytes(bytes(raw))
    issues = list(validate(tmp_path / "x.zip"))
    assert [(i.severity, i.key, i.file) for i in issues] == [("error", "data.bad_zip", "x.zip")]


def test_finding_zip_member_with_empty_name_is_skipped(tmp_path):
    """Found by the long run: a member whose name was flipped to empty raised IndexError."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("orgs.csv", ORGS)
        zf.writestr("people.csv", PEOPLE)
        zf.writestr("Q", b"junk")
    raw = bytearray(buf.getvalue())
    # make the last member's name zero bytes long in the central directory
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 28: cd + 30] = b"\x00\x00"
    del raw[cd + 46]
    end = raw.rfind(b"PK\x05\x06")
    size = int.from_bytes(raw[end + 12: end + 16], "little") - 1
    raw[end + 12: end + 16] = size.to_bytes(4, "little")
    (tmp_path / "y.zip").write_bytes(bytes(raw))
    assert run({"y.zip": (tmp_path / "y.zip").read_bytes()}, "y.zip") == "loaded"
