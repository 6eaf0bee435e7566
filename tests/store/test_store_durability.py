"""Nothing acknowledged is ever lost: concurrent writer processes, and writers killed with
SIGKILL in the middle of their work, against a real SQLite file (and PostgreSQL).

A writer acknowledges a submission (appends ``submission_id attempt_id`` to its ack file)
only after ``submit_attempt`` returned, i.e. after the commit. Afterwards every
acknowledged submission must be in the store exactly once, under the acknowledged attempt
id, complete (all its turns and criterion scores: a transaction is all or nothing).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import sqlite3
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from store_helpers import SCORE_CRITERIA, levels_for, make_score, read_acks, submit_loop

from pbkit.store.api import ResultsStore

pytestmark = pytest.mark.xdist_group("store_durability")

CTX = mp.get_context("fork")


def _prepare(url: str, writers: int) -> ResultsStore:
    store = ResultsStore(url)
    store.ensure_cohort("C1", "压力测试班")
    for w in range(writers):
        store.ensure_trainee(f"T{w:04d}", "C1")
    store.ensure_trainee("T9999", "C1")
    return store


def _start(url: str, writers: int, count: int, ack_dir, shared: int = 0) -> list:
    procs = []
    for w in range(writers):
        p = CTX.Process(target=submit_loop,
                        args=(url, w, count, str(ack_dir / f"ack-{w}.txt"), shared))
        p.start()
        procs.append(p)
    return procs


def _stored(store: ResultsStore) -> dict[str, int]:
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT submission_id, id FROM attempts")).all()
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "a submission is stored more than once"
    return {r[0]: int(r[1]) for r in rows}


def _assert_complete(store: ResultsStore) -> None:
    """Every stored attempt has all its turns and criterion scores, and the right levels."""
    with store.engine.connect() as conn:
        bad_turns = conn.execute(text(
            "SELECT a.submission_id FROM attempts a LEFT JOIN turns t ON t.attempt_id = a.id "
            "GROUP BY a.id, a.submission_id HAVING count(t.idx) <> "
            "CASE WHEN a.submission_id LIKE 'shared-%' THEN 1 ELSE 2 END")).all()
        bad_scores = conn.execute(text(
            "SELECT a.submission_id FROM attempts a "
            "LEFT JOIN machine_scores m ON m.attempt_id = a.id "
            "GROUP BY a.id, a.submission_id HAVING count(m.criterion_id) <> :n"),
            {"n": len(SCORE_CRITERIA)}).all()
        orphans = conn.execute(text(
            "SELECT count(*) FROM turns t LEFT JOIN attempts a ON a.id = t.attempt_id "
            "WHERE a.id IS NULL")).scalar()
    assert bad_turns == [] and bad_scores == [] and orphans == 0
    scores = store.scores(source="machine")
    sample = scores[scores["trainee_id"] != "T9999"].merge(
        store.attempts()[["attempt_id", "submission_id"]], on="attempt_id")
    for sub, group in list(sample.groupby("submission_id"))[:50]:
        worker, i = int(sub[1:3]), int(sub[4:])
        want = dict(zip([c for c, _ in SCORE_CRITERIA], levels_for(worker, i)))
        assert dict(zip(group["criterion_id"], group["level"])) == want, sub


def _integrity_ok(url: str) -> None:
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()


def _run_concurrent(url: str, tmp_path, writers: int, count: int, shared: int) -> None:
    store = _prepare(url, writers)
    procs = _start(url, writers, count, tmp_path, shared)
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0] * writers
    acks = [a for w in range(writers) for a in read_acks(tmp_path / f"ack-{w}.txt")]
    assert len(acks) == writers * (count + shared)
    stored = _stored(store)
    # every acknowledged row present, under the acknowledged attempt id
    for sub, attempt_id in acks:
        assert stored.get(sub) == attempt_id, sub
    # exactly the expected rows: each worker's own, plus each shared submission once
    expected = {f"w{w:02d}-{i:05d}" for w in range(writers) for i in range(count)}
    expected |= {f"shared-{i}" for i in range(shared)}
    assert set(stored) == expected
    _assert_complete(store)
    _integrity_ok(url)
    store.close()


def test_twenty_concurrent_writers_lose_nothing(store_url, tmp_path):
    _run_concurrent(store_url, tmp_path, writers=20, count=10, shared=3)


@pytest.mark.slow
def test_twenty_writers_with_a_hundred_submissions_each(store_url, tmp_path):
    _run_concurrent(store_url, tmp_path, writers=20, count=100, shared=0)


def _wait_for_acks(path, n: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(read_acks(path)) < n:
        assert time.monotonic() < deadline, f"writer produced no {n} acks in {timeout} s"
        time.sleep(0.005)


def test_a_killed_writer_loses_nothing_acknowledged(store_url, tmp_path):
    rng = random.Random(8)
    writers = 4
    store = _prepare(store_url, writers)
    kills = 0
    for round_no in range(3):
        ack_dir = tmp_path / f"round-{round_no}"
        ack_dir.mkdir()
        offset = round_no * 100_000  # fresh submission ids each round
        procs = [CTX.Process(target=_loop_from, args=(store_url, w, offset,
                                                      str(ack_dir / f"ack-{w}.txt")))
                 for w in range(writers)]
        for p in procs:
            p.start()
        # kill writer 0 mid-way while the others keep writing
        _wait_for_acks(ack_dir / "ack-0.txt", 10 + rng.randrange(10))
        time.sleep(rng.random() * 0.02)
        os.kill(procs[0].pid, signal.SIGKILL)
        kills += 1
        # the others are not blocked by whatever lock the killed one held
        for w in range(1, writers):
            _wait_for_acks(ack_dir / f"ack-{w}.txt", 30, timeout=60)
        for p in procs[1:]:
            time.sleep(rng.random() * 0.01)
            os.kill(p.pid, signal.SIGKILL)
            kills += 1
        for p in procs:
            p.join(30)
            assert p.exitcode == -signal.SIGKILL

    _integrity_ok(store_url)
    stored = _stored(store)
    acked = [a for d in tmp_path.glob("round-*") for f in d.iterdir() for a in read_acks(f)]
    assert len(acked) >= 3 * (10 + 3 * 30)
    for sub, attempt_id in acked:
        assert stored.get(sub) == attempt_id, sub
    # at most one committed-but-not-yet-acknowledged submission per killed writer
    assert len(stored) - len(acked) <= kills
    _assert_complete(store)
    # the store still takes writes after all this
    after = ResultsStore(store_url)
    receipt = after.submit_attempt("after-kill", "T0001", "s1", ["还能写", "第二轮"],
                                   make_score(levels_for(1, 0)))
    assert _stored(after)["after-kill"] == receipt.attempt_id
    after.close()
    store.close()


def _loop_from(url: str, worker: int, offset: int, ack_path: str) -> None:
    """Like submit_loop(count=-1) but with ids starting at ``offset``."""
    from store_helpers import answer_text

    ack_fd = os.open(ack_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    store = ResultsStore(url)
    i = offset
    while True:
        sub = f"w{worker:02d}-{i:05d}"
        receipt = store.submit_attempt(
            sub, f"T{worker:04d}", "s1",
            [answer_text(worker, i), {"text": "第二轮：今天就公开。", "reply": "好吧。"}],
            make_score(levels_for(worker, i)))
        os.write(ack_fd, f"{sub} {receipt.attempt_id}\n".encode())
        i += 1


def _die_inside_a_transaction(url: str, flag_path: str) -> None:
    """Open a write transaction, write half an attempt, say so, and wait to be killed."""
    from pbkit.store.engine import write_tx
    from pbkit.store.models import Attempt, Turn

    store = ResultsStore(url)
    with write_tx(store.engine) as conn:
        aid = conn.execute(Attempt.__table__.insert().values(
            submission_id="w00-90001", trainee_id="T0000", scenario_id="s1",
            created_at=datetime.now(UTC), status="scored", total=50.0, needs_review=False,
            payload_sha256="x")).inserted_primary_key[0]
        conn.execute(Turn.__table__.insert().values(attempt_id=aid, idx=1, text="半截"))
        with open(flag_path, "w") as fh:
            fh.write("inside\n")
        time.sleep(120)  # killed here, before the commit


def test_a_writer_killed_inside_its_transaction_leaves_no_trace(store_url, tmp_path):
    store = _prepare(store_url, 1)
    before = store.submit_attempt("w00-90000", "T0000", "s1", ["先交的", "第二轮"],
                                  make_score(levels_for(0, 90000)))
    flag = tmp_path / "inside.txt"
    proc = CTX.Process(target=_die_inside_a_transaction, args=(store_url, str(flag)))
    proc.start()
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert time.monotonic() < deadline and proc.is_alive()
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)  # holding the write lock, mid-transaction
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    _integrity_ok(store_url)
    # the half-written attempt is gone, the acknowledged one is intact ...
    assert _stored(store) == {"w00-90000": before.attempt_id}
    # ... and the lock the dead writer held does not block the next writer
    t0 = time.monotonic()
    after = ResultsStore(store_url).submit_attempt(
        "w00-90001", "T0000", "s1", ["完整的", "第二轮"], make_score(levels_for(0, 90001)))
    assert time.monotonic() - t0 < 10
    assert _stored(store)["w00-90001"] == after.attempt_id
    _assert_complete(store)
    store.close()
