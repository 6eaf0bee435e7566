"""Reading YAML sources while remembering where every field is.

Lesson and quiz sources are YAML. When a field is wrong the author needs the file, the
field path and the line, so :class:`SourceDoc` keeps the composed YAML node tree beside the
plain data and turns a field path into a :class:`~pbkit.errors.ConfigError`.

>>> doc = SourceDoc.from_text("id: x\\nquiz:\\n  - kind: single\\n", "demo.yaml")
>>> doc.line(("quiz", 0, "kind"))
3
>>> doc.error(("quiz", 0, "kind"), "lessons.err.bad_value", value="single").render("en")
'demo.yaml, line 3: field quiz[0].kind: invalid value single'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pbkit.errors import ConfigError

__all__ = ["SourceDoc", "field_path", "Path_"]

Path_ = tuple[str | int, ...]


def field_path(path: Sequence[str | int]) -> str:
    """Render a field path the way an author reads it.

    >>> field_path(("exercises", "quiz", 2, "answer"))
    'exercises.quiz[2].answer'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "."


@dataclass(frozen=True)
class SourceDoc:
    """A parsed YAML document plus its node tree (for line numbers) and its file name.

    Attributes
    ----------
    data : Any
        The document as plain Python data (``yaml.safe_load``).
    file : str
        The file name shown in messages.
    node : Any
        The composed ``yaml`` node tree, or ``None`` for an empty document.
    """

    data: Any
    file: str
    node: Any = None

    @classmethod
    def from_text(cls, text: str, file: str) -> SourceDoc:
        """Parse ``text``; a YAML syntax error becomes a ``ConfigError`` with its line."""
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            node = yaml.compose(text, Loader=loader)
            data = yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ConfigError("lessons.err.yaml", file=file, line=line,
                              detail=str(problem)) from None
        return cls(data=data, file=file, node=node)

    def line(self, path: Sequence[str | int]) -> int | None:
        """1-based line of the field at ``path`` (or of its nearest existing parent)."""
        import yaml

        node = self.node
        line = node.start_mark.line + 1 if node is not None else None
        for part in path:
            nxt = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key, value in node.value:
                    if key.value == part:
                        nxt = value
                        line = key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    nxt = node.value[part]
                    line = nxt.start_mark.line + 1
            if nxt is None:
                break
            node = nxt
        return line

    def error(self, path: Sequence[str | int], key: str, **params: Any) -> ConfigError:
        """A ``ConfigError`` for the field at ``path`` (message key ``key``)."""
        return ConfigError(key, file=self.file, line=self.line(path), field=field_path(path),
                           **params)
