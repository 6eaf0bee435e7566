"""Plans decomposed by township and scheduled on Dask.

Eligibility never crosses a township by default, so the plan of a county or province is the
union of independent township plans. :func:`plan_by_township` solves each township part of
the dataset (:func:`pbkit.data.partition.split_by_township`) with
:func:`pbkit.networks.plan`, in process (``engine="pandas"``) or as one Dask task per
township (``engine="dask"``), and merges them in township order, so both engines give the
same plan as solving each township alone.

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
from pbkit.scale.engine import check_engine, dask_client

__all__ = ["plan_by_township", "merge_plans"]


def _solve(part: Dataset | tuple[str, str], mechanism: str, kwargs: Mapping[str, Any]):
    """Plan one township: a Dataset part, or (parquet path, township id) read here."""
    from pbkit.networks import plan

    if isinstance(part, tuple):
        from pbkit.data.parquet import read_parquet

        path, township = part
        part = read_parquet(path, townships=[township])
    return plan(part, mechanism, **kwargs)


def _parts(source: Dataset | str | os.PathLike) -> list:
    """Township work items: Dataset parts, or (path, township) for a Parquet dataset."""
    if isinstance(source, Dataset):
        from pbkit.data.partition import split_by_township

        # the part "" holds organisations above townships (county organs): it is solved
        # only when it has needy households of its own
        return [part for key, part in sorted(split_by_township(source).items())
                if key or len(part.households)]
    from pbkit.data.parquet import OUTSIDE, is_parquet_dataset, townships

    path = Path(source)
    if not is_parquet_dataset(path):
        raise UsageError("scale.not_parquet", path=str(path))
    items = [(str(path), t) for t in townships(path)]
    if (path / "households" / OUTSIDE).is_dir():
        items.insert(0, (str(path), ""))
    return items


def merge_plans(plans: Sequence, mechanism: str):
    """One :class:`~pbkit.networks.Plan` from township plans (numeric objectives summed)."""
    from pbkit.networks import Plan

    objective: dict[str, Any] = {}
    for p in plans:
        for key, value in p.objective.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                objective[key] = objective.get(key, 0) + value
    objective["townships"] = len(plans)
    if "total_cost" in objective:
        objective["total_cost"] = round(float(objective["total_cost"]), 2)
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
    parts = _parts(source)
    if engine == "pandas":
        return merge_plans([_solve(p, mechanism, kwargs) for p in parts], mechanism)
    with dask_client(scheduler) as client:
        futures = client.map(_solve, parts, mechanism=mechanism, kwargs=dict(kwargs),
                             pure=False)
        return merge_plans(client.gather(futures), mechanism)
