"""Quiz questions: parsing with precise errors, and checking answers of every kind."""

from __future__ import annotations

import pytest

from pbkit.errors import ConfigError, UsageError
from pbkit.quiz.check import check_answer, grade
from pbkit.quiz.models import question_from_dict
from pbkit.yamlconf import YamlDoc


def _q(**overrides):
    data = {
        "id": "q", "kind": "single",
        "prompt": {"zh": "问题", "en": "Question"},
        "choices": [{"id": "a", "zh": "甲", "en": "A"}, {"id": "b", "zh": "乙", "en": "B"},
                    {"id": "c", "zh": "丙", "en": "C"}],
        "answer": "a",
        "explanation": {"zh": "解析", "en": "Because."},
    }
    data.update(overrides)
    return question_from_dict(data)


ORDER = dict(kind="ordering", answer=["a", "b", "c", "d"],
             choices=[{"id": "c", "zh": "三", "en": "three"}, {"id": "a", "zh": "一", "en": "one"},
                      {"id": "d", "zh": "四", "en": "four"}, {"id": "b", "zh": "二", "en": "two"}])


# ------------------------------------------------------------------ parsing
def test_errors_name_the_field_and_line():
    text = ("quiz:\n  - id: q\n    kind: single\n    prompt: {zh: 问, en: Q}\n"
            "    choices:\n      - {id: a, zh: 甲, en: A}\n      - {id: b, zh: 乙, en: B}\n"
            "    answer: c\n    explanation: {zh: 解, en: why}\n")
    doc = YamlDoc.from_text(text, "quiz.yaml")
    with pytest.raises(ConfigError) as info:
        question_from_dict(doc.data["quiz"][0], ("quiz", 0), doc)
    assert info.value.render("en") == ("quiz.yaml, line 8, field quiz[1].answer: "
                                       "answer c is not one of the choices")
    assert info.value.render("zh").startswith("quiz.yaml 第 8 行，字段 quiz[1].answer：")


@pytest.mark.parametrize("overrides, fragment", [
    ({"kind": "essay"}, "invalid question kind essay"),
    ({"answer": ["a", "b"]}, "a single-choice question has exactly one answer"),
    ({"explanation": {"zh": "解析"}}, "field explanation.en: the en text is missing"),
    ({"choices": [{"id": "a", "zh": "甲", "en": "A"}]}, "needs at least two choices"),
    ({"kind": "ordering", "answer": ["a", "b"]}, "must list every choice"),
    ({"kind": "ordering", "answer": ["a", "b", "c"]}, "must not already be in the correct order"),
    ({"kind": "short", "answer": None}, "does not apply to a short question"),
    ({"points": -1}, "invalid value -1"),
    ({"hint": {"zh": "提示", "en": "hint"}}, "unknown field hint"),
])
def test_bad_questions_are_refused(overrides, fragment):
    with pytest.raises(ConfigError) as info:
        _q(**overrides)
    assert fragment in info.value.render("en")


def test_short_question_needs_a_scenario():
    data = {"id": "s", "kind": "short", "prompt": {"zh": "写", "en": "Write"},
            "explanation": {"zh": "解", "en": "Why"}}
    with pytest.raises(ConfigError) as info:
        question_from_dict(data)
    assert "required field scenario is missing" in info.value.render("en")


# ------------------------------------------------------------------ checking
def test_single_choice_right_and_wrong_in_both_languages():
    q = _q()
    right = check_answer(q, "a", lang="en")
    assert (right.correct, right.score, right.feedback) == (True, 1.0, "Correct!")
    assert right.explanation == "Because."
    wrong = check_answer(q, "b", lang="zh")
    assert (wrong.correct, wrong.score) == (False, 0.0)
    # the feedback line never names the right answer (issue 17: it showed "正确答案：甲"
    # before the attempt was recorded); the answer is kept apart for after recording
    assert wrong.feedback == "不对。" and wrong.explanation == "解析"
    assert wrong.solution == "正确答案：甲。" and "甲" not in wrong.feedback


def test_multiple_choice_partial_credit():
    q = _q(kind="multiple", answer=["a", "b"])
    assert check_answer(q, ["b", "a"]).correct
    half = check_answer(q, ["a"], lang="en")
    assert (half.correct, half.score) == (False, 0.5)
    # counts, not the missed or extra choices by name (that gave the answer away)
    assert "1 right choice(s) ticked, 0 wrong one(s) ticked, 1 missed" in half.feedback
    assert "B" not in half.feedback and half.solution == "The right answer: A, B."
    mixed = check_answer(q, ["a", "c"], lang="en")
    assert mixed.score == 0.0 and "1 wrong one(s) ticked" in mixed.feedback
    assert "C" not in mixed.feedback


def test_ordering_scores_pairs_in_the_right_order():
    q = _q(**ORDER)
    assert check_answer(q, ["a", "b", "c", "d"]).correct
    swapped = check_answer(q, ["a", "b", "d", "c"], lang="en")
    assert not swapped.correct and swapped.score == pytest.approx(5 / 6)
    assert "2 of 4 steps in place" in swapped.feedback
    assert "→" not in swapped.feedback and swapped.solution.startswith("The right order:")
    assert check_answer(q, ["d", "c", "b", "a"]).score == 0.0


def test_unanswered_scores_zero():
    for q, empty in ((_q(), None), (_q(kind="multiple", answer=["a"]), []), (_q(**ORDER), None)):
        r = check_answer(q, empty, lang="en")
        assert (r.correct, r.score, r.feedback) == (False, 0.0, "Not answered yet.")


@pytest.mark.parametrize("question, answer, fragment", [
    (_q(), "z", "there is no choice z"),
    (_q(), ["a", "b"], "pick exactly one choice"),
    (_q(kind="multiple", answer=["a"]), ["a", "a"], "a choice is given more than once"),
    (_q(**ORDER), ["a", "b"], "put all 4 items in order"),
    (_q(), 3, "wrong type of answer"),
])
def test_malformed_answers_raise_a_usage_error(question, answer, fragment):
    with pytest.raises(UsageError) as info:
        check_answer(question, answer, lang="en")
    assert fragment in info.value.render("en")


SHORT = {"id": "s", "kind": "short", "scenario": "dibao-complaint",
         "criteria": ["procedure", "transparency"], "pass_score": 50,
         "prompt": {"zh": "写", "en": "Write"}, "explanation": {"zh": "解析", "en": "Why."}}

GOOD_EN = ("Please sit down, I understand how hard this is for you. The allowance goes through "
           "your application, a household investigation, democratic appraisal by villager "
           "representatives, public notice and township approval. If you disagree you can ask "
           "the township for a review. I will show you the appraisal record and the public "
           "list, and we will re-check the relative's case with that cadre recused.")
GOOD_ZH = ("您先坐下慢慢说。低保要经过本人申请、入户调查、村民代表民主评议、张榜公示、乡镇审核审批。"
           "您如果有异议，可以向乡镇申请复核。我把评议记录和公示名单拿给您看，"
           "那位干部亲属的情况，我们请相关干部回避后重新核查。")


@pytest.mark.parametrize("text, lang", [(GOOD_EN, "en"), (GOOD_ZH, "zh")])
def test_short_answer_is_scored_by_the_roleplay_scorer(text, lang):
    from pbkit.roleplay import score

    q = question_from_dict(SHORT)
    r = check_answer(q, text, lang=lang)
    machine = score("dibao-complaint", text, lang=lang)
    levels = {c.id: c.level for c in machine.criteria}
    expected = 100 * (levels["procedure"] + levels["transparency"]) / 6
    assert r.score == pytest.approx(expected / 100)
    assert [c.id for c in r.criteria] == ["procedure", "transparency"]
    assert r.correct == (expected >= 50)
    assert r.correct, r.feedback
    assert r.explanation == ("Why." if lang == "en" else "解析")


def test_short_answer_that_refuses_everything_fails():
    q = question_from_dict(SHORT)
    r = check_answer(q, "I won't show you the records, there is no need for a review.",
                     lang="en")
    assert not r.correct and r.score < 0.5
    assert "pass mark 50" in r.feedback


def test_short_answer_with_an_unknown_criterion_is_refused():
    q = question_from_dict({**SHORT, "criteria": ["charm"]})
    with pytest.raises(UsageError) as info:
        check_answer(q, GOOD_EN, lang="en")
    assert "has no criterion charm" in info.value.render("en")


def test_grade_totals_a_quiz():
    q1, q2 = _q(), _q(id="m", kind="multiple", answer=["a", "b"], points=2)
    table = grade([q1, q2], {"q": "a", "m": ["a"]}, lang="en")
    assert table["earned"].tolist() == [1.0, 1.0]
    assert table["correct"].tolist() == [True, False]
    assert grade([q1], {}, lang="en")["earned"].tolist() == [0.0]
