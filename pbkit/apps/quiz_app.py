"""Class quiz: a lesson's quiz, a course's pre/post test, and the lesson's written item.

Served by ``pbkit serve`` like the other apps (``notebooks/apps/quiz.ipynb``), so trainees
reach quizzes through the class links the trainer hands out and never need ``/lab``.
Who answers comes from the server side, as in the role-play app: the code given in Python,
``JUPYTERHUB_USER`` or ``PBKIT_TRAINEE``, or a link signed by the trainer
(:mod:`pbkit.serving.links`): a personal link fixes the trainee; a class link asks for the
trainee's code once and registers it (then the page's address becomes that trainee's
personal link, so a reload or bookmark finds them again). The link may name the quiz
(``&quiz=four-two`` or ``&quiz=test:one-day:pre``); otherwise the trainee picks it.

Every checked answer is stored in the results store under the trainee's class; the first
one per question is what the class statistics count. A wrong answer shows the right one
only after it is recorded (:func:`pbkit.quiz.reveal.disclose`); a pre/post test shows no
right or wrong until the trainer releases the answers. Without any identity the page is
practice: nothing is stored and a wrong answer says "try again, or ask the trainer".

>>> app = QuizApp(lang="en", store=None, save=False, quiz="four-two")
>>> app.quiz_id, len(app.view.questions) > 0, app.practice
('four-two', True, True)
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import ipywidgets as W

from pbkit.apps.common import AppShell, esc, guarded, query_params, when_link_known
from pbkit.errors import PbkitError

__all__ = ["QuizApp", "quiz_choices"]

WRITTEN_ITEM = "data"  # the lesson's data-exercise task ("写一句话")


def quiz_choices(lang: str) -> list[tuple[str, str]]:
    """``(label, quiz id)`` of every lesson quiz, then each course test's two phases.

    >>> quiz_choices("en")[0][1]
    'why-branches'
    >>> any(v == "test:one-day:pre" for _, v in quiz_choices("en"))
    True
    """
    from pbkit.i18n import t
    from pbkit.lessons.loader import load_lessons
    from pbkit.quiz.prepost import PHASES, load_course_tests

    out = [(t("apps.quiz.lesson_option", lang=lang, number=lesson.number,
              title=lesson.title.get(lang)), lesson.id)
           for lesson in load_lessons() if lesson.quiz]
    for test in load_course_tests():
        for phase in PHASES:
            out.append((t("apps.quiz.test_option", lang=lang, title=test.title.get(lang),
                          phase=t(f"quiz.phase.{phase}", lang=lang)), test.quiz_id(phase)))
    return out


class QuizApp(AppShell):
    """The served quiz app.

    Parameters
    ----------
    lang : str, optional
        ``"zh"`` (default) or ``"en"``.
    store : ResultsStore, optional
        Default: :class:`pbkit.store.ResultsStore` on the data directory, opened on first use.
    save : bool
        Record answers (``False``: a practice page without a store).
    trainee_id, cohort_id : str, optional
        The trainee (server side) and class; defaults as in the role-play app.
    quiz : str, optional
        The quiz to open (a lesson id or ``test:<test>:<phase>``); default from the link's
        ``quiz`` parameter, else the first lesson.
    """

    TITLE_KEY = "apps.quiz.title"

    def __init__(self, lang: str | None = None, *, store: Any = None, save: bool = True,
                 trainee_id: str | None = None, cohort_id: str | None = None,
                 quiz: str | None = None) -> None:
        super().__init__(lang)
        self._store = store
        self._save = save
        self.cohort_id = cohort_id or os.environ.get("PBKIT_COHORT")
        self.identity: str | None = (trainee_id or os.environ.get("JUPYTERHUB_USER")
                                     or os.environ.get("PBKIT_TRAINEE") or None)
        self._class_link: Any = None
        wide = {"description_width": "initial"}
        self.trainee = W.Text(value=self.identity or "", disabled=bool(self.identity),
                              style=wide, layout=W.Layout(width="260px", max_width="100%"))
        self.trainee.observe(self._keep_identity, "value")
        self.start = W.Button(button_style="primary")
        self.picker = W.Dropdown(options=[], style=wide, layout=W.Layout(width="100%"))
        self.note = W.HTML()
        self.quiz_box = W.VBox()
        self.written_title = W.HTML()
        self.written_task = W.HTML()
        self.written = W.Textarea(layout=W.Layout(width="100%", height="110px"))
        self.written_btn = W.Button(button_style="success")
        self.written_status = W.HTML()
        self.written_box = W.VBox([self.written_title, self.written_task, self.written,
                                   self.written_btn, self.written_status])
        self.trainee_row = W.HBox([self.trainee, self.start],
                                  layout=W.Layout(flex_flow="row wrap", align_items="center"))
        self.body.children = [self.trainee_row, self.picker, self.note, self.quiz_box,
                              self.written_box]
        self.start.on_click(self._on_start)
        self.written_btn.on_click(self._on_written)
        self.picker.observe(self._on_pick, "value")
        self.start.add_class("pbkit-quiz-start")
        self.written_btn.add_class("pbkit-written-submit")
        self.written.add_class("pbkit-written-input")
        self.quiz_id = ""
        self.view: Any = None
        params = query_params()
        if self.identity is None:
            self.apply_link(params)
        self.relabel()
        self._open(quiz or params.get("quiz") or "")
        if self.identity is None:
            when_link_known(self._link_known)

    # -- identity -----------------------------------------------------------------------

    def apply_link(self, params: dict[str, str]) -> None:
        """Take the trainee (personal link) or the class (class link) from a signed link;
        an unsigned or altered link gives nothing."""
        from pbkit.serving import links

        link = links.verify(params, links.read_key()) if params.get("sig") else None
        if link is None or self.identity is not None:
            return
        if link.cohort_id and not self.cohort_id:
            self.cohort_id = link.cohort_id
        if link.trainee_id:
            self._fix_identity(link.trainee_id)
        else:
            self._class_link = link

    def _link_known(self, params: dict[str, str]) -> None:  # a preheated kernel
        self.apply_link(params)
        self._open(params.get("quiz") or self.quiz_id)

    def _fix_identity(self, trainee_id: str) -> None:
        self.identity = trainee_id
        self._class_link = None
        self.trainee.value = trainee_id
        self.trainee.disabled = True

    def _keep_identity(self, change: dict) -> None:
        """A message that edits the box of a fixed identity is undone (it never counted)."""
        if self.identity is not None and change["new"] != self.identity:
            self.trainee.value = self.identity

    @property
    def practice(self) -> bool:
        """No identity and no class link: nothing is recorded."""
        return not self._save or (self.identity is None and self._class_link is None)

    @property
    def waiting_for_code(self) -> bool:
        """A class link whose trainee has not typed (and registered) a code yet."""
        return self._save and self.identity is None and self._class_link is not None

    @guarded
    def _on_start(self, _button: Any = None) -> None:
        self.clear_message()
        self.register()

    def register(self) -> str:
        """Register the typed code through the class link, then open the quiz for them."""
        from pbkit.serving import links

        if self._class_link is None:
            raise PbkitError("quiz.err.no_trainee")
        code = self.trainee.value.strip()
        if not code:
            raise PbkitError("apps.roleplay.err.no_trainee")
        link = self._class_link
        links.register(link, code, self.store)
        self._fix_identity(code)
        key = links.read_key()
        if key is not None:  # the address becomes the trainee's own link (reload, bookmark)
            personal = links.signed_params(key, cohort_id=link.cohort_id, trainee_id=code)
            for name in ("trainee", "sig"):
                self.set_link_param(name, personal[name])
            self.set_link_param("cap", "")
        self._open(self.quiz_id)
        return code

    # -- the quiz -----------------------------------------------------------------------

    @property
    def store(self) -> Any:
        if self._store is None:
            from pbkit.store import ResultsStore

            self._store = ResultsStore()
        return self._store

    def _recorded(self, quiz_id: str) -> list[str]:
        """Question ids this trainee already has a recorded first answer to."""
        if self.practice or self.identity is None or not self.cohort_id:
            return []
        answers = self.store.quiz_answers(self.cohort_id)
        mine = answers[(answers["trainee_id"] == self.identity)
                       & (answers["lesson_id"] == quiz_id)]
        return sorted(set(mine["question_id"]))

    def _released(self) -> bool:
        if self.practice or not self.cohort_id:
            return False
        return bool(self.store.answers_released(self.cohort_id, self.quiz_id))

    def _questions(self, quiz_id: str) -> tuple[Any, bool, Any]:
        """``(questions, is_test, lesson or None)`` of ``quiz_id``."""
        from pbkit.lessons.loader import get_lesson
        from pbkit.quiz.prepost import get_course_test, parse_quiz_id

        parsed = parse_quiz_id(quiz_id)
        if parsed is not None:
            return get_course_test(parsed[0]).questions, True, None
        lesson = get_lesson(quiz_id)
        return lesson.quiz, False, lesson

    def _open(self, quiz_id: str) -> None:
        """Show quiz ``quiz_id`` (an unknown id falls back to the first choice)."""
        from pbkit.apps.quiz_widgets import QuizView

        values = [v for _, v in self.picker.options]
        quiz_id = quiz_id if quiz_id in values else (values[0] if values else "")
        self.set_choices(self.picker, list(self.picker.options), quiz_id)
        self.quiz_id = quiz_id
        questions, is_test, lesson = self._questions(quiz_id)
        recording = not self.practice and self.identity is not None
        self.view = QuizView(questions, self.lang, lesson_id=quiz_id,
                             trainee_id=self.identity if recording else None,
                             store=self.store if recording else None,
                             cohort_id=self.cohort_id, hold=is_test,
                             released=self._released, recorded=self._recorded(quiz_id))
        self.lesson = lesson
        self._render_state()

    def _render_state(self) -> None:
        waiting = self.waiting_for_code
        self.trainee_row.layout.display = "none" if self.practice else "flex"
        self.start.layout.display = "flex" if waiting else "none"
        self.quiz_box.children = [] if waiting or self.view is None else [self.view.widget]
        if self.practice:
            self.note.value = f'<p class="pbkit-note">{esc(self.tr("apps.quiz.practice_note"))}</p>'
        elif waiting:
            self.note.value = ("<p>" + esc(self.tr("apps.quiz.class_link",
                                                   cohort=self._class_link.cohort_id)) + "</p>")
        else:
            self.note.value = "<p>" + esc(self.tr("apps.quiz.who", cohort=self.cohort_id or "—",
                                                  trainee=self.identity)) + "</p>"
        self._render_written(waiting)

    def _render_written(self, waiting: bool) -> None:
        lesson = self.lesson
        if lesson is None or waiting:
            self.written_box.layout.display = "none"
            return
        self.written_box.layout.display = "flex"
        self.written_title.value = f"<h3>{esc(self.tr('apps.quiz.written_title'))}</h3>"
        self.written_task.value = (f"<p>{esc(lesson.data_exercise.task.get(self.lang))}</p>"
                                   f"<p><i>{esc(self.tr('apps.quiz.written_intro'))}</i></p>")
        self.written_btn.disabled = self.practice
        self.written_status.value = ("" if not self.practice else
                                     f"<p>{esc(self.tr('apps.quiz.written_practice'))}</p>")
        if not self.practice and self.identity and self.cohort_id and not self.written.value:
            mine = self.store.written_answers(self.cohort_id)
            mine = mine[(mine["trainee_id"] == self.identity)
                        & (mine["lesson_id"] == lesson.id)
                        & (mine["item_id"] == WRITTEN_ITEM)]
            if len(mine):
                self.written.value = str(mine["text"].iloc[-1])

    @guarded
    def _on_pick(self, change: dict) -> None:
        self.clear_message()
        self.written.value = ""
        self._open(change["new"])

    @guarded
    def _on_written(self, _button: Any = None) -> None:
        self.clear_message()
        n = self.submit_written()
        self.written_status.value = (
            f'<p class="pbkit-msg pbkit-msg-ok">'
            f"{esc(self.tr('apps.quiz.written_saved', n=n))}</p>")

    def submit_written(self) -> int:
        """Store the written answer for this trainee; returns its length in characters."""
        if self.practice or self.identity is None:
            raise PbkitError("quiz.err.no_trainee")
        if self.lesson is None:
            return 0
        text = self.written.value
        if self.cohort_id:
            self.store.ensure_trainee(self.identity, self.cohort_id)
        self.store.save_written_answer(self.identity, self.lesson.id, WRITTEN_ITEM, text,
                                       submission_id=uuid.uuid4().hex)
        return len(text.strip())

    # -- labels -------------------------------------------------------------------------

    def relabel(self) -> None:
        self.trainee.description = self.tr("apps.quiz.trainee")
        self.start.description = self.tr("apps.quiz.start")
        self.picker.description = self.tr("apps.quiz.pick")
        self.written.placeholder = self.tr("lessons.widget.short_placeholder")
        self.written_btn.description = self.tr("apps.quiz.written_submit")
        self.set_choices(self.picker, quiz_choices(self.lang), self.quiz_id or None)

    def rerender(self) -> None:
        if self.quiz_id:
            self._open(self.quiz_id)
