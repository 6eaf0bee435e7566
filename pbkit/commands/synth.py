"""``pbkit synth --scale township|county|province [--seed N] OUT``: a synthetic dataset.

Writes one CSV per table into ``OUT`` (created if needed). Files are written to a
temporary folder next to ``OUT`` first and moved in only when all of them are complete,
so an interrupted run never leaves a half-written table. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import sys

from pbkit.i18n import t

__all__ = ["NAME", "HELP", "add_arguments", "run", "write_dataset", "write_chunks"]

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
    return write_chunks([dict(dataset.tables())], out, progress=progress)


def write_chunks(chunks, out, *, progress=None):
    """Write chunks (dicts table -> typed frame, e.g. from
    :func:`pbkit.data.synth.iter_synthesize`) one after the other into ``out``.

    The bytes are those :meth:`Dataset.write_csv` writes for all chunks together; only
    one chunk is in memory at a time. Files go to a temporary folder first and are moved
    into ``out`` when all are complete.
    """
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from pbkit.data.dataset import Dataset
    from pbkit.data.schema import TABLE_ORDER
    from pbkit.errors import UsageError

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError("synth.out_not_dir", path=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        part = tmp / "part"
        handles = {name: open(tmp / f"{name}.csv", "wb") for name in TABLE_ORDER}
        try:
            for index, chunk in enumerate(chunks):
                Dataset(**chunk).write_csv(part)
                for name in TABLE_ORDER:
                    with open(part / f"{name}.csv", "rb") as src:
                        if index:
                            src.readline()          # header only once
                        shutil.copyfileobj(src, handles[name])
                if progress:
                    progress(t("synth.progress.writing", path=str(out)))
        finally:
            for handle in handles.values():
                handle.close()
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

    from pbkit.data.synth import iter_synthesize
    from pbkit.errors import UsageError

    if Path(args.out).exists() and not Path(args.out).is_dir():   # fail before working
        raise UsageError("synth.out_not_dir", path=str(args.out))
    started = time.monotonic()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def county_done(done: int, total: int) -> None:
        if total > 1:
            say(t("synth.progress.county", done=done, total=total))
        else:
            say(t("synth.progress.writing", path=str(args.out)))

    say(t("synth.progress.start", scale=args.scale, seed=args.seed))
    counts = dict.fromkeys(("orgs", "people", "households", "pairings", "activities",
                            "visits"), 0)

    def chunks():
        for chunk in iter_synthesize(args.scale, seed=args.seed, progress=county_done):
            for name, frame in chunk.items():
                counts[name] += len(frame)
            yield chunk

    write_chunks(chunks(), args.out)
    print(t("synth.done", path=args.out, seconds=f"{time.monotonic() - started:.1f}",
            **counts))
    return 0
