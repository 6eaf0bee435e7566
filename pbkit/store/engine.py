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
  ``BEGIN IMMEDIATE`` (POSIX only): the next writer wakes within milliseconds of the lock
  being free. The kernel releases it when a writer dies.
- The wait for the write lock is bounded (:func:`lock_timeout`, 20 s unless
  ``PBKIT_DB_LOCK_TIMEOUT`` says otherwise) when nothing moves: a writer fails with a
  clear message (``store.err.busy``) after that long in the queue with no other writer
  finishing, or that long in ``BEGIN IMMEDIATE`` (retried with backoff, SQLite's busy
  timeout set to the time left) once at the head of the queue, instead of hanging
  behind a stalled writer or another program holding the database.
- The database file (and its ``-wal``/``-shm`` files, which SQLite creates with the same
  mode) is private to its owner: created ``0600``, tightened to ``0600`` when pbkit opens
  a file it owns that others could read; the data directory is created ``0700``.

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
import time
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
    "lock_timeout",
    "private_file",
    "DEFAULT_LOCK_TIMEOUT",
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
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.mkdir(mode=0o700, exist_ok=True)
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


#: Seconds a write waits for the write lock before it fails (``PBKIT_DB_LOCK_TIMEOUT``).
DEFAULT_LOCK_TIMEOUT = 20.0


def lock_timeout() -> float:
    """Seconds a write waits for the write lock: ``PBKIT_DB_LOCK_TIMEOUT`` or 20.

    >>> lock_timeout() > 0
    True
    """
    raw = os.environ.get("PBKIT_DB_LOCK_TIMEOUT")
    if not raw:
        return DEFAULT_LOCK_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise StoreError("store.err.bad_lock_timeout", value=raw)
    return value


def private_file(path: str | os.PathLike) -> None:
    """Create ``path`` with mode ``0600`` if missing; tighten it to ``0600`` if it is ours
    and group or others may read it (the results of named trainees are personal data).

    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "results.sqlite3")
    >>> private_file(p); oct(os.stat(p).st_mode & 0o777)
    '0o600'
    """
    if os.name != "posix":
        return
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.chmod(p, 0o600)            # whatever the umask
    except FileExistsError:
        pass
    for one in (p, Path(f"{p}-wal"), Path(f"{p}-shm")):
        try:
            st = one.stat()
            if st.st_uid == os.geteuid() and st.st_mode & 0o077:
                os.chmod(one, st.st_mode & 0o700)
        except OSError:
            continue


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
                private_file(Path(database).expanduser())
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
    sleeps. Polling a non-blocking ``flock`` every few milliseconds hands the lock on
    sooner, and unlike a blocking ``flock`` it can give up. The kernel drops the lock of a
    killed process. ``BEGIN IMMEDIATE`` and the busy timeout still guard correctness (and
    are all there is on Windows, where this gate is a no-op).

    The bound is on waiting *without progress*: every writer that commits bumps a counter
    in the side file, and a waiter that sees the counter move starts its bound
    afresh. A long queue of healthy writers is waited out; a writer stalled inside its
    transaction (or another program holding the database) makes the waiters fail once
    the bound has passed with nothing committed.
    """

    def __init__(self, database: str) -> None:
        self.database = database
        self.path = database + ".writelock"
        self.fd: int | None = None
        self.pid: int | None = None
        self.local = threading.Lock()
        self.opening = threading.Lock()

    def _fd(self) -> int:
        with self.opening:
            if self.fd is None or self.pid != os.getpid():
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self.pid = os.getpid()
            return self.fd

    def _counter(self, fd: int) -> bytes:
        try:
            return os.pread(fd, 8, 0)
        except OSError:
            return b""

    @contextmanager
    def hold(self, seconds: float) -> Iterator[float]:
        """Hold the gate; yields the deadline for what follows (``seconds`` from now)."""
        try:
            import fcntl
        except ImportError:  # Windows: rely on BEGIN IMMEDIATE + busy_timeout alone
            yield time.monotonic() + seconds
            return
        fd = self._fd()
        seen = self._counter(fd)
        deadline = time.monotonic() + seconds

        def progressed() -> bool:
            nonlocal seen, deadline
            now = self._counter(fd)
            if now != seen:
                seen, deadline = now, time.monotonic() + seconds
            return time.monotonic() < deadline

        while not self.local.acquire(timeout=0.05):     # threads of this process
            if not progressed():
                raise _busy(self.database, seconds)
        try:
            pause = 0.001
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if not progressed():
                        raise _busy(self.database, seconds) from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.01)
            try:
                yield time.monotonic() + seconds
                # committed: that is progress for the writers waiting behind
                count = int.from_bytes(self._counter(fd).ljust(8, b"\0"), "little")
                os.pwrite(fd, ((count + 1) % 2**63).to_bytes(8, "little"), 0)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self.local.release()


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


def _busy(database: str, seconds: float) -> StoreError:
    return StoreError("store.err.busy", path=database, seconds=f"{seconds:g}")


def _is_busy(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


@contextmanager
def _begin_immediate(engine: Engine, deadline: float, seconds: float
                     ) -> Iterator[Connection]:
    """A connection in a ``BEGIN IMMEDIATE`` transaction, retried with backoff until the
    deadline (SQLite's busy timeout is set to the time left before each try)."""
    from sqlalchemy.exc import OperationalError

    pause = 0.005
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _busy(str(engine.url.database), seconds)
        conn = engine.connect()
        try:
            conn.connection.driver_connection.execute(
                f"PRAGMA busy_timeout={max(1, int(left * 1000))}")
            tx = conn.begin()
        except OperationalError as exc:
            conn.close()
            if not _is_busy(exc):
                raise
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 0.2)
            continue
        except BaseException:
            conn.close()
            raise
        break
    with conn:
        with tx:
            yield conn


@contextmanager
def write_tx(engine: Engine, timeout: float | None = None) -> Iterator[Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on success.

    On a SQLite file, writers of all processes first queue on an ``flock`` (see
    :class:`_WriterGate`): past ``timeout`` seconds (default :func:`lock_timeout`) in the
    queue without any writer finishing, or in ``BEGIN IMMEDIATE`` once at its head,
    :class:`~pbkit.errors.StoreError` ``store.err.busy`` is raised and nothing is written.
    """
    gate = _gate(engine)
    if gate is None and not is_sqlite(engine):
        with engine.connect() as conn, conn.begin():
            yield conn
        return
    seconds = lock_timeout() if timeout is None else float(timeout)
    if gate is None:          # in-memory SQLite: one connection, no queue
        with _begin_immediate(engine, time.monotonic() + seconds, seconds) as conn:
            yield conn
        return
    with gate.hold(seconds) as deadline, _begin_immediate(engine, deadline, seconds) as conn:
        yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read transaction (deferred ``BEGIN`` on SQLite: it does not take the write lock)."""
    with engine.connect() as conn:
        conn.execution_options(**{_READ_OPTION: True})
        with conn.begin():
            yield conn
