"""Course plans: a one-day path and a three-day course, as data (``lessons/course-plans.yaml``).

A plan is a list of days; a day has a start time, a declared end time and its slots in
order. A slot is a lesson (``{lesson: four-two}``: its length is the lesson's
``duration_min``), a role-play session (``{kind: roleplay, scenario: ..., minutes: ...}``)
or another activity (``opening``, ``closing``, ``break``, ``lunch``, ``field`` for 现场教学,
``exchange``) with its minutes, an optional title and materials. Loading checks that every
lesson and scenario exists, that each day's slots add up to its declared end and that the
teaching time (lessons, role-play, field teaching) adds up to the plan's
``teaching_minutes``.

>>> plans = load_plans()
>>> [p.id for p in plans]
['one-day', 'three-day']
>>> plans[0].teaching_minutes
360
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pbkit.errors import ConfigError, UsageError
from pbkit.i18n.text import Text
from pbkit.yamlconf import YamlDoc

__all__ = ["Slot", "Day", "Plan", "plans_path", "load_plans", "TEACHING_KINDS", "SLOT_KINDS"]

SLOT_KINDS = ("lesson", "roleplay", "field", "opening", "closing", "break", "lunch", "exchange")
#: slots that count as teaching time
TEACHING_KINDS = ("lesson", "roleplay", "field")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Slot:
    """One slot of a day: what happens, from when, for how long, with which materials."""

    kind: str
    start: int  # minutes after midnight
    minutes: int
    lesson: str | None = None
    scenario: str | None = None
    title: Text | None = None
    materials: Text | None = None

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class Day:
    """A day of a plan: its slots in order."""

    start: int
    end: int
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Plan:
    """A course plan (one or more days)."""

    id: str
    title: Text
    summary: Text
    teaching_minutes: int
    days: tuple[Day, ...]


def plans_path() -> Path:
    """``course-plans.yaml`` next to the lessons (``PBKIT_LESSONS`` moves both; the
    repository's file when that folder has none)."""
    from pbkit.data.sample import repo_root
    from pbkit.lessons.loader import lessons_dir

    path = lessons_dir() / "course-plans.yaml"
    return path if path.exists() else repo_root() / "lessons" / "course-plans.yaml"


def clock(minutes: int) -> str:
    """``510`` -> ``"08:30"``.

    >>> clock(510)
    '08:30'
    """
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _text(raw, path: tuple, doc: YamlDoc) -> Text | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("zh", "en")):
        missing = next((k for k in ("zh", "en") if not isinstance(raw, dict)
                        or not isinstance(raw.get(k), str)), "zh")
        doc.fail("kit.plan.err.missing", (*path, missing))
    return Text(zh=raw["zh"], en=raw["en"])


def _time(raw, path: tuple, doc: YamlDoc) -> int:
    match = _TIME.match(str(raw or ""))
    if not match:
        doc.fail("kit.plan.err.time", path, value=raw)
    return int(match[1]) * 60 + int(match[2])


def _slot(raw, at: int, path: tuple, doc: YamlDoc, lessons: dict, scenarios: set) -> Slot:
    if not isinstance(raw, dict):
        doc.fail("kit.plan.err.missing", (*path, "kind"))
    kind = raw.get("kind", "lesson" if "lesson" in raw else None)
    if kind not in SLOT_KINDS:
        doc.fail("kit.plan.err.kind", (*path, "kind"), value=kind,
                 choices=", ".join(SLOT_KINDS))
    lesson = scenario = None
    if kind == "lesson":
        lesson = raw.get("lesson")
        if lesson not in lessons:
            doc.fail("kit.plan.err.lesson", (*path, "lesson"), value=lesson,
                     choices=", ".join(lessons))
        minutes = raw.get("minutes", lessons[lesson].duration_min)
    else:
        minutes = raw.get("minutes")
    if kind == "roleplay":
        scenario = raw.get("scenario")
        if scenario not in scenarios:
            doc.fail("kit.plan.err.scenario", (*path, "scenario"), value=scenario,
                     choices=", ".join(sorted(scenarios)))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        doc.fail("kit.plan.err.minutes", (*path, "minutes"), value=minutes)
    return Slot(kind=kind, start=at, minutes=minutes, lesson=lesson, scenario=scenario,
                title=_text(raw.get("title"), (*path, "title"), doc),
                materials=_text(raw.get("materials"), (*path, "materials"), doc))


def _plan(raw, path: tuple, doc: YamlDoc, lessons: dict, scenarios: set) -> Plan:
    for name in ("id", "title", "teaching_minutes", "days"):
        if not isinstance(raw, dict) or raw.get(name) in (None, "", []):
            doc.fail("kit.plan.err.missing", (*path, name))
    days = []
    for d, day in enumerate(raw["days"]):
        where = (*path, "days", d)
        if not isinstance(day, dict) or not day.get("slots"):
            doc.fail("kit.plan.err.missing", (*where, "slots"))
        start = _time(day.get("start"), (*where, "start"), doc)
        end = _time(day.get("end"), (*where, "end"), doc)
        slots, at = [], start
        for s, raw_slot in enumerate(day["slots"]):
            slot = _slot(raw_slot, at, (*where, "slots", s), doc, lessons, scenarios)
            slots.append(slot)
            at = slot.end
        if at != end:
            doc.fail("kit.plan.err.end", (*where, "end"), actual=clock(at),
                     declared=clock(end))
        days.append(Day(start=start, end=end, slots=tuple(slots)))
    teaching = sum(s.minutes for day in days for s in day.slots if s.kind in TEACHING_KINDS)
    if teaching != raw["teaching_minutes"]:
        doc.fail("kit.plan.err.teaching", (*path, "teaching_minutes"), actual=teaching,
                 declared=raw["teaching_minutes"])
    return Plan(id=str(raw["id"]), title=_text(raw["title"], (*path, "title"), doc),
                summary=_text(raw.get("summary"), (*path, "summary"), doc)
                or Text(zh="", en=""),
                teaching_minutes=teaching, days=tuple(days))


def load_plans(path: str | Path | None = None, lessons=None) -> tuple[Plan, ...]:
    """Read and check the course plans.

    Parameters
    ----------
    path : path, optional
        The plan file (default :func:`plans_path`).
    lessons : sequence of Lesson, optional
        The course (default: :func:`~pbkit.lessons.loader.load_lessons`).

    Returns
    -------
    tuple of Plan

    Raises
    ------
    pbkit.yamlconf.YamlConfigError
        Naming the file, line and key path (``plans[1].days[1].slots[4].lesson``, list
        positions from 1): an unknown lesson or scenario, bad minutes or time, slots that
        do not add up to the declared end of a day, or teaching time that does not add up
        to ``teaching_minutes``.
    """
    from pbkit.lessons.loader import load_lessons, scenarios_dir

    path = Path(path or plans_path())
    try:
        doc = YamlDoc.from_path(path, path.name)
    except UsageError as exc:
        raise ConfigError("kit.plan.err.read", file=path.name,
                          detail=exc.render("en")) from None
    data = doc.data or {}
    course = {x.id: x for x in (lessons if lessons is not None else load_lessons())}
    scenarios = {p.stem for p in scenarios_dir().glob("*.yaml")}
    raw_plans = data.get("plans") if isinstance(data, dict) else None
    if not raw_plans:
        doc.fail("kit.plan.err.missing", ("plans",))
    plans, seen = [], set()
    for i, raw in enumerate(raw_plans):
        plan = _plan(raw, ("plans", i), doc, course, scenarios)
        if plan.id in seen:
            doc.fail("kit.plan.err.duplicate", ("plans", i, "id"), value=plan.id)
        seen.add(plan.id)
        plans.append(plan)
    return tuple(plans)
