"""Size bounds checked before a dataset file is read into memory.

A workbook can be small on disk and huge in memory: an .xlsx (a zip archive of XML) of
204 KB that expands to 210 MB took about 280 MB of memory to open with pandas. So the
loader checks, before it parses anything:

* the size of every file on disk (``max_file_bytes``);
* for a .zip of CSV files, the total uncompressed size the zip central directory declares
  (``max_uncompressed_bytes``); for an .xlsx, the same with ``max_xlsx_uncompressed_bytes``;
* the compression ratio of the whole archive and of each member larger than 256 KiB
  (``max_compression_ratio``) and the number of members (``max_members``);
* the number of rows of a table (``max_rows``) and columns (``max_columns``).

and, while it streams through the bytes (before any parser builds cells from them), the
fields in each row (``max_columns``), the size of each cell (``max_cell_bytes``), and for
a workbook the cells it holds (``max_xlsx_cells``) and the size of its shared-strings table
(``max_xlsx_shared_strings_bytes``). A breach stops the read at once, with the file, the
table, the row as the user sees it and the bound in the message.

The declared sizes are also what :mod:`zipfile` enforces while extracting, so a member
cannot produce more bytes than its directory entry says.

>>> lim = Limits(max_file_bytes=1000)
>>> lim.max_file_bytes, Limits().max_rows
(1000, 5000000)
>>> format_bytes(210 * 1024 * 1024)
'210.0 MB'
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pbkit.errors import DataLimitError

__all__ = ["Limits", "DEFAULT_LIMITS", "format_bytes", "check_file_size", "check_archive"]

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Configurable size bounds for loading (all checked before parsing).

    Attributes
    ----------
    max_file_bytes : int
        Largest file on disk (CSV, .zip or .xlsx), default 512 MiB.
    max_uncompressed_bytes : int
        Largest total uncompressed size a .zip of CSV files may declare, default 2 GiB.
    max_xlsx_uncompressed_bytes : int
        Largest total uncompressed size an .xlsx may declare, default 256 MiB (openpyxl
        needs several times the XML size in time and memory).
    max_compression_ratio : float
        Largest uncompressed/compressed ratio of the whole archive and of each member over
        256 KiB, default 50. CSV files and worksheets of branch data pack 4-12 times
        (measured on the sample data: CSV 2.4-7.6, .xlsx 8-11); reading costs about 3-4
        bytes of memory per uncompressed byte, so a hostile archive packed hundreds of times
        would cost a thousand times its size (a 2.4 MB .zip at 210:1 took 2 GB).
    max_members : int
        Most members in an archive, default 1000.
    max_rows : int
        Most rows in one table, default 5,000,000.
    max_columns : int
        Most columns in one table, and most fields in one row, default 500.
    max_cell_bytes : int
        Largest cell, default 128 KiB (an Excel cell holds at most 32,767 characters,
        which is at most 128 KiB in any encoding).
    max_xlsx_cells : int
        Most non-empty cells in one workbook, default 250,000 (a large township's
        people sheet; openpyxl parses 15,000-25,000 cells a second on a loaded two-core
        server, so this keeps a workbook under the 30 s bound of issue 22; larger data
        belongs in CSV).
    max_irregular_cells : int
        Most cells (rows times the widest row) of a CSV file whose rows differ in length,
        default 5,000,000: such a file goes to the lenient reader, which holds every cell
        as text (a regular file is read typed, in C, and has no such bound).
    max_xlsx_shared_strings_bytes : int
        Largest shared-strings part of a workbook, uncompressed, default 64 MiB (read
        whole into memory when the workbook is opened).
    max_issues_per_check : int
        Issues listed per column and problem before one summary line, default 100.
    """

    max_file_bytes: int = 512 * MiB
    max_uncompressed_bytes: int = 2048 * MiB
    max_xlsx_uncompressed_bytes: int = 256 * MiB
    max_compression_ratio: float = 50.0
    max_members: int = 1000
    max_rows: int = 5_000_000
    max_columns: int = 500
    max_issues_per_check: int = 100
    max_cell_bytes: int = 128 * 1024
    max_xlsx_cells: int = 250_000
    max_irregular_cells: int = 5_000_000
    max_xlsx_shared_strings_bytes: int = 64 * MiB

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_uncompressed_bytes", "max_xlsx_uncompressed_bytes",
                     "max_members", "max_rows", "max_columns", "max_issues_per_check",
                     "max_cell_bytes", "max_xlsx_cells", "max_xlsx_shared_strings_bytes",
                     "max_irregular_cells"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                from pbkit.errors import UsageError

                raise UsageError("data.bad_limit", name=name, value=value)


DEFAULT_LIMITS = Limits()


def format_bytes(n: int | float) -> str:
    """A byte count for people: ``'512 B'``, ``'1.5 KB'``, ``'210.0 MB'``, ``'2.0 GB'``.

    >>> format_bytes(512), format_bytes(1536), format_bytes(3 * 1024 ** 3)
    ('512 B', '1.5 KB', '3.0 GB')
    """
    n = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{int(n)} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def check_file_size(path: str | os.PathLike, display: str, limits: Limits,
                    table: str | None = None) -> int:
    """Raise :class:`DataLimitError` if the file at ``path`` is larger than allowed.

    Returns the size in bytes.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "people.csv")
    >>> _ = open(path, "w").write("x" * 2000)
    >>> check_file_size(path, "people.csv", Limits(max_file_bytes=1000))
    Traceback (most recent call last):
    ...
    pbkit.errors.DataLimitError: people.csv: file size 2.0 KB exceeds the limit of 1000 B; not read (adjust with Limits(max_file_bytes=...))
    """
    size = Path(path).stat().st_size
    if size > limits.max_file_bytes:
        raise DataLimitError("data.file_too_large", file=display, table=table,
                             size=format_bytes(size), limit=format_bytes(limits.max_file_bytes))
    return size


def check_archive(zf: zipfile.ZipFile, display: str, limits: Limits, *,
                  xlsx: bool = False) -> int:
    """Check an open archive's central directory against ``limits`` before extracting.

    Counts members, sums the uncompressed sizes the directory declares and checks each
    large member's compression ratio. Returns the declared total. Raises
    :class:`DataLimitError` naming the file and the bound.

    >>> import io, zipfile
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as zf:
    ...     zf.writestr("people.csv", "person_id\\n" * 100)
    >>> check_archive(zipfile.ZipFile(buf), "x.zip", Limits(max_uncompressed_bytes=100))
    Traceback (most recent call last):
    ...
    pbkit.errors.DataLimitError: x.zip: the archive declares 1000 B uncompressed, over the limit of 100 B; not extracted
    """
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise DataLimitError("data.too_many_members", file=display, count=len(infos),
                             limit=limits.max_members)
    bound = limits.max_xlsx_uncompressed_bytes if xlsx else limits.max_uncompressed_bytes
    total = sum(max(0, info.file_size) for info in infos)
    if total > bound:
        raise DataLimitError("data.uncompressed_too_large", file=display,
                             size=format_bytes(total), limit=format_bytes(bound))
    for info in infos:
        if info.file_size > _RATIO_FLOOR:
            ratio = info.file_size / max(1, info.compress_size)
            if ratio > limits.max_compression_ratio:
                raise DataLimitError("data.compression_ratio", file=display,
                                     member=info.filename, ratio=int(ratio),
                                     limit=int(limits.max_compression_ratio))
    compressed = sum(max(0, info.compress_size) for info in infos)
    # then the whole archive: many members each under the per-member threshold (900
    # members of 1 MiB) pack as tightly as one big one
    if total > _RATIO_FLOOR and total / max(1, compressed) > limits.max_compression_ratio:
        raise DataLimitError("data.archive_ratio", file=display,
                             ratio=int(total / max(1, compressed)),
                             limit=int(limits.max_compression_ratio))
    if xlsx:
        for info in infos:
            if info.filename.lower().endswith("sharedstrings.xml") and \
                    info.file_size > limits.max_xlsx_shared_strings_bytes:
                raise DataLimitError("data.xlsx_shared_strings", file=display,
                                     size=format_bytes(info.file_size),
                                     limit=format_bytes(limits.max_xlsx_shared_strings_bytes))
    return total


#: members (and archives) smaller than this are not judged by their ratio: a small file of
#: repeated text packs tightly and costs little whatever its ratio
_RATIO_FLOOR = 256 * 1024
