"""Multi-turn role-play: the villager reacts to what the trainee said.

A scenario's ``dialogue`` block gives the villager's opening line and a list of reactions,
each with a ``when`` condition over the cue concepts of the trainee's turn (first match wins;
the one without ``when`` is the default): acknowledged -> she calms down; threatened -> she
escalates; asked for documents -> she lists them. Every trainee turn is scored on its own
and the conversation gets an overall score: per criterion the best level reached in any
turn, except that an improper statement (a veto: a promise, a threat, taking sides) in any
turn sets that criterion to 0 for the whole conversation.

>>> conv = Conversation("dibao-complaint", lang="en")
>>> conv.opening.startswith("Secretary")
True
>>> turn = conv.say("Auntie, please sit down and tell me what happened. I understand.")
>>> turn.reaction, turn.mood
('calm', 'calmer')
>>> result = score_conversation("dibao-complaint", ["您先坐，慢慢说。", "你别闹了！"])
>>> [t.reaction for t in result.turns], result.overall.criterion("acknowledge").level
(['calm', 'escalate'], 0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pbkit.errors import UsageError
from pbkit.roleplay.cues import holds
from pbkit.roleplay.models import Scenario, get_scenario
from pbkit.roleplay.normalize import detect_lang
from pbkit.roleplay.scorer import (
    CriterionScore,
    Evidence,
    Score,
    feedback_for,
    get_scorer,
    total_of,
)

__all__ = ["TurnResult", "ConversationScore", "Conversation", "score_conversation"]


@dataclass(frozen=True)
class TurnResult:
    """One exchange: the trainee's text, its score, and the villager's reply."""

    index: int
    text: str
    score: Score
    reaction: str
    mood: str
    reply: str

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "score": self.score.to_dict(), "reaction": self.reaction,
                "mood": self.mood, "reply": self.reply}


@dataclass(frozen=True)
class ConversationScore:
    """Every turn and the overall score of the conversation."""

    scenario: str
    turns: tuple[TurnResult, ...]
    overall: Score

    @property
    def total(self) -> float:
        return self.overall.total

    @property
    def needs_review(self) -> bool:
        return self.overall.needs_review

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "total": self.total,
                "overall": self.overall.to_dict(),
                "turns": [t.to_dict() for t in self.turns]}


class Conversation:
    """A running role-play: call :meth:`say` with each trainee turn.

    Parameters
    ----------
    scenario_id : str
    lang : {"zh", "en", None}
        Language of the villager's lines; ``None`` follows each trainee turn.
    """

    def __init__(self, scenario_id: str, lang: str | None = None) -> None:
        self.scenario: Scenario = get_scenario(scenario_id)
        self.scorer = get_scorer(scenario_id)
        self.lang = lang if lang in ("zh", "en") else None
        self._turns: list[TurnResult] = []

    @property
    def opening(self) -> str:
        """The villager's first line (or the scenario context if there is no dialogue)."""
        sc = self.scenario
        return (sc.opening or sc.context).get(self.lang)

    @property
    def max_turns(self) -> int:
        return self.scenario.max_turns

    @property
    def finished(self) -> bool:
        return len(self._turns) >= self.max_turns

    @property
    def turns(self) -> tuple[TurnResult, ...]:
        return tuple(self._turns)

    def react(self, present: frozenset[str], lang: str) -> tuple[str, str, str]:
        """The villager's reaction ``(id, mood, reply)`` to a turn with these concepts."""
        for turn in self.scenario.turns:
            if turn.when is None or holds(turn.when, present):
                return turn.id, turn.mood, turn.reply.get(lang)
        return "none", "same", ""

    def say(self, text: str) -> TurnResult:
        """Score one trainee turn and choose the villager's reply."""
        if not isinstance(text, str):
            raise UsageError("roleplay.err.text_type", type=type(text).__name__)
        if self.finished:
            raise UsageError("roleplay.err.finished", max=self.max_turns)
        lang = self.lang or detect_lang(text)
        score = self.scorer.score(text, lang=lang)
        analysis = self.scorer.analyze(text)
        rid, mood, reply = self.react(analysis.present, lang)
        result = TurnResult(len(self._turns), text, score, rid, mood, reply)
        self._turns.append(result)
        return result

    def result(self) -> ConversationScore:
        """The overall score so far."""
        if not self._turns:
            raise UsageError("roleplay.err.no_turns")
        return ConversationScore(self.scenario.id, tuple(self._turns), _overall(
            self.scenario, self._turns, self.lang))


def _overall(scenario: Scenario, turns: Sequence[TurnResult], lang: str | None) -> Score:
    code = lang or detect_lang(" ".join(t.text for t in turns))
    crits = []
    reasons: list[str] = []
    for t in turns:
        reasons.extend(t.score.review_reasons)
    for j, crit in enumerate(scenario.criteria):
        per_turn = [(t.index, t.score.criteria[j]) for t in turns]
        vetoed = [(i, c) for i, c in per_turn if c.vetoed]
        if vetoed:
            i, c = vetoed[0]
            level, src = 0, (i, c)
        else:
            i, c = max(per_turn, key=lambda p: (p[1].level, -p[0]))
            level, src = c.level, (i, c)
        ev = tuple(Evidence(e.start, e.end, e.text, e.cue, src[0]) for e in src[1].evidence)
        quote = ", ".join(e.text for e in ev)
        crits.append(CriterionScore(
            crit.id, level, crit.max_level, ev if (level > 0 or vetoed) else (),
            feedback_for(crit, level, code, vetoed=bool(vetoed), quote=quote),
            src[1].rule_level, src[1].model_level, bool(vetoed)))
    total = total_of([c.level for c in crits], [c.max_level for c in crits])
    # a conversation is reviewed if most of its turns are
    flagged = sum(1 for t in turns if t.score.needs_review)
    uniq = tuple(dict.fromkeys(reasons)) if flagged * 2 > len(turns) else ()
    return Score(scenario.id, total, tuple(crits), code, bool(uniq), uniq)


def score_conversation(scenario_id: str, trainee_turns: Sequence[str],
                       lang: str | None = None) -> ConversationScore:
    """Score a whole conversation: each trainee turn, the villager's replies, the overall.

    Parameters
    ----------
    scenario_id : str
    trainee_turns : sequence of str
        The trainee's turns in order (1 to the scenario's ``max_turns``, 3-5).
    lang : {"zh", "en", None}
        Language of replies and feedback; ``None`` follows the trainee.

    Returns
    -------
    ConversationScore
        ``turns`` (score, reaction, mood, reply per turn) and ``overall``: per criterion the
        best level of any turn, 0 if any turn was improper for that criterion;
        ``total = 100 * sum(levels) / sum(max levels)``.

    Examples
    --------
    >>> r = score_conversation("migrant-member", ["Hi, how have you been?",
    ...                                            "Any difficulties with your shifts?"])
    >>> [t.reaction for t in r.turns]
    ['warm', 'lists_difficulties']
    """
    if isinstance(trainee_turns, str) or not isinstance(trainee_turns, Sequence):
        raise UsageError("roleplay.err.text_type", type=type(trainee_turns).__name__)
    conv = Conversation(scenario_id, lang=lang)
    if not trainee_turns:
        raise UsageError("roleplay.err.no_turns")
    if len(trainee_turns) > conv.max_turns:
        raise UsageError("roleplay.err.too_many_turns", max=conv.max_turns,
                         n=len(trainee_turns))
    for text in trainee_turns:
        conv.say(text)
    return conv.result()
