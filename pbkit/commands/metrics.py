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
from pbkit.scale.engine import add_engine_arguments

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


def run(args: argparse.Namespace) -> int:
    import json

    from pbkit.commands._data import dispatch, prepare
    from pbkit.networks.metrics import metrics_report
    from pbkit.scale.metrics import METRIC_TABLES

    opts = prepare(args)  # --as-of, --xlsx, engine: before a long load
    lang = opts.lang

    def scaled(path: str):
        from pbkit.scale.metrics import metrics_report as scaled_report

        return scaled_report(path, engine="dask", scheduler=opts.scheduler, as_of=opts.as_of,
                             seed=args.seed)

    report, _ = dispatch(opts, pandas=lambda ds: metrics_report(ds, as_of=opts.as_of,
                                                                seed=args.seed),
                         dask=scaled, tables=METRIC_TABLES, loading="networks.cli.loading",
                         computing="networks.cli.computing")
    if opts.xlsx:
        report.to_xlsx(str(opts.xlsx))
        opts.say("networks.cli.written", path=args.xlsx)
    if args.json:
        from pbkit.i18n import printable_json

        sys.stdout.write(printable_json(json.dumps(report.to_dict(), ensure_ascii=False,
                                                   indent=2)) + "\n")
    else:
        print(summary_text(report, lang))
    return 0
