"""Every rule carries its basis (pbkit.references), and no YAML hides a stray key."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pbkit.data.sample import repo_root
from pbkit.errors import ConfigError, ScenarioError
from pbkit.lessons.build import REFERENCES_STEM, build, notebooks_dir
from pbkit.lessons.loader import load_lesson, load_lessons, scenarios_dir
from pbkit.references import Basis, format_basis, load_table, parse_basis
from pbkit.roleplay.models import load_scenario_file, load_scenarios

from .lesson_fixtures import lesson_data, write_lesson

RULE = {"id": "demo-rule", "text": {"zh": "一条规定。", "en": "A rule."},
        "basis": {"instrument": "party-constitution", "article": 9}}


def _with_rule(rule: dict) -> dict:
    data = lesson_data()
    data["sections"][0]["rules"] = [rule]
    return data


def test_every_lesson_and_scenario_rule_has_a_known_basis():
    table = load_table()
    lessons = load_lessons()
    assert sum(len(x.rules) for x in lessons) >= 30
    rules = [r for x in lessons for r in x.rules]
    rules += [r for sc in load_scenarios().values() for r in sc.rules]
    for rule in rules:
        assert rule.basis, rule.id
        for b in rule.basis:
            assert b.instrument is None or b.instrument in table.instruments, rule.id
            assert b.seed is None or b.seed in table.reports, rule.id
            assert b.status in ("national", "local_practice", "example"), rule.id
    # every scenario declares rules, and each names its basis
    for sc in load_scenarios().values():
        assert sc.rules and all(r.basis for r in sc.rules), sc.id


def test_lesson_rule_without_basis_is_an_error_naming_the_field(tmp_path):
    rule = dict(RULE)
    del rule["basis"]
    path = write_lesson(tmp_path, _with_rule(rule))
    with pytest.raises(ConfigError) as err:
        load_lesson(path)
    msg = err.value.render("en")
    assert "sections[1].rules[1].basis" in msg and "no basis" in msg
    assert "lesson.yaml" in msg and "line" in msg


@pytest.mark.parametrize("basis, field, words", [
    ({"instrument": "party-rules-of-somewhere"}, "basis.instrument", "not in the table"),
    ({"status": "local_practice"}, "basis", "must say where it comes from"),
    ({"status": "local_practice", "seed": "999"}, "basis.seed", "field report 999"),
    ({"instrument": "civil-code", "article": "第二百九十条"}, "basis.article", "positive"),
    ({"status": "national"}, "basis", "must name its instrument"),
    ({"instrument": "civil-code", "page": 3}, "basis.page", "unknown field"),
])
def test_bad_basis_in_a_lesson_is_an_error(tmp_path, basis, field, words):
    path = write_lesson(tmp_path, _with_rule(dict(RULE, basis=basis)))
    with pytest.raises(ConfigError) as err:
        load_lesson(path)
    msg = err.value.render("en")
    assert f"sections[1].rules[1].{field}" in msg and words in msg


def test_quiz_question_naming_an_unknown_rule_is_an_error(tmp_path):
    data = _with_rule(RULE)
    data["exercises"]["quiz"][0]["rules"] = ["no-such-rule"]
    with pytest.raises(ConfigError) as err:
        load_lesson(write_lesson(tmp_path, data))
    assert "exercises.quiz[1].rules" in err.value.render("en")


def _scenario_copy(tmp_path: Path, sid: str = "migrant-member") -> tuple[Path, dict]:
    shutil.copytree(scenarios_dir() / "common", tmp_path / "common")
    src = scenarios_dir() / f"{sid}.yaml"
    return tmp_path / src.name, yaml.safe_load(src.read_text(encoding="utf-8"))


def test_scenario_rule_without_basis_or_with_unknown_instrument_is_an_error(tmp_path):
    path, data = _scenario_copy(tmp_path)
    del data["rules"][1]["basis"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario_file(path, exemplars=False)
    assert "rules[2].basis" in err.value.render("en")
    data["rules"][1]["basis"] = {"instrument": "unknown-law"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario_file(path, exemplars=False)
    assert "rules[2].basis.instrument" in err.value.render("en")
    assert "unknown-law" in err.value.render("zh")


def test_basis_is_shown_beside_the_rule_in_both_languages():
    for lang, expected in (("zh", "*依据*：《中国共产党章程》第九条（2022）"),
                           ("en", "*Basis*: Constitution of the Communist Party of China, "
                                  "Art. 9 (2022)")):
        nb = json.loads((notebooks_dir() / lang / "05-migrant-members.ipynb").read_text(
            encoding="utf-8"))
        background = "".join(nb["cells"][2]["source"])
        assert expected in background, lang
    local = format_basis((Basis("local_practice", seed="002"),), "en")
    assert local.startswith("local practice: Field report 002")
    assert format_basis((Basis("national", "dibao-measures", pending=True),), "zh").endswith(
        "（待核）")


def test_references_page_lists_every_instrument_and_where_it_is_used(tmp_path):
    build("all", tmp_path)
    table = load_table()
    for lang in ("zh", "en"):
        text = (tmp_path / lang / f"{REFERENCES_STEM}.ipynb").read_text(encoding="utf-8")
        for inst in table.instruments.values():
            assert inst.name(lang) in text, (lang, inst.id)
        for report in table.reports.values():
            assert report.name(lang) in text
        index = (tmp_path / lang / "00-course.ipynb").read_text(encoding="utf-8")
        assert f"{REFERENCES_STEM}.ipynb" in index
    zh = (tmp_path / "zh" / f"{REFERENCES_STEM}.ipynb").read_text(encoding="utf-8")
    assert "第二十六条" in zh and "05-migrant-members.ipynb" in zh
    # every instrument of the table is cited somewhere
    cited = {b.instrument for x in load_lessons() for r in x.rules for b in r.basis}
    cited |= {b.instrument for sc in load_scenarios().values() for r in sc.rules
              for b in r.basis}
    assert set(table.instruments) <= cited


# ------------------------------------------------------------------ stray YAML keys

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _yaml_files() -> list[Path]:
    root = repo_root()
    files = [*root.joinpath("lessons").rglob("*.yaml"), *root.joinpath("pbkit").rglob("*.yaml")]
    return sorted(files)


def stray_keys(text: str) -> list[str]:
    """Keys that a flow mapping ``{zh: ..., en: ...}`` grew by accident.

    An unquoted comma in a flow mapping ends the value, and the rest of the sentence becomes
    a key with no value (``{en: Not mentioned, or threatening.}`` -> key ``or
    threatening.``). Reported: keys of a flow mapping that have no value or hold CJK
    characters or spaces, as ``line N: key``.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    found: list[str] = []

    def walk(n):
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                k = str(key.value)
                empty = isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")
                if n.flow_style and (empty or _CJK.search(k) or " " in k):
                    found.append(f"line {key.start_mark.line + 1}: {k}")
                walk(value)
        elif isinstance(n, yaml.SequenceNode):
            for item in n.value:
                walk(item)

    walk(node)
    return found


def test_stray_key_finder_catches_the_old_anchor():
    old = "anchor: {zh: 没提，或者用威胁的口气。, en: Not mentioned, or threatening.}\n"
    assert stray_keys(old) == ["line 1: or threatening."]
    assert stray_keys('anchor: {zh: 没提。, en: "Not mentioned, or threatening."}\n') == []


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: p.relative_to(repo_root()).as_posix())
def test_no_yaml_file_has_a_stray_flow_mapping_key(path):
    assert stray_keys(path.read_text(encoding="utf-8")) == []


def test_every_rubric_anchor_is_a_bilingual_pair_of_strings():
    for sc in load_scenarios().values():
        raw = yaml.safe_load(Path(sc.source).read_text(encoding="utf-8"))
        for crit in raw["criteria"]:
            for level in crit["levels"]:
                anchor = level["anchor"]
                assert set(anchor) == {"zh", "en"}, (sc.id, crit["id"], level["level"])
                assert all(isinstance(v, str) and v.strip() for v in anchor.values())


def test_scenario_loader_rejects_an_extra_key_in_a_bilingual_text(tmp_path):
    path, _ = _scenario_copy(tmp_path)
    text = (scenarios_dir() / "migrant-member.yaml").read_text(encoding="utf-8")
    fixed = 'en: "Not mentioned, or threatening."}'
    assert fixed in text
    path.write_text(text.replace(fixed, "en: Not mentioned, or threatening.}"), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario_file(path, exemplars=False)
    msg = err.value.render("en")
    assert "or threatening." in msg and "criteria[2].levels[1].anchor" in msg


def test_parse_basis_accepts_a_single_entry_or_a_list():
    def fail(path, key, **kw):
        return ConfigError(key, field=".".join(map(str, path)), **kw)

    one = parse_basis({"instrument": "civil-code", "article": 290}, ("b",), fail)
    two = parse_basis([{"status": "example", "seed": 2}, {"instrument": "civil-code"}],
                      ("b",), fail)
    assert one[0].article == 290 and [b.seed for b in two] == ["002", None]
