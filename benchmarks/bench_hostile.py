"""Hostile inputs at the upload limit and beyond: ``pbkit bench --only hostile``.

Runs every case of :mod:`benchmarks.fuzz_limits` (a row with more fields than the header,
an enormous cell, zip and .xlsx bombs under the old caps, ...) in its own process and
reports, per case, the seconds, the peak memory above the baseline process and whether it
kept the contract (at most 10 times the input's size plus 32 MB, at most 30 s). Sizes:
township = the app upload limit (8 MiB), county = 100 MB, province = 1 GB (the CLI). CI runs
the same cases at 1 MB (``tests/data/test_data_limits.py``).

There is no baseline computation to compare with (``ratio`` is empty); the extra columns
carry the figures, and ``failed`` lists the cases over the contract.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.harness import Benchmark

__all__ = ["BENCHMARKS"]

SIZES = {"township": 8 * 1024 * 1024, "county": 100_000_000, "province": 1_000_000_000}


def _run(size: int) -> dict:
    from benchmarks import fuzz_limits

    out: dict = {"size_bytes": size}
    failed = []
    with tempfile.TemporaryDirectory(prefix="pbkit-hostile-") as tmp:
        base = fuzz_limits.baseline(Path(tmp))
        out["baseline_mb"] = base["peak_mb"]
        for name in fuzz_limits.CASES:
            res = fuzz_limits.run_case(name, size, Path(tmp), base["peak_mb"], timeout=120,
                                       hard_mb=8000)
            out[name] = (f"{res['seconds']:.1f} s, +{res['extra_mb']:.0f} MB "
                         f"(budget {res['budget_mb']:.0f}), {res['outcome']}")
            if not res["ok"]:
                failed.append(name)
    out["failed"] = ",".join(failed) or "-"
    return out


BENCHMARKS = [
    Benchmark(
        name="hostile_inputs",
        run=_run,
        baseline=None,
        setup=lambda scale: SIZES[scale],
        scales=("township", "county", "province"),
        repeat=1,
        target="every case <= 10x its size in memory (+32 MB) and <= 30 s",
    ),
]
