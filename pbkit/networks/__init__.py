"""Pairing networks: mechanisms, graphs, metrics and an optimal planner.

Submodules load on first use, so ``import pbkit.networks`` stays light (networkx and scipy
are imported only by the functions that need them).

>>> import pbkit.networks as nw
>>> nw.get_mechanism("bao_cun").slots[1].count
2
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

_LAZY = {
    "Mechanism": "pbkit.networks.mechanisms",
    "load_mechanisms": "pbkit.networks.mechanisms",
    "get_mechanism": "pbkit.networks.mechanisms",
    "build_graph": "pbkit.networks.graphs",
    "combined_graph": "pbkit.networks.graphs",
    "eligibility_graph": "pbkit.networks.graphs",
    "coverage": "pbkit.networks.metrics",
    "uncovered_households": "pbkit.networks.metrics",
    "helper_load": "pbkit.networks.metrics",
    "load_summary": "pbkit.networks.metrics",
    "gini": "pbkit.networks.metrics",
    "robustness": "pbkit.networks.metrics",
    "left_uncovered": "pbkit.networks.metrics",
    "reach": "pbkit.networks.metrics",
    "leader_contacts": "pbkit.networks.metrics",
    "structure": "pbkit.networks.metrics",
    "components": "pbkit.networks.metrics",
    "metrics_report": "pbkit.networks.metrics",
    "MetricsReport": "pbkit.networks.metrics",
    "plan": "pbkit.networks.planner",
    "Plan": "pbkit.networks.planner",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
