"""What the course says about the rules (issue 16): one test per corrected error.

Each test reads the shipped sources (lessons/NN-*/lesson.yaml, lessons/scenarios/*.yaml),
so it fails again if a correction is undone.
"""

from __future__ import annotations

import re

import pytest

from pbkit.i18n import t
from pbkit.lessons.loader import get_lesson, load_lessons
from pbkit.roleplay.models import get_scenario

LESSONS = {x.id: x for x in load_lessons()}


def _section(lesson_id, section_id):
    return next(s for s in LESSONS[lesson_id].sections if s.id == section_id)


def _question(lesson_id, qid):
    return next(q for q in LESSONS[lesson_id].quiz if q.id == qid)


def _rule(lesson_id, rule_id):
    return next(r for r in LESSONS[lesson_id].rules if r.id == rule_id)


def _all_text(lesson) -> str:
    return lesson.source.read_text(encoding="utf-8")


def test_six_month_rule_is_any_one_of_three_with_or():
    body = _section("migrant-members", "background").body
    assert "或不交纳党费" in body.zh and "或不做党所分配的工作" in body.zh
    assert "任何一种" in body.zh
    assert "or does not pay dues" in body.en and "any one" in body.en.lower()
    q = _question("migrant-members", "six-months")
    for text in (q.prompt.zh, q.explanation.zh):
        assert "或不交纳党费" in text or "任何一种" in text
    assert "同时满足" not in q.explanation.zh and "all three conditions" not in q.explanation.en
    assert "any one" in q.explanation.en
    notes = LESSONS["migrant-members"].trainer_notes
    assert "任何一种" in notes.zh and "any one" in notes.en
    assert "三个条件同时满足" not in notes.zh
    rule = _rule("migrant-members", "six-months")
    assert [(b.instrument, b.article) for b in rule.basis] == [("party-constitution", 9)]
    scenario_rule = next(r for r in get_scenario("migrant-member").rules if r.id == "six-months")
    assert "或不交纳党费" in scenario_rule.text.zh and "any one" in scenario_rule.text.en
    for lesson in LESSONS.values():
        assert "党员应做的工作" not in _all_text(lesson), lesson.id


def test_meeting_frequencies_say_as_a_rule_and_the_quarterly_lesson_is_local():
    body = _section("three-meetings", "background").body
    assert "每季度至少" not in body.zh and "at least once a quarter" not in body.en
    assert "一般每季度 1 次" in body.zh and "as a rule once a quarter" in body.en
    assert "地方要求" in body.zh and "local requirement" in body.en
    lesson_rule = _rule("three-meetings", "party-lesson")
    assert "local_practice" in {b.status for b in lesson_rule.basis}
    q = _question("three-meetings", "general-meeting")
    assert "一般" in q.prompt.zh and "至少" not in q.prompt.zh
    assert "至少一次" not in q.explanation.zh
    assert "至少一次" not in _section("org-life", "background").body.zh
    assert "7 人" in body.zh and "7 or more full members" in body.en  # committee by branch size


def test_dibao_procedure_has_county_confirmation_unless_delegated_and_review():
    body = _section("mass-line", "background").body
    for word in ("乡镇受理", "县级人民政府民政部门审核确认", "委托", "复核"):
        assert word in body.zh, word
    assert "county civil-affairs department confirms" in body.en and "delegated" in body.en
    assert "乡镇审核审批" not in body.zh
    q = _question("mass-line", "dibao-steps")
    assert q.answer[-1] == "confirm" and "县级民政部门" in q.choice("confirm").text.zh
    scenario_rule = next(r for r in get_scenario("dibao-complaint").rules
                         if r.id == "dibao-procedure")
    assert "县级人民政府民政部门审核确认" in scenario_rule.text.zh
    assert "委托乡镇审核确认" in scenario_rule.text.zh and "复核" in scenario_rule.text.zh
    assert "dibao-measures" in {b.instrument for b in scenario_rule.basis}


def test_two_thirds_quorum_is_named_as_the_representative_meetings():
    body = _section("four-two", "explorer").body
    assert "村民代表会议" in body.zh and "三分之二" in body.zh and "不是党员大会" in body.zh
    assert "representative meeting" in body.en and "not to the members' meeting" in body.en
    assert "待核" in body.zh and "to be verified" in body.en  # members away: unsure parts marked
    rule = _rule("four-two", "representatives-quorum")
    assert [(b.instrument, b.article) for b in rule.basis] == [("villagers-committee-law", 26)]
    away = _rule("four-two", "absent-members")
    assert all(b.pending for b in away.basis)


def test_practices_of_one_township_are_labelled_examples():
    q = _question("attention", "bao-cun")
    assert "田野报告 002" in q.prompt.zh and "field report 002" in q.prompt.en
    assert "示例" in q.explanation.zh and "example" in q.explanation.en
    assert {(b.status, b.seed) for b in _rule("attention", "bao-cun-team").basis} == {
        ("local_practice", "002")}
    assert "通常是 1 名乡镇副职领导" not in _section("attention", "background").body.zh
    quarterly = _rule("migrant-members", "quarterly-report")
    assert {(b.status, b.seed) for b in quarterly.basis} == {("local_practice", "000")}
    assert "每季度向支部汇报" not in _section("migrant-members", "background").body.zh


def test_neighbour_dispute_law_is_stated_correctly():
    sc = {r.id: r for r in get_scenario("neighbor-dispute").rules}
    water = sc["neighbouring-relations"].text.zh
    assert "对自然流水的利用，应当在相邻权利人之间合理分配" in water
    assert "对自然流水的排放，应当尊重自然流向" in water
    assert "排放，应当在相邻权利人之间合理分配" not in water
    assert ("civil-code", 290) in {(b.instrument, b.article) for b in sc["neighbouring-relations"].basis}
    assert "人民政府处理" in sc["land-right-dispute"].text.zh
    assert ("land-administration-law", 14) in {
        (b.instrument, b.article) for b in sc["land-right-dispute"].basis}
    assert "司法确认" in sc["mediation"].text.zh
    body = _section("disputes", "background").body
    assert "尊重自然流向" in body.zh and "司法确认" in body.zh and "不能直接去法院" in body.zh
    assert "natural flow" in body.en and "judicial confirmation" in body.en
    q = _question("disputes", "if-fails")
    assert "d" in q.answer and "人民政府" in q.choice("d").text.zh


def test_sending_a_villager_away_is_called_tuiwei_not_remote_control():
    q = _question("mass-line", "first-move")
    assert "推诿" in q.explanation.zh and "遥控指挥" not in q.explanation.zh
    assert "remote control" not in q.explanation.en.lower()


def test_education_indicator_in_the_quiz_matches_the_chart():
    for lang in ("zh", "en"):
        label = t("lessons.an.indicator.low_education", lang=lang)
        q = _question("why-branches", "education-indicator")
        assert label.lower() in q.choice(q.answer[0]).text.get(lang).lower(), lang
        assert label.lower() in _section("why-branches", "background").body.get(lang).lower()


def test_publicity_at_named_steps_and_full_membership_approved_above():
    body = _section("new-members", "background").body
    assert "每一步都有培养、考察和公示" not in body.zh
    assert "公示不是每一步都有" in body.zh and "not at every step" in body.en
    assert "发展对象在被接收为预备党员之前要经过公示" in body.zh
    assert body.zh.count("报上级党组织批准") >= 2
    q = _question("new-members", "probation")
    assert "上级党组织批准" in q.explanation.zh and "higher party organisation" in q.explanation.en
    assert ("party-constitution", 7) in {(b.instrument, b.article)
                                         for b in _rule("new-members", "probation").basis}


def test_no_national_quota_of_new_members():
    lesson = LESSONS["new-members"]
    assert "控制总量、优化结构、提高质量、发挥作用" in _section("new-members", "background").body.zh
    assert all("3–5" not in o.zh for o in lesson.objectives)
    assert {(b.status, b.seed) for b in _rule("new-members", "local-quota").basis} == {
        ("example", "001")}
    assert not any(q.id == "target" for q in lesson.quiz)
    principle = _rule("new-members", "development-principle").basis
    assert ("member-development-rules", 3) in {(b.instrument, b.article) for b in principle}


_INDEX_WORDS = re.compile(r"gini|theil|lorenz|基尼|泰尔|洛伦兹", re.I)


def test_trainees_see_plain_shares_not_inequality_indices():
    from pbkit.i18n import catalog
    from pbkit.lessons.build import notebooks_dir

    for lesson in LESSONS.values():
        assert not _INDEX_WORDS.search(_all_text(lesson)), lesson.id
    for path in notebooks_dir().glob("*/*.ipynb"):
        assert not _INDEX_WORDS.search(path.read_text(encoding="utf-8")), path.name
    for key, entry in catalog().items():
        if key.startswith(("lessons.fig.", "lessons.widget.", "lessons.an.")):
            assert not _INDEX_WORDS.search(" ".join(entry.values())), key
    assert "20%" in t("lessons.fig.helper_load", lang="zh", top="50%")
    # the indices stay for researchers
    from pbkit.health.fairness import gini, theil

    assert gini([1.0, 1.0]) == pytest.approx(0.0) and theil([1.0, 1.0]) == pytest.approx(0.0)


def test_quiz_explanations_show_the_basis_of_their_rules():
    q = get_lesson("migrant-members").quiz[0]
    assert q.rules == ("six-months",)
    assert "依据：《中国共产党章程》第九条" in q.explanation.zh
    assert "Basis: Constitution of the Communist Party of China, Art. 9" in q.explanation.en
