"""Branch health: meeting-rule compliance, membership structure and the member-development
pipeline, the 100-point scorecard, branches needing attention and attention fairness.

Every function takes a :class:`~pbkit.data.dataset.Dataset` and returns tidy DataFrames
or small frozen dataclasses; the same calls serve notebooks, apps and ``pbkit health``.
Submodules load on first use (``import pbkit.health`` imports no pandas or sklearn).
The functions ``compliance`` and ``scorecard`` share their module's name, so call them as
``pbkit.health.compliance.compliance`` and ``pbkit.health.scorecard.scorecard``.

>>> import pbkit.health as health
>>> "health_report" in health.__all__
True
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

_LAZY = {
    "HealthRules": "pbkit.health.rules",
    "load_rules": "pbkit.health.rules",
    "Basis": "pbkit.health.rules",
    "INSTRUMENTS": "pbkit.health.rules",
    "compliance_summary": "pbkit.health.compliance",
    "meeting_calendar": "pbkit.health.compliance",
    "perfunctory": "pbkit.health.compliance",
    "membership_structure": "pbkit.health.membership",
    "membership_summary": "pbkit.health.membership",
    "age_pyramid": "pbkit.health.membership",
    "education_mix": "pbkit.health.membership",
    "development": "pbkit.health.membership",
    "pipeline": "pbkit.health.membership",
    "Scorecard": "pbkit.health.scorecard",
    "load_scorecard": "pbkit.health.scorecard",
    "MEASURES": "pbkit.health.scorecard",
    "weak_branches": "pbkit.health.weak",
    "rectification_list": "pbkit.health.weak",
    "needs_attention": "pbkit.health.weak",
    "attention_fairness": "pbkit.health.fairness",
    "gini": "pbkit.health.fairness",
    "theil": "pbkit.health.fairness",
    "HealthReport": "pbkit.health.report",
    "health_report": "pbkit.health.report",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
