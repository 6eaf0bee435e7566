"""Lesson quizzes: question models, answer checking, saving answers to the results store.

The ipywidgets views live in :mod:`pbkit.apps.quiz_widgets`; everything they compute is a
call into this package.

>>> from pbkit.quiz import KINDS
>>> KINDS
('single', 'multiple', 'ordering', 'short')
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

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
    "disclose": "pbkit.quiz.reveal",
    "CourseTest": "pbkit.quiz.prepost",
    "load_course_tests": "pbkit.quiz.prepost",
    "prepost_summary": "pbkit.quiz.prepost",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
