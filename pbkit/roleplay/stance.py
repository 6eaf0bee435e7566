"""Stance of each clause: does the speaker commit, refuse, condition, mock or ask?

A cue counts only where the speaker commits to it. This module reads the stance lexicons of
``lessons/scenarios/common/stance.yaml`` (both languages, one place) and decides, per
clause of an answer:

* ``refuse`` — a volitional negator scopes over the action, before it ("我不会去看现场") or
  after it with the object first ("现场我是不会去看的", "宅基地证也不用翻了"); a refusal tail
  follows in the same or the next short clause ("复核？没必要。", "给你看记录，做梦吧",
  "Forget about the review — that's not happening"); a refusal head opens the clause
  ("别指望…", "forget about …"); or the sentence is a rhetorical question ("谁说要去调解？");
* ``mock`` — sarcasm ("等太阳从西边出来我就帮你复核", "when pigs fly");
* ``condition`` — a grudging or open-ended condition ("你非要的话，也许哪天吧", "if you insist,
  maybe someday");
* ``commit`` — otherwise.

Double negatives that mean yes ("不是不能复核", "it's not that I won't call you") and
negations of a bad outcome ("不会让您白跑", "I won't let you down") are masked first. Word
segmentation (jieba, loaded lazily on first use) finds the token boundaries.

>>> refused_at("现场我是不会去看的", 0, 2), refused_at("我会去看现场", 4, 6)
(True, False)
>>> [c.stance for c in stances("复核？没必要。")]
['refuse', 'refuse']
>>> [c.stance for c in stances("不是不能复核，我下周就帮您申请。")]
['commit', 'commit']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["Clause", "Lexicon", "lexicon", "stances", "split_clauses", "refused_at", "segments",
           "is_past", "tokens", "STANCES"]

STANCES = ("commit", "refuse", "condition", "mock", "ask")

_CATEGORIES = ("negators", "negated_harm", "double_negative", "refusal_tails",
               "refusal_heads", "rhetorical", "sarcasm", "conditional", "past_markers",
               "third_person", "second_person")

_CJK = re.compile(r"[\u4e00-\u9fff]")
SENTENCE_RE = re.compile(
    r"[。！？!?；;\n…]+|\.(?=\s|$)|(?<=\S)\s*(?:\d+[.、)）]|[一二三四五六七八九]、)\s*")
CLAUSE_RE = re.compile(
    r"[，,：:]|—+|\s+-\s+"
    r"|但是|可是|不过|然而|但(?![愿凡])"
    r"|\b(?:but|however|although|though|whereas|otherwise)\b")
# words that end the scope of a negation between it and the action
_ZH_BREAK = re.compile(r"如果|要是|只要|然后|而且|并且|同时|但|可以|就|还会|也会|一定|肯定|马上|"
                       r"[我咱他她]")
_ZH_BREAK_AFTER = re.compile(r"如果|要是|只要|然后|而且|并且|同时|但|可以|就要|还会|也会|一定|肯定")
# between an object put first and the negator after it only a subject and adverbs may
# stand ("现场我是不会去看的", "宅基地证也不用翻了", "记录我们可不会给")
_ADVERBS = r"(?:也|都|是|就|可|还|再|根本|肯定|绝对|压根|当然|暂时|一概|从来)*"
_TOPIC_GAP = re.compile(
    r"^\s*(?:(?:[\u4e00-\u9fff]{0,6}?)(?:的事|这事|这个|的话)?\s*(?:我们|咱们|我|俺|咱)"
    + _ADVERBS + r"|(?:的事|这事|这个|的话)?" + _ADVERBS + r")$")
_EN_BREAK = re.compile(r"\b(?:but|so|if|then|because|when|or|until|unless|which|who|also|"
                       r"and)\b")


def _stance_file() -> Path:
    from pbkit.roleplay.models import scenarios_dir

    path = scenarios_dir() / "common" / "stance.yaml"
    if path.is_file():
        return path
    from pbkit.data.sample import repo_root

    return repo_root() / "lessons" / "scenarios" / "common" / "stance.yaml"


def _en_word(pattern: str) -> str:
    return rf"(?<![a-z'])(?:{pattern})(?![a-z])"


@dataclass(frozen=True)
class Lexicon:
    """Compiled stance lexicons: per category, one zh and one en regular expression."""

    zh: dict
    en: dict

    def search(self, category: str, text: str, pos: int = 0):
        """The first match of ``category`` in ``text`` (either language) or None."""
        found = [m for m in (self.zh[category].search(text, pos),
                             self.en[category].search(text, pos)) if m]
        return min(found, key=lambda m: m.start()) if found else None

    def finditer(self, category: str, text: str):
        yield from self.zh[category].finditer(text)
        yield from self.en[category].finditer(text)


@cache
def lexicon() -> Lexicon:
    """The stance lexicons of ``common/stance.yaml``, compiled once.

    >>> bool(lexicon().search("sarcasm", "when pigs fly"))
    True
    """
    from pbkit.yamlconf import YamlDoc

    doc = YamlDoc.from_path(_stance_file(), "common/stance.yaml")
    data = doc.mapping(doc.data, (), allowed=_CATEGORIES)
    zh, en = {}, {}
    for cat in _CATEGORIES:
        entry = doc.mapping(data.get(cat) or {}, (cat,), allowed=("zh", "en"))
        zh_p = doc.patterns(entry.get("zh", []), (cat, "zh"))
        en_p = doc.patterns(entry.get("en", []), (cat, "en"))
        zh[cat] = re.compile("|".join(f"(?:{p})" for p in zh_p) or r"(?!x)x")
        en[cat] = re.compile("|".join(_en_word(p) for p in en_p) or r"(?!x)x")
    return Lexicon(zh, en)


@cache
def _jieba():
    """jieba with its dictionary loaded (once; its modules' old escape warnings muted)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


@cache
def posseg():
    """jieba's part-of-speech tagger (loaded on first use; only note-form items need it)."""
    import warnings

    _jieba()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        import jieba.posseg

    return jieba.posseg


def tokens(text: str) -> list[tuple[int, int]]:
    """Word spans of ``text`` (jieba for Chinese; the dictionary loads on first use).

    >>> [("现场我是不会去看的"[a:b]) for a, b in tokens("现场我是不会去看的")][:4]
    ['现场', '我', '是', '不会']
    """
    out, pos = [], 0
    for tok in _jieba().cut(text, HMM=False):
        out.append((pos, pos + len(tok)))
        pos += len(tok)
    return out


# A-not-A questions ("能不能", "是不是", "有没有") ask; they do not negate
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")


def _mask(text: str, regex: re.Pattern) -> str:
    return regex.sub(lambda m: "_" * len(m.group(0)), text)


@lru_cache(maxsize=8192)
def masked(text: str) -> str:
    """``text`` with double negatives and negations of a bad outcome blanked out."""
    lex = lexicon()
    text = _A_NOT_A.sub(lambda m: "_" * len(m.group(0)), text)
    for cat in ("double_negative", "negated_harm"):
        text = _mask(text, lex.zh[cat])
        text = _mask(text, lex.en[cat])
    return text


@dataclass(frozen=True)
class Clause:
    """A clause of the normalised answer: span, sentence index and stance."""

    start: int
    end: int
    sentence: int
    stance: str


def split_clauses(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, sentence index)`` of every non-blank clause of ``text``."""
    out = []
    for k, (a, b) in enumerate(segments(text, SENTENCE_RE, 0, len(text))):
        for c, d in segments(text, CLAUSE_RE, a, b):
            out.append((c, d, k))
    return out


def segments(text: str, pattern: re.Pattern, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = max(pos, m.end())
    if pos < end:
        out.append((pos, end))
    return [(a, b) for a, b in out if text[a:b].strip()]


_TAIL_WRAP_ZH = r"^\W*(?:那|这|就|也|都|你|我|那你|这事|这个)?(?:是|就)?(?:{})(?:的|了|吧|啊|呀|吗|嘛|儿)*\W*$"
_TAIL_WRAP_EN = (r"^\W*(?:that'?s|that is|it'?s|it is|this is|that|this|it|just|oh)?\s*"
                 r"(?:{})\W*$")


@cache
def _tail_regexes() -> tuple[re.Pattern, re.Pattern]:
    lex = lexicon()
    return (re.compile(_TAIL_WRAP_ZH.format(lex.zh["refusal_tails"].pattern)),
            re.compile(_TAIL_WRAP_EN.format(lex.en["refusal_tails"].pattern)))


def is_tail(clause: str) -> bool:
    """Whether a short clause only refuses or mocks ("没必要", "做梦吧", "that's not
    happening", "good luck with that")."""
    zh, en = _tail_regexes()
    c = clause.strip()
    if zh.match(c) or en.match(c):
        return True
    m = lexicon().search("sarcasm", c)
    return m is not None and len(re.sub(r"\W", "", c[:m.start()] + c[m.end():])) <= 6


def _sentence_ends_question(text: str, end: int) -> bool:
    tail = text[end:end + 3]
    return bool(re.match(r"\s*[?？]", tail))


def stances(text: str) -> list[Clause]:
    """The stance of every clause of normalised ``text`` (see the module docs).

    >>> [c.stance for c in stances("等太阳从西边出来我就帮你复核。")]
    ['mock']
    >>> [c.stance for c in stances("if you insist, maybe someday.")]
    ['condition', 'condition']
    >>> [c.stance for c in stances("谁说要去调解？")]
    ['refuse']
    """
    lex = lexicon()
    clauses = split_clauses(text)
    m_text = masked(text)
    by_sentence: dict[int, list[int]] = {}
    for i, (_, _, k) in enumerate(clauses):
        by_sentence.setdefault(k, []).append(i)
    stance = ["commit"] * len(clauses)
    for idx in by_sentence.values():
        a, b = clauses[idx[0]][0], clauses[idx[-1]][1]
        sent = text[a:b]  # frames are read unmasked ("爱来不来" is no A-not-A question)
        question = _sentence_ends_question(text, b) or bool(re.search(r"[?？]", sent))
        if lex.search("sarcasm", sent):
            mark = "mock"
        elif lex.search("conditional", sent):
            mark = "condition"
        elif question and lex.search("rhetorical", sent):
            mark = "refuse"
        else:
            continue
        for i in idx:
            stance[i] = mark
    for i, (a, b, _) in enumerate(clauses):
        if stance[i] != "commit":
            continue
        clause = m_text[a:b]
        head = lex.search("refusal_heads", clause.lstrip())
        if head is not None and head.start() <= 2:
            stance[i] = "refuse"
        elif is_tail(clause):
            stance[i] = "refuse"
        elif i + 1 < len(clauses) and _short(m_text, clauses[i + 1]):
            # "复核？没必要。" / "宅基地证，我也不会翻" : the next short clause refuses it
            nxt = m_text[clauses[i + 1][0]:clauses[i + 1][1]]
            if is_tail(nxt) or (_bare_topic(clause) and _opens_with_negator(nxt)):
                stance[i] = "refuse"
    return [Clause(a, b, k, s) for (a, b, k), s in zip(clauses, stance)]


def _short(text: str, clause: tuple[int, int, int]) -> bool:
    piece = text[clause[0]:clause[1]]
    n_cjk = len(_CJK.findall(piece))
    n_en = len(re.findall(r"[a-z]+", piece))
    return n_cjk + n_en <= 12 and n_en <= 8


_OPEN_NEG_ZH = re.compile(r"^\W*(?:我|我们|咱|俺)?(?:也|都|就|是|可|还)?(?:{})")


@cache
def _open_neg() -> tuple[re.Pattern, re.Pattern]:
    lex = lexicon()
    return (re.compile(_OPEN_NEG_ZH.pattern.format(lex.zh["negators"].pattern)),
            re.compile(r"^\W*(?:i|we)?\s*(?:{})".format(lex.en["negators"].pattern)))


def _opens_with_negator(clause: str) -> bool:
    zh, _ = _open_neg()
    return bool(zh.match(clause))


def _bare_topic(clause: str) -> bool:
    """A short Chinese clause that only names a thing ("宅基地证", "复核的事")."""
    c = clause.strip()
    return bool(_CJK.search(c)) and len(c) <= 8 and not re.search(
        r"[我你您咱他她]|[会能要可给让去来看查办做说]", c)


def refused_at(clause: str, start: int, end: int) -> bool:
    """Whether a volitional negator in ``clause`` (normalised, masked or not) refuses the
    action at ``clause[start:end]``: before it within the clause with no break word between
    ("我也不打算下个月再打给你"), or after it ("现场我是不会去看的", "I can't promise 一定批").

    >>> refused_at("宅基地证也不用翻了", 0, 4)
    True
    >>> refused_at("您不满意可以申请复核", 6, 10)
    False
    >>> refused_at("我不会让您白跑，三天内答复", 8, 13)
    False
    """
    lex = lexicon()
    text = masked(clause)
    before, after = text[:start], text[end:]
    for cat_re, brk in ((lex.zh["negators"], _ZH_BREAK), (lex.en["negators"], _EN_BREAK)):
        last = None
        for m in cat_re.finditer(before):
            last = m
        if last is not None and not brk.search(before[last.end():]):
            gap = before[last.end():]
            if len(_CJK.findall(gap)) <= 10 and len(re.findall(r"[a-z]+", gap)) <= 8:
                return True
    m = lex.zh["negators"].search(after)
    if m is not None and _TOPIC_GAP.match(after[:m.start()]):
        return True
    # a refusal tail later in the clause: "复核那户就没必要了", "a review isn't necessary"
    m = lex.zh["refusal_tails"].search(after)
    if m is not None and not _ZH_BREAK_AFTER.search(after[:m.start()]) and len(
            _CJK.findall(after[:m.start()])) <= 8:
        return True
    m = lex.en["refusal_tails"].search(after)
    if m is not None and not _EN_BREAK.search(after[:m.start()]) and len(
            re.findall(r"[a-z]+", after[:m.start()])) <= 8:
        return True
    return False


def is_past(clause: str) -> bool:
    """Whether a clause puts its time in the past ("去年", "eight months ago").

    >>> is_past("eight months ago i called you"), is_past("下个月15号前答复您")
    (True, False)
    """
    return lexicon().search("past_markers", clause) is not None


def count(category: str, text: str) -> int:
    """How many matches of a stance category ``text`` has (both languages)."""
    return sum(1 for _ in lexicon().finditer(category, text))
