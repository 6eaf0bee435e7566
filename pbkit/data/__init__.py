"""The data layer: schema, readers, validation report, privacy, synthetic data, ``Dataset``.

Submodules are imported on demand so that ``import pbkit.data`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "Dataset": "pbkit.data.dataset",
    "load_dataset": "pbkit.data.io",
    "ValidationReport": "pbkit.data.report",
    "Issue": "pbkit.data.report",
    "TABLES": "pbkit.data.schema",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pbkit.data' has no attribute {name!r}")
    return getattr(import_module(module), name)
