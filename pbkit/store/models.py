"""SQLAlchemy models of the results store (the current schema version).

Tables:

- ``cohorts``: a class of trainees (``id`` is a code such as ``2026-autumn-A``), its display
  name and an optional submission deadline.
- ``trainees``: pseudonymous trainee ids only - no name, phone or ID number is ever stored.
- ``attempts``: one stored role-play submission; ``submission_id`` is unique, so a retried
  submission is stored once. The attempt's machine ``total`` and ``needs_review`` flag
  live here (one value per attempt) rather than repeated on every criterion row.
- ``turns``: the trainee's answers, in order, with the villager's reply where there is one.
- ``machine_scores``: the scorer's level per criterion with evidence (JSON) and feedback.
- ``human_scores``: a rater's level per criterion; one row per (attempt, rater, criterion).
- ``quiz_answers``: lesson quiz answers (JSON text) and whether they were correct.
- ``written_answers``: trainees' short written answers to lesson items (one row per
  submission).
- ``quiz_releases``: quizzes whose answers the trainer released to a class.
- ``schema_version``: the migrations applied (see :mod:`pbkit.store.migrations`).

The migrations, not these models, create the tables; a test checks that the two agree.

>>> sorted(Base.metadata.tables)  # doctest: +NORMALIZE_WHITESPACE
['attempts', 'cohorts', 'human_scores', 'machine_scores', 'quiz_answers', 'quiz_releases',
 'schema_version', 'trainees', 'turns', 'written_answers']
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "UtcDateTime",
    "Cohort",
    "Trainee",
    "Attempt",
    "Turn",
    "MachineScore",
    "HumanScore",
    "QuizAnswer",
    "WrittenAnswer",
    "QuizRelease",
    "SchemaVersion",
    "ID_LEN",
    "utcnow",
]

ID_LEN = 64


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every back end.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is stored as
    naive UTC and read back as aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Cohort(Base):
    __tablename__ = "cohorts"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Trainee(Base):
    __tablename__ = "trainees"

    id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    cohort_id: Mapped[str] = mapped_column(ForeignKey("cohorts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(String(ID_LEN), unique=True)
    trainee_id: Mapped[str] = mapped_column(ForeignKey("trainees.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(String(ID_LEN), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    needs_review: Mapped[bool] = mapped_column(Boolean)
    payload_sha256: Mapped[str] = mapped_column(String(64))


class Turn(Base):
    __tablename__ = "turns"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)


class MachineScore(Base):
    __tablename__ = "machine_scores"

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    criterion_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    max_level: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str] = mapped_column(Text)


class HumanScore(Base):
    __tablename__ = "human_scores"
    __table_args__ = (UniqueConstraint("attempt_id", "rater_id", "criterion_id",
                                       name="uq_human_scores_attempt_rater_criterion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    rater_id: Mapped[str] = mapped_column(String(ID_LEN))
    criterion_id: Mapped[str] = mapped_column(String(ID_LEN))
    level: Mapped[int] = mapped_column(Integer)
    max_level: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuizAnswer(Base):
    __tablename__ = "quiz_answers"
    __table_args__ = (Index("ix_quiz_answers_trainee_lesson", "trainee_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str | None] = mapped_column(String(ID_LEN), unique=True, nullable=True)
    trainee_id: Mapped[str] = mapped_column(ForeignKey("trainees.id"))
    lesson_id: Mapped[str] = mapped_column(String(ID_LEN))
    question_id: Mapped[str] = mapped_column(String(ID_LEN))
    answer: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WrittenAnswer(Base):
    __tablename__ = "written_answers"
    __table_args__ = (Index("ix_written_answers_trainee_lesson", "trainee_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str | None] = mapped_column(String(ID_LEN), unique=True, nullable=True)
    trainee_id: Mapped[str] = mapped_column(ForeignKey("trainees.id"))
    lesson_id: Mapped[str] = mapped_column(String(ID_LEN))
    item_id: Mapped[str] = mapped_column(String(ID_LEN))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuizRelease(Base):
    __tablename__ = "quiz_releases"

    cohort_id: Mapped[str] = mapped_column(ForeignKey("cohorts.id"), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    released_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SchemaVersion(Base):
    __tablename__ = "schema_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)
