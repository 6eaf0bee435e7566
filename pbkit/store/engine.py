"""Where the results database lives and how pbkit connects to it.

By default the store is one SQLite file, ``results.sqlite3``, in the data directory
(:func:`data_dir`). ``PBKIT_DB_URL`` points it at PostgreSQL instead
(``postgresql+psycopg://user:password@127.0.0.1:5432/pbkit``), which is what a class of
50-200 trainees behind JupyterHub should use.

SQLite settings, chosen so that nothing acknowledged is lost:

- ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers
  (the trainer console reads while trainees submit).
- ``synchronous=FULL``: in WAL mode, ``NORMAL`` already survives a killed writer process
  (the WAL is in the OS page cache), but a commit can be lost on power failure or an OS
  crash - a laptop in a village classroom losing power is not hypothetical. ``FULL``
  fsyncs the WAL at every commit, so a submission the trainee saw acknowledged is on disk.
  The cost is one fsync per submission, measured in ``benchmarks/bench_store.py``.
- ``busy_timeout=30000``: a writer waits up to 30 s for the write lock instead of failing
  at once with "database is locked".
- ``BEGIN IMMEDIATE`` for write transactions: the write lock is taken when the transaction
  starts, so two writers never both read and then fail to upgrade to a write
  (``SQLITE_BUSY`` without waiting); read transactions use a plain deferred ``BEGIN``.
  pysqlite's own transaction handling is switched off (``isolation_level = None``) so
  that SQLAlchemy's ``begin`` event decides what is emitted.
- ``foreign_keys=ON``.
- Writers of one SQLite file queue on an ``flock`` of ``<file>.writelock`` before
  ``BEGIN IMMEDIATE`` (POSIX only): the next writer wakes as soon as the lock is free,
  instead of polling in SQLite's busy handler. The kernel releases it when a writer dies.

>>> import os, tempfile
>>> os.environ["PBKIT_DATA_DIR"] = tempfile.mkdtemp()
>>> data_dir() == __import__("pathlib").Path(os.environ["PBKIT_DATA_DIR"])
True
>>> default_url().endswith("results.sqlite3")
True
>>> del os.environ["PBKIT_DATA_DIR"]
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pbkit.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

__all__ = [
    "DB_FILENAME",
    "SQLITE_PRAGMAS",
    "data_dir",
    "default_url",
    "make_engine",
    "write_tx",
    "read_tx",
    "is_sqlite",
    "redact_url",
]

DB_FILENAME = "results.sqlite3"

#: Pragmas set on every SQLite connection, in this order (see the module docstring).
SQLITE_PRAGMAS: tuple[tuple[str, str], ...] = (
    ("busy_timeout", "30000"),
    ("journal_mode", "WAL"),
    ("synchronous", "FULL"),
    ("foreign_keys", "ON"),
)

_READ_OPTION = "pbkit_read_only"


def data_dir() -> Path:
    """The directory holding pbkit's results database (created if missing).

    ``PBKIT_DATA_DIR`` if set, else the platform's per-user data directory:
    ``$XDG_DATA_HOME/pbkit`` or ``~/.local/share/pbkit`` on Linux,
    ``~/Library/Application Support/pbkit`` on macOS, ``%LOCALAPPDATA%\\pbkit`` on Windows.
    """
    env = os.environ.get("PBKIT_DATA_DIR")
    if env:
        path = Path(env).expanduser()
    elif sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        path = Path(base) / "pbkit"
    elif sys.platform == "darwin":
        path = Path.home() / "Library" / "Application Support" / "pbkit"
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "pbkit"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError("store.err.data_dir", path=str(path), detail=exc.strerror or exc) \
            from None
    return path


def default_url() -> str:
    """``PBKIT_DB_URL`` if set, else the SQLite file in :func:`data_dir`."""
    url = os.environ.get("PBKIT_DB_URL")
    if url:
        return url
    return "sqlite:///" + str(data_dir() / DB_FILENAME)


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe to print or log).

    >>> redact_url("postgresql+psycopg://pb:secret@127.0.0.1:5432/pbkit")
    'postgresql+psycopg://pb:***@127.0.0.1:5432/pbkit'
    """
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<invalid url>"


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def make_engine(url: str | None = None) -> Engine:
    """An SQLAlchemy engine for ``url`` (default :func:`default_url`) with pbkit's settings.

    SQLite gets the pragmas in :data:`SQLITE_PRAGMAS` on every connection and
    ``BEGIN IMMEDIATE`` for write transactions (:func:`write_tx`); PostgreSQL gets a
    pre-ping pool and the psycopg 3 driver (``postgresql://`` means
    ``postgresql+psycopg://``). Other back ends are refused.

    >>> make_engine("postgresql://pb@127.0.0.1/pbkit").dialect.driver
    'psycopg'

    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    url = url or default_url()
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError("store.err.bad_url", url=redact_url(url)) from None
    if parsed.drivername in ("postgresql", "postgres"):  # psycopg 3 is what pbkit ships with
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError("store.err.bad_url", url=redact_url(url))
    try:
        if backend == "sqlite":
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed, connect_args={"timeout": 30})
        else:
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5)
    except (NoSuchModuleError, ImportError, OSError) as exc:
        raise StoreError("store.err.unavailable", url=redact_url(url), detail=str(exc)[:200]) \
            from None

    if backend == "sqlite":
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's begin event decides
            cursor = dbapi_connection.cursor()
            for name, value in SQLITE_PRAGMAS:
                cursor.execute(f"PRAGMA {name}={value}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            read_only = conn.get_execution_options().get(_READ_OPTION, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


class _WriterGate:
    """Queue the writers of one SQLite file on an ``flock`` of a side file.

    SQLite's busy handler waits for the write lock by sleeping and retrying (1, 2, 5, 10 ...
    up to 100 ms); with twenty writers most of that time the lock sits free while everyone
    sleeps. A blocking ``flock`` wakes the next writer as soon as the lock is released.
    The kernel drops the lock of a killed process, so a dead writer never blocks the others.
    ``BEGIN IMMEDIATE`` and ``busy_timeout`` still guard correctness (and are all there is
    on Windows, where this gate is a no-op).
    """

    def __init__(self, database: str) -> None:
        self.path = database + ".writelock"
        self.fd: int | None = None
        self.pid: int | None = None
        self.local = threading.Lock()

    @contextmanager
    def hold(self) -> Iterator[None]:
        try:
            import fcntl
        except ImportError:  # Windows: rely on BEGIN IMMEDIATE + busy_timeout alone
            yield
            return
        with self.local:
            if self.fd is None or self.pid != os.getpid():
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self.pid = os.getpid()
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)


_GATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _gate(engine: Engine) -> _WriterGate | None:
    if not is_sqlite(engine):
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    gate = _GATES.get(engine)
    if gate is None:
        gate = _GATES[engine] = _WriterGate(str(Path(database).expanduser()))
    return gate


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success.

    On a SQLite file, writers of all processes first queue on an ``flock`` (see
    :class:`_WriterGate`).
    """
    gate = _gate(engine)
    if gate is None:
        with engine.connect() as conn, conn.begin():
            yield conn
        return
    with gate.hold(), engine.connect() as conn, conn.begin():
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction (deferred ``BEGIN`` on SQLite: it does not take the write lock)."""
    with engine.connect() as conn:
        conn.execution_options(**{_READ_OPTION: True})
        with conn.begin():
            yield conn
