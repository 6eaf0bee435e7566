"""The one reader of pbkit's YAML configuration files, and its one error format.

Rules, scorecards, lessons, quizzes, scenarios, mechanisms, the table of sources and the
other YAML files pbkit reads are data a user may edit. When one is wrong the message names
the file, the line, the key path and what is wrong, in that order and always the same way::

    rules.yaml, line 5, field meetings[3].frequency: 'weekly' is not one of ...
    rules.yaml 第 5 行，字段 meetings[3].frequency：取值……

**Numbering rule.** Lines are counted from 1, as an editor shows them. List positions in a
key path are counted from 1 as well, as a person reading the file counts its entries:
``meetings[3]`` is the third entry under ``meetings``. In code a path is a tuple of mapping
keys and 0-based Python indexes, ``("meetings", 2, "frequency")``; only the rendering adds 1.

An error about the document as a whole (a syntax error, an empty file) names file and
line only.

The document is composed once (keeping each node's position) and constructed from that
node tree, with libyaml's loader when PyYAML has it.

>>> doc = YamlDoc.from_text("a: 1\\nb:\\n  - x: 2\\n  - x: oops\\n", "f.yaml")
>>> doc.line(("b", 1, "x")), doc.data["b"][1]["x"]
(4, 'oops')
>>> doc.error(("b", 1, "x"), "config.err.field_type", expected="number", value="oops").render("en")
"f.yaml, line 4, field b[2].x: expected number, got 'oops'"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pbkit.errors import ConfigError, UsageError

__all__ = ["YamlDoc", "YamlConfigError", "FieldPath", "format_path", "read_yaml"]

FieldPath = tuple[Any, ...]


def format_path(path: Sequence[Any]) -> str:
    """Render a key path for messages, list positions counted from 1.

    Parameters
    ----------
    path : sequence
        Mapping keys (str) and 0-based list indexes (int).

    Returns
    -------
    str
        ``"."`` for the document itself.

    >>> format_path(("items", 0, "thresholds", 1, "points"))
    'items[1].thresholds[2].points'
    >>> format_path(())
    '.'
    """
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part + 1}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "."


class YamlConfigError(ConfigError):
    """A malformed YAML configuration file: where (file, line, key path) and what.

    Parameters
    ----------
    key : str
        Message key in the i18n catalogs; the message says what is wrong, the location
        prefix (file, line, key path) is added by :meth:`render`.
    file : str
        The file name as shown to the user.
    line : int
        1-based line.
    path : tuple
        Key path (mapping keys and 0-based list indexes); empty for the whole document.

    Attributes
    ----------
    path : tuple
        The key path as given.
    field : str
        The key path as rendered (:func:`format_path`), also in ``params["field"]``.

    >>> err = YamlConfigError("config.err.field_missing", file="x.yaml", line=3,
    ...                       path=("items", 0, "name"))
    >>> err.render("zh")
    'x.yaml 第 3 行，字段 items[1].name：缺少必填字段'
    """

    def __init__(self, key: str, *, file: str | None, line: int | None,
                 path: Sequence[Any] = (), **params: Any) -> None:
        self.path = tuple(path)
        self.field = format_path(self.path)
        params.pop("field", None)
        super().__init__(key, file=file, line=line, field=self.field, **params)

    def render(self, lang: str | None = None) -> str:
        from pbkit.i18n import t

        body = t(self.key, lang=lang, **self.params)
        if not self.file:
            return body
        if not self.path:
            return t("where.file_line", lang=lang, file=self.file, line=self.line or 1) + body
        return t("where.yaml", lang=lang, file=self.file, line=self.line or 1,
                 field=self.field) + body


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML document, its node tree (for line numbers) and its file name.

    Attributes
    ----------
    data : Any
        The document as plain Python data (what ``yaml.safe_load`` gives).
    file : str
        The file name shown in messages.
    node : Any
        The composed node tree, ``None`` for an empty document.
    error_cls : type
        The :class:`YamlConfigError` subclass raised (a loader may use its own).
    """

    data: Any
    file: str
    node: Any = None
    error_cls: type[YamlConfigError] = YamlConfigError

    # ---- reading -------------------------------------------------------------------
    @classmethod
    def from_path(cls, path: str | Path, display: str | None = None, *,
                  error_cls: type[YamlConfigError] = YamlConfigError) -> YamlDoc:
        """Read ``path`` (UTF-8, BOM tolerated); shown in messages as ``display``.

        A missing or unreadable file is a :class:`~pbkit.errors.UsageError` naming it.
        """
        path = Path(path)
        shown = display if display is not None else str(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise UsageError("config.err.not_found", file=shown) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError("config.err.unreadable", file=shown,
                             detail=type(exc).__name__) from None
        return cls.from_text(text, shown, error_cls=error_cls)

    @classmethod
    def from_text(cls, text: str, file: str, *,
                  error_cls: type[YamlConfigError] = YamlConfigError) -> YamlDoc:
        """Parse ``text``; a YAML syntax error is raised with its line.

        >>> try:
        ...     YamlDoc.from_text("a: [1, 2\\nb: 3\\n", "x.yaml")
        ... except YamlConfigError as err:
        ...     print(err.render("en")[:33])
        x.yaml, line 2: YAML syntax error
        """
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise error_cls("config.err.yaml_syntax", file=file,
                            line=mark.line + 1 if mark is not None else 1,
                            problem=str(problem)) from None
        finally:
            loader.dispose()
        return cls(data=data, file=file, node=node, error_cls=error_cls)

    # ---- locating ------------------------------------------------------------------
    def line(self, path: Sequence[Any]) -> int:
        """1-based line of the key or entry at ``path`` (or of its nearest existing parent)."""
        import yaml

        node = self.node
        line = node.start_mark.line + 1 if node is not None else 1
        for part in path:
            nxt = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if str(key.value) == str(part):
                        nxt, line = value, key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    nxt = node.value[part]
                    line = nxt.start_mark.line + 1
            if nxt is None:
                break
            node = nxt
        return line

    def field(self, path: Sequence[Any]) -> str:
        return format_path(path)

    def error(self, path: Sequence[Any], key: str, **params: Any) -> YamlConfigError:
        """The error ``key`` located at ``path`` (to raise, or to collect)."""
        return self.error_cls(key, file=self.file, line=self.line(path), path=path, **params)

    def fail(self, key: str, path: Sequence[Any], **params: Any) -> NoReturn:
        """Raise the error ``key`` located at ``path``."""
        raise self.error(path, key, **params)

    # ---- typed readers -------------------------------------------------------------
    def mapping(self, value: Any, path: FieldPath, *, allowed: Iterable[str] | None = None,
                required: Iterable[str] = ()) -> Mapping[str, Any]:
        """Check ``value`` is a mapping with only ``allowed`` keys and every ``required`` one."""
        if not isinstance(value, Mapping):
            self.fail("config.err.field_type", path, expected="mapping", value=short(value))
        if allowed is not None:
            allowed = tuple(allowed)
            for key in value:
                if key not in allowed:
                    self.fail("config.err.field_unknown", (*path, key),
                              allowed=", ".join(allowed))
        for key in required:
            if key not in value:
                self.fail("config.err.field_missing", (*path, key))
        return value

    def sequence(self, value: Any, path: FieldPath, *, min_len: int = 0) -> list[Any]:
        if not isinstance(value, list):
            self.fail("config.err.field_type", path, expected="list", value=short(value))
        if len(value) < min_len:
            self.fail("config.err.field_empty", path)
        return value

    def integer(self, value: Any, path: FieldPath, low: float | None = None,
                high: float | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail("config.err.field_type", path, expected="integer", value=short(value))
        self._range(value, path, low, high)
        return int(value)

    def number(self, value: Any, path: FieldPath, low: float | None = None,
               high: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            self.fail("config.err.field_type", path, expected="number", value=short(value))
        self._range(value, path, low, high)
        return float(value)

    def boolean(self, value: Any, path: FieldPath) -> bool:
        if not isinstance(value, bool):
            self.fail("config.err.field_type", path, expected="true/false", value=short(value))
        return value

    def text(self, value: Any, path: FieldPath) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail("config.err.field_type", path, expected="text", value=short(value))
        return value.strip()

    def choice(self, value: Any, path: FieldPath, choices: Iterable[str]) -> str:
        choices = tuple(choices)
        if not isinstance(value, str) or value not in choices:
            self.fail("config.err.field_choice", path, value=short(value),
                      choices=", ".join(choices))
        return value

    def choices(self, value: Any, path: FieldPath, choices: Iterable[str]) -> tuple[str, ...]:
        items = self.sequence(value, path, min_len=1)
        out = tuple(self.choice(v, (*path, i), choices) for i, v in enumerate(items))
        seen: set[str] = set()
        for i, v in enumerate(out):
            if v in seen:
                self.fail("config.err.field_duplicate", (*path, i), value=v)
            seen.add(v)
        return out

    def patterns(self, value: Any, path: FieldPath) -> list[str]:
        """A list of regular expressions, each checked to compile.

        >>> doc = YamlDoc.from_text("p: ['ok', '(']\\n", "x.yaml")
        >>> doc.patterns(doc.data["p"], ("p",))
        Traceback (most recent call last):
        ...
        pbkit.yamlconf.YamlConfigError: x.yaml, line 1, field p[2]: invalid regular expression: missing ), unterminated subpattern at position 0
        """
        import re

        items = self.sequence(value, path)
        for i, item in enumerate(items):
            self.text(item, (*path, i))
            try:
                re.compile(item)
            except re.error as exc:
                raise self.error((*path, i), "config.err.regex", detail=str(exc)) from None
        return items

    def _range(self, value: float, path: FieldPath, low: float | None, high: float | None) -> None:
        if (low is not None and value < low) or (high is not None and value > high):
            self.fail("config.err.field_range", path, value=value,
                      low="-∞" if low is None else low, high="∞" if high is None else high)


def read_yaml(path: str | Path, display: str | None = None) -> Any:
    """The plain data of the YAML file ``path``, errors in the one format.

    For files read whole without field checks (catalog-like tables); use
    :meth:`YamlDoc.from_path` when fields are checked.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "t.yaml")
    ...     _ = open(p, "w", encoding="utf-8").write("a: [1, 2]\\n")
    ...     read_yaml(p)
    {'a': [1, 2]}
    """
    return YamlDoc.from_path(path, display).data


def short(value: Any) -> str:
    """``value`` for a message, cut to 40 characters.

    >>> short("x" * 50)
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'
    """
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."
