"""Homophone typos: read a word typed with the wrong characters of the same pinyin as the
cue word it stands for.

Most typos made with a pinyin input method pick another character of the same sound
("附核" for "复核", "公式" for "公示"). :func:`repair` replaces, in the normalised answer, a
run of characters whose toneless pinyin equals that of a cue word by the cue word itself,
so the cue patterns match. It keeps the text's length (offsets still point at what the
trainee typed) and replaces a run only when

* it lies on word boundaries (jieba), so "我们会比较" never turns into "我们回避较";
* no character of it belongs to a cue word typed correctly ("三会一课" stays);
* it is not a common word in its own right (jieba's dictionary frequency below
  :data:`COMMON_WORD_FREQ`), so "时间" never becomes "事件".

pypinyin and jieba work offline; both load on first use.

>>> from pbkit.roleplay.homophones import pinyin_key, repair
>>> vocab = {pinyin_key("复核"): "复核"}
>>> repair("您可以申请附核", vocab, frozenset({"复核"}))
'您可以申请复核'
>>> repair("我们会比较", {pinyin_key("回避"): "回避"}, frozenset({"回避"}))
'我们会比较'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache, lru_cache

__all__ = ["pinyin_key", "repair", "COMMON_WORD_FREQ"]

COMMON_WORD_FREQ = 2000
"""A run that is a dictionary word at least this frequent is never replaced."""

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


@cache
def _pinyin():
    from pypinyin import lazy_pinyin

    return lazy_pinyin


@lru_cache(maxsize=8192)
def pinyin_key(word: str) -> tuple[str, ...]:
    """Toneless pinyin of each character of ``word``.

    >>> pinyin_key("复核") == pinyin_key("附核")
    True
    """
    return tuple(_pinyin()(word, errors=lambda x: list(x)))


def _freq(word: str) -> int:
    from pbkit.roleplay.stance import _jieba

    return int(_jieba().dt.FREQ.get(word) or 0)


@lru_cache(maxsize=64)
def _protect_regex(words: frozenset[str]) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
                      or r"(?!x)x")


def repair(text: str, vocabulary: Mapping[tuple[str, ...], str],
           words: frozenset[str]) -> str:
    """``text`` with homophone typos of the ``vocabulary`` words replaced (same length).

    Parameters
    ----------
    text : str
        Normalised answer text.
    vocabulary : mapping
        Toneless pinyin tuple -> cue word.
    words : frozenset of str
        The cue words themselves (a run that already is one is left alone).
    """
    if not vocabulary:
        return text
    protect = _protect_regex(words)
    lengths = sorted({len(k) for k in vocabulary}, reverse=True)
    from pbkit.roleplay.stance import tokens

    out = list(text)
    for run in _CJK_RUN.finditer(text):
        chunk = run.group(0)
        if len(chunk) < 2:
            continue
        py = list(pinyin_key(chunk))
        if len(py) != len(chunk):
            continue
        bounds = {a for a, _ in tokens(chunk)} | {len(chunk)}
        # characters of a cue word typed correctly are never part of a repair
        protected = [False] * len(chunk)
        for m in protect.finditer(chunk):
            protected[m.start():m.end()] = [True] * (m.end() - m.start())
        i = 0
        while i < len(chunk) - 1:
            done = False
            for n in lengths:
                if i + n > len(chunk) or i not in bounds or i + n not in bounds:
                    continue
                word = vocabulary.get(tuple(py[i:i + n]))
                seg = chunk[i:i + n]
                if word is None or seg == word or seg in words or any(protected[i:i + n]):
                    continue
                if _freq(seg) >= COMMON_WORD_FREQ:
                    continue
                out[run.start() + i:run.start() + i + n] = word
                i += n
                done = True
                break
            if not done:
                i += 1
    return "".join(out)
