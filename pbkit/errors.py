"""The pbkit exception hierarchy.

Every error a user can cause derives from :class:`PbkitError` and renders as one line in
the user's language through :mod:`pbkit.i18n`. Data errors also carry where the problem is:
the file, the table, the row number as the user sees it in that file, and the column.

>>> err = DataError("data.missing_column", file="people.csv", table="people",
...                 row=None, column="org_id")
>>> err.render("en")
'people.csv: table people, column org_id: required column is missing'
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PbkitError",
    "UsageError",
    "DataError",
    "DataLimitError",
    "PrivacyError",
    "ConfigError",
    "ScenarioError",
    "StoreError",
    "ValidationFailed",
]


class PbkitError(Exception):
    """Base class of every error pbkit raises on purpose.

    Parameters
    ----------
    key : str
        Message key in the i18n catalogs.
    **params
        Values substituted into the message template.
    """

    exit_code = 2

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.render("en"))

    def render(self, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the current language)."""
        from pbkit.i18n import t

        return t(self.key, lang=lang, **self.params)


class UsageError(PbkitError):
    """Bad command-line arguments or bad arguments to a public function."""


class ConfigError(PbkitError):
    """A malformed rule, mechanism, rubric or other configuration file.

    ``file`` and ``line`` (1-based) say where, when known.
    """

    def __init__(self, key: str, *, file: str | None = None, line: int | None = None,
                 **params: Any) -> None:
        self.file = file
        self.line = line
        super().__init__(key, file=file, line=line, **params)

    def render(self, lang: str | None = None) -> str:
        from pbkit.i18n import t

        body = t(self.key, lang=lang, **self.params)
        where = t("where.file_line", lang=lang, file=self.file, line=self.line) if self.file else ""
        return f"{where}{body}"


class ScenarioError(ConfigError):
    """A malformed role-play scenario file; names the file and the field."""


class DataError(PbkitError):
    """A problem in user data, located by file, table, row and column.

    ``row`` is the row number as the user sees it in the file (the spreadsheet row,
    header = row 1), or ``None`` when the problem concerns a whole column or file.
    """

    def __init__(self, key: str, *, file: str | None = None, table: str | None = None,
                 row: int | None = None, column: str | None = None, **params: Any) -> None:
        self.file = file
        self.table = table
        self.row = row
        self.column = column
        super().__init__(key, **params)

    def render(self, lang: str | None = None) -> str:
        from pbkit.i18n import location, t

        return location(self.file, self.table, self.row, self.column, lang=lang) + t(
            self.key, lang=lang, **self.params
        )


class DataLimitError(DataError):
    """Input refused before reading because it exceeds a configured size bound."""


class PrivacyError(DataError):
    """Direct personal identifiers found in data meant for analysis."""


class StoreError(PbkitError):
    """The results store refused or could not complete an operation."""


class ValidationFailed(DataError):
    """A dataset load stopped on errors; ``report`` holds every problem found.

    Rendering gives the first error and how many more there are; the CLI prints the
    whole report.
    """

    def __init__(self, report, *, file: str | None = None) -> None:
        self.report = report
        first = report.errors[0] if report.errors else None
        super().__init__(
            "data.validation_failed",
            file=first.file if first else file,
            table=first.table if first else None,
            row=first.row if first else None,
            column=first.column if first else None,
            first=first.message() if first else "",
            more=max(0, len(report.errors) - 1),
        )

    def render(self, lang: str | None = None) -> str:
        from pbkit.i18n import location, t

        first = self.report.errors[0] if self.report.errors else None
        head = location(self.file, self.table, self.row, self.column, lang=lang)
        body = first.message(lang) if first else ""
        more = len(self.report.errors) - 1
        return head + body + (t("data.more_errors", lang=lang, more=more) if more > 0 else "")
