"""Results computed once per dataset and kept on disk for every later process.

A served app runs each page in its own kernel (process), so figures that depend only on
the dataset (the scorecard of every branch, the membership structure, coverage...) would
be recomputed by every trainee who opens the page. :class:`DatasetMemo` keeps them in the
per-user cache directory (:func:`cache_dir`), under a stamp of the dataset's files and of
pbkit's own source: a changed dataset, rule file or pbkit version gives a new stamp, so a
stale figure is never read. Only pbkit writes these files (0600, in a 0700 folder).

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> _ = open(os.path.join(folder, "orgs.csv"), "w").write("org_id\\nB1\\n")
>>> memo = DatasetMemo(folder, root=tempfile.mkdtemp())
>>> memo.get("answer", lambda: 42)
42
>>> memo.get("answer", lambda: 0)  # read back, not recomputed
42
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "DatasetMemo"]

# pbkit's folders whose code or rule files decide the memoised figures
_SOURCES = ("data", "health", "networks", "i18n/catalogs")


def cache_dir() -> Path:
    """pbkit's per-user cache folder: ``$PBKIT_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/pbkit``, else ``~/.cache/pbkit``.

    >>> os.environ["PBKIT_CACHE_DIR"] = "/tmp/x"; str(cache_dir())
    '/tmp/x'
    >>> del os.environ["PBKIT_CACHE_DIR"]
    """
    base = os.environ.get("PBKIT_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "pbkit"


def _stat_lines(path: Path, pattern: str = "*") -> list[str]:
    files = sorted(p for p in path.rglob(pattern) if p.is_file()) if path.is_dir() else [path]
    out = []
    for p in files:
        st = p.stat()
        out.append(f"{p}\0{st.st_size}\0{st.st_mtime_ns}")
    return out


def _stamp(dataset: Path) -> str:
    from pbkit import __version__

    package = Path(__file__).resolve().parent
    lines = [__version__, *_stat_lines(dataset)]
    for sub in _SOURCES:
        lines += _stat_lines(package / sub, "*.py") + _stat_lines(package / sub, "*.yaml")
    data = "\n".join(lines).encode()
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


class DatasetMemo:
    """Values computed from one dataset on disk, kept across processes.

    Parameters
    ----------
    dataset : path-like
        The dataset's file or folder (what :func:`pbkit.data.io.load_dataset` reads).
    root : path-like, optional
        Where the memo folders live; default :func:`cache_dir`.

    Notes
    -----
    When the cache folder cannot be written (a read-only home) values are still computed
    and returned, only not kept. A file that cannot be read back is recomputed.
    """

    def __init__(self, dataset: str | os.PathLike, *, root: str | os.PathLike | None = None):
        self.dataset = Path(dataset).resolve()
        base = Path(root) if root is not None else cache_dir()
        self.folder = base / f"memo-{self.dataset.name}-{_stamp(self.dataset)}"
        self._mem: dict[str, Any] = {}

    def _file(self, key: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)
        return self.folder / f"{safe}.pickle"

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        """The value kept under ``key``, else ``compute()`` (then kept)."""
        import pickle

        if key in self._mem:
            return self._mem[key]
        path = self._file(key)
        try:
            if not self._trusted():
                raise OSError("memo folder not private to this user")
            with open(path, "rb") as fh:
                value = pickle.load(fh)  # only this user can write the folder (checked)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
            value = compute()
            self._write(path, value)
        self._mem[key] = value
        return value

    def _trusted(self) -> bool:
        """The memo folder is this user's and nobody else can write to it."""
        st = self.folder.stat()
        return st.st_uid == os.getuid() and not st.st_mode & 0o022

    def _write(self, path: Path, value: Any) -> None:
        import pickle
        import tempfile

        try:
            if not path.parent.exists():
                path.parent.mkdir(parents=True, mode=0o700)
                _forget_old(path.parent)
            if not self._trusted():
                return
            fd, tmp = tempfile.mkstemp(prefix=".memo.", dir=path.parent)
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except Exception:  # not picklable or disk full: computed each time instead
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _forget_old(current: Path, days: float = 7) -> None:
    """Remove this dataset's memo folders of earlier stamps untouched for ``days`` (the
    dataset or pbkit changed since), so the cache does not grow with every change."""
    import shutil
    import time

    limit = time.time() - days * 86400
    prefix = current.name.rsplit("-", 1)[0]  # memo-<dataset folder name>
    for old in current.parent.glob(f"{prefix}-*"):
        try:
            if old != current and old.is_dir() and old.stat().st_mtime < limit:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
