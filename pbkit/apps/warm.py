"""Fill the dashboard's figures of the served dataset before the first trainee asks.

``pbkit serve`` runs ``python -m pbkit.apps.warm`` once, at low priority, next to the
server: it opens the branch dashboard in both languages outside any kernel, which computes
the scorecard of every branch, the membership structure, coverage and the first branch's
charts into the dataset's memo on disk (:class:`pbkit.memo.DatasetMemo`). Every page opened
afterwards reads them back instead of computing them, so the score shows about as soon as
the page does. A failure here only means the first page computes them itself.
"""

from __future__ import annotations

__all__ = ["main"]


def main() -> int:
    """Open the dashboard in Chinese and English (figures land in the memo)."""
    from pbkit.apps.dashboard_app import DashboardApp

    for lang in ("zh", "en"):
        DashboardApp(lang=lang)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
