"""Small interactive explorers used inside lesson notebooks (ipywidgets views only).

Each explorer is one control (a drop-down or a slider) plus a chart and an HTML area; on
every change it calls a core function (:mod:`pbkit.lessons.analyses`,
:mod:`pbkit.lessons.figures`, :mod:`pbkit.health`, :mod:`pbkit.networks`,
:mod:`pbkit.roleplay`) and shows the result. Tables are escaped (:func:`html.escape`);
errors show as one line, never a traceback. Each function returns an object whose
``widget`` a notebook displays, and whose ``select(value)`` sets the control as a user would
(for tests and demonstrations).

>>> from pbkit.data.sample import load_sample
>>> view = quorum_explorer(load_sample(), lang="en")
>>> view.select(0.6)
>>> "0.6" in view.control.description or "60%" in view.html.value
True
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W
import pandas as pd

from pbkit.errors import PbkitError
from pbkit.i18n import resolve_lang, t

__all__ = [
    "Explorer",
    "profile_explorer",
    "branch_picker",
    "radius_planner",
    "attention_explorer",
    "migrant_explorer",
    "topic_explorer",
    "quorum_explorer",
    "age_structure_explorer",
    "weak_branch_explorer",
    "scorecard_viewer",
    "points_explorer",
    "rectification_explorer",
    "leaders_explorer",
    "RolePlayExercise",
    "roleplay_exercise",
]

log = logging.getLogger("pbkit.apps.lessons")
MAX_ANSWER_CHARS = 4000
_MSG = "padding:6px 10px;margin:4px 0;white-space:pre-wrap"
_INFO = f"color:#174ea6;background:#e8f0fe;border-left:5px solid #1a73e8;{_MSG}"
_ERR = f"color:#8a1c1c;background:#fdecea;border-left:5px solid #d93025;{_MSG}"
_WARN = f"color:#7a4f01;background:#fff4d6;border-left:5px solid #f2a541;{_MSG}"


def _e(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return html.escape(f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}")
    if isinstance(value, tuple):
        value = "; ".join(map(str, value))
    if hasattr(value, "strftime"):
        try:
            return html.escape(value.strftime("%Y-%m-%d"))
        except ValueError:
            return ""
    return html.escape(str(value))


def column_label(name: Any, lang: str | None = None) -> str:
    """Header of a column: ``lessons.col.<name>``, else ``health.col.<name>``, else the name.

    >>> column_label("held", "zh"), column_label("no_such_column", "en")
    ('已开', 'no_such_column')
    """
    from pbkit.i18n import has_key

    for key in (f"lessons.col.{name}", f"health.col.{name}"):
        if has_key(key):
            return t(key, lang=lang)
    return str(name)


def table_html(frame: pd.DataFrame, max_rows: int = 60, bold: Callable[[Any], bool] | None = None,
               lang: str | None = None) -> str:
    """An escaped HTML table of ``frame`` (at most ``max_rows`` rows), headers in ``lang``."""
    head = "".join(f"<th style='padding:2px 8px'>{_e(column_label(c, lang))}</th>"
                   for c in frame.columns)
    rows = []
    for rec in frame.head(max_rows).itertuples(index=False, name=None):
        style = " style='font-weight:bold;background:#fff4d6'" if bold and bold(rec) else ""
        cells = "".join(f"<td style='padding:2px 8px'>{_e(v)}</td>" for v in rec)
        rows.append(f"<tr{style}>{cells}</tr>")
    more = (f"<div>{html.escape(t('lessons.widget.more_rows', n=len(frame) - max_rows))}</div>"
            if len(frame) > max_rows else "")
    return ("<table style='border-collapse:collapse;font-size:0.9em'>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}")


def _box(style: str, text: str) -> str:
    return f"<div style='{style}'>{html.escape(text)}</div>"


class Explorer:
    """One control, a chart and an HTML area, refreshed on every change of the control.

    Parameters
    ----------
    control : ipywidgets widget with a ``value``
    render : callable
        ``render(value) -> (html, png_or_None)``; the HTML must already be escaped.
    lang : str
    title : str
        Shown above the control (escaped here).
    """

    def __init__(self, control: W.Widget, render: Callable[[Any], tuple[str, bytes | None]],
                 lang: str, title: str = "") -> None:
        self.lang = lang
        self.control = control
        self._render = render
        self.html = W.HTML("")
        self.image = W.Image(format="png", layout=W.Layout(max_width="900px",
                                                            display="none"))
        head = W.HTML(f"<b>{html.escape(title)}</b>") if title else W.HTML("")
        self.widget = W.VBox([head, control, self.image, self.html])
        control.observe(lambda _change: self.refresh(), names="value")
        self.refresh()

    def refresh(self) -> None:
        """Recompute and redraw for the control's current value."""
        try:
            body, png = self._render(self.control.value)
        except PbkitError as exc:
            body, png = _box(_ERR, exc.render(self.lang)), None
        except Exception:  # never a traceback in front of the class
            log.exception("lesson widget failed")
            body, png = _box(_ERR, t("lessons.widget.failed", lang=self.lang)), None
        self.html.value = body
        if png:
            self.image.value = png
            self.image.layout.display = ""
        else:
            self.image.layout.display = "none"

    def select(self, value: Any) -> None:
        """Set the control as a user would (triggers a refresh)."""
        self.control.value = value

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _dropdown(options: Sequence, lang: str, label_key: str) -> W.Dropdown:
    options = list(options)
    return W.Dropdown(options=options, value=options[0][1] if options and isinstance(
        options[0], tuple) else (options[0] if options else None),
        description=t(label_key, lang=lang), style={"description_width": "initial"},
        layout=W.Layout(width="auto"))


def _branch_options(ds, lang: str, only: Sequence[str] | None = None) -> list[tuple[str, str]]:
    from pbkit.lessons.analyses import branch_profile

    prof = branch_profile(ds, lang, display=False).sort_values("org_id")
    if only is not None:
        keep = set(only)
        prof = prof[prof["org_id"].isin(keep)]
    names = _names(ds)
    return [(f"{names.get(o, o)} ({_level(lv, lang)})", o)
            for o, lv in zip(prof["org_id"], prof["level"])]


def _names(ds) -> dict[str, str]:
    """Organisation id -> display name (``orgs.name_code``), for dropdowns."""
    from pbkit.health.report import org_display_names

    return org_display_names(ds.orgs)


def _level(code: Any, lang: str) -> str:
    from pbkit.lessons.analyses import _code_label

    return _code_label(code, lang)


def _pct(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    return "" if v != v else f"{v:.0%}"


# ---------------------------------------------------------------- lesson 1
def profile_explorer(ds, lang: str | None = None) -> Explorer:
    """Pick a branch; compare its membership indicators with the whole township."""
    from pbkit.lessons.analyses import branch_profile, problem_indicators

    lang = resolve_lang(lang)
    prof = branch_profile(ds, lang, display=False).set_index("org_id")
    overall = problem_indicators(ds, lang, display=False).set_index("indicator")["value"]
    township = {"share_old": overall.get("ageing"),
                "share_senior_high_plus": 1 - overall.get("low_education", float("nan")),
                "migrant_share": overall.get("migrants")}

    def render(org_id):
        row = prof.loc[org_id]
        rows = [(t(f"lessons.widget.profile.{k}", lang=lang), _pct(row[k]), _pct(township[k]))
                for k in ("share_old", "share_senior_high_plus", "migrant_share")]
        rows.append((t("lessons.widget.profile.members", lang=lang), str(int(row["members"])),
                     ""))
        rows.append((t("lessons.widget.profile.years_since_last_new", lang=lang),
                     "" if pd.isna(row["years_since_last_new"])
                     else f"{row['years_since_last_new']:g}", ""))
        frame = pd.DataFrame(rows, columns=[t("lessons.widget.indicator", lang=lang),
                                            _names(ds).get(org_id, org_id),
                                            t("lessons.widget.township", lang=lang)])
        return table_html(frame, lang=lang), None

    control = _dropdown(_branch_options(ds, lang), lang, "lessons.widget.branch")
    return Explorer(control, render, lang, t("lessons.widget.profile.title", lang=lang))


# ---------------------------------------------------------------- lessons 2 and 10
def branch_picker(ds, lang: str | None = None, kinds: Sequence[str] | None = None) -> Explorer:
    """Pick a branch; see its meeting calendar, its compliance by kind (only ``kinds`` when
    given) and the reasons its records may be perfunctory."""
    from pbkit.lessons.analyses import compliance_table, perfunctory_flags, show
    from pbkit.lessons.figures import calendar

    lang = resolve_lang(lang)
    comp = compliance_table(ds, lang, display=False)
    if kinds:
        comp = comp[comp["kind"].isin(list(kinds))]
    flags = perfunctory_flags(ds, lang, display=False)

    def render(org_id):
        rows = comp[comp["org_id"] == org_id][["kind", "kind_label", "required", "held",
                                               "missing", "attendance_rate"]]
        body = table_html(show(ds, rows, lang), lang=lang)
        mine = flags[flags["org_id"] == org_id]
        if len(mine):
            body += "".join(_box(_WARN, m) for m in mine["message"])
        else:
            body += _box(_INFO, t("lessons.widget.no_perfunctory", lang=lang))
        return body, calendar(ds, org_id, lang).png()

    control = _dropdown(_branch_options(ds, lang, only=sorted(set(comp["org_id"]))), lang,
                        "lessons.widget.branch")
    return Explorer(control, render, lang, t("lessons.widget.calendar.title", lang=lang))


# ---------------------------------------------------------------- lesson 3
def radius_planner(ds, lang: str | None = None, mechanism: str = "one_on_one",
                   max_km: int = 10) -> Explorer:
    """A slider for ``radius_km`` that re-runs :func:`pbkit.networks.plan` (0 = the
    mechanism's own scope, same village)."""
    from pbkit.lessons.analyses import coverage_table, reference_date, show
    from pbkit.networks import plan

    lang = resolve_lang(lang)
    needy = int(coverage_table(ds, lang, display=False)["needy"].sum())
    as_of = reference_date(ds)

    def render(radius):
        result = plan(ds, mechanism, radius_km=float(radius) if radius else None, lang=lang,
                      as_of=as_of)
        obj = dict(result.objective)
        covered = int(obj.get("covered", len(result.pairs)))
        dist = pd.to_numeric(result.pairs.get("distance_km"), errors="coerce") \
            if "distance_km" in result.pairs else pd.Series(dtype=float)
        line = t("lessons.widget.plan.summary", lang=lang, covered=covered, needy=needy,
                 share=_pct(covered / needy if needy else float("nan")),
                 pairs=len(result.pairs),
                 mean_km=f"{dist.mean():.1f}" if len(dist.dropna()) else "-")
        body = _box(_INFO, line)
        if len(result.uncovered):
            reasons = result.uncovered["reason"].value_counts().rename_axis(
                t("lessons.widget.reason", lang=lang)).reset_index(
                name=t("lessons.widget.households", lang=lang))
            body += table_html(reasons, lang=lang)
        sample = result.pairs[["source_id", "target_id", "reason"]].head(8)
        body += "<br>" + table_html(show(ds, sample, lang), lang=lang)
        return body, None

    control = W.IntSlider(value=0, min=0, max=max_km, step=1, continuous_update=False,
                          description=t("lessons.widget.radius", lang=lang),
                          style={"description_width": "initial"})
    return Explorer(control, render, lang, t("lessons.widget.plan.title", lang=lang))


# ---------------------------------------------------------------- lesson 4
def attention_explorer(ds, lang: str | None = None) -> Explorer:
    """Switch between visits and problems solved per household; chart and plain shares
    (the Gini and Theil indices stay in :mod:`pbkit.health.fairness` for researchers)."""
    from pbkit.lessons.analyses import _fairness, show
    from pbkit.lessons.figures import attention_chart

    lang = resolve_lang(lang)
    summary = _fairness(ds, lang).summary.set_index("metric")
    neglected = _fairness(ds, lang).neglected

    def render(metric):
        row = summary.loc[metric] if metric in summary.index else None
        body = ""
        if row is not None:
            body += _box(_INFO, t("lessons.widget.fairness", lang=lang,
                                  largest=_pct(row["largest20_share"]),
                                  households=_pct(row["largest20_households_share"]),
                                  what=t(f"lessons.fig.share_of.{metric}", lang=lang),
                                  top=_pct(row["top20_share"])))
        if len(neglected) and "message" in neglected:
            body += table_html(show(ds, neglected[["org_id", "message"]], lang), lang=lang)
        return body, attention_chart(ds, metric, lang).png()

    options = [(t(f"lessons.fig.metric.{m}", lang=lang), m)
               for m in ("visits_per_household", "solved_per_household")]
    control = _dropdown(options, lang, "lessons.widget.metric")
    return Explorer(control, render, lang, t("lessons.widget.attention.title", lang=lang))


# ---------------------------------------------------------------- lesson 5
def migrant_explorer(ds, lang: str | None = None) -> Explorer:
    """A slider for "months without contact"; members out of touch and the households
    whose only helpers they are."""
    from pbkit.lessons.analyses import migrant_pairs, migrant_summary, show

    lang = resolve_lang(lang)

    def render(months):
        row = migrant_summary(ds, months, lang, display=False).iloc[0]
        body = _box(_INFO, t("lessons.widget.migrants", lang=lang, months=months,
                             out=int(row["out_of_touch"]), n=int(row["migrants"]),
                             pairs=int(row["pairs_broken"]),
                             households=int(row["households_left"])))
        pairs = migrant_pairs(ds, months=months, lang=lang, display=False)
        left = pairs[pairs["away"] & pairs["household_left"]]
        if len(left):
            body += table_html(show(ds, left[["source_id", "target_id",
                                              "months_since_contact"]], lang), lang=lang)
        return body, None

    control = W.IntSlider(value=6, min=1, max=24, step=1, continuous_update=False,
                          description=t("lessons.widget.months", lang=lang),
                          style={"description_width": "initial"})
    return Explorer(control, render, lang, t("lessons.widget.migrants.title", lang=lang))


# ---------------------------------------------------------------- lessons 6 and 12
def topic_explorer(ds, lang: str | None = None, topic: str | None = None) -> Explorer:
    """Pick a village; its visits by topic and solved rates (``topic`` highlighted)."""
    from pbkit.lessons.analyses import show, visit_topics

    lang = resolve_lang(lang)
    table = visit_topics(ds, lang=lang, display=False)
    villages = sorted(set(ds.villages()["org_id"]) & set(table["org_id"]))

    def render(org_id):
        rows = table[table["org_id"] == org_id][["topic", "topic_label", "visits", "solved",
                                                 "solved_rate"]]
        body = table_html(show(ds, rows, lang),
                          bold=(lambda rec: rec[0] == _topic_label) if topic else None, lang=lang)
        return body, None

    from pbkit.lessons.analyses import _code_label

    _topic_label = _code_label(topic, lang) if topic else None
    names = _names(ds)
    control = _dropdown([(names.get(v, v), v) for v in villages], lang, "lessons.widget.village")
    return Explorer(control, render, lang, t("lessons.widget.topics.title", lang=lang))


# ---------------------------------------------------------------- lesson 7
def quorum_explorer(ds, lang: str | None = None) -> Explorer:
    """A slider for the quorum share; general meetings that reach it, per branch."""
    from pbkit.lessons.analyses import quorum_table, show
    from pbkit.lessons.figures import quorum_chart

    lang = resolve_lang(lang)

    def render(threshold):
        table = quorum_table(ds, threshold, lang, display=False)
        held = int(table["meetings"].sum())
        ok = int(table["with_quorum"].sum())
        body = _box(_INFO, t("lessons.widget.quorum", lang=lang, share=_pct(threshold),
                             ok=ok, held=held))
        return (body + table_html(show(ds, table, lang), lang=lang),
                quorum_chart(ds, threshold, lang).png())

    control = W.FloatSlider(value=0.5, min=0.3, max=0.9, step=0.05, continuous_update=False,
                            readout_format=".0%",
                            description=t("lessons.widget.threshold", lang=lang),
                            style={"description_width": "initial"})
    return Explorer(control, render, lang, t("lessons.widget.quorum.title", lang=lang))


# ---------------------------------------------------------------- lesson 8
def age_structure_explorer(ds, lang: str | None = None) -> Explorer:
    """Pick a branch; its age pyramid and education mix."""
    from pbkit.health.membership import education_mix
    from pbkit.lessons.analyses import show
    from pbkit.lessons.figures import age_pyramid_chart

    lang = resolve_lang(lang)
    edu = education_mix(ds)

    def render(org_id):
        rows = edu[edu["org_id"] == org_id][["education", "members", "share"]]
        return table_html(show(ds, rows, lang), lang=lang), age_pyramid_chart(
            ds, org_id, lang).png()

    control = _dropdown(_branch_options(ds, lang), lang, "lessons.widget.branch")
    return Explorer(control, render, lang, t("lessons.widget.age.title", lang=lang))


# ---------------------------------------------------------------- lesson 9
def weak_branch_explorer(ds, lang: str | None = None) -> Explorer:
    """Pick a flagged branch; its draft rectification list and the indicators behind it."""
    from pbkit.lessons.analyses import rectification_table, show, weak_table

    lang = resolve_lang(lang)
    weak = weak_table(ds, lang, display=False)
    flagged = weak[weak["weak"].fillna(False).astype(bool)]
    ids = list(flagged["org_id"]) or list(weak["org_id"])
    rect = rectification_table(ds, lang, display=False)
    drivers = pd.Series(show(ds, weak[["drivers"]], lang).iloc[:, 0].to_numpy(),
                        index=weak["org_id"].to_numpy())

    def render(org_id):
        body = _box(_INFO, t("lessons.widget.drivers", lang=lang,
                             drivers=str(drivers.get(org_id, "") or "-")))
        rows = rect[rect["org_id"] == org_id]
        cols = [c for c in ("problem_text", "evidence", "suggested_measure", "deadline",
                            "responsible") if c in rows.columns]
        return body + table_html(show(ds, rows[cols], lang), lang=lang), None

    control = _dropdown(_branch_options(ds, lang, only=ids), lang, "lessons.widget.branch")
    return Explorer(control, render, lang, t("lessons.widget.weak.title", lang=lang))


# ---------------------------------------------------------------- lesson 11
def scorecard_viewer(ds, lang: str | None = None) -> Explorer:
    """Pick a branch; points per item and the evidence rows behind every point lost."""
    from pbkit.lessons.analyses import _scorecard, show
    from pbkit.lessons.figures import _label

    lang = resolve_lang(lang)
    result = _scorecard(ds, lang)
    totals = result.totals.set_index("org_id")

    def render(org_id):
        items = result.items[result.items["org_id"] == org_id]
        total = totals.loc[org_id]
        body = _box(_INFO, t("lessons.widget.score_total", lang=lang,
                             total=f"{total['total']:g}", max=f"{total['max_total']:g}",
                             rank=int(total["rank"]), n=len(totals)))
        body += table_html(show(ds, items[["item", "points", "max_points", "lost"]], lang),
                           lang=lang)
        for item in items[items["lost"] > 0]["item"]:
            ev = result.evidence.get(item)
            if ev is None:
                continue
            mine = ev[ev["org_id"] == org_id].drop(columns="org_id")
            if len(mine):
                body += (f"<h4>{html.escape(_label(item, lang))}</h4>"
                         + table_html(show(ds, mine, lang), 15, lang=lang))
        return body, None

    order = sorted(totals.index)
    control = _dropdown(_branch_options(ds, lang, only=order), lang, "lessons.widget.branch")
    return Explorer(control, render, lang, t("lessons.widget.scorecard.title", lang=lang))


# ---------------------------------------------------------------- lessons 13-15
def points_explorer(ds, lang: str | None = None) -> Explorer:
    """Pick a village; its members' example points (lesson 13), lowest first."""
    from pbkit.lessons.analyses import points_summary, points_table

    lang = resolve_lang(lang)
    summary = points_summary(ds, lang=lang, display=False).sort_values("org_id")

    def render(org_id):
        row = summary.set_index("org_id").loc[org_id]
        body = _box(_INFO, t("lessons.widget.points", lang=lang, n=int(row["members"]),
                             mean=f"{row['mean_total']:.1f}", low=_pct(row["share_low"])))
        return body + table_html(points_table(ds, org_id=org_id, lang=lang), lang=lang), None

    names = _names(ds)
    control = _dropdown([(names.get(o, o), o) for o in summary["org_id"]], lang,
                        "lessons.widget.village")
    return Explorer(control, render, lang, t("lessons.widget.points.title", lang=lang))


def rectification_explorer(ds, lang: str | None = None) -> Explorer:
    """A slider for the solved-rate threshold of the draft rectification list (lesson 14)."""
    from pbkit.lessons.analyses import mass_line_list
    from pbkit.lessons.figures import mass_line_chart

    lang = resolve_lang(lang)

    def render(threshold):
        table = mass_line_list(ds, threshold=threshold, lang=lang)
        body = _box(_INFO, t("lessons.widget.rectification", lang=lang, n=len(table),
                             share=_pct(threshold)))
        return body + table_html(table, lang=lang), mass_line_chart(ds, threshold, lang).png()

    control = W.FloatSlider(value=0.5, min=0.3, max=0.9, step=0.05, continuous_update=False,
                            readout_format=".0%",
                            description=t("lessons.widget.solved_threshold", lang=lang),
                            style={"description_width": "initial"})
    return Explorer(control, render, lang, t("lessons.widget.rectification.title", lang=lang))


def leaders_explorer(ds, lang: str | None = None) -> Explorer:
    """Pick a village; its leaders, possible successors and collective income (lesson 15)."""
    from pbkit.lessons.analyses import village_leaders

    lang = resolve_lang(lang)
    shown = village_leaders(ds, lang=lang)
    ids = village_leaders(ds, lang=lang, display=False)["org_id"].to_numpy()

    def render(org_id):
        row = shown[ids == org_id].iloc[0]
        card = pd.DataFrame({t("lessons.widget.item", lang=lang): list(shown.columns[1:]),
                             t("lessons.widget.value", lang=lang): list(row.iloc[1:])})
        return table_html(card, lang=lang), None

    names = _names(ds)
    control = _dropdown([(names.get(o, o), o) for o in sorted(ids)], lang,
                        "lessons.widget.village")
    return Explorer(control, render, lang, t("lessons.widget.leaders.title", lang=lang))

# ---------------------------------------------------------------- role-play
class RolePlayExercise:
    """A role-play answered in one go: read the situation, write, press Score.

    The scenario's rubric anchors and exemplar answers stay in the kernel: the page shows
    only its public view (title, context, persona, role, opening line, criterion names).
    With a trainee id the attempt is saved to the results store.
    """

    def __init__(self, scenario_id: str, lang: str | None = None, *,
                 trainee_id: str | None = None, store: Any = None,
                 lesson_id: str | None = None, cohort_id: str | None = None) -> None:
        from pbkit.roleplay.models import get_scenario

        self.lang = resolve_lang(lang)
        self.scenario_id = scenario_id
        self.trainee_id = trainee_id
        self.cohort_id = cohort_id
        self.store = store
        self.score = None
        lang = self.lang
        view = get_scenario(scenario_id).public_view(lang)
        parts = [f"<h4>{html.escape(view['title'])}</h4>",
                 f"<p>{html.escape(view['context'])}</p>",
                 f"<p><b>{html.escape(t('lessons.widget.rp.persona', lang=lang))}</b>"
                 f"{html.escape(view['persona'])}</p>",
                 f"<p><b>{html.escape(t('lessons.widget.rp.role', lang=lang))}</b>"
                 f"{html.escape(view['role'])}</p>"]
        if view.get("opening"):
            parts.append(f"<blockquote>{html.escape(view['opening'])}</blockquote>")
        names = "、".join if lang == "zh" else ", ".join
        parts.append("<p><i>" + html.escape(t("lessons.widget.rp.criteria", lang=lang,
                                                criteria=names(c["name"] for c in
                                                               view["criteria"])))
                     + "</i></p>")
        self.context = W.HTML("".join(parts))
        self.answer = W.Textarea(value="", rows=8, layout=W.Layout(width="100%"),
                                 placeholder=t("lessons.widget.short_placeholder", lang=lang))
        self.button = W.Button(description=t("lessons.widget.rp.score", lang=lang),
                               button_style="primary", icon="check")
        self.button.on_click(lambda _b: self.submit())
        self.result = W.HTML("")
        self.widget = W.VBox([self.context, self.answer, self.button, self.result])

    def submit(self, text: str | None = None):
        """Score the answer (the text area's, or ``text``) and show the feedback."""
        lang = self.lang
        if text is not None:
            self.answer.value = text
        answer = self.answer.value or ""
        if not answer.strip():
            self.result.value = _box(_ERR, t("lessons.quiz.unanswered", lang=lang))
            return None
        if len(answer) > MAX_ANSWER_CHARS:
            self.result.value = _box(_ERR, t("lessons.widget.too_long", lang=lang,
                                             max=MAX_ANSWER_CHARS))
            return None
        try:
            from pbkit.roleplay import score

            result = score(self.scenario_id, answer, lang=lang)
        except PbkitError as exc:
            self.result.value = _box(_ERR, exc.render(lang))
            return None
        except Exception:
            log.exception("role-play scoring failed")
            self.result.value = _box(_ERR, t("lessons.widget.failed", lang=lang))
            return None
        self.score = result
        rows = pd.DataFrame([(c.id, f"{c.level}/{c.max_level}", c.feedback)
                             for c in result.criteria],
                            columns=[t("lessons.widget.criterion", lang=lang),
                                     t("lessons.widget.level", lang=lang),
                                     t("lessons.widget.advice", lang=lang)])
        body = _box(_INFO, t("lessons.widget.rp.total", lang=lang, total=f"{result.total:g}"))
        body += table_html(rows, lang=lang)
        if result.needs_review:
            body += _box(_INFO, t("lessons.widget.needs_review", lang=lang))
        body += self._save(answer, result)
        self.result.value = body
        return result

    def _save(self, answer: str, result) -> str:
        if not self.trainee_id:
            return ""
        store = self.store
        try:
            if store is None:
                from pbkit.store import ResultsStore

                store = self.store = ResultsStore()
            if self.cohort_id:
                store.ensure_trainee(self.trainee_id, self.cohort_id)
            store.submit_attempt(uuid.uuid4().hex, self.trainee_id, self.scenario_id,
                                 [answer], result)
        except PbkitError as exc:
            return _box(_ERR, t("lessons.widget.not_saved", lang=self.lang,
                                reason=exc.render(self.lang)))
        return _box(_INFO, t("lessons.widget.saved", lang=self.lang, trainee=self.trainee_id))

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def roleplay_exercise(scenario_id: str, ctx=None, *, lang: str | None = None,
                      store: Any = None) -> RolePlayExercise:
    """The role-play of a lesson (``ctx`` is the opened lesson, for language and trainee)."""
    if ctx is not None:
        lang = lang or ctx.lang
        return RolePlayExercise(scenario_id, lang, trainee_id=ctx.trainee_id, store=store,
                                lesson_id=ctx.lesson.id,
                                cohort_id=getattr(ctx, "cohort_id", None))
    return RolePlayExercise(scenario_id, lang, store=store)
