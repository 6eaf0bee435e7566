"""pbkit: a Jupyter-based research and training workbench for grassroots party-building work.

Importing :mod:`pbkit` is cheap: the heavy libraries (pandas, networkx, scikit-learn,
openpyxl) are imported only by the modules that use them, and the public shortcuts below
are resolved lazily on first access.

>>> import pbkit
>>> pbkit.__version__
'0.1.0'
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

__version__ = "0.1.0"

# public name -> module that defines it (resolved on first access, PEP 562)
_LAZY = {
    "load_dataset": "pbkit.data.io",
    "Dataset": "pbkit.data.dataset",
    "validate": "pbkit.data.validation",
}

__all__ = ["__version__", *_LAZY]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
