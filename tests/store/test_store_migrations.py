"""Schema migrations and engine settings of the results store."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3

import pytest
from sqlalchemy import inspect, text

from pbkit.errors import StoreError
from pbkit.store.api import ResultsStore
from pbkit.store.engine import make_engine, read_tx, write_tx
from pbkit.store.migrations import LATEST, MIGRATIONS, current_version, downgrade, upgrade
from pbkit.store.models import Base


def _versions(engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            text("SELECT version, name FROM schema_version ORDER BY version"))]


def test_fresh_database_upgrades_to_latest_and_records_every_step(store_url):
    engine = make_engine(store_url)
    assert current_version(engine) == 0
    assert upgrade(engine) == LATEST == 3
    recorded = _versions(engine)
    assert recorded == [(m.version, m.name) for m in MIGRATIONS]
    # a second (and third) upgrade changes nothing
    assert upgrade(engine) == LATEST
    assert upgrade(engine) == LATEST
    assert _versions(engine) == recorded
    engine.dispose()


def test_migrated_schema_matches_the_models(store_url):
    engine = make_engine(store_url)
    upgrade(engine)
    insp = inspect(engine)
    assert set(insp.get_table_names()) == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        got = {c["name"]: c["nullable"] for c in insp.get_columns(name)}
        want = {c.name: c.nullable for c in table.columns}
        assert got == want, name
        got_pk = set(insp.get_pk_constraint(name)["constrained_columns"])
        assert got_pk == {c.name for c in table.primary_key.columns}, name
    uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("attempts")}
    indexes = {tuple(i["column_names"]) for i in insp.get_indexes("attempts") if i["unique"]}
    assert ("submission_id",) in uniques | indexes
    engine.dispose()


def test_upgrade_from_version_1_keeps_existing_rows(store_url):
    engine = make_engine(store_url)
    assert upgrade(engine, target=1) == 1
    assert "quiz_answers" not in inspect(engine).get_table_names()
    with write_tx(engine) as conn:  # rows written by a version-1 pbkit
        conn.execute(text("INSERT INTO cohorts (id, name, created_at) "
                          "VALUES ('C1', '老班级', '2026-01-01 08:00:00')"))
        conn.execute(text("INSERT INTO trainees (id, cohort_id, created_at) "
                          "VALUES ('T0001', 'C1', '2026-01-01 08:00:00')"))
        conn.execute(text(
            "INSERT INTO attempts (submission_id, trainee_id, scenario_id, created_at, status,"
            " total, needs_review, payload_sha256) VALUES ('old-1', 'T0001', 's1',"
            " '2026-01-02 08:00:00', 'unscored', NULL, false, 'x')"))
        conn.execute(text("INSERT INTO turns (attempt_id, idx, text) VALUES (1, 1, '旧回答')"))
    engine.dispose()

    store = ResultsStore(store_url)  # first use upgrades to the latest version
    assert current_version(store.engine) == LATEST
    old = store.attempts("C1")
    assert old[["submission_id", "trainee_id", "answer", "status"]].values.tolist() == [
        ["old-1", "T0001", "旧回答", "unscored"]]
    assert store.cohorts()["deadline"].isna().all()
    store.ensure_trainee("T0002", "C1")
    store.save_quiz_answer("T0002", "lesson-1", "q1", "b", True)
    assert store.quiz_answers("C1")["answer"].tolist() == ["b"]
    store.close()


def test_a_database_newer_than_pbkit_is_refused(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with write_tx(engine) as conn:
        conn.execute(text("INSERT INTO schema_version (version, name, applied_at) "
                          "VALUES (99, 'future', '2030-01-01 00:00:00')"))
    engine.dispose()
    with pytest.raises(StoreError) as info:
        ResultsStore(sqlite_url).cohorts()
    assert info.value.key == "store.err.schema_too_new"
    assert info.value.render("en") == (
        f"the results database has schema version 99, newer than this pbkit supports "
        f"({LATEST}); upgrade pbkit")


def _upgrade_in_child(url: str, queue) -> None:
    engine = make_engine(url)
    queue.put(upgrade(engine))
    engine.dispose()


def test_many_processes_opening_a_fresh_database_apply_each_step_once(store_url):
    """Eight processes open a fresh store at once (SQLite and PostgreSQL): each step once."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_upgrade_in_child, args=(store_url, queue)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 8
    assert sorted(queue.get(timeout=5) for _ in procs) == [LATEST] * 8
    engine = make_engine(store_url)
    assert [v for v, _ in _versions(engine)] == [m.version for m in MIGRATIONS]
    engine.dispose()


def test_sqlite_connections_use_wal_full_sync_and_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")}
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 30000,
                      "foreign_keys": 1}
    engine.dispose()


def test_write_transactions_take_the_write_lock_at_begin_and_reads_do_not(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    path = sqlite_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with write_tx(engine):  # no statement yet: BEGIN IMMEDIATE alone holds the lock
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released after commit
        other.execute("ROLLBACK")
        with read_tx(engine) as conn:
            conn.exec_driver_sql("SELECT count(*) FROM cohorts").scalar()
            other.execute("BEGIN IMMEDIATE")  # a reader does not block a writer
            other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def test_bad_database_urls_are_refused_with_a_clear_message():
    with pytest.raises(StoreError) as info:
        make_engine("mysql://root:secret@127.0.0.1/db")
    assert info.value.render("en") == (
        "database URL mysql://root:***@127.0.0.1/db is not valid: use sqlite:///path or "
        "postgresql+psycopg://...")
    assert "secret" not in info.value.render("zh")


def test_pbkit_db_url_and_data_dir_choose_where_the_store_lives(tmp_path, monkeypatch):
    from pbkit.store.engine import data_dir, default_url

    monkeypatch.delenv("PBKIT_DB_URL", raising=False)
    monkeypatch.setenv("PBKIT_DATA_DIR", str(tmp_path / "pbdata"))
    assert data_dir() == tmp_path / "pbdata" and data_dir().is_dir()
    store = ResultsStore()
    store.ensure_cohort("C1", "班")
    assert (tmp_path / "pbdata" / "results.sqlite3").is_file()
    store.close()
    monkeypatch.setenv("PBKIT_DB_URL", "sqlite:///" + str(tmp_path / "elsewhere.db"))
    assert default_url().endswith("elsewhere.db")
    other = ResultsStore()
    assert other.cohorts().empty
    assert (tmp_path / "elsewhere.db").is_file()
    other.close()


@pytest.mark.postgres
@pytest.mark.xdist_group("store_postgres")
def test_a_plain_postgresql_url_uses_psycopg_3(pg_url):
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    store = ResultsStore(plain)
    assert store.engine.dialect.driver == "psycopg"
    store.ensure_cohort("C1", "一班")
    assert store.cohorts()["cohort_id"].tolist() == ["C1"]
    store.close()


def test_downgrade_reverts_steps_and_upgrade_brings_them_back(store_url):
    engine = make_engine(store_url)
    upgrade(engine)
    with write_tx(engine) as conn:
        conn.execute(text("INSERT INTO cohorts (id, name, created_at) "
                          "VALUES ('C1', '一班', '2026-01-01 08:00:00')"))
    assert downgrade(engine, 1) == 1 == current_version(engine)
    names = set(inspect(engine).get_table_names())
    assert "quiz_answers" not in names and "cohorts" in names
    assert "deadline" not in {c["name"] for c in inspect(engine).get_columns("cohorts")}
    with read_tx(engine) as conn:  # the rows of the steps that stay are kept
        assert conn.execute(text("SELECT name FROM cohorts")).scalar() == "一班"
    assert upgrade(engine) == LATEST
    test_schema = {c["name"] for c in inspect(engine).get_columns("cohorts")}
    assert "deadline" in test_schema
    assert downgrade(engine, 0) == 0 == current_version(engine)
    assert inspect(engine).get_table_names() == []
    with pytest.raises(StoreError) as err:
        downgrade(engine, LATEST + 1)
    assert err.value.render("en") == (f"there is no schema version {LATEST + 1} "
                                      f"(choose 0 to {LATEST})")
    engine.dispose()


def test_every_migration_can_be_reverted():
    assert all(callable(m.revert) for m in MIGRATIONS)
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST + 1))
