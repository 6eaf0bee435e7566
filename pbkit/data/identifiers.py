"""Detection of direct personal identifiers: headers, resident ID and mobile numbers, names.

pbkit refuses data that carries direct identifiers. This module is the one detector used
by the loader (:mod:`pbkit.data.validation`), the anonymiser and the results store:

* :func:`identifier_header` — does a column header mean a name, phone, ID number, address
  (or e-mail / WeChat / QQ account), in Chinese or English?
* :func:`is_resident_id` — a mainland resident ID number: 18 characters whose last one is
  a valid ISO 7064 MOD 11-2 check character (``0-9`` or ``X``), or an old 15-digit one.
* :func:`is_mobile` — a mainland mobile number ``1[3-9]xxxxxxxxx`` in any written form.
* :func:`find_identifiers` — every resident ID, mobile number and personal name inside a
  longer text (:func:`find_names` for the names alone).
* :func:`mask` — a value safe to show in a message (never the full identifier).

Numbers are read the way people write them: digit groups joined by up to three spaces,
dots, hyphens or dashes (``138 1234 5678``, ``138.1234.5678``, ``138-1234 5678``,
``110105 19491231 002X``), with a ``+86``, ``0086`` or ``86`` prefix on a mobile number.
A number is made of whole digit groups: ``213812345678`` holds no mobile number, but
``2 13812345678`` does. An old 15-digit ID needs a province code and a real birth date
(``YYMMDD``), which keeps order numbers out.

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
from datetime import date as _date
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
    "find_names",
    "find_numbers",
    "KnownNames",
    "has_identifier",
    "identifier_header",
    "mask",
    "PREFILTER_PATTERN",
    "NAME_PREFILTER_PATTERN",
    "SURNAMES",
]

ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# Full-width digits and X fold to ASCII one character for one character, so positions in
# the folded text are positions in the original text.
_FOLD = {0xFF10 + i: ord("0") + i for i in range(10)}
_FOLD.update({0xFF38: ord("X"), 0xFF58: ord("x")})

# What people put between the digit groups of a phone or ID number: spaces (also no-break
# and ideographic), dots, hyphens and dashes (ASCII and full-width); at most three in a row.
SEPARATORS = " .-\u00a0\u3000\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\uff0e\u30fb\u00b7"
_SEP = "[" + SEPARATORS.replace("-", "") + "-]"   # the hyphen last: a literal
# A run of digit groups joined by separators (digits already folded to ASCII).
_RUN_RE = re.compile(rf"[0-9]+(?:{_SEP}{{1,3}}[0-9]+)*")
_GROUP_RE = re.compile(r"[0-9]+")
_COUNTRY_CODE = re.compile(r"^[(（]\s*(?:[+＋]|00)?86\s*[)）]")     # "(+86) 138 ..."
_MOBILE_DIGITS = re.compile(r"(?:0086|86)?1[3-9][0-9]{9}")
# Province-level codes that open a resident ID number (old 15-digit ones too).
_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                        43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
                        83})
# A cheap superset used to pick the cells worth a precise look (vectorised in pandas):
# eleven digits (ASCII or full-width) with at most three separators between any two.
PREFILTER_PATTERN = f"[0-9\uff10-\uff19](?:{_SEP}{{0,3}}[0-9\uff10-\uff19]){{10}}"
# The smallest number with as many digits as a mobile number (11); resident IDs have more.
# A number column holding one this large may hold an identifier and is checked as text.
IDENTIFIER_NUMBER_MIN = 1e10

# Personal names in free text. Common surnames (the 200 or so most frequent single-character
# ones, plus compound ones); a name is a surname and one or two given-name characters
# written after a telling word (联系人, 姓名, 户主 ...) or before a form of address (同志,
# 大爷, 阿姨 ...). Titles of office (书记, 主任) are not used: "党支部书记" is no name.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷"
    "詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳"
    "管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝")
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容",
                     "令狐", "长孙", "宇文", "司徒", "夏侯", "端木", "独孤")
NAME_CONTEXT_WORDS = ("联系人", "姓名", "名字", "户主", "负责人", "帮扶人", "帮带人", "结对人",
                      "被帮扶人", "走访人", "帮扶对象", "监护人", "经办人", "报告人", "申请人")
NAME_ADDRESS_WORDS = ("同志", "先生", "女士", "大爷", "大妈", "大娘", "大叔", "大婶", "大姐",
                      "大哥", "奶奶", "爷爷", "阿姨", "婆婆", "老汉", "老师")
# Surnames that are also everyday words ("和同志们", "向老师请教"): never a name alone.
_WORD_SURNAMES = "和向于时全成应常安明文单解连"
# Characters that end a given name: institutional words, particles, pronouns, numbers.
_NOT_GIVEN = ("员部委村镇乡县组区市省会社队的了和与及是在有为等们这那些个位户家人党团书记主"
              "任长支领导干群众各其他本该同先女大老师傅奶爷阿婆一二两几某体课级机校班科务站所院"
              "厂局")
_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + f"|[{SURNAMES}])"
_GIVEN = f"[\u4e00-\u9fff](?<![{_NOT_GIVEN}])"
_NAME_AFTER_WORD = re.compile(
    "(?:" + "|".join(sorted(NAME_CONTEXT_WORDS, key=len, reverse=True)) + ")"
    + rf"[:：\s]{{0,2}}(?:为|是)?(?P<name>{_SURNAME}(?:{_GIVEN}){{1,2}})")
_BARE_SURNAME = "(?:" + "|".join(COMPOUND_SURNAMES) + "|[" + "".join(
    c for c in SURNAMES if c not in _WORD_SURNAMES) + "])"
_NAME_BEFORE_ADDRESS = re.compile(
    rf"(?P<name>{_SURNAME}(?:{_GIVEN}){{1,2}}|{_BARE_SURNAME})(?="
    + "|".join(NAME_ADDRESS_WORDS) + ")")
# Cells worth a precise look for names (a superset: any telling word or form of address).
NAME_PREFILTER_PATTERN = "|".join((*NAME_CONTEXT_WORDS, *NAME_ADDRESS_WORDS))

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


def _old_id_ok(digits: str) -> bool:
    """A 15-digit (pre-1999) resident ID: province code, then a real date 19YYMMDD."""
    if int(digits[:2]) not in _PROVINCES:
        return False
    try:
        _date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    except ValueError:
        return False
    return True


def _number_kind(digits: str, x_after: bool) -> tuple[str, bool] | None:
    """Kind of a digit string (separators removed), and whether a following X belongs."""
    n = len(digits)
    if n in (11, 13, 15) and _MOBILE_DIGITS.fullmatch(digits):
        return "mobile", False
    if n == 18 and resident_id_check_char(digits[:17]) == digits[17]:
        return "resident_id", False
    if n == 17 and x_after and resident_id_check_char(digits) == "X":
        return "resident_id", True
    if n == 15 and _old_id_ok(digits):
        return "resident_id", False
    return None


def find_numbers(text: Any) -> list[tuple[str, int, int]]:
    """Mobile and resident ID numbers in ``text``, in any written form (see the module).

    >>> find_numbers("tel 138.1234.5678")
    [('mobile', 4, 17)]
    """
    if text is None:
        return []
    return _find_numbers(str(text))


def _find_numbers(raw: str) -> list[tuple[str, int, int]]:
    folded = _fold_digits(raw)
    found: list[tuple[str, int, int]] = []
    for run in _RUN_RE.finditer(folded):
        groups = [(g.start() + run.start(), g.end() + run.start())
                  for g in _GROUP_RE.finditer(run.group(0))]
        i = 0
        while i < len(groups):
            best = None
            digits = ""
            for j in range(i, len(groups)):
                digits += folded[groups[j][0]:groups[j][1]]
                if len(digits) > 18:
                    break
                end = groups[j][1]
                x_after = end < len(folded) and folded[end] in "Xx"
                kind = _number_kind(digits, x_after)
                if kind is not None:
                    best = (kind[0], j, end + (1 if kind[1] else 0), digits)
            if best is None:
                i += 1
                continue
            kind, j, end, digits = best
            start = groups[i][0]
            if kind == "mobile" and len(digits) > 11 and start and folded[start - 1] in "+＋":
                start -= 1      # +86 ...
            found.append((kind, start, end))
            i = j + 1
    return found


def is_resident_id(s: Any) -> bool:
    """Whether ``s`` (the whole value, surrounding spaces ignored) is a resident ID number.

    18 characters: a province code, 16 digits and the valid MOD 11-2 check character
    (``x`` accepted for ``X``); or an old 15-digit number (province code, area, a real
    date YYMMDD, sequence). Spaces, dots or hyphens between digit groups are allowed.

    >>> is_resident_id(" 11010519491231002x "), is_resident_id("1101051949123100")
    (True, False)
    >>> is_resident_id("110105 19491231 002X"), is_resident_id("110105491231002")
    (True, True)
    """
    if s is None:
        return False
    text = str(s).strip()
    spans = _find_numbers(text)
    return len(spans) == 1 and spans[0] == ("resident_id", 0, len(text))


def is_mobile(s: Any) -> bool:
    """Whether ``s`` (the whole value, spaces around ignored) is a mainland mobile number.

    Any common written form: ``13812345678``, digit groups split by spaces, dots or
    hyphens (``138 1234 5678``, ``138.1234.5678``, ``138-1234 5678``), a ``+86``,
    ``0086`` or ``86`` prefix, full-width digits.

    >>> is_mobile("+86 138-1234-5678"), is_mobile("008613812345678"), is_mobile("1381234567")
    (True, True, False)
    """
    if s is None:
        return False
    text = _COUNTRY_CODE.sub("", _fold_digits(str(s).strip()))
    spans = _find_numbers(text)
    if len(spans) != 1 or spans[0][0] != "mobile":
        return False
    _kind, start, end = spans[0]
    rest = text[:start] + text[end:]
    return not rest.strip(" +＋()（）-")


def find_names(text: Any, known: Any = ()) -> list[tuple[str, int, int]]:
    """Personal names in ``text``, as ``("name", start, end)``.

    A name is found when it is one of ``known`` (names taken from a raw export's name
    columns; two characters or more, spaces inside the text ignored), or when a common
    surname and one or two given-name characters follow a telling word (``联系人``,
    ``姓名``, ``户主`` ...) or come before a form of address (``同志``, ``大爷``, ``老师``
    ...). Place names and skills (``福建``, ``东山村``, ``电工``) are left alone.

    >>> find_names("联系人：王小明，电话见名册")
    [('name', 4, 7)]
    >>> find_names("看望张大爷"), find_names("福建 东山村 电工 党支部书记")
    ([('name', 2, 3)], [])
    >>> find_names("交给 Li Ming 办理", known=["Li Ming"])
    [('name', 3, 10)]
    """
    if text is None:
        return []
    raw = str(text)
    found = []
    for rx in (_NAME_AFTER_WORD, _NAME_BEFORE_ADDRESS):
        for m in rx.finditer(raw):
            found.append(("name", m.start("name"), m.end("name")))
    if known:
        names = known if isinstance(known, KnownNames) else KnownNames(known)
        found += names.spans(raw)
    return _merge(found)


class KnownNames:
    """Names known from elsewhere (a raw export's name columns), found in any text.

    Names are compared after NFKC folding, case folding and with spaces removed; a name
    needs two characters or more, and a Latin-letter name must stand as a whole word.
    Finding is a set look-up of every substring up to the longest name, so a million
    names cost no more per cell than ten.

    >>> KnownNames(["王小明", "Li Na"]).spans("交给王 小明和 li na 办理; policy")
    [('name', 2, 6), ('name', 8, 13)]
    """

    def __init__(self, names: Any = ()) -> None:
        self.keys: set[str] = set()
        for name in names:
            key = self._fold(str(name))
            if len(key) >= 2:
                self.keys.add(key)
        self.max_len = max((len(k) for k in self.keys), default=0)

    @staticmethod
    def _fold(text: str) -> str:
        import unicodedata

        return "".join(unicodedata.normalize("NFKC", text).casefold().split())

    def __len__(self) -> int:
        return len(self.keys)

    def spans(self, raw: str) -> list[tuple[str, int, int]]:
        """``("name", start, end)`` of every known name in ``raw``."""
        import unicodedata

        if not self.keys:
            return []
        keep = [i for i, ch in enumerate(raw) if not ch.isspace()]
        compact = "".join(raw[i] for i in keep)
        folded = unicodedata.normalize("NFKC", compact).casefold()
        if len(folded) != len(compact):      # folding changed the length: no positions
            folded = compact.casefold()
        out = []
        n = len(folded)
        for i in range(n):
            for j in range(i + 2, min(n, i + self.max_len) + 1):
                if folded[i:j] in self.keys and self._whole_word(raw, keep, i, j):
                    out.append(("name", keep[i], keep[j - 1] + 1))
        return out

    @staticmethod
    def _whole_word(raw: str, keep: list[int], i: int, j: int) -> bool:
        start, end = keep[i], keep[j - 1] + 1
        if not raw[start].isascii() or not raw[end - 1].isascii():
            return True
        before = raw[start - 1] if start else " "
        after = raw[end] if end < len(raw) else " "
        return not (before.isascii() and before.isalnum()) and not (
            after.isascii() and after.isalnum())


def _merge(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Spans by position, overlapping ones merged (the first kind kept)."""
    out: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(spans, key=lambda x: (x[1], -x[2])):
        if out and start < out[-1][2]:
            k0, s0, e0 = out[-1]
            out[-1] = (k0, s0, max(e0, end))
        else:
            out.append((kind, start, end))
    return out


def find_identifiers(text: Any, known_names: Any = ()) -> list[tuple[str, int, int]]:
    """Every resident ID, mobile number and personal name in ``text``: ``(kind, start, end)``.

    ``kind`` is ``"resident_id"``, ``"mobile"`` or ``"name"``; ``text[start:end]`` is the
    match. Numbers are found in every common written form: digit groups joined by up to
    three spaces, dots, hyphens or dashes (``138 1234 5678``, ``138.1234.5678``,
    ``110105-19491231-002X``), with a ``+86`` / ``0086`` / ``86`` prefix, full-width
    digits; old 15-digit resident IDs too. A number must not be part of a longer group of
    digits; 18-digit resident IDs must carry a valid check character. Names: see
    :func:`find_names` (``known_names`` are names known from elsewhere). Results are
    ordered by position.

    >>> find_identifiers("ID:11010519491231002X; tel 138 1234 5678")
    [('resident_id', 3, 21), ('mobile', 27, 40)]
    >>> find_identifiers("+8613812345678 / 110105-491231-002")
    [('mobile', 0, 14), ('resident_id', 17, 34)]
    >>> find_identifiers("order 213812345678 and 110105194912310021")
    []
    """
    if text is None:
        return []
    raw = str(text)
    return _merge(_find_numbers(raw) + find_names(raw, known_names))


def has_identifier(text: Any, known_names: Any = ()) -> bool:
    """Whether :func:`find_identifiers` finds anything in ``text``.

    >>> has_identifier("联系 13912345678"), has_identifier("V03")
    (True, False)
    """
    return bool(find_identifiers(text, known_names))


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
        chars = re.sub(r"[^0-9Xx]", "", folded).upper()
        return chars[:3] + "*" * (len(chars) - 7) + chars[-4:]
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
