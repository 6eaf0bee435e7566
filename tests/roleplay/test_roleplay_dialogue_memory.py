"""The villager remembers the conversation; the conversation is scored as a whole.

Every behaviour is checked in Chinese and in English: no line said twice, distinct reactions
to a refusal, to a dated commitment and to repair after a bad start, a mood that changes one
step at a time, elements given in different turns counting together, and a rude first turn
that later turns repair not zeroing its criterion (while the trainer still sees it).
"""

from __future__ import annotations

import shutil

import pytest

from pbkit.errors import ScenarioError
from pbkit.roleplay import Conversation, score_conversation
from pbkit.roleplay.models import load_scenario_file, scenarios_dir

OFF_TOPIC = {
    "zh": ["今天天气不错。", "你吃饭了吗？", "最近村里挺热闹的。", "明年要修路了。", "嗯嗯，好的。"],
    "en": ["Nice weather today.", "Have you eaten yet?", "The village is busy these days.",
           "They are fixing the road next year.", "Mm, OK."],
}
REFUSAL = {"zh": "评议记录我不能给你看，复核也不用申请了。",
           "en": "I won't show you the records, and there is no need for a review."}
OFFER = {"zh": "评议记录我可以给您看，您也可以向镇里申请复核。",
         "en": "I can show you the appraisal records, and you can ask the township for a review."}
COMMIT = {"zh": ("我三天之内给您回个准话。", "三天之内"),
          "en": ("I'll come back to you with an answer by Friday.", "by Friday")}
RUDE = {"zh": "你闹什么闹！别在这儿吵了。", "en": "You're just making trouble, stop complaining."}
SORRY = {"zh": "对不起，刚才是我态度不好，您慢慢说。",
         "en": "I'm sorry, I spoke badly just now. Please take your time and tell me."}
CARE = {"zh": ["您一个人照顾儿子不容易，我理解。", "您先坐，喝口水，我听着呢。"],
        "en": ["I understand how hard it is looking after your son alone.",
               "Please sit down and have some water, I'm listening."]}
LANGS = ["zh", "en"]


@pytest.mark.parametrize("lang", LANGS)
def test_villager_never_says_the_same_line_twice(lang):
    res = score_conversation("dibao-complaint", OFF_TOPIC[lang])
    replies = [t.reply for t in res.turns]
    assert all(replies) and len(set(replies)) == len(replies)
    # the same reply would have been the default's first line five times
    assert replies[0] != replies[1]


@pytest.mark.parametrize("lang", LANGS)
def test_villager_notices_a_repeated_turn(lang):
    conv = Conversation("dibao-complaint", lang=lang)
    first = conv.say(CARE[lang][0])
    again = conv.say(CARE[lang][0])
    assert again.reaction == "repeat" and "@repeat" in again.signals
    assert again.reply != first.reply


@pytest.mark.parametrize("lang", LANGS)
def test_refusal_gets_its_own_reaction_not_the_offers(lang):
    refused = score_conversation("dibao-complaint", [REFUSAL[lang]]).turns[0]
    offered = score_conversation("dibao-complaint", [OFFER[lang]]).turns[0]
    assert refused.reaction == "refused" and "@refusal" in refused.signals
    assert offered.reaction == "explained" and "@refusal" not in offered.signals
    assert refused.reply != offered.reply
    assert refused.mood_level < offered.mood_level


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("sid", ["neighbor-dispute", "migrant-member"])
def test_refusal_in_other_scenarios(sid, lang):
    text = {"zh": "这事我管不了，你们自己解决。",
            "en": "I can't help you with that, sort it out yourselves."}[lang]
    turn = score_conversation(sid, [text]).turns[0]
    assert turn.reaction == "refused"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("sid", ["dibao-complaint", "neighbor-dispute", "migrant-member"])
def test_dated_commitment_is_taken_up_with_its_date(sid, lang):
    text, date = COMMIT[lang]
    conv = Conversation(sid, lang=lang)
    default = next(r for r in conv.scenario.turns if r.when is None)
    turn = conv.say(text)
    assert turn.reaction == "committed" and "@commitment" in turn.signals
    assert date in turn.reply  # she repeats the trainee's own date back
    assert turn.reply not in [r.get(lang) for r in default.replies]
    # without a date it is not a commitment
    vague = {"zh": "我会尽快给您答复。", "en": "I'll get back to you soon."}[lang]
    assert score_conversation(sid, [vague]).turns[0].reaction != "committed"


@pytest.mark.parametrize("lang", LANGS)
def test_repair_after_a_bad_start_is_gradual(lang):
    res = score_conversation("dibao-complaint", [RUDE[lang], SORRY[lang], *CARE[lang]])
    assert [t.reaction for t in res.turns] == ["escalate", "repair", "repair", "calm"]
    assert [t.mood_level for t in res.turns] == [-3, -2, -1, 0]
    assert res.turns[1].reply != res.turns[2].reply
    # without the rude start the same apology is met with calm at once
    calm = score_conversation("dibao-complaint", [SORRY[lang]]).turns[0]
    assert calm.reaction == "calm"


@pytest.mark.parametrize("lang", LANGS)
def test_mood_rises_at_most_one_step_a_turn(lang):
    turns = [RUDE[lang], SORRY[lang], OFFER[lang], COMMIT[lang][0], CARE[lang][0]]
    res = score_conversation("dibao-complaint", turns)
    levels = [-2] + [t.mood_level for t in res.turns]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    assert levels == [-2, -3, -2, -1, 0, 1]  # four good turns after a rude one: +1 each


@pytest.mark.parametrize("lang", LANGS)
def test_elements_across_turns_count_together(lang):
    turns = {"zh": ["评低保要先入户调查，再由村民代表评议。", "您要是对结果有意见，可以向镇里申请复核。"],
             "en": ["First there is a home visit, then the villager representatives hold an "
                    "appraisal.", "If you disagree with the result, you can ask the township "
                    "for a review."]}[lang]
    res = score_conversation("dibao-complaint", turns)
    per_turn = [t.score.criterion("procedure").level for t in res.turns]
    overall = res.overall.criterion("procedure")
    assert overall.level == 3 and max(per_turn) < 3
    assert {e.turn for e in overall.evidence} == {0, 1}
    for e in overall.evidence:
        assert turns[e.turn][e.start:e.end] == e.text
    assert res.total > max(t.score.total for t in res.turns)


@pytest.mark.parametrize("lang", LANGS)
def test_rude_first_turn_then_repair_keeps_the_criterion_and_shows_the_lapse(lang):
    res = score_conversation("dibao-complaint", [RUDE[lang], SORRY[lang], CARE[lang][0]])
    ack = res.overall.criterion("acknowledge")
    assert 0 < ack.level < ack.max_level and not ack.vetoed
    lapse = next(lp for lp in res.lapses if lp.criterion == "acknowledge")
    assert lapse.turn == 0 and lapse.repaired and lapse.quote
    assert ("第 1 轮" if lang == "zh" else "Turn 1") in ack.feedback
    # the per-turn scores stay: the first turn is still improper on its own
    first = res.turns[0].score.criterion("acknowledge")
    assert first.level == 0 and first.vetoed
    data = res.to_dict()
    assert data["lapses"][0]["turn"] == 0
    assert [t["score"]["total"] for t in data["turns"]] == [t.score.total for t in res.turns]


def _scenario_with(tmp_path, old: str, new: str):
    folder = tmp_path / "scenarios"
    shutil.copytree(scenarios_dir(), folder)
    path = folder / "dibao-complaint.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "where"), [
    ('when: {any: ["@refusal"]}', 'when: {any: ["@refusl"]}', "reactions[3].when.any[1]"),
    ("start_mood: -2", "start_mood: -5", "dialogue.start_mood"),
    ("      shift: -2\n", "      shift: 9\n", "reactions[1].shift"),
])
def test_loader_names_bad_dialogue_fields(tmp_path, old, new, where):
    path = _scenario_with(tmp_path, old, new)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert where in info.value.render("en")


@pytest.mark.parametrize("lang", LANGS)
def test_lapse_with_nothing_repairing_it_keeps_the_criterion_at_zero(lang):
    # a good first turn does not make up for a rude second one; small talk after it is no repair
    res = score_conversation("dibao-complaint", [CARE[lang][0], RUDE[lang], OFF_TOPIC[lang][0]])
    ack = res.overall.criterion("acknowledge")
    assert res.turns[0].score.criterion("acknowledge").level > 0
    assert ack.level == 0 and ack.vetoed
    lapse = next(lp for lp in res.lapses if lp.criterion == "acknowledge")
    assert (lapse.turn, lapse.repaired) == (1, False)
