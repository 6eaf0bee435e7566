"""Lessons: the course source format, building notebooks from it, and checking them.

Sources live in ``lessons/<NN>-<id>/lesson.yaml`` (see :mod:`pbkit.lessons.model`);
:func:`build` writes ``notebooks/lessons/<lang>/<NN>-<id>.ipynb`` and :func:`check` verifies
that the notebooks are in sync with the sources and run top to bottom.

>>> import pbkit.lessons as lessons
>>> sorted(lessons.__all__)[:3]
['CheckReport', 'Lesson', 'LessonContext']
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

_LAZY = {
    "Lesson": "pbkit.lessons.model",
    "load_lesson": "pbkit.lessons.loader",
    "load_lessons": "pbkit.lessons.loader",
    "get_lesson": "pbkit.lessons.loader",
    "check_references": "pbkit.lessons.loader",
    "build": "pbkit.lessons.build",
    "lesson_notebook": "pbkit.lessons.build",
    "check": "pbkit.lessons.check",
    "CheckReport": "pbkit.lessons.check",
    "open_lesson": "pbkit.lessons.runtime",
    "LessonContext": "pbkit.lessons.runtime",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
