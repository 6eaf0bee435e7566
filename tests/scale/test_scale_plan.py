"""Plans decomposed by township equal the whole-dataset plan, on both engines."""

from __future__ import annotations

import pandas as pd
import pytest

from pbkit.data.dataset import Dataset
from pbkit.data.partition import split_by_township, township_of
from pbkit.data.synth import synthesize
from pbkit.errors import UsageError
from pbkit.networks import plan
from pbkit.scale.plan import plan_by_township
from tests.scale.conftest import _relabel

AS_OF = "2025-12-31"


@pytest.fixture(scope="module")
def county():
    a = _relabel(synthesize("township", seed=11), "A")
    b = _relabel(synthesize("township", seed=12), "B")
    tables = {n: pd.concat([a[n], b[n]], ignore_index=True) for n in a}
    roots = tables["orgs"]["parent_id"].isna()
    tables["orgs"].loc[roots, "parent_id"] = "C0"
    county_row = pd.DataFrame({"org_id": ["C0"], "level": ["county"]})
    tables["orgs"] = pd.concat([county_row, tables["orgs"]], ignore_index=True)
    return Dataset.from_frames(name="two-townships", **tables)


@pytest.fixture(scope="module")
def county_with_cadre(county):
    """The two townships (which overlap in space) plus a county cadre who can help."""
    people = county.people
    cadre = people.iloc[[0]].assign(person_id="C0P1", org_id="C0", migrant=False,
                                    roles=[("agency_cadre",)])
    tables = {n: county.table(n) for n in ("orgs", "households", "pairings", "activities",
                                          "visits")}
    return Dataset.from_frames(name="two-townships+cadre", people=pd.concat(
        [people, cadre], ignore_index=True), **tables)


def test_township_split_covers_every_row_once(county):
    parts = split_by_township(county)
    towns = township_of(county.orgs)
    assert sorted(k for k in parts if k) == sorted(set(towns) - {""})
    for name in ("people", "households", "activities"):
        assert sum(len(p.table(name)) for p in parts.values()) == len(county.table(name))


def test_pandas_engine_equals_each_township_alone(county):
    merged = plan_by_township(county, "one_on_one", as_of=AS_OF, lang="en")
    alone = [plan(p, "one_on_one", as_of=AS_OF, lang="en")
             for key, p in sorted(split_by_township(county).items()) if key]
    expected = pd.concat([p.pairs for p in alone], ignore_index=True)
    pd.testing.assert_frame_equal(merged.pairs, expected)
    assert merged.objective["covered"] == sum(p.objective["covered"] for p in alone)
    assert merged.objective["townships"] == 2


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("source_id", "target_id", "group_id", "role") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize(("mechanism", "options"), [
    ("one_on_one", {}),
    ("one_on_one", {"keep_existing": True}),
    ("one_on_one", {"radius_km": 3.0}),
    ("one_on_one", {"radius_km": 0.8, "keep_existing": True}),
    ("bao_cun", {}),
    ("two_plus_one", {}),
])
def test_township_plans_equal_the_whole_dataset_plan(county_with_cadre, mechanism, options):
    """Every figure and every pair of the whole-dataset plan, also across township borders."""
    whole = plan(county_with_cadre, mechanism, as_of=AS_OF, lang="en", **options)
    merged = plan_by_township(county_with_cadre, mechanism, as_of=AS_OF, lang="en", **options)
    pd.testing.assert_frame_equal(_sorted(merged.pairs), _sorted(whole.pairs))
    pd.testing.assert_frame_equal(_sorted(merged.uncovered.rename(columns={})),
                                  _sorted(whole.uncovered))
    extra = {"townships", "blocks"}
    assert {k: v for k, v in merged.objective.items() if k not in extra} == dict(
        whole.objective)
    assert merged.objective["townships"] == 2


def test_radius_joins_townships_that_a_helper_can_reach(county_with_cadre):
    merged = plan_by_township(county_with_cadre, "one_on_one", as_of=AS_OF, radius_km=3.0)
    alone = plan_by_township(county_with_cadre, "one_on_one", as_of=AS_OF)
    assert merged.objective["blocks"] < alone.objective["blocks"]
    assert merged.objective["radius_km"] == 3.0  # a setting, never summed
    assert 0 <= merged.objective["coverage_rate"] <= 1


@pytest.mark.slow
def test_dask_engine_gives_identical_plan(county):
    local = plan_by_township(county, "one_on_one", as_of=AS_OF, lang="zh")
    distributed = plan_by_township(county, "one_on_one", engine="dask", as_of=AS_OF, lang="zh")
    pd.testing.assert_frame_equal(distributed.pairs, local.pairs)
    pd.testing.assert_frame_equal(distributed.uncovered, local.uncovered)
    assert distributed.objective == local.objective


def test_unknown_engine_is_refused(county):
    with pytest.raises(UsageError) as err:
        plan_by_township(county, "one_on_one", engine="spark")
    assert err.value.render("en") == "unknown engine spark (choose from pandas, dask)"


@pytest.mark.slow
def test_parquet_source_each_task_reads_its_township(county, tmp_path):
    from pbkit.data.parquet import write_parquet

    path = write_parquet(county, tmp_path / "pq")
    in_memory = plan_by_township(county, "one_on_one", as_of=AS_OF, lang="en")
    from_files = plan_by_township(path, "one_on_one", as_of=AS_OF, lang="en")
    on_dask = plan_by_township(path, "one_on_one", engine="dask", as_of=AS_OF, lang="en")
    pd.testing.assert_frame_equal(from_files.pairs, in_memory.pairs)
    pd.testing.assert_frame_equal(on_dask.pairs, in_memory.pairs)
    assert on_dask.objective == in_memory.objective
    whole = plan(county, "one_on_one", as_of=AS_OF, lang="en", radius_km=2.0)
    on_dask_radius = plan_by_township(path, "one_on_one", engine="dask", as_of=AS_OF,
                                      lang="en", radius_km=2.0)
    pd.testing.assert_frame_equal(_sorted(on_dask_radius.pairs), _sorted(whole.pairs))


def test_path_that_is_not_parquet_is_refused(tmp_path):
    with pytest.raises(UsageError) as err:
        plan_by_township(tmp_path, "one_on_one")
    assert err.value.render("en") == (f"{tmp_path} is not a pbkit Parquet dataset "
                                      "(run pbkit convert first)")


@pytest.mark.slow
def test_existing_scheduler_address_is_used(county):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as c:
        result = plan_by_township(county, "one_on_one", engine="dask",
                                  scheduler=cluster.scheduler_address, as_of=AS_OF, lang="en")
        tasks = c.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.task_prefixes))
    assert result.objective["townships"] == 2
    assert tasks >= 1


def test_unreachable_scheduler_is_one_clear_error(county):
    with pytest.raises(UsageError) as err:
        plan_by_township(county, "one_on_one", engine="dask", scheduler="tcp://127.0.0.1:9")
    assert err.value.render("en").startswith(
        "cannot connect to the Dask scheduler tcp://127.0.0.1:9: ")
