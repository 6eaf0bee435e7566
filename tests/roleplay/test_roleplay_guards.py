"""Guards: answers that game a bag-of-words scorer must not score, and fair ones must be
stable under repetition, padding, paraphrase, translation and Traditional Chinese."""

from __future__ import annotations

import numpy as np
import opencc
import pytest

from pbkit.roleplay import get_scenario, score, score_many

SALAD = {
    "dibao-complaint": [
        "低保 申请 入户调查 民主评议 公示 复核 回避 临时救助 三个工作日内 一次性告知",
        "dibao, application, household investigation, democratic appraisal, public notice, "
        "review, recusal, temporary assistance, within 3 days, one-time notice",
    ],
    "migrant-member": [
        "党费 组织生活 季度汇报 线上学习 流动党员活动证 六个月 自行脱党 下周 回访",
        "dues, organisational life, quarterly report, online study group, mobile member "
        "certificate, six months, next week",
    ],
    "neighbor-dispute": [
        "现场查看 宅基地证 四至 证人 村规民约 民法典 调解委员会 疏通 分摊 调解协议 回访",
        "site visit, homestead certificate, boundaries, witnesses, village rules, civil code, "
        "mediation committee, reopen ditch, share costs, written agreement, return visit",
    ],
}

OFF_TOPIC = [
    "今年村里的玉米长势很好，合作社准备扩大规模。下个月要组织年轻人参加电商培训，请大家积极报名。",
    "The football match last night was exciting. Our team scored twice in the second half "
    "and the fans were singing until midnight. Next week we play away.",
]

FILLER = [
    "嗯嗯，好的好的，这个这个，那个那个，是吧是吧，对对对，" * 40,
    "well, you know, I mean, basically, sort of, like, okay okay, right right, " * 40,
]

NEGATED = {
    "dibao-complaint": [
        "I won't show you the records, there is no need for a review, and I'm not going to "
        "re-check anybody's case or tell you how to appeal.",
        "我不会给你看记录，也没必要复核，那家亲戚的情况不用查，公示名单你也别想看。",
    ],
    "migrant-member": [
        "I won't send you any link, there's no online study group for you and no need to "
        "contact the branch where you work.",
        "我不会给你开流动党员证明，也没必要搞网上交党费，那边的党组织我不会帮你联系。",
    ],
    "neighbor-dispute": [
        "I won't visit the site, there's no need to check the homestead certificates or ask "
        "any witnesses, and I'm not going to write any agreement.",
        "我不会去现场看，也没必要查宅基地证，不用问邻居，调解协议也不会写。",
    ],
}


@pytest.mark.parametrize("sid", list(SALAD))
def test_keyword_list_scores_low(sid):
    for text in SALAD[sid]:
        s = score(sid, text)
        assert s.total <= 20, (text, s.levels)
        assert s.needs_review and "keyword_list" in s.review_reasons


@pytest.mark.parametrize("sid", list(SALAD))
def test_off_topic_and_filler_score_low(sid):
    for text in OFF_TOPIC + FILLER:
        s = score(sid, text)
        assert s.total <= 20, (text[:30], s.levels)
        assert s.needs_review


@pytest.mark.parametrize("sid", list(NEGATED))
def test_negated_answers_score_low(sid):
    for text in NEGATED[sid]:
        s = score(sid, text)
        assert s.total <= 20, (text, s.levels)


def test_negation_does_not_swallow_positive_clauses():
    s = score("dibao-complaint", "您要是不满意，可以向镇民政办申请复核。我不会偏袒任何人，评议记录我可以给您看。")
    assert s.criterion("transparency").level >= 2
    assert s.criterion("procedure").level >= 1
    s = score("dibao-complaint", "If you are not satisfied you can ask the township for a review.")
    assert any(e.cue == "objection" for e in s.criterion("procedure").evidence)


def _good_answers(sid):
    sc = get_scenario(sid)
    return [e for e in sc.exemplars if sum(e.levels.values()) >= 8]


@pytest.mark.parametrize("sid", list(SALAD))
def test_repetition_and_padding_do_not_raise(sid):
    exs = get_scenario(sid).exemplars
    texts = [e.text for e in exs]
    base = score_many(sid, texts)
    repeated = score_many(sid, [(t + "\n") * 3 for t in texts])
    # padding stays within the answer cap the app and the scorer share (4000 characters)
    padded = score_many(sid, [t + "\n" + FILLER[0][:1000] + FILLER[1][:2000] for t in texts])
    for b, r, p in zip(base, repeated, padded):
        assert r.total <= b.total
        assert p.total <= b.total


def test_length_correlation_near_human():
    lengths, human, machine = [], [], []
    for sid in SALAD:
        sc = get_scenario(sid)
        scores = score_many(sid, [e.text for e in sc.exemplars])
        for e, s in zip(sc.exemplars, scores):
            lengths.append(len(e.text))
            human.append(sum(e.levels.values()))
            machine.append(s.total)
    r_h = np.corrcoef(lengths, human)[0, 1]
    r_m = np.corrcoef(lengths, machine)[0, 1]
    assert abs(r_m - r_h) <= 0.15, (r_h, r_m)


@pytest.mark.parametrize("sid", list(SALAD))
def test_traditional_chinese_moves_no_criterion_more_than_one(sid):
    conv = opencc.OpenCC("s2t")
    exs = [e for e in get_scenario(sid).exemplars if e.lang == "zh"]
    simp = score_many(sid, [e.text for e in exs])
    trad = score_many(sid, [conv.convert(e.text) for e in exs])
    full = score_many(sid, [e.text.replace("3", "３").replace("5", "５") for e in exs])
    for a, b, c in zip(simp, trad, full):
        for x, y, z in zip(a.criteria, b.criteria, c.criteria):
            assert abs(x.level - y.level) <= 1 and abs(x.level - z.level) <= 1


# paraphrase and translation triples (not exemplars): zh, a zh paraphrase, an en translation
TRIPLES = [
    ("dibao-complaint",
     "大娘您先坐下，慢慢说。您一个人照顾残疾儿子，真不容易。今年您家低保没批，干部亲戚却评上了，换谁都有气。低保要入户调查、村民代表民主评议、公示，再报镇里审批；"
     "您不服可以找镇民政办申请复核。那户亲戚我们请镇里重新核查，相关干部回避。一周内我上门给您回话。批不批是镇里定，我不打包票，这期间先帮您申请临时救助。",
     "阿姨，别急，坐下来讲。您自己拉扯着残疾的孩子，太难了。您的申请被刷下来，可村干部家亲戚批了，心里肯定憋屈。流程是先上门核实家庭收入，再由村民代表评议，张榜公示后报乡镇审核；"
     "结果您有异议，可以向乡镇申请复查。亲戚那一户，交给镇里重新审查，那位干部不参与。七天之内我到您家答复。最后由乡镇审批，我没法保证，不过眼下可以先给您申请临时救助。",
     "Auntie, please sit down and tell me slowly. Caring for your disabled son alone is really hard. "
     "Your dibao was rejected this year while a cadre's relative was approved; anyone would be upset. "
     "The steps are a household investigation, a democratic appraisal by villager representatives, "
     "a public notice, then township approval; if you disagree you can ask the township civil affairs "
     "office for a review. We'll ask the township to re-check the relative's case, with the cadre concerned "
     "recused. I'll come to your home within a week with an answer. The township decides, so I can't "
     "promise anything, but meanwhile I'll help you apply for temporary assistance."),
    ("migrant-member",
     "小刘，最近工作怎么样？累不累？你妈身体挺好。你八个月没交党费、没参加组织生活了。按规定连续六个月没有正当理由不交党费的，按自行脱党处理。"
     "是不是倒班时间对不上？党费可以网上交，支部有线上学习群。我明天把二维码发你，下周五再给你打电话。",
     "刘兄弟，好久没联系，厂里活还顺利吧？家里老人都好。这大半年党费和组织生活都断了。规定是半年以上不交党费又没有正当理由，就算自行脱党。"
     "是不是夜班多走不开？现在手机上就能交党费，还有网上学习群。明天我把链接发给你，下周五我再打电话给你。",
     "Xiao Liu, how's work, are you tired? Your mum is fine. You haven't paid dues or joined "
     "organisational life for eight months. The rule is that six months without dues and without a good "
     "reason counts as leaving the party. Is it the shifts? You can pay dues online and we have an "
     "online study group. I'll send you the QR code tomorrow and call you again next Friday."),
    ("neighbor-dispute",
     "两位先别吵。我不偏向任何一方，先分别单独听听你们的说法。然后一起到现场看看，查查宅基地证上的四至，再问问邻居。村规民约规定不准堵排水沟，"
     "民法典也有相邻关系的规定。办法是把沟疏通，费用两家分摊，签个书面调解协议；谈不拢可以去镇司法所。这周六前通沟，下次下雨后我来回访，检查协议落实。",
     "两位都消消气。我保持中立，一家一家单独谈。接着咱们去沟边实地看一看，翻出宅基地档案对一对界线，再找左邻右舍问问。按村规民约，公共排水沟不能堵，"
     "民法典里相邻关系也写着。我建议把沟重新挖开，两家平摊费用，写一份调解协议签字；调解不成可以去法院。周六之前挖通，雨后我再过来看看协议执行得怎么样。",
     "Both of you, stop shouting. I'm neutral; I'll hear each of you separately. Then we'll go to the "
     "site, check the homestead certificates for the boundaries and ask the neighbours. The village rules "
     "forbid blocking the drain and the Civil Code covers neighbouring relations. The ditch gets reopened, "
     "the two families split the cost, and we sign a written mediation agreement; if that fails, the "
     "township judicial office can help. The ditch is open by Saturday, and after the next rain I'll come "
     "back to check that the agreement is kept."),
]


@pytest.mark.parametrize("sid, zh, para, en", TRIPLES)
def test_paraphrase_and_translation_move_no_criterion_more_than_one(sid, zh, para, en):
    a, b, c = score(sid, zh), score(sid, para), score(sid, en)
    for x, y, z in zip(a.criteria, b.criteria, c.criteria):
        assert abs(x.level - y.level) <= 1, (x.id, x.level, y.level)
        assert abs(x.level - z.level) <= 1, (x.id, x.level, z.level)
    assert a.total >= 80 and c.total >= 80


IMPROPER = [
    ("dibao-complaint", "boundaries", "大娘您放心，这事包在我身上，明年保证给您家批下来。"),
    ("dibao-complaint", "boundaries", "Don't worry, I promise you'll get the allowance; I'll pull some strings."),
    ("dibao-complaint", "boundaries", "你要是再去镇里告，以后什么补助都别想有。"),
    ("dibao-complaint", "boundaries", "Stop complaining, just accept the decision and go home."),
    ("dibao-complaint", "boundaries", "我跟民政的熟人打个招呼，通融一下，把您家也加进去。"),
    ("dibao-complaint", "acknowledge", "你别在这儿闹了，胡说八道什么，回去吧。"),
    ("migrant-member", "obligations", "你再不交党费，我们就把你除名，后果自负。"),
    ("migrant-member", "obligations", "If you don't pay by Friday we will expel you. Final warning."),
    ("migrant-member", "rapport", "你怎么回事？太不像话了，还配当党员吗？"),
    ("neighbor-dispute", "de_escalate", "老张，这事就是你的错，你就是霸道。"),
    ("neighbor-dispute", "de_escalate", "It's all Zhang's fault, Li is clearly right."),
    ("neighbor-dispute", "de_escalate", "你们俩再吵，我就叫派出所来把人带走。"),
    ("enterprise-branch", "boundaries", "建了支部，镇里给您减税，再帮您争取项目。"),
    ("homestead-application", "boundaries", "你先把房子盖起来再说，手续以后再补，包你能批。"),
]


@pytest.mark.parametrize("sid, crit, text", IMPROPER)
def test_improper_statements_are_caught(sid, crit, text):
    s = score(sid, text)
    c = s.criterion(crit)
    assert c.level == 0 and c.vetoed
    assert c.evidence, "the improper words are quoted as evidence"
    assert c.evidence[0].text in text


def test_improper_statement_caught_inside_a_good_answer():
    good = TRIPLES[0][1]
    s = score("dibao-complaint", good + "不过您放心，我保证明年一定给您批下来。")
    assert s.criterion("boundaries").level == 0
    assert score("dibao-complaint", good).criterion("boundaries").level == 3


def test_evidence_spans_point_into_the_original_text():
    conv = opencc.OpenCC("s2t")
    text = conv.convert(TRIPLES[2][1]).replace("6", "６")
    s = score("neighbor-dispute", text)
    assert s.total >= 80
    for c in s.criteria:
        assert c.level == 0 or c.evidence
        for e in c.evidence:
            assert text[e.start:e.end] == e.text


def test_total_formula_and_feedback_language():
    s = score("dibao-complaint", TRIPLES[0][1])
    assert s.total == round(100 * sum(c.level for c in s.criteria) /
                            sum(c.max_level for c in s.criteria), 1)
    assert s.lang == "zh"
    en = score("dibao-complaint", "Please sit down, I'm listening.")
    assert en.lang == "en"
    fb = en.criterion("procedure").feedback
    assert fb.startswith("'Explain the procedure' can improve: ")
    assert score("dibao-complaint", "Please sit down.", lang="zh").criterion(
        "procedure").feedback.startswith("“讲清程序”还可以更好：")
    top = score("dibao-complaint", TRIPLES[0][3]).criterion("acknowledge")
    assert top.level == 3 and "top level" in top.feedback


def test_deterministic():
    texts = [e.text for e in get_scenario("migrant-member").exemplars]
    a = [s.to_dict() for s in score_many("migrant-member", texts)]
    b = [s.to_dict() for s in score_many("migrant-member", texts)]
    c = [score("migrant-member", x).to_dict() for x in texts]
    assert a == b == c


def test_bad_text_type():
    from pbkit.errors import UsageError

    with pytest.raises(UsageError) as info:
        score("dibao-complaint", None)  # type: ignore[arg-type]
    assert info.value.render("en") == "the answer must be text, got NoneType"
