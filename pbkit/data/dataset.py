"""The :class:`Dataset`: the six typed tables every analysis reads.

>>> import pandas as pd
>>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["T1", "V1"],
...     "parent_id": [None, "T1"], "level": ["township", "village"]}))
>>> ds.orgs.dtypes["org_id"], len(ds.people)
(<StringDtype(na_value=nan)>, 0)
>>> ds.villages()["org_id"].tolist()
['V1']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from pbkit.data.schema import MULTI_SEPARATORS, PANDAS_DTYPES, TABLE_ORDER, TABLES

if TYPE_CHECKING:
    from pbkit.data.report import ValidationReport

__all__ = ["Dataset", "empty_table", "cast_table", "split_multi", "join_multi"]


def split_multi(value: Any) -> tuple[str, ...]:
    """Split a multi-value cell into a tuple of stripped, non-empty parts.

    >>> split_multi("secretary; member")
    ('secretary', 'member')
    >>> split_multi(("a", "b")), split_multi(None), split_multi("")
    (('a', 'b'), (), ())
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ()
    if isinstance(value, (tuple, list, set, frozenset)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    text = str(value)
    for sep in MULTI_SEPARATORS[1:]:
        text = text.replace(sep, MULTI_SEPARATORS[0])
    return tuple(p.strip() for p in text.split(MULTI_SEPARATORS[0]) if p.strip())


def join_multi(value: Any) -> str:
    """Inverse of :func:`split_multi` for writing CSV: ``('a', 'b') -> 'a;b'``."""
    return ";".join(split_multi(value))


def empty_table(name: str) -> pd.DataFrame:
    """A typed, empty DataFrame with every column of table ``name``."""
    table = TABLES[name]
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in table.dtypes().items()})


def cast_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Cast an already clean frame to the schema dtypes, adding absent optional columns.

    This is for frames built in code (tests, the synthetic generator). Data from files goes
    through :func:`pbkit.data.io.load_dataset`, which validates before casting.
    """
    table = TABLES[name]
    out = {}
    n = len(frame)
    for col in table.columns:
        dtype = PANDAS_DTYPES[col.kind]
        if col.name in frame.columns:
            series = frame[col.name].reset_index(drop=True)
        else:
            series = pd.Series([None] * n, dtype="object")
        if col.kind in ("multi", "tags"):
            series = series.map(split_multi).astype("object")
        elif dtype == "datetime64[ns]":
            series = pd.to_datetime(series).astype("datetime64[ns]")
        elif dtype == "str":
            series = series.astype("object").astype("str")  # missing stays missing (NaN)
        else:
            series = series.astype(dtype)
        out[col.name] = series
    return pd.DataFrame(out, columns=list(table.names))


@dataclass(frozen=True, eq=False)
class Dataset:
    """Six typed tables of one dataset, plus where it came from and its report.

    Equality follows pandas: ``==`` is identity (so a dataset can key a cache by identity
    and comparing never raises), and :meth:`equals` compares the contents. A dataclass
    ``==`` would compare DataFrames elementwise, which raises.

    Attributes
    ----------
    orgs, people, households, pairings, activities, visits : pandas.DataFrame
        One frame per table of :data:`pbkit.data.schema.TABLES`, with every schema column
        (absent optional columns are all-missing) in the dtypes the schema documents.
    name : str
        A label (folder or file name) for reports.
    report : ValidationReport or None
        Warnings found while loading (a dataset with errors is never built).
    """

    orgs: pd.DataFrame = field(default_factory=lambda: empty_table("orgs"))
    people: pd.DataFrame = field(default_factory=lambda: empty_table("people"))
    households: pd.DataFrame = field(default_factory=lambda: empty_table("households"))
    pairings: pd.DataFrame = field(default_factory=lambda: empty_table("pairings"))
    activities: pd.DataFrame = field(default_factory=lambda: empty_table("activities"))
    visits: pd.DataFrame = field(default_factory=lambda: empty_table("visits"))
    name: str = ""
    report: ValidationReport | None = field(default=None, compare=False)

    @classmethod
    def from_frames(cls, name: str = "", report: ValidationReport | None = None,
                    **frames: pd.DataFrame) -> Dataset:
        """Build a dataset from clean frames in canonical column names (cast to schema)."""
        unknown = set(frames) - set(TABLE_ORDER)
        if unknown:
            raise ValueError(f"unknown tables: {sorted(unknown)}")
        tables = {k: cast_table(k, v) for k, v in frames.items()}
        return cls(**tables, name=name, report=report)

    def equals(self, other: object) -> bool:
        """Whether ``other`` is a dataset with the same name and the same six tables.

        Tables compare with :meth:`pandas.DataFrame.equals` (same shape, dtypes and values,
        missing equal to missing); the load report is not compared.

        >>> Dataset().equals(Dataset()), Dataset() == Dataset()
        (True, False)
        >>> Dataset(name="a").equals(Dataset(name="b"))
        False
        """
        if not isinstance(other, Dataset):
            return False
        return self.name == other.name and all(
            getattr(self, n).equals(getattr(other, n)) for n in TABLE_ORDER)

    def table(self, name: str) -> pd.DataFrame:
        """The frame of table ``name``."""
        if name not in TABLES:
            raise KeyError(name)
        return getattr(self, name)

    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Table name -> frame, in schema order."""
        return {n: getattr(self, n) for n in TABLE_ORDER}

    def villages(self) -> pd.DataFrame:
        """Organisations at village or community level."""
        return self.orgs[self.orgs["level"].isin(["village", "community"])]

    def replace(self, **frames: pd.DataFrame) -> Dataset:
        """A copy with some tables replaced (frames must already be typed)."""
        current = dict(self.tables())
        current.update(frames)
        return Dataset(**current, name=self.name, report=self.report)

    def write_csv(self, folder: str | Path) -> Path:
        """Write one UTF-8 CSV per table into ``folder`` (created); multi values joined by ';'.

        Dates are written ISO (YYYY-MM-DD), booleans as ``true``/``false``.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, frame in self.tables().items():
            out = frame.copy()
            for col in TABLES[name].columns:
                series = out[col.name]
                if col.kind in ("multi", "tags"):
                    # vectorised: tuples join elementwise; empty tuples give ""
                    out[col.name] = series.str.join(";").fillna("")
                elif col.kind == "date":
                    values = series.to_numpy(dtype="datetime64[D]")
                    text = np.datetime_as_string(values, unit="D")
                    out[col.name] = np.where(np.isnat(values), "", text)
                elif col.kind == "bool":
                    missing = series.isna().to_numpy()
                    truth = series.fillna(False).to_numpy(dtype=bool)
                    out[col.name] = np.where(missing, "", np.where(truth, "true", "false"))
            out.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
        return folder
