"""Start and stop `pbkit serve` for tests: own session, TCP readiness, SIGTERM then SIGKILL,
kernels reaped (closing a page never stops its kernel)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen) -> None:
    """Wait until something accepts TCP connections (a GET would start a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{host}:{port} not ready after {timeout} s")


def _pids_with(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="ignore")
        except OSError:
            continue
        if marker in cmdline:
            pids.append(int(entry.name))
    return pids


def reap(marker: str) -> list[int]:
    """Kill every process whose command line contains ``marker``; return those found."""
    found = [p for p in _pids_with(marker) if p != os.getpid()]
    for pid in found:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return found


@contextmanager
def pbkit_server(port: int, *extra: str, env: dict | None = None, timeout: float = 60):
    """Run ``pbkit serve --no-browser --port PORT *extra``; yield (proc, output_path)."""
    log = Path(os.environ.get("PBKIT_DATA_DIR", "/tmp")) / f"serve-{port}.log"
    full_env = {**os.environ, **(env or {})}
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pbkit.cli", "serve", "--no-browser", "--port", str(port),
             *extra],
            stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
    try:
        wait_for_port("127.0.0.1", port, timeout, proc)
        yield proc, log
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, grace: float = 20) -> float:
    """SIGTERM the server's process group, then SIGKILL; return seconds it took."""
    t0 = time.monotonic()
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    # kernels run in their own sessions; voila's runtime dir marks them
    return time.monotonic() - t0
