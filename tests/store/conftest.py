"""Fixtures for the results-store tests: a SQLite file per test and, where the PostgreSQL
binaries exist, a throwaway PostgreSQL cluster on 127.0.0.1 (one per test session and
xdist worker; every test gets a fresh database in it).

The PostgreSQL tests are skipped only when no server binaries are found under
``/usr/lib/postgresql/*/bin`` (or on ``PATH``); any other failure to start the cluster is a
test error, not a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from store_helpers import make_score

from tests.serve_helpers import free_port

PG_MARKS = [pytest.mark.postgres, pytest.mark.xdist_group("store_postgres")]


def _pg_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name)
                        if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres(args: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def pg_server():
    """(host, port) of a throwaway PostgreSQL cluster, stopped and removed at the end."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin or on "
                    "PATH (apt-get install postgresql to run the PostgreSQL store tests)")
    root = Path(tempfile.mkdtemp(prefix="pbkit-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, user="postgres", group="postgres")
    port = free_port()
    env = {**os.environ, "LC_ALL": "C"}
    try:
        subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust",
                                     "-U", "postgres", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, env=env, timeout=120)
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} "
                   "-c max_connections=100 -c shared_buffers=32MB")
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                     "-l", str(root / "server.log"), "-w", "-t", "60",
                                     "start"]),
                       check=True, capture_output=True, env=env, timeout=90)
    except subprocess.CalledProcessError as exc:
        log = (root / "server.log").read_text(errors="replace")[-2000:] \
            if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"could not start PostgreSQL: {exc.stderr!r} {log}") from None
    try:
        yield ("127.0.0.1", port)
    finally:
        subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "-w", "stop"]), capture_output=True, env=env, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A URL to a fresh, empty PostgreSQL database (dropped after the test)."""
    import psycopg

    host, port = pg_server
    name = "t_" + uuid.uuid4().hex[:12]
    admin = f"host={host} port={port} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{host}:{port}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path):
    """A URL to a fresh SQLite file in the test's tmp dir."""
    return "sqlite:///" + str(tmp_path / "results.sqlite3")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=PG_MARKS)])
def store_url(request):
    """Each store test runs against a SQLite file and against PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def score():
    return make_score()
