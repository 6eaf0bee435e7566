"""Trainer console: roster, attempts, human scoring, agreement, gradebook export.

Served only by ``pbkit serve --trainer`` (a separate Voila server with a token; trainees'
server never lists it). A trainer

* creates a cohort (pseudonymous id, display name, optional deadline) and registers the
  trainee codes handed out in class (pseudonyms only: the store refuses phone numbers,
  ID numbers and names);
* sees the roster and every attempt with its machine total and status;
* opens an attempt: the trainee's turns (escaped), the machine's level, evidence and
  feedback per criterion, and a form to enter their own level per criterion;
* sees how far the machine agrees with the human raters
  (:func:`pbkit.roleplay.agreement`: quadratic weighted kappa, exact and adjacent
  agreement, confusion matrix);
* downloads the gradebook as .xlsx (:meth:`pbkit.store.ResultsStore.export_gradebook`,
  formulas off);
* hands out links to the role-play app (:mod:`pbkit.serving.links`): a signed personal
  link per registered trainee (their identity on the trainee server) and class links that
  register new codes up to a cap; every code registered through a class link is listed.

Every write goes through the store, which enforces its limits whatever the page sends.

>>> from pbkit.store import ResultsStore
>>> app = TrainerApp(lang="en", store=ResultsStore("sqlite://"))
>>> app.cohort.options
()
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as W

from pbkit.apps.common import AppShell, download_link, esc, guarded, html_table
from pbkit.apps.trainer_quiz import add_quiz_tabs
from pbkit.errors import PbkitError
from pbkit.serving.links import DEFAULT_CAP, MAX_CAP

__all__ = ["TrainerApp"]

_SPLIT = (",", "，", ";", "；", "、", "\n", "\t", " ")


def _split_ids(text: str) -> list[str]:
    for sep in _SPLIT[1:]:
        text = text.replace(sep, _SPLIT[0])
    out: list[str] = []
    for part in text.split(_SPLIT[0]):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


class TrainerApp(AppShell):
    """The trainer console.

    Parameters
    ----------
    lang : str, optional
        ``"zh"`` (default) or ``"en"``.
    store : ResultsStore, optional
        Default: :class:`pbkit.store.ResultsStore` on the data directory.
    rater_id : str, optional
        Default rater code for human scores (editable in the form).
    """

    TITLE_KEY = "apps.trainer.title"

    def __init__(self, lang: str | None = None, *, store: Any = None,
                 rater_id: str = "R01") -> None:
        super().__init__(lang)
        self._store = store
        wide = {"description_width": "initial"}
        # cohort
        self.cohort = W.Dropdown(options=[], style=wide,
                                 layout=W.Layout(width="auto", min_width="280px"))
        self.refresh_btn = W.Button()
        self.new_id = W.Text(style=wide, layout=W.Layout(width="220px"))
        self.new_name = W.Text(style=wide, layout=W.Layout(width="280px"))
        self.new_deadline = W.DatePicker(style=wide)
        self.create_btn = W.Button(button_style="primary")
        self.trainee_ids = W.Textarea(layout=W.Layout(width="100%", height="70px"))
        self.add_btn = W.Button(button_style="primary")
        self.cohort_box = W.Accordion(children=[W.VBox([
            W.HBox([self.new_id, self.new_name, self.new_deadline, self.create_btn],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.trainee_ids, self.add_btn])])
        # views
        self.roster_view = W.HTML()
        self.only_review = W.Checkbox(value=False, indent=False)
        self.status_filter = W.Dropdown(options=[], style=wide, layout=W.Layout(width="auto"))
        self.sort_by = W.Dropdown(options=[], style=wide, layout=W.Layout(width="auto"))
        self.next_btn = W.Button(button_style="primary")
        self.final_rule = W.Dropdown(options=[], style=wide, layout=W.Layout(width="auto"))
        self.quiz_view = W.HTML()
        self.attempts_view = W.HTML()
        self.attempt = W.Dropdown(options=[], style=wide,
                                  layout=W.Layout(width="auto", min_width="420px"))
        self.attempt_view = W.HTML()
        self.rater = W.Text(value=rater_id, style=wide, layout=W.Layout(width="220px"))
        self.level_box = W.VBox()
        self.level_widgets: dict[str, W.Dropdown] = {}
        self.save_btn = W.Button(button_style="success", disabled=True)
        self.agreement_view = W.HTML()
        self.export_btn = W.Button(button_style="info")
        self.export_view = W.HTML()
        self.apps_url = W.Text(value=_apps_url(), style=wide,
                               layout=W.Layout(width="100%", max_width="520px"))
        self.links_btn = W.Button(button_style="info")
        self.cap = W.BoundedIntText(value=DEFAULT_CAP, min=1, max=MAX_CAP, style=wide,
                                    layout=W.Layout(width="220px"))
        self.class_link_btn = W.Button(button_style="warning")
        self.links_view = W.HTML()
        self.tabs = W.Tab(children=[
            self.roster_view,
            W.VBox([W.HBox([self.status_filter, self.sort_by],
                           layout=W.Layout(flex_flow="row wrap", align_items="center")),
                    self.attempts_view]),
            W.VBox([W.HBox([self.attempt, self.next_btn],
                           layout=W.Layout(flex_flow="row wrap", align_items="center")),
                    self.attempt_view, self.rater, self.level_box, self.save_btn]),
            self.agreement_view,
            self.quiz_view,
            W.VBox([self.final_rule, self.export_btn, self.export_view]),
            W.VBox([self.apps_url,
                    W.HBox([self.links_btn, self.cap, self.class_link_btn],
                           layout=W.Layout(flex_flow="row wrap", align_items="center")),
                    self.links_view]),
        ])
        self.body.children = [
            W.HBox([self.cohort, self.refresh_btn],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.cohort_box, self.tabs,
        ]
        self.refresh_btn.on_click(self._on_refresh)
        self.create_btn.on_click(self._on_create)
        self.add_btn.on_click(self._on_add)
        self.cohort.observe(self._on_cohort, "value")
        self.only_review.observe(self._on_cohort, "value")
        self.status_filter.observe(self._on_cohort, "value")
        self.sort_by.observe(self._on_cohort, "value")
        self.next_btn.on_click(self._on_next)
        self.attempt.observe(self._on_attempt, "value")
        self.save_btn.on_click(self._on_save)
        self.export_btn.on_click(self._on_export)
        self.links_btn.on_click(self._on_links)
        self.class_link_btn.on_click(self._on_class_link)
        self.save_btn.add_class("pbkit-save-human")
        for button in (self.refresh_btn, self.create_btn, self.add_btn, self.next_btn,
                       self.save_btn, self.export_btn, self.links_btn, self.class_link_btn):
            button.layout.width = "auto"  # the whole label, never "导出成绩册（Ex…"
            button.layout.min_width = "8em"
        self.relabel()
        self.quiz_tabs = add_quiz_tabs(self)  # pre/post test, written answers, quiz links
        # opening the database and reading the cohort takes a moment: show the page first
        self.run_when_shown(self._first_load)

    @guarded(busy="apps.trainer.busy_loading")
    def _first_load(self) -> None:
        self._load_cohorts()

    # -- labels ----------------------------------------------------------------------

    def relabel(self) -> None:
        self.cohort.description = self.tr("apps.trainer.cohort")
        self.refresh_btn.description = self.tr("apps.trainer.refresh")
        self.cohort_box.set_title(0, self.tr("apps.trainer.manage"))
        self.new_id.description = self.tr("apps.trainer.new_id")
        self.new_id.placeholder = "C2026A"
        self.new_name.description = self.tr("apps.trainer.new_name")
        self.new_deadline.description = self.tr("apps.trainer.deadline")
        self.create_btn.description = self.tr("apps.trainer.create")
        self.trainee_ids.placeholder = self.tr("apps.trainer.trainees_ph")
        self.add_btn.description = self.tr("apps.trainer.add")
        self.only_review.description = self.tr("apps.trainer.only_review")
        self.status_filter.description = self.tr("apps.trainer.filter")
        self.set_choices(self.status_filter, [
            (self.tr(f"apps.trainer.filter.{k}"), k) for k in ("all", "to_score", "needs_review",
                                                               "reviewed")],
            self.status_filter.value or "all")
        self.sort_by.description = self.tr("apps.trainer.sort")
        self.set_choices(self.sort_by, [
            (self.tr(f"apps.trainer.sort.{k}"), k) for k in ("newest", "oldest", "trainee",
                                                             "total")],
            self.sort_by.value or "newest")
        self.next_btn.description = self.tr("apps.trainer.next")
        self.final_rule.description = self.tr("apps.trainer.final_rule")
        self.set_choices(self.final_rule, [
            (self.tr(f"store.final.{k}"), k) for k in ("best", "latest", "first")],
            self.final_rule.value or "best")
        self.attempt.description = self.tr("apps.trainer.attempt")
        self.rater.description = self.tr("apps.trainer.rater")
        self.save_btn.description = self.tr("apps.trainer.save")
        self.export_btn.description = self.tr("apps.trainer.export")
        self.apps_url.description = self.tr("apps.trainer.links.apps_url")
        self.links_btn.description = self.tr("apps.trainer.links.personal")
        self.cap.description = self.tr("apps.trainer.links.cap")
        self.class_link_btn.description = self.tr("apps.trainer.links.class")
        for i, key in enumerate(("roster", "attempts", "review", "agreement", "quiz", "export",
                                 "links")):
            self.tabs.set_title(i, self.tr(f"apps.trainer.tab.{key}"))

    def rerender(self) -> None:
        self._render_all()

    @property
    def store(self) -> Any:
        """The results store (:class:`pbkit.store.ResultsStore` on the data directory
        unless one was given), opened on first use."""
        if self._store is None:
            from pbkit.store import ResultsStore

            self._store = ResultsStore()
        return self._store

    # -- cohorts ---------------------------------------------------------------------

    def _load_cohorts(self, select: str | None = None) -> None:
        frame = self.store.cohorts()
        options = [(f"{r.cohort_id} · {r.name} ({r.trainees})", str(r.cohort_id))
                   for r in frame.itertuples(index=False)]
        current = select or self.cohort.value
        self.set_choices(self.cohort, options, current)
        self._render_all()

    @guarded
    def _on_refresh(self, _button: Any = None) -> None:
        self.clear_message()
        self._load_cohorts()

    @guarded
    def _on_create(self, _button: Any = None) -> None:
        self.clear_message()
        cohort_id = self.new_id.value.strip()
        name = self.new_name.value.strip() or cohort_id
        self.store.ensure_cohort(cohort_id, name, deadline=self.new_deadline.value)
        self._load_cohorts(select=cohort_id)
        self.show_ok(self.tr("apps.trainer.created", cohort=cohort_id))

    @guarded
    def _on_add(self, _button: Any = None) -> None:
        self.clear_message()
        cohort_id = self._cohort()
        ids = _split_ids(self.trainee_ids.value)
        if not ids:
            raise PbkitError("apps.trainer.err.no_trainees")
        added, failed = [], []
        for tid in ids:
            try:
                self.store.ensure_trainee(tid, cohort_id)
                added.append(tid)
            except PbkitError as exc:
                failed.append(exc.render(self.lang))
        self._load_cohorts(select=cohort_id)
        if failed:
            self.show_error(self.tr("apps.trainer.added_some", n=len(added))
                            + "\n" + "\n".join(failed))
        else:
            self.trainee_ids.value = ""
            self.show_ok(self.tr("apps.trainer.added", n=len(added)))

    def _cohort(self) -> str:
        if not self.cohort.value:
            raise PbkitError("apps.trainer.err.no_cohort")
        return self.cohort.value

    @guarded
    def _on_cohort(self, change: dict) -> None:
        self.clear_message()
        self._render_all()

    # -- views ------------------------------------------------------------------------

    def _render_all(self) -> None:
        if not self.cohort.value:
            empty = f"<p>{esc(self.tr('apps.trainer.no_cohort_yet'))}</p>"
            self.roster_view.value = empty
            self.attempts_view.value = empty
            self.attempt.options = []
            self.attempt_view.value = ""
            self.level_box.children = []
            self.agreement_view.value = ""
            self.quiz_view.value = empty
            self.export_view.value = ""
            self.save_btn.disabled = True
            return
        with self.busy("apps.trainer.busy_loading") as step:
            views = (self._render_roster, self._render_attempts, self._render_agreement,
                     self._render_quiz)
            for i, render in enumerate(views):  # the bar moves as each view is ready
                render()
                step((i + 1) / len(views))

    def _render_roster(self) -> None:
        from pbkit.data.labels import local_time

        roster = self.store.roster(self._cohort())
        show = roster[["trainee_id", "attempts", "last_attempt_at", "quiz_answers"]].copy()
        show["last_attempt_at"] = show["last_attempt_at"].map(local_time)
        show = show.rename(columns={c: self.tr(f"apps.trainer.col.{c}") for c in show.columns})
        self.roster_view.value = (f"<p>{esc(self.tr('apps.trainer.roster_n', n=len(roster)))}"
                                  "</p>" + html_table(show, lang=self.lang))

    def _scenario_title(self, scenario_id: str) -> str:
        try:
            from pbkit.roleplay.models import get_scenario

            return get_scenario(scenario_id).title.get(self.lang)
        except Exception:  # a scenario removed since; show its id
            return scenario_id

    def _filtered_attempts(self) -> Any:
        """The cohort's attempts as filtered and sorted in the attempts tab."""
        attempts = self.store.attempts(self._cohort())
        chosen = self.status_filter.value or "all"
        if self.only_review.value:
            chosen = "needs_review"
        keep = {"to_score": ("scored", "needs_review", "unscored"),
                "needs_review": ("needs_review",), "reviewed": ("reviewed",)}.get(chosen)
        if keep:
            attempts = attempts[attempts["status"].isin(keep)]
        order = {"newest": (["attempt_id"], [False]), "oldest": (["attempt_id"], [True]),
                 "trainee": (["trainee_id", "attempt_id"], [True, True]),
                 "total": (["total", "attempt_id"], [False, True])}[self.sort_by.value or
                                                                     "newest"]
        return attempts.sort_values(order[0], ascending=order[1], kind="stable")

    def _render_attempts(self) -> None:
        from pbkit.data.labels import local_time

        attempts = self._filtered_attempts()
        show = attempts[["attempt_id", "trainee_id", "scenario_id", "created_at", "status",
                         "total", "turns"]].copy()
        show["created_at"] = show["created_at"].map(local_time)
        show["status"] = show["status"].map(lambda s: self.tr(f"apps.trainer.status.{s}"))
        show["scenario_id"] = show["scenario_id"].map(self._scenario_title)
        show["total"] = show["total"].map(lambda v: "—" if v != v else f"{v:.0f}")
        show = show.rename(columns={c: self.tr(f"apps.trainer.col.{c}") for c in show.columns})
        self.attempts_view.value = html_table(show, lang=self.lang, max_rows=500, cards=True)
        done = self.tr("apps.trainer.scored_mark")
        options = [(f"#{r.attempt_id} · {r.trainee_id} · {self._scenario_title(r.scenario_id)}"
                    f" · {'' if r.total != r.total else f'{r.total:.0f}'}"
                    f"{done if r.status == 'reviewed' else ''}", int(r.attempt_id))
                   for r in attempts.itertuples(index=False)]
        current = self.attempt.value
        values = [v for _, v in options]
        self.set_choices(self.attempt, options,
                         current if current in values else (values[0] if values else None))
        self._render_attempt()

    @guarded
    def _on_next(self, _button: Any = None) -> None:
        """Open the next attempt (in the tab's order) that no trainer has scored yet."""
        self.clear_message()
        attempts = self._filtered_attempts()
        waiting = attempts[attempts["status"] != "reviewed"]["attempt_id"].astype(int).tolist()
        if not waiting:
            self.show_info(self.tr("apps.trainer.none_waiting"))
            return
        current = self.attempt.value
        after = [a for a in waiting if current is None or a != current]
        ids = list(attempts["attempt_id"].astype(int))
        if current in ids:  # the next one after the current in the tab's order
            pos = ids.index(current)
            later = [a for a in ids[pos + 1:] if a in waiting]
            after = later or after
        options = [v for _, v in self.attempt.options]
        if after[0] not in options:
            self._render_attempts()
        self.attempt.value = after[0]

    @guarded
    def _on_attempt(self, change: dict) -> None:
        self.clear_message()
        self._render_attempt()

    def _render_attempt(self) -> None:
        aid = self.attempt.value
        if aid is None:
            self.attempt_view.value = f"<p>{esc(self.tr('apps.trainer.no_attempts'))}</p>"
            self.level_box.children = []
            self.level_widgets = {}
            self.save_btn.disabled = True
            return
        attempts = self.store.attempts(self._cohort())
        row = attempts[attempts["attempt_id"] == aid].iloc[0]
        turns = self.store.turns(aid)
        scores = self.store.scores(attempt_id=aid)
        machine = scores[scores["source"] == "machine"]
        human = scores[(scores["source"] == "human")
                       & (scores["rater_id"] == self.rater.value.strip())]
        scenario = None
        try:
            from pbkit.roleplay.models import get_scenario

            scenario = get_scenario(str(row["scenario_id"]))
        except Exception:  # show ids when the scenario is gone
            scenario = None
        parts = [f"<h3>{esc(self._scenario_title(str(row['scenario_id'])))} · "
                 f"{esc(row['trainee_id'])}</h3>"]
        for t in turns.itertuples(index=False):
            if isinstance(t.reply, str) and t.reply:
                parts.append(f'<div class="pbkit-villager"><b>'
                             f'{esc(self.tr("apps.roleplay.villager"))}</b>{esc(t.reply)}</div>')
            parts.append(f'<div class="pbkit-you"><b>{esc(self.tr("apps.trainer.trainee"))}'
                         f"</b>{esc(t.text)}</div>")
        parts.append(self._per_turn_html(scenario, [str(x) for x in turns["text"]]))
        rows = []
        widgets = {}
        for m in machine.itertuples(index=False):
            name = m.criterion_id
            anchors: list[str] = []
            if scenario is not None:
                try:
                    crit = scenario.criterion(m.criterion_id)
                    name = crit.name.get(self.lang)
                    anchors = [lv.anchor.get(self.lang) for lv in crit.levels]
                except KeyError:
                    pass
            evidence = m.evidence if isinstance(m.evidence, list) else []
            quotes = " ".join(f'<mark class="pbkit-evidence">{esc(e.get("text"))}</mark>'
                              for e in evidence if isinstance(e, dict) and e.get("text"))
            rows.append((name, f"{int(m.level)} / {int(m.max_level)}", quotes or "—",
                         m.feedback))
            options = [(self.tr("apps.trainer.not_scored"), -1)]
            for lv in range(int(m.max_level) + 1):
                label = f"{lv}"
                if lv < len(anchors):
                    text = anchors[lv]
                    label += f" · {text[:60]}{'…' if len(text) > 60 else ''}"
                options.append((label, lv))
            have = human[human["criterion_id"] == m.criterion_id]
            value = int(have["level"].iloc[0]) if len(have) else -1
            dd = W.Dropdown(options=options, value=value, description=name,
                            style={"description_width": "initial"},
                            layout=W.Layout(width="100%"))
            widgets[m.criterion_id] = dd
        import pandas as pd

        heads = [self.tr(k) for k in (
            "apps.roleplay.col_criterion", "apps.trainer.machine_level",
            "apps.roleplay.col_evidence", "apps.roleplay.col_feedback")]
        machine_table = html_table(  # a labelled card per criterion on a phone
            pd.DataFrame(rows, columns=heads), scroll=False, lang=self.lang, cards=True,
            formatters={heads[2]: lambda quotes: quotes})  # already escaped above
        total = row["total"]
        parts.append(f"<p><b>{esc(self.tr('apps.trainer.machine_total'))}</b>"
                     f"{'' if total != total else f'{total:.0f}'}"
                     f" · {esc(self.tr('apps.trainer.status.' + str(row['status'])))}</p>")
        parts.append(machine_table)
        parts.append(f"<h3>{esc(self.tr('apps.trainer.human_h'))}</h3>")
        self.attempt_view.value = "".join(parts)
        self.level_widgets = widgets
        self.level_box.children = list(widgets.values())
        self.save_btn.disabled = not widgets

    def _per_turn_html(self, scenario: Any, texts: list[str]) -> str:
        """Each turn's own machine score and the improper statements (lapses) of a
        multi-turn attempt, scored again from the stored turns with the current rules (the
        store keeps the overall levels only)."""
        if scenario is None or not scenario.turns or not 1 < len(texts) <= scenario.max_turns:
            return ""
        from pbkit.roleplay import score_conversation
        from pbkit.roleplay.dialogue import mood_name

        try:
            res = score_conversation(scenario.id, texts, lang=self.lang)
        except PbkitError:
            return ""
        improper = self.tr("apps.trainer.improper")
        head = "".join(f"<th>{esc(x)}</th>" for x in (
            self.tr("apps.trainer.col_turn"), self.tr("apps.trainer.col_turn_total"),
            *(c.name.get(self.lang) for c in scenario.criteria),
            self.tr("apps.trainer.col_mood")))
        rows = []
        for turn in res.turns:
            cells = [str(turn.index + 1), f"{turn.score.total:.0f}"]
            cells += [f"{c.level} {improper}" if c.vetoed else str(c.level)
                      for c in turn.score.criteria]
            cells.append(mood_name(turn.mood_level, self.lang))
            rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        notes = []
        for lapse in res.lapses:
            key = "apps.trainer.lapse_repaired" if lapse.repaired else "apps.trainer.lapse_kept"
            name = scenario.criterion(lapse.criterion).name.get(self.lang)
            note = self.tr(key, turn=lapse.turn + 1, quote=lapse.quote, criterion=name)
            notes.append(f"<li>{esc(note)}</li>")
        return (f"<h4>{esc(self.tr('apps.trainer.per_turn_h'))}</h4>"
                f"<table class='pbkit-table pbkit-per-turn'><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>"
                + (f"<ul class='pbkit-lapses'>{''.join(notes)}</ul>" if notes else ""))

    @guarded(busy="apps.trainer.busy_saving")
    def _on_save(self, _button: Any = None) -> None:
        self.clear_message()
        n = self.save_human_scores()
        self.show_ok(self.tr("apps.trainer.saved", n=n))

    def save_human_scores(self) -> int:
        """Store the form's levels for the open attempt; returns how many were stored.

        The store checks the attempt, the rater id and each level's range, whatever values
        the form sent.
        """
        aid = self.attempt.value
        if aid is None:
            raise PbkitError("apps.trainer.err.no_attempt")
        rater = self.rater.value.strip()
        n = 0
        for criterion, dd in self.level_widgets.items():
            if dd.value is None or dd.value == -1:
                continue
            self.store.add_human_score(int(aid), rater, criterion, dd.value)
            n += 1
        if n == 0:
            raise PbkitError("apps.trainer.err.no_levels")
        self._render_attempts()
        self._render_agreement()
        return n

    def _render_agreement(self) -> None:
        cohort = self._cohort()
        scores = self.store.scores(cohort)
        machine = scores[scores["source"] == "machine"]
        human = scores[scores["source"] == "human"]
        if human.empty or machine.empty:
            self.agreement_view.value = f"<p>{esc(self.tr('apps.trainer.no_human'))}</p>"
            return
        from pbkit import roleplay

        m_tab, h_tab = _paired_levels(machine, human)
        if not m_tab:
            self.agreement_view.value = f"<p>{esc(self.tr('apps.trainer.no_human'))}</p>"
            return
        names: dict[str, str] = {}
        for (_sid, cid), name in self._display_names(cohort)[1].items():
            if name not in names.get(cid, "").split("／"):
                names[cid] = f"{names[cid]}／{name}" if cid in names else name
        parts = [_agreement_html(roleplay.agreement(m_tab, h_tab), self,
                                 self.tr("apps.trainer.agreement_h"), names=names)]
        raters = sorted(human["rater_id"].unique())
        if len(raters) >= 2:
            a_tab, b_tab = _paired_levels(human[human["rater_id"] == raters[0]],
                                          human[human["rater_id"] == raters[1]])
            if a_tab:
                parts.append(_agreement_html(
                    roleplay.agreement(a_tab, b_tab), self,
                    self.tr("apps.trainer.agreement_raters", a=raters[0], b=raters[1]),
                    "apps.trainer.ag.confusion_raters", names=names))
        self.agreement_view.value = "".join(parts)

    # -- export -------------------------------------------------------------------------

    @guarded(busy="apps.trainer.busy_export")
    def _on_export(self, _button: Any = None) -> None:
        self.clear_message()
        self.export_view.value = self.make_export()

    def _render_quiz(self) -> None:
        """Per-question class statistics on first answers, for the debrief."""
        import pandas as pd

        stats = self.store.question_stats(self._cohort())
        if stats.empty:
            self.quiz_view.value = f"<p>{esc(self.tr('apps.trainer.quiz_none'))}</p>"
            return
        lessons, questions = self._quiz_names(stats["lesson_id"].unique())
        show = pd.DataFrame({
            self.tr("apps.trainer.quiz.lesson"): stats["lesson_id"].map(
                lambda lid: lessons.get(lid, lid)),
            self.tr("apps.trainer.quiz.question"): [
                questions.get((lid, qid), qid)
                for lid, qid in zip(stats["lesson_id"], stats["question_id"])],
            self.tr("apps.trainer.quiz.answered"): stats["answered"],
            self.tr("apps.trainer.quiz.correct"): [
                f"{100 * c / n:.0f}%" if n else "—" for c, n in zip(stats["correct"],
                                                                    stats["answered"])],
            self.tr("apps.trainer.quiz.top_wrong"): [
                "—" if w is None else f"{w}（{n}）" for w, n in zip(stats["top_wrong"],
                                                                   stats["top_wrong_n"])]})
        self.quiz_view.value = (f"<p>{esc(self.tr('apps.trainer.quiz_guide'))}</p>"
                                + html_table(show, lang=self.lang, cards=True))

    def _display_names(self, cohort: str) -> tuple[dict, dict]:
        """Titles of the cohort's scenarios and names of their criteria, in the app's
        language (a scenario removed since keeps its id)."""
        from pbkit.roleplay.models import get_scenario

        scenarios: dict[str, str] = {}
        criteria: dict[tuple[str, str], str] = {}
        for sid in self.store.attempts(cohort)["scenario_id"].dropna().unique():
            try:
                scenario = get_scenario(str(sid))
            except PbkitError:
                continue
            scenarios[str(sid)] = scenario.title.get(self.lang)
            for crit in scenario.criteria:
                criteria[(str(sid), crit.id)] = crit.name.get(self.lang)
        return scenarios, criteria

    def _quiz_names(self, lesson_ids: Any) -> tuple[dict, dict]:
        """Lesson titles and question prompts (shortened) for the quiz statistics; a lesson
        removed since keeps its id."""
        from pbkit.lessons.loader import get_lesson

        lessons: dict[str, str] = {}
        questions: dict[tuple[str, str], str] = {}
        for lid in lesson_ids:
            try:
                lesson = get_lesson(str(lid))
            except PbkitError:
                continue
            lessons[lid] = lesson.title.get(self.lang)
            for q in lesson.quiz:
                text = q.prompt.get(self.lang)
                questions[(lid, q.id)] = text if len(text) <= 40 else text[:40] + "…"
        return lessons, questions

    def make_export(self) -> str:
        """Write the cohort's gradebook to .xlsx and return the download link HTML."""
        cohort = self._cohort()
        folder = Path(tempfile.mkdtemp(prefix="pbkit-gradebook-"))
        try:
            scenarios, criteria = self._display_names(cohort)
            lessons = self._quiz_names(
                self.store.question_stats(cohort)["lesson_id"].unique())[0]
            path = self.store.export_gradebook(cohort, folder / "gradebook.xlsx",
                                               lang=self.lang, final=self.final_rule.value,
                                               scenario_names=scenarios,
                                               criterion_names=criteria,
                                               lesson_names=lessons)
            data = Path(path).read_bytes()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        import datetime as dt

        filename = self.tr("apps.trainer.gradebook_file", cohort=cohort,
                           date=dt.date.today().isoformat())
        return download_link(data, filename, self.tr("apps.trainer.download", file=filename))


    # -- links --------------------------------------------------------------------------

    def _link(self, **fields: Any) -> str:
        from urllib.parse import urlencode

        from pbkit.serving import links

        key = links.read_key()
        if key is None:
            raise PbkitError("apps.trainer.links.no_key", path=str(links.key_path()))
        base = self.apps_url.value.strip() or _apps_url()
        base = base if base.endswith("/") else base + "/"
        return (f"{base}voila/render/roleplay.ipynb?"
                + urlencode(links.signed_params(key, cohort_id=self._cohort(), **fields)))

    @guarded
    def _on_links(self, _button: Any = None) -> None:
        self.clear_message()
        self.links_view.value = self.render_links()

    @guarded
    def _on_class_link(self, _button: Any = None) -> None:
        self.clear_message()
        self.links_view.value = self.render_links(class_link=self._link(cap=self.cap.value))

    def render_links(self, class_link: str | None = None) -> str:
        """Personal links of the cohort's trainees, a new class link if given, and the codes
        registered through class links (with each link's cap)."""
        import pandas as pd

        from pbkit.serving import links

        cohort = self._cohort()
        roster = self.store.roster(cohort)["trainee_id"].astype(str).tolist()
        parts = []
        if class_link:
            parts.append(f"<h4>{esc(self.tr('apps.trainer.links.class_title'))}</h4>"
                         f"<p><code>{esc(class_link)}</code></p>")
        personal = pd.DataFrame({"trainee_id": roster,
                                 "link": [self._link(trainee_id=t) for t in roster]})
        personal = personal.rename(columns={c: self.tr(f"apps.trainer.links.col.{c}")
                                            for c in personal.columns})
        parts.append(f"<h4>{esc(self.tr('apps.trainer.links.personal_title'))}</h4>"
                     + html_table(personal, lang=self.lang, max_rows=500))
        rows = [(r["cap"], len(r["trainees"]), "、".join(r["trainees"]))
                for r in links.registrations(cohort)]
        registered = pd.DataFrame(rows, columns=[
            self.tr(f"apps.trainer.links.col.{c}") for c in ("cap", "registered", "codes")])
        parts.append(f"<h4>{esc(self.tr('apps.trainer.links.registered_title'))}</h4>"
                     + html_table(registered, lang=self.lang))
        return "".join(parts)


def _apps_url() -> str:
    """The trainee server's address for links: ``PBKIT_APPS_URL``, else this machine's
    ``pbkit serve`` default."""
    import os

    return os.environ.get("PBKIT_APPS_URL") or "http://127.0.0.1:8866/"


def _paired_levels(first: Any, second: Any) -> tuple[dict, dict]:
    """Levels of two raters on the same (attempt, criterion), as criterion -> list tables.

    ``first`` and ``second`` are long score frames (``attempt_id, criterion_id, level``);
    a criterion scored by several raters in ``second`` pairs each of them with ``first``.
    """
    keys = ["attempt_id", "criterion_id"]
    merged = second[keys + ["level"]].merge(first[keys + ["level"]], on=keys,
                                            suffixes=("_b", "_a"))
    table_a: dict[str, list[int]] = {}
    table_b: dict[str, list[int]] = {}
    for crit, group in merged.groupby("criterion_id", sort=True):
        table_a[str(crit)] = [int(v) for v in group["level_a"]]
        table_b[str(crit)] = [int(v) for v in group["level_b"]]
    return table_a, table_b


#: Agreement figures that are shares of the ratings, shown as percentages.
_SHARES = {"exact", "adjacent"}


def _agreement_html(report: Any, app: TrainerApp, title: str,
                    confusion_key: str = "apps.trainer.ag.confusion", *,
                    names: dict[str, str] | None = None) -> str:
    """Render an agreement report: headline figures, per-criterion table (criteria by
    their rubric names), confusion. A figure that cannot be computed shows as —."""
    import pandas as pd

    from pbkit.i18n import has_key

    parts = [f"<h3>{esc(title)}</h3>"]
    figures = []
    for key in ("n", "qwk", "exact", "adjacent", "smd"):
        value = getattr(report, key, None)
        if value is None or isinstance(value, (pd.DataFrame, dict)):
            continue
        if isinstance(value, float):
            value = "—" if value != value else (
                f"{100 * value:.0f}%" if key in _SHARES else f"{value:.2f}")
        figures.append((app.tr(f"apps.trainer.ag.{key}"), value,
                        app.tr(f"apps.trainer.guide.{key}")))
    if figures:
        parts.append(html_table(pd.DataFrame(figures, columns=[
            app.tr("apps.dashboard.col.item"), app.tr("apps.dashboard.col.value"),
            app.tr("apps.trainer.guide")]), scroll=False, lang=app.lang, cards=True))
    frame = getattr(report, "per_criterion", None)
    if isinstance(frame, pd.DataFrame):
        frame = frame.round(2).astype(object).where(frame.notna(), "—")
        for col in _SHARES & set(frame.columns):  # shares of ratings as %
            frame[col] = frame[col].map(lambda v: v if v == "—" else f"{100 * v:.0f}%")
        if "criterion" in frame.columns:
            frame["criterion"] = frame["criterion"].map(lambda c: (names or {}).get(c, c))
        frame = frame.rename(columns={
            c: app.tr(f"apps.trainer.ag.{c}") for c in frame.columns
            if has_key(f"apps.trainer.ag.{c}")})
        parts.append(f"<h4>{esc(app.tr('apps.trainer.ag.per_criterion'))}</h4>"
                     + html_table(frame, scroll=False, lang=app.lang, cards=True))
    confusion = getattr(report, "confusion", None)
    if isinstance(confusion, pd.DataFrame):
        frame = confusion.copy()
        frame.insert(0, "", frame.index.astype(str))
        parts.append(f"<h4>{esc(app.tr(confusion_key))}</h4>"
                     + html_table(frame, scroll=False, lang=app.lang))
    return "".join(parts)
