"""Cue matching with sentence structure and negation scope.

The scorer does not count keywords in a bag. It splits the normalised answer into
sentences, clauses and items, and a cue concept (a set of zh/en regular expressions from the
scenario file) counts only when

* it sits in a sentence that reads as language, not as a list of bare keywords (a sentence
  with a pronoun, a modal verb or a particle, or one that is not mostly short unmarked
  items); an answer that is mostly bare keywords is flagged as a keyword list and no cue
  counts;
* no negation in the same clause scopes over it: "我不会给你看记录", "I won't show you the
  records", "there is no need for a review", "复核就不必了". Negators that attach to an
  adjective ("您不满意可以申请复核", "if you are not satisfied you can ask for a review")
  and double negatives ("不会不管") do not negate the cue.

Conditions over concepts (``any``, ``all`` with ``a|b`` alternatives and ``a+b``
conjunctions, ``min``) decide the levels; :func:`supporting_hits` returns the hits that
made a condition hold, which become the evidence spans. A sentence repeated verbatim adds
nothing, so repeating an answer cannot raise its score.

>>> from pbkit.roleplay.models import Concept
>>> concepts = {"show": Concept("show", ("给(你|您)看",), (r"show you",))}
>>> cues = CueSet(concepts)
>>> sorted(analyze("我给您看公示名单。", cues).present)
['show']
>>> sorted(analyze("我不会给你看记录。", cues).present)
[]
>>> sorted(analyze("I won't show you the records.", cues).present)
[]
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from pbkit.roleplay.models import Concept
from pbkit.roleplay.normalize import Normalized, find_deadlines, normalize
from pbkit.roleplay.stance import (
    CLAUSE_RE,
    SENTENCE_RE,
    is_past,
    masked,
    refused_at,
    segments,
    stances,
)

__all__ = ["CueSet", "Hit", "Analysis", "analyze", "holds", "supporting_hits", "is_negated"]

# ----------------------------------------------------------------------------- structure

_SENTENCE_RE = SENTENCE_RE
_CLAUSE_RE = CLAUSE_RE
_ITEM_RE = re.compile(r"[、/|]|\s{1,}(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+")

_ZH_MARKER = re.compile(
    r"[我你您咱他她它吗呢吧啊呀嘛哦]|大家|双方|各位|阿姨|大娘|大妈|大婶|大姐|大哥|大爷|老乡|兄弟|同志"
    r"|可以|能|会(?!议)|要|请|帮|给|把|让|将|已经|正在|需要|应该|必须|一定|马上|尽快"
    r"|是|有(?!关)|在|就|都|也|还|先|再|然后|的话|了|过来|一起|一下|清楚|明白"
    r"|[咋啥么怎几谁哪这那很太挺真又才刚没不别多着得]|什么|最近|今天|明天|以后|现在|一直")
_EN_MARKER = re.compile(
    r"\b(?:i|i'm|i'll|i've|i'd|me|my|you|your|you're|you'll|we|we'll|we're|our|us|he|she|"
    r"they|them|their|it|it's|let's|let|please|will|would|can|could|should|must|shall|may|"
    r"might|is|are|was|were|be|been|have|has|had|do|does|did|am|going|want|need|sorry|"
    r"thank|thanks|hello|hi)\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z][a-z'’-]*")

# ----------------------------------------------------------------------------- negation

_ZH_NEG = re.compile(r"不|没|(?<![分特区个告级类派性识辨鉴判])别(?![人的处墅致])|无需|无须|甭|勿|"
                     r"未(?!来)|拒绝|休想|用不着|谈不上|免谈")
# compounds where the negator does not negate what follows (or attaches to its own word)
_ZH_NEG_EXEMPT = re.compile(
    r"不仅|不光|不但|不只|不管是|不论|无论|不错|不好意思|对不起|不客气|不断|不少|不久|不妨|"
    r"不要紧|差不多|不得不|不会不|不能不|不是不|没有不|不可不|不定期|"
    r"不满意|不满|不服|不同意|不公平|不公正|不合理|不清楚|不明白|不理解|不放心|不容易|"
    r"不好受|不舒服|不对|不方便|不高兴|不开心|没办法|没钱|没人管|没有人管|不懂|没想到|不知道|"
    r"没时间|不合格|不符合|不够|不是滋味|不好过|不安|不平|不在家|没能|未成年|不到位|"
    r"没顾上|没照顾|未及时|没及时|没做好|没做到|没有做好|没有做到|没有及时|没解释|没有解释|"
    r"不透明|不公开|没公开|没有公开|没公示|没有公示|没听|不听|没去|没来|未缴|没交|没有交|"
    r"没参加|没有参加|未参加|没报|没有报|未报|不缴|不交|不参加|不报|没有缴|没缴|没联系|没有联系|"
    r"不熟|不便|不了解|没了解|不周|不当|不足|不多|不一样|不同")
# A-not-A questions ("能不能", "是不是", "有没有") ask, they do not negate
_ZH_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")
_ZH_POST_NEG = re.compile(
    r"^[^，。,]{0,4}?(?:是?不可能|没必要|不必了?|不用了?|就算了|算了|免谈|没门|不行|"
    r"不需要|不给|不会给|不能给|没有用|没用)")
_ZH_BREAK = re.compile(r"[我你您咱他她]|如果|要是|只要|然后|而且|并且|同时|还会|也会|可以|就")

_EN_NEG = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|cannot|without|refuse|refuses|"
    r"refused|hardly|won't|wont|don't|dont|doesn't|didn't|isn't|aren't|wasn't|weren't|"
    r"can't|cant|couldn't|shouldn't|wouldn't|mustn't|needn't|haven't|hasn't)\b|n't\b")
_EN_NEG_EXEMPT = re.compile(
    r"\b(?:not only|no matter|no doubt|never mind|not just|not hesitate|won't hesitate|"
    r"don't hesitate|wouldn't hesitate|not afraid|don't be afraid|never forget|won't forget|"
    r"not forget|no problem|not a problem|not satisfied|not happy|don't agree|not agree|"
    r"not fair|not clear|don't understand|not sure|don't worry|not easy|no money|not eligible|"
    r"don't know|didn't know|didn't expect|not right|not feel|don't feel|didn't feel|"
    r"not well|not been easy|isn't easy|wasn't easy|isn't fair|wasn't fair|not enough|"
    r"didn't explain|didn't pay|haven't paid|hasn't paid|not paid|didn't attend|"
    r"haven't attended|not attended|haven't sent|not sent|didn't send|no time|not home|"
    r"didn't do|haven't done|not done|didn't tell|no one told|nobody told|not in touch|"
    r"no longer|not transparent|wasn't transparent|not public|not published)\b")
_EN_POST_NEG = re.compile(
    r"^\W{0,3}(?:\w+\W+){0,2}?(?:is|are|was|would be|will be)?\s*(?:not necessary|unnecessary|"
    r"not needed|not possible|impossible|out of the question|pointless|not happening|"
    r"not going to happen|off the table|not an option)")
_EN_BREAK = re.compile(
    r"\b(?:i|you|we|he|she|they|but|so|if|then|because|when|or|until|unless|which|who|"
    r"please|also|will|can)\b")


def is_negated(clause: str, start: int, end: int) -> bool:
    """Whether a negation in ``clause`` scopes over the cue at ``clause[start:end]``.

    >>> is_negated("我不会给你看记录", 4, 7)
    True
    >>> is_negated("您不满意可以申请复核", 6, 10)
    False
    >>> is_negated("there is no need for a review", 23, 29)
    True
    >>> is_negated("if you are not satisfied you can ask for a review", 33, 49)
    False
    """
    before = clause[:start]
    after = clause[end:]
    if _CJK.search(clause[start:end]) or _CJK.search(before[-2:]):
        window = before[-7:]
        masked = _ZH_NEG_EXEMPT.sub(lambda m: "_" * len(m.group(0)), window)
        masked = _ZH_A_NOT_A.sub(lambda m: "_" * len(m.group(0)), masked)
        last = None
        for m in _ZH_NEG.finditer(masked):
            last = m
        if last is not None and not _ZH_BREAK.search(masked[last.end():]):
            return True
        return bool(_ZH_POST_NEG.search(after))
    words_before = before[-60:]
    masked = _EN_NEG_EXEMPT.sub(lambda m: "_" * len(m.group(0)), words_before)
    last = None
    for m in _EN_NEG.finditer(masked):
        last = m
    if last is not None:
        gap = masked[last.end():]
        if len(_WORD.findall(gap)) <= 6 and not _EN_BREAK.search(gap):
            return True
    return bool(_EN_POST_NEG.search(after))


def _post_negated(after: str) -> bool:
    return bool(_ZH_POST_NEG.search(after) or _EN_POST_NEG.search(after))


def _inner_negated(matched: str) -> bool:
    """A negation inside a cue that spans a gap ("记录我不会给你看")."""
    if _CJK.search(matched):
        masked = _ZH_NEG_EXEMPT.sub(lambda m: "_" * len(m.group(0)), matched)
        masked = _ZH_A_NOT_A.sub(lambda m: "_" * len(m.group(0)), masked)
        return bool(_ZH_NEG.search(masked, 1))
    masked = _EN_NEG_EXEMPT.sub(lambda m: "_" * len(m.group(0)), matched)
    first = _WORD.match(masked)
    return bool(_EN_NEG.search(masked, first.end() if first else 0))


# ----------------------------------------------------------------------------- matching


def _compile(patterns: tuple[str, ...], flags: int) -> tuple[re.Pattern, ...]:
    """Patterns that start with a literal share one alternation (the regex engine can skip
    ahead on their first characters); the others are compiled one by one, which keeps the
    fast path for the rest (about twice as fast as one alternation of everything)."""
    literal = [p for p in patterns if p and p[0] not in "(.[\\^"]
    other = [p for p in patterns if not (p and p[0] not in "(.[\\^")]
    out = [re.compile("|".join(f"(?:{p})" for p in literal), flags)] if literal else []
    out.extend(re.compile(p, flags) for p in other)
    return tuple(out)


def _en_bounded(pattern: str) -> str:
    """An English cue matches from the start of a word: "ring you" never inside "bring you"."""
    return pattern if pattern.startswith(("\\b", "^", "(?<")) else f"(?<![a-z]){pattern}"


_LITERAL_RUN = re.compile(r"[\u4e00-\u9fff]{2,6}")


class CueSet:
    """Compiled cue concepts of one scenario (one regex per concept and language).

    ``vocabulary`` holds the Chinese words written in the cue patterns (literal runs of
    2-6 characters), keyed by their toneless pinyin: the homophone pass of :func:`analyze`
    reads a typo with the same pinyin as one of these words as the word ("附核" -> "复核").
    """

    def __init__(self, concepts: Mapping[str, Concept]) -> None:
        self.concepts = dict(concepts)
        self.zh: list[tuple[str, tuple[re.Pattern, ...], bool, bool]] = []
        self.en: list[tuple[str, tuple[re.Pattern, ...], bool, bool]] = []
        words: set[str] = set()
        for cid, concept in self.concepts.items():
            flags = (concept.negatable, concept.inner_negation)
            if concept.zh:
                self.zh.append((cid, _compile(concept.zh, 0), *flags))
                for pat in concept.zh:
                    words.update(_LITERAL_RUN.findall(pat))
            if concept.en:
                self.en.append((cid, _compile(tuple(_en_bounded(p) for p in concept.en),
                                              re.IGNORECASE), *flags))
        self.words = frozenset(words)

    @cached_property
    def vocabulary(self) -> Mapping[tuple[str, ...], str]:
        return _vocabulary(self.words)


@lru_cache(maxsize=64)
def _vocabulary(words: frozenset[str]) -> Mapping[tuple[str, ...], str]:
    """Toneless pinyin -> cue word (shared by every scorer of a scenario, e.g. CV folds)."""
    from pbkit.roleplay.homophones import pinyin_key

    out: dict[tuple[str, ...], str] = {}
    for w in sorted(words):
        out.setdefault(pinyin_key(w), w)
    return out


@dataclass(frozen=True)
class Hit:
    """A cue found in the answer: concept id and span in the normalised text.

    ``stance`` is the stance of its clause (see :mod:`pbkit.roleplay.stance`); a hit counts
    only when it is not negated and sits in a sentence that reads as language.
    """

    concept: str
    start: int
    end: int
    negated: bool = False
    counted: bool = True
    stance: str = "commit"


@dataclass(frozen=True)
class Analysis:
    """The cues of one answer.

    ``present`` holds the concepts with at least one counted, non-negated hit;
    ``keyword_list`` is True when most items are bare keywords; ``clauses`` are the
    clauses with their stance; ``flags`` the stance review flags (``sarcasm``,
    ``conditional``).
    """

    norm: Normalized
    hits: tuple[Hit, ...]
    n_items: int
    n_bare: int
    keyword_list: bool
    n_chars: int
    present_map: Mapping[str, tuple[Hit, ...]] = field(compare=False, repr=False)
    clauses: tuple = ()
    flags: tuple[str, ...] = ()
    text: str = ""

    @cached_property
    def present(self) -> frozenset[str]:
        return frozenset(self.present_map)

    def first(self, concept: str) -> Hit | None:
        hits = self.present_map.get(concept)
        return hits[0] if hits else None

    def clause_of(self, pos: int):
        """The clause (see :class:`pbkit.roleplay.stance.Clause`) holding ``pos``."""
        for c in self.clauses:
            if c.start <= pos < c.end:
                return c
        return None


# note-form items start with a verb and have an object ("查阅宅基地证", "visit the site");
# keywords are bare nouns or lone verbs ("宅基地证", "复核", "recusal")
_ZH_VERB_LEAD = re.compile(
    r"^\s*(?:先|再|要|并|然后|最后|首先|其次)?(?:查阅|查看|调取|调出|询问|倾听|安抚|解释|讲清|讲明|说明|"
    r"告知|答复|回复|回访|复核|核查|核实|重新|召开|组织|协调|疏通|表明|引用|提出|提醒|邀请|介绍|"
    r"联系|帮助|帮|请|让|问|听|讲|看|查|给|发|送|陪|带|约|签|写|列|拉|加|到|去|对|向|跟|把|为)"
    r"[\u4e00-\u9fff]{2,}")
_EN_VERB_LEAD = re.compile(
    r"^\s*(?:then\s+|first\s+|finally\s+)?(?:visit|check|ask|explain|tell|listen|hear|calm|"
    r"apologi[sz]e|offer|show|call|send|write|help|review|re-?check|propose|sign|meet|contact|"
    r"invite|thank|state|cite|mention|arrange|follow|return|acknowledge|restate|give|set|"
    r"agree|invite|connect|add|reopen|clear|share|split|name|list|walk|inspect|talk|speak|"
    r"make|keep|let|take|bring|go|come|put|open|post|publish|recuse|assign|pull|print|copy|"
    r"prepare|submit|file|apply|hold|convene|verify|investigate|inform|notify|phone|ring|"
    r"record|draft|hand|collect|fill|compare|measure|photograph|document|report)\s+\S+")


def _zh_action(piece: str) -> bool:
    """A Chinese note that is an action with an object (a verb, then a noun), by jieba's
    part-of-speech tags ("看现场", "调取评议记录"); "低保复核" is a keyword."""
    from pbkit.roleplay.stance import posseg

    seen_verb = False
    for w in posseg().lcut(piece, HMM=False):
        if w.flag.startswith("v") and len(w.word) >= 1:
            seen_verb = True
        elif seen_verb and w.flag[:1] in ("n", "r", "m", "t", "s"):
            return True
    return False


_PUNCT_OR_NUMBER = re.compile(r"[，。,.;；：:!?！？\n]|\d")


def _is_bare(piece: str, spaced: bool = False) -> bool:
    """A short item without any marker of a sentence and not a verb-led note: a keyword.

    In an answer whose items are separated only by spaces (no punctuation, no numbering)
    a verb-object item ("肯定贡献") still reads as a keyword; in a punctuated or numbered
    plan it is an action ("调取评议记录")."""
    if _CJK.search(piece):
        return (not _ZH_MARKER.search(piece) and len(_CJK.findall(piece)) <= 6
                and not _ZH_VERB_LEAD.search(piece) and (spaced or not _zh_action(piece)))
    return (not _EN_MARKER.search(piece) and len(_WORD.findall(piece)) <= 3
            and not _EN_VERB_LEAD.search(piece))


_EN_FUNCTION = re.compile(
    r"\b(?:the|a|an|to|of|for|with|and|or|in|on|at|by|from|per|this|that|these|those|only|"
    r"one|all|each|every|more|most|very|not|no|as|than|about|into|after|before|who|which)\b|"
    r"\d|\w+(?:ed|ing|ly)\b")


def _en_run_items(piece: str) -> int:
    """English keywords separated only by spaces ("recusal appeal hotline review"): the
    number of bare words, 0 when the piece reads as a phrase."""
    words = _WORD.findall(piece)
    if _CJK.search(piece) or len(words) < 4 or _EN_MARKER.search(piece):
        return 0
    if _EN_VERB_LEAD.search(piece) or _EN_FUNCTION.search(piece):
        return 0
    return len(words)


def _deadline_hits(s: str, st, clause_at, structured_sentences) -> list[Hit]:
    """``@deadline`` hits: a date counts only in a committing clause, not in the past
    ("三个月前", "last month, on May 3rd") and not under a refusal ("我也不打算下个月再…")."""
    out = []
    for d in find_deadlines(s, normalized=True):
        sentence_ok = any(ok for a, b, ok in structured_sentences if a <= d.start < b)
        cl = clause_at(d.start)
        stance = cl.stance if cl is not None else "commit"
        neg = d.kind == "past" or stance != "commit"
        if cl is not None and not neg:
            clause = s[cl.start:cl.end]
            # a past marker earlier in the sentence or in the date's clause
            head = min(c.start for c in st if c.sentence == cl.sentence)
            neg = is_past(s[head:cl.end]) or refused_at(
                clause, d.start - cl.start, d.end - cl.start)
        out.append(Hit("@deadline", d.start, d.end, neg, sentence_ok, stance))
    return out


def analyze(text: str, cues: CueSet) -> Analysis:
    """Find the cue concepts of ``cues`` in ``text`` with structure and negation checks.

    Parameters
    ----------
    text : str
        The raw answer.
    cues : CueSet
        The scenario's compiled concepts.

    Returns
    -------
    Analysis

    Examples
    --------
    >>> from pbkit.roleplay.models import Concept
    >>> cues = CueSet({"review": Concept("review", ("复核",), ("review",))})
    >>> a = analyze("低保 复核 公示 回避 临时救助", cues)
    >>> a.keyword_list, sorted(a.present)
    (True, [])
    >>> sorted(analyze("您可以申请复核。", cues).present)
    ['review']
    """
    norm = normalize(text)
    s = norm.text
    hits: list[Hit] = []
    seen_sentences: set[str] = set()
    n_items = n_bare = 0
    sentences = segments(s, _SENTENCE_RE, 0, len(s))
    structured_sentences: list[tuple[int, int, bool]] = []
    sentence_clauses: list[list[tuple[int, int]]] = []
    duplicate: list[bool] = []
    chars = ["\n"] * len(s)
    spaced = not _PUNCT_OR_NUMBER.search(s)
    for s_start, s_end in sentences:
        clauses = []
        s_items = s_bare = 0
        for c_start, c_end in segments(s, _CLAUSE_RE, s_start, s_end):
            items = [(a, b) for a, b in segments(s, _ITEM_RE, c_start, c_end)
                     if _CJK.search(s[a:b]) or _WORD.search(s[a:b])]
            bare = 0
            whole = (c_start, c_end) == (s_start, s_end) or not s[s_start:c_start].strip()
            for a, b in items:
                run = _en_run_items(s[a:b]) if whole and len(items) == 1 else 0
                s_items += max(run - 1, 0)
                bare += run or _is_bare(s[a:b], spaced)
            s_items += len(items)
            s_bare += bare
            clauses.append((c_start, c_end))
        n_items += s_items
        n_bare += s_bare
        sentence = s[s_start:s_end]
        # a sentence counts unless it is a list of bare keywords
        structured = bool(_ZH_MARKER.search(sentence) or _EN_MARKER.search(sentence)) or (
            s_items < 3 or s_bare * 4 < 3 * s_items)
        structured_sentences.append((s_start, s_end, structured))
        sentence_clauses.append(clauses)
        key = sentence.strip()
        duplicate.append(key in seen_sentences)  # a repeated sentence adds nothing
        seen_sentences.add(key)
        chars[s_start:s_end] = sentence
    # one pass per concept over the whole text; sentence separators become newlines so a
    # pattern never reaches across sentences; homophone typos read as the cue word
    flat = "".join(chars)
    has_zh = bool(_CJK.search(s))
    if has_zh:
        from pbkit.roleplay.homophones import repair

        flat = repair(flat, cues.vocabulary, cues.words)
    st = stances(s)
    st_starts = [c.start for c in st]

    def clause_at(pos: int):
        i = bisect_right(st_starts, pos) - 1
        return st[i] if i >= 0 and pos < st[i].end else None

    starts = [a for a, _ in sentences]
    pats = cues.zh if has_zh else []
    if re.search(r"[a-z]", s):
        pats = pats + cues.en
    for cid, regexes, negatable, inner in pats:
        for m in (m for regex in regexes for m in regex.finditer(flat)):
            if m.end() == m.start():
                continue
            k = bisect_right(starts, m.start()) - 1
            if k < 0 or duplicate[k]:
                continue
            s_start, s_end, structured = structured_sentences[k]
            if m.end() > s_end:
                continue
            neg = False
            cl = clause_at(m.start())
            stance = cl.stance if cl is not None else "commit"
            if negatable:
                clauses = sentence_clauses[k]
                c1 = next((c for c in clauses if c[0] <= m.start() < c[1]), (s_start, s_end))
                c2 = next((c for c in clauses if c[0] < m.end() <= c[1]), c1)
                # double negatives ("不是不能", "not that I won't") and negated harms
                # ("不会让您白跑") are blanked out first: they do not refuse
                first = masked(flat[c1[0]:c1[1]])
                neg = is_negated(first, m.start() - c1[0], min(m.end(), c1[1]) - c1[0])
                if not neg and c2 != c1:
                    last = masked(flat[c2[0]:c2[1]])
                    neg = bool(_post_negated(last[m.end() - c2[0]:]))
                if not neg and inner:
                    neg = _inner_negated(masked(m.group(0)))
                if not neg:
                    neg = stance != "commit" or refused_at(
                        first, m.start() - c1[0], min(m.end(), c1[1]) - c1[0])
            hits.append(Hit(cid, m.start(), m.end(), neg, structured, stance))
    hits.extend(_deadline_hits(s, st, clause_at, structured_sentences))
    hits.sort(key=lambda h: (h.start, h.end))
    present: dict[str, list[Hit]] = {}
    for h in hits:
        if h.counted and not h.negated:
            present.setdefault(h.concept, []).append(h)
    keyword_list = n_items >= 4 and n_bare >= 0.7 * n_items
    if keyword_list:
        present = {}
    flags = []
    if any(c.stance == "mock" for c in st):
        flags.append("sarcasm")
    if any(c.stance == "condition" for c in st):
        flags.append("conditional")
    return Analysis(norm, tuple(hits), n_items, n_bare, keyword_list,
                    len(s.strip()), {k: tuple(v) for k, v in present.items()},
                    tuple(st), tuple(flags), s)


# ----------------------------------------------------------------------------- conditions


def _alt_present(item: str, present: Iterable[str]) -> str | None:
    """The first alternative of ``a|b+c`` whose concepts are all present."""
    for alt in item.split("|"):
        if all(name in present for name in alt.split("+")):
            return alt
    return None


def holds(cond: Mapping[str, Any] | None, present: frozenset[str] | set[str]) -> bool:
    """Whether a level condition holds for the set of present concepts.

    >>> holds({"any": ["a", "b"]}, {"b"}), holds({"all": ["a|c", "b"]}, {"c", "b"})
    (True, True)
    >>> holds({"min": {"n": 2, "of": ["a", "b", "c"]}}, {"a"})
    False
    >>> holds({"any": ["a+b", "c"]}, {"a"}), holds({"any": ["a+b", "c"]}, {"a", "b"})
    (False, True)
    """
    if not cond:
        return False
    for key, value in cond.items():
        if key == "any" and not any(_alt_present(str(v), present) for v in value):
            return False
        if key == "all" and not all(_alt_present(str(v), present) for v in value):
            return False
        if key == "min":
            found = {v for v in value["of"] if v in present}
            if len(found) < int(value["n"]):
                return False
    return True


def supporting_hits(cond: Mapping[str, Any], analysis: Analysis) -> list[Hit]:
    """The first hit of every concept that makes ``cond`` hold (the evidence)."""
    names: list[str] = []
    for key, value in cond.items():
        items = value["of"] if key == "min" else value
        for item in items:
            alt = _alt_present(str(item), analysis.present)
            for name in (alt.split("+") if alt else []):
                if name not in names:
                    names.append(name)
    out = []
    for name in names:
        hit = analysis.first(name)
        if hit is not None:
            out.append(hit)
    return sorted(out, key=lambda h: h.start)
