"""``pbkit score`` and ``pbkit scenarios`` through the real command line entry point."""

from __future__ import annotations

import io
import json
import sys

import pytest

from pbkit.cli import main
from pbkit.commands import score as score_cmd
from pbkit.roleplay import score


def _run(argv, stdin_text, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin_text.encode("utf-8")),
                                                       encoding="utf-8"))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


ANSWER = "大娘您先坐，慢慢说。低保要入户调查、民主评议、公示，再报镇里审批。三个工作日内我上门答复您。"


def test_json_contract(capsys, monkeypatch):
    code, out, err = _run(["score", "--scenario", "dibao-complaint", "--json"], ANSWER,
                          capsys, monkeypatch)
    assert code == 0, err
    data = json.loads(out)
    assert {"scenario", "total", "criteria"} <= set(data)
    assert data["scenario"] == "dibao-complaint"
    expected = score("dibao-complaint", ANSWER)
    assert data["total"] == expected.total
    for item, crit in zip(data["criteria"], expected.criteria):
        assert set(item) == {"id", "level", "max_level", "evidence", "feedback"}
        assert (item["id"], item["level"], item["max_level"]) == (crit.id, crit.level, 3)
        for ev in item["evidence"]:
            assert ANSWER[ev["start"]:ev["end"]] == ev["text"]


def test_text_output_and_lang(capsys, monkeypatch):
    code, out, _ = _run(["score", "--scenario", "dibao-complaint", "--lang", "en"], ANSWER,
                        capsys, monkeypatch)
    assert code == 0
    assert out.splitlines()[0].startswith("Total: ")
    assert "feedback: " in out
    code, out, _ = _run(["score", "--scenario", "dibao-complaint", "--lang", "auto"], ANSWER,
                        capsys, monkeypatch)
    assert out.splitlines()[0].startswith("总分：")
    assert score_cmd.LANG_CHOICES == ("zh", "en", "auto")


def test_gb18030_input(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ANSWER.encode("gb18030"))))
    code = main(["score", "--scenario", "dibao-complaint", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["total"] == score("dibao-complaint", ANSWER).total


@pytest.mark.parametrize("argv, stdin, message", [
    (["score", "--scenario", "nope", "--lang", "en"], "hello",
     "pbkit score: no scenario 'nope' (available: "),
    (["score", "--scenario", "dibao-complaint", "--lang", "en"], "  \n",
     "pbkit score: no answer read: give the answer text on standard input"),
])
def test_errors_one_line_exit_2(argv, stdin, message, capsys, monkeypatch):
    code, out, err = _run(argv, stdin, capsys, monkeypatch)
    assert code == 2
    assert out == ""
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1


def test_scenarios_listing(capsys, monkeypatch):
    code, out, _ = _run(["scenarios", "--lang", "en"], "", capsys, monkeypatch)
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) >= 8
    assert "dibao-complaint\tDibao complaint: a widow says cadres favour their relatives" in lines
    code, out, _ = _run(["scenarios"], "", capsys, monkeypatch)
    assert "dibao-complaint\t低保投诉：丧偶村民说干部只顾自家亲戚" in out.splitlines()


def test_evaluate_report(capsys, monkeypatch):
    code, out, _ = _run(["score", "--evaluate", "--scenario", "four-two", "--folds", "3",
                         "--lang", "en"], "", capsys, monkeypatch)
    assert code == 0
    assert "Pooled: quadratic weighted kappa" in out
    assert "Spearman correlation of totals" in out
    assert "Variant 'nearest'" in out
