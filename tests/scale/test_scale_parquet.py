"""Partitioned Parquet: round trip equals the CSV load; Dask reads the same rows; bad input."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from pbkit.data.parquet import (
    is_parquet_dataset,
    read_dask,
    read_parquet,
    townships,
    write_parquet,
)
from pbkit.data.sample import load_sample, sample_path
from pbkit.data.schema import TABLES
from pbkit.errors import DataError, UsageError


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_round_trip_equals_csv_load(sample, tmp_path):
    out = write_parquet(sample, tmp_path / "pq", partition_rows=500)
    assert is_parquet_dataset(out)
    files = list((out / "activities").glob("*/part-*.parquet"))
    assert len(files) >= -(-len(sample.activities) // 500)
    assert townships(out) == ["T01"]
    back = read_parquet(out)
    # rows come back grouped by township; compare as sets of rows in key order
    for name, frame in sample.tables().items():
        key = TABLES[name].key
        got = back.table(name).sort_values(key).reset_index(drop=True)
        want = frame.sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=True, obj=name)
    only = read_parquet(out, townships=["T01"])
    assert len(only.people) == (sample.people["org_id"].str.startswith("T01")).sum()


def test_dask_reads_same_rows_and_aggregates(sample, tmp_path):
    out = write_parquet(sample, tmp_path / "pq", partition_rows=400)
    tables = read_dask(out)
    assert tables.activities.npartitions == len(list((out / "activities").glob("*/part-*")))
    by_dask = tables.activities.groupby("org_id")["attended"].sum().compute().sort_index()
    by_pandas = sample.activities.groupby("org_id")["attended"].sum().sort_index()
    assert by_dask.astype("int64").to_dict() == by_pandas.astype("int64").to_dict()
    pd.testing.assert_frame_equal(
        tables.small("orgs").sort_values("org_id").reset_index(drop=True),
        sample.orgs.sort_values("org_id").reset_index(drop=True))


def test_refuses_non_empty_output_and_leaves_it_untouched(sample, tmp_path):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    with pytest.raises(UsageError) as err:
        write_parquet(sample, target)
    assert err.value.render("en") == (f"output folder {target} exists and is not empty; "
                                      "nothing was changed")
    assert [p.name for p in target.iterdir()] == ["keep.txt"]


def test_bad_manifest_is_a_data_error(tmp_path):
    (tmp_path / "_pbkit.json").write_text("{not json")
    with pytest.raises(DataError) as err:
        read_parquet(tmp_path)
    assert err.value.file.endswith("_pbkit.json")
    assert "not a pbkit Parquet dataset" in err.value.render("en")


def test_cli_convert(tmp_path):
    out = tmp_path / "pq"
    proc = subprocess.run([sys.executable, "-m", "pbkit.cli", "--lang", "en", "convert",
                           str(sample_path()), str(out), "--format", "parquet"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"written {out} (")
    again = subprocess.run([sys.executable, "-m", "pbkit.cli", "--lang", "zh", "convert",
                            str(sample_path()), str(out)], capture_output=True, text=True,
                           timeout=120)
    assert again.returncode == 2
    assert again.stderr.strip() == f"pbkit convert: 输出目录 {out} 已存在且不为空，未做任何改动"


def test_load_dataset_reads_a_parquet_folder(sample, tmp_path):
    from pbkit.data.io import load_dataset

    out = write_parquet(sample, tmp_path / "pq")
    loaded = load_dataset(out)
    assert len(loaded.people) == len(sample.people)
    assert loaded.people.dtypes.to_dict() == sample.people.dtypes.to_dict()
