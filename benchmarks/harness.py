"""The benchmark harness behind ``pbkit bench``.

A benchmark module ``benchmarks/bench_<area>.py`` defines ``BENCHMARKS``, a list of
:class:`Benchmark`. For each benchmark and scale the harness starts a fresh process per side
(pbkit, baseline) so that peak memory (``ru_maxrss``) belongs to that side alone; in it,
``setup(scale)`` builds the input (not timed), then the side's function runs ``repeat`` times
and the best wall time is kept. The ratio is pbkit time / baseline time, both measured in the
same ``pbkit bench`` run on the same machine, never compared with a stored figure.

A benchmark may return a dict from ``run``; its items are reported as ``extra`` (for example
an objective value that must equal the baseline's). ``check(pbkit_result, baseline_result)``
may raise to mark a result mismatch. A side that must wait between repetitions for
something that is not part of what is measured (the app benchmark waits for its server to
be quiet before each page open) returns ``timed_s``, the seconds of its own timed section,
which then replaces the wall time of that call; both sides of such a benchmark do the same.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing as mp
import pkgutil
import platform
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Benchmark", "Result", "discover", "run_all", "format_table"]

SCALES = ("township", "county", "province")


@dataclass(frozen=True)
class Benchmark:
    """One pbkit-versus-baseline measurement.

    ``setup(scale)`` returns the input; ``run(input)`` is pbkit; ``baseline(input)`` is the
    plain-library reference computation. ``scales`` lists where it makes sense; ``target``
    is a human note such as ``"ratio <= 2"``.
    """

    name: str
    run: Callable[[Any], Any]
    baseline: Callable[[Any], Any] | None
    setup: Callable[[str], Any] = lambda scale: None
    scales: tuple[str, ...] = ("township",)
    repeat: int = 3
    target: str = ""
    check: Callable[[Any, Any], None] | None = None


@dataclass
class Result:
    name: str
    scale: str
    pbkit_s: float | None
    baseline_s: float | None
    ratio: float | None
    pbkit_peak_mb: float | None
    baseline_peak_mb: float | None
    target: str = ""
    extra: dict = field(default_factory=dict)
    error: str | None = None


def discover(only: str | None = None) -> list[tuple[str, Benchmark]]:
    """Every (module, Benchmark) in ``benchmarks/bench_*.py``, optionally filtered by name."""
    import benchmarks

    found = []
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        for bench in getattr(module, "BENCHMARKS", []):
            if only is None or only in bench.name:
                found.append((module.__name__, bench))
    return found


def _child(module: str, name: str, scale: str, side: str, queue) -> None:
    try:
        mod = importlib.import_module(module)
        bench = next(b for b in mod.BENCHMARKS if b.name == name)
        data = bench.setup(scale)
        fn = bench.run if side == "pbkit" else bench.baseline
        best, out = float("inf"), None
        for _ in range(max(1, bench.repeat)):
            t0 = time.perf_counter()
            out = fn(data)
            elapsed = time.perf_counter() - t0
            if isinstance(out, dict) and isinstance(out.get("timed_s"), (int, float)):
                # the side timed its own critical section (see the module docstring)
                elapsed = float(out["timed_s"])
            best = min(best, elapsed)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        extra = out if isinstance(out, dict) else {}
        queue.put({"seconds": best, "peak_mb": peak_mb, "extra": _jsonable(extra)})
    except BaseException as exc:  # reported, never raised in the parent
        queue.put({"error": f"{type(exc).__name__}: {exc}"})


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else str(value)


def _measure(module: str, bench: Benchmark, scale: str, side: str) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(module, bench.name, scale, side, queue))
    proc.start()
    try:
        result = queue.get(timeout=3600)
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    return result


def run_all(scales: tuple[str, ...] | None = None, only: str | None = None,
            progress: Callable[[str], None] | None = None) -> list[Result]:
    """Run every discovered benchmark at each of its scales (filtered by ``scales``)."""
    results = []
    for module, bench in discover(only):
        for scale in bench.scales:
            if scales and scale not in scales:
                continue
            if progress:
                progress(f"{bench.name} [{scale}]")
            mine = _measure(module, bench, scale, "pbkit")
            base = _measure(module, bench, scale, "baseline") if bench.baseline else {}
            error = mine.get("error") or base.get("error")
            p, b = mine.get("seconds"), base.get("seconds")
            extra = {**{f"baseline_{k}": v for k, v in base.get("extra", {}).items()},
                     **mine.get("extra", {})}
            if bench.check and not error:
                try:
                    bench.check(mine.get("extra", {}), base.get("extra", {}))
                except AssertionError as exc:
                    error = f"check failed: {exc}"
            results.append(Result(
                name=bench.name, scale=scale, pbkit_s=p, baseline_s=b,
                ratio=(p / b) if p is not None and b else None,
                pbkit_peak_mb=mine.get("peak_mb"), baseline_peak_mb=base.get("peak_mb"),
                target=bench.target, extra=extra, error=error,
            ))
    return results


def format_table(results: list[Result]) -> str:
    """A plain-text table: name, scale, pbkit s, baseline s, ratio, peak MB, target."""
    head = ("benchmark", "scale", "pbkit_s", "baseline_s", "ratio", "peak_MB", "base_peak_MB",
            "target")
    rows = [head]
    for r in results:
        def f(v, spec):
            return "-" if v is None else format(v, spec)
        rows.append((r.name, r.scale, f(r.pbkit_s, ".4f"), f(r.baseline_s, ".4f"),
                     f(r.ratio, ".2f"), f(r.pbkit_peak_mb, ".0f"), f(r.baseline_peak_mb, ".0f"),
                     (r.target + (f"  ERROR {r.error}" if r.error else ""))))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows)


def to_json(results: list[Result]) -> str:
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": mp.cpu_count(), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    return json.dumps({"meta": meta, "results": [asdict(r) for r in results]},
                      ensure_ascii=False, indent=2)


def write_json(results: list[Result], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(results), encoding="utf-8")
    return path


def to_markdown(results: list[Result]) -> str:
    """The same table as :func:`format_table`, as Markdown (for ``benchmarks/RESULTS.md``)."""
    def f(v, spec):
        return "–" if v is None else format(v, spec)

    lines = ["| benchmark | scale | pbkit s | baseline s | ratio | peak MB (pbkit / baseline) "
             "| target |", "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    for r in results:
        note = r.target + (f" — ERROR {r.error}" if r.error else "")
        lines.append(f"| {r.name} | {r.scale} | {f(r.pbkit_s, '.3f')} | {f(r.baseline_s, '.3f')} "
                     f"| {f(r.ratio, '.2f')} | {f(r.pbkit_peak_mb, '.0f')} / "
                     f"{f(r.baseline_peak_mb, '.0f')} | {note} |")
    return "\n".join(lines)
