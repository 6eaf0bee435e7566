"""``pbkit health PATH [--json] [--xlsx OUT] [--lang zh|en] [--rules FILE] [--scorecard FILE]
[--year Y] [--as-of DATE] [--charts DIR] [--engine pandas|dask [--scheduler ADDRESS]]``: the
branch-health report of a dataset.

``--engine dask`` computes the report with Dask (:mod:`pbkit.scale.health`) from a Parquet
dataset (``pbkit convert PATH OUT --format parquet``); any other dataset is converted to a
temporary Parquet folder first. A local cluster on 127.0.0.1 is started unless
``--scheduler`` gives the address of a running one. Both engines give the same report.

Without ``--json`` a short summary is printed (weakest branches, flags, fairness). With
``--json`` the whole report goes to stdout as JSON (every view; ``scorecard`` is a list
with one object per branch). ``--xlsx OUT`` also writes the workbook (cover sheet and one
sheet per view); ``--charts DIR`` saves the membership and compliance charts as PNG.
Progress messages go to stderr. Bad input (unreadable dataset, malformed
rule or scorecard file, a year without data) ends with one line and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from pbkit.i18n import resolve_lang, t
from pbkit.scale.engine import add_engine_arguments

__all__ = ["NAME", "HELP", "add_arguments", "run", "summary_text"]

NAME = "health"
HELP = "health.cli.help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help=t("health.cli.path"))
    parser.add_argument("--json", action="store_true", help=t("health.cli.json"))
    parser.add_argument("--xlsx", metavar="OUT", help=t("health.cli.xlsx"))
    parser.add_argument("--rules", metavar="FILE", help=t("health.cli.rules"))
    parser.add_argument("--scorecard", metavar="FILE", help=t("health.cli.scorecard"))
    parser.add_argument("--year", type=int, metavar="Y", help=t("health.cli.year"))
    parser.add_argument("--as-of", dest="as_of", metavar="DATE", help=t("health.cli.as_of"))
    parser.add_argument("--charts", metavar="DIR", help=t("health.cli.charts"))
    add_engine_arguments(parser)


def summary_text(report, lang: str | None = None, top: int = 10) -> str:
    """The plain-text summary printed without ``--json``."""
    meta = report.meta
    lines = [t("health.cli.summary.head", lang=lang, dataset=meta.get("dataset") or "-",
               year=meta["year"], as_of=meta["as_of"]),
             t("health.cli.summary.counts", lang=lang, branches=meta["branches"],
               villages=meta["villages"], mean=meta["mean_score"] if meta["mean_score"]
               is not None else "-", weak=meta["weak_branches"])]
    weak = report.views["weak_branches"]
    weak = weak[weak["weak"]].head(top)
    if len(weak):
        lines.append(t("health.cli.summary.weak_head", lang=lang, n=len(weak)))
        for rec in weak.to_dict("records"):
            sep = "、" if resolve_lang(lang) == "zh" else ", "
            flags = sep.join(t(f"health.code.{f}", lang=lang) for f in rec["flags"].split(";")
                             if f) if rec["flags"] else "-"
            score = rec.get("score_total")
            name = getattr(report, "org_names", {}).get(rec["org_id"], rec["org_id"])
            lines.append(t("health.cli.summary.weak_row", lang=lang, org_id=name,
                           score="-" if score is None or score != score else f"{score:.1f}",
                           flags=flags))
    perf = report.views["perfunctory"]
    lines.append(t("health.cli.summary.perfunctory", lang=lang, n=len(perf),
                   branches=perf["org_id"].nunique() if len(perf) else 0))
    fair = report.views["fairness_summary"]
    row = fair[(fair["scope"] == "ALL") & (fair["metric"] == "visits_per_household")]
    if len(row) and row["gini"].notna().iloc[0]:
        lines.append(t("health.cli.summary.fairness", lang=lang,
                       gini=f"{row['gini'].iloc[0]:.3f}", theil=f"{row['theil'].iloc[0]:.3f}",
                       neglected=len(report.views["neglected"])))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pbkit.commands._data import dispatch, prepare
    from pbkit.commands._output import check_output
    from pbkit.health.report import health_report
    from pbkit.health.rules import load_rules
    from pbkit.health.scorecard import load_scorecard

    opts = prepare(args)  # --as-of, --xlsx, engine: before a long load
    lang = opts.lang
    if args.charts:
        check_output(args.charts, folder=True)
    # configuration first: a bad rule file is reported before a long load
    rules = load_rules(args.rules) if args.rules else None
    card = load_scorecard(args.scorecard) if args.scorecard else None
    options = dict(rules=rules, scorecard=card, year=args.year, as_of=opts.as_of, lang=lang)

    def scaled(path: str):
        from pbkit.scale.health import health_report as scaled_report

        return scaled_report(path, engine="dask", scheduler=opts.scheduler, **options)

    report, _ = dispatch(opts, pandas=lambda ds: health_report(ds, **options), dask=scaled,
                         loading="health.cli.progress.loading",
                         computing="health.cli.progress.computing")
    if args.rules or args.scorecard:
        meta = dict(report.meta)
        meta["rules"] = args.rules or meta["rules"]
        meta["scorecard"] = args.scorecard or meta["scorecard"]
        report = type(report)(views=report.views, scores=report.scores, meta=meta,
                              org_names=report.org_names)
    if opts.xlsx:
        out = report.to_xlsx(opts.xlsx, lang=lang)
        opts.say("health.cli.progress.xlsx", path=str(out))
    if args.charts:
        from pbkit.health.charts import report_charts, save_charts

        paths = save_charts(report_charts(report.views, lang=lang, names=report.org_names),
                            Path(args.charts))
        opts.say("health.cli.progress.charts", n=len(paths), path=args.charts)
    if args.json:
        from pbkit.i18n import printable_json

        sys.stdout.write(printable_json(report.to_json()))
        sys.stdout.write("\n")
    else:
        print(summary_text(report, lang=lang))
    return 0
