"""Branch dashboard: the health of one party branch at a glance.

Choose a branch (and a year); tabs show

* the meeting calendar (three meetings and one lesson, activity days...) as a month-by-kind
  grid with missing meetings marked (:func:`pbkit.health.meeting_calendar`,
  :func:`pbkit.health.compliance_summary`);
* the membership structure: age pyramid and education mix
  (:func:`pbkit.health.membership_structure`);
* migrant members and how long since each was last in contact;
* one-on-one coverage of the branch's needy households (:func:`pbkit.networks.coverage`);
* the 100-point scorecard with the evidence behind every lost point
  (:func:`pbkit.health.scorecard`).

Every figure is computed by :mod:`pbkit.health` / :mod:`pbkit.networks`; this module only
filters to the chosen branch and draws.

>>> app = DashboardApp(lang="en")
>>> bool(app.branch.options)
True
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from pbkit.apps.common import (
    AppShell,
    chart_html,
    enum_label,
    esc,
    figure_png,
    guarded,
    html_table,
    log_error,
)

__all__ = ["DashboardApp", "TABS"]

#: Evidence rows listed per scorecard item (the rest are counted; all are in the export).
_EVIDENCE_SHOWN = 15

#: Tab keys in display order.
TABS = ("meetings", "structure", "migrants", "coverage", "scorecard")


class DashboardApp(AppShell):
    """The branch-health dashboard.

    Parameters
    ----------
    lang : str, optional
        ``"zh"`` (default) or ``"en"``.
    dataset : Dataset, optional
        The data to show; by default the sample dataset (``PBKIT_SAMPLE``).
    """

    TITLE_KEY = "apps.dashboard.title"

    def __init__(self, lang: str | None = None, *, dataset: Any = None) -> None:
        super().__init__(lang)
        self.dataset = dataset
        self.branch = W.Dropdown(options=[], style={"description_width": "initial"},
                                 layout=W.Layout(width="auto", min_width="280px"))
        self.year = W.Dropdown(options=[], style={"description_width": "initial"},
                               layout=W.Layout(width="180px"))
        self.headline = W.HTML()
        self.meetings_chart = W.HTML(layout=W.Layout(width="100%"))
        self.meetings_table = W.HTML()
        self.structure_chart = W.HTML(layout=W.Layout(width="100%"))
        self.education_chart = W.HTML(layout=W.Layout(width="100%"))
        self.structure_table = W.HTML()
        self.migrants_view = W.HTML()
        self.coverage_view = W.HTML()
        self.scorecard_view = W.HTML()
        self.tabs = W.Tab(children=[
            W.VBox([self.meetings_chart, self.meetings_table]),
            W.VBox([W.HBox([self.structure_chart, self.education_chart],
                           layout=W.Layout(flex_flow="row wrap")), self.structure_table]),
            self.migrants_view, self.coverage_view, self.scorecard_view,
        ])
        self.body.children = [
            W.HBox([self.branch, self.year],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.headline, self.tabs,
        ]
        self._cache: dict[tuple, Any] = {}
        self._ready = False
        self.relabel()
        self.branch.observe(self._on_select, "value")
        self.year.observe(self._on_select, "value")
        # the page shows at once, with progress; loading starts once the browser has drawn it
        self.run_when_shown(self._load)

    # -- data ------------------------------------------------------------------------

    @guarded(busy="apps.dashboard.busy_loading")
    def _load(self) -> None:
        if self.dataset is None:
            from pbkit.data.sample import load_sample

            self.dataset = load_sample()
        from pbkit.health.branches import branches, reference_year
        from pbkit.health.rules import default_rules

        rules = default_rules()
        orgs = branches(self.dataset, rules.branch_levels)
        first = {"village": 0, "community": 1}  # village branches first, then the others
        orgs = orgs.assign(_o=orgs["level"].map(lambda lv: first.get(lv, 2))).sort_values(
            ["_o", "org_id"], kind="stable")
        options = []
        from pbkit.data.labels import org_display_names

        self._names = org_display_names(self.dataset.orgs)
        for rec in orgs.itertuples(index=False):
            label = self._name(rec.org_id)
            options.append((f"{label}（{enum_label(rec.level, self.lang)}）"
                            if self.lang == "zh" else
                            f"{label} ({enum_label(rec.level, self.lang)})", str(rec.org_id)))
        ref = reference_year(self.dataset)
        acts = self.dataset.activities
        years = sorted({int(y) for y in acts["date"].dt.year.dropna().unique()} | {ref},
                       reverse=True)
        self.set_choices(self.year, [(str(y), y) for y in years], ref)
        self.set_choices(self.branch, options, self.branch.value)
        self._ready = True
        self.refresh()

    # -- labels --------------------------------------------------------------------

    def relabel(self) -> None:
        self.branch.description = self.tr("apps.dashboard.branch")
        self.year.description = self.tr("apps.dashboard.year")
        for i, key in enumerate(TABS):
            self.tabs.set_title(i, self.tr(f"apps.dashboard.tab.{key}"))

    def rerender(self) -> None:
        if self._ready:
            self._cache.clear()
            current = self.branch.value
            self._ready = False
            self._load()
            if current in [v for _, v in self.branch.options]:
                self.branch.value = current

    @guarded
    def _on_select(self, change: dict) -> None:
        if self._ready:
            self.clear_message()
            self.refresh()

    @guarded(busy="apps.dashboard.busy_computing")
    def refresh(self) -> None:
        """Redraw every tab for the chosen branch and year."""
        org, year = self.branch.value, self.year.value
        if not org:
            return
        for name in ("meetings", "structure", "migrants", "coverage", "scorecard"):
            try:
                getattr(self, f"_render_{name}")(org, year)
            except Exception as exc:  # one failing view must not hide the rest
                from pbkit.errors import PbkitError

                text = exc.render(self.lang) if isinstance(exc, PbkitError) else self.tr(
                    "apps.error.internal", kind=type(exc).__name__)
                view = {"meetings": self.meetings_table, "structure": self.structure_table,
                        "migrants": self.migrants_view, "coverage": self.coverage_view,
                        "scorecard": self.scorecard_view}[name]
                view.value = f'<div class="pbkit-msg pbkit-msg-error">{esc(text)}</div>'
                log_error(f"DashboardApp._render_{name}")
        self._render_headline(org, year)

    # -- views ---------------------------------------------------------------------

    def _scorecard(self, year: int) -> Any:
        key = ("scorecard", year)
        if key not in self._cache:
            from pbkit.health.scorecard import scorecard

            self._cache[key] = scorecard(self.dataset, year=year)
        return self._cache[key]

    def _structure(self, year: int) -> Any:
        key = ("structure", year)
        if key not in self._cache:
            from pbkit.health import membership_structure

            self._cache[key] = membership_structure(self.dataset, year=year)
        return self._cache[key]

    def _label(self, code: Any) -> str:
        """Display label of a health code or column (health's catalog), else the schema's."""
        for key in (f"health.code.{code}", f"health.col.{code}"):
            if _has(key):
                return self.tr(key)
        return enum_label(code, self.lang)

    def _name(self, org: str) -> str:
        """The branch's display name (its pseudonym), its code when it has none."""
        return getattr(self, "_names", {}).get(str(org), str(org))

    def _render_headline(self, org: str, year: int) -> None:
        try:
            totals = self._scorecard(year).totals
        except Exception:  # the scorecard tab shows the error
            self.headline.value = ""
            return
        row = totals[totals["org_id"].astype(str) == org]
        if row.empty:
            self.headline.value = ""
            return
        r = row.iloc[0]
        self.headline.value = (
            '<div class="pbkit-msg pbkit-msg-info"><b>' + esc(self.tr(
                "apps.dashboard.headline", org=self._name(org), year=year,
                points=f"{r['total']:.0f}",
                max=f"{r['max_total']:.0f}")) + "</b>" + esc(self.tr(
                    "apps.dashboard.rank", rank=int(r["rank"]), n=len(totals))) + "</div>")

    def _render_meetings(self, org: str, year: int) -> None:
        from pbkit import health
        from pbkit.health.charts import calendar_chart

        cal = health.meeting_calendar(self.dataset, org, year)
        self.meetings_chart.value = chart_html(
            figure_png(calendar_chart(cal, org, lang=self.lang)),
            self.tr("apps.dashboard.alt.meetings", org=self._name(org), year=year))
        summary = health.compliance_summary(self.dataset, year=year)
        summary = summary[summary["org_id"].astype(str) == org]
        show = summary[["kind", "required", "held", "missing", "attendance_rate"]].copy()
        show["kind"] = show["kind"].map(self._label)
        show["attendance_rate"] = show["attendance_rate"].map(
            lambda v: "" if v != v else f"{100 * v:.0f}%")
        show.columns = [self.tr(f"apps.dashboard.col.{c}") for c in show.columns]
        self.meetings_table.value = (f"<h3>{esc(self.tr('apps.dashboard.meetings_h'))}</h3>"
                                     + html_table(show, scroll=False, lang=self.lang))

    def _render_structure(self, org: str, year: int) -> None:
        from pbkit.health.charts import age_pyramid_chart, education_chart

        ms = self._structure(year)
        self.structure_chart.value = chart_html(
            figure_png(age_pyramid_chart(ms.age_pyramid, org, lang=self.lang)),
            self.tr("apps.dashboard.alt.pyramid", org=self._name(org)), max_width="560px")
        self.education_chart.value = chart_html(
            figure_png(education_chart(ms.education, org, lang=self.lang)),
            self.tr("apps.dashboard.alt.education", org=self._name(org)), max_width="560px")
        summ = ms.summary[ms.summary["org_id"].astype(str) == org]
        rows = []
        for col in summ.columns:
            if col in ("org_id", "year", "level") or not len(summ):
                continue
            value = summ[col].iloc[0]
            if isinstance(value, float):
                if value != value:
                    value = ""
                elif "share" in col:
                    value = f"{100 * value:.0f}%"
                else:
                    value = f"{value:.1f}"
            rows.append((self._label(col), value))
        import pandas as pd

        frame = pd.DataFrame(rows, columns=[self.tr("apps.dashboard.col.item"),
                                            self.tr("apps.dashboard.col.value")])
        self.structure_table.value = html_table(frame, scroll=False, lang=self.lang)

    def _render_migrants(self, org: str, year: int) -> None:
        from pbkit.health.branches import members

        mem = members(self.dataset)
        frame = mem[mem["is_migrant"] & (mem["org_id"].astype(str) == org)]
        cols = [c for c in ("person_id", "age_band", "birth_year", "destination",
                            "last_contact", "dues_paid_until") if c in frame.columns]
        frame = frame[cols].rename(columns={c: self._label(c) for c in cols})
        evidence = self._item_evidence(year, org, "migrant_contact")
        self.migrants_view.value = (
            f"<h3>{esc(self.tr('apps.dashboard.migrants_h', n=len(frame)))}</h3>"
            + evidence + html_table(frame, lang=self.lang))

    def _item_evidence(self, year: int, org: str, item: str) -> str:
        """The scorecard's evidence rows of one item for one branch, as a list."""
        try:
            ev = self._scorecard(year).evidence_frame(self.lang)
        except Exception:  # evidence is supplementary here
            return ""
        rows = ev[(ev["org_id"].astype(str) == org) & (ev["item"] == item)]["detail"]
        if rows.empty:
            return ""
        return ('<ul class="pbkit-lost">' + "".join(f"<li>{esc(d)}</li>" for d in rows)
                + "</ul>")

    def _render_coverage(self, org: str, year: int) -> None:
        from pbkit import networks

        key = ("coverage",)
        if key not in self._cache:
            self._cache[key] = networks.coverage(self.dataset)
        cov = self._cache[key]
        for col in ("org_id", "village", "village_id"):
            if col in cov.columns:
                cov = cov[cov[col].astype(str) == org]
                break
        cov = cov.rename(columns={c: self._label(c) for c in cov.columns})
        self.coverage_view.value = (f"<h3>{esc(self.tr('apps.dashboard.coverage_h'))}</h3>"
                                    + self._item_evidence(year, org, "one_on_one_coverage")
                                    + html_table(cov, lang=self.lang))

    def _render_scorecard(self, org: str, year: int) -> None:
        res = self._scorecard(year)
        items = res.items[res.items["org_id"].astype(str) == org]
        ev = res.evidence_frame(self.lang)
        ev = ev[ev["org_id"].astype(str) == org]
        rows = []
        for rec in items.itertuples(index=False):
            lost = float(rec.lost)
            details = ev[ev["item"] == rec.item]["detail"].tolist()
            shown = _EVIDENCE_SHOWN
            evidence = ("<ul>" + "".join(f"<li>{esc(d)}</li>" for d in details[:shown])
                        + (f"<li>{esc(self.tr('apps.dashboard.more', n=len(details) - shown))}"
                           "</li>" if len(details) > shown else "") + "</ul>") if details else ""
            css = ' class="pbkit-lost"' if lost > 0 else ""
            rows.append(f"<tr{css}><td>{esc(self._label(rec.item))}</td>"
                        f"<td>{rec.points:.0f}</td><td>{rec.max_points:.0f}</td>"
                        f"<td>{lost:.0f}</td><td>{evidence or '—'}</td></tr>")
        head = "".join(f"<th>{esc(self.tr(f'apps.dashboard.col.{c}'))}</th>"
                       for c in ("item", "points", "max_points", "lost", "evidence"))
        total = res.totals[res.totals["org_id"].astype(str) == org]
        title = ""
        if len(total):
            points, maximum = float(total.iloc[0]["total"]), float(total.iloc[0]["max_total"])
            title = "<h3>" + esc(self.tr("apps.dashboard.score_h", points=f"{points:.0f}",
                                         max=f"{maximum:.0f}")) + "</h3>"
        n_lost = int((items["lost"].astype(float) > 0).sum())
        note = f'<p class="pbkit-lost">{esc(self.tr("apps.dashboard.lost_n", n=n_lost))}</p>'
        self.scorecard_view.value = (title + note + "<table class='pbkit-table pbkit-scorecard'>"
                                     f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}"
                                     "</tbody></table>")


def _has(key: str) -> bool:
    from pbkit.i18n import has_key

    return has_key(key)
