"""A Dask run never hangs and never ends in a traceback because of the cluster."""

from __future__ import annotations

import os
import threading
import time

import pytest

from pbkit.errors import UsageError
from pbkit.scale import engine

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dask")]


@pytest.fixture
def short_wait(monkeypatch):
    monkeypatch.setattr(engine, "WORKER_WAIT_S", 2.0)


def _cluster(**kw):
    from distributed import LocalCluster

    return LocalCluster(host="127.0.0.1", dashboard_address=None, silence_logs=50,
                        threads_per_worker=1, **kw)


def test_scheduler_without_workers_stops_with_one_message(short_wait):
    with _cluster(n_workers=0) as cluster:
        started = time.monotonic()
        with pytest.raises(UsageError) as err, engine.dask_client(cluster.scheduler_address):
            pass
    assert time.monotonic() - started < 30
    assert err.value.render("en").startswith(
        f"the Dask scheduler {cluster.scheduler_address} had no worker within 2 s")


def test_last_worker_leaving_mid_run_stops_instead_of_hanging(short_wait):
    with _cluster(n_workers=1, processes=True) as cluster:
        threading.Timer(1.0, lambda: cluster.scale(0)).start()
        started = time.monotonic()
        with pytest.raises(UsageError) as err, \
                engine.dask_client(cluster.scheduler_address) as client:
            client.submit(time.sleep, 60, pure=False).result()
    assert time.monotonic() - started < 40
    assert "every worker of the Dask scheduler" in err.value.render("en")


def test_workers_that_keep_dying_end_in_one_line():
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            _cluster(n_workers=1, processes=True) as cluster:
        with pytest.raises(UsageError) as err, \
                engine.dask_client(cluster.scheduler_address) as client:
            client.submit(os._exit, 3, pure=False).result()
    assert err.value.render("zh").startswith("Dask 工作进程在计算任务")


def test_a_path_the_workers_cannot_read_is_refused_before_work(tmp_path):
    from distributed import Client

    with _cluster(n_workers=1, processes=True) as cluster, Client(cluster) as client:
        with pytest.raises(UsageError) as err:
            engine.check_workers_read(client, tmp_path / "not-there")
        assert engine.check_workers_read(client, tmp_path) == str(tmp_path.resolve())
    assert err.value.render("en").startswith(
        f"1 Dask worker(s) cannot read {tmp_path.resolve() / 'not-there'}")


def test_relative_parquet_path_works_on_worker_processes(tmp_path, monkeypatch):
    """Workers started elsewhere open the client's relative path as an absolute one."""
    import pandas as pd

    from pbkit.data.parquet import write_parquet
    from pbkit.data.synth import synthesize
    from pbkit.scale.plan import plan_by_township

    ds = synthesize("township", seed=4)
    write_parquet(ds, tmp_path / "pq")
    with _cluster(n_workers=1, processes=True) as cluster:
        monkeypatch.chdir(tmp_path)  # after the workers started, in another folder
        result = plan_by_township("pq", "one_on_one", engine="dask",
                                  scheduler=cluster.scheduler_address, as_of="2025-12-31")
    expected = plan_by_township(ds, "one_on_one", as_of="2025-12-31")
    pd.testing.assert_frame_equal(result.pairs, expected.pairs)
