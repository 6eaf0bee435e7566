"""Benchmarks of the privacy-and-synthetic-data area.

* ``synth_write``: ``synthesize(scale)`` + ``Dataset.write_csv`` against plain pandas
  writing the very same tables to CSV (the cost of producing the files at all). The ratio
  says how much generating the data adds to writing it.
* ``k_anonymity``: :func:`pbkit.data.privacy.k_anonymity` over the five quasi-identifiers
  of the people table against a pandas ``groupby(..., dropna=False).size().min()``; both
  must give the same k (``check``).
* ``privacy_check_sample``-style figures are in ``RESULTS_privacy.md``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from benchmarks.harness import Benchmark

QUASI = ["age_band", "gender", "education", "occupation", "org_id"]


def _synth_setup(scale: str):
    from pbkit.data.synth import synthesize

    # the tables as plain frames, for the baseline (pbkit regenerates them itself)
    ds = synthesize(scale, seed=0)
    folder = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    frames = {}
    for name, frame in ds.tables().items():
        out = frame.copy()
        for col in out.columns:
            if out[col].dtype == object:
                out[col] = out[col].map(lambda v: ";".join(v) if isinstance(v, tuple) else v)
        frames[name] = out
    return {"scale": scale, "folder": folder, "frames": frames}


def _synth_run(data) -> dict:
    from pbkit.data.synth import synthesize

    target = data["folder"] / "pbkit"
    shutil.rmtree(target, ignore_errors=True)
    ds = synthesize(data["scale"], seed=0)
    ds.write_csv(target)
    return {"people": len(ds.people), "households": len(ds.households),
            "activities": len(ds.activities)}


def _synth_baseline(data) -> dict:
    target = data["folder"] / "pandas"
    target.mkdir(parents=True, exist_ok=True)
    for name, frame in data["frames"].items():
        frame.to_csv(target / f"{name}.csv", index=False)
    return {"people": len(data["frames"]["people"]),
            "households": len(data["frames"]["households"]),
            "activities": len(data["frames"]["activities"])}


def _same_sizes(mine: dict, base: dict) -> None:
    assert mine == base, (mine, base)


def _k_setup(scale: str):
    from pbkit.data.synth import synthesize

    people = synthesize(scale, seed=0).people[QUASI].copy()
    # some missing values, as in real data
    people.loc[people.index[::97], "occupation"] = None
    people.loc[people.index[::89], "age_band"] = None
    return people


def _k_run(people) -> dict:
    from pbkit.data.privacy import k_anonymity

    return {"k": k_anonymity(people, QUASI)}


def _k_baseline(people) -> dict:
    return {"k": int(people.groupby(QUASI, dropna=False).size().min())}


def _same_k(mine: dict, base: dict) -> None:
    assert mine["k"] == base["k"], (mine, base)


BENCHMARKS = [
    Benchmark("synth_write", run=_synth_run, baseline=_synth_baseline, setup=_synth_setup,
              scales=("township", "county", "province"), repeat=1,
              target="ratio <= 3 (generation adds at most 2x the CSV writing time)",
              check=_same_sizes),
    Benchmark("k_anonymity", run=_k_run, baseline=_k_baseline, setup=_k_setup,
              scales=("county", "province"), repeat=3,
              target="ratio <= 3; same k as pandas groupby(dropna=False)", check=_same_k),
]
