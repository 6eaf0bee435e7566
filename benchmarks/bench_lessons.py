"""Benchmarks of the lesson system (``pbkit bench --only lessons``).

- ``lessons_build``: turn every lesson source into both notebook sets in memory (load and
  check the YAML sources, make the cells, serialise to nbformat 4.5 bytes), against the
  floor of doing only the plain library parts: loading the same YAML files (the same
  libyaml loader) and
  ``nbformat.writes`` of notebooks with the same number of cells.
- ``lessons_cells``: run every section and exercise code cell of the whole course in one
  process (what a trainer's kernels do, minus kernel start-up), with the analyses' per-
  dataset memo, against the same cells with the memo cleared before every cell (each call
  recomputing its health context from scratch).
"""

from __future__ import annotations

from benchmarks.harness import Benchmark

__all__ = ["BENCHMARKS"]


def _setup_build(scale: str):
    from pbkit.lessons.loader import lessons_dir

    return sorted(lessons_dir().glob("*/lesson.yaml"))


def _run_build(paths) -> dict:
    from pbkit.lessons.build import expected_notebooks
    from pbkit.lessons.loader import load_lessons

    lessons = load_lessons(paths[0].parent.parent)
    files = {}
    for lang in ("zh", "en"):
        files.update(expected_notebooks(lessons, lang, "/tmp/pbkit-bench-lessons"))
    return {"notebooks": len(files), "bytes": sum(len(b) for b in files.values())}


def _baseline_build(paths) -> dict:
    import nbformat
    import yaml
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    total = 0
    count = 0
    for lang in ("zh", "en"):
        for path in paths:
            data = yaml.load(path.read_text(encoding="utf-8"),
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            nb = new_notebook()
            for i, section in enumerate(data["sections"]):
                nb.cells.append(new_markdown_cell(section["body"][lang]))
                for code in section.get("code") or []:
                    nb.cells.append(new_code_cell(code))
                nb.cells[-1].id = f"c{i}"
            total += len(nbformat.writes(nb))
            count += 1
    return {"notebooks": count, "bytes": total}


def _setup_cells(scale: str):
    from pbkit.data.sample import load_sample
    from pbkit.lessons.loader import load_lessons

    cells = []
    for lesson in load_lessons():
        for section in lesson.sections:
            cells.extend((lesson.id, c) for c in section.code)
        cells.extend((lesson.id, c) for c in lesson.data_exercise.code)
    return load_sample(), cells


def _exec_cells(arg, clear: bool) -> dict:
    from pbkit.apps import lesson_widgets as lw
    from pbkit.apps import quiz_widgets as qw
    from pbkit.lessons import analyses as an
    from pbkit.lessons import figures as fig
    from pbkit.lessons.runtime import open_lesson

    ds, cells = arg
    an.clear_cache()
    ran = 0
    for lesson_id, code in cells:
        if clear:
            an.clear_cache()
        scope = {"an": an, "fig": fig, "lw": lw, "qw": qw, "ds": ds, "LANG": "zh",
                 "L": open_lesson(lesson_id, lang="zh", load_data=False)}
        value = eval(compile(code, lesson_id, "eval"), scope) if "\n" not in code else None
        if hasattr(value, "png"):
            value.png()
        ran += 1
    return {"cells": ran}


BENCHMARKS = [
    Benchmark(name="lessons_build", setup=_setup_build, run=_run_build,
              baseline=_baseline_build, scales=("township",), repeat=3,
              target="ratio <= 5 (full checks and both languages against bare YAML + JSON)"),
    Benchmark(name="lessons_cells", setup=_setup_cells,
              run=lambda arg: _exec_cells(arg, clear=False),
              baseline=lambda arg: _exec_cells(arg, clear=True), scales=("township",),
              repeat=1, target="ratio < 1 (the memo saves recomputation)"),
]
