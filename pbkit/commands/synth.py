"""``pbkit synth --scale township|county|province [--seed N] OUT``: a synthetic dataset.

Writes one CSV per table into ``OUT`` (created if needed). Files are written to a
temporary folder next to ``OUT`` first and moved in only when all of them are complete,
so an interrupted run never leaves a half-written table. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys

from pbkit.i18n import t

__all__ = ["NAME", "HELP", "add_arguments", "run", "write_dataset"]

NAME = "synth"
HELP = "synth.cmd.help"
SCALES = ("township", "county", "province")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", choices=SCALES, default="township",
                        help=t("synth.cmd.scale"))
    parser.add_argument("--seed", type=int, default=0, help=t("synth.cmd.seed"))
    parser.add_argument("out", metavar="OUT", help=t("synth.cmd.out"))


def write_dataset(dataset, out, *, progress=None):
    """Write ``dataset`` as one CSV per table into ``out`` atomically (temp dir + rename).

    Only the six table files are replaced; other files already in ``out`` are kept.
    Returns the list of paths written.

    >>> import tempfile, pathlib
    >>> from pbkit.data.synth import synthesize
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> [p.name for p in write_dataset(synthesize("township", seed=1), d)][:2]
    ['orgs.csv', 'people.csv']
    """
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from pbkit.data.schema import TABLE_ORDER
    from pbkit.errors import UsageError

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError("synth.out_not_dir", path=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        if progress:
            progress(t("synth.progress.writing", path=str(out)))
        dataset.write_csv(tmp)
        out.mkdir(exist_ok=True)
        written = []
        for name in TABLE_ORDER:
            target = out / f"{name}.csv"
            os.replace(tmp / f"{name}.csv", target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from pbkit.data.synth import synthesize
    from pbkit.errors import UsageError

    if Path(args.out).exists() and not Path(args.out).is_dir():   # fail before working
        raise UsageError("synth.out_not_dir", path=str(args.out))
    started = time.monotonic()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def county_done(done: int, total: int) -> None:
        if total > 1:
            say(t("synth.progress.county", done=done, total=total))

    say(t("synth.progress.start", scale=args.scale, seed=args.seed))
    ds = synthesize(args.scale, seed=args.seed, progress=county_done)
    write_dataset(ds, args.out, progress=say)
    counts = {name: len(frame) for name, frame in ds.tables().items()}
    print(t("synth.done", path=args.out, seconds=f"{time.monotonic() - started:.1f}",
            **counts))
    return 0
