"""Trainer console tabs for quizzes (issue 17): pre/post test, written answers, quiz links.

:func:`add_quiz_tabs` appends three tabs to a :class:`~pbkit.apps.trainer_app.TrainerApp`
and follows its class choice, language switch and refresh button:

* **前测/后测 (pre/post test)**: per question and overall, the class's pre %, post %,
  paired gain and n (:func:`pbkit.quiz.prepost.prepost_summary`), and the buttons that
  release each phase's answers to the class (until then trainees see no right or wrong);
* **书面作答 (written answers)**: the latest written answer per trainee and item, escaped,
  with an .xlsx export (:func:`pbkit.store.written.export_written_answers`);
* **测验链接 (quiz links)**: a class link and personal links that open the served quiz app
  on the chosen quiz.

>>> from pbkit.apps.trainer_app import TrainerApp
>>> from pbkit.store import ResultsStore
>>> app = TrainerApp(lang="en", store=ResultsStore("sqlite://"))  # calls add_quiz_tabs
>>> isinstance(app.quiz_tabs, QuizTabs)
True
>>> [app.tabs.get_title(i) for i in range(len(app.tabs.children))][-3:]
['Pre/post test', 'Written answers', 'Quiz links']
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as W

from pbkit.apps.common import download_link, esc, guarded, html_table

__all__ = ["QuizTabs", "add_quiz_tabs"]

TAB_KEYS = ("prepost", "written", "quiz_links")


class QuizTabs:
    """The three quiz tabs of one trainer console (see the module docstring)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        wide = {"description_width": "initial"}
        self.test = W.Dropdown(options=[], style=wide, layout=W.Layout(width="auto"))
        self.release_pre = W.Button(button_style="warning")
        self.release_post = W.Button(button_style="warning")
        self.release_state = W.HTML()
        self.prepost_view = W.HTML()
        self.written_view = W.HTML()
        self.export_btn = W.Button(button_style="info")
        self.export_view = W.HTML()
        self.quiz = W.Dropdown(options=[], style=wide,
                               layout=W.Layout(width="auto", max_width="100%"))
        self.links_btn = W.Button(button_style="info")
        self.links_view = W.HTML()
        row = W.Layout(flex_flow="row wrap", align_items="center")
        self.tabs = [
            W.VBox([W.HBox([self.test, self.release_pre, self.release_post], layout=row),
                    self.release_state, self.prepost_view]),
            W.VBox([self.export_btn, self.export_view, self.written_view]),
            W.VBox([W.HBox([self.quiz, self.links_btn], layout=row), self.links_view]),
        ]
        self.first = len(app.tabs.children)
        app.tabs.children = [*app.tabs.children, *self.tabs]
        self.test.observe(self._on_change, "value")
        self.release_pre.on_click(lambda _b: self._on_release("pre"))
        self.release_post.on_click(lambda _b: self._on_release("post"))
        self.export_btn.on_click(self._on_export)
        self.links_btn.on_click(self._on_links)
        app.cohort.observe(self._on_change, "value")
        app.lang_toggle.observe(self._on_lang, "value")
        app.refresh_btn.on_click(self._on_change)
        self.relabel()
        self.render()

    # -- what guarded() needs of an app -----------------------------------------------------

    @property
    def lang(self) -> str:
        return self.app.lang

    def tr(self, key: str, **params: Any) -> str:
        return self.app.tr(key, **params)

    def show_error(self, text: str) -> None:
        self.app.show_error(text)

    # -- labels ---------------------------------------------------------------------------

    def relabel(self) -> None:
        from pbkit.apps.quiz_app import quiz_choices
        from pbkit.quiz.prepost import load_course_tests

        for i, key in enumerate(TAB_KEYS):
            self.app.tabs.set_title(self.first + i, self.tr(f"apps.trainer.tab.{key}"))
        self.test.description = self.tr("apps.trainer.tq.test")
        self.app.set_choices(self.test, [(t.title.get(self.app.lang), t.id)
                                         for t in load_course_tests()], self.test.value)
        for button, phase in ((self.release_pre, "pre"), (self.release_post, "post")):
            button.description = (self.tr("apps.trainer.tq.release") + " · "
                                  + self.tr(f"quiz.phase.{phase}"))
        self.export_btn.description = self.tr("apps.trainer.tq.export")
        self.quiz.description = self.tr("apps.trainer.tq.link_for")
        self.app.set_choices(self.quiz, quiz_choices(self.app.lang), self.quiz.value)
        self.links_btn.description = self.tr("apps.trainer.tq.make_link")

    # -- rendering ------------------------------------------------------------------------

    def _cohort(self) -> str | None:
        return self.app.cohort.value or None

    def render(self) -> None:
        cohort = self._cohort()
        if cohort is None:
            empty = f"<p>{esc(self.tr('apps.trainer.no_cohort_yet'))}</p>"
            self.prepost_view.value = self.written_view.value = empty
            self.release_state.value = self.export_view.value = self.links_view.value = ""
            return
        self.render_prepost(cohort)
        self.render_written(cohort)

    def render_prepost(self, cohort: str) -> None:
        import pandas as pd

        from pbkit.quiz.prepost import OVERALL, get_course_test, prepost_summary

        store = self.app.store
        test = get_course_test(self.test.value)
        states = {p: self.tr("apps.trainer.tq.yes" if store.answers_released(
            cohort, test.quiz_id(p)) else "apps.trainer.tq.no") for p in ("pre", "post")}
        self.release_state.value = "<p>" + esc(self.tr("apps.trainer.tq.release_state",
                                                       **states)) + "</p>"
        summary = prepost_summary(store.quiz_answers(cohort), test)
        if int(summary["n_pre"].max()) == 0 and int(summary["n_post"].max()) == 0:
            self.prepost_view.value = f"<p>{esc(self.tr('apps.trainer.tq.none'))}</p>"
            return
        prompts = {q.id: q.prompt.get(self.app.lang) for q in test.questions}
        prompts[OVERALL] = self.tr("apps.trainer.tq.overall")
        def pct(v: float) -> str:
            return "—" if pd.isna(v) else f"{v:.0f}%"

        show = pd.DataFrame({
            "question": summary["question_id"].map(prompts),
            "n_pre": summary["n_pre"], "pre_pct": summary["pre_pct"].map(pct),
            "n_post": summary["n_post"], "post_pct": summary["post_pct"].map(pct),
            "n_paired": summary["n_paired"],
            "gain": summary["gain"].map(lambda v: "—" if pd.isna(v) else f"{v:+.0f}")})
        show = show.rename(columns={c: self.tr(f"apps.trainer.tq.col.{c}") for c in show})
        self.prepost_view.value = (f"<p>{esc(self.tr('apps.trainer.tq.guide'))}</p>"
                                   + html_table(show, lang=self.app.lang, cards=True))

    def render_written(self, cohort: str) -> None:
        import pandas as pd

        from pbkit.data.labels import local_time

        frame = self.app.store.written_answers(cohort)
        if frame.empty:
            self.written_view.value = f"<p>{esc(self.tr('apps.trainer.tq.written_none'))}</p>"
            return
        show = pd.DataFrame({
            "trainee_id": frame["trainee_id"], "lesson": frame["lesson_id"].map(self._lesson),
            "item": frame["item_id"].map(self._item), "text": frame["text"],
            "submitted_at": frame["submitted_at"].map(local_time),
            "versions": frame["versions"]})
        show = show.rename(columns={c: self.tr(f"apps.trainer.tq.col.{c}") for c in show})
        self.written_view.value = (f"<p>{esc(self.tr('apps.trainer.tq.written_guide'))}</p>"
                                   + html_table(show, lang=self.app.lang, cards=True,
                                                max_rows=1000))

    def _lesson(self, lesson_id: str) -> str:
        from pbkit.lessons.loader import get_lesson

        try:
            lesson = get_lesson(lesson_id)
        except Exception:  # an answer to a lesson no longer shipped keeps its code
            return lesson_id
        return self.tr("apps.quiz.lesson_option", number=lesson.number,
                       title=lesson.title.get(self.app.lang))

    def _item(self, item_id: str) -> str:
        from pbkit.i18n import has_key

        key = f"apps.trainer.tq.item.{item_id}"
        return self.tr(key) if has_key(key) else item_id

    # -- actions --------------------------------------------------------------------------

    def _on_change(self, *_args: Any) -> None:
        self._guarded_render()

    def _on_lang(self, _change: dict) -> None:
        self.relabel()
        self._guarded_render()

    @guarded
    def _guarded_render(self) -> None:
        self.render()

    def _on_release(self, phase: str) -> None:
        self._release(phase)

    @guarded
    def _release(self, phase: str) -> None:
        from pbkit.errors import PbkitError
        from pbkit.quiz.prepost import get_course_test

        cohort = self._cohort()
        if cohort is None:
            raise PbkitError("apps.trainer.err.no_cohort")
        test = get_course_test(self.test.value)
        self.app.store.release_answers(cohort, test.quiz_id(phase))
        self.render()
        self.app.show_ok(self.tr("apps.trainer.tq.released", what=(
            test.title.get(self.app.lang) + " · " + self.tr(f"quiz.phase.{phase}"))))

    @guarded
    def _on_export(self, _button: Any = None) -> None:
        self.export_view.value = self.make_export()

    def make_export(self) -> str:
        """The cohort's written answers as .xlsx, returned as a download link."""
        from pbkit.errors import PbkitError
        from pbkit.store.written import export_written_answers

        cohort = self._cohort()
        if cohort is None:
            raise PbkitError("apps.trainer.err.no_cohort")
        folder = Path(tempfile.mkdtemp(prefix="pbkit-written-"))
        try:
            path = export_written_answers(self.app.store, cohort, folder / "written.xlsx",
                                          lang=self.app.lang)
            data = Path(path).read_bytes()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        name = self.tr("apps.trainer.tq.written_file", cohort=cohort,
                       date=dt.date.today().isoformat())
        return download_link(data, name, self.tr("apps.trainer.tq.download", file=name))

    @guarded
    def _on_links(self, _button: Any = None) -> None:
        self.links_view.value = self.render_links()

    def render_links(self) -> str:
        """A class link (with the console's cap) and each trainee's personal link, all
        opening the quiz app on the chosen quiz."""
        from urllib.parse import urlencode

        import pandas as pd

        from pbkit.errors import PbkitError
        from pbkit.serving import links

        cohort = self._cohort()
        if cohort is None:
            raise PbkitError("apps.trainer.err.no_cohort")
        key = links.read_key()
        if key is None:
            raise PbkitError("apps.trainer.links.no_key", path=str(links.key_path()))
        base = self.app.apps_url.value.strip() or "http://127.0.0.1:8866/"
        base = base if base.endswith("/") else base + "/"

        def url(**fields: Any) -> str:
            params = links.signed_params(key, cohort_id=cohort, **fields)
            return f"{base}voila/render/quiz.ipynb?" + urlencode({**params,
                                                                  "quiz": self.quiz.value})

        roster = self.app.store.roster(cohort)["trainee_id"].astype(str).tolist()
        personal = pd.DataFrame({
            self.tr("apps.trainer.links.col.trainee_id"): roster,
            self.tr("apps.trainer.links.col.link"): [url(trainee_id=t) for t in roster]})
        return (f"<h4>{esc(self.tr('apps.trainer.tq.link_title'))}</h4>"
                f"<p><code>{esc(url(cap=self.app.cap.value))}</code></p>"
                f"<h4>{esc(self.tr('apps.trainer.links.personal_title'))}</h4>"
                + html_table(personal, lang=self.app.lang, max_rows=500))


def add_quiz_tabs(app: Any) -> QuizTabs:
    """Append the quiz tabs to trainer console ``app`` and return them."""
    return QuizTabs(app)
