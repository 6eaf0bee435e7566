"""Plans decomposed by township and scheduled on Dask, equal to the whole-dataset plan.

Eligibility never crosses a township by default, so the plan of a county or province is the
union of independent township plans. With a radius (``radius_km``), a helper may be paired
across a township border: townships that a radius can join are planned together
(:func:`township_blocks`), so the union stays exactly the plan of the whole dataset.
:func:`plan_by_township` solves each block of the dataset
(:func:`pbkit.data.partition.split_by_township`) with :func:`pbkit.networks.plan`, in
process (``engine="pandas"``) or as one Dask task per block (``engine="dask"``), and merges
them (:func:`merge_plans`) in block order.

>>> from pbkit.data.synth import synthesize
>>> ds = synthesize("township", seed=3)
>>> p = plan_by_township(ds, "one_on_one", as_of="2025-12-31")
>>> p.objective["townships"] >= 1, set(p.pairs.columns) >= {"source_id", "target_id"}
(True, True)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pbkit.data.dataset import Dataset
from pbkit.errors import UsageError
from pbkit.scale.engine import check_engine, check_workers_read, dask_client

__all__ = ["plan_by_township", "merge_plans", "township_blocks"]


def _solve(part: Dataset | tuple[str, tuple[str, ...]], mechanism: str,
           kwargs: Mapping[str, Any]):
    """Plan one block: a Dataset part, or (parquet path, townships) read here."""
    from pbkit.networks import plan

    if isinstance(part, tuple):
        from pbkit.data.parquet import read_parquet

        path, towns = part
        part = read_parquet(path, townships=list(towns))
    return plan(part, mechanism, **kwargs)


def _combine(parts: Sequence[Dataset]) -> Dataset:
    """One Dataset from township parts (rows in the order given)."""
    if len(parts) == 1:
        return parts[0]
    from pbkit.data.schema import TABLE_ORDER

    frames = {n: pd.concat([p.table(n) for p in parts], ignore_index=True) for n in TABLE_ORDER}
    return Dataset.from_frames(name=parts[0].name, **frames)


def township_blocks(places: Mapping[str, pd.DataFrame], scope: str,
                    radius_km: float | None) -> list[tuple[str, ...]]:
    """Townships that must be planned together: eligibility may join them.

    ``places`` has two frames with columns ``township, x, y``: ``sources`` (everyone who may
    help, at their organisation's place) and ``targets`` (what may be helped). With a
    radius, two townships are joined when a source of one lies within ``radius_km`` of a
    target of the other (targets are grouped in cells of 0.1 km and the radius widened by
    the cell's half diagonal, so a join is never missed; an extra join only makes a block
    larger, never a plan different). Scope ``any`` joins everything; the other scopes
    (village, township, branch) never cross a township.

    >>> src = pd.DataFrame({"township": ["A", "B", "C"], "x": [0.0, 5.0, 50.0], "y": [0.0] * 3})
    >>> tgt = pd.DataFrame({"township": ["A", "B", "C"], "x": [4.0, 6.0, 51.0], "y": [0.0] * 3})
    >>> township_blocks({"sources": src, "targets": tgt}, "radius", 2.0)
    [('A', 'B'), ('C',)]
    """
    towns = sorted(set(places["sources"]["township"]) | set(places["targets"]["township"]))
    if scope == "any":
        return [tuple(towns)]
    if radius_km is None:
        return [(t,) for t in towns]
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    index = {t: i for i, t in enumerate(towns)}
    src = places["sources"].dropna(subset=["x", "y"]).drop_duplicates()
    tgt = places["targets"].dropna(subset=["x", "y"]).assign(
        x=lambda f: (f["x"] / 0.1).round() * 0.1, y=lambda f: (f["y"] / 0.1).round() * 0.1
    ).drop_duplicates()
    rows, cols = [], []
    if len(src) and len(tgt):
        near = cKDTree(src[["x", "y"]].to_numpy()).sparse_distance_matrix(
            cKDTree(tgt[["x", "y"]].to_numpy()), radius_km + 0.071, output_type="coo_matrix")
        a = src["township"].map(index).to_numpy()[near.row]
        b = tgt["township"].map(index).to_numpy()[near.col]
        links = np.unique(np.column_stack([a, b]), axis=0) if len(a) else np.empty((0, 2))
        rows, cols = links[:, 0].astype(int), links[:, 1].astype(int)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(towns), len(towns)))
    _, label = connected_components(graph, directed=False)
    blocks: dict[int, list[str]] = {}
    for town, lab in zip(towns, label):
        blocks.setdefault(int(lab), []).append(town)
    return sorted(tuple(b) for b in blocks.values())


def _places(orgs: pd.DataFrame, people: pd.DataFrame, targets: pd.DataFrame,
            target_table: str) -> dict[str, pd.DataFrame]:
    """Township and position of every possible source and target (see township_blocks)."""
    from pbkit.data.partition import township_of
    from pbkit.networks.eligibility import org_places

    town = township_of(orgs).fillna("")
    pl = org_places(orgs)

    def at(org_ids: pd.Series, x=None, y=None) -> pd.DataFrame:
        where = pl.reindex(org_ids.to_numpy())
        px = where["x"].to_numpy() if x is None else x.astype("float64").fillna(
            pd.Series(where["x"].to_numpy(), index=x.index)).to_numpy()
        py = where["y"].to_numpy() if y is None else y.astype("float64").fillna(
            pd.Series(where["y"].to_numpy(), index=y.index)).to_numpy()
        return pd.DataFrame({"township": org_ids.map(town).fillna("").to_numpy(),
                             "x": px, "y": py})

    if target_table == "households":
        tgt = at(targets["org_id"], targets["x_km"], targets["y_km"])
    elif target_table == "orgs":
        tgt = at(orgs["org_id"])
    else:
        tgt = at(people["org_id"])
    return {"sources": at(people["org_id"]), "targets": tgt}


def _parts(source: Dataset | str | os.PathLike, mechanism: str,
           radius_km: float | None) -> list:
    """Work items, one per block of townships: Dataset parts, or (path, townships)."""
    from pbkit.networks.mechanisms import get_mechanism

    mech = get_mechanism(mechanism)
    scope = "radius" if radius_km is not None else mech.scope
    radius = radius_km if radius_km is not None else mech.radius_km
    if isinstance(source, Dataset):
        from pbkit.data.partition import split_by_township

        split = split_by_township(source)
        places = _places(source.orgs, source.people, source.households, mech.target.table)
        # every block is solved, the one above townships ("": county organs) too: its
        # helpers count in the totals even when nobody is eligible for them
        return [_combine([split[t] for t in block if t in split])
                for block in township_blocks(places, scope, radius)
                if any(t in split for t in block)]
    from pbkit.data.parquet import OUTSIDE, is_parquet_dataset, read_parquet, townships

    path = Path(source).resolve()  # the workers' working folder is not the client's
    if not is_parquet_dataset(path):
        raise UsageError("scale.not_parquet", path=str(path))
    towns = townships(path)
    if (path / "people" / OUTSIDE).is_dir() or (path / "households" / OUTSIDE).is_dir():
        towns = ["", *towns]
    if radius is None and scope != "any":
        return [(str(path), (t,)) for t in towns]
    small = read_parquet(path, tables=("orgs", "people", "households"))
    places = _places(small.orgs, small.people, small.households, mech.target.table)
    return [(str(path), block) for block in township_blocks(places, scope, radius)]


#: how each figure of township plans combines into the figure of the whole plan
_RATES = {"coverage_rate": ("covered", "needy")}
_SETTINGS = ("keep_existing", "scope", "radius_km", "weights")


def _merge_value(key: str, values: list) -> Any:
    if all(isinstance(v, bool) for v in values):
        return all(values)  # optimal: only when every block is optimal
    if key in _SETTINGS or not values:
        return values[0] if values else None
    if all(isinstance(v, Mapping) for v in values):  # per-role maxima (max_load)
        merged: dict = {}
        for v in values:
            for k, n in v.items():
                merged[k] = max(merged.get(k, n), n)
        return merged
    if all(isinstance(v, (int, float)) for v in values):
        return sum(values)
    return values[0]


def merge_plans(plans: Sequence, mechanism: str, *, townships: int | None = None):
    """One :class:`~pbkit.networks.Plan` from the plans of independent blocks.

    Counts and costs add up; rates are recomputed from the summed counts
    (``coverage_rate = covered / needy``); settings (scope, radius, weights, keep_existing)
    are those of the run; ``optimal`` holds when every block is optimal; per-role maxima
    take the maximum. ``blocks`` says how many independent blocks were solved and
    ``townships`` (when given) how many townships they hold.
    """
    from pbkit.networks import Plan

    keys = list(dict.fromkeys(k for p in plans for k in p.objective))
    objective: dict[str, Any] = {
        k: _merge_value(k, [p.objective[k] for p in plans if k in p.objective]) for k in keys}
    for rate, (num, den) in _RATES.items():
        if rate in objective and objective.get(den):
            objective[rate] = round(objective[num] / objective[den], 4)  # as the planner
    if "total_cost" in objective:
        objective["total_cost"] = round(float(objective["total_cost"]), 2)
    objective["blocks"] = len(plans)
    if townships is not None:
        objective["townships"] = townships
    pairs = [p.pairs for p in plans if len(p.pairs)]
    uncovered = [p.uncovered for p in plans if len(p.uncovered)]
    first = plans[0] if plans else None
    return Plan(
        mechanism=mechanism,
        objective=objective,
        pairs=pd.concat(pairs, ignore_index=True) if pairs else (
            first.pairs if first is not None else pd.DataFrame(
                columns=["source_id", "target_id", "cost", "reason"])),
        uncovered=pd.concat(uncovered, ignore_index=True) if uncovered else (
            first.uncovered if first is not None else pd.DataFrame(
                columns=["target_id", "reason"])),
        lang=first.lang if first is not None else "zh",
    )


def plan_by_township(source: Dataset | str | os.PathLike, mechanism: str, *,
                     engine: str = "pandas", scheduler: str | None = None, **kwargs: Any):
    """Plan ``mechanism`` township by township (see module docstring).

    Parameters
    ----------
    source : Dataset or path
        A loaded dataset, or a Parquet dataset folder (:mod:`pbkit.data.parquet`): then
        each task reads only its own township's files, so no process holds the province.
    mechanism : str
    engine : {"pandas", "dask"}
    scheduler : str, optional
        Address of a running Dask scheduler; default: a local cluster.
    **kwargs
        Passed to :func:`pbkit.networks.plan` (``radius_km``, ``keep_existing``, ``lang``,
        ``as_of`` ...). Pass ``as_of`` for results that do not depend on today's date.
    """
    check_engine(engine)
    parts = _parts(source, mechanism, kwargs.get("radius_km"))
    if engine == "pandas":
        plans = [_solve(p, mechanism, kwargs) for p in parts]
    else:
        with dask_client(scheduler) as client:
            if not isinstance(source, Dataset):
                check_workers_read(client, source)
            futures = client.map(_solve, parts, mechanism=mechanism, kwargs=dict(kwargs),
                                 pure=False)
            plans = client.gather(futures)
    return merge_plans(plans, mechanism, townships=_count_townships(source))


def _count_townships(source: Dataset | str | os.PathLike) -> int:
    if isinstance(source, Dataset):
        return int((source.orgs["level"] == "township").sum())
    from pbkit.data.parquet import townships

    return len([t for t in townships(source) if t])
