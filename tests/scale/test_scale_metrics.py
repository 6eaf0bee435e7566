"""Pairing-network metrics on Dask equal the pandas metrics on the same Parquet data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pbkit.cli import main
from pbkit.scale.metrics import metrics_report
from tests.scale.conftest import cli_on_both_engines

AS_OF = "2025-12-31"


def _assert_same(a, b) -> None:
    assert list(a.views) == list(b.views)
    for name in a.views:
        pd.testing.assert_frame_equal(a.views[name], b.views[name], obj=name)
    assert dict(a.summary) == dict(b.summary)
    assert a.to_json() == b.to_json()


@pytest.fixture(scope="module")
def reports(cross_parquet, scheduler):
    pandas = metrics_report(cross_parquet, engine="pandas", as_of=AS_OF)
    dask = metrics_report(cross_parquet, engine="dask", scheduler=scheduler, as_of=AS_OF)
    return pandas, dask


def test_every_metric_table_is_equal_on_both_engines(reports):
    pandas, dask = reports
    _assert_same(pandas, dask)
    assert pandas.summary["needy"] > 0 and pandas.summary["helpers"] > 0
    assert len(pandas.views["structure"]) > 0


def test_pair_from_another_township_covers_the_household(reports, cross_county, cross_target):
    _, dask = reports
    assert cross_target not in set(dask.views["uncovered"]["household_id"])
    p = cross_county.pairings
    helper = p.loc[p["pairing_id"] == "XP1", "source_id"].iloc[0]
    from pbkit.networks.eligibility import active_pairings

    active = active_pairings(cross_county, "one_on_one", AS_OF)
    own = active[active["source_id"] == helper]
    loads = dask.views["helper_load"].set_index("person_id")
    assert loads.loc[helper, "pairs"] == own["target_id"].nunique() >= 1


def test_equal_to_the_networks_package_on_a_loaded_dataset(cross_county):
    from pbkit.networks.metrics import metrics_report as direct

    a = metrics_report(cross_county, engine="pandas", as_of=AS_OF)
    b = direct(cross_county, as_of=AS_OF)
    assert a.to_json() == b.to_json()


def test_removed_people_and_seed_reach_the_dask_engine(cross_parquet, cross_county, scheduler):
    away = cross_county.people["person_id"].iloc[:40].tolist()
    pandas = metrics_report(cross_parquet, engine="pandas", as_of=AS_OF, removed=away, seed=3)
    dask = metrics_report(cross_parquet, engine="dask", scheduler=scheduler, as_of=AS_OF,
                          removed=away, seed=3)
    _assert_same(pandas, dask)
    assert dask.summary["migrant_broken_pairs"] is None


def test_cli_json_xlsx_and_summary_on_both_engines(cross_parquet, scheduler, capsys, tmp_path):
    base = ["metrics", str(cross_parquet), "--as-of", AS_OF, "--lang", "en"]
    out = tmp_path / "m.xlsx"
    plain, captured = cli_on_both_engines(base, scheduler, capsys, out)
    assert captured.out == plain
    assert json.loads(plain)["summary"]["needy"] > 0
    from openpyxl import load_workbook

    assert load_workbook(out, read_only=True).sheetnames[:2] == ["summary",
                                                                 "coverage_by_village"]
    assert main(base) == 0
    text = capsys.readouterr().out
    assert main([*base, "--engine", "dask", "--scheduler", scheduler]) == 0
    assert capsys.readouterr().out == text


def test_cli_missing_path_is_one_line_exit_2(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["metrics", str(missing), "--engine", "dask", "--lang", "en"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"pbkit metrics: {missing}: no such file or folder")


def test_dataset_without_pairings(tmp_path, scheduler):
    from pbkit.data.dataset import Dataset
    from pbkit.data.parquet import write_parquet

    ds = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["T", "V1"], "parent_id": [None, "T"],
                           "level": ["township", "village"]}),
        households=pd.DataFrame({"household_id": ["H1", "H2"], "org_id": "V1",
                                 "needs": ["disabled", "low_income;elderly_alone"]}))
    path = write_parquet(ds, tmp_path / "pq")
    pandas = metrics_report(path, engine="pandas", as_of=AS_OF)
    dask = metrics_report(path, engine="dask", scheduler=scheduler, as_of=AS_OF)
    _assert_same(pandas, dask)
    assert dask.summary["uncovered"] == 2
    assert dask.views["uncovered"]["needs"].tolist() == [("disabled",),
                                                         ("low_income", "elderly_alone")]
