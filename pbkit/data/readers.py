"""Raw reading of a dataset: a folder of CSV files, a .zip of CSV files or one .xlsx.

The readers turn files into :class:`RawTable` objects: the table each file or worksheet
holds (detected from its name, in English or Chinese), the header cells as the user wrote
them and the data cells as cleaned text (:func:`pbkit.data.normalize.clean_text`), with the
row number the user sees for every data row. A well-formed UTF-8 CSV file is read in one
typed pass instead: its number columns arrive as numbers (whole-number columns as integers
when every cell is one) and its date columns as dates when every cell is ``YYYY-MM-DD``.
Blank rows and blank columns are dropped but still counted, so row numbers match the
spreadsheet: the header is row 1 and the first data row is row 2 (a title row above the
header is recognised and skipped, with a warning).

CSV encoding is decided by a fixed rule: a byte-order mark, else strict UTF-8, else strict
GB18030 (a superset of GBK and GB2312 that also holds characters such as 𠮷 and €) -- unless
charset-normalizer is confident the bytes are Big5, Shift-JIS, EUC-JP/KR or UTF-16 (which
GB18030 would decode into mojibake): that file is refused with the encoding named. An
``encoding=`` override is honoured (``gbk``/``gb2312``/``cp936`` are read as GB18030).

Problems with one file become :class:`~pbkit.data.report.Issue` objects; size limits raise
:class:`~pbkit.errors.DataLimitError` before anything is parsed, and the structural ones
(fields per row, cell size, cells of a workbook) while streaming, at the first breach; a
path that does not exist or cannot be read, or a named pipe or device, raises
:class:`~pbkit.errors.DataError` before it is opened.

>>> detect_table("人员.csv"), detect_table("01_Households (2).csv"), detect_table("x.csv")
('people', 'households', None)
>>> decode_bytes("姓名".encode("gb18030"))[1]
'gb18030'
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.identifiers import IDENTIFIER_NUMBER_MIN
from pbkit.data.limits import DEFAULT_LIMITS, Limits, check_archive, check_file_size
from pbkit.data.normalize import (
    STR_DTYPE,
    _already_clean,
    _nonempty,
    arrow_dates,
    arrow_filled,
    arrow_ints,
    clean_text,
)
from pbkit.data.report import Issue
from pbkit.data.schema import TABLE_ORDER, TABLES, fold_header
from pbkit.errors import DataError, DataLimitError, UsageError

__all__ = [
    "RawTable",
    "RawSource",
    "read_source",
    "detect_table",
    "decode_bytes",
    "resolve_encoding",
    "column_letter",
    "resolve_header",
    "check_readable",
    "CSV_SUFFIXES",
    "XLSX_SUFFIXES",
]

CSV_SUFFIXES = (".csv", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_SCAN_ROWS = 5


@dataclass
class RawTable:
    """One table as read from a file or worksheet, before typing.

    Attributes
    ----------
    table : str
        Canonical table name.
    file : str
        The file as the user names it (``people.csv``, ``branch.xlsx``, ``x.zip/people.csv``).
    sheet : str or None
        Worksheet name for .xlsx.
    headers : tuple of str
        Header cells (cleaned), one per column position; ``""`` where blank.
    data : pandas.DataFrame
        Cleaned text cells (``""`` = empty), columns ``0..n-1``, non-blank data rows only.
        From the typed CSV pass, number columns are ``float64`` (``int64``/``Int64`` when
        every cell is a whole number) and date columns ``datetime64[ns]`` when every cell
        is an ISO date; missing cells are then NaN/NA/NaT rather than ``""``.
    rows : numpy.ndarray
        The user-visible row number of each data row.
    header_row : int
        Row number of the header.
    """

    table: str
    file: str
    sheet: str | None
    headers: tuple[str, ...]
    data: pd.DataFrame
    rows: np.ndarray
    header_row: int = 1


@dataclass
class RawSource:
    """Everything read from one dataset path."""

    name: str
    kind: str
    tables: dict[str, RawTable] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    #: table -> what ``read_source(prepare=...)`` returned for that table's RawTable
    prepared: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- table names

@cache
def _table_names() -> dict[str, str]:
    names = {}
    for tname, table in TABLES.items():
        for spelling in (table.name, table.zh, *table.aliases):
            names.setdefault(fold_header(spelling), tname)
    return names


_PREFIX = re.compile(r"^(?:\d+|[a-z])(?:[_.、)）]+|(?=[^\x00-\x7f]))")
# one decoration at a time (the loop in detect_table repeats): no nested quantifiers
_SUFFIX = re.compile(r"_?(?:\(\d{1,4}\)|（\d{1,4}）|\d{4,8}|副本|copy|final|最终版?|v\d{1,3})$")
_MAX_NAME = 80  # longer file or sheet names are not table names
_WORD_SUFFIXES = ("表", "信息", "名册", "清单", "台账", "数据", "列表", "汇总", "记录", "list", "data",
                  "table", "sheet")


def detect_table(name: str) -> str | None:
    """The table a file or worksheet name stands for, or ``None``.

    The name (its extension removed) is matched against each table's English name,
    Chinese name and aliases after folding case, spaces and full-width characters; a
    leading ordinal (``01_``), a copy marker (``(2)``, ``副本``, a date) and a trailing
    word such as ``表`` or ``名册`` are ignored.

    >>> detect_table("党员名册.csv"), detect_table("ACTIVITIES.CSV"), detect_table("组织生活")
    ('people', 'activities', 'activities')
    """
    names = _table_names()
    stem = str(name)
    if len(stem) > _MAX_NAME:
        return None
    lower = stem.lower()
    for suffix in (*CSV_SUFFIXES, *XLSX_SUFFIXES, ".txt"):
        if lower.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    text = fold_header(stem)
    seen = set()
    queue = [text]
    while queue:
        cand = queue.pop(0).strip("_")
        if not cand or cand in seen:
            continue
        seen.add(cand)
        if cand in names:
            return names[cand]
        queue.append(_PREFIX.sub("", cand))
        queue.append(_SUFFIX.sub("", cand))
        for word in _WORD_SUFFIXES:
            if cand.endswith(word) and len(cand) > len(word):
                queue.append(cand[: -len(word)])
    return None


_MARKERS = re.compile(r"^[*＊\s]+|[*＊\s]+$|[(（]\s*(?:必填|选填|必须|可选|required|optional)"
                      r"\s*[)）]", re.IGNORECASE)
_BILINGUAL = re.compile(r"^(.*?)\s*[(（]([^()（）]*)[)）]\s*$")


def resolve_header(spec, header: str) -> str | None:
    """The canonical column for a header, allowing the usual template decorations.

    Besides the names and aliases of :mod:`pbkit.data.schema`, accepts a required-field
    star (``*人员编号``), ``（必填）``/``(optional)`` notes and bilingual headers such as
    ``人员编号(person_id)`` or ``org_id（组织编号）``.

    >>> from pbkit.data.schema import TABLES
    >>> [resolve_header(TABLES["people"], h) for h in ("*性别", "学历（必填）", "年龄(age)",
    ...                                                 "人员编号(person_id)")]
    ['gender', 'education', None, 'person_id']
    """
    found = spec.resolve_header(header)
    if found is not None or not header:
        return found
    text = _MARKERS.sub("", str(header)).strip()
    if text and text != header:
        found = spec.resolve_header(text)
        if found is not None:
            return found
    match = _BILINGUAL.match(text)
    if match:
        for part in match.groups():
            found = spec.resolve_header(part) if part.strip() else None
            if found is not None:
                return found
    return None


def _table_list() -> str:
    return "、".join(f"{n}({TABLES[n].zh})" for n in TABLE_ORDER)


def column_letter(index: int) -> str:
    """Spreadsheet column letters for a 0-based index: 0 -> ``A``, 27 -> ``AB``.

    >>> column_letter(0), column_letter(25), column_letter(27)
    ('A', 'Z', 'AB')
    """
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


# ---------------------------------------------------------------- encodings

class _DecodeProblem(Exception):
    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


def resolve_encoding(encoding: str | None) -> str | None:
    """The codec used for an ``encoding=`` override (GBK family read as GB18030).

    >>> resolve_encoding("GBK"), resolve_encoding("utf8"), resolve_encoding(None)
    ('gb18030', 'utf-8', None)
    """
    if encoding is None:
        return None
    try:
        name = codecs.lookup(str(encoding)).name
    except LookupError:
        raise UsageError("data.unknown_encoding_name", encoding=encoding) from None
    if name in ("gbk", "gb2312", "cp936", "hz", "gb18030"):
        return "gb18030"
    return name


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _line_of(data: bytes, pos: int) -> int:
    return data.count(b"\n", 0, max(0, pos)) + 1


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode CSV bytes: BOM, else strict UTF-8, else strict GB18030 (or ``encoding``).

    Bytes that are not UTF-8 and that charset-normalizer recognises with confidence as Big5,
    Shift-JIS, EUC or UTF-16 are refused (``data.encoding_other``) rather than read as
    GB18030 mojibake.

    Returns ``(text, codec)``. Raises an internal problem the reader turns into an issue.

    >>> decode_bytes("𠮷€".encode("gb18030"))
    ('𠮷€', 'gb18030')
    >>> decode_bytes(b"\\xef\\xbb\\xbfa,b")
    ('a,b', 'utf-8-sig')
    """
    codec = resolve_encoding(encoding)
    if codec is not None:
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            raise _DecodeProblem("data.encoding_failed", encoding=encoding,
                                 line=_line_of(data, exc.start)) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise _DecodeProblem("data.encoding_failed", encoding=name,
                                     line=_line_of(data, exc.start)) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    other = _other_encoding(data)
    if other is not None:
        raise _DecodeProblem("data.encoding_other", encoding=other)
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise _DecodeProblem("data.encoding_unknown") from None


#: encodings whose bytes GB18030 also decodes (into mojibake): a file detected as one of
#: them, and not also as GB18030, is refused with the encoding named
_OTHER_CJK = {"big5", "big5hkscs", "cp950", "shift_jis", "shift_jis_2004", "shift_jisx0213",
              "cp932", "euc_jp", "euc_jis_2004", "euc_jisx0213", "euc_kr", "cp949", "johab",
              "iso2022_jp", "iso2022_kr", "utf_16", "utf_16_be", "utf_16_le", "utf_32"}
_GB_FAMILY = {"gb18030", "gbk", "gb2312", "cp936", "hz"}
_DETECT_BYTES = 1 << 18
_DETECT_MIN = 24  # non-ASCII bytes needed (about 12 Chinese characters) before refusing


def _other_encoding(data) -> str | None:
    """The encoding a non-UTF-8 file is in when it is clearly not GB18030, else ``None``.

    charset-normalizer looks at the first 256 KiB (cut at a line end). Only a confident
    answer refuses: the best guess is Big5, Shift-JIS, EUC-JP/KR or UTF-16/32 and GB18030 is
    not among the encodings that fit at all; short or ambiguous files stay with GB18030.

    >>> _other_encoding("人員編號,所在組織,角色\\nP1,東風村,書記\\nP2,紅旗村,黨員\\n"
    ...                 .encode("big5"))
    'big5'
    >>> _other_encoding("人员编号,角色\\nP1,书记\\n".encode("gb18030")) is None
    True
    """
    from charset_normalizer import from_bytes

    sample = bytes(data[:_DETECT_BYTES])
    if len(data) > _DETECT_BYTES and sample.rfind(b"\n") > 0:
        sample = sample[: sample.rfind(b"\n") + 1]
    if int(np.count_nonzero(np.frombuffer(sample, np.uint8) >= 0x80)) < _DETECT_MIN:
        return None  # too little text to tell: read as GB18030, as before
    try:
        matches = from_bytes(sample)
    except Exception:  # the detector failing is no reason to refuse a file
        return None
    best = matches.best()
    if best is None:
        return None
    names = {codecs.lookup(m.encoding).name.replace("-", "_") for m in matches}
    guess = codecs.lookup(best.encoding).name.replace("-", "_")
    if guess in _OTHER_CJK and not names & _GB_FAMILY:
        return best.encoding
    return None


# ---------------------------------------------------------------- grids

def _sniff_sep(text: str) -> str:
    first = ""
    for line in text.splitlines():
        if line.strip(" \t,;\r"):
            first = line
            break
    counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
    best = max(counts, key=lambda k: (counts[k], k == ","))
    return best if counts[best] else ","


def _first_record_width(text: str, sep: str) -> int:
    head = text[:65536]
    try:
        first = next(csv.reader(io.StringIO(head), delimiter=sep, strict=False), [])
    except csv.Error:
        return 0
    return len(first)


def _arrow_grid(data: bytes, sep: str, width: int, file: str = "", table_name: str = "",
                limits: Limits = DEFAULT_LIMITS) -> pd.DataFrame:
    """Fast path: pyarrow's multi-threaded reader, every cell as text, blank lines kept."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(autogenerate_column_names=True),
        parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False,
                                         newlines_in_values=b'"' in data),
        convert_options=pacsv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(width)},
            strings_can_be_null=False, quoted_strings_can_be_null=False),
    )
    if table.num_columns != width:
        raise ValueError("column count")
    # a quote never closed is read as one cell to the end of the file: measured here
    _check_cell_sizes(table, table.column_names, file, table_name, limits, first_row=1)
    return pd.DataFrame({j: pd.Series(table.column(j), dtype=STR_DTYPE) for j in range(width)})


_SCAN_STEP = 1 << 20  # bytes per numpy pass of the structure scan (temporaries ~25x that)


def _scan_structure(data, sep: str, file: str, table: str, limits: Limits) -> int:
    """Check every line's fields and every cell's size on the raw bytes; return the width.

    A vectorised pass over ``data`` (``bytes`` or a memory map, UTF-8), in 1 MiB slices, so
    memory stays bounded whatever the file holds: the separators and line ends of each slice
    are located with numpy, each line's separators counted and the distance between
    consecutive separators or line ends measured. Quotes are not interpreted, so the counts
    are upper bounds of what a CSV parser finds (a quoted cell with commas in it counts as
    several fields; a quoted cell spanning lines as several short ones). The first line
    over ``max_columns`` fields, or cell over ``max_cell_bytes``, raises
    :class:`DataLimitError` naming the row; nothing has been parsed then.

    >>> _scan_structure(b"a,b\\n1,2,3\\n", ",", "x.csv", "orgs", Limits())
    3
    >>> _scan_structure(b"a,b\\n" + b"," * 600 + b"\\n", ",", "x.csv", "orgs", Limits())
    Traceback (most recent call last):
    ...
    pbkit.errors.DataLimitError: x.csv: table orgs, row 2: this row has more than 500 fields (the column limit); reading stopped; check the separators and quotes
    """
    view = np.frombuffer(data, dtype=np.uint8) if len(data) else np.zeros(0, np.uint8)
    code = ord(sep)
    lines = 0
    carried = 0  # separators on the line that runs on from the previous slice
    cell_start = 0  # where the cell that runs on from the previous slice began
    width = 0
    for start in range(0, len(view), _SCAN_STEP):
        chunk = view[start: start + _SCAN_STEP]
        ends = np.flatnonzero(chunk == 10)
        seps = np.flatnonzero(chunk == code)
        lines += len(ends)
        # separators per line: line k of this slice holds the separators before ends[k]
        before = np.searchsorted(seps, ends)
        per_line = np.diff(before, prepend=0)
        if len(per_line):
            per_line[0] += carried
            carried = len(seps) - int(before[-1])
        else:
            carried += len(seps)
        most = max(int(per_line.max()) if len(per_line) else 0, carried)
        if most + 1 > limits.max_columns:
            line = int(np.argmax(per_line >= limits.max_columns)) if len(per_line) and \
                int(per_line.max()) + 1 > limits.max_columns else len(ends)
            pos = start + (int(ends[line - 1]) + 1 if line else 0)
            raise DataLimitError("data.too_many_fields", file=file, table=table,
                                 row=_row_at(view, pos), limit=limits.max_columns)
        width = max(width, most + 1)
        bounds = np.union1d(ends, seps)
        if len(bounds):
            lengths = np.diff(bounds + start, prepend=cell_start - 1) - 1
            longest = int(np.argmax(lengths))
            if lengths[longest] > limits.max_cell_bytes:
                pos = int(bounds[longest]) + start - int(lengths[longest])
                raise _cell_breach(view, pos, code, file, table, limits)
            cell_start = int(bounds[-1]) + start + 1
        if start + len(chunk) - cell_start > limits.max_cell_bytes:
            raise _cell_breach(view, cell_start, code, file, table, limits)
    if len(view) and view[-1] != 10:
        lines += 1
    if lines * width > limits.max_irregular_cells:
        raise DataLimitError("data.irregular_too_large", file=file, table=table, rows=lines,
                             width=width, limit=limits.max_irregular_cells)
    return width


def _row_at(view: np.ndarray, pos: int) -> int:
    """The 1-based line holding byte ``pos`` (counted in C, once, on a breach)."""
    return int(np.count_nonzero(view[:pos] == 10)) + 1


def _cell_breach(view: np.ndarray, pos: int, code: int, file: str, table: str,
                 limits: Limits) -> DataLimitError:
    row = _row_at(view, pos)
    line_start = int(np.flatnonzero(view[:pos] == 10)[-1]) + 1 if row > 1 else 0
    col = int(np.count_nonzero(view[line_start:pos] == code))
    from pbkit.data.limits import format_bytes

    return DataLimitError("data.cell_too_large", file=file, table=table, row=row,
                          column=column_letter(col),
                          limit=format_bytes(limits.max_cell_bytes))


_CSV_BATCH_CELLS = 1 << 18  # cells the csv-module reader holds before they become arrow


_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _unclosed_quote(message: str, text: str, file: str, table: str, limits: Limits) -> None:
    """A quote opened on row N and never closed makes the rest of the file one cell: when
    that is more than ``max_cell_bytes``, refuse naming the row (pandas' parser said it)."""
    match = _EOF_IN_QUOTE.search(message)
    if not match:
        return
    row = int(match.group(1)) + 1
    start = 0
    for _ in range(row - 1):  # at most the rows before the quote; each find is in C
        start = text.find("\n", start) + 1
        if start == 0:
            return
    if len(text) - start > limits.max_cell_bytes:
        from pbkit.data.limits import format_bytes

        raise DataLimitError("data.cell_too_large", file=file, table=table, row=row,
                             limit=format_bytes(limits.max_cell_bytes))


def _csv_module_grid(text: str, sep: str, file: str, table: str,
                     limits: Limits) -> pd.DataFrame:
    """Records read by the csv module (lenient quotes), held as arrow text in batches.

    A quoted record may span lines, so the record's width is checked here again.
    """
    import pyarrow as pa

    reader = csv.reader(io.StringIO(text.replace("\x00", "")), delimiter=sep, strict=False)
    chunks: list[list] = []
    batch: list[list[str]] = []
    done = pending = width = 0

    def flush() -> None:
        nonlocal batch, done, pending
        while len(chunks) < width:
            chunks.append([pa.array([""] * done, type=pa.large_string())] if done else [])
        for j in range(width):
            chunks[j].append(pa.array([r[j] if j < len(r) else "" for r in batch],
                                      type=pa.large_string()))
        done += len(batch)
        batch, pending = [], 0

    number = 0
    records = iter(reader)
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except csv.Error as exc:  # a field over the csv module's limit (128 KiB)
            if "field larger" not in str(exc):
                raise
            from pbkit.data.limits import format_bytes

            raise DataLimitError("data.cell_too_large", file=file, table=table,
                                 row=number + 1,
                                 limit=format_bytes(limits.max_cell_bytes)) from None
        number += 1
        if len(record) > limits.max_columns:
            raise DataLimitError("data.too_many_fields", file=file, table=table, row=number,
                                 limit=limits.max_columns)
        width = max(width, len(record))
        batch.append(record)
        pending += len(record)
        if pending >= _CSV_BATCH_CELLS:
            flush()
    flush()
    return pd.DataFrame({j: pd.Series(pa.chunked_array(chunks[j], type=pa.large_string()),
                                      dtype=STR_DTYPE) for j in range(width)},
                        index=pd.RangeIndex(done))


def _csv_grid(text: str, raw: bytes | None, codec: str, file: str = "", table: str = "",
              limits: Limits = DEFAULT_LIMITS, width: int | None = None) -> pd.DataFrame:
    """Parse CSV text into a grid of str columns 0..n-1, one row per record (blank kept).

    The structure is checked on the bytes first (:func:`_scan_structure`; ``width`` when
    the caller has done so already), so no parser
    meets a row wider than ``limits.max_columns`` or a cell longer than
    ``limits.max_cell_bytes``; rows of different lengths are then read by pandas' C parser
    with that many columns (short rows padded), never record by record in Python.
    """
    sep = _sniff_sep(text[:65536])
    data = raw if raw is not None and codec == "utf-8" else text.encode("utf-8")
    if width is None:
        width = _scan_structure(data, sep, file, table, limits)
    first = _first_record_width(text, sep)
    if first and "\x00" not in text[:65536]:
        try:
            return _arrow_grid(data, sep, first, file, table, limits)
        except DataLimitError:
            raise
        except Exception:  # any irregularity: the forgiving reader below
            pass
    del data
    opts = dict(sep=sep, header=None, dtype=str, skip_blank_lines=False,
                keep_default_na=False, na_filter=False, engine="c",
                names=list(range(max(1, width))))
    try:
        if raw is not None and codec in ("utf-8", "utf-8-sig") and b"\x00" not in raw:
            grid = pd.read_csv(io.BytesIO(raw), encoding=codec, **opts)
        else:
            grid = pd.read_csv(io.StringIO(text.replace("\x00", "")), **opts)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, ValueError, UnicodeError, OverflowError) as exc:
        _unclosed_quote(str(exc), text, file, table, limits)
        # an odd quote (one never closed): the csv module takes the records as they come
        grid = _csv_module_grid(text, sep, file, table, limits)
    # columns that no row reaches (a quoted separator counted by the scan) are dropped
    filled = [j for j in grid.columns if (grid[j] != "").any()]
    last = max(filled, default=-1)
    grid = grid.loc[:, [j for j in grid.columns if j <= max(last, first - 1)]]
    return grid.fillna("")


def _grid_to_table(grid: pd.DataFrame, table: str, file: str, sheet: str | None,
                   issues: list[Issue], limits: Limits,
                   row_numbers: np.ndarray | None = None) -> RawTable | None:
    """Header detection, blank rows and columns, row numbers.

    Row ``i`` of ``grid`` is the user's row ``row_numbers[i]`` (default ``i + 1``).
    """
    ncols = grid.shape[1]
    if ncols > limits.max_columns:
        raise DataLimitError("data.too_many_columns", file=file, table=table, count=ncols,
                             limit=limits.max_columns)
    cleaned = {j: clean_text(grid.iloc[:, j]) for j in range(ncols)}
    n = len(grid)
    numbers = (np.arange(1, n + 1, dtype=np.int64) if row_numbers is None
               else np.asarray(row_numbers, dtype=np.int64))
    nonblank = np.zeros(n, dtype=bool)
    for col in cleaned.values():
        nonblank |= (col != "").to_numpy(dtype=bool, na_value=False)
    positions = np.flatnonzero(nonblank)
    if len(positions) == 0:
        issues.append(Issue("warning", "data.empty_file", file=file, table=table))
        return RawTable(table, file, sheet, (), pd.DataFrame(), np.array([], dtype=np.int64))
    spec = TABLES[table]
    best_pos, best_score = positions[0], -1
    for pos in positions[:_HEADER_SCAN_ROWS]:
        score = sum(resolve_header(spec, cleaned[j].iat[pos]) is not None
                    for j in range(ncols) if cleaned[j].iat[pos])
        if score > best_score:
            best_pos, best_score = pos, score
    if best_score == 0:
        best_pos = positions[0]
    header_row = int(numbers[best_pos])
    if best_pos != positions[0]:
        issues.append(Issue("warning", "data.rows_above_header", file=file, table=table,
                            row=int(numbers[positions[0]]), params={"header_row": header_row}))
    headers = [cleaned[j].iat[best_pos] for j in range(ncols)]
    data_pos = positions[positions > best_pos]
    if len(data_pos) > limits.max_rows:
        raise DataLimitError("data.too_many_rows", file=file, table=table,
                             limit=limits.max_rows)
    keep_cols = []
    for j in range(ncols):
        col = cleaned[j]
        if headers[j]:
            keep_cols.append(j)
            continue
        filled = np.flatnonzero((col.iloc[data_pos] != "").to_numpy(dtype=bool))
        if len(filled):
            issues.append(Issue("warning", "data.unnamed_column", file=file, table=table,
                                row=int(numbers[data_pos[filled[0]]]),
                                params={"index": column_letter(j)}))
    contiguous = len(data_pos) == 0 or data_pos[-1] - data_pos[0] + 1 == len(data_pos)
    take = slice(int(data_pos[0]), int(data_pos[-1]) + 1) if contiguous and len(data_pos) \
        else data_pos
    data = pd.DataFrame({i: cleaned[j].iloc[take].reset_index(drop=True)
                         for i, j in enumerate(keep_cols)})
    return RawTable(table, file, sheet, tuple(headers[j] for j in keep_cols), data,
                    numbers[data_pos], header_row)


# ---------------------------------------------------------------- CSV

def _read_csv_bytes(raw: bytes, file: str, table: str, encoding: str | None,
                    issues: list[Issue], limits: Limits, threads: bool = True
                    ) -> RawTable | None:
    # ``raw`` is ``bytes`` or a read-only memory map of the file (see :func:`_map_file`)
    if len(raw) > 2 * limits.max_rows:  # a row takes at least 2 bytes: count only then
        # counted before any parsing, so a file with far too many (tiny) rows is refused
        # before its cells are held in memory
        if _count_lines(raw) > _max_lines(limits):
            raise DataLimitError("data.too_many_rows", file=file, table=table,
                                 limit=limits.max_rows)
    tried_utf8 = False
    if encoding is None and not raw[:4].startswith(tuple(bom for bom, _ in _BOMS)):
        # Common case first: UTF-8 read in one typed pass. pyarrow checks that every text
        # cell is valid UTF-8, and the header is decoded strictly here; anything else
        # (GB18030 bytes, an irregular file) goes the decoding route below.
        head = _utf8_head(raw)
        if head is not None:
            tried_utf8 = True
            fast = _typed_fast_path(raw, head, table, file, issues, limits, threads)
            if fast is not None:
                return fast
    width = None
    if _ascii_compatible(raw, encoding):
        # the structure, on the file's own bytes, before they are copied or decoded: in
        # UTF-8 and GB18030 a separator or line end is always that one byte
        sep = _sniff_sep(bytes(raw[:65536]).decode("latin-1"))
        width = _scan_structure(raw, sep, file, table, limits)
    if not isinstance(raw, bytes):  # a memory map: the decoding readers want bytes
        raw = raw[:]
    try:
        text, codec = decode_bytes(raw, encoding)
    except _DecodeProblem as exc:
        issues.append(Issue("error", exc.key, file=file, table=table, params=exc.params))
        return None
    if not text.strip():
        issues.append(Issue("warning", "data.empty_file", file=file, table=table))
        return RawTable(table, file, None, (), pd.DataFrame(), np.array([], dtype=np.int64))
    raw_for_parser = raw if codec in ("utf-8", "utf-8-sig") else None
    if not (tried_utf8 and codec == "utf-8"):  # the same bytes would fail the same way
        fast = _typed_fast_path(raw_for_parser if raw_for_parser is not None
                                else text.encode("utf-8"), text, table, file, issues, limits,
                                threads)
        if fast is not None:
            return fast
    grid = _csv_grid(text, raw_for_parser, codec, file, table, limits, width)
    del text
    return _grid_to_table(grid, table, file, None, issues, limits)


def _ascii_compatible(raw, encoding: str | None) -> bool:
    """Whether ``,``, tab, ``;`` and line ends are single ASCII bytes in this file."""
    if raw[:4].startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE,
                           codecs.BOM_UTF16_BE)):
        return False
    codec = resolve_encoding(encoding)
    return codec is None or codec in ("utf-8", "utf-8-sig", "gb18030", "ascii", "latin-1",
                                      "iso8859-1", "cp1252", "big5", "cp950")


def _count_lines(raw: bytes, step: int = 1 << 24) -> int:
    """Number of ``\\n`` bytes, counted slice by slice (no temporary as big as the file)."""
    view = np.frombuffer(raw, dtype=np.uint8)
    return sum(int(np.count_nonzero(view[i: i + step] == 10)) for i in range(0, len(view), step))


def _utf8_head(raw: bytes, size: int = 65536) -> str | None:
    """The first complete lines of ``raw`` decoded as strict UTF-8, or ``None``."""
    head = raw[:size]
    if len(raw) > size:
        cut = head.rfind(b"\n")
        if cut < 0:
            return None
        head = head[: cut + 1]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _typed_fast_path(data: bytes, text: str, table: str, file: str, issues: list[Issue],
                     limits: Limits, threads: bool = True) -> RawTable | None:
    """Read a well-formed CSV in one typed pass (pyarrow), or ``None`` to use the grid path.

    Taken when the first record is a header naming at least one column of ``table`` and
    every row parses: whole-number columns as int64 and date columns as dates when every
    cell is in that form, else numbers as float64 and dates as text; everything else as
    text. Any irregularity (ragged rows, a number column holding text, a multi-line header,
    a number with the digits of a phone or ID number) returns ``None`` and the forgiving
    grid readers take over. ``threads=False`` when
    other files are being read at the same time (each file then keeps to one thread).
    """
    from pbkit.data.schema import TABLES

    head = text[:65536]
    sep = _sniff_sep(head)
    try:
        first = next(csv.reader(io.StringIO(head), delimiter=sep, strict=False), [])
    except csv.Error:
        return None
    end_of_header = head.find("\n")
    if not first or end_of_header < 0 or "\n" in "".join(first) or "\r" in "".join(first):
        return None
    if len(first) > limits.max_columns:
        raise DataLimitError("data.too_many_columns", file=file, table=table,
                             count=len(first), limit=limits.max_columns)
    headers = clean_text(pd.Series(first, dtype=STR_DTYPE)).tolist()
    spec = TABLES[table]
    resolved = [resolve_header(spec, h) if h else None for h in headers]
    if not any(resolved):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    names = [f"c{j}" for j in range(len(headers))]
    # Two typings, tried in turn. Exact: whole-number columns as int64 and ISO dates as
    # date32, parsed and calendar-checked in C, so the checks need not parse them again.
    # Plain, when a cell is not in that form ("4.0", "1,200", "2024/3/5"): every number as
    # float64 and dates as text, which the general parsers read and report cell by cell.
    exact: dict[str, Any] = {}
    plain: dict[str, Any] = {}
    for name, canonical in zip(names, resolved):
        kind = spec.column(canonical).kind if canonical else None
        # large_string is what pandas keeps text in: no conversion when wrapping it
        plain[name] = pa.float64() if kind in ("int", "float") else pa.large_string()
        exact[name] = {"int": pa.int64(), "date": pa.date32()}.get(kind, plain[name])
    if data[:3] == codecs.BOM_UTF8:
        data = data[len(codecs.BOM_UTF8):]
    quoted = data.find(b'"') >= 0
    tb = dates = None
    for types in ([exact, plain] if exact != plain else [plain]):
        try:
            tb = pacsv.read_csv(
                pa.BufferReader(pa.py_buffer(data)),  # bytes or a memory map, not copied
                # threads pay off on big files only; small ones read faster on one thread
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows=1, block_size=1 << 22,
                    use_threads=threads and len(data) > _ARROW_THREADS_BYTES),
                parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False,
                                                 newlines_in_values=quoted),
                convert_options=pacsv.ConvertOptions(column_types=types, null_values=[""],
                                                     strings_can_be_null=False,
                                                     quoted_strings_can_be_null=False),
            )
        except pa.ArrowInvalid as exc:
            if types is exact and "conversion error" in str(exc):
                continue  # a cell the exact typing does not take: the plain one
            return None  # an irregular file: the grid path reads and reports it
        except Exception:
            return None
        # ISO dates outside what datetime64[ns] holds: read as text, reported as written
        dates = {name: arrow_dates(tb.column(name)) for name in names
                 if types[name] == pa.date32()}
        if all(d is not None for d in dates.values()):
            break
        tb = None
    if tb is None:
        return None
    for name in names:
        if pa.types.is_integer(tb.schema.field(name).type) or \
                pa.types.is_floating(tb.schema.field(name).type):
            span = pc.min_max(tb.column(name))
            low, high = span["min"].as_py(), span["max"].as_py()
            if low is not None and max(high, -low) >= IDENTIFIER_NUMBER_MIN:
                # as many digits as a mobile or resident ID number: read the file as text,
                # so such a cell keeps every digit (a float would round a resident ID) and
                # is found and masked as an identifier
                return None
    _check_cell_sizes(tb, names, file, table, limits)
    n = tb.num_rows
    if n > limits.max_rows:
        raise DataLimitError("data.too_many_rows", file=file, table=table,
                             limit=limits.max_rows)
    columns: dict[int, pd.Series] = {}
    nonblank = np.zeros(n, dtype=bool)
    every_row = False  # once a column is filled on every row, no row is blank
    for j, name in enumerate(names):
        col = tb.column(name)
        if name in dates:
            series = dates[name]
            filled = None if every_row else series.notna().to_numpy()
        elif pa.types.is_integer(col.type):
            series = arrow_ints(col)
            filled = None if every_row else series.notna().to_numpy()
        elif col.type == pa.large_string():
            if _already_clean(col):  # the common case: wrap the arrow data as it is
                series = pd.Series(col, dtype=STR_DTYPE)
                filled = None if every_row else arrow_filled(col)
            else:
                series = clean_text(pd.Series(col, dtype=STR_DTYPE))
                filled = None if every_row else _nonempty(series)
        else:
            series = pd.Series(col.to_numpy(), dtype="float64")
            filled = None if every_row else series.notna().to_numpy()
        columns[j] = series
        if filled is not None:
            if filled.all():
                every_row = True
                nonblank[:] = True
            else:
                nonblank |= filled
    positions = np.arange(n) if every_row else np.flatnonzero(nonblank)
    keep = []
    for j, header in enumerate(headers):
        if header:
            keep.append(j)
            continue
        filled = np.flatnonzero(columns[j].iloc[positions].ne("").to_numpy(dtype=bool,
                                                                         na_value=False))
        if len(filled):
            issues.append(Issue("warning", "data.unnamed_column", file=file, table=table,
                                row=int(positions[filled[0]]) + 2,
                                params={"index": column_letter(j)}))
    if len(positions) != n:
        frame = pd.DataFrame({i: columns[j].iloc[positions].reset_index(drop=True)
                              for i, j in enumerate(keep)}, copy=False)
    else:
        frame = pd.DataFrame({i: columns[j] for i, j in enumerate(keep)}, copy=False)
    return RawTable(table, file, None, tuple(headers[j] for j in keep), frame,
                    (positions + 2).astype(np.int64), 1)


def _check_cell_sizes(tb, names: list[str], file: str, table: str, limits: Limits,
                      first_row: int = 2) -> None:
    """Refuse a text cell over ``limits.max_cell_bytes`` (lengths read from the offsets).

    Row ``i`` of ``tb`` is the user's row ``first_row + i``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for j, name in enumerate(names):
        col = tb.column(name)
        if not (pa.types.is_large_string(col.type) or pa.types.is_string(col.type)) \
                or len(col) == 0:
            continue
        longest = pc.max(pc.binary_length(col)).as_py()
        if longest is not None and longest > limits.max_cell_bytes:
            over = pc.greater(pc.binary_length(col), limits.max_cell_bytes)
            first = int(np.flatnonzero(over.to_numpy(zero_copy_only=False))[0])
            from pbkit.data.limits import format_bytes

            raise DataLimitError("data.cell_too_large", file=file, table=table,
                                 row=first + first_row, column=column_letter(j),
                                 limit=format_bytes(limits.max_cell_bytes))


def _add_table(source: RawSource, rt: RawTable | None) -> None:
    if rt is None:
        return
    if rt.table in source.tables:
        other = source.tables[rt.table]
        source.issues.append(Issue("error", "data.duplicate_table", file=rt.file,
                                   table=rt.table, params={"table": rt.table,
                                                           "other": other.file}))
        return
    source.tables[rt.table] = rt


def _guard(source: RawSource, file: str, table: str | None, key: str, fn):
    """Run a reader step; an unexpected failure on a malformed file becomes an issue."""
    try:
        return fn()
    except (DataLimitError, UsageError):
        raise
    except MemoryError:
        raise
    except Exception as exc:  # malformed input of any kind: report, never crash
        detail = f"{type(exc).__name__}: {exc}"[:200]
        source.issues.append(Issue("error", key, file=file, table=table,
                                   params={"detail": detail}))
        return None


_PARALLEL_BYTES = 4 << 20  # read CSV files side by side when they hold more than this
_ARROW_THREADS_BYTES = 8 << 20  # a file this big is also parsed on several threads


def _read_one_csv(p: Path, encoding: str | None, limits: Limits,
                  prepare: Callable[[RawTable], Any] | None = None,
                  threads: bool = True) -> RawSource:
    part = RawSource(p.name, "csv")
    _read_csv_file(p, p.name, part, encoding, limits, threads)
    if prepare is not None:
        for name, rt in part.tables.items():
            part.prepared[name] = prepare(rt)
    return part


def _read_folder(path: Path, source: RawSource, encoding: str | None, limits: Limits,
                 prepare: Callable[[RawTable], Any] | None = None) -> None:
    entries = sorted(p for p in path.iterdir()
                     if not p.name.startswith((".", "~$")) and p.is_file())
    csv_files = [p for p in entries if p.suffix.lower() in CSV_SUFFIXES]
    parts: dict[Path, RawSource]
    sizes = {p: p.stat().st_size for p in csv_files}
    if len(csv_files) > 1 and sum(sizes.values()) > _PARALLEL_BYTES:
        # pyarrow and numpy release the GIL: files are read (and prepared) side by side,
        # and their tables and issues merged back in file order, so the result does not
        # depend on timing
        from concurrent.futures import ThreadPoolExecutor

        workers = min(len(csv_files), max(1, min(4, os.cpu_count() or 1)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            # largest first, so that the longest file does not start last
            # one thread per file: several files at once use the cores better than
            # several threads inside each file (measured)
            futures = {p: pool.submit(_read_one_csv, p, encoding, limits, prepare, False)
                       for p in sorted(csv_files, key=lambda p: -sizes[p])}
            parts = {p: futures[p].result() for p in csv_files}
    else:
        parts = {p: _read_one_csv(p, encoding, limits, prepare) for p in csv_files}
    for p in entries:
        suffix = p.suffix.lower()
        if suffix in CSV_SUFFIXES:
            part = parts[p]
            source.issues.extend(part.issues)
            for rt in part.tables.values():
                _add_table(source, rt)
                if source.tables.get(rt.table) is rt and rt.table in part.prepared:
                    source.prepared[rt.table] = part.prepared[rt.table]
        elif suffix in (*XLSX_SUFFIXES, ".xls"):
            source.issues.append(Issue("warning", "data.ignored_file", file=p.name))


def check_readable(path: str | os.PathLike) -> None:
    """Raise :class:`DataError` unless ``path`` exists and can be read (a folder: listed).

    A missing path, a folder without read permission or a name the file system refuses
    (too long, a file used as a folder) is one message naming the path, not an OSError.

    >>> check_readable("/no/such/dataset")
    Traceback (most recent call last):
    ...
    pbkit.errors.DataError: /no/such/dataset: no such file or folder
    """
    name = str(path)
    try:
        os.stat(path)
        if os.path.isdir(path):
            with os.scandir(path) as it:
                next(it, None)
    except FileNotFoundError:
        raise DataError("data.path_missing", file=name, path=name) from None
    except OSError as exc:
        raise DataError("data.path_unreadable", file=name, path=name,
                        detail=exc.strerror or type(exc).__name__) from None


def _check_regular(p: Path, display: str) -> None:
    """Refuse a named pipe, device or socket before anything opens it (a pipe would block).

    >>> _check_regular(Path("/dev/null"), "people.csv")
    Traceback (most recent call last):
    ...
    pbkit.errors.DataError: people.csv: not a regular file (a device); not opened
    """
    import stat

    mode = p.stat().st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = ("fifo" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "other")
    raise DataError(f"data.not_regular_file.{kind}", file=display)


def _read_csv_file(p: Path, display: str, source: RawSource, encoding: str | None,
                   limits: Limits, threads: bool = True) -> None:
    table = detect_table(p.name)
    if table is None:
        source.issues.append(Issue("warning", "data.unknown_file", file=display,
                                   params={"tables": _table_list()}))
        return
    _check_regular(p, display)
    check_file_size(p, display, limits, table)
    raw = _map_file(p)
    rt = _guard(source, display, table, "data.bad_csv",
                lambda: _read_csv_bytes(raw, display, table, encoding, source.issues, limits,
                                        threads))
    _add_table(source, rt)


def _map_file(p: Path):
    """The file's bytes as a read-only memory map (``b""`` when empty).

    The typed CSV pass parses straight from the map, so a large file is not first copied
    into a Python ``bytes`` object; the slower readers take a copy when they need one.
    """
    import mmap

    with open(p, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return b""
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def _member_name(info: zipfile.ZipInfo) -> str:
    """Member name, repairing GBK names stored without the UTF-8 flag (Windows zips)."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            raw = name.encode("cp437")
        except UnicodeEncodeError:
            return name
        for codec in ("utf-8", "gb18030"):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                continue
    return name


def _max_lines(limits: Limits) -> int:
    """Line ends a table file may hold: its rows, the header and some blank lines."""
    return limits.max_rows + 1 + max(1000, limits.max_rows // 10)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, table: str,
                 limits: Limits) -> bytes:
    """A member's bytes, decompressed 16 MiB at a time with its lines counted on the way:
    a member with far too many rows is refused before the rest of it is decompressed."""
    parts: list[bytes] = []
    lines = total = 0
    with zf.open(info) as fh:
        while total <= limits.max_file_bytes:
            block = fh.read(1 << 24)
            if not block:
                break
            lines += block.count(b"\n")
            if lines > _max_lines(limits):
                raise DataLimitError("data.too_many_rows", file=display, table=table,
                                     limit=limits.max_rows)
            parts.append(block)
            total += len(block)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _read_zip(path: Path, display: str, source: RawSource, encoding: str | None,
              limits: Limits) -> None:
    try:
        zf = zipfile.ZipFile(path)
    except DataLimitError:
        raise
    except Exception as exc:  # any damaged archive (bad headers, odd versions): a report
        source.issues.append(Issue("error", "data.bad_zip", file=display,
                                   params={"detail": str(exc)[:200]}))
        return
    with zf:
        check_archive(zf, display, limits)
        for info in zf.infolist():
            name = _member_name(info)
            if not name.strip("/\\ "):
                continue
            pure = PurePosixPath(name.replace("\\", "/"))
            if info.is_dir() or "__MACOSX" in pure.parts or pure.name.startswith((".", "~$")):
                continue
            member_display = f"{display}/{pure.as_posix()}"
            suffix = pure.suffix.lower()
            if suffix not in CSV_SUFFIXES:
                if suffix in (*XLSX_SUFFIXES, ".xls"):
                    source.issues.append(Issue("warning", "data.ignored_file",
                                               file=member_display))
                continue
            table = detect_table(pure.name)
            if table is None:
                source.issues.append(Issue("warning", "data.unknown_file", file=member_display,
                                           params={"tables": _table_list()}))
                continue
            if info.file_size > limits.max_file_bytes:
                from pbkit.data.limits import format_bytes

                raise DataLimitError("data.file_too_large", file=member_display, table=table,
                                     size=format_bytes(info.file_size),
                                     limit=format_bytes(limits.max_file_bytes))

            def read_member(info=info, member_display=member_display, table=table):
                raw = _read_member(zf, info, member_display, table, limits)
                return _read_csv_bytes(raw, member_display, table, encoding, source.issues,
                                       limits)

            _add_table(source, _guard(source, member_display, table, "data.bad_zip",
                                      read_member))


# ---------------------------------------------------------------- xlsx

def _cell_text(value) -> str:
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    import datetime as dt

    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _sheet_rows(ws):
    """(row number, {column: value}) for each row the sheet XML holds, blank rows skipped.

    Reads the sheet with openpyxl's streaming parser, so a damaged or hostile file that
    names row 1,000,000 does not make a million empty rows in memory. Falls back to the
    public ``iter_rows`` API if openpyxl's internals change.
    """
    try:
        from openpyxl.worksheet._reader import WorkSheetParser

        wb = ws.parent
        source = ws._get_source()
        parser = WorkSheetParser(source, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats,
                                 timedelta_formats=wb._timedelta_formats)
    except (ImportError, AttributeError, TypeError):
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # LibreOffice and others may write a wrong <dimension>
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            values = {j + 1: v for j, v in enumerate(row) if v is not None}
            if values:
                yield number, values
        return
    with source:
        for number, cells in parser.parse():
            values = {c["column"]: c["value"] for c in cells if c.get("value") is not None}
            if values:
                yield number, values


_XLSX_BATCH_CELLS = 1 << 18  # cells held as Python objects before they become arrow text


def _sheet_grid(ws, file: str, table: str | None, limits: Limits,
                budget: list[int] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The sheet's cells as text columns, and each row's number.

    ``budget`` is a one-item list holding the cells the workbook may still hold; it is
    spent row by row, and the read stops at the row that overdraws it. Rows are turned into
    arrow text columns every 256 Ki cells, so a sheet holds about its text's size in memory
    rather than a Python object per cell.
    """
    import pyarrow as pa

    numbers: list[int] = []
    rows: list[dict] = []
    chunks: list[list] = []  # per column: arrow arrays, one per flushed batch
    done = 0  # rows already flushed
    width = 0
    pending = 0
    budget = budget if budget is not None else [limits.max_xlsx_cells]

    def flush() -> None:
        nonlocal rows, done, pending
        while len(chunks) < width:  # a column first met now: empty in earlier batches
            chunks.append([pa.array([""] * done, type=pa.large_string())] if done else [])
        for j in range(width):
            chunks[j].append(pa.array([_cell_text(r.get(j + 1)) for r in rows],
                                      type=pa.large_string()))
        done += len(rows)
        rows, pending = [], 0

    for number, values in _sheet_rows(ws):
        budget[0] -= len(values)
        if budget[0] < 0:
            raise DataLimitError("data.xlsx_too_many_cells", file=file, table=table,
                                 row=int(number), limit=limits.max_xlsx_cells)
        numbers.append(int(number))
        rows.append(values)
        if len(numbers) > limits.max_rows + 1000:
            raise DataLimitError("data.too_many_rows", file=file, table=table,
                                 limit=limits.max_rows)
        right = max(values)
        if right > width:
            width = right
            if width > limits.max_columns:
                raise DataLimitError("data.too_many_columns", file=file, table=table,
                                     count=width, limit=limits.max_columns)
        pending += len(values)
        if pending >= _XLSX_BATCH_CELLS:
            flush()
    flush()
    cols = {j: pd.Series(pa.chunked_array(chunks[j], type=pa.large_string()), dtype=STR_DTYPE)
            for j in range(width)}
    return (pd.DataFrame(cols, index=pd.RangeIndex(len(numbers))),
            np.asarray(numbers, dtype=np.int64))


def _read_xlsx(path: Path, display: str, source: RawSource, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            check_archive(zf, display, limits, xlsx=True)
    except DataLimitError:
        raise
    except Exception as exc:  # any damaged archive (bad headers, odd versions): a report
        source.issues.append(Issue("error", "data.bad_xlsx", file=display,
                                   params={"detail": str(exc)[:200]}))
        return

    def open_book():
        import openpyxl

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)

    wb = _guard(source, display, None, "data.bad_xlsx", open_book)
    if wb is None:
        return
    budget = [limits.max_xlsx_cells]
    try:
        names = list(wb.sheetnames)
        for sheet_name in names:
            table = detect_table(sheet_name)
            if table is None and len(names) == 1:
                table = detect_table(path.name)
            if table is None:
                source.issues.append(Issue("warning", "data.unknown_sheet", file=display,
                                           params={"sheet": sheet_name,
                                                   "tables": _table_list()}))
                continue

            def read_sheet(sheet_name=sheet_name, table=table):
                ws = wb[sheet_name]
                if not hasattr(ws, "iter_rows"):  # a chart sheet
                    return None
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    grid, numbers = _sheet_grid(ws, display, table, limits, budget)
                return _grid_to_table(grid, table, display, sheet_name, source.issues, limits,
                                      numbers)

            _add_table(source, _guard(source, display, table, "data.bad_xlsx", read_sheet))
    finally:
        try:
            wb.close()
        except Exception:
            pass


# ---------------------------------------------------------------- entry point

def read_source(path: str | os.PathLike, *, encoding: str | None = None,
                limits: Limits | None = None,
                prepare: Callable[[RawTable], Any] | None = None) -> RawSource:
    """Read every table of a dataset path without typing or validating it.

    Parameters
    ----------
    path : path-like
        A folder of CSV files, a .zip of CSV files, one .xlsx workbook (sheet per table) or
        a single CSV file.
    encoding : str, optional
        Encoding of the CSV files; default: detected (BOM, UTF-8, GB18030).
    limits : Limits, optional
        Size bounds (default :data:`pbkit.data.limits.DEFAULT_LIMITS`).
    prepare : callable, optional
        Called with each table of a folder of CSV files as soon as it is read, in the
        thread that read it (so later tables are read while earlier ones are prepared);
        its results are kept in ``RawSource.prepared`` by table. Used by the validator to
        check each table's columns while the other files are still being read.

    Returns
    -------
    RawSource
        Tables read, and the issues met while reading.

    Raises
    ------
    DataError
        ``path`` does not exist or is of an unsupported type.
    DataLimitError
        A file or archive exceeds ``limits`` (checked before reading).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "组织.csv").write_bytes("组织编号,层级\\n\\nV1,村\\n".encode("gb18030"))
    >>> src = read_source(d)
    >>> rt = src.tables["orgs"]
    >>> rt.headers, rt.rows.tolist(), rt.data[1].tolist()
    (('组织编号', '层级'), [3], ['村'])
    """
    limits = limits or DEFAULT_LIMITS
    resolve_encoding(encoding)  # an unknown codec name is a usage error, raised now
    p = Path(path)
    display = p.name or str(p)
    check_readable(p)
    if p.is_dir():
        source = RawSource(display, "folder")
        try:
            _read_folder(p, source, encoding, limits, prepare)
        except PermissionError as exc:
            raise DataError("data.path_unreadable", file=str(path), path=str(path),
                            detail=exc.strerror or str(exc)) from None
        return source
    suffix = p.suffix.lower()
    _check_regular(p, display)
    try:
        check_file_size(p, display, limits)
    except PermissionError as exc:  # pragma: no cover - stat rarely fails this way
        raise DataError("data.path_unreadable", file=str(path), path=str(path),
                        detail=str(exc)) from None
    if suffix == ".zip":
        source = RawSource(display, "zip")
        _read_zip(p, display, source, encoding, limits)
    elif suffix in XLSX_SUFFIXES:
        source = RawSource(display, "xlsx")
        _read_xlsx(p, display, source, limits)
    elif suffix == ".xls":
        source = RawSource(display, "xls")
        source.issues.append(Issue("error", "data.xls_unsupported", file=display))
    elif suffix in CSV_SUFFIXES:
        source = RawSource(display, "csv")
        try:
            _read_csv_file(p, display, source, encoding, limits)
        except PermissionError as exc:
            raise DataError("data.path_unreadable", file=str(path), path=str(path),
                            detail=exc.strerror or str(exc)) from None
    else:
        raise DataError("data.unsupported_format", file=display, suffix=suffix or p.name)
    return source
