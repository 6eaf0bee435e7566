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

from pbkit.errors import ConfigError
from pbkit.quiz.models import Text

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


def _text(raw, field, err) -> Text | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("zh", "en")):
        raise err("kit.plan.err.missing", field=f"{field}.zh/en")
    return Text(zh=raw["zh"], en=raw["en"])


def _time(raw, field, err) -> int:
    match = _TIME.match(str(raw or ""))
    if not match:
        raise err("kit.plan.err.time", field=field, value=raw)
    return int(match[1]) * 60 + int(match[2])


def _slot(raw, at: int, field: str, err, lessons: dict, scenarios: set) -> Slot:
    if not isinstance(raw, dict):
        raise err("kit.plan.err.missing", field=f"{field}.kind")
    kind = raw.get("kind", "lesson" if "lesson" in raw else None)
    if kind not in SLOT_KINDS:
        raise err("kit.plan.err.kind", field=f"{field}.kind", value=kind,
                  choices=", ".join(SLOT_KINDS))
    lesson = scenario = None
    if kind == "lesson":
        lesson = raw.get("lesson")
        if lesson not in lessons:
            raise err("kit.plan.err.lesson", field=f"{field}.lesson", value=lesson,
                      choices=", ".join(lessons))
        minutes = raw.get("minutes", lessons[lesson].duration_min)
    else:
        minutes = raw.get("minutes")
    if kind == "roleplay":
        scenario = raw.get("scenario")
        if scenario not in scenarios:
            raise err("kit.plan.err.scenario", field=f"{field}.scenario", value=scenario,
                      choices=", ".join(sorted(scenarios)))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise err("kit.plan.err.minutes", field=f"{field}.minutes", value=minutes)
    return Slot(kind=kind, start=at, minutes=minutes, lesson=lesson, scenario=scenario,
                title=_text(raw.get("title"), f"{field}.title", err),
                materials=_text(raw.get("materials"), f"{field}.materials", err))


def _plan(raw, field: str, err, lessons: dict, scenarios: set) -> Plan:
    for name in ("id", "title", "teaching_minutes", "days"):
        if not isinstance(raw, dict) or raw.get(name) in (None, "", []):
            raise err("kit.plan.err.missing", field=f"{field}.{name}")
    days = []
    for d, day in enumerate(raw["days"]):
        where = f"{field}.days[{d}]"
        if not isinstance(day, dict) or not day.get("slots"):
            raise err("kit.plan.err.missing", field=f"{where}.slots")
        start = _time(day.get("start"), f"{where}.start", err)
        end = _time(day.get("end"), f"{where}.end", err)
        slots, at = [], start
        for s, raw_slot in enumerate(day["slots"]):
            slot = _slot(raw_slot, at, f"{where}.slots[{s}]", err, lessons, scenarios)
            slots.append(slot)
            at = slot.end
        if at != end:
            raise err("kit.plan.err.end", field=f"{where}.end", actual=clock(at),
                      declared=clock(end))
        days.append(Day(start=start, end=end, slots=tuple(slots)))
    teaching = sum(s.minutes for day in days for s in day.slots if s.kind in TEACHING_KINDS)
    if teaching != raw["teaching_minutes"]:
        raise err("kit.plan.err.teaching", field=f"{field}.teaching_minutes", actual=teaching,
                  declared=raw["teaching_minutes"])
    return Plan(id=str(raw["id"]), title=_text(raw["title"], f"{field}.title", err),
                summary=_text(raw.get("summary"), f"{field}.summary", err)
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
    ConfigError
        Naming the file and the field (``plans[1].days[0].slots[3].lesson``): an unknown
        lesson or scenario, bad minutes or time, slots that do not add up to the declared
        end of a day, or teaching time that does not add up to ``teaching_minutes``.
    """
    import yaml

    from pbkit.lessons.loader import load_lessons, scenarios_dir

    path = Path(path or plans_path())
    name = path.name

    def err(key, **kw):
        return ConfigError(key, file=name, **kw)

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise err("kit.plan.err.read", detail=str(exc).splitlines()[0]) from None
    course = {x.id: x for x in (lessons if lessons is not None else load_lessons())}
    scenarios = {p.stem for p in scenarios_dir().glob("*.yaml")}
    raw_plans = data.get("plans") if isinstance(data, dict) else None
    if not raw_plans:
        raise err("kit.plan.err.missing", field="plans")
    plans, seen = [], set()
    for i, raw in enumerate(raw_plans):
        plan = _plan(raw, f"plans[{i}]", err, course, scenarios)
        if plan.id in seen:
            raise err("kit.plan.err.duplicate", field=f"plans[{i}].id", value=plan.id)
        seen.add(plan.id)
        plans.append(plan)
    return tuple(plans)
