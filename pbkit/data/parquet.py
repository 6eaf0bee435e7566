"""Partitioned Parquet storage for large datasets, read with pandas or Dask.

A pbkit Parquet dataset is a folder with one sub-folder per table, partitioned by township
(``<table>/<township_id>/part-NNNNN.parquet``, at most ``partition_rows`` rows a file; rows
above any township go to ``<table>/_county/``), plus ``_pbkit.json`` (format version, row
counts, townships). A township's rows are read without touching the others' files, which is
what lets a province be planned as independent township tasks on Dask. Multi-value cells are stored joined with ``;`` exactly as in
CSV, so every engine reads the same text; :func:`read_parquet` splits them back into tuples.

Only validated data is converted: :func:`pbkit.data.io.load_dataset` reads the source (with
its validation report and identifier refusal), then :func:`write_parquet` writes atomically
(a temporary folder renamed into place, so a failure leaves nothing half-written).

>>> import tempfile, os
>>> from pbkit.data.synth import synthesize
>>> ds = synthesize("township", seed=1)
>>> out = write_parquet(ds, os.path.join(tempfile.mkdtemp(), "pq"))
>>> back = read_parquet(out)   # rows come back grouped by township
>>> roles = dict(zip(ds.people["person_id"], ds.people["roles"]))
>>> len(back.people) == len(ds.people), all(roles[p] == r for p, r in
...                                         zip(back.people["person_id"], back.people["roles"]))
(True, True)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pbkit.data.dataset import Dataset, cast_table, join_multi
from pbkit.data.partition import split_by_township
from pbkit.data.schema import TABLE_ORDER, TABLES

__all__ = ["write_parquet", "read_parquet", "read_dask", "is_parquet_dataset", "DaskTables",
           "townships",
           "FORMAT_VERSION", "MANIFEST"]

FORMAT_VERSION = 2
MANIFEST = "_pbkit.json"
OUTSIDE = "_county"  # folder of rows that belong to no township


def is_parquet_dataset(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder written by :func:`write_parquet`."""
    return (Path(path) / MANIFEST).is_file()


def _to_storage(name: str, frame):
    out = frame.copy()
    for col in TABLES[name].columns:
        if col.kind in ("multi", "tags"):
            out[col.name] = out[col.name].map(join_multi).astype("str")
    return out


def write_parquet(ds: Dataset, out: str | os.PathLike, *,
                  partition_rows: int = 500_000) -> Path:
    """Write ``ds`` as partitioned Parquet into the new folder ``out``.

    Parameters
    ----------
    ds : Dataset
        A loaded (validated) dataset.
    out : path
        Target folder; must not exist or be empty.
    partition_rows : int
        Most rows per Parquet file (one Dask partition each).
    """
    from pbkit.errors import UsageError

    target = Path(out)
    if target.exists() and any(target.iterdir()):
        raise UsageError("data.parquet.out_exists", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        counts = dict.fromkeys(TABLE_ORDER, 0)
        parts = split_by_township(ds)
        for township, part in sorted(parts.items()):
            folder_name = township or OUTSIDE
            for name in TABLE_ORDER:
                frame = _to_storage(name, part.table(name))
                if not len(frame):
                    continue
                folder = tmp / name / folder_name
                folder.mkdir(parents=True)
                counts[name] += len(frame)
                for i, start in enumerate(range(0, len(frame), partition_rows)):
                    frame.iloc[start:start + partition_rows].to_parquet(
                        folder / f"part-{i:05d}.parquet", index=False)
        manifest = {"format": "pbkit-parquet", "version": FORMAT_VERSION, "name": ds.name,
                    "rows": counts, "townships": sorted(k for k in parts if k)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                    encoding="utf-8")
        if target.exists():
            target.rmdir()
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _manifest(path: Path) -> dict[str, Any]:
    from pbkit.errors import DataError

    try:
        meta = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DataError("data.parquet.bad_manifest", file=str(path / MANIFEST)) from None
    if meta.get("format") != "pbkit-parquet" or meta.get("version") != FORMAT_VERSION:
        raise DataError("data.parquet.bad_manifest", file=str(path / MANIFEST))
    return meta


def townships(path: str | os.PathLike) -> list[str]:
    """The township ids stored in a Parquet dataset."""
    return list(_manifest(Path(path)).get("townships", []))


def _files(root: Path, name: str, only: list[str] | None) -> list[Path]:
    folders = sorted(p for p in (root / name).glob("*") if p.is_dir())
    if only is not None:
        wanted = {t or OUTSIDE for t in only}
        folders = [f for f in folders if f.name in wanted]
    return [f for folder in folders for f in sorted(folder.glob("part-*.parquet"))]


def read_parquet(path: str | os.PathLike, townships: list[str] | None = None,
                 tables: Iterable[str] | None = None) -> Dataset:
    """Read a folder written by :func:`write_parquet` into a pandas :class:`Dataset`.

    ``townships`` limits the read to those townships' files (``""``: rows above townships).
    Rows come back grouped by township, in township order. ``tables`` limits the read to
    those tables (the others come back empty).
    """
    import pandas as pd

    root = Path(path)
    meta = _manifest(root)
    frames = {}
    wanted = set(TABLE_ORDER if tables is None else tables)
    for name in TABLE_ORDER:
        files = _files(root, name, townships) if name in wanted else []
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files \
            else pd.DataFrame(columns=list(TABLES[name].names))
        frames[name] = frame
    return Dataset.from_frames(name=meta.get("name") or root.name, **frames)


@dataclass(frozen=True)
class DaskTables:
    """The six tables as Dask DataFrames (multi-value cells stay ``;``-joined text)."""

    orgs: Any
    people: Any
    households: Any
    pairings: Any
    activities: Any
    visits: Any
    name: str = ""

    def table(self, name: str):
        return getattr(self, name)

    def small(self, name: str):
        """A small table computed to a typed pandas frame (orgs, people, households...)."""
        frame = self.table(name).compute()
        # Dask reads text as Arrow strings: mapping those to tuples would give lists
        multi = [c.name for c in TABLES[name].columns
                 if c.kind in ("multi", "tags") and c.name in frame.columns]
        return cast_table(name, frame.astype({c: object for c in multi}))


def read_dask(path: str | os.PathLike) -> DaskTables:
    """Open a Parquet dataset lazily as Dask DataFrames, one partition per file."""
    import dask.dataframe as dd
    import pandas as pd

    root = Path(path)
    meta = _manifest(root)
    tables = {}
    for name in TABLE_ORDER:
        files = [str(f) for f in _files(root, name, None)]
        empty = _to_storage(name, cast_table(name, pd.DataFrame()))
        tables[name] = dd.read_parquet(files) if files else dd.from_pandas(empty, npartitions=1)
    return DaskTables(**tables, name=meta.get("name") or root.name)
