"""Multi-turn role-play: villager reactions, per-turn and overall scores."""

from __future__ import annotations

import pytest

from pbkit.errors import UsageError
from pbkit.roleplay import Conversation, score, score_conversation


def test_dibao_reactions_follow_what_the_trainee_says():
    conv = Conversation("dibao-complaint")
    assert "低保" in conv.opening
    t1 = conv.say("大娘您先坐，慢慢说，我理解您一个人照顾儿子的难处。")
    assert (t1.reaction, t1.mood) == ("calm", "calmer")
    t2 = conv.say("申请还需要哪些材料？您带了残疾证和户口本吗？")
    assert t2.reaction == "documents" and "残疾证" in t2.reply
    t3 = conv.say("你再到处闹，就取消你家的补助。")
    assert (t3.reaction, t3.mood) == ("escalate", "angry")
    result = conv.result()
    assert [t.index for t in result.turns] == [0, 1, 2]
    assert result.overall.criterion("boundaries").level == 0
    assert result.overall.criterion("acknowledge").level == 0  # the threat spoils it


def test_english_replies_and_overall_is_best_turn():
    turns = [
        "Please sit down and tell me what happened. I understand how hard this is.",
        "The steps are a home visit, an appraisal by villager representatives, a public "
        "notice and township approval. You can ask the township for a review.",
        "I'll re-check the relative's case, with that cadre recused, and come to your home "
        "within three days to tell you the result.",
    ]
    res = score_conversation("dibao-complaint", turns)
    assert all(t.reply.isascii() for t in res.turns)
    assert res.turns[0].reaction == "calm"
    per_turn = [[c.level for c in t.score.criteria] for t in res.turns]
    best = [max(col) for col in zip(*per_turn)]
    assert [c.level for c in res.overall.criteria] == best
    assert res.total > max(t.score.total for t in res.turns)
    ev = res.overall.criterion("follow_up").evidence
    assert ev and ev[0].turn == 2
    assert turns[2][ev[0].start:ev[0].end] == ev[0].text


def test_neighbor_escalates_when_taking_sides():
    res = score_conversation("neighbor-dispute", ["老张，这事就是你的错！", "我先分别听听两家的说法，我不偏向任何一方。"])
    # one fair turn after taking sides starts a repair; they do not calm down at once
    assert [t.reaction for t in res.turns] == ["escalate", "repair"]
    de = res.overall.criterion("de_escalate")
    assert 0 < de.level < de.max_level and not de.vetoed  # repaired, not zeroed
    assert [(lp.criterion, lp.turn, lp.repaired) for lp in res.lapses] == [
        ("de_escalate", 0, True)]
    assert res.turns[0].score.criterion("de_escalate").vetoed  # still visible per turn
    # taking sides in the last turn has nothing after it to repair it
    res = score_conversation("neighbor-dispute", ["我先分别听听两家的说法。", "老张，这事就是你的错！"])
    assert res.overall.criterion("de_escalate").level == 0
    assert res.overall.criterion("de_escalate").vetoed


def test_single_turn_matches_score():
    text = "小刘，最近工作怎么样？党费可以在手机上交，我明天把链接发给你。"
    res = score_conversation("migrant-member", [text])
    assert res.overall.levels == score("migrant-member", text).levels


def test_turn_limits_and_bad_input():
    conv = Conversation("migrant-member")
    for _ in range(conv.max_turns):
        conv.say("你好")
    assert conv.finished
    with pytest.raises(UsageError) as info:
        conv.say("再见")
    assert info.value.render("en") == "the conversation is over (at most 4 turns)"
    with pytest.raises(UsageError):
        score_conversation("migrant-member", [])
    with pytest.raises(UsageError):
        score_conversation("migrant-member", ["a"] * 6)
    with pytest.raises(UsageError):
        score_conversation("migrant-member", "just a string")
