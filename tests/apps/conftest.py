"""Fixtures for the app tests: a `pbkit serve` server and a headless Chromium.

The server runs in its own process session with a private data directory
(``PBKIT_DATA_DIR``); readiness is a TCP connect (an HTTP GET would execute a notebook);
it is stopped with SIGTERM, then SIGKILL, and every process that carries its data directory
in its environment (Voila's kernels run in their own sessions and outlive a closed page) is
reaped. The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never a
downloaded browser); every request that does not go to 127.0.0.1 is aborted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.serve_helpers import free_port, stop, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TRAINER_TOKEN = "e2e-trainer-token-4f9a"


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log: Path
    data_dir: Path
    token: str | None = None

    def url(self, path: str = "", **query: str) -> str:
        params = dict(query)
        if self.token:
            params.setdefault("token", self.token)
        qs = "&".join(f"{k}={v}" for k, v in params.items())
        return f"http://127.0.0.1:{self.port}/{path}" + (f"?{qs}" if qs else "")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def processes_with_env(marker: str) -> list[int]:
    """PIDs whose environment holds ``PBKIT_DATA_DIR=<marker>`` (this server's processes)."""
    needle = f"PBKIT_DATA_DIR={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append(int(entry.name))
    return found


def start_server(data_dir: Path, *extra: str, lang: str = "zh",
                 token: str | None = None) -> Server:
    """Start ``pbkit serve --no-browser --port <free> *extra`` in its own session."""
    port = free_port()
    env = {**os.environ, "PBKIT_DATA_DIR": str(data_dir), "PBKIT_LANG": lang,
           "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg"}
    env.pop("PBKIT_DB_URL", None)
    log = data_dir / f"serve-{port}.log"
    args = [sys.executable, "-m", "pbkit.cli", "serve", "--no-browser", "--port", str(port),
            *extra]
    env.pop("PBKIT_TRAINER_TOKEN", None)
    if token:  # through the environment: a command line is readable by every local user
        env["PBKIT_TRAINER_TOKEN"] = token
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=str(ROOT), start_new_session=True)
    server = Server(proc, port, log, data_dir, token)
    try:
        wait_for_port("127.0.0.1", port, 90, proc)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: Server, grace: float = 20) -> list[int]:
    """SIGTERM the session, then SIGKILL; reap every process of this server (kernels too).

    Returns the PIDs that were still alive after the server stopped and had to be killed.
    """
    stop(server.proc, grace)
    deadline = time.monotonic() + 10
    left = processes_with_env(str(server.data_dir))
    while left and time.monotonic() < deadline:
        time.sleep(0.3)
        left = processes_with_env(str(server.data_dir))
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


def signed_link(server: Server, trainee: str, cohort: str | None = None) -> dict[str, str]:
    """The query of a personal link to ``trainee``, signed with the server's class-link key
    (which ``pbkit serve`` made in its data directory), as the trainer console makes it."""
    from pbkit.serving import links

    key = links.read_key(links.key_path(server.data_dir))
    return links.signed_params(key, cohort_id=cohort, trainee_id=trainee)


def prepare_store(data_dir: Path, cohort: str = "C2026E2E", trainee: str = "T0001") -> str:
    """Create the cohort and trainee in the server's results store (as a trainer would)."""
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(data_dir / "results.sqlite3"))
    store.ensure_cohort(cohort, "端到端测试班")
    store.ensure_trainee(trainee, cohort)
    store.close()
    return "sqlite:///" + str(data_dir / "results.sqlite3")


@pytest.fixture(scope="module")
def chromium_required():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium "
                    "(apt-get install chromium fonts-wqy-microhei); browser tests skipped")


@pytest.fixture(scope="module")
def apps_server(chromium_required, tmp_path_factory) -> Iterator[Server]:
    """`pbkit serve` on the trainee apps with a private store holding cohort and trainee."""
    data_dir = tmp_path_factory.mktemp("apps-e2e")
    prepare_store(data_dir)
    server = start_server(data_dir)
    try:
        yield server
    finally:
        left = stop_server(server)
        assert not processes_with_env(str(data_dir)), f"processes left behind: {left}"


@pytest.fixture(scope="module")
def trainer_server(chromium_required, tmp_path_factory) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("trainer-e2e")
    prepare_store(data_dir)
    server = start_server(data_dir, "--trainer", token=TRAINER_TOKEN)
    try:
        yield server
    finally:
        stop_server(server)
        assert not processes_with_env(str(data_dir))


def _loopback_only(route) -> None:
    host = urlparse(route.request.url).hostname
    if host == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="module")
def browser(chromium_required, tmp_path_factory):
    """A headless Chromium context (fresh profile) that can reach only 127.0.0.1."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
            headless=True, args=CHROMIUM_ARGS, accept_downloads=True, locale="zh-CN",
            viewport={"width": 1366, "height": 900})
        ctx.route("**/*", _loopback_only)
        ctx.set_default_timeout(90_000)
        try:
            yield ctx
        finally:
            ctx.close()
