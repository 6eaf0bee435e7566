"""Feedback that fits the answer, and input the scorer must survive (issue 15).

Sentences written for these tests. Any ``str`` scores without raising (lone surrogates,
zero-width and control characters); answers longer than the practice app's cap are refused
with one bilingual message, by the library and by ``pbkit score`` (exit code 2).
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from pbkit.cli import main
from pbkit.errors import UsageError
from pbkit.roleplay import get_scenario, score
from pbkit.roleplay.scorer import answer_feedback, max_answer_chars

DIBAO = "dibao-complaint"


# ----------------------------------------------------------------------------- feedback


def test_feedback_never_asks_for_what_the_answer_already_did():
    crit = get_scenario(DIBAO).criterion("procedure")
    zh = score(DIBAO, "大娘，您要是对结果不服，可以向镇里申请复核。").criterion("procedure")
    assert "复核" not in zh.feedback.split("还可以")[-1], zh.feedback
    assert zh.feedback != f"“{crit.name.zh}”还可以更好：{crit.tip.zh}"
    en = score(DIBAO, "First someone from the committee visits your home, then the "
                      "villager representatives appraise the case.").criterion("procedure")
    assert en.level == 2
    missing = en.feedback.split("still missing")[-1]
    assert "visit the home" not in missing and "appraise the case" not in missing, en.feedback
    assert "posted" in missing  # what is still missing stays
    # and it says what was done well, quoting the answer
    assert "申请复核" in zh.feedback and "visits your home" in en.feedback


def test_top_level_feedback_quotes_what_earned_it():
    s = score(DIBAO, "低保要先入户调查，再民主评议，然后公示。您要是不服，可以向镇里申请复核。")
    fb = s.criterion("procedure").feedback
    assert s.criterion("procedure").level == 3
    assert "最高级" in fb and "入户调查" in fb


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_top_level_praise_for_an_answer_marked_for_review(lang):
    crit = get_scenario(DIBAO).criterion("procedure")
    fb = answer_feedback(crit, 3, lang, done="“x”", flagged=True)
    assert "最高级" not in fb and "top level" not in fb
    assert crit.name.get(lang) in fb


def test_evidence_is_a_whole_phrase():
    text = "低保评下来要经过入户调查、民主评议和公示，最后由乡镇政府审核确认。"
    s = score(DIBAO, text)
    spans = [e.text for c in s.criteria for e in c.evidence]
    assert "最后由乡镇政府审核确认" in spans, spans
    assert all(not t.endswith("由乡镇政府审") for t in spans)
    for c in s.criteria:
        for e in c.evidence:
            assert text[e.start:e.end] == e.text


@pytest.mark.parametrize("text", [
    "您放心，我保证一定给您家批下来，低保名额我给您留着。",
    "Don't worry, I promise you will definitely get the allowance next year.",
])
def test_improper_statements_are_marked_apart_from_earned_evidence(text):
    s = score(DIBAO, text)
    b = s.criterion("boundaries")
    assert b.vetoed and b.level == 0
    items = s.to_dict()["criteria"][[c.id for c in s.criteria].index("boundaries")]["evidence"]
    assert items and all(item.get("improper") is True for item in items)
    earned = [e for c in s.criteria if not c.vetoed for e in c.to_dict()["evidence"]]
    assert all("improper" not in e for e in earned)


# ----------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("junk", [chr(0xD800), chr(0xDFFF), "\u200b", "\ufeff", "\x00",
                                  "\x1b[31m", "\u202e", "\x7f"])
def test_any_string_scores_without_raising(junk):
    text = f"您可以向镇里{junk}申请复核{junk}。"
    s = score(DIBAO, text)
    json.dumps(s.to_dict(), ensure_ascii=False).encode("utf-8")  # printable as UTF-8
    assert s.criterion("procedure").level >= 1


def test_zero_width_characters_do_not_defeat_cues():
    clean = score(DIBAO, "我们会重新核查那户亲戚的材料，相关干部回避，结果公示。")
    dirty = score(DIBAO, "我们会重新核\u200b查那户亲\u200d戚的材料，相关干部回\u2060避，结果公\ufeff示。")
    assert dirty.levels == clean.levels and clean.criterion("transparency").level == 3


def test_answers_over_the_app_cap_are_refused_with_one_message():
    limit = max_answer_chars()
    from pbkit.store.limits import DEFAULT_LIMITS

    assert limit == DEFAULT_LIMITS.max_turn_chars  # one bound for the app and the scorer
    score(DIBAO, "复" * limit)  # at the cap: scored
    with pytest.raises(UsageError) as info:
        score(DIBAO, "复" * (limit + 1))
    assert str(limit + 1) in info.value.render("en") and str(limit) in info.value.render("zh")
    assert "上限" in info.value.render("zh") and "limit" in info.value.render("en")


def _run(argv, data: bytes, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_refuses_an_answer_over_the_cap(capsys, monkeypatch):
    data = ("复核" * (max_answer_chars() // 2 + 1)).encode("utf-8")
    code, out, err = _run(["score", "--scenario", DIBAO], data, capsys, monkeypatch)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_scores_invisible_and_control_characters(capsys, monkeypatch):
    data = "您可以\u200b向镇里申请复核\x01\x1b[0m。".encode() + b"\xed\xa0\x80"
    code, out, err = _run(["score", "--scenario", DIBAO, "--json"], data, capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(out)["scenario"] == DIBAO


def test_cli_text_shows_an_improper_statement_apart(capsys, monkeypatch):
    data = "您放心，我保证一定给您家批下来。".encode()
    code, out, _ = _run(["score", "--scenario", DIBAO], data, capsys, monkeypatch)
    assert code == 0
    assert "不当表述（不计分）：我保证一定给您家批下来" in out
    assert "依据：我保证" not in out
