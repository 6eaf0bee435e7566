"""Lesson quizzes: question models, answer checking, saving answers to the results store.

The ipywidgets views live in :mod:`pbkit.apps.quiz_widgets`; everything they compute is a
call into this package.

>>> from pbkit.quiz import KINDS
>>> KINDS
('single', 'multiple', 'ordering', 'short')
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "KINDS": "pbkit.quiz.models",
    "Text": "pbkit.quiz.models",
    "Choice": "pbkit.quiz.models",
    "Question": "pbkit.quiz.models",
    "question_from_dict": "pbkit.quiz.models",
    "questions_from_list": "pbkit.quiz.models",
    "QuizResult": "pbkit.quiz.check",
    "check_answer": "pbkit.quiz.check",
    "grade": "pbkit.quiz.check",
    "save_answer": "pbkit.quiz.saving",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pbkit.quiz' has no attribute {name!r}")
    return getattr(import_module(module), name)
