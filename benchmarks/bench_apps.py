"""App timing: request to first rendered widgets, cold and with preheated kernels.

For each app (role-play, planner, dashboard, trainer console) the pbkit side opens the app
served by ``pbkit serve`` in headless Chromium (Debian's ``/usr/bin/chromium`` driven by
Playwright; hosts other than 127.0.0.1 unresolvable, any request to them fails the run) and waits for the app's first widgets
(its title, ``.pbkit-app h2``). The baseline, measured in the same run, is a one-cell
ipywidgets notebook (one button) under plain Voila 0.5 with the same flags a user would pass
(``--strip_sources=True``), waiting for ``.jupyter-widgets``.

Each run opens a fresh page, so every cold run starts a new kernel; the server and the
browser start in the first call of a side (that call is slow and, with ``repeat`` >= 2,
never the best). The ``preheated`` variants serve with ``pbkit serve --preheat N``
(``--preheat_kernel=True --pool_size=N``: Voila executes the notebook ahead of the request)
and wait until the pool kernels are idle before the first timed request; their baseline is
the same one-button page under plain Voila with the same preheated pool (the floor of
Voila's own front end on the machine; the target there is the absolute < 1 s).

Before each timed open the side waits until its server and kernels are quiet (no CPU
for a second): the previous page's kernel may still be loading data, and a preheated pool
refills the kernel it handed out; neither belongs to the next open's time.

``apps_dashboard_to_score`` opens the dashboard cold and waits for the chosen branch's
score (the headline, ``.pbkit-score``): issue 18 asks for it in under 3 s. Each run of the
benchmark starts with an empty figure memo (``PBKIT_CACHE_DIR`` in the run's folder);
``pbkit serve`` fills it when it starts, as on a real server.

Extra figures per run: ``kernel_rss_mb`` / ``kernel_uss_mb`` of the kernel serving the page
just opened (psutil; USS = memory unique to that kernel, i.e. the cost of one more open
session), ``kernels`` alive on the server.

Run one with::

    .venv/bin/python -c "import sys; sys.path.insert(0,'.'); from benchmarks.harness import \\
        run_all, format_table; print(format_table(run_all(only='apps_first_widget')))"
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.harness import Benchmark

__all__ = ["BENCHMARKS"]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
TOKEN = "bench-token-7c1e"
APP_SELECTOR = ".pbkit-app h2"
BASELINE_SELECTOR = ".jupyter-widgets.widget-button"
# the dashboard's headline with the chosen branch's score (issue 18 item 7: < 3 s to it)
SCORE_SELECTOR = ".pbkit-app .pbkit-score"
TIMEOUT_MS = 180_000
POOL = 3

# per-process state of one benchmark side (each side runs in its own process)
_STATE: dict[str, Any] = {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"port {port} not ready")


def _kernels(root_pid: int) -> list:
    import psutil

    try:
        children = psutil.Process(root_pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    out = []
    for p in children:
        try:
            if "ipykernel_launcher" in " ".join(p.cmdline()):
                out.append(p)
        except psutil.Error:
            pass
    return out


def _wait_pool_idle(root_pid: int, expected: int, timeout: float = 300) -> None:
    """Wait until ``expected`` kernels exist and the server is quiet (notebooks run)."""
    deadline = time.monotonic() + timeout
    while len(_kernels(root_pid)) < expected and time.monotonic() < deadline:
        time.sleep(0.5)
    _wait_quiet(root_pid, timeout=max(0.0, deadline - time.monotonic()), quiet_s=2.0)


def _wait_quiet(root_pid: int, timeout: float = 60, quiet_s: float = 1.0) -> float:
    """Wait until the server and its kernels have stopped using CPU; return seconds waited.

    Every timed page open starts from a quiet server: the previous page's kernel may still
    be loading its data (the dashboard computes its scorecard once shown) and a preheated
    pool refills the kernel it handed out, which would otherwise be timed as part of the
    next open. Both sides (pbkit and plain Voila) wait the same way.
    """
    import psutil

    start = time.monotonic()
    quiet_since = None
    while time.monotonic() - start < timeout:
        try:
            procs = [psutil.Process(root_pid), *psutil.Process(root_pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in procs:
            try:
                p.cpu_percent(None)  # starts each process's CPU counter
            except psutil.Error:
                pass
        time.sleep(0.25)
        busy = 0.0
        for p in procs:
            try:
                busy += p.cpu_percent(None)
            except psutil.Error:
                pass
        if busy < 10.0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= quiet_s:
                break
        else:
            quiet_since = None
    return time.monotonic() - start


def _stop(proc: subprocess.Popen, marker: str) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    needle = f"PBKIT_DATA_DIR={marker}".encode()
    for entry in Path("/proc").iterdir():  # kernels live in their own sessions
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


def _baseline_notebook(folder: Path) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import ipywidgets as W\nW.Button(description='OK')")]
    path = folder / "baseline.ipynb"
    nbformat.write(nb, path)
    return path


def _start(kind: str, preheat: int = 0) -> dict:
    """Start the server of ``kind`` (apps, trainer, baseline) and a browser, once per process."""
    from multiprocessing import util

    from playwright.sync_api import sync_playwright

    data = Path(tempfile.mkdtemp(prefix=f"pbkit-bench-{kind}-"))
    port = _free_port()
    # an empty figure memo per run: nothing computed by an earlier run is read back
    env = {**os.environ, "PBKIT_DATA_DIR": str(data), "PBKIT_LANG": "zh",
           "MPLBACKEND": "Agg", "PBKIT_CACHE_DIR": str(data / "cache")}
    env.pop("PBKIT_DB_URL", None)
    if kind == "baseline":
        folder = data / "nb"
        folder.mkdir()
        _baseline_notebook(folder)
        cmd = [sys.executable, "-m", "voila", str(folder), "--no-browser",
               "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", f"--port={port}",
               "--strip_sources=True"]
        if preheat:
            cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    else:
        cmd = [sys.executable, "-m", "pbkit.cli", "serve", "--no-browser", "--port",
               str(port)]
        if kind == "trainer":  # the token through the environment, never on a command line
            cmd += ["--trainer"]
            env["PBKIT_TRAINER_TOKEN"] = TOKEN
        if preheat:
            cmd += ["--preheat", str(preheat)]
    log = open(data / "server.log", "w")  # closed by the finaliser
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    _wait_port(port, proc)
    if preheat:
        n_notebooks = (1 if kind == "baseline" else
                       len(list((ROOT / "notebooks" / "apps").glob("*.ipynb"))))
        _wait_pool_idle(proc.pid, preheat * n_notebooks)
    pw = sync_playwright().start()
    ctx = pw.chromium.launch_persistent_context(
        tempfile.mkdtemp(prefix="pbkit-bench-chromium-"), executable_path=CHROMIUM,
        headless=True, args=CHROMIUM_ARGS, viewport={"width": 1366, "height": 900})

    # No request interception: Playwright's routing turns the browser's HTTP cache off,
    # which a trainee's browser has. Chromium's host-resolver rules above already make any
    # host but 127.0.0.1 unreachable; requests elsewhere are counted and fail the run.
    foreign: list[str] = []

    def watch(request):
        url = urlsplit(request.url)  # blob: and data: URLs are the page's own
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
            foreign.append(request.url)

    ctx.on("request", watch)
    # warm the browser's cache of Voila's static assets, as a returning trainee has it
    page = ctx.new_page()
    page.goto(f"http://127.0.0.1:{port}/" + (f"?token={TOKEN}" if kind == "trainer" else ""),
              timeout=TIMEOUT_MS)
    page.close()

    def cleanup() -> None:
        try:
            ctx.close()
            pw.stop()
        finally:
            _stop(proc, str(data))
            log.close()

    util.Finalize(None, cleanup, exitpriority=10)
    return {"port": port, "proc": proc, "ctx": ctx, "data": data, "foreign": foreign}


_PHASES_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const kernel = performance.getEntriesByType('resource')
    .find(e => e.name.includes('/api/kernels/'));
  const s = ms => ms === undefined ? null : Math.round(ms) / 1000;
  return {html_s: s(nav.responseEnd), dom_s: s(nav.domContentLoadedEventEnd),
          kernel_request_s: s(kernel && kernel.startTime), widgets_s: s(performance.now())};
}"""


def _open(kind: str, path: str, selector: str, preheat: int = 0) -> dict:
    """Open ``path`` in a fresh page; return the time to ``selector`` and kernel memory."""
    if kind not in _STATE:
        _STATE[kind] = _start(kind, preheat)
    state = _STATE[kind]
    waited = _wait_quiet(state["proc"].pid)
    # memory of the session opened by the previous run, now settled (data loaded, charts
    # drawn): the cost of one open app session
    settled = _memory(state.get("last_kernel"))
    query = f"?token={TOKEN}" if kind == "trainer" else ""
    page = state["ctx"].new_page()
    t0 = time.perf_counter()
    page.goto(f"http://127.0.0.1:{state['port']}/{path}{query}", wait_until="commit",
              timeout=TIMEOUT_MS)
    page.wait_for_selector(selector, timeout=TIMEOUT_MS)
    seconds = time.perf_counter() - t0
    state.setdefault("all_s", []).append(round(seconds, 2))
    # where the time went, from the page's own clock (ms since navigation start): the
    # server's HTML, the DOM parsed, the kernel asked for (Voila's front end booted), first
    # widgets
    phases = page.evaluate(_PHASES_JS)
    if state["foreign"] and not kind.startswith("baseline"):  # plain Voila links a CDN
        raise RuntimeError(f"requests left 127.0.0.1: {state['foreign'][:3]}")
    kernels = _kernels(state["proc"].pid)
    newest = max(kernels, key=lambda k: k.create_time()) if kernels else None
    rss, uss = _memory(newest)
    state["last_kernel"] = newest
    # the page stays open (its kernel keeps running) so the next run can measure it settled
    state.setdefault("pages", []).append(page)
    return {"timed_s": seconds, "first_widget_s": round(seconds, 3), "kernel_rss_mb": rss, "kernel_uss_mb": uss,
            "session_rss_mb": settled[0], "session_uss_mb": settled[1],
            "kernels": len(kernels), "load1": round(os.getloadavg()[0], 1),
            "waited_quiet_s": round(waited, 2),
            "foreign_requests": len(state["foreign"]), "all_s": list(state["all_s"]),
            **phases}


def _memory(kernel) -> tuple[float | None, float | None]:
    """RSS and USS (MB) of a kernel process, or ``(None, None)``."""
    if kernel is None:
        return None, None
    try:
        info = kernel.memory_full_info()
    except Exception:  # gone (culled) meanwhile
        return None, None
    return round(info.rss / 2**20, 1), round(info.uss / 2**20, 1)


def _open_preheated(name: str, preheat: int) -> dict:
    kind = "apps-preheat"
    if kind not in _STATE:
        _STATE[kind] = _start("apps", preheat)
    # the pool holds ``preheat`` >= ``repeat`` kernels per notebook, all rendered before
    # the first request, so every timed request is served from the pool
    out = _open(kind, f"voila/render/{name}.ipynb", APP_SELECTOR, preheat)
    # the newest kernel is a pool refill, not the one serving the page
    out["kernel_rss_mb"] = out["kernel_uss_mb"] = None
    out["session_rss_mb"] = out["session_uss_mb"] = None
    return out


def _baseline(_data: Any = None) -> dict:
    return _open("baseline", "voila/render/baseline.ipynb", BASELINE_SELECTOR)


def _baseline_preheated(preheat: int, _data: Any = None) -> dict:
    """The one-button page under plain Voila with the same preheated pool."""
    kind = "baseline-preheat"
    if kind not in _STATE:
        _STATE[kind] = _start("baseline", preheat)
    out = _open(kind, "voila/render/baseline.ipynb", BASELINE_SELECTOR)
    out["kernel_rss_mb"] = out["kernel_uss_mb"] = None  # the newest kernel is a refill
    out["session_rss_mb"] = out["session_uss_mb"] = None
    return out


def _setup(scale: str) -> None:
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Debian's chromium is not installed at /usr/bin/chromium")
    return None


def _run(name: str, kind: str = "apps", preheat: int = 0, _data: Any = None) -> dict:
    if preheat:
        return _open_preheated(name, preheat)
    return _open(kind, f"voila/render/{name}.ipynb", APP_SELECTOR)


def _bench(name: str, kind: str = "apps", preheat: int = 0) -> Benchmark:
    label = f"apps_first_widget_{name}" + ("_preheated" if preheat else "")
    target = "< 1 s with preheated kernels" if preheat else "ratio <= 1.5 (vs plain Voila)"
    baseline = partial(_baseline_preheated, preheat) if preheat else _baseline
    return Benchmark(name=label, run=partial(_run, name, kind, preheat), baseline=baseline,
                     setup=_setup, scales=("township",), repeat=POOL if preheat else 4,
                     target=target)


def _score(_data: Any = None) -> dict:
    """The dashboard opened cold (a new kernel) until the chosen branch's score shows."""
    return _open("apps", "voila/render/dashboard.ipynb", SCORE_SELECTOR)


BENCHMARKS = [
    # issue 18 item 7: from the request to the score on screen; the baseline is the plain
    # one-button Voila page of the same run (the floor of any Voila page); target absolute
    Benchmark(name="apps_dashboard_to_score", run=_score, baseline=_baseline, setup=_setup,
              scales=("township",), repeat=4, target="< 3 s from the request to the score"),
    _bench("roleplay"),
    _bench("planner"),
    _bench("dashboard"),
    _bench("console", kind="trainer"),
    _bench("roleplay", preheat=POOL),
    _bench("planner", preheat=POOL),
    _bench("dashboard", preheat=POOL),
]
