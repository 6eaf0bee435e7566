"""The results store: cohorts, trainees, role-play attempts, machine and human scores, quiz
answers (SQLAlchemy; a SQLite file in :func:`data_dir` by default, PostgreSQL through
``PBKIT_DB_URL``).

Submodules are imported on first use so that ``import pbkit.store`` stays light.

>>> import pbkit.store
>>> sorted(pbkit.store.__all__)[:3]
['AttemptReceipt', 'DEFAULT_LIMITS', 'ResultsStore']
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

_LAZY = {
    "ResultsStore": "pbkit.store.api",
    "AttemptReceipt": "pbkit.store.api",
    "StoreLimits": "pbkit.store.limits",
    "DEFAULT_LIMITS": "pbkit.store.limits",
    "data_dir": "pbkit.store.engine",
    "default_url": "pbkit.store.engine",
    "make_engine": "pbkit.store.engine",
    "upgrade": "pbkit.store.migrations",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
