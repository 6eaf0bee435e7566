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


def _command_cpu(args: list[str]) -> dict:
    """Run ``python args`` in a fresh process; its CPU seconds (user + system)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *args], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_s": round((after.ru_utime - before.ru_utime)
                           + (after.ru_stime - before.ru_stime), 4)}


def _cli(*words: str):
    return lambda _: _command_cpu(["-m", "pbkit.cli", *words])


def _bare(_):
    return _command_cpu(["-c", "pass"])


# issue 20: `pbkit --version` and `pbkit scenarios` within 1.5x a bare interpreter start
BENCHMARKS += [
    Benchmark(name="cli_version", run=_cli("--version"), baseline=_bare,
              scales=("township",), repeat=7, target="ratio <= 1.5"),
    Benchmark(name="cli_scenarios", run=_cli("scenarios"), baseline=_bare,
              scales=("township",), repeat=7, target="ratio <= 1.5"),
]
