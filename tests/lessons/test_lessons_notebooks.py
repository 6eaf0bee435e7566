"""Every lesson notebook runs top to bottom on the sample dataset within a time bound.

The Chinese set runs in full (one fresh kernel per notebook, as a trainer would open it);
the English set gets a smoke run of one lesson, since both languages share the same code
cells (checked in test_lessons_build). Each executed notebook must draw a chart and show a
widget. The notebooks run in one xdist group so they do not compete for the two cores.
"""

from __future__ import annotations

import nbformat
import pytest

from pbkit.lessons.build import build, notebook_path, notebooks_dir
from pbkit.lessons.check import check, execute_notebook
from pbkit.lessons.loader import load_lessons

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("lesson-notebooks")]

TIMEOUT = 240.0  # seconds per notebook (about 10-25 s each on an idle 2-core machine)
LESSONS = load_lessons()


def _outputs(nb):
    mimes = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            mimes |= set(out.get("data", {}))
    return mimes


@pytest.mark.parametrize("lesson", LESSONS, ids=[x.slug for x in LESSONS])
def test_chinese_notebook_runs_with_a_chart_and_a_widget(lesson):
    path = notebook_path(lesson, "zh", notebooks_dir())
    nb, seconds, failure = execute_notebook(path, TIMEOUT)
    assert failure is None, f"{lesson.id}: {failure}"
    assert seconds < TIMEOUT
    mimes = _outputs(nb)
    assert "image/png" in mimes, lesson.id
    assert "application/vnd.jupyter.widget-view+json" in mimes, lesson.id
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []


def test_english_smoke_run_through_check():
    report = check("en", notebooks_dir(), timeout=TIMEOUT, only=["scorecard"])
    assert report.ok, report.lines("en")
    assert [(lesson, lang) for lesson, lang, _ in report.timings] == [("scorecard", "en")]


def test_a_failing_cell_is_reported_with_lesson_and_cell(tmp_path):
    build("en", tmp_path)
    path = tmp_path / "en" / "01-why-branches.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    broken = next(i for i, c in enumerate(nb.cells) if i > 1 and c.cell_type == "code")
    nb.cells[broken].source = "an.no_such_analysis(ds)"
    nbformat.write(nb, str(path))
    report = check("en", tmp_path, timeout=TIMEOUT, only=["why-branches"])
    errors = [p for p in report.problems if p.kind == "error"]
    assert len(errors) == 1
    assert errors[0].lesson == "why-branches" and errors[0].cell == nb.cells[broken].id
    line = errors[0].render("en")
    assert line.startswith(f"why-branches [en], cell {nb.cells[broken].id}: failed: ")
    assert "AttributeError" in line
    assert any(p.kind == "out_of_sync" for p in report.problems)


def test_the_time_bound_stops_a_slow_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import time"),
                nbformat.v4.new_code_cell("time.sleep(60)")]
    for i, cell in enumerate(nb.cells):
        cell.id = f"slow-{i}"
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, str(path))
    _nb, seconds, failure = execute_notebook(path, 8)
    assert failure is not None and failure[0] == "timeout" and failure[1] == "slow-1"
    assert seconds < 40


def test_the_kernel_is_this_interpreter(tmp_path):
    import sys

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import sys; print(sys.executable)")]
    nb.cells[0].id = "which-python"
    path = tmp_path / "which.ipynb"
    nbformat.write(nb, str(path))
    done, _seconds, failure = execute_notebook(path, 120)
    assert failure is None
    assert done.cells[0].outputs[0]["text"].strip() == sys.executable
