"""Reading YAML configuration files with line numbers for every field.

Rule and scorecard files are data a user may edit. When one is wrong the error must name
the file, the line and the field, so the YAML is composed (which keeps each node's
position) as well as loaded; :class:`LocatedYaml` maps a field path such as
``("meetings", 2, "frequency")`` to the 1-based line it sits on.

>>> doc = LocatedYaml.from_text("a: 1\\nb:\\n  - x: 2\\n  - x: oops\\n", "f.yaml")
>>> doc.line(("b", 1, "x")), doc.data["b"][1]["x"]
(4, 'oops')
>>> doc.field(("b", 1, "x"))
'b[2].x'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from pbkit.errors import ConfigError, UsageError

__all__ = ["LocatedYaml", "FieldPath", "format_path"]

FieldPath = tuple[Any, ...]


def format_path(path: FieldPath) -> str:
    """Render a field path for messages: ``("meetings", 2, "kind") -> "meetings[3].kind"``.

    List positions are shown 1-based, as a person counts entries.

    >>> format_path(("items", 0, "thresholds", 1, "points"))
    'items[1].thresholds[2].points'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "."


@dataclass(frozen=True)
class LocatedYaml:
    """A loaded YAML document plus the line of every mapping key and list entry."""

    data: Any
    file: str
    lines: dict[FieldPath, int] = field(default_factory=dict)

    @classmethod
    def from_path(cls, path: str | Path) -> LocatedYaml:
        """Read ``path``; a missing or unreadable file is a :class:`UsageError`."""
        path = Path(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise UsageError("health.err.config_not_found", file=str(path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError("health.err.config_unreadable", file=str(path),
                             detail=type(exc).__name__) from None
        return cls.from_text(text, str(path))

    @classmethod
    def from_text(cls, text: str, file: str) -> LocatedYaml:
        """Parse ``text``; a YAML syntax error becomes a :class:`ConfigError` with its line."""
        import yaml

        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark is not None else 1
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError("health.err.yaml_syntax", file=file, line=line,
                              problem=str(problem)) from None
        lines: dict[FieldPath, int] = {}
        if node is not None:
            _walk(node, (), lines)
        return cls(data=data, file=file, lines=lines)

    def line(self, path: FieldPath) -> int:
        """The line of ``path``, or of its nearest located ancestor (1 for the document)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def field(self, path: FieldPath) -> str:
        return format_path(path)

    def fail(self, key: str, path: FieldPath, **params: Any) -> NoReturn:
        """Raise :class:`ConfigError` ``key`` located at ``path``."""
        raise ConfigError(key, file=self.file, line=self.line(path), field=self.field(path),
                          **params)

    # ---- typed readers -------------------------------------------------------------
    def mapping(self, value: Any, path: FieldPath, *, allowed: Iterable[str] | None = None,
                required: Iterable[str] = ()) -> Mapping[str, Any]:
        """Check ``value`` is a mapping with only ``allowed`` keys and every ``required`` one."""
        if not isinstance(value, Mapping):
            self.fail("health.err.field_type", path, expected="mapping", value=_short(value))
        if allowed is not None:
            allowed = tuple(allowed)
            for key in value:
                if key not in allowed:
                    self.fail("health.err.field_unknown", (*path, key),
                              allowed=", ".join(allowed))
        for key in required:
            if key not in value:
                self.fail("health.err.field_missing", (*path, key))
        return value

    def sequence(self, value: Any, path: FieldPath, *, min_len: int = 0) -> list[Any]:
        if not isinstance(value, list):
            self.fail("health.err.field_type", path, expected="list", value=_short(value))
        if len(value) < min_len:
            self.fail("health.err.field_empty", path)
        return value

    def integer(self, value: Any, path: FieldPath, low: float | None = None,
                high: float | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail("health.err.field_type", path, expected="integer", value=_short(value))
        self._range(value, path, low, high)
        return int(value)

    def number(self, value: Any, path: FieldPath, low: float | None = None,
               high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail("health.err.field_type", path, expected="number", value=_short(value))
        if value != value:  # NaN
            self.fail("health.err.field_type", path, expected="number", value=_short(value))
        self._range(value, path, low, high)
        return float(value)

    def boolean(self, value: Any, path: FieldPath) -> bool:
        if not isinstance(value, bool):
            self.fail("health.err.field_type", path, expected="true/false", value=_short(value))
        return value

    def text(self, value: Any, path: FieldPath) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail("health.err.field_type", path, expected="text", value=_short(value))
        return value.strip()

    def choice(self, value: Any, path: FieldPath, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        if not isinstance(value, str) or value not in choices:
            self.fail("health.err.field_choice", path, value=_short(value),
                      choices=", ".join(choices))
        return value

    def choices(self, value: Any, path: FieldPath, choices: Iterable[str]) -> tuple[str, ...]:
        items = self.sequence(value, path, min_len=1)
        out = tuple(self.choice(v, (*path, i), choices) for i, v in enumerate(items))
        seen: set[str] = set()
        for i, v in enumerate(out):
            if v in seen:
                self.fail("health.err.field_duplicate", (*path, i), value=v)
            seen.add(v)
        return out

    def _range(self, value: float, path: FieldPath, low: float | None, high: float | None) -> None:
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail("health.err.field_range", path, value=value,
                      low="-∞" if low is None else low, high="∞" if high is None else high)


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def _walk(node: Any, path: FieldPath, lines: dict[FieldPath, int]) -> None:
    import yaml

    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            sub = (*path, key)
            lines[sub] = key_node.start_mark.line + 1
            _walk(value_node, sub, lines)
            lines[sub] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines[sub] = item.start_mark.line + 1
            _walk(item, sub, lines)
