"""Turning lesson sources into notebooks, byte for byte the same every time.

Each lesson becomes ``notebooks/lessons/<lang>/<NN>-<id>.ipynb`` and each language set gets
a course overview ``00-course.ipynb``. Notebooks are nbformat 4.5 with no outputs, no
execution counts, no timestamps, cell ids derived from the lesson id and the cell index
(``<id>-<NN>``) and sorted JSON keys, so building twice gives identical bytes and a
rebuild after an edit changes only what the edit touched.

>>> from pbkit.lessons.loader import get_lesson
>>> lesson = get_lesson("why-branches")
>>> notebook_bytes(lesson, "zh") == notebook_bytes(lesson, "zh")
True
>>> lesson_notebook(lesson, "en").cells[0].id
'why-branches-00'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pbkit.errors import UsageError
from pbkit.i18n import LANGS, t
from pbkit.lessons.model import Lesson

__all__ = [
    "INDEX_STEM",
    "EDITIONS",
    "TRAINER_MARKER",
    "edition_dir",
    "answer_lines",
    "REFERENCES_STEM",
    "references_notebook",
    "rule_uses",
    "BuildResult",
    "notebooks_dir",
    "notebook_path",
    "lesson_notebook",
    "index_notebook",
    "notebook_bytes",
    "index_bytes",
    "expected_notebooks",
    "build",
    "parse_langs",
]

INDEX_STEM = "00-course"
EDITIONS = ("trainee", "trainer")
#: first line of every trainer-only cell; never in a trainee notebook
TRAINER_MARKER = "<!-- pbkit:trainer -->"
REFERENCES_STEM = "99-references"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def notebooks_dir() -> Path:
    """Default output folder, ``notebooks/lessons`` at the top of the repository."""
    from pbkit.data.sample import repo_root

    return repo_root() / "notebooks" / "lessons"


def edition_dir(lang: str, edition: str = "trainee") -> str:
    """Folder name of a language set: ``zh`` (trainee edition) or ``zh-trainer``.

    >>> edition_dir("zh"), edition_dir("en", "trainer")
    ('zh', 'en-trainer')
    """
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    return lang if edition == "trainee" else f"{lang}-{edition}"


def notebook_path(lesson: Lesson, lang: str, out: str | Path | None = None,
                  edition: str = "trainee") -> Path:
    """Where the notebook of ``lesson`` in ``lang`` (and ``edition``) is written."""
    return Path(out or notebooks_dir()) / edition_dir(lang, edition) / f"{lesson.slug}.ipynb"


def parse_langs(lang: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"zh"``, ``"en"``, ``"all"`` or a sequence of codes -> a tuple of codes.

    >>> parse_langs("all"), parse_langs(None), parse_langs(["en"])
    (('zh', 'en'), ('zh',), ('en',))
    """
    if lang is None:
        return ("zh",)
    if isinstance(lang, str):
        lang = LANGS if lang == "all" else (lang,)
    out = []
    for code in lang:
        if code not in LANGS:
            raise UsageError("lessons.err.bad_lang", value=code)
        if code not in out:
            out.append(code)
    return tuple(out)


def _md(lines: Iterable[str]) -> str:
    return "\n".join(lines).strip("\n")


def _lesson_cells(lesson: Lesson, lang: str, course: Sequence[Lesson] | None = None,
                  edition: str = "trainee") -> list[tuple[str, str]]:
    """The cells of a lesson notebook as ``(cell_type, source)`` pairs.

    ``course`` (all lessons) names the prerequisites; loaded from the lesson's folder when
    not given. The ``trainer`` edition adds the timing after the heading, and the expected
    answers and the trainer notes at the end; the ``trainee`` edition has neither.
    """
    tr = lambda key, **kw: t(key, lang=lang, **kw)  # noqa: E731
    cells: list[tuple[str, str]] = []
    head = [f"# {tr('lessons.nb.lesson_title', number=lesson.number, title=lesson.title.get(lang))}",
            "",
            f"**{tr('lessons.nb.audience')}**{tr('lessons.nb.colon')}{lesson.audience.get(lang)}  ",
            f"**{tr('lessons.nb.duration')}**{tr('lessons.nb.colon')}"
            f"{tr('lessons.nb.minutes', minutes=lesson.duration_min)}  "]
    if lesson.prerequisites:
        if course is None:
            from pbkit.lessons.loader import load_lessons

            course = load_lessons(lesson.source.parent.parent)
        by_id = {x.id: x for x in course}
        names = [tr("lessons.nb.lesson_ref", number=by_id[p].number,
                    title=by_id[p].title.get(lang)) for p in lesson.prerequisites]
        head.append(f"**{tr('lessons.nb.prerequisites')}**{tr('lessons.nb.colon')}"
                    + tr("lessons.nb.list_sep").join(names) + "  ")
    head += ["", f"## {tr('lessons.nb.objectives')}", ""]
    head += [f"{i}. {o.get(lang)}" for i, o in enumerate(lesson.objectives, 1)]
    cells.append(("markdown", _md(head)))
    if edition == "trainer":
        cells.append(("markdown", _timing_md(lesson, lang)))
    trainee = "None"
    cells.append(("code", "\n".join([
        "from pbkit.apps import lesson_widgets as lw, quiz_widgets as qw",
        "from pbkit.lessons import analyses as an, figures as fig",
        "from pbkit.lessons.runtime import open_lesson",
        f'L = open_lesson("{lesson.id}", lang="{lang}", trainee_id={trainee}); '
        "ds, LANG = L.dataset, L.lang",
    ])))
    for n, section in enumerate(lesson.sections, 1):
        cells.append(("markdown", _md([f"## {n}. {section.title.get(lang)}", "",
                                       section.body.get(lang), "",
                                       *_rules_md(section.rules, lang)])))
        cells.extend(("code", code) for code in section.code)
        if section.after is not None:
            cells.append(("markdown", section.after.get(lang)))
    ex = lesson.data_exercise
    cells.append(("markdown", _md([
        f"## {tr('lessons.nb.exercises')}", "",
        f"### {tr('lessons.nb.data_exercise')}", "",
        f"*{tr('lessons.nb.dataset')}*{tr('lessons.nb.colon')}`datasets/{ex.dataset}`", "",
        ex.task.get(lang)])))
    cells.extend(("code", code) for code in ex.code)
    if lesson.roleplay is not None:
        cells.append(("markdown", _md([
            f"### {tr('lessons.nb.roleplay')}", "",
            f"*{tr('lessons.nb.scenario')}*{tr('lessons.nb.colon')}`{lesson.roleplay.scenario}`",
            "", lesson.roleplay.task.get(lang)])))
        cells.append(("code", f'lw.roleplay_exercise("{lesson.roleplay.scenario}", L)'))
    if lesson.discussion is not None:
        lines = [f"### {tr('lessons.nb.discussion')}", "", lesson.discussion.task.get(lang), ""]
        lines += [f"{i}. {p.get(lang)}" for i, p in enumerate(lesson.discussion.prompts, 1)]
        cells.append(("markdown", _md(lines)))
    cells.append(("markdown", _md([f"### {tr('lessons.nb.quiz')}", "",
                                   tr("lessons.nb.quiz_intro", n=len(lesson.quiz))])))
    cells.append(("code", "qw.lesson_quiz(L)"))
    if edition == "trainer":
        cells.append(("markdown", _answers_md(lesson, lang)))
        cells.append(("markdown", _md([TRAINER_MARKER, f"## {tr('lessons.nb.trainer_notes')}",
                                       "", lesson.trainer_notes.get(lang)])))
    return cells


def _timing_md(lesson: Lesson, lang: str) -> str:
    """The trainer's timing table (minutes per activity, with the total)."""
    tr = lambda key, **kw: t(key, lang=lang, **kw)  # noqa: E731
    notes = [TRAINER_MARKER, f"## {tr('kit.trainer.timing')}", "",
             f"| {tr('lessons.nb.minutes_col')} | {tr('lessons.nb.activity_col')} |",
             "| ---: | --- |"]
    notes += [f"| {item.minutes} | {item.activity.get(lang)} |" for item in lesson.timing]
    notes += [f"| **{lesson.duration_min}** | **{tr('lessons.nb.total')}** |"]
    return _md(notes)


def answer_lines(question, lang: str) -> list[str]:
    """The expected answer of one quiz question, as Markdown lines (trainer edition).

    >>> from pbkit.lessons.loader import get_lesson
    >>> answer_lines(get_lesson("attention").quiz[0], "en")[0]
    '**Answer**: a. 1 deputy township leader + 2 agency cadres'
    """
    tr = lambda key, **kw: t(key, lang=lang, **kw)  # noqa: E731
    colon = tr("lessons.nb.colon")
    by_id = {c.id: c for c in question.choices}
    if question.kind == "short":
        head = tr("kit.trainer.short_answer", scenario=question.scenario or "",
                  pass_score=f"{question.pass_score:g}")
        lines = [f"**{tr('kit.trainer.answer')}**{colon}{head}"]
    elif question.kind == "ordering":
        steps = [by_id[a].text.get(lang) if a in by_id else a for a in question.answer]
        lines = [f"**{tr('kit.trainer.answer')}**{colon}" + " → ".join(steps)]
    else:
        picks = [f"{a}. {by_id[a].text.get(lang)}" if a in by_id else a
                 for a in question.answer]
        lines = [f"**{tr('kit.trainer.answer')}**{colon}" + tr("lessons.nb.list_sep").join(picks)]
    explanation = " ".join(x.strip() for x in question.explanation.get(lang).splitlines()
                           if x.strip())
    lines.append(f"*{tr('kit.trainer.debrief')}*{colon}{explanation}")
    return lines


def _answers_md(lesson: Lesson, lang: str) -> str:
    """Expected answers of the quiz with the debrief points (trainer edition only)."""
    tr = lambda key, **kw: t(key, lang=lang, **kw)  # noqa: E731
    lines = [TRAINER_MARKER, f"## {tr('kit.trainer.answers')}", ""]
    for i, q in enumerate(lesson.quiz, 1):
        lines += [f"{i}. {q.prompt.get(lang).strip()}", ""]
        lines += [f"   {x}  " for x in answer_lines(q, lang)] + [""]
    return _md(lines)


def _rules_md(rules, lang: str) -> list[str]:
    """The rules of a section, each with its basis beside it, as a Markdown quote."""
    from pbkit.references import format_basis

    if not rules:
        return []
    tr = lambda key: t(key, lang=lang)  # noqa: E731
    colon = tr("lessons.nb.colon")
    lines = [f"> **{tr('references.rules_heading')}**", ">"]
    for rule in rules:
        lines.append(f"> - {rule.text.get(lang)}  ")
        lines.append(f">   *{tr('references.label')}*{colon}{format_basis(rule.basis, lang)}")
    return lines


def rule_uses(lessons: Sequence[Lesson], scenarios_folder: str | Path | None = None):
    """Every rule of the course with its basis and where it is used.

    Returns a list of ``(where_zh, where_en, rule_text, basis)`` tuples: the lesson rules
    (``第 5 课 · 第 1 节`` / ``Lesson 5 · section 1``, linked to the lesson notebook) and the rules of every role-play scenario,
    read from ``lessons/scenarios/*.yaml`` with the same basis reader as the scenario loader.
    """
    from pbkit.i18n.text import Text
    from pbkit.lessons.loader import scenarios_dir
    from pbkit.references import parse_basis
    from pbkit.yamlconf import YamlDoc

    uses = []
    for lesson in lessons:
        for n, section in enumerate(lesson.sections, 1):
            for rule in section.rules:
                where = {lang: t("lessons.nb.rule_in_lesson", lang=lang, number=lesson.number,
                                 section=n, slug=lesson.slug) for lang in ("zh", "en")}
                uses.append((where["zh"], where["en"], rule.text, rule.basis))
    folder = Path(scenarios_folder) if scenarios_folder else scenarios_dir()
    for path in sorted(folder.glob("*.yaml")):
        doc = YamlDoc.from_path(path, path.name)
        data = doc.data or {}
        for i, raw in enumerate(data.get("rules") or []):
            basis = parse_basis(raw.get("basis"), ("rules", i, "basis"), doc.error)
            where = {lang: t("lessons.nb.rule_in_scenario", lang=lang,
                             scenario=(data.get("title") or {}).get(lang) or data["id"])
                     for lang in ("zh", "en")}
            uses.append((where["zh"], where["en"], Text(**raw["text"]), basis))
    return uses


def references_notebook(lessons: Sequence[Lesson], lang: str,
                        scenarios_folder: str | Path | None = None):
    """The course's 参考依据 page: every instrument and field report, and where it is used."""
    from pbkit.references import format_one, load_table

    lang = parse_langs(lang)[0]
    tr = lambda key, **kw: t(key, lang=lang, **kw)  # noqa: E731
    table = load_table()
    uses = rule_uses(lessons, scenarios_folder)
    head = [f"# {tr('lessons.nb.references_title')}", "", tr("lessons.nb.references_intro"),
            "", f"| {tr('lessons.nb.ref_instrument_col')} | {tr('lessons.nb.ref_year_col')} | "
            f"{tr('lessons.nb.ref_used_col')} |", "| --- | ---: | --- |"]
    cells = []
    for inst in table.instruments.values():
        used = [u for u in uses if any(b.instrument == inst.id for b in u[3])]
        where = list(dict.fromkeys(u[0] if lang == "zh" else u[1] for u in used))
        version = inst.version.get(lang)
        year = f"{inst.year}" + (f"（{version}）" if version and lang == "zh"
                                 else f" ({version})" if version else "")
        head.append(f"| {inst.name(lang)} | {year} | "
                    f"{tr('lessons.nb.list_sep').join(where) or '—'} |")
    head += ["", f"## {tr('lessons.nb.ref_reports')}", ""]
    for rep in table.reports.values():
        used = [u for u in uses if any(b.seed == rep.id for b in u[3])]
        where = list(dict.fromkeys(u[0] if lang == "zh" else u[1] for u in used))
        head.append(f"- {rep.name(lang)}{tr('lessons.nb.colon')}"
                    f"{tr('lessons.nb.list_sep').join(where) or '—'}")
    cells.append(("markdown", _md(head)))
    lines = [f"## {tr('lessons.nb.ref_rules')}", "",
             f"| {tr('lessons.nb.ref_where_col')} | {tr('lessons.nb.ref_rule_col')} | "
             f"{tr('references.label')} |", "| --- | --- | --- |"]
    for where_zh, where_en, text, basis in uses:
        cite = "；".join(format_one(b, lang, table) for b in basis) if lang == "zh" else \
            "; ".join(format_one(b, lang, table) for b in basis)
        cell = text.get(lang).replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {where_zh if lang == 'zh' else where_en} | {cell} | {cite} |")
    cells.append(("markdown", _md(lines)))
    meta = _metadata(lang, {"references": True})
    return _notebook(cells, "references", meta)


def _notebook(cells: list[tuple[str, str]], id_prefix: str, metadata: dict):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict(metadata)
    for i, (kind, source) in enumerate(cells):
        cell = (new_code_cell(source) if kind == "code" else new_markdown_cell(source))
        cell.id = f"{id_prefix}-{i:02d}"[-64:]
        cell.metadata = nbformat.from_dict({})
        nb.cells.append(cell)
    return nb


def _metadata(lang: str, extra: dict) -> dict:
    return {"kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
            "pbkit": {"lang": lang, **extra}}


def lesson_notebook(lesson: Lesson, lang: str, course: Sequence[Lesson] | None = None,
                    edition: str = "trainee"):
    """The notebook of ``lesson`` in ``lang`` (an ``nbformat`` node, no outputs).

    ``course`` is the list of all lessons (to name prerequisites); loaded when omitted.
    ``edition`` is ``"trainee"`` (what trainees open: no trainer notes, no answers) or
    ``"trainer"`` (the same lesson with timing, expected answers and trainer notes).
    """
    lang = parse_langs(lang)[0]
    extra = {"lesson": lesson.id, "number": lesson.number,
             "source": f"lessons/{lesson.slug}/{lesson.source.name}"}
    if edition == "trainer":
        extra["edition"] = "trainer"
    nb = _notebook(_lesson_cells(lesson, lang, course, edition), lesson.id, _metadata(lang, extra))
    if edition == "trainer":
        for cell in nb.cells:
            if cell.source.startswith(TRAINER_MARKER):
                cell.metadata["pbkit"] = {"trainer": True}
    return nb


def index_notebook(lessons: Sequence[Lesson], lang: str):
    """The course overview notebook: every lesson, its length and its objectives."""
    lang = parse_langs(lang)[0]
    tr = lambda key, **kw: t(key, lang=lang, **kw)  # noqa: E731
    total = sum(x.duration_min for x in lessons)
    lines = [f"# {tr('lessons.nb.course_title')}", "",
             tr("lessons.nb.course_intro", n=len(lessons), hours=f"{total / 60:.1f}"), "",
             f"| # | {tr('lessons.nb.lesson_col')} | {tr('lessons.nb.minutes_col')} | "
             f"{tr('lessons.nb.practice_col')} |",
             "| ---: | --- | ---: | --- |"]
    for x in lessons:
        practice = (f"`{x.roleplay.scenario}`" if x.roleplay else tr("lessons.nb.discussion"))
        lines.append(f"| {x.number} | [{x.title.get(lang)}]({x.slug}.ipynb) | "
                     f"{x.duration_min} | {practice} |")
    lines += ["", tr("lessons.nb.references_link", stem=REFERENCES_STEM)]
    cells = [("markdown", _md(lines))]
    for x in lessons:
        body = [f"## {tr('lessons.nb.lesson_title', number=x.number, title=x.title.get(lang))}",
                "", f"*{x.audience.get(lang)}*", ""]
        body += [f"- {o.get(lang)}" for o in x.objectives]
        cells.append(("markdown", _md(body)))
    meta = _metadata(lang, {"index": True, "lessons": [x.id for x in lessons]})
    return _notebook(cells, "course", meta)


def _to_bytes(nb) -> bytes:
    import nbformat

    return (nbformat.writes(nb, version=4).rstrip("\n") + "\n").encode("utf-8")


def notebook_bytes(lesson: Lesson, lang: str, course: Sequence[Lesson] | None = None,
                   edition: str = "trainee") -> bytes:
    """The exact bytes :func:`build` writes for ``lesson`` in ``lang``."""
    return _to_bytes(lesson_notebook(lesson, lang, course, edition))


def index_bytes(lessons: Sequence[Lesson], lang: str) -> bytes:
    """The exact bytes of the course overview notebook."""
    return _to_bytes(index_notebook(lessons, lang))


def expected_notebooks(lessons: Sequence[Lesson], lang: str,
                       out: str | Path | None = None,
                       edition: str = "trainee") -> dict[Path, bytes]:
    """Every notebook file of one language set -> the bytes it must hold.

    The trainee set (``<lang>/``) has the course overview and the references page too; the
    trainer set (``<lang>-trainer/``) has the lessons only.
    """
    out = Path(out or notebooks_dir())
    if edition == "trainer":
        return {notebook_path(x, lang, out, edition): notebook_bytes(x, lang, lessons, edition)
                for x in lessons}
    files = {out / lang / f"{INDEX_STEM}.ipynb": index_bytes(lessons, lang),
             out / lang / f"{REFERENCES_STEM}.ipynb": _to_bytes(references_notebook(lessons,
                                                                                      lang))}
    for lesson in lessons:
        files[notebook_path(lesson, lang, out)] = notebook_bytes(lesson, lang, lessons)
    return files


def _write_atomic(path: Path, data: bytes) -> None:
    import os
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _built_by_pbkit(path: Path) -> bool:
    import json

    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "pbkit" in meta


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` did: files written, left unchanged, and stale files removed."""

    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]
    removed: tuple[Path, ...]


def build(lang: str | Sequence[str] | None = "zh", out: str | Path | None = None, *,
          root: str | Path | None = None) -> BuildResult:
    """Build the lesson notebooks of one or both languages.

    Parameters
    ----------
    lang : {"zh", "en", "all"} or sequence
        Language set(s) to build (default ``"zh"``).
    out : path, optional
        Output folder (default ``notebooks/lessons``); trainee notebooks go to
        ``out/<lang>/``, trainer notebooks to ``out/<lang>-trainer/``.
    root : path, optional
        Lessons folder (default ``lessons/``).

    Returns
    -------
    BuildResult
        A file is rewritten (atomically) only when its bytes change; notebooks built by
        pbkit whose source is gone are removed.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     first = build("en", tmp)
    ...     second = build("en", tmp)
    >>> len(first.written) > 1, second.written
    (True, ())
    """
    from pbkit.lessons.loader import load_lessons

    langs = parse_langs(lang)
    lessons = load_lessons(root)
    out = Path(out or notebooks_dir())
    written, unchanged, removed = [], [], []
    for code in langs:
        for edition in EDITIONS:
            files = expected_notebooks(lessons, code, out, edition)
            for path, data in files.items():
                if path.exists() and path.read_bytes() == data:
                    unchanged.append(path)
                else:
                    _write_atomic(path, data)
                    written.append(path)
            for path in sorted((out / edition_dir(code, edition)).glob("*.ipynb")):
                if path not in files and _built_by_pbkit(path):
                    path.unlink()
                    removed.append(path)
    return BuildResult(tuple(written), tuple(unchanged), tuple(removed))
