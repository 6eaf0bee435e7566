"""Choosing and starting a compute engine: pandas (in process) or Dask.

With ``engine="dask"`` and no scheduler address, a local cluster is started on 127.0.0.1
(one single-threaded worker process per core, no dashboard) and closed afterwards; with an
address (``tcp://host:8786``) the existing scheduler is used.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from pbkit.errors import UsageError

__all__ = ["ENGINES", "CONNECT_TIMEOUT", "check_engine", "dask_client", "add_engine_arguments",
           "engine_choice"]

ENGINES = ("pandas", "dask")
# how long to try reaching a scheduler address before giving up (distributed time string)
CONNECT_TIMEOUT = "10s"


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
    """
    engine = check_engine(getattr(args, "engine", "pandas"))
    scheduler = getattr(args, "scheduler", None)
    if scheduler and engine != "dask":
        raise UsageError("scale.err.scheduler_needs_dask")
    return engine, scheduler


@contextmanager
def dask_client(scheduler: str | None = None, *, workers: int | None = None) -> Iterator:
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new local cluster."""
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
    with cluster, Client(cluster) as client:
        yield client

