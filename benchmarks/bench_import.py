"""Import time of ``pbkit`` against a bare interpreter start, each in a fresh process.

Target (issue 2): ``import pbkit`` stays under 0.3 s in a warm environment; heavy libraries
are imported lazily. Baseline: ``python -c pass`` started the same way, so the ratio shows
what pbkit adds to a cold interpreter.
"""

from __future__ import annotations

import subprocess
import sys

from benchmarks.harness import Benchmark

_PROBE = (
    "import sys, time\n"
    "t0 = time.perf_counter()\n"
    "{stmt}\n"
    "dt = time.perf_counter() - t0\n"
    "heavy = [m for m in ('pandas', 'numpy', 'networkx', 'sklearn', 'scipy', 'matplotlib',"
    " 'openpyxl', 'sqlalchemy', 'ipywidgets') if m in sys.modules]\n"
    "print(dt, ','.join(heavy))\n"
)


def _spawn(stmt: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE.format(stmt=stmt)], check=True,
                         capture_output=True, text=True).stdout.split()
    return {"in_process_import_s": round(float(out[0]), 4),
            "heavy_modules_loaded": out[1] if len(out) > 1 else ""}


def _pbkit(_):
    return _spawn("import pbkit")


def _baseline(_):
    return _spawn("pass")


BENCHMARKS = [
    Benchmark(name="import_pbkit", run=_pbkit, baseline=_baseline,
              scales=("township",), repeat=5, target="import pbkit < 0.3 s"),
]
