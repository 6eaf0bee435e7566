"""What a lesson notebook's first cell sets up.

:func:`open_lesson` loads the lesson source and the dataset its data exercise names, and
returns them with the language and the trainee id. It changes no global setting: every
later call in the notebook passes ``lang=LANG`` explicitly, and charts pick the Chinese
font themselves (:mod:`pbkit.charts`).

>>> ctx = open_lesson("why-branches", lang="en", load_data=False)
>>> ctx.lesson.number, ctx.lang, ctx.dataset is None
(1, 'en', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pbkit.errors import UsageError
from pbkit.i18n import normalize_lang
from pbkit.lessons.model import Lesson

__all__ = ["LessonContext", "open_lesson", "load_lesson_dataset"]


@dataclass(frozen=True)
class LessonContext:
    """A lesson opened in a notebook.

    Attributes
    ----------
    lesson : Lesson
        The lesson source.
    lang : str
        ``"zh"`` or ``"en"``.
    dataset : Dataset or None
        The dataset of the data exercise.
    trainee_id : str or None
        When set, quiz answers and role-play attempts are saved to the results store.
    cohort_id : str or None
        When set with ``trainee_id``, the trainee is registered in this cohort before the
        first answer is saved.
    """

    lesson: Lesson
    lang: str
    dataset: Any = None
    trainee_id: str | None = None
    cohort_id: str | None = None


def load_lesson_dataset(name: str):
    """Load the dataset ``datasets/<name>`` (the bundled sample honours ``PBKIT_SAMPLE``)."""
    from pbkit.data.sample import load_sample, sample_path

    if name == sample_path().name or name == "sample-township":
        return load_sample()
    from pbkit.data.io import load_dataset
    from pbkit.lessons.loader import datasets_dir

    return load_dataset(datasets_dir() / name)


def open_lesson(lesson_id: str, lang: str = "zh", trainee_id: str | None = None, *,
                cohort_id: str | None = None, load_data: bool = True) -> LessonContext:
    """Open lesson ``lesson_id`` in ``lang`` for a notebook.

    Parameters
    ----------
    lesson_id : str
        Lesson id (``why-branches``) or slug (``01-why-branches``).
    lang : {"zh", "en"}
        Language of everything the lesson's calls print or draw.
    trainee_id : str, optional
        Pseudonymous trainee id; when set, answers are saved to the results store.
        Default: the ``PBKIT_TRAINEE`` environment variable (as for the apps), else none.
    cohort_id : str, optional
        Cohort to register the trainee in (default: ``PBKIT_COHORT``, else none).
    load_data : bool
        Load the data exercise's dataset (default ``True``).
    """
    import os

    from pbkit.lessons.loader import get_lesson

    code = normalize_lang(lang)
    if code is None:
        raise UsageError("lessons.err.bad_lang", value=lang)
    if trainee_id is None:
        trainee_id = os.environ.get("PBKIT_TRAINEE") or None
    if cohort_id is None:
        cohort_id = os.environ.get("PBKIT_COHORT") or None
    if trainee_id is not None and (not isinstance(trainee_id, str) or not trainee_id.strip()):
        raise UsageError("lessons.err.bad_trainee", value=trainee_id)
    lesson = get_lesson(lesson_id)
    dataset = load_lesson_dataset(lesson.data_exercise.dataset) if load_data else None
    return LessonContext(lesson=lesson, lang=code, dataset=dataset,
                         trainee_id=trainee_id.strip() if trainee_id else None,
                         cohort_id=cohort_id.strip() if cohort_id else None)
