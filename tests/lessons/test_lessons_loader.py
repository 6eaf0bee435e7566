"""Lesson sources: loading, precise errors naming file, line and field, cross-lesson checks,
and the shipped course (12 lessons, complete and bilingual, references that exist)."""

from __future__ import annotations

import copy

import pytest
from lesson_fixtures import lesson_data, write_lesson

from pbkit.errors import ConfigError
from pbkit.lessons.loader import (
    check_references,
    get_lesson,
    load_lesson,
    load_lessons,
    scenario_ids,
)
from pbkit.quiz.models import KINDS


def _error(tmp_path, data, folder=None) -> ConfigError:
    path = write_lesson(tmp_path, data, folder)
    with pytest.raises(ConfigError) as info:
        load_lesson(path)
    return info.value


def test_minimal_lesson_loads(tmp_path):
    lesson = load_lesson(write_lesson(tmp_path))
    assert lesson.id == "demo" and lesson.slug == "01-demo"
    assert lesson.title.get("en") == "Demo lesson"
    assert lesson.quiz[0].answer == ("a",)
    assert lesson.roleplay is None and lesson.discussion.prompts[0].get("zh") == "问题一"
    assert [i.minutes for i in lesson.timing] == [20, 10]


def test_missing_english_explanation_names_file_line_and_field(tmp_path):
    data = lesson_data()
    del data["exercises"]["quiz"][0]["explanation"]["en"]
    err = _error(tmp_path, data)
    text = err.render("en")
    assert text.startswith("lessons/") is False  # a temp file: shown by its path
    assert "lesson.yaml" in text and "line" in text
    assert "field exercises.quiz[1].explanation.en: the en text is missing" in text
    assert err.line is not None and err.line > 1


def test_error_line_points_at_the_field(tmp_path):
    data = lesson_data()
    data["exercises"]["quiz"][0]["answer"] = "z"
    path = write_lesson(tmp_path, data)
    with pytest.raises(ConfigError) as info:
        load_lesson(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[info.value.line - 1].strip().startswith("answer:")
    assert "answer z is not one of the choices" in info.value.render("en")
    assert "答案 z 不是本题的选项" in info.value.render("zh")


@pytest.mark.parametrize("mutate, fragment", [
    (lambda d: d.pop("title"), "required field title is missing"),
    (lambda d: d.update(duration_min=45), "adds up to 30 minutes, not the lesson's 45"),
    (lambda d: d.update(colour="red"), "unknown field colour"),
    (lambda d: d["sections"][0].pop("code"), "at least one section needs analysis code"),
    (lambda d: d["exercises"].pop("discussion"), "a role-play or a discussion exercise"),
    (lambda d: d["exercises"]["quiz"][0].update(kind="essay"), "invalid question kind essay"),
    (lambda d: d["sections"][0].update(code=["a = 1\nb = 2\nc = 3\nd = 4"]),
     "code cell has 4 lines, at most 3"),
    (lambda d: d["sections"][0].update(code=["an.problem_indicators(ds"]), "code syntax error"),
    (lambda d: d.update(id="Demo Lesson"), "invalid id Demo Lesson"),
    (lambda d: d["exercises"]["quiz"].append(copy.deepcopy(d["exercises"]["quiz"][0])),
     "duplicate id q1"),
    (lambda d: d["trainer_notes"]["timing"][0].update(minutes=0), "not a whole number"),
])
def test_bad_sources_are_refused_with_the_field(tmp_path, mutate, fragment):
    data = lesson_data()
    mutate(data)
    folder = "01-demo"
    err = _error(tmp_path, data, folder)
    assert fragment in err.render("en")
    assert err.file and err.file.endswith("lesson.yaml")


def test_folder_must_match_number_and_id(tmp_path):
    err = _error(tmp_path, lesson_data(), folder="02-demo")
    assert "folder name 02-demo should be 01-demo" in err.render("en")


def test_yaml_syntax_error_has_a_line(tmp_path):
    path = tmp_path / "01-demo" / "lesson.yaml"
    path.parent.mkdir()
    path.write_text("id: demo\ntitle: {zh: x, en: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_lesson(path)
    assert "YAML syntax error" in info.value.render("en") and info.value.line


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_lesson(tmp_path / "09-none")
    assert "lesson source file not found" in info.value.render("en")


def test_prerequisite_must_be_an_earlier_lesson(tmp_path):
    write_lesson(tmp_path, lesson_data())
    write_lesson(tmp_path, lesson_data(id="second", number=2, prerequisites=["demo"]))
    assert [x.id for x in load_lessons(tmp_path)] == ["demo", "second"]
    write_lesson(tmp_path, lesson_data(id="third", number=3, prerequisites=["later"]))
    with pytest.raises(ConfigError) as info:
        load_lessons(tmp_path)
    assert "prerequisite later does not exist" in info.value.render("en")
    assert "03-third" in info.value.render("en")


def test_duplicate_lesson_numbers_are_refused(tmp_path):
    write_lesson(tmp_path, lesson_data())
    write_lesson(tmp_path, lesson_data(id="other"))
    with pytest.raises(ConfigError) as info:
        load_lessons(tmp_path)
    assert "duplicates" in info.value.render("en")


def test_unknown_scenario_and_dataset_are_reported(tmp_path):
    data = lesson_data()
    data["exercises"]["roleplay"] = {"scenario": "no-such-scenario",
                                     "task": {"zh": "演练", "en": "Practise"}}
    data["exercises"]["data"]["dataset"] = "no-such-dataset"
    lesson = load_lesson(write_lesson(tmp_path, data))
    problems = [p.render("en") for p in check_references([lesson])]
    assert any("scenario no-such-scenario does not exist" in p for p in problems)
    assert any("dataset datasets/no-such-dataset does not exist" in p for p in problems)


# ------------------------------------------------------------------ the shipped course
def test_the_course_has_the_twelve_lessons_of_the_issue():
    lessons = load_lessons()
    assert [x.number for x in lessons] == list(range(1, len(lessons) + 1))
    assert len(lessons) >= 12
    ids = [x.id for x in lessons]
    assert ids[:12] == ["why-branches", "three-meetings", "one-on-one", "attention",
                        "migrant-members", "mass-line", "four-two", "new-members",
                        "weak-branches", "org-life", "scorecard", "disputes"]
    assert get_lesson("mass-line").roleplay.scenario == "dibao-complaint"
    assert get_lesson("disputes").roleplay.scenario == "neighbor-dispute"
    assert get_lesson("org-life").roleplay is not None


def test_every_lesson_is_complete():
    for lesson in load_lessons():
        assert lesson.objectives and lesson.audience.zh and lesson.audience.en
        assert any(s.code for s in lesson.sections), lesson.id
        assert lesson.roleplay or lesson.discussion, lesson.id
        assert lesson.data_exercise.code, lesson.id
        assert sum(i.minutes for i in lesson.timing) == lesson.duration_min
        assert len(lesson.quiz) >= 3, lesson.id
        assert lesson.trainer_notes.zh.strip() and lesson.trainer_notes.en.strip()
        # the interactive widget and a chart are library calls in the sections
        code = "\n".join(c for s in lesson.sections for c in s.code)
        assert "lw." in code and "fig." in code, lesson.id


def test_every_quiz_question_has_answer_and_explanation_in_both_languages():
    kinds = set()
    for lesson in load_lessons():
        for q in lesson.quiz:
            kinds.add(q.kind)
            assert q.prompt.zh.strip() and q.prompt.en.strip()
            assert q.explanation.zh.strip() and q.explanation.en.strip()
            if q.kind == "short":
                assert q.scenario
            else:
                assert q.answer and set(q.answer) <= set(q.choice_ids)
                for c in q.choices:
                    assert c.text.zh.strip() and c.text.en.strip()
    assert kinds == set(KINDS)


def test_four_two_is_taught_as_an_ordering_question():
    q = {q.id: q for q in get_lesson("four-two").quiz}["four-two-order"]
    assert q.kind == "ordering"
    assert q.answer == ("propose", "two_committees", "members", "villagers",
                        "resolution_public", "result_public")


def test_every_referenced_scenario_and_dataset_exists():
    lessons = load_lessons()
    assert check_references(lessons) == []
    known = scenario_ids()
    for lesson in lessons:
        for sid in lesson.scenarios:
            assert sid in known


def test_referenced_scenarios_load_with_the_roleplay_loader():
    from pbkit.roleplay.models import load_scenarios

    loaded = load_scenarios()
    for lesson in load_lessons():
        for sid in lesson.scenarios:
            assert sid in loaded
        for q in lesson.quiz:
            if q.kind == "short" and q.criteria:
                ids = {c.id for c in loaded[q.scenario].criteria}
                assert set(q.criteria) <= ids, (lesson.id, q.id)
