"""Pandas against Dask at county and province scale (issue: beyond one machine).

The dataset is generated with ``pbkit synth`` (not committed) and cached as township-
partitioned Parquet under ``benchmarks/results/cache/``. Both sides plan one-on-one pairs
township by township from those files (each township read on its own, so neither side holds
the whole province): the pbkit side as Dask tasks on a local cluster (one single-threaded
worker process per core), the baseline in one process with pandas. Peak memory: each side's
own process; for Dask also the largest worker (``extra.worker_peak_mb``).
"""

from __future__ import annotations

import resource
from pathlib import Path

from benchmarks.harness import Benchmark

CACHE = Path(__file__).resolve().parent / "results" / "cache"
AS_OF = "2025-12-31"


def dataset_path(scale: str) -> Path:
    """The cached Parquet dataset of ``scale`` (generated on first use)."""
    from pbkit.data.parquet import is_parquet_dataset, write_parquet
    from pbkit.data.synth import synthesize

    path = CACHE / f"{scale}-seed0-parquet"
    if not is_parquet_dataset(path):
        write_parquet(synthesize(scale, seed=0), path)
    return path


def _summary(result) -> dict:
    return {"covered": int(result.objective["covered"]),
            "total_cost": round(float(result.objective["total_cost"]), 2),
            "townships": int(result.objective["townships"])}


def _dask(path):
    from distributed import Client, LocalCluster

    from pbkit.scale.plan import plan_by_township

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        result = plan_by_township(path, "one_on_one", engine="dask",
                                  scheduler=cluster.scheduler_address, as_of=AS_OF)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {**_summary(result), "worker_peak_mb": round(max(peaks.values()), 1)}


def _pandas(path):
    from pbkit.scale.plan import plan_by_township

    return _summary(plan_by_township(path, "one_on_one", engine="pandas", as_of=AS_OF))


def _same_objective(mine, base):
    assert mine["covered"] == base["covered"], (mine, base)
    assert abs(mine["total_cost"] - base["total_cost"]) < 1e-6, (mine, base)


BENCHMARKS = [
    Benchmark(name="plan_one_on_one_dask_vs_pandas", run=_dask, baseline=_pandas,
              setup=dataset_path, scales=("county", "province"), repeat=1,
              target="same objective; Dask on 2 local workers", check=_same_objective),
]
