"""ipywidgets views of lesson quizzes: answer, press Check, see the feedback at once.

Views only: checking is :func:`pbkit.quiz.check_answer`, saving is
:func:`pbkit.quiz.saving.save_answer`, what may be shown is
:func:`pbkit.quiz.reveal.disclose`. Correct answers and explanations stay in the kernel
until the trainee's answer is recorded (or the trainer released them); a wrong answer on a
practice page says "not right, try again or ask the trainer". Everything shown that a user
typed is escaped.

>>> from pbkit.lessons.runtime import open_lesson
>>> view = lesson_quiz(open_lesson("why-branches", lang="en", load_data=False))
>>> first = view.questions[0]
>>> first.set_answer(first.question.answer if first.question.kind != "single"
...                  else first.question.answer[0])
>>> first.check().correct, "Correct" in first.feedback.value
(True, True)
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W

from pbkit.errors import PbkitError
from pbkit.i18n import resolve_lang, t
from pbkit.quiz.check import QuizResult, check_answer
from pbkit.quiz.models import Question
from pbkit.quiz.reveal import Disclosure, disclose

__all__ = ["QuestionView", "QuizView", "lesson_quiz"]

log = logging.getLogger("pbkit.apps.quiz")
MAX_SHORT_CHARS = 4000
_OK = "color:#0d652d;background:#e6f4ea;border-left:5px solid #1e8e3e"
_NO = "color:#8a1c1c;background:#fdecea;border-left:5px solid #d93025"
_INFO = "color:#174ea6;background:#e8f0fe;border-left:5px solid #1a73e8"


def _box(style: str, inner: str) -> str:
    return f'<div style="{style};padding:6px 10px;margin:4px 0;white-space:pre-wrap">{inner}</div>'


class QuestionView:
    """One question: its input, a Check button and the feedback area.

    Parameters
    ----------
    question : Question
    lang : str
    lesson_id : str
        Saved with the answer.
    trainee_id : str, optional
        When set, every checked answer is saved to the results store.
    store : ResultsStore, optional
        Store to save to (default ``ResultsStore()``).
    number : int
        Shown before the prompt.
    hold : bool
        A pre/post test: right or wrong is shown only once the trainer released the answers.
    released : callable, optional
        ``released()`` says whether the trainer released this quiz's answers.
    recorded : bool
        The trainee's first attempt is already stored (e.g. from an earlier page).
    """

    def __init__(self, question: Question, lang: str | None = None, *, lesson_id: str = "",
                 trainee_id: str | None = None, store: Any = None, number: int = 1,
                 on_checked=None, cohort_id: str | None = None, hold: bool = False,
                 released: Callable[[], bool] | None = None,
                 recorded: bool = False) -> None:
        self.question = question
        self.hold = hold
        self.released = released
        #: the trainee's first attempt at this question is stored
        self.recorded = recorded
        self.disclosure: Disclosure | None = None
        self.lang = resolve_lang(lang)
        self.lesson_id = lesson_id
        self.trainee_id = trainee_id
        self.cohort_id = cohort_id
        self.store = store
        self.on_checked = on_checked
        self.result: QuizResult | None = None
        q, lang = question, self.lang
        kind_label = t(f"lessons.widget.kind.{q.kind}", lang=lang)
        self.prompt = W.HTML(f"<b>{number}. {html.escape(q.prompt.get(lang))}</b> "
                             f"<i>({html.escape(kind_label)})</i>")
        self.feedback = W.HTML("")
        self.check_button = W.Button(description=t("lessons.widget.check", lang=lang),
                                     button_style="primary", icon="check")
        self.check_button.on_click(lambda _b: self.check())
        if q.kind == "single":
            self.input = W.RadioButtons(options=[(c.text.get(lang), c.id) for c in q.choices],
                                        value=None, layout=W.Layout(width="auto"))
            controls: list = [self.input]
        elif q.kind == "multiple":
            self.boxes = [W.Checkbox(value=False, description=c.text.get(lang), indent=False,
                                     layout=W.Layout(width="auto")) for c in q.choices]
            self.input = W.VBox(self.boxes)
            controls = [self.input]
        elif q.kind == "ordering":
            self.order = [c.id for c in q.choices]
            self.input = W.Select(options=self._order_options(), rows=len(q.choices),
                                  layout=W.Layout(width="100%"))
            self.up = W.Button(description=t("lessons.widget.up", lang=lang), icon="arrow-up")
            self.down = W.Button(description=t("lessons.widget.down", lang=lang),
                                 icon="arrow-down")
            self.up.on_click(lambda _b: self.move(-1))
            self.down.on_click(lambda _b: self.move(1))
            hint = W.HTML(f"<i>{html.escape(t('lessons.widget.order_hint', lang=lang))}</i>")
            controls = [hint, self.input, W.HBox([self.up, self.down])]
        else:
            self.input = W.Textarea(value="", rows=6, layout=W.Layout(width="100%"),
                                    placeholder=t("lessons.widget.short_placeholder", lang=lang))
            controls = [self.input]
        self.widget = W.VBox([self.prompt, *controls, self.check_button, self.feedback],
                             layout=W.Layout(border="1px solid #e0e0e0", padding="8px",
                                             margin="6px 0"))

    # -- answer plumbing -----------------------------------------------------------
    def _order_options(self) -> list[tuple[str, str]]:
        return [(f"{i}. {self.question.choice(cid).text.get(self.lang)}", cid)
                for i, cid in enumerate(self.order, 1)]

    def move(self, step: int) -> None:
        """Move the selected step of an ordering question up (-1) or down (+1)."""
        selected = self.input.value
        if selected is None or selected not in self.order:
            return
        i = self.order.index(selected)
        j = i + step
        if 0 <= j < len(self.order):
            self.order[i], self.order[j] = self.order[j], self.order[i]
            self.input.options = self._order_options()
            self.input.value = selected

    def answer(self) -> Any:
        """The current answer in the form :func:`check_answer` takes."""
        kind = self.question.kind
        if kind == "single":
            return self.input.value
        if kind == "multiple":
            return [c.id for c, box in zip(self.question.choices, self.boxes) if box.value]
        if kind == "ordering":
            return list(self.order)
        return self.input.value

    def set_answer(self, answer: Any) -> None:
        """Set the input as a trainee would (used by tests and demonstrations)."""
        kind = self.question.kind
        if kind == "single":
            self.input.value = answer
        elif kind == "multiple":
            chosen = set(answer)
            for c, box in zip(self.question.choices, self.boxes):
                box.value = c.id in chosen
        elif kind == "ordering":
            if sorted(answer) != sorted(self.order):
                raise ValueError("an ordering answer must list every choice")
            self.order = list(answer)
            self.input.options = self._order_options()
        else:
            self.input.value = answer

    # -- checking ------------------------------------------------------------------
    def check(self) -> QuizResult | None:
        """Check the current answer, record it when a trainee is set, then show what
        :func:`pbkit.quiz.reveal.disclose` allows: the right answer and the explanation only
        once the first attempt is recorded or the trainer released the answers."""
        lang = self.lang
        answer = self.answer()
        if self.question.kind == "short" and isinstance(answer, str) \
                and len(answer) > MAX_SHORT_CHARS:
            self.feedback.value = _box(_NO, html.escape(
                t("lessons.widget.too_long", lang=lang, max=MAX_SHORT_CHARS)))
            return None
        try:
            result = check_answer(self.question, answer, lang=lang)
        except PbkitError as exc:
            self.feedback.value = _box(_NO, html.escape(exc.render(lang)))
            return None
        except Exception:  # never a traceback in front of the class
            log.exception("quiz check failed")
            self.feedback.value = _box(_NO, html.escape(t("lessons.widget.failed", lang=lang)))
            return None
        saved = self._save(result) if result.answer else ""  # an empty check is not an attempt
        released = bool(self.released()) if self.released is not None else False
        shown = disclose(result, recorded=self.recorded, released=released, hold=self.hold,
                         lang=lang)
        self.result = result
        self.disclosure = shown
        self.feedback.value = self._render(result, shown) + saved
        if self.on_checked is not None:
            self.on_checked(self)
        return result

    def _render(self, result: QuizResult, shown: Disclosure) -> str:
        lang = self.lang
        style = {True: _OK, False: _NO, None: _INFO}[shown.ok]
        parts = [_box(style, html.escape(shown.feedback))]
        if result.criteria and shown.state != "held":
            rows = "".join(
                f"<tr><td>{html.escape(c.id)}</td><td>{c.level}/{c.max_level}</td>"
                f"<td>{html.escape(c.feedback)}</td></tr>" for c in result.criteria)
            parts.append('<table style="border-collapse:collapse">'
                         f"<tr><th>{html.escape(t('lessons.widget.criterion', lang=lang))}</th>"
                         f"<th>{html.escape(t('lessons.widget.level', lang=lang))}</th>"
                         f"<th>{html.escape(t('lessons.widget.advice', lang=lang))}</th></tr>"
                         f"{rows}</table>")
        if result.needs_review and shown.state != "held":
            parts.append(_box(_INFO, html.escape(t("lessons.widget.needs_review", lang=lang))))
        for line in (shown.hint, shown.basis):
            if line:
                parts.append(_box(_INFO, html.escape(line)))
        if shown.solution:
            parts.append(_box(_INFO, "<b>" + html.escape(shown.solution) + "</b>"))
        if shown.explanation:
            parts.append(_box(_INFO, "<b>" + html.escape(t("lessons.widget.explanation",
                                                           lang=lang))
                              + "</b>" + html.escape(shown.explanation)))
        return "".join(parts)

    def _save(self, result: QuizResult) -> str:
        """Record the answer; the first recorded one is the attempt that counts."""
        if not self.trainee_id:
            return ""
        from pbkit.quiz.saving import save_answer

        try:
            save_answer(result, trainee_id=self.trainee_id, lesson_id=self.lesson_id,
                        store=self.store, submission_id=uuid.uuid4().hex,
                        cohort_id=self.cohort_id)
        except PbkitError as exc:
            return _box(_NO, html.escape(t("lessons.widget.not_saved", lang=self.lang,
                                           reason=exc.render(self.lang))))
        first = not self.recorded
        self.recorded = True
        note = t("quiz.fb.recorded_first" if first else "quiz.fb.practice", lang=self.lang)
        return _box(_INFO, html.escape(t("lessons.widget.saved", lang=self.lang,
                                         trainee=self.trainee_id) + " " + note))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class QuizView:
    """A whole quiz: one :class:`QuestionView` per question and a running total."""

    def __init__(self, questions: Sequence[Question], lang: str | None = None, *,
                 lesson_id: str = "", trainee_id: str | None = None, store: Any = None,
                 cohort_id: str | None = None, hold: bool = False,
                 released: Callable[[], bool] | None = None,
                 recorded: Sequence[str] = ()) -> None:
        self.lang = resolve_lang(lang)
        self.hold = hold
        done = set(recorded)
        self.questions = [QuestionView(q, self.lang, lesson_id=lesson_id,
                                       trainee_id=trainee_id, store=store, number=i,
                                       on_checked=lambda _v: self._update(),
                                       cohort_id=cohort_id, hold=hold, released=released,
                                       recorded=q.id in done)
                          for i, q in enumerate(questions, 1)]
        self.summary = W.HTML("")
        self._update()
        self.widget = W.VBox([*(v.widget for v in self.questions), self.summary])

    def _update(self) -> None:
        done = [v for v in self.questions if v.result is not None]
        if self.hold:  # a running total would tell right from wrong during the test
            self.summary.value = _box(_INFO, html.escape(t(
                "quiz.fb.summary_held", lang=self.lang, answered=len(done),
                n=len(self.questions))))
            return
        total = sum(v.question.points for v in self.questions)
        earned = sum(v.question.points * v.result.score for v in done)
        self.summary.value = _box(_INFO, html.escape(t(
            "lessons.widget.summary", lang=self.lang, answered=len(done),
            n=len(self.questions), earned=f"{round(earned, 1):g}", total=f"{total:g}")))

    @property
    def score(self) -> float:
        """Points earned so far (``sum(points * score)`` over checked questions)."""
        return sum(v.question.points * v.result.score for v in self.questions
                   if v.result is not None)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def lesson_quiz(ctx, *, store: Any = None) -> QuizView:
    """The quiz of an opened lesson (:class:`~pbkit.lessons.runtime.LessonContext`)."""
    return QuizView(ctx.lesson.quiz, ctx.lang, lesson_id=ctx.lesson.id,
                    trainee_id=ctx.trainee_id, store=store,
                    cohort_id=getattr(ctx, "cohort_id", None))
