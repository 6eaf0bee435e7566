"""Quiz widgets without a browser: set answers, press Check, read the feedback."""

from __future__ import annotations

import pytest

from pbkit.apps.quiz_widgets import QuestionView, QuizView, lesson_quiz
from pbkit.lessons.runtime import open_lesson
from pbkit.quiz.models import question_from_dict


def _order():
    return question_from_dict({
        "id": "steps", "kind": "ordering", "prompt": {"zh": "排序", "en": "Order"},
        "choices": [{"id": "c", "zh": "三", "en": "three"}, {"id": "a", "zh": "一", "en": "one"},
                    {"id": "b", "zh": "二", "en": "two"}],
        "answer": ["a", "b", "c"], "explanation": {"zh": "一二三", "en": "One, two, three."}})


def test_ordering_moves_and_checks():
    view = QuestionView(_order(), "en")
    assert view.answer() == ["c", "a", "b"]
    view.input.value = "c"
    view.move(1)
    view.move(1)
    assert view.answer() == ["a", "b", "c"]
    assert view.input.options[0][0] == "1. one"
    view.check_button.click()
    assert view.result.correct
    assert "Correct!" in view.feedback.value and "One, two, three." in view.feedback.value


def test_explanation_is_not_on_the_page_before_answering():
    view = QuestionView(_order(), "en")
    assert "One, two, three." not in view.widget.children[0].value
    assert view.feedback.value == ""


def test_single_choice_unanswered_then_wrong():
    q = open_lesson("three-meetings", lang="zh", load_data=False).lesson.quiz[0]
    view = QuestionView(q, "zh")
    view.check()
    assert "还没有作答" in view.feedback.value
    wrong = next(c.id for c in q.choices if c.id not in q.answer)
    view.set_answer(wrong)
    result = view.check()
    # no trainee, nothing recorded: "not right, try again", never the answer (issue 17;
    # this test used to require "正确答案" here, which was the bug)
    assert not result.correct and "正确答案" not in view.feedback.value
    assert "再想一想" in view.feedback.value
    right_text = q.choice(q.answer[0]).text.get("zh")
    assert right_text not in view.feedback.value


def test_short_answer_text_is_escaped_and_scored():
    q = question_from_dict({
        "id": "s", "kind": "short", "scenario": "neighbor-dispute",
        "criteria": ["facts", "rules", "solution"], "pass_score": 50,
        "prompt": {"zh": "写", "en": "Write"}, "explanation": {"zh": "解析", "en": "Why."}})
    view = QuestionView(q, "en")
    view.set_answer("<script>alert(1)</script> I will visit the site and check the homestead "
                    "certificate, ask witnesses, cite the village rules, and propose reopening "
                    "the ditch with a written mediation agreement.")
    result = view.check()
    assert result is not None and len(result.criteria) == 3
    assert "<script>" not in view.feedback.value


def test_too_long_short_answer_is_refused_before_scoring():
    q = question_from_dict({
        "id": "s", "kind": "short", "scenario": "neighbor-dispute",
        "prompt": {"zh": "写", "en": "Write"}, "explanation": {"zh": "解析", "en": "Why."}})
    view = QuestionView(q, "en")
    view.set_answer("x" * 5000)
    assert view.check() is None and "too long" in view.feedback.value


def test_lesson_quiz_totals_and_saves_for_a_trainee(tmp_path):
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(tmp_path / "r.db"))
    store.ensure_cohort("c1", "Class")
    store.ensure_trainee("T010", "c1")
    ctx = open_lesson("four-two", lang="en", trainee_id="T010", load_data=False)
    view = lesson_quiz(ctx, store=store)
    assert isinstance(view, QuizView) and len(view.questions) == len(ctx.lesson.quiz)
    first = view.questions[0]
    first.set_answer(list(first.question.answer))
    first.check()
    assert "Saved for trainee T010" in first.feedback.value
    assert "Answered 1 of" in view.summary.value
    rows = store.quiz_answers()
    assert rows["question_id"].tolist() == [first.question.id]
    assert rows["lesson_id"].tolist() == ["four-two"]
    store.close()


def test_unregistered_trainee_sees_why_nothing_was_saved(tmp_path):
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(tmp_path / "r.db"))
    ctx = open_lesson("four-two", lang="en", trainee_id="T404", load_data=False)
    view = lesson_quiz(ctx, store=store)
    q = view.questions[1]
    q.set_answer(q.question.answer[0])
    assert q.check().correct
    assert "The answer was not saved" in q.feedback.value
    store.close()


def test_trainee_id_must_be_text():
    from pbkit.errors import UsageError

    with pytest.raises(UsageError):
        open_lesson("four-two", lang="en", trainee_id="  ", load_data=False)
