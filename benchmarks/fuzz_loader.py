"""Fuzz the dataset loader with malformed CSV, .xlsx and .zip inputs.

Every input must end in a clean load or a report: :func:`pbkit.data.validation.validate`
returns a report and :func:`pbkit.data.io.load_dataset` returns a ``Dataset`` or raises a
:class:`pbkit.errors.PbkitError` subclass. Anything else (an uncaught exception) or an input
that takes longer than the time limit (a hang) is a finding.

Inputs are made from a seeded random generator (reproducible): structured CSV tables with
random headers and cells (schema and Chinese headers, full-width digits, date spellings,
identifiers, quotes, separators, NUL bytes, stray encodings), raw random bytes, byte flips
and truncations of valid CSV/.xlsx/.zip files, and valid archives whose members' XML or CSV
text was mutated (so the archive opens but its content is broken).

Run::

    .venv/bin/python benchmarks/fuzz_loader.py --n 10000 --seed 0

``tests/data/test_data_fuzz.py`` runs a bounded number of the same generators in CI.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from collections import Counter
from pathlib import Path

__all__ = ["make_input", "check_input", "main", "KINDS"]

KINDS = ("csv_struct", "csv_bytes", "csv_flip", "xlsx_flip", "xlsx_member", "zip_flip",
         "zip_member", "folder_multi")

_CELLS = ["", " ", "V1", "P1", "H1", "T1", "村", "乡镇", "男", "女", "书记;党员", "党员、书记",
          "高中/中专", "1965", "１９６５", "1,200", "3.0", "-1", "2024-03-05", "2024/3/5",
          "2024年3月5日", "45356", "20240305", "2024-02-30", "是", "否", "true", "maybe", "N",
          "13812345678", "11010519491231002X", "110105194912310021", "=1+1", '"', '""', "\x00",
          "𠮷", "€", "\u3000", "\ufeff", "null", "NaN", "inf", "1e400", "9" * 40, "a\nb",
          "one_on_one", "two_plus_one", "bao_cun", "branch_pair", "study_help", "village",
          "party_lesson", "elderly_alone", "60-69", "80+", "\t", ";", ",", "，"]


def _headers(rng: random.Random, table: str) -> list[str]:
    from pbkit.data.schema import TABLES

    cols = list(TABLES[table].columns)
    rng.shuffle(cols)
    names = []
    for col in cols[: rng.randint(0, len(cols))]:
        names.append(rng.choice(col.headers))
    for _ in range(rng.randint(0, 2)):
        names.append(rng.choice(["姓名", "备注", "", "phone", "x", "组织编号", "ＰＥＲＳＯＮ_ＩＤ"]))
    return names


def _csv_text(rng: random.Random, table: str) -> str:
    headers = _headers(rng, table)
    lines = [",".join(headers)]
    for _ in range(rng.randint(0, 12)):
        n = max(0, len(headers) + rng.randint(-2, 2))
        cells = []
        for _ in range(n):
            cell = rng.choice(_CELLS)
            if rng.random() < 0.1:
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        lines.append(",".join(cells))
    if rng.random() < 0.2:
        lines.insert(rng.randint(0, len(lines)), "")
    return "\n".join(lines) + rng.choice(["\n", "", "\r\n"])


def _encode(rng: random.Random, text: str) -> bytes:
    enc = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"])
    return text.encode(enc, errors="replace")


def _flip(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    if not raw:
        return bytes(rng.randbytes(rng.randint(0, 64)))
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randrange(len(raw))
        if op < 0.5:
            raw[pos] = rng.randrange(256)
        elif op < 0.7:
            del raw[pos: pos + rng.randint(1, 16)]
        elif op < 0.85:
            raw[pos:pos] = rng.randbytes(rng.randint(1, 16))
        else:
            raw = raw[: pos]
        if not raw:
            break
    return bytes(raw)


def _base_tables(rng: random.Random) -> dict[str, str]:
    orgs = "org_id,parent_id,level\nT1,,township\nV1,T1,village\nV2,T1,村\n"
    people = ("person_id,org_id,roles,gender,education,birth_year,join_year\n"
              "P1,V1,member,male,junior_high,1960,1985\nP2,V2,书记,女,高中,1970,1995\n")
    acts = "activity_id,org_id,kind,date,expected,attended\nA1,V1,党课,2024-03-05,10,8\n"
    tables = {"orgs": orgs, "people": people, "activities": acts}
    if rng.random() < 0.5:
        tables["visits"] = _csv_text(rng, "visits")
    return tables


def _xlsx_bytes(tables: dict[str, str]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, text in tables.items():
        ws = wb.create_sheet(name)
        for line in text.splitlines():
            ws.append([c.replace("\x00", "") for c in line.split(",")])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip_bytes(tables: dict[str, str], encoding: str = "utf-8") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in tables.items():
            zf.writestr(f"{name}.csv", text.encode(encoding, errors="replace"))
    return buf.getvalue()


def _mutate_members(rng: random.Random, data: bytes) -> bytes:
    """Re-zip an archive with one or more members' bytes mutated (valid zip, broken content)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info)
            if rng.random() < 0.5:
                body = _flip(rng, body)
            out.writestr(info.filename, body)
    return buf.getvalue()


def make_input(rng: random.Random, kind: str, folder: Path) -> Path:
    """Write one fuzz input of ``kind`` under ``folder``; returns the path to load."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "csv_struct":
        table = rng.choice(["orgs", "people", "households", "pairings", "activities", "visits"])
        tables = _base_tables(rng)
        tables[table] = _csv_text(rng, table)
        for name, text in tables.items():
            (folder / f"{name}.csv").write_bytes(_encode(rng, text))
        return folder
    if kind == "csv_bytes":
        (folder / "orgs.csv").write_bytes(rng.randbytes(rng.randint(0, 400)))
        (folder / "people.csv").write_bytes(rng.randbytes(rng.randint(0, 400)))
        return folder
    if kind == "csv_flip":
        for name, text in _base_tables(rng).items():
            (folder / f"{name}.csv").write_bytes(_flip(rng, _encode(rng, text)))
        return folder
    if kind == "folder_multi":
        tables = _base_tables(rng)
        for name in ("households", "pairings", "visits"):
            tables[name] = _csv_text(rng, name)
        for name, text in tables.items():
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
        return folder
    if kind in ("xlsx_flip", "xlsx_member"):
        data = _xlsx_bytes(_base_tables(rng))
        data = _flip(rng, data) if kind == "xlsx_flip" else _mutate_members(rng, data)
        path = folder / "branch.xlsx"
        path.write_bytes(data)
        return path
    if kind in ("zip_flip", "zip_member"):
        data = _zip_bytes(_base_tables(rng), rng.choice(["utf-8", "gb18030"]))
        data = _flip(rng, data) if kind == "zip_flip" else _mutate_members(rng, data)
        path = folder / "export.zip"
        path.write_bytes(data)
        return path
    raise ValueError(kind)


def check_input(path: Path) -> str:
    """Load ``path``; return the outcome, raise on an uncaught exception.

    :func:`~pbkit.data.io.load_dataset` runs the same reading and checks as
    :func:`~pbkit.data.validation.validate` (which only adds turning a size refusal into a
    report line), so one call per input covers both; every message is rendered in zh and en.
    """
    from pbkit.data.dataset import Dataset
    from pbkit.data.io import load_dataset
    from pbkit.errors import PbkitError, ValidationFailed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ds = load_dataset(path)
        except ValidationFailed as exc:
            assert exc.report.has_errors
            for issue in exc.report:
                issue.render("zh")
                issue.render("en")
            exc.render("zh")
            return "report"
        except PbkitError as exc:
            exc.render("zh")
            exc.render("en")
            return "refused"
        assert isinstance(ds, Dataset)
        for issue in ds.report or ():
            issue.render("zh")
        return "loaded"


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=60,
                        help="seconds per input before it counts as a hang")
    parser.add_argument("--json", type=Path, default=None, help="write a summary here")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    findings = []
    slowest = (0.0, "")
    signal.signal(signal.SIGALRM, _alarm)
    root = Path(tempfile.mkdtemp(prefix="pbkit-fuzz-"))
    # warm up (imports, first-call costs) so that the time limit measures the input only
    check_input(make_input(random.Random(-1), "csv_struct", root / "warmup"))
    shutil.rmtree(root / "warmup", ignore_errors=True)
    start = time.perf_counter()
    try:
        for i in range(args.n):
            kind = KINDS[i % len(KINDS)]
            by_kind[kind] += 1
            case = root / f"case{i}"
            state = rng.getstate()
            path = make_input(rng, kind, case)
            t0 = time.perf_counter()
            signal.alarm(args.timeout)
            try:
                outcomes[check_input(path)] += 1
            except _Timeout:
                outcomes["hang"] += 1
                keep = root.parent / f"pbkit-fuzz-hang-{args.seed}-{i}"
                shutil.copytree(case, keep, dirs_exist_ok=True)
                findings.append({"i": i, "kind": kind, "error": "timeout", "kept": str(keep)})
            except Exception as exc:  # a finding: keep the input for inspection
                outcomes["crash"] += 1
                keep = root.parent / f"pbkit-fuzz-finding-{args.seed}-{i}"
                shutil.copytree(case, keep, dirs_exist_ok=True)
                findings.append({"i": i, "kind": kind, "error": f"{type(exc).__name__}: {exc}",
                                 "trace": traceback.format_exc(limit=4), "kept": str(keep),
                                 "rng_state_hash": hash(str(state))})
            finally:
                signal.alarm(0)
            took = time.perf_counter() - t0
            if took > slowest[0]:
                slowest = (took, kind)
            shutil.rmtree(case, ignore_errors=True)
            if (i + 1) % 500 == 0:
                print(f"{i + 1}/{args.n} {dict(outcomes)} {time.perf_counter() - start:.0f}s",
                      file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    elapsed = time.perf_counter() - start
    summary = {"inputs": args.n, "seed": args.seed, "seconds": round(elapsed, 1),
               "outcomes": dict(outcomes), "by_kind": dict(by_kind),
               "slowest_s": round(slowest[0], 3), "slowest_kind": slowest[1],
               "findings": findings[:50]}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
