"""The results store API: idempotent submissions, human scores, quizzes, gradebook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text
from store_helpers import make_score

from pbkit.errors import StoreError, UsageError
from pbkit.store.api import AttemptReceipt, ResultsStore


@pytest.fixture
def store(store_url):
    s = ResultsStore(store_url)
    s.ensure_cohort("C1", "2026 秋季一班")
    s.ensure_trainee("T0001", "C1")
    s.ensure_trainee("T0002", "C1")
    yield s
    s.close()


def _count(store, table: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def test_a_retried_submission_is_stored_once_and_gets_the_same_receipt(store, score):
    first = store.submit_attempt("sub-1", "T0001", "s1", ["我先听您说。", "我们一起查账。"],
                                 score)
    assert isinstance(first, AttemptReceipt) and not first.replayed
    assert (first.trainee_id, first.scenario_id, first.total, first.status) == (
        "T0001", "s1", 66.7, "scored")
    again = store.submit_attempt("sub-1", "T0001", "s1", ["我先听您说。", "我们一起查账。"],
                                 score)
    assert again == first and again.replayed
    assert _count(store, "attempts") == 1
    assert _count(store, "turns") == 2
    assert _count(store, "machine_scores") == 3


class _Score:
    """Stands in for a pbkit.roleplay Score: anything with to_dict() is accepted."""

    def __init__(self, payload):
        self.payload = payload

    def to_dict(self):
        return self.payload


def test_a_score_object_with_to_dict_is_the_same_submission_as_its_dict(store, score):
    first = store.submit_attempt("sub-obj", "T0001", "s1", ["答"], _Score(score))
    assert store.submit_attempt("sub-obj", "T0001", "s1", ["答"], score) == first
    assert _count(store, "attempts") == 1


@pytest.mark.parametrize("change", ["text", "score", "trainee", "scenario"])
def test_a_different_payload_under_a_used_submission_id_is_refused(store, score, change):
    store.submit_attempt("sub-1", "T0001", "s1", ["第一次的回答"], score)
    args = {"trainee_id": "T0001", "scenario_id": "s1", "turns": ["第一次的回答"],
            "score": score}
    if change == "text":
        args["turns"] = ["改过的回答"]
    elif change == "score":
        args["score"] = make_score((3, 3, 3))
    elif change == "trainee":
        args["trainee_id"] = "T0002"
    else:
        args["scenario_id"], args["score"] = "s2", make_score(scenario="s2")
    with pytest.raises(StoreError) as info:
        store.submit_attempt("sub-1", **args)
    assert info.value.render("zh") == (
        "提交编号 sub-1 已用于另一份内容不同的提交；每次作答只能提交一次")
    assert info.value.render("en") == (
        "submission id sub-1 was already used for a different submission; each attempt can be "
        "submitted once")
    assert _count(store, "attempts") == 1
    assert store.attempts()["answer"].tolist() == ["第一次的回答"]


def test_attempts_frame_holds_every_attempt_with_its_answer(store, score):
    store.submit_attempt("a", "T0001", "s1", ["一", {"text": "二", "reply": "村民：好"}], score)
    store.submit_attempt("b", "T0002", "s1", ["三"], make_score((0, 0, 0), needs_review=True))
    store.submit_attempt("c", "T0002", "s2", ["四"], None)
    frame = store.attempts("C1")
    cols = ["submission_id", "trainee_id", "scenario_id", "status", "turns", "answer",
            "needs_review"]
    assert frame[cols].values.tolist() == [
        ["a", "T0001", "s1", "scored", 2, "一\n\n二", False],
        ["b", "T0002", "s1", "needs_review", 1, "三", True],
        ["c", "T0002", "s2", "unscored", 1, "四", False],
    ]
    assert frame["total"].iloc[:2].tolist() == [66.7, 0.0] and pd.isna(frame["total"].iloc[2])
    assert str(frame["created_at"].dtype) == "datetime64[ns, UTC]"
    assert store.attempts(trainee_id="T0002", scenario_id="s2")["submission_id"].tolist() == [
        "c"]
    turns = store.turns(int(frame["attempt_id"].iloc[0]))
    assert turns[["turn", "text"]].values.tolist() == [[1, "一"], [2, "二"]]
    assert pd.isna(turns["reply"].iloc[0]) and turns["reply"].iloc[1] == "村民：好"


def test_scores_are_tidy_and_human_scores_complete_a_review(store, score):
    receipt = store.submit_attempt("a", "T0001", "s1", ["一"], score)
    aid = receipt.attempt_id
    machine = store.scores("C1", source="machine")
    assert machine[["criterion_id", "level", "max_level", "rater_id"]].values.tolist() == [
        ["act", 3, 3, "machine"], ["explain", 1, 3, "machine"], ["listen", 2, 3, "machine"]]
    assert machine["evidence"].tolist() == [[[0, 2]]] * 3
    store.add_human_score(aid, "R01", "listen", 3)
    store.add_human_score(aid, "R01", "explain", 1)
    assert store.attempts()["status"].tolist() == ["scored"]  # one criterion still unrated
    store.add_human_score(aid, "R01", "act", 2)
    assert store.attempts()["status"].tolist() == ["reviewed"]
    store.add_human_score(aid, "R01", "act", 1)  # a correction replaces, never duplicates
    store.add_human_score(aid, "R02", "act", 2)
    human = store.scores("C1", source="human")
    assert human[["rater_id", "criterion_id", "level"]].values.tolist() == [
        ["R01", "act", 1], ["R01", "explain", 1], ["R01", "listen", 3], ["R02", "act", 2]]
    assert len(store.scores("C1")) == 7


def test_human_scores_are_checked_against_the_attempt(store, score):
    aid = store.submit_attempt("a", "T0001", "s1", ["一"], score).attempt_id
    with pytest.raises(StoreError) as info:
        store.add_human_score(aid, "R01", "listen", 4)
    assert info.value.render("en") == (
        "criterion listen: level 4 is out of range (a whole number from 0 to 3)")
    with pytest.raises(StoreError) as info:
        store.add_human_score(aid, "R01", "empathy", 1)
    assert info.value.render("en") == (
        f"attempt {aid} has no criterion empathy (it has: act, explain, listen)")
    with pytest.raises(StoreError) as info:
        store.add_human_score(999, "R01", "listen", 1)
    assert info.value.render("zh") == "作答记录 999 不存在"
    with pytest.raises(StoreError) as info:
        store.add_human_score(aid, "13912345678", "listen", 1)
    assert info.value.key == "store.err.id_mobile"
    unscored = store.submit_attempt("u", "T0001", "s1", ["二"], None).attempt_id
    with pytest.raises(StoreError) as info:
        store.add_human_score(unscored, "R01", "listen", 1)
    assert info.value.key == "store.err.max_level_required"
    store.add_human_score(unscored, "R01", "listen", 1, max_level=3)
    assert _count(store, "human_scores") == 1


def test_gradebook_has_one_row_per_trainee_and_scenario(store):
    a1 = store.submit_attempt("a1", "T0001", "s1", ["第一次"], make_score((1, 1, 1)))
    a2 = store.submit_attempt("a2", "T0001", "s1", ["第二次"], make_score((3, 2, 3)))
    a3 = store.submit_attempt("a3", "T0001", "s1", ["第三次"], make_score((2, 2, 2)))
    store.ensure_trainee("T0003", "C1")
    for crit, lvl in (("listen", 3), ("explain", 3), ("act", 2)):
        store.add_human_score(a3.attempt_id, "R01", crit, lvl)
        store.add_human_score(a3.attempt_id, "R02", crit, lvl - 1)
    book = store.gradebook("C1", final="latest")
    assert book["trainee_id"].tolist() == ["T0001", "T0002", "T0003"]
    row = book.iloc[0]
    assert (row["scenario_id"], row["attempts"], row["latest_attempt_id"]) == (
        "s1", 3, a3.attempt_id)
    assert row["latest_total"] == pytest.approx(66.7)
    assert row["best_total"] == pytest.approx(88.9)
    # human total = 100 * sum of per-criterion rater means / sum of max levels
    assert row["human_total"] == pytest.approx(round(100 * (2.5 + 2.5 + 1.5) / 9, 1))
    assert row["final_total"] == row["human_total"]
    assert (row["status"], row["latest_answer"]) == ("reviewed", "第三次")
    assert book.iloc[1]["attempts"] == 0 and pd.isna(book.iloc[1]["scenario_id"])
    assert a1.attempt_id < a2.attempt_id < a3.attempt_id
    # the rule that picks the attempt that counts is stated on every row
    best = store.gradebook("C1").iloc[0]  # default: the best attempt
    assert (best["final_rule"], best["final_attempt_id"]) == ("best", a2.attempt_id)
    assert best["final_total"] == pytest.approx(88.9) and pd.isna(best["human_total"])
    first = store.gradebook("C1", final="first").iloc[0]
    assert (first["final_attempt_id"], first["final_total"]) == (a1.attempt_id,
                                                                 pytest.approx(33.3))
    with pytest.raises(UsageError):
        store.gradebook("C1", final="median")


def test_quiz_answers_are_saved_idempotently_and_summarised(store):
    first = store.save_quiz_answer("T0001", "lesson-1", "q1", "b", False, submission_id="qa-1")
    assert store.save_quiz_answer("T0001", "lesson-1", "q1", "b", False,
                                  submission_id="qa-1") == first
    with pytest.raises(StoreError) as info:
        store.save_quiz_answer("T0001", "lesson-1", "q1", "c", True, submission_id="qa-1")
    assert info.value.key == "store.err.submission_conflict"
    store.save_quiz_answer("T0001", "lesson-1", "q1", "c", True)  # a second try
    store.save_quiz_answer("T0001", "lesson-1", "q2", ["b", "a", "c"], True)
    store.save_quiz_answer("T0002", "lesson-1", "q1", "a", False)
    answers = store.quiz_answers("C1")
    assert answers["answer"].tolist() == ["b", "c", "b;a;c", "a"]
    # the first answer counts (wrong, then right, is 1 of 2, not 100%); later tries are
    # practice, counted apart
    summary = store.quiz_summary("C1")
    assert summary.values.tolist() == [["T0001", "lesson-1", 2, 1, 50.0, 2],
                                       ["T0002", "lesson-1", 1, 0, 0.0, 0]]
    stats = store.question_stats("C1")
    q1 = stats[stats["question_id"] == "q1"].iloc[0]
    assert (q1["answered"], q1["correct"], q1["difficulty"]) == (2, 0, 1.0)
    assert q1["top_wrong"] in ("a", "b") and q1["top_wrong_n"] == 1
    roster = store.roster("C1")
    assert roster[["trainee_id", "attempts", "quiz_answers"]].values.tolist() == [
        ["T0001", 0, 3], ["T0002", 0, 1]]


def test_roster_and_cohorts(store, score):
    store.submit_attempt("a", "T0002", "s1", ["一"], score)
    roster = store.roster("C1")
    assert roster[["trainee_id", "cohort_id", "attempts"]].values.tolist() == [
        ["T0001", "C1", 0], ["T0002", "C1", 1]]
    assert pd.isna(roster["last_attempt_at"].iloc[0])
    assert roster["last_attempt_at"].iloc[1] > pd.Timestamp("2020-01-01", tz="UTC")
    store.ensure_cohort("C1", "改名后的班级")  # ensure again: updates the name
    cohorts = store.cohorts()
    assert cohorts[["cohort_id", "name", "trainees"]].values.tolist() == [
        ["C1", "改名后的班级", 2]]
    with pytest.raises(StoreError) as info:
        store.roster("C9")
    assert info.value.render("en") == "cohort C9 does not exist"


def test_trainees_belong_to_one_registered_cohort(store, score):
    store.ensure_cohort("C2", "二班")
    assert store.ensure_trainee("T0001", "C1") == "T0001"  # idempotent
    with pytest.raises(StoreError) as info:
        store.ensure_trainee("T0001", "C2")
    assert info.value.render("en") == (
        "trainee T0001 is already in cohort C1 and cannot join cohort C2")
    with pytest.raises(StoreError) as info:
        store.ensure_trainee("T0009", "C9")
    assert info.value.key == "store.err.unknown_cohort"
    with pytest.raises(StoreError) as info:
        store.submit_attempt("x", "T0404", "s1", ["答"], score)
    assert info.value.render("zh") == "学员 T0404 不在任何班级的花名册中；请先由培训教师登记"


@dataclass
class _Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def test_deadlines_refuse_late_submissions_but_not_retries_of_stored_ones(store_url, score):
    clock = _Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    store = ResultsStore(store_url, clock=clock)
    store.ensure_cohort("C1", "班", deadline=datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    store.ensure_trainee("T0001", "C1")
    on_time = store.submit_attempt("s-1", "T0001", "s1", ["按时"], score)
    clock.now += timedelta(hours=2)
    with pytest.raises(StoreError) as info:
        store.submit_attempt("s-2", "T0001", "s1", ["迟交"], score)
    assert info.value.key == "store.err.deadline_passed"
    assert info.value.render("en").startswith("the deadline (2026-12-01 ")
    assert store.submit_attempt("s-1", "T0001", "s1", ["按时"], score) == on_time
    store.set_deadline("C1", None)
    store.submit_attempt("s-2", "T0001", "s1", ["迟交"], score)
    with pytest.raises(StoreError) as info:  # an exercise deadline given by the caller
        store.submit_attempt("s-3", "T0001", "s1", ["再交"], score,
                             deadline=clock.now - timedelta(seconds=1))
    assert info.value.key == "store.err.deadline_passed"
    assert len(store.attempts()) == 2
    store.close()


def test_store_errors_never_leak_a_password(tmp_path):
    store = ResultsStore("postgresql+psycopg://pb:hunter2@127.0.0.1:1/none")
    with pytest.raises(StoreError) as info:
        store.cohorts()
    assert info.value.key == "store.err.unavailable"
    assert "hunter2" not in info.value.render("en")
    assert "pb:***@127.0.0.1:1/none" in info.value.render("en")


def test_a_real_roleplay_score_is_stored_as_scored(store):
    roleplay = pytest.importorskip("pbkit.roleplay")
    scenario_id = sorted(roleplay.load_scenarios())[0]
    answer = "大娘，您先坐下慢慢说，我理解您的难处。我们今天就把评议记录拿出来给您看。"
    result = roleplay.score(scenario_id, answer)
    receipt = store.submit_attempt("real-1", "T0001", scenario_id, [answer], result)
    assert receipt.total == pytest.approx(result.total)
    assert receipt.status == ("needs_review" if result.needs_review else "scored")
    assert int(receipt) == receipt.attempt_id
    stored = store.scores(attempt_id=receipt.attempt_id)
    assert dict(zip(stored["criterion_id"], stored["level"])) == result.levels
    assert store.submit_attempt("real-1", "T0001", scenario_id, [answer], result) == receipt
