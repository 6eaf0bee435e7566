"""The full branch-health report: every view of one dataset and year in one object.

:func:`health_report` computes meeting compliance, the meeting calendar, perfunctory
flags, membership structure, migrant contact, the 100-point scorecard with its evidence,
weak-branch flags, the outlier view, the rectification list and attention fairness,
sharing intermediate tables through one :class:`~pbkit.health.context.HealthContext`.

:meth:`HealthReport.to_json` holds every view (tables as lists of row objects, column
names in English codes); its ``scorecard`` entry is a list with one object per branch:
``{"org_id", "total", "items": [{"item", "points", "max_points", "evidence"}]}``.
:meth:`HealthReport.to_xlsx` writes a cover sheet and one sheet per view with display
labels in the report language, through :func:`pbkit.export.write_xlsx` (no formulas).

>>> import pandas as pd, json
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
...     activities=pd.DataFrame({"activity_id": ["A1"], "org_id": "V1",
...         "kind": ["committee_meeting"], "date": ["2024-03-05"], "expected": 5,
...         "attended": 4}))
>>> rep = health_report(ds, lang="en")
>>> doc = json.loads(rep.to_json())
>>> doc["scorecard"][0]["org_id"], sorted(doc["scorecard"][0]["items"][0])
('V1', ['evidence', 'item', 'max_points', 'points'])
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.data.labels import org_display_names
from pbkit.health.context import HealthContext
from pbkit.health.rules import HealthRules
from pbkit.health.scorecard import (
    Scorecard,
    ScorecardResult,
    frame_json,
    jsonable,
    score_context,
)

__all__ = ["HealthReport", "health_report", "report_from_context", "VIEW_ORDER", "CODE_COLUMNS",
           "CODE_LIST_COLUMNS", "ORG_COLUMNS", "display_frame", "org_display_names",
           "calendar_long", "LazyViews"]

# Views in report order (sheet order of the workbook).
VIEW_ORDER: tuple[str, ...] = (
    "compliance_summary", "compliance", "calendar", "perfunctory",
    "membership", "age_pyramid", "education", "development", "pipeline", "migrant_contact",
    "scorecard", "scorecard_items", "scorecard_evidence",
    "weak_branches", "weak_flags", "weak_indicators", "anomalies", "rectification",
    "fairness_villages", "fairness_summary", "neglected",
)

# Columns holding codes that are shown with a display label in spreadsheets.
CODE_COLUMNS = ("kind", "frequency", "item", "flag", "reason", "level", "gender",
                "education", "status", "metric", "measure", "indicator", "driver_1",
                "driver_2", "driver_3", "driver_4", "driver_5", "problem")
# Columns holding several codes joined by ";" (each shown with its label).
CODE_LIST_COLUMNS = ("flags", "checks_failed")
# Columns holding an organisation id (shown as the organisation's display name).
ORG_COLUMNS = ("org_id", "parent_id", "target_id")


def calendar_long(ctx: HealthContext) -> pd.DataFrame:
    """Meetings held per branch, month and kind of the year (zeros omitted):
    ``org_id, month, kind, held``.

    >>> import pandas as pd
    >>> from pbkit.data.dataset import Dataset
    >>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
    ...     activities=pd.DataFrame({"activity_id": ["A1", "A2"], "org_id": "V1",
    ...         "kind": "party_lesson", "date": ["2024-03-01", "2024-03-09"],
    ...         "expected": 4, "attended": 4}))
    >>> calendar_long(HealthContext.create(ds)).values.tolist()
    [['V1', 3, 'party_lesson', 2]]
    """
    tot = ctx.activity_totals()
    tot = tot[tot["org_id"].isin(ctx.branch_ids())]
    if tot.empty:
        return pd.DataFrame({"org_id": pd.Series(dtype="str"), "month": pd.Series(dtype="int64"),
                             "kind": pd.Series(dtype="str"), "held": pd.Series(dtype="int64")})
    out = tot[["org_id", "month", "kind", "held"]]
    order = {k: i for i, k in enumerate(ctx.rules.kinds)}
    out = out.assign(_k=out["kind"].map(order)).sort_values(
        ["org_id", "month", "_k"], kind="stable").drop(columns="_k")
    out["month"] = out["month"].astype("int64")
    out["held"] = out["held"].astype("int64")
    return out.reset_index(drop=True)


class LazyViews(Mapping):
    """A read-only mapping of view name -> DataFrame whose entries may be computed on first
    access (a callable stored instead of a frame), then kept."""

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, name: str) -> pd.DataFrame:
        value = self._items[name]
        if callable(value):
            value = value()
            self._items[name] = value
        return value

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"LazyViews({list(self._items)})"


@dataclass(frozen=True)
class HealthReport:
    """Every health view of one dataset and year.

    Attributes
    ----------
    views : mapping of str to DataFrame
        The views in :data:`VIEW_ORDER` (tidy frames, English column codes).
    scores : ScorecardResult
        The scorecard with its per-branch evidence.
    meta : mapping
        ``dataset, year, as_of, rules, scorecard, lang, branches, villages``.
    """

    views: Mapping[str, pd.DataFrame]
    scores: ScorecardResult
    meta: Mapping[str, Any] = field(default_factory=dict)
    org_names: Mapping[str, str] = field(default_factory=dict)

    def view(self, name: str) -> pd.DataFrame:
        return self.views[name]

    def display(self, name: str, lang: str | None = None) -> pd.DataFrame:
        """View ``name`` for the screen (:func:`display_frame` with the organisations'
        display names and ``text=True``): headers, codes and yes/no in ``lang``, shares
        as %, missing as —, no codes or ids."""
        frame = self.scores.totals if name == "scorecard" else self.views[name]
        return display_frame(frame, lang or self.meta.get("lang"), names=self.org_names,
                             text=True)

    def json_views(self) -> tuple[str, ...]:
        """Views written to JSON: all but ``scorecard_evidence``, whose rows are already
        inside ``scorecard`` (each branch's items carry their evidence)."""
        return tuple(name for name in self.views if name != "scorecard_evidence")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``meta``, every view as a list of row objects, and
        ``scorecard`` as one object per branch with items and evidence."""
        out: dict[str, Any] = {"meta": dict(self.meta)}
        for name in self.json_views():
            out[name] = (self.scores.to_records() if name == "scorecard"
                         else jsonable(self.views[name]))
        return out

    def to_json(self, indent: int | None = None) -> str:
        """The report as JSON text (UTF-8 characters kept, ``ensure_ascii=False``).

        Same content as :meth:`to_dict`; tables are serialised by pandas directly, which
        keeps a county-scale report fast.
        """
        if indent is not None:
            return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
        parts = ['"meta":' + json.dumps(dict(self.meta), ensure_ascii=False)]
        for name in self.json_views():
            body = (self.scores.records_json() if name == "scorecard"
                    else frame_json(self.views[name]))
            parts.append(json.dumps(name) + ":" + body)
        return "{" + ",".join(parts) + "}"

    def to_xlsx(self, path: str | Path, lang: str | None = None) -> Path:
        """Write a workbook: a cover sheet, then one sheet per view (display labels in
        ``lang``, default the report's language). Written atomically without formulas."""
        from pbkit.export import write_xlsx
        from pbkit.i18n import t

        lang = lang or self.meta.get("lang")
        sheets: dict[str, pd.DataFrame] = {}
        cover_rows = [
            (t("health.cover.title", lang=lang), ""),
            (t("health.cover.dataset", lang=lang), self.meta.get("dataset", "")),
            (t("health.cover.year", lang=lang), self.meta.get("year")),
            (t("health.cover.as_of", lang=lang), self.meta.get("as_of")),
            (t("health.cover.rules", lang=lang), self.meta.get("rules")),
            (t("health.cover.scorecard", lang=lang), self.meta.get("scorecard")),
            (t("health.cover.branches", lang=lang), self.meta.get("branches")),
            (t("health.cover.villages", lang=lang), self.meta.get("villages")),
            (t("health.cover.mean_score", lang=lang), self.meta.get("mean_score")),
            (t("health.cover.weak", lang=lang), self.meta.get("weak_branches")),
            ("", ""),
            (t("health.cover.contents", lang=lang), ""),
        ]
        names = {name: t(f"health.view.{name}", lang=lang) for name in self.views}
        for name in self.views:
            cover_rows.append((names[name], t(f"health.viewdesc.{name}", lang=lang)))
        cover = pd.DataFrame(cover_rows, columns=[t("health.cover.item", lang=lang),
                                                  t("health.cover.value", lang=lang)])
        cover = cover.astype({cover.columns[1]: "object"})
        sheets[t("health.cover.sheet", lang=lang)] = cover
        for name, frame in self.views.items():
            if name == "scorecard":
                frame = self.scores.totals
            elif name == "scorecard_evidence":
                frame = self.scores.evidence_frame(lang=lang)
            sheets[names[name]] = display_frame(frame, lang, names=self.org_names)
        return write_xlsx(sheets, path)


def _is_share(col: str) -> bool:
    """Columns holding a share 0..1 (shown as a percentage on screen)."""
    return ("share" in col or col.endswith("_rate") or col.endswith("coverage")
            or col in ("completion", "min_attendance"))


def _as_text(series: pd.Series, col: str) -> pd.Series:
    """Screen text of a numeric column: shares as %, whole numbers as integers, other
    numbers with at most one decimal, missing as —."""
    def fmt(v):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return "—"
        if _is_share(col):
            return f"{float(v):.0%}"
        if float(v).is_integer():
            return f"{int(v)}"
        return f"{float(v):.1f}"
    return series.astype(object).map(fmt)


def display_frame(frame: pd.DataFrame, lang: str | None = None,
                  names: Mapping[str, str] | None = None, *, text: bool = False
                  ) -> pd.DataFrame:
    """A copy of ``frame`` for people: code values and column names replaced by labels in
    ``lang`` (``health.code.*`` and ``health.col.*`` catalog keys; unknown codes kept),
    lists of codes (``flags``, ``checks_failed``) shown label by label, yes/no columns in
    words, and organisation ids shown by their display names (``names``, see
    :func:`org_display_names`; ``org_id`` is then headed "支部"/"Branch"). With
    ``text=True`` (for the screen; spreadsheets keep real numbers) numbers become text:
    shares as %, counts as integers, missing as —.

    >>> display_frame(pd.DataFrame({"kind": ["party_lesson"]}), "zh").to_dict("list")
    {'会议类型': ['党课']}
    >>> display_frame(pd.DataFrame({"org_id": ["T01-V01"], "weak": [True],
    ...     "flags": ["missed_meetings;ageing"]}), "zh", names={"T01-V01": "东山村"}).iloc[0].tolist()
    ['东山村', '是', '组织生活不经常、党员队伍老化']
    """
    from pbkit.i18n import has_key, resolve_lang, t

    def label(code):
        key = f"health.code.{code}"
        return t(key, lang=lang) if isinstance(code, str) and has_key(key) else code

    sep = "、" if resolve_lang(lang) == "zh" else ", "
    yes_no = {True: t("common.yes", lang=lang), False: t("common.no", lang=lang)}

    def org_name(v):
        return (names or {}).get(v, label(v) if v == "ALL" else v)

    def words(v):
        return yes_no[bool(v)] if isinstance(v, (bool, np.bool_)) else v

    out = frame.copy()
    renamed = {}
    for col in out.columns:
        series = out[col]
        textual = series.dtype == object or str(series.dtype) == "str"
        if col in CODE_COLUMNS and textual:
            labels = {c: label(c) for c in series.dropna().unique()}
            out[col] = series.astype(object).map(lambda v, m=labels: m.get(v, v))
        elif col == "drivers" and textual:  # "share_old (+1.85); ..." -> labels
            out[col] = series.astype(object).map(
                lambda v: re.sub(r"[a-z][a-z0-9_]+", lambda m: str(label(m.group(0))), v)
                if isinstance(v, str) else v)
        elif col in CODE_LIST_COLUMNS and textual:
            out[col] = series.astype(object).map(
                lambda v: sep.join(str(label(c)) for c in v.split(";") if c)
                if isinstance(v, str) else v)
        elif col in ORG_COLUMNS and textual:
            out[col] = series.astype(object).map(org_name)
            if col == "org_id" and names:
                renamed[col] = "org_name"
        elif pd.api.types.is_bool_dtype(series.dtype):
            out[col] = series.astype(object).map(words)
        elif text and pd.api.types.is_numeric_dtype(series.dtype):
            out[col] = _as_text(series, col)
    cols = [renamed.get(c, c) for c in out.columns]
    out.columns = [t(f"health.col.{c}", lang=lang) if has_key(f"health.col.{c}") else c
                   for c in cols]
    return out


def health_report(ds: Dataset, *, rules: HealthRules | str | Path | None = None,
                  scorecard: Scorecard | str | Path | None = None, year: int | None = None,
                  as_of: pd.Timestamp | str | None = None, lang: str | None = None
                  ) -> HealthReport:
    """Compute every branch-health view of ``ds``.

    Parameters
    ----------
    ds : Dataset
    rules : HealthRules, path or None
        Rule table (default ``pbkit/health/rules.yaml``).
    scorecard : Scorecard, path or None
        100-point scoring rules (default ``pbkit/health/scorecard.yaml``).
    year : int, optional
        Year assessed (default: the latest year with activities).
    as_of : date, optional
        Reference date. Default: the last dated record of the year, and the whole year's
        meetings are required. When given, meeting periods starting after it are left out
        (a mid-year review) and date rules (six months without contact, active pairings)
        use it.
    lang : {"zh", "en"}, optional
        Language of messages in the views (default: the current language).

    Returns
    -------
    HealthReport
    """
    from pbkit.i18n import resolve_lang

    lang = resolve_lang(lang)
    ctx = HealthContext.create(ds, rules=rules, year=year, as_of=as_of, lang=lang)
    return report_from_context(ctx, rules=rules, scorecard=scorecard)


def report_from_context(ctx: HealthContext, *, rules: HealthRules | str | Path | None = None,
                        scorecard: Scorecard | str | Path | None = None) -> HealthReport:
    """Every view from a prepared context (``rules`` and ``scorecard`` as given by the
    caller, for the report's metadata). The step both engines share: the pandas context
    reads a :class:`~pbkit.data.dataset.Dataset`, the Dask one
    (:mod:`pbkit.scale.health`) a Parquet dataset."""
    from pbkit.health.fairness import fairness_context
    from pbkit.health.weak import weak_context

    lang = ctx.lang
    scores = score_context(ctx, scorecard)
    weak = weak_context(ctx, scores.totals)
    fair = fairness_context(ctx)
    ms = ctx.membership()
    migrants = ctx.migrant_status()
    views = {
        "compliance_summary": ctx.compliance_summary(),
        "compliance": ctx.compliance(),
        "calendar": calendar_long(ctx),
        "perfunctory": ctx.perfunctory(),
        "membership": ms.summary,
        "age_pyramid": ms.age_pyramid,
        "education": ms.education,
        "development": ms.development,
        "pipeline": ms.pipeline,
        "migrant_contact": migrants,
        "scorecard": scores.totals,
        "scorecard_items": scores.items,
        "scorecard_evidence": scores.evidence_frame,  # computed when first read
        "weak_branches": weak.branches,
        "weak_flags": weak.flags,
        "weak_indicators": weak.indicators,
        "anomalies": weak.anomalies,
        "rectification": weak.rectification,
        "fairness_villages": fair.villages,
        "fairness_summary": fair.summary,
        "neglected": fair.neglected,
    }
    assert tuple(views) == VIEW_ORDER
    totals = scores.totals["total"]
    card_source = scorecard if isinstance(scorecard, (str, Path)) else (
        scorecard.source if isinstance(scorecard, Scorecard) else "default")
    meta = {
        "dataset": ctx.ds.name,
        "year": ctx.year,
        "as_of": ctx.as_of.strftime("%Y-%m-%d"),
        "rules": str(rules) if isinstance(rules, (str, Path)) else (
            rules.source if isinstance(rules, HealthRules) else "default"),
        "scorecard": str(card_source),
        "lang": lang,
        "branches": int(len(ctx.branches())),
        "villages": int(len(fair.villages)),
        "mean_score": round(float(totals.mean()), 2) if len(totals) else None,
        "weak_branches": int(weak.branches["weak"].sum()),
    }
    return HealthReport(views=LazyViews(views), scores=scores, meta=meta,
                        org_names=org_display_names(ctx.ds.orgs))
