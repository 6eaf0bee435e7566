"""Rule files: the shipped default, user files that change results, clear errors with lines."""

from __future__ import annotations

import pytest

from pbkit.errors import ConfigError, UsageError
from pbkit.health.rules import DEFAULT_RULES_PATH, WEAK_FLAGS, load_rules
from pbkit.health.scorecard import load_scorecard


def test_default_rule_table():
    rules = load_rules()
    assert [(m.kind, m.frequency, m.times) for m in rules.meetings] == [
        ("general_meeting", "quarterly", 1), ("committee_meeting", "monthly", 1),
        ("group_meeting", "monthly", 1), ("party_lesson", "quarterly", 1),
        ("activity_day", "monthly", 1), ("org_life_meeting", "yearly", 1),
        ("democratic_appraisal", "yearly", 1)]
    assert sum(m.required_per_year for m in rules.meetings) == 46
    assert rules.meetings[0].levels == ("village", "community", "enterprise", "school", "organ")
    # no member-development quota by default (a local setting only)
    assert (rules.development.target_min, rules.development.target_max) == (None, None)
    # branch size conditions: committee from 7 full members, group meetings with groups
    assert rules.meeting("committee_meeting").min_full_members == 7
    assert rules.meeting("group_meeting").has_groups is True
    assert rules.meeting("general_meeting").min_full_members is None
    assert rules.migrant.contact_months == 6 and rules.migrant.dues_months == 6
    assert [name for name, _ in rules.weak.flags] == list(WEAK_FLAGS)
    assert rules.source == str(DEFAULT_RULES_PATH)


def test_user_file_overrides_sections_and_keeps_defaults(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text("development:\n  target_min: 1\n  target_max: 5\n"
                    "weak:\n  ageing: {threshold: 0.7}\n", encoding="utf-8")
    rules = load_rules(path)
    assert rules.development.target_min == 1
    assert rules.development.target_max == 5
    assert rules.development.window_years == 5  # kept
    assert rules.weak.flag("ageing").threshold == 0.7
    assert rules.weak.flag("ageing").deadline_days == 365  # kept
    assert len(rules.meetings) == 7  # meetings kept
    assert rules.source == str(path)


def _error(tmp_path, text: str, name: str = "bad.yaml") -> ConfigError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_rules(path)
    assert exc.value.file == str(path)
    return exc.value


def test_bad_frequency_names_line_and_field(tmp_path):
    err = _error(tmp_path, "meetings:\n  - kind: general_meeting\n    frequency: quarterly\n"
                           "  - kind: committee_meeting\n    frequency: weekly\n")
    assert err.line == 5
    assert err.render("en") == (
        f"{tmp_path / 'bad.yaml'}, line 5, field meetings[2].frequency: 'weekly' is not one of "
        "monthly, quarterly, half_yearly, yearly")
    assert err.render("zh").startswith(f"{tmp_path / 'bad.yaml'} 第 5 行，字段 meetings[2].frequency：")


def test_unknown_meeting_kind(tmp_path):
    err = _error(tmp_path, "meetings:\n  - kind: tea_party\n    frequency: monthly\n")
    assert err.line == 2
    assert err.params["field"] == "meetings[1].kind"
    assert "'tea_party'" in err.render("en")


def test_unknown_field_is_refused(tmp_path):
    err = _error(tmp_path, "meetings:\n  - kind: party_lesson\n    frequency: monthly\n"
                           "    often: true\n")
    assert err.line == 4
    assert err.render("en").endswith(
        "line 4, field meetings[1].often: unknown field (allowed: kind, frequency, times, levels, "
        "min_attendance, applies_if, basis)")
    err = _error(tmp_path, "perfunctory:\n  min_meeting: 3\n")
    assert (err.line, err.params["field"]) == (2, "perfunctory.min_meeting")


def test_wrong_types_and_ranges(tmp_path):
    err = _error(tmp_path, "meetings:\n  - kind: party_lesson\n    frequency: monthly\n"
                           "    times: two\n")
    assert (err.line, err.key) == (4, "config.err.field_type")
    assert "expected integer, got 'two'" in err.render("en")
    err = _error(tmp_path, "meetings:\n  - kind: party_lesson\n    frequency: monthly\n"
                           "    min_attendance: 1.5\n")
    assert (err.line, err.key) == (4, "config.err.field_range")
    err = _error(tmp_path, "migrant:\n  contact_months: 0\n")
    assert (err.line, err.params["field"]) == (2, "migrant.contact_months")
    err = _error(tmp_path, "development:\n  target_min: 6\n  target_max: 4\n")
    assert (err.line, err.key) == (3, "health.err.field_order")
    err = _error(tmp_path, "meetings:\n  - kind: party_lesson\n    frequency: monthly\n"
                           "    levels: [village, hamlet]\n")
    assert (err.line, err.params["field"]) == (4, "meetings[1].levels[2]")


def test_missing_and_duplicate_fields(tmp_path):
    err = _error(tmp_path, "meetings:\n  - kind: party_lesson\n")
    assert (err.line, err.key, err.params["field"]) == (
        2, "config.err.field_missing", "meetings[1].frequency")
    err = _error(tmp_path, "meetings:\n  - {kind: party_lesson, frequency: monthly}\n"
                           "  - {kind: party_lesson, frequency: yearly}\n")
    assert (err.line, err.key) == (3, "config.err.field_duplicate")
    err = _error(tmp_path, "meetings: []\n")
    assert (err.line, err.key) == (1, "config.err.field_empty")


def test_yaml_syntax_error_has_its_line(tmp_path):
    err = _error(tmp_path, "meetings:\n  - kind: party_lesson\n    frequency: [monthly\n"
                           "weak: {}\n")
    assert err.key == "config.err.yaml_syntax"
    assert err.line == 4
    assert err.render("en").startswith(f"{tmp_path / 'bad.yaml'}, line 4: YAML syntax error")


def test_empty_and_non_mapping_files(tmp_path):
    err = _error(tmp_path, "# nothing\n")
    assert err.key == "health.err.config_empty"
    err = _error(tmp_path, "- just\n- a list\n")
    assert (err.line, err.key) == (1, "config.err.field_type")


def test_missing_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError) as exc:
        load_rules(tmp_path / "none.yaml")
    assert exc.value.render("en") == f"configuration file not found: {tmp_path / 'none.yaml'}"


# ---- scorecard files --------------------------------------------------------------------
def _card_error(tmp_path, text: str) -> ConfigError:
    path = tmp_path / "card.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_scorecard(path)
    return exc.value


def test_default_scorecard_adds_up_to_100():
    card = load_scorecard()
    assert sum(i.max_points for i in card.items) == 100
    assert [i.item for i in card.items] == [
        "three_meetings_one_lesson", "activity_day", "org_life_and_appraisal",
        "meeting_attendance", "member_development", "one_on_one_coverage",
        "household_visits", "problems_solved", "migrant_contact"]


def test_scorecard_errors_name_line_and_field(tmp_path):
    err = _card_error(tmp_path, "items:\n  - item: a\n    max_points: 100\n"
                                "    measure: happiness\n    scoring: {linear: true}\n")
    assert (err.line, err.params["field"]) == (4, "items[1].measure")
    err = _card_error(tmp_path, "items:\n  - item: a\n    max_points: 60\n"
                                "    measure: attendance_rate\n    scoring: {linear: true}\n")
    assert err.key == "health.err.points_total"
    assert err.render("en").endswith("field items: max_points add up to 60.0, not the total "
                                     "100.0")
    err = _card_error(tmp_path, "items:\n  - item: a\n    max_points: 100\n"
                                "    measure: attendance_rate\n"
                                "    scoring:\n      thresholds:\n        - {min: 0.9, points: 120}\n")
    assert (err.line, err.params["field"]) == (7, "items[1].scoring.thresholds[1].points")
    err = _card_error(tmp_path, "items:\n  - item: a\n    max_points: 100\n"
                                "    measure: attendance_rate\n"
                                "    scoring: {linear: true, deduct: 1}\n")
    assert (err.line, err.key) == (5, "health.err.scoring_mode")
    err = _card_error(tmp_path, "items:\n  - item: a\n    max_points: 100\n"
                                "    measure: missing_meetings\n"
                                "    params: {kinds: [tea]}\n    scoring: {deduct: 1}\n")
    assert (err.line, err.params["field"]) == (5, "items[1].params.kinds[1]")
    err = _card_error(tmp_path, "items:\n  - item: Big Item\n    max_points: 100\n"
                                "    measure: missing_meetings\n    scoring: {deduct: 1}\n")
    assert (err.line, err.key) == (2, "health.err.item_name")


def test_every_shipped_rule_names_its_basis():
    rules = load_rules()
    for m in rules.meetings:
        assert m.basis is not None, m.kind
        assert rules.basis(f"meetings.{m.kind}") == m.basis
    for section in ("party_groups", "perfunctory", "development", "membership", "migrant",
                    "weak", "fairness"):
        assert rules.basis(section) is not None, section
    card = load_scorecard()
    assert card.basis is not None and card.basis.status == "local_practice"
    for item in card.items:
        assert item.basis is not None, item.item
    # national rules name an instrument and a year; the others a field report or a note
    for _name, basis in rules.bases:
        if basis.status == "national":
            assert basis.instrument and basis.year
        else:
            assert basis.seed or basis.note


def test_meeting_frequencies_worded_as_the_regulations_and_local_practice_labelled():
    rules = load_rules()
    general = rules.basis("meetings.general_meeting")
    assert general.status == "national" and general.instrument == "zhibu_tiaoli_2018"
    assert "一般每季度召开1次" in general.note and "至少" not in general.note.split("（")[0]
    lesson = rules.basis("meetings.party_lesson")
    assert lesson.status == "local_practice"
    assert rules.basis("migrant").article == "第九条"
    assert rules.basis("migrant").title == "中国共产党章程"


@pytest.mark.parametrize("basis, field, key", [
    ("{status: national, instrument: zhibu_tiaoli_2018}", "meetings[1].basis.year",
     "config.err.field_missing"),
    ("{status: national, instrument: tiaoli_x, year: 2018}", "meetings[1].basis.instrument",
     "config.err.field_choice"),
    ("{status: local_practice}", "meetings[1].basis.note", "config.err.field_missing"),
    ("{status: example, seed: report.txt}", "meetings[1].basis.seed", "health.err.basis_seed"),
    ("{status: rumour, note: x}", "meetings[1].basis.status", "config.err.field_choice"),
    ("{status: example, note: x, page: 3}", "meetings[1].basis.page",
     "config.err.field_unknown"),
])
def test_bad_basis_is_refused_with_its_field(tmp_path, basis, field, key):
    err = _error(tmp_path, "meetings:\n  - kind: party_lesson\n    frequency: quarterly\n"
                           f"    basis: {basis}\n")
    assert (err.params["field"], err.key) == (field, key)
    assert err.line == 4


def test_local_target_needs_both_bounds_and_may_be_null(tmp_path):
    err = _error(tmp_path, "development:\n  target_min: 3\n")
    assert err.params["field"] == "development.target_max"
    path = tmp_path / "ok.yaml"
    path.write_text("development: {target_min: null, target_max: null}\n", encoding="utf-8")
    assert load_rules(path).development.target_min is None
