"""Role-play app logic without a browser: construct, type, click (handlers), check state."""

from __future__ import annotations

from datetime import date

import pytest

from pbkit.apps.common import esc
from pbkit.apps.roleplay_app import RolePlayApp, highlight
from pbkit.errors import StoreError
from pbkit.i18n import t
from pbkit.roleplay import get_scenario, score
from pbkit.store import ResultsStore

SCENARIO = "dibao-complaint"
ANSWER = ("大娘，您先坐下慢慢说，我理解您的难处。<script>alert('x')</script>"
          "低保要经过申请、入户调查、民主评议、公示，我们三天内把评议记录给您看，相关干部回避。")


@pytest.fixture
def store():
    s = ResultsStore("sqlite://")
    s.ensure_cohort("C1", "2026 秋季班")
    s.ensure_trainee("T0001", "C1")
    return s


def make_app(store, lang="zh", trainee="T0001"):
    app = RolePlayApp(lang=lang, store=store, trainee_id=trainee)
    app.scenario.value = SCENARIO  # as the browser sends a dropdown choice
    return app


def click(button):
    """Run a button's callbacks the way a widget message from the browser does."""
    button._handle_button_msg(None, {"event": "click"}, [])


def test_complete_attempt_shows_core_score_and_saves_it(store):
    app = make_app(store)
    click(app.start)
    assert app.attempt is not None and not app.submit.disabled
    app.answer.value = ANSWER
    click(app.submit)
    expected = score(SCENARIO, ANSWER, lang="zh")
    assert app.message_text == t("apps.roleplay.saved_msg", "zh")
    assert t("apps.roleplay.total", "zh", total=f"{expected.total:.0f}") in app.result.value
    for crit in expected.criteria:
        assert f"{crit.level} / {crit.max_level}" in app.result.value
        for ev in crit.evidence:
            assert f'<mark class="pbkit-evidence">{ev.text}</mark>' in app.result.value
    rows = store.attempts("C1")
    assert len(rows) == 1
    assert rows.loc[0, "total"] == expected.total
    assert rows.loc[0, "answer"] == ANSWER
    assert app.submit.disabled and app.send.disabled
    assert app.retry.layout.display == "flex"


def test_user_text_is_escaped_everywhere(store):
    app = make_app(store)
    click(app.start)
    app.answer.value = ANSWER
    click(app.submit)
    state = app.browser_state()
    assert "<script>" not in state and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in state
    assert "<script>" not in app.result.value and "<script>" not in app.transcript.value


def test_forged_click_on_disabled_submit_is_stored_once(store):
    app = make_app(store)
    click(app.start)
    app.answer.value = ANSWER
    click(app.submit)
    first = app.attempt.attempt_id
    assert app.submit.disabled
    # a forged message runs the disabled button's callback, even with new text typed
    app.answer.value = "另一个回答"
    click(app.submit)
    click(app.submit)
    assert len(store.attempts()) == 1
    assert app.attempt.attempt_id == first
    assert store.attempts().loc[0, "answer"] == ANSWER


def test_forged_overlong_answer_is_refused_by_the_store(store):
    app = make_app(store)
    click(app.start)
    long_text = "我理解您的难处。" * 600  # 4800 characters; the textarea has no bound
    app.answer.value = long_text
    click(app.submit)
    assert app.message_text == StoreError("store.err.turn_too_long", turn=1,
                                          length=len(long_text), max=4000).render("zh")
    assert len(store.attempts()) == 0
    # the app applies the store's limits before scoring; the store refuses it on its own too
    with pytest.raises(StoreError):
        store.submit_attempt(app.attempt.submission_id, "T0001", SCENARIO, [long_text], None)
    # nothing was lost: the answer is still there to shorten, submit still works
    assert app.answer.value == long_text and not app.submit.disabled
    app.answer.value = long_text[:300]
    click(app.submit)
    assert len(store.attempts()) == 1


def test_deadline_passed_is_refused_by_the_store(store):
    store.ensure_cohort("C1", "2026 秋季班", deadline=date(2020, 1, 1))
    app = make_app(store, lang="en")
    click(app.start)
    app.answer.value = ANSWER
    click(app.submit)
    assert "2020-01-01" in app.message_text and "has passed" in app.message_text
    assert "pbkit-msg-error" in app.message.value
    assert len(store.attempts()) == 0


def test_unregistered_trainee_gets_store_message_then_can_retry(store):
    app = make_app(store, trainee="T0002")
    click(app.start)
    app.answer.value = ANSWER
    click(app.submit)
    assert app.message_text == StoreError("store.err.unknown_trainee",
                                          trainee_id="T0002").render("zh")
    assert len(store.attempts()) == 0 and not app.submit.disabled
    # typing another (registered) code into the box changes nothing: identity is the
    # server's (issue 22: a forged widget message stored an attempt as another trainee)
    app.trainee.value = "T0001"
    assert app.trainee.value == "T0002"
    click(app.submit)
    assert len(store.attempts()) == 0
    store.ensure_trainee("T0002", "C1")  # the trainer registers the code
    click(app.submit)
    assert store.attempts()["trainee_id"].tolist() == ["T0002"]


def test_no_identity_and_empty_answer_are_messages(store, monkeypatch):
    for name in ("QUERY_STRING", "PBKIT_TRAINEE", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    # no identity: practice mode, announced up front; the whole result, nothing saved
    app = make_app(store, trainee="")
    click(app.start)
    assert app.practice and app.message_text == t("apps.roleplay.practice", "zh")
    app.answer.value = ANSWER
    click(app.submit)
    assert app.attempt.score is not None and "pbkit-result" in app.result.value
    assert app.message_text == t("apps.roleplay.practice_done", "zh")
    app.trainee.value = "T0001"  # a typed (or forged) code is no identity
    click(app.submit)
    assert len(store.attempts()) == 0
    app = make_app(store)
    click(app.start)
    app.answer.value = "   "
    click(app.submit)
    assert app.message_text == t("apps.roleplay.err.empty_answer", "zh")
    assert len(store.attempts()) == 0


def test_try_again_makes_a_new_submission(store):
    app = make_app(store)
    click(app.start)
    app.answer.value = ANSWER
    click(app.submit)
    first = app.attempt.submission_id
    click(app.retry)
    assert app.attempt.submission_id != first
    assert app.result.value == "" and not app.submit.disabled
    app.answer.value = "您先别急，我们一起看看评议记录。"
    click(app.submit)
    assert len(store.attempts()) == 2


def test_rubric_anchors_cues_and_exemplars_never_reach_the_browser(store):
    app = make_app(store)
    click(app.start)
    app.answer.value = ANSWER
    click(app.submit)
    app.set_lang("en")
    state = app.browser_state()
    sc = get_scenario(SCENARIO)
    secrets = []
    for crit in sc.criteria:
        secrets += [crit.description.zh, crit.description.en]
        for level in crit.levels:
            secrets += [level.anchor.zh, level.anchor.en]
    secrets += [ex.text for ex in sc.exemplars]
    for concept in sc.concepts.values():  # cue regexes (plain words may be in the context)
        secrets += [p for p in (*concept.zh, *concept.en)
                    if len(p) > 6 and any(ch in p for ch in "\\()[]|?*+")]
    # no rubric text at all may be sent, not even inside the feedback sentences (they carry
    # the criteria's tips, written apart from the anchors)
    leaked = [s for s in secrets if s and (s in state or s.rstrip("。.") in state
                                           or esc(s) in state or esc(s.rstrip("。.")) in state)]
    assert not leaked
    shown = [c.feedback for c in score(SCENARIO, ANSWER, "zh").criteria]  # scored in zh
    assert shown and all(esc(f) in state for f in shown)
    # what the trainee may see is there
    assert esc(sc.title.en) in state and esc(sc.context.en) in state


def test_language_switch_relabels_everything(store):
    app = make_app(store)
    assert app.start.description == "开始练习"
    app.lang_toggle.value = "en"
    sc = get_scenario(SCENARIO)
    assert app.start.description == "Start" and app.submit.description == "Submit for scoring"
    assert sc.title.en in app.situation.value
    assert app.scenario.value == SCENARIO


def test_highlight_escapes_every_piece():
    text = "<b>我会</b>公示名单 & 记录"
    out = highlight(text, [{"start": 9, "end": 13, "text": "公示名单"}, "记录", (0, 3)])
    assert out == ('<mark class="pbkit-evidence">&lt;b&gt;</mark>我会&lt;/b&gt;'
                   '<mark class="pbkit-evidence">公示名单</mark> &amp; '
                   '<mark class="pbkit-evidence">记录</mark>')


@pytest.fixture
def link_key(tmp_path, monkeypatch):
    """A class-link key of this test's own (as ``pbkit serve`` makes one)."""
    from pbkit.serving import links

    monkeypatch.setenv(links.KEY_ENV, str(links.ensure_key(tmp_path / "class-link.key")))
    for name in ("QUERY_STRING", "PBKIT_TRAINEE", "PBKIT_COHORT", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    return links.read_key()


def _query(params):
    from urllib.parse import urlencode

    return urlencode(params)


def _submit(app):
    app.scenario.value = SCENARIO
    click(app.start)
    app.answer.value = ANSWER
    click(app.submit)


def test_signed_personal_link_registers_the_trainee(store, monkeypatch, link_key):
    from pbkit.serving.links import signed_params

    monkeypatch.setenv("QUERY_STRING", _query(signed_params(link_key, cohort_id="C1",
                                                            trainee_id="T0100")))
    app = RolePlayApp(lang="zh", store=store)
    assert app.trainee.value == "T0100" and app.cohort_id == "C1" and app.trainee.disabled
    _submit(app)
    assert store.roster("C1")["trainee_id"].tolist() == ["T0001", "T0100"]
    assert len(store.attempts(trainee_id="T0100")) == 1


def test_unsigned_or_altered_link_gives_no_identity(store, monkeypatch, link_key):
    from pbkit.serving.links import signed_params

    forged = {**signed_params(link_key, cohort_id="C1", trainee_id="T0100"),
              "trainee": "T0001"}
    for query in ("trainee=T0100&cohort=C1", _query(forged)):
        monkeypatch.setenv("QUERY_STRING", query)
        app = RolePlayApp(lang="zh", store=store)
        assert app.identity is None and app.cohort_id is None
        _submit(app)  # an unsigned link is no identity: practice only, nothing saved
        assert app.message_text == t("apps.roleplay.practice_done", "zh")
    assert len(store.attempts()) == 0 and store.roster("C1")["trainee_id"].tolist() == ["T0001"]


def test_forged_widget_message_cannot_store_as_another_trainee(store, monkeypatch, link_key):
    """Issue 22: a widget message set the code box to another registered trainee."""
    from pbkit.serving.links import signed_params

    store.ensure_trainee("T0100", "C1")
    monkeypatch.setenv("QUERY_STRING", _query(signed_params(link_key, cohort_id="C1",
                                                            trainee_id="T0100")))
    app = RolePlayApp(lang="zh", store=store)
    app.scenario.value = SCENARIO
    click(app.start)
    app.answer.value = ANSWER
    # exactly what the browser's update message does to the box (ipywidgets set_state)
    app.trainee.set_state({"value": "T0001", "disabled": False})
    click(app.submit)
    assert store.attempts()["trainee_id"].tolist() == ["T0100"]
    assert app.trainee.value == "T0100"


def test_class_link_registers_one_code_per_page_within_its_cap(store, monkeypatch, link_key):
    from pbkit.serving import links

    class_link = links.signed_params(link_key, cohort_id="C1", cap=2)
    monkeypatch.setenv("QUERY_STRING", _query(class_link))
    app = RolePlayApp(lang="zh", store=store)
    assert app.identity is None and app.cohort_id == "C1"
    app.trainee.value = "T0001"  # already registered: not through a class link
    _submit(app)
    assert app.message_text == t("apps.roleplay.err.code_taken", "zh", trainee_id="T0001")
    app.trainee.value = "N0001"
    click(app.submit)
    assert app.identity == "N0001" and app.trainee.disabled
    # the same page cannot register a second code: the box is fixed now
    app.trainee.value = "N0099"
    click(app.retry)
    _submit(app)
    assert set(store.attempts()["trainee_id"]) == {"N0001"}
    second = RolePlayApp(lang="zh", store=store)
    second.trainee.value = "N0002"
    _submit(second)
    third = RolePlayApp(lang="zh", store=store)
    third.trainee.value = "N0003"
    _submit(third)
    assert third.message_text == t("apps.roleplay.err.link_full", "zh", cap=2)
    assert store.roster("C1")["trainee_id"].tolist() == ["N0001", "N0002", "T0001"]
    assert links.registrations("C1") == [{"cohort": "C1", "cap": 2,
                                          "trainees": ["N0001", "N0002"]}]


def test_link_learnt_later_fixes_the_identity(store, monkeypatch, link_key):
    # a preheated kernel builds the app before the link is known, then learns it
    from pbkit.serving.links import signed_params

    app = RolePlayApp(lang="zh", store=store)
    assert app.trainee.value == "" and app.cohort_id is None
    app.trainee.value = "T0001"  # typed before the link arrived: does not count
    app.apply_link(signed_params(link_key, cohort_id="C1", trainee_id="T0100"))
    assert app.trainee.value == "T0100" and app.cohort_id == "C1"
    app.apply_link({"trainee": "T0200", "cohort": "C2"})  # unsigned: ignored
    assert app.identity == "T0100" and app.cohort_id == "C1"


def test_multi_turn_villager_reacts_and_conversation_is_scored(store):
    from pbkit.roleplay import Conversation, score_conversation

    turns = ["大娘，您先坐下慢慢说，我理解您的难处。",
             "低保要经过申请、入户调查、民主评议和公示，三天内我把评议记录拿给您看。"]
    app = make_app(store)
    click(app.start)
    sc = get_scenario(SCENARIO)
    assert esc(sc.opening.zh) in app.transcript.value
    app.answer.value = turns[0]
    click(app.send)
    expected_reply = Conversation(SCENARIO, lang="zh").say(turns[0]).reply
    assert esc(expected_reply) in app.transcript.value
    assert app.answer.value == "" and not app.submit.disabled
    app.answer.value = turns[1]
    click(app.submit)
    expected = score_conversation(SCENARIO, turns, lang="zh")
    assert app.attempt.score.total == expected.total
    rows = store.attempts("C1")
    assert rows.loc[0, "turns"] == 2 and rows.loc[0, "total"] == expected.total
    stored = store.turns(int(rows.loc[0, "attempt_id"]))
    assert stored["text"].tolist() == turns
    assert stored["reply"].tolist() == [sc.opening.zh, expected_reply]
    for i, turn in enumerate(expected.turns, start=1):
        assert t("apps.roleplay.turn_total", "zh", turn=i,
                 total=f"{turn.score.total:.0f}") in app.result.value


def test_turn_limit_is_enforced_in_the_kernel(store):
    app = make_app(store, lang="en")
    click(app.start)
    limit = app._max_turns()
    for i in range(limit - 1):
        app.answer.value = f"Turn {i}: I understand, please tell me more."
        click(app.send)
    assert app.send.disabled is False or limit == 1
    app.answer.value = "one more"
    click(app.send)  # the last allowed turn is taken, then the button is disabled
    assert app.send.disabled
    app.answer.value = "forged extra turn"
    click(app.send)  # a forged click on the disabled button
    assert app.message_text == t("apps.roleplay.err.too_many_turns", "en", max=limit)
    assert len(app.attempt.answers) == limit


def test_class_link_asks_for_the_code_before_the_conversation(store, monkeypatch, link_key):
    from pbkit.serving import links

    monkeypatch.setenv("QUERY_STRING",
                       _query(links.signed_params(link_key, cohort_id="C1", cap=2)))
    app = RolePlayApp(lang="zh", store=store)
    app.trainee.value = ""
    click(app.start)
    assert app.message_text == t("apps.roleplay.err.no_trainee", "zh")
    assert app.attempt is None and not app.practice


def test_reload_brings_back_the_conversation_and_the_draft(store):
    """A trainee's unfinished conversation and unsent draft survive a reload."""
    app = make_app(store, trainee="T0001")
    click(app.start)
    app.answer.value = "大娘您先坐，慢慢说，我在听。"
    click(app.send)
    first_reply = app.attempt.villager[-1]
    app.answer.value = "我先把申请的步骤跟您讲一讲"  # typed, not sent
    again = make_app(store, trainee="T0001")  # the same trainee opens the page again
    assert again.attempt is not None and again.attempt.answers == ["大娘您先坐，慢慢说，我在听。"]
    assert again.attempt.villager[-1] == first_reply  # the villager answers the same way
    assert again.answer.value == "我先把申请的步骤跟您讲一讲"
    assert again.attempt.submission_id == app.attempt.submission_id
    assert again.message_text == t("apps.roleplay.restored", "zh")


def test_changing_scenario_mid_conversation_asks_first(store):
    app = make_app(store, trainee="T0001")
    click(app.start)
    app.answer.value = "大娘您先坐"
    other = next(v for _, v in app.scenario.options if v != SCENARIO)
    app.scenario.value = other
    assert app.discard_box.layout.display == "flex" and app.attempt is not None
    click(app.discard_no)
    assert app.scenario.value == SCENARIO and app.answer.value == "大娘您先坐"
    app.scenario.value = other
    click(app.discard_yes)
    assert app.attempt is None and app.scenario.value == other
    assert make_app(store, trainee="T0001").attempt is None  # nothing left to restore
