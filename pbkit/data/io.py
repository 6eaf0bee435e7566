"""Loading a dataset: :func:`load_dataset` returns a typed, validated :class:`Dataset`.

A dataset is a folder of CSV files, a .zip of CSV files or one .xlsx workbook with a sheet
per table (file and sheet names in English or Chinese: ``people.csv``, ``人员.csv``,
sheet ``困难户``). Reading, normalising and checking are done by
:mod:`pbkit.data.readers`, :mod:`pbkit.data.normalize` and :mod:`pbkit.data.validation`;
this module only decides: any error stops the load (:class:`~pbkit.errors.ValidationFailed`
carrying the whole report, or :class:`IdentifiersRefused` when direct identifiers are
among the errors), warnings travel with the dataset in ``Dataset.report``. Nothing is
half-loaded: a dataset object exists only when every table passed.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "orgs.csv").write_text("org_id,parent_id,level\\nT1,,乡镇\\nV1,T1,村\\n",
...                                 encoding="utf-8-sig")
>>> _ = (d / "people.csv").write_text("人员编号,所在组织编号,角色,性别,学历,出生年份\\n"
...     "P1,V1,书记;党员,女,高中,1960\\n", encoding="utf-8")
>>> ds = load_dataset(d)
>>> ds.people.loc[0, "roles"], ds.orgs["level"].tolist(), str(ds.people["birth_year"].dtype)
(('secretary', 'member'), ['township', 'village'], 'Int64')
"""

from __future__ import annotations

import datetime as _dt
import os

from pbkit.data.dataset import Dataset
from pbkit.data.limits import Limits
from pbkit.data.report import ValidationReport
from pbkit.errors import PrivacyError, ValidationFailed

__all__ = ["load_dataset", "IdentifiersRefused"]


class IdentifiersRefused(ValidationFailed, PrivacyError):
    """A load refused because the data holds direct personal identifiers.

    It is a :class:`~pbkit.errors.ValidationFailed` (with the whole report) and a
    :class:`~pbkit.errors.PrivacyError`, so either can be caught.
    """


def _is_privacy(key: str) -> bool:
    return key.startswith(("data.identifier_column", "data.identifier_cell"))


def load_dataset(path: str | os.PathLike, *, encoding: str | None = None,
                 limits: Limits | None = None,
                 today: _dt.date | str | None = None) -> Dataset:
    """Load, normalise and validate a dataset; return typed frames or raise.

    Parameters
    ----------
    path : path-like
        Folder of CSV files, .zip of CSV files or .xlsx workbook (sheet per table), or a
        Parquet dataset folder written by ``pbkit convert`` (already validated when it was
        converted; read as it is).
    encoding : str, optional
        CSV encoding override; default detection is BOM, strict UTF-8, strict GB18030
        (a file detected as Big5, Shift-JIS, EUC or UTF-16 is refused, naming it).
    limits : Limits, optional
        Size bounds checked before anything is read into memory.
    today : date, optional
        Reference date for "in the future" checks (default: today).

    Returns
    -------
    Dataset
        Every table in schema dtypes (absent optional tables empty); ``report`` holds the
        warnings.

    Raises
    ------
    ValidationFailed
        The data has errors; ``exc.report`` lists every problem. Raised as
        :class:`IdentifiersRefused` (also a ``PrivacyError``) when direct identifiers are
        among them.
    DataLimitError
        A file or archive exceeds ``limits``; reading stopped at the first breach (the
        row is named when the bound is per row or cell).
    DataError
        ``path`` does not exist, cannot be read, is a named pipe or device, or is not a
        dataset type.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "orgs.csv").write_text("org_id,level\\nV1,village\\n", encoding="utf-8")
    >>> load_dataset(d)
    Traceback (most recent call last):
    ...
    pbkit.errors.ValidationFailed: ...
    """
    from pbkit.data.parquet import is_parquet_dataset, read_parquet
    from pbkit.data.readers import check_readable
    from pbkit.data.validation import read_and_check

    check_readable(path)  # before anything looks inside: one message, not an OSError
    if is_parquet_dataset(path):
        return read_parquet(path)
    source, report, frames = read_and_check(path, encoding=encoding, limits=limits,
                                            today=today)
    if report.has_errors:
        if any(_is_privacy(i.key) for i in report.errors):
            raise IdentifiersRefused(report, file=source.name)
        raise ValidationFailed(report, file=source.name)
    clean = ValidationReport(report.issues, report.privacy)
    return Dataset(**frames, name=source.name, report=clean)
