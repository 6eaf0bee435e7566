"""The write lock is waited for within a bound, and the database file is private.

Real holders only: another process inside a pbkit write transaction (holding the writers'
queue and SQLite's write lock), and a plain ``sqlite3`` connection — an outside tool —
holding ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import pytest
from store_helpers import make_score

from pbkit.errors import StoreError
from pbkit.store import ResultsStore

CTX = multiprocessing.get_context("fork")
BOUND = 1.0   # seconds the writers under test may wait


def _path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _ready(url: str) -> ResultsStore:
    """A store whose schema exists and with one cohort, so later writes only need the lock."""
    store = ResultsStore(url, lock_timeout=BOUND)
    store.ensure_cohort("C1", "一班")
    return store


def _write(store: ResultsStore, i: int):
    return store.submit_attempt(f"sub-{i}", "T0001", "s1", ["答"], make_score())


def _hold_in_pbkit(url: str, flag: str) -> None:
    """A pbkit writer that stalls inside its write transaction."""
    from pbkit.store.engine import write_tx

    store = ResultsStore(url)
    with write_tx(store.engine):
        with open(flag, "w") as fh:
            fh.write("holding\n")
        time.sleep(120)


@pytest.fixture
def outside_holder(sqlite_url):
    """A plain sqlite3 connection: another program that will hold the write lock."""
    conn = sqlite3.connect(_path(sqlite_url), timeout=0, isolation_level=None,
                           check_same_thread=False)
    yield conn
    conn.close()


def test_an_outside_program_holding_the_lock_gives_a_clear_error_in_bounded_time(
        sqlite_url, outside_holder):
    store = _ready(sqlite_url)
    store.ensure_trainee("T0001", "C1")
    outside_holder.execute("BEGIN IMMEDIATE")
    t0 = time.monotonic()
    with pytest.raises(StoreError) as info:
        _write(store, 1)
    waited = time.monotonic() - t0
    assert info.value.key == "store.err.busy"
    assert BOUND <= waited < BOUND + 5, waited          # waited, but not for ever
    en, zh = info.value.render("en"), info.value.render("zh")
    assert en.startswith(f"the results database {_path(sqlite_url)} is busy")
    assert "more than 1 s; nothing was saved, try again" in en
    assert zh.startswith(f"结果数据库 {_path(sqlite_url)} 正忙") and "本次未保存" in zh
    outside_holder.execute("ROLLBACK")
    assert _write(store, 2).attempt_id == 1            # nothing of the first was saved
    store.close()


def test_five_writers_behind_an_outside_holder_all_fail_within_the_bound(
        sqlite_url, outside_holder):
    store = _ready(sqlite_url)
    store.ensure_trainee("T0001", "C1")
    outside_holder.execute("BEGIN IMMEDIATE")
    results: list = []

    def writer(i: int) -> None:
        own = ResultsStore(sqlite_url, lock_timeout=BOUND)
        t0 = time.monotonic()
        try:
            _write(own, i)
            results.append(("saved", time.monotonic() - t0))
        except StoreError as exc:
            results.append((exc.key, time.monotonic() - t0))
        finally:
            own.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads)
    assert [key for key, _s in results] == ["store.err.busy"] * 5
    assert max(s for _k, s in results) < BOUND + 5
    store.close()


def test_a_writer_waits_while_the_lock_is_released_within_the_bound(sqlite_url):
    store = ResultsStore(sqlite_url, lock_timeout=10)
    store.ensure_cohort("C1", "一班")
    store.ensure_trainee("T0001", "C1")
    other = sqlite3.connect(_path(sqlite_url), timeout=0, isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.5, other.execute, args=("ROLLBACK",))
    timer.start()
    try:
        t0 = time.monotonic()
        receipt = _write(store, 1)
        assert time.monotonic() - t0 >= 0.4                 # it did wait for the holder
        assert receipt.attempt_id == 1
    finally:
        timer.join()
        other.close()
        store.close()


def test_a_long_but_moving_queue_is_waited_out(sqlite_url):
    """Six writers each holding the lock 0.4 s: the last waits about 2 s, twice the
    bound, and still succeeds, because the writers ahead of it keep committing."""
    from pbkit.store.engine import write_tx

    store = _ready(sqlite_url)
    with write_tx(store.engine) as conn:
        conn.exec_driver_sql("CREATE TABLE probe (i INTEGER)")
    results: list = []

    def writer(i: int) -> None:
        own = ResultsStore(sqlite_url, lock_timeout=BOUND)
        try:
            with write_tx(own.engine, BOUND) as conn:
                time.sleep(0.4)
                conn.exec_driver_sql(f"INSERT INTO probe VALUES ({i})")
            results.append("saved")
        except StoreError as exc:
            results.append(exc.key)
        finally:
            own.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert results == ["saved"] * 6
    assert time.monotonic() - t0 > 2 * BOUND
    with sqlite3.connect(_path(sqlite_url)) as check:
        assert check.execute("SELECT count(*) FROM probe").fetchone() == (6,)
    store.close()


def test_a_stalled_pbkit_writer_in_another_process_does_not_block_others_for_ever(
        sqlite_url, tmp_path):
    store = _ready(sqlite_url)
    store.ensure_trainee("T0001", "C1")
    flag = tmp_path / "holding.txt"
    proc = CTX.Process(target=_hold_in_pbkit, args=(sqlite_url, str(flag)))
    proc.start()
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert time.monotonic() < deadline and proc.is_alive()
            time.sleep(0.01)
        t0 = time.monotonic()
        with pytest.raises(StoreError) as info:
            _write(store, 1)
        assert info.value.key == "store.err.busy"
        assert time.monotonic() - t0 < BOUND + 5
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(30)
    assert _write(store, 2).attempt_id == 1           # the dead writer's lock is gone
    store.close()


def test_lock_timeout_from_the_environment(sqlite_url, tmp_path):
    script = ("from pbkit.store import ResultsStore\n"
              f"ResultsStore({sqlite_url!r}).ensure_cohort('C1', 'x')\n")
    env = {**os.environ, "PBKIT_DB_LOCK_TIMEOUT": "abc", "PYTHONPATH": os.getcwd()}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0 and "PBKIT_DB_LOCK_TIMEOUT abc is not valid" in proc.stderr
    with pytest.raises(StoreError):
        ResultsStore(sqlite_url, lock_timeout=0)


# ---------------------------------------------------------------- private files

def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_results_database_is_created_private(sqlite_url):
    old = os.umask(0o022)          # the usual umask: files would be 0644
    try:
        store = ResultsStore(sqlite_url)
        store.ensure_cohort("C1", "一班")
        path = _path(sqlite_url)
        for suffix in ("", "-wal", "-shm", ".writelock"):
            if os.path.exists(path + suffix):
                assert _mode(path + suffix) == 0o600, suffix
        assert os.path.exists(path + "-wal")
        store.close()
    finally:
        os.umask(old)


def test_an_existing_readable_database_is_tightened(sqlite_url):
    path = _path(sqlite_url)
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    store = ResultsStore(sqlite_url)
    store.ensure_cohort("C1", "一班")
    assert _mode(path) == 0o600
    store.close()


def test_the_data_directory_is_created_private(tmp_path, monkeypatch):
    from pbkit.store.engine import data_dir

    monkeypatch.delenv("PBKIT_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform != "linux":
        pytest.skip("XDG data directory is Linux only")
    assert _mode(data_dir()) == 0o700
