"""Direct-identifier detection: resident IDs, mobile numbers, headers, masking."""

from __future__ import annotations

import datetime
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
    ("138-1234-5678", True), ("138 1234 5678", True),
    ("138-1234 5678", True),  # mixed separators: still a phone number (was missed)
    ("+8613812345678", True), ("008613812345678", True), ("8613812345678", True),
    ("138.1234.5678", True), ("(+86) 138 1234 5678", True), ("138 1234 567", False),
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
    assume(not (at_start and extra in ("86", "0086")))   # a country code, not a longer run
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
    for prefix in ("", "86", "0086"):   # a mobile number, bare or with the country code
        if len(digits) == 11 + len(prefix) and re.fullmatch(prefix + r"1[3-9]\d{9}", digits):
            expected.append(("mobile", 0, len(digits)))
    if len(digits) == 15 and not expected and old_id_ok(digits):
        expected.append(("resident_id", 0, 15))
    assert found == expected


PROVINCE_CODES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
                  44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}


def old_id_ok(digits: str) -> bool:
    """Independent oracle for a 15-digit ID: province code and a real date 19YYMMDD."""
    import datetime

    if int(digits[:2]) not in PROVINCE_CODES:
        return False
    try:
        datetime.date(1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12]))
    except ValueError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.dates(datetime.date(1900, 1, 1), datetime.date(1999, 12, 31)),
       st.sampled_from(sorted(PROVINCE_CODES)), st.text("0123456789", min_size=7, max_size=7))
def test_old_15_digit_ids_found(birth, province, rest):
    number = f"{province}{rest[:4]}{birth:%y%m%d}{rest[4:]}"
    assert len(number) == 15
    assert find_identifiers(f"身份证{number}号") == [("resident_id", 3, 18)]
    assert is_resident_id(number)


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


# ---------------------------------------------------------------- written forms
# The oracle is this hand-written list and the digits each value is built from, never the
# detector's own patterns.

PLANTED_NUMBERS = [
    # (as written, the digits that must not survive)
    ("13812345678", "13812345678"),
    ("+8613812345678", "13812345678"),
    ("008613812345678", "13812345678"),
    ("86 138 1234 5678", "13812345678"),
    ("+86-138-1234-5678", "13812345678"),
    ("138.1234.5678", "13812345678"),
    ("138-1234 5678", "13812345678"),
    ("138 - 1234 - 5678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),
    ("１３８－１２３４－５６７８", "13812345678"),
    ("138\u30001234\u30005678", "13812345678"),
    ("11010519491231002X", "11010519491231002"),
    ("110105 19491231 002X", "11010519491231002"),
    ("110105-19491231-002x", "11010519491231002"),
    ("1101 0519 4912 3100 2X", "11010519491231002"),
    ("440524188001010014", "440524188001010014"),
    ("110105491231002", "110105491231002"),        # old 15-digit ID
    ("110105-491231-002", "110105491231002"),
    ("440524 800101 001", "440524800101001"),
]
PLANTED_NAMES = ["联系人王小明", "联系人：张伟", "户主李秀英", "姓名:刘洋", "负责人为陈静",
                 "看望赵大爷", "欧阳娜娜老师", "请孙丽同志"]
NOT_IDENTIFIERS = ["福建", "东山村", "电工", "广东", "in_province", "agriculture;elder_care",
                   "党支部书记", "全体同志", "联系方式见村委会", "2024-03-05", "1990 1995 2000 2005",
                   "应到 20 实到 18", "12.5", "江西", "helper", "township_mentor", "金华",
                   "石家庄", "高州", "联系人：村委会", "党员同志们", "感谢村干部和同志们",
                   "向老师请教", "党课老师", "司机师傅", "管道师傅", "高级老师"]


def digits_only(text: str) -> str:
    table = {0xFF10 + i: ord("0") + i for i in range(10)}
    return "".join(ch for ch in text.translate(table) if ch.isdigit())


def scrubbed(text: str) -> str:
    """``text`` with every span the detector reports cut out."""
    out, last = [], 0
    for _kind, start, end in find_identifiers(text):
        out.append(text[last:start])
        last = end
    return "".join(out) + text[last:]


@pytest.mark.parametrize("written, digits", PLANTED_NUMBERS)
def test_every_written_form_of_a_number_is_found(written, digits):
    for text in (written, f"流入地广东，电话{written}", f"{written} 请联系"):
        left = scrubbed(text)
        assert written not in left
        assert digits not in digits_only(left), (text, left)


@pytest.mark.parametrize("text", PLANTED_NAMES)
def test_names_in_context_are_found(text):
    spans = find_identifiers(text)
    assert spans and all(kind == "name" for kind, _s, _e in spans)


@pytest.mark.parametrize("text", NOT_IDENTIFIERS)
def test_place_names_skills_and_numbers_are_left_alone(text):
    assert find_identifiers(text) == []


SEPARATORS = [" ", "-", ".", "  ", " - ", "\u3000", "－", "—"]
PREFIXES = ["", "+86", "+86 ", "0086", "0086-", "86 ", "+86-"]


def split_digits(draw, digits: str) -> str:
    """``digits`` cut into groups at random places, joined by random separators."""
    cuts = sorted(draw(st.sets(st.integers(1, len(digits) - 1), max_size=4)))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    seps = [draw(st.sampled_from(SEPARATORS)) for _ in groups[1:]]
    out = groups[0]
    for sep, group in zip(seps, groups[1:], strict=True):
        out += sep + group
    return out


def full_width(text: str) -> str:
    return text.translate({ord("0") + i: 0xFF10 + i for i in range(10)})


@st.composite
def written_mobiles(draw):
    digits = draw(mobile_numbers)
    text = draw(st.sampled_from(PREFIXES)) + split_digits(draw, digits)
    return (full_width(text) if draw(st.booleans()) else text), digits


@st.composite
def written_ids(draw):
    first17 = draw(digits17)
    digits = first17 + check_char(first17)
    text = split_digits(draw, digits)
    if text.endswith("X") and draw(st.booleans()):
        text = text[:-1] + "x"
    return (full_width(text) if draw(st.booleans()) else text), digits[:17]


@settings(max_examples=300, deadline=None)
@given(st.one_of(written_mobiles(), written_ids()), context, context)
def test_generated_written_forms_never_survive(case, before, after):
    written, digits = case
    left = scrubbed(before + written + after)
    assert digits not in digits_only(left)


def test_validate_reports_identifiers_in_every_text_column(tmp_path):
    """``pbkit validate`` uses the same detector: planted values in 流入地 (destination),
    特长 (skills) and the pairing role are reported, each at its row; exit 2."""
    import shutil
    import subprocess
    import sys

    import pandas as pd

    from pbkit.data.validation import validate

    root = __import__("pathlib").Path(__file__).resolve().parents[2]
    data = tmp_path / "data"
    shutil.copytree(root / "datasets" / "sample-township", data)
    people = pd.read_csv(data / "people.csv", dtype=str, keep_default_na=False)
    pairs = pd.read_csv(data / "pairings.csv", dtype=str, keep_default_na=False)
    values = [w for w, _d in PLANTED_NUMBERS] + PLANTED_NAMES
    planted = []   # (file, row as the user sees it)
    for i, value in enumerate(values):
        if i % 3 == 0:
            people.loc[i, "destination"] = f"广东 {value}"
            planted.append(("people.csv", i + 2))
        elif i % 3 == 1:
            people.loc[i, "skills"] = f"agriculture;{value}"
            planted.append(("people.csv", i + 2))
        else:
            pairs.loc[i, "role"] = value
            planted.append(("pairings.csv", i + 2))
    people.to_csv(data / "people.csv", index=False)
    pairs.to_csv(data / "pairings.csv", index=False)

    report = validate(data)
    found = {(i.file, i.row) for i in report.errors if i.key.startswith(
        "data.identifier_cell.")}
    assert set(planted) <= found, sorted(set(planted) - found)
    assert len(found) == len(planted)       # nothing else in the sample is flagged
    proc = subprocess.run([sys.executable, "-m", "pbkit.cli", "validate", str(data), "--lang",
                           "en"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "the cell holds a person's name (王*明)" in proc.stdout
    for value in values:
        assert value not in proc.stdout
