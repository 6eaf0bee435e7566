"""The branch-health report on Dask equals the pandas report on the same Parquet data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pbkit.cli import main
from pbkit.errors import UsageError
from pbkit.scale.health import health_report
from tests.scale.conftest import cli_on_both_engines

AS_OF = "2025-12-31"


def _assert_same(a, b) -> None:
    assert list(a.views) == list(b.views)
    for name in a.views:
        pd.testing.assert_frame_equal(a.views[name], b.views[name], obj=name)
    for item in a.scores.evidence:
        pd.testing.assert_frame_equal(a.scores.evidence[item], b.scores.evidence[item],
                                      obj=item)
    pd.testing.assert_frame_equal(a.scores.evidence_frame("zh"), b.scores.evidence_frame("zh"))
    assert dict(a.meta) == dict(b.meta)
    assert a.to_json() == b.to_json()


@pytest.fixture(scope="module")
def reports(cross_parquet, scheduler):
    pandas = health_report(cross_parquet, engine="pandas", as_of=AS_OF, lang="en")
    dask = health_report(cross_parquet, engine="dask", scheduler=scheduler, as_of=AS_OF,
                         lang="en")
    return pandas, dask


def test_every_view_is_equal_on_both_engines(reports):
    pandas, dask = reports
    _assert_same(pandas, dask)
    assert pandas.meta["branches"] > 10 and len(pandas.views["perfunctory"]) > 0


def test_default_reference_date_is_found_by_dask_too(cross_parquet, scheduler):
    pandas = health_report(cross_parquet, engine="pandas", lang="zh")
    dask = health_report(cross_parquet, engine="dask", scheduler=scheduler, lang="zh")
    _assert_same(pandas, dask)
    assert (dask.meta["year"], dask.meta["as_of"]) == (pandas.meta["year"], pandas.meta["as_of"])


def test_records_filed_in_another_township_count(reports, cross_county, cross_target):
    """The visit and the pair of township A's member reach B's household; the county
    cadre's visit reaches A's village: joins, not a township shortcut."""
    pandas, dask = reports
    uncovered = dask.scores.evidence["one_on_one_coverage"]
    assert cross_target not in set(uncovered["household_id"])
    unsolved = dask.scores.evidence["problems_solved"]
    target_village = cross_county.households.set_index("household_id").loc[
        cross_target, "org_id"]
    assert "XV1" in set(unsolved.loc[unsolved["org_id"] == target_village, "visit_id"])
    villages = dask.views["fairness_villages"].set_index("org_id")
    visited = cross_county.visits.loc[cross_county.visits["visit_id"] == "XV2", "target_id"]
    assert villages.loc[visited.iloc[0], "visits"] >= 1


def test_pandas_engine_on_a_dataset_equals_the_health_package(cross_county):
    from pbkit.health.report import health_report as direct

    a = health_report(cross_county, engine="pandas", as_of=AS_OF, lang="en")
    b = direct(cross_county, as_of=AS_OF, lang="en")
    assert a.to_json() == b.to_json()


def test_unknown_engine_is_refused(cross_parquet):
    with pytest.raises(UsageError) as err:
        health_report(cross_parquet, engine="spark")
    assert err.value.render("en") == "unknown engine spark (choose from pandas, dask)"


def test_cli_json_and_summary_are_the_same_on_both_engines(cross_parquet, scheduler, capsys,
                                                            tmp_path):
    base = ["health", str(cross_parquet), "--as-of", AS_OF, "--lang", "en"]
    out = tmp_path / "dask.xlsx"
    plain, captured = cli_on_both_engines(base, scheduler, capsys, out)
    assert captured.out == plain
    assert f"computing on Dask (scheduler: {scheduler})" in captured.err
    assert json.loads(plain)["meta"]["dataset"] == "two-townships"
    from openpyxl import load_workbook

    sheets = load_workbook(out, read_only=True).sheetnames
    assert len(sheets) == 22 and sheets[0] == "Cover"


@pytest.mark.slow
def test_cli_dask_on_a_csv_folder_converts_on_the_fly(tmp_path, capsys):
    """No --scheduler: a local cluster of worker processes is started and closed."""
    from pbkit.data.sample import sample_path

    base = ["health", str(sample_path()), "--as-of", AS_OF, "--lang", "en"]
    assert main(base) == 0
    plain = capsys.readouterr().out
    assert main([*base, "--engine", "dask"]) == 0
    captured = capsys.readouterr()
    assert captured.out == plain
    assert "converting it to a temporary Parquet folder" in captured.err


def test_cli_missing_path_is_one_line_exit_2(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert main(["health", str(missing), "--engine", "dask", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"pbkit health: {missing}: no such file or folder"


def test_cli_damaged_parquet_manifest_is_one_line_exit_2(tmp_path, capsys):
    folder = tmp_path / "pq"
    folder.mkdir()
    (folder / "_pbkit.json").write_text("{", encoding="utf-8")
    assert main(["health", str(folder), "--engine", "dask", "--lang", "en"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"pbkit health: {folder / '_pbkit.json'}: not a pbkit Parquet dataset "
                       "(_pbkit.json missing or unreadable)")


def test_dataset_without_townships_people_or_visits(tmp_path, scheduler):
    """Every organisation above no township, empty tables: the same (small) report."""
    from pbkit.data.dataset import Dataset
    from pbkit.data.parquet import write_parquet

    ds = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["V1", "V2"], "level": ["village", "village"]}),
        activities=pd.DataFrame({"activity_id": ["A1", "A2", "A3"], "org_id": ["V1", "V2", "V2"],
                                 "kind": "committee_meeting",
                                 "date": ["2024-03-05", "2024-04-05", "2024-05-05"],
                                 "expected": 5, "attended": [4, 5, 2]}))
    path = write_parquet(ds, tmp_path / "pq")
    pandas = health_report(path, engine="pandas", lang="en")
    dask = health_report(path, engine="dask", scheduler=scheduler, lang="en")
    _assert_same(pandas, dask)
    low = dask.scores.evidence["meeting_attendance"]
    assert low.loc[low["reason"] == "low_attendance", "activity_id"].tolist() == ["A3"]


def test_contract_tables_equal_and_whole_tables_never_loaded(cross_parquet, scheduler):
    """The first contract table asked for runs the Dask graph; the whole-table methods of
    the pandas context are refused on the Dask one."""
    from pbkit.data.parquet import read_parquet
    from pbkit.health.context import HealthContext
    from pbkit.scale.engine import dask_client
    from pbkit.scale.health import DaskHealthContext

    local = HealthContext.create(read_parquet(cross_parquet), as_of=AS_OF)
    with dask_client(scheduler):
        ctx = DaskHealthContext.open(cross_parquet, as_of=AS_OF)
        stats = ctx.household_stats()
    pd.testing.assert_frame_equal(stats, local.household_stats(), check_index_type=False)
    pd.testing.assert_frame_equal(ctx.activity_totals(), local.activity_totals())
    with pytest.raises(RuntimeError):
        ctx.visits()
