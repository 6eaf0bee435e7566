"""The charts of the lessons: one call per chart, readable in Chinese on a projector.

Every function takes a dataset, draws from a table of :mod:`pbkit.lessons.analyses` (or a
health chart of :mod:`pbkit.health.charts`) and returns a :class:`Chart`: a matplotlib
figure built without pyplot (no global state) that a notebook shows as a PNG. Text uses the
CJK font of :mod:`pbkit.charts`.

>>> from pbkit.data.sample import load_sample
>>> chart = problem_profile(load_sample(), lang="zh")
>>> chart.png()[:4]
b'\\x89PNG'
>>> chart.figure.axes[0].get_title()
'样本乡镇的六个老问题'
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pbkit.i18n import resolve_lang, t

__all__ = [
    "Chart",
    "problem_profile",
    "compliance_heatmap",
    "calendar",
    "coverage_chart",
    "helper_load_chart",
    "plan_chart",
    "attention_chart",
    "migrant_chart",
    "visit_topics_chart",
    "quorum_chart",
    "age_pyramid_chart",
    "development_chart",
    "weak_indicators_chart",
    "org_life_chart",
    "scorecard_chart",
    "points_chart",
    "mass_line_chart",
    "leaders_chart",
]

_BLUE, _RED, _GREEN, _ORANGE, _GREY = "#3b6ea5", "#c8553d", "#5b8e7d", "#f2a541", "#c9ced6"


@dataclass(frozen=True)
class Chart:
    """A figure that shows itself as a PNG in a notebook.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    """

    figure: Any

    def png(self, dpi: int = 100) -> bytes:
        """The chart as PNG bytes (no timestamp metadata, so the bytes are repeatable)."""
        from pbkit.charts import cjk_context

        buf = io.BytesIO()
        with cjk_context():
            self.figure.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def save(self, path: str | Path) -> Path:
        """Save to ``path`` (atomically, CJK font active)."""
        from pbkit.charts import save_figure

        return save_figure(self.figure, path)


@contextmanager
def _drawing() -> Iterator[None]:
    from pbkit.charts import cjk_context

    with cjk_context():
        yield


def _figure(size=(8.0, 4.5), ncols: int = 1):
    from matplotlib.figure import Figure

    with _drawing():
        fig = Figure(figsize=size, layout="constrained")
        axes = fig.subplots(1, ncols)
    return fig, axes


def _title(ax, key: str, lang: str, **params) -> None:
    ax.set_title(t(key, lang=lang, **params))


def _label(code: Any, lang: str) -> str:
    """Display name of a code: the health catalog's name, else the schema label (zh)."""
    from pbkit.data.schema import ENUM_LABELS
    from pbkit.i18n import has_key

    key = f"health.code.{code}"
    if has_key(key):
        return t(key, lang=lang)
    if lang == "zh":
        return ENUM_LABELS.get(str(code), str(code))
    return str(code).replace("_", " ")


def _org_names(ds, ids) -> list[str]:
    """Display names (``orgs.name_code``) of organisation ``ids``, the id where none."""
    from pbkit.health.report import org_display_names

    names = org_display_names(ds.orgs)
    return [names.get(o, o) for o in ids]


def _pct_axis(ax, axis: str = "x") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(PercentFormatter(1.0))


# ---------------------------------------------------------------- lesson 1
def problem_profile(ds, lang: str | None = None) -> Chart:
    """Horizontal bars: the share for each of the six problems (lesson 1)."""
    from pbkit.lessons.analyses import problem_indicators

    lang = resolve_lang(lang)
    table = problem_indicators(ds, lang, display=False).iloc[::-1]
    fig, ax = _figure((8.5, 4.2))
    with _drawing():
        values = table["value"].fillna(0).to_numpy()
        colors = [_RED if v >= 0.5 else (_ORANGE if v >= 0.25 else _GREEN) for v in values]
        ax.barh(table["label"], values, color=colors)
        for y, (v, n, d) in enumerate(zip(values, table["numerator"], table["denominator"])):
            ax.text(min(v, 0.98) + 0.01, y, f"{v:.0%} ({n}/{d})", va="center", fontsize=9)
        ax.set_xlim(0, 1.15)
        _pct_axis(ax)
        _title(ax, "lessons.fig.problem_profile", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 2
def compliance_heatmap(ds, lang: str | None = None) -> Chart:
    """Branches x meeting kinds, coloured by completion = 1 - missing / required
    (:func:`pbkit.health.charts.compliance_heatmap`: cividis, a percentage in every cell,
    branches by display name, grey "—" where a rule does not apply to the branch)."""
    from pbkit.health.charts import compliance_heatmap as draw
    from pbkit.health.report import org_display_names
    from pbkit.lessons.analyses import compliance_table

    lang = resolve_lang(lang)
    comp = compliance_table(ds, lang, display=False)
    return Chart(draw(comp, lang=lang, names=org_display_names(ds.orgs)))


def calendar(ds, org_id: str, lang: str | None = None) -> Chart:
    """The meeting calendar of one branch for the year (:mod:`pbkit.health.charts`)."""
    from pbkit.health.charts import calendar_chart
    from pbkit.health.compliance import meeting_calendar

    lang = resolve_lang(lang)
    return Chart(calendar_chart(meeting_calendar(ds, org_id), org_id, lang=lang))


# ---------------------------------------------------------------- lesson 3
def coverage_chart(ds, lang: str | None = None) -> Chart:
    """Stacked bars per village: needy households covered and not covered."""
    from pbkit.lessons.analyses import coverage_table

    lang = resolve_lang(lang)
    cov = coverage_table(ds, lang, display=False).sort_values("org_id")
    fig, ax = _figure()
    with _drawing():
        x = np.arange(len(cov))
        ax.bar(x, cov["covered"], color=_BLUE, label=t("lessons.fig.covered", lang=lang))
        ax.bar(x, cov["uncovered"], bottom=cov["covered"], color=_GREY,
               label=t("lessons.fig.uncovered", lang=lang))
        for i, (tot, c) in enumerate(zip(cov["needy"], cov["coverage"])):
            ax.text(i, tot + 0.5, f"{c:.0%}" if np.isfinite(c) else "", ha="center", fontsize=8)
        ax.set_xticks(x, _org_names(ds, cov["org_id"]), rotation=45, ha="right")
        ax.set_ylabel(t("lessons.fig.households", lang=lang))
        ax.legend()
        _title(ax, "lessons.fig.coverage", lang)
    return Chart(fig)


def helper_load_chart(ds, lang: str | None = None) -> Chart:
    """Histogram of pairs per helper, with the median capacity as a red line; the title
    says what share of all pairs the busiest 20% of helpers carry (a plain share, not an
    inequality index)."""
    from pbkit.lessons.analyses import helper_load_table

    lang = resolve_lang(lang)
    load = helper_load_table(ds, lang, display=False)
    fig, ax = _figure()
    with _drawing():
        counts = load["pairs"].value_counts().sort_index()
        ax.bar(counts.index.astype(int), counts.to_numpy(), color=_BLUE)
        cap = load["capacity"].dropna()
        if len(cap):
            ax.axvline(float(cap.median()), color=_RED, linestyle="--",
                       label=t("lessons.fig.capacity", lang=lang, value=f"{cap.median():g}"))
            ax.legend()
        ax.set_xlabel(t("lessons.fig.pairs_per_helper", lang=lang))
        ax.set_ylabel(t("lessons.fig.helpers", lang=lang))
        top = _top_share(load["pairs"].to_numpy(dtype=float))
        _title(ax, "lessons.fig.helper_load", lang, top="—" if np.isnan(top) else f"{top:.0%}")
    return Chart(fig)


def plan_chart(before: pd.DataFrame, lang: str | None = None) -> Chart:
    """Coverage before and after a plan, from :func:`pbkit.lessons.analyses.plan_summary`."""
    lang = resolve_lang(lang)
    row = before.iloc[0]
    fig, ax = _figure((5.5, 3.5))
    with _drawing():
        labels = [t("lessons.fig.before", lang=lang), t("lessons.fig.after", lang=lang)]
        vals = [float(row["coverage_before"]), float(row["coverage_after"])]
        ax.bar(labels, vals, color=[_GREY, _BLUE])
        for i, v in enumerate(vals):
            ax.text(i, v + 0.02, f"{v:.0%}", ha="center")
        ax.set_ylim(0, 1.1)
        _pct_axis(ax, "y")
        _title(ax, "lessons.fig.coverage", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 4
def _top_share(values: np.ndarray, share: float = 0.2) -> float:
    """Share of the total held by the largest ``share`` of the values (at least one).

    >>> round(_top_share(np.array([1.0, 1.0, 1.0, 1.0, 6.0])), 2)
    0.6
    """
    x = np.sort(values[~np.isnan(values)])[::-1]
    if len(x) == 0 or x.sum() <= 0:
        return float("nan")
    k = max(1, int(np.ceil(len(x) * share)))
    return float(x[:k].sum() / x.sum())


def attention_chart(ds, metric: str = "visits_per_household", lang: str | None = None) -> Chart:
    """Bars of ``metric`` per village (lowest first), and plain shares: what share of the
    visits (or problems solved) goes to the largest 20% of villages, against their share
    of the households.

    The inequality indices (Gini, Theil) stay available to researchers in
    :func:`pbkit.health.fairness.attention_fairness`; trainees see shares.
    """
    from pbkit.lessons.analyses import _fairness, attention_table

    lang = resolve_lang(lang)
    table = attention_table(ds, lang, display=False).sort_values(metric)
    summary = _fairness(ds, lang).summary
    row = summary[(summary["scope"] == summary["scope"].iloc[0]) & (summary["metric"] == metric)]
    fig, (ax, sh) = _figure((10.0, 4.2), ncols=2)
    with _drawing():
        vals = table[metric].fillna(0).to_numpy(dtype=float)
        colors = [_RED if n else _BLUE for n in table["neglected"].fillna(False)]
        ax.bar(np.arange(len(table)), vals, color=colors)
        ax.set_xticks(np.arange(len(table)), _org_names(ds, table["org_id"]))
        ax.axhline(float(np.median(vals)) if len(vals) else 0, color="black", linestyle=":",
                   label=t("lessons.fig.median", lang=lang))
        ax.tick_params(axis="x", rotation=45)
        ax.set_ylabel(t(f"lessons.fig.metric.{metric}", lang=lang))
        ax.legend()
        _title(ax, "lessons.fig.attention", lang)
        got = float(row["largest20_share"].iloc[0]) if len(row) else float("nan")
        hh = float(row["largest20_households_share"].iloc[0]) if len(row) else float("nan")
        labels = [t("lessons.fig.share_of_households", lang=lang),
                  t(f"lessons.fig.share_of.{metric}", lang=lang)]
        heights = [0.0 if np.isnan(hh) else hh, 0.0 if np.isnan(got) else got]
        sh.bar(labels, heights, color=[_GREY, _RED])
        for i, v in enumerate(heights):
            sh.text(i, v + 0.02, f"{v:.0%}", ha="center")
        sh.set_ylim(0, 1.1)
        _pct_axis(sh, "y")
        _title(sh, "lessons.fig.largest_share", lang,
               got="—" if np.isnan(got) else f"{got:.0%}",
               households="—" if np.isnan(hh) else f"{hh:.0%}",
               what=t(f"lessons.fig.share_of.{metric}", lang=lang))
    return Chart(fig)


# ---------------------------------------------------------------- lesson 5
def migrant_chart(ds, months: int = 6, lang: str | None = None) -> Chart:
    """Histogram of months since the last contact of migrant members, line at ``months``."""
    from pbkit.lessons.analyses import migrant_contact

    lang = resolve_lang(lang)
    table = migrant_contact(ds, lang, display=False)
    fig, ax = _figure()
    with _drawing():
        since = table["months_since_contact"].dropna().astype(float)
        top = int(since.max()) + 1 if len(since) else 12
        bins = np.arange(0, max(top, months + 1) + 1)
        ax.hist(since, bins=bins, color=_BLUE)
        ax.axvline(months, color=_RED, linestyle="--",
                   label=t("lessons.fig.months_line", lang=lang, months=months))
        missing = int(table["months_since_contact"].isna().sum())
        ax.set_xlabel(t("lessons.fig.months_since_contact", lang=lang))
        ax.set_ylabel(t("lessons.fig.migrant_members", lang=lang))
        ax.legend()
        _title(ax, "lessons.fig.migrants", lang, n=len(table),
               out=int(table["out_of_contact"].sum()), missing=missing)
    return Chart(fig)


# ---------------------------------------------------------------- lessons 6 and 12
def visit_topics_chart(ds, topic: str | None = None, lang: str | None = None) -> Chart:
    """Visits solved / not solved: per topic (all villages), or per village for ``topic``."""
    from pbkit.lessons.analyses import visit_topics

    lang = resolve_lang(lang)
    table = visit_topics(ds, topic=topic, lang=lang, display=False)
    key = "org_id" if topic else "topic"
    g = table.groupby(key)[["visits", "solved"]].sum().sort_values("visits", ascending=False)
    labels = _org_names(ds, g.index) if topic else [_label(k, lang) for k in g.index]
    fig, ax = _figure()
    with _drawing():
        x = np.arange(len(g))
        ax.bar(x, g["solved"], color=_GREEN, label=t("lessons.fig.solved", lang=lang))
        ax.bar(x, g["visits"] - g["solved"], bottom=g["solved"], color=_GREY,
               label=t("lessons.fig.not_solved", lang=lang))
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set_ylabel(t("lessons.fig.visits", lang=lang))
        ax.legend()
        if topic:
            _title(ax, "lessons.fig.topic_by_village", lang, topic=_label(topic, lang))
        else:
            _title(ax, "lessons.fig.topics", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 7
def quorum_chart(ds, threshold: float = 0.5, lang: str | None = None) -> Chart:
    """Mean share of members present at general meetings per branch, with the quorum."""
    from pbkit.lessons.analyses import quorum_table

    lang = resolve_lang(lang)
    table = quorum_table(ds, threshold, lang, display=False).sort_values("org_id")
    fig, ax = _figure()
    with _drawing():
        vals = table["mean_share"].fillna(0).to_numpy(dtype=float)
        colors = [_GREY if m == 0 else (_GREEN if v > threshold else _RED)
                  for v, m in zip(vals, table["meetings"])]
        x = np.arange(len(table))
        ax.bar(x, vals, color=colors)
        for i in x[table["meetings"].to_numpy() == 0]:  # no meeting: drawn, not a gap
            ax.bar(i, 1.0, color="none", edgecolor=_GREY, hatch="//")
            ax.text(i, 0.5, t("lessons.fig.no_meeting", lang=lang), rotation=90,
                    ha="center", va="center", fontsize=9)
        ax.set_xticks(x, _org_names(ds, table["org_id"]))
        ax.axhline(threshold, color="black", linestyle="--",
                   label=t("lessons.fig.quorum_line", lang=lang, share=f"{threshold:.0%}"))
        ax.set_ylim(0, 1.05)
        _pct_axis(ax, "y")
        ax.tick_params(axis="x", rotation=45)
        ax.legend()
        _title(ax, "lessons.fig.quorum", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 8
def age_pyramid_chart(ds, org_id: str = "ALL", lang: str | None = None) -> Chart:
    """Age pyramid by gender, whole dataset or one branch (:mod:`pbkit.health.charts`)."""
    from pbkit.health.charts import age_pyramid_chart as draw
    from pbkit.health.membership import age_pyramid

    return Chart(draw(age_pyramid(ds), org_id, lang=resolve_lang(lang)))


def development_chart(ds, org_id: str = "ALL", lang: str | None = None) -> Chart:
    """New members per year; a target band only when a local rule file sets one
    (:mod:`pbkit.health.charts`)."""
    from pbkit.health.charts import development_chart as draw
    from pbkit.health.membership import development

    dev = development(ds)
    if org_id == "ALL" and not (dev["org_id"] == "ALL").any():
        villages = dev[dev["target_min"].notna()]
        dev = villages.groupby("year", as_index=False).agg(
            new_members=("new_members", "sum"), target_min=("target_min", "sum"),
            target_max=("target_max", "sum")).assign(org_id="ALL")
    return Chart(draw(dev, org_id, lang=resolve_lang(lang)))


# ---------------------------------------------------------------- lesson 9
def weak_indicators_chart(ds, lang: str | None = None) -> Chart:
    """Heat map of standardised indicators (z = (x - mean) / std, signed so that positive
    is worse) per branch; flagged branches marked with an asterisk."""
    from pbkit.health.weak import INDICATORS
    from pbkit.lessons.analyses import _weak, weak_table

    lang = resolve_lang(lang)
    table = _weak(ds, lang).indicators.set_index("org_id")
    weak = weak_table(ds, lang, display=False).set_index("org_id")
    directions = dict(INDICATORS)
    cols = [c for c in directions if c in table.columns]
    x = table[cols].astype(float)
    z = (x - x.mean()) / x.std(ddof=0).replace(0, np.nan)
    z = z.fillna(0) * pd.Series({c: float(directions[c]) for c in cols})
    z = z.sort_index()
    fig, ax = _figure((10.0, max(3.5, 0.35 * len(z) + 2)))
    with _drawing():
        # PuOr: a diverging scale readable with red-green colour-vision deficiency
        im = ax.imshow(z.to_numpy(), cmap="PuOr_r", vmin=-2.5, vmax=2.5, aspect="auto")
        ax.set_xticks(range(len(cols)), [_label(c, lang) for c in cols],
                      rotation=35, ha="right")
        flagged = weak["weak"].reindex(z.index).fillna(False).astype(bool)
        from pbkit.health.report import org_display_names

        names = org_display_names(ds.orgs)
        ax.set_yticks(range(len(z)), [f"{names.get(o, o)} *" if f else names.get(o, o)
                                      for o, f in zip(z.index, flagged)])
        bar = fig.colorbar(im, ax=ax, shrink=0.8)
        bar.set_label(t("lessons.fig.zscore", lang=lang))
        _title(ax, "lessons.fig.weak", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 10
def org_life_chart(ds, lang: str | None = None) -> Chart:
    """Organisation life meetings and democratic appraisals held per branch in the year."""
    from pbkit.lessons.analyses import org_life_table

    lang = resolve_lang(lang)
    table = org_life_table(ds, lang, display=False).sort_values("org_id")
    fig, ax = _figure()
    with _drawing():
        x = np.arange(len(table))
        ax.bar(x - 0.2, table["org_life_meeting"], width=0.4, color=_BLUE,
               label=_label("org_life_meeting", lang))
        ax.bar(x + 0.2, table["democratic_appraisal"], width=0.4, color=_ORANGE,
               label=_label("democratic_appraisal", lang))
        ax.set_xticks(x, _org_names(ds, table["org_id"]), rotation=45, ha="right")
        ax.set_ylabel(t("lessons.fig.times_held", lang=lang))
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend()
        _title(ax, "lessons.fig.org_life", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 11
def scorecard_chart(ds, lang: str | None = None) -> Chart:
    """Stacked bars: points lost per branch, coloured by scorecard item (lowest total
    first)."""
    from pbkit.lessons.analyses import scorecard_items, scorecard_table

    lang = resolve_lang(lang)
    items = scorecard_items(ds, lang, display=False)
    order = list(scorecard_table(ds, lang, display=False).sort_values("total")["org_id"])
    lost = items.pivot_table(index="org_id", columns="item", values="lost", aggfunc="sum",
                             fill_value=0).reindex(order).fillna(0)
    lost = lost.loc[:, lost.sum() > 0]
    fig, ax = _figure((10.0, 4.8))
    with _drawing():
        import matplotlib

        cmap = matplotlib.colormaps["tab10"]
        bottom = np.zeros(len(lost))
        for i, item in enumerate(lost.columns):
            ax.bar(np.arange(len(lost)), lost[item], bottom=bottom, color=cmap(i % 10),
                   label=_label(item, lang))
            bottom += lost[item].to_numpy()
        ax.set_xticks(np.arange(len(lost)), _org_names(ds, lost.index))
        ax.tick_params(axis="x", rotation=45)
        ax.set_ylabel(t("lessons.fig.points_lost", lang=lang))
        ax.legend(fontsize=8, ncols=2)
        _title(ax, "lessons.fig.scorecard", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 13
def points_chart(ds, lang: str | None = None) -> Chart:
    """Two panels on the example points table (lesson 13): the share of members in each
    band per village (stacked), and, per category of member (分类管理), the mean points of
    each item as a share of the item's maximum.

    >>> from pbkit.data.sample import load_sample
    >>> points_chart(load_sample(), lang="zh").figure.axes[0].get_title()
    '各村党员积分档次（示例积分标准）'
    """
    from pbkit.lessons.analyses import _points, _scale_label
    from pbkit.lessons.points import CATEGORIES, load_scale

    lang = resolve_lang(lang)
    scale = load_scale()
    table = _points(ds, lang)
    shares = pd.crosstab(table["org_id"], table["band"], normalize="index")
    bands = [b["id"] for b in scale.bands][::-1]
    shares = shares.reindex(columns=bands, fill_value=0.0)
    items = list(scale.items)
    maxima = np.array([float(scale.items[i]["max"]) for i in items])
    by_cat = table.groupby("category")[items].mean()
    by_cat = by_cat.reindex([c for c in CATEGORIES if c in by_cat.index])
    fig, (ax, bx) = _figure((11.0, 4.6), ncols=2)
    with _drawing():
        colors = {"low": _RED, "middle": _GREY, "high": _GREEN}
        bottom = np.zeros(len(shares))
        for band in bands:
            ax.bar(np.arange(len(shares)), shares[band], bottom=bottom,
                   color=colors.get(band, _BLUE), label=_scale_label("band", band, lang))
            bottom += shares[band].to_numpy()
        ax.set_xticks(np.arange(len(shares)), _org_names(ds, shares.index))
        ax.tick_params(axis="x", rotation=45)
        _pct_axis(ax, "y")
        ax.set_ylabel(t("lessons.fig.share_of_members", lang=lang))
        ax.legend(fontsize=8, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
        _title(ax, "lessons.fig.points_bands", lang)
        x = np.arange(len(items))
        width = 0.8 / max(len(by_cat), 1)
        palette = [_BLUE, _ORANGE, _RED, _GREEN]
        for i, (cat, row) in enumerate(by_cat.iterrows()):
            bx.bar(x + (i - (len(by_cat) - 1) / 2) * width, row.to_numpy() / maxima,
                   width=width, color=palette[i % 4],
                   label=t(f"lessons.an.category.{cat}", lang=lang))
        bx.set_xticks(x, [_scale_label("item", i, lang) for i in items], rotation=30,
                      ha="right")
        bx.set_ylim(0, 1.05)
        _pct_axis(bx, "y")
        bx.set_ylabel(t("lessons.fig.share_of_max", lang=lang))
        bx.legend(fontsize=8)
        _title(bx, "lessons.fig.points_items", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 14
def mass_line_chart(ds, threshold: float = 0.5, lang: str | None = None) -> Chart:
    """Problems of the draft rectification list per village, split into 立行立改 and
    逐步整改 (:func:`pbkit.lessons.analyses.mass_line_list`)."""
    from pbkit.lessons.analyses import mass_line_list

    lang = resolve_lang(lang)
    rows = mass_line_list(ds, threshold=threshold, lang=lang, display=False)
    counts = pd.crosstab(rows["org_id"], rows["term"]).reindex(
        columns=["immediate", "gradual"], fill_value=0).sort_index()
    fig, ax = _figure((8.0, 4.2))
    with _drawing():
        x = np.arange(len(counts))
        ax.bar(x, counts["immediate"], color=_ORANGE,
               label=t("lessons.an.term.immediate", lang=lang))
        ax.bar(x, counts["gradual"], bottom=counts["immediate"], color=_BLUE,
               label=t("lessons.an.term.gradual", lang=lang))
        ax.set_xticks(x, _org_names(ds, counts.index))
        ax.tick_params(axis="x", rotation=45)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(t("lessons.fig.problems", lang=lang))
        ax.legend()
        _title(ax, "lessons.fig.mass_line_list", lang)
    return Chart(fig)


# ---------------------------------------------------------------- lesson 15
def leaders_chart(ds, lang: str | None = None) -> Chart:
    """Possible reserve cadres per village (an example criterion), villages flagged weak
    and lax in red, the collective income band under each village
    (:func:`pbkit.lessons.analyses.village_leaders`)."""
    from pbkit.data.labels import label_value
    from pbkit.lessons.analyses import village_leaders

    lang = resolve_lang(lang)
    table = village_leaders(ds, lang=lang, display=False).sort_values("org_id")
    fig, ax = _figure((9.0, 4.6))
    with _drawing():
        colors = [_RED if w else _BLUE for w in table["weak_lax"]]
        ax.bar(np.arange(len(table)), table["reserve_pool"], color=colors)
        for i, n in enumerate(table["reserve_pool"]):
            ax.text(i, n + 0.1, str(int(n)), ha="center", va="bottom", fontsize=9)
        ax.set_ylim(0, max(1.0, float(table["reserve_pool"].max()) * 1.15))
        ticks = [f"{o}\n{label_value('collective_income', c, lang) if isinstance(c, str) else '—'}"
                 for o, c in zip(_org_names(ds, table["org_id"]), table["collective_income"])]
        ax.set_xticks(np.arange(len(table)), ticks, fontsize=7, rotation=30, ha="right")
        for label, weak in zip(ax.get_xticklabels(), table["weak_lax"]):
            if weak:  # a weak village with no bar is still marked
                label.set_color(_RED)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(t("lessons.fig.people", lang=lang))
        _title(ax, "lessons.fig.leaders", lang)
    return Chart(fig)
