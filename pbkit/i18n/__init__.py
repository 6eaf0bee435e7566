"""User-facing messages in zh-CN (default) and English.

Every message a user can read goes through :func:`t`. Messages live in YAML catalogs, one
file per area, in ``pbkit/i18n/catalogs/``; each key maps to ``{zh: ..., en: ...}`` templates
with ``str.format`` placeholders. The language is chosen, in order of precedence, by the
``lang`` argument, the innermost :func:`use_lang` block, the ``PBKIT_LANG`` environment
variable, and finally zh-CN.

>>> t("cli.version", lang="en", version="1.0")
'pbkit 1.0'
>>> with use_lang("zh"):
...     t("common.yes")
'是'
"""

from __future__ import annotations

import contextvars
import json
import os
import string
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "LANGS",
    "DEFAULT_LANG",
    "t",
    "resolve_lang",
    "normalize_lang",
    "use_lang",
    "location",
    "catalog",
    "has_key",
    "printable",
    "printable_json",
]

LANGS: tuple[str, ...] = ("zh", "en")
DEFAULT_LANG = "zh"
CATALOG_DIR = Path(__file__).with_name("catalogs")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("pbkit_lang", default=None)


def normalize_lang(lang: str | None) -> str | None:
    """Map a language tag (``zh-CN``, ``zh_Hans``, ``en-US`` ...) to ``zh`` or ``en``.

    Returns ``None`` for an empty or unknown tag.

    >>> normalize_lang("zh-CN"), normalize_lang("EN_us"), normalize_lang("fr")
    ('zh', 'en', None)
    """
    if not lang:
        return None
    base = lang.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGS else None


def resolve_lang(lang: str | None = None) -> str:
    """The effective language code for ``lang`` (see module docstring for precedence)."""
    for candidate in (lang, _current.get(), os.environ.get("PBKIT_LANG")):
        code = normalize_lang(candidate)
        if code:
            return code
    return DEFAULT_LANG


@contextmanager
def use_lang(lang: str | None) -> Iterator[str]:
    """Make ``lang`` the current language inside a ``with`` block."""
    token = _current.set(normalize_lang(lang))
    try:
        yield resolve_lang()
    finally:
        _current.reset(token)


@cache
def catalog() -> dict[str, dict[str, str]]:
    """All message templates, merged from every catalog file (key -> {lang: template}).

    The merged catalogs are kept as JSON in the user's cache folder, named by a checksum of
    the catalog files' names, sizes and modification times: a command that starts, or an
    app page that opens, reads one JSON file instead of parsing every YAML file (which
    cost most of ``pbkit --version``). Any change to a catalog file makes a new name.
    """
    paths = sorted(CATALOG_DIR.glob("*.yaml"))
    cached = _cache_file(paths)
    if cached is not None:
        try:
            return json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    merged = _read_catalogs(paths)
    if cached is not None:
        _write_cache(cached, merged)
    return merged


def _read_catalogs(paths: list[Path]) -> dict[str, dict[str, str]]:
    import yaml

    # libyaml's safe loader when PyYAML was built with it: ~10x faster than the pure-Python
    # one
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    merged: dict[str, dict[str, str]] = {}
    for path in paths:
        text = path.read_text(encoding="utf-8")
        try:
            data = yaml.load(text, Loader=loader) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise _catalog_error(path, mark.line + 1 if mark else 1, (),
                                 f"YAML syntax error: {getattr(exc, 'problem', exc)}") from None
        if not isinstance(data, dict):
            raise _catalog_error(path, 1, (), "expected a mapping of message keys")
        for key, entry in data.items():
            if key in merged:
                raise _catalog_error(path, _catalog_line(text, key), (key,),
                                     "duplicate message key")
            if not isinstance(entry, dict) or set(entry) != set(LANGS):
                raise _catalog_error(path, _catalog_line(text, key), (key,),
                                     "expected {zh: ..., en: ...}")
            merged[key] = {str(k): str(v) for k, v in entry.items()}
    return merged


def _catalog_error(path: Path, line: int, key_path: tuple, problem: str) -> ValueError:
    """A broken catalog, located in the one YAML error format (file, line, key path).

    English only and a plain ``ValueError``: the messages that would translate it are the
    thing that is broken.
    """
    from pbkit.yamlconf import format_path

    where = f", field {format_path(key_path)}" if key_path else ""
    return ValueError(f"{path.name}, line {line}{where}: {problem}")


def _catalog_line(text: str, key: str) -> int:
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    for key_node, _ in getattr(root, "value", []):
        if key_node.value == key:
            return key_node.start_mark.line + 1
    return 1


def _cache_file(paths: list[Path]) -> Path | None:
    """Where the merged catalogs of these exact files are cached (None: no cache)."""
    import zlib  # builtin; hashlib would cost more than the cache saves at start-up

    from pbkit.memo import cache_dir

    base = cache_dir()
    try:
        stamp = "".join(f"{p}\0{p.stat().st_size}\0{p.stat().st_mtime_ns}\n" for p in paths)
    except OSError:
        return None
    data = stamp.encode()
    return Path(base) / f"catalog-{zlib.crc32(data):08x}{zlib.adler32(data):08x}.json"


def _write_cache(path: Path, merged: dict) -> None:
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".catalog.", dir=path.parent)
    except OSError:  # a read-only home: no cache, the YAML files are read each time
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(merged, fh, ensure_ascii=False)
        os.replace(tmp, path)
        import time

        for old in path.parent.glob("catalog-*.json"):  # earlier versions' caches
            if old != path and old.stat().st_mtime < time.time() - 7 * 86400:
                old.unlink(missing_ok=True)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def has_key(key: str) -> bool:
    """Whether ``key`` is a known message key."""
    return key in catalog()


# C0 controls (but tab and newline), DEL, C1 controls, and the bidirectional overrides and
# isolates that reorder what a terminal shows (Trojan Source): what a data file could use to
# clear the screen, move the cursor or print a fake line
_CONTROL = "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0),
                                    0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F),
                                    *range(0x2066, 0x206A)))
_ESCAPES = {ord(ch): (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
            for ch in _CONTROL}
_ONE_LINE = {**_ESCAPES, ord("\n"): "\\n", ord("\t"): "\\t"}


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with terminal control characters shown as escapes (``\\x1b``, ``\\u202e``).

    Every value substituted into a message goes through this (in :func:`t` and
    :func:`location`), so a cell or header cannot send escape sequences to the terminal.
    ``one_line`` also escapes newlines and tabs.

    >>> printable("\\x1b[2Jok\\u202e"), printable("a\\nb", one_line=True)
    ('\\\\x1b[2Jok\\\\u202e', 'a\\\\nb')
    """
    return text.translate(_ONE_LINE if one_line else _ESCAPES)


_JSON_ESCAPES = {ord(ch): f"\\u{ord(ch):04x}" for ch in _CONTROL}


def printable_json(text: str) -> str:
    """JSON text with the same control characters written as ``\\uXXXX`` escapes.

    The data is unchanged (a JSON reader gets the same strings back), but printing the
    JSON to a terminal cannot move the cursor or reorder the line.

    >>> import json
    >>> out = printable_json(json.dumps({"c": "a\\u202eb\\x9b"}, ensure_ascii=False))
    >>> out, json.loads(out)["c"] == "a\\u202eb\\x9b"
    ('{"c": "a\\\\u202eb\\\\u009b"}', True)
    """
    return text.translate(_JSON_ESCAPES)


#: parameters that carry one value from the user's data or file system (a cell, a header,
#: a path): a newline in them is shown as ``\\n`` too, so a message stays one line
_ONE_LINE_PARAMS = frozenset({"value", "header", "sheet", "file", "path", "member", "column",
                              "table", "cell", "other", "encoding", "suffix", "name", "folder"})


def _safe(key: str, value: Any) -> Any:
    table = _ONE_LINE if key in _ONE_LINE_PARAMS else _ESCAPES
    if isinstance(value, str):
        return value.translate(table)
    if value is None or isinstance(value, (int, float)):
        return value
    text = str(value)
    return value if text.translate(table) == text else text.translate(table)


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Render message ``key`` in ``lang`` with ``params`` substituted.

    An unknown key renders as the key itself, so a missing translation is visible
    (and caught by the catalog test) instead of crashing the caller.
    """
    entry = catalog().get(key)
    if entry is None:
        return key
    code = resolve_lang(lang)
    template = entry.get(code) or entry.get(DEFAULT_LANG) or key
    safe = {k: _safe(k, v) for k, v in params.items()}
    return string.Formatter().vformat(template, (), _Lenient(safe))


def location(file: str | None, table: str | None, row: int | None, column: str | None,
             lang: str | None = None) -> str:
    """The prefix that says where a data problem is, ending in ``': '``.

    >>> location("people.csv", "people", 7, "gender", lang="en")
    'people.csv: table people, row 7, column gender: '
    >>> location("people.csv", "people", 7, "gender", lang="zh")
    'people.csv：表 people，第 7 行，列 gender：'
    """
    parts = []
    if table:
        parts.append(t("where.table", lang, table=printable(str(table), one_line=True)))
    if row is not None:
        parts.append(t("where.row", lang, row=row))
    if column:
        parts.append(t("where.column", lang, column=printable(str(column), one_line=True)))
    code = resolve_lang(lang)
    sep, colon = (("，", "：") if code == "zh" else (", ", ": "))
    head = printable(str(file), one_line=True) if file else ""
    body = sep.join(parts)
    if head and body:
        return f"{head}{colon}{body}{colon}"
    if head or body:
        return f"{head or body}{colon}"
    return ""
