"""Saving quiz answers to the results store when a trainee id is set."""

from __future__ import annotations

import pytest

from pbkit.errors import StoreError
from pbkit.quiz.check import check_answer
from pbkit.quiz.models import question_from_dict
from pbkit.quiz.saving import save_answer, stored_answer

ORDER = question_from_dict({
    "id": "steps", "kind": "ordering", "prompt": {"zh": "排序", "en": "Order"},
    "choices": [{"id": "b", "zh": "二", "en": "two"}, {"id": "a", "zh": "一", "en": "one"}],
    "answer": ["a", "b"], "explanation": {"zh": "先一后二", "en": "One then two"}})


@pytest.fixture()
def store(tmp_path):
    from pbkit.store import ResultsStore

    s = ResultsStore("sqlite:///" + str(tmp_path / "results.db"))
    s.ensure_cohort("c1", "Class 1")
    s.ensure_trainee("T001", "c1")
    yield s
    s.close()


def test_answer_is_stored_with_correctness(store):
    result = check_answer(ORDER, ["b", "a"])
    answer_id = save_answer(result, trainee_id="T001", lesson_id="four-two", store=store)
    rows = store.quiz_answers()
    assert len(rows) == 1 and int(rows["answer_id"].iloc[0]) == answer_id
    row = rows.iloc[0]
    assert (row["trainee_id"], row["lesson_id"], row["question_id"]) == ("T001", "four-two",
                                                                        "steps")
    assert not bool(row["correct"])
    assert stored_answer(result) == ["b", "a"]


def test_retried_submission_is_stored_once(store):
    result = check_answer(ORDER, ["a", "b"])
    first = save_answer(result, trainee_id="T001", lesson_id="l", store=store,
                        submission_id="sub-1")
    again = save_answer(result, trainee_id="T001", lesson_id="l", store=store,
                        submission_id="sub-1")
    assert first == again and len(store.quiz_answers()) == 1


def test_unknown_trainee_is_refused(store):
    with pytest.raises(StoreError):
        save_answer(check_answer(ORDER, ["a", "b"]), trainee_id="T999", lesson_id="l",
                    store=store)
    assert len(store.quiz_answers()) == 0


def test_default_store_lives_in_the_data_directory(tmp_path, monkeypatch):
    from pbkit.store import ResultsStore

    monkeypatch.setenv("PBKIT_DATA_DIR", str(tmp_path))
    setup = ResultsStore()
    setup.ensure_cohort("c1", "Class 1")
    setup.ensure_trainee("T002", "c1")
    setup.close()
    save_answer(check_answer(ORDER, ["a", "b"]), trainee_id="T002", lesson_id="l")
    check = ResultsStore()
    try:
        assert check.quiz_answers()["trainee_id"].tolist() == ["T002"]
    finally:
        check.close()


def test_cohort_registers_the_trainee_before_saving(store):
    save_answer(check_answer(ORDER, ["a", "b"]), trainee_id="T003", lesson_id="l",
                store=store, cohort_id="c1")
    assert store.quiz_answers()["trainee_id"].tolist() == ["T003"]


def test_trainee_and_cohort_come_from_the_environment(monkeypatch):
    from pbkit.lessons.runtime import open_lesson

    monkeypatch.setenv("PBKIT_TRAINEE", "T777")
    monkeypatch.setenv("PBKIT_COHORT", "c9")
    ctx = open_lesson("four-two", lang="en", load_data=False)
    assert (ctx.trainee_id, ctx.cohort_id) == ("T777", "c9")
    assert open_lesson("four-two", trainee_id="T1", cohort_id="c2",
                       load_data=False).trainee_id == "T1"
