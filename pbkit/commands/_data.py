"""The one way the data commands (``health``, ``metrics``, ``plan``) read their common
options and choose between pandas and Dask.

:func:`prepare` checks, before anything is loaded, what every data command shares:
``--as-of`` (one message, echoing the user's value), ``--xlsx`` (must end in ``.xlsx`` and be
writable), ``--engine``/``--scheduler``. :func:`dispatch` then runs the command's pandas
function on the loaded dataset, or its Dask function on the path, saying on stderr what it
does. A bad option ends with one line and exit code 2 before a long load.

>>> from types import SimpleNamespace
>>> opts = prepare(SimpleNamespace(path="x", as_of="2025-06-30", xlsx=None, engine="pandas",
...                                scheduler=None, lang="en"))
>>> opts.engine, opts.as_of
('pandas', Timestamp('2025-06-30 00:00:00'))
>>> parse_as_of("2025-02-30")
Traceback (most recent call last):
...
pbkit.errors.UsageError: --as-of: cannot read the date '2025-02-30' (write it like 2025-06-30)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pbkit.errors import UsageError
from pbkit.i18n import resolve_lang, t

__all__ = ["DataOptions", "prepare", "parse_as_of", "check_xlsx", "dispatch"]

R = TypeVar("R")


def parse_as_of(value: Any):
    """``--as-of`` as a normalised :class:`pandas.Timestamp` (``None`` when not given).

    Raises :class:`~pbkit.errors.UsageError` ``cli.err.bad_as_of`` echoing ``value``.

    >>> parse_as_of("2024/3/5"), parse_as_of(None)
    (Timestamp('2024-03-05 00:00:00'), None)
    """
    if value is None:
        return None
    import pandas as pd

    try:
        when = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        when = pd.NaT
    if pd.isna(when):
        raise UsageError("cli.err.bad_as_of", value=str(value))
    return when.normalize()


def check_xlsx(value: str | os.PathLike | None) -> Path | None:
    """``--xlsx``: a writable path ending in ``.xlsx`` (``None`` when not given).

    >>> check_xlsx("report.csv")
    Traceback (most recent call last):
    ...
    pbkit.errors.UsageError: --xlsx report.csv: the workbook file must end in .xlsx
    """
    if value is None:
        return None
    if not str(value).lower().endswith(".xlsx"):
        raise UsageError("cli.err.bad_xlsx", file=str(value))
    from pbkit.commands._output import check_output

    return check_output(value)


@dataclass(frozen=True)
class DataOptions:
    """The checked shared options of a data command."""

    path: str
    engine: str
    scheduler: str | None
    as_of: Any
    xlsx: Path | None
    lang: str

    def say(self, key: str, **params: Any) -> None:
        """A progress line on stderr in the user's language."""
        print(t(key, lang=self.lang, **params), file=sys.stderr, flush=True)


def prepare(args: Any) -> DataOptions:
    """Check the shared options of ``args`` (``path``, ``as_of``, ``xlsx``, ``engine``,
    ``scheduler``, ``lang``; a missing one counts as not given)."""
    from pbkit.scale.engine import engine_choice

    as_of = parse_as_of(getattr(args, "as_of", None))
    xlsx = check_xlsx(getattr(args, "xlsx", None))
    engine, scheduler = engine_choice(args)
    return DataOptions(path=str(args.path), engine=engine, scheduler=scheduler, as_of=as_of,
                       xlsx=xlsx, lang=resolve_lang(getattr(args, "lang", None)))


def dispatch(opts: DataOptions, *, pandas: Callable[[Any], R], dask: Callable[[str], R],
             loading: str, computing: str, tables: Sequence[str] | None = None,
             convert_note: bool = True, **say: Any) -> tuple[R, Any]:
    """Run the command on the chosen engine; returns ``(result, dataset or None)``.

    Parameters
    ----------
    opts : DataOptions
        From :func:`prepare`.
    pandas : callable
        ``pandas(dataset)``: the computation on a loaded :class:`~pbkit.data.Dataset`.
    dask : callable
        ``dask(path)``: the computation on Dask (it reads or converts the dataset itself).
    tables : sequence of str, optional
        Only these tables of a Parquet dataset are read by the pandas engine.
    loading, computing : str
        Message keys of the command's progress lines before loading and computing.
    convert_note : bool
        Say that a non-Parquet dataset is converted first (the Dask function does it).
    **say
        Parameters of those messages besides ``path``.
    """
    if opts.engine == "dask":
        from pbkit.data.parquet import is_parquet_dataset

        if convert_note and os.path.exists(opts.path) and not is_parquet_dataset(opts.path):
            opts.say("scale.cli.converting", path=opts.path)
        opts.say("scale.cli.dask_start", where=opts.scheduler or "127.0.0.1")
        return dask(opts.path), None
    from pbkit.data.io import load_dataset
    from pbkit.data.parquet import is_parquet_dataset, read_parquet
    from pbkit.data.readers import check_readable

    check_readable(opts.path)
    opts.say(loading, path=opts.path, **say)
    ds = (read_parquet(opts.path, tables=list(tables))
          if tables is not None and is_parquet_dataset(opts.path) else load_dataset(opts.path))
    opts.say(computing, path=opts.path, **say)
    return pandas(ds), ds
