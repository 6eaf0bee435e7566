"""Where the bundled sample dataset lives.

The sample is ``datasets/sample-township/`` at the top of the repository. ``PBKIT_SAMPLE``
overrides the path (used by ``pbkit serve --data``).

>>> sample_path().name
'sample-township'
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "sample_path", "load_sample"]


def repo_root() -> Path:
    """The repository (or source tree) that holds ``datasets/`` and ``notebooks/``."""
    return Path(__file__).resolve().parents[2]


def sample_path() -> Path:
    """Path of the sample dataset (``PBKIT_SAMPLE`` or ``datasets/sample-township``)."""
    override = os.environ.get("PBKIT_SAMPLE")
    return Path(override) if override else repo_root() / "datasets" / "sample-township"


def load_sample():
    """Load the sample dataset with :func:`pbkit.data.io.load_dataset`."""
    from pbkit.data.io import load_dataset

    return load_dataset(sample_path())
