"""Limits enforced by the store itself, whatever the caller (a forged widget message that
runs a disabled button's callback ends up calling exactly these methods)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text
from store_helpers import make_score

from pbkit.errors import StoreError
from pbkit.store.api import ResultsStore
from pbkit.store.limits import DEFAULT_LIMITS, StoreLimits, personal_kind


@pytest.fixture
def store(sqlite_url):
    s = ResultsStore(sqlite_url)
    s.ensure_cohort("C1", "一班")
    s.ensure_trainee("T0001", "C1")
    yield s
    s.close()


def _stored(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM attempts")).scalar()


def _refused(store, *, turns=("我先听您说。",), score=None, trainee="T0001", scenario="s1",
             sub="sub-x", **kw) -> StoreError:
    score = make_score() if score is None else score
    with pytest.raises(StoreError) as info:
        store.submit_attempt(sub, trainee, scenario, list(turns), score, **kw)
    assert _stored(store) == 0, "a refused submission must store nothing"
    return info.value


def test_one_submission_per_submission_id(store):
    store.submit_attempt("sub-1", "T0001", "s1", ["第一次"], make_score())
    with pytest.raises(StoreError) as info:  # the disabled "submit" clicked again, new text
        store.submit_attempt("sub-1", "T0001", "s1", ["偷偷改过的第二次"], make_score((3, 3, 3)))
    assert info.value.render("en") == (
        "submission id sub-1 was already used for a different submission; each attempt can be "
        "submitted once")
    assert _stored(store) == 1


def test_answer_length_and_turn_count_are_bounded(store):
    assert DEFAULT_LIMITS.max_turns == 10 and DEFAULT_LIMITS.max_turn_chars == 4000
    err = _refused(store, turns=["答"] * 11)
    assert err.render("en") == "too many turns (11, at most 10)"
    assert err.render("zh") == "回答轮数过多（11 轮，最多 10 轮）"
    err = _refused(store, turns=["好", "长" * 4001])
    assert err.render("en") == "turn 2 is too long (4001 characters, at most 4000)"
    assert err.render("zh") == "第 2 轮回答过长（4001 个字符，最多 4000 个）"
    err = _refused(store, turns=[{"text": "好", "reply": "x" * 4001}])
    assert err.key == "store.err.turn_too_long"
    # the bounds themselves are accepted
    store.submit_attempt("ok", "T0001", "s1", ["满" * 4000] * 10, make_score())
    assert _stored(store) == 1


@pytest.mark.parametrize("turns, key, en", [
    ([], "store.err.answer_empty", "the answer is empty; nothing was saved"),
    (["  ", "\n"], "store.err.answer_empty", "the answer is empty; nothing was saved"),
    ("一整段文字", "store.err.turns_type",
     "the answers must be a list of texts (one per turn), not 一整段文字"),
    ([123], "store.err.turn_type",
     "turn 1: not a valid answer (expected text, or a record with text and an optional reply)"),
    (["ok", "bad\x00byte"], "store.err.turn_control",
     "turn 2 contains a control character that is not allowed"),
    (["lone \ud800 surrogate"], "store.err.turn_control",
     "turn 1 contains a control character that is not allowed"),
])
def test_malformed_answers_are_refused(store, turns, key, en):
    with pytest.raises(StoreError) as info:
        store.submit_attempt("sub-x", "T0001", "s1", turns, make_score())
    assert (info.value.key, info.value.render("en")) == (key, en)
    assert _stored(store) == 0


def _with(score: dict, **changes) -> dict:
    out = copy.deepcopy(score)
    for path, value in changes.items():
        if path.startswith("c0_"):
            out["criteria"][0][path[3:]] = value
        else:
            out[path] = value
    return out


@pytest.mark.parametrize("change, en", [
    ({"c0_level": 4}, "criterion listen: level 4 is out of range (a whole number from 0 to 3)"),
    ({"c0_level": -1},
     "criterion listen: level -1 is out of range (a whole number from 0 to 3)"),
    ({"c0_level": 1.5},
     "criterion listen: level 1.5 is out of range (a whole number from 0 to 3)"),
    ({"c0_level": True},
     "criterion listen: level True is out of range (a whole number from 0 to 3)"),
    ({"c0_max_level": 0},
     "criterion listen: maximum level 0 is not valid (a whole number from 1 to 10)"),
    ({"total": 101}, "total 101 is out of range (0 to 100)"),
    ({"total": -5}, "total -5 is out of range (0 to 100)"),
    ({"total": float("nan")}, "total nan is out of range (0 to 100)"),
    ({"total": "66.7"}, "total 66.7 is out of range (0 to 100)"),
    ({"total": 90}, "total 90 does not match the criterion levels "
                    "(100 × sum of levels ÷ sum of maximum levels = 66.7)"),
    ({"scenario": "s2"}, "the score is for scenario s2 but the attempt is for scenario s1"),
    ({"needs_review": "no"}, "the score has a missing or invalid field: needs_review"),
    ({"c0_feedback": "x" * 2001}, "criterion listen: feedback is too long (at most 2000 "
                                  "characters)"),
    ({"c0_evidence": {1, 2}}, "criterion listen: the evidence is not valid or too long"),
])
def test_score_ranges_are_enforced(store, change, en):
    err = _refused(store, score=_with(make_score(), **change))
    assert err.render("en") == en


def test_score_structure_is_enforced(store):
    score = make_score()
    del score["criteria"]
    assert _refused(store, score=score).render("en") == (
        "the score has a missing or invalid field: criteria")
    dup = make_score()
    dup["criteria"][1]["id"] = "listen"
    assert _refused(store, score=dup).render("zh") == "评分维度 listen 重复出现"
    assert _refused(store, score=[1, 2]).key == "store.err.score_type"
    many = {"scenario": "s1", "total": 0, "needs_review": False, "criteria": [
        {"id": f"c{i}", "level": 0, "max_level": 3} for i in range(21)]}
    assert _refused(store, score=many).render("en") == (
        "too many criteria in the score (21, at most 20)")
    zh = _refused(store, score=_with(make_score(), total=90)).render("zh")
    assert zh == "总分 90 与各维度等级不一致（按 100 × 等级之和 ÷ 满分之和 应为 66.7）"


def test_rounded_totals_are_accepted():
    store = ResultsStore("sqlite://")
    store.ensure_cohort("C1", "一班")
    store.ensure_trainee("T0001", "C1")
    store.submit_attempt("r1", "T0001", "s1", ["答"], _with(make_score(), total=67))
    store.submit_attempt("r2", "T0001", "s1", ["答"], _with(make_score(), total=66.66667))
    assert store.attempts()["total"].tolist() == [67.0, 66.66667]


def test_submissions_after_the_cohort_deadline_are_refused(sqlite_url):
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    store = ResultsStore(sqlite_url, clock=lambda: now)
    store.ensure_cohort("C1", "一班", deadline=now - timedelta(minutes=1))
    store.ensure_trainee("T0001", "C1")
    err = _refused(store)
    assert err.key == "store.err.deadline_passed"
    assert err.render("zh").startswith("已过截止时间（2026-12-01 ")
    assert err.render("zh").endswith("），不再接受提交")
    store.ensure_cohort("C1", "一班", deadline=now)  # the deadline itself is still on time
    store.submit_attempt("sub-ok", "T0001", "s1", ["答"], make_score())
    store.close()


@pytest.mark.parametrize("value, key, shown", [
    ("13812345678", "store.err.id_mobile", "138****78"),
    ("+8613812345678", "store.err.id_mobile", "+86****78"),
    ("138-1234-5678", "store.err.id_mobile", "138****78"),
    ("11010519491231002X", "store.err.id_resident_id", "110****2X"),
    ("110105491231002", "store.err.id_resident_id", "110****02"),
    ("010-62345678", "store.err.id_landline", "010****78"),
    ("zhang@example.org", "store.err.id_email", "zha****rg"),
    ("张伟", "store.err.id_name", "**"),
    ("ZhangWei", "store.err.id_name", "Zha****ei"),
    ("ZHANGWEI", "store.err.id_name", "ZHA****EI"),
    ("FACEBEAD", "store.err.id_name", "FAC****AD"),  # 7 hex letters after the prefix
    ("li na", "store.err.id_name", "*****"),
])
def test_ids_that_look_like_personal_data_are_refused(store, value, key, shown):
    with pytest.raises(StoreError) as info:
        store.ensure_trainee(value, "C1")
    assert info.value.key == key
    message = info.value.render("en")
    assert value not in message, "the refused value is never printed in full"
    assert f'trainee id "{shown}"' in message
    assert message.endswith("use the code from the roster")
    with pytest.raises(StoreError):
        store.submit_attempt("sub-x", value, "s1", ["答"], make_score())
    assert store.roster("C1")["trainee_id"].tolist() == ["T0001"]


def test_pseudonymous_ids_are_accepted(store):
    for ok in ("T0001", "p_3fa9c1", "2026-A-017", "c1.t12", "x9", "h-213812345678",
               "PABCDEFABCD", "P3FA9C1D20E"):  # the anonymiser's P + 10 hex characters
        assert personal_kind(ok) is None, ok
    # cohort ids are class codes a trainer picks, not people: letters alone are fine
    assert store.ensure_cohort("autumn-class", "秋季班") == "autumn-class"


@pytest.mark.parametrize("value, en", [
    ("", "trainee id is empty"),
    ("T" * 65, "trainee id is too long (65 characters, at most 64)"),
    ("T 0001", 'trainee id "T 0****01" is not a valid id: use letters, digits and - _ . : '
               "only, starting with a letter or digit"),
    ("<b>T1</b>", 'trainee id "<b>****b>" is not a valid id: use letters, digits and - _ . : '
                  "only, starting with a letter or digit"),
])
def test_malformed_ids_are_refused(store, value, en):
    with pytest.raises(StoreError) as info:
        store.ensure_trainee(value, "C1")
    assert info.value.render("en") == en
    assert info.value.render("zh").startswith("学员编号")


def test_cohort_names_and_quiz_answers_are_bounded(store):
    with pytest.raises(StoreError) as info:
        store.ensure_cohort("C2", "班" * 101)
    assert info.value.render("en") == "name is too long (101 characters, at most 100)"
    with pytest.raises(StoreError) as info:
        store.save_quiz_answer("T0001", "lesson-1", "q1", "答" * 4001, True)
    assert info.value.render("en") == (
        "the quiz answer is too long (4003 characters, at most 4000)")
    with pytest.raises(StoreError) as info:
        store.save_quiz_answer("T0001", "lesson-1", "q1", {"a": 1}, True)
    assert info.value.key == "store.err.quiz_answer_type"
    assert "{'a': 1}" in info.value.render("en")
    with pytest.raises(StoreError) as info:
        store.save_quiz_answer("T0001", "lesson-1", "q1", "a", "yes")
    assert info.value.render("zh") == "“是否正确”只能是 是、否 或 空，收到的是 yes"
    assert store.quiz_answers().empty


def test_limits_are_data_that_a_deployment_can_tighten(sqlite_url):
    strict = StoreLimits(max_turns=2, max_turn_chars=10)
    store = ResultsStore(sqlite_url, limits=strict)
    store.ensure_cohort("C1", "一班")
    store.ensure_trainee("T0001", "C1")
    with pytest.raises(StoreError) as info:
        store.submit_attempt("a", "T0001", "s1", ["一", "二", "三"], make_score())
    assert info.value.render("en") == "too many turns (3, at most 2)"
    with pytest.raises(StoreError) as info:
        store.submit_attempt("a", "T0001", "s1", ["十一个字十一个字十一个"], make_score())
    assert info.value.render("en") == "turn 1 is too long (11 characters, at most 10)"
    store.close()


def test_a_date_deadline_runs_to_the_end_of_that_day_local_time(sqlite_url):
    from datetime import date

    local_end = datetime(2026, 12, 1, 23, 59, 59).astimezone()  # the machine's time zone
    clock = {"now": local_end}
    store = ResultsStore(sqlite_url, clock=lambda: clock["now"])
    store.ensure_cohort("C1", "一班", deadline=date(2026, 12, 1))
    store.ensure_trainee("T0001", "C1")
    store.submit_attempt("last-second", "T0001", "s1", ["答"], make_score())
    clock["now"] = local_end + timedelta(seconds=1)
    with pytest.raises(StoreError) as info:
        store.submit_attempt("too-late", "T0001", "s1", ["答"], make_score())
    assert info.value.key == "store.err.deadline_passed"
    assert store.cohorts()["deadline"].iloc[0] == pd.Timestamp(
        datetime(2026, 12, 2).astimezone() - timedelta(microseconds=1)).tz_convert("UTC")
    store.close()


@pytest.mark.parametrize("value", [
    "13812345678", "138 1234 5678", "+86 138-1234-5678", "１３８１２３４５６７８",
    "11010519491231002X", "110105-19491231-002x", "110105491231002",
    "11010519491231002", "110105491231002X", "990105491231002", "1381234567",
])
def test_store_and_data_layer_share_one_identifier_detector(value):
    # one detector: the store's verdict on numbers is the data layer's, written forms too
    from pbkit.data.identifiers import find_numbers

    found = find_numbers(value)
    assert personal_kind(value) == (found[0][0] if found else None), value


def test_store_has_no_identifier_patterns_of_its_own():
    import pbkit.store.limits as limits

    assert not any(hasattr(limits, name) for name in
                   ("_MOBILE", "_ID15", "_ID18", "_ID_WEIGHTS", "_valid_resident_id",
                    "_data_layer_kind"))
