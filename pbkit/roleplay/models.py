"""Scenario, rubric and exemplar models, and the loader that validates scenario files.

A scenario file ``lessons/scenarios/<id>.yaml`` holds a bilingual (zh, en) role-play: the
title, the context the trainee reads, the persona and the trainee's role, references to the
rules involved, the rubric (criteria with four levels 0-3 and behavioural anchors), the cue
concepts and level rules the scorer uses, and optional villager turns for a multi-turn
conversation. Graded exemplar answers live beside it in
``lessons/scenarios/exemplars/<id>.yaml``.

Everything a user may get wrong in such a file raises :class:`ScenarioFileError` (a
:class:`pbkit.errors.ScenarioError` in the one YAML error format of :mod:`pbkit.yamlconf`)
naming the file, the line and the key path, list positions from 1, e.g.
``dibao-complaint.yaml, line 120, field criteria[3].levels: expected 4 levels 0-3``.

Rubric anchors, cue concepts and exemplar answers stay on the server: apps call
:meth:`Scenario.public_view`, which carries only what a trainee may see.

>>> scenarios = load_scenarios()
>>> "dibao-complaint" in scenarios
True
>>> sc = get_scenario("dibao-complaint")
>>> [c.id for c in sc.criteria]
['acknowledge', 'procedure', 'transparency', 'follow_up', 'boundaries']
>>> sc.title.get("en")
'Dibao complaint: a widow says cadres favour their relatives'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pbkit.errors import ScenarioError, UsageError
from pbkit.i18n.text import Text
from pbkit.yamlconf import YamlConfigError, YamlDoc

__all__ = [
    "Text",
    "Level",
    "Criterion",
    "Concept",
    "Turn",
    "RuleRef",
    "Exemplar",
    "Scenario",
    "scenarios_dir",
    "load_scenarios",
    "load_scenario_file",
    "load_exemplar_file",
    "get_scenario",
    "list_scenarios",
    "LEVELS",
    "LANGS",
    "loaded_scenarios",
    "cues_digest",
    "checked_cues",
    "MOODS",
    "DIALOGUE_SIGNALS",
]

LEVELS: tuple[int, ...] = (0, 1, 2, 3)
LANGS: tuple[str, ...] = ("zh", "en")
_ID_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Level:
    """One level of a criterion and its behavioural anchor (rubric text: it stays on the
    server and never reaches a trainee)."""

    level: int
    anchor: Text


@dataclass(frozen=True)
class Criterion:
    """A rubric criterion with four levels (0-3) and the rule the scorer applies.

    ``tip`` is one coaching sentence a trainee can act on, written apart from the rubric: the
    scorer's feedback shows it (with the criterion's name) instead of any anchor or the
    description, which stay on the server.

    ``scoring`` is the level rule as data: ``veto`` (a condition that forces level 0),
    ``unless`` (a condition that cancels the veto), ``cap`` (a condition plus ``level``:
    the highest level allowed when it holds, e.g. naming duties in an accusing tone) and
    ``levels`` (level -> condition).
    A condition is a mapping with ``any`` (list of concepts), ``all`` (list of concepts or
    ``a|b`` alternatives) and/or ``min`` (``{n, of}``); every key given must hold.
    """

    id: str
    name: Text
    description: Text
    tip: Text
    levels: tuple[Level, ...]
    scoring: Mapping[str, Any] = field(hash=False, compare=False, repr=False)

    @property
    def max_level(self) -> int:
        """The highest level (3)."""
        return self.levels[-1].level


@dataclass(frozen=True)
class Concept:
    """A cue concept: regular expressions in zh and en for one kind of behaviour.

    ``negatable`` concepts are dropped when a negation scopes over them ("I won't show you
    the records"). ``inner_negation`` (default True) also drops a match with a negation
    inside it ("记录我不会给你看"); set it False for concepts whose phrases contain a
    negation themselves ("不能保证", "can't promise").
    """

    id: str
    zh: tuple[str, ...]
    en: tuple[str, ...]
    negatable: bool = True
    inner_negation: bool = True


MOODS: tuple[int, ...] = (-3, -2, -1, 0, 1, 2, 3)


@dataclass(frozen=True)
class Turn:
    """A villager reaction in a multi-turn role-play.

    The first reaction whose ``when`` condition holds for the trainee's turn (and whose
    ``min_mood``/``max_mood`` range holds for the villager's mood before it) is chosen; a
    reaction without ``when`` is the default. ``replies`` are said in order, each at most
    once in a conversation; ``shift`` moves the villager's mood (-3 furious ... 3 reassured,
    see :mod:`pbkit.roleplay.dialogue`). Besides cue concepts, ``when`` may name the
    dialogue signals ``@refusal``, ``@commitment``, ``@apology``, ``@bad_start`` and
    ``@repeat``.
    """

    id: str
    when: Mapping[str, Any] | None = field(hash=False, compare=False)
    replies: tuple[Text, ...]
    mood: str
    shift: int = 0
    min_mood: int | None = None
    max_mood: int | None = None

    @property
    def reply(self) -> Text:
        """The first reply (the one said the first time this reaction is chosen)."""
        return self.replies[0]


@dataclass(frozen=True)
class RuleRef:
    """A rule or regulation the scenario is about, with its basis (see pbkit.references)."""

    id: str
    text: Text
    basis: tuple = ()


@dataclass(frozen=True)
class Exemplar:
    """A graded exemplar answer: the text and a careful human rater's level per criterion."""

    id: str
    lang: str
    text: str
    levels: Mapping[str, int] = field(hash=False, compare=False)
    note: str = ""


@dataclass(frozen=True)
class Scenario:
    """A role-play scenario with its rubric, cue concepts, villager turns and exemplars."""

    id: str
    title: Text
    context: Text
    persona: Text
    role: Text
    rules: tuple[RuleRef, ...]
    criteria: tuple[Criterion, ...]
    concepts: Mapping[str, Concept] = field(hash=False, compare=False, repr=False)
    topic: tuple[str, ...] = ()
    opening: Text | None = None
    turns: tuple[Turn, ...] = ()
    max_turns: int = 5
    exemplars: tuple[Exemplar, ...] = field(default=(), repr=False)
    source: str = ""
    start_mood: int = 0

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id."""
        for crit in self.criteria:
            if crit.id == criterion_id:
                return crit
        raise KeyError(criterion_id)

    @property
    def max_total(self) -> int:
        """Sum of the criteria's maximum levels."""
        return sum(c.max_level for c in self.criteria)

    def public_view(self, lang: str | None = None) -> dict[str, Any]:
        """What an app may show a trainee: no anchors, cues or exemplar answers.

        >>> view = get_scenario("dibao-complaint").public_view("en")
        >>> sorted(view)
        ['context', 'criteria', 'id', 'max_turns', 'opening', 'persona', 'role', 'title']
        >>> view["criteria"][0]
        {'id': 'acknowledge', 'name': 'Acknowledge her'}
        """
        return {
            "id": self.id,
            "title": self.title.get(lang),
            "context": self.context.get(lang),
            "persona": self.persona.get(lang),
            "role": self.role.get(lang),
            "opening": self.opening.get(lang) if self.opening else None,
            "max_turns": self.max_turns,
            "criteria": [{"id": c.id, "name": c.name.get(lang)} for c in self.criteria],
        }


# --------------------------------------------------------------------------- loading


def scenarios_dir() -> Path:
    """The folder of scenario files (``PBKIT_SCENARIOS`` or ``lessons/scenarios``)."""
    override = os.environ.get("PBKIT_SCENARIOS")
    if override:
        return Path(override)
    from pbkit.data.sample import repo_root

    return repo_root() / "lessons" / "scenarios"


class ScenarioFileError(YamlConfigError, ScenarioError):
    """A malformed scenario or exemplar file: file, line, key path (one YAML error format)."""


def _read_doc(path: Path) -> YamlDoc:
    """Read one scenario-side YAML file with the package's one YAML reader."""
    try:
        return YamlDoc.from_path(path, path.name, error_cls=ScenarioFileError)
    except UsageError as exc:
        raise ScenarioFileError("roleplay.err.unreadable", file=path.name, line=1,
                                detail=exc.render("en")) from None


class _Reader:
    """Typed access to a parsed document, raising ScenarioError naming file and field."""

    def __init__(self, doc: YamlDoc) -> None:
        self.doc = doc

    def get(self, obj: Any, path: tuple, key: str, kind: type | tuple, *, required=True,
            default: Any = None) -> Any:
        if not isinstance(obj, dict):
            self.doc.fail("roleplay.err.type", path, expected="mapping")
        if key not in obj or obj[key] is None:
            if required:
                self.doc.fail("roleplay.err.missing", (*path, key))
            return default
        value = obj[key]
        if kind is int and isinstance(value, bool):
            self.doc.fail("roleplay.err.type", (*path, key), expected="int")
        if not isinstance(value, kind):
            expected = kind.__name__ if isinstance(kind, type) else "/".join(
                k.__name__ for k in kind)
            expected = {"dict": "mapping", "list": "list", "str": "text"}.get(expected, expected)
            self.doc.fail("roleplay.err.type", (*path, key), expected=expected)
        return value

    def text(self, obj: Any, path: tuple, key: str, *, required=True) -> Text | None:
        value = self.get(obj, path, key, dict, required=required)
        if value is None:
            return None
        for lang in LANGS:
            item = value.get(lang)
            if not isinstance(item, str) or not item.strip():
                self.doc.fail("roleplay.err.lang", (*path, key, lang), language=lang)
        for extra in value:
            if extra not in LANGS:
                self.doc.fail("roleplay.err.text_key", (*path, key), name=extra)
        return Text(zh=value["zh"].strip(), en=value["en"].strip())

    def ident(self, obj: Any, path: tuple, key: str = "id") -> str:
        value = self.get(obj, path, key, str)
        if not _ID_RE.match(value):
            self.doc.fail("roleplay.err.id", (*path, key), value=value)
        return value


def _check_condition(doc: YamlDoc, cond: Any, path: tuple, concepts: Mapping[str, Concept]) -> None:
    if not isinstance(cond, dict) or not cond:
        doc.fail("roleplay.err.type", path, expected="mapping")
    for key, value in cond.items():
        if key in ("any", "all"):
            if not isinstance(value, list) or not value:
                doc.fail("roleplay.err.type", (*path, key), expected="list")
            for i, item in enumerate(value):
                for name in re.split(r"[|+]", str(item)):
                    if name not in concepts and not name.startswith("@"):
                        doc.fail("roleplay.err.concept", (*path, key, i), concept=name)
        elif key == "min":
            if not isinstance(value, dict) or not isinstance(value.get("n"), int) \
                    or not isinstance(value.get("of"), list):
                doc.fail("roleplay.err.min", (*path, key))
            for i, name in enumerate(value["of"]):
                if name not in concepts and not str(name).startswith("@"):
                    doc.fail("roleplay.err.concept", (*path, key, "of", i), concept=name)
        else:
            doc.fail("roleplay.err.condition_key", (*path, key), key=key)


_CHECKED_FILE = Path(__file__).with_name("checked_cues.json")


def cues_digest(zh: tuple[str, ...], en: tuple[str, ...]) -> str:
    """A digest of one concept's patterns (and the Python version that compiles them).

    >>> len(cues_digest(("低保",), ("dibao",)))
    24
    """
    import hashlib
    import json
    import sys

    blob = json.dumps([sys.version_info[:2], list(zh), list(en)], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


@cache
def checked_cues() -> frozenset[str]:
    """Digests of cue patterns already known to compile (shipped beside this module and
    regenerated with the model parameters): the loader skips compiling those once more,
    which is most of the time it takes to load the scenarios. Patterns that changed since
    are checked as usual.

    >>> sc = get_scenario("dibao-complaint")
    >>> all(cues_digest(c.zh, c.en) in checked_cues() for c in sc.concepts.values())
    True
    """
    import json

    try:
        data = json.loads(_CHECKED_FILE.read_text(encoding="utf-8"))
        return frozenset(data["digests"])
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()


def write_checked_cues(scenarios: Mapping[str, Scenario], path: Path | None = None) -> Path:
    """Record the digests of every concept of ``scenarios`` after compiling each pattern
    (a pattern that does not compile raises :class:`re.error` and nothing is written)."""
    import json

    digests = set()
    for sc in scenarios.values():
        for concept in sc.concepts.values():
            for pat in concept.zh + concept.en:
                re.compile(pat)
            digests.add(cues_digest(concept.zh, concept.en))
    target = path or _CHECKED_FILE
    target.write_text(json.dumps({"digests": sorted(digests)}, indent=0) + "\n",
                      encoding="utf-8")
    checked_cues.cache_clear()
    return target


def _parse_concepts(r: _Reader, raw: Any) -> dict[str, Concept]:
    doc = r.doc
    if not isinstance(raw, dict) or not raw:
        doc.fail("roleplay.err.type", ("cues",), expected="mapping")
    concepts: dict[str, Concept] = {}
    for cid, spec in raw.items():
        path = ("cues", cid)
        if not isinstance(cid, str) or not _ID_RE.match(cid):
            doc.fail("roleplay.err.id", path, value=cid)
        if not isinstance(spec, dict):
            doc.fail("roleplay.err.type", path, expected="mapping")
        pats = {}
        for lang in LANGS:
            items = spec.get(lang, [])
            if not isinstance(items, list) or not all(isinstance(p, str) for p in items):
                doc.fail("roleplay.err.type", (*path, lang), expected="list")
            pats[lang] = tuple(items)
        if cues_digest(pats["zh"], pats["en"]) not in checked_cues():
            for lang in LANGS:
                for i, pat in enumerate(pats[lang]):
                    try:
                        re.compile(pat)
                    except re.error as exc:
                        raise doc.error((*path, lang, i), "roleplay.err.regex",
                                        detail=str(exc)) from exc
        if not pats["zh"] and not pats["en"]:
            doc.fail("roleplay.err.lang", (*path, "zh"), language="zh")
        negatable = spec.get("negatable", True)
        if not isinstance(negatable, bool):
            doc.fail("roleplay.err.type", (*path, "negatable"), expected="bool")
        inner = spec.get("inner_negation", True)
        if not isinstance(inner, bool):
            doc.fail("roleplay.err.type", (*path, "inner_negation"), expected="bool")
        concepts[cid] = Concept(cid, pats["zh"], pats["en"], negatable, inner)
    return concepts


def _parse_criteria(r: _Reader, data: dict, concepts: Mapping[str, Concept]) -> tuple:
    doc = r.doc
    raw = r.get(data, (), "criteria", list)
    if not raw:
        doc.fail("roleplay.err.empty", ("criteria",))
    criteria, seen = [], set()
    for i, item in enumerate(raw):
        path = ("criteria", i)
        cid = r.ident(item, path)
        if cid in seen:
            doc.fail("roleplay.err.duplicate", (*path, "id"), value=cid)
        seen.add(cid)
        name = r.text(item, path, "name")
        desc = r.text(item, path, "description")
        tip = r.text(item, path, "tip")
        levels_raw = r.get(item, path, "levels", list)
        numbers = [lv.get("level") if isinstance(lv, dict) else None for lv in levels_raw]
        if numbers != list(LEVELS):
            doc.fail("roleplay.err.levels", (*path, "levels"))
        levels = []
        for j, lv in enumerate(levels_raw):
            lpath = (*path, "levels", j)
            levels.append(Level(j, r.text(lv, lpath, "anchor")))
        scoring = r.get(item, path, "scoring", dict)
        spath = (*path, "scoring")
        for key in scoring:
            if key not in ("veto", "unless", "cap", "levels"):
                doc.fail("roleplay.err.condition_key", (*spath, key), key=key)
        for key in ("veto", "unless"):
            if key in scoring:
                _check_condition(doc, scoring[key], (*spath, key), concepts)
        if "cap" in scoring:
            cap = scoring["cap"]
            level = cap.get("level") if isinstance(cap, dict) else None
            if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
                doc.fail("roleplay.err.cap", (*spath, "cap", "level"))
            _check_condition(doc, {k: v for k, v in cap.items() if k != "level"},
                             (*spath, "cap"), concepts)
        lv_rules = r.get(scoring, spath, "levels", dict)
        for lvl, cond in lv_rules.items():
            if lvl not in (1, 2, 3):
                doc.fail("roleplay.err.scoring_level", (*spath, "levels", str(lvl)), value=lvl)
            # a mapping key, not a list position: shown as levels.2
            _check_condition(doc, cond, (*spath, "levels", str(lvl)), concepts)
        if sorted(lv_rules) != [1, 2, 3]:
            doc.fail("roleplay.err.scoring_levels", (*spath, "levels"))
        criteria.append(Criterion(cid, name, desc, tip, tuple(levels), scoring))
    return tuple(criteria)


DIALOGUE_SIGNALS: tuple[str, ...] = ("@refusal", "@commitment", "@apology", "@bad_start",
                                     "@repeat", "@deadline", "@engaged")


def _check_signals(doc: YamlDoc, cond: Mapping[str, Any], path: tuple) -> None:
    for key, value in cond.items():
        items = value.get("of", []) if key == "min" and isinstance(value, dict) else value
        for i, item in enumerate(items if isinstance(items, list) else []):
            for name in re.split(r"[|+]", str(item)):
                if name.startswith("@") and name not in DIALOGUE_SIGNALS:
                    doc.fail("roleplay.err.concept", (*path, key, i), concept=name)


def _mood(r: _Reader, obj: dict, path: tuple, key: str) -> int | None:
    value = r.get(obj, path, key, int, required=False)
    if value is not None and value not in MOODS:
        r.doc.fail("roleplay.err.mood", (*path, key), value=value)
    return value


def _replies(r: _Reader, item: Any, path: tuple) -> tuple[Text, ...]:
    raw = r.get(item, path, "reply", (dict, list))
    if isinstance(raw, dict):
        return (r.text(item, path, "reply"),)
    if not raw:
        r.doc.fail("roleplay.err.empty", (*path, "reply"))
    out = []
    for i, one in enumerate(raw):
        where = (*path, "reply", i)
        if not isinstance(one, dict):
            r.doc.fail("roleplay.err.type", where, expected="mapping")
        for lang in LANGS:
            if not isinstance(one.get(lang), str) or not one[lang].strip():
                r.doc.fail("roleplay.err.lang", (*where, lang), language=lang)
        out.append(Text(one["zh"].strip(), one["en"].strip()))
    return tuple(out)


def _parse_turns(r: _Reader, data: dict, concepts: Mapping[str, Concept]) -> tuple:
    doc = r.doc
    dialogue = r.get(data, (), "dialogue", dict, required=False)
    if dialogue is None:
        return None, (), 5, 0
    opening = r.text(dialogue, ("dialogue",), "opening")
    max_turns = r.get(dialogue, ("dialogue",), "max_turns", int, required=False, default=5)
    if not 3 <= max_turns <= 5:
        doc.fail("roleplay.err.max_turns", ("dialogue", "max_turns"), value=max_turns)
    start_mood = _mood(r, dialogue, ("dialogue",), "start_mood") or 0
    raw = r.get(dialogue, ("dialogue",), "reactions", list)
    turns, has_default = [], False
    for i, item in enumerate(raw):
        path = ("dialogue", "reactions", i)
        tid = r.ident(item, path)
        when = item.get("when") if isinstance(item, dict) else None
        if when is not None:
            _check_condition(doc, when, (*path, "when"), concepts)
            _check_signals(doc, when, (*path, "when"))
        else:
            has_default = True
        mood = r.get(item, path, "mood", str)
        shift = r.get(item, path, "shift", int, required=False, default=0)
        if not -3 <= shift <= 3:
            doc.fail("roleplay.err.mood", (*path, "shift"), value=shift)
        turns.append(Turn(tid, when, _replies(r, item, path), mood, shift,
                          _mood(r, item, path, "min_mood"), _mood(r, item, path, "max_mood")))
    if not has_default:
        doc.fail("roleplay.err.no_default", ("dialogue", "reactions"))
    return opening, tuple(turns), max_turns, start_mood


def _parse_exemplars(path: Path, scenario_id: str, criteria: tuple) -> tuple[Exemplar, ...]:
    doc = _read_doc(path)
    r = _Reader(doc)
    data = doc.data
    if not isinstance(data, dict):
        doc.fail("roleplay.err.type", (), expected="mapping")
    sid = r.get(data, (), "scenario", str)
    if sid != scenario_id:
        doc.fail("roleplay.err.exemplar_scenario", ("scenario",), value=sid,
                 expected=scenario_id)
    raw = r.get(data, (), "exemplars", list)
    crit_ids = [c.id for c in criteria]
    out, seen = [], set()
    for i, item in enumerate(raw):
        epath = ("exemplars", i)
        eid = r.get(item, epath, "id", str)
        if eid in seen:
            doc.fail("roleplay.err.duplicate", (*epath, "id"), value=eid)
        seen.add(eid)
        lang = r.get(item, epath, "lang", str)
        if lang not in LANGS:
            doc.fail("roleplay.err.lang_value", (*epath, "lang"), value=lang)
        text = r.get(item, epath, "text", str)
        if not text.strip():
            doc.fail("roleplay.err.missing", (*epath, "text"))
        levels = r.get(item, epath, "levels", dict)
        for cid in crit_ids:
            if cid not in levels:
                doc.fail("roleplay.err.missing", (*epath, "levels", cid))
            value = levels[cid]
            if not isinstance(value, int) or isinstance(value, bool) or value not in LEVELS:
                doc.fail("roleplay.err.exemplar_level", (*epath, "levels", cid),
                         value=value)
        for cid in levels:
            if cid not in crit_ids:
                doc.fail("roleplay.err.unknown_criterion", (*epath, "levels", cid),
                         value=cid)
        note = item.get("note", "") or ""
        out.append(Exemplar(eid, lang, text.strip(), {c: levels[c] for c in crit_ids},
                            str(note)))
    return tuple(out)


def load_exemplar_file(path: str | os.PathLike, scenario: Scenario) -> tuple[Exemplar, ...]:
    """Load graded answers for ``scenario`` from a file in the exemplar format (used for
    the held-out sets in ``lessons/scenarios/holdout/``).

    >>> sc = get_scenario("dibao-complaint")
    >>> len(load_exemplar_file(scenarios_dir() / "holdout" / "dibao-complaint.yaml", sc))
    10
    """
    return _parse_exemplars(Path(path), scenario.id, scenario.criteria)


def _rule(r: _Reader, item: Any, path: tuple) -> RuleRef:
    """One scenario rule: ``{id, text, basis}``; a rule without a known basis is an error."""
    from pbkit.references import parse_basis

    basis = parse_basis(item.get("basis") if isinstance(item, dict) else None, (*path, "basis"),
                        lambda p, key, **kw: r.doc.error(p, key, **kw))
    return RuleRef(r.ident(item, path), r.text(item, path, "text"), basis)


def load_scenario_file(path: str | os.PathLike, *, exemplars: bool = True) -> Scenario:
    """Load and validate one scenario file (and its exemplars file if present).

    Parameters
    ----------
    path : path-like
        A ``<id>.yaml`` scenario file.
    exemplars : bool
        Also load ``exemplars/<id>.yaml`` next to it (or an ``exemplars`` list inline).

    Raises
    ------
    ScenarioError
        Naming the file, the line and the field that is wrong.

    Examples
    --------
    >>> sc = load_scenario_file(scenarios_dir() / "neighbor-dispute.yaml")
    >>> sc.id, len(sc.criteria), sc.max_total
    ('neighbor-dispute', 5, 15)
    """
    path = Path(path)
    doc = _read_doc(path)
    r = _Reader(doc)
    data = doc.data
    if not isinstance(data, dict):
        doc.fail("roleplay.err.type", (), expected="mapping")
    sid = r.ident(data, ())
    title = r.text(data, (), "title")
    context = r.text(data, (), "context")
    persona = r.text(data, (), "persona")
    role = r.text(data, (), "role")
    rules = []
    for i, item in enumerate(r.get(data, (), "rules", list, required=False, default=[])):
        rules.append(_rule(r, item, ("rules", i)))
    concepts: dict[str, Concept] = {}
    includes = r.get(data, (), "cues_include", list, required=False, default=[])
    for i, name in enumerate(includes):
        inc_path = path.parent / "common" / f"{name}.yaml"
        if not isinstance(name, str) or not inc_path.is_file():
            doc.fail("roleplay.err.include", ("cues_include", i), value=name)
        inc_doc = _read_doc(inc_path)
        inc_reader = _Reader(inc_doc)
        concepts.update(_parse_concepts(inc_reader, inc_reader.get(inc_doc.data, (), "cues",
                                                                   dict)))
    concepts.update(_parse_concepts(r, r.get(data, (), "cues", dict)))
    topic = r.get(data, (), "topic", list, required=False, default=[])
    for i, name in enumerate(topic):
        if name not in concepts:
            doc.fail("roleplay.err.concept", ("topic", i), concept=name)
    criteria = _parse_criteria(r, data, concepts)
    opening, turns, max_turns, start_mood = _parse_turns(r, data, concepts)
    exs: tuple[Exemplar, ...] = ()
    if exemplars:
        ex_path = path.parent / "exemplars" / f"{sid}.yaml"
        if ex_path.exists():
            exs = _parse_exemplars(ex_path, sid, criteria)
    return Scenario(sid, title, context, persona, role, tuple(rules), criteria, concepts,
                    tuple(topic), opening, turns, max_turns, exs, str(path),
                    start_mood=start_mood)


_FILES: dict[str, Scenario] = {}
_LOADED_FOLDERS: set[str] = set()


def _load_file(path: Path) -> Scenario:
    """A scenario file parsed once per process (shared by every lookup)."""
    key = str(path)
    if key not in _FILES:
        _FILES[key] = load_scenario_file(path)
    return _FILES[key]


@cache
def _load_all(folder: str) -> dict[str, Scenario]:
    base = Path(folder)
    if not base.is_dir():
        raise ScenarioError("roleplay.err.no_dir", file=str(base), line=1)
    out: dict[str, Scenario] = {}
    for path in sorted(base.glob("*.yaml")):
        sc = _load_file(path)
        if sc.id in out:
            raise _read_doc(path).error(("id",), "roleplay.err.duplicate", value=sc.id)
        out[sc.id] = sc
    _LOADED_FOLDERS.add(folder)
    return out


def loaded_scenarios() -> list[Scenario]:
    """The scenarios parsed so far in this process (nothing is loaded by asking).

    >>> _ = get_scenario("migrant-member")
    >>> "migrant-member" in [s.id for s in loaded_scenarios()]
    True
    """
    return list(_FILES.values())


def load_scenarios(folder: str | os.PathLike | None = None) -> dict[str, Scenario]:
    """All scenarios in ``folder`` (default :func:`scenarios_dir`), keyed by id.

    Results are cached per folder; files are parsed once per process.

    >>> len(load_scenarios()) >= 8
    True
    """
    return dict(_load_all(str(Path(folder) if folder else scenarios_dir())))


def get_scenario(scenario_id: str, folder: str | os.PathLike | None = None) -> Scenario:
    """The scenario with this id; :class:`ScenarioError` if there is none.

    >>> get_scenario("migrant-member").criteria[0].id
    'rapport'
    """
    base = str(Path(folder) if folder else scenarios_dir())
    if base not in _LOADED_FOLDERS and isinstance(scenario_id, str):
        # one scenario is wanted: parse its own file first (the others' cues take most of
        # a second to check); a file named after another id falls back to the whole folder
        path = Path(base) / f"{scenario_id}.yaml"
        if _ID_RE.match(scenario_id) and path.is_file():
            sc = _load_file(path)
            if sc.id == scenario_id:
                return sc
    found = _load_all(base)
    if scenario_id not in found:
        raise ScenarioError("roleplay.err.unknown_scenario", value=scenario_id,
                            known=", ".join(sorted(found)))
    return found[scenario_id]


def list_scenarios(lang: str | None = None, folder: str | os.PathLike | None = None):
    """A DataFrame of ``id`` and ``title`` (in ``lang``) for every scenario.

    >>> list_scenarios("en").columns.tolist()
    ['id', 'title', 'criteria']
    """
    import pandas as pd

    rows = [{"id": s.id, "title": s.title.get(lang), "criteria": len(s.criteria)}
            for s in load_scenarios(folder).values()]
    return pd.DataFrame(rows, columns=["id", "title", "criteria"])
