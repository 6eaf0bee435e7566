"""The branch-health rule table: which meetings a branch must hold, and every threshold.

The rules are data. ``pbkit/health/rules.yaml`` ships the default table (three meetings
and one lesson, the monthly activity day, the yearly organisation-life meeting and
democratic appraisal, recruitment targets, the migrant six-month rule, weak-branch
thresholds). A user can pass their own file; sections left out keep the default values.
A malformed file raises :class:`pbkit.errors.ConfigError` naming the file, the line and
the field.

>>> rules = load_rules()
>>> [(m.kind, m.frequency, m.required_per_year) for m in rules.meetings][:3]
[('general_meeting', 'quarterly', 4), ('committee_meeting', 'monthly', 12), ('group_meeting', 'monthly', 12)]
>>> rules.development.target_min, rules.migrant.contact_months
(3, 6)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from pbkit.data.schema import ACTIVITY_KINDS, EDUCATION, ORG_LEVELS
from pbkit.health.yamlconf import LocatedYaml

__all__ = [
    "FREQUENCIES",
    "WEAK_FLAGS",
    "MeetingRule",
    "Perfunctory",
    "Development",
    "Membership",
    "Migrant",
    "WeakFlag",
    "Weak",
    "Fairness",
    "HealthRules",
    "DEFAULT_RULES_PATH",
    "load_rules",
    "default_rules",
    "resolve_rules",
]

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")

# frequency -> periods per year
FREQUENCIES: dict[str, int] = {"monthly": 12, "quarterly": 4, "half_yearly": 2, "yearly": 1}

# Rule-based weak-branch flags, in display order (one place; weak.py computes them).
WEAK_FLAGS: tuple[str, ...] = ("missed_meetings", "no_new_members", "ageing", "low_coverage",
                               "migrant_out_of_contact", "perfunctory", "low_score")


@dataclass(frozen=True)
class MeetingRule:
    """One kind of meeting a branch must hold.

    ``times`` meetings are required in each of the ``periods`` periods of a year
    (12 monthly, 4 quarterly, 2 half-yearly, 1 yearly).
    """

    kind: str
    frequency: str
    times: int
    levels: tuple[str, ...]
    min_attendance: float

    @property
    def periods(self) -> int:
        return FREQUENCIES[self.frequency]

    @property
    def required_per_year(self) -> int:
        return self.periods * self.times


@dataclass(frozen=True)
class Perfunctory:
    min_meetings: int = 4
    same_attendance: bool = True
    same_day_of_month: bool = True
    same_day_share: float = 1.0
    full_attendance_with_migrants: bool = True
    bundled_kinds: int = 3
    bundled_share: float = 0.8


@dataclass(frozen=True)
class Development:
    target_min: int = 3
    target_max: int = 5
    levels: tuple[str, ...] = ("village", "community")
    window_years: int = 3


@dataclass(frozen=True)
class Membership:
    old_age: int = 60
    senior_high_plus: tuple[str, ...] = ("senior_high", "college", "bachelor", "postgraduate")


@dataclass(frozen=True)
class Migrant:
    contact_months: int = 6
    dues_months: int = 6


@dataclass(frozen=True)
class WeakFlag:
    threshold: float
    deadline_days: int


@dataclass(frozen=True)
class Weak:
    flags: tuple[tuple[str, WeakFlag], ...]
    anomaly_contamination: float = 0.1
    anomaly_drivers: int = 3
    random_state: int = 0

    def flag(self, name: str) -> WeakFlag:
        return dict(self.flags)[name]


@dataclass(frozen=True)
class Fairness:
    denominator: str = "needy"
    neglect_ratio: float = 0.5


@dataclass(frozen=True)
class HealthRules:
    """The whole rule set (see ``rules.yaml`` for the meaning of every field)."""

    meetings: tuple[MeetingRule, ...]
    branch_levels: tuple[str, ...]
    perfunctory: Perfunctory
    development: Development
    membership: Membership
    migrant: Migrant
    weak: Weak
    fairness: Fairness
    source: str = ""

    def meeting(self, kind: str) -> MeetingRule:
        for rule in self.meetings:
            if rule.kind == kind:
                return rule
        raise KeyError(kind)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(m.kind for m in self.meetings)


_TOP_KEYS = ("version", "branch_levels", "meetings", "perfunctory", "development",
             "membership", "migrant", "weak", "fairness")
_MEETING_KEYS = ("kind", "frequency", "times", "levels", "min_attendance")

# section -> field -> (reader, options); the one description of every scalar field
_SECTIONS: dict[str, tuple[type, dict[str, tuple[str, dict[str, Any]]]]] = {
    "perfunctory": (Perfunctory, {
        "min_meetings": ("integer", {"low": 2, "high": 1000}),
        "same_attendance": ("boolean", {}),
        "same_day_of_month": ("boolean", {}),
        "same_day_share": ("number", {"low": 0.5, "high": 1.0}),
        "full_attendance_with_migrants": ("boolean", {}),
        "bundled_kinds": ("integer", {"low": 2, "high": len(ACTIVITY_KINDS)}),
        "bundled_share": ("number", {"low": 0.0, "high": 1.0}),
    }),
    "development": (Development, {
        "target_min": ("integer", {"low": 0, "high": 1000}),
        "target_max": ("integer", {"low": 0, "high": 1000}),
        "levels": ("choices", {"choices": ORG_LEVELS}),
        "window_years": ("integer", {"low": 1, "high": 50}),
    }),
    "membership": (Membership, {
        "old_age": ("integer", {"low": 18, "high": 120}),
        "senior_high_plus": ("choices", {"choices": EDUCATION}),
    }),
    "migrant": (Migrant, {
        "contact_months": ("integer", {"low": 1, "high": 120}),
        "dues_months": ("integer", {"low": 1, "high": 120}),
    }),
    "fairness": (Fairness, {
        "denominator": ("choice", {"choices": ("needy", "resident")}),
        "neglect_ratio": ("number", {"low": 0.0, "high": 1.0}),
    }),
}

_FLAG_RANGES: dict[str, tuple[float, float]] = {
    "missed_meetings": (0.0, 1.0), "no_new_members": (0, 100), "ageing": (0.0, 1.0),
    "low_coverage": (0.0, 1.0), "migrant_out_of_contact": (0.0, 1.0), "perfunctory": (1, 100),
    "low_score": (0, 100),
}


def _read_section(doc: LocatedYaml, raw: Any, name: str, base: Any) -> Any:
    cls, spec = _SECTIONS[name]
    mapping = doc.mapping(raw, (name,), allowed=spec)
    values = {}
    for key, value in mapping.items():
        reader, opts = spec[key]
        values[key] = getattr(doc, reader)(value, (name, key), **opts)
    return replace(base, **values)


def _read_meetings(doc: LocatedYaml, raw: Any, branch_levels: tuple[str, ...]
                   ) -> tuple[MeetingRule, ...]:
    items = doc.sequence(raw, ("meetings",), min_len=1)
    out: list[MeetingRule] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = ("meetings", i)
        entry = doc.mapping(item, path, allowed=_MEETING_KEYS, required=("kind", "frequency"))
        kind = doc.choice(entry["kind"], (*path, "kind"), ACTIVITY_KINDS)
        if kind in seen:
            doc.fail("health.err.field_duplicate", (*path, "kind"), value=kind)
        seen.add(kind)
        frequency = doc.choice(entry["frequency"], (*path, "frequency"), FREQUENCIES)
        times = doc.integer(entry.get("times", 1), (*path, "times"), low=1, high=31)
        levels = (doc.choices(entry["levels"], (*path, "levels"), ORG_LEVELS)
                  if "levels" in entry else branch_levels)
        min_att = doc.number(entry.get("min_attendance", 0.0), (*path, "min_attendance"),
                             low=0.0, high=1.0)
        out.append(MeetingRule(kind, frequency, times, tuple(levels), min_att))
    return tuple(out)


def _read_weak(doc: LocatedYaml, raw: Any, base: Weak) -> Weak:
    allowed = (*WEAK_FLAGS, "anomaly_contamination", "anomaly_drivers", "random_state")
    mapping = doc.mapping(raw, ("weak",), allowed=allowed)
    flags = dict(base.flags)
    extra: dict[str, Any] = {}
    for key, value in mapping.items():
        path = ("weak", key)
        if key == "anomaly_contamination":
            extra[key] = doc.number(value, path, low=0.001, high=0.5)
        elif key == "anomaly_drivers":
            extra[key] = doc.integer(value, path, low=1, high=20)
        elif key == "random_state":
            extra[key] = doc.integer(value, path, low=0)
        else:
            entry = doc.mapping(value, path, allowed=("threshold", "deadline_days"))
            old = flags.get(key)
            low, high = _FLAG_RANGES[key]
            threshold = (doc.number(entry["threshold"], (*path, "threshold"), low=low, high=high)
                         if "threshold" in entry else (old.threshold if old else None))
            if threshold is None:
                doc.fail("health.err.field_missing", (*path, "threshold"))
            days = (doc.integer(entry["deadline_days"], (*path, "deadline_days"), low=1,
                                high=3650)
                    if "deadline_days" in entry else (old.deadline_days if old else 90))
            flags[key] = WeakFlag(float(threshold), int(days))
    ordered = tuple((name, flags[name]) for name in WEAK_FLAGS if name in flags)
    return replace(base, flags=ordered, **extra)


def _parse(doc: LocatedYaml, base: HealthRules | None) -> HealthRules:
    if doc.data is None:
        doc.fail("health.err.config_empty", ())
    top = doc.mapping(doc.data, (), allowed=_TOP_KEYS,
                      required=("meetings",) if base is None else ())
    if "version" in top:
        version = doc.integer(top["version"], ("version",), low=1, high=1)
        del version
    if base is None:  # the shipped file: every section given
        base = HealthRules(meetings=(), branch_levels=(), perfunctory=Perfunctory(),
                           development=Development(), membership=Membership(),
                           migrant=Migrant(), weak=Weak(flags=()), fairness=Fairness())
    branch_levels = (doc.choices(top["branch_levels"], ("branch_levels",), ORG_LEVELS)
                     if "branch_levels" in top else base.branch_levels)
    meetings = (_read_meetings(doc, top["meetings"], branch_levels)
                if "meetings" in top else base.meetings)
    values: dict[str, Any] = {"branch_levels": tuple(branch_levels), "meetings": meetings,
                              "source": doc.file}
    for name in _SECTIONS:
        if name in top:
            values[name] = _read_section(doc, top[name], name, getattr(base, name))
    if "weak" in top:
        values["weak"] = _read_weak(doc, top["weak"], base.weak)
    rules = replace(base, **values)
    dev = rules.development
    if dev.target_max < dev.target_min:
        doc.fail("health.err.field_order", ("development", "target_max"),
                 low=dev.target_min, high=dev.target_max)
    missing = [name for name in WEAK_FLAGS if name not in dict(rules.weak.flags)]
    if missing:
        doc.fail("health.err.field_missing", ("weak", missing[0]))
    return rules


@cache
def default_rules() -> HealthRules:
    """The rule set shipped in ``pbkit/health/rules.yaml``."""
    return _parse(LocatedYaml.from_path(DEFAULT_RULES_PATH), None)


def load_rules(path: str | Path | None = None) -> HealthRules:
    """Load a rule file; ``None`` gives the shipped default.

    Sections absent from a user file keep their default values; ``meetings``, when given,
    replaces the whole meeting table.

    Raises
    ------
    pbkit.errors.ConfigError
        The file is not valid YAML or a field is unknown, missing, of the wrong type or
        out of range; the message names the file, the line and the field.
    pbkit.errors.UsageError
        The file does not exist or cannot be read.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "r.yaml")
    >>> _ = open(p, "w").write("meetings:\\n  - kind: committee_meeting\\n    frequency: weekly\\n")
    >>> try:
    ...     load_rules(p)
    ... except Exception as exc:
    ...     print(exc.line, exc.params["field"])
    3 meetings[1].frequency
    """
    if path is None:
        return default_rules()
    return _parse(LocatedYaml.from_path(path), default_rules())


def resolve_rules(rules: HealthRules | str | Path | None) -> HealthRules:
    """Accept a :class:`HealthRules`, a path to a rule file or ``None`` (default)."""
    if isinstance(rules, HealthRules):
        return rules
    return load_rules(rules)

