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

A cue counts only in a clause where the speaker commits to it (not in a refusal, a
sarcastic or grudging clause; see :mod:`pbkit.roleplay.stance`). An answer that mostly
repeats the scenario or talks about the villager instead of to her (see
:mod:`pbkit.roleplay.guards`) gets no level and is marked for review, as are sarcastic and
grudging ones. Evidence spans are whole phrases (the clause, when short). The feedback fits
the answer: it quotes what earned the level, keeps only the parts of the criterion's tip the
answer has not done yet, marks an improper statement apart, and never praises the top level
of an answer marked for review.

``total = 100 * sum(levels) / sum(max levels)``.

>>> s = score("dibao-complaint", "大娘，您先坐下慢慢说，我理解您的难处。")
>>> s.total, s.criteria[0].id, s.criteria[0].level
(20.0, 'acknowledge', 2)
>>> s.criteria[0].evidence[0].text
'您先坐下慢慢说'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from pbkit.errors import UsageError
from pbkit.i18n import resolve_lang, t
from pbkit.roleplay.cues import Analysis, CueSet, Hit, analyze, holds, supporting_hits
from pbkit.roleplay.models import Criterion, Exemplar, Scenario, get_scenario
from pbkit.roleplay.normalize import detect_lang, normalize

__all__ = [
    "Evidence",
    "CriterionScore",
    "Score",
    "Scorer",
    "score",
    "score_many",
    "get_scorer",
    "total_of",
    "feedback_for",
    "answer_feedback",
    "remaining_tip",
    "phrase_span",
    "check_answer",
    "max_answer_chars",
    "REVIEW_REASONS",
]

REVIEW_REASONS = ("off_topic", "keyword_list", "low_confidence", "rules_model_disagree",
                  "too_short", "sarcasm", "conditional", "copies_scenario", "not_addressed")

# thresholds of the review flags (data, in one place)
_DISAGREE = 1.5          # |model - rules| at or above this marks disagreement
_OFF_TOPIC_SIM = 0.25    # nearest-exemplar cosine below this (and no topic cue) = off topic
_SHORT_CHARS = 12        # answers shorter than this are hard to judge
_GUARD_CAP = 20          # the most a report or lecture about the villager can total
_DISAGREE_TOTAL = 20     # model total above the rules' by this many points = disagreement
_LONG_CHARS = {"zh": 90, "en": 300}  # a long answer ...
_LONG_LOW = 40           # ... whose total is below this is reviewed (own words?)


@dataclass(frozen=True)
class Evidence:
    """A span of the answer as typed that supports a level (``turn`` in a conversation)."""

    start: int
    end: int
    text: str
    cue: str
    turn: int | None = None
    improper: bool = False

    def to_dict(self) -> dict[str, Any]:
        """``start, end, text, cue``; ``turn`` in a conversation; ``improper: true`` for an
        improper statement (a veto), which is marked apart from evidence that earned a
        level."""
        out: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text,
                               "cue": self.cue}
        if self.turn is not None:
            out["turn"] = self.turn
        if self.improper:
            out["improper"] = True
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


# words too common to show that a tip clause was done
_STOP_ZH = frozenset("我们 你们 您们 她们 他们 可以 告诉 一下 什么 怎么 怎样 这个 那个 如果 就是 还是 "
                     "已经 自己 大家 一起 时候 现在 以后 然后 还要 需要 应该 一定 事情 情况 问题 "
                     "具体 清楚 这样 那样 多少 知道 觉得 不要 没有 不是".split())
_FUNCTION_ZH = re.compile("[的了她他您你我是在和把给要就也都还再这那个些么吗吧呢啊不没很让请一]")
_STOP_EN = frozenset("about there their them they which would could should explain where "
                     "whether these those other every thing things still first after before "
                     "while being doing going really right heard herself himself yourself "
                     "someone something anything because again never always your".split())


@lru_cache(maxsize=8192)
def _content_words(text: str) -> frozenset[str]:
    """Distinctive words of normalised ``text``: Chinese character pairs without function
    characters (robust to segmentation: "乡镇定" still holds "乡镇"), English words of five
    or more letters (crude stem: their first six letters)."""
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", text):
        out.update(p for i in range(len(run) - 1) if (p := run[i:i + 2]) not in _STOP_ZH
                   and not _FUNCTION_ZH.search(p))
    out.update(w[:6] for w in re.findall(r"[a-z]{5,}", text) if w not in _STOP_EN)
    return frozenset(out)


@lru_cache(maxsize=1024)
def _normalized_parts(tip: str, lang: str) -> tuple[str, ...]:
    return tuple(normalize(p).text for p in _tip_parts(tip, lang))


def _tip_parts(tip: str, lang: str) -> list[str]:
    """A tip cut into its clauses (each says one thing to do)."""
    sep = r"[，；。,;]|——|\s—\s" if lang == "zh" else r"[;。；]|\s—\s|,\s(?:and|then)\s|\.\s|,\s"
    return [p.strip() for p in re.split(sep, tip) if p and p.strip(" .。")]


def level_concepts(crit: Criterion) -> frozenset[str]:
    """The concepts named in a criterion's conditions for levels 2 and 3 (not its veto,
    not the vague level 1: "别只说公平" stays in the tip of an answer that only said 公平).

    >>> sorted(level_concepts(get_scenario("dibao-complaint").criterion("acknowledge")))
    ['feelings', 'invite', 'restate']
    """
    names: set[str] = set()
    levels = crit.scoring.get("levels", {})
    for cond in (levels.get(2), levels.get(3)):
        for key, value in (cond or {}).items():
            items = value["of"] if key == "min" else value
            for item in items:
                names.update(n for alt in str(item).split("|") for n in alt.split("+"))
    return frozenset(n for n in names if not n.startswith("@"))


def remaining_tip(crit: Criterion, lang: str, cues: CueSet | None,
                  present: frozenset[str] | set[str], evidence: Sequence[str] = ()) -> str:
    """The criterion's tip without the clauses that ask for what the answer already did.

    A clause of the tip is dropped when one of the scenario's cue concepts present in the
    answer matches it (the tip "…并告诉她可以申请复核" loses that clause once the answer
    explained 复核). A clause that shares a content word with ``evidence`` (the answer's
    normalised words that earned this criterion's level) is dropped too ("township officials
    decide" once the answer said "the township approves"). With nothing dropped the tip is
    returned as written; with everything dropped, ``""``.

    >>> sc = get_scenario("dibao-complaint")
    >>> crit = sc.criterion("procedure")
    >>> remaining_tip(crit, "zh", CueSet(sc.concepts), set()) == crit.tip.zh
    True
    >>> "复核" in remaining_tip(crit, "zh", CueSet(sc.concepts), {"objection"})
    False
    """
    tip = crit.tip.get(lang)
    if cues is None or not present:
        return tip
    # only what earns this criterion's levels counts as done (a veto's tip stays)
    present = set(present) & level_concepts(crit)
    pats = cues.zh if lang == "zh" else cues.en
    parts = _tip_parts(tip, lang)
    keep = []
    said = _content_words(" ".join(evidence)) if evidence else frozenset()
    for part, norm in zip(parts, _normalized_parts(tip, lang)):
        done = any(cid in present and any(r.search(norm) for r in regexes)
                   for cid, regexes, _, _ in pats) or bool(said & _content_words(norm))
        if not done:
            keep.append(part)
    if len(keep) == len(parts):
        return tip
    if not keep:
        return ""
    joined = ("，" if lang == "zh" else ", ").join(keep).rstrip("。.!！")
    return joined + ("。" if lang == "zh" else ".")


def answer_feedback(crit: Criterion, level: int, lang: str, *, done: str = "",
                    improper: str = "", flagged: bool = False, cues: CueSet | None = None,
                    present: frozenset[str] | set[str] = frozenset(),
                    evidence: Sequence[str] = ()) -> str:
    """Feedback that fits this answer: what it did well (``done``, quoted evidence), what
    is still missing (the tip without what was done), an improper statement marked apart
    (``improper``); never top-level praise for an answer marked for review (``flagged``).

    >>> crit = get_scenario("dibao-complaint").criterion("procedure")
    >>> answer_feedback(crit, 3, "zh", done="“入户调查”")
    '“讲清程序”已达最高级：“入户调查”。'
    >>> answer_feedback(crit, 3, "en", flagged=True).startswith("'Explain the procedure': ")
    True
    """
    name = crit.name.get(lang)
    tip = remaining_tip(crit, lang, cues, present, () if improper else evidence)
    if improper:
        return t("roleplay.feedback.veto", lang=lang, quote=improper,
                 tip=tip or t("roleplay.feedback.more", lang=lang))
    if level >= crit.max_level:
        if flagged:
            return t("roleplay.feedback.flagged", lang=lang, name=name)
        if done:
            return t("roleplay.feedback.top_done", lang=lang, name=name, done=done)
        return t("roleplay.feedback.top", lang=lang, name=name)
    tip = tip or t("roleplay.feedback.more", lang=lang)
    if done:
        return t("roleplay.feedback.done_next", lang=lang, name=name, done=done, tip=tip)
    return t("roleplay.feedback.next", lang=lang, name=name, tip=tip)


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
        reasons = self._guard_reasons(analysis, topical)
        void = "copies_scenario" in reasons
        # a report or lecture about her: at most a vague level on a few criteria (<= 20)
        lecture_budget = int(_GUARD_CAP * sum(c.max_level for c in self.scenario.criteria)
                             / 100) if "not_addressed" in reasons else None
        crits = []
        disagree = 0
        for j, (crit, (lvl, hits, vetoed)) in enumerate(zip(self.scenario.criteria, rule)):
            m = None if pred is None else float(pred[j])
            final = self._final_level(crit, lvl, m, vetoed, topical)
            if void:
                final = 0  # the scenario pasted back: no level, and reviewed
            elif lecture_budget is not None:
                final = min(final, 1, lecture_budget)
                lecture_budget -= final
            if m is not None and abs(m - lvl) >= _DISAGREE:
                disagree += 1
            ev = self._evidence_spans(analysis, hits, improper=vetoed) if (
                final > 0 or vetoed) else ()
            crits.append(CriterionScore(
                crit.id, final, crit.max_level, ev,
                self._feedback(crit, final, code, ev, vetoed, bool(reasons), analysis),
                lvl, None if m is None else round(m, 2), vetoed))
        if disagree >= 2 or (pred is not None and not reasons and 100 * (
                float(sum(pred)) - sum(lvl for lvl, _, _ in rule)) / sum(
                c.max_level for c in crits) >= _DISAGREE_TOTAL):
            reasons.append("rules_model_disagree")
        if not reasons and analysis.n_chars >= _LONG_CHARS.get(code, 200) and sum(
                c.level for c in crits) * 100 < _LONG_LOW * sum(c.max_level for c in crits):
            reasons.append("low_confidence")  # a long answer with few cues: own words?
        if sim is not None and topical and sim < _OFF_TOPIC_SIM and not reasons:
            reasons.append("low_confidence")
        total = total_of([c.level for c in crits], [c.max_level for c in crits])
        return Score(self.scenario.id, total, tuple(crits), code, bool(reasons),
                     tuple(dict.fromkeys(reasons)))

    def _final_level(self, crit: Criterion, lvl: int, m: float | None, vetoed: bool,
                     topical: bool) -> int:
        final = lvl
        if self.model_moves and m is not None and not vetoed and lvl > 0:
            # the model may move a level one step where the cues found evidence
            if m >= lvl + 0.9 and lvl < crit.max_level:
                final = lvl + 1
            elif m <= lvl - 1.1 and lvl > 1:
                final = lvl - 1
        if not topical:
            final = min(final, 1)  # off topic: at most a vague level, and reviewed
        return final

    def _guard_reasons(self, analysis: Analysis, topical: bool) -> list[str]:
        """Review reasons from the structure of the answer (before the model's)."""
        from pbkit.roleplay.guards import copies_scenario, not_addressed

        reasons: list[str] = []
        if analysis.keyword_list:
            reasons.append("keyword_list")
        if not topical and not analysis.keyword_list:
            reasons.append("off_topic")
        if analysis.n_chars < _SHORT_CHARS and not analysis.keyword_list:
            reasons.append("too_short")
        reasons.extend(analysis.flags)
        if copies_scenario(analysis.text, self.scenario_grams, normalized=True):
            reasons.append("copies_scenario")
        elif not_addressed(analysis.text, normalized=True):
            reasons.append("not_addressed")
        return reasons

    @cached_property
    def scenario_grams(self) -> frozenset[str]:
        from pbkit.roleplay.guards import scenario_grams

        return scenario_grams(self.scenario)

    def _feedback(self, crit: Criterion, level: int, lang: str, ev: Sequence[Evidence],
                  vetoed: bool, flagged: bool, analysis: Analysis) -> str:
        quotes = [e.text for e in ev]
        joined = "、".join(f"“{q}”" for q in quotes) if lang == "zh" else ", ".join(
            f"“{q}”" for q in quotes)
        if vetoed:
            return answer_feedback(crit, 0, lang, improper=joined or "—", cues=self.cues,
                                   present=analysis.present)
        return answer_feedback(crit, level, lang, done=joined, flagged=flagged,
                               cues=self.cues, present=analysis.present,
                               evidence=[normalize(q).text for q in quotes])

    @staticmethod
    def _evidence_spans(analysis: Analysis, hits: Sequence[Hit], *,
                        improper: bool = False) -> tuple[Evidence, ...]:
        """Evidence in the original text, each a whole phrase: the clause of the hit when
        the clause is short, else the hit widened to word boundaries. Overlapping spans are
        reported once."""
        out: list[Evidence] = []
        for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
            a, b = phrase_span(analysis, hit.start, hit.end)
            start, end = analysis.norm.span(a, b)
            if any(start < e.end and e.start < end for e in out):
                continue
            out.append(Evidence(start, end, analysis.norm.original[start:end], hit.concept,
                                improper=improper))
        return tuple(out)


_PHRASE_MAX = 24        # a clause up to this many characters is quoted whole


def phrase_span(analysis: Analysis, start: int, end: int) -> tuple[int, int]:
    """The span of the whole phrase around ``text[start:end]`` (normalised text): its clause
    when that is short, else the span widened to word boundaries.

    >>> from pbkit.roleplay.cues import analyze
    >>> a = get_scorer("dibao-complaint", use_model=False).analyze("最后由乡镇政府审核确认。")
    >>> a.text[slice(*phrase_span(a, 3, 8))]
    '最后由乡镇政府审核确认'
    """
    text = analysis.text
    clause = analysis.clause_of(start)
    if clause is not None and clause.end >= end:
        a, b = clause.start, clause.end
        while a < b and not text[a].isalnum():
            a += 1
        while b > a and not text[b - 1].isalnum():
            b -= 1
        if b - a <= _PHRASE_MAX or (not _CJK_RE.search(text[a:b])
                                    and len(text[a:b].split()) <= 12):
            return (min(a, start), max(b, end))
    if _CJK_RE.search(text[start:end]):
        from pbkit.roleplay.stance import tokens

        lo = max(0, start - 8)
        for x, y in tokens(text[lo:min(len(text), end + 8)]):
            if x + lo < start < y + lo:
                start = x + lo
            if x + lo < end < y + lo:
                end = y + lo
        return (start, end)
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return (start, end)


_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=32)
def _cached_scorer(scenario_id: str, use_model: bool) -> Scorer:
    return Scorer(get_scenario(scenario_id), use_model=use_model)


def get_scorer(scenario_id: str, *, use_model: bool = True) -> Scorer:
    """The (cached) scorer of a scenario, its n-gram model trained on all exemplars.

    >>> get_scorer("dibao-complaint").scenario.id
    'dibao-complaint'
    """
    return _cached_scorer(scenario_id, use_model)


def max_answer_chars() -> int:
    """The longest answer scored: the same bound the practice app and the results store
    apply to one answer (:attr:`pbkit.store.limits.StoreLimits.max_turn_chars`).

    >>> max_answer_chars()
    4000
    """
    from pbkit.store.limits import DEFAULT_LIMITS

    return DEFAULT_LIMITS.max_turn_chars


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_answer(text: Any) -> str:
    """The answer as it will be scored: any ``str`` up to :func:`max_answer_chars`
    characters; lone surrogates become U+FFFD (same length, so evidence offsets hold and
    the evidence prints). Anything else raises :class:`UsageError` with a bilingual message.

    >>> check_answer("复核" + chr(0xDC80))
    '复核\ufffd'
    """
    if not isinstance(text, str):
        raise UsageError("roleplay.err.text_type", type=type(text).__name__)
    limit = max_answer_chars()
    if len(text) > limit:
        raise UsageError("roleplay.err.too_long", length=len(text), max=limit)
    return _SURROGATE.sub("\ufffd", text)


_check_text = check_answer


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


