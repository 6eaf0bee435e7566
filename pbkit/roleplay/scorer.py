"""The explainable role-play scorer.

For each rubric criterion the level comes from the scenario's cue rules (see
:mod:`pbkit.roleplay.cues`): a veto (an improper promise, a threat, taking sides) forces
level 0; otherwise the highest level whose condition holds. Every level above 0 carries the
evidence spans, ``(start, end, text)`` in the answer as typed, that earned it. A character
n-gram model trained on the graded exemplars (:mod:`pbkit.roleplay.model`) runs beside the
rules: it marks the answer for the trainer to review when it and the rules disagree by much,
and its nearest-exemplar similarity is one sign of an off-topic answer. It can also move a
level by one step where the cues found evidence (``model_moves=True``), but cross-validation
on the exemplars showed that this lowers agreement with the human grades (see
``benchmarks/RESULTS_roleplay.md``), so by default it does not.

``total = 100 * sum(levels) / sum(max levels)``.

>>> s = score("dibao-complaint", "大娘，您先坐下慢慢说，我理解您的难处。")
>>> s.total, s.criteria[0].id, s.criteria[0].level
(20.0, 'acknowledge', 2)
>>> s.criteria[0].evidence[0].text
'坐下慢慢说'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pbkit.errors import UsageError
from pbkit.i18n import resolve_lang, t
from pbkit.roleplay.cues import Analysis, CueSet, Hit, analyze, holds, supporting_hits
from pbkit.roleplay.models import Criterion, Exemplar, Scenario, get_scenario
from pbkit.roleplay.normalize import detect_lang

__all__ = [
    "Evidence",
    "CriterionScore",
    "Score",
    "Scorer",
    "score",
    "score_many",
    "get_scorer",
    "levels_of",
    "total_of",
    "feedback_for",
    "REVIEW_REASONS",
]

REVIEW_REASONS = ("off_topic", "keyword_list", "low_confidence", "rules_model_disagree",
                  "too_short")

# thresholds of the review flags (data, in one place)
_DISAGREE = 1.5          # |model - rules| at or above this marks disagreement
_OFF_TOPIC_SIM = 0.25    # nearest-exemplar cosine below this (and no topic cue) = off topic
_SHORT_CHARS = 12        # answers shorter than this are hard to judge


@dataclass(frozen=True)
class Evidence:
    """A span of the answer as typed that supports a level (``turn`` in a conversation)."""

    start: int
    end: int
    text: str
    cue: str
    turn: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"start": self.start, "end": self.end, "text": self.text, "cue": self.cue}
        if self.turn is not None:
            out["turn"] = self.turn
        return out


@dataclass(frozen=True)
class CriterionScore:
    """The score of one criterion: level, evidence and one feedback sentence."""

    id: str
    level: int
    max_level: int
    evidence: tuple[Evidence, ...]
    feedback: str
    rule_level: int
    model_level: float | None = None
    vetoed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``{"id", "level", "max_level", "evidence", "feedback"}`` (the CLI contract)."""
        return {"id": self.id, "level": self.level, "max_level": self.max_level,
                "evidence": [e.to_dict() for e in self.evidence], "feedback": self.feedback}


@dataclass(frozen=True)
class Score:
    """The score of one answer.

    ``total`` is ``100 * sum(level) / sum(max_level)`` rounded to one decimal.
    ``needs_review`` is True when the scorer is unsure; ``review_reasons`` says why
    (codes from :data:`REVIEW_REASONS`).
    """

    scenario: str
    total: float
    criteria: tuple[CriterionScore, ...]
    lang: str
    needs_review: bool = False
    review_reasons: tuple[str, ...] = ()

    @property
    def levels(self) -> dict[str, int]:
        """Criterion id -> level."""
        return {c.id: c.level for c in self.criteria}

    def criterion(self, criterion_id: str) -> CriterionScore:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``scenario, total, criteria`` plus ``lang`` and the review flags."""
        return {
            "scenario": self.scenario,
            "total": self.total,
            "criteria": [c.to_dict() for c in self.criteria],
            "lang": self.lang,
            "needs_review": self.needs_review,
            "review_reasons": list(self.review_reasons),
            "review_messages": [t(f"roleplay.review.{r}", lang=self.lang)
                                for r in self.review_reasons],
        }


def total_of(levels: Sequence[int], max_levels: Sequence[int]) -> float:
    """``100 * sum(levels) / sum(max_levels)``, one decimal.

    >>> total_of([3, 2, 0, 1, 1], [3, 3, 3, 3, 3])
    46.7
    """
    top = sum(max_levels)
    return round(100.0 * sum(levels) / top, 1) if top else 0.0


def feedback_for(crit: Criterion, level: int, lang: str, *, vetoed: bool = False,
                 quote: str = "") -> str:
    """One sentence for the trainee: the criterion's name and its coaching tip.

    The feedback is shown in the browser, so it never quotes a level anchor or the
    criterion's description (rubric texts stay on the server); it carries the criterion's
    ``tip`` instead.

    >>> crit = get_scenario("dibao-complaint").criterion("procedure")
    >>> feedback_for(crit, 1, "en").startswith("'Explain the procedure' can improve: ")
    True
    >>> feedback_for(crit, 3, "zh")
    '“讲清程序”已达最高级，继续保持。'
    """
    if not vetoed:
        return _plain_feedback(crit, level, lang, resolve_lang(None))
    return _feedback(crit, level, lang, vetoed, quote)


@lru_cache(maxsize=4096)
def _plain_feedback(crit: Criterion, level: int, lang: str, _current: str) -> str:
    return _feedback(crit, level, lang, False, "")


def _feedback(crit: Criterion, level: int, lang: str, vetoed: bool, quote: str) -> str:
    if vetoed:
        return t("roleplay.feedback.veto", lang=lang, quote=quote, tip=crit.tip.get(lang))
    if level >= crit.max_level:
        return t("roleplay.feedback.top", lang=lang, name=crit.name.get(lang))
    return t("roleplay.feedback.next", lang=lang, name=crit.name.get(lang),
             tip=crit.tip.get(lang))


class Scorer:
    """Scores answers to one scenario.

    Parameters
    ----------
    scenario : Scenario
    exemplars : sequence of Exemplar, optional
        Training answers for the n-gram model (default: the scenario's exemplars). Pass a
        training fold for cross-validation; an empty tuple turns the model off.
    use_model : bool
        Whether to run the n-gram model beside the cue rules (review flags).
    model_moves : bool
        Let the model move a rule level by one step (off by default; see module docs).

    Examples
    --------
    >>> sc = Scorer(get_scenario("neighbor-dispute"), use_model=False)
    >>> sc.score("你们先别吵，我先分别听听两家的说法，我不偏向任何一方。").levels["de_escalate"]
    3
    """

    def __init__(self, scenario: Scenario, exemplars: Sequence[Exemplar] | None = None,
                 *, use_model: bool = True, model_moves: bool = False) -> None:
        self.scenario = scenario
        self.model_moves = model_moves
        self.cues = CueSet(scenario.concepts)
        train = scenario.exemplars if exemplars is None else tuple(exemplars)
        self.model = None
        if use_model and len(train) >= 8:
            from pbkit.roleplay.model import NgramModel

            self.model = NgramModel.fit(
                [e.text for e in train],
                [[e.levels[c.id] for c in scenario.criteria] for e in train])

    # -- rules ---------------------------------------------------------------------

    def analyze(self, text: str) -> Analysis:
        """The cue analysis of ``text`` (hits, negations, keyword-list flag)."""
        return analyze(text, self.cues)

    def on_topic(self, analysis: Analysis) -> bool:
        """Whether a topic cue occurs (negated or not) in a sentence that counts."""
        topic = set(self.scenario.topic)
        return not analysis.keyword_list and any(
            h.concept in topic and h.counted for h in analysis.hits)

    def rule_levels(self, analysis: Analysis, on_topic: bool | None = None):
        """Per criterion: (level, supporting hits, vetoed)."""
        present = set(analysis.present)
        if on_topic is None:
            on_topic = self.on_topic(analysis)
        content = present - set(self.scenario.topic) - {"@deadline"}
        if on_topic and (content or len(present) >= 2) and not analysis.keyword_list:
            present.add("@engaged")
        out = []
        for crit in self.scenario.criteria:
            rules = crit.scoring
            veto = rules.get("veto")
            if veto and holds(veto, present) and not holds(rules.get("unless"), present):
                out.append((0, supporting_hits(veto, analysis), True))
                continue
            cap = rules.get("cap")
            top = crit.max_level
            if cap and holds({k: v for k, v in cap.items() if k != "level"}, present):
                top = int(cap["level"])
            for lvl in (3, 2, 1):
                cond = rules["levels"][lvl]
                if holds(cond, present):
                    hits = [h for h in supporting_hits(cond, analysis)]
                    out.append((min(lvl, top), hits, False))
                    break
            else:
                out.append((0, [], False))
        return out

    # -- scoring -------------------------------------------------------------------

    def score(self, text: str, lang: str | None = None) -> Score:
        """Score one answer (see :func:`score`)."""
        return self.score_many([text], lang=lang)[0]

    def score_many(self, texts: Sequence[str], lang: str | None = None) -> list[Score]:
        """Score many answers at once (the n-gram model runs as one batch)."""
        analyses = [self.analyze(x) for x in texts]
        preds = sims = None
        if self.model is not None and texts:
            x = self.model.transform([a.norm.text for a in analyses], normalized=True)
            preds = self.model.predict_matrix(x)
            sims = self.model.similarity(x)
        out = []
        for i, (text, analysis) in enumerate(zip(texts, analyses)):
            out.append(self._score_one(
                text, analysis, lang,
                None if preds is None else preds[i],
                None if sims is None else float(sims[i])))
        return out

    def _score_one(self, text: str, analysis: Analysis, lang: str | None, pred, sim) -> Score:
        code = lang if lang in ("zh", "en") else detect_lang(text)
        topical = self.on_topic(analysis)
        if not topical:
            # no topic cue: still on topic if cues support two criteria, or if the answer
            # is very close to a graded exemplar
            first = self.rule_levels(analysis, False)
            topical = sum(1 for lvl, _, vetoed in first if lvl > 0 or vetoed) >= 2 or (
                sim is not None and sim >= 0.6)
        rule = self.rule_levels(analysis, topical)
        reasons: list[str] = []
        if analysis.keyword_list:
            reasons.append("keyword_list")
        if not topical and not analysis.keyword_list:
            reasons.append("off_topic")
        if analysis.n_chars < _SHORT_CHARS and not analysis.keyword_list:
            reasons.append("too_short")
        crits = []
        disagree = 0
        for j, (crit, (lvl, hits, vetoed)) in enumerate(zip(self.scenario.criteria, rule)):
            m = None if pred is None else float(pred[j])
            final = lvl
            if self.model_moves and m is not None and not vetoed and lvl > 0:
                # the model may move a level one step where the cues found evidence
                if m >= lvl + 0.9 and lvl < crit.max_level:
                    final = lvl + 1
                elif m <= lvl - 1.1 and lvl > 1:
                    final = lvl - 1
            if not topical:
                final = min(final, 1)  # off topic: at most a vague level, and reviewed
            if m is not None and abs(m - lvl) >= _DISAGREE:
                disagree += 1
            ev = self._evidence_spans(analysis, hits)
            quote = "、".join(e.text for e in ev) if code == "zh" else ", ".join(
                f"“{e.text}”" for e in ev)
            fb = feedback_for(crit, final, code, vetoed=vetoed, quote=quote)
            crits.append(CriterionScore(crit.id, final, crit.max_level,
                                        ev if (final > 0 or vetoed) else (), fb, lvl,
                                        None if m is None else round(m, 2), vetoed))
        if disagree >= 2:
            reasons.append("rules_model_disagree")
        if sim is not None and topical and sim < _OFF_TOPIC_SIM and not reasons:
            reasons.append("low_confidence")
        total = total_of([c.level for c in crits], [c.max_level for c in crits])
        return Score(self.scenario.id, total, tuple(crits), code, bool(reasons),
                     tuple(dict.fromkeys(reasons)))

    @staticmethod
    def _evidence_spans(analysis: Analysis, hits: Sequence[Hit]) -> tuple[Evidence, ...]:
        """Evidence in the original text; overlapping hits are reported once."""
        out: list[Evidence] = []
        for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
            start, end = analysis.norm.span(hit.start, hit.end)
            if any(start < e.end and e.start < end for e in out):
                continue
            out.append(Evidence(start, end, analysis.norm.original[start:end], hit.concept))
        return tuple(out)


@lru_cache(maxsize=32)
def _cached_scorer(scenario_id: str, use_model: bool) -> Scorer:
    return Scorer(get_scenario(scenario_id), use_model=use_model)


def get_scorer(scenario_id: str, *, use_model: bool = True) -> Scorer:
    """The (cached) scorer of a scenario, its n-gram model trained on all exemplars.

    >>> get_scorer("dibao-complaint").scenario.id
    'dibao-complaint'
    """
    return _cached_scorer(scenario_id, use_model)


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise UsageError("roleplay.err.text_type", type=type(text).__name__)
    return text


def score(scenario_id: str, text: str, lang: str | None = None) -> Score:
    """Score one trainee answer against a scenario's rubric.

    Parameters
    ----------
    scenario_id : str
        A scenario id, e.g. ``"dibao-complaint"``.
    text : str
        The answer in Chinese (Simplified or Traditional) or English.
    lang : {"zh", "en", "auto", None}
        Language of the feedback; ``None``/``"auto"`` follows the answer.

    Returns
    -------
    Score
        ``total = 100 * sum(levels) / sum(max levels)``; per criterion the level, the
        evidence spans and one feedback sentence.

    Examples
    --------
    >>> s = score("dibao-complaint", "I won't show you the records, there is no need for a review.")
    >>> s.total <= 20
    True
    """
    return get_scorer(scenario_id).score(_check_text(text), lang=lang)


def score_many(scenario_id: str, texts: Sequence[str], lang: str | None = None) -> list[Score]:
    """Score a batch of answers to one scenario (faster than calling :func:`score` often).

    >>> [s.total for s in score_many("dibao-complaint", ["", "低保"])]
    [0.0, 0.0]
    """
    return get_scorer(scenario_id).score_many([_check_text(x) for x in texts], lang=lang)


def levels_of(scores: Sequence[Score]) -> list[Mapping[str, int]]:
    """Criterion levels of each score (helper for agreement tables)."""
    return [s.levels for s in scores]


