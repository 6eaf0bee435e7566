"""Multi-turn role-play: the villager reacts to what the trainee said, and remembers it.

A scenario's ``dialogue`` block gives the villager's opening line, her starting mood and a
list of reactions, each with a ``when`` condition (first match wins; the one without
``when`` is the default). Conditions name the cue concepts of the trainee's turn
(acknowledged -> she calms down; threatened -> she escalates; asked for documents -> she
lists them) and the dialogue signals found here:

* ``@refusal``: the trainee turns her request down ("记录不能给你看", "there is no need for a
  review"), so an offer's reaction never answers a refusal;
* ``@commitment``: a commitment with a time limit or date ("我三天内给您答复");
* ``@apology``: an apology; ``@bad_start``: an earlier turn drew a negative reaction or
  was improper, so a reaction meant for repair can follow;
* ``@repeat``: the trainee says (nearly) the same as before.

The villager remembers what was said: every line is said at most once in a conversation
(a reaction gives its next reply each time it is chosen, then a neutral line), and a
commitment's reply can quote the trainee's date (``{deadline}``). Her mood is a number from
-3 (furious) to 3 (reassured); a reaction's ``shift`` moves it, but it rises by at most one
step a turn, so one apology after a rude turn does not calm her at once.

Every trainee turn is scored on its own (``turns[i].score``, kept for the trainer) and the
conversation as a whole: the turns are scored together, so elements given in different
turns count together; per criterion the overall level is at least the best turn's. An
improper statement (a veto: a promise, a threat, taking sides) sets its criterion to 0
unless later turns repair it; then the criterion gets what the other turns earned, at most
one level below the top, and the lapse stays visible (``lapses``, and the feedback says
which turn).

>>> conv = Conversation("dibao-complaint", lang="en")
>>> conv.opening.startswith("Secretary")
True
>>> turn = conv.say("Auntie, please sit down and tell me what happened. I understand.")
>>> turn.reaction, turn.mood, turn.mood_level
('calm', 'calmer', -1)
>>> result = score_conversation("dibao-complaint", ["您先坐，慢慢说。", "你别闹了！"])
>>> [t.reaction for t in result.turns], result.overall.criterion("acknowledge").level
(['calm', 'escalate'], 0)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pbkit.errors import UsageError
from pbkit.i18n import t
from pbkit.roleplay.cues import holds
from pbkit.roleplay.models import MOODS, Scenario, Turn, get_scenario
from pbkit.roleplay.normalize import detect_lang, find_deadlines, normalize
from pbkit.roleplay.scorer import (
    CriterionScore,
    Evidence,
    Score,
    feedback_for,
    get_scorer,
    total_of,
)

__all__ = ["TurnResult", "Lapse", "ConversationScore", "Conversation", "score_conversation",
           "detect_signals", "mood_name"]

_SENTENCE = re.compile(r"[。！？!?；;\n]+|\.(?=\s|$)")
_CLAUSE = re.compile(r"[，,：:]|但是|可是|不过|\b(?:but|however|although|though)\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z]")
_GENERIC = {"low": 3, "mid": 3, "high": 3}  # neutral lines per mood band in the catalog
_REPEAT_SIMILARITY = 0.8


def mood_name(level: int, lang: str | None = None) -> str:
    """The villager's mood as words.

    >>> mood_name(-3, "en"), mood_name(1, "zh")
    ('furious', '缓和了一些')
    """
    level = max(MOODS[0], min(MOODS[-1], int(level)))
    return t(f"roleplay.mood.{level + 3}", lang=lang)


# ----------------------------------------------------------------------------- signals


@cache
def _acts() -> dict[str, dict[str, re.Pattern | None]]:
    return _read_acts(Path(__file__).with_name("dialogue_acts.yaml"))


def _read_acts(path: Path) -> dict[str, dict[str, re.Pattern | None]]:
    """Read a dialogue-act file; a malformed one names its file, line and key path."""
    from pbkit.yamlconf import YamlDoc

    doc = YamlDoc.from_path(path, path.name)
    out: dict[str, dict[str, re.Pattern | None]] = {}
    for act, spec in doc.mapping(doc.data, ()).items():
        spec = doc.mapping(spec, (act,), allowed=("zh", "en", "unless"))
        unless = doc.mapping(spec.get("unless", {}), (act, "unless"), allowed=("zh", "en"))
        out[act] = {
            "zh": _alternation(doc.patterns(spec.get("zh", []), (act, "zh")), 0),
            "en": _alternation(doc.patterns(spec.get("en", []), (act, "en")), re.IGNORECASE),
            "unless_zh": _alternation(doc.patterns(unless.get("zh", []), (act, "unless", "zh")),
                                      0),
            "unless_en": _alternation(doc.patterns(unless.get("en", []), (act, "unless", "en")),
                                      re.IGNORECASE),
        }
    return out


def _alternation(patterns: Sequence[str], flags: int) -> re.Pattern | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags) if patterns else None


def _act_in(sentence: str, spec: dict[str, re.Pattern | None]) -> bool:
    """Whether a clause of ``sentence`` matches the act and none of its exceptions."""
    for clause in _CLAUSE.split(sentence):
        for lang, present in (("zh", _CJK.search(clause)), ("en", _LATIN.search(clause))):
            pat, unless = spec[lang], spec[f"unless_{lang}"]
            if present and pat is not None and pat.search(clause) and not (
                    unless is not None and unless.search(clause)):
                return True
    return False


def detect_signals(text: str) -> frozenset[str]:
    """The dialogue signals of one trainee turn: ``@refusal``, ``@commitment`` (a
    commitment with a time limit or date in the same sentence) and ``@apology``.

    >>> sorted(detect_signals("评议记录不能给你看，复核就不必了。"))
    ['@refusal']
    >>> sorted(detect_signals("对不起，刚才是我态度不好。我三天内给您答复。"))
    ['@apology', '@commitment']
    >>> sorted(detect_signals("I can't promise anything, but I'll call you by Friday."))
    ['@commitment']
    """
    norm = normalize(text).text
    acts = _acts()
    found: set[str] = set()
    for sentence in _SENTENCE.split(norm):
        if not sentence.strip():
            continue
        for act in ("refusal", "apology"):
            if _act_in(sentence, acts[act]):
                found.add(f"@{act}")
        if _act_in(sentence, acts["commitment"]) and find_deadlines(sentence, normalized=True):
            found.add("@commitment")
    return frozenset(found)


def _bigrams(text: str) -> set[str]:
    s = re.sub(r"\W+", "", normalize(text).text)
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def _similar(a: str, b: str) -> bool:
    x, y = _bigrams(a), _bigrams(b)
    return bool(x | y) and len(x & y) / len(x | y) >= _REPEAT_SIMILARITY


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TurnResult:
    """One exchange: the trainee's text, its own score, and the villager's reply.

    ``mood`` is the reaction's demeanour (from the scenario), ``mood_level`` the villager's
    mood after the turn (-3 furious ... 3 reassured), ``signals`` the dialogue signals
    found in the turn.
    """

    index: int
    text: str
    score: Score
    reaction: str
    mood: str
    reply: str
    mood_level: int = 0
    signals: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "score": self.score.to_dict(), "reaction": self.reaction,
                "mood": self.mood, "mood_level": self.mood_level, "reply": self.reply,
                "signals": sorted(self.signals)}


@dataclass(frozen=True)
class Lapse:
    """An improper statement (a veto) in one turn; ``repaired`` if later turns made up for
    it, so the criterion was not set to 0 for the whole conversation."""

    criterion: str
    turn: int
    quote: str
    repaired: bool

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "turn": self.turn, "quote": self.quote,
                "repaired": self.repaired}


@dataclass(frozen=True)
class ConversationScore:
    """Every turn (with its own score), the overall score and the lapses."""

    scenario: str
    turns: tuple[TurnResult, ...]
    overall: Score
    lapses: tuple[Lapse, ...] = ()

    @property
    def total(self) -> float:
        return self.overall.total

    @property
    def needs_review(self) -> bool:
        return self.overall.needs_review

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "total": self.total,
                "overall": self.overall.to_dict(),
                "turns": [t.to_dict() for t in self.turns],
                "lapses": [lp.to_dict() for lp in self.lapses]}


# ----------------------------------------------------------------------------- the villager


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
        self._mood = self.scenario.start_mood
        self._said: set[tuple[str, int]] = set()  # (reaction id or generic band, line no.)

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

    @property
    def mood(self) -> int:
        """The villager's mood now, -3 (furious) to 3 (reassured)."""
        return self._mood

    def signals(self, text: str) -> frozenset[str]:
        """The dialogue signals of ``text`` given the conversation so far."""
        found = set(detect_signals(text))
        if any(tr.score.criteria and any(c.vetoed for c in tr.score.criteria)
               or self._shift_of(tr.reaction) < 0 for tr in self._turns):
            found.add("@bad_start")
        if any(_similar(text, tr.text) for tr in self._turns):
            found.add("@repeat")
        return frozenset(found)

    def _shift_of(self, reaction_id: str) -> int:
        for turn in self.scenario.turns:
            if turn.id == reaction_id:
                return turn.shift
        return 0

    def _concepts(self, text: str, score: Score) -> set[str]:
        """Cue concepts of the turn: its evidence, and the scorer's cue analysis."""
        present = {e.cue for c in score.criteria for e in c.evidence}
        analyze = getattr(self.scorer, "analyze", None)
        if analyze is not None:
            present |= set(analyze(text).present)
        return present

    def _applies(self, turn: Turn, present: frozenset[str]) -> bool:
        if turn.when is not None and not holds(turn.when, present):
            return False
        if turn.min_mood is not None and self._mood < turn.min_mood:
            return False
        return turn.max_mood is None or self._mood <= turn.max_mood

    def _line(self, turn: Turn | None, lang: str) -> str:
        """The reaction's first reply not said yet, else a neutral line for the mood."""
        if turn is not None:
            for i, text in enumerate(turn.replies):
                if (turn.id, i) not in self._said:
                    self._said.add((turn.id, i))
                    return text.get(lang)
        band = "low" if self._mood <= -2 else "high" if self._mood >= 2 else "mid"
        for b in (band, "mid", "low", "high"):
            for i in range(_GENERIC[b]):
                if (f"@{b}", i) not in self._said:
                    self._said.add((f"@{b}", i))
                    return t(f"roleplay.villager.{b}.{i}", lang=lang)
        return ""

    def react(self, present: frozenset[str], lang: str) -> tuple[str, str, str]:
        """The villager's reaction ``(id, mood, reply)`` to a turn with these concepts and
        signals; the reply is one not said before in this conversation."""
        chosen = next((turn for turn in self.scenario.turns if self._applies(turn, present)),
                      None)
        reply = self._line(chosen, lang)
        if chosen is None:
            return "none", "same", reply
        rise = min(chosen.shift, 1)  # she calms down one step at a time
        self._mood = max(MOODS[0], min(MOODS[-1], self._mood + rise))
        return chosen.id, chosen.mood, reply

    def say(self, text: str) -> TurnResult:
        """Score one trainee turn and choose the villager's reply."""
        if not isinstance(text, str):
            raise UsageError("roleplay.err.text_type", type=type(text).__name__)
        if self.finished:
            raise UsageError("roleplay.err.finished", max=self.max_turns)
        lang = self.lang or detect_lang(text)
        score = self.scorer.score(text, lang=lang)
        signals = self.signals(text)
        present = frozenset(self._concepts(text, score) | signals)
        rid, mood, reply = self.react(present, lang)
        if "{deadline}" in reply:
            reply = reply.replace("{deadline}", _deadline_text(text, lang))
        result = TurnResult(len(self._turns), text, score, rid, mood, reply, self._mood,
                            signals)
        self._turns.append(result)
        return result

    def result(self) -> ConversationScore:
        """The overall score so far."""
        if not self._turns:
            raise UsageError("roleplay.err.no_turns")
        overall, lapses = _overall(self.scorer, self.scenario, self._turns, self.lang)
        return ConversationScore(self.scenario.id, tuple(self._turns), overall, lapses)


def _deadline_text(text: str, lang: str) -> str:
    norm = normalize(text)
    found = find_deadlines(norm.text, normalized=True)
    if not found:
        return t("roleplay.villager.then", lang=lang)
    start, end = norm.span(found[0].start, found[0].end)
    return text[start:end]


# ----------------------------------------------------------------------------- overall


def _quote(evidence: Sequence[Evidence], code: str) -> str:
    if code == "zh":
        return "、".join(e.text for e in evidence)
    return ", ".join(f"“{e.text}”" for e in evidence)


def _joined_scores(scorer: Any, turns: Sequence[TurnResult], keys: Sequence[tuple[int, ...]],
                   lang: str) -> dict[tuple[int, ...], Score]:
    """Each set of turns scored as one text (turns on separate lines)."""
    keys = list(dict.fromkeys(k for k in keys if k))
    texts = ["\n".join(turns[i].text for i in key) for key in keys]
    return dict(zip(keys, scorer.score_many(texts, lang=lang)))


def _in_turns(evidence: Sequence[Evidence], turns: Sequence[TurnResult],
              key: tuple[int, ...]) -> tuple[Evidence, ...]:
    """Evidence of the joined text of ``key``'s turns, as spans in each turn."""
    out, start = [], 0
    bounds = []
    for i in key:
        bounds.append((i, start, start + len(turns[i].text)))
        start += len(turns[i].text) + 1
    for e in evidence:
        for i, a, b in bounds:
            if a <= e.start < b:
                out.append(Evidence(e.start - a, min(e.end, b) - a, e.text, e.cue, i))
                break
    return tuple(out)


def _overall(scorer: Any, scenario: Scenario, turns: Sequence[TurnResult],
             lang: str | None) -> tuple[Score, tuple[Lapse, ...]]:
    code = lang or detect_lang(" ".join(tr.text for tr in turns))
    n = len(turns)
    everything = tuple(range(n))
    vetoes = [[tr.index for tr in turns if tr.score.criteria[j].vetoed]
              for j in range(len(scenario.criteria))]
    rests = [tuple(i for i in everything if i not in v) for v in vetoes]
    afters = [tuple(range(v[-1] + 1, n)) if v else () for v in vetoes]
    joined = _joined_scores(scorer, turns, [everything, *rests, *afters], code)
    crits, lapses = [], []
    for j, crit in enumerate(scenario.criteria):
        whole = joined[everything].criteria[j]
        if vetoes[j] or whole.vetoed:
            cs, lapse = _lapsed(crit, j, turns, vetoes[j], rests[j], joined, code)
            crits.append(cs)
            lapses.append(lapse)
            continue
        best = max(turns, key=lambda tr: (tr.score.criteria[j].level, -tr.index))
        one = best.score.criteria[j]
        if whole.level >= one.level:
            level, src, ev = whole.level, whole, _in_turns(whole.evidence, turns, everything)
        else:
            level, src = one.level, one
            ev = tuple(Evidence(e.start, e.end, e.text, e.cue, best.index) for e in one.evidence)
        crits.append(CriterionScore(crit.id, level, crit.max_level, ev if level > 0 else (),
                                    feedback_for(crit, level, code), src.rule_level,
                                    src.model_level, False))
    total = total_of([c.level for c in crits], [c.max_level for c in crits])
    reasons: list[str] = []
    for tr in turns:
        reasons.extend(tr.score.review_reasons)
    # a conversation is reviewed if most of its turns are
    flagged = sum(1 for tr in turns if tr.score.needs_review)
    uniq = tuple(dict.fromkeys(reasons)) if flagged * 2 > n else ()
    return Score(scenario.id, total, tuple(crits), code, bool(uniq), uniq), tuple(lapses)


def _lapsed(crit: Any, j: int, turns: Sequence[TurnResult], vetoed: list[int],
            rest: tuple[int, ...], joined: dict[tuple[int, ...], Score], code: str
            ) -> tuple[CriterionScore, Lapse]:
    """A criterion with an improper statement: 0, unless later turns repaired it."""
    first = vetoed[0] if vetoed else len(turns) - 1
    last = vetoed[-1] if vetoed else len(turns) - 1
    bad = turns[first].score.criteria[j]
    bad_ev = tuple(Evidence(e.start, e.end, e.text, e.cue, first) for e in bad.evidence)
    quote = _quote(bad_ev, code)
    repaired = None
    after = tuple(range(last + 1, len(turns)))
    # repaired: a later turn apologises or earns this criterion again on its own merits
    if after and rest and (any("@apology" in turns[i].signals for i in after)
                           or joined[after].criteria[j].level > 0):
        candidate = joined[rest].criteria[j]
        if not candidate.vetoed and candidate.level > 0:
            repaired = candidate
    if repaired is None:
        return (CriterionScore(crit.id, 0, crit.max_level, bad_ev,
                               feedback_for(crit, 0, code, vetoed=True, quote=quote),
                               bad.rule_level, bad.model_level, True),
                Lapse(crit.id, first, quote, False))
    level = min(repaired.level, crit.max_level - 1)
    feedback = t("roleplay.feedback.repaired", lang=code, turn=first + 1, quote=quote,
                 tip=crit.tip.get(code))
    return (CriterionScore(crit.id, level, crit.max_level,
                           _in_turns(repaired.evidence, turns, rest), feedback,
                           repaired.rule_level, repaired.model_level, False),
            Lapse(crit.id, first, quote, True))


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
        ``turns`` (own score, reaction, mood, reply per turn), ``overall`` (the turns read
        together; per criterion at least the best turn's level; an improper statement
        gives 0 unless later turns repaired it, then at most one below the top) and
        ``lapses``; ``total = 100 * sum(levels) / sum(max levels)``.

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
