"""One YAML reader, one error format: every loader of a YAML file the package reads names a
malformed file the same way -- file, 1-based line, key path with list positions counted
from 1 -- in both languages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from pbkit.errors import ConfigError
from pbkit.yamlconf import YamlConfigError, YamlDoc, format_path

EN = re.compile(r"^(?P<file>[^,]+), line (?P<line>\d+), field (?P<field>[^:]+): (?P<msg>.+)$")
ZH = re.compile(r"^(?P<file>\S+) 第 (?P<line>\d+) 行，字段 (?P<field>[^：]+)：(?P<msg>.+)$")


def _check(err: ConfigError, file: str, line: int, field: str) -> None:
    assert isinstance(err, YamlConfigError)
    assert (err.line, err.field, err.params["field"]) == (line, field, field)
    en, zh = EN.match(err.render("en")), ZH.match(err.render("zh"))
    assert en and zh, (err.render("en"), err.render("zh"))
    assert Path(en["file"]).name == Path(zh["file"]).name == file
    assert (int(en["line"]), en["field"]) == (int(zh["line"]), zh["field"]) == (line, field)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- one loader per YAML file kind; each writes a file whose second list entry is wrong --
def _health_rules(tmp: Path):
    from pbkit.health.rules import load_rules

    load_rules(_write(tmp / "rules.yaml", "meetings:\n  - kind: party_lesson\n"
                                          "    frequency: monthly\n"
                                          "  - kind: committee_meeting\n"
                                          "    frequency: weekly\n"))


def _scorecard(tmp: Path):
    from pbkit.health.scorecard import load_scorecard

    load_scorecard(_write(tmp / "card.yaml", "items:\n  - item: a\n    max_points: 50\n"
                                             "    measure: attendance_rate\n"
                                             "    scoring: {linear: true}\n"
                                             "  - item: b\n    max_points: 50\n"
                                             "    measure: happiness\n"
                                             "    scoring: {linear: true}\n"))


def _lesson(tmp: Path):
    from pbkit.lessons.loader import lessons_dir, load_lesson

    src = lessons_dir() / "01-why-branches" / "lesson.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["exercises"]["quiz"][1]["kind"] = "essay"
    folder = tmp / "01-why-branches"
    folder.mkdir()
    _write(folder / "lesson.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    load_lesson(folder)


def _quiz(tmp: Path):
    from pbkit.quiz.models import questions_from_list

    text = ("quiz:\n"
            "  - {id: a, kind: single, prompt: {zh: 问, en: Q}, answer: x,\n"
            "     choices: [{id: x, zh: 甲, en: A}, {id: y, zh: 乙, en: B}],\n"
            "     explanation: {zh: 解, en: why}}\n"
            "  - id: b\n    kind: single\n    prompt: {zh: 问, en: Q}\n"
            "    choices: [{id: x, zh: 甲, en: A}, {id: y, zh: 乙, en: B}]\n"
            "    answer: z\n    explanation: {zh: 解, en: why}\n")
    doc = YamlDoc.from_path(_write(tmp / "quiz.yaml", text), "quiz.yaml")
    questions_from_list(doc.data["quiz"], ("quiz",), doc)


def _scenario(tmp: Path):
    from pbkit.roleplay.models import load_scenario_file, scenarios_dir

    shutil.copytree(scenarios_dir() / "common", tmp / "common")
    src = scenarios_dir() / "dibao-complaint.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["criteria"][1]["name"]["en"] = ["not", "text"]
    load_scenario_file(_write(tmp / "dibao-complaint.yaml",
                              yaml.safe_dump(data, allow_unicode=True, sort_keys=False)),
                       exemplars=False)


def _plans(tmp: Path):
    from pbkit.lessons.plans import load_plans, plans_path

    data = yaml.safe_load(plans_path().read_text(encoding="utf-8"))
    data["plans"][0]["days"][0]["slots"][1]["minutes"] = "lots"
    load_plans(_write(tmp / "course-plans.yaml",
                      yaml.safe_dump(data, allow_unicode=True, sort_keys=False)))


def _mechanisms(tmp: Path):
    from pbkit.networks.mechanisms import load_mechanisms

    load_mechanisms(_write(tmp / "mech.yaml", "bao_cun:\n  target: {table: orgs}\n  slots:\n"
                                              "    - {role: a, table: people}\n"
                                              "    - {role: b, table: people, count: two}\n"))


def _instruments(tmp: Path):
    from pbkit.references import TABLE_PATH, load_table

    text = TABLE_PATH.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    first = next(iter(data["instruments"]))
    data["instruments"][first]["year"] = "recent"
    load_table.cache_clear()
    try:
        load_table(str(_write(tmp / "instruments.yaml",
                              yaml.safe_dump(data, allow_unicode=True, sort_keys=False))))
    finally:
        load_table.cache_clear()


def _dialogue_acts(tmp: Path):
    from pbkit.roleplay.dialogue import _read_acts

    _read_acts(_write(tmp / "dialogue_acts.yaml", "greet:\n  zh: [你好]\n"
                                                  "  en: ['hello', 'hi (']\n"))


def _points(tmp: Path):
    from pbkit.lessons.points import _read

    _read(str(_write(tmp / "points-scale.yaml", "items:\n  a: {per: 1, max: 5}\n"
                                                "bands:\n  - {id: good, min: 80}\n"
                                                "  - {id: poor}\n"
                                                "posts: {}\n")))


CASES = [
    (_health_rules, "rules.yaml", 5, "meetings[2].frequency"),
    (_scorecard, "card.yaml", 8, "items[2].measure"),
    (_lesson, "lesson.yaml", None, "exercises.quiz[2].kind"),
    (_quiz, "quiz.yaml", 9, "quiz[2].answer"),
    (_scenario, "dibao-complaint.yaml", None, "criteria[2].name.en"),
    (_plans, "course-plans.yaml", None, "plans[1].days[1].slots[2].minutes"),
    (_mechanisms, "mech.yaml", 5, "bao_cun.slots[2].count"),
    (_instruments, "instruments.yaml", None, None),
    (_dialogue_acts, "dialogue_acts.yaml", 3, "greet.en[2]"),
    (_points, "points-scale.yaml", 5, "bands[2].min"),
]


@pytest.mark.parametrize("load, file, line, field", CASES, ids=[c[1] for c in CASES])
def test_every_loader_reports_file_line_and_key_path_the_same_way(tmp_path, load, file, line,
                                                                   field):
    with pytest.raises(YamlConfigError) as info:
        load(tmp_path)
    err = info.value
    written = (next(tmp_path.rglob(file))).read_text(encoding="utf-8").splitlines()
    if field is None:  # the instrument's year: the first one in the file
        field = err.field
        assert re.fullmatch(r"instruments\.[\w-]+\.year", field)
    if line is None:  # a dumped copy: the line is where the offending key sits
        line = err.line
        last = field.rsplit(".", 1)[-1].split("[")[0]
        assert written[line - 1].lstrip(" -").startswith(f"{last}:"), written[line - 1]
    _check(err, file, line, field)


@pytest.mark.parametrize("text, line", [("a: [1, 2\nb: 3\n", 2), ("a:\n  - b\n c: d\n", 3)])
def test_syntax_errors_give_their_line(text, line):
    with pytest.raises(YamlConfigError) as info:
        YamlDoc.from_text(text, "x.yaml")
    assert info.value.line == line
    assert info.value.render("en").startswith(f"x.yaml, line {line}: YAML syntax error")
    assert info.value.render("zh").startswith(f"x.yaml 第 {line} 行：YAML 格式错误")


def test_list_positions_are_counted_from_one():
    assert format_path(("a", 0, "b", 9)) == "a[1].b[10]"
    doc = YamlDoc.from_text("a:\n  - x\n  - y\n", "f.yaml")
    assert doc.line(("a", 1)) == 3
    assert doc.error(("a", 1), "config.err.field_empty").field == "a[2]"


def test_broken_catalog_names_file_line_and_key(tmp_path):
    from pbkit.i18n import _read_catalogs

    bad = _write(tmp_path / "x.yaml", 'a.one: {zh: "一", en: "one"}\na.two: {zh: "二"}\n')
    with pytest.raises(ValueError, match=r"^x\.yaml, line 2, field a\.two: expected"):
        _read_catalogs([bad])


def test_scenario_errors_stay_scenario_errors(tmp_path):
    from pbkit.errors import ScenarioError

    with pytest.raises(ScenarioError):
        _scenario(tmp_path)
