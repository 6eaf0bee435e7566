"""Schema step 3 (issue 17, course kit quizzes): written answers and answer releases.

- ``written_answers``: a trainee's short written answer to a lesson item (the "写一句话"
  of the data exercise, or any later written item), one row per submission; the trainer
  sees the latest per trainee and item. ``submission_id`` makes a retried save idempotent.
- ``quiz_releases``: the trainer released the answers of a quiz (a lesson, or a phase of a
  course test) to a class; until then a pre/post test shows no right or wrong.

Registered in :data:`pbkit.store.migrations.MIGRATIONS`; like every step, the tables are
frozen here (never the live models). This module imports nothing from ``migrations`` so
that the list can import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["apply", "revert", "NAME"]

NAME = "written answers; quiz answer releases"


def apply(conn: Connection) -> None:
    """Create ``written_answers`` and ``quiz_releases``."""
    from sqlalchemy import (
        Column,
        DateTime,
        ForeignKey,
        Index,
        Integer,
        MetaData,
        String,
        Table,
        Text,
    )

    def _id(name: str, *args, **kwargs):
        return Column(name, String(64), *args, **kwargs)

    md = MetaData()
    Table("cohorts", md, _id("id", primary_key=True))  # referenced only
    Table("trainees", md, _id("id", primary_key=True))  # referenced only
    written = Table(
        "written_answers", md, Column("id", Integer, primary_key=True, autoincrement=True),
        _id("submission_id", unique=True, nullable=True),
        _id("trainee_id", ForeignKey("trainees.id"), nullable=False),
        _id("lesson_id", nullable=False), _id("item_id", nullable=False),
        Column("text", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False))
    Index("ix_written_answers_trainee_lesson", written.c.trainee_id, written.c.lesson_id)
    releases = Table(
        "quiz_releases", md,
        _id("cohort_id", ForeignKey("cohorts.id"), primary_key=True),
        _id("lesson_id", primary_key=True),
        Column("released_at", DateTime(timezone=True), nullable=False))
    written.create(conn)
    releases.create(conn)


def revert(conn: Connection) -> None:
    """Drop both tables (with their rows)."""
    conn.exec_driver_sql("DROP TABLE quiz_releases")
    conn.exec_driver_sql("DROP TABLE written_answers")
