"""Pandas against Dask at county and province scale (issue: beyond one machine).

The dataset is generated with ``pbkit synth`` (not committed) and cached as township-
partitioned Parquet under ``benchmarks/results/cache/``. The cache is written by a separate
Python process (:func:`dataset_path`), never inside the measured one, so that the
generator's peak memory does not count in either side's ``ru_maxrss``.

Three comparisons, each pbkit = the Dask engine on a local cluster of 2 single-threaded
worker processes (127.0.0.1), baseline = the pandas engine in one process, both from the
same Parquet files:

- ``plan_one_on_one_dask_vs_pandas``: one-on-one plans township by township (each side
  reads one township at a time);
- ``health_report_dask``: the full branch-health report (:mod:`pbkit.scale.health`); the
  pandas side reads the whole dataset;
- ``metrics_dask``: the pairing-network metrics (:mod:`pbkit.scale.metrics`); the pandas side
  reads the four tables the metrics use.

Peak memory: each side's own process (for Dask: the client, which also runs the scheduler),
plus, in ``extra``, the largest worker's and the sum over workers (``worker_peak_mb``,
``workers_total_mb``): the Dask side's whole footprint is client + workers.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

from benchmarks.harness import Benchmark

CACHE = Path(__file__).resolve().parent / "results" / "cache"
AS_OF = "2025-12-31"
WORKERS = 2

_GENERATE = """
import sys
from pbkit.data.parquet import write_parquet
from pbkit.data.synth import synthesize
write_parquet(synthesize(sys.argv[1], seed=0), sys.argv[2])
"""


def dataset_path(scale: str) -> Path:
    """The cached Parquet dataset of ``scale``, generated on first use by a separate
    Python process (so the measured process never carries the generator's memory)."""
    from pbkit.data.parquet import is_parquet_dataset

    path = CACHE / f"{scale}-seed0-parquet"
    if not is_parquet_dataset(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        root = Path(__file__).resolve().parent.parent
        subprocess.run([sys.executable, "-c", _GENERATE, scale, str(path)], check=True,
                       cwd=root)
    return path


def _summary(result) -> dict:
    return {"covered": int(result.objective["covered"]),
            "total_cost": round(float(result.objective["total_cost"]), 2),
            "townships": int(result.objective["townships"])}


def _on_cluster(fn):
    """Run ``fn(scheduler_address)`` on a fresh local cluster; add worker peaks (MB)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=WORKERS, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        out = fn(cluster.scheduler_address)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return {**out, "worker_peak_mb": round(max(peaks.values()), 1),
            "workers_total_mb": round(sum(peaks.values()), 1)}


def _plan_dask(path):
    from pbkit.scale.plan import plan_by_township

    return _on_cluster(lambda address: _summary(plan_by_township(
        path, "one_on_one", engine="dask", scheduler=address, as_of=AS_OF)))


def _plan_pandas(path):
    from pbkit.scale.plan import plan_by_township

    return _summary(plan_by_township(path, "one_on_one", engine="pandas", as_of=AS_OF))


def _same_objective(mine, base):
    assert mine["covered"] == base["covered"], (mine, base)
    assert abs(mine["total_cost"] - base["total_cost"]) < 1e-6, (mine, base)


def _health_summary(report) -> dict:
    views = report.views
    return {"branches": int(report.meta["branches"]),
            "mean_score": report.meta["mean_score"],
            "weak_branches": int(report.meta["weak_branches"]),
            "perfunctory_flags": len(views["perfunctory"]),
            "migrants_out": int(views["migrant_contact"]["out_of_contact"].sum()),
            "evidence_rows": int(sum(len(f) for f in report.scores.evidence.values())),
            "total_points": round(float(report.scores.totals["total"].sum()), 2)}


def _health_dask(path):
    from pbkit.scale.health import health_report

    return _on_cluster(lambda address: _health_summary(health_report(
        path, engine="dask", scheduler=address, as_of=AS_OF, lang="en")))


def _health_pandas(path):
    from pbkit.scale.health import health_report

    return _health_summary(health_report(path, engine="pandas", as_of=AS_OF, lang="en"))


def _metrics_summary(report) -> dict:
    return {k: v for k, v in report.summary.items()}


def _metrics_dask(path):
    from pbkit.scale.metrics import metrics_report

    return _on_cluster(lambda address: _metrics_summary(metrics_report(
        path, engine="dask", scheduler=address, as_of=AS_OF)))


def _metrics_pandas(path):
    from pbkit.scale.metrics import metrics_report

    return _metrics_summary(metrics_report(path, engine="pandas", as_of=AS_OF))


def _same(keys):
    def check(mine, base):
        for key in keys(base):
            assert mine.get(key) == base.get(key), (key, mine.get(key), base.get(key))
    return check


BENCHMARKS = [
    Benchmark(name="plan_one_on_one_dask_vs_pandas", run=_plan_dask, baseline=_plan_pandas,
              setup=dataset_path, scales=("county", "province"), repeat=1,
              target="same objective; Dask on 2 local workers", check=_same_objective),
    Benchmark(name="health_report_dask", run=_health_dask, baseline=_health_pandas,
              setup=dataset_path, scales=("county", "province"), repeat=1,
              target="same report; Dask on 2 local workers",
              check=_same(lambda base: [k for k in base if not k.startswith("worker")])),
    Benchmark(name="metrics_dask", run=_metrics_dask, baseline=_metrics_pandas,
              setup=dataset_path, scales=("county", "province"), repeat=1,
              target="same summary; Dask on 2 local workers",
              check=_same(lambda base: [k for k in base if not k.startswith("worker")])),
]
