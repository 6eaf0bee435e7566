"""Pairing-network metrics on Dask: same report as pandas, from a Parquet dataset.

Which metric runs where (``engine="dask"``):

======================================  ===================================================
metric (view)                           where it runs
======================================  ===================================================
active pairings (input of all below)    Dask: each pairings file filtered (status, start,
                                        end against ``as_of``) in its own task
coverage by village / township / need,  Dask: one task per households file counts needy and
overall; uncovered households           covered households per group (a household is
                                        covered when it is the target of an active
                                        one-on-one pair, looked up in the set of targets
                                        broadcast to the workers); the counts add up
helper load, overloaded helpers, load   Dask: one task per people file selects the helpers
by village and overall                  the one_on_one mechanism admits and adds their
                                        pairs (pairs per helper broadcast to the workers)
robustness, left uncovered, reach,      client process, on the active-pairing table Dask
leader contacts, structure (degree,     returned: components, betweenness and communities
betweenness, brokerage, components,     need the whole graph in one place (networkx/scipy),
communities), components                and so do the per-target "any link left" checks
======================================  ===================================================

The client never holds the households or people tables: only the active pairings (the
graph) and the people and households that are nodes of it or play a role the reach
metrics follow (secretaries, student officials, township leaders). The assembly of the
report is :func:`pbkit.networks.metrics.metrics_report` itself, fed the views computed on
Dask, so both engines give equal reports on the same data.

>>> import os, tempfile
>>> from pbkit.data.parquet import write_parquet
>>> from pbkit.data.synth import synthesize
>>> path = write_parquet(synthesize("township", seed=2), os.path.join(tempfile.mkdtemp(), "pq"))
>>> rep = metrics_report(path, engine="pandas", as_of="2025-12-31")
>>> rep.summary["needy"] > 0
True
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.scale.engine import check_engine, check_workers_read, dask_client
from pbkit.scale.health import _cast, parquet_source

__all__ = ["metrics_report", "METRIC_TABLES", "REACH_ROLES", "ACTIVE_COLUMNS"]

# tables the metrics read (the pandas engine reads only these from Parquet)
METRIC_TABLES = ("orgs", "people", "households", "pairings")
# the columns of active pairings the metrics read (all the client keeps of the graph)
ACTIVE_COLUMNS = ("mechanism", "source_id", "target_id", "role")
# roles whose holders the reach metrics list even without a pairing
REACH_ROLES = ("secretary", "student_official", "township_leader")


def _load(source: Any) -> Dataset:
    from pbkit.data.parquet import is_parquet_dataset, read_parquet

    if isinstance(source, Dataset):
        return source
    if is_parquet_dataset(source):
        return read_parquet(source, tables=METRIC_TABLES)
    from pbkit.data.io import load_dataset

    return load_dataset(source)


# ------------------------------------------------------------------------- partition work
def _part_active(part: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    from pbkit.networks import eligibility as el

    active = el.active_pairings(Dataset(pairings=_cast("pairings", part)), None, day)
    return active[list(ACTIVE_COLUMNS)]


def _part_households(part: pd.DataFrame, places: pd.DataFrame, covered_ids: pd.Index,
                     nodes: pd.Index) -> dict[str, Any]:
    """Coverage counts of one households file, its uncovered rows and its graph nodes."""
    from pbkit.networks.metrics import coverage_counts, household_places

    hh = _cast("households", part)
    h = household_places(hh, places)
    h["covered"] = _member(covered_ids, h["household_id"])
    out: dict[str, Any] = {by: coverage_counts(h, by)[0]
                           for by in ("village", "township", "need", "all")}
    out["uncovered"] = h.loc[~h["covered"].to_numpy(dtype=bool),
                             ["household_id", "village", "township", "needs"]]
    out["nodes"] = hh.loc[_member(nodes, hh["household_id"]), ["household_id", "org_id",
                                                                "needs"]]
    return out


def _part_people(part: pd.DataFrame, orgs: pd.DataFrame, places: pd.DataFrame,
                 counts: pd.Series, day: pd.Timestamp, nodes: pd.Index) -> dict[str, Any]:
    """Helper rows of one people file, which pair sources it holds, and the people the
    client-side metrics need (graph nodes and holders of :data:`REACH_ROLES`)."""
    from pbkit.networks.metrics import helper_rows

    people = _cast("people", part)
    rows = helper_rows(Dataset(orgs=orgs, people=people), places, counts, day)
    role = people["roles"].map(lambda r: isinstance(r, tuple)
                               and any(x in r for x in REACH_ROLES)).to_numpy(dtype=bool)
    keep = role | _member(nodes, people["person_id"])
    known = counts.index.get_indexer(people["person_id"].to_numpy(dtype=object))
    return {"helpers": rows, "known": known[known >= 0],
            "people": people.loc[keep, ["person_id", "org_id", "roles", "migrant"]]}


def _member(index: pd.Index, values: pd.Series) -> np.ndarray:
    """``values.isin(index)`` by one hash lookup per value in ``index`` (unique), whose
    hash table is built once per worker and reused by every file's task."""
    return index.get_indexer(values.to_numpy(dtype=object)) >= 0


def _combine_counts(parts: list[pd.DataFrame], by: str) -> tuple[pd.DataFrame, list[str]]:
    if by == "all":
        total = pd.concat(parts, ignore_index=True)
        return pd.DataFrame({"size": [int(total["size"].sum())],
                             "sum": [int(total["sum"].sum())]}), []
    keys = {"village": ["village", "township"], "township": ["township"], "need": ["need"]}[by]
    from pbkit.data.schema import NEEDS

    frame = pd.concat([p.reset_index() for p in parts], ignore_index=True)
    grouped = frame.groupby(keys, dropna=False, sort=True)[["size", "sum"]].sum()
    if by == "need":
        grouped = grouped.reindex([n for n in NEEDS if n in grouped.index])
        grouped.index.name = "need"
    return grouped, keys


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    found = [f for f in frames if len(f)]
    if not found:
        return frames[0]
    return pd.concat(found) if len(found) > 1 else found[0]


# ------------------------------------------------------------------------- Dask report
def _dask_report(path, client, *, as_of, seed: int, k: int | None, removed):
    import dask

    from pbkit.data.parquet import read_dask
    from pbkit.networks import eligibility as el
    from pbkit.networks.metrics import (
        _Ctx,
        coverage_finish,
        helper_finish,
        household_places,
        metrics_report,
    )

    day = el.as_of_date(as_of)
    t = read_dask(path)
    orgs = _cast("orgs", t.orgs.compute())
    places = el.org_places(orgs)
    # 1. active pairings: the graph (file by file)
    active = _concat(dask.compute(*[dask.delayed(_part_active)(p, day)
                                    for p in t.pairings.to_delayed()]))
    one = active[active["mechanism"] == "one_on_one"].drop_duplicates(
        ["source_id", "target_id"])
    covered_ids = pd.Index(one["target_id"].unique(), dtype=object)
    counts = one.groupby("source_id").size()
    nodes = pd.Index(pd.unique(np.concatenate([active["source_id"].to_numpy(dtype=object),
                                               active["target_id"].to_numpy(dtype=object)])),
                     dtype=object)
    # 2. households and people file by file, lookups broadcast once to every worker
    [places_f, covered_f, nodes_f, counts_f, orgs_f] = client.scatter(
        [places, covered_ids, nodes, counts, orgs], broadcast=True)
    hh_jobs = [dask.delayed(_part_households)(p, places_f, covered_f, nodes_f)
               for p in t.households.to_delayed()]
    people_jobs = [dask.delayed(_part_people)(p, orgs_f, places_f, counts_f, day, nodes_f)
                   for p in t.people.to_delayed()]
    hh_parts, people_parts = dask.compute(hh_jobs, people_jobs)
    # 3. reduce, then the client-side metrics on the graph
    pre: dict[str, pd.DataFrame] = {}
    for by, view in (("village", "coverage_by_village"), ("need", "coverage_by_need"),
                     ("all", "coverage_all")):
        grouped, keys = _combine_counts([p[by] for p in hh_parts], by)
        pre[view] = coverage_finish(grouped, keys, by)
    unc = _concat([p["uncovered"] for p in hh_parts])
    pre["uncovered"] = unc.sort_values(["village", "household_id"],
                                       kind="stable").reset_index(drop=True)
    known = np.zeros(len(counts), dtype=bool)
    for p in people_parts:
        known[p["known"]] = True
    helpers = _concat([p["helpers"] for p in people_parts]).reset_index(drop=True)
    # a file whose helpers have no village gives an object column: infer the dtype again
    # over the whole column, as the pandas engine does over the whole table
    helpers = pd.DataFrame({c: helpers[c].to_numpy(dtype=object) if helpers[c].dtype == object
                            else helpers[c] for c in helpers.columns})
    pre["helper_load"] = helper_finish(helpers, counts[~known])
    small = Dataset(orgs=orgs, people=_concat([p["people"] for p in people_parts]),
                    households=_concat([p["nodes"] for p in hh_parts]), name=t.name)
    ctx = _Ctx.__new__(_Ctx)
    ctx.ds, ctx.as_of, ctx.places = small, day, places
    ctx.active = active
    ctx.one = active[active["mechanism"] == "one_on_one"]
    ctx.households = household_places(small.households, places)
    return metrics_report(small, as_of=day, seed=seed, k=k, removed=removed, _ctx=ctx,
                          _pre=pre)


def metrics_report(source: Dataset | str | os.PathLike, *, engine: str = "pandas",
                   scheduler: str | None = None, as_of=None, seed: int = 0,
                   k: int | None = 64, removed=None):
    """The pairing-network metrics of ``source`` on the pandas or the Dask engine.

    Parameters
    ----------
    source : Dataset or path
        A loaded dataset, a Parquet dataset folder, or any dataset path (converted to a
        temporary Parquet folder for the Dask engine).
    engine : {"pandas", "dask"}
    scheduler : str, optional
        Address of a running Dask scheduler; default: a local cluster on 127.0.0.1.
    as_of, seed, k, removed
        As for :func:`pbkit.networks.metrics.metrics_report` (``as_of`` defaults to today;
        pass it for results that do not depend on the day they are computed).

    Returns
    -------
    MetricsReport
        Equal (summary and every view) on both engines for the same data.
    """
    from pbkit.networks import eligibility as el
    from pbkit.networks.metrics import metrics_report as pandas_report

    check_engine(engine)
    day = el.as_of_date(as_of)
    if engine == "pandas":
        return pandas_report(_load(source), as_of=day, seed=seed, k=k, removed=removed)
    with parquet_source(source) as path, dask_client(scheduler) as client:
        check_workers_read(client, path)
        return _dask_report(path, client, as_of=day, seed=seed, k=k, removed=removed)
