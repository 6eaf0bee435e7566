"""What a trainee may see after checking an answer, and when.

The issue's rule: feedback explains *why* without revealing the answer before the attempt
is recorded. So a checked answer (:class:`~pbkit.quiz.check.QuizResult`) is shown in one
of four ways:

``unanswered``
    nothing chosen: say so; nothing is recorded.
``correct``
    right: say so, with the explanation (the trainee already has the answer).
``wrong``
    wrong and not yet recorded (a practice page without a trainee, or a save that failed),
    answers not released: "not right, try again or ask the trainer", the counts in the
    feedback line (how many ticked right, how many steps in place) and the source of the
    rule (``basis``), but never the right answer or the explanation.
``revealed``
    wrong, but the first attempt is recorded or the trainer released the answers: the
    feedback, the right answer in words and the explanation.
``held``
    a pre/post test (``hold=True``) before the trainer releases the answers: only that the
    answer was taken, not whether it was right (the same questions come back in the
    post-test).

>>> from pbkit.quiz.models import Choice, Question, Text
>>> from pbkit.quiz.check import check_answer
>>> q = Question("q", "single", Text("选", "pick"), Text("因为乙。", "Because B."),
...              (Choice("a", Text("甲", "A")), Choice("b", Text("乙", "B"))), ("b",))
>>> d = disclose(check_answer(q, "a", lang="en"), recorded=False)
>>> d.state, d.solution, d.explanation
('wrong', '', '')
>>> d = disclose(check_answer(q, "a", lang="en"), recorded=True)
>>> d.state, d.solution, d.explanation
('revealed', 'The right answer: B.', 'Because B.')
"""

from __future__ import annotations

from dataclasses import dataclass

from pbkit.i18n import resolve_lang, t
from pbkit.quiz.check import QuizResult

__all__ = ["Disclosure", "disclose", "STATES"]

STATES = ("unanswered", "correct", "wrong", "revealed", "held")


@dataclass(frozen=True)
class Disclosure:
    """What the view shows for one checked answer (empty strings are not shown).

    Attributes
    ----------
    state : str
        One of :data:`STATES`.
    ok : bool or None
        Green (``True``), red (``False``) or neutral (``None``) feedback box.
    feedback : str
        The one-line feedback (never names the right answer).
    hint : str
        What to do next when the answer is withheld ("try again, or ask the trainer").
    basis : str
        The source of the rule behind the question (shown while the answer is withheld).
    solution, explanation : str
        The right answer in words and the explanation: only when revealed.
    """

    state: str
    ok: bool | None
    feedback: str
    hint: str = ""
    basis: str = ""
    solution: str = ""
    explanation: str = ""

    @property
    def revealed(self) -> bool:
        """Whether the right answer may be on the page."""
        return self.state in ("correct", "revealed")


def disclose(result: QuizResult, *, recorded: bool, released: bool = False,
             hold: bool = False, lang: str | None = None) -> Disclosure:
    """Decide what to show for ``result``.

    Parameters
    ----------
    result : QuizResult
        The checked answer.
    recorded : bool
        The trainee's first attempt at this question is stored (this one or an earlier one).
    released : bool
        The trainer released the answers of this quiz for the trainee's class.
    hold : bool
        A pre/post test: show neither right/wrong nor the answer until ``released``.
    lang : str, optional
        Language of the added lines (the result's own texts are in ``result.lang``).

    Returns
    -------
    Disclosure

    Examples
    --------
    >>> from pbkit.quiz.check import QuizResult
    >>> r = QuizResult("q", "single", True, 1.0, ("b",), ("b",), "Correct!", "Why.", "en",
    ...                solution="The right answer: B.")
    >>> disclose(r, recorded=False, hold=True, lang="en").state
    'held'
    >>> disclose(r, recorded=False, hold=True, released=True, lang="en").explanation
    'Why.'
    """
    lang = resolve_lang(lang or result.lang)
    if not result.answer:
        return Disclosure("unanswered", False, result.feedback)
    if hold and not released:
        return Disclosure("held", None, t("quiz.fb.held", lang=lang))
    if result.correct:
        return Disclosure("correct", True, result.feedback, explanation=result.explanation)
    if recorded or released:
        return Disclosure("revealed", False, result.feedback, solution=result.solution,
                          explanation=result.explanation)
    hint = t("quiz.fb.try_again" if result.kind != "short" else "quiz.fb.revise", lang=lang)
    return Disclosure("wrong", False, result.feedback, hint=hint, basis=result.basis)
