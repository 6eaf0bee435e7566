"""The lesson source format, as frozen dataclasses.

A lesson is one YAML file ``lessons/<NN>-<id>/lesson.yaml`` (``NN`` = two-digit lesson
number). Every text a trainee or trainer reads is bilingual (``{zh: ..., en: ...}``).
Fields (``*`` = required)::

    id*            short slug, unique, equal to the folder name after "NN-"
    number*        position in the course (1, 2, ...), equal to NN
    title*         {zh, en}
    audience*      {zh, en}
    duration_min*  minutes; equals the sum of trainer_notes.timing
    objectives*    list of {zh, en}
    prerequisites  list of lesson ids taught earlier
    sections*      list of {id*, title*, body*, rules, code, after}
                   rules: list of {id*, text*, basis*}: every rule the section states,
                     with its basis (see pbkit.references); shown under the body
                   code: list of code cells (at most MAX_CODE_LINES lines each)
    exercises*
      data*        {dataset*, task*, code}
      roleplay     {scenario*, task*}           (roleplay or discussion required)
      discussion   {task*, prompts*: list of {zh, en}}
      quiz*        list of questions (see pbkit.quiz.models); a question's ``rules``
                   names rules of the lesson, whose basis follows its explanation
    trainer_notes*
      timing*      list of {minutes*, zh*, en*}
      notes*       {zh, en}

Code cells are language-neutral Python; the notebook's first code cell defines ``L`` (the
:class:`~pbkit.lessons.runtime.LessonContext`), ``ds`` (the dataset), ``LANG`` and the widget
modules ``lw`` and ``qw``.

>>> TimingItem(10, Text("导入", "Opening")).minutes
10
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pbkit.quiz.models import Question, Text
from pbkit.references import Basis

__all__ = [
    "MAX_CODE_LINES",
    "Rule",
    "Section",
    "DataExercise",
    "RolePlayExercise",
    "Discussion",
    "TimingItem",
    "Lesson",
]

MAX_CODE_LINES = 3


@dataclass(frozen=True)
class Rule:
    """A rule a lesson states, with its basis (instrument and article, or local practice)."""

    id: str
    text: Text
    basis: tuple[Basis, ...]


@dataclass(frozen=True)
class Section:
    """A titled part of a lesson: text and its rules, then code cells, then optional text."""

    id: str
    title: Text
    body: Text
    code: tuple[str, ...] = ()
    after: Text | None = None
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class DataExercise:
    """A data exercise: a task on a named dataset in ``datasets/``, with starter cells."""

    dataset: str
    task: Text
    code: tuple[str, ...] = ()


@dataclass(frozen=True)
class RolePlayExercise:
    """A role-play on a scenario of ``lessons/scenarios/``."""

    scenario: str
    task: Text


@dataclass(frozen=True)
class Discussion:
    """A classroom discussion: the task and its prompts."""

    task: Text
    prompts: tuple[Text, ...]


@dataclass(frozen=True)
class TimingItem:
    """One step of the trainer's plan and its minutes."""

    minutes: int
    activity: Text


@dataclass(frozen=True)
class Lesson:
    """One lesson of the course (see the module docstring for the source fields)."""

    id: str
    number: int
    title: Text
    audience: Text
    duration_min: int
    objectives: tuple[Text, ...]
    prerequisites: tuple[str, ...]
    sections: tuple[Section, ...]
    data_exercise: DataExercise
    roleplay: RolePlayExercise | None
    discussion: Discussion | None
    quiz: tuple[Question, ...]
    timing: tuple[TimingItem, ...]
    trainer_notes: Text
    source: Path

    @property
    def slug(self) -> str:
        """``NN-id``: the folder of the source and the stem of the notebook."""
        return f"{self.number:02d}-{self.id}"

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule the lesson states, in the order of its sections."""
        return tuple(rule for section in self.sections for rule in section.rules)

    @property
    def scenarios(self) -> tuple[str, ...]:
        """Every scenario id the lesson refers to (role-play and short-answer questions)."""
        ids = [self.roleplay.scenario] if self.roleplay else []
        ids += [q.scenario for q in self.quiz if q.scenario]
        return tuple(dict.fromkeys(ids))
