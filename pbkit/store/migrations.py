"""Versioned schema migrations of the results store.

Why not alembic: it is not among pbkit's dependencies, and the store needs two things only -
apply the missing steps in order on first use, and never apply one twice, even when twenty
trainee kernels open the store at the same moment. A short list of numbered steps, run
inside one write transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL; both back ends have transactional DDL, so a failed step leaves the schema as it
was), does exactly that, without shipping a migration environment in the package.

Each step creates what existed at its version with table definitions frozen in the step
(never the live models, which describe the latest version only). ``schema_version`` holds
one row per applied step. :func:`upgrade` is idempotent.

>>> from pbkit.store.engine import make_engine
>>> engine = make_engine("sqlite://")
>>> upgrade(engine), upgrade(engine), current_version(engine) == LATEST
(3, 3, True)
>>> downgrade(engine, 1), upgrade(engine)
(1, 3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pbkit.errors import StoreError
from pbkit.store import migration_quiz_kit as _quiz_kit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = ["Migration", "MIGRATIONS", "LATEST", "upgrade", "downgrade", "current_version"]

# A constant key for PostgreSQL's advisory lock (any 64-bit number unique to pbkit).
_PG_LOCK_KEY = 0x70626B6974


@dataclass(frozen=True)
class Migration:
    """One schema step: ``apply(conn)`` brings version ``version - 1`` to ``version``;
    ``revert(conn)`` takes it back (dropping what the step added, with its data)."""

    version: int
    name: str
    apply: Callable[[Connection], None]
    revert: Callable[[Connection], None]


def _id(name: str, *args, **kwargs):
    from sqlalchemy import Column, String

    return Column(name, String(64), *args, **kwargs)


def _when(name: str, nullable: bool = False):
    from sqlalchemy import Column, DateTime

    return Column(name, DateTime(timezone=True), nullable=nullable)


def _v1_initial(conn: Connection) -> None:
    from sqlalchemy import (
        Boolean,
        Column,
        Float,
        ForeignKey,
        Integer,
        MetaData,
        String,
        Table,
        Text,
        UniqueConstraint,
    )

    md = MetaData()
    Table("cohorts", md, _id("id", primary_key=True), Column("name", String(200), nullable=False),
          _when("created_at"))
    Table("trainees", md, _id("id", primary_key=True),
          _id("cohort_id", ForeignKey("cohorts.id"), nullable=False, index=True),
          _when("created_at"))
    Table("attempts", md, Column("id", Integer, primary_key=True, autoincrement=True),
          _id("submission_id", nullable=False, unique=True),
          _id("trainee_id", ForeignKey("trainees.id"), nullable=False, index=True),
          _id("scenario_id", nullable=False, index=True), _when("created_at"),
          Column("status", String(16), nullable=False), Column("total", Float),
          Column("needs_review", Boolean, nullable=False),
          Column("payload_sha256", String(64), nullable=False))
    Table("turns", md,
          Column("attempt_id", Integer, ForeignKey("attempts.id"), primary_key=True),
          Column("idx", Integer, primary_key=True, autoincrement=False),
          Column("text", Text, nullable=False), Column("reply", Text))
    Table("machine_scores", md,
          Column("attempt_id", Integer, ForeignKey("attempts.id"), primary_key=True),
          _id("criterion_id", primary_key=True),
          Column("level", Integer, nullable=False), Column("max_level", Integer, nullable=False),
          Column("evidence", Text, nullable=False), Column("feedback", Text, nullable=False))
    Table("human_scores", md, Column("id", Integer, primary_key=True, autoincrement=True),
          Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=False, index=True),
          _id("rater_id", nullable=False), _id("criterion_id", nullable=False),
          Column("level", Integer, nullable=False), Column("max_level", Integer, nullable=False),
          _when("created_at"), _when("updated_at"),
          UniqueConstraint("attempt_id", "rater_id", "criterion_id",
                           name="uq_human_scores_attempt_rater_criterion"))
    md.create_all(conn)


def _v1_revert(conn: Connection) -> None:
    for table in ("human_scores", "machine_scores", "turns", "attempts", "trainees", "cohorts"):
        conn.exec_driver_sql(f"DROP TABLE {table}")


def _v2_deadlines_and_quiz(conn: Connection) -> None:
    from sqlalchemy import (
        Boolean,
        Column,
        DateTime,
        ForeignKey,
        Index,
        Integer,
        MetaData,
        Table,
        Text,
    )

    column_type = DateTime(timezone=True).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE cohorts ADD COLUMN deadline {column_type}")
    md = MetaData()
    Table("trainees", md, _id("id", primary_key=True))  # referenced only
    quiz = Table("quiz_answers", md, Column("id", Integer, primary_key=True, autoincrement=True),
                 _id("submission_id", unique=True, nullable=True),
                 _id("trainee_id", ForeignKey("trainees.id"), nullable=False),
                 _id("lesson_id", nullable=False), _id("question_id", nullable=False),
                 Column("answer", Text, nullable=False), Column("correct", Boolean),
                 _when("created_at"))
    Index("ix_quiz_answers_trainee_lesson", quiz.c.trainee_id, quiz.c.lesson_id)
    quiz.create(conn)


def _v2_revert(conn: Connection) -> None:
    conn.exec_driver_sql("DROP TABLE quiz_answers")
    # SQLite >= 3.35 and PostgreSQL both drop a column in place
    conn.exec_driver_sql("ALTER TABLE cohorts DROP COLUMN deadline")


#: Every schema step, in order. Append; never edit a step that has shipped.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial: cohorts, trainees, attempts, turns, machine and human scores",
              _v1_initial, _v1_revert),
    Migration(2, "cohort deadlines; quiz answers", _v2_deadlines_and_quiz, _v2_revert),
    Migration(3, _quiz_kit.NAME, _quiz_kit.apply, _quiz_kit.revert),
)
LATEST = MIGRATIONS[-1].version


def _version_table():
    from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

    return Table("schema_version", MetaData(),
                 Column("version", Integer, primary_key=True, autoincrement=False),
                 Column("name", String(200), nullable=False),
                 Column("applied_at", DateTime(timezone=True), nullable=False))


def _read_version(conn: Connection) -> int:
    from sqlalchemy import func, inspect, select

    if not inspect(conn).has_table("schema_version"):
        return 0
    table = _version_table()
    return int(conn.execute(select(func.max(table.c.version))).scalar() or 0)


def current_version(engine: Engine) -> int:
    """The schema version of the database behind ``engine`` (0 for an empty database)."""
    from pbkit.store.engine import read_tx

    with read_tx(engine) as conn:
        return _read_version(conn)


def upgrade(engine: Engine, target: int | None = None) -> int:
    """Apply every missing migration up to ``target`` (default: the latest); return the
    version reached.

    Safe to call any number of times and from many processes at once: the steps run in one
    write transaction that holds the database's write lock, and a step already recorded in
    ``schema_version`` is skipped. A database newer than this pbkit is refused.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from pbkit.store.engine import redact_url, write_tx
    from pbkit.store.models import utcnow

    target = LATEST if target is None else target
    try:
        found = current_version(engine)  # fast path: no write lock when up to date
        if found > LATEST:
            raise StoreError("store.err.schema_too_new", found=found, known=LATEST)
        if found >= target:
            return found
        with write_tx(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
            table = _version_table()
            table.create(conn, checkfirst=True)
            found = _read_version(conn)
            if found > LATEST:
                raise StoreError("store.err.schema_too_new", found=found, known=LATEST)
            for step in MIGRATIONS:
                if found < step.version <= target:
                    step.apply(conn)
                    conn.execute(table.insert().values(version=step.version, name=step.name,
                                                       applied_at=utcnow()))
                    found = step.version
            return found
    except SQLAlchemyError as exc:
        raise StoreError("store.err.unavailable", url=redact_url(str(engine.url)),
                         detail=str(exc.orig if hasattr(exc, "orig") else exc)[:200]) from None


def downgrade(engine: Engine, target: int) -> int:
    """Revert the applied migrations above ``target`` (newest first); return the version.

    Reverting drops what those steps added, with its data: back the database up first.
    Runs in one write transaction under the same lock as :func:`upgrade`, so a failed
    step leaves the schema as it was.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from pbkit.store.engine import redact_url, write_tx

    if not 0 <= target <= LATEST:
        raise StoreError("store.err.bad_version", version=target, known=LATEST)
    try:
        with write_tx(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
            found = _read_version(conn)
            if found > LATEST:
                raise StoreError("store.err.schema_too_new", found=found, known=LATEST)
            table = _version_table()
            for step in reversed(MIGRATIONS):
                if target < step.version <= found:
                    step.revert(conn)
                    conn.execute(table.delete().where(table.c.version == step.version))
                    found = step.version - 1
            if found == 0 and target == 0:
                table.drop(conn, checkfirst=True)
            return found
    except SQLAlchemyError as exc:
        raise StoreError("store.err.unavailable", url=redact_url(str(engine.url)),
                         detail=str(exc.orig if hasattr(exc, "orig") else exc)[:200]) from None
