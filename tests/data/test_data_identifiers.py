"""Direct-identifier detection: resident IDs, mobile numbers, headers, masking."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pbkit.data.identifiers import (
    ID_CHECK_CHARS,
    ID_WEIGHTS,
    find_identifiers,
    identifier_header,
    is_mobile,
    is_resident_id,
    mask,
    resident_id_check_char,
)


def check_char(first17: str) -> str:
    """Independent oracle for ISO 7064 MOD 11-2 (weights 2^(18-i) mod 11)."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


digits17 = st.text(alphabet="0123456789", min_size=17, max_size=17)
mobile_numbers = st.builds(lambda second, rest: "1" + second + rest,
                           st.sampled_from("3456789"),
                           st.text(alphabet="0123456789", min_size=9, max_size=9))
# surrounding text that never ends/starts with a digit (so the number is not part of a run)
context = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                         blacklist_characters="0123456789０１２３４５６７８９"),
                  max_size=20)


def test_weights_match_iso_7064():
    assert ID_WEIGHTS == tuple(2 ** (17 - i) % 11 for i in range(17))
    assert ID_CHECK_CHARS == "10X98765432"


@pytest.mark.parametrize("value, expected", [
    ("11010519491231002X", True),   # the textbook example
    ("11010519491231002x", True),
    ("110105194912310021", False),  # wrong check digit
    ("440524188001010014", True),
    ("44052418800101001", False),   # 17 digits
    ("4405241880010100140", False),  # 19 digits
    ("１１０１０５１９４９１２３１００２Ｘ", True),  # full-width
    ("", False),
    (None, False),
])
def test_is_resident_id_examples(value, expected):
    assert is_resident_id(value) is expected


@pytest.mark.parametrize("value, expected", [
    ("13812345678", True), ("19912345678", True), ("12812345678", False),
    ("1381234567", False), ("138123456789", False), ("+86 13812345678", True),
    ("138-1234-5678", True), ("138 1234 5678", True), ("138-1234 5678", False),
    ("１３８１２３４５６７８", True), ("23812345678", False),
])
def test_is_mobile_examples(value, expected):
    assert is_mobile(value) is expected


@settings(max_examples=200, deadline=None)
@given(digits17, context, context)
def test_valid_resident_id_found_anywhere(first17, before, after):
    rid = first17 + check_char(first17)
    text = before + rid + after
    found = find_identifiers(text)
    assert ("resident_id", len(before), len(before) + 18) in found
    assert is_resident_id(rid)


@settings(max_examples=200, deadline=None)
@given(digits17, st.sampled_from("0123456789X"), context, context)
def test_invalid_check_digit_not_found(first17, last, before, after):
    assume(last != check_char(first17))
    text = before + first17 + last + after
    assert not any(kind == "resident_id" for kind, _s, _e in find_identifiers(text))
    assert not is_resident_id(first17 + last)


@settings(max_examples=200, deadline=None)
@given(mobile_numbers, context, context)
def test_mobile_found_anywhere(number, before, after):
    text = before + number + after
    assert ("mobile", len(before), len(before) + 11) in find_identifiers(text)
    assert mask(number) == number[:3] + "****" + number[-4:]


@settings(max_examples=200, deadline=None)
@given(mobile_numbers, st.text(alphabet="0123456789", min_size=1, max_size=5), st.booleans())
def test_mobile_inside_longer_digit_run_not_found(number, extra, at_start):
    text = extra + number if at_start else number + extra
    kinds = [k for k, _s, _e in find_identifiers(text)]
    assert "mobile" not in kinds


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_plain_digit_strings_classified_exactly(digits):
    """A bare digit string is flagged only if it is itself a valid ID or mobile number."""
    found = find_identifiers(digits)
    expected = []
    if len(digits) == 18 and check_char(digits[:17]) == digits[17]:
        expected.append(("resident_id", 0, 18))
    if len(digits) == 11 and re.fullmatch(r"1[3-9]\d{9}", digits):
        expected.append(("mobile", 0, 11))
    assert found == expected


@settings(max_examples=100, deadline=None)
@given(digits17)
def test_mask_never_shows_full_id(first17):
    rid = first17 + check_char(first17)
    masked = mask(rid)
    assert masked == rid[:3] + "*" * 11 + rid[-4:]
    assert rid not in masked
    assert rid not in mask(f"身份证号：{rid}，请核对")


def test_check_char_function_matches_oracle():
    assert resident_id_check_char("11010519491231002") == "X"
    assert resident_id_check_char("44052418800101001") == check_char("44052418800101001")
    with pytest.raises(ValueError):
        resident_id_check_char("123")


def test_mask_other_values():
    assert mask("张三") == "张*"
    assert mask("王小明") == "王*明"
    assert mask("x") == "*"
    assert mask(None) == ""
    assert mask("电话13812345678，另 11010519491231002X") == "…138****5678…110***********002X"


@pytest.mark.parametrize("header, kind", [
    ("姓名", "name"), ("名字", "name"), ("户主姓名", "name"), ("name", "name"),
    ("Full Name", "name"), ("full_name", "name"), ("member_name", "name"),
    ("手机", "phone"), ("手机号码", "phone"), ("电话", "phone"), ("联系电话", "phone"),
    ("联系方式", "phone"), ("phone", "phone"), ("Mobile", "phone"), ("tel", "phone"),
    ("身份证", "id_number"), ("身份证号", "id_number"), ("公民身份号码", "id_number"),
    ("id_card", "id_number"), ("ID Number", "id_number"),
    ("住址", "address"), ("地址", "address"), ("家庭住址", "address"),
    ("address", "address"), ("Home Address", "address"),
    ("微信", "account"), ("email", "account"),
])
def test_identifier_headers(header, kind):
    assert identifier_header(header) == kind


@pytest.mark.parametrize("header", [
    "org_id", "name_code", "名称代码", "org_name", "village_name", "性别", "备注", "destination",
    "流入地", "skills", "",
])
def test_non_identifier_headers(header):
    assert identifier_header(header) is None
