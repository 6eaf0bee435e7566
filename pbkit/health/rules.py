"""The branch-health rule table: which meetings a branch must hold, and every threshold.

The rules are data. ``pbkit/health/rules.yaml`` ships the default table (three meetings
and one lesson, the monthly activity day, the yearly organisation-life meeting and
democratic appraisal, recruitment targets, the migrant six-month rule, weak-branch
thresholds), each with its basis (:class:`Basis`: the instrument, year and status, or the
local practice it comes from). A user can pass their own file; sections left out keep the default values.
A malformed file raises :class:`pbkit.errors.ConfigError` naming the file, the line and
the field.

>>> rules = load_rules()
>>> [(m.kind, m.frequency, m.required_per_year) for m in rules.meetings][:3]
[('general_meeting', 'quarterly', 4), ('committee_meeting', 'monthly', 12), ('group_meeting', 'monthly', 12)]
>>> rules.meeting("committee_meeting").min_full_members, rules.meeting("group_meeting").has_groups
(7, True)
>>> rules.development.target_min is None, rules.migrant.contact_months
(True, 6)
>>> rules.basis("meetings.general_meeting").instrument
'zhibu_tiaoli_2018'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from pbkit.data.schema import ACTIVITY_KINDS, EDUCATION, ORG_LEVELS
from pbkit.yamlconf import YamlDoc

__all__ = [
    "FREQUENCIES",
    "WEAK_FLAGS",
    "INSTRUMENTS",
    "BASIS_STATUSES",
    "Basis",
    "PartyGroups",
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

# Rule-based signals of the weak-branch view, in display order (one place; weak.py
# computes them).
WEAK_FLAGS: tuple[str, ...] = ("missed_meetings", "development_stalled", "ageing",
                               "low_coverage", "migrant_out_of_contact", "perfunctory",
                               "low_score")

# The instruments a rule may name as its basis: short key -> (title, year). The same keys
# are used by the lesson texts (one shape of ``basis`` across the project).
INSTRUMENTS: dict[str, tuple[str, int | None]] = {
    "dangzhang": ("中国共产党章程", 2022),
    "zhibu_tiaoli_2018": ("中国共产党支部工作条例（试行）", 2018),
    "nongcun_jiceng_tiaoli_2019": ("中国共产党农村基层组织工作条例", 2019),
    "fazhan_dangyuan_xize_2014": ("中国共产党发展党员工作细则", 2014),
    "dangyuan_jiaoyu_tiaoli_2019": ("中国共产党党员教育管理工作条例", 2019),
    "dibao_banfa_2021": ("最低生活保障审核确认办法", 2021),
    "cunweihui_zuzhifa": ("中华人民共和国村民委员会组织法", None),
    "minfadian": ("中华人民共和国民法典", 2020),
    "renmin_tiaojie_fa": ("中华人民共和国人民调解法", 2010),
    "tudi_guanli_fa": ("中华人民共和国土地管理法", None),
}
# national: the instrument states it; local_practice: some localities do it (with the field
# report); example: a setting pbkit chose for analysis.
BASIS_STATUSES: tuple[str, ...] = ("national", "local_practice", "example")
_SEED_RE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


@dataclass(frozen=True)
class Basis:
    """What a rule stands on: ``status`` (national, local_practice or example), the
    ``instrument`` key of :data:`INSTRUMENTS`, ``article`` (only where checked), ``year``,
    the field-report ``seed`` of a local practice and a ``note`` (待核 where unsure)."""

    status: str
    instrument: str | None = None
    article: str | None = None
    year: int | None = None
    seed: str | None = None
    note: str | None = None

    @property
    def title(self) -> str | None:
        """Full title of the instrument (``None`` when no instrument is named)."""
        return INSTRUMENTS[self.instrument][0] if self.instrument else None


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
    min_full_members: int | None = None   # applies only to branches with this many full members
    has_groups: bool | None = None        # True: applies only to branches with party groups
    basis: Basis | None = None

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
class PartyGroups:
    """How pbkit tells whether a branch has party groups (the data has no such column):
    recorded group meetings, or at least ``assume_from_full_members`` full members
    (``None``: records only)."""

    assume_from_full_members: int | None = None


@dataclass(frozen=True)
class Development:
    """Member-development pipeline settings. ``target_min``/``target_max``: an optional
    local target of new members per branch and year (``None``: no target)."""

    target_min: int | None = None
    target_max: int | None = None
    levels: tuple[str, ...] = ("village", "community", "enterprise", "school", "organ")
    window_years: int = 5
    probation_years: int = 1
    young_age: int = 35


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
    attention_min_signals: int = 3
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
    party_groups: PartyGroups = PartyGroups()
    bases: tuple[tuple[str, Basis], ...] = ()
    source: str = ""

    def basis(self, name: str) -> Basis | None:
        """The basis of a rule: ``meetings.<kind>``, a section name (``development``,
        ``migrant`` ...) or ``weak.<flag>``; ``None`` when the file gives none."""
        return dict(self.bases).get(name)

    def meeting(self, kind: str) -> MeetingRule:
        for rule in self.meetings:
            if rule.kind == kind:
                return rule
        raise KeyError(kind)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(m.kind for m in self.meetings)


_TOP_KEYS = ("version", "branch_levels", "meetings", "party_groups", "perfunctory",
             "development", "membership", "migrant", "weak", "fairness")
_MEETING_KEYS = ("kind", "frequency", "times", "levels", "min_attendance", "applies_if",
                 "basis")
_BASIS_KEYS = ("instrument", "article", "year", "status", "seed", "note")

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
    "party_groups": (PartyGroups, {
        "assume_from_full_members": ("integer", {"low": 1, "high": 100000}),
    }),
    "development": (Development, {
        "target_min": ("integer", {"low": 0, "high": 1000}),
        "target_max": ("integer", {"low": 0, "high": 1000}),
        "levels": ("choices", {"choices": ORG_LEVELS}),
        "window_years": ("integer", {"low": 1, "high": 50}),
        "probation_years": ("integer", {"low": 1, "high": 10}),
        "young_age": ("integer", {"low": 18, "high": 120}),
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

# fields a rule file may set to null (no target; no assumed party groups)
_NULLABLE = ("target_min", "target_max", "assume_from_full_members")

_FLAG_RANGES: dict[str, tuple[float, float]] = {
    "missed_meetings": (0.0, 1.0), "development_stalled": (1, 100), "ageing": (0.0, 1.0),
    "low_coverage": (0.0, 1.0), "migrant_out_of_contact": (0.0, 1.0), "perfunctory": (1, 100),
    "low_score": (0, 100),
}


def read_basis(doc: YamlDoc, raw: Any, path: tuple) -> Basis:
    """Validate a ``basis`` mapping (the one shape for every rule of the project).

    ``status`` is required; a national rule names a known ``instrument`` and its ``year``;
    a local practice or example names its field-report ``seed`` or says why in ``note``.
    ``article`` is given only where checked. Errors name the file, line and field.

    >>> from pbkit.yamlconf import YamlDoc
    >>> doc = YamlDoc.from_text("b: {status: national, instrument: dangzhang}", "x.yaml")
    >>> try:
    ...     read_basis(doc, doc.data["b"], ("b",))
    ... except Exception as exc:
    ...     print(exc.params["field"])
    b.year
    """
    entry = doc.mapping(raw, path, allowed=_BASIS_KEYS, required=("status",))
    status = doc.choice(entry["status"], (*path, "status"), BASIS_STATUSES)
    if status == "national":
        for key in ("instrument", "year"):
            if key not in entry:
                doc.fail("config.err.field_missing", (*path, key))
    elif "seed" not in entry and "note" not in entry:
        doc.fail("config.err.field_missing", (*path, "note"))
    instrument = (doc.choice(entry["instrument"], (*path, "instrument"), INSTRUMENTS)
                  if "instrument" in entry else None)
    year = (doc.integer(entry["year"], (*path, "year"), low=1921, high=2100)
            if "year" in entry else None)
    seed = doc.text(entry["seed"], (*path, "seed")) if "seed" in entry else None
    if seed is not None and not _SEED_RE.match(seed):
        doc.fail("health.err.basis_seed", (*path, "seed"), value=seed)
    article = doc.text(str(entry["article"]), (*path, "article")) if "article" in entry \
        else None
    note = doc.text(entry["note"], (*path, "note")) if "note" in entry else None
    return Basis(status, instrument, article, year, seed, note)


def _read_section(doc: YamlDoc, raw: Any, name: str, base: Any,
                  bases: dict[str, Basis]) -> Any:
    cls, spec = _SECTIONS[name]
    mapping = doc.mapping(raw, (name,), allowed=(*spec, "basis"))
    values = {}
    for key, value in mapping.items():
        if key == "basis":
            bases[name] = read_basis(doc, value, (name, key))
            continue
        if value is None and key in _NULLABLE:
            values[key] = None
            continue
        reader, opts = spec[key]
        values[key] = getattr(doc, reader)(value, (name, key), **opts)
    return replace(base, **values)


def _read_applies_if(doc: YamlDoc, raw: Any, path: tuple) -> dict[str, Any]:
    entry = doc.mapping(raw, path, allowed=("min_full_members", "has_groups"))
    out: dict[str, Any] = {}
    if "min_full_members" in entry:
        out["min_full_members"] = doc.integer(entry["min_full_members"],
                                              (*path, "min_full_members"), low=1, high=100000)
    if "has_groups" in entry:
        out["has_groups"] = doc.boolean(entry["has_groups"], (*path, "has_groups"))
    return out


def _read_meetings(doc: YamlDoc, raw: Any, branch_levels: tuple[str, ...],
                   bases: dict[str, Basis]) -> tuple[MeetingRule, ...]:
    items = doc.sequence(raw, ("meetings",), min_len=1)
    out: list[MeetingRule] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = ("meetings", i)
        entry = doc.mapping(item, path, allowed=_MEETING_KEYS, required=("kind", "frequency"))
        kind = doc.choice(entry["kind"], (*path, "kind"), ACTIVITY_KINDS)
        if kind in seen:
            doc.fail("config.err.field_duplicate", (*path, "kind"), value=kind)
        seen.add(kind)
        frequency = doc.choice(entry["frequency"], (*path, "frequency"), FREQUENCIES)
        times = doc.integer(entry.get("times", 1), (*path, "times"), low=1, high=31)
        levels = (doc.choices(entry["levels"], (*path, "levels"), ORG_LEVELS)
                  if "levels" in entry else branch_levels)
        min_att = doc.number(entry.get("min_attendance", 0.0), (*path, "min_attendance"),
                             low=0.0, high=1.0)
        cond = (_read_applies_if(doc, entry["applies_if"], (*path, "applies_if"))
                if "applies_if" in entry else {})
        basis = read_basis(doc, entry["basis"], (*path, "basis")) if "basis" in entry else None
        if basis is not None:
            bases[f"meetings.{kind}"] = basis
        out.append(MeetingRule(kind, frequency, times, tuple(levels), min_att,
                               cond.get("min_full_members"), cond.get("has_groups"), basis))
    return tuple(out)


def _read_weak(doc: YamlDoc, raw: Any, base: Weak, bases: dict[str, Basis]) -> Weak:
    allowed = (*WEAK_FLAGS, "attention_min_signals", "anomaly_contamination",
               "anomaly_drivers", "random_state", "basis")
    mapping = doc.mapping(raw, ("weak",), allowed=allowed)
    flags = dict(base.flags)
    extra: dict[str, Any] = {}
    for key, value in mapping.items():
        path = ("weak", key)
        if key == "basis":
            bases["weak"] = read_basis(doc, value, path)
        elif key == "attention_min_signals":
            extra[key] = doc.integer(value, path, low=1, high=len(WEAK_FLAGS))
        elif key == "anomaly_contamination":
            extra[key] = doc.number(value, path, low=0.001, high=0.5)
        elif key == "anomaly_drivers":
            extra[key] = doc.integer(value, path, low=1, high=20)
        elif key == "random_state":
            extra[key] = doc.integer(value, path, low=0)
        else:
            entry = doc.mapping(value, path, allowed=("threshold", "deadline_days", "basis"))
            if "basis" in entry:
                bases[f"weak.{key}"] = read_basis(doc, entry["basis"], (*path, "basis"))
            old = flags.get(key)
            low, high = _FLAG_RANGES[key]
            threshold = (doc.number(entry["threshold"], (*path, "threshold"), low=low, high=high)
                         if "threshold" in entry else (old.threshold if old else None))
            if threshold is None:
                doc.fail("config.err.field_missing", (*path, "threshold"))
            days = (doc.integer(entry["deadline_days"], (*path, "deadline_days"), low=1,
                                high=3650)
                    if "deadline_days" in entry else (old.deadline_days if old else 90))
            flags[key] = WeakFlag(float(threshold), int(days))
    ordered = tuple((name, flags[name]) for name in WEAK_FLAGS if name in flags)
    return replace(base, flags=ordered, **extra)


def _parse(doc: YamlDoc, base: HealthRules | None) -> HealthRules:
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
    bases = dict(base.bases)
    if "meetings" in top:  # a new meeting table brings its own bases
        bases = {k: v for k, v in bases.items() if not k.startswith("meetings.")}
    branch_levels = (doc.choices(top["branch_levels"], ("branch_levels",), ORG_LEVELS)
                     if "branch_levels" in top else base.branch_levels)
    meetings = (_read_meetings(doc, top["meetings"], branch_levels, bases)
                if "meetings" in top else base.meetings)
    values: dict[str, Any] = {"branch_levels": tuple(branch_levels), "meetings": meetings,
                              "source": doc.file}
    for name in _SECTIONS:
        if name in top:
            values[name] = _read_section(doc, top[name], name, getattr(base, name), bases)
    if "weak" in top:
        values["weak"] = _read_weak(doc, top["weak"], base.weak, bases)
    values["bases"] = tuple(bases.items())
    rules = replace(base, **values)
    dev = rules.development
    if (dev.target_min is None) != (dev.target_max is None):
        doc.fail("config.err.field_missing", ("development", "target_max" if
                                              dev.target_max is None else "target_min"))
    if dev.target_min is not None and dev.target_max < dev.target_min:
        doc.fail("health.err.field_order", ("development", "target_max"),
                 low=dev.target_min, high=dev.target_max)
    missing = [name for name in WEAK_FLAGS if name not in dict(rules.weak.flags)]
    if missing:
        doc.fail("config.err.field_missing", ("weak", missing[0]))
    return rules


@cache
def default_rules() -> HealthRules:
    """The rule set shipped in ``pbkit/health/rules.yaml``."""
    return _parse(YamlDoc.from_path(DEFAULT_RULES_PATH), None)


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
    return _parse(YamlDoc.from_path(path), default_rules())


def resolve_rules(rules: HealthRules | str | Path | None) -> HealthRules:
    """Accept a :class:`HealthRules`, a path to a rule file or ``None`` (default)."""
    if isinstance(rules, HealthRules):
        return rules
    return load_rules(rules)

