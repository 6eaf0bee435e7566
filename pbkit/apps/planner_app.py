"""Pairing planner: load a dataset, see coverage, plan pairs, lock or remove, download.

A village secretary opens the sample dataset or uploads their own (a .zip of CSV files,
one .xlsx workbook, or several .csv files, one per table). The upload is checked for size
in the browser *and* in the kernel before anything is read (Voila's websocket silently drops
a message over about 10 MB, so the page refuses such a file with a message instead), then
validated by :func:`pbkit.data.validation.validate`, whose report is shown in the app.

The app shows the current coverage and helper load (:mod:`pbkit.networks`), a map-like
plot of villages, households (covered or not) and pairs on the ``x_km``/``y_km`` grid, and
tables. "Plan" runs :func:`pbkit.networks.plan`; selected pairs can be locked (kept in every
re-plan) or removed (never proposed again) before planning again. "Download" writes the plan
as .xlsx through :mod:`pbkit.export` (formulas off) and offers it as a link.

>>> app = PlannerApp(lang="en")
>>> app.mechanism.value
'one_on_one'
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as W

from pbkit.apps.common import (
    MAX_UPLOAD_BYTES,
    AppShell,
    chart_html,
    download_link,
    enum_label,
    esc,
    figure_png,
    guarded,
    html_table,
    log_error,
    new_figure,
    query_params,
    when_link_known,
)
from pbkit.errors import PbkitError

__all__ = ["PlannerApp", "UPLOAD_SUFFIXES", "upload_guard_js"]

UPLOAD_SUFFIXES = (".csv", ".zip", ".xlsx")
_MAP_POINTS = 5000  # households drawn on the map at most


def upload_guard_js(limit: int = MAX_UPLOAD_BYTES) -> str:
    """Browser-side guard: refuse files over ``limit`` bytes before they are sent.

    ipywidgets' FileUpload keeps its ``<input type=file>`` outside the document and reads
    the chosen files in its ``change`` listener, then sends them in one websocket message
    (which Voila drops without a word above about 10 MB). The guard wraps
    ``addEventListener`` of file inputs so that a ``change`` listener is skipped when the
    files are too large: the input is cleared and every ``.pbkit-upload-toobig`` message is
    shown. Installed once per page, before the widget renders. The kernel checks the size
    again (a browser is not a boundary).
    """
    return (
        "(function(){if(window.__pbkitUploadGuard){return;}window.__pbkitUploadGuard=true;"
        "var P=HTMLInputElement.prototype,orig=P.addEventListener;"
        "function warn(show){document.querySelectorAll('.pbkit-upload-toobig').forEach("
        "function(w){w.style.display=show?'block':'none';});}"
        "P.addEventListener=function(type,listener,opts){"
        "if(type!=='change'||this.type!=='file'||!listener){"
        "return orig.call(this,type,listener,opts);}"
        "var input=this;var wrapped=function(ev){var total=0,files=input.files||[];"
        "for(var i=0;i<files.length;i++){total+=files[i].size;}"
        f"if(total>{int(limit)})"
        "{input.value='';warn(true);return undefined;}warn(false);"
        "return typeof listener==='function'?listener.call(this,ev):"
        "listener.handleEvent(ev);};"
        "return orig.call(this,type,wrapped,opts);};})();"
    )


def _mechanism_codes() -> tuple[str, ...]:
    try:
        from pbkit.networks.mechanisms import mechanism_codes

        return tuple(mechanism_codes())
    except ImportError:  # pragma: no cover - networks not installed
        from pbkit.data.schema import MECHANISMS

        return MECHANISMS


class PlannerApp(AppShell):
    """The pairing planner app.

    Parameters
    ----------
    lang : str, optional
        ``"zh"`` (default) or ``"en"``.
    workdir : path, optional
        Where uploads are unpacked (a fresh temporary folder by default; removed when a
        new dataset replaces it).
    """

    TITLE_KEY = "apps.planner.title"

    def __init__(self, lang: str | None = None, *, workdir: str | os.PathLike | None = None
                 ) -> None:
        super().__init__(lang)
        self._workdir = Path(workdir) if workdir else None
        self.dataset: Any = None
        self.source_name = ""
        self.report: Any = None
        self.plan: Any = None
        self.locked: list[tuple[str, str]] = []
        self.removed: list[tuple[str, str]] = []

        self.sample_btn = W.Button(button_style="primary")
        self.upload = W.FileUpload(accept=",".join(UPLOAD_SUFFIXES), multiple=True)
        self.upload.add_class("pbkit-upload")
        self.upload_note = W.HTML()
        self.template_btn = W.Button()
        self.template_btn.add_class("pbkit-template-btn")
        self.template_view = W.HTML()
        self.too_big = W.HTML()
        self.status = W.HTML()
        self.report_view = W.HTML()
        self.mechanism = W.Dropdown(options=[], style={"description_width": "initial"},
                                    layout=W.Layout(width="auto", min_width="260px"))
        self.village = W.Dropdown(options=[], style={"description_width": "initial"},
                                  layout=W.Layout(width="auto", min_width="220px"))
        self.radius = W.BoundedFloatText(value=0.0, min=0.0, max=500.0, step=0.5,
                                         style={"description_width": "initial"},
                                         layout=W.Layout(width="auto", min_width="300px"))
        self.keep_existing = W.Checkbox(value=True, indent=False)
        self.plan_btn = W.Button(button_style="success", disabled=True)
        self.plan_btn.add_class("pbkit-plan")
        self.summary = W.HTML()
        self.map_view = W.HTML(layout=W.Layout(width="100%"))
        self.tables = W.HTML()
        self.pair_help = W.HTML()
        self.pair_search = W.Text(layout=W.Layout(width="100%", max_width="420px"))
        self.pair_search.add_class("pbkit-pair-search")
        self.pair_select = W.SelectMultiple(options=[], rows=8,
                                            layout=W.Layout(width="100%"))
        self.lock_btn = W.Button()
        self.remove_btn = W.Button(button_style="danger")
        self.clear_btn = W.Button()
        self.edits = W.HTML()
        self.download_btn = W.Button(button_style="info", disabled=True)
        self.download_btn.add_class("pbkit-download-btn")
        self.download_view = W.HTML()
        self.plan_box = W.VBox([self.pair_help, self.pair_search, self.pair_select,
                                W.HBox([self.lock_btn, self.remove_btn, self.clear_btn],
                                       layout=W.Layout(flex_flow="row wrap")),
                                self.edits,
                                W.HBox([self.download_btn, self.download_view],
                                       layout=W.Layout(align_items="center"))],
                               layout=W.Layout(display="none"))
        self.body.children = [
            W.HBox([self.sample_btn, self.upload, self.upload_note],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            W.HBox([self.template_btn, self.template_view],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.too_big, self.status, self.report_view,
            W.HBox([self.mechanism, self.village, self.radius, self.keep_existing,
                    self.plan_btn], layout=W.Layout(flex_flow="row wrap",
                                                    align_items="center")),
            self.summary,
            self.map_view,
            self.plan_box, self.tables,
        ]
        self.sample_btn.on_click(self._on_sample)
        self.upload.observe(self._on_upload, "value")
        self.plan_btn.on_click(self._on_plan)
        self.lock_btn.on_click(self._on_lock)
        self.remove_btn.on_click(self._on_remove)
        self.clear_btn.on_click(self._on_clear)
        self.download_btn.on_click(self._on_download)
        self.template_btn.on_click(self._on_template)
        self.workspace: Any = None
        self._restoring = False
        self.village.observe(self._on_village, "value")
        self.pair_search.observe(self._on_search, "value")
        self.relabel()
        if not when_link_known(self.attach_workspace):
            self.attach_workspace(query_params())

    # -- labels ----------------------------------------------------------------------

    def relabel(self) -> None:
        self.sample_btn.description = self.tr("apps.planner.sample")
        self.upload.description = self.tr("apps.planner.upload")
        self.upload.tooltip = self.tr("apps.planner.upload_tip",
                                      limit=MAX_UPLOAD_BYTES // (1024 * 1024))
        self.upload_note.value = esc(self.tr("apps.planner.upload_tip",
                                             limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
        self.too_big.value = (
            '<div class="pbkit-upload-toobig pbkit-msg pbkit-msg-error" style="display:none">'
            + esc(self.tr("apps.planner.err.too_big_browser",
                          limit=MAX_UPLOAD_BYTES // (1024 * 1024))) + "</div>")
        self.template_btn.description = self.tr("apps.planner.template")
        self.template_btn.tooltip = self.tr("apps.planner.template_tip")
        self.mechanism.description = self.tr("apps.planner.mechanism")
        current = self.mechanism.value
        codes = _mechanism_codes()
        self.set_choices(self.mechanism, [(enum_label(c, self.lang), c) for c in codes],
                         current if current in codes else "one_on_one")
        self.village.description = self.tr("apps.planner.village")
        self._village_options()
        self.radius.description = self.tr("apps.planner.radius")
        self.keep_existing.description = self.tr("apps.planner.keep_existing")
        self.plan_btn.description = (self.tr("apps.planner.replan") if self.plan is not None
                                     else self.tr("apps.planner.plan"))
        self.pair_search.placeholder = self.tr("apps.planner.pair_search")
        self.pair_search.description = ""
        self.lock_btn.description = self.tr("apps.planner.lock")
        self.remove_btn.description = self.tr("apps.planner.remove")
        self.clear_btn.description = self.tr("apps.planner.clear")
        self.download_btn.description = self.tr("apps.planner.download")

    def _village_options(self) -> None:
        current = self.village.value
        options = [(self.tr("apps.planner.all_villages"), "")]
        if self.dataset is not None:
            from pbkit.data.labels import org_display_names

            names = org_display_names(self.dataset.orgs)
            for org_id in self.dataset.villages()["org_id"].tolist():
                options.append((names.get(org_id, str(org_id)), str(org_id)))
        self.set_choices(self.village, options, current if current else "")

    def rerender(self) -> None:
        self._render_report()
        self._render_status()
        if self.dataset is not None:
            self._render_views()

    def show(self) -> None:
        """Display the app and the browser-side upload size guard."""
        from IPython.display import Javascript, display

        display(Javascript(upload_guard_js()))
        super().show()

    # -- work kept on the server -------------------------------------------------------

    def attach_workspace(self, params: dict[str, str]) -> None:
        """Take the workspace named in the link (``ws``), or start one; restore its work."""
        self.workspace = self.link_workspace("planner", params)
        state = self.workspace.load()
        if state and self.dataset is None:
            self.restore(state)

    def save_state(self) -> None:
        """Keep the dataset choice, settings, plan and edits in the workspace."""
        if self.workspace is None or self._restoring or self.dataset is None:
            return
        state = dict(self.workspace.load() or {})
        state.update(mechanism=self.mechanism.value, village=self.village.value,
                     radius=float(self.radius.value), keep=bool(self.keep_existing.value),
                     locked=[list(p) for p in self.locked],
                     removed=[list(p) for p in self.removed], planned=self.plan is not None)
        self.workspace.save(state)

    def _remember_source(self, path: Path) -> None:
        if self.workspace is None or self._restoring:
            return
        from pbkit.data.sample import sample_path

        if path.resolve() == Path(sample_path()).resolve():
            state = {"source": "sample"}
        else:
            state = {"source": "upload", "file": self.workspace.replace_files(path).name}
        self.workspace.save({**state, "name": self.source_name})
        self.save_state()

    @guarded(busy="apps.planner.busy_loading")
    def restore(self, state: dict) -> None:
        """Bring back saved work: the dataset, settings, locks and removals, and the plan."""
        from pbkit.data.sample import sample_path

        self._restoring = True
        try:
            if state.get("source") == "sample":
                path = Path(sample_path())
            elif state.get("source") == "upload" and state.get("file"):
                path = self.workspace.files / state["file"]
            else:
                return
            if not path.exists() or self.load_path(path, name=state.get("name")) is None:
                return
            codes = [v for _, v in self.mechanism.options]
            if state.get("mechanism") in codes:
                self.mechanism.value = state["mechanism"]
            if state.get("village") in [v for _, v in self.village.options]:
                self.village.value = state["village"]
            self.radius.value = float(state.get("radius") or 0.0)
            self.keep_existing.value = bool(state.get("keep", True))
            self.locked = [tuple(p) for p in state.get("locked", [])]
            self.removed = [tuple(p) for p in state.get("removed", [])]
            if state.get("planned"):
                self.run_plan()
            else:
                self._render_views()
        finally:
            self._restoring = False
        self.show_info(self.tr("apps.planner.restored", name=self.source_name))

    # -- loading ---------------------------------------------------------------------

    @guarded(busy="apps.planner.busy_loading")
    def _on_sample(self, _button: Any = None) -> None:
        self.clear_message()
        from pbkit.data.sample import sample_path

        self.load_path(sample_path(), name=self.tr("apps.planner.sample_name"))

    @guarded
    def _on_upload(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        self.clear_message()
        try:
            with self.busy("apps.planner.busy_loading"):
                self.load_upload(files)
        finally:
            # free the kernel and browser copies of the file either way
            self.upload.unobserve(self._on_upload, "value")
            self.upload.value = ()
            self.upload.observe(self._on_upload, "value")

    def load_upload(self, files: Any) -> Any:
        """Check, unpack, validate and load uploaded files (FileUpload ``value`` items).

        Each item is a mapping with ``name`` and ``content`` (bytes or memoryview);
        ``size`` is used when present.
        """
        items = list(files)
        total = sum(int(f.get("size") or len(f["content"])) for f in items)
        if total > MAX_UPLOAD_BYTES:
            raise PbkitError("apps.planner.err.too_big", size=f"{total / 2**20:.1f}",
                             limit=MAX_UPLOAD_BYTES // (1024 * 1024))
        names = [Path(str(f.get("name") or "")).name for f in items]
        for name in names:
            if not name.lower().endswith(UPLOAD_SUFFIXES):
                raise PbkitError("apps.planner.err.kind", file=name,
                                 kinds=", ".join(UPLOAD_SUFFIXES))
        kinds = {Path(n).suffix.lower() for n in names}
        if len(items) > 1 and kinds != {".csv"}:
            raise PbkitError("apps.planner.err.mixed")
        if len(set(names)) != len(names):
            raise PbkitError("apps.planner.err.mixed")
        folder = self._fresh_workdir()
        for name, item in zip(names, items):
            (folder / name).write_bytes(bytes(item["content"]))
        path = folder if kinds == {".csv"} else folder / names[0]
        label = names[0] if len(names) == 1 else self.tr("apps.planner.n_files", n=len(names))
        return self.load_path(path, name=label)

    def _fresh_workdir(self) -> Path:
        if self._workdir is not None:
            base = self._workdir
            base.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="upload-", dir=base))
        else:
            folder = Path(tempfile.mkdtemp(prefix="pbkit-upload-"))
        old = getattr(self, "_upload_dir", None)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        else:  # uploads never outlive the session's kernel
            import atexit

            atexit.register(lambda: shutil.rmtree(self._upload_dir, ignore_errors=True))
        self._upload_dir = folder
        return folder

    def load_path(self, path: str | os.PathLike, *, name: str | None = None) -> Any:
        """Validate and load the dataset at ``path``; show the report either way."""
        from pbkit.data.io import load_dataset
        from pbkit.errors import ValidationFailed

        self.dataset = None
        self.plan = None
        self.locked, self.removed = [], []
        self.download_view.value = ""
        self.report = None
        self._render_report()
        self.source_name = name or Path(path).name
        with self.busy("apps.planner.busy_validating"):
            try:  # load_dataset validates and carries the full report either way
                dataset = load_dataset(path)
            except ValidationFailed as exc:
                self.report = exc.report
                self._render_report()
                self._reset_views()
                self.show_error(self.tr("apps.planner.err.invalid",
                                        errors=len(self.report.errors)))
                return None
            self.report = dataset.report
            self._render_report()
            self.dataset = dataset
        self._village_options()
        self.plan_btn.disabled = False
        self.relabel()
        self._render_status()
        self._render_views()
        self.show_ok(self.tr("apps.planner.loaded", name=self.source_name))
        self._remember_source(Path(path))
        return self.dataset

    def _reset_views(self) -> None:
        self.plan_btn.disabled = True
        self.summary.value = ""
        self.tables.value = ""
        self.map_view.value = ""
        self.plan_box.layout.display = "none"
        self.download_view.value = ""
        self._render_status()

    def _render_status(self) -> None:
        if self.dataset is None:
            self.status.value = ""
            return
        ds = self.dataset
        self.status.value = (
            '<div class="pbkit-msg pbkit-msg-info">' + esc(self.tr(
                "apps.planner.status", name=self.source_name, people=len(ds.people),
                households=len(ds.households), villages=len(ds.villages()),
                pairings=len(ds.pairings))) + "</div>")

    def _render_report(self) -> None:
        rep = self.report
        if rep is None:
            self.report_view.value = ""
            return
        summary = self.tr("apps.planner.report_summary", errors=len(rep.errors),
                          warnings=len(rep.warnings))
        if len(rep) == 0:
            self.report_view.value = f"<p>{esc(self.tr('apps.planner.report_clean'))}</p>"
            return
        frame = rep.display_frame(self.lang)
        upload_dir = getattr(self, "_upload_dir", None)
        if upload_dir is not None:  # the unpacking folder is ours: name what was uploaded
            file = self.tr("report.col.file")
            frame[file] = frame[file].replace({upload_dir.name: self.source_name})
        self.report_view.value = (f"<h3>{esc(self.tr('apps.planner.report'))}</h3>"
                                  f"<p>{esc(summary)}</p>" + html_table(frame, max_rows=100,
                                                                        lang=self.lang))

    # -- views -----------------------------------------------------------------------

    @guarded
    def _on_village(self, change: dict) -> None:
        if self.dataset is not None:
            self._render_views()
            self.save_state()

    def _render_views(self) -> None:
        with self.busy("apps.planner.busy_metrics"):
            self._render_summary()
            self._render_plan_box()
            for part, view in ((self._render_map, None), (self._render_tables, self.tables)):
                try:
                    part()
                except Exception as exc:  # one failing view keeps the others
                    log_error(f"PlannerApp.{part.__name__}")
                    text = exc.render(self.lang) if isinstance(exc, PbkitError) else self.tr(
                        "apps.error.internal", kind=type(exc).__name__)
                    if view is not None:
                        view.value = f'<div class="pbkit-msg pbkit-msg-error">{esc(text)}</div>'
                    else:
                        self.show_error(text)

    def _network_frames(self) -> tuple[Any, Any]:
        from pbkit import networks

        mech = self.mechanism.value
        cov = _call_metric(networks.coverage, self.dataset, mech)
        load = _call_metric(networks.helper_load, self.dataset, mech)
        return cov, load

    def _filter_village(self, frame: Any) -> Any:
        village = self.village.value
        if not village or frame is None:
            return frame
        for col in ("village", "village_id", "org_id"):
            if col in frame.columns:
                return frame[frame[col].astype(str) == village]
        return frame

    def _render_summary(self) -> None:
        """The plan summary for the chosen scope: the workbook's summary sheet, on the page."""
        if self.plan is None:
            self.summary.value = ""
            return
        import pandas as pd

        from pbkit.data.labels import format_kind
        from pbkit.export.plan_workbook import plan_sheets

        sheets = plan_sheets(self.plan, self.dataset, village=self.village.value or None,
                             target_table=self.plan.target_table, lang=self.lang)
        frame = pd.DataFrame([(label, format_kind(value, kind, self.lang))
                              for label, value, kind in sheets.summary],
                             columns=[self.tr("apps.planner.col_item"),
                                      self.tr("apps.planner.col_value")])
        self.summary.value = (f"<h3>{esc(self.tr('apps.planner.objective'))}</h3>"
                              f"<p>{esc(sheets.header_lines[1])}</p>"
                              + html_table(frame, scroll=False, lang=self.lang))

    def _render_tables(self) -> None:
        cov, load = self._network_frames()
        parts = []
        if self.plan is not None:
            pairs = self._filter_plan(self.plan.pairs)
            unc = self._filter_plan(self.plan.uncovered)
            parts += [f"<h3>{esc(self.tr('apps.planner.pairs', n=len(pairs)))}</h3>",
                      html_table(self._display(pairs, (
                          "source_id", "target_id", "village", "distance_km", "status",
                          "reason")), lang=self.lang, cards=True),
                      f"<h3>{esc(self.tr('apps.planner.uncovered', n=len(unc)))}</h3>",
                      html_table(self._display(unc, (
                          "target_id", "village", "reason")), lang=self.lang, cards=True)
                      if len(unc) else  # say so, not "(no data)"
                      f"<p>{esc(self.tr('export.plan.all_covered'))}</p>"]
        parts += [f"<h3>{esc(self.tr('apps.planner.coverage'))}</h3>",
                  html_table(self._display(self._filter_village(cov), (
                      "village", "needy", "covered", "uncovered", "coverage")),
                      lang=self.lang),
                  f"<h3>{esc(self.tr('apps.planner.helper_load'))}</h3>",
                  html_table(self._display(self._filter_village(load), (
                      "person_id", "village", "capacity", "pairs", "spare", "overloaded",
                      "migrant")), lang=self.lang, cards=True)]
        self.tables.value = "".join(parts)

    def _display(self, frame: Any, columns: tuple[str, ...]) -> Any:
        """The chosen columns that exist, values formatted, headers in the app language."""
        from pbkit.data.labels import display_frame

        return display_frame(frame, columns, lang=self.lang)

    def _filter_plan(self, frame: Any) -> Any:
        village = self.village.value
        if not village or self.dataset is None:
            return frame
        hh = self.dataset.households
        ids = set(hh.loc[hh["org_id"].astype(str) == village, "household_id"].astype(str))
        return frame[frame["target_id"].astype(str).isin(ids)]

    def _render_map(self) -> None:
        import numpy as np

        ds = self.dataset
        orgs = ds.orgs
        hh = ds.households
        village = self.village.value
        if village:
            hh = hh[hh["org_id"].astype(str) == village]
        pos_org = {str(r.org_id): (r.x_km, r.y_km) for r in orgs.itertuples()
                   if r.x_km == r.x_km and r.y_km == r.y_km}
        hx = hh["x_km"].astype("float64").to_numpy()
        hy = hh["y_km"].astype("float64").to_numpy()
        # households without coordinates sit at their village's position
        for i, org in enumerate(hh["org_id"].astype(str)):
            if np.isnan(hx[i]) and org in pos_org:
                hx[i], hy[i] = pos_org[org]
        hid = hh["household_id"].astype(str).tolist()
        covered = self._covered_households()
        fig = new_figure(7.5, 5.2)
        ax = fig.add_subplot()
        person_org = dict(zip(ds.people["person_id"].astype(str),
                              ds.people["org_id"].astype(str)))
        index = {h: i for i, h in enumerate(hid)}
        segments = []
        for source, target in self._pair_edges():
            j = index.get(target)
            src = pos_org.get(person_org.get(source, ""))
            if j is not None and src is not None and not np.isnan(hx[j]):
                segments.append(((src[0], src[1]), (hx[j], hy[j])))
        if segments:
            from matplotlib.collections import LineCollection

            ax.add_collection(LineCollection(segments[:_MAP_POINTS], colors="#90a4ae",
                                             linewidths=0.6, zorder=1,
                                             label=self.tr("apps.planner.map_pairs")))
        mask = np.array([h in covered for h in hid], dtype=bool)
        shown = slice(0, _MAP_POINTS)
        if len(hid):
            ax.scatter(hx[shown][mask[shown]], hy[shown][mask[shown]], s=14, c="#1e8e3e",
                       zorder=2, label=self.tr("apps.planner.map_covered"))
            ax.scatter(hx[shown][~mask[shown]], hy[shown][~mask[shown]], s=22, c="#d93025",
                       marker="x", zorder=3, label=self.tr("apps.planner.map_uncovered"))
        vill = ds.villages()
        vx = vill["x_km"].astype("float64") if "x_km" in vill else []
        vy = vill["y_km"].astype("float64") if "y_km" in vill else []
        if len(vill):
            ax.scatter(vx, vy, s=90, marker="s", c="#1a73e8", alpha=0.35, zorder=0,
                       label=self.tr("apps.planner.map_villages"))
        ax.set_xlabel(self.tr("apps.planner.map_x"))
        ax.set_ylabel(self.tr("apps.planner.map_y"))
        title = self.tr("apps.planner.map_title", covered=int(mask.sum()), total=len(hid))
        ax.set_title(title)
        if village and len(hid) and np.isfinite(hx).any():
            # zoom to the chosen village: its households with a margin of 1 km
            ax.set_xlim(np.nanmin(hx) - 1, np.nanmax(hx) + 1)
            ax.set_ylim(np.nanmin(hy) - 1, np.nanmax(hy) + 1)
            ax.set_aspect("equal", adjustable="box")
        else:
            ax.set_aspect("equal", adjustable="datalim")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        self.map_view.value = chart_html(figure_png(fig), self.tr(
            "apps.planner.map_alt", title=title, villages=len(vill)), max_width="760px")

    def _pair_edges(self) -> list[tuple[str, str]]:
        if self.plan is not None:
            pairs = self.plan.pairs
            return list(zip(pairs["source_id"].astype(str), pairs["target_id"].astype(str)))
        from pbkit.networks.eligibility import active_pairings

        act = active_pairings(self.dataset, self.mechanism.value)
        return list(zip(act["source_id"].astype(str), act["target_id"].astype(str)))

    def _covered_households(self) -> set[str]:
        return {target for _, target in self._pair_edges()}

    # -- planning --------------------------------------------------------------------

    @guarded(busy="apps.planner.busy_planning")
    def _on_plan(self, _button: Any = None) -> None:
        self.clear_message()
        self.run_plan()

    def run_plan(self) -> Any:
        """Run the planner with the current settings, locks and removals."""
        from pbkit import networks

        if self.dataset is None:
            raise PbkitError("apps.planner.err.no_data")
        radius = float(self.radius.value) or None
        self.plan = networks.plan(self.dataset, self.mechanism.value,
                                  keep_existing=bool(self.keep_existing.value),
                                  radius_km=radius, locked=tuple(self.locked),
                                  removed=tuple(self.removed))
        self.download_view.value = ""
        self.download_btn.disabled = False
        self.save_state()
        self.relabel()
        self._render_views()
        self.show_ok(self.tr("apps.planner.planned", pairs=len(self.plan.pairs),
                             uncovered=len(self.plan.uncovered)))
        return self.plan

    def _render_plan_box(self) -> None:
        """The labelled, searchable list of the plan's pairs in scope (to lock or remove)."""
        from pbkit.data.labels import format_kind, label_value

        if self.plan is None:
            self.plan_box.layout.display = "none"
            self.pair_select.options = []
            return
        pairs = self._filter_plan(self.plan.pairs)
        query = self.pair_search.value.strip().lower()
        options = []
        for rec in pairs.itertuples(index=False):
            key = (str(rec.source_id), str(rec.target_id))
            if query and query not in f"{key[0]} {key[1]}".lower():
                continue
            text = self.tr("apps.planner.pair_option", source=key[0], target=key[1],
                           km=format_kind(getattr(rec, "distance_km", None), "km", self.lang),
                           status=label_value("status", getattr(rec, "status", ""),
                                              self.lang))
            if key in self.locked:
                text += self.tr("apps.planner.locked_mark")
            options.append((text, f"{key[0]}\t{key[1]}"))
        self.pair_help.value = (f"<p><b>{esc(self.tr('apps.planner.pair_list', n=len(pairs)))}"
                                f"</b><br>{esc(self.tr('apps.planner.pair_list_help'))}</p>")
        self.pair_select.options = options
        self.plan_box.layout.display = "flex"
        self._render_edits()

    @guarded
    def _on_search(self, change: dict) -> None:
        self._render_plan_box()

    def _render_edits(self) -> None:
        def fmt(items):
            return "、".join(f"{s}→{t}" for s, t in items) or self.tr("apps.planner.none")

        self.edits.value = (f"<p><b>{esc(self.tr('apps.planner.locked'))}</b>"
                            f"{esc(fmt(self.locked))}<br>"
                            f"<b>{esc(self.tr('apps.planner.removed'))}</b>"
                            f"{esc(fmt(self.removed))}</p>")

    def _selected(self) -> list[tuple[str, str]]:
        chosen = []
        for value in self.pair_select.value:
            source, _, target = str(value).partition("\t")
            if source and target:
                chosen.append((source, target))
        if not chosen:
            raise PbkitError("apps.planner.err.no_selection")
        return chosen

    @guarded
    def _on_lock(self, _button: Any = None) -> None:
        self.clear_message()
        for pair in self._selected():
            if pair in self.removed:
                self.removed.remove(pair)
            if pair not in self.locked:
                self.locked.append(pair)
        self._render_plan_box()
        self.save_state()
        self.show_info(self.tr("apps.planner.edit_hint"))

    @guarded
    def _on_remove(self, _button: Any = None) -> None:
        self.clear_message()
        for pair in self._selected():
            if pair in self.locked:
                self.locked.remove(pair)
            if pair not in self.removed:
                self.removed.append(pair)
        self._render_plan_box()
        self.save_state()
        self.show_info(self.tr("apps.planner.edit_hint"))

    @guarded
    def _on_clear(self, _button: Any = None) -> None:
        self.locked, self.removed = [], []
        self._render_plan_box()
        self.save_state()

    @guarded
    def _on_template(self, _button: Any = None) -> None:
        """Offer the blank data workbook (headers, notes, drop-downs) in the app language."""
        from pbkit.export.template import template_bytes

        filename = self.tr("apps.planner.template_file")
        self.template_view.value = (
            download_link(template_bytes(self.lang), filename,
                          self.tr("apps.planner.download_link", file=filename))
            + f"<span class='pbkit-note'>{esc(self.tr('apps.planner.template_tip'))}</span>")

    @guarded(busy="apps.planner.busy_writing")
    def _on_download(self, _button: Any = None) -> None:
        self.clear_message()
        self.download_view.value = self.make_download()

    def make_download(self) -> str:
        """Write the plan workbook for the chosen village and return the download link HTML."""
        import datetime as dt

        from pbkit.export.plan_workbook import plan_file_name

        if self.plan is None:
            raise PbkitError("apps.planner.err.no_plan")
        village = self.village.value or None
        folder = Path(tempfile.mkdtemp(prefix="pbkit-plan-"))
        try:
            path = folder / "plan.xlsx"
            self.plan.write(path, self.dataset, village=village)
            data = path.read_bytes()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        label = dict((v, k) for k, v in self.village.options).get(village) if village else None
        filename = plan_file_name(label, dt.date.today().isoformat(), lang=self.lang)
        return download_link(data, filename, self.tr("apps.planner.download_link",
                                                     file=filename))


def _call_metric(fn: Any, ds: Any, mechanism: str) -> Any:
    """Call a network metric with the mechanism when it takes one."""
    import inspect

    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        params = {}
    if "mechanism" in params:
        return fn(ds, mechanism=mechanism)
    return fn(ds)
