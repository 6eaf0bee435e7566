"""Course pre/post tests (issue 17): the YAML, and the class's gain from a recorded class."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pbkit.errors import ConfigError
from pbkit.lessons.loader import load_lessons
from pbkit.lessons.plans import load_plans
from pbkit.quiz.check import check_answer
from pbkit.quiz.prepost import (
    OVERALL,
    SUMMARY_COLUMNS,
    TEST_SIZE,
    get_course_test,
    load_course_tests,
    phase_quiz_id,
    prepost_summary,
)
from pbkit.quiz.saving import save_answer


def test_every_plan_has_a_ten_item_test_with_sources_and_taught_lessons():
    tests = load_course_tests()
    plans = {p.id: p for p in load_plans()}
    lessons = {lesson.id for lesson in load_lessons()}
    assert {t.plan for t in tests} == set(plans)
    for test in tests:
        assert len(test.questions) == TEST_SIZE
        taught = {s.lesson for d in plans[test.plan].days for s in d.slots if s.lesson}
        for q in test.questions:
            assert q.basis is not None and q.basis.zh.startswith("依据")
            assert q.basis.en.startswith("Basis") and q.basis.zh in q.explanation.zh
            assert test.lessons[q.id] in lessons
            assert test.lessons[q.id] in taught, (test.id, q.id)  # asked only what is taught
            assert q.kind in ("single", "multiple", "ordering")


def _test_file(tmp_path, body: str):
    path = tmp_path / "course-tests.yaml"
    path.write_text(body, encoding="utf-8")
    return path


Q = """      - id: q{n}
        lesson: four-two
        kind: single
        prompt: {{zh: 问, en: Q}}
        choices: [{{id: a, zh: 甲, en: A}}, {{id: b, zh: 乙, en: B}}]
        answer: a
        explanation: {{zh: 因为, en: Because}}
{basis}"""
BASIS = "        basis: {instrument: party-constitution, article: 9, status: national}\n"


def test_a_question_without_a_basis_is_refused_with_its_line(tmp_path):
    head = "tests:\n  - id: x\n    plan: one-day\n    title: {zh: 测, en: T}\n    questions:\n"
    body = head + "".join(Q.format(n=i, basis=BASIS if i else "") for i in range(10))
    with pytest.raises(ConfigError) as info:
        load_course_tests(_test_file(tmp_path, body))
    text = info.value.render("en")
    assert "course-tests.yaml, line 6" in text and "questions[1].basis" in text


def test_a_test_must_have_ten_questions(tmp_path):
    head = "tests:\n  - id: x\n    plan: one-day\n    title: {zh: 测, en: T}\n    questions:\n"
    body = head + "".join(Q.format(n=i, basis=BASIS) for i in range(9))
    with pytest.raises(ConfigError) as info:
        load_course_tests(_test_file(tmp_path, body))
    assert "a pre/post test has 10 questions, this one has 9" in info.value.render("en")


def _right(q):
    return q.answer[0] if q.kind == "single" else list(q.answer)


def _wrong(q):
    if q.kind == "single":
        return next(c.id for c in q.choices if c.id not in q.answer)
    if q.kind == "multiple":
        return [c.id for c in q.choices if c.id not in q.answer][:1]
    return list(reversed(q.answer))


def test_summary_of_a_recorded_class(tmp_path):
    """Four trainees: T1 and T2 take both tests, T3 only the pre-test, T4 only the post-test.
    Expected figures worked out by hand below."""
    from pbkit.store import ResultsStore

    test = get_course_test("one-day")
    store = ResultsStore("sqlite:///" + str(tmp_path / "r.db"))
    store.ensure_cohort("C1", "一日班")
    q = test.questions
    # right answers per trainee and phase (question indices)
    plan = {("T1", "pre"): {0, 1}, ("T2", "pre"): {0},
            ("T3", "pre"): set(range(10)),
            ("T1", "post"): {0, 1, 2, 3}, ("T2", "post"): {1},
            ("T4", "post"): {0}}
    for (trainee, phase), right in plan.items():
        store.ensure_trainee(trainee, "C1")
        for i, question in enumerate(q):
            answer = _right(question) if i in right else _wrong(question)
            save_answer(check_answer(question, answer), trainee_id=trainee,
                        lesson_id=test.quiz_id(phase), store=store)
    # T2 tries question 0 of the post-test again and gets it right: practice, not counted
    save_answer(check_answer(q[0], _right(q[0])), trainee_id="T2",
                lesson_id=test.quiz_id("post"), store=store)
    # a lesson quiz answer of the same question id is not part of the test
    save_answer(check_answer(q[0], _right(q[0])), trainee_id="T2", lesson_id="four-two",
                store=store)
    out = prepost_summary(store.quiz_answers("C1"), test)
    store.close()
    assert tuple(out.columns) == SUMMARY_COLUMNS and len(out) == TEST_SIZE + 1
    by = out.set_index("question_id")
    # question 0: pre T1 ok, T2 ok, T3 ok (3/3); post T1 ok, T2 wrong, T4 ok (2/3)
    row = by.loc[q[0].id]
    assert (row.n_pre, row.n_post, row.n_paired) == (3, 3, 2)
    assert row.pre_pct == pytest.approx(100.0) and row.post_pct == pytest.approx(200 / 3)
    assert row.gain == pytest.approx(-50.0)  # paired T1 1->1, T2 1->0
    # question 1: pre T1 ok, T2 wrong, T3 ok; post T1 ok, T2 ok, T4 wrong; paired gain +50
    assert by.loc[q[1].id].gain == pytest.approx(50.0)
    # overall: pre T1 20 %, T2 10 %, T3 100 % -> 43.3; post T1 40, T2 10, T4 10 -> 20
    total = by.loc[OVERALL]
    assert total.pre_pct == pytest.approx(130 / 3) and total.post_pct == pytest.approx(20.0)
    assert total.n_paired == 2 and total.gain == pytest.approx(((40 - 20) + (10 - 10)) / 2)


def test_summary_without_pairs_or_answers():
    empty = pd.DataFrame(columns=["trainee_id", "lesson_id", "question_id", "correct"])
    out = prepost_summary(empty, "one-day", ["a", "b"])
    assert out["question_id"].tolist() == ["a", "b", OVERALL]
    assert (out["n_pre"] == 0).all() and out["gain"].isna().all()
    only_pre = pd.DataFrame([("T1", phase_quiz_id("x", "pre"), "a", True)],
                            columns=["trainee_id", "lesson_id", "question_id", "correct"])
    row = prepost_summary(only_pre, "x", ["a"]).iloc[0]
    assert row.pre_pct == 100.0 and math.isnan(row.post_pct) and math.isnan(row.gain)


def test_unanswered_questions_count_as_wrong_in_the_overall_score():
    rows = [("T1", phase_quiz_id("x", "pre"), "a", True),
            ("T1", phase_quiz_id("x", "post"), "a", True),
            ("T1", phase_quiz_id("x", "post"), "b", True)]
    frame = pd.DataFrame(rows, columns=["trainee_id", "lesson_id", "question_id", "correct"])
    total = prepost_summary(frame, "x", ["a", "b"]).set_index("question_id").loc[OVERALL]
    assert (total.pre_pct, total.post_pct, total.gain) == (50.0, 100.0, 50.0)


def test_the_file_reads_the_same_with_and_without_libyaml():
    """The loader uses libyaml when present; a plain '?' in a flow mapping parses there but
    not in PyYAML's pure-Python loader (seen while writing the file), so both must agree."""
    import yaml

    from pbkit.quiz.prepost import tests_path

    text = tests_path().read_text(encoding="utf-8")
    pure = yaml.load(text, Loader=yaml.SafeLoader)
    assert pure == yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
