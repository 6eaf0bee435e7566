"""A multi-turn role-play in the apps: the trainee sees the villager's mood change step by
step; the trainer sees every turn's own score and the improper statements that later turns
repaired (the stored overall score is the whole conversation's)."""

from __future__ import annotations

import pytest

from pbkit.apps.common import esc
from pbkit.apps.roleplay_app import RolePlayApp
from pbkit.apps.trainer_app import TrainerApp
from pbkit.i18n import t
from pbkit.roleplay import get_scenario, score_conversation
from pbkit.roleplay.dialogue import mood_name
from pbkit.store import ResultsStore

SCENARIO = "dibao-complaint"
TURNS = {
    "zh": ["你闹什么闹！别在这儿吵了。", "对不起，刚才是我态度不好，您慢慢说。",
           "您一个人照顾儿子不容易，我理解。评低保要先入户调查，再由村民代表评议。"],
    "en": ["You're just making trouble, stop complaining.",
           "I'm sorry, I spoke badly just now. Please take your time and tell me.",
           "I understand how hard it is looking after your son alone. First there is a home "
           "visit, then the villager representatives hold an appraisal."],
}


def click(button):
    button._handle_button_msg(None, {"event": "click"}, [])


@pytest.fixture
def store():
    s = ResultsStore("sqlite://")
    s.ensure_cohort("C1", "2026 秋季班")
    s.ensure_trainee("T0001", "C1")
    return s


def _play(store, lang):
    app = RolePlayApp(lang=lang, store=store, trainee_id="T0001")
    app.scenario.value = SCENARIO
    click(app.start)
    for text in TURNS[lang][:-1]:
        app.answer.value = text
        click(app.send)
    app.answer.value = TURNS[lang][-1]
    click(app.submit)
    return app


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trainee_sees_the_mood_change_step_by_step(store, lang):
    app = _play(store, lang)
    view = app.transcript.value
    for level in (-3, -2):  # furious after the rude turn, one step better after the apology
        assert esc(t("apps.roleplay.mood", lang, mood=mood_name(level, lang))) in view
    assert app.attempt.moods == [-3, -2]
    replies = app.attempt.villager[1:]
    assert len(set(replies)) == len(replies) == 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trainer_sees_per_turn_scores_and_the_repaired_lapse(store, lang):
    _play(store, lang)
    expected = score_conversation(SCENARIO, TURNS[lang], lang=lang)
    stored = store.scores(attempt_id=1, source="machine").set_index("criterion_id")["level"]
    assert stored.to_dict() == expected.overall.levels  # the whole conversation's levels
    assert stored["acknowledge"] > 0  # the rude first turn was repaired
    app = TrainerApp(lang=lang, store=store)
    app.attempt.value = 1
    view = app.attempt_view.value
    assert t("apps.trainer.per_turn_h", lang) in view
    body = view.split("pbkit-per-turn", 1)[1].split("</table>", 1)[0]
    for turn in expected.turns:
        assert f"<td>{turn.index + 1}</td><td>{turn.score.total:.0f}</td>" in body
    assert t("apps.trainer.improper", lang) in body  # turn 1 is improper on its own
    lapse = next(lp for lp in expected.lapses if lp.criterion == "acknowledge")
    assert lapse.repaired
    name = get_scenario(SCENARIO).criterion("acknowledge").name.get(lang)
    note = t("apps.trainer.lapse_repaired", lang, turn=1, quote=lapse.quote, criterion=name)
    assert esc(note) in view
