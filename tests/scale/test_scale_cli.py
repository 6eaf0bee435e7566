"""`pbkit plan|health|metrics --engine dask [--scheduler]` on the command line."""

from __future__ import annotations

import json

import pytest

from pbkit.cli import main
from pbkit.data.parquet import write_parquet
from pbkit.data.sample import load_sample, sample_path


@pytest.mark.slow
def test_plan_engine_dask_matches_pandas_from_csv_and_parquet(tmp_path):
    pandas_out, dask_out, pq_out = (tmp_path / f"{n}.json" for n in ("pandas", "dask", "pq"))
    base = ["plan", "--mechanism", "one_on_one", "--as-of", "2025-12-31", "--lang", "en"]
    assert main([*base[:1], str(sample_path()), *base[1:], "--out", str(pandas_out)]) == 0
    assert main([*base[:1], str(sample_path()), *base[1:], "--out", str(dask_out),
                 "--engine", "dask"]) == 0
    parquet = write_parquet(load_sample(), tmp_path / "pq")
    assert main([*base[:1], str(parquet), *base[1:], "--out", str(pq_out),
                 "--engine", "dask"]) == 0
    plain = json.loads(pandas_out.read_text(encoding="utf-8"))
    for other in (dask_out, pq_out):
        data = json.loads(other.read_text(encoding="utf-8"))
        assert data["pairs"] == plain["pairs"]
        assert data["uncovered"] == plain["uncovered"]
        assert data["objective"]["covered"] == plain["objective"]["covered"]


def test_scheduler_without_dask_engine_is_refused(tmp_path, capsys):
    code = main(["plan", str(sample_path()), "--mechanism", "one_on_one", "--out",
                 str(tmp_path / "p.json"), "--scheduler", "tcp://127.0.0.1:1", "--lang", "en"])
    assert code == 2
    assert capsys.readouterr().err.strip() == "pbkit plan: --scheduler needs --engine dask"
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("command", ["health", "metrics"])
def test_cli_unreachable_scheduler_is_one_line_exit_2(command, cross_parquet, capsys,
                                                      monkeypatch):
    monkeypatch.setattr("pbkit.scale.engine.CONNECT_TIMEOUT", "2s")
    assert main([command, str(cross_parquet), "--engine", "dask", "--scheduler",
                 "tcp://127.0.0.1:9", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(
        f"pbkit {command}: cannot connect to the Dask scheduler tcp://127.0.0.1:9: ")


@pytest.mark.parametrize("command", ["health", "metrics"])
def test_cli_scheduler_needs_the_dask_engine(command, cross_parquet, capsys):
    assert main([command, str(cross_parquet), "--scheduler", "tcp://127.0.0.1:9",
                 "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip() == f"pbkit {command}: --scheduler needs --engine dask"
