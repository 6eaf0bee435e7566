"""The pairing-plan workbook a village secretary files with the township.

One writer serves the planner app's download and ``pbkit plan --out FILE.xlsx``. The
workbook has three sheets, in the user's language:

* the pairs (结对名单): one row per pair with village, helper, household, distance in km,
  status (新结对 / 保留 / 锁定) and the reason;
* the households left uncovered (未覆盖困难户), each with its reason;
* a summary (方案汇总) of real numbers, not text, for the chosen scope.

Each sheet starts with a title block (township, village, date, mechanism), has a frozen
header row, column widths for A4 landscape, the header repeated on every printed page and
a print area. With a village chosen, every sheet holds that village only and the summary is
counted over it. Cells are neutralised as in :mod:`pbkit.export` and formulas are off.

>>> plan_file_name("东山村", "2026-12-07", lang="zh")
'结对方案_东山村_2026-12-07.xlsx'
>>> plan_file_name(None, "2026-12-07", lang="en")
'pairing-plan_all-villages_2026-12-07.xlsx'
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pbkit.data.labels import label_column, label_enum, label_value, org_display_names
from pbkit.export import _atomic_target, neutralise
from pbkit.i18n import resolve_lang, t

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PlanSheets", "plan_sheets", "plan_file_name", "write_plan_workbook"]

PAIR_COLUMNS = ("row_number", "village", "source_id", "target_id", "distance_km", "status",
                "reason")
UNCOVERED_COLUMNS = ("row_number", "village", "target_id", "reason")
_WIDTHS = {"row_number": 6, "village": 12, "source_id": 12, "target_id": 12,
           "distance_km": 11, "status": 9, "reason": 70, "item": 34, "value": 16}


@dataclass(frozen=True)
class PlanSheets:
    """What the workbook holds: title lines, the three tables and the summary rows.

    ``summary`` is a list of ``(label, value, kind)`` where ``kind`` is ``count``,
    ``percent``, ``km``, ``number`` or ``text``; values are numbers where they are numbers.
    """

    title: str
    header_lines: tuple[str, ...]
    pairs: pd.DataFrame
    uncovered: pd.DataFrame
    summary: tuple[tuple[str, Any, str], ...]
    sheet_names: tuple[str, str, str]
    lang: str


def plan_file_name(village_name: str | None, date: str, lang: str | None = None) -> str:
    """``结对方案_<村>_<日期>.xlsx`` (``pairing-plan_<village>_<date>.xlsx`` in English)."""
    lang = resolve_lang(lang)
    scope = village_name or t("export.plan.all_villages_file", lang=lang)
    scope = re.sub(r'[\\/:*?"<>|\s]+', "-", str(scope)).strip("-") or "plan"
    return f"{t('export.plan.file_stem', lang=lang)}_{scope}_{date}.xlsx"


def _township_of(ds: Any, pairs: pd.DataFrame, names: Mapping[str, str]) -> str | None:
    """The display name of the township the planned villages belong to, when it is one."""
    orgs = getattr(ds, "orgs", None)
    if orgs is None or "village" not in pairs.columns or not len(pairs):
        return None
    parents = orgs.set_index("org_id")["parent_id"]
    towns = {parents.get(v) for v in pairs["village"].astype(str).unique()} - {None}
    if len(towns) != 1:
        return None
    town = str(next(iter(towns)))
    return names.get(town, town)


def _scope(frame: pd.DataFrame, village: str | None) -> pd.DataFrame:
    if not village or "village" not in frame.columns:
        return frame
    return frame[frame["village"].astype(str) == str(village)]


def _table(frame: pd.DataFrame, columns: tuple[str, ...], names: Mapping[str, str],
           lang: str, target: str) -> pd.DataFrame:
    import pandas as pd

    out = pd.DataFrame({"row_number": range(1, len(frame) + 1)})
    for col in columns[1:]:
        values = frame[col].tolist() if col in frame.columns else [None] * len(frame)
        if col == "village":
            values = [names.get(str(v), v) for v in values]
        elif col == "status":
            values = [label_value("status", v, lang) for v in values]
        elif col == "distance_km":
            values = [None if v is None or v != v else round(float(v), 1) for v in values]
        out[col] = values
    out.columns = [target[:1].upper() + target[1:] if c == "target_id"
                   else label_column(c, lang) for c in columns]
    return out


def plan_sheets(plan: Any, ds: Any = None, *, village: str | None = None,
                township: str | None = None, date: str | None = None,
                target_table: str = "households", lang: str | None = None) -> PlanSheets:
    """The workbook's content for ``plan``, scoped to ``village`` (a village code) when given.

    ``ds`` (the dataset planned) supplies village and township display names; ``date``
    defaults to today; ``target_table`` (``households``, ``orgs`` or ``people``) names what
    the mechanism pairs helpers with, for the headers and the summary.
    """
    lang = resolve_lang(lang)
    orgs = getattr(ds, "orgs", None)
    names = org_display_names(orgs) if orgs is not None else {}
    date = date or _dt.date.today().isoformat()
    township = township or _township_of(ds, plan.pairs, names)
    pairs = _scope(plan.pairs, village)
    unc = _scope(plan.uncovered, village)
    obj = dict(plan.objective)
    noun = t(f"export.plan.target.{target_table}", lang=lang)
    unit = t(f"export.plan.unit.{target_table}", lang=lang)
    vname = names.get(str(village), village) if village else t("export.plan.all_villages",
                                                                 lang=lang)
    title = t("export.plan.title", lang=lang, mechanism=label_enum(plan.mechanism, lang))
    header = (
        t("export.plan.township", lang=lang, township=township or "—"),
        t("export.plan.village", lang=lang, village=vname),
        t("export.plan.date", lang=lang, date=date),
        t("export.plan.mechanism", lang=lang, mechanism=label_enum(plan.mechanism, lang)),
    )
    covered = int(pairs["target_id"].nunique()) if len(pairs) else 0
    needy = covered + len(unc)
    status = pairs["status"].astype(str).value_counts() if "status" in pairs else {}
    dist = pairs["distance_km"].astype("float64") if "distance_km" in pairs else None
    radius = obj.get("radius_km")
    summary: list[tuple[str, Any, str]] = [
        (t("export.plan.sum.needy", lang=lang, noun=noun, unit=unit), needy, "count"),
        (t("export.plan.sum.covered", lang=lang, unit=unit), covered, "count"),
        (t("export.plan.sum.uncovered", lang=lang, unit=unit), len(unc), "count"),
        (t("export.plan.sum.coverage", lang=lang), covered / needy if needy else None,
         "percent"),
        (t("export.plan.sum.pairs", lang=lang), len(pairs), "count"),
    ]
    for code in ("new", "kept", "locked"):
        summary.append((t("export.plan.sum.status", lang=lang,
                          status=label_value("status", code, lang)),
                        int(status.get(code, 0)), "count"))
    summary += [
        (t("export.plan.sum.helpers", lang=lang),
         int(pairs["source_id"].nunique()) if len(pairs) else 0, "count"),
        (t("export.plan.sum.mean_km", lang=lang),
         None if dist is None or not len(dist) or dist.isna().all() else round(
             float(dist.mean()), 2), "km"),
        (t("export.plan.sum.keep_existing", lang=lang),
         t("common.yes" if obj.get("keep_existing") else "common.no", lang=lang), "text"),
        (t("export.plan.sum.radius", lang=lang),
         t("export.plan.no_limit", lang=lang) if radius in (None, 0) else float(radius), "km"),
        (t("export.plan.sum.optimal", lang=lang),
         t("common.yes" if obj.get("optimal") else "common.no", lang=lang), "text"),
    ]
    for term, weight in dict(obj.get("weights") or {}).items():
        summary.append((t("export.plan.sum.weight", lang=lang, term=_term(term, lang)),
                        float(weight), "number"))
    return PlanSheets(
        title=title, header_lines=header,
        pairs=_table(pairs, PAIR_COLUMNS, names, lang, noun),
        uncovered=_table(unc, UNCOVERED_COLUMNS, names, lang, noun),
        summary=tuple(summary),
        sheet_names=(t("export.plan.sheet.pairs", lang=lang),
                     t("export.plan.sheet.uncovered", lang=lang, noun=noun),
                     t("export.plan.sheet.summary", lang=lang)),
        lang=lang)


def _term(term: str, lang: str) -> str:
    key = f"export.plan.term.{term}"
    text = t(key, lang=lang)
    return term.replace("_", " ") if text == key else text


def write_plan_workbook(plan: Any, path: str | os.PathLike, ds: Any = None, *,
                        village: str | None = None, township: str | None = None,
                        date: str | None = None, target_table: str = "households",
                        lang: str | None = None) -> Path:
    """Write the township plan workbook for ``plan`` to ``path`` (atomically).

    See :func:`plan_sheets` for the arguments; the file is ready to print on A4 landscape.
    """
    import xlsxwriter

    sheets = plan_sheets(plan, ds, village=village, township=township, date=date,
                         target_table=target_table, lang=lang)
    path = Path(path)
    tmp = _atomic_target(path)
    try:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                            "strings_to_urls": False})
        fmt = _formats(wb)
        keys = list(PAIR_COLUMNS), list(UNCOVERED_COLUMNS)
        for name, frame, cols in ((sheets.sheet_names[0], sheets.pairs, keys[0]),
                                  (sheets.sheet_names[1], sheets.uncovered, keys[1])):
            _write_table(wb.add_worksheet(name), fmt, sheets, frame, cols)
        _write_summary(wb.add_worksheet(sheets.sheet_names[2]), fmt, sheets)
        wb.close()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _formats(wb: Any) -> dict[str, Any]:
    base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "top"}
    return {
        "title": wb.add_format({**base, "bold": True, "font_size": 14}),
        "meta": wb.add_format(base),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#DDE6F0", "border": 1,
                               "text_wrap": True}),
        "text": wb.add_format({**base, "border": 1, "text_wrap": True}),
        "count": wb.add_format({**base, "border": 1, "num_format": "0"}),
        "km": wb.add_format({**base, "border": 1, "num_format": "0.0"}),
        "number": wb.add_format({**base, "border": 1, "num_format": "0.00"}),
        "percent": wb.add_format({**base, "border": 1, "num_format": "0.0%"}),
    }


def _title_block(ws: Any, fmt: Mapping[str, Any], sheets: PlanSheets) -> int:
    ws.write_string(0, 0, neutralise(sheets.title), fmt["title"])
    for i, line in enumerate(sheets.header_lines):
        ws.write_string(1 + i, 0, neutralise(line), fmt["meta"])
    return 2 + len(sheets.header_lines)  # the header row, after one blank line


def _page_setup(ws: Any, header_row: int, last_row: int, last_col: int) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.repeat_rows(header_row)
    ws.print_area(0, 0, max(last_row, header_row), last_col)
    ws.set_footer("&C&P / &N")
    ws.freeze_panes(header_row + 1, 0)


def _write_table(ws: Any, fmt: Mapping[str, Any], sheets: PlanSheets, frame: pd.DataFrame,
                 codes: list[str]) -> None:
    head = _title_block(ws, fmt, sheets)
    for j, (code, label) in enumerate(zip(codes, frame.columns)):
        ws.set_column(j, j, _WIDTHS.get(code, 14))
        ws.write_string(head, j, neutralise(str(label)), fmt["head"])
    kinds = {"row_number": "count", "distance_km": "km"}
    for i, row in enumerate(frame.itertuples(index=False), start=head + 1):
        for j, (code, value) in enumerate(zip(codes, row)):
            _write_cell(ws, i, j, value, kinds.get(code, "text"), fmt)
    if not len(frame):
        empty = "export.plan.none" if codes == list(PAIR_COLUMNS) else "export.plan.all_covered"
        ws.write_string(head + 1, 0, t(empty, lang=sheets.lang), fmt["meta"])
    _page_setup(ws, head, head + max(len(frame), 1), len(codes) - 1)
    if len(frame):
        ws.autofilter(head, 0, head + len(frame), len(codes) - 1)


def _write_summary(ws: Any, fmt: Mapping[str, Any], sheets: PlanSheets) -> None:
    head = _title_block(ws, fmt, sheets)
    lang = sheets.lang
    ws.set_column(0, 0, _WIDTHS["item"])
    ws.set_column(1, 1, _WIDTHS["value"])
    ws.write_string(head, 0, label_column("item", lang), fmt["head"])
    ws.write_string(head, 1, label_column("value", lang), fmt["head"])
    for i, (label, value, kind) in enumerate(sheets.summary, start=head + 1):
        ws.write_string(i, 0, neutralise(label), fmt["text"])
        _write_cell(ws, i, 1, value, kind, fmt)
    _page_setup(ws, head, head + len(sheets.summary), 1)


def _write_cell(ws: Any, row: int, col: int, value: Any, kind: str,
                fmt: Mapping[str, Any]) -> None:
    if value is None or (isinstance(value, float) and value != value):
        ws.write_string(row, col, "—", fmt["text"])
    elif kind != "text" and isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, fmt[kind])
    else:
        ws.write_string(row, col, neutralise(str(value)), fmt["text"])

