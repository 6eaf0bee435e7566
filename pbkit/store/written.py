"""Written answers and answer releases in the results store (issue 17).

Written answers are the short texts trainees write for a lesson item (the "写一句话" of a
data exercise): every submission is kept, the trainer reads the latest per trainee and
item, and can export them. Answer releases record that the trainer released a quiz's
answers to a class (a pre/post test shows no right or wrong until then).

These functions take a :class:`~pbkit.store.ResultsStore`; the store has the same names as
methods.

>>> from pbkit.store import ResultsStore
>>> store = ResultsStore("sqlite://")
>>> _ = store.ensure_cohort("C1", "一班"), store.ensure_trainee("T0001", "C1")
>>> _ = save_written_answer(store, "T0001", "why-branches", "data", "更像是年轻人外出。")
>>> _ = save_written_answer(store, "T0001", "why-branches", "data", "外出为主，也多年没发展。")
>>> written_answers(store, "C1")[["trainee_id", "text", "versions"]].values.tolist()
[['T0001', '外出为主，也多年没发展。', 2]]
>>> released(store, "C1", "test:one-day:post")
False
>>> release_answers(store, "C1", "test:one-day:post"); released(store, "C1", "test:one-day:post")
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pbkit.errors import StoreError
from pbkit.store.limits import check_id, check_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["WRITTEN_COLUMNS", "save_written_answer", "written_answers", "release_answers",
           "released", "export_written_answers"]

WRITTEN_COLUMNS = ("answer_id", "cohort_id", "trainee_id", "lesson_id", "item_id", "text",
                   "submitted_at", "versions")


def save_written_answer(store: Any, trainee_id: str, lesson_id: str, item_id: str,
                        text: str, *, submission_id: str | None = None) -> int:
    """Store one written answer; returns its id.

    The text is stripped, must not be empty, is at most the store's
    ``max_quiz_answer_chars`` and may not hold control characters. With
    ``submission_id`` a retried save is stored once (the same id comes back).

    Raises
    ------
    pbkit.errors.StoreError
        Empty or too long text, bad ids, an unknown trainee, a conflicting retry.
    """
    from sqlalchemy import select

    from pbkit.store.models import Trainee, WrittenAnswer, utcnow

    limits = store.limits
    trainee_id = check_id(trainee_id, "trainee_id", limits)
    lesson_id = check_id(lesson_id, "lesson_id", limits, pseudonym=False)
    item_id = check_id(item_id, "question_id", limits, pseudonym=False)
    if submission_id is not None:
        submission_id = check_id(submission_id, "submission_id", limits, pseudonym=False)
    if not isinstance(text, str) or not text.strip():
        raise StoreError("quiz.err.written_empty")
    text = text.strip()
    if len(text) > limits.max_quiz_answer_chars:
        raise StoreError("quiz.err.written_long", length=len(text),
                         max=limits.max_quiz_answer_chars)
    text = check_text(text, "answer")
    table, trainees = WrittenAnswer.__table__, Trainee.__table__

    def work() -> int:
        with store._write() as conn:
            if submission_id is not None:
                old = conn.execute(select(table).where(
                    table.c.submission_id == submission_id)).first()
                if old is not None:
                    if (old.trainee_id, old.lesson_id, old.item_id, old.text) != (
                            trainee_id, lesson_id, item_id, text):
                        raise StoreError("store.err.submission_conflict",
                                         submission_id=submission_id)
                    return int(old.id)
            if conn.execute(select(trainees.c.id).where(trainees.c.id == trainee_id)
                            ).first() is None:
                raise StoreError("store.err.unknown_trainee", trainee_id=trainee_id)
            return int(conn.execute(table.insert().values(
                submission_id=submission_id, trainee_id=trainee_id, lesson_id=lesson_id,
                item_id=item_id, text=text, created_at=utcnow())).inserted_primary_key[0])

    return store._retrying(work)


def written_answers(store: Any, cohort_id: str | None = None, *,
                    latest: bool = True) -> pd.DataFrame:
    """Written answers (columns :data:`WRITTEN_COLUMNS`), oldest first.

    With ``latest`` (default) one row per trainee, lesson and item: the latest text, and
    ``versions`` how many times it was submitted; otherwise every submission
    (``versions`` is then 1 on each row).
    """
    import pandas as pd
    from sqlalchemy import select

    from pbkit.store.api import _typed
    from pbkit.store.models import Trainee, WrittenAnswer

    wa, tr = WrittenAnswer.__table__, Trainee.__table__
    query = select(wa, tr.c.cohort_id).join(tr, tr.c.id == wa.c.trainee_id).order_by(wa.c.id)
    if cohort_id is not None:
        query = query.where(tr.c.cohort_id == cohort_id)
    with store._read() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame([(r.id, r.cohort_id, r.trainee_id, r.lesson_id, r.item_id, r.text,
                           r.created_at, 1) for r in rows], columns=list(WRITTEN_COLUMNS))
    if latest and not frame.empty:
        keys = ["trainee_id", "lesson_id", "item_id"]
        counts = frame.groupby(keys, sort=False)["answer_id"].transform("size")
        frame = frame.assign(versions=counts).groupby(keys, sort=False).tail(1)
        frame = frame.sort_values("answer_id", ignore_index=True)
    frame["versions"] = frame["versions"].astype("int64")
    return _typed(frame)


def release_answers(store: Any, cohort_id: str, lesson_id: str) -> None:
    """Release the answers of quiz ``lesson_id`` to class ``cohort_id`` (idempotent)."""
    from sqlalchemy import select

    from pbkit.store.models import QuizRelease, utcnow

    cohort_id = store._known_cohort(cohort_id)
    lesson_id = check_id(lesson_id, "lesson_id", store.limits, pseudonym=False)
    table = QuizRelease.__table__

    def work() -> None:
        with store._write() as conn:
            found = conn.execute(select(table.c.cohort_id).where(
                table.c.cohort_id == cohort_id, table.c.lesson_id == lesson_id)).first()
            if found is None:
                conn.execute(table.insert().values(cohort_id=cohort_id, lesson_id=lesson_id,
                                                   released_at=utcnow()))

    store._retrying(work)


def released(store: Any, cohort_id: str | None, lesson_id: str) -> bool:
    """Whether the trainer released quiz ``lesson_id``'s answers to ``cohort_id``."""
    from sqlalchemy import select

    from pbkit.store.models import QuizRelease

    if not cohort_id:
        return False
    table = QuizRelease.__table__
    with store._read() as conn:
        return conn.execute(select(table.c.cohort_id).where(
            table.c.cohort_id == cohort_id, table.c.lesson_id == lesson_id)).first() is not None


def export_written_answers(store: Any, cohort_id: str, path: str | os.PathLike, *,
                           lang: str | None = None) -> Path:
    """Write the cohort's written answers (latest per item, and every submission) to .xlsx.

    Headers are in ``lang``; cells a spreadsheet would run as formulas are neutralised
    (:func:`pbkit.export.write_xlsx`). Returns the path written.
    """
    from pbkit.data.labels import local_time
    from pbkit.export import write_xlsx
    from pbkit.i18n import t

    cohort_id = store._known_cohort(cohort_id)

    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame[["trainee_id", "lesson_id", "item_id", "text", "submitted_at",
                     "versions"]].copy()
        out["submitted_at"] = out["submitted_at"].map(local_time)
        names = {"lesson_id": "lesson", "item_id": "item"}
        return out.rename(columns={c: t(f"apps.trainer.tq.col.{names.get(c, c)}", lang=lang)
                                   for c in out.columns})

    sheets = {t("apps.trainer.tab.written", lang=lang): shown(written_answers(store, cohort_id)),
              t("apps.trainer.tq.col.versions", lang=lang):
                  shown(written_answers(store, cohort_id, latest=False))}
    return write_xlsx(sheets, path)
