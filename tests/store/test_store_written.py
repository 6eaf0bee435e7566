"""Written answers and answer releases in the results store (issue 17): round trip on
SQLite and PostgreSQL, latest per item, idempotent retries, refusals, export."""

from __future__ import annotations

import openpyxl
import pytest

from pbkit.errors import StoreError
from pbkit.store.api import ResultsStore


@pytest.fixture
def store(store_url):
    s = ResultsStore(store_url)
    s.ensure_cohort("C1", "一班")
    s.ensure_cohort("C2", "二班")
    s.ensure_trainee("T0001", "C1")
    s.ensure_trainee("T0002", "C1")
    s.ensure_trainee("T0009", "C2")
    yield s
    s.close()


def test_round_trip_latest_per_item_and_every_version(store):
    store.save_written_answer("T0001", "why-branches", "data", "  年轻人外出为主。 ")
    store.save_written_answer("T0002", "why-branches", "data", "多年没发展新党员。")
    store.save_written_answer("T0001", "why-branches", "data", "外出为主，也多年没发展。")
    store.save_written_answer("T0001", "four-two", "data", "先提议，再商议。")
    store.save_written_answer("T0009", "why-branches", "data", "别的班")
    latest = store.written_answers("C1")
    assert latest[["trainee_id", "lesson_id", "text", "versions"]].values.tolist() == [
        ["T0002", "why-branches", "多年没发展新党员。", 1],
        ["T0001", "why-branches", "外出为主，也多年没发展。", 2],
        ["T0001", "four-two", "先提议，再商议。", 1]]
    assert str(latest["submitted_at"].dtype) == "datetime64[ns, UTC]"
    every = store.written_answers("C1", latest=False)
    assert every["text"].tolist()[0] == "年轻人外出为主。" and len(every) == 4
    assert store.written_answers()["cohort_id"].tolist().count("C2") == 1


def test_a_retried_submission_is_stored_once_and_a_changed_one_refused(store):
    first = store.save_written_answer("T0001", "l1", "data", "一句话", submission_id="s-1")
    assert store.save_written_answer("T0001", "l1", "data", "一句话", submission_id="s-1") == first
    with pytest.raises(StoreError):
        store.save_written_answer("T0001", "l1", "data", "另一句", submission_id="s-1")
    assert len(store.written_answers("C1", latest=False)) == 1


@pytest.mark.parametrize("trainee, text, fragment", [
    ("T0001", "   ", "the written answer is empty"),
    ("T0001", "字" * 4001, "too long (4001 characters); at most 4000"),
    ("T0404", "一句话", "T0404"),
    ("T0001", "bad\x07bell", "control"),
])
def test_refusals_name_the_problem_and_store_nothing(store, trainee, text, fragment):
    with pytest.raises(StoreError) as info:
        store.save_written_answer(trainee, "l1", "data", text)
    assert fragment in info.value.render("en")
    assert store.written_answers().empty


def test_release_is_per_class_and_idempotent(store):
    assert not store.answers_released("C1", "test:one-day:post")
    store.release_answers("C1", "test:one-day:post")
    store.release_answers("C1", "test:one-day:post")
    assert store.answers_released("C1", "test:one-day:post")
    assert not store.answers_released("C2", "test:one-day:post")
    assert not store.answers_released("C1", "test:one-day:pre")
    assert not store.answers_released(None, "test:one-day:post")
    with pytest.raises(StoreError):
        store.release_answers("C404", "x")


def test_export_has_headers_in_the_language_and_neutralised_cells(store, tmp_path):
    from pbkit.store.written import export_written_answers

    store.save_written_answer("T0001", "why-branches", "data", "=HYPERLINK(\"x\")")
    store.save_written_answer("T0001", "why-branches", "data", "改了一次")
    path = export_written_answers(store, "C1", tmp_path / "w.xlsx", lang="zh")
    book = openpyxl.load_workbook(path)
    latest, every = book.worksheets
    assert [c.value for c in latest[1]][:4] == ["学员编号", "课程", "题目", "书面作答"]
    assert latest["D2"].value == "改了一次" and latest.max_row == 2
    assert every["D2"].value == "'=HYPERLINK(\"x\")" and every.max_row == 3
