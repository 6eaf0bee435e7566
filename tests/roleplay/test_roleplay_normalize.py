"""Normalisation: full width, Traditional Chinese, numerals and deadlines."""

from __future__ import annotations

import pytest

from pbkit.roleplay.normalize import cn_number, detect_lang, find_deadlines, normalize


def test_offsets_map_back_to_original():
    text = "我會在三個工作日內給您ＡＢ答覆"
    n = normalize(text)
    assert n.text == "我会在三个工作日内给您ab答复"
    start = n.text.index("三个工作日内")
    s, e = n.span(start, start + 6)
    assert text[s:e] == "三個工作日內"


@pytest.mark.parametrize("phrase, kind", [
    ("三个工作日内", "duration"), ("一周内", "duration"), ("两天后", "duration"),
    ("下个月15号", "date"), ("下周五之前", "date"), ("3月20日", "date"), ("月底前", "date"),
    ("within 3 days", "duration"), ("within five working days", "duration"),
    ("by Friday", "date"), ("by the end of the month", "date"), ("next week", "date"),
    ("tomorrow", "date"), ("on the 15th", "date"),
])
def test_deadlines_recognised(phrase, kind):
    found = find_deadlines(f"我们 {phrase} 处理 / we will act {phrase}.")
    assert any(d.kind == kind for d in found), found


@pytest.mark.parametrize("text", ["我会尽快处理", "please calm down a little", "冷静一点",
                                  "今天天气不错", "I will look into it soon"])
def test_no_false_deadlines(text):
    assert find_deadlines(text) == []


def test_traditional_and_full_width_deadlines():
    assert [d.text for d in find_deadlines("我們三個工作日內答覆")] == ["三个工作日内"]
    assert [d.text for d in find_deadlines("ｗｉｔｈｉｎ　３　ｄａｙｓ")] == ["within 3 days"]


def test_cn_numbers():
    assert [cn_number(x) for x in ["一", "十", "十五", "二十三", "一百零五", "两", "7"]] == \
        [1, 10, 15, 23, 105, 2, 7]
    assert cn_number("几") is None


def test_detect_lang():
    assert detect_lang("您好，我理解您的难处") == "zh"
    assert detect_lang("I understand, auntie. 低保 is hard to get.") == "en"
