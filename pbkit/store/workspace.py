"""Work in progress kept on the server, so a reload or a dropped connection loses nothing.

An app keeps a small JSON state (settings, selections, drafts) and, where needed, files (an
uploaded dataset) in a *workspace*: a folder under the data directory named by the app and a
random key. The key travels in the page's link (``?ws=...``), so reloading the page, or
opening the same link again, finds the work where it was left.

Keys are random (:func:`new_key`, 144 bits) and checked before they name a folder (no path
can be smuggled in). Folders are created ``0700`` and files ``0600``; every write is
atomic (a temporary file renamed over the old one), so a crash leaves the previous state.
Workspaces not touched for :data:`KEEP_DAYS` days are removed by :func:`prune`.

>>> import tempfile
>>> ws = open_workspace("planner", new_key(), base=tempfile.mkdtemp())
>>> ws.load() is None
True
>>> ws.save({"village": "T01-V03", "locked": [["P1", "H1"]]})
>>> ws.load()["locked"]
[['P1', 'H1']]
>>> open_workspace("planner", "../../etc")
Traceback (most recent call last):
...
ValueError: not a workspace key: '../../etc'
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Workspace", "open_workspace", "new_key", "valid_key", "prune", "KEEP_DAYS"]

KEEP_DAYS = 14
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
_APP = re.compile(r"[a-z][a-z0-9_]{0,31}")
_STATE = "state.json"


def new_key() -> str:
    """A fresh random workspace key (24 URL-safe characters)."""
    return secrets.token_urlsafe(18)


def valid_key(key: Any) -> bool:
    """Whether ``key`` can name a workspace (letters, digits, ``-``, ``_``; 16–64 long).

    >>> valid_key(new_key()), valid_key("short"), valid_key("a/b" * 8)
    (True, False, False)
    """
    return isinstance(key, str) and _KEY.fullmatch(key) is not None


@dataclass(frozen=True)
class Workspace:
    """One app's saved work under one key: ``state.json`` and a ``files`` folder."""

    app: str
    key: str
    root: Path

    @property
    def files(self) -> Path:
        """A private folder for the workspace's files (created on first use)."""
        path = self.root / "files"
        _private_dir(path)
        return path

    def load(self) -> dict | None:
        """The saved state, or ``None`` when nothing was saved (or it cannot be read)."""
        try:
            return json.loads((self.root / _STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def save(self, state: dict) -> None:
        """Replace the saved state with ``state`` (JSON-serialisable), atomically."""
        _private_dir(self.root)
        fd, tmp = tempfile.mkstemp(prefix=".state.", dir=self.root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(state, fh, ensure_ascii=False)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.root / _STATE)
        finally:
            Path(tmp).unlink(missing_ok=True)

    def replace_files(self, source: Path) -> Path:
        """Copy ``source`` (a file or folder) into the workspace, replacing earlier files."""
        target = self.files / source.name
        staging = Path(tempfile.mkdtemp(prefix=".incoming.", dir=self.root))
        try:
            copied = staging / source.name
            if source.is_dir():
                shutil.copytree(source, copied)
            else:
                shutil.copy2(source, copied)
            for child in list(self.files.iterdir()):
                shutil.rmtree(child) if child.is_dir() else child.unlink()
            os.replace(copied, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for path in [target, *target.rglob("*")] if target.is_dir() else [target]:
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
        return target

    def clear(self) -> None:
        """Forget the workspace (state and files)."""
        shutil.rmtree(self.root, ignore_errors=True)


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


def _base(base: str | os.PathLike | None) -> Path:
    if base is not None:
        return Path(base)
    from pbkit.store.engine import data_dir

    return data_dir() / "workspaces"


def open_workspace(app: str, key: str, *, base: str | os.PathLike | None = None) -> Workspace:
    """The workspace of ``app`` under ``key`` (nothing is created until something is saved).

    Raises :class:`ValueError` for a key or app name that cannot name a folder.
    """
    if not valid_key(key):
        raise ValueError(f"not a workspace key: {key!r}")
    if not _APP.fullmatch(app):
        raise ValueError(f"not an app name: {app!r}")
    return Workspace(app, key, _base(base) / app / key)


def prune(*, days: float = KEEP_DAYS, base: str | os.PathLike | None = None) -> int:
    """Remove workspaces of every app not written for ``days`` days; return how many."""
    root = _base(base)
    cutoff = time.time() - days * 86400
    removed = 0
    for folder in root.glob("*/*"):
        state = folder / _STATE
        stamp = state.stat().st_mtime if state.exists() else folder.stat().st_mtime
        if stamp < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
