"""Text normalisation before scoring, with a map back to the original text.

:func:`normalize` applies NFKC (full-width letters and digits to half-width), Traditional
to Simplified Chinese (OpenCC ``t2s``, offline) and lower case, and keeps, for every
character of the result, the index of the original character it came from, so evidence
found in the normalised text is reported as spans of what the trainee actually typed.

:func:`find_deadlines` recognises time limits and dates in both languages, with Chinese
numerals ("三个工作日内", "下个月15号", "一周内", "by Friday", "within 3 days").

>>> n = normalize("請於三個工作日內回覆")
>>> n.text
'请于三个工作日内回复'
>>> [d.text for d in find_deadlines("我三个工作日内给您答复，下个月15号再来看您")]
['三个工作日内', '下个月15号']
>>> [d.text for d in find_deadlines("I will call you back by Friday, within 3 days at most.")]
['by friday', 'within 3 days']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

__all__ = [
    "Normalized",
    "Deadline",
    "normalize",
    "cn_number",
    "find_deadlines",
    "detect_lang",
]


@dataclass(frozen=True)
class Normalized:
    """Normalised text and, per character, the index of its source character.

    ``span(start, end)`` maps a span of ``text`` back to ``(start, end)`` in ``original``.
    """

    original: str
    text: str
    offsets: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering normalised characters ``start:end``."""
        if not self.offsets:
            return (0, 0)
        start = min(max(start, 0), len(self.offsets) - 1)
        end = min(max(end, start + 1), len(self.offsets))
        o_start = self.offsets[start]
        o_end = self.offsets[end - 1] + 1
        return (o_start, max(o_end, o_start))


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _t2s(chars: list[str]) -> list[str]:
    conv = _converter()
    whole = conv.convert("".join(chars))
    if len(whole) == len(chars):
        return list(whole)
    return [conv.convert(c) if c else c for c in chars]


_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# characters that never carry meaning in an answer: C0/C1 controls (but tab, newline and
# carriage return), format characters (zero-width space and joiners, BOM, bidi marks, soft
# hyphen...), variation selectors and lone surrogates
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e"
                        "\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufe00-\ufe0f\ufeff"
                        "\ufff9-\ufffb\ud800-\udfff]")


def _invisible(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("Cf", "Cs") or (cat == "Cc" and ch not in "\t\n\r") or (
        "\ufe00" <= ch <= "\ufe0f")


def normalize(text: str) -> Normalized:
    """NFKC, Traditional->Simplified and lower case, with offsets into ``text``; zero-width,
    format and control characters and lone surrogates are removed.

    Parameters
    ----------
    text : str
        The answer as the trainee typed it.

    Returns
    -------
    Normalized
        ``text`` normalised, ``offsets[i]`` = index in the original of character ``i``.

    Examples
    --------
    >>> n = normalize("ＡＢＣ　會議")
    >>> n.text, n.span(4, 6)
    ('abc 会议', (4, 6))
    >>> normalize("复\u200b核" + chr(0xD800)).text
    '复核'

    """
    # fast path: when no step changes the length, offsets are the identity
    dirty = _INVISIBLE.search(text) is not None
    fast = "" if dirty else unicodedata.normalize("NFKC", text)
    if not dirty and len(fast) == len(text):
        if _CJK_RE.search(fast):
            whole = _converter().convert(fast)
            fast = whole if len(whole) == len(fast) else None
        if fast is not None:
            low = fast.lower()
            if len(low) == len(text):
                return Normalized(text, low, tuple(range(len(text))))
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if dirty and _invisible(ch):
            continue  # zero-width, format and control characters, lone surrogates
        norm = unicodedata.normalize("NFKC", ch) if ord(ch) > 127 else ch
        for out in norm:
            chars.append(out)
            offsets.append(i)
    if _CJK_RE.search(text):
        chars = _t2s(chars)
    out_chars: list[str] = []
    out_offsets: list[int] = []
    for ch, off in zip(chars, offsets):
        low = ch.lower()
        for c in low:
            out_chars.append(c)
            out_offsets.append(off)
    return Normalized(text, "".join(out_chars), tuple(out_offsets))


_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_number(token: str) -> int | None:
    """The integer a Chinese or Arabic numeral stands for, or ``None``.

    >>> cn_number("十五"), cn_number("三"), cn_number("二十"), cn_number("15"), cn_number("半")
    (15, 3, 20, 15, None)
    """
    token = token.strip()
    if not token:
        return None
    if token.isdigit():
        return int(token)
    total, current = 0, 0
    for ch in token:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current


@dataclass(frozen=True)
class Deadline:
    """A recognised time expression: span in the normalised text, its text and its kind."""

    start: int
    end: int
    text: str
    kind: str


_NUM = r"(?:\d+|[零〇一二两三四五六七八九十百]+|半|几)"
_EN_NUM = (r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"fourteen|fifteen|twenty|thirty|a couple of|a few)")
_WEEKDAY_EN = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH_EN = (r"(?:january|february|march|april|may|june|july|august|september|october|"
             r"november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)")

_DEADLINE_PATTERNS: tuple[tuple[str, str], ...] = (
    # zh: durations with a limit ("三个工作日内", "一周之内", "两天后")
    ("duration", _NUM + r"\s*(?:个)?\s*(?:工作日|自然日|日|天|周|星期|礼拜|个月|月|小时|钟头)"
                        r"(?:之内|以内|内|之后|以后|后|左右)"),
    # "三个月前" is three months ago: a time in the past, never a deadline
    ("past", _NUM + r"\s*(?:个)?\s*(?:年|天|周|星期|礼拜|个月|月|小时|钟头)(?:之前|以前|前)"),
    ("past", r"\b" + _EN_NUM + r"\s+(?:days?|weeks?|months?|years?|hours?)\s+ago\b"),
    ("duration", r"(?:不超过|最多|最迟|最晚|限)\s*" + _NUM
     + r"\s*(?:个)?\s*(?:工作日|天|日|周|星期|个月|小时)"),
    # zh: dates ("下个月15号", "3月20日", "周五前", "月底前", "明天")
    ("date", r"(?:下|本|这|上)?(?:个)?月\s*" + _NUM + r"\s*(?:号|日)"),
    ("date", _NUM + r"\s*月\s*" + _NUM + r"\s*(?:号|日)"),
    ("date", r"(?:下|本|这)?(?:个)?(?:周|星期|礼拜)\s*[一二三四五六日天1-7](?:之前|以前|前)?"),
    ("date", r"(?:下|本|这)(?:个)?(?:周|星期|礼拜|月)(?:末|底|初|中旬|内|之内|以内|前)?"),
    ("date", r"(?:月底|月初|月中|年底|周末|节前|春节前)(?:之前|以前|前)?"),
    ("date", r"(?:今天|明天|后天|大后天|今晚|明早|明天上午|明天下午|今天下午|当天)"),
    ("date", r"(?<![\d一二三四五六七八九十])" + _NUM + r"\s*号(?:之前|以前|前)?"),
    ("date", r"(?:上午|下午|晚上|早上|中午|凌晨|傍晚)\s*" + _NUM + r"\s*点(?:钟|半)?"),
    ("date", _NUM + r"\s*点(?:钟|半)?(?:之前|以前|前)"),
    ("date", _NUM + r"\s*点钟"),
    # en
    ("duration", r"\b(?:within|in|inside|no later than|at most)\s+(?:the\s+next\s+)?"
                 + _EN_NUM + r"\s+(?:working\s+|business\s+|calendar\s+)?"
                 r"(?:days?|weeks?|months?|hours?)\b"),
    ("duration", r"\b" + _EN_NUM + r"\s+(?:working\s+|business\s+)?(?:days?|weeks?|months?)"
                 r"\s+(?:from now|later|at (?:the )?most)\b"),
    ("date", r"\b(?:by|before|on|until|next|this|coming)\s+(?:the\s+)?(?:next\s+)?"
             + _WEEKDAY_EN + r"\b"),
    ("date", r"\b(?:by|before|until)\s+(?:the\s+)?(?:end of\s+)?(?:this|next|the)\s+"
             r"(?:week|month|year)\b"),
    ("date", r"\b(?:next|this coming|this|within the)\s+(?:week|month)\b"),
    ("date", r"\b(?:by|before|on|until)\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)\b"),
    ("date", r"\b(?:by|before|on|until)\s+" + _MONTH_EN + r"\s+\d{1,2}(?:st|nd|rd|th)?\b"),
    ("date", r"\b" + _MONTH_EN + r"\s+\d{1,2}(?:st|nd|rd|th)?\b"),
    ("date", r"\b(?:by|before)?\s*(?:tomorrow|tonight|today|the day after tomorrow)\b"),
    ("date", r"\bat\s+\d{1,2}(?::\d\d)?\s*(?:am|pm|o'clock)\b"),
    ("date", r"\b(?:by|before)\s+(?:the\s+)?end\s+of\s+(?:the\s+)?(?:day|week|month)\b"),
)


@cache
def _deadline_regexes() -> tuple[tuple[str, bool, re.Pattern], ...]:
    """(kind, is Chinese, regex) per pattern; Chinese ones only run on text with CJK."""
    return tuple((kind, bool(_CJK_RE.search(pat)), re.compile(pat))
                 for kind, pat in _DEADLINE_PATTERNS)


def find_deadlines(text: str, *, normalized: bool = False) -> list[Deadline]:
    """Time limits and dates in ``text`` (spans refer to the normalised text).

    Parameters
    ----------
    text : str
        Raw text, or text already passed through :func:`normalize` (``normalized=True``).

    Times in the past are returned with kind ``"past"`` ("三个月前", "eight months ago");
    they are not deadlines.

    Examples
    --------
    >>> [d.kind for d in find_deadlines("一周内办好，月底前回访")]
    ['duration', 'date']
    >>> [d.kind for d in find_deadlines("three months ago you applied")]
    ['past']
    >>> find_deadlines("我会尽快处理")
    []
    """
    norm = text if normalized else normalize(text).text
    has_zh = bool(_CJK_RE.search(norm))
    has_en = bool(re.search(r"[a-z]", norm))
    found = []
    for kind, is_zh, regex in _deadline_regexes():
        if (is_zh and not has_zh) or (not is_zh and not has_en):
            continue
        for m in regex.finditer(norm):
            span_text = m.group(0).strip()
            if not span_text:
                continue
            if span_text in ("今天", "today") and not re.search(
                    r"(之内|以内|前|内|by|before)", norm[m.end():m.end() + 3]):
                continue  # "today" alone is too often small talk ("今天天气") to be a limit
            start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            found.append(Deadline(start, start + len(span_text), span_text, kind))
    # keep the longest of overlapping matches, leftmost first
    found.sort(key=lambda d: (d.start, -(d.end - d.start)))
    out: list[Deadline] = []
    for d in found:
        if out and d.start < out[-1].end:
            continue
        out.append(d)
    return out


def detect_lang(text: str) -> str:
    """``"zh"`` if the text is mostly Chinese characters, else ``"en"``.

    >>> detect_lang("您先坐，慢慢说"), detect_lang("Please sit down, auntie."), detect_lang("")
    ('zh', 'en', 'zh')
    """
    cjk = len(_CJK_RE.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if cjk == 0 and latin == 0:
        return "zh"
    return "zh" if cjk * 2 >= latin * 0.5 else "en"
