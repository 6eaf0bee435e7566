"""Detection of direct personal identifiers: headers, resident ID numbers, mobile numbers.

pbkit refuses data that carries direct identifiers. This module holds the detectors used
by the loader (:mod:`pbkit.data.validation`) and by the anonymiser:

* :func:`identifier_header` — does a column header mean a name, phone, ID number, address
  (or e-mail / WeChat / QQ account), in Chinese or English?
* :func:`is_resident_id` — an 18-character mainland resident ID number whose last
  character is a valid ISO 7064 MOD 11-2 check character (``0-9`` or ``X``).
* :func:`is_mobile` — an 11-digit mainland mobile number ``1[3-9]xxxxxxxxx``.
* :func:`find_identifiers` — every resident ID / mobile number inside a longer text, not
  counting digits that are part of a longer run of digits.
* :func:`mask` — a value safe to show in a message (never the full identifier).

Check character of a resident ID (ISO 7064 MOD 11-2): with the first 17 digits
``d_1 .. d_17`` and weights ``w_i = 2**(18 - i) mod 11``
(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2), ``S = sum(d_i * w_i)`` and the check character is
``"10X98765432"[S mod 11]``.

Full-width digits (``１３８…``) and a full-width ``Ｘ`` are recognised too.

>>> is_resident_id("11010519491231002X"), is_resident_id("110105194912310021")
(True, False)
>>> is_mobile("13812345678"), is_mobile("12812345678")
(True, False)
>>> find_identifiers("电话13812345678，身份证11010519491231002x")
[('mobile', 2, 13), ('resident_id', 17, 35)]
>>> mask("11010519491231002X"), mask("13812345678")
('110***********002X', '138****5678')
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "IDENTIFIER_NUMBER_MIN",
    "ID_WEIGHTS",
    "ID_CHECK_CHARS",
    "IDENTIFIER_HEADERS_EN",
    "IDENTIFIER_HEADER_TOKENS_ZH",
    "resident_id_check_char",
    "is_resident_id",
    "is_mobile",
    "find_identifiers",
    "has_identifier",
    "identifier_header",
    "mask",
    "PREFILTER_PATTERN",
]

ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Full-width digits and X fold to ASCII one character for one character, so positions in
# the folded text are positions in the original text.
_FOLD = {0xFF10 + i: ord("0") + i for i in range(10)}
_FOLD.update({0xFF38: ord("X"), 0xFF58: ord("x")})

_ID_RE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
# 11 digits, or 3-4-4 grouped with one space or hyphen (the same separator twice)
_MOBILE_RE = re.compile(
    r"(?<![0-9])(?:1[3-9][0-9]{9}|1[3-9][0-9]([- ])[0-9]{4}\1[0-9]{4})(?![0-9])"
)
# A cheap superset used to pick the cells worth a precise look (vectorised in pandas).
PREFILTER_PATTERN = r"[0-9０-９]{3}[- ]?[0-9０-９]{4}[- ]?[0-9０-９]{4}"
# The smallest number with as many digits as a mobile number (11); resident IDs have more.
# A number column holding one this large may hold an identifier and is checked as text.
IDENTIFIER_NUMBER_MIN = 1e10

# Headers (folded with pbkit.data.schema.fold_header) that mean a direct identifier.
IDENTIFIER_HEADERS_EN: frozenset[str] = frozenset({
    "name", "full_name", "fullname", "real_name", "realname", "first_name", "last_name",
    "surname", "given_name", "family_name", "person_name", "member_name", "legal_name",
    "phone", "phone_number", "phone_no", "telephone", "tel", "tel_no", "mobile",
    "mobile_phone", "mobile_number", "cellphone", "cell_phone", "cell", "contact",
    "contact_number", "contact_phone",
    "id_card", "idcard", "id_number", "id_no", "id_card_number", "identity_card",
    "identity_number", "citizen_id", "national_id", "resident_id", "ssn", "passport",
    "address", "home_address", "addr", "street_address", "residence", "domicile",
    "email", "e_mail", "wechat", "weixin", "qq",
})
_EN_TOKENS = frozenset({"phone", "telephone", "mobile", "cellphone", "address", "addr",
                        "idcard", "surname", "email", "wechat", "weixin"})
_NAME_OK_CONTEXT = frozenset({"org", "organization", "organisation", "branch", "village",
                              "township", "county", "unit", "group", "team", "company",
                              "enterprise", "school", "community", "party", "file", "sheet",
                              "table", "dept", "department", "code", "project", "activity",
                              "mechanism", "topic", "skill"})
IDENTIFIER_HEADER_TOKENS_ZH: tuple[str, ...] = (
    "姓名", "名字", "手机", "电话", "联系方式", "身份证", "公民身份号码", "证件号", "身份号码",
    "住址", "地址", "门牌", "微信", "邮箱", "电子邮件",
)


def _fold_digits(text: str) -> str:
    return text.translate(_FOLD)


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of a resident ID.

    >>> resident_id_check_char("11010519491231002")
    'X'
    """
    digits = _fold_digits(first17)
    if len(digits) != 17 or not digits.isascii() or not digits.isdigit():
        raise ValueError("expected 17 digits")
    total = sum(int(d) * w for d, w in zip(digits, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def is_resident_id(s: Any) -> bool:
    """Whether ``s`` (the whole value, surrounding spaces ignored) is a resident ID number.

    17 digits followed by the valid MOD 11-2 check character (``x`` accepted for ``X``).

    >>> is_resident_id(" 11010519491231002x "), is_resident_id("1101051949123100")
    (True, False)
    """
    if s is None:
        return False
    text = _fold_digits(str(s).strip())
    if len(text) != 18 or not text.isascii():
        return False
    head, last = text[:17], text[17].upper()
    if not head.isdigit() or not (last.isdigit() or last == "X"):
        return False
    return resident_id_check_char(head) == last


def is_mobile(s: Any) -> bool:
    """Whether ``s`` (the whole value, spaces around ignored) is a mainland mobile number.

    Accepts ``13812345678``, ``138 1234 5678``, ``138-1234-5678`` and a ``+86`` prefix.

    >>> is_mobile("+86 138-1234-5678"), is_mobile("1381234567")
    (True, False)
    """
    if s is None:
        return False
    text = _fold_digits(str(s).strip())
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix):].lstrip(" -")
            break
    match = _MOBILE_RE.fullmatch(text)
    return match is not None


def find_identifiers(text: Any) -> list[tuple[str, int, int]]:
    """Every resident ID and mobile number inside ``text``, as ``(kind, start, end)``.

    ``kind`` is ``"resident_id"`` or ``"mobile"``; ``text[start:end]`` is the match. A
    match must not be part of a longer run of digits; resident IDs must carry a valid check
    character. Results are ordered by position.

    >>> find_identifiers("ID:11010519491231002X; tel 138 1234 5678")
    [('resident_id', 3, 21), ('mobile', 27, 40)]
    >>> find_identifiers("order 213812345678 and 110105194912310021")
    []
    """
    if text is None:
        return []
    raw = str(text)
    folded = _fold_digits(raw)
    found: list[tuple[str, int, int]] = []
    for m in _ID_RE.finditer(folded):
        if is_resident_id(m.group(0)):
            found.append(("resident_id", m.start(), m.end()))
    for m in _MOBILE_RE.finditer(folded):
        found.append(("mobile", m.start(), m.end()))
    found.sort(key=lambda x: x[1])
    return found


def has_identifier(text: Any) -> bool:
    """Whether :func:`find_identifiers` finds anything in ``text``.

    >>> has_identifier("联系 13912345678"), has_identifier("V03")
    (True, False)
    """
    return bool(find_identifiers(text))


def identifier_header(header: Any) -> str | None:
    """The kind of direct identifier a column header means, or ``None``.

    Kinds: ``"name"``, ``"phone"``, ``"id_number"``, ``"address"``, ``"account"``
    (e-mail, WeChat, QQ). Chinese headers match when they contain a telling word
    (``户主姓名``, ``联系电话``, ``身份证号码``); English headers are folded
    (case, spaces, full-width) and matched as a whole or by telling words.
    Headers of schema columns (such as ``name_code``) are never passed here by the loader.

    >>> identifier_header("联系电话"), identifier_header("Full Name"), identifier_header("org_id")
    ('phone', 'name', None)
    """
    from pbkit.data.schema import fold_header

    if header is None:
        return None
    folded = fold_header(str(header))
    if not folded:
        return None
    zh_kinds = (
        ("name", ("姓名", "名字")),
        ("phone", ("手机", "电话", "联系方式")),
        ("id_number", ("身份证", "公民身份号码", "证件号", "身份号码")),
        ("address", ("住址", "地址", "门牌")),
        ("account", ("微信", "邮箱", "电子邮件")),
    )
    for kind, words in zh_kinds:
        if any(w in folded for w in words):
            return kind
    tokens = [tok for tok in re.split(r"[_.()/\\]+", folded) if tok]
    compact = "_".join(tokens)
    if compact in IDENTIFIER_HEADERS_EN or folded in IDENTIFIER_HEADERS_EN:
        return _en_kind(compact)
    if set(tokens) & _EN_TOKENS:
        return _en_kind(compact)
    if "name" in tokens and not (set(tokens) & _NAME_OK_CONTEXT):
        return "name"
    return None


def _en_kind(folded: str) -> str:
    if any(w in folded for w in ("phone", "tel", "mobile", "cell", "contact")):
        return "phone"
    if any(w in folded for w in ("id", "ssn", "passport")) and "address" not in folded:
        return "id_number"
    if any(w in folded for w in ("addr", "residence", "domicile")):
        return "address"
    if any(w in folded for w in ("mail", "wechat", "weixin", "qq")):
        return "account"
    return "name"


def mask(value: Any) -> str:
    """A masked rendering of ``value`` that never shows it in full.

    Resident IDs keep the first 3 and last 4 characters, mobile numbers the first 3 and
    last 4 digits; for a text that contains identifiers only the masked identifiers are
    shown (``…`` marks the left-out text); any other value keeps at most its first and last
    character (first 3 and last 4 when it is 11 characters or longer).

    >>> mask("13812345678"), mask("张三"), mask("王小明"), mask("")
    ('138****5678', '张*', '王*明', '')
    >>> mask("联系人电话：13812345678")
    '…138****5678'
    """
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    folded = _fold_digits(text)
    if is_resident_id(folded):
        return folded[:3] + "*" * 11 + folded[-4:].upper()
    if is_mobile(folded):
        digits = re.sub(r"[^0-9]", "", folded)[-11:]
        return digits[:3] + "****" + digits[-4:]
    spans = find_identifiers(text)
    if spans:
        # only the masked identifiers, with an ellipsis where other text was left out
        parts = []
        for i, (_kind, start, end) in enumerate(spans):
            before = text[: start] if i == 0 else text[spans[i - 1][2]: start]
            if before.strip():
                parts.append("…")
            parts.append(mask(text[start:end]))
        if text[spans[-1][2]:].strip():
            parts.append("…")
        return _shorten("".join(parts))
    return _mask_plain(text)


def _mask_plain(text: str) -> str:
    n = len(text)
    if n == 1:
        return "*"
    if n == 2:
        return text[0] + "*"
    if n >= 11:
        return text[:3] + "*" * (n - 7) + text[-4:]
    return text[0] + "*" * (n - 2) + text[-1]


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
