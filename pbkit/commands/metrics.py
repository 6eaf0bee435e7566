"""``pbkit metrics PATH [--json] [--xlsx OUT] [--as-of DATE] [--seed N] [--engine pandas|dask
[--scheduler ADDRESS]]``: pairing-network metrics of a dataset.

``--engine dask`` computes the aggregations on Dask (:mod:`pbkit.scale.metrics`) from a
Parquet dataset (other datasets are converted to a temporary Parquet folder first); a
local cluster on 127.0.0.1 unless ``--scheduler`` names a running one. Same report as pandas.

Without ``--json`` a short summary is printed (coverage, uncovered households, helper load,
robustness if migrant members are away, reach, structure). With ``--json`` the whole report
goes to stdout as JSON (``{"summary": {...}, "views": {name: [rows]}}``). ``--xlsx OUT``
also writes the workbook (summary sheet and one sheet per view). Bad input ends with one
line and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from pbkit.i18n import t
from pbkit.scale.engine import add_engine_arguments, engine_choice

__all__ = ["NAME", "HELP", "add_arguments", "run", "summary_text"]

NAME = "metrics"
HELP = "networks.cli.metrics.help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help=t("networks.cli.path"))
    parser.add_argument("--json", action="store_true", help=t("networks.cli.json"))
    parser.add_argument("--xlsx", metavar="OUT", help=t("networks.cli.xlsx"))
    parser.add_argument("--as-of", metavar="DATE", help=t("networks.cli.as_of"))
    parser.add_argument("--seed", type=int, default=0, help=t("networks.cli.seed"))
    add_engine_arguments(parser)


def _pct(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def summary_text(report, lang: str | None = None) -> str:
    """The plain-text summary printed without ``--json``."""
    s = report.summary
    lines = [
        t("networks.cli.summary.coverage", lang=lang, covered=s["covered"], needy=s["needy"],
          rate=_pct(s["coverage_rate"]), uncovered=s["uncovered"]),
        t("networks.cli.summary.load", lang=lang, helpers=s["helpers"],
          overloaded=s["overloaded_helpers"],
          gini="-" if s["load_gini"] is None else f"{s['load_gini']:.3f}"),
        t("networks.cli.summary.robustness", lang=lang,
          broken=s["migrant_broken_pairs"] if s["migrant_broken_pairs"] is not None else "-",
          left=s["households_left_uncovered"]),
        t("networks.cli.summary.reach", lang=lang, secretaries=_pct(s["secretaries_reached"]),
          officials=_pct(s["student_officials_reached"]), villages=_pct(s["villages_reached"]),
          teams=_pct(s["villages_team_complete"])),
        t("networks.cli.summary.structure", lang=lang, components=s["components"],
          largest=s["largest_component"], communities=s["communities"]),
    ]
    worst = report.views["coverage_by_village"].head(5)
    if len(worst):
        lines.append(t("networks.cli.summary.worst", lang=lang))
        for rec in worst.to_dict("records"):
            lines.append(t("networks.cli.summary.worst_row", lang=lang, village=rec["village"],
                           covered=rec["covered"], needy=rec["needy"],
                           rate=_pct(rec["coverage"])))
    return "\n".join(lines)


def _as_of(value):
    if value is None:
        return None
    import pandas as pd

    from pbkit.errors import UsageError

    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise UsageError("networks.err.bad_date", value=value) from None


def run(args: argparse.Namespace) -> int:
    import json
    import os

    from pbkit.data.io import load_dataset
    from pbkit.i18n import resolve_lang
    from pbkit.networks.metrics import metrics_report

    lang = resolve_lang(getattr(args, "lang", None))
    as_of = _as_of(args.as_of)
    if args.xlsx and not str(args.xlsx).lower().endswith(".xlsx"):
        from pbkit.errors import UsageError

        raise UsageError("networks.err.bad_output", file=args.xlsx, choices=".xlsx")
    if args.xlsx:
        from pbkit.commands._output import check_output

        check_output(args.xlsx)  # before a long load
    engine, scheduler = engine_choice(args)
    if engine == "dask":
        from pbkit.data.parquet import is_parquet_dataset
        from pbkit.scale.metrics import metrics_report as scaled_report

        if os.path.exists(args.path) and not is_parquet_dataset(args.path):
            print(t("scale.cli.converting", lang=lang, path=args.path), file=sys.stderr,
                  flush=True)
        print(t("scale.cli.dask_start", lang=lang, where=scheduler or "127.0.0.1"),
              file=sys.stderr, flush=True)
        report = scaled_report(args.path, engine="dask", scheduler=scheduler, as_of=as_of,
                               seed=args.seed)
    else:
        from pbkit.data.parquet import is_parquet_dataset, read_parquet
        from pbkit.data.readers import check_readable
        from pbkit.scale.metrics import METRIC_TABLES

        check_readable(args.path)
        print(t("networks.cli.loading", lang=lang, path=args.path), file=sys.stderr,
              flush=True)
        ds = (read_parquet(args.path, tables=METRIC_TABLES) if is_parquet_dataset(args.path)
              else load_dataset(args.path))
        print(t("networks.cli.computing", lang=lang), file=sys.stderr, flush=True)
        report = metrics_report(ds, as_of=as_of, seed=args.seed)
    if args.xlsx:
        report.to_xlsx(args.xlsx)
        print(t("networks.cli.written", lang=lang, path=args.xlsx), file=sys.stderr, flush=True)
    if args.json:
        from pbkit.i18n import printable_json

        sys.stdout.write(printable_json(json.dumps(report.to_dict(), ensure_ascii=False,
                                                   indent=2)) + "\n")
    else:
        print(summary_text(report, lang))
    return 0
