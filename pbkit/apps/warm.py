"""Fill the dashboard's figures of the served dataset before the first trainee asks.

``pbkit serve`` runs ``python -m pbkit.apps.warm`` once, at low priority, next to the
server: it opens the branch dashboard in both languages outside any kernel, which computes
the scorecard of every branch, the membership structure, coverage and the first branch's
charts into the dataset's memo on disk (:class:`pbkit.memo.DatasetMemo`). Every page opened
afterwards reads them back instead of computing them, so the score shows about as soon as
the page does. A failure here only means the first page computes them itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

__all__ = ["main", "start"]


def main() -> int:
    """Open the dashboard in Chinese and English (figures land in the memo)."""
    from pbkit.apps.dashboard_app import DashboardApp

    for lang in ("zh", "en"):
        DashboardApp(lang=lang)
    return 0


def start(env: dict[str, str]) -> subprocess.Popen | None:
    """Start :func:`main` in the background at low priority; ``None`` if it cannot start."""
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "pbkit.apps.warm"], env={**env, "MPLBACKEND": "Agg"},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: os.nice(10))
    except OSError:
        return None


if __name__ == "__main__":
    raise SystemExit(main())
