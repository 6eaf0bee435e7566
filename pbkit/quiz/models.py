"""Question models of the lesson quizzes and how they are read from YAML.

A quiz question is one of four kinds:

``single``
    one correct choice (radio buttons);
``multiple``
    a set of correct choices (check boxes);
``ordering``
    put the choices in the right order (a procedure such as four discussions and two
    openness); ``answer`` lists every choice id in the correct order;
``short``
    a free-text answer scored by the role-play scorer against a scenario's rubric,
    optionally on a subset of its criteria (a mini rubric), passing at ``pass_score``.

Every prompt, choice and explanation is bilingual (:class:`Text`).

>>> q = question_from_dict({"id": "q1", "kind": "single",
...     "prompt": {"zh": "党员大会多久开一次？", "en": "How often is the general meeting held?"},
...     "choices": [{"id": "a", "zh": "每月", "en": "monthly"},
...                 {"id": "b", "zh": "每季度", "en": "quarterly"}],
...     "answer": "b",
...     "explanation": {"zh": "每季度至少一次。", "en": "At least once a quarter."}})
>>> q.kind, q.answer, q.prompt.get("en")
('single', ('b',), 'How often is the general meeting held?')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pbkit.i18n import LANGS
from pbkit.i18n.text import Text
from pbkit.yamlconf import YamlDoc as SourceDoc

__all__ = [
    "KINDS",
    "Text",
    "Choice",
    "Question",
    "text_from",
    "question_from_dict",
    "questions_from_list",
]

KINDS: tuple[str, ...] = ("single", "multiple", "ordering", "short")


@dataclass(frozen=True)
class Choice:
    """One choice of a choice or ordering question."""

    id: str
    text: Text


@dataclass(frozen=True)
class Question:
    """One quiz question.

    Attributes
    ----------
    id : str
        Unique within its lesson.
    kind : str
        One of :data:`KINDS`.
    prompt, explanation : Text
        The question and the explanation shown after answering.
    choices : tuple of Choice
        For ``single``, ``multiple`` and ``ordering`` (shown in this order).
    answer : tuple of str
        Correct choice id(s); for ``ordering`` every choice id in the correct order.
    scenario : str or None
        For ``short``: the role-play scenario whose rubric scores the answer.
    criteria : tuple of str
        For ``short``: the rubric criteria that count (empty = all).
    pass_score : float
        For ``short``: the score (0-100 over the counted criteria) that passes.
    points : float
        Weight of the question in a quiz total.
    rules : tuple of str
        Ids of the lesson's rules the question tests (their basis is shown with the
        explanation).
    basis : Text or None
        Where the rule behind the answer comes from ("参考依据：..."), set by the lesson
        loader from ``rules`` or read from a course test's ``basis``. It names a source
        and can be shown before the answer is recorded.
    """

    id: str
    kind: str
    prompt: Text
    explanation: Text
    choices: tuple[Choice, ...] = ()
    answer: tuple[str, ...] = ()
    scenario: str | None = None
    criteria: tuple[str, ...] = ()
    pass_score: float = 60.0
    points: float = 1.0
    rules: tuple[str, ...] = ()
    basis: Text | None = None

    def choice(self, choice_id: str) -> Choice:
        """The choice with id ``choice_id`` (``KeyError`` if absent)."""
        for c in self.choices:
            if c.id == choice_id:
                return c
        raise KeyError(choice_id)

    @property
    def choice_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices)


def _doc(doc: SourceDoc | None) -> SourceDoc:
    return doc if doc is not None else SourceDoc(data=None, file="<quiz>")


def text_from(value: Any, path: Sequence[str | int], doc: SourceDoc | None = None) -> Text:
    """Read a bilingual text ``{zh: ..., en: ...}``; both languages must be non-empty.

    >>> text_from({"zh": "是", "en": "yes"}, ("x",)).en
    'yes'
    """
    doc = _doc(doc)
    if not isinstance(value, Mapping):
        raise doc.error(path, "lessons.err.not_bilingual")
    for lang in LANGS:
        item = value.get(lang)
        if not isinstance(item, str) or not item.strip():
            raise doc.error((*path, lang), "lessons.err.missing_lang", language=lang)
    extra = sorted(set(value) - set(LANGS))
    if extra:
        raise doc.error((*path, str(extra[0])), "lessons.err.unknown_field", name=extra[0])
    return Text(zh=value["zh"].strip(), en=value["en"].strip())


def _ids(value: Any, path: tuple, doc: SourceDoc) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise doc.error(path, "lessons.err.bad_answer")


_QUESTION_FIELDS = {"id", "kind", "prompt", "explanation", "choices", "answer", "scenario",
                    "criteria", "pass_score", "points", "rules"}


def question_from_dict(data: Any, path: Sequence[str | int] = (),
                       doc: SourceDoc | None = None) -> Question:
    """Build a :class:`Question` from its YAML mapping, checking every field.

    Errors are :class:`~pbkit.errors.ConfigError` naming the file, line and field.
    """
    doc = _doc(doc)
    path = tuple(path)
    if not isinstance(data, Mapping):
        raise doc.error(path, "lessons.err.not_mapping")
    for name in data:
        if name not in _QUESTION_FIELDS:
            raise doc.error((*path, str(name)), "lessons.err.unknown_field", name=name)
    for name in ("id", "kind", "prompt", "explanation"):
        if name not in data:
            raise doc.error(path, "lessons.err.missing_field", name=name)
    qid = data["id"]
    if not isinstance(qid, str) or not qid.strip():
        raise doc.error((*path, "id"), "lessons.err.bad_value", value=qid)
    kind = data["kind"]
    if kind not in KINDS:
        raise doc.error((*path, "kind"), "lessons.err.bad_kind", value=kind,
                        choices=", ".join(KINDS))
    prompt = text_from(data["prompt"], (*path, "prompt"), doc)
    explanation = text_from(data["explanation"], (*path, "explanation"), doc)
    points = data.get("points", 1.0)
    if not isinstance(points, (int, float)) or isinstance(points, bool) or points <= 0:
        raise doc.error((*path, "points"), "lessons.err.bad_value", value=points)

    rules = data.get("rules", [])
    if (not isinstance(rules, list) or not all(isinstance(r, str) and r for r in rules)
            or len(set(rules)) != len(rules)):
        raise doc.error((*path, "rules"), "lessons.err.bad_value", value=rules)
    if kind == "short":
        question = _short_question(data, path, doc, qid, prompt, explanation, float(points))
        return replace(question, rules=tuple(rules))

    raw_choices = data.get("choices")
    if not isinstance(raw_choices, list) or len(raw_choices) < 2:
        raise doc.error((*path, "choices"), "lessons.err.few_choices")
    choices = []
    seen: set[str] = set()
    for i, item in enumerate(raw_choices):
        cpath = (*path, "choices", i)
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            raise doc.error(cpath, "lessons.err.bad_choice")
        if item["id"] in seen:
            raise doc.error((*cpath, "id"), "lessons.err.duplicate_id", value=item["id"])
        seen.add(item["id"])
        text = text_from({k: v for k, v in item.items() if k != "id"}, cpath, doc)
        choices.append(Choice(id=item["id"], text=text))
    if "answer" not in data:
        raise doc.error(path, "lessons.err.missing_field", name="answer")
    answer = _ids(data["answer"], (*path, "answer"), doc)
    for a in answer:
        if a not in seen:
            raise doc.error((*path, "answer"), "lessons.err.answer_not_choice", value=a)
    if len(set(answer)) != len(answer):
        raise doc.error((*path, "answer"), "lessons.err.bad_answer")
    if kind == "single" and len(answer) != 1:
        raise doc.error((*path, "answer"), "lessons.err.single_answer")
    if kind == "ordering":
        if set(answer) != seen:
            raise doc.error((*path, "answer"), "lessons.err.ordering_answer")
        if answer == tuple(c.id for c in choices):
            raise doc.error((*path, "choices"), "lessons.err.ordering_presorted")
    for name in ("scenario", "criteria", "pass_score"):
        if name in data:
            raise doc.error((*path, name), "lessons.err.field_not_for_kind", name=name,
                            kind=kind)
    return Question(id=qid, kind=kind, prompt=prompt, explanation=explanation,
                    choices=tuple(choices), answer=answer, points=float(points),
                    rules=tuple(rules))


def _short_question(data: Mapping, path: tuple, doc: SourceDoc, qid: str, prompt: Text,
                    explanation: Text, points: float) -> Question:
    for name in ("choices", "answer"):
        if name in data:
            raise doc.error((*path, name), "lessons.err.field_not_for_kind", name=name,
                            kind="short")
    scenario = data.get("scenario")
    if not isinstance(scenario, str) or not scenario.strip():
        raise doc.error((*path, "scenario") if "scenario" in data else path,
                        "lessons.err.missing_field", name="scenario")
    criteria = data.get("criteria", [])
    if isinstance(criteria, str):
        criteria = [criteria]
    if not isinstance(criteria, list) or not all(isinstance(c, str) for c in criteria):
        raise doc.error((*path, "criteria"), "lessons.err.bad_value", value=criteria)
    pass_score = data.get("pass_score", 60)
    if (not isinstance(pass_score, (int, float)) or isinstance(pass_score, bool)
            or not 0 < pass_score <= 100):
        raise doc.error((*path, "pass_score"), "lessons.err.bad_value", value=pass_score)
    return Question(id=qid, kind="short", prompt=prompt, explanation=explanation,
                    scenario=scenario.strip(), criteria=tuple(criteria),
                    pass_score=float(pass_score), points=points)


def questions_from_list(data: Any, path: Sequence[str | int] = (),
                        doc: SourceDoc | None = None) -> tuple[Question, ...]:
    """Read a list of questions; ids must be unique.

    >>> questions_from_list([], ("quiz",))
    ()
    """
    doc = _doc(doc)
    path = tuple(path)
    if not isinstance(data, list):
        raise doc.error(path, "lessons.err.not_list")
    out = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        q = question_from_dict(item, (*path, i), doc)
        if q.id in seen:
            raise doc.error((*path, i, "id"), "lessons.err.duplicate_id", value=q.id)
        seen.add(q.id)
        out.append(q)
    return tuple(out)
