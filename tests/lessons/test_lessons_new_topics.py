"""Lessons 13-15 (issue 16, topics the field reports teach that the course did not):
the synthetic points table, the analyses, charts and explorers behind them, and what the
lessons state with which basis."""

from __future__ import annotations

import pandas as pd
import pytest

from pbkit.data.sample import load_sample
from pbkit.lessons import analyses as an
from pbkit.lessons import figures as fig
from pbkit.lessons.loader import load_lessons
from pbkit.lessons.points import CATEGORIES, load_scale, member_points

LESSONS = {x.id: x for x in load_lessons()}
ITEMS = list(load_scale().items)


@pytest.fixture(scope="module")
def ds():
    return load_sample()


@pytest.fixture(scope="module")
def points(ds):
    return member_points(ds)


def _rule(lesson_id, rule_id):
    return next(r for r in LESSONS[lesson_id].rules if r.id == rule_id)


def _section(lesson_id, section_id):
    return next(s for s in LESSONS[lesson_id].sections if s.id == section_id)


# ------------------------------------------------------------------ the points table
def test_points_are_deterministic_and_the_seed_matters(ds, points):
    assert member_points(ds).equals(points)
    other = member_points(ds, seed=7)
    assert not other[ITEMS].equals(points[ITEMS])
    # what comes from the data does not depend on the seed
    assert other["dues"].equals(points["dues"]) and other["service"].equals(points["service"])


def test_points_hold_no_personal_data_and_leave_the_core_schema_alone(ds, points):
    from pbkit.data.schema import TABLES

    personal = {"birth_year", "gender", "education", "occupation", "destination", "name",
                "skills", "last_contact", "dues_paid_until"}
    assert not personal & set(points.columns)
    assert points["person_id"].str.fullmatch(r"P\d+").all()
    assert "points" not in TABLES and not any("points" in t for t in TABLES)


def test_points_follow_the_scale(points):
    scale = load_scale()
    assert sum(v["max"] for v in scale.items.values()) == 100
    for item, spec in scale.items.items():
        expected = (points[f"{item}_n"] * spec["per"]).clip(upper=spec["max"])
        assert (points[item] == expected).all(), item
    assert (points["total"] == points[ITEMS].sum(axis=1)).all()
    assert points["total"].between(0, 100).all()
    for total, band in zip(points["total"], points["band"]):
        assert band == scale.band(total)


def test_points_cover_village_members_with_their_real_status(ds, points):
    from pbkit.health.branches import members

    mem = members(ds).set_index("person_id")
    levels = ds.orgs.set_index("org_id")["level"]
    assert set(points["org_id"].map(levels)) <= {"village", "community"}
    assert set(points["category"]) <= set(CATEGORIES)
    migrant = points["category"] == "migrant"
    assert mem.loc[points.loc[migrant, "person_id"], "is_migrant"].all()
    assert points.loc[migrant, "post"].isna().all()  # migrants get no village post


def test_the_scale_file_is_labelled_an_example():
    import yaml

    from pbkit.lessons.points import scale_path

    data = yaml.safe_load(scale_path().read_text(encoding="utf-8"))
    assert {b["status"] for b in data["basis"]} == {"example"}
    assert "LOCAL EXAMPLE" in scale_path().read_text(encoding="utf-8")


def test_a_broken_scale_file_is_one_clear_error(tmp_path):
    from pbkit.errors import ConfigError

    bad = tmp_path / "scale.yaml"
    bad.write_text("items: [1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scale(bad)
    assert "scale.yaml" in err.value.render("en")


# ------------------------------------------------------------------ analyses
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", ["points_table", "points_summary", "points_by_category",
                                  "mass_line_list", "first_secretaries", "village_leaders"])
def test_tables_show_labels_not_codes(ds, name, lang):
    shown = getattr(an, name)(ds, lang=lang)
    raw = getattr(an, name)(ds, lang=lang, display=False)
    assert len(shown) == len(raw)
    codes = {"org_id", "person_id", "total", "band", "topic", "term", "solved_rate",
             "collective_income", "weak_lax", "reserve_pool", "share_low", "category"}
    assert not codes & set(shown.columns), list(shown.columns)
    text = " ".join(map(str, shown.to_numpy().ravel()))
    for code in ("under_50k", "at_home", "immediate", "senior_high", "nan", "None"):
        assert code not in text, (name, code)


def test_points_summary_and_categories_agree_with_the_table(ds, points):
    summary = an.points_summary(ds, display=False)
    assert int(summary["members"].sum()) == len(points)
    assert summary["mean_total"].is_monotonic_increasing
    assert set(summary["weakest_item"]) <= set(ITEMS)
    cats = an.points_by_category(ds, display=False)
    assert int(cats["members"].sum()) == len(points)
    migrant = cats.set_index("category").loc["migrant", "mean_total"]
    home = cats.set_index("category").loc["at_home", "mean_total"]
    assert migrant < home  # one ruler marks migrant members down: the lesson's point
    village = summary["org_id"].iloc[0]
    one = an.points_table(ds, org_id=village, display=False)
    assert set(one["org_id"]) == {village} and one["total"].is_monotonic_increasing


def test_rectification_list_grows_with_the_threshold_and_splits_terms(ds):
    low = an.mass_line_list(ds, threshold=0.4, display=False)
    high = an.mass_line_list(ds, threshold=0.7, display=False)
    key = lambda f: set(zip(f["org_id"], f["topic"]))  # noqa: E731
    assert key(low) <= key(high) and len(high) > len(low)
    assert (high["solved_rate"] < 0.7).all() and (high["visits"] >= 3).all()
    gradual = high["topic"].isin(an.GRADUAL_TOPICS)
    assert (high.loc[gradual, "term"] == "gradual").all()
    assert (high.loc[~gradual, "term"] == "immediate").all()
    ref = an.reference_date(ds)
    deadlines = pd.to_datetime(high["deadline"])
    assert (deadlines > ref).all()
    assert (deadlines[gradual] > deadlines[~gradual].max()).all()


def test_first_secretaries_are_placed_in_a_village(ds):
    fs = an.first_secretaries(ds, display=False)
    people = ds.people
    n = people["roles"].map(lambda r: isinstance(r, tuple) and "first_secretary" in r).sum()
    assert len(fs) == n
    levels = ds.orgs.set_index("org_id")["level"]
    placed = fs["stationed_village"].dropna()
    assert set(placed.map(levels)) <= {"village", "community"}
    assert fs["share_there"].dropna().between(0, 1).all()


def test_village_leaders_puts_weak_villages_first(ds):
    table = an.village_leaders(ds, display=False)
    villages = set(ds.orgs.loc[ds.orgs["level"].isin(["village", "community"]), "org_id"])
    assert set(table["org_id"]) == villages
    weak = table["weak_lax"].tolist()
    assert weak == sorted(weak, reverse=True)
    assert (table["young_members"] <= table["members"]).all()
    assert (table["reserve_pool"] <= table["members"] + table["activists"]).all()


# ------------------------------------------------------------------ charts and explorers
@pytest.mark.parametrize("name, title", [
    ("points_chart", "各村党员积分档次（示例积分标准）"),
    ("mass_line_chart", "整改清单草稿：各村问题条数"),
    ("leaders_chart", "各村可培养的后备人选（红色：上级认定软弱涣散）"),
])
def test_charts_draw_with_chinese_titles(ds, name, title):
    chart = getattr(fig, name)(ds, lang="zh")
    assert chart.png()[:4] == b"\x89PNG"
    assert chart.figure.axes[0].get_title() == title


@pytest.mark.parametrize("name", ["points_explorer", "rectification_explorer",
                                  "leaders_explorer"])
def test_new_explorers_render_each_choice(ds, name):
    from pbkit.apps import lesson_widgets as lw

    view = getattr(lw, name)(ds, lang="zh")
    control = view.control
    values = ([o[1] if isinstance(o, tuple) else o for o in control.options]
              if hasattr(control, "options") else [control.min, control.max])
    for value in values[:4]:
        view.select(value)
        assert view.html.value and "#fdecea" not in view.html.value, (name, value)


# ------------------------------------------------------------------ what the lessons state
def _articles(lesson_id):
    return {(b.instrument, b.article) for r in LESSONS[lesson_id].rules for b in r.basis
            if b.article is not None}


def test_only_checked_articles_are_cited_in_the_new_lessons():
    cited = set().union(*(_articles(x) for x in ("member-management", "mass-line-practice",
                                                 "village-leaders")))
    assert cited == {("party-constitution", 3), ("party-constitution", 9),
                     ("land-administration-law", 62)}
    for lesson_id in ("member-management", "mass-line-practice", "village-leaders"):
        for rule in LESSONS[lesson_id].rules:
            for b in rule.basis:
                if b.instrument in ("rural-organisation-regulations",
                                    "member-education-regulations", "mass-line-opinions",
                                    "villagers-committee-law", "branch-work-regulations",
                                    "grassroots-election-regulations"):
                    assert b.pending, (lesson_id, rule.id, b.instrument)


def test_member_management_states_the_constitution_procedure():
    body = _section("member-management", "standard").body
    for words in ("限期改正", "劝他退党", "支部党员大会", "上级党组织批准", "除名",
                  "或不交纳党费"):
        assert words in body.zh, words
    assert "persuaded to withdraw" in body.en and "approved by the higher" in body.en
    rule = _rule("member-management", "unqualified-procedure")
    assert [(b.instrument, b.article) for b in rule.basis] == [("party-constitution", 9)]
    assert "积分低不等于不合格党员" in body.zh
    q = next(q for q in LESSONS["member-management"].quiz if q.id == "unqualified-order")
    assert q.answer == ("educate", "persuade", "remove")
    assert "第九条" in q.explanation.zh


def test_member_management_labels_local_practices_with_their_report():
    assert {(b.status, b.seed) for b in _rule("member-management", "points-local").basis} == {
        ("example", "002")}
    posts = {(b.status, b.seed) for b in _rule("member-management", "posts-and-promises").basis}
    assert ("local_practice", "000") in posts
    areas = {(b.status, b.seed) for b in _rule("member-management",
                                               "responsibility-areas").basis}
    assert ("local_practice", "003") in areas
    body = _section("member-management", "background").body
    assert "地方做法" in body.zh and "local practices" in body.en
    for words in ("设岗定责", "承诺践诺", "党员责任区", "示范户", "积分"):
        assert words in body.zh, words
    points_body = _section("member-management", "points").body
    assert "合成数据" in points_body.zh and "synthetic" in points_body.en
    assert "category-management" in {r.id for r in LESSONS["member-management"].rules}


def test_mass_line_practice_teaches_four_styles_three_phases_and_a_list():
    lesson = LESSONS["mass-line-practice"]
    rule = _rule("mass-line-practice", "four-styles")
    for words in ("形式主义", "官僚主义", "享乐主义", "奢靡之风"):
        assert words in rule.text.zh
    assert {b.instrument for b in rule.basis} == {"mass-line-opinions"}
    phases = next(q for q in lesson.quiz if q.id == "phases-order")
    assert phases.answer == ("listen", "find", "rectify")
    assert {(b.status, b.seed) for b in _rule("mass-line-practice", "rectify-publicly").basis} \
        == {("local_practice", "004")}
    assert any("mass_line_list" in c for s in lesson.sections for c in s.code)
    assert "mass_line_list" in lesson.data_exercise.code[0]


def test_mass_line_practice_uses_the_homestead_role_play_and_service_rules():
    lesson = LESSONS["mass-line-practice"]
    assert lesson.roleplay.scenario == "homestead-application"
    assert "homestead-application" in lesson.scenarios
    body = _section("mass-line-practice", "services").body
    for words in ("首问负责", "代办", "一次性告知", "三务公开"):
        assert words in body.zh, words
    service = {(b.status, b.seed) for b in _rule("mass-line-practice", "service-rules").basis}
    assert service == {("local_practice", "000"), ("local_practice", "004")}
    one = _rule("mass-line-practice", "one-homestead")
    assert [(b.instrument, b.article) for b in one.basis] == [("land-administration-law", 62)]


def test_village_leaders_covers_first_secretaries_reports_leaders_and_clans():
    lesson = LESSONS["village-leaders"]
    ids = {r.id for r in lesson.rules}
    assert {"first-responsible", "report-review", "first-secretary-sent", "help-not-replace",
            "collective-economy", "leader-sources", "reserve-example", "clan-control",
            "election-fraud"} <= ids
    assert {(b.status, b.seed) for b in _rule("village-leaders", "clan-control").basis} == {
        ("example", "003")}
    assert ("example", "002") in {(b.status, b.seed)
                                  for b in _rule("village-leaders", "reserve-example").basis}
    clans = _section("village-leaders", "clans").body
    assert "宗族" in clans.zh and "clan" in clans.en
    fs = _section("village-leaders", "first-secretary").body
    assert "不是“替”" in fs.zh and "not to replace" in fs.en
    assert "推断" in fs.zh and "infers" in fs.en
    assert "述职" in _section("village-leaders", "responsibility").body.zh


def test_new_lessons_are_in_the_course_overview():
    from pbkit.lessons.build import notebooks_dir

    for lang in ("zh", "en"):
        index = (notebooks_dir() / lang / "00-course.ipynb").read_text(encoding="utf-8")
        for slug in ("13-member-management", "14-mass-line-practice", "15-village-leaders"):
            assert f"{slug}.ipynb" in index, (lang, slug)
