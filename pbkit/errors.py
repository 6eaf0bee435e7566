"""The pbkit exception hierarchy.

Every error a user can cause derives from :class:`PbkitError` and renders as one line in
the user's language through :mod:`pbkit.i18n`. Data errors also carry where the problem is:
the file, the table, the row number as the user sees it in that file, and the column.

>>> err = DataError("data.missing_column", file="people.csv", table="people",
...                 row=None, column="org_id")
>>> err.render("en")
'people.csv: table people, column org_id: required column is missing'

Every code pbkit raises is listed in the registry ``pbkit/errors.yaml`` (:func:`error_codes`);
the code is also the key of its zh and en message templates in the i18n catalogs.
``docs/errors.md`` is generated from both: ``python -m pbkit.errors > docs/errors.md``.

>>> error_codes()["data.missing_column"]["raised_as"]
['DataError', 'Issue']
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "error_codes",
    "errors_markdown",
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


REGISTRY_PATH = Path(__file__).with_name("errors.yaml")


@cache
def error_codes() -> dict[str, dict[str, Any]]:
    """The error-code registry: code -> ``{"raised_as": [...], "zh": ..., "en": ...}``.

    ``raised_as`` names the error classes the code is raised with (``Issue``: a line of a
    validation report); ``zh`` and ``en`` are the message templates, read from the i18n
    catalog entry of the same key.

    >>> entry = error_codes()["data.bad_int"]
    >>> entry["en"]
    '{value} is not a whole number'
    """
    import yaml

    from pbkit.i18n import catalog

    messages = catalog()
    data = yaml.safe_load(REGISTRY_PATH.read_text(encoding="utf-8")) or {}
    out: dict[str, dict[str, Any]] = {}
    for code, entry in data.items():
        if code not in messages:
            raise ValueError(f"{REGISTRY_PATH.name}: {code!r} has no message in the catalogs")
        out[code] = {"raised_as": list(entry.get("raised_as") or []), **messages[code]}
    return out


def errors_markdown() -> str:
    """``docs/errors.md``: every error code with its classes and its zh and en messages."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        "# Error codes",
        "",
        "Generated from `pbkit/errors.yaml` and the message catalogs in",
        "`pbkit/i18n/catalogs` by `python -m pbkit.errors > docs/errors.md`; do not edit by",
        "hand (`tests/foundation/test_error_codes.py` fails when it is out of date).",
        "",
        "The code is what `--json` reports print as `code` and what `PbkitError.key` holds;",
        "`{name}` marks a value filled in from what the user passed. Data errors are",
        "prefixed by where they are (file, table, row as seen in the spreadsheet, column).",
        "",
    ]
    codes = error_codes()
    for area in sorted({c.split(".")[0] for c in codes}):
        lines += [f"## {area}", "", "| code | raised as | zh | en |", "|---|---|---|---|"]
        for code in sorted(c for c in codes if c.split(".")[0] == area):
            e = codes[code]
            lines.append(f"| `{code}` | {', '.join(e['raised_as'])} | {cell(e['zh'])} | "
                         f"{cell(e['en'])} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    sys.stdout.write(errors_markdown())
