"""Stance, guards and recall of the role-play scorer (issue 15), in both languages.

Every sentence here was written for these tests (not taken from any graded answer set).
Refusals, sarcasm, grudging conditions, rhetorical questions and text that is not an answer
to the villager score low and, where the scorer cannot be sure, carry a review flag; double
negatives, homophone typos and note-form plans keep their credit.
"""

from __future__ import annotations

import pytest

from pbkit.roleplay import find_deadlines, get_scenario, score
from pbkit.roleplay.scorer import get_scorer

DIBAO = "dibao-complaint"
NEIGHBOR = "neighbor-dispute"

REFUSALS = [
    # object first, negation after the verb
    (DIBAO, "评议记录我是不会拿出来给你看的，那户亲戚的材料也不用再查了。"),
    (NEIGHBOR, "现场我是不会去看的，村规民约也不用翻了。"),
    # the refusal in the next short sentence
    (DIBAO, "重新核查那户亲戚？没必要。公示名单？想都别想。"),
    # rhetorical questions
    (DIBAO, "谁说要给你看评议记录了？谁说要复核他家了？"),
    # 门都没有 / 做梦吧 after the action
    (DIBAO, "给你看评议记录，门都没有。复核那户亲戚的材料，做梦吧。"),
    # "isn't necessary", "forget about"
    (DIBAO, "A re-check of the relative's case isn't necessary, and a public notice of the "
            "results isn't needed either."),
    (NEIGHBOR, "Mediation isn't necessary. Forget about a site visit — that's not happening."),
    # brush-offs in the next short sentence, 免了 / 没那个必要 / "skip them"
    (NEIGHBOR, "去现场看？我才不去呢。村规民约你们自己翻去。"),
    ("four-two", "公开账目？没那个必要。村民大会也不用开了。"),
    ("org-life-meeting", "谈心谈话就免了，整改清单也不用列。"),
    ("org-life-meeting", "Heart-to-heart talks? Skip them. A rectification list won't be needed."),
    # a sarcastic sentence after the action
    (DIBAO, "Ask the township for a review? Good luck with that."),
    ("heart-to-heart", "三会一课你爱来不来，技术课也轮不到你讲。"),
]


@pytest.mark.parametrize(("sid", "text"), REFUSALS)
def test_refusals_earn_nothing(sid, text):
    s = score(sid, text)
    assert s.total <= 10, (text, s.levels)
    # and no feedback praises a level earned inside a refusal
    assert all("最高级" not in c.feedback and "top level" not in c.feedback
               for c in s.criteria), s.to_dict()


@pytest.mark.parametrize("text", [
    "我也不打算下周五之前去你家告诉你结果。",
    "I'm not going to come to your home by Friday to tell you the result either.",
])
def test_a_date_inside_a_refusal_is_no_deadline(text):
    s = score(DIBAO, text)
    assert s.criterion("follow_up").level == 0, s.levels
    assert "@deadline" not in get_scorer(DIBAO).analyze(text).present


def test_a_date_in_the_past_is_no_deadline():
    assert [d.kind for d in find_deadlines("三个月前您就来申请过")] == ["past"]
    assert [d.kind for d in find_deadlines("eight months ago you applied")] == ["past"]
    for text in ("上个月15号我就去过您家了。", "Last month, on May 3rd, I visited your home."):
        assert "@deadline" not in get_scorer(DIBAO).analyze(text).present, text


@pytest.mark.parametrize("text", [
    "那户亲戚的情况，并非不能重新核查。",
    "It's not that I won't show you the appraisal minutes.",
])
def test_double_negatives_mean_yes(text):
    assert score(DIBAO, text).criterion("transparency").level >= 2


@pytest.mark.parametrize(("text", "flag"), [
    ("等太阳从西边出来，我就帮你复核那户亲戚的材料，再把结果公示。", "sarcasm"),
    ("Sure, I'll re-check the relative's case and post the results when pigs fly.", "sarcasm"),
    ("你非要的话，也许哪天我帮你复核一下那户亲戚的材料吧。", "conditional"),
    ("If you insist, maybe someday I'll re-check the relative's case and post the results.",
     "conditional"),
])
def test_sarcasm_and_grudging_conditions_earn_nothing_and_are_flagged(text, flag):
    s = score(DIBAO, text)
    assert s.total <= 10, s.levels
    assert flag in s.review_reasons and s.needs_review


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pasted_scenario_scores_low_and_is_flagged(lang):
    sc = get_scenario(DIBAO)
    s = score(DIBAO, sc.context.get(lang) + ("请回应。" if lang == "zh" else " Respond."))
    assert s.total <= 20 and "copies_scenario" in s.review_reasons


@pytest.mark.parametrize("text", [
    "村支书应该先请该村民坐下，听她把话说完，再讲清低保的入户调查、民主评议和公示程序，"
    "然后复核那户亲戚的材料，让相关干部回避。",
    "The secretary should let the widow talk first, explain the home visit, the democratic "
    "appraisal and the public notice, then re-check the relative's case with the cadre "
    "concerned recused.",
])
def test_talk_about_the_villager_scores_low_and_is_flagged(text):
    s = score(DIBAO, text)
    assert s.total <= 20 and "not_addressed" in s.review_reasons, s.levels


@pytest.mark.parametrize(("sid", "text"), [
    ("four-two", "村民对修路资金有疑问。按照四议两公开，应由党支部提议、两委商议、党员大会审议、"
                 "村民代表会议决议，决议和结果都要公开。"),
    ("heart-to-heart", "老王是村里的种植能手，近一年很少参加组织生活。支部书记要以谈心的方式了解原因，"
                       "肯定他的贡献。"),
    ("enterprise-branch", "Mr Chen is worried about costs. The instructor should explain returned "
                          "dues and township funding, and that the branch will not interfere."),
])
def test_reports_in_other_scenarios_are_flagged(sid, text):
    s = score(sid, text)
    assert s.total <= 20 and "not_addressed" in s.review_reasons, s.levels


def test_keyword_lists_separated_by_spaces():
    s = score(DIBAO, "dibao appraisal recusal notice hotline review township")
    assert s.total <= 20 and "keyword_list" in s.review_reasons, s.levels
    # guard for the note-form plan reading below: verb-object keywords separated only by
    # spaces are still a keyword list
    s = score(DIBAO, "复核亲戚 公示结果 干部回避 上门答复 临时救助")
    assert s.total <= 20 and "keyword_list" in s.review_reasons, s.levels


def test_homophone_typos_keep_their_credit():
    right = score(DIBAO, "我们会把那户亲戚的材料重新核查，相关干部会回避，结果公示出来。")
    typo = score(DIBAO, "我们会把那户亲戚的材料重新合查，相关干部会回避，结果公式出来。")
    assert typo.levels == right.levels
    # evidence still points at what was typed
    assert any("合查" in e.text for c in typo.criteria for e in c.evidence)


def test_homophone_pass_leaves_real_words_and_word_boundaries_alone():
    # "会比较" is no typo of "回避" (the run crosses a word boundary)
    a = get_scorer(DIBAO).analyze("我们会比较两家的情况。")
    assert "recusal" not in a.present


def test_note_form_plans_are_content_not_keyword_lists():
    s = score(DIBAO, "Plan: check records, recheck relative, post results, call you friday.")
    assert "keyword_list" not in s.review_reasons and s.total > 20, s.levels
    s = score(DIBAO, "安排：调档案，核亲戚，贴结果，送救助。")
    assert "keyword_list" not in s.review_reasons, s.levels


def test_english_cues_match_whole_words():
    a = get_scorer(DIBAO).analyze("I'll bring you a cup of tea and some water.")
    assert "report_back" not in a.present


def test_english_negator_scopes_over_chinese_words():
    s = score(DIBAO, "I can't promise 一定批, 但我们会请镇里重新核查那户亲戚的材料。")
    assert not s.criterion("boundaries").vetoed
