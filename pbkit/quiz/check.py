"""Checking a trainee's answer to a quiz question.

:func:`check_answer` returns a :class:`QuizResult`: whether the answer is correct, a score
between 0 and 1, a one-line feedback that never names the right answer, the right answer
in words (``solution``) and the question's explanation in the chosen language. Which of
these a trainee may see, and when, is :func:`pbkit.quiz.reveal.disclose`.

Scores
------
- ``single``: 1 if the chosen id is the answer, else 0.
- ``multiple``: ``max(0, (hits - wrong) / len(answer))`` where ``hits`` counts correct
  choices ticked and ``wrong`` incorrect choices ticked; correct only when the sets match.
- ``ordering``: the share of choice pairs in the right relative order,
  ``concordant / (n (n - 1) / 2)`` (a Kendall-type agreement); correct only when the whole
  order matches.
- ``short``: the role-play scorer's levels on the counted criteria,
  ``100 * sum(level) / sum(max_level)``, divided by 100; correct when at least
  ``pass_score``.

>>> from pbkit.quiz.models import question_from_dict
>>> q = question_from_dict({"id": "steps", "kind": "ordering",
...     "prompt": {"zh": "排序", "en": "Order"},
...     "choices": [{"id": "b", "zh": "二", "en": "two"}, {"id": "a", "zh": "一", "en": "one"},
...                 {"id": "c", "zh": "三", "en": "three"}],
...     "answer": ["a", "b", "c"],
...     "explanation": {"zh": "先一后二再三。", "en": "One, two, then three."}})
>>> r = check_answer(q, ["a", "c", "b"], lang="en")
>>> r.correct, round(r.score, 2), r.explanation
(False, 0.67, 'One, two, then three.')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pbkit.errors import UsageError
from pbkit.i18n import resolve_lang, t
from pbkit.quiz.models import Question

__all__ = ["QuizResult", "CriterionResult", "check_answer", "grade", "solution_text"]


@dataclass(frozen=True)
class CriterionResult:
    """One rubric criterion behind a short-answer score."""

    id: str
    level: int
    max_level: int
    feedback: str


@dataclass(frozen=True)
class QuizResult:
    """The outcome of checking one answer.

    Attributes
    ----------
    question_id, kind : str
        Which question and its kind.
    correct : bool
        Whether the answer is fully right (for ``short``: reaches ``pass_score``).
    score : float
        Between 0 and 1 (see the module docstring for each kind).
    answer : tuple of str
        The answer as checked (choice ids in the order given, or the text).
    expected : tuple of str
        The correct choice ids (empty for ``short``).
    feedback : str
        One line for the trainee in ``lang``.
    explanation : str
        The question's explanation in ``lang``.
    lang : str
        Language of ``feedback`` and ``explanation``.
    criteria : tuple of CriterionResult
        For ``short``: the scorer's levels on the counted criteria.
    needs_review : bool
        For ``short``: the scorer asks a trainer to confirm.
    solution : str
        The right answer in words (``"正确答案：..."``; empty for ``short``). Never part of
        ``feedback``: a view shows it only once the attempt is recorded or the trainer
        released the answers (:func:`pbkit.quiz.reveal.disclose`).
    basis : str
        Where the rule behind the question comes from (``"参考依据：..."``), or empty; it
        names a source without giving the answer away.
    """

    question_id: str
    kind: str
    correct: bool
    score: float
    answer: tuple[str, ...]
    expected: tuple[str, ...]
    feedback: str
    explanation: str
    lang: str
    criteria: tuple[CriterionResult, ...] = field(default=())
    needs_review: bool = False
    solution: str = ""
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "question_id": self.question_id, "kind": self.kind, "correct": self.correct,
            "score": round(self.score, 4), "answer": list(self.answer),
            "expected": list(self.expected), "feedback": self.feedback,
            "explanation": self.explanation, "lang": self.lang,
            "criteria": [{"id": c.id, "level": c.level, "max_level": c.max_level,
                          "feedback": c.feedback} for c in self.criteria],
            "needs_review": self.needs_review,
        }


def _as_ids(question: Question, answer: Any) -> tuple[str, ...]:
    if answer is None:
        return ()
    if isinstance(answer, str):
        ids = (answer,)
    elif isinstance(answer, Sequence) or isinstance(answer, (set, frozenset)):
        ids = tuple(answer)
    else:
        raise UsageError("lessons.quiz.err.answer_type", question=question.id,
                         kind=question.kind)
    known = set(question.choice_ids)
    for a in ids:
        if not isinstance(a, str) or a not in known:
            raise UsageError("lessons.quiz.err.unknown_choice", question=question.id,
                             value=a, choices=", ".join(question.choice_ids))
    if len(set(ids)) != len(ids):
        raise UsageError("lessons.quiz.err.repeated_choice", question=question.id)
    return ids


def _labels(question: Question, ids: Sequence[str], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    if question.kind == "ordering":
        sep = " → "
    return sep.join(question.choice(i).text.get(lang) for i in ids)


def _basis(question: Question, lang: str) -> str:
    return question.basis.get(lang) if question.basis is not None else ""


def solution_text(question: Question, lang: str | None = None) -> str:
    """The right answer of a choice or ordering question in words (empty for ``short``).

    >>> from pbkit.quiz.models import Choice, Question, Text
    >>> q = Question("q", "single", Text("选", "pick"), Text("解释", "why"),
    ...              (Choice("a", Text("甲", "A")), Choice("b", Text("乙", "B"))), ("b",))
    >>> solution_text(q, "en")
    'The right answer: B.'
    """
    lang = resolve_lang(lang)
    if question.kind == "short" or not question.answer:
        return ""
    key = "quiz.fb.solution_order" if question.kind == "ordering" else "quiz.fb.solution"
    return t(key, lang=lang, answer=_labels(question, question.answer, lang))


def check_answer(question: Question, answer: Any, lang: str | None = None) -> QuizResult:
    """Check ``answer`` against ``question``.

    Parameters
    ----------
    question : Question
        The question.
    answer : str or sequence of str
        ``single``: one choice id; ``multiple``: the ticked ids (any order); ``ordering``:
        every choice id in the trainee's order; ``short``: the answer text. ``None`` or an
        empty answer counts as not answered (score 0).
    lang : str, optional
        Language of the feedback and explanation (default: the current language).

    Returns
    -------
    QuizResult

    Raises
    ------
    pbkit.errors.UsageError
        An answer of the wrong type or naming a choice the question does not have.

    Examples
    --------
    >>> from pbkit.quiz.models import Choice, Question, Text
    >>> q = Question("q", "multiple", Text("选", "pick"), Text("解释", "why"),
    ...              (Choice("a", Text("甲", "A")), Choice("b", Text("乙", "B")),
    ...               Choice("c", Text("丙", "C"))), ("a", "b"))
    >>> r = check_answer(q, ["a", "c"], lang="en")
    >>> r.correct, r.score
    (False, 0.0)
    >>> check_answer(q, ["b", "a"], lang="en").correct
    True
    """
    lang = resolve_lang(lang)
    explanation = question.explanation.get(lang)
    if question.kind == "short":
        return _check_short(question, answer, lang, explanation)
    ids = _as_ids(question, answer)
    expected = question.answer
    if not ids:
        return QuizResult(question.id, question.kind, False, 0.0, (), expected,
                          t("lessons.quiz.unanswered", lang=lang), explanation, lang,
                          solution=solution_text(question, lang), basis=_basis(question, lang))
    if question.kind == "single":
        if len(ids) != 1:
            raise UsageError("lessons.quiz.err.one_choice", question=question.id)
        correct = ids == expected
        score = 1.0 if correct else 0.0
        feedback = (t("lessons.quiz.correct", lang=lang) if correct else
                    t("quiz.fb.wrong_single", lang=lang))
    elif question.kind == "multiple":
        chosen, right = set(ids), set(expected)
        hits, wrong = len(chosen & right), len(chosen - right)
        score = max(0.0, (hits - wrong) / len(right))
        correct = chosen == right
        if correct:
            feedback = t("lessons.quiz.correct", lang=lang)
        else:
            # counts only: naming the missed or extra choices would give the answer away
            feedback = t("quiz.fb.partly", lang=lang, hits=hits, wrong=wrong,
                         missed=len(right) - hits)
    else:  # ordering
        if set(ids) != set(expected):
            raise UsageError("lessons.quiz.err.order_all", question=question.id,
                             n=len(expected))
        pos = {c: i for i, c in enumerate(ids)}
        n = len(expected)
        concordant = sum(1 for i in range(n) for j in range(i + 1, n)
                         if pos[expected[i]] < pos[expected[j]])
        score = concordant / (n * (n - 1) / 2)
        correct = ids == expected
        in_place = sum(1 for a, b in zip(ids, expected) if a == b)
        feedback = (t("lessons.quiz.correct", lang=lang) if correct else
                    t("quiz.fb.order_wrong", lang=lang, in_place=in_place, n=n))
    return QuizResult(question.id, question.kind, correct, float(score), ids, expected,
                      feedback, explanation, lang, solution=solution_text(question, lang),
                      basis=_basis(question, lang))


def _check_short(question: Question, answer: Any, lang: str, explanation: str) -> QuizResult:
    if answer is not None and not isinstance(answer, str):
        raise UsageError("lessons.quiz.err.answer_type", question=question.id,
                         kind=question.kind)
    text = (answer or "").strip()
    if not text:
        return QuizResult(question.id, "short", False, 0.0, (), (),
                          t("lessons.quiz.unanswered", lang=lang), explanation, lang,
                          basis=_basis(question, lang))
    from pbkit.roleplay import score as roleplay_score

    result = roleplay_score(question.scenario, text, lang=lang)
    wanted = set(question.criteria)
    rows = [c for c in result.criteria if not wanted or c.id in wanted]
    if wanted and len(rows) != len(wanted):
        missing = sorted(wanted - {c.id for c in rows})
        raise UsageError("lessons.quiz.err.unknown_criterion", question=question.id,
                         scenario=question.scenario, value=", ".join(missing))
    total_max = sum(int(c.max_level) for c in rows)
    got = sum(int(c.level) for c in rows)
    score100 = 100.0 * got / total_max if total_max else 0.0
    correct = score100 >= question.pass_score
    crit = tuple(CriterionResult(c.id, int(c.level), int(c.max_level), str(c.feedback))
                 for c in rows)
    key = "lessons.quiz.short_pass" if correct else "lessons.quiz.short_fail"
    feedback = t(key, lang=lang, score=round(score100), pass_score=round(question.pass_score))
    return QuizResult(question.id, "short", correct, score100 / 100.0, (text,), (), feedback,
                      explanation, lang, crit, bool(getattr(result, "needs_review", False)),
                      basis=_basis(question, lang))


def grade(questions: Sequence[Question], answers: dict[str, Any],
          lang: str | None = None):
    """Check every answer of a quiz and return one row per question.

    Unanswered questions score 0. Columns: ``question_id, kind, points, score, earned,
    correct, feedback``; ``earned = points * score``.

    >>> from pbkit.quiz.models import Choice, Question, Text
    >>> q = Question("q", "single", Text("选", "pick"), Text("解释", "why"),
    ...              (Choice("a", Text("甲", "A")), Choice("b", Text("乙", "B"))), ("a",))
    >>> grade([q], {"q": "a"}, lang="en")[["question_id", "earned", "correct"]].values.tolist()
    [['q', 1.0, True]]
    """
    import pandas as pd

    rows = []
    for q in questions:
        r = check_answer(q, answers.get(q.id), lang=lang)
        rows.append({"question_id": q.id, "kind": q.kind, "points": q.points,
                     "score": r.score, "earned": q.points * r.score, "correct": r.correct,
                     "feedback": r.feedback})
    return pd.DataFrame(rows, columns=["question_id", "kind", "points", "score", "earned",
                                       "correct", "feedback"])
