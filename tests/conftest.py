"""Shared test fixtures: language isolation and helpers for starting servers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # make `benchmarks` and `tests.*` importable in tests
    sys.path.insert(0, str(ROOT))
# pytest runs with --import-mode=importlib (several conftest.py files, no __init__.py);
# test folders stay importable for their helper modules (e.g. `store_helpers`).
for _folder in sorted(Path(__file__).parent.iterdir()):
    if _folder.is_dir() and not _folder.name.startswith((".", "_")):
        if str(_folder) not in sys.path:
            sys.path.append(str(_folder))

from tests.serve_helpers import free_port  # noqa: E402  (needs ROOT on sys.path)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    """Each test starts in the default language with a private data directory."""
    monkeypatch.delenv("PBKIT_LANG", raising=False)
    monkeypatch.delenv("PBKIT_DB_URL", raising=False)
    monkeypatch.setenv("PBKIT_DATA_DIR", str(tmp_path_factory.mktemp("pbkit-data")))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    yield


@pytest.fixture
def port() -> int:
    return free_port()


def pbkit_exe() -> list[str]:
    """Command prefix that runs the pbkit CLI of this interpreter."""
    return [sys.executable, "-m", "pbkit.cli"]


os.environ.setdefault("PYTHONUTF8", "1")
