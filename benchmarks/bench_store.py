"""Results store: submissions per second with 20 concurrent writer processes.

pbkit side: 20 processes (as 20 trainee kernels would be) each call
``ResultsStore.submit_attempt`` for their share of the submissions on one SQLite file - with
every check of :mod:`pbkit.store.limits`, the idempotency look-up, WAL, ``synchronous=FULL``
and ``BEGIN IMMEDIATE``.

Baseline: the same rows (attempt, 2 turns, 3 criterion scores per submission) inserted with
plain ``sqlite3`` in one process, one transaction per submission (so one durable commit per
acknowledged submission, as in the store), with the same pragmas. This is the floor a
single-writer design without validation could reach on the same disk.

Ratio = pbkit time / baseline time for the same number of submissions; ``extra`` reports
submissions per second for both (timed from the moment every writer is connected). The
pbkit side's wall time also includes starting the 20 writer processes.

``store_submit_1_writer`` runs the same submissions from one pbkit process: pbkit's own
overhead per submission, separated from 20 processes competing for two cores.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Benchmark

WRITERS = 20
PER_WRITER = {"township": 25, "county": 100, "province": 250}
CRITERIA = (("listen", 3), ("explain", 3), ("act", 3))


def _score(worker: int, i: int) -> dict:
    levels = (worker % 4, i % 4, (worker + i) % 4)
    return {"scenario": "s1", "total": round(100.0 * sum(levels) / 9, 1),
            "needs_review": False,
            "criteria": [{"id": c, "level": lvl, "max_level": top, "evidence": [[0, 4]],
                          "feedback": f"{c} 反馈"} for (c, top), lvl in zip(CRITERIA, levels)]}


def _turns(worker: int, i: int) -> list:
    return [f"第{i}次作答：我先听您把情况说完，再把账目拿出来一起核对。(w{worker})",
            {"text": "第二轮：今天就公开。", "reply": "好吧。"}]


def setup(scale: str) -> dict:
    return {"writers": WRITERS, "per_writer": PER_WRITER[scale]}


def setup_single(scale: str) -> dict:
    """One writer doing all the submissions: pbkit's own cost per submission, without the
    effects of 20 processes sharing two cores."""
    return {"writers": 1, "per_writer": WRITERS * PER_WRITER[scale]}


def _writer(url: str, worker: int, count: int, start) -> None:
    from pbkit.store.api import ResultsStore

    store = ResultsStore(url)
    store.engine  # connect and check the schema before the clock starts  # noqa: B018
    start.wait()  # a barrier: all writers and the parent
    for i in range(count):
        store.submit_attempt(f"w{worker:02d}-{i:05d}", f"T{worker:04d}", "s1",
                             _turns(worker, i), _score(worker, i))
    store.close()


def run_pbkit(data: dict) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="pbkit-bench-store-"))
    try:
        return _run_writers("sqlite:///" + str(folder / "results.sqlite3"), data)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_writers(url: str, data: dict) -> dict:
    from pbkit.store.api import ResultsStore

    store = ResultsStore(url)
    store.ensure_cohort("C1", "bench")
    for w in range(data["writers"]):
        store.ensure_trainee(f"T{w:04d}", "C1")
    ctx = mp.get_context("fork")
    start = ctx.Barrier(data["writers"] + 1)
    procs = [ctx.Process(target=_writer, args=(url, w, data["per_writer"], start))
             for w in range(data["writers"])]
    for p in procs:
        p.start()
    start.wait()  # every writer connected
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    assert all(p.exitcode == 0 for p in procs)
    rows = len(store.attempts())
    store.close()
    return {"rows": rows, "submissions_per_s": round(rows / elapsed, 1),
            "writers": data["writers"]}


_DDL = """
CREATE TABLE attempts (id INTEGER PRIMARY KEY, submission_id TEXT NOT NULL UNIQUE,
  trainee_id TEXT NOT NULL, scenario_id TEXT NOT NULL, created_at TEXT NOT NULL,
  status TEXT NOT NULL, total REAL, needs_review INTEGER NOT NULL, payload_sha256 TEXT NOT NULL);
CREATE TABLE turns (attempt_id INTEGER NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL,
  reply TEXT, PRIMARY KEY (attempt_id, idx));
CREATE TABLE machine_scores (attempt_id INTEGER NOT NULL, criterion_id TEXT NOT NULL,
  level INTEGER NOT NULL, max_level INTEGER NOT NULL, evidence TEXT NOT NULL,
  feedback TEXT NOT NULL, PRIMARY KEY (attempt_id, criterion_id));
"""


def run_baseline(data: dict) -> dict:
    import json

    folder = Path(tempfile.mkdtemp(prefix="pbkit-bench-store-base-"))
    try:
        conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
        for pragma in ("busy_timeout=30000", "journal_mode=WAL", "synchronous=FULL",
                       "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        conn.executescript(_DDL)
        t0 = time.perf_counter()
        for w in range(data["writers"]):
            for i in range(data["per_writer"]):
                score = _score(w, i)
                conn.execute("BEGIN IMMEDIATE")
                cur = conn.execute(
                    "INSERT INTO attempts (submission_id, trainee_id, scenario_id, created_at,"
                    " status, total, needs_review, payload_sha256) VALUES (?,?,?,?,?,?,?,?)",
                    (f"w{w:02d}-{i:05d}", f"T{w:04d}", "s1", "2026-01-01 00:00:00", "scored",
                     score["total"], 0, "x"))
                aid = cur.lastrowid
                turns = _turns(w, i)
                conn.executemany("INSERT INTO turns VALUES (?,?,?,?)",
                                 [(aid, 1, turns[0], None),
                                  (aid, 2, turns[1]["text"], turns[1]["reply"])])
                conn.executemany("INSERT INTO machine_scores VALUES (?,?,?,?,?,?)",
                                 [(aid, c["id"], c["level"], c["max_level"],
                                   json.dumps(c["evidence"]), c["feedback"])
                                  for c in score["criteria"]])
                conn.execute("COMMIT")
        elapsed = time.perf_counter() - t0
        rows = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
        conn.close()
        return {"rows": rows, "submissions_per_s": round(rows / elapsed, 1)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------- PostgreSQL (optional)
# Set PBKIT_BENCH_PG_URL=postgresql+psycopg://user@127.0.0.1:5432/db (a database the
# benchmark may wipe: it drops pbkit's tables and its own raw_* tables before each run).
PG_URL = os.environ.get("PBKIT_BENCH_PG_URL")
_PG_TABLES = ("quiz_answers", "human_scores", "machine_scores", "turns", "attempts",
              "trainees", "cohorts", "schema_version", "raw_machine_scores", "raw_turns",
              "raw_attempts")


def _pg_conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _pg_wipe(url: str) -> None:
    import psycopg

    with psycopg.connect(_pg_conninfo(url), autocommit=True) as conn:
        for table in _PG_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table} CASCADE")


def run_pbkit_pg(data: dict) -> dict:
    _pg_wipe(PG_URL)
    return _run_writers(PG_URL, data)


def run_baseline_pg(data: dict) -> dict:
    import json

    import psycopg

    _pg_wipe(PG_URL)
    ddl = (_DDL.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
           .replace("TABLE attempts", "TABLE raw_attempts")
           .replace("TABLE turns", "TABLE raw_turns")
           .replace("TABLE machine_scores", "TABLE raw_machine_scores"))
    with psycopg.connect(_pg_conninfo(PG_URL), autocommit=True) as conn:
        for statement in ddl.split(";"):
            if statement.strip():
                conn.execute(statement)
        t0 = time.perf_counter()
        for w in range(data["writers"]):
            for i in range(data["per_writer"]):
                score, turns = _score(w, i), _turns(w, i)
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(
                        "INSERT INTO raw_attempts (submission_id, trainee_id, scenario_id,"
                        " created_at, status, total, needs_review, payload_sha256)"
                        " VALUES (%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                        (f"w{w:02d}-{i:05d}", f"T{w:04d}", "s1", "2026-01-01 00:00:00",
                         "scored", score["total"], 0, "x"))
                    aid = cur.fetchone()[0]
                    cur.executemany("INSERT INTO raw_turns VALUES (%s,%s,%s,%s)",
                                    [(aid, 1, turns[0], None),
                                     (aid, 2, turns[1]["text"], turns[1]["reply"])])
                    cur.executemany("INSERT INTO raw_machine_scores VALUES (%s,%s,%s,%s,%s,%s)",
                                    [(aid, c["id"], c["level"], c["max_level"],
                                      json.dumps(c["evidence"]), c["feedback"])
                                     for c in score["criteria"]])
        elapsed = time.perf_counter() - t0
        rows = conn.execute("SELECT count(*) FROM raw_attempts").fetchone()[0]
    _pg_wipe(PG_URL)
    return {"rows": rows, "submissions_per_s": round(rows / elapsed, 1)}


def _check(mine: dict, base: dict) -> None:
    assert mine.get("rows") == base.get("rows"), (mine.get("rows"), base.get("rows"))


BENCHMARKS = [
    Benchmark(
        name="store_submit_20_writers",
        run=run_pbkit,
        baseline=run_baseline,
        setup=setup,
        scales=("township", "county"),
        repeat=3,
        target="every submission stored; throughput >= 100 submissions/s (a class of 200 "
               "submitting within 2 s); ratio reported",
        check=_check,
    ),
    Benchmark(
        name="store_submit_1_writer",
        run=run_pbkit,
        baseline=run_baseline,
        setup=setup_single,
        scales=("township",),
        repeat=3,
        target="ratio <= 2.5 (validation, idempotency look-up and SQLAlchemy per submission)",
        check=_check,
    ),
]

if PG_URL:
    BENCHMARKS.append(Benchmark(
        name="store_submit_20_writers_postgres",
        run=run_pbkit_pg,
        baseline=run_baseline_pg,
        setup=setup,
        scales=("township", "county"),
        repeat=2,
        target="every submission stored; 20 pbkit writers vs one raw psycopg writer",
        check=_check,
    ))
