"""The 100-point branch assessment (百分制考核): scoring rules as data, evidence for every
point lost.

A scorecard file (default ``pbkit/health/scorecard.yaml``) lists items. Each names a
*measure* from :data:`MEASURES` (the one registry of how a number is computed from the
dataset), its parameters, its maximum points and how the measured value becomes points:

- ``deduct: N`` - ``points = max(0, max_points - N * problems)`` where *problems* is the
  number of evidence rows (missing meetings, uncovered households, migrant members out
  of contact ...);
- ``linear: true`` - ``points = max_points * clip(value, 0, 1)``;
- ``thresholds`` - the first entry whose ``min`` (value >= min) or ``max``
  (value <= max) the value satisfies gives its points; none satisfied gives 0.

A measure that does not apply to a branch (value NaN: no needy households, no migrant
members, no meeting rule that applies to it) gives full points. For every branch and item the result
keeps the evidence rows behind any point lost.

>>> import pandas as pd
>>> from pbkit.data.dataset import Dataset
>>> ds = Dataset.from_frames(orgs=pd.DataFrame({"org_id": ["V1"], "level": ["village"]}),
...     activities=pd.DataFrame({"activity_id": [f"A{m}" for m in range(1, 11)],
...         "org_id": "V1", "kind": "committee_meeting",
...         "date": [f"2024-{m:02d}-10" for m in range(1, 11)], "expected": 8,
...         "attended": [8, 7] * 5}))
>>> card = Scorecard.from_text('''
... items:
...   - {item: committee, max_points: 100, measure: missing_meetings,
...      params: {kinds: [committee_meeting]}, scoring: {deduct: 3}}
... ''')
>>> res = scorecard(ds, scorecard=card)
>>> res.totals["total"].tolist(), len(res.evidence["committee"])
([94.0], 2)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.data.schema import ACTIVITY_KINDS
from pbkit.health.context import HealthContext
from pbkit.health.rules import Basis, HealthRules, read_basis
from pbkit.yamlconf import YamlDoc

__all__ = [
    "MEASURES",
    "Measure",
    "MeasureResult",
    "Scoring",
    "ScoreItem",
    "Scorecard",
    "ScorecardResult",
    "DEFAULT_SCORECARD_PATH",
    "load_scorecard",
    "default_scorecard",
    "scorecard",
    "score_context",
    "jsonable",
    "frame_json",
]

DEFAULT_SCORECARD_PATH = Path(__file__).with_name("scorecard.yaml")


# ---------------------------------------------------------------------------------------
# measures: the one registry
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeasureResult:
    """What a measure returns: per-branch ``value`` and ``count`` (problems found), and the
    ``evidence`` rows (first column ``org_id``) that explain them."""

    value: pd.Series
    count: pd.Series
    evidence: pd.DataFrame


@dataclass(frozen=True)
class Measure:
    """A registered measure: the function and the parameters it accepts.

    ``params`` maps a parameter name to ``(reader, options)`` for validation, where the
    reader is a :class:`~pbkit.yamlconf.YamlDoc` method name.
    """

    name: str
    fn: Callable[[HealthContext, Mapping[str, Any]], MeasureResult]
    params: Mapping[str, tuple[str, dict]]
    description: str


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype("float64")
    den = den.astype("float64")
    return num / den.where(den > 0)


def _m_missing_meetings(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    kinds = params.get("kinds") or ctx.rules.kinds
    per = ctx.compliance()
    per = per[per["kind"].isin(kinds)]
    g = per.groupby("org_id")
    required, missing = g["required"].sum(), g["missing"].sum()
    value = 1 - _ratio(missing, required)
    ev = per.loc[per["missing"] > 0, ["org_id", "kind", "period", "required", "held",
                                      "missing"]]
    return MeasureResult(value, missing, ev.reset_index(drop=True))


def _m_attendance_rate(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    kinds = params.get("kinds") or ctx.rules.kinds
    tot = ctx.activity_totals()
    tot = tot[tot["org_id"].isin(ctx.branch_ids()) & tot["kind"].isin(kinds)]
    g = tot.groupby("org_id")
    value = _ratio(g["attended"].sum(), g["expected"].sum())
    low = ctx.low_attendance()
    ev = low[low["kind"].isin(kinds)].assign(reason="low_attendance")
    # a branch that held none of these meetings has no attendance at all
    applicable = ctx.compliance()
    applicable = pd.Index(applicable.loc[applicable["kind"].isin(kinds), "org_id"].unique())
    none_held = applicable.difference(pd.Index(tot["org_id"].unique()))
    value = value.reindex(value.index.union(none_held))
    value.loc[none_held] = 0.0
    if len(none_held):
        extra = pd.DataFrame({"org_id": none_held, "reason": "no_meetings"})
        ev = pd.concat([ev, extra], ignore_index=True)
    count = ev.groupby("org_id").size()
    return MeasureResult(value, count, ev.reset_index(drop=True))


def _m_new_members(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    from pbkit.health.branches import ALL

    dev = ctx.development(params.get("years"))
    dev = dev[(dev["org_id"] != ALL) & dev["target_min"].notna()]
    value = dev.groupby("org_id")["new_members"].mean()
    ev = dev.loc[dev["status"] == "below", ["org_id", "year", "new_members", "target_min"]]
    return MeasureResult(value, ev.groupby("org_id").size(), ev.reset_index(drop=True))


def _m_pipeline(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    from pbkit.health.branches import ALL

    pl = ctx.membership().pipeline
    pl = pl[pl["org_id"] != ALL].set_index("org_id")
    value = _ratio(pl["checks_passed"], pl["checks"])
    count = (pl["checks"] - pl["checks_passed"]).astype("int64")
    shown = {"new_member_in_window": "years_since_last_new",
             "activists_in_training": "activists",
             "probation_on_time": "probationary_overdue", "local_target": "new_in_window"}
    rows = []
    for org, failed in pl["checks_failed"].items():
        for check in filter(None, str(failed).split(";")):
            v = pl.at[org, shown[check]]
            rows.append((org, check, None if pd.isna(v) else float(v)))
    ev = pd.DataFrame(rows, columns=["org_id", "reason", "value"])
    return MeasureResult(value, count[count > 0], ev)


def _household_measure(ctx: HealthContext, flag: str) -> MeasureResult:
    stats = ctx.household_stats()
    value = _ratio(stats[flag], stats["needy"])
    count = stats["needy"] - stats[flag]
    hh = ctx.household_problems()
    bad = hh[~hh[flag]]
    ev = bad[["org_id", "household_id", "needs", "visits"]].assign(
        reason="uncovered" if flag == "covered" else "not_visited")
    return MeasureResult(value, count[count > 0], ev.reset_index(drop=True))


def _m_one_on_one(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    return _household_measure(ctx, "covered")


def _m_visit_coverage(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    return _household_measure(ctx, "visited")


def _m_problems_solved(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    tot = ctx.visit_totals()
    tot = tot[tot.index.isin(ctx.branch_ids()) & (tot["recorded"] > 0)]
    value = _ratio(tot["solved"], tot["recorded"])
    count = tot["recorded"] - tot["solved"]
    bad = ctx.unsolved_visits()
    ev = bad[["org_id", "visit_id", "target_id", "date", "topic"]].assign(reason="unsolved")
    return MeasureResult(value, count[count > 0], ev.reset_index(drop=True))


def _m_migrant_contact(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    ms = ctx.migrant_status()
    value = 1 - ms.groupby("org_id")["out_of_contact"].mean().astype("float64")
    bad = ms[ms["out_of_contact"]]
    ev = bad[["org_id", "person_id", "destination", "last_contact", "dues_paid_until",
              "months_since_contact", "months_dues_unpaid", "reason"]]
    return MeasureResult(value, bad.groupby("org_id").size(), ev.reset_index(drop=True))


def _m_perfunctory(ctx: HealthContext, params: Mapping[str, Any]) -> MeasureResult:
    flags = ctx.perfunctory()
    count = flags.groupby("org_id").size() if len(flags) else pd.Series(dtype="int64")
    value = count.reindex(ctx.branch_ids(), fill_value=0).astype("float64")
    ev = flags[["org_id", "kind", "reason", "n_meetings", "value"]]
    return MeasureResult(value, count, ev.reset_index(drop=True))


_KINDS = {"kinds": ("choices", {"choices": ACTIVITY_KINDS})}

MEASURES: dict[str, Measure] = {m.name: m for m in (
    Measure("missing_meetings", _m_missing_meetings, _KINDS,
            "share of required meetings held (1 - missing / required); problems = missing "
            "meetings"),
    Measure("attendance_rate", _m_attendance_rate, _KINDS,
            "sum(attended) / sum(expected) over meetings held (0 if none held); problems = "
            "meetings below the kind's min_attendance"),
    Measure("new_members", _m_new_members, {"years": ("integer", {"low": 1, "high": 50})},
            "mean new members per year over the window (villages with a target); problems = "
            "years below target_min"),
    Measure("development_pipeline", _m_pipeline, {},
            "share of the member-development pipeline checks passed (someone developed in "
            "the window, activists in training, probation on time; a local target when "
            "set); problems = failed checks"),
    Measure("one_on_one_coverage", _m_one_on_one, {},
            "share of needy households with an active one-on-one pair; problems = uncovered "
            "households"),
    Measure("visit_coverage", _m_visit_coverage, {},
            "share of needy households visited in the year; problems = unvisited households"),
    Measure("problems_solved", _m_problems_solved, {},
            "solved / visits with a recorded outcome; problems = unsolved visits"),
    Measure("migrant_contact", _m_migrant_contact, {},
            "share of migrant members in contact (six-month rule); problems = members out of "
            "contact"),
    Measure("perfunctory_flags", _m_perfunctory, {},
            "number of perfunctory-meeting flags; problems = the flags"),
)}


# ---------------------------------------------------------------------------------------
# scorecard model and loading
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scoring:
    """How a value becomes points: ``mode`` is ``deduct``, ``linear`` or ``thresholds``."""

    mode: str
    deduct: float = 0.0
    thresholds: tuple[tuple[str, float, float], ...] = ()  # (min|max, bound, points)

    def points(self, value: np.ndarray, count: np.ndarray, max_points: float) -> np.ndarray:
        """Points per branch (value NaN = not applicable = full points)."""
        na = np.isnan(value)
        if self.mode == "deduct":
            pts = np.maximum(0.0, max_points - self.deduct * count)
            return np.where(na & (count == 0), max_points, pts)
        if self.mode == "linear":
            return np.where(na, max_points, max_points * np.clip(np.nan_to_num(value), 0, 1))
        pts = np.zeros(len(value))
        done = np.zeros(len(value), dtype=bool)
        for op, bound, p in self.thresholds:
            hit = ~done & ~na & ((value >= bound) if op == "min" else (value <= bound))
            pts[hit] = p
            done |= hit
        return np.where(na, max_points, pts)


@dataclass(frozen=True)
class ScoreItem:
    item: str
    max_points: float
    measure: str
    params: tuple[tuple[str, Any], ...]
    scoring: Scoring
    basis: Basis | None = None


@dataclass(frozen=True)
class Scorecard:
    """A validated scorecard: its items, the total they add up to, and the source file."""

    items: tuple[ScoreItem, ...]
    total: float = 100.0
    source: str = ""
    basis: Basis | None = None

    @classmethod
    def from_text(cls, text: str, file: str = "<scorecard>") -> Scorecard:
        """Parse scorecard YAML text (see :func:`load_scorecard`)."""
        return _parse(YamlDoc.from_text(text, file))


_ITEM_KEYS = ("item", "max_points", "measure", "params", "scoring", "basis")
_ITEM_RE = re.compile(r"^[a-z][a-z0-9_]*$")


def _parse(doc: YamlDoc) -> Scorecard:
    if doc.data is None:
        doc.fail("health.err.config_empty", ())
    top = doc.mapping(doc.data, (), allowed=("version", "total", "items", "basis"),
                      required=("items",))
    card_basis = read_basis(doc, top["basis"], ("basis",)) if "basis" in top else None
    if "version" in top:
        doc.integer(top["version"], ("version",), low=1, high=1)
    total = doc.number(top.get("total", 100), ("total",), low=1, high=10000)
    items = doc.sequence(top["items"], ("items",), min_len=1)
    out: list[ScoreItem] = []
    seen: set[str] = set()
    for i, raw in enumerate(items):
        path = ("items", i)
        entry = doc.mapping(raw, path, allowed=_ITEM_KEYS,
                            required=("item", "max_points", "measure", "scoring"))
        name = doc.text(entry["item"], (*path, "item"))
        if not _ITEM_RE.match(name):
            doc.fail("health.err.item_name", (*path, "item"), value=name)
        if name in seen:
            doc.fail("config.err.field_duplicate", (*path, "item"), value=name)
        seen.add(name)
        max_points = doc.number(entry["max_points"], (*path, "max_points"), low=0.01,
                                high=total)
        measure = doc.choice(entry["measure"], (*path, "measure"), MEASURES)
        spec = MEASURES[measure].params
        params_raw = doc.mapping(entry.get("params") or {}, (*path, "params"), allowed=spec)
        params = tuple((k, getattr(doc, spec[k][0])(v, (*path, "params", k), **spec[k][1]))
                       for k, v in params_raw.items())
        scoring = _parse_scoring(doc, entry["scoring"], (*path, "scoring"), max_points)
        basis = read_basis(doc, entry["basis"], (*path, "basis")) if "basis" in entry else None
        out.append(ScoreItem(name, max_points, measure, params, scoring, basis))
    added = sum(item.max_points for item in out)
    if not math.isclose(added, total, abs_tol=1e-6):
        doc.fail("health.err.points_total", ("items",), added=round(added, 4), total=total)
    return Scorecard(items=tuple(out), total=total, source=doc.file, basis=card_basis)


def _parse_scoring(doc: YamlDoc, raw: Any, path: tuple, max_points: float) -> Scoring:
    entry = doc.mapping(raw, path, allowed=("deduct", "linear", "thresholds"))
    if len(entry) != 1:
        doc.fail("health.err.scoring_mode", path)
    mode = next(iter(entry))
    if mode == "deduct":
        return Scoring("deduct", deduct=doc.number(entry["deduct"], (*path, "deduct"),
                                                   low=0.0, high=max_points))
    if mode == "linear":
        if doc.boolean(entry["linear"], (*path, "linear")) is not True:
            doc.fail("health.err.scoring_mode", path)
        return Scoring("linear")
    rows = doc.sequence(entry["thresholds"], (*path, "thresholds"), min_len=1)
    thresholds = []
    for j, row in enumerate(rows):
        rpath = (*path, "thresholds", j)
        th = doc.mapping(row, rpath, allowed=("min", "max", "points"), required=("points",))
        ops = [k for k in ("min", "max") if k in th]
        if len(ops) != 1:
            doc.fail("health.err.threshold_bound", rpath)
        bound = doc.number(th[ops[0]], (*rpath, ops[0]))
        pts = doc.number(th["points"], (*rpath, "points"), low=0.0, high=max_points)
        thresholds.append((ops[0], bound, pts))
    return Scoring("thresholds", thresholds=tuple(thresholds))


@cache
def default_scorecard() -> Scorecard:
    """The scorecard shipped in ``pbkit/health/scorecard.yaml``."""
    return _parse(YamlDoc.from_path(DEFAULT_SCORECARD_PATH))


def load_scorecard(path: str | Path | None = None) -> Scorecard:
    """Load a scorecard file; ``None`` gives the shipped default.

    Raises :class:`~pbkit.errors.ConfigError` naming the file, line and field when an
    item is malformed, names an unknown measure, or the points do not add up to ``total``.

    >>> [(i.item, i.max_points) for i in load_scorecard().items][:2]
    [('three_meetings_one_lesson', 25.0), ('activity_day', 10.0)]
    """
    if path is None:
        return default_scorecard()
    return _parse(YamlDoc.from_path(path))


def _resolve_card(card: Scorecard | str | Path | None) -> Scorecard:
    return card if isinstance(card, Scorecard) else load_scorecard(card)


# ---------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScorecardResult:
    """Scores of every branch.

    Attributes
    ----------
    items : DataFrame
        ``org_id, item, measure, value, problems, points, max_points, lost, applicable``.
    totals : DataFrame
        ``org_id, level, total, max_total, rank`` (rank 1 = highest total), best first.
    evidence : dict of str to DataFrame
        Per item, the evidence rows (``org_id`` first) of branches that lost points on it.
    """

    items: pd.DataFrame
    totals: pd.DataFrame
    evidence: Mapping[str, pd.DataFrame]

    def branch(self, org_id: str) -> dict:
        """The record of one branch (as in :meth:`to_records`)."""
        for rec in self.to_records(org_ids=[org_id]):
            return rec
        raise KeyError(org_id)

    def to_records(self, org_ids=None) -> list[dict]:
        """One object per branch: ``{"org_id", "total", "items": [{"item", "points",
        "max_points", "evidence": [row, ...]}]}``, in the order of :attr:`totals`."""
        keep = None if org_ids is None else set(org_ids)
        buckets: dict[tuple[str, str], list[dict]] = {}
        for item, frame in self.evidence.items():
            if keep is not None:
                frame = frame[frame["org_id"].isin(keep)]
            for row in jsonable(frame):
                org = row.pop("org_id")
                buckets.setdefault((org, item), []).append(row)
        by_org: dict[str, list[dict]] = {}
        items = self.items if keep is None else self.items[self.items["org_id"].isin(keep)]
        for org, item, points, max_points in zip(items["org_id"], items["item"],
                                                 items["points"], items["max_points"]):
            by_org.setdefault(org, []).append({
                "item": item, "points": float(points), "max_points": float(max_points),
                "evidence": buckets.get((org, item), [])})
        totals = self.totals if keep is None else self.totals[self.totals["org_id"].isin(keep)]
        return [{"org_id": org, "total": float(total), "items": by_org.get(org, [])}
                for org, total in zip(totals["org_id"], totals["total"])]

    def records_json(self) -> str:
        """:meth:`to_records` as JSON text, built from pandas' C serialiser (fast for the
        hundreds of thousands of evidence rows of a county)."""
        grouped: dict[tuple[str, str], str] = {}
        for item, frame in self.evidence.items():
            if frame.empty:
                continue
            frame = frame.iloc[np.argsort(frame["org_id"].to_numpy(dtype=object),
                                          kind="stable")]
            rest = frame.drop(columns="org_id")
            if rest.shape[1] == 0:
                lines = ["{}"] * len(frame)
            else:
                body = _json_ready(rest).to_json(orient="records", lines=True,
                                                 force_ascii=False, double_precision=6)
                lines = body.split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
            orgs = frame["org_id"].to_numpy(dtype=object)
            cuts = np.flatnonzero(orgs[1:] != orgs[:-1]) + 1
            bounds = np.concatenate([[0], cuts, [len(orgs)]])
            for a, b in zip(bounds[:-1], bounds[1:]):
                grouped[(orgs[a], item)] = ",".join(lines[a:b])
        by_org: dict[str, list[str]] = {}
        for org, item, points, max_points in zip(self.items["org_id"], self.items["item"],
                                                 self.items["points"],
                                                 self.items["max_points"]):
            by_org.setdefault(org, []).append(
                '{{"item":{},"points":{},"max_points":{},"evidence":[{}]}}'.format(
                    json.dumps(item, ensure_ascii=False), json.dumps(float(points)),
                    json.dumps(float(max_points)), grouped.get((org, item), "")))
        out = ['{{"org_id":{},"total":{},"items":[{}]}}'.format(
            json.dumps(org, ensure_ascii=False), json.dumps(float(total)),
            ",".join(by_org.get(org, [])))
            for org, total in zip(self.totals["org_id"], self.totals["total"])]
        return "[" + ",".join(out) + "]"

    def evidence_frame(self, lang: str | None = None) -> pd.DataFrame:
        """Every evidence row as ``org_id, item, detail`` (detail: the row's other fields
        as ``key=value`` text), for spreadsheets. With ``lang``, field names and codes are
        shown with their display labels in that language."""
        from pbkit.i18n import has_key, t

        def label(kind: str, code: Any) -> str:
            key = f"health.{kind}.{code}"
            return t(key, lang=lang) if lang and isinstance(code, str) and has_key(key) \
                else str(code)

        def value_label(column: str, code: str) -> str:
            """A coded value: health's label, the shared value labels, the schema's."""
            from pbkit.data.labels import label_value
            from pbkit.data.schema import ENUM_LABELS

            if has_key(f"health.code.{code}"):
                return label("code", code)
            if has_key(f"label.value.{column}.{code}"):
                return label_value(column, code, lang)
            parts = code.split(";")  # several codes in one cell (need types, roles)
            if all(p in ENUM_LABELS for p in parts):
                from pbkit.data.labels import label_enum

                return ("、" if lang == "zh" else ", ").join(label_enum(p, lang) for p in parts)
            return code

        sep = "：" if lang == "zh" else "="
        parts = []
        for item, frame in self.evidence.items():
            if frame.empty:
                continue
            pieces = []
            for col in frame.columns:
                if col == "org_id":
                    continue
                values = _text_values(frame[col], (lambda v, c=col: value_label(c, v))
                                      if lang else None,
                                      percent=bool(lang) and _is_rate(col), shown=bool(lang))
                prefix = label("col", col) + sep
                pieces.append(np.where(values == "", "", prefix + values))
            detail = _join_pieces(pieces)
            parts.append(pd.DataFrame({"org_id": frame["org_id"].to_numpy(), "item": item,
                                       "detail": detail}))
        if not parts:
            return pd.DataFrame({"org_id": pd.Series(dtype="str"),
                                 "item": pd.Series(dtype="str"),
                                 "detail": pd.Series(dtype="str")})
        return pd.concat(parts, ignore_index=True).sort_values(
            ["org_id", "item"], kind="stable").reset_index(drop=True)


def _json_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ``YYYY-MM-DD`` text (missing stays missing); everything else unchanged."""
    out = frame
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            if out is frame:
                out = frame.copy()
            out[col] = series.dt.strftime("%Y-%m-%d").astype(object)
    return out


def frame_json(frame: pd.DataFrame) -> str:
    """``frame`` as a JSON array of row objects (dates ISO, NaN/NA as null, tuples as
    lists), serialised by pandas in C.

    >>> frame_json(pd.DataFrame({"a": [("x", "y")], "b": [None]}))
    '[{"a":["x","y"],"b":null}]'
    """
    if frame.shape[1] == 0:
        return json.dumps([{} for _ in range(len(frame))])
    return _json_ready(frame).to_json(orient="records", force_ascii=False,
                                      double_precision=6)


def jsonable(frame: pd.DataFrame) -> list[dict]:
    """Rows of ``frame`` as JSON-ready dicts: dates ISO, NaN/NA as None, numpy scalars as
    Python numbers, tuples as lists.

    >>> jsonable(pd.DataFrame({"d": pd.to_datetime(["2024-01-02", None]), "x": [1.5, None]}))
    [{'d': '2024-01-02', 'x': 1.5}, {'d': None, 'x': None}]
    """
    return json.loads(frame_json(frame))


def _is_rate(column: str) -> bool:
    """A column of fractions shown to users as percentages (attendance_rate, *_share...)."""
    return any(part in str(column) for part in ("rate", "share", "coverage"))


def _shown_float(value: float, percent: bool) -> str:
    """A float as users read it: 72%, 9 (not 9.0), 1.25."""
    if percent:
        return f"{100 * value:.0f}%"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _text_values(series: pd.Series, labels: Callable[[Any], str] | None, *,
                 percent: bool = False, shown: bool = False) -> np.ndarray:
    """Display text per cell ('' for missing): dates ISO, tuples joined, floats rounded
    (with ``shown``: whole numbers without a decimal point, and with ``percent`` as %)."""
    mask = series.isna().to_numpy(dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(series):
        text = series.dt.strftime("%Y-%m-%d")
    elif pd.api.types.is_float_dtype(series) and shown:
        text = series.map(lambda v: "" if v != v else _shown_float(float(v), percent))
    elif pd.api.types.is_float_dtype(series):
        text = series.round(4).astype(str)
    elif pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        text = series.astype(object).astype(str)
    else:
        obj = series.astype(object)
        if obj.map(type).eq(tuple).any():
            obj = obj.map(lambda v: ";".join(map(str, v)) if isinstance(v, tuple) else v)
        text = obj.astype(str)
        if labels is not None:
            uniq = {v: labels(v) for v in pd.unique(text[~mask])}
            text = text.map(uniq)
    out = text.astype(object).to_numpy(copy=True)
    out[mask] = ""
    return out


def _join_pieces(pieces: list[np.ndarray], sep: str = "; ") -> np.ndarray:
    """Element-wise join of text arrays, skipping empty pieces."""
    if not pieces:
        return np.array([], dtype=object)
    out = pieces[0].astype(object)
    for piece in pieces[1:]:
        piece = piece.astype(object)
        both = (out != "") & (piece != "")
        out = np.where(both, out + sep + piece, out + piece)
    return out


def score_context(ctx: HealthContext, card: Scorecard | str | Path | None = None
                  ) -> ScorecardResult:
    """Score every branch of ``ctx`` with ``card`` (default scorecard)."""
    card = _resolve_card(card)
    orgs = ctx.branches()
    ids = pd.Index(orgs["org_id"], name="org_id")
    item_frames = []
    evidence: dict[str, pd.DataFrame] = {}
    for spec in card.items:
        res = MEASURES[spec.measure].fn(ctx, dict(spec.params))
        value = res.value.reindex(ids).astype("float64").to_numpy()
        count = res.count.reindex(ids).fillna(0).astype("float64").to_numpy()
        points = np.round(spec.scoring.points(value, count, spec.max_points), 2)
        frame = pd.DataFrame({"org_id": ids, "item": spec.item, "measure": spec.measure,
                              "value": value, "problems": count.astype("int64"),
                              "points": points, "max_points": float(spec.max_points)})
        frame["lost"] = np.round(frame["max_points"] - frame["points"], 2)
        frame["applicable"] = ~np.isnan(value) | (count > 0)
        item_frames.append(frame)
        losers = frame.loc[frame["lost"] > 0, ["org_id", "value"]]
        ev = res.evidence
        ev = ev[ev["org_id"].isin(losers["org_id"])]
        # a point lost with no problem row to show (e.g. every meeting just above its
        # minimum attendance but the rate below full marks): the measured value is the
        # evidence
        bare = losers[~losers["org_id"].isin(ev["org_id"])]
        if len(bare):
            ev = pd.concat([ev, pd.DataFrame({"org_id": bare["org_id"].to_numpy(),
                                              "reason": "measured_value",
                                              "value": bare["value"].round(4).to_numpy()})],
                           ignore_index=True)
        evidence[spec.item] = ev.sort_values("org_id", kind="stable").reset_index(drop=True)
    items = pd.concat(item_frames, ignore_index=True)
    order = {name.item: i for i, name in enumerate(card.items)}
    items = items.assign(_o=items["item"].map(order)).sort_values(
        ["org_id", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)
    totals = items.groupby("org_id", sort=False).agg(total=("points", "sum"),
                                                     max_total=("max_points", "sum"))
    totals = totals.reindex(ids).reset_index()
    totals["total"] = totals["total"].round(2)
    totals.insert(1, "level", orgs["level"].to_numpy())
    totals["rank"] = totals["total"].rank(method="min", ascending=False).astype("int64")
    totals = totals.sort_values(["rank", "org_id"], kind="stable").reset_index(drop=True)
    return ScorecardResult(items=items, totals=totals, evidence=evidence)


def scorecard(ds: Dataset, *, scorecard: Scorecard | str | Path | None = None,
              rules: HealthRules | str | Path | None = None, year: int | None = None,
              as_of: pd.Timestamp | str | None = None) -> ScorecardResult:
    """Score every branch of ``ds`` on the 100-point assessment.

    Parameters
    ----------
    ds : Dataset
    scorecard : Scorecard, path or None
        Scoring rules (default: the shipped ``scorecard.yaml``).
    rules : HealthRules, path or None
        Meeting and membership rules the measures use (default: ``rules.yaml``).
    year : int, optional
        Year assessed (default: from the data).
    as_of : date, optional
        Reference date for the six-month rule and active pairings (default: the last
        dated record of the year).
    """
    ctx = HealthContext.create(ds, rules=rules, year=year, as_of=as_of)
    return score_context(ctx, scorecard)


