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
        # figures of the sample kept on disk for every later session (None: this session's
        # own dataset, kept in memory only)
        self._memo: Any = None
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
        self._cache: dict[Any, Any] = {}
        self._drawn: set[str] = set()  # tabs drawn for the branch and year shown
        self._ready = False
        self.relabel()
        self.branch.observe(self._on_select, "value")
        self.year.observe(self._on_select, "value")
        self.tabs.observe(self._on_tab, "selected_index")
        # the page shows at once, with progress; loading starts once the browser has drawn it
        self.run_when_shown(self._load)

    # -- data ------------------------------------------------------------------------

    def _get(self, key: str, compute: Any) -> Any:
        """``compute()`` once per dataset: on disk for the sample (every later session
        reads it back), in this session's memory for a dataset given to the app."""
        if self._memo is not None:
            return self._memo.get(key, compute)
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _data(self) -> Any:
        """The dataset, read on first need (figures kept on disk do not need it)."""
        if self.dataset is None:
            from pbkit.data.sample import load_sample

            self.dataset = load_sample()
        return self.dataset

    def _branch_info(self) -> dict:
        """Branches (village ones first), their display names, the years with data."""
        from pbkit.data.labels import org_display_names
        from pbkit.health.branches import branches, reference_year
        from pbkit.health.rules import default_rules

        data = self._data()
        orgs = branches(data, default_rules().branch_levels)
        first = {"village": 0, "community": 1}  # village branches first, then the others
        orgs = orgs.assign(_o=orgs["level"].map(lambda lv: first.get(lv, 2))).sort_values(
            ["_o", "org_id"], kind="stable")
        ref = reference_year(data)
        years = {int(y) for y in data.activities["date"].dt.year.dropna().unique()} | {ref}
        return {"orgs": [(str(o), str(lv)) for o, lv in zip(orgs["org_id"], orgs["level"])],
                "names": dict(org_display_names(data.orgs)), "ref": int(ref),
                "years": sorted(years, reverse=True)}

    @guarded(busy="apps.dashboard.busy_loading")
    def _load(self) -> None:
        if self.dataset is None and self._memo is None:
            from pbkit.data.sample import sample_path
            from pbkit.memo import DatasetMemo

            path = sample_path()
            if path.exists():  # else load_sample() names the missing path
                self._memo = DatasetMemo(path)
        info = self._get("branches", self._branch_info)
        self._names = info["names"]
        options = []
        for org, level in info["orgs"]:
            label, kind = self._name(org), enum_label(level, self.lang)
            options.append((f"{label}（{kind}）" if self.lang == "zh" else f"{label} ({kind})",
                            org))
        self.set_choices(self.year, [(str(y), y) for y in info["years"]], info["ref"])
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

    @guarded
    def _on_tab(self, change: dict) -> None:
        if self._ready and TABS[self.tabs.selected_index or 0] not in self._drawn:
            with self.busy("apps.dashboard.busy_drawing"):
                self._draw(TABS[self.tabs.selected_index or 0])

    def refresh(self) -> None:
        """Show the chosen branch's score, then the open tab, then the other tabs.

        The score comes first (one figure for every branch, computed once per dataset),
        then the tab in view; the other tabs follow, each drawn at once if chosen first.
        """
        if not self.branch.value:
            return
        with self.busy("apps.dashboard.busy_score") as step:
            self._drawn = set()
            step(0.1)
            self._render_headline(self.branch.value, self.year.value)
            order = [TABS[self.tabs.selected_index or 0]]
            order += [k for k in TABS if k not in order]
            for i, name in enumerate(order):
                step(0.3 + 0.7 * i / len(order), "apps.dashboard.busy_tab",
                     tab=self.tr(f"apps.dashboard.tab.{name}"))
                if name not in self._drawn:
                    self._draw(name)

    def _draw(self, name: str) -> None:
        """Draw one tab; an error shows in that tab only."""
        org, year = self.branch.value, self.year.value
        self._drawn.add(name)
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

    # -- views ---------------------------------------------------------------------

    def _scorecard(self, year: int) -> Any:
        from pbkit.health.scorecard import scorecard

        return self._get(f"scorecard-{year}", lambda: scorecard(self._data(), year=year))

    def _evidence(self, year: int) -> Any:
        return self._get(f"evidence-{year}-{self.lang}",
                         lambda: self._scorecard(year).evidence_frame(self.lang))

    def _structure(self, year: int) -> Any:
        from pbkit.health import membership_structure

        return self._get(f"structure-{year}",
                         lambda: membership_structure(self._data(), year=year))

    def _chart(self, kind: str, org: str, year: int, draw: Any) -> bytes:
        """PNG of one chart, drawn once per dataset, branch, year and language."""
        return self._get(f"png-{kind}-{org}-{year}-{self.lang}", lambda: figure_png(draw()))

    def _label(self, code: Any) -> str:
        """Display label of a health code or column (health's catalog), else the schema's."""
        for key in (f"health.code.{code}", f"health.col.{code}"):
            if _has(key):
                return self.tr(key)
        return enum_label(code, self.lang)

    def _col(self, column: str) -> str:
        """Display header of a column: health's catalog, the shared label table, the
        dataset's own field names, else a code label."""
        from pbkit.data.labels import label_field

        for key in (f"health.col.{column}", f"label.col.{column}"):
            if _has(key):
                return self.tr(key)
        name = label_field("people", column, self.lang)
        return name if name != column else self._label(column)

    def _cell(self, column: str, value: Any) -> str:
        """A value as users read it: 72%, 9 (not 9.0), 42.5, a date, a place's name, —."""
        from pbkit.data.labels import format_kind, format_value, label_value

        if value is None or (not isinstance(value, (str, tuple)) and value != value):
            return self.tr("label.missing")
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%d")
        if isinstance(value, str):
            return label_value(column, value, self.lang) if column == "destination" else value
        if isinstance(value, bool) or column in ("coverage", "needy", "covered"):
            return format_value(column, value, self.lang)
        if any(part in column for part in ("share", "rate")):
            return format_kind(value, "percent", self.lang)
        if isinstance(value, float) and not value.is_integer():
            return f"{value:.1f}"
        return format_kind(value, "count", self.lang) if isinstance(value, (int, float)) \
            else str(value)

    def _name(self, org: str) -> str:
        """The branch's display name (its pseudonym), its code when it has none."""
        return getattr(self, "_names", {}).get(str(org), str(org))

    def _totals(self, year: int) -> dict:
        """Every branch's ``(total, max_total, rank)`` as plain numbers: the headline reads
        them back without importing pandas, so the score shows first."""

        def compute() -> dict:
            t = self._scorecard(year).totals
            return {str(o): (float(a), float(b), int(r)) for o, a, b, r in
                    zip(t["org_id"], t["total"], t["max_total"], t["rank"])}

        return self._get(f"totals-{year}", compute)

    def _render_headline(self, org: str, year: int) -> None:
        try:
            totals = self._totals(year)
        except Exception:  # the scorecard tab shows the error
            self.headline.value = ""
            return
        if org not in totals:
            self.headline.value = ""
            return
        total, maximum, rank = totals[org]
        self.headline.value = (
            '<div class="pbkit-msg pbkit-msg-info pbkit-score"><b>' + esc(self.tr(
                "apps.dashboard.headline", org=self._name(org), year=year,
                points=f"{total:.0f}", max=f"{maximum:.0f}")) + "</b>" + esc(self.tr(
                    "apps.dashboard.rank", rank=rank, n=len(totals))) + "</div>")

    def _render_meetings(self, org: str, year: int) -> None:
        from pbkit import health

        def draw() -> Any:
            from pbkit.health.charts import calendar_chart

            cal = health.meeting_calendar(self._data(), org, year)
            return calendar_chart(cal, org, lang=self.lang)

        self.meetings_chart.value = chart_html(
            self._chart("calendar", org, year, draw),
            self.tr("apps.dashboard.alt.meetings", org=self._name(org), year=year))
        summary = self._get(f"compliance-{year}",
                            lambda: health.compliance_summary(self._data(), year=year))
        summary = summary[summary["org_id"].astype(str) == org]
        show = summary[["kind", "required", "held", "missing", "attendance_rate"]].copy()
        show["kind"] = show["kind"].map(self._label)
        show["attendance_rate"] = show["attendance_rate"].map(
            lambda v: "" if v != v else f"{100 * v:.0f}%")
        show.columns = [self.tr(f"apps.dashboard.col.{c}") for c in show.columns]
        self.meetings_table.value = (f"<h3>{esc(self.tr('apps.dashboard.meetings_h'))}</h3>"
                                     + html_table(show, scroll=False, lang=self.lang,
                                                  cards=True))

    def _render_structure(self, org: str, year: int) -> None:
        from pbkit.health import charts

        ms = self._structure(year)
        self.structure_chart.value = chart_html(
            self._chart("pyramid", org, year, lambda: charts.age_pyramid_chart(
                ms.age_pyramid, org, lang=self.lang)),
            self.tr("apps.dashboard.alt.pyramid", org=self._name(org)), max_width="560px")
        self.education_chart.value = chart_html(
            self._chart("education", org, year, lambda: charts.education_chart(
                ms.education, org, lang=self.lang)),
            self.tr("apps.dashboard.alt.education", org=self._name(org)), max_width="560px")
        summ = ms.summary[ms.summary["org_id"].astype(str) == org]
        rows = [(self._col(col), self._cell(col, summ[col].iloc[0]))
                for col in summ.columns
                if col not in ("org_id", "year", "level") and len(summ)]
        import pandas as pd

        frame = pd.DataFrame(rows, columns=[self.tr("apps.dashboard.col.item"),
                                            self.tr("apps.dashboard.col.value")])
        self.structure_table.value = html_table(frame, scroll=False, lang=self.lang)

    def _render_migrants(self, org: str, year: int) -> None:
        def migrants() -> Any:
            from pbkit.health.branches import members

            mem = members(self._data())
            return mem[mem["is_migrant"]]

        mem = self._get("migrants", migrants)
        frame = mem[mem["org_id"].astype(str) == org]
        cols = [c for c in ("person_id", "age_band", "birth_year", "destination",
                            "last_contact", "dues_paid_until") if c in frame.columns]
        frame = frame[[c for c in cols if frame[c].notna().any() or c == "person_id"]]
        frame = frame.astype(object).apply(
            lambda column: column.map(lambda v, c=column.name: self._cell(c, v)))
        frame = frame.rename(columns={c: self._col(c) for c in frame.columns})
        evidence = self._item_evidence(year, org, "migrant_contact")
        self.migrants_view.value = (
            f"<h3>{esc(self.tr('apps.dashboard.migrants_h', n=len(frame)))}</h3>"
            + evidence + html_table(frame, lang=self.lang))

    def _item_evidence(self, year: int, org: str, item: str) -> str:
        """The scorecard's evidence rows of one item for one branch, as a list."""
        try:
            ev = self._evidence(year)
        except Exception:  # evidence is supplementary here
            return ""
        rows = ev[(ev["org_id"].astype(str) == org) & (ev["item"] == item)]["detail"]
        if rows.empty:
            return ""
        return ('<ul class="pbkit-lost">' + "".join(f"<li>{esc(d)}</li>" for d in rows)
                + "</ul>")

    def _render_coverage(self, org: str, year: int) -> None:
        from pbkit import networks

        cov = self._get("coverage", lambda: networks.coverage(self._data()))
        for col in ("org_id", "village", "village_id"):
            if col in cov.columns:
                cov = cov[cov[col].astype(str) == org]
                break
        for col in ("village", "township"):  # organisations by their names
            if col in cov.columns:
                cov = cov.assign(**{col: cov[col].map(lambda o: self._name(str(o)))})
        cov = cov.astype(object).apply(
            lambda column: column.map(lambda v, c=column.name: self._cell(c, v)))
        cov = cov.rename(columns={c: self._col(c) for c in cov.columns})
        table = (html_table(cov, lang=self.lang) if len(cov) else
                 f"<p>{esc(self.tr('apps.dashboard.no_needy'))}</p>")
        self.coverage_view.value = (f"<h3>{esc(self.tr('apps.dashboard.coverage_h'))}</h3>"
                                    + self._item_evidence(year, org, "one_on_one_coverage")
                                    + table)

    def _render_scorecard(self, org: str, year: int) -> None:
        res = self._scorecard(year)
        items = res.items[res.items["org_id"].astype(str) == org]
        ev = self._evidence(year)
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
