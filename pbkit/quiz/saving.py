"""Saving a trainee's quiz answer to the results store (a small adapter).

The store (:class:`pbkit.store.ResultsStore`) keeps every answer with the trainee's
pseudonymous id, the lesson, the question, the answer (a choice id, a list of ids, or the
text) and whether it was correct. The trainee must already be registered in a cohort
(``ResultsStore.ensure_trainee``); the store refuses unknown trainees.

>>> import tempfile, os
>>> from pbkit.quiz.models import Choice, Question, Text
>>> from pbkit.quiz.check import check_answer
>>> from pbkit.store import ResultsStore
>>> q = Question("q1", "single", Text("选", "pick"), Text("解释", "why"),
...              (Choice("a", Text("甲", "A")), Choice("b", Text("乙", "B"))), ("a",))
>>> with tempfile.TemporaryDirectory() as tmp:
...     store = ResultsStore("sqlite:///" + os.path.join(tmp, "r.db"))
...     _ = store.ensure_cohort("c1", "Class 1")
...     _ = store.ensure_trainee("T001", "c1")
...     answer_id = save_answer(check_answer(q, "a"), trainee_id="T001", lesson_id="l1",
...                             store=store)
...     rows = store.quiz_answers()[["trainee_id", "question_id", "correct"]].values.tolist()
...     store.close()
>>> rows
[['T001', 'q1', True]]
"""

from __future__ import annotations

from typing import Any

from pbkit.errors import StoreError
from pbkit.quiz.check import QuizResult

__all__ = ["save_answer", "stored_answer"]


def stored_answer(result: QuizResult) -> str | list[str]:
    """The answer as the store keeps it: one id, a list of ids, or the text.

    >>> from pbkit.quiz.check import QuizResult
    >>> stored_answer(QuizResult("q", "ordering", True, 1.0, ("a", "b"), ("a", "b"), "", "", "en"))
    ['a', 'b']
    """
    if result.kind == "single":
        return result.answer[0] if result.answer else ""
    if result.kind == "short":
        return result.answer[0] if result.answer else ""
    return list(result.answer)


def save_answer(result: QuizResult, *, trainee_id: str, lesson_id: str, store: Any = None,
                submission_id: str | None = None, cohort_id: str | None = None) -> int:
    """Save one checked answer for ``trainee_id``; returns the store's answer id.

    Parameters
    ----------
    result : QuizResult
        The checked answer (from :func:`pbkit.quiz.check_answer`).
    trainee_id : str
        Pseudonymous trainee id, registered in the store.
    lesson_id : str
        The lesson the question belongs to.
    store : ResultsStore, optional
        Default: ``ResultsStore()`` (the data directory's SQLite file or ``PBKIT_DB_URL``).
    submission_id : str, optional
        Makes a retried save idempotent.
    cohort_id : str, optional
        Register the trainee in this (existing) cohort first (idempotent).

    Raises
    ------
    pbkit.errors.StoreError
        The store refuses the answer (unknown trainee, too long...) or lacks quiz support.
    """
    owned = store is None
    if owned:
        from pbkit.store import ResultsStore

        store = ResultsStore()
    try:
        saver = getattr(store, "save_quiz_answer", None)
        if saver is None:
            raise StoreError("lessons.quiz.err.no_store")
        if cohort_id:
            store.ensure_trainee(trainee_id, cohort_id)
        return int(saver(trainee_id, lesson_id, result.question_id, stored_answer(result),
                         bool(result.correct), submission_id=submission_id))
    finally:
        if owned and hasattr(store, "close"):
            store.close()
