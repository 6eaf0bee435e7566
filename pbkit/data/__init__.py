"""The data layer: schema, readers, validation report, privacy, synthetic data, ``Dataset``.

Submodules are imported on demand so that ``import pbkit.data`` stays light.
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

_LAZY = {
    "Dataset": "pbkit.data.dataset",
    "load_dataset": "pbkit.data.io",
    "ValidationReport": "pbkit.data.report",
    "Issue": "pbkit.data.report",
    "TABLES": "pbkit.data.schema",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
