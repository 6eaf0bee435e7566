"""``pbkit plan PATH --mechanism M [--keep-existing] [--radius-km R] --out FILE``: an optimal
pairing plan with reasons.

Further options: ``--weight TERM=W`` (repeatable) replaces a cost weight of the mechanism
file; ``--locked CSV`` / ``--removed CSV`` name files with ``source_id,target_id`` columns of
pairs to force into / keep out of the plan; ``--as-of DATE`` sets the reference date.

The plan is written to ``FILE`` (``.json``, ``.csv`` or ``.xlsx``, chosen by extension)
and a short summary is printed. An unknown extension or mechanism, or a bad radius, ends
with one line and exit code 2 before the dataset is read.
"""

from __future__ import annotations

import argparse

from pbkit.i18n import t
from pbkit.scale.engine import add_engine_arguments

__all__ = ["NAME", "HELP", "add_arguments", "run", "parse_weights", "read_pairs"]

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
    parser.add_argument("--weight", action="append", default=[], metavar="TERM=W",
                        help=t("networks.cli.weight"))
    parser.add_argument("--locked", metavar="CSV", help=t("networks.cli.locked"))
    parser.add_argument("--removed", metavar="CSV", help=t("networks.cli.removed"))
    add_engine_arguments(parser)


def parse_weights(items: list[str]) -> dict[str, float]:
    """``["migrant=10", "distance=0.5"]`` -> ``{"migrant": 10.0, "distance": 0.5}``.

    >>> parse_weights(["migrant=10"])
    {'migrant': 10.0}
    """
    from pbkit.errors import UsageError

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = None
        if not sep or not key.strip() or number is None:
            raise UsageError("networks.err.bad_weight_arg", value=item)
        out[key.strip()] = number
    return out


def read_pairs(path: str) -> list[tuple[str, str]]:
    """(source_id, target_id) rows of a CSV file with those two columns (header row 1)."""
    import pandas as pd

    from pbkit.errors import DataError

    name = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except FileNotFoundError:
        raise DataError("networks.err.pairs_file_missing", file=name) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise DataError("networks.err.pairs_file_unreadable", file=name) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in ("source_id", "target_id"):
        if col not in frame.columns:
            raise DataError("data.missing_column", file=name, column=col)
    out = []
    for i, (s, tg) in enumerate(zip(frame["source_id"], frame["target_id"]), start=2):
        s, tg = s.strip(), tg.strip()
        if not s or not tg:
            raise DataError("networks.err.pairs_file_empty_cell", file=name, row=i,
                            column="source_id" if not s else "target_id")
        out.append((s, tg))
    return out


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from pbkit.commands._data import dispatch, prepare
    from pbkit.commands._output import check_output
    from pbkit.errors import UsageError
    from pbkit.networks.mechanisms import get_mechanism
    from pbkit.networks.planner import OUTPUT_SUFFIXES, plan

    out = Path(args.out)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError("networks.err.bad_output", file=str(out),
                         choices=", ".join(OUTPUT_SUFFIXES))
    check_output(out)  # an unwritable --out: one line, exit 2, before loading
    get_mechanism(args.mechanism)  # unknown mechanism: one line, exit 2, before loading
    if args.radius_km is not None and not args.radius_km > 0:
        raise UsageError("networks.err.bad_radius", value=args.radius_km)
    opts = prepare(args)  # --as-of, engine: before a long load
    lang = opts.lang
    weights = parse_weights(args.weight)
    locked = read_pairs(args.locked) if args.locked else ()
    removed = read_pairs(args.removed) if args.removed else ()
    get_mechanism(args.mechanism).with_weights(weights)  # bad weight: before loading
    options = dict(keep_existing=args.keep_existing, radius_km=args.radius_km, lang=lang,
                   as_of=opts.as_of, weights=weights or None, locked=locked, removed=removed)

    def by_township(path: str):
        from pbkit.data.io import load_dataset
        from pbkit.data.parquet import is_parquet_dataset
        from pbkit.scale.plan import plan_by_township

        # a Parquet dataset is read township by township inside the Dask tasks
        source = path if is_parquet_dataset(path) else load_dataset(path)
        opts.say("networks.cli.planning", mechanism=args.mechanism)
        return plan_by_township(source, args.mechanism, engine="dask",
                                scheduler=opts.scheduler, **options)

    result, ds = dispatch(opts, pandas=lambda ds: plan(ds, args.mechanism, **options),
                          dask=by_township, convert_note=False,
                          loading="networks.cli.loading", computing="networks.cli.planning",
                          mechanism=args.mechanism)
    result.write(out, ds)
    o = result.objective
    print(t("networks.cli.plan_summary", lang=lang, mechanism=args.mechanism,
            pairs=len(result.pairs), covered=o["covered"],
            total=o.get("needy", o.get("targets")), uncovered=o["uncovered"],
            cost=o["total_cost"], changes=o["changes"], path=str(out)))
    return 0
