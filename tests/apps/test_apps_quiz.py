"""The served quiz app and the trainer's quiz tabs without a browser (issue 17): quizzes
through class links, first attempts recorded under the class, no answer shown before it is
recorded, pre/post tests held until released, written answers stored and shown."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

import pytest

from pbkit.apps.quiz_app import QuizApp
from pbkit.apps.trainer_app import TrainerApp
from pbkit.i18n import t
from pbkit.quiz.check import check_answer
from pbkit.quiz.prepost import get_course_test
from pbkit.store import ResultsStore


def click(button):
    button.click()


@pytest.fixture
def store():
    s = ResultsStore("sqlite://")
    s.ensure_cohort("C1", "2026 秋季班")
    s.ensure_trainee("T0001", "C1")
    return s


@pytest.fixture
def link_key(tmp_path, monkeypatch):
    from pbkit.serving import links

    monkeypatch.setenv(links.KEY_ENV, str(links.ensure_key(tmp_path / "class-link.key")))
    for name in ("QUERY_STRING", "PBKIT_TRAINEE", "PBKIT_COHORT", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    return links.read_key()


def _open(monkeypatch, link_key, store, quiz, **fields):
    from pbkit.serving.links import signed_params

    params = {**signed_params(link_key, cohort_id="C1", **fields), "quiz": quiz}
    monkeypatch.setenv("QUERY_STRING", urlencode(params))
    return QuizApp(lang="zh", store=store)


def _wrong(q):
    if q.kind == "single":
        return next(c.id for c in q.choices if c.id not in q.answer)
    if q.kind == "multiple":
        return [c.id for c in q.choices if c.id not in q.answer][:1]
    return list(reversed(q.answer))


def _right(q):
    return q.answer[0] if q.kind == "single" else list(q.answer)


def test_personal_link_records_first_attempts_under_the_class(store, monkeypatch, link_key):
    app = _open(monkeypatch, link_key, store, "four-two", trainee_id="T0001")
    assert app.quiz_id == "four-two" and app.picker.value == "four-two" and not app.practice
    view = app.view.questions[0]
    solution = check_answer(view.question, _right(view.question), lang="zh").solution
    # nothing of the answer is in the browser before answering
    assert solution not in app.browser_state()
    view.set_answer(_wrong(view.question))
    click(view.check_button)
    rows = store.quiz_answers("C1")
    assert rows[["trainee_id", "lesson_id", "correct"]].values.tolist() == [
        ["T0001", "four-two", False]]
    assert escape(solution) in view.feedback.value  # recorded, so now it may be shown
    # a reload (new page) knows the first attempt is recorded
    again = _open(monkeypatch, link_key, store, "four-two", trainee_id="T0001")
    assert again.view.questions[0].recorded and not again.view.questions[1].recorded
    stats = store.question_stats("C1")
    assert stats[["lesson_id", "answered", "correct"]].values.tolist()[0] == ["four-two", 1, 0]


def test_unsigned_link_is_practice_and_reveals_nothing(store, monkeypatch, link_key):
    monkeypatch.setenv("QUERY_STRING", "cohort=C1&trainee=T0001&quiz=four-two")
    app = QuizApp(lang="en", store=store)
    assert app.practice and app.trainee_row.layout.display == "none"
    view = app.view.questions[0]
    view.set_answer(_wrong(view.question))
    click(view.check_button)
    assert store.quiz_answers().empty
    assert "Think again" in view.feedback.value
    assert escape(view.result.solution) not in view.feedback.value
    assert app.written_btn.disabled


def test_class_link_asks_for_the_code_then_becomes_a_personal_link(store, monkeypatch,
                                                                   link_key):
    from pbkit.serving import links

    app = _open(monkeypatch, link_key, store, "why-branches", cap=5)
    assert app.waiting_for_code and app.quiz_box.children == ()
    app.trainee.value = "T0001"  # registered already: not through a class link
    click(app.start)
    assert app.message_text == t("apps.roleplay.err.code_taken", "zh", trainee_id="T0001")
    app.trainee.value = "N0007"
    click(app.start)
    assert app.identity == "N0007" and app.trainee.disabled and app.quiz_box.children
    assert "N0007" in store.roster("C1")["trainee_id"].tolist()
    params = app._link_params
    assert links.verify({"cohort": "C1", "trainee": params["trainee"], "sig": params["sig"]},
                        link_key).trainee_id == "N0007" and params["cap"] == ""
    view = app.view.questions[1]
    view.set_answer(_right(view.question))
    click(view.check_button)
    assert store.quiz_answers("C1")["trainee_id"].tolist() == ["N0007"]


def test_pre_test_is_held_until_the_trainer_releases_it(store, monkeypatch, link_key):
    test = get_course_test("one-day")
    app = _open(monkeypatch, link_key, store, test.quiz_id("pre"), trainee_id="T0001")
    assert app.written_box.layout.display == "none" and len(app.view.questions) == 10
    first = app.view.questions[0]
    first.set_answer(_wrong(first.question))
    click(first.check_button)
    assert first.disclosure.state == "held"
    assert escape(first.result.solution) not in first.feedback.value
    assert "不对" not in first.feedback.value and "已收到作答" in first.feedback.value
    trainer = TrainerApp(lang="zh", store=store)
    trainer._load_cohorts("C1")
    tabs = trainer.quiz_tabs
    assert "前测人数" in tabs.prepost_view.value and "未公布" in tabs.release_state.value
    click(tabs.release_pre)
    assert store.answers_released("C1", test.quiz_id("pre"))
    assert not store.answers_released("C1", test.quiz_id("post"))
    first.set_answer(_wrong(first.question))
    click(first.check_button)
    assert first.disclosure.state == "revealed"
    assert escape(first.result.solution) in first.feedback.value


def test_written_answer_goes_to_the_store_and_the_trainer_sees_it(store, monkeypatch,
                                                                  link_key):
    app = _open(monkeypatch, link_key, store, "why-branches", trainee_id="T0001")
    assert app.written_box.layout.display == "flex" and "写一句话" in app.written_task.value
    click(app.written_btn)  # empty: refused, nothing stored
    assert "空" in app.message_text and store.written_answers("C1").empty
    app.written.value = "<b>年轻人外出</b>为主。"
    click(app.written_btn)
    assert "已提交" in app.written_status.value
    again = _open(monkeypatch, link_key, store, "why-branches", trainee_id="T0001")
    assert again.written.value == "<b>年轻人外出</b>为主。"  # brought back for editing
    trainer = TrainerApp(lang="zh", store=store)
    trainer._load_cohorts("C1")
    shown = trainer.quiz_tabs.written_view.value
    assert "&lt;b&gt;年轻人外出&lt;/b&gt;为主。" in shown and "<b>年轻人" not in shown
    assert "数据练习" in shown
    link = trainer.quiz_tabs.make_export()
    assert "download=" in link and ".xlsx" in link


def test_trainer_quiz_links_open_the_quiz_app(store, link_key):
    trainer = TrainerApp(lang="en", store=store)
    trainer._load_cohorts("C1")
    tabs = trainer.quiz_tabs
    tabs.quiz.value = "test:one-day:post"
    html = tabs.render_links()
    assert html.count("voila/render/quiz.ipynb?") == 2  # class link and T0001's
    assert "quiz=test%3Aone-day%3Apost" in html and "cap=60" in html
    trainer.set_lang("zh")
    assert trainer.tabs.get_title(len(trainer.tabs.children) - 1) == "测验链接"
