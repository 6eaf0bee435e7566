"""``pbkit bench``: run the benchmarks in ``benchmarks/`` and print a table of ratios."""

from __future__ import annotations

import argparse
import sys

from pbkit.i18n import t

NAME = "bench"
HELP = "cmd.bench.help"
SCALES = ("township", "county", "province")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", action="append", choices=SCALES, default=None,
                        help=t("cmd.bench.scale"))
    parser.add_argument("--only", default=None, metavar="NAME", help=t("cmd.bench.only"))
    parser.add_argument("--json", default=None, metavar="FILE", help=t("cmd.bench.json"))
    parser.add_argument("--list", action="store_true", help=t("cmd.bench.list"))


def run(args: argparse.Namespace) -> int:
    from pbkit.data.sample import repo_root

    root = repo_root()
    if not (root / "benchmarks" / "harness.py").exists():
        from pbkit.errors import UsageError

        raise UsageError("cmd.bench.missing", path=str(root / "benchmarks"))
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks import harness

    if args.list:
        for module, bench in harness.discover(args.only):
            print(f"{bench.name}\t{','.join(bench.scales)}\t{module}\t{bench.target}")
        return 0
    scales = tuple(args.scale) if args.scale else ("township", "county")
    results = harness.run_all(scales=scales, only=args.only,
                              progress=lambda s: print(t("cmd.bench.running", name=s),
                                                       file=sys.stderr, flush=True))
    print(harness.format_table(results))
    out = args.json or str(root / "benchmarks" / "results" / "latest.json")
    harness.write_json(results, out)
    md = out[:-5] + ".md" if out.endswith(".json") else out + ".md"
    with open(md, "w", encoding="utf-8") as fh:
        fh.write(harness.to_markdown(results) + "\n")
    print(t("cmd.bench.written", path=f"{out}, {md}"), file=sys.stderr)
    return 0
