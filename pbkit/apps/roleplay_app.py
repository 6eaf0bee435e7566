"""Role-play practice: choose a scenario, answer the villager turn by turn, see the score.

Who the trainee is comes from the server side, never from the page: the code given to
the app in Python, the JupyterHub user (``JUPYTERHUB_USER``), ``PBKIT_TRAINEE``, or a
personal link signed by the trainer (:mod:`pbkit.serving.links`). The trainee-code box only
shows it; a message that changes the box changes nothing that is stored. A signed class
link lets a trainee type a new code once per page, within the link's cap. Without any of
these the attempt is scored but not saved. The trainee chooses a scenario, reads the situation and answers the villager's lines turn by turn
(the villager's reactions come from the scenario through :mod:`pbkit.roleplay`). On
"submit", the conversation is scored by :mod:`pbkit.roleplay` and stored through
:class:`pbkit.store.ResultsStore` under a submission id made when the attempt began, so a
retried or forged second submission of the same attempt is stored once. The result shows
each criterion's level, the evidence spans highlighted in the trainee's own (escaped)
answer and one feedback sentence. "Try again" starts a new attempt.

What reaches the browser is the scenario's public view only
(:meth:`pbkit.roleplay.models.Scenario.public_view`): rubric anchors, cue patterns and
exemplar answers stay in the kernel.

>>> app = RolePlayApp(lang="en", store=None, save=False)
>>> app.scenario.value in app.scenario_ids
True
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as W

from pbkit.apps.common import AppShell, esc, guarded, query_params, when_link_known
from pbkit.errors import PbkitError

__all__ = ["RolePlayApp", "Attempt", "highlight"]


@dataclass
class Attempt:
    """One attempt at a scenario, as the kernel keeps it."""

    scenario_id: str
    submission_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    villager: list[str] = field(default_factory=list)  # villager line before answer i
    answers: list[str] = field(default_factory=list)
    replies: list[str | None] = field(default_factory=list)  # villager reaction after i
    score: Any = None
    turn_totals: list[float] = field(default_factory=list)
    moods: list[int] = field(default_factory=list)  # villager's mood after answer i
    attempt_id: Any = None
    finished: bool = False
    conversation: Any = field(default=None, repr=False)


def _items(evidence: Any) -> list[Any]:
    """Evidence as a list of plain items (objects with ``to_dict()`` become dicts)."""
    if evidence is None:
        return []
    items = list(evidence) if isinstance(evidence, (list, tuple)) else [evidence]
    if len(items) == 2 and all(isinstance(v, int) for v in items):
        items = [tuple(items)]
    return [i.to_dict() if hasattr(i, "to_dict") else i for i in items]


def _spans(evidence: Any, text: str) -> list[tuple[int, int]]:
    """Character spans in ``text`` named by a criterion's evidence.

    Evidence may be :class:`pbkit.roleplay.Evidence` objects, ``(start, end)`` pairs, dicts
    with ``start``/``end`` (or ``span``) and/or ``text``, or plain quoted strings (found in
    the text). A span whose quoted text does not match the answer is looked up by its text.
    """
    spans: list[tuple[int, int]] = []
    for item in _items(evidence):
        start = end = None
        quote = None
        if isinstance(item, (list, tuple)) and len(item) >= 2 and all(
                isinstance(v, int) for v in item[:2]):
            start, end = item[0], item[1]
        elif isinstance(item, dict):
            if isinstance(item.get("span"), (list, tuple)):
                start, end = item["span"][0], item["span"][1]
            else:
                start, end = item.get("start"), item.get("end")
            quote = item.get("text") or item.get("quote")
        elif isinstance(item, str):
            quote = item
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            if quote is None or text[start:end] == quote:
                spans.append((start, end))
                continue
        if quote:
            pos = text.find(quote)
            if pos >= 0:
                spans.append((pos, pos + len(quote)))
    return spans


def highlight(text: str, evidence: Any) -> str:
    """``text`` as escaped HTML with the evidence spans wrapped in ``<mark>``.

    Every piece of the trainee's text is escaped on its own, so markup in the answer is
    shown, never run.

    >>> highlight("我<b>会</b>公示名单", [(9, 13)])
    '我&lt;b&gt;会&lt;/b&gt;<mark class="pbkit-evidence">公示名单</mark>'
    >>> highlight("ok <script>", ["<script>"])
    'ok <mark class="pbkit-evidence">&lt;script&gt;</mark>'
    """
    spans = sorted(_spans(evidence, text))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, pos = [], 0
    for start, end in merged:
        out.append(esc(text[pos:start]))
        out.append(f'<mark class="pbkit-evidence">{esc(text[start:end])}</mark>')
        pos = end
    out.append(esc(text[pos:]))
    return "".join(out)


def _check_turns(answers: list[str]) -> None:
    """Refuse answers the store would refuse (length, count, control characters) before
    spending time scoring them; the store checks again when saving."""
    from pbkit.store.limits import check_turns

    check_turns(answers)


class RolePlayApp(AppShell):
    """The role-play practice app.

    Parameters
    ----------
    lang : str, optional
        ``"zh"`` (default) or ``"en"``.
    store : ResultsStore, optional
        Where attempts are saved; by default a :class:`pbkit.store.ResultsStore` on the
        data directory, opened on first save.
    save : bool
        Save attempts (``False`` for a practice page without a store).
    trainee_id, cohort_id : str, optional
        The trainee (server side, fixed for this page) and the cohort to register them in.
        Defaults: ``JUPYTERHUB_USER`` or ``PBKIT_TRAINEE`` / ``PBKIT_COHORT``, else a
        signed link (``?cohort=...&trainee=...&sig=...``).
    """

    TITLE_KEY = "apps.roleplay.title"

    def __init__(self, lang: str | None = None, *, store: Any = None, save: bool = True,
                 trainee_id: str | None = None, cohort_id: str | None = None,
                 scenarios: dict | None = None) -> None:
        super().__init__(lang)
        import os

        from pbkit.roleplay.models import load_scenarios

        self._store = store
        self._save = save
        self._scenarios = dict(scenarios) if scenarios is not None else load_scenarios()
        self.cohort_id = cohort_id or os.environ.get("PBKIT_COHORT")
        #: the trainee attempts are stored under (server side; ``None``: not known yet)
        self.identity: str | None = (trainee_id or os.environ.get("JUPYTERHUB_USER")
                                     or os.environ.get("PBKIT_TRAINEE") or None)
        self._class_link: Any = None
        self.trainee = W.Text(value=self.identity or "", disabled=bool(self.identity),
                              style={"description_width": "initial"},
                              layout=W.Layout(width="300px"))
        self.trainee.observe(self._keep_identity, "value")
        self.scenario = W.Dropdown(options=self._scenario_options(), style={
            "description_width": "initial"}, layout=W.Layout(width="auto", min_width="360px"))
        self.start = W.Button(button_style="primary")
        self.situation = W.HTML()
        self.transcript = W.HTML()
        self.answer = W.Textarea(layout=W.Layout(width="100%", height="130px"))
        self.send = W.Button(button_style="info")
        self.submit = W.Button(button_style="success")
        self.turn_info = W.HTML()
        self.result = W.HTML()
        self.retry = W.Button(button_style="warning")
        self.answer_box = W.VBox([self.answer, W.HBox([self.send, self.submit, self.turn_info],
                                                      layout=W.Layout(flex_flow="row wrap",
                                                                      align_items="center"))])
        self.body.children = [
            W.HBox([self.trainee, self.scenario, self.start],
                   layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.situation, self.transcript, self.answer_box, self.result, self.retry,
        ]
        self.attempt: Attempt | None = None
        self.workspace: Any = None
        self._restoring = False
        self._confirmed_scenario: str | None = None
        self.discard_box = W.HBox(layout=W.Layout(display="none", flex_flow="row wrap",
                                                  align_items="center"))
        self.discard_yes = W.Button(button_style="danger")
        self.discard_no = W.Button()
        self.discard_note = W.HTML()
        self.discard_box.children = [self.discard_note, self.discard_yes, self.discard_no]
        self.body.children = (*self.body.children[:1], self.discard_box,
                              *self.body.children[1:])
        self.discard_yes.on_click(self._on_discard_yes)
        self.discard_no.on_click(self._on_discard_no)
        self.answer.observe(self._on_draft, "value")
        self.scenario.observe(self._on_scenario, "value")
        self.start.on_click(self._on_start)
        self.send.on_click(self._on_send)
        self.submit.on_click(self._on_submit)
        self.retry.on_click(self._on_retry)
        self.answer.add_class("pbkit-answer-input")
        self.send.add_class("pbkit-send")
        self.submit.add_class("pbkit-submit")
        self.start.add_class("pbkit-start")
        self.retry.add_class("pbkit-retry")
        self.relabel()
        self._reset_view()
        if self.identity is None:
            self.apply_link(query_params())
            if not when_link_known(self._link_known):
                self.attach_workspace(query_params())
        else:
            self.attach_workspace(query_params())

    def apply_link(self, params: dict[str, str]) -> None:
        """Take the trainee (personal link) or the class (class link) from the page link if
        its signature verifies (:func:`pbkit.serving.links.verify`); an unsigned or altered
        link gives nothing. A preheated kernel learns the link only after the app is built.
        """
        from pbkit.serving import links

        link = links.verify(params, links.read_key()) if params.get("sig") else None
        if link is None or self.identity is not None:
            return
        if link.cohort_id and not self.cohort_id:
            self.cohort_id = link.cohort_id
        if link.trainee_id:
            self._fix_identity(link.trainee_id)
        else:
            self._class_link = link

    def _link_known(self, params: dict[str, str]) -> None:
        self.apply_link(params)
        self.attach_workspace(params)

    # -- work kept on the server ---------------------------------------------------------

    def attach_workspace(self, params: dict[str, str]) -> None:
        """Keep the conversation and the unsent draft on the server, per trainee (or per
        page link in practice), and bring them back after a reload."""
        import hashlib

        key = None
        if self.identity is not None:  # the trainee's own: found again from any link
            seed = f"roleplay|{self.cohort_id or ''}|{self.identity}".encode()
            key = hashlib.sha256(seed).hexdigest()[:32]
        self.workspace = self.link_workspace("roleplay", params, key)
        state = self.workspace.load()
        if state and self.attempt is None:
            self.restore(state)

    def save_state(self) -> None:
        """Write the conversation so far and the draft to the workspace."""
        if self.workspace is None or self._restoring:
            return
        a = self.attempt
        self.workspace.save({} if a is None else {
            "scenario": a.scenario_id, "submission_id": a.submission_id,
            "answers": list(a.answers), "draft": self.answer.value,
            "finished": a.finished})

    @guarded
    def restore(self, state: dict) -> None:
        """Replay the saved conversation (the villager answers the same way) and the draft."""
        if state.get("scenario") not in self._scenarios:
            return
        self._restoring = True
        try:
            self._confirmed_scenario = state["scenario"]
            self.scenario.value = state["scenario"]
            self.begin()
            self.attempt.submission_id = str(state.get("submission_id") or
                                             self.attempt.submission_id)
            for text in state.get("answers", []):
                self.answer.value = text
                self.take_turn()
            self.answer.value = str(state.get("draft") or "")
            if state.get("finished"):
                self.finish()
        finally:
            self._restoring = False
        self.show_info(self.tr("apps.roleplay.restored"))

    def _on_draft(self, change: dict) -> None:
        if self.attempt is not None and not self.attempt.finished:
            self.save_state()

    def _has_work(self) -> bool:
        a = self.attempt
        return a is not None and not a.finished and bool(a.answers or self.answer.value.strip())

    @guarded
    def _on_discard_yes(self, _button: Any = None) -> None:
        self.discard_box.layout.display = "none"
        self._confirmed_scenario = self.scenario.value
        self.attempt = None
        self._reset_view()
        self.save_state()

    @guarded
    def _on_discard_no(self, _button: Any = None) -> None:
        self.discard_box.layout.display = "none"
        back = self.attempt.scenario_id if self.attempt is not None else None
        if back is not None:
            self._confirmed_scenario = back
            self.scenario.value = back

    def _fix_identity(self, trainee_id: str) -> None:
        self.identity = trainee_id
        self._class_link = None
        self.trainee.value = trainee_id
        self.trainee.disabled = True

    def _keep_identity(self, change: dict) -> None:
        """A message that edits the box of a fixed identity is undone (it never counted)."""
        if self.identity is not None and change["new"] != self.identity:
            self.trainee.value = self.identity

    def _warm_scorer(self, scenario_id: str) -> None:
        """Build the scorer of a scenario ahead of the first submission (its cues compile,
        its precomputed model and the word segmenter load) and open the results store (the database library
        loads and the schema is checked): the submission then only scores and writes."""
        try:
            from pbkit.roleplay import get_scorer
            from pbkit.roleplay.stance import tokens

            get_scorer(scenario_id)
            tokens("您好")  # jieba's dictionary (1-2 s) loads now, not at the first answer
            url = str(getattr(self.store, "url", "")) if self._save else ""
            # an in-memory SQLite database is one per thread: open that one when saving
            if url and url.rstrip("/") != "sqlite:" and ":memory:" not in url:
                _ = self.store.engine
        except Exception as exc:  # reported when the trainee submits, not here
            print(f"pbkit.apps scorer warm-up failed: {type(exc).__name__}: {exc}",
                  file=sys.__stderr__, flush=True)

    # -- scenario and labels ---------------------------------------------------------

    @property
    def scenario_ids(self) -> list[str]:
        return list(self._scenarios)

    def _scenario_options(self) -> list[tuple[str, str]]:
        return [(sc.title.get(self.lang), sid) for sid, sc in self._scenarios.items()]

    def _view(self) -> dict[str, Any]:
        return self._scenarios[self.scenario.value].public_view(self.lang)

    def relabel(self) -> None:
        self.discard_yes.description = self.tr("apps.roleplay.discard_yes")
        self.discard_no.description = self.tr("apps.roleplay.discard_no")
        self.trainee.description = self.tr("apps.roleplay.trainee")
        self.trainee.placeholder = self.tr("apps.roleplay.trainee_ph")
        self.scenario.description = self.tr("apps.roleplay.scenario")
        current = self.scenario.value
        self.set_choices(self.scenario, self._scenario_options(), current)
        self.start.description = self.tr("apps.roleplay.start")
        self.send.description = self.tr("apps.roleplay.send")
        self.submit.description = self.tr("apps.roleplay.submit")
        self.retry.description = self.tr("apps.roleplay.retry")
        self.answer.placeholder = self.tr("apps.roleplay.answer_ph")

    def rerender(self) -> None:
        self._render_situation()
        self._render_transcript()
        self._render_result()

    def _render_situation(self) -> None:
        view = self._view()
        crits = "、".join(c["name"] for c in view["criteria"]) if self.lang == "zh" else \
            ", ".join(c["name"] for c in view["criteria"])
        self.situation.value = (
            f"<h3>{esc(view['title'])}</h3>"
            f"<p><b>{esc(self.tr('apps.roleplay.context'))}</b>{esc(view['context'])}</p>"
            f"<p><b>{esc(self.tr('apps.roleplay.persona'))}</b>{esc(view['persona'])}</p>"
            f"<p><b>{esc(self.tr('apps.roleplay.role'))}</b>{esc(view['role'])}</p>"
            f"<p><b>{esc(self.tr('apps.roleplay.criteria'))}</b>{esc(crits)}</p>")

    def _render_transcript(self) -> None:
        a = self.attempt
        if a is None:
            self.transcript.value = ""
            self.turn_info.value = ""
            return
        villager = esc(self.tr("apps.roleplay.villager"))
        you = esc(self.tr("apps.roleplay.you"))
        parts = []
        for i in range(max(len(a.villager), len(a.answers))):
            if i < len(a.villager) and a.villager[i]:
                mood = self._mood_html(a, i - 1)
                parts.append(f'<div class="pbkit-villager"><b>{villager}</b>'
                             f"{esc(a.villager[i])}{mood}</div>")
            if i < len(a.answers):
                parts.append(f'<div class="pbkit-you"><b>{you}</b>{esc(a.answers[i])}</div>')
        self.transcript.value = "".join(parts)
        self.turn_info.value = esc(self.tr("apps.roleplay.turn_info", turn=len(a.answers) + 1,
                                           max=self._max_turns()))

    def _mood_html(self, a: Attempt, answer: int) -> str:
        """The villager's mood after answer ``answer`` (she calms down step by step)."""
        if not 0 <= answer < len(a.moods):
            return ""
        from pbkit.roleplay.dialogue import mood_name

        label = self.tr("apps.roleplay.mood", mood=mood_name(a.moods[answer], self.lang))
        return f' <span class="pbkit-mood">{esc(label)}</span>'

    def _render_result(self) -> None:
        a = self.attempt
        if a is None or a.score is None:
            self.result.value = ""
            return
        score = a.score
        view = self._view()
        names = {c["id"]: c["name"] for c in view["criteria"]}
        labels = [esc(self.tr(k)) for k in (
            "apps.roleplay.col_criterion", "apps.roleplay.col_level",
            "apps.roleplay.col_evidence", "apps.roleplay.col_feedback")]
        rows = []
        for crit in score.criteria:
            width = 8.0 * crit.level / max(1, crit.max_level)
            bar = (f'<span class="pbkit-bar-bg"><span class="pbkit-bar" '
                   f'style="width:{width:.2f}em"></span></span>')
            quotes = self._evidence_html(crit.evidence)
            # each cell carries its header: on a phone every criterion is one card (STYLE)
            rows.append(
                f'<tr><td data-label="{labels[0]}"><b>{esc(names.get(crit.id, crit.id))}</b>'
                f'</td><td data-label="{labels[1]}" class="pbkit-nowrap">{bar} {crit.level} / '
                f'{crit.max_level}</td><td data-label="{labels[2]}">{quotes}</td>'
                f'<td data-label="{labels[3]}">{esc(crit.feedback)}</td></tr>')
        head = "".join(f"<th>{label}</th>" for label in labels)
        review = ""
        if getattr(score, "needs_review", False):
            review = (f'<div class="pbkit-msg pbkit-msg-info">'
                      f'{esc(self.tr("apps.roleplay.needs_review"))}</div>')
        saved = ""
        if a.attempt_id is not None:
            saved = f"<p>{esc(self.tr('apps.roleplay.saved', id=a.submission_id[:8]))}</p>"
        answers_html = self._answer_html(score)
        if a.turn_totals:
            per_turn = ("；" if self.lang == "zh" else "; ").join(self.tr("apps.roleplay.turn_total", turn=i + 1,
                                         total=f"{v:.0f}") for i, v in enumerate(a.turn_totals))
            answers_html = f"<p>{esc(per_turn)}</p>" + answers_html
        self.result.value = (
            f'<div class="pbkit-result"><h3>{esc(self.tr("apps.roleplay.total", total=f"{score.total:.0f}"))}</h3>'
            f"{review}<table class='pbkit-table pbkit-cards'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f"<h3>{esc(self.tr('apps.roleplay.your_answer'))}</h3>{answers_html}{saved}</div>")

    def _evidence_html(self, evidence: Any) -> str:
        quotes = []
        for item in _items(evidence):
            text = None
            if isinstance(item, dict):
                text = item.get("text") or item.get("quote")
                if text and item.get("improper"):
                    # an improper statement (a veto) is marked apart from earned evidence
                    quotes.append(f'{esc(self.tr("apps.roleplay.improper"))}'
                                  f'<mark class="pbkit-improper" style="background:#f6c6c6">'
                                  f'{esc(text)}</mark>')
                    continue
            elif isinstance(item, str):
                text = item
            if text:
                quotes.append(f'<mark class="pbkit-evidence">{esc(text)}</mark>')
        if not quotes:
            a = self.attempt
            joined = "\n".join(a.answers) if a else ""
            for start, end in _spans(evidence, joined):
                quotes.append(f'<mark class="pbkit-evidence">{esc(joined[start:end])}</mark>')
        return " ".join(quotes) or "—"

    def _answer_html(self, score: Any) -> str:
        """The whole answer (turns joined by newlines, as scored) with evidence marked.

        Evidence tied to a turn (``{"turn": i, "start", "end"}``, 0-based) is shifted to
        that turn's place in the joined text.
        """
        a = self.attempt
        joined = "\n".join(a.answers)
        offsets, pos = [], 0
        for text in a.answers:
            offsets.append(pos)
            pos += len(text) + 1
        evidence: list[Any] = []
        for crit in score.criteria:
            for item in _items(crit.evidence):
                if isinstance(item, dict) and item.get("improper"):
                    continue  # only evidence that earned a level is highlighted
                turn = item.get("turn") if isinstance(item, dict) else None
                if isinstance(turn, int) and 0 <= turn < len(offsets) and len(offsets) > 1:
                    shift = offsets[turn]
                    item = {**item, "start": (item.get("start") or 0) + shift,
                            "end": (item.get("end") or 0) + shift}
                evidence.append(item)
        return f'<div class="pbkit-answer">{highlight(joined, evidence)}</div>'

    # -- attempt flow --------------------------------------------------------------

    def _max_turns(self) -> int:
        sc = self._scenarios[self.scenario.value]
        return sc.max_turns if sc.opening else 1

    def _reset_view(self) -> None:
        self.attempt = None
        self._render_situation()
        self._render_transcript()
        self._render_result()
        self.answer.value = ""
        self.answer_box.layout.display = "none"
        self.retry.layout.display = "none"
        self.start.disabled = False
        self.send.disabled = True
        self.submit.disabled = True

    @guarded
    def _on_scenario(self, change: dict) -> None:
        self.clear_message()
        if change["new"] == self._confirmed_scenario:
            return
        if self._has_work():  # ask before the conversation and the draft are thrown away
            self.discard_note.value = f"<b>{esc(self.tr('apps.roleplay.discard_q'))}</b>"
            self.discard_box.layout.display = "flex"
            return
        self._confirmed_scenario = change["new"]
        self._reset_view()

    @guarded
    def _on_start(self, _button: Any = None) -> None:
        self.clear_message()
        self.begin()

    def begin(self) -> Attempt:
        """Start a new attempt at the chosen scenario (new submission id)."""
        if self._save and self.identity is None and self._class_link is not None \
                and not self.trainee.value.strip():
            # a class link saves under the code typed here: ask for it before the talk
            raise PbkitError("apps.roleplay.err.no_trainee")
        sc = self._scenarios[self.scenario.value]
        if self.practice:
            self.show_info(self.tr("apps.roleplay.practice"))
        # build the scenario's scorer while the trainee reads and types (after the page
        # has rendered)
        self.run_later(self._warm_scorer, sc.id)
        self.attempt = Attempt(sc.id)
        self.attempt.villager.append(sc.opening.get(self.lang) if sc.opening else "")
        self.answer.value = ""
        self.answer_box.layout.display = "flex"
        self.retry.layout.display = "none"
        self.result.value = ""
        self.send.disabled = self._max_turns() <= 1
        self.submit.disabled = False
        self.start.disabled = True
        self._confirmed_scenario = sc.id
        self._render_transcript()
        self.save_state()
        return self.attempt

    @guarded(busy="apps.roleplay.busy_reply")
    def _on_send(self, _button: Any = None) -> None:
        self.clear_message()
        self.take_turn()

    def take_turn(self) -> str | None:
        """Add the typed answer as a turn and show the villager's reaction."""
        a = self.attempt
        if a is None or a.finished:
            raise PbkitError("apps.roleplay.err.not_started")
        text = self.answer.value
        if not text.strip():
            raise PbkitError("apps.roleplay.err.empty_answer")
        if len(a.answers) >= self._max_turns():
            raise PbkitError("apps.roleplay.err.too_many_turns", max=self._max_turns())
        _check_turns([*a.answers, text])  # the store's own bounds, before any scoring
        reply = self._villager_reply(a, text)
        a.answers.append(text)
        a.replies.append(reply)
        if len(a.answers) < self._max_turns():
            a.villager.append(reply or "")
        else:
            self.send.disabled = True
        self.answer.value = ""
        self._render_transcript()
        self.save_state()
        return reply

    def _villager_reply(self, attempt: Attempt, text: str) -> str | None:
        """The villager's reaction to ``text`` (:class:`pbkit.roleplay.Conversation`)."""
        sc = self._scenarios[attempt.scenario_id]
        if not sc.opening or not sc.turns:
            return None
        from pbkit.roleplay import Conversation

        self.wait_background()  # the scorer may still be warming up
        if attempt.conversation is None:
            attempt.conversation = Conversation(attempt.scenario_id, lang=self.lang)
        turn = attempt.conversation.say(text)
        attempt.moods.append(turn.mood_level)
        return turn.reply or None

    @guarded(busy="apps.roleplay.busy_scoring")
    def _on_submit(self, _button: Any = None) -> None:
        self.clear_message()
        self.finish()

    def finish(self) -> Any:
        """Score the conversation (the pending answer counts as the last turn) and save it.

        Runs on every "submit" message, also a forged one from a disabled button: the
        store receives the same submission id again and keeps the attempt once.
        """
        a = self.attempt
        if a is None:
            raise PbkitError("apps.roleplay.err.not_started")
        saving = self._save and not self.practice
        if saving:
            self._check_identity()
        if not a.finished:
            pending = self.answer.value
            answers = list(a.answers) + ([pending] if pending.strip() else [])
            if not answers:
                raise PbkitError("apps.roleplay.err.empty_answer")
            _check_turns(answers)  # the store's own bounds, before any scoring
            # score and save first; the attempt changes only when both succeeded, so a
            # refused save (unknown trainee, too long, deadline) leaves the answer editable
            trial = Attempt(a.scenario_id, a.submission_id, list(a.villager), answers,
                            list(a.replies) + ([None] if pending.strip() else []))
            trial.score = self._score(trial)
            if saving:
                self._save_attempt(trial)
            a.answers, a.replies, a.score = trial.answers, trial.replies, trial.score
            a.turn_totals = trial.turn_totals
            a.attempt_id = trial.attempt_id
            self.answer.value = ""
        elif saving:  # a repeated submit (e.g. a forged click): the store keeps it once
            self._save_attempt(a)
        a.finished = True
        self.send.disabled = True
        self.submit.disabled = True
        self.answer_box.layout.display = "none"
        self.retry.layout.display = "flex"
        self._render_transcript()
        self._render_result()
        self.save_state()
        if saving:
            self.show_ok(self.tr("apps.roleplay.saved_msg"))
        elif self.practice:
            self.show_info(self.tr("apps.roleplay.practice_done"))
        return a.score

    def _score(self, a: Attempt) -> Any:
        from pbkit import roleplay

        self.wait_background()  # a scorer still warming up finishes first

        if len(a.answers) > 1:
            result = roleplay.score_conversation(a.scenario_id, list(a.answers),
                                                 lang=self.lang)
            a.turn_totals = [t.score.total for t in result.turns]
            return result.overall
        a.turn_totals = []
        return roleplay.score(a.scenario_id, a.answers[0], lang=self.lang)

    def _turns_for_store(self, a: Attempt) -> list[dict[str, Any]]:
        turns = []
        for i, text in enumerate(a.answers):
            turn: dict[str, Any] = {"text": text}
            if i < len(a.villager) and a.villager[i]:
                turn["reply"] = a.villager[i]
            turns.append(turn)
        return turns

    @property
    def store(self) -> Any:
        if self._store is None:
            from pbkit.store import ResultsStore

            self._store = ResultsStore()
        return self._store

    @property
    def practice(self) -> bool:
        """Practice mode: a page opened without a trainee's link. Anyone can practise and
        see the whole result; nothing is saved to a class."""
        return self._save and self.identity is None and self._class_link is None

    def _check_identity(self) -> None:
        """Refuse to save without a server-side identity or a class link and a typed code."""
        if self.identity is None and self._class_link is None:
            raise PbkitError("apps.roleplay.err.no_identity")
        if self.identity is None and not self.trainee.value.strip():
            raise PbkitError("apps.roleplay.err.no_trainee")

    def _save_attempt(self, a: Attempt) -> None:
        self._check_identity()
        store = self.store
        if self.identity is None:  # a class link: register the typed code, once per page
            from pbkit.serving import links

            typed = self.trainee.value.strip()
            links.register(self._class_link, typed, store)
            self._fix_identity(typed)
        elif self.cohort_id:  # the server (or a signed link) names the cohort
            store.ensure_trainee(self.identity, self.cohort_id)
        trainee = self.identity
        a.attempt_id = store.submit_attempt(a.submission_id, trainee, a.scenario_id,
                                            self._turns_for_store(a), a.score)

    @guarded
    def _on_retry(self, _button: Any = None) -> None:
        self.clear_message()
        self.begin()
