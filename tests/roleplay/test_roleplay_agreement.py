"""Agreement statistics: quadratic weighted kappa against a hand computation, exact and
adjacent agreement, confusion matrix, SMD; machine-vs-human and human-vs-human."""

from __future__ import annotations

import math

import pytest

from pbkit.errors import UsageError
from pbkit.roleplay import agreement, get_scenario, score_many
from pbkit.roleplay.agreement import quadratic_weighted_kappa, smd


def _qwk_by_hand(a, b, k=3):
    """kappa = 1 - sum w*O / sum w*E with w = (i-j)^2 / k^2, E = outer(marginals) / n."""
    n = len(a)
    obs = [[0] * (k + 1) for _ in range(k + 1)]
    for x, y in zip(a, b):
        obs[x][y] += 1
    ra = [sum(row) for row in obs]
    rb = [sum(obs[i][j] for i in range(k + 1)) for j in range(k + 1)]
    num = sum((i - j) ** 2 / k**2 * obs[i][j] for i in range(k + 1) for j in range(k + 1))
    den = sum((i - j) ** 2 / k**2 * ra[i] * rb[j] / n
              for i in range(k + 1) for j in range(k + 1))
    return 1 - num / den


def test_qwk_matches_hand_example():
    a = [0, 1, 2, 3, 3]
    b = [0, 1, 2, 2, 3]
    # worked by hand: sum wO = 1/9, sum wE = 61/45, kappa = 1 - 5/61
    assert quadratic_weighted_kappa(a, b) == pytest.approx(1 - 5 / 61)
    a = [0, 0, 1, 1, 2, 2, 3, 3, 1, 2]
    b = [0, 1, 1, 2, 2, 3, 3, 2, 0, 2]
    assert quadratic_weighted_kappa(a, b) == pytest.approx(_qwk_by_hand(a, b))


def test_perfect_and_undefined():
    assert quadratic_weighted_kappa([0, 1, 2, 3], [0, 1, 2, 3]) == pytest.approx(1.0)
    assert math.isnan(quadratic_weighted_kappa([2, 2, 2], [2, 2, 2]))


def test_report_fields_and_confusion():
    rep = agreement([0, 1, 2, 3, 3, 1], [0, 2, 2, 1, 3, 1])
    assert rep.n == 6
    assert rep.exact == pytest.approx(4 / 6)
    assert rep.adjacent == pytest.approx(5 / 6)
    assert int(rep.confusion.loc[3, 1]) == 1 and int(rep.confusion.loc[1, 2]) == 1
    assert int(rep.confusion.to_numpy().sum()) == 6
    assert rep.smd == pytest.approx(smd([0, 1, 2, 3, 3, 1], [0, 2, 2, 1, 3, 1]))
    d = rep.to_dict()
    assert d["n"] == 6 and len(d["confusion"]) == 4


def test_smd_formula():
    a, b = [3, 3, 2, 2], [2, 2, 1, 1]
    # means 2.5 and 1.5, population variances 0.25 each -> (1.0) / 0.5
    assert smd(a, b) == pytest.approx(2.0)
    assert smd(b, a) == pytest.approx(-2.0)


def test_per_criterion_tables_and_pooling():
    machine = [{"x": 3, "y": 0}, {"x": 2, "y": 1}, {"x": 0, "y": 2}]
    human = [{"x": 3, "y": 1}, {"x": 2, "y": 1}, {"x": 1, "y": 2}]
    rep = agreement(machine, human)
    assert rep.per_criterion["criterion"].tolist() == ["x", "y"]
    assert rep.n == 6
    assert rep.exact == pytest.approx(4 / 6)
    pooled = agreement([3, 2, 0, 0, 1, 2], [3, 2, 1, 1, 1, 2])
    assert rep.qwk == pytest.approx(pooled.qwk)


def test_human_vs_human():
    rater_a = {"acknowledge": [3, 2, 1, 0, 2], "procedure": [2, 2, 0, 0, 3]}
    rater_b = {"acknowledge": [3, 1, 1, 0, 2], "procedure": [2, 3, 0, 1, 3]}
    rep = agreement(rater_a, rater_b)
    assert 0 < rep.qwk < 1
    assert rep.per_criterion.set_index("criterion").loc["acknowledge", "exact"] == 0.8


def test_machine_vs_exemplars():
    sc = get_scenario("neighbor-dispute")
    scores = score_many(sc.id, [e.text for e in sc.exemplars])
    rep = agreement([s.levels for s in scores], [dict(e.levels) for e in sc.exemplars])
    assert rep.qwk > 0.7


def test_errors():
    with pytest.raises(UsageError) as info:
        agreement([0, 1], [0])
    assert info.value.render("en") == "2 machine levels but 1 human levels; they must match"
    with pytest.raises(UsageError) as info:
        agreement([0, 4], [0, 1])
    assert info.value.render("en") == "invalid level '4' (use an integer 0 to 3)"
    with pytest.raises(UsageError):
        agreement({"a": [1]}, {"b": [1]})
    with pytest.raises(UsageError):
        agreement([], [])


def test_public_names_stay_functions_after_submodule_imports():
    import importlib

    import pbkit.roleplay as rp

    for name in ("agreement", "evaluate", "normalize"):
        importlib.import_module(f"pbkit.roleplay.{name}")
        assert callable(getattr(rp, name)), name
    from pbkit.roleplay import agreement as fn

    assert fn([0, 1], [0, 1]).exact == 1.0
