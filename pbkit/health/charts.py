"""Charts of the health views (matplotlib), readable in Chinese.

Every function takes a view frame (as returned by :mod:`pbkit.health.membership`,
:mod:`pbkit.health.compliance` or found in ``HealthReport.views``) and returns a
``matplotlib.figure.Figure`` built without pyplot (no global state), with labels in the
chosen language and the CJK font of :mod:`pbkit.charts` set on every text element, so
the figure saves correctly anywhere. Matplotlib is used because it renders offline into
PNG for notebooks, Voila and reports alike, with no browser assets to serve.

>>> import pandas as pd
>>> pyr = pd.DataFrame({"org_id": "ALL", "age_band": ["18-29", "18-29"],
...                     "gender": ["male", "female"], "members": [3, 2]})
>>> fig = age_pyramid_chart(pyr, lang="zh")
>>> fig.axes[0].get_title()
'党员年龄结构（全部）'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from pbkit.data.schema import AGE_BANDS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "age_pyramid_chart",
    "education_chart",
    "migrant_chart",
    "development_chart",
    "probationary_chart",
    "years_since_new_chart",
    "compliance_chart",
    "compliance_heatmap",
    "calendar_chart",
    "SEQUENTIAL_CMAP",
    "report_charts",
    "save_charts",
]


# One colour scale for every graded chart: cividis reads the same for people with red-green
# colour-vision deficiency and in grey print (darker = lower).
SEQUENTIAL_CMAP = "cividis"
# Cells where a rule does not apply to the branch (not the same as "none held").
_NOT_APPLICABLE = "#dddddd"


def _text_colour(rgba) -> str:
    """Black or white text, whichever reads better on a cell of colour ``rgba``."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def _label(code, lang) -> str:
    from pbkit.i18n import has_key, t

    key = f"health.code.{code}"
    return t(key, lang=lang) if has_key(key) else str(code)


def _scope(org_id: str, lang) -> str:
    from pbkit.health.branches import ALL

    return _label("ALL", lang) if org_id == ALL else org_id


def _figure(size=(7.0, 4.5)):
    from matplotlib.figure import Figure

    from pbkit.charts import cjk_context

    with cjk_context():
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


def _finish(fig, ax, title: str, xlabel: str = "", ylabel: str = ""):
    from pbkit.charts import cjk_context, cjk_font_family

    family = cjk_font_family()
    with cjk_context():
        ax.set_title(title, fontfamily=family)
        if xlabel:
            ax.set_xlabel(xlabel, fontfamily=family)
        if ylabel:
            ax.set_ylabel(ylabel, fontfamily=family)
        ax.tick_params(labelfontfamily=family)
        legend = ax.get_legend()
        if legend is not None:
            for text in legend.get_texts():
                text.set_fontfamily(family)
    return fig


def age_pyramid_chart(pyramid: pd.DataFrame, org_id: str = "ALL", *, lang: str | None = None
                      ) -> Figure:
    """Age pyramid: men to the left, women to the right, one bar per age band."""
    from pbkit.i18n import t

    sub = pyramid[pyramid["org_id"] == org_id]
    table = sub.pivot_table(index="age_band", columns="gender", values="members",
                            aggfunc="sum").reindex(index=list(AGE_BANDS),
                                                   columns=["male", "female"]).fillna(0)
    fig, ax = _figure()
    y = np.arange(len(table))
    with _ctx():
        ax.barh(y, -table["male"].to_numpy(), color="#3b6ea5", label=_label("male", lang))
        ax.barh(y, table["female"].to_numpy(), color="#c8553d", label=_label("female", lang))
        ax.set_yticks(y, list(table.index))
        top = max(1.0, float(table.to_numpy().max()))
        ticks = np.linspace(-top, top, 5)
        ax.set_xticks(ticks, [f"{abs(v):.0f}" for v in ticks])
        ax.axvline(0, color="black", linewidth=0.8)
        ax.legend(loc="lower right")
    return _finish(fig, ax, t("health.chart.age_pyramid", lang=lang, scope=_scope(org_id, lang)),
                   t("health.chart.members", lang=lang), t("health.chart.age_band", lang=lang))


def _ctx():
    from pbkit.charts import cjk_context

    return cjk_context()


def education_chart(education: pd.DataFrame, org_id: str = "ALL", *, lang: str | None = None
                    ) -> Figure:
    """Share of members by education level."""
    from pbkit.i18n import t

    sub = education[education["org_id"] == org_id]
    fig, ax = _figure()
    with _ctx():
        labels = [_label(c, lang) for c in sub["education"]]
        ax.bar(labels, sub["share"].fillna(0).to_numpy() * 100, color="#5b8e7d")
        ax.set_ylim(0, 100)
    return _finish(fig, ax, t("health.chart.education", lang=lang, scope=_scope(org_id, lang)),
                   "", t("health.chart.share_pct", lang=lang))


def _names(rows: pd.DataFrame, names: Mapping[str, str] | None) -> list[str]:
    """Display names of the rows' organisations (their ids when no name is known)."""
    return [(names or {}).get(o, o) for o in rows["org_id"]]


def _branch_rows(summary: pd.DataFrame) -> pd.DataFrame:
    from pbkit.health.branches import ALL

    return summary[summary["org_id"] != ALL]


def migrant_chart(summary: pd.DataFrame, *, lang: str | None = None, top: int = 30,
                  names: Mapping[str, str] | None = None) -> Figure:
    """Share of migrant members per branch (highest ``top`` branches)."""
    from pbkit.i18n import t

    rows = _branch_rows(summary).sort_values("migrant_share", ascending=False).head(top)
    fig, ax = _figure((max(7.0, 0.3 * len(rows) + 2), 4.5))
    with _ctx():
        ax.bar(_names(rows, names), rows["migrant_share"].fillna(0) * 100, color="#8c6bb1")
        ax.tick_params(axis="x", rotation=70)
        ax.set_ylim(0, 100)
    return _finish(fig, ax, t("health.chart.migrants", lang=lang),
                   t("health.chart.branch", lang=lang), t("health.chart.share_pct", lang=lang))


def probationary_chart(summary: pd.DataFrame, *, lang: str | None = None, top: int = 30,
                       names: Mapping[str, str] | None = None) -> Figure:
    """Full and probationary members per branch (stacked, largest ``top`` branches)."""
    from pbkit.i18n import t

    rows = _branch_rows(summary).sort_values("members", ascending=False).head(top)
    fig, ax = _figure((max(7.0, 0.3 * len(rows) + 2), 4.5))
    full = (rows["members"] - rows["probationary"]).to_numpy()
    with _ctx():
        ax.bar(_names(rows, names), full, color="#3b6ea5",
               label=t("health.chart.full", lang=lang))
        ax.bar(_names(rows, names), rows["probationary"].to_numpy(), bottom=full,
               color="#f2a541",
               label=_label("probationary_member", lang))
        ax.tick_params(axis="x", rotation=70)
        ax.legend()
    return _finish(fig, ax, t("health.chart.probationary", lang=lang),
                   t("health.chart.branch", lang=lang), t("health.chart.members", lang=lang))


def years_since_new_chart(summary: pd.DataFrame, *, lang: str | None = None, top: int = 30,
                          names: Mapping[str, str] | None = None) -> Figure:
    """Years since the last new member per branch (longest gaps first)."""
    from pbkit.i18n import t

    rows = _branch_rows(summary).sort_values("years_since_last_new", ascending=False,
                                             na_position="first").head(top)
    fig, ax = _figure((max(7.0, 0.3 * len(rows) + 2), 4.5))
    with _ctx():
        ax.bar(_names(rows, names), rows["years_since_last_new"].fillna(0), color="#b5651d")
        ax.tick_params(axis="x", rotation=70)
    return _finish(fig, ax, t("health.chart.years_since_new", lang=lang),
                   t("health.chart.branch", lang=lang), t("health.chart.years", lang=lang))


def development_chart(dev: pd.DataFrame, org_id: str = "ALL", *, lang: str | None = None
                      ) -> Figure:
    """New members per year with the target band (target_min..target_max)."""
    from pbkit.i18n import t

    sub = dev[dev["org_id"] == org_id].sort_values("year")
    fig, ax = _figure()
    with _ctx():
        years = sub["year"].astype(str).tolist()
        ax.bar(years, sub["new_members"].to_numpy(), color="#3b6ea5",
               label=t("health.chart.new_members", lang=lang))
        if sub["target_min"].notna().any():
            lo, hi = float(sub["target_min"].iloc[0]), float(sub["target_max"].iloc[0])
            ax.axhspan(lo, hi, color="#5b8e7d", alpha=0.2, zorder=0,
                       label=t("health.chart.target", lang=lang, low=f"{lo:g}", high=f"{hi:g}"))
        ax.legend()
    return _finish(fig, ax, t("health.chart.development", lang=lang,
                              scope=_scope(org_id, lang)),
                   t("health.chart.year", lang=lang), t("health.chart.members", lang=lang))


def compliance_chart(summary: pd.DataFrame, org_id: str | None = None, *,
                     lang: str | None = None) -> Figure:
    """Meeting completion (held on time / required) per kind: one branch, or all branches
    pooled (``org_id=None``)."""
    from pbkit.i18n import t

    sub = summary if org_id is None else summary[summary["org_id"] == org_id]
    g = sub.groupby("kind", sort=False)[["required", "missing"]].sum()
    completion = (1 - g["missing"] / g["required"].where(g["required"] > 0)).fillna(0)
    fig, ax = _figure()
    with _ctx():
        import matplotlib

        cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
        labels = [_label(k, lang) for k in completion.index]
        values = completion.to_numpy() * 100
        ax.barh(labels, values, color=[cmap(v / 100) for v in values])
        for y, v in enumerate(values):  # a kind never held reads "0%", not a gap
            ax.text(min(v, 88) + 1, y, f"{v:.0f}%", va="center", fontsize=9)
        ax.set_xlim(0, 100)
        ax.invert_yaxis()
    scope = t("health.code.ALL", lang=lang) if org_id is None else org_id
    return _finish(fig, ax, t("health.chart.compliance", lang=lang, scope=scope),
                   t("health.chart.completion_pct", lang=lang), "")


#: Size (points) of the numbers inside heatmap cells: readable from the back of a classroom.
CELL_FONT = 11


def calendar_chart(calendar: pd.DataFrame, org_id: str, *, lang: str | None = None) -> Figure:
    """The meeting calendar of one branch-year (from :func:`meeting_calendar`) as a grid."""
    from pbkit.i18n import t

    kinds = [c for c in calendar.columns if c != "month"]
    grid = calendar[kinds].to_numpy(dtype=float).T
    fig, ax = _figure((8.0, 0.5 * len(kinds) + 1.8))
    with _ctx():
        import matplotlib

        top = max(2.0, float(grid.max()))
        cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
        ax.imshow(grid, cmap=cmap, aspect="auto", vmin=0, vmax=top)
        ax.set_yticks(range(len(kinds)), [_label(k, lang) for k in kinds])
        ax.set_xticks(range(12), [str(m) for m in calendar["month"]])
        for (i, j), v in np.ndenumerate(grid):  # a month with no meeting reads 0
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=CELL_FONT,
                    color=_text_colour(cmap(min(v / top, 1.0))))
    return _finish(fig, ax, t("health.chart.calendar", lang=lang, scope=org_id),
                   t("health.chart.month", lang=lang), "")


def compliance_heatmap(summary: pd.DataFrame, *, lang: str | None = None,
                       names: Mapping[str, str] | None = None) -> Figure:
    """Branches x meeting kinds coloured by completion (``1 - missing / required``, from
    :func:`~pbkit.health.compliance.compliance_summary`), with the percentage in every
    cell.

    A branch that held none of a kind reads 0 %; a kind that does not apply to a branch
    (no committee under 7 full members, no party groups) is a grey cell marked "—", not a
    gap. The scale is cividis (readable with colour-vision deficiency and in grey);
    ``names`` maps ids to display names (:func:`pbkit.data.labels.org_display_names`).

    >>> s = pd.DataFrame({"org_id": ["V1", "V1", "E1"], "kind": ["general_meeting",
    ...     "committee_meeting", "general_meeting"], "required": [4, 12, 4],
    ...     "missing": [0, 12, 4]})
    >>> fig = compliance_heatmap(s, lang="zh", names={"V1": "东山村"})
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['0%', '0%', '100%', '—']
    """
    import matplotlib
    from matplotlib.colors import ListedColormap

    from pbkit.i18n import t

    kinds = list(dict.fromkeys(summary["kind"]))
    g = summary.groupby(["org_id", "kind"], sort=False)[["required", "missing"]].sum()
    done = 1 - g["missing"] / g["required"].where(g["required"] > 0)
    grid = done.unstack("kind").reindex(columns=kinds)
    grid = grid.reindex(sorted(grid.index, key=lambda o: (names or {}).get(o, o)))
    values = grid.to_numpy(dtype=float)
    cmap = matplotlib.colormaps[SEQUENTIAL_CMAP]
    fig, ax = _figure((9.0, max(3.5, 0.42 * len(grid) + 1.8)))
    with _ctx():
        ax.imshow(np.isnan(values).astype(float), cmap=ListedColormap(["white", _NOT_APPLICABLE]),
                  vmin=0, vmax=1, aspect="auto")
        im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=1,
                       aspect="auto")
        for (i, j), v in np.ndenumerate(values):
            if np.isnan(v):
                ax.text(j, i, "—", ha="center", va="center", fontsize=CELL_FONT,
                        color="#555555")
            else:
                ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=CELL_FONT,
                        color=_text_colour(cmap(v)))
        ax.set_xticks(range(len(kinds)), [_label(k, lang) for k in kinds], rotation=30,
                      ha="right")
        ax.set_yticks(range(len(grid)), [(names or {}).get(o, o) for o in grid.index])
        bar = fig.colorbar(im, ax=ax, shrink=0.8, format=lambda x, _pos: f"{x:.0%}")
        bar.set_label(t("health.chart.completion_pct", lang=lang))
        ax.set_xlabel(t("health.chart.not_applicable_note", lang=lang), fontsize=8)
    return _finish(fig, ax, t("health.chart.compliance_grid", lang=lang))


def report_charts(views: Mapping[str, pd.DataFrame], org_id: str = "ALL", *,
                  lang: str | None = None, names: Mapping[str, str] | None = None
                  ) -> dict[str, Figure]:
    """Every membership chart plus compliance for a report's views (``HealthReport.views``).

    ``org_id`` selects the branch for the per-branch charts (default: all branches);
    ``names`` (``HealthReport.org_names``) labels branches by display name.
    """
    scope_cmp = None if org_id == "ALL" else org_id
    return {
        "age_pyramid": age_pyramid_chart(views["age_pyramid"], org_id, lang=lang),
        "education": education_chart(views["education"], org_id, lang=lang),
        "development": development_chart(views["development"], org_id, lang=lang),
        "migrants": migrant_chart(views["membership"], lang=lang, names=names),
        "probationary": probationary_chart(views["membership"], lang=lang, names=names),
        "years_since_new": years_since_new_chart(views["membership"], lang=lang,
                                                 names=names),
        "compliance": compliance_chart(views["compliance_summary"], scope_cmp, lang=lang),
        "compliance_grid": compliance_heatmap(views["compliance_summary"], lang=lang,
                                              names=names),
    }


def save_charts(figures: Mapping[str, Figure], folder: str | Path) -> list[Path]:
    """Save figures as ``<name>.png`` in ``folder`` (created)."""
    from pbkit.charts import save_figure

    return [save_figure(fig, Path(folder) / f"{name}.png") for name, fig in figures.items()]
