"""A blank data workbook to fill in: one sheet per table, headers in the user's language.

Secretaries who upload their own data start from this file instead of reading the data
dictionary. It is written from the one schema (:mod:`pbkit.data.schema`), so it always
matches what the loader accepts:

* one worksheet per table, named as the loader recognises it (Chinese or English name);
* row 1 holds the column headers (Chinese or English), required columns shaded;
* each header carries a note: what the column means, whether it is required, the allowed
  values or range;
* coded columns offer a drop-down of their allowed values (Chinese labels in zh), dates and
  whole numbers are checked by the spreadsheet as they are typed.

>>> import tempfile, os, openpyxl
>>> path = write_template(os.path.join(tempfile.mkdtemp(), "t.xlsx"), lang="zh")
>>> book = openpyxl.load_workbook(path)
>>> book.sheetnames[:2], book["人员"]["A1"].value
(['组织', '人员'], '人员编号')
"""

from __future__ import annotations

import os
from pathlib import Path

from pbkit.data.schema import ENUM_LABELS, TABLE_ORDER, TABLES, Column
from pbkit.i18n import resolve_lang, t

__all__ = ["template_bytes", "write_template", "TEMPLATE_ROWS"]

TEMPLATE_ROWS = 2000  # rows prepared with drop-downs and checks
_LIST_LIMIT = 255  # Excel's limit on the characters of an in-cell drop-down list


def _values_text(col: Column, lang: str) -> str:
    if col.values:
        shown = [ENUM_LABELS.get(v, v) if lang == "zh" else v for v in col.values]
        return t("data.template.values", lang=lang, values="、".join(shown) if lang == "zh"
                 else ", ".join(shown))
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"{col.min:g}"
        hi = "" if col.max is None else f"{col.max:g}"
        return t("data.template.range", lang=lang, low=lo, high=hi)
    return ""


def _note(col: Column, lang: str) -> str:
    parts = [col.zh_desc if lang == "zh" else col.en_desc,
             t("data.template.required" if col.required and not col.nullable
               else "data.template.optional", lang=lang),
             t(f"data.template.kind.{col.kind}", lang=lang), _values_text(col, lang)]
    if col.kind == "multi":
        parts.append(t("data.template.multi", lang=lang))
    return "\n".join(p for p in parts if p)


def write_template(path: str | os.PathLike, lang: str | None = None) -> Path:
    """Write the blank data workbook to ``path`` (atomically) and return the path."""
    import xlsxwriter

    from pbkit.export import _atomic_target

    lang = resolve_lang(lang)
    path = Path(path)
    tmp = _atomic_target(path)
    try:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_urls": False})
        base = {"font_name": "Microsoft YaHei", "font_size": 10}
        head = {"required": wb.add_format({**base, "bold": True, "bg_color": "#FCE8B2",
                                           "border": 1}),
                "optional": wb.add_format({**base, "bold": True, "border": 1})}
        date_fmt = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        text_fmt = wb.add_format({**base, "num_format": "@"})
        for name in TABLE_ORDER:
            table = TABLES[name]
            ws = wb.add_worksheet(table.zh if lang == "zh" else table.name)
            ws.freeze_panes(1, 0)
            for j, col in enumerate(table.columns):
                required = col.required and not col.nullable
                ws.write_string(0, j, col.zh if lang == "zh" else col.name,
                                head["required" if required else "optional"])
                ws.write_comment(0, j, _note(col, lang), {"x_scale": 2.2, "y_scale": 2.0})
                ws.set_column(j, j, max(10, 2 * len(col.zh) + 4) if lang == "zh"
                              else max(10, len(col.name) + 4),
                              date_fmt if col.kind == "date" else
                              text_fmt if col.kind in ("id", "ref", "str") else None)
                _validation(ws, j, col, lang)
        wb.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _validation(ws, j: int, col: Column, lang: str) -> None:
    rows = (1, j, TEMPLATE_ROWS, j)
    if col.kind == "enum" and col.values:
        shown = [ENUM_LABELS.get(v, v) if lang == "zh" else v for v in col.values]
        if sum(len(s) + 1 for s in shown) <= _LIST_LIMIT:
            ws.data_validation(*rows, {"validate": "list", "source": shown,
                                       "error_title": t("data.template.bad_title", lang=lang),
                                       "error_message": _values_text(col, lang)[:255]})
    elif col.kind == "date":
        ws.data_validation(*rows, {"validate": "date", "criteria": "between",
                                   "minimum": _date(1900), "maximum": _date(2100),
                                   "error_title": t("data.template.bad_title", lang=lang),
                                   "error_message": t("data.template.kind.date", lang=lang)})
    elif col.kind == "int":
        ws.data_validation(*rows, {"validate": "integer", "criteria": "between",
                                   "minimum": int(col.min) if col.min is not None else -10**9,
                                   "maximum": int(col.max) if col.max is not None else 10**9,
                                   "error_title": t("data.template.bad_title", lang=lang),
                                   "error_message": (_values_text(col, lang)
                                                     or t("data.template.kind.int",
                                                          lang=lang))[:255]})


def _date(year: int):
    import datetime as dt

    return dt.date(year, 1, 1)


def template_bytes(lang: str | None = None) -> bytes:
    """The blank data workbook as bytes (for a download link)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pbkit-template-") as folder:
        return write_template(Path(folder) / "template.xlsx", lang=lang).read_bytes()
