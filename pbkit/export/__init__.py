"""CSV and Excel writers that never write a live spreadsheet formula.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line
feed can be run as a formula by a spreadsheet program (CSV injection, OWASP). Every export
in pbkit goes through :func:`write_csv` or :func:`write_xlsx`, which neutralise such cells
by prefixing a single quote, and write .xlsx with formulas off.

>>> neutralise("=SUM(A1:A3)"), neutralise("-3"), neutralise(-3), neutralise("ok")
("'=SUM(A1:A3)", "'-3", -3, 'ok')
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["neutralise", "neutralise_frame", "write_csv", "write_xlsx", "DANGEROUS_PREFIXES"]

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """Prefix ``'`` to text that a spreadsheet would read as a formula; other values pass."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and column header) neutralised.

    Tuples (multi-value cells) are joined with ``;`` first; lists, dicts and sets (which
    no spreadsheet cell can hold) become JSON text. Categorical columns are turned into
    plain object columns so that their text is neutralised too.

    >>> import pandas as pd
    >>> f = pd.DataFrame({"c": pd.Categorical(["=1", "ok"]), "l": [["=2"], ("a", "b")]})
    >>> neutralise_frame(f).values.tolist()
    [["'=1", '["=2"]'], ['ok', 'a;b']]
    """
    import pandas as pd

    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or str(series.dtype) in ("str", "string"):
            out.isetitem(i, series.map(_cell_text).astype(object))
    return out


def _cell_text(value: Any) -> Any:
    import json

    if isinstance(value, tuple):
        value = ";".join(map(str, value))
    elif isinstance(value, (list, dict, set, frozenset)):
        plain = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        value = json.dumps(plain, ensure_ascii=False, default=str)
    return neutralise(value)


def _atomic_target(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, *, bom: bool = True) -> Path:
    """Write ``frame`` to CSV (UTF-8 with BOM so Excel shows Chinese), formulas neutralised.

    The file is written to a temporary name and renamed, so a failure leaves no half file.
    """
    path = Path(path)
    tmp = _atomic_target(path)
    try:
        neutralise_frame(frame).to_csv(tmp, index=False, encoding="utf-8-sig" if bom else "utf-8",
                                       lineterminator="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike, *,
               hidden: Collection[str] = ()) -> Path:
    """Write one sheet per frame with xlsxwriter, formulas and URLs off, cells neutralised.

    Sheet names are cut to Excel's 31 characters; the header row stays in view when
    scrolling; columns whose header is in ``hidden`` (technical codes) are hidden. Written
    atomically.

    >>> import pandas as pd, tempfile, openpyxl, os
    >>> out = os.path.join(tempfile.mkdtemp(), "x.xlsx")
    >>> _ = write_xlsx({"s": pd.DataFrame({"a": ["=1+1"]})}, out)
    >>> openpyxl.load_workbook(out)["s"]["A2"].value
    "'=1+1"
    """
    import pandas as pd

    path = Path(path)
    tmp = _atomic_target(path)
    try:
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        with pd.ExcelWriter(tmp, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
            used: set[str] = set()
            for name, frame in sheets.items():
                sheet = _sheet_name(str(name), used)
                clean = neutralise_frame(frame)
                for i in range(clean.shape[1]):  # Excel has no timezone-aware datetimes
                    column = clean.iloc[:, i]
                    if hasattr(column, "dt") and getattr(column.dt, "tz", None):
                        clean.isetitem(i, column.dt.tz_localize(None))
                clean.to_excel(xw, sheet_name=sheet, index=False)
                ws = xw.sheets[sheet]
                ws.freeze_panes(1, 0)
                for i, col in enumerate(clean.columns):
                    width = max([_width(col)] + [_width(v) for v in clean.iloc[:, i].head(200)])
                    ws.set_column(i, i, min(60, max(8, width + 2)), None,
                                  {"hidden": True} if str(col) in hidden else {})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _width(value: Any) -> int:
    """Display width of a cell's text: a CJK character takes two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


def _sheet_name(name: str, used: set[str]) -> str:
    bad = '[]:*?/\\'
    base = "".join("_" if ch in bad else ch for ch in name)[:31] or "sheet"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base[:28]}_{n}"
    used.add(candidate.lower())
    return candidate
