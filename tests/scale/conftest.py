"""Shared fixtures of the scale tests: a two-township dataset with records that cross
townships, written as Parquet in several files per township, and one in-process Dask
cluster on 127.0.0.1 (its address is passed as ``scheduler``, as a remote one would be)."""

from __future__ import annotations

import pandas as pd
import pytest

from pbkit.data.dataset import Dataset
from pbkit.data.schema import TABLES
from pbkit.data.synth import synthesize

AS_OF = "2025-12-31"


def _relabel(ds: Dataset, prefix: str) -> dict[str, pd.DataFrame]:
    """Copy of ``ds``'s tables with every identifier prefixed (a distinct township)."""
    out = {}
    for name, frame in ds.tables().items():
        frame = frame.copy()
        for col in TABLES[name].columns:
            if col.kind in ("id", "ref") or col.name == "group_id":
                frame[col.name] = frame[col.name].map(
                    lambda v: f"{prefix}{v}" if isinstance(v, str) else v).astype("str")
        out[name] = frame
    return out


def _uncovered_household(tables: dict[str, pd.DataFrame], prefix: str) -> str:
    p = tables["pairings"]
    covered = set(p.loc[p["mechanism"] == "one_on_one", "target_id"])
    hh = tables["households"]
    return next(h for h in hh["household_id"] if h.startswith(prefix) and h not in covered)


@pytest.fixture(scope="session")
def cross_county() -> Dataset:
    """Two synthetic townships under county C0, plus records the township split files with
    the other township or the county: a visit and an active one-on-one pair from a member
    of A to a household of B, and a county cadre visiting a village of A."""
    a = _relabel(synthesize("township", seed=11), "A")
    b = _relabel(synthesize("township", seed=12), "B")
    tables = {n: pd.concat([a[n], b[n]], ignore_index=True) for n in a}
    roots = tables["orgs"]["parent_id"].isna()
    tables["orgs"].loc[roots, "parent_id"] = "C0"
    tables["orgs"] = pd.concat([pd.DataFrame({"org_id": ["C0"], "level": ["county"]}),
                                tables["orgs"]], ignore_index=True)
    people = tables["people"]
    helper = people.loc[people["org_id"].str.startswith("A")
                        & people["capacity"].fillna(0).gt(0), "person_id"].iloc[0]
    target = _uncovered_household(tables, "B")
    cadre = people.iloc[[0]].assign(person_id="C0P1", org_id="C0", migrant=False)
    tables["people"] = pd.concat([people, cadre], ignore_index=True)
    village_a = tables["orgs"].loc[tables["orgs"]["org_id"].str.startswith("A")
                                   & tables["orgs"]["level"].eq("village"), "org_id"].iloc[0]
    visits = pd.DataFrame({
        "visit_id": ["XV1", "XV2"], "person_id": [helper, "C0P1"],
        "target_id": [target, village_a], "date": pd.to_datetime(["2025-05-06", "2025-07-08"]),
        "topic": ["health", "policy"],
        "problem_solved": pd.array([False, True], dtype="boolean")})
    tables["visits"] = pd.concat([tables["visits"], visits], ignore_index=True)
    pair = pd.DataFrame({"pairing_id": ["XP1"], "mechanism": ["one_on_one"],
                         "source_id": [helper], "target_id": [target], "role": ["helper"],
                         "start": pd.to_datetime(["2025-01-01"])})
    tables["pairings"] = pd.concat([tables["pairings"], pair], ignore_index=True)
    ds = Dataset.from_frames(name="two-townships", **tables)
    return ds


@pytest.fixture(scope="session")
def cross_target(cross_county) -> str:
    return cross_county.pairings.loc[cross_county.pairings["pairing_id"] == "XP1",
                                     "target_id"].iloc[0]


@pytest.fixture(scope="session")
def cross_parquet(cross_county, tmp_path_factory):
    """The dataset as Parquet, at most 400 rows a file (several files per township)."""
    from pbkit.data.parquet import write_parquet

    return write_parquet(cross_county, tmp_path_factory.mktemp("scale") / "pq",
                         partition_rows=400)


@pytest.fixture(scope="session")
def scheduler():
    """Address of an in-process Dask cluster on 127.0.0.1 (threads, no dashboard)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                      host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster:
        yield cluster.scheduler_address


def cli_on_both_engines(base: list[str], scheduler: str, capsys, xlsx) -> tuple[str, object]:
    """Run ``base --json`` with pandas, then with Dask writing ``xlsx``.

    Returns pandas' stdout and Dask's captured (out, err); both runs must exit 0.
    """
    from pbkit.cli import main

    assert main([*base, "--json"]) == 0
    plain = capsys.readouterr().out
    assert main([*base, "--json", "--engine", "dask", "--scheduler", scheduler,
                 "--xlsx", str(xlsx)]) == 0
    return plain, capsys.readouterr()
