"""Issue 17: feedback explains why without revealing the answer before the attempt is
recorded; pre/post tests show nothing until the trainer releases the answers."""

from __future__ import annotations

from html import escape

import pytest

from pbkit.apps.quiz_widgets import QuestionView, QuizView
from pbkit.lessons.loader import get_lesson
from pbkit.quiz.check import check_answer
from pbkit.quiz.reveal import disclose


def _wrong(q):
    if q.kind == "single":
        return next(c.id for c in q.choices if c.id not in q.answer)
    if q.kind == "multiple":
        return [c.id for c in q.choices if c.id not in q.answer][:1] or [q.answer[0]]
    return list(reversed(q.answer))


def _choice_lesson_questions():
    lesson = get_lesson("four-two")
    return lesson, [q for q in lesson.quiz if q.kind != "short"]


def _shown_answer_texts(q, lang):
    """Strings that would give the answer away: the solution line, the explanation."""
    r = check_answer(q, q.answer[0] if q.kind == "single" else list(q.answer), lang=lang)
    return [r.solution, q.explanation.get(lang).split("\n\n")[0]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wrong_answer_on_a_practice_page_reveals_nothing(lang):
    _lesson, questions = _choice_lesson_questions()
    for q in questions:
        view = QuestionView(q, lang)  # no trainee: nothing is recorded
        view.set_answer(_wrong(q))
        result = view.check()
        assert not result.correct and view.disclosure.state == "wrong"
        for text in _shown_answer_texts(q, lang):
            assert text and escape(text) not in view.feedback.value, (q.id, text)
        assert ("再想一想" if lang == "zh" else "Think again") in view.feedback.value
        # the rule's source may be shown (it names an instrument, not the answer)
        if q.basis is not None:
            assert escape(q.basis.get(lang)) in view.feedback.value


def test_answer_shown_only_after_the_first_attempt_is_recorded(tmp_path):
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(tmp_path / "r.db"))
    store.ensure_cohort("C1", "班")
    store.ensure_trainee("T0001", "C1")
    _lesson, questions = _choice_lesson_questions()
    q = questions[0]
    view = QuestionView(q, "en", lesson_id="four-two", trainee_id="T0001", store=store)
    view.set_answer(_wrong(q))
    view.check()
    rows = store.quiz_answers("C1")
    assert len(rows) == 1 and not rows["correct"].iloc[0]  # recorded before it is shown
    assert view.disclosure.state == "revealed"
    assert escape(view.result.solution) in view.feedback.value
    assert "first answer is recorded" in view.feedback.value
    view.set_answer(list(q.answer) if q.kind != "single" else q.answer[0])
    view.check()
    assert "Practice answer saved" in view.feedback.value
    summary = store.quiz_summary("C1")
    assert summary[["correct", "practice_correct"]].values.tolist() == [[0, 1]]
    store.close()


def test_a_failed_save_does_not_reveal(tmp_path):
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(tmp_path / "r.db"))  # T0404 not registered
    _lesson, questions = _choice_lesson_questions()
    q = questions[0]
    view = QuestionView(q, "en", lesson_id="four-two", trainee_id="T0404", store=store)
    view.set_answer(_wrong(q))
    view.check()
    assert "not saved" in view.feedback.value and view.disclosure.state == "wrong"
    assert escape(view.result.solution) not in view.feedback.value
    store.close()


def test_pressing_check_without_an_answer_records_nothing(tmp_path):
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(tmp_path / "r.db"))
    store.ensure_cohort("C1", "班")
    store.ensure_trainee("T0001", "C1")
    _lesson, questions = _choice_lesson_questions()
    q = next(q for q in questions if q.kind == "single")
    view = QuestionView(q, "en", lesson_id="four-two", trainee_id="T0001", store=store)
    view.check()
    assert store.quiz_answers("C1").empty and view.disclosure.state == "unanswered"
    store.close()


def test_held_test_shows_neither_right_nor_wrong_until_released():
    _lesson, questions = _choice_lesson_questions()
    released = {"now": False}
    quiz = QuizView(questions[:2], "en", hold=True, released=lambda: released["now"])
    right, wrong = quiz.questions
    right.set_answer(list(right.question.answer) if right.question.kind != "single"
                     else right.question.answer[0])
    right.check()
    wrong.set_answer(_wrong(wrong.question))
    wrong.check()
    for view in (right, wrong):
        assert view.disclosure.state == "held"
        assert "Correct" not in view.feedback.value and "Not right" not in view.feedback.value
        assert escape(view.result.solution) not in view.feedback.value
    assert "Answered 2 of 2." in quiz.summary.value and "earned" not in quiz.summary.value
    released["now"] = True
    wrong.check()
    assert wrong.disclosure.state == "revealed" and escape(wrong.result.solution) in wrong.feedback.value


def test_disclose_rules_in_one_table():
    _lesson, questions = _choice_lesson_questions()
    q = next(q for q in questions if q.kind == "single")
    wrong = check_answer(q, _wrong(q), lang="zh")
    right = check_answer(q, q.answer[0], lang="zh")
    assert disclose(wrong, recorded=False).solution == ""
    assert disclose(wrong, recorded=True).solution == wrong.solution
    assert disclose(wrong, recorded=False, released=True).solution == wrong.solution
    assert disclose(right, recorded=False).state == "correct"
    assert disclose(right, recorded=True, hold=True).state == "held"
