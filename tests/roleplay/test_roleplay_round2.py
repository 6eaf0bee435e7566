"""Frozen evaluation round 2 as a regression test (benchmarks/roleplay_eval/round2).

The answers and both human gradings were written and frozen (SHA-256 in SHA256SUMS) before
the scorer ever ran on them; the first pass is the figure reported in RESULTS.md. From now on
the round only guards against going back: agreement may not fall below that first pass.
"""

from __future__ import annotations

import pytest

from benchmarks.roleplay_eval import run_round

pytestmark = pytest.mark.slow

#: first pass of the scorer on round 2 (2026-12-07), the floor from now on
FIRST_PASS = {"qwk_pooled": 0.707, "qwk_hard": 0.641, "mae_total": 16.0}


@pytest.fixture(scope="module")
def report():
    folder = run_round.HERE / "round2"
    run_round._check_frozen(folder, ["answers.jsonl", "grades_A.jsonl", "grades_B.jsonl"])
    answers = run_round._read(folder / "answers.jsonl")
    grades = {g["id"]: g for g in run_round._read(folder / "grades_A.jsonl")}
    machine = run_round.score_answers(answers)
    long = run_round.long_frame(answers, grades, machine)
    totals = run_round.totals_frame(answers, grades, machine)
    return run_round.agreement_tables(long, totals)["summary"], totals


def test_round2_agreement_does_not_fall_below_the_first_pass(report):
    summary, _ = report
    assert summary["qwk_pooled"] >= FIRST_PASS["qwk_pooled"] - 0.01
    assert summary["qwk_hard"] >= FIRST_PASS["qwk_hard"] - 0.01
    assert summary["mae_total"] <= FIRST_PASS["mae_total"] + 0.5


def test_round2_pasted_scenarios_score_nothing(report):
    _, totals = report
    assert (totals.loc[totals["kind"] == "pasted_scenario", "machine"] == 0).all()
