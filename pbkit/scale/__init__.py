"""Beyond one machine: Dask scheduling of per-township work.

``import pbkit.scale`` is light; Dask is imported only when a Dask engine is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "dask_client": "pbkit.scale.engine",
    "ENGINES": "pbkit.scale.engine",
    "plan_by_township": "pbkit.scale.plan",
    "merge_plans": "pbkit.scale.plan",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pbkit.scale' has no attribute {name!r}")
    return getattr(import_module(module), name)
