"""Checking that lesson sources and notebooks agree and that every notebook runs.

:func:`check` reports, one :class:`Problem` per finding:

- a source that does not load (file, line, field) or refers to a scenario or dataset that
  does not exist;
- a notebook missing, out of sync with its source (naming the first differing cell), or
  left over from a deleted source;
- a notebook that fails when run top to bottom with nbclient on the bundled sample dataset
  (naming the cell and the error), or that exceeds its time bound;
- a lesson notebook that ran but drew no chart or showed no widget.

>>> import tempfile
>>> from pbkit.lessons.build import build
>>> with tempfile.TemporaryDirectory() as tmp:
...     _ = build("en", tmp)
...     report = check("en", tmp, execute=False)
>>> [p.kind for p in report.problems if p.kind != "reference"]
[]
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pbkit.errors import ConfigError
from pbkit.i18n import t

__all__ = ["Problem", "CheckReport", "check_sync", "execute_notebook", "check",
           "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 180.0
_CHART_MIMES = ("image/png", "image/svg+xml")
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`check`.

    ``kind`` is one of ``source``, ``reference``, ``missing``, ``out_of_sync``, ``stale``,
    ``error``, ``timeout``, ``no_chart``, ``no_widget``, ``plan`` (a course plan that
    names a missing lesson or does not add up), ``trainer_leak`` (a trainer-only
    cell in a trainee notebook).
    """

    lesson: str
    lang: str | None
    cell: str | None
    kind: str
    detail: str = ""

    def render(self, lang: str | None = None) -> str:
        """One line naming the lesson, the language set and the cell."""
        where = self.lesson + (f" [{self.lang}]" if self.lang else "")
        if self.cell:
            where += t("lessons.check.cell", lang=lang, cell=self.cell)
        return t(f"lessons.check.{self.kind}", lang=lang, where=where, detail=self.detail)


@dataclass(frozen=True)
class CheckReport:
    """Everything :func:`check` found, and how long each executed notebook took."""

    problems: tuple[Problem, ...]
    timings: tuple[tuple[str, str, float], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, lang: str | None = None) -> list[str]:
        """One line per problem."""
        return [p.render(lang) for p in self.problems]


def _first_diff(actual: bytes, expected: bytes) -> str | None:
    """Id of the first cell that differs, ``"metadata"``, or ``None`` when unreadable."""
    try:
        a, e = json.loads(actual), json.loads(expected)
    except ValueError:
        return None
    a_cells, e_cells = a.get("cells", []), e.get("cells", [])
    for i in range(max(len(a_cells), len(e_cells))):
        if i >= len(a_cells) or i >= len(e_cells) or a_cells[i] != e_cells[i]:
            cell = e_cells[i] if i < len(e_cells) else a_cells[i]
            return str(cell.get("id", i))
    return "metadata"


def check_sync(lang: str | Sequence[str] = "all", out: str | Path | None = None, *,
               root: str | Path | None = None) -> list[Problem]:
    """Problems with sources, references and notebook files (no execution)."""
    from pbkit.lessons.build import (
        EDITIONS,
        TRAINER_MARKER,
        edition_dir,
        expected_notebooks,
        notebooks_dir,
        parse_langs,
    )
    from pbkit.lessons.loader import check_references, load_lessons

    langs = parse_langs(lang)
    out = Path(out or notebooks_dir())
    try:
        lessons = load_lessons(root)
    except ConfigError as exc:
        return [Problem(exc.file or "lessons", None, None, "source", exc.render())]
    by_file = {}
    for lesson in lessons:
        by_file[lesson.source.parent.name] = lesson.id
    problems = []
    for err in check_references(lessons):
        folder = (err.file or "").replace("\\", "/").rstrip("/").split("/")[-2:-1]
        name = by_file.get(folder[0], err.file) if folder else err.file
        problems.append(Problem(name or "lessons", None, None, "reference", err.render()))
    names = {}
    for lesson in lessons:
        names[lesson.slug] = lesson.id
    from pbkit.lessons.loader import lessons_dir
    from pbkit.lessons.plans import load_plans

    plan_file = Path(root or lessons_dir()) / "course-plans.yaml"
    if plan_file.exists():
        try:
            load_plans(plan_file, lessons=lessons)
        except ConfigError as exc:
            problems.append(Problem("course-plans", None, None, "plan", exc.render()))
    for code in langs:
        for edition in EDITIONS:
            where = edition_dir(code, edition)
            files = expected_notebooks(lessons, code, out, edition)
            for path, data in files.items():
                name = names.get(path.stem, path.stem)
                if not path.exists():
                    problems.append(Problem(name, where, None, "missing", str(path)))
                    continue
                actual = path.read_bytes()
                if actual != data:
                    problems.append(Problem(name, where, _first_diff(actual, data),
                                            "out_of_sync", str(path)))
                elif edition == "trainee" and TRAINER_MARKER.encode() in actual:
                    problems.append(Problem(name, where, None, "trainer_leak", str(path)))
            for path in sorted((out / where).glob("*.ipynb")):
                if path not in files:
                    problems.append(Problem(path.stem, where, None, "stale", str(path)))
    return problems


def execute_notebook(path: str | Path, timeout: float = DEFAULT_TIMEOUT, *,
                     cwd: str | Path | None = None):
    """Run a notebook top to bottom in a fresh ``python3`` kernel of this interpreter.

    Parameters
    ----------
    path : path
        The notebook file (not modified).
    timeout : float
        Seconds for the whole notebook; each cell gets what is left of it.
    cwd : path, optional
        Working directory of the kernel (default: the repository root).

    Returns
    -------
    tuple
        ``(executed_notebook, seconds, failure)`` where ``failure`` is ``None`` or
        ``(kind, cell_id, detail)`` with kind ``error`` or ``timeout``.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    from pbkit.data.sample import repo_root

    nb = nbformat.read(str(path), as_version=4)
    start = time.monotonic()
    deadline = start + float(timeout)
    current: dict[str, str | None] = {"cell": None}

    def on_cell_execute(cell, cell_index, **_kw):
        current["cell"] = str(cell.get("id", cell_index))

    def remaining(_cell) -> int:
        return max(1, int(deadline - time.monotonic() + 0.999))

    client = NotebookClient(nb, kernel_name="python3", timeout=int(timeout),
                            kernel_manager_class=_this_python_kernel(),
                            timeout_func=remaining, allow_errors=False,
                            shutdown_kernel="immediate",
                            on_cell_execute=on_cell_execute,
                            resources={"metadata": {"path": str(cwd or repo_root())}})
    failure = None
    try:
        # the kernel's own stderr (start-up chatter) is not the notebook's output
        client.execute(stderr=subprocess.DEVNULL)
    except CellTimeoutError:
        failure = ("timeout", current["cell"], f"{timeout:g}")
    except CellExecutionError as exc:
        failure = ("error", current["cell"], _error_line(exc))
    except DeadKernelError as exc:
        failure = ("error", current["cell"], str(exc).splitlines()[0] if str(exc) else "")
    seconds = time.monotonic() - start
    if failure is None and seconds > timeout:
        failure = ("timeout", current["cell"], f"{timeout:g}")
    return nb, seconds, failure


def _this_python_kernel():
    """A kernel manager whose ``python3`` kernel is always this interpreter.

    A ``python3`` kernel spec installed elsewhere (for instance in the user's Jupyter
    folder) could point at another Python without pbkit; the check must run the notebooks
    with the interpreter that runs the check.
    """
    import sys

    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class ThisPythonKernelManager(AsyncKernelManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (ipykernel)", language="python", name="python3")

    return ThisPythonKernelManager


def _error_line(exc: Exception) -> str:
    ename = getattr(exc, "ename", "") or ""
    evalue = getattr(exc, "evalue", "") or ""
    if ename:
        return f"{ename}: {evalue}".strip()
    lines = [x for x in str(exc).splitlines() if x.strip()]
    return lines[-1] if lines else type(exc).__name__


def _outputs(nb) -> tuple[bool, bool]:
    chart = widget = False
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            chart = chart or any(m in data for m in _CHART_MIMES)
            widget = widget or _WIDGET_MIME in data
    return chart, widget


def check(lang: str | Sequence[str] = "all", out: str | Path | None = None, *,
          timeout: float = DEFAULT_TIMEOUT, execute: bool = True,
          root: str | Path | None = None, only: Sequence[str] | None = None,
          progress=None) -> CheckReport:
    """Verify sources and notebooks are in sync and that every notebook runs.

    Parameters
    ----------
    lang : {"zh", "en", "all"} or sequence
        Language sets to check (default both).
    out : path, optional
        Notebook folder (default ``notebooks/lessons``).
    timeout : float
        Time bound per notebook, in seconds.
    execute : bool
        Run the notebooks (default); ``False`` checks sync only.
    root : path, optional
        Lessons folder (default ``lessons/``).
    only : sequence of str, optional
        Lesson ids or slugs to execute (default all).
    progress : callable, optional
        Called as ``progress(lesson_id, lang, seconds, failure)`` after each notebook.

    Returns
    -------
    CheckReport
    """
    from pbkit.lessons.build import notebook_path, notebooks_dir, parse_langs
    from pbkit.lessons.loader import load_lessons

    langs = parse_langs(lang)
    out = Path(out or notebooks_dir())
    problems = check_sync(langs, out, root=root)
    timings: list[tuple[str, str, float]] = []
    if execute and not any(p.kind == "source" for p in problems):
        lessons = load_lessons(root)
        if only:
            wanted = set(only)
            lessons = tuple(x for x in lessons if x.id in wanted or x.slug in wanted)
        for code in langs:
            for lesson in lessons:
                path = notebook_path(lesson, code, out)
                if not path.exists():
                    continue
                nb, seconds, failure = execute_notebook(path, timeout)
                timings.append((lesson.id, code, seconds))
                if failure is not None:
                    kind, cell, detail = failure
                    problems.append(Problem(lesson.id, code, cell, kind, detail))
                else:
                    chart, widget = _outputs(nb)
                    if not chart:
                        problems.append(Problem(lesson.id, code, None, "no_chart"))
                    if not widget:
                        problems.append(Problem(lesson.id, code, None, "no_widget"))
                if progress is not None:
                    progress(lesson.id, code, seconds, failure)
    return CheckReport(tuple(problems), tuple(timings))
