"""pbkit: a Jupyter-based research and training workbench for grassroots party-building work.

Importing :mod:`pbkit` is cheap: the heavy libraries (pandas, networkx, scikit-learn,
openpyxl) are imported only by the modules that use them, and the public shortcuts below
are resolved lazily on first access.

>>> import pbkit
>>> pbkit.__version__
'0.1.0'
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (resolved on first access, PEP 562)
_LAZY = {
    "load_dataset": "pbkit.data.io",
    "Dataset": "pbkit.data.dataset",
    "validate": "pbkit.data.validation",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pbkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
