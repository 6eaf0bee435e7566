"""Validation of a dataset path: every problem located by file, table, row and column.

:func:`validate` reads a folder of CSV files, a .zip of CSV files or an .xlsx workbook
(:mod:`pbkit.data.readers`), normalises every column (:mod:`pbkit.data.normalize`) and
checks it against the one schema (:data:`pbkit.data.schema.TABLES`). It never raises for a
problem in the data; everything becomes an :class:`~pbkit.data.report.Issue`:

* files: unreadable, unknown encoding, unknown name (warning), a table given twice,
  a required table (``orgs``, ``people``) missing, sizes over :class:`Limits`;
* columns: a required column missing, an unknown column (warning), a column given twice,
  a header that means a direct identifier (name, phone, ID number, address);
* cells: a required value empty, a value not in the allowed codes or labels, a number,
  date or yes/no that cannot be read, a number out of range, a resident ID number or
  mobile number anywhere in a text cell (shown masked, never in full);
* rows: duplicate ids, references to rows that do not exist (``people.org_id``,
  ``households.org_id``, ``activities.org_id``, ``orgs.parent_id``, ``visits.person_id``,
  ``visits.target_id`` (household or org) and ``pairings.source_id``/``target_id`` by
  mechanism: one_on_one person -> household, two_plus_one and study_help person -> person,
  bao_cun person -> org, branch_pair org -> org), loops of parent organisations;
* impossible values: ``join_year < birth_year + 18``, ``attended > expected``, activity,
  visit and last-contact dates in the future, years in the future, ``end`` before
  ``start``.

Row numbers are the rows the user sees in the file (header = row 1).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "orgs.csv").write_text("org_id,level\\nV1,village\\n", encoding="utf-8")
>>> _ = (d / "people.csv").write_text(
...     "person_id,org_id,roles,gender,education\\nP1,V9,member,男,初中\\n", encoding="utf-8")
>>> [(i.file, i.row, i.column, i.message("en")) for i in validate(d)]
[('people.csv', 2, 'org_id', 'V9 does not exist in table orgs')]
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pbkit.data.identifiers import (
    IDENTIFIER_NUMBER_MIN,
    NAME_PREFILTER_PATTERN,
    PREFILTER_PATTERN,
    find_names,
    find_numbers,
    has_identifier,
    identifier_header,
    mask,
)
from pbkit.data.limits import DEFAULT_LIMITS, Limits
from pbkit.data.normalize import (
    STR_DTYPE,
    _nonempty,
    allowed_text,
    factorize_codes,
    factorize_text,
    number_span,
    parse_bool,
    parse_date,
    parse_enum,
    parse_float,
    parse_int,
    parse_multi,
    parse_tags,
)
from pbkit.data.readers import RawSource, RawTable, read_source, resolve_header
from pbkit.data.report import Issue, ValidationReport, shown_value
from pbkit.data.schema import PANDAS_DTYPES, TABLE_ORDER, TABLES, Column
from pbkit.errors import DataLimitError

__all__ = ["validate", "check_source", "read_and_check", "REQUIRED_TABLES", "PAIRING_ENDS", "TEXT_KINDS"]

REQUIRED_TABLES: tuple[str, ...] = ("orgs", "people")

# mechanism -> (table of source_id, table of target_id)
PAIRING_ENDS: dict[str, tuple[str, str]] = {
    "one_on_one": ("people", "households"),
    "two_plus_one": ("people", "people"),
    "study_help": ("people", "people"),
    "bao_cun": ("people", "orgs"),
    "branch_pair": ("orgs", "orgs"),
}
# simple references: (table, column) -> referenced table
SIMPLE_REFS: dict[tuple[str, str], str] = {
    ("people", "org_id"): "orgs",
    ("households", "org_id"): "orgs",
    ("activities", "org_id"): "orgs",
    ("orgs", "parent_id"): "orgs",
    ("visits", "person_id"): "people",
}
# date columns that record something that happened, so cannot lie in the future
PAST_DATES: tuple[tuple[str, str], ...] = (
    ("activities", "date"), ("visits", "date"), ("people", "last_contact"),
)
YEAR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("people", "birth_year"), ("people", "join_year"), ("people", "role_since"),
)
TEXT_KINDS = ("id", "ref", "str", "tags")
_SHOW_MAX = 40


def _number(value: float) -> int | float:
    """A number for a message: whole numbers without a decimal point."""
    return int(value) if float(value).is_integer() else float(value)


_ID_DIGITS = 11  # the identifier pre-filter needs 11 digits (a mobile number; IDs have 17+)


def _id_candidates(cells: pd.Series) -> np.ndarray:
    """Cells that can hold a resident ID or mobile number: 11 digits or more, vectorised.

    Digits are ASCII or full-width (``０-９``, three UTF-8 bytes starting with 0xEF); a
    cell's count of ASCII digit bytes plus 0xEF bytes is at least its number of digits, so
    a cell where that count is under 11 cannot match :data:`PREFILTER_PATTERN`. Counted on
    the raw text buffers, without looking at cells one by one.
    """
    if cells.dtype == STR_DTYPE and getattr(cells.dtype, "storage", "") == "pyarrow":
        import pyarrow as pa

        arr = pa.array(cells)
        parts = []
        for chunk in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]):
            size = len(chunk)
            if size == 0:
                continue
            if chunk.type not in (pa.string(), pa.large_string()):
                return (cells.str.len() >= _ID_DIGITS).to_numpy(dtype=bool, na_value=False)
            bufs = chunk.buffers()
            width = np.int64 if chunk.type == pa.large_string() else np.int32
            offsets = np.frombuffer(bufs[1], dtype=width)[chunk.offset: chunk.offset + size + 1]
            long = (offsets[1:] - offsets[:-1]) >= _ID_DIGITS
            if chunk.null_count:
                long &= np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            rows = np.flatnonzero(long)
            if len(rows) and bufs[2] is not None:
                data = np.frombuffer(bufs[2], dtype=np.uint8)[offsets[0]: offsets[-1]]
                digits = ((data >= 48) & (data <= 57)) | (data == 0xEF)
                if not digits.any():
                    long[:] = False
                else:
                    small = len(digits) < 2**31 - 1  # a running count per byte: 4 bytes
                    total = np.zeros(len(digits) + 1, dtype=np.int32 if small else np.int64)
                    np.cumsum(digits, out=total[1:])
                    rel = offsets.astype(np.int64) - int(offsets[0])
                    counts = total[rel[1:][rows]] - total[rel[:-1][rows]]
                    long[rows] = counts >= _ID_DIGITS
            parts.append(long)
        if not parts:
            return np.zeros(0, dtype=bool)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)
    return (cells.str.len() >= _ID_DIGITS).to_numpy(dtype=bool, na_value=False)


def _may_have_duplicates(values: pd.Series) -> bool:
    """Cheap sort-based test (text columns): ``False`` means every value is distinct."""
    if len(values) < 2 or not (values.dtype == STR_DTYPE
                               and getattr(values.dtype, "storage", "") == "pyarrow"):
        return True
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values, type=pa.string())
    n = len(arr)
    if arr.null_count == 0:
        # ids are often written in order: strictly increasing means all distinct, and
        # testing that is one pass instead of a sort
        increasing = pc.less(arr.slice(0, n - 1), arr.slice(1))
        if pc.all(increasing).as_py():
            return False
    ordered = arr.take(pc.sort_indices(arr))
    same = pc.equal(ordered.slice(1), ordered.slice(0, n - 1))
    return bool(pc.any(same).as_py())


def _isin(values: pd.Series, known: pd.Series) -> np.ndarray:
    """``values.isin(known)`` as a bool array, in C for arrow-backed text."""
    if values.dtype == STR_DTYPE and getattr(values.dtype, "storage", "") == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        value_set = pa.array(known, type=pa.string())
        hit = pc.is_in(pa.array(values, type=pa.string()), value_set=value_set)
        return np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    return values.isin(known).to_numpy(dtype=bool)


def _show(value: object) -> str:
    """A cell value fit for a message: masked if it holds an identifier, shortened."""
    text = "" if value is None else str(value)
    if has_identifier(text):
        return mask(text)
    return text if len(text) <= _SHOW_MAX else text[: _SHOW_MAX - 1] + "…"


def _pairing_rows(pairs) -> dict[tuple[str, str, str], np.ndarray]:
    """Rows of pairings whose mechanism sends each end to each table (by key)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows: dict[tuple[str, str, str], np.ndarray] = {}
    if pairs is None or "mechanism" not in pairs.typed:
        return rows
    mech = pa.array(pairs.typed["mechanism"])
    for side, column in ((0, "source_id"), (1, "target_id")):
        for target in ("orgs", "people", "households"):
            names = [m for m, ends in PAIRING_ENDS.items() if ends[side] == target]
            if not names:
                continue
            wanted = pc.is_in(mech, value_set=pa.array(names, type=mech.type))
            rows[("pairings", column, target)] = np.asarray(
                pc.fill_null(wanted, False).to_numpy(zero_copy_only=False), dtype=bool)
    return rows


def _probe(tables: dict, known: pd.Series, target: str, columns: list[tuple[str, str]],
           rows: dict) -> dict[tuple[str, str, str], np.ndarray]:
    """Membership of each text column ``(table, column)`` in ``known`` (one ``is_in``).

    Where ``rows`` has a mask for ``(table, column, target)`` only those rows are probed
    (the others come out ``False``).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    present = [(t, c) for t, c in columns
               if t in tables and c in tables[t].typed
               and tables[t].typed[c].dtype == STR_DTYPE]
    if not present:
        return {}
    arrays = []
    for t, c in present:
        a = pa.array(tables[t].typed[c], type=pa.string())
        mask = rows.get((t, c, target))
        if mask is not None and not mask.all():
            a = a.filter(pa.array(mask))
        arrays.append(a)
    chunks = [chunk for a in arrays
              for chunk in (a.chunks if isinstance(a, pa.ChunkedArray) else [a])]
    hit = pc.is_in(pa.chunked_array(chunks, type=pa.string()),
                   value_set=pa.array(known, type=pa.string()))
    flags = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
    out: dict[tuple[str, str, str], np.ndarray] = {}
    start = 0
    for (t, c), a in zip(present, arrays):
        part = flags[start: start + len(a)]
        start += len(a)
        mask = rows.get((t, c, target))
        if mask is not None and not mask.all():
            full = np.zeros(len(mask), dtype=bool)
            full[mask] = part
            part = full
        out[(t, c, target)] = part
    return out


@dataclass
class _Table:
    raw: RawTable
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header as written
    positions: dict[str, int] = field(default_factory=dict)  # canonical -> data column
    cells: dict[str, pd.Series] = field(default_factory=dict)  # canonical -> cleaned text
    typed: dict[str, pd.Series] = field(default_factory=dict)
    blocked: dict[str, np.ndarray] = field(default_factory=dict)  # cells already reported
    frame: pd.DataFrame | None = None  # typed frame, built once the columns are checked

    @property
    def n(self) -> int:
        return len(self.raw.rows)


class _Checker:
    def __init__(self, source: RawSource, limits: Limits, today: pd.Timestamp) -> None:
        self.source = source
        self.limits = limits
        self.today = today
        self.issues: list[Issue] = list(source.issues)
        self.tables: dict[str, _Table] = {}
        self.identifier_columns: list[str] = []
        self.identifier_cells = 0
        self._ids: dict[str, pd.Series | None] = {}
        self._members: dict[tuple[str, str, str], np.ndarray] = {}

    # ------------------------------------------------------------- emitting
    def emit(self, severity: str, key: str, tab: _Table, column: str | None,
             positions: np.ndarray, params, cells: pd.Series | None = None) -> None:
        """One issue per position (capped), ``params(pos)`` gives the message values.

        ``cells`` (positional, as read) gives each issue's value as the user wrote it;
        without them the message's own value (already masked) is kept.
        """
        cap = self.limits.max_issues_per_check
        raw = tab.raw
        for pos in positions[:cap]:
            values = params(int(pos))
            if cells is not None:
                value = shown_value(cells.iat[int(pos)], column)
            else:
                value = next((str(values[k]) for k in ("value", "bad", "masked")
                              if values.get(k) is not None), None)
            self.issues.append(Issue(severity, key, file=raw.file, table=raw.table,
                                     row=int(raw.rows[pos]), column=column,
                                     params=values, value=value))
        if len(positions) > cap:
            self.issues.append(Issue(severity, "data.more_same", file=raw.file,
                                     table=raw.table, column=column,
                                     params={"more": len(positions) - cap, "shown": cap}))

    def header_issue(self, severity: str, key: str, tab: _Table, column: str | None,
                     **params) -> None:
        self.issues.append(Issue(severity, key, file=tab.raw.file, table=tab.raw.table,
                                 column=column, params=params))

    # ------------------------------------------------------------- per table
    def table(self, raw: RawTable) -> _Table:
        tab = _Table(raw)
        spec = TABLES[raw.table]
        seen: dict[str, str] = {}
        for j, header in enumerate(raw.headers):
            canonical = resolve_header(spec, header)
            if canonical is None:
                kind = identifier_header(header)
                if kind is not None:
                    self.identifier_columns.append(header)
                    self.header_issue("error", f"data.identifier_column.{kind}", tab, header)
                else:
                    self.header_issue("warning", "data.unknown_column", tab, header)
                    self.scan_cells(tab, header, raw.data[j], None, names=True)
                continue
            if canonical in seen:
                self.header_issue("error", "data.duplicate_column", tab, header,
                                  other=seen[canonical], name=canonical)
                continue
            seen[canonical] = header
            tab.columns[canonical] = header
            tab.positions[canonical] = j
            tab.cells[canonical] = raw.data[j]
        if raw.headers or raw.table in REQUIRED_TABLES:
            for col in spec.columns:
                if col.required and col.name not in tab.columns:
                    self.header_issue("error", "data.missing_column", tab, col.name)
        for col in spec.columns:
            if col.name in tab.cells:
                self.column(tab, col)
        self.duplicates(tab, spec.key)
        self.tables[raw.table] = tab
        return tab

    def scan_cells(self, tab: _Table, column: str, cells: pd.Series,
                   only: np.ndarray | None, names: bool = False) -> np.ndarray:
        """Report resident IDs, mobile numbers (and, with ``names``, personal names) in
        ``cells``; returns the hit mask."""
        hits = self.scan_numbers(tab, column, cells, only)
        if names and len(cells) and cells.dtype.kind not in "iuf":
            hits |= self.scan_names(tab, column, cells, only, hits)
        return hits

    def scan_names(self, tab: _Table, column: str, cells: pd.Series,
                   only: np.ndarray | None, done: np.ndarray) -> np.ndarray:
        """Report personal names in free-text ``cells`` (not those already reported)."""
        hits = np.zeros(len(cells), dtype=bool)
        pre = cells.str.contains(NAME_PREFILTER_PATTERN, regex=True).to_numpy(
            dtype=bool, na_value=False) & ~done
        if only is not None:
            pre &= only
        found: dict[int, str] = {}
        for pos in np.flatnonzero(pre):
            value = cells.iat[pos]
            spans = find_names(value)
            if spans:
                found[int(pos)] = mask(value[spans[0][1]:spans[0][2]])
        if found:
            positions = np.array(sorted(found), dtype=np.int64)
            hits[positions] = True
            self.identifier_cells += len(positions)
            self.emit("error", "data.identifier_cell.name", tab, column, positions,
                      lambda p: {"masked": found[p]}, cells)
        return hits

    def scan_numbers(self, tab: _Table, column: str, cells: pd.Series,
                     only: np.ndarray | None) -> np.ndarray:
        """Report resident IDs and mobile numbers in ``cells``; returns the hit mask."""
        hits = np.zeros(len(cells), dtype=bool)
        if len(cells) == 0:
            return hits
        if cells.dtype.kind in "iuf":  # read as numbers: only 11+ digit ones matter
            span = number_span(cells)
            if span is None or max(span[1], -span[0]) < IDENTIFIER_NUMBER_MIN:
                return hits
            with np.errstate(invalid="ignore"):
                numbers = np.abs(cells.to_numpy(dtype="float64", na_value=np.nan))
                big = numbers >= IDENTIFIER_NUMBER_MIN
            if only is not None:
                big = big & only
            if not big.any():
                return hits
            text = pd.Series("", index=cells.index, dtype=STR_DTYPE)
            text[big] = [str(int(v)) if float(v).is_integer() else repr(v)
                         for v in cells[big]]
            cells = text
        # an identifier needs at least 11 digits: test the pattern on those cells only
        candidates = _id_candidates(cells)
        if only is not None:
            candidates = candidates & only
        if not candidates.any():
            return hits
        pre = np.zeros(len(cells), dtype=bool)
        pre[candidates] = cells[candidates].str.contains(PREFILTER_PATTERN, regex=True).to_numpy(
            dtype=bool, na_value=False)
        found: dict[int, tuple[str, str]] = {}
        for pos in np.flatnonzero(pre):
            value = cells.iat[pos]
            spans = find_numbers(value)
            if spans:
                kind, start, end = spans[0]
                found[int(pos)] = (kind, mask(value[start:end]))
        if not found:
            return hits
        positions = np.array(sorted(found), dtype=np.int64)
        hits[positions] = True
        self.identifier_cells += len(positions)
        for kind in ("resident_id", "mobile"):
            mine = np.array([p for p in positions if found[int(p)][0] == kind], dtype=np.int64)
            if len(mine):
                self.emit("error", f"data.identifier_cell.{kind}", tab, column, mine,
                          lambda p: {"masked": found[p][1]}, cells)
        return hits

    def column(self, tab: _Table, col: Column) -> None:
        header = tab.columns[col.name]
        cells = tab.cells[col.name]
        kind = col.kind
        if kind in TEXT_KINDS or kind == "int":  # no whole number we hold has 11 digits
            ident = self.scan_cells(tab, header, cells, None, names=kind in ("str", "tags"))
        else:
            ident = np.zeros(len(cells), dtype=bool)
        empty = ~_nonempty(cells)
        bad = np.zeros(len(cells), dtype=bool)
        extra = None
        if kind in ("id", "ref", "str"):
            if empty.any() or cells.dtype != STR_DTYPE:
                typed = cells.where(~empty, None).astype(STR_DTYPE)
            else:  # nothing to blank out: the cleaned text column is the typed one
                typed = cells
        elif kind == "enum":
            typed, bad = parse_enum(cells, col)
        elif kind == "multi":
            typed, bad, extra = parse_multi(cells, col)
        elif kind == "tags":
            typed = parse_tags(cells)
        elif kind == "int":
            typed, bad = parse_int(cells)
        elif kind == "float":
            typed, bad = parse_float(cells)
        elif kind == "bool":
            typed, bad = parse_bool(cells)
        else:  # date
            typed, bad = parse_date(cells)
        if kind not in TEXT_KINDS and kind != "int" and bad.any():
            ident = self.scan_cells(tab, header, cells, bad)
        bad = bad & ~ident
        tab.blocked[col.name] = ident | bad
        if bad.any():
            positions = np.flatnonzero(bad)
            if kind == "enum":
                allowed = allowed_text(col)
                self.emit("error", "data.bad_enum", tab, header, positions,
                          lambda p: {"value": _show(cells.iat[p]), "allowed": allowed},
                          cells)
            elif kind == "multi":
                allowed = allowed_text(col)
                self.emit("error", "data.bad_multi", tab, header, positions,
                          lambda p: {"bad": _show(extra.iat[p]), "allowed": allowed},
                          cells)
            else:
                key = {"int": "data.bad_int", "float": "data.bad_float",
                       "bool": "data.bad_bool", "date": "data.bad_date"}[kind]
                self.emit("error", key, tab, header, positions,
                          lambda p: {"value": _show(cells.iat[p])}, cells)
        if not col.nullable:
            missing = empty & ~ident
            if missing.any():
                self.emit("error", "data.missing_value", tab, header, np.flatnonzero(missing),
                          lambda p: {})
        if kind in ("int", "float") and (col.min is not None or col.max is not None) \
                and not self._within(cells if cells.dtype.kind in "iuf" else typed, col):
            values = typed.astype("float64").to_numpy(na_value=np.nan)
            for bound, key, op in ((col.min, "data.below_min", np.less),
                                   (col.max, "data.above_max", np.greater)):
                if bound is None:
                    continue
                with np.errstate(invalid="ignore"):
                    # an identifier cell is already reported, masked: never repeat its value
                    out = op(values, bound) & ~np.isnan(values) & ~ident
                if out.any():
                    b = int(bound) if float(bound).is_integer() else bound
                    name = "min" if key == "data.below_min" else "max"
                    self.emit("error", key, tab, header, np.flatnonzero(out),
                              lambda p, b=b, name=name, v=values: {"value": _number(v[p]),
                                                                   name: b}, cells)
                    tab.blocked[col.name] = tab.blocked[col.name] | out
        tab.typed[col.name] = typed

    @staticmethod
    def _within(values: pd.Series, col: Column) -> bool:
        """Whether every value of a number column lies within its bounds (two reductions).

        ``values`` may be the cells as read when they are numbers already: a cell that
        is not a valid number there is reported as such, and blocked, before this.
        """
        span = number_span(values)
        if span is None:
            return True
        low, high = span
        return not ((col.min is not None and low < col.min)
                    or (col.max is not None and high > col.max))

    def duplicates(self, tab: _Table, key: str) -> None:
        if key not in tab.typed:
            return
        ids = tab.typed[key]
        if not _may_have_duplicates(ids):
            return
        codes, n_distinct = factorize_codes(ids)
        if n_distinct == int((codes >= 0).sum()):
            return
        order = np.arange(len(codes))
        first = np.full(n_distinct, -1, dtype=np.int64)
        valid = codes >= 0
        # first position of each id: write positions in reverse so the earliest wins
        first[codes[valid][::-1]] = order[valid][::-1]
        dup = valid & (first[np.where(valid, codes, 0)] != order)
        rows = tab.raw.rows
        values = ids
        self.emit("error", "data.duplicate_id", tab, tab.columns[key], np.flatnonzero(dup),
                  lambda p: {"value": _show(values.iat[p]),
                             "first_row": int(rows[first[codes[p]]])})

    # ------------------------------------------------------------- across tables
    def ids(self, table: str) -> pd.Series | None:
        """The ids of ``table`` (missing ones dropped), or ``None`` without that table."""
        if table in self._ids:
            return self._ids[table]
        tab = self.tables.get(table)
        key = TABLES[table].key
        if tab is None:
            # an absent optional table is empty: every reference to it dangles; an absent
            # required table is already an error, so its references are not checked
            known = None if table in REQUIRED_TABLES else pd.Series([], dtype=STR_DTYPE)
        else:
            known = tab.typed[key].dropna() if key in tab.typed else None
        self._ids[table] = known
        return known

    def member(self, table: str, column: str, target: str) -> np.ndarray:
        """Whether each value of ``table.column`` is an id of ``target`` (cached)."""
        key = (table, column, target)
        if key not in self._members:
            self._members[key] = _isin(self.tables[table].typed[column], self.ids(target))
        return self._members[key]

    def _batch_members(self) -> None:
        """Probe every reference column against each referenced table in one pass.

        Pairings and visits look up the same people/households ids from several columns;
        one ``is_in`` per referenced table over all those columns builds each hash set once.
        Only the rows that need an answer are probed: a pairing's ``source_id`` and
        ``target_id`` against the table its mechanism names, a visit's ``target_id``
        against households only when it is not an organisation. The cached membership of
        such a column is therefore ``False`` on rows that were not asked about, which the
        checks that read it (:meth:`pairings`, :meth:`visit_targets`) never look at.
        """
        probes: dict[str, list[tuple[str, str]]] = {"orgs": [], "people": [],
                                                    "households": []}
        for (table, column), target in SIMPLE_REFS.items():
            probes[target].append((table, column))
        rows = _pairing_rows(self.tables.get("pairings"))
        for (_table, column, target) in rows:
            probes[target].append(("pairings", column))
        probes["orgs"].append(("visits", "target_id"))
        probes["households"].append(("visits", "target_id"))

        def probe(target: str) -> dict[tuple[str, str, str], np.ndarray]:
            known = self.ids(target)
            if known is None:
                return {}
            return _probe(self.tables, known, target, list(dict.fromkeys(probes[target])),
                          rows)

        def households_after_orgs() -> dict[tuple[str, str, str], np.ndarray]:
            in_orgs = orgs_done.get(("visits", "target_id", "orgs"))
            if in_orgs is not None:  # a visit to an organisation needs no household look-up
                rows[("visits", "target_id", "households")] = ~in_orgs
            return probe("households")

        for target in ("orgs", "people", "households"):
            self.ids(target)  # filled here, not from two threads at once
        size = sum(len(self.tables[t].raw.rows) for t in ("visits", "pairings", "activities")
                   if t in self.tables)
        if size > _PARALLEL_ROWS:
            # the look-ups release the GIL: people runs beside orgs then households
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=2) as pool:
                people = pool.submit(probe, "people")
                orgs_done = probe("orgs")
                homes = households_after_orgs()
                found = {**orgs_done, **people.result(), **homes}
        else:
            orgs_done = probe("orgs")
            found = {**orgs_done, **probe("people"), **households_after_orgs()}
        self._members.update(found)

    def refs(self) -> None:
        self._batch_members()
        for (table, column), target in SIMPLE_REFS.items():
            tab = self.tables.get(table)
            known = self.ids(target)
            if tab is None or column not in tab.typed or known is None:
                continue
            values = tab.typed[column]
            missing = (values.notna().to_numpy() & ~self.member(table, column, target))
            missing = missing & (~tab.blocked[column])
            if missing.any():
                self.emit("error", "data.dangling_ref", tab, tab.columns[column],
                          np.flatnonzero(missing),
                          lambda p, v=values, target=target: {"value": _show(v.iat[p]),
                                                                     "target": target})
        self.parents()
        self.pairings()
        self.visit_targets()

    def parents(self) -> None:
        tab = self.tables.get("orgs")
        if tab is None or "parent_id" not in tab.typed or "org_id" not in tab.typed:
            return
        ids = tab.typed["org_id"]
        parents = tab.typed["parent_id"]
        selfref = (parents.notna() & (parents == ids)).to_numpy(dtype=bool, na_value=False)
        if selfref.any():
            self.emit("error", "data.parent_self", tab, tab.columns["parent_id"],
                      np.flatnonzero(selfref), lambda p: {"value": _show(parents.iat[p])})
        id_list, parent_list = ids.tolist(), parents.tolist()  # one conversion, not per cell
        mapping = {i: q for i, q in zip(id_list, parent_list)
                   if isinstance(i, str) and isinstance(q, str) and i != q}
        pos_of = {i: p for p, i in enumerate(id_list) if isinstance(i, str)}
        done: set[str] = set()
        cycles = []
        for start in mapping:
            if start in done:
                continue
            path, node = [], start
            index: dict[str, int] = {}
            while node in mapping and node not in done and node not in index:
                index[node] = len(path)
                path.append(node)
                node = mapping[node]
            if node in index:
                cycles.append(path[index[node]:])
            done.update(path)
        for cycle in cycles:
            first = min(cycle, key=lambda i: pos_of[i])
            chain = " → ".join(_show(c) for c in [*cycle, cycle[0]])
            self.emit("error", "data.parent_cycle", tab, tab.columns["parent_id"],
                      np.array([pos_of[first]]), lambda p, chain=chain: {"chain": chain})

    def pairings(self) -> None:
        tab = self.tables.get("pairings")
        if tab is None or "mechanism" not in tab.typed:
            return
        mech = tab.typed["mechanism"]
        mech_codes, mech_names = factorize_text(mech)  # one pass, not one per mechanism
        for side_index, column in ((0, "source_id"), (1, "target_id")):
            if column not in tab.typed:
                continue
            values = tab.typed[column]
            bad_all = np.zeros(tab.n, dtype=bool)
            targets = np.empty(tab.n, dtype=object)
            present = values.notna().to_numpy()
            member: dict[str, np.ndarray] = {}  # target table -> membership of each value
            for mechanism, ends in PAIRING_ENDS.items():
                target = ends[side_index]
                known = self.ids(target)
                if known is None:
                    continue
                if mechanism not in mech_names:
                    continue
                rows = mech_codes == mech_names.index(mechanism)
                if target not in member:
                    member[target] = self.member("pairings", column, target)
                missing = rows & present & ~member[target]
                bad_all = bad_all | (missing)
                targets[missing] = target
            bad_all = bad_all & (~tab.blocked[column])
            if bad_all.any():
                key = "data.dangling_pairing." + ("source" if side_index == 0 else "target")
                self.emit("error", key, tab, tab.columns[column], np.flatnonzero(bad_all),
                          lambda p, v=values, tg=targets: {"value": _show(v.iat[p]), "target": tg[p],
                                               "mechanism": mech.iat[p]})

    def visit_targets(self) -> None:
        tab = self.tables.get("visits")
        if tab is None or "target_id" not in tab.typed:
            return
        households, orgs = self.ids("households"), self.ids("orgs")
        if orgs is None:
            return
        values = tab.typed["target_id"]
        known = self.member("visits", "target_id", "orgs")
        if households is not None:
            known = known | self.member("visits", "target_id", "households")
        missing = values.notna().to_numpy() & ~known & ~tab.blocked["target_id"]
        if missing.any():
            self.emit("error", "data.dangling_ref_any", tab, tab.columns["target_id"],
                      np.flatnonzero(missing),
                      lambda p: {"value": _show(values.iat[p]), "targets": "households, orgs"})

    # ------------------------------------------------------------- impossible values
    def impossible(self, table: str) -> None:
        """Values no row of ``table`` can hold: future years and dates, join before 18,
        more attended than expected, an end before its start (checks within one table,
        so each runs in the thread that checked the table)."""
        tab = self.tables.get(table)
        if tab is None:
            return
        year = self.today.year
        for name, column in YEAR_COLUMNS:
            if name != table or column not in tab.typed:
                continue
            v = tab.typed[column]
            future = (v > year).to_numpy(dtype=bool, na_value=False)
            if future.any():
                self.emit("error", "data.future_year", tab, tab.columns[column],
                          np.flatnonzero(future), lambda p, v=v: {"value": int(v.iat[p]),
                                                                  "year": year})
                tab.blocked[column] = tab.blocked[column] | future
        today_text = self.today.strftime("%Y-%m-%d")
        for name, column in PAST_DATES:
            if name != table or column not in tab.typed:
                continue
            v = tab.typed[column]
            future = (v > self.today).to_numpy(dtype=bool, na_value=False)
            if future.any():
                self.emit("error", "data.future_date", tab, tab.columns[column],
                          np.flatnonzero(future),
                          lambda p, v=v: {"value": v.iat[p].strftime("%Y-%m-%d"),
                                          "today": today_text})
        if table == "people":
            self._people_years(tab, year)
        elif table == "activities" and {"expected", "attended"} <= set(tab.typed):
            exp, att = tab.typed["expected"], tab.typed["attended"]
            over = (att > exp).to_numpy(dtype=bool, na_value=False)
            over = over & ~tab.blocked["attended"] & ~tab.blocked["expected"]
            if over.any():
                self.emit("error", "data.attended_over_expected", tab,
                          tab.columns["attended"], np.flatnonzero(over),
                          lambda p: {"attended": int(att.iat[p]), "expected": int(exp.iat[p])})
        elif table == "pairings" and {"start", "end"} <= set(tab.typed):
            start, end = tab.typed["start"], tab.typed["end"]
            before = (end < start).to_numpy(dtype=bool, na_value=False)
            if before.any():
                self.emit("error", "data.end_before_start", tab, tab.columns["end"],
                          np.flatnonzero(before),
                          lambda p: {"end": end.iat[p].strftime("%Y-%m-%d"),
                                     "start": start.iat[p].strftime("%Y-%m-%d")})

    def _people_years(self, people: _Table, year: int) -> None:
        if {"birth_year", "join_year"} <= set(people.typed):
            birth, join = people.typed["birth_year"], people.typed["join_year"]
            early = (join < birth + 18).to_numpy(dtype=bool, na_value=False)
            early = early & (~people.blocked["join_year"] & ~people.blocked["birth_year"])
            if early.any():
                self.emit("error", "data.join_before_18", people, people.columns["join_year"],
                          np.flatnonzero(early),
                          lambda p: {"join_year": int(join.iat[p]),
                                     "birth_year": int(birth.iat[p])})
        if "birth_year" in people.typed:
            birth = people.typed["birth_year"]
            young = ((birth > year - 18) & (birth <= year)).to_numpy(dtype=bool, na_value=False)
            if young.any():
                self.emit("warning", "data.under_18", people, people.columns["birth_year"],
                          np.flatnonzero(young), lambda p: {"birth_year": int(birth.iat[p])})
            if "age_band" in people.typed:
                self.age_bands(people, year)

    def age_bands(self, people: _Table, year: int) -> None:
        birth, band = people.typed["birth_year"], people.typed["age_band"]
        age = year - birth.astype("float64").to_numpy(na_value=np.nan)
        codes, uniques = pd.factorize(band)
        bounds = np.full((len(uniques) + 1, 2), np.nan)
        for i, code in enumerate(uniques):
            lo_text, _, hi_text = str(code).rstrip("+").partition("-")
            if lo_text.isdigit():
                bounds[i] = (float(lo_text), float(hi_text) if hi_text.isdigit() else np.inf)
        lo, hi = bounds[codes, 0], bounds[codes, 1]
        with np.errstate(invalid="ignore"):
            # a birth year gives the age to within one year
            off = ~np.isnan(age) & ~np.isnan(lo) & ((age + 1 < lo) | (age - 1 > hi))
        if off.any():
            self.emit("warning", "data.age_band_mismatch", people,
                      people.columns["age_band"], np.flatnonzero(off),
                      lambda p: {"age_band": band.iat[p], "birth_year": int(birth.iat[p])})

    # ------------------------------------------------------------- frames
    def frames(self) -> dict[str, pd.DataFrame]:
        out = {}
        for name in TABLE_ORDER:
            tab = self.tables.get(name)
            if tab is not None and tab.frame is not None:
                out[name] = tab.frame
            else:
                out[name] = _typed_frame(name, tab)
        return out

    def _check_one(self, raw: RawTable) -> _Checker:
        return _check_table(raw, self.limits, self.today).checker

    def _prepared(self, raw: RawTable) -> _Checker | None:
        """The checker that already checked ``raw`` while it was read, if any."""
        done = self.source.prepared.get(raw.table)
        if (isinstance(done, _TableChecked) and done.checker.tables[raw.table].raw is raw
                and done.limits == self.limits and done.today == self.today):
            return done.checker
        return None

    def run(self) -> None:
        # a table whose file could not be read, or an unreadable archive, is already an
        # error: do not add "missing table" on top of it
        unreadable = {i.table for i in self.source.issues if i.severity == "error"}
        whole = any(i.table is None and i.severity == "error" for i in self.source.issues)
        done: dict[str, _Checker] = {}
        for name, raw in self.source.tables.items():
            checker = self._prepared(raw)
            if checker is not None:
                done[name] = checker
        present = [self.source.tables[n] for n in TABLE_ORDER
                   if n in self.source.tables and n not in done]
        if len(present) > 1 and sum(len(r.rows) for r in present) > _PARALLEL_ROWS:
            # tables are checked side by side (pyarrow and numpy release the GIL); each has
            # its own issue list, merged below in table order, so the report does not
            # depend on timing
            from concurrent.futures import ThreadPoolExecutor

            workers = max(1, min(len(present), os.cpu_count() or 1, 4))
            with ThreadPoolExecutor(max_workers=workers) as pool:
                # largest first, so the longest table does not start last
                order = sorted(present, key=lambda r: -len(r.rows))
                futures = {r.table: pool.submit(self._check_one, r) for r in order}
                done.update({name: f.result() for name, f in futures.items()})
        else:
            done.update({r.table: self._check_one(r) for r in present})
        for name in TABLE_ORDER:
            if name in done:
                child = done[name]
                self.issues.extend(child.issues)
                self.identifier_columns.extend(child.identifier_columns)
                self.identifier_cells += child.identifier_cells
                self.tables[name] = child.tables[name]
            elif name in REQUIRED_TABLES and name not in unreadable and not whole:
                self.issues.append(Issue("error", "data.missing_table", file=self.source.name,
                                         table=name,
                                         params={"table": name, "zh": TABLES[name].zh}))
        self.refs()


_PARALLEL_ROWS = 50_000  # check tables side by side above this many rows in all


@dataclass(frozen=True)
class _TableChecked:
    """One table checked on its own (columns, duplicates, typed frame), with its settings."""

    checker: _Checker
    limits: Limits
    today: pd.Timestamp


def _check_table(raw: RawTable, limits: Limits, today: pd.Timestamp) -> _TableChecked:
    """Check one table's columns and ids in a checker of its own (issues kept apart)."""
    checker = _Checker(RawSource(raw.file, "table"), limits, today)
    tab = checker.table(raw)
    checker.impossible(raw.table)
    tab.frame = _typed_frame(raw.table, tab)  # typed columns are final from here on
    return _TableChecked(checker, limits, today)


def _table_preparer(limits: Limits | None, today) -> Callable[[RawTable], _TableChecked]:
    """For ``read_source(prepare=...)``: check each table in the thread that read it."""
    limits = limits or DEFAULT_LIMITS
    when = _today(today)
    return lambda raw: _check_table(raw, limits, when)


def read_and_check(path: str | os.PathLike, *, encoding: str | None = None,
                   limits: Limits | None = None, today: _dt.date | str | None = None
                   ) -> tuple[RawSource, ValidationReport, dict[str, pd.DataFrame]]:
    """Read ``path`` and check it: (what was read, report, typed frames).

    The same result as :func:`~pbkit.data.readers.read_source` followed by
    :func:`check_source`; for a folder of CSV files each table is checked in the thread
    that read it while the other files are still being read. Size limits raise
    :class:`~pbkit.errors.DataLimitError` as ``read_source`` does.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "orgs.csv").write_text("org_id,level\\nV1,村\\n", encoding="utf-8")
    >>> source, report, frames = read_and_check(d)
    >>> [i.key for i in report], frames["orgs"]["level"].tolist()
    (['data.missing_table'], ['village'])
    """
    source = read_source(path, encoding=encoding, limits=limits,
                         prepare=_table_preparer(limits, today))
    report, frames = check_source(source, limits=limits, today=today)
    return source, report, frames


def _typed_frame(name: str, tab: _Table | None) -> pd.DataFrame:
    """The frame of table ``name`` in schema dtypes (absent columns all missing)."""
    n = tab.n if tab is not None else 0
    cols = {}
    for col in TABLES[name].columns:
        dtype = PANDAS_DTYPES[col.kind]
        if tab is not None and col.name in tab.typed:
            s = tab.typed[col.name].reset_index(drop=True)
            if str(s.dtype) != dtype and dtype != "object":
                s = s.astype(dtype)
        elif col.kind in ("multi", "tags"):
            s = pd.Series([()] * n, dtype="object")
        else:
            s = pd.Series([None] * n, dtype="object").astype(dtype)
        cols[col.name] = s
    return pd.DataFrame(cols, index=pd.RangeIndex(n), copy=False)


def _today(today) -> pd.Timestamp:
    if today is None:
        today = _dt.date.today()
    return pd.Timestamp(today).normalize()


def check_source(source: RawSource, *, limits: Limits | None = None,
                 today: _dt.date | str | None = None
                 ) -> tuple[ValidationReport, dict[str, pd.DataFrame]]:
    """Normalise and check what :func:`~pbkit.data.readers.read_source` read.

    Returns the report and the typed frames (one per table, schema dtypes; meaningful only
    when the report has no errors).

    >>> import tempfile, pathlib
    >>> from pbkit.data.readers import read_source
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "orgs.csv").write_text("org_id,level\\nV1,村\\n", encoding="utf-8")
    >>> report, frames = check_source(read_source(d))
    >>> [i.key for i in report], frames["orgs"]["level"].tolist()
    (['data.missing_table'], ['village'])
    """
    checker = _Checker(source, limits or DEFAULT_LIMITS, _today(today))
    checker.run()
    privacy = {"identifier_columns": len(checker.identifier_columns),
               "identifier_cells": checker.identifier_cells}
    return ValidationReport(checker.issues, privacy), checker.frames()


def analyse(path: str | os.PathLike, *, encoding: str | None = None,
            limits: Limits | None = None, today: _dt.date | str | None = None
            ) -> tuple[ValidationReport, dict[str, pd.DataFrame] | None, str]:
    """Read, normalise and check ``path``: (report, frames or ``None``, dataset name)."""
    name = os.path.basename(os.path.normpath(os.fspath(path)))
    try:
        source, report, frames = read_and_check(path, encoding=encoding, limits=limits,
                                                today=today)
    except DataLimitError as exc:
        issue = Issue("error", exc.key, file=exc.file, table=exc.table, row=exc.row,
                      column=exc.column, params=exc.params)
        return ValidationReport([issue]), None, name
    return report, frames, source.name


def validate(path: str | os.PathLike, *, encoding: str | None = None,
             limits: Limits | None = None,
             today: _dt.date | str | None = None) -> ValidationReport:
    """Check a dataset path and return every problem found; never raises for bad data.

    Parameters
    ----------
    path : path-like
        Folder of CSV files, .zip of CSV files or an .xlsx workbook (sheet per table).
    encoding : str, optional
        CSV encoding override (default: BOM, then strict UTF-8, then strict GB18030).
    limits : Limits, optional
        Size bounds checked before reading; an input over a bound gives one error issue.
    today : date, optional
        The date "in the future" is measured against (default: today).

    Returns
    -------
    ValidationReport
        Errors and warnings with file, table, row (as seen in the file) and column.

    Raises
    ------
    DataError
        Only when ``path`` does not exist or is not a dataset type at all.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "orgs.csv").write_text("org_id,level,电话\\nV1,村,1\\n", encoding="utf-8")
    >>> rep = validate(d)
    >>> [(i.severity, i.table, i.column) for i in rep]
    [('error', 'orgs', '电话'), ('error', 'people', None)]
    """
    report, _frames, _name = analyse(path, encoding=encoding, limits=limits, today=today)
    return report
