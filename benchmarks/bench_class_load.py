"""Class load: N trainees open the role-play app at once and submit a scored answer.

Each session is what Voila runs for one page: a fresh IPython kernel (jupyter_client, the
same kernel spec Voila starts) executes the app notebook's cell
(``RolePlayApp.launch()`` from ``notebooks/apps/roleplay.ipynb``); once all are open, every
trainee starts the dibao scenario and, after ``think_s`` seconds (0 in the benchmarks: the
worst case, the scorer's and the store's warm-up are part of the submission), submits
(``start`` and ``submit`` clicked through the widgets' own ``click()``). Every session saves
to the same SQLite results store, as a class server does.

Measured per session: ``open`` (kernel start to the notebook cell done: the kernel's share
of a page open; the browser's own assets are not included), ``submit`` (click to saved),
and the kernel's RSS / USS after saving (psutil). The timed figure is the class's wall
time from the first kernel start to the last attempt saved.

The baseline is the same code with the shipped model parameters switched off
(``PBKIT_NGRAM_MODELS=off``): every kernel trains its own scorer, as before
``pbkit/roleplay/ngram_models.npz`` existed. ``extra`` also says whether any kernel imported
scikit-learn and how many attempts were saved.

Sizes: ``class_load_10`` and ``_20`` run at the township scale, ``_40`` at county, ``_80``
at province only (80 kernels need about 10 GB; its baseline is left out: 80 kernels of
250 MB each do not fit a shared 2-core test machine). One size by hand::

    python -m benchmarks.bench_class_load 10 20 40 [--think 20] [--pbkit-only]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.harness import Benchmark

__all__ = ["BENCHMARKS", "run_class"]

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "dibao-complaint"
ANSWER = ("大娘，您先坐下慢慢说，我理解您的难处。低保要经过申请、入户调查、民主评议、公示，"
          "我们三天内把评议记录给您看，相关干部回避。")
TIMEOUT = 900
START_TIMEOUT = 300


def _notebook_code() -> str:
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "apps" / "roleplay.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code")


_FIND_APP = """
import gc as _gc
from pbkit.apps.roleplay_app import RolePlayApp as _RPA
_app = next(o for o in _gc.get_objects() if isinstance(o, _RPA))
_app.scenario.value = %r
"""
_SUBMIT = """
_app.answer.value = %r
_app.submit.click()
"""
_PROBE = """
import json as _json, sys as _sys
from pbkit.roleplay import get_scorer as _gs
print(_json.dumps({"saved": _app.attempt is not None and _app.attempt.attempt_id is not None,
                   "sklearn": "sklearn" in _sys.modules,
                   "model": getattr(_gs(%r).model, "source", None)}))
"""


def _execute(kc: Any, code: str) -> str:
    out: list[str] = []

    def hook(msg: dict) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    reply = kc.execute_interactive(code, output_hook=hook, timeout=TIMEOUT)
    if reply["content"]["status"] != "ok":
        raise RuntimeError("kernel cell failed: " + "".join(out)[-2000:])
    return "".join(out)


def _session(i: int, env: dict[str, str], opened: threading.Barrier, out: list,
             think_s: float = 0.0) -> None:
    import psutil
    from jupyter_client import KernelManager

    # IPC sockets in the run's folder: no TCP port races between kernels starting together
    km = KernelManager(kernel_name="python3", transport="ipc",
                       ip=str(Path(env["PBKIT_DATA_DIR"]) / f"k{i}"))
    t0 = time.perf_counter()
    row: dict[str, Any] = {"i": i}
    try:
        km.start_kernel(env={**env, "PBKIT_TRAINEE": f"T{i + 1:04d}"}, cwd=str(ROOT))
        kc = km.blocking_client()
        kc.start_channels()
        kc.wait_for_ready(timeout=START_TIMEOUT)
        _execute(kc, _notebook_code())
        row["open_s"] = time.perf_counter() - t0
        _execute(kc, _FIND_APP % SCENARIO)
        opened.wait(timeout=START_TIMEOUT)
        _execute(kc, "_app.start.click()")
        time.sleep(think_s)  # the trainee reads and types
        t1 = time.perf_counter()
        _execute(kc, _SUBMIT % ANSWER)
        row["submit_s"] = time.perf_counter() - t1
        row["done"] = time.perf_counter()
        row.update(json.loads(_execute(kc, _PROBE % SCENARIO).strip().splitlines()[-1]))
        mem = psutil.Process(km.provisioner.pid).memory_full_info()
        row["rss_mb"], row["uss_mb"] = mem.rss / 2**20, mem.uss / 2**20
        kc.stop_channels()
    except BaseException as exc:  # reported in the result, never raised in the thread
        row["error"] = f"{type(exc).__name__}: {exc}"[:500]
        opened.abort()
    finally:
        try:
            km.shutdown_kernel(now=True)
        except Exception:
            pass
        out.append(row)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))], 2)


def run_class(n: int, *, train: bool = False, data_dir: Path | None = None,
              think_s: float = 0.0) -> dict[str, Any]:
    """Open ``n`` sessions at once, start the scenario in all of them, wait ``think_s``
    seconds (the trainee typing), submit in all of them, return the figures (a fresh
    results store in ``data_dir``, by default a temporary folder removed afterwards)."""
    if data_dir is None:
        folder = tempfile.mkdtemp(prefix="pbkit-class-")
        try:
            return run_class(n, train=train, data_dir=Path(folder), think_s=think_s)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    from pbkit.store import ResultsStore

    url = f"sqlite:///{data_dir / 'results.sqlite3'}"
    env = {**os.environ, "PBKIT_DATA_DIR": str(data_dir), "PBKIT_DB_URL": url,
           "PBKIT_COHORT": "C1",
           "PBKIT_LANG": "zh", "PYTHONPATH": str(ROOT), "PBKIT_SESSION": uuid.uuid4().hex}
    env.pop("VOILA_PREHEAT", None)
    if train:
        env["PBKIT_NGRAM_MODELS"] = "off"
    else:
        env.pop("PBKIT_NGRAM_MODELS", None)
    store = ResultsStore(url)
    store.ensure_cohort("C1", "class load")
    rows: list[dict] = []
    opened = threading.Barrier(n)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=_session, args=(i, env, opened, rows, think_s))
               for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(TIMEOUT * 3)
    ok = [r for r in rows if "error" not in r]
    wall = (max(r["done"] for r in ok) - t0) if ok else None
    saved = len(store.attempts("C1"))
    opens = [r["open_s"] for r in ok]
    submits = [r["submit_s"] for r in ok]
    out = {
        "timed_s": wall, "sessions": n, "errors": [r["error"] for r in rows if "error" in r][:3],
        "saved": saved, "open_p50_s": _pct(opens, 0.5), "open_p95_s": _pct(opens, 0.95),
        "open_max_s": _pct(opens, 1.0), "submit_p50_s": _pct(submits, 0.5),
        "submit_p95_s": _pct(submits, 0.95), "submit_max_s": _pct(submits, 1.0),
        "rss_mb_mean": round(sum(r["rss_mb"] for r in ok) / len(ok), 1) if ok else None,
        "uss_mb_mean": round(sum(r["uss_mb"] for r in ok) / len(ok), 1) if ok else None,
        "kernels_with_sklearn": sum(1 for r in ok if r.get("sklearn")),
        "models": sorted({str(r.get("model")) for r in ok}), "think_s": think_s,
    }
    return out


def _check(mine: dict, base: dict) -> None:
    assert not mine.get("errors"), mine.get("errors")
    assert mine["saved"] == mine["sessions"], "every session's attempt is saved"
    assert mine["kernels_with_sklearn"] == 0, "no kernel imports scikit-learn"


def _setup(n: int) -> int:
    """One untimed session first, so that neither side pays for a cold disk cache."""
    run_class(1)
    return n


def _bench(n: int, scale: str, baseline: bool = True) -> Benchmark:
    return Benchmark(
        name=f"roleplay_class_load_{n}", setup=lambda scale, n=n: _setup(n),
        run=lambda n: run_class(n), baseline=(lambda n: run_class(n, train=True))
        if baseline else None, scales=(scale,), repeat=1, check=_check if baseline else None,
        target=f"{n} sessions open+submit; time must not grow with the class beyond CPU "
               "share; pbkit/baseline ratio < 1")


BENCHMARKS = [_bench(10, "township"), _bench(20, "township"), _bench(40, "county"),
              _bench(80, "province", baseline=False)]


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_class_load")
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 20, 40])
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds between start and submit (the trainee typing)")
    parser.add_argument("--pbkit-only", action="store_true")
    args = parser.parse_args(argv)
    run_class(1)  # warm the disk cache (not reported)
    for n in args.sizes:
        for side in ["pbkit"] if args.pbkit_only else ["pbkit", "baseline"]:
            res = run_class(n, train=side == "baseline", think_s=args.think)
            print(json.dumps({"side": side, **res}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
