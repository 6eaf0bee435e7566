"""``pbkit validate PATH [--json] [--xlsx OUT] [--lang zh|en] [--encoding ENC]``.

Prints the validation and privacy report of a dataset (folder of CSV files, .zip of CSV
files or .xlsx workbook): one line per problem with file, table, row (as the user sees it
in that file), column and message, then a summary. ``--json`` prints a list of objects with
``severity``, ``code``, ``file``, ``table``, ``row``, ``column``, ``value`` (the cell as
written, masked when it is a personal identifier) and ``message``.

``--xlsx OUT`` also writes the report as a workbook (one row per problem, with the value
as written, for the data's owner to fix the spreadsheet).

Exit code 0 when the data is clean or has warnings only, 2 when it has errors (or the path
is missing or unreadable: one line on stderr).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "validate"
HELP = "data.cmd.validate.help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``pbkit validate``."""
    from pbkit.i18n import t

    parser.add_argument("path", metavar="PATH", help=t("data.cmd.validate.path"))
    parser.add_argument("--json", action="store_true", help=t("data.cmd.validate.json"))
    parser.add_argument("--xlsx", metavar="OUT", default=None,
                        help=t("data.cmd.validate.xlsx"))
    parser.add_argument("--encoding", metavar="ENC", default=None,
                        help=t("data.cmd.validate.encoding"))


def run(args: argparse.Namespace) -> int:
    """Validate ``args.path`` and print the report; 0 clean/warnings, 2 errors."""
    from pbkit.data.validation import validate
    from pbkit.i18n import printable_json, resolve_lang, t

    lang = resolve_lang(getattr(args, "lang", None))
    xlsx = getattr(args, "xlsx", None)
    if xlsx:
        from pbkit.commands._output import check_output

        check_output(xlsx)  # before reading the data
    report = validate(args.path, encoding=args.encoding)
    if xlsx:
        from pbkit.export import write_xlsx

        write_xlsx({t("report.sheet", lang=lang): report.display_frame(lang)}, xlsx)
    if args.json:
        sys.stdout.write(printable_json(report.to_json(lang)) + "\n")
    elif len(report) == 0:
        print(t("data.cmd.validate.clean", lang=lang, path=args.path))
    else:
        print(report.render(lang))
        if any(i.key.startswith("data.identifier") for i in report.errors):
            # the report's messages suit a spreadsheet user; the command line also has this
            print(t("data.cmd.validate.anonymize_hint", lang=lang), file=sys.stderr)
    return 2 if report.has_errors else 0
