"""Declarative pairing mechanisms, read from ``mechanisms.yaml``.

Who may pair with whom is data: each mechanism in ``pbkit/networks/mechanisms.yaml`` says
which table and filters select the sources and targets, the roles a group needs
(``slots``), the capacity of a helper, the eligibility scope and the weights of the cost
terms. This module parses the file into frozen dataclasses and checks it; a malformed file
raises :class:`pbkit.yamlconf.YamlConfigError` naming the file, the line and the key path
(list positions from 1), e.g. ``mech.yaml, line 6, field bao_cun.slots[2].count: ...``.

>>> mech = get_mechanism("one_on_one")
>>> mech.scope, mech.capacity_default, sorted(mech.weights)
('village', 2, ['distance', 'helper_age', 'migrant', 'skill_match'])
>>> [ (s.role, s.count) for s in get_mechanism("bao_cun").slots]
[('deputy_leader', 1), ('agency_cadre', 2)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pbkit.data.schema import EDUCATION, MECHANISMS, NEEDS, ORG_LEVELS, ROLES
from pbkit.errors import ConfigError, UsageError
from pbkit.yamlconf import YamlConfigError, YamlDoc

__all__ = [
    "MECHANISM_FILE",
    "SCOPES",
    "WEIGHT_TERMS",
    "Selector",
    "Slot",
    "Mechanism",
    "load_mechanisms",
    "get_mechanism",
    "mechanism_codes",
]

MECHANISM_FILE = Path(__file__).with_name("mechanisms.yaml")
SCOPES = ("village", "township", "org", "any")
TABLES_ALLOWED = ("people", "households", "orgs")
# Cost terms each kind of mechanism understands.
WEIGHT_TERMS = {
    "one_on_one": ("distance", "skill_match", "helper_age", "migrant"),
    "group": ("distance", "balance"),
}

_SELECTOR_FIELDS = {
    "table": str, "roles_any": list, "org_levels": list, "weak_lax": bool,
    "min_age": int, "max_age": int, "education_at_least": str, "education_at_most": str,
    "min_years_in_role": int, "max_years_in_role": int,
    "min_party_years_if_role_unknown": int, "exclude_migrant": bool, "any_of": list,
}
_SLOT_FIELDS = {"role": str, "count": int, "limit": int}
_MECH_FIELDS = {
    "label": str, "source": dict, "target": dict, "slots": list, "capacity": dict,
    "eligibility": dict, "weights": dict, "age_free": int, "skill_needs": dict,
}


@dataclass(frozen=True)
class Selector:
    """A filter selecting rows of one table (people, households or orgs).

    Every given criterion must hold; ``any_of`` adds alternatives of which at least one
    must hold. Years in role use ``role_since`` (or, when it is empty and
    ``min_party_years_if_role_unknown`` is set, ``join_year``).
    """

    table: str
    roles_any: tuple[str, ...] = ()
    org_levels: tuple[str, ...] = ()
    weak_lax: bool | None = None
    min_age: int | None = None
    max_age: int | None = None
    education_at_least: str | None = None
    education_at_most: str | None = None
    min_years_in_role: int | None = None
    max_years_in_role: int | None = None
    min_party_years_if_role_unknown: int | None = None
    exclude_migrant: bool = False
    any_of: tuple[Selector, ...] = ()


@dataclass(frozen=True)
class Slot:
    """One role of a group: who fills it, how many per target, most targets per person."""

    role: str
    selector: Selector
    count: int = 1
    limit: int = 1


@dataclass(frozen=True)
class Mechanism:
    """One pairing mechanism as defined in the mechanism file.

    Attributes
    ----------
    code : str
        Mechanism code (``one_on_one``, ``two_plus_one``, ``bao_cun``, ``branch_pair``,
        ``study_help``).
    source : Selector or None
        Helpers (one_on_one only; group mechanisms use ``slots``).
    target : Selector
        Who or what receives help.
    slots : tuple of Slot
        Roles of a group (two_plus_one, bao_cun, branch_pair, study_help).
    capacity_column, capacity_default : str, int
        Most pairs per helper (one_on_one).
    scope : str
        Eligibility: ``village``, ``township``, ``org`` (same branch) or ``any``.
    radius_km : float or None
        Also require distance <= radius_km.
    weights : Mapping[str, float]
        Cost-term weights (all >= 0).
    age_free : int
        Helper age up to which no age cost is charged.
    skill_needs : Mapping[str, tuple of str]
        Need code -> skill tags that serve it.
    """

    code: str
    target: Selector
    source: Selector | None = None
    slots: tuple[Slot, ...] = ()
    capacity_column: str = "capacity"
    capacity_default: int = 1
    scope: str = "village"
    radius_km: float | None = None
    weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    age_free: int = 60
    skill_needs: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({}))
    label: str = ""
    file: str = ""

    @property
    def is_group(self) -> bool:
        """Whether targets are served by role slots (every mechanism but one_on_one)."""
        return self.source is None

    def with_weights(self, weights: Mapping[str, float] | None) -> Mechanism:
        """A copy with some weights replaced; unknown terms or negative values are refused.

        >>> get_mechanism("one_on_one").with_weights({"migrant": 0}).weights["migrant"]
        0.0
        """
        if not weights:
            return self
        known = WEIGHT_TERMS["group" if self.is_group else "one_on_one"]
        merged = dict(self.weights)
        for key, value in weights.items():
            if key not in known:
                raise UsageError("networks.err.unknown_weight", weight=key,
                                 choices=", ".join(known))
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = -1.0
            if not number >= 0 or number == float("inf"):
                raise UsageError("networks.err.bad_weight", weight=key, value=value)
            merged[key] = number
        return replace(self, weights=MappingProxyType(merged))


# --------------------------------------------------------------------------- parsing


class _Node:
    """A parsed YAML value with the 1-based line it starts on."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line


def _convert(node, loader) -> _Node:
    import yaml

    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Node] = {}
        for key_node, value_node in node.value:
            child = _convert(value_node, loader)
            child.line = key_node.start_mark.line + 1  # errors point at the field's line
            out[str(key_node.value)] = child
        return _Node(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Node([_convert(n, loader) for n in node.value], line)
    return _Node(loader.construct_object(node, deep=True), line)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, line: int, key: str, path: tuple = (), **params: Any) -> YamlConfigError:
        """The error ``networks.config.<key>`` at ``line`` and key ``path`` (one format)."""
        return YamlConfigError(f"networks.config.{key}", file=self.file, line=line, path=path,
                               **params)

    def mapping(self, node: _Node, where: tuple, allowed: Mapping[str, type]) -> dict[str, _Node]:
        if not isinstance(node.value, dict):
            raise self.fail(node.line, "not_mapping", path=where)
        for key, child in node.value.items():
            if key not in allowed:
                raise self.fail(child.line, "unknown_field", path=(*where, key),
                                choices=", ".join(sorted(allowed)))
        return node.value

    def typed(self, node: _Node, where: tuple, kind: type) -> Any:
        value = node.value
        if kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is list:
            ok = isinstance(value, list)
        elif kind is dict:
            ok = isinstance(value, dict)
        else:
            ok = isinstance(value, kind)
        if not ok:
            raise self.fail(node.line, "bad_type", path=where, expected=kind.__name__,
                            value=_show(value))
        return value

    def codes(self, node: _Node, where: tuple, allowed: tuple[str, ...]) -> tuple[str, ...]:
        items = self.typed(node, where, list)
        out = []
        for i, item in enumerate(items):
            if not isinstance(item.value, str) or item.value not in allowed:
                raise self.fail(item.line, "bad_value", path=(*where, i), value=_show(item.value),
                                choices=", ".join(allowed))
            out.append(item.value)
        return tuple(out)

    def selector(self, node: _Node, where: tuple, table: str | None = None) -> Selector:
        fields = self.mapping(node, where, _SELECTOR_FIELDS)
        if table is None:
            if "table" not in fields:
                raise self.fail(node.line, "missing_field", path=(*where, "table"))
            table_node = fields["table"]
            table = self.typed(table_node, (*where, "table"), str)
            if table not in TABLES_ALLOWED:
                raise self.fail(table_node.line, "bad_value", path=(*where, "table"),
                                value=table, choices=", ".join(TABLES_ALLOWED))
        kw: dict[str, Any] = {"table": table}
        for key, child in fields.items():
            name = (*where, key)
            if key == "table":
                continue
            if key == "roles_any":
                kw[key] = self.codes(child, name, ROLES)
            elif key == "org_levels":
                kw[key] = self.codes(child, name, ORG_LEVELS)
            elif key in ("education_at_least", "education_at_most"):
                value = self.typed(child, name, str)
                if value not in EDUCATION:
                    raise self.fail(child.line, "bad_value", path=name, value=value,
                                    choices=", ".join(EDUCATION))
                kw[key] = value
            elif key == "any_of":
                items = self.typed(child, name, list)
                if not items:
                    raise self.fail(child.line, "empty", path=name)
                kw[key] = tuple(self.selector(item, (*name, i), table)
                                for i, item in enumerate(items))
            else:
                value = self.typed(child, name, _SELECTOR_FIELDS[key])
                if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                    raise self.fail(child.line, "negative", path=name, value=value)
                kw[key] = value
        people_only = ("roles_any", "min_age", "max_age", "education_at_least",
                       "education_at_most", "min_years_in_role", "max_years_in_role",
                       "min_party_years_if_role_unknown", "exclude_migrant")
        org_only = ("org_levels", "weak_lax")
        for key in fields:
            if (table != "people" and key in people_only) or (table != "orgs" and key in org_only):
                raise self.fail(fields[key].line, "field_not_for_table", path=(*where, key),
                                table=table)
        return Selector(**kw)


def _show(value: Any) -> str:
    if isinstance(value, _Node):
        value = value.value
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    return repr(value) if isinstance(value, str) else str(value)


def _parse_mechanism(reader: _Reader, code: str, node: _Node) -> Mechanism:
    fields = reader.mapping(node, (code,), _MECH_FIELDS)
    if "target" not in fields:
        raise reader.fail(node.line, "missing_field", path=(code, "target"))
    kw: dict[str, Any] = {"code": code, "file": reader.file}
    kw["target"] = reader.selector(fields["target"], (code, "target"))
    if "label" in fields:
        kw["label"] = reader.typed(fields["label"], (code, "label"), str)
    one_on_one = code == "one_on_one"
    if one_on_one:
        if "source" not in fields:
            raise reader.fail(node.line, "missing_field", path=(code, "source"))
        if "slots" in fields:
            raise reader.fail(fields["slots"].line, "unknown_field", path=(code, "slots"),
                              choices="source")
        kw["source"] = reader.selector(fields["source"], (code, "source"))
        if kw["source"].table != "people" or kw["target"].table != "households":
            raise reader.fail(fields["source"].line, "one_on_one_tables", path=(code,))
    else:
        if "source" in fields:
            raise reader.fail(fields["source"].line, "unknown_field", path=(code, "source"),
                              choices="slots")
        if "slots" not in fields:
            raise reader.fail(node.line, "missing_field", path=(code, "slots"))
        items = reader.typed(fields["slots"], (code, "slots"), list)
        if not items:
            raise reader.fail(fields["slots"].line, "empty", path=(code, "slots"))
        slots = []
        roles_seen: set[str] = set()
        for i, item in enumerate(items):
            where = (code, "slots", i)
            if not isinstance(item.value, dict):
                raise reader.fail(item.line, "not_mapping", path=where)
            own = {k: v for k, v in item.value.items() if k in _SLOT_FIELDS}
            rest = {k: v for k, v in item.value.items() if k not in _SLOT_FIELDS}
            if "role" not in own:
                raise reader.fail(item.line, "missing_field", path=(*where, "role"))
            role = reader.typed(own["role"], (*where, "role"), str)
            if role in roles_seen:
                raise reader.fail(own["role"].line, "duplicate_role", path=(*where, "role"),
                                  value=role)
            roles_seen.add(role)
            numbers = {}
            for key in ("count", "limit"):
                if key in own:
                    value = reader.typed(own[key], (*where, key), int)
                    if value < 1:
                        raise reader.fail(own[key].line, "not_positive", path=(*where, key),
                                          value=value)
                    numbers[key] = value
            selector = reader.selector(_Node(rest, item.line), where)
            slots.append(Slot(role=role, selector=selector, **numbers))
        kw["slots"] = tuple(slots)
    if "capacity" in fields:
        cap = reader.mapping(fields["capacity"], (code, "capacity"),
                             {"column": str, "default": int})
        if "column" in cap:
            kw["capacity_column"] = reader.typed(cap["column"], (code, "capacity", "column"), str)
        if "default" in cap:
            value = reader.typed(cap["default"], (code, "capacity", "default"), int)
            if value < 0:
                raise reader.fail(cap["default"].line, "negative",
                                  path=(code, "capacity", "default"), value=value)
            kw["capacity_default"] = value
    if "eligibility" in fields:
        el = reader.mapping(fields["eligibility"], (code, "eligibility"),
                            {"scope": str, "radius_km": float})
        if "scope" in el:
            scope = reader.typed(el["scope"], (code, "eligibility", "scope"), str)
            if scope not in SCOPES:
                raise reader.fail(el["scope"].line, "bad_value", path=(code, "eligibility", "scope"),
                                  value=scope, choices=", ".join(SCOPES))
            kw["scope"] = scope
        if "radius_km" in el and el["radius_km"].value is not None:
            radius = reader.typed(el["radius_km"], (code, "eligibility", "radius_km"), float)
            if radius <= 0:
                raise reader.fail(el["radius_km"].line, "not_positive",
                                  path=(code, "eligibility", "radius_km"), value=radius)
            kw["radius_km"] = float(radius)
    terms = WEIGHT_TERMS["one_on_one" if one_on_one else "group"]
    weights = {t: 0.0 for t in terms}
    if "weights" in fields:
        given = reader.mapping(fields["weights"], (code, "weights"), dict.fromkeys(terms, float))
        for key, child in given.items():
            value = reader.typed(child, (code, "weights", key), float)
            if value < 0:
                raise reader.fail(child.line, "negative", path=(code, "weights", key),
                                  value=value)
            weights[key] = float(value)
    kw["weights"] = MappingProxyType(weights)
    if "age_free" in fields:
        kw["age_free"] = reader.typed(fields["age_free"], (code, "age_free"), int)
    if "skill_needs" in fields:
        table = reader.mapping(fields["skill_needs"], (code, "skill_needs"),
                               dict.fromkeys(NEEDS, list))
        out = {}
        for need, child in table.items():
            items = reader.typed(child, (code, "skill_needs", need), list)
            tags = []
            for item in items:
                if not isinstance(item.value, str) or not item.value.strip():
                    raise reader.fail(item.line, "bad_type", path=(code, "skill_needs", need),
                                      expected="str", value=_show(item.value))
                tags.append(item.value.strip().lower())
            out[need] = tuple(tags)
        kw["skill_needs"] = MappingProxyType(out)
    return Mechanism(**kw)


def load_mechanisms(path: str | Path | None = None) -> Mapping[str, Mechanism]:
    """Parse and check a mechanism file (default: the one shipped with pbkit).

    Raises
    ------
    ConfigError
        Naming the file and line of the first problem (YAML syntax, unknown mechanism or
        field, wrong type, value outside the allowed codes).

    Examples
    --------
    >>> sorted(load_mechanisms())
    ['bao_cun', 'branch_pair', 'one_on_one', 'study_help', 'two_plus_one']
    """
    if path is None:
        return _default_mechanisms()
    return _load(Path(path))


@cache
def _default_mechanisms() -> Mapping[str, Mechanism]:
    return _load(MECHANISM_FILE)


def _load(path: Path) -> Mapping[str, Mechanism]:
    import yaml

    name = path.name
    if not path.exists():
        raise ConfigError("networks.config.missing_file", path=str(path))
    try:
        doc = YamlDoc.from_path(path, name)
    except UsageError:
        raise ConfigError("networks.config.encoding", file=name, line=1) from None
    reader = _Reader(name)
    if doc.node is None:
        raise ConfigError("networks.config.empty_file", file=name, line=1)
    top = _convert(doc.node, yaml.SafeLoader(""))
    if not isinstance(top.value, dict):
        raise reader.fail(top.line, "not_mapping", path=())
    out = {}
    for code, node in top.value.items():
        if code not in MECHANISMS:
            raise reader.fail(node.line, "unknown_mechanism", path=(code,), value=code,
                              choices=", ".join(MECHANISMS))
        out[code] = _parse_mechanism(reader, code, node)
    return MappingProxyType(out)


def mechanism_codes(path: str | Path | None = None) -> tuple[str, ...]:
    """Codes of the mechanisms defined in the file, in file order.

    >>> mechanism_codes()[0]
    'one_on_one'
    """
    return tuple(load_mechanisms(path))


def get_mechanism(code: str, path: str | Path | None = None) -> Mechanism:
    """The mechanism ``code``; raises :class:`UsageError` naming the known ones otherwise.

    >>> get_mechanism("two_plus_one").slots[0].role
    'township_mentor'
    """
    mechanisms = load_mechanisms(path)
    if isinstance(code, Mechanism):
        return code
    if code not in mechanisms:
        raise UsageError("networks.err.unknown_mechanism", mechanism=code,
                         choices=", ".join(mechanisms))
    return mechanisms[code]
