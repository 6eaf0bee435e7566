"""The validation report: every problem found in a dataset, located and explained.

An :class:`Issue` names the file, the table, the row number as the user sees it in that
file (spreadsheet row: the header is row 1, the first data row is row 2; ``None`` for
problems about a whole column or file), the column, and a message key rendered in zh or en.

>>> rep = ValidationReport([Issue("error", "data.missing_column", file="people.csv",
...                               table="people", column="org_id")])
>>> rep.has_errors
True
>>> rep.to_records(lang="en")[0]["message"]
'required column is missing'

An issue about one cell keeps the value as the user wrote it (``Issue.value``, the
``value`` column of :meth:`ValidationReport.to_frame`), masked by
:func:`pbkit.data.identifiers.mask` when it holds, or its column means, a personal
identifier:

>>> shown_value("V9", "org_id"), shown_value("13812345678", "note"), shown_value("李四", "姓名")
('V9', '138****5678', '李*')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Issue", "ValidationReport", "SEVERITIES", "shown_value"]

SEVERITIES = ("error", "warning")
FRAME_COLUMNS = ("severity", "code", "file", "table", "row", "column", "value", "message")


def shown_value(value: Any, column: str | None = None) -> str | None:
    """A cell value as the user wrote it, fit to keep in a report.

    Masked (:func:`pbkit.data.identifiers.mask`) when the value holds a personal
    identifier or the column header means one (:func:`~pbkit.data.identifiers.identifier_header`);
    whole numbers read as floats are written without ``.0``; missing gives ``None``.

    >>> shown_value(1990.0), shown_value(None), shown_value("身份证 11010519491231002X")
    ('1990', None, '…110***********002X')
    """
    from pbkit.data.identifiers import has_identifier, identifier_header, mask

    if value is None or (not isinstance(value, str) and _missing(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if identifier_header(column) is not None or has_identifier(text):
        return mask(text)
    return text


def _missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Issue:
    """One problem in the data.

    Attributes
    ----------
    severity : {"error", "warning"}
        Errors stop a load; warnings do not.
    key : str
        i18n message key (also a stable machine-readable code).
    file, table, row, column : location; any may be ``None``.
    value : str or None
        The offending cell as the user wrote it (see :func:`shown_value`: masked when
        it is, or its column means, a personal identifier); ``None`` for issues about a
        whole column, table or file.
    params : dict
        Values substituted into the message; never a full personal identifier.
    """

    severity: str
    key: str
    file: str | None = None
    table: str | None = None
    row: int | None = None
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)
    value: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}")

    def message(self, lang: str | None = None) -> str:
        """The plain message without its location."""
        from pbkit.i18n import t

        return t(self.key, lang=lang, **self.params)

    def render(self, lang: str | None = None) -> str:
        """One line: location then message."""
        from pbkit.i18n import location, t

        tag = t(f"severity.{self.severity}", lang=lang)
        return f"[{tag}] " + location(self.file, self.table, self.row, self.column,
                                      lang=lang) + self.message(lang)

    def to_record(self, lang: str | None = None) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.key,
            "file": self.file,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message(lang),
        }


@dataclass(frozen=True)
class ValidationReport:
    """An ordered collection of :class:`Issue` (plus optional privacy figures)."""

    issues: tuple[Issue, ...] = ()
    privacy: dict[str, Any] = field(default_factory=dict, hash=False)

    def __init__(self, issues: Iterable[Issue] = (), privacy: dict[str, Any] | None = None):
        object.__setattr__(self, "issues", tuple(issues))
        object.__setattr__(self, "privacy", dict(privacy or {}))

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def merged(self, other: ValidationReport | Iterable[Issue]) -> ValidationReport:
        extra = other.issues if isinstance(other, ValidationReport) else tuple(other)
        privacy = {**self.privacy, **getattr(other, "privacy", {})}
        return ValidationReport((*self.issues, *extra), privacy)

    def to_records(self, lang: str | None = None) -> list[dict[str, Any]]:
        return [i.to_record(lang) for i in self.issues]

    def to_frame(self, lang: str | None = None):
        """A tidy DataFrame with one row per issue."""
        import pandas as pd

        return pd.DataFrame(self.to_records(lang), columns=list(FRAME_COLUMNS))

    def display_frame(self, lang: str | None = None):
        """:meth:`to_frame` as users read it: severity, table and column names in ``lang``,
        headers translated, the code left out (a workbook or page for the data's owner).

        >>> rep = ValidationReport([Issue("error", "data.bad_int", file="people.csv",
        ...     table="people", row=3, column="birth_year", params={"value": "x"}, value="x")])
        >>> frame = rep.display_frame("zh")
        >>> frame.columns.tolist()
        ['级别', '文件', '表', '行', '列', '填写的值', '问题']
        >>> frame.iloc[0].astype(str).tolist()
        ['错误', 'people.csv', '人员', '3', '出生年份', 'x', 'x 不是整数']
        """
        from pbkit.data.labels import label_field, label_table
        from pbkit.i18n import t

        frame = self.to_frame(lang).drop(columns="code")
        frame["severity"] = [t(f"severity.{s}", lang=lang) for s in frame["severity"]]
        frame["column"] = [c if c is None else label_field(tb, c, lang)
                           for tb, c in zip(frame["table"], frame["column"])]
        frame["table"] = [tb if tb is None else label_table(tb, lang) for tb in frame["table"]]
        frame["row"] = frame["row"].astype("Int64")
        frame.columns = [t(f"report.col.{c}", lang=lang) for c in frame.columns]
        return frame

    def to_json(self, lang: str | None = None) -> str:
        return json.dumps(self.to_records(lang), ensure_ascii=False, indent=2)

    def render(self, lang: str | None = None) -> str:
        """Human-readable text: one line per issue and a summary line."""
        from pbkit.i18n import t

        lines = [i.render(lang) for i in self.issues]
        lines.append(t("report.summary", lang=lang, errors=len(self.errors),
                       warnings=len(self.warnings)))
        return "\n".join(lines)
