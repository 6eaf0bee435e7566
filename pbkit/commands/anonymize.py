"""``pbkit anonymize RAW OUT --salt-file F [--k 5]``: raw export -> anonymised dataset.

Prints the privacy report (text, or JSON with ``--json``). Exit 0 when written; exit 2
with one line for a missing or empty salt file, a salt file inside RAW, an OUT that
exists and is not empty, or bad raw input (file, table, row and column named).
"""

from __future__ import annotations

import argparse

from pbkit.i18n import t

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "anonymize"
HELP = "privacy.cmd.help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("raw", metavar="RAW", help=t("privacy.cmd.raw"))
    parser.add_argument("out", metavar="OUT", help=t("privacy.cmd.out"))
    parser.add_argument("--salt-file", required=True, metavar="F",
                        help=t("privacy.cmd.salt_file"))
    parser.add_argument("--k", type=int, default=5, help=t("privacy.cmd.k"))
    parser.add_argument("--ref-date", default=None, metavar="YYYY-MM-DD",
                        help=t("privacy.cmd.ref_date"))
    parser.add_argument("--offices", choices=("public", "protect"), default="public",
                        help=t("privacy.cmd.offices"))
    parser.add_argument("--json", action="store_true", help=t("privacy.cmd.json"))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import pandas as pd

    from pbkit.data.anonymize import anonymize, read_salt
    from pbkit.errors import UsageError

    lang = getattr(args, "lang", None)
    salt_path = Path(args.salt_file)
    raw = Path(args.raw)
    salt = read_salt(salt_path)
    if raw.is_dir() and raw.resolve() in salt_path.resolve().parents:
        raise UsageError("privacy.salt_inside", path=str(salt_path))
    if args.k < 1:
        raise UsageError("privacy.bad_k", k=args.k)
    from pbkit.commands._output import check_output

    check_output(args.out, folder=True)  # before the raw export is read
    ref_date = None
    if args.ref_date:
        try:
            ref_date = pd.Timestamp(args.ref_date).date()
        except (ValueError, TypeError):
            raise UsageError("privacy.bad_ref_date", value=args.ref_date) from None
    report = anonymize(raw, args.out, salt, k=args.k, ref_date=ref_date, offices=args.offices)
    if args.json:
        from pbkit.i18n import printable_json

        print(printable_json(report.to_json()))
    else:
        print(report.render(lang))
    return 0
