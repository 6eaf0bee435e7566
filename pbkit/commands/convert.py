"""``pbkit convert PATH OUT --format parquet``: store a dataset as partitioned Parquet."""

from __future__ import annotations

import argparse

from pbkit.i18n import t

NAME = "convert"
HELP = "cmd.convert.help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="PATH", help=t("cmd.convert.path"))
    parser.add_argument("out", metavar="OUT", help=t("cmd.convert.out"))
    parser.add_argument("--format", choices=("parquet",), default="parquet",
                        help=t("cmd.convert.format"))
    parser.add_argument("--partition-rows", type=int, default=500_000, metavar="N",
                        help=t("cmd.convert.partition_rows"))


def run(args: argparse.Namespace) -> int:
    from pbkit.data.io import load_dataset
    from pbkit.data.parquet import write_parquet
    from pbkit.errors import UsageError

    if args.partition_rows < 1:
        raise UsageError("cmd.convert.bad_rows", value=args.partition_rows)
    from pbkit.commands._output import check_output

    check_output(args.out, folder=True)
    ds = load_dataset(args.path)
    out = write_parquet(ds, args.out, partition_rows=args.partition_rows)
    rows = sum(len(f) for f in ds.tables().values())
    print(t("cmd.convert.done", path=str(out), rows=rows))
    return 0
