"""Loading lesson sources (``lessons/<NN>-<id>/lesson.yaml``) with precise errors.

Every problem in a source is a :class:`~pbkit.yamlconf.YamlConfigError` naming the file,
the line and the key path (list positions from 1), e.g. ``lessons/03-pairing/lesson.yaml,
line 40, field exercises.quiz[2].answer: answer c is not one of the choices``.

>>> lessons = load_lessons()
>>> lessons[0].number, lessons[0].slug == lessons[0].source.parent.name
(1, True)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pbkit.errors import ConfigError
from pbkit.i18n.text import Text
from pbkit.lessons.model import (
    MAX_CODE_LINES,
    DataExercise,
    Discussion,
    Lesson,
    RolePlayExercise,
    Rule,
    Section,
    TimingItem,
)
from pbkit.quiz.models import questions_from_list, text_from
from pbkit.yamlconf import YamlDoc

__all__ = [
    "SOURCE_NAME",
    "lessons_dir",
    "scenarios_dir",
    "datasets_dir",
    "load_lesson",
    "load_lessons",
    "get_lesson",
    "scenario_ids",
    "check_references",
]

SOURCE_NAME = "lesson.yaml"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TOP = {"id", "number", "title", "audience", "duration_min", "objectives", "prerequisites",
        "sections", "exercises", "trainer_notes"}


def lessons_dir() -> Path:
    """The ``lessons/`` folder of the repository (``PBKIT_LESSONS`` overrides)."""
    import os

    from pbkit.data.sample import repo_root

    override = os.environ.get("PBKIT_LESSONS")
    return Path(override) if override else repo_root() / "lessons"


def scenarios_dir() -> Path:
    """The role-play scenarios folder, ``lessons/scenarios/``."""
    from pbkit.data.sample import repo_root

    return repo_root() / "lessons" / "scenarios"


def datasets_dir() -> Path:
    """The ``datasets/`` folder of the repository."""
    from pbkit.data.sample import repo_root

    return repo_root() / "datasets"


def _display(path: Path) -> str:
    from pbkit.data.sample import repo_root

    try:
        return path.resolve().relative_to(repo_root()).as_posix()
    except ValueError:
        return str(path)


class _Reader:
    """Field readers bound to one source document."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def require(self, data: Mapping, path: tuple, name: str) -> Any:
        if name not in data or data[name] is None:
            raise self.doc.error(path, "lessons.err.missing_field", name=name)
        return data[name]

    def mapping(self, value: Any, path: tuple, allowed: set[str]) -> Mapping:
        if not isinstance(value, Mapping):
            raise self.doc.error(path, "lessons.err.not_mapping")
        for name in value:
            if name not in allowed:
                raise self.doc.error((*path, str(name)), "lessons.err.unknown_field", name=name)
        return value

    def items(self, value: Any, path: tuple, *, min_items: int = 1) -> list:
        if not isinstance(value, list):
            raise self.doc.error(path, "lessons.err.not_list")
        if len(value) < min_items:
            raise self.doc.error(path, "lessons.err.too_few", n=min_items)
        return value

    def text(self, value: Any, path: tuple) -> Text:
        return text_from(value, path, self.doc)

    def integer(self, value: Any, path: tuple, minimum: int = 1) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.doc.error(path, "lessons.err.bad_int", value=value, minimum=minimum)
        return value

    def ident(self, value: Any, path: tuple) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise self.doc.error(path, "lessons.err.bad_id", value=value)
        return value

    def rules(self, value: Any, path: tuple, seen: set[str]) -> tuple[Rule, ...]:
        """A section's ``rules``: each ``{id, text, basis}``; ids unique in the lesson."""
        from pbkit.references import parse_basis

        out = []
        for i, raw in enumerate(self.items(value, path, min_items=0)):
            rp = (*path, i)
            m = self.mapping(raw, rp, {"id", "text", "basis"})
            rid = self.ident(self.require(m, rp, "id"), (*rp, "id"))
            if rid in seen:
                raise self.doc.error((*rp, "id"), "lessons.err.duplicate_id", value=rid)
            seen.add(rid)
            text = self.text(self.require(m, rp, "text"), (*rp, "text"))
            basis = parse_basis(m.get("basis"), (*rp, "basis"),
                                lambda p, key, **kw: self.doc.error(p, key, **kw))
            out.append(Rule(rid, text, basis))
        return tuple(out)

    def code(self, value: Any, path: tuple) -> tuple[str, ...]:
        cells = []
        for i, cell in enumerate(self.items(value, path, min_items=0)):
            cpath = (*path, i)
            if not isinstance(cell, str) or not cell.strip():
                raise self.doc.error(cpath, "lessons.err.bad_code")
            source = cell.strip("\n").rstrip()
            lines = source.splitlines()
            if len(lines) > MAX_CODE_LINES:
                raise self.doc.error(cpath, "lessons.err.code_too_long", n=len(lines),
                                     max=MAX_CODE_LINES)
            try:
                compile(source, f"{self.doc.file}:{'.'.join(map(str, cpath))}", "exec")
            except SyntaxError as exc:
                raise self.doc.error(cpath, "lessons.err.code_syntax", detail=exc.msg) from None
            cells.append(source)
        return tuple(cells)


def load_lesson(path: str | Path) -> Lesson:
    """Read and check one lesson source file.

    Parameters
    ----------
    path : str or Path
        A ``lesson.yaml`` file, or the lesson folder holding it.

    Returns
    -------
    Lesson

    Raises
    ------
    pbkit.errors.ConfigError
        Naming the file, line and field of the first problem.

    Examples
    --------
    >>> lesson = load_lesson(lessons_dir() / "01-why-branches")
    >>> lesson.id, lesson.duration_min == sum(i.minutes for i in lesson.timing)
    ('why-branches', True)
    """
    path = Path(path)
    if path.is_dir():
        path = path / SOURCE_NAME
    file = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("lessons.err.no_file", file=file) from None
    except UnicodeDecodeError:
        raise ConfigError("lessons.err.encoding", file=file) from None
    doc = YamlDoc.from_text(text, file)
    r = _Reader(doc)
    data = r.mapping(doc.data, (), _TOP)

    lesson_id = r.ident(r.require(data, (), "id"), ("id",))
    number = r.integer(r.require(data, (), "number"), ("number",))
    folder = path.parent.name
    if folder != f"{number:02d}-{lesson_id}":
        raise doc.error(("id",), "lessons.err.folder_mismatch", folder=folder,
                        expected=f"{number:02d}-{lesson_id}")
    title = r.text(r.require(data, (), "title"), ("title",))
    audience = r.text(r.require(data, (), "audience"), ("audience",))
    duration = r.integer(r.require(data, (), "duration_min"), ("duration_min",))
    objectives = tuple(r.text(v, ("objectives", i)) for i, v in
                       enumerate(r.items(r.require(data, (), "objectives"), ("objectives",))))
    prereq_raw = data.get("prerequisites") or []
    prerequisites = tuple(r.ident(v, ("prerequisites", i)) for i, v in
                          enumerate(r.items(prereq_raw, ("prerequisites",), min_items=0)))

    sections = []
    seen: set[str] = set()
    rule_ids: set[str] = set()
    raw_sections = r.items(r.require(data, (), "sections"), ("sections",))
    for i, raw in enumerate(raw_sections):
        p = ("sections", i)
        s = r.mapping(raw, p, {"id", "title", "body", "rules", "code", "after"})
        sid = r.ident(r.require(s, p, "id"), (*p, "id"))
        if sid in seen:
            raise doc.error((*p, "id"), "lessons.err.duplicate_id", value=sid)
        seen.add(sid)
        sections.append(Section(
            id=sid,
            title=r.text(r.require(s, p, "title"), (*p, "title")),
            body=r.text(r.require(s, p, "body"), (*p, "body")),
            code=r.code(s.get("code") or [], (*p, "code")),
            after=r.text(s["after"], (*p, "after")) if s.get("after") is not None else None,
            rules=r.rules(s.get("rules") or [], (*p, "rules"), rule_ids),
        ))
    if not any(s.code for s in sections):
        raise doc.error(("sections",), "lessons.err.no_analysis")

    ex_path = ("exercises",)
    ex = r.mapping(r.require(data, (), "exercises"), ex_path,
                   {"data", "roleplay", "discussion", "quiz"})
    dp = (*ex_path, "data")
    d = r.mapping(r.require(ex, ex_path, "data"), dp, {"dataset", "task", "code"})
    dataset = r.require(d, dp, "dataset")
    if not isinstance(dataset, str) or not dataset.strip() or "/" in dataset or ".." in dataset:
        raise doc.error((*dp, "dataset"), "lessons.err.bad_value", value=dataset)
    data_ex = DataExercise(dataset=dataset, task=r.text(r.require(d, dp, "task"), (*dp, "task")),
                           code=r.code(d.get("code") or [], (*dp, "code")))
    roleplay = None
    if ex.get("roleplay") is not None:
        rp = (*ex_path, "roleplay")
        m = r.mapping(ex["roleplay"], rp, {"scenario", "task"})
        scenario = r.ident(r.require(m, rp, "scenario"), (*rp, "scenario"))
        roleplay = RolePlayExercise(scenario=scenario,
                                    task=r.text(r.require(m, rp, "task"), (*rp, "task")))
    discussion = None
    if ex.get("discussion") is not None:
        dsp = (*ex_path, "discussion")
        m = r.mapping(ex["discussion"], dsp, {"task", "prompts"})
        prompts = tuple(r.text(v, (*dsp, "prompts", i)) for i, v in
                        enumerate(r.items(r.require(m, dsp, "prompts"), (*dsp, "prompts"))))
        discussion = Discussion(task=r.text(r.require(m, dsp, "task"), (*dsp, "task")),
                                prompts=prompts)
    if roleplay is None and discussion is None:
        raise doc.error(ex_path, "lessons.err.no_practice")
    quiz_raw = r.items(r.require(ex, ex_path, "quiz"), (*ex_path, "quiz"))
    quiz = questions_from_list(quiz_raw, (*ex_path, "quiz"), doc)
    quiz = _with_basis(quiz, {rule.id: rule for s in sections for rule in s.rules}, doc)

    tp = ("trainer_notes",)
    tn = r.mapping(r.require(data, (), "trainer_notes"), tp, {"timing", "notes"})
    timing = []
    for i, raw in enumerate(r.items(r.require(tn, tp, "timing"), (*tp, "timing"))):
        ip = (*tp, "timing", i)
        m = r.mapping(raw, ip, {"minutes", "zh", "en"})
        minutes = r.integer(r.require(m, ip, "minutes"), (*ip, "minutes"))
        timing.append(TimingItem(minutes, r.text({k: m.get(k) for k in ("zh", "en")}, ip)))
    total = sum(item.minutes for item in timing)
    if total != duration:
        raise doc.error(("duration_min",), "lessons.err.timing_sum", total=total,
                        duration=duration)
    notes = r.text(r.require(tn, tp, "notes"), (*tp, "notes"))

    return Lesson(id=lesson_id, number=number, title=title, audience=audience,
                  duration_min=duration, objectives=objectives, prerequisites=prerequisites,
                  sections=tuple(sections), data_exercise=data_ex, roleplay=roleplay,
                  discussion=discussion, quiz=quiz, timing=tuple(timing), trainer_notes=notes,
                  source=path)


def _with_basis(quiz, rules: Mapping[str, Rule], doc: YamlDoc):
    """Questions whose ``rules`` exist in the lesson, their basis added to the explanation."""
    from dataclasses import replace

    from pbkit.i18n import t
    from pbkit.references import format_basis

    out = []
    for i, q in enumerate(quiz):
        for rid in q.rules:
            if rid not in rules:
                raise doc.error(("exercises", "quiz", i, "rules"), "lessons.err.unknown_rule",
                                value=rid, known=", ".join(sorted(rules)) or "—")
        if not q.rules:
            out.append(q)
            continue
        bases = [b for rid in q.rules for b in rules[rid].basis]
        bases = list(dict.fromkeys(bases))
        extra = {lang: f"{t('references.label', lang=lang)}"
                       f"{'：' if lang == 'zh' else ': '}{format_basis(bases, lang)}"
                 for lang in ("zh", "en")}
        explanation = Text(zh=f"{q.explanation.zh}\n\n{extra['zh']}",
                           en=f"{q.explanation.en}\n\n{extra['en']}")
        out.append(replace(q, explanation=explanation, basis=Text(extra["zh"], extra["en"])))
    return tuple(out)


def load_lessons(root: str | Path | None = None) -> tuple[Lesson, ...]:
    """Every lesson under ``root`` (default :func:`lessons_dir`), ordered by number.

    Checks across lessons too: ids and numbers unique, prerequisites name lessons taught
    earlier. Folders without ``lesson.yaml`` (such as ``scenarios/``) are skipped.
    """
    root = Path(root) if root is not None else lessons_dir()
    lessons = [load_lesson(p) for p in sorted(root.glob(f"*/{SOURCE_NAME}"))]
    lessons.sort(key=lambda lesson: lesson.number)
    by_id: dict[str, Lesson] = {}
    numbers: dict[int, Lesson] = {}
    for lesson in lessons:
        for key, seen, value in (("id", by_id, lesson.id), ("number", numbers, lesson.number)):
            if value in seen:
                raise _source_doc(lesson).error((key,), "lessons.err.duplicate_lesson",
                                                value=value, other=_display(seen[value].source))
        by_id[lesson.id] = lesson
        numbers[lesson.number] = lesson
    for lesson in lessons:
        for i, pre in enumerate(lesson.prerequisites):
            if pre not in by_id or by_id[pre].number >= lesson.number:
                raise _source_doc(lesson).error(("prerequisites", i),
                                                "lessons.err.bad_prerequisite", value=pre)
    return tuple(lessons)


def _source_doc(lesson: Lesson) -> YamlDoc:
    """The lesson's source again, to locate a cross-lesson problem in it."""
    return YamlDoc.from_path(lesson.source, _display(lesson.source))


def get_lesson(lesson_id: str, root: str | Path | None = None) -> Lesson:
    """The lesson with id ``lesson_id`` (or slug ``NN-id``).

    >>> get_lesson("why-branches").number
    1
    """
    for lesson in load_lessons(root):
        if lesson_id in (lesson.id, lesson.slug):
            return lesson
    raise ConfigError("lessons.err.unknown_lesson", value=lesson_id)


def scenario_ids(folder: str | Path | None = None) -> dict[str, Path]:
    """Scenario id -> file, read from the ``id`` field of every ``*.yaml`` in ``folder``.

    >>> "dibao-complaint" in scenario_ids()
    True
    """
    from pbkit.yamlconf import YamlConfigError

    folder = Path(folder) if folder is not None else scenarios_dir()
    out: dict[str, Path] = {}
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data = YamlDoc.from_path(path, path.name).data
        except YamlConfigError:  # the scenario loader reports it with its line
            continue
        if isinstance(data, Mapping) and isinstance(data.get("id"), str):
            out[data["id"]] = path
    return out


def check_references(lessons: Sequence[Lesson], *, scenarios: Mapping[str, Any] | None = None,
                     datasets: str | Path | None = None) -> list[ConfigError]:
    """Problems with what lessons refer to: unknown scenario ids, missing datasets.

    Returns a list (empty when everything exists); each error names the lesson file, line
    and field.
    """
    known = set(scenarios if scenarios is not None else scenario_ids())
    ds_root = Path(datasets) if datasets is not None else datasets_dir()
    problems: list[ConfigError] = []
    for lesson in lessons:
        doc = _source_doc(lesson)
        if lesson.roleplay and lesson.roleplay.scenario not in known:
            problems.append(doc.error(("exercises", "roleplay", "scenario"),
                                      "lessons.err.unknown_scenario",
                                      value=lesson.roleplay.scenario))
        for i, q in enumerate(lesson.quiz):
            if q.scenario and q.scenario not in known:
                problems.append(doc.error(("exercises", "quiz", i, "scenario"),
                                          "lessons.err.unknown_scenario", value=q.scenario))
        if not (ds_root / lesson.data_exercise.dataset).exists():
            problems.append(doc.error(("exercises", "data", "dataset"),
                                      "lessons.err.unknown_dataset",
                                      value=lesson.data_exercise.dataset))
    return problems
