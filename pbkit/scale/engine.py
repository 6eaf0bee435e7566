"""Choosing and starting a compute engine: pandas (in process) or Dask.

With ``engine="dask"`` and no scheduler address, a local cluster is started on 127.0.0.1
(one single-threaded worker process per core, no dashboard) and closed afterwards; with an
address (``tcp://host:8786``) the existing scheduler is used.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from pbkit.errors import UsageError

__all__ = ["ENGINES", "CONNECT_TIMEOUT", "WORKER_WAIT_S", "check_engine", "dask_client",
           "add_engine_arguments", "engine_choice", "check_workers_read"]

ENGINES = ("pandas", "dask")
# how long to try reaching a scheduler address before giving up (distributed time string)
CONNECT_TIMEOUT = "10s"
# how long a run waits for a first worker, or goes on with none left, before it stops
WORKER_WAIT_S = float(os.environ.get("PBKIT_DASK_WORKER_WAIT", "60"))


def check_engine(engine: str) -> str:
    """Validate an engine name (``pandas`` or ``dask``)."""
    if engine not in ENGINES:
        raise UsageError("scale.bad_engine", engine=engine, choices=", ".join(ENGINES))
    return engine


def add_engine_arguments(parser) -> None:
    """``--engine pandas|dask`` and ``--scheduler ADDRESS``, as every scaled command has them."""
    from pbkit.i18n import t

    parser.add_argument("--engine", choices=ENGINES, default="pandas",
                        help=t("scale.cli.engine"))
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help=t("scale.cli.scheduler"))


def engine_choice(args) -> tuple[str, str | None]:
    """``(engine, scheduler)`` from parsed arguments; a scheduler needs the Dask engine.

    >>> from types import SimpleNamespace
    >>> engine_choice(SimpleNamespace(engine="dask", scheduler="tcp://127.0.0.1:8786"))
    ('dask', 'tcp://127.0.0.1:8786')
    >>> try:
    ...     engine_choice(SimpleNamespace(engine="dask", scheduler=None, path="s3://b/pq"))
    ... except UsageError as err:
    ...     print(err.render("en")[:40])
    s3://b/pq: object storage (s3://, gs://,
    """
    engine = check_engine(getattr(args, "engine", "pandas"))
    scheduler = getattr(args, "scheduler", None)
    if scheduler and engine != "dask":
        raise UsageError("scale.err.scheduler_needs_dask")
    path = str(getattr(args, "path", "") or "")
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", path):
        # object storage (s3://, gs://, https://...) is not read: say so before any work
        raise UsageError("scale.err.object_storage", path=path)
    return engine, scheduler


def _readable(path: str) -> bool:
    """Run on a worker: whether it can read ``path`` (a Parquet dataset folder or file)."""
    return os.access(path, os.R_OK) and (not os.path.isdir(path) or os.access(path, os.X_OK))


def check_workers_read(client, path: str | os.PathLike) -> str:
    """The absolute ``path``, once every worker can read it; one clear message otherwise.

    Workers open files by the path the client gives them: a relative path, or a folder on
    the client's disk only (such as a temporary conversion), would fail inside the tasks.
    """
    from pathlib import Path

    absolute = str(Path(path).resolve())
    answers = client.run(_readable, absolute)
    blind = sorted(worker for worker, ok in answers.items() if not ok)
    if blind:
        raise UsageError("scale.err.workers_cannot_read", path=absolute, n=len(blind),
                         workers=", ".join(blind[:3]))
    return absolute


@contextmanager
def dask_client(scheduler: str | None = None, *, workers: int | None = None) -> Iterator:
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new local cluster.

    The run never hangs and never ends in a traceback because of the cluster: with no
    worker within :data:`WORKER_WAIT_S` seconds (at the start, or after the last one left)
    it stops with one message; a task whose workers kept dying (``KilledWorker``) stops it
    with one message too. Both are :class:`~pbkit.errors.UsageError` (exit code 2).
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is in the lock file
        raise UsageError("scale.no_dask") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise UsageError("scale.no_scheduler", address=scheduler, reason=str(exc)) from None
        try:
            with _guarded(client, scheduler):
                yield client
        finally:
            client.close()
        return
    n = workers or max(1, min(os.cpu_count() or 1, 4))
    with warnings.catch_warnings():
        # "Port 8787 is already in use": a second cluster's web port, not the user's concern
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None, silence_logs=40)
    with cluster, Client(cluster) as client, _guarded(client, "127.0.0.1"):
        yield client


@contextmanager
def _guarded(client, where: str) -> Iterator:
    """Wait for a worker, watch that one stays, and turn cluster failures into one line."""
    import threading

    from distributed import KilledWorker

    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except TimeoutError:
        raise UsageError("scale.err.no_workers", address=where,
                         seconds=f"{WORKER_WAIT_S:g}") from None
    gone = threading.Event()
    done = threading.Event()

    def watch() -> None:  # the scheduler keeps unrunnable tasks forever: stop instead
        empty_since = None
        while not done.wait(1.0):
            try:
                n = len(client.scheduler_info().get("workers", {}))
            except Exception:  # the client is closing
                return
            now = time.monotonic()
            empty_since = None if n else (empty_since or now)
            if empty_since is not None and now - empty_since > WORKER_WAIT_S:
                gone.set()
                client.close()
                return

    watcher = threading.Thread(target=watch, name="pbkit-dask-watch", daemon=True)
    watcher.start()
    try:
        yield client
    except KilledWorker as exc:
        raise UsageError("scale.err.worker_lost", address=where,
                         task=str(getattr(exc, "task", "") or exc)[:80]) from None
    except Exception:
        if gone.is_set():
            raise UsageError("scale.err.workers_gone", address=where,
                             seconds=f"{WORKER_WAIT_S:g}") from None
        raise
    finally:
        done.set()
    if gone.is_set():
        raise UsageError("scale.err.workers_gone", address=where,
                         seconds=f"{WORKER_WAIT_S:g}")
