"""The benchmark harness: which seconds a side is credited with."""

from __future__ import annotations

import queue
import sys
import time
import types

from benchmarks import harness


def _module(monkeypatch, run, baseline) -> str:
    mod = types.ModuleType("pbkit_test_fake_bench")
    mod.BENCHMARKS = [harness.Benchmark(name="fake", run=run, baseline=baseline, repeat=2)]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    return mod.__name__


def test_a_side_that_times_its_own_section_is_credited_with_it(monkeypatch):
    def run(_data):
        time.sleep(0.05)  # waiting that is not part of what is measured
        return {"timed_s": 0.004}

    def baseline(_data):
        time.sleep(0.03)
        return {"other": 1}

    name = _module(monkeypatch, run, baseline)
    out: queue.Queue = queue.Queue()
    harness._child(name, "fake", "township", "pbkit", out)
    mine = out.get_nowait()
    assert mine["seconds"] == 0.004 and mine["extra"]["timed_s"] == 0.004
    harness._child(name, "fake", "township", "baseline", out)
    base = out.get_nowait()
    assert 0.03 <= base["seconds"] < 1.0  # no timed_s: the wall time of the call


def test_a_timed_s_that_is_not_a_number_is_ignored(monkeypatch):
    def run(_data):
        time.sleep(0.02)
        return {"timed_s": "fast"}

    name = _module(monkeypatch, run, None)
    out: queue.Queue = queue.Queue()
    harness._child(name, "fake", "township", "pbkit", out)
    assert out.get_nowait()["seconds"] >= 0.02
