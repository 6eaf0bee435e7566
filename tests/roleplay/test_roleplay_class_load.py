"""A small class: three role-play kernels open and submit at once.

The real app notebook runs in real IPython kernels (what Voila starts per page); each saves
its attempt to one SQLite store. What is checked is behaviour: every attempt is saved with
a score, and no kernel trains a scorer (the model parameters come from the shipped file,
scikit-learn is never imported). The times of 10/20/40/80 sessions are measured in
``benchmarks/bench_class_load.py``.
"""

from __future__ import annotations

import pytest

from benchmarks.bench_class_load import run_class

pytestmark = pytest.mark.slow


def test_three_sessions_share_the_precomputed_scorer(tmp_path):
    res = run_class(3, data_dir=tmp_path)
    assert res["errors"] == []
    assert res["saved"] == 3
    assert res["kernels_with_sklearn"] == 0
    assert res["models"] == ["precomputed"]


def test_without_the_shipped_parameters_every_kernel_trains(tmp_path):
    res = run_class(2, train=True, data_dir=tmp_path)
    assert res["errors"] == [] and res["saved"] == 2
    assert res["kernels_with_sklearn"] == 2 and res["models"] == ["trained"]
