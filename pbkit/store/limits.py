"""Limits the results store enforces, as data in one place, and the checks that apply them.

The browser is not a security boundary: a trainee can forge a widget message that runs a
disabled button's callback, or send any text the widget would have cut. So every bound on
what may be stored lives here and is checked by :class:`pbkit.store.api.ResultsStore` on
every write, whatever the caller. A violation raises :class:`pbkit.errors.StoreError` with
a message in zh or en.

The bounds (see :data:`DEFAULT_LIMITS`):

- one submission per submission id (the unique key is in the database; see ``api``);
- at most ``max_turns`` turns, each answer at most ``max_turn_chars`` characters;
- score ranges: each criterion level in ``0..max_level``, ``max_level`` in
  ``1..max_criterion_level``, the total in ``0..100`` and equal (within rounding) to
  ``100 * sum(levels) / sum(max_levels)``;
- deadlines: a submission after the cohort's (or the exercise's) deadline is refused;
- identifiers are pseudonyms: an id that looks like a mobile number, a mainland resident
  ID number, a landline, an e-mail address or a person's name is refused.

Identifier screening: mobile and resident ID numbers (18 digits with a valid check
character, or old 15-digit ones) are found with the data layer's one detector
(:func:`pbkit.data.identifiers.find_numbers`, the same one the loader uses); what only a
pseudonym must not look like (landline, e-mail, Chinese characters, letters without a
digit) is checked here.

>>> check_id("T0001", "trainee_id")
'T0001'
>>> check_id("13812345678", "trainee_id")
Traceback (most recent call last):
...
pbkit.store.limits.StoreFieldError: trainee id "138****78" looks like a mobile phone number, not a pseudonymous id; use the code from the roster
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pbkit.data.identifiers import find_numbers
from pbkit.errors import StoreError

__all__ = [
    "StoreLimits",
    "StoreFieldError",
    "DEFAULT_LIMITS",
    "ID_PATTERN",
    "STATUSES",
    "check_id",
    "check_name",
    "check_text",
    "check_turns",
    "check_score",
    "check_level",
    "check_quiz_answer",
    "mask",
    "personal_kind",
]


@dataclass(frozen=True)
class StoreLimits:
    """Every bound the store enforces.

    Attributes
    ----------
    max_turns : int
        Turns (answers) in one attempt.
    max_turn_chars : int
        Characters in one answer; also bounds a villager reply.
    max_id_chars : int
        Characters in any id (cohort, trainee, rater, scenario, criterion, submission...).
    max_name_chars : int
        Characters in a cohort's display name.
    max_criteria : int
        Criteria in one machine score.
    max_criterion_level : int
        Largest ``max_level`` a criterion may declare.
    max_feedback_chars : int
        Characters of one criterion's feedback.
    max_evidence_chars : int
        Characters of one criterion's evidence once written as JSON.
    max_quiz_answer_chars : int
        Characters of one quiz answer (JSON of the choices, or the text).
    total_tolerance : float
        How far a stated total may be from ``100 * sum(levels) / sum(max_levels)``
        (covers rounding to a whole number).
    """

    max_turns: int = 10
    max_turn_chars: int = 4000
    max_id_chars: int = 64
    max_name_chars: int = 100
    max_criteria: int = 20
    max_criterion_level: int = 10
    max_feedback_chars: int = 2000
    max_evidence_chars: int = 20000
    max_quiz_answer_chars: int = 4000
    total_tolerance: float = 0.5


DEFAULT_LIMITS = StoreLimits()

#: Attempt status codes: machine-scored, flagged for the trainer, confirmed by a human, or
#: stored without a machine score.
STATUSES = ("scored", "needs_review", "reviewed", "unscored")

#: A pseudonymous id: ASCII letters, digits and ``- _ . :``, starting with a letter or digit.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:\-]*")

# Patterns that mark an id as a direct identifier beyond the data layer's numbers.
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
_EMAIL = re.compile(r"@")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: Text may hold tab, newline and carriage return but no other control character (a NUL
#: byte is refused by PostgreSQL and truncates text in some viewers).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def personal_kind(value: str) -> str | None:
    """The kind of direct identifier ``value`` looks like, or ``None`` for a pseudonym.

    Kinds: ``mobile``, ``resident_id``, ``landline``, ``email``, ``name`` (Chinese
    characters, or letters only with no digit, as in ``zhangwei``; a hex hash without a
    digit, as the anonymiser's ``P`` + 10 hex characters can be, is not a name).

    >>> [personal_kind(v) for v in ("T0001", "13912345678", "zhangwei", "张伟", "p_3fa9c1")]
    [None, 'mobile', 'name', 'name', None]
    >>> personal_kind("11010519491231002X")
    'resident_id'
    """
    numbers = find_numbers(value)
    if numbers:
        return numbers[0][0]
    if _EMAIL.search(value):
        return "email"
    if _CJK.search(value):
        return "name"
    if _LANDLINE.search(value):
        return "landline"
    if value.isascii() and not any(ch.isdigit() for ch in value) and not _hex_like(value):
        return "name"
    return None


def _hex_like(value: str) -> bool:
    """A keyed-hash pseudonym that happens to hold no digit (``P`` + ``ABCDEFFEDC``):
    after a one-letter prefix, at least 8 characters, all hex letters."""
    body = value[1:].upper()
    return len(body) >= 8 and set(body) <= set("ABCDEF")


def mask(value: str) -> str:
    """``value`` with its middle hidden, so an error never repeats personal data in full.

    >>> mask("13812345678"), mask("ab")
    ('138****78', '**')
    """
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "****" + value[-2:]


def check_id(value: Any, what: str, limits: StoreLimits = DEFAULT_LIMITS, *,
             pseudonym: bool = True) -> str:
    """Return ``value`` if it is a well-formed id, else raise :class:`StoreError`.

    ``pseudonym=True`` (for trainee and rater ids) also refuses ids that look like
    a direct identifier (:func:`personal_kind`); ``False`` is for codes the software makes
    or a trainer names (cohort, scenario, criterion, submission ids), which only need the
    character set and length.
    """
    if not isinstance(value, str) or not value.strip():
        raise StoreFieldError("store.err.id_empty", what=what)
    if len(value) > limits.max_id_chars:
        raise StoreFieldError("store.err.id_too_long", what=what, length=len(value),
                         max=limits.max_id_chars)
    if pseudonym:
        kind = personal_kind(value)
        if kind is not None:
            raise StoreFieldError(f"store.err.id_{kind}", what=what, value=mask(value))
    if not ID_PATTERN.fullmatch(value):
        raise StoreFieldError("store.err.id_chars", what=what, value=mask(value))
    return value


def check_name(value: Any, what: str, limits: StoreLimits = DEFAULT_LIMITS) -> str:
    """A display name (for a cohort): non-empty text without control characters."""
    if not isinstance(value, str) or not value.strip():
        raise StoreFieldError("store.err.name_empty", what=what)
    if len(value) > limits.max_name_chars:
        raise StoreFieldError("store.err.name_too_long", what=what, length=len(value),
                         max=limits.max_name_chars)
    return check_text(value.strip(), what)


class StoreFieldError(StoreError):
    """A refused field value; the field's name is shown in the message's language.

    >>> StoreFieldError("store.err.id_empty", what="trainee_id").render("zh")
    '学员编号不能为空'
    """

    def render(self, lang: str | None = None) -> str:
        from pbkit.i18n import has_key, t

        params = dict(self.params)
        what = str(params.get("what", ""))
        if has_key(f"store.field.{what}"):
            params["what"] = t(f"store.field.{what}", lang=lang)
        return t(self.key, lang=lang, **params)


def _clean_text(value: str) -> bool:
    if _CONTROL.search(value):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a forged message
        return False
    return True


def check_text(value: str, what: str) -> str:
    """Refuse control characters (other than tab, CR, LF) and unencodable text."""
    if not _clean_text(value):
        raise StoreFieldError("store.err.control_char", what=what)
    return value


def check_turns(turns: Any, limits: StoreLimits = DEFAULT_LIMITS
                ) -> list[tuple[str, str | None]]:
    """Normalise ``turns`` to ``[(answer, villager_reply_or_None), ...]`` within the limits.

    A turn is a string (the trainee's answer) or a mapping with ``text`` (or ``answer``)
    and an optional ``reply`` (the villager's line shown before or after it).

    >>> check_turns(["好的", {"text": "我来查账", "reply": "谢谢"}])
    [('好的', None), ('我来查账', '谢谢')]
    """
    if isinstance(turns, (str, bytes)) or not isinstance(turns, Sequence):
        raise StoreError("store.err.turns_type", value=_show(turns))
    if len(turns) == 0:
        raise StoreError("store.err.answer_empty")
    if len(turns) > limits.max_turns:
        raise StoreError("store.err.too_many_turns", count=len(turns), max=limits.max_turns)
    out: list[tuple[str, str | None]] = []
    for i, turn in enumerate(turns, start=1):
        reply: Any = None
        if isinstance(turn, str):
            text: Any = turn
        elif isinstance(turn, Mapping):
            text = turn.get("text", turn.get("answer"))
            reply = turn.get("reply")
        else:
            raise StoreError("store.err.turn_type", turn=i)
        if not isinstance(text, str) or (reply is not None and not isinstance(reply, str)):
            raise StoreError("store.err.turn_type", turn=i)
        for part in (text, reply or ""):
            if len(part) > limits.max_turn_chars:
                raise StoreError("store.err.turn_too_long", turn=i, length=len(part),
                                 max=limits.max_turn_chars)
            if not _clean_text(part):
                raise StoreError("store.err.turn_control", turn=i)
        out.append((text, reply))
    if not any(text.strip() for text, _ in out):
        raise StoreError("store.err.answer_empty")
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(
        value)


def _whole(value: Any) -> bool:
    return _number(value) and float(value).is_integer()


def check_score(score: Any, scenario_id: str, limits: StoreLimits = DEFAULT_LIMITS
                ) -> dict[str, Any] | None:
    """Validate a machine score and return it as a plain dict (``None`` stays ``None``).

    ``score`` is an object with ``to_dict()`` (a :class:`pbkit.roleplay` ``Score``) or the
    dict itself: ``{"scenario", "total", "criteria": [{"id", "level", "max_level",
    "evidence", "feedback"}], "needs_review"}``. The total must equal
    ``100 * sum(level) / sum(max_level)`` within ``limits.total_tolerance``.

    >>> s = {"scenario": "s1", "total": 50, "needs_review": False, "criteria": [
    ...     {"id": "a", "level": 3, "max_level": 3, "evidence": [], "feedback": "ok"},
    ...     {"id": "b", "level": 0, "max_level": 3, "evidence": [], "feedback": "no"}]}
    >>> check_score(s, "s1")["total"]
    50.0
    """
    import json

    if score is None:
        return None
    if hasattr(score, "to_dict") and callable(score.to_dict):
        score = score.to_dict()
    if not isinstance(score, Mapping):
        raise StoreError("store.err.score_type", value=_show(score))
    for field in ("total", "criteria"):
        if field not in score:
            raise StoreError("store.err.score_field", field=field)
    scenario = score.get("scenario", scenario_id)
    if scenario != scenario_id:
        raise StoreError("store.err.score_scenario", scenario=str(scenario)[:64],
                         expected=scenario_id)
    criteria = score["criteria"]
    if isinstance(criteria, (str, bytes)) or not isinstance(criteria, Sequence) or not criteria:
        raise StoreError("store.err.score_field", field="criteria")
    if len(criteria) > limits.max_criteria:
        raise StoreError("store.err.too_many_criteria", count=len(criteria),
                         max=limits.max_criteria)
    seen: set[str] = set()
    clean = []
    for item in criteria:
        if not isinstance(item, Mapping):
            raise StoreError("store.err.score_field", field="criteria")
        cid = check_id(item.get("id"), "criterion_id", limits, pseudonym=False)
        if cid in seen:
            raise StoreError("store.err.duplicate_criterion", criterion=cid)
        seen.add(cid)
        max_level = item.get("max_level")
        if not _whole(max_level) or not 1 <= max_level <= limits.max_criterion_level:
            raise StoreError("store.err.max_level", criterion=cid, max_level=_show(max_level),
                             max=limits.max_criterion_level)
        level = item.get("level")
        if not _whole(level) or not 0 <= level <= max_level:
            raise StoreError("store.err.level_range", criterion=cid, level=_show(level),
                             max_level=int(max_level))
        feedback = item.get("feedback", "") or ""
        if not isinstance(feedback, str):
            raise StoreError("store.err.score_field", field=f"criteria[{cid}].feedback")
        if len(feedback) > limits.max_feedback_chars:
            raise StoreError("store.err.feedback_too_long", criterion=cid,
                             max=limits.max_feedback_chars)
        check_text(feedback, f"criteria[{cid}].feedback")
        evidence = item.get("evidence", [])
        try:
            evidence_json = json.dumps(_plain(evidence), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            raise StoreError("store.err.evidence", criterion=cid) from None
        if len(evidence_json) > limits.max_evidence_chars:
            raise StoreError("store.err.evidence", criterion=cid)
        check_text(evidence_json, f"criteria[{cid}].evidence")
        clean.append({"id": cid, "level": int(level), "max_level": int(max_level),
                      "evidence": json.loads(evidence_json), "feedback": feedback})
    total = score["total"]
    if not _number(total) or not 0 <= total <= 100:
        raise StoreError("store.err.total_range", total=_show(total))
    expected = 100.0 * sum(c["level"] for c in clean) / sum(c["max_level"] for c in clean)
    if abs(float(total) - expected) > limits.total_tolerance + 1e-9:
        raise StoreError("store.err.total_inconsistent", total=_show(total),
                         expected=f"{expected:.1f}")
    needs_review = score.get("needs_review", False)
    if not isinstance(needs_review, bool):
        raise StoreError("store.err.score_field", field="needs_review")
    return {"scenario": scenario_id, "total": float(total), "criteria": clean,
            "needs_review": needs_review}


def _plain(value: Any) -> Any:
    """Tuples to lists (evidence spans are often tuples), recursively."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    return str(value)[:32]


def check_level(level: Any, max_level: int, criterion: str) -> int:
    """A human rater's level: a whole number within ``0..max_level``."""
    if not _whole(level) or not 0 <= level <= max_level:
        raise StoreError("store.err.level_range", criterion=criterion, level=_show(level),
                         max_level=max_level)
    return int(level)


def check_quiz_answer(answer: Any, limits: StoreLimits = DEFAULT_LIMITS) -> str:
    """A quiz answer (text, a choice code, or a list of codes for multiple choice and
    ordering) as JSON text within ``max_quiz_answer_chars``.

    >>> check_quiz_answer(["b", "a", "c"])
    '["b", "a", "c"]'
    """
    import json

    if isinstance(answer, (list, tuple)):
        if not all(isinstance(a, (str, int)) and not isinstance(a, bool) for a in answer):
            raise StoreError("store.err.quiz_answer_type", value=_show(answer))
    elif not isinstance(answer, (str, int)) or isinstance(answer, bool):
        raise StoreError("store.err.quiz_answer_type", value=_show(answer))
    text = json.dumps(_plain(answer), ensure_ascii=False)
    if len(text) > limits.max_quiz_answer_chars:
        raise StoreError("store.err.quiz_answer_too_long", length=len(text),
                         max=limits.max_quiz_answer_chars)
    return check_text(text, "answer")
