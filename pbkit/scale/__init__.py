"""Beyond one machine: township plans, the health report and the pairing metrics on Dask.

``import pbkit.scale`` is light; Dask is imported only when a Dask engine is used.
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

_LAZY = {
    "dask_client": "pbkit.scale.engine",
    "ENGINES": "pbkit.scale.engine",
    "plan_by_township": "pbkit.scale.plan",
    "merge_plans": "pbkit.scale.plan",
    "health_report": "pbkit.scale.health",
    "DaskHealthContext": "pbkit.scale.health",
    "metrics_report": "pbkit.scale.metrics",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
