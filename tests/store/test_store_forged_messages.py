"""Forged widget messages cannot bypass the store's limits.

Tried as a trainee with browser dev tools would: a widget "update" message sets a text
area's value to anything (no client-side maxlength applies), and a "click" message runs a
*disabled* button's callback (ipywidgets does not check ``disabled`` on the kernel side).
The form below is the smallest submit form an app could build; whatever it does, the
store refuses the write.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from store_helpers import make_score

from pbkit.errors import StoreError
from pbkit.store.api import ResultsStore

widgets = pytest.importorskip("ipywidgets")


class SubmitForm:
    """One attempt: a text area and a submit button that disables itself after use."""

    def __init__(self, store: ResultsStore, trainee_id: str) -> None:
        self.store = store
        self.trainee_id = trainee_id
        self.submission_id = uuid.uuid4().hex  # one id per attempt, made when it opens
        self.answer = widgets.Textarea()
        self.button = widgets.Button(description="提交")
        self.message = widgets.HTML()
        self.button.on_click(self._submit)

    def _submit(self, _button) -> None:
        try:
            receipt = self.store.submit_attempt(self.submission_id, self.trainee_id, "s1",
                                                [self.answer.value], make_score())
        except StoreError as exc:
            self.message.value = exc.render("zh")
            return
        self.button.disabled = True
        self.message.value = f"已保存（{receipt.attempt_id}）"


def forge_update(widget, **state) -> None:
    """What the kernel does with a forged comm 'update' message."""
    widget.set_state(state)


def forge_click(button) -> None:
    """What the kernel does with a forged comm 'click' message."""
    button._handle_button_msg(None, {"event": "click"}, [])


@pytest.fixture
def store(sqlite_url):
    s = ResultsStore(sqlite_url)
    s.ensure_cohort("C1", "一班")
    s.ensure_trainee("T0001", "C1")
    yield s
    s.close()


def test_a_forged_click_on_the_disabled_button_cannot_submit_again(store):
    form = SubmitForm(store, "T0001")
    forge_update(form.answer, value="我先听您说。")
    form.button.click()
    assert form.button.disabled and form.message.value.startswith("已保存")
    forge_update(form.answer, value="偷偷换掉的第二份答案")
    forge_click(form.button)  # the disabled button's callback does run ...
    assert form.message.value == (  # ... and the store refuses
        f"提交编号 {form.submission_id} 已用于另一份内容不同的提交；每次作答只能提交一次")
    assert store.attempts()["answer"].tolist() == ["我先听您说。"]


def test_a_forged_oversized_answer_is_refused(store):
    form = SubmitForm(store, "T0001")
    forge_update(form.answer, value="长" * 50_000)
    forge_click(form.button)
    assert form.message.value == "第 1 轮回答过长（50000 个字符，最多 4000 个）"
    assert store.attempts().empty


def test_a_forged_click_after_the_deadline_is_refused(sqlite_url):
    now = datetime.now(UTC)
    store = ResultsStore(sqlite_url)
    store.ensure_cohort("C1", "一班", deadline=now - timedelta(hours=1))
    store.ensure_trainee("T0001", "C1")
    form = SubmitForm(store, "T0001")
    form.button.disabled = True  # the app closed the exercise
    forge_update(form.answer, value="迟到的答案")
    forge_click(form.button)
    assert form.message.value.startswith("已过截止时间（")
    assert store.attempts().empty
    store.close()


def test_a_forged_trainee_id_that_is_a_phone_number_is_refused(store):
    form = SubmitForm(store, "13812345678")
    forge_update(form.answer, value="答案")
    forge_click(form.button)
    assert form.message.value == (
        "学员编号“138****78”像是手机号码，不是化名编号；请使用花名册中的编号")
    assert store.attempts().empty
