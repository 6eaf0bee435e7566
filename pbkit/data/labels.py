"""The one display-label table: what users read instead of column and value codes.

Every table, chart and export that a user reads names its columns and coded values through
this module, so a code such as ``distance_km`` or ``kept`` never reaches a screen or a file.
Labels live in the ``label.*`` keys of the i18n catalogs (``catalogs/labels.yaml``); the
kind of each column (percentage, count, kilometres, yes/no, coded value) decides how its
values are shown: percentages as ``%``, counts as integers, missing values as ``—``.

>>> label_column("distance_km", lang="zh"), label_column("distance_km", lang="en")
('距离（公里）', 'Distance (km)')
>>> label_value("status", "kept", lang="zh")
'保留'
>>> import pandas as pd
>>> f = pd.DataFrame({"coverage": [0.435, None], "status": ["new", "kept"], "pairs": [3.0, 2.0]})
>>> display_frame(f, lang="en").values.tolist()
[['44%', 'New', '3'], ['—', 'Kept', '2']]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pbkit.i18n import has_key, resolve_lang, t

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMN_KINDS", "label_column", "label_value", "label_enum", "label_table",
           "label_field", "format_kind", "format_value", "display_frame", "local_time",
           "org_display_names", "user_zone", "TIMEZONE_ENV"]

#: The time zone users read times in (``PBKIT_TIMEZONE``, default China Standard Time).
TIMEZONE_ENV = "PBKIT_TIMEZONE"

# how each known column is shown; columns not listed are shown as text
COLUMN_KINDS: dict[str, str] = {
    "coverage": "percent",
    "coverage_rate": "percent",
    "needy": "count",
    "covered": "count",
    "uncovered": "count",
    "capacity": "count",
    "pairs": "count",
    "spare": "count",
    "distance_km": "km",
    "overloaded": "bool",
    "migrant": "bool",
    "status": "code",
}


def label_column(column: str, lang: str | None = None) -> str:
    """The display name of ``column`` (the code itself when no label is known)."""
    key = f"label.col.{column}"
    return t(key, lang=lang) if has_key(key) else column


def label_value(column: str, value: Any, lang: str | None = None) -> str:
    """The display name of a coded ``value`` of ``column`` (the value when unknown)."""
    key = f"label.value.{column}.{value}"
    return t(key, lang=lang) if has_key(key) else str(value)


def label_enum(code: Any, lang: str | None = None) -> str:
    """Display label of a schema code (mechanism, role, need ...): Chinese in zh, words in en.

    >>> label_enum("one_on_one", "zh"), label_enum("one_on_one", "en")
    ('一对一结对帮扶', 'one on one')
    """
    from pbkit.data.schema import ENUM_LABELS

    code = "" if code is None else str(code)
    if resolve_lang(lang) == "zh":
        return ENUM_LABELS.get(code, code)
    return code.replace("_", " ")


def label_table(table: Any, lang: str | None = None) -> str:
    """A dataset table's name as users know it: ``人员`` in zh, ``people`` in en.

    >>> label_table("people", "zh"), label_table("people", "en"), label_table("x", "zh")
    ('人员', 'people', 'x')
    """
    from pbkit.data.schema import TABLES

    name = "" if table is None else str(table)
    if name in TABLES and resolve_lang(lang) == "zh":
        return TABLES[name].zh
    return name


def label_field(table: Any, column: Any, lang: str | None = None) -> str:
    """A dataset column's header as users know it: ``性别`` in zh, ``gender`` in en.

    >>> label_field("people", "gender", "zh"), label_field("people", "gender", "en")
    ('性别', 'gender')
    """
    from pbkit.data.schema import TABLES

    name = "" if column is None else str(column)
    if str(table) in TABLES and resolve_lang(lang) == "zh":
        for col in TABLES[str(table)].columns:
            if col.name == name:
                return col.zh
    return name


def org_display_names(orgs: pd.DataFrame) -> dict[str, str]:
    """``org_id -> display name`` of every organisation: its ``name_code`` (a readable
    pseudonym such as 东山村) when recorded, else the id.

    >>> import pandas as pd
    >>> org_display_names(pd.DataFrame({"org_id": ["T01-V01", "T01-V02"],
    ...                                 "name_code": ["东山村", None]}))
    {'T01-V01': '东山村', 'T01-V02': 'T01-V02'}
    """
    names = orgs["name_code"] if "name_code" in orgs else [None] * len(orgs)
    return {oid: name if isinstance(name, str) and name.strip() else oid
            for oid, name in zip(orgs["org_id"], names) if isinstance(oid, str)}


def user_zone() -> str:
    """The time zone users read times in: ``PBKIT_TIMEZONE``, else ``Asia/Shanghai``.

    >>> import os; _ = os.environ.pop(TIMEZONE_ENV, None); user_zone()
    'Asia/Shanghai'
    """
    import os

    return os.environ.get(TIMEZONE_ENV) or "Asia/Shanghai"


def local_time(value: Any, zone: str | None = None) -> str:
    """A stored UTC time as users read it: ``2026-12-07 22:03`` in their zone, ``—`` if none.

    The zone is ``zone``, else ``PBKIT_TIMEZONE``, else ``Asia/Shanghai``. A time without a
    zone is taken as UTC (the store keeps UTC).

    >>> local_time("2026-12-07T14:03:00Z"), local_time(None)
    ('2026-12-07 22:03', '—')
    >>> local_time("2026-12-07 14:03", zone="UTC")
    '2026-12-07 14:03'
    """
    import pandas as pd

    if _missing(value):
        return "—"
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    zone = zone or user_zone()
    return stamp.tz_convert(zone).strftime("%Y-%m-%d %H:%M")


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(value != value)
    except (TypeError, ValueError):  # pd.NA compares to NA
        return True


def format_kind(value: Any, kind: str, lang: str | None = None) -> str:
    """``value`` shown as a ``kind`` (percent, count, km, number, bool, text); ``—`` if missing.

    >>> format_kind(0.7241, "percent", "zh"), format_kind(2017.0, "count", "zh")
    ('72%', '2017')
    """
    if _missing(value):
        return t("label.missing", lang=lang)
    if isinstance(value, str):
        return value
    if kind == "percent":
        return f"{100 * float(value):.0f}%"
    if kind == "count":
        return f"{int(round(float(value)))}"
    if kind == "km":
        return f"{float(value):.1f}"
    if kind == "number":
        return f"{float(value):g}"
    if kind == "bool":
        return t("common.yes" if bool(value) else "common.no", lang=lang)
    return str(value)


def format_value(column: str, value: Any, lang: str | None = None) -> str:
    """``value`` of ``column`` as users read it: ``44%``, ``3``, ``1.5``, ``是``, ``—``.

    >>> format_value("coverage", 1.0, "zh"), format_value("overloaded", False, "en")
    ('100%', 'no')
    """
    kind = COLUMN_KINDS.get(column, "text")
    if kind == "code" and not _missing(value):
        return label_value(column, value, lang)
    return format_kind(value, kind, lang)


def display_frame(frame: pd.DataFrame, columns: Iterable[str] | None = None,
                  lang: str | None = None) -> pd.DataFrame:
    """The chosen ``columns`` of ``frame`` (those present) as display text with labelled headers."""
    wanted = list(frame.columns) if columns is None else list(columns)
    cols = [c for c in wanted if c in frame.columns] or list(frame.columns)
    out = frame.loc[:, cols].copy()
    for col in cols:
        out[col] = [format_value(col, v, lang) for v in out[col].tolist()]
    out.columns = [label_column(c, lang) for c in cols]
    return out
