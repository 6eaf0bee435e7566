"""``pbkit plan PATH --mechanism M [--keep-existing] [--radius-km R] --out FILE``: an optimal
pairing plan with reasons.

The plan is written to ``FILE`` (``.json``, ``.csv`` or ``.xlsx``, chosen by extension)
and a short summary is printed. An unknown extension or mechanism, or a bad radius, ends
with one line and exit code 2 before the dataset is read.
"""

from __future__ import annotations

import argparse
import sys

from pbkit.i18n import t

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "plan"
HELP = "networks.cli.plan.help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help=t("networks.cli.path"))
    parser.add_argument("--mechanism", "-m", required=True, metavar="M",
                        help=t("networks.cli.mechanism"))
    parser.add_argument("--keep-existing", action="store_true",
                        help=t("networks.cli.keep_existing"))
    parser.add_argument("--radius-km", type=float, metavar="R", help=t("networks.cli.radius"))
    parser.add_argument("--out", required=True, metavar="FILE", help=t("networks.cli.out"))
    parser.add_argument("--as-of", metavar="DATE", help=t("networks.cli.as_of"))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pbkit.commands.metrics import _as_of
    from pbkit.data.io import load_dataset
    from pbkit.errors import UsageError
    from pbkit.i18n import resolve_lang
    from pbkit.networks.mechanisms import get_mechanism
    from pbkit.networks.planner import OUTPUT_SUFFIXES, plan

    lang = resolve_lang(getattr(args, "lang", None))
    out = Path(args.out)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError("networks.err.bad_output", file=str(out),
                         choices=", ".join(OUTPUT_SUFFIXES))
    get_mechanism(args.mechanism)  # unknown mechanism: one line, exit 2, before loading
    if args.radius_km is not None and not args.radius_km > 0:
        raise UsageError("networks.err.bad_radius", value=args.radius_km)
    as_of = _as_of(args.as_of)
    print(t("networks.cli.loading", lang=lang, path=args.path), file=sys.stderr, flush=True)
    ds = load_dataset(args.path)
    print(t("networks.cli.planning", lang=lang, mechanism=args.mechanism), file=sys.stderr,
          flush=True)
    result = plan(ds, args.mechanism, keep_existing=args.keep_existing,
                  radius_km=args.radius_km, lang=lang, as_of=as_of)
    result.write(out)
    o = result.objective
    print(t("networks.cli.plan_summary", lang=lang, mechanism=args.mechanism,
            pairs=len(result.pairs), covered=o["covered"],
            total=o.get("needy", o.get("targets")), uncovered=o["uncovered"],
            cost=o["total_cost"], changes=o["changes"], path=str(out)))
    return 0
