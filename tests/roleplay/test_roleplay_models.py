"""Scenario files: the shipped scenarios, their rubrics and exemplars, and loader errors."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from pbkit.errors import ScenarioError
from pbkit.roleplay.models import (
    get_scenario,
    list_scenarios,
    load_scenario_file,
    load_scenarios,
    scenarios_dir,
)

NAMED = {
    "dibao-complaint": ["acknowledge", "procedure", "transparency", "follow_up", "boundaries"],
    "migrant-member": ["rapport", "obligations", "channels", "follow_up", "needs"],
    "neighbor-dispute": ["de_escalate", "facts", "rules", "solution", "follow_up"],
}
OTHERS = ["heart-to-heart", "org-life-meeting", "four-two", "enterprise-branch",
          "homestead-application"]


def test_all_scenarios_load_with_named_ids_and_criteria():
    scenarios = load_scenarios()
    assert len(scenarios) >= 8
    assert set(NAMED) | set(OTHERS) <= set(scenarios)
    for sid, crits in NAMED.items():
        sc = scenarios[sid]
        assert [c.id for c in sc.criteria] == crits
        for crit in sc.criteria:
            assert [lv.level for lv in crit.levels] == [0, 1, 2, 3]
            for lv in crit.levels:
                assert lv.anchor.zh and lv.anchor.en


def test_named_scenarios_have_villager_turns():
    for sid in NAMED:
        sc = get_scenario(sid)
        assert sc.opening is not None and 3 <= sc.max_turns <= 5
        assert any(t.when is None for t in sc.turns)
    moods = {t.id: t.mood for t in get_scenario("dibao-complaint").turns}
    assert moods["escalate"] == "angry" and moods["calm"] == "calmer"
    assert "documents" in moods


@pytest.mark.parametrize("sid", list(NAMED))
def test_named_exemplars_are_many_and_spread(sid):
    sc = get_scenario(sid)
    assert len(sc.exemplars) >= 40
    langs = Counter(e.lang for e in sc.exemplars)
    assert langs["zh"] >= 15 and langs["en"] >= 15
    for crit in sc.criteria:
        levels = Counter(e.levels[crit.id] for e in sc.exemplars)
        assert all(levels[lv] >= 3 for lv in range(4)), (crit.id, levels)


@pytest.mark.parametrize("sid", OTHERS)
def test_other_exemplars(sid):
    sc = get_scenario(sid)
    assert len(sc.exemplars) >= 8
    assert {e.lang for e in sc.exemplars} == {"zh", "en"}


def test_public_view_carries_no_rubric_or_exemplars():
    sc = get_scenario("dibao-complaint")
    view = sc.public_view("zh")
    blob = repr(view)
    assert view["title"] == sc.title.zh
    assert [c["name"] for c in view["criteria"]] == [c.name.zh for c in sc.criteria]
    for ex in sc.exemplars[:10]:
        assert ex.text[:20] not in blob
    for crit in sc.criteria:
        for lv in crit.levels:
            assert lv.anchor.zh not in blob
    assert "cues" not in view and "exemplars" not in view


def test_list_scenarios_frame_in_both_languages():
    zh = list_scenarios("zh")
    en = list_scenarios("en")
    assert zh["id"].tolist() == en["id"].tolist()
    row = en[en["id"] == "neighbor-dispute"].iloc[0]
    assert row["title"] == get_scenario("neighbor-dispute").title.en


def test_unknown_scenario_error():
    with pytest.raises(ScenarioError) as info:
        get_scenario("no-such-thing")
    assert "no-such-thing" in info.value.render("en")
    assert info.value.render("en").startswith("no scenario 'no-such-thing'")


# ------------------------------------------------------------------ malformed files


def _copy(tmp_path: Path, sid: str = "neighbor-dispute") -> tuple[Path, dict]:
    src = scenarios_dir()
    shutil.copytree(src / "common", tmp_path / "common", dirs_exist_ok=True)
    data = yaml.safe_load((src / f"{sid}.yaml").read_text(encoding="utf-8"))
    return tmp_path / f"{sid}.yaml", data


def _write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


def test_three_levels_error_names_file_and_field(tmp_path):
    path, data = _copy(tmp_path)
    data["criteria"][2]["levels"] = data["criteria"][2]["levels"][:3]
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    msg = info.value.render("en")
    assert msg.startswith("neighbor-dispute.yaml, line ")
    assert msg.endswith("criteria[3].levels: expected 4 levels 0-3")
    line = int(msg.split("line ")[1].split(",")[0])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[line - 1].strip().startswith("levels:")
    assert "criteria[3].levels：应有 0-3 共 4 个等级" in info.value.render("zh")


def test_missing_english_text(tmp_path):
    path, data = _copy(tmp_path)
    del data["title"]["en"]
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert info.value.render("en").endswith("title.en: the en text is missing")


def test_missing_field_and_bad_level_number(tmp_path):
    path, data = _copy(tmp_path)
    del data["criteria"][0]["name"]
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert info.value.render("en").endswith("criteria[1].name: required field is missing")
    path, data = _copy(tmp_path)
    data["criteria"][1]["levels"][3]["level"] = 4
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert "criteria[2].levels: expected 4 levels 0-3" in info.value.render("en")


def test_unknown_concept_and_bad_regex(tmp_path):
    path, data = _copy(tmp_path)
    data["criteria"][3]["scoring"]["levels"][2] = {"any": ["remedy", "no_such_cue"]}
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert info.value.render("en").endswith(
        "criteria[4].scoring.levels.2.any[2]: unknown cue concept 'no_such_cue'")
    path, data = _copy(tmp_path)
    data["cues"]["remedy"]["zh"][0] = "(unclosed"
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert "cues.remedy.zh[1]: invalid regular expression" in info.value.render("en")


def test_yaml_syntax_error_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\ntitle: {zh: a, en: b\ncontext: c\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    msg = info.value.render("en")
    assert msg.startswith("broken.yaml, line ") and "YAML syntax error" in msg


def test_exemplar_errors(tmp_path):
    path, data = _copy(tmp_path)
    _write(path, data)
    ex_dir = tmp_path / "exemplars"
    ex_dir.mkdir()
    ex = {"scenario": "neighbor-dispute", "exemplars": [
        {"id": "a", "lang": "zh", "text": "先别吵。",
         "levels": {"de_escalate": 1, "facts": 0, "rules": 0, "solution": 0, "follow_up": 5}}]}
    (ex_dir / "neighbor-dispute.yaml").write_text(yaml.safe_dump(ex, allow_unicode=True),
                                                  encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    msg = info.value.render("en")
    assert msg.startswith("neighbor-dispute.yaml, line ")
    assert msg.endswith("exemplars[1].levels.follow_up: invalid level '5' (use an integer 0-3)")
    del ex["exemplars"][0]["levels"]["facts"]
    ex["exemplars"][0]["levels"]["follow_up"] = 0
    (ex_dir / "neighbor-dispute.yaml").write_text(yaml.safe_dump(ex, allow_unicode=True),
                                                  encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert info.value.render("en").endswith(
        "exemplars[1].levels.facts: required field is missing")


def test_folder_override_and_duplicate_ids(tmp_path, monkeypatch):
    path, data = _copy(tmp_path)
    _write(path, data)
    _write(tmp_path / "copy.yaml", data)
    with pytest.raises(ScenarioError) as info:
        load_scenarios(tmp_path)
    assert "duplicate id 'neighbor-dispute'" in info.value.render("en")
    (tmp_path / "copy.yaml").unlink()
    monkeypatch.setenv("PBKIT_SCENARIOS", str(tmp_path))
    assert list(load_scenarios()) == ["neighbor-dispute"]
