"""Voila apps for secretaries, trainees and trainers (ipywidgets views only).

Every computation an app shows is a call into the layers below (``pbkit.data``,
``pbkit.networks``, ``pbkit.health``, ``pbkit.roleplay``, ``pbkit.store``,
``pbkit.export``); the apps hold layout, language, progress and error display. Core modules
never import this package. Each app module is imported on demand, so ``import pbkit.apps``
does not import ipywidgets.

==================  =====================================  ===========================
module              app                                    notebook
==================  =====================================  ===========================
``roleplay_app``    role-play practice                     ``notebooks/apps/roleplay``
``planner_app``     pairing planner                        ``notebooks/apps/planner``
``dashboard_app``   branch-health dashboard                ``notebooks/apps/dashboard``
``trainer_app``     trainer console (token-protected)      ``notebooks/trainer/console``
==================  =====================================  ===========================

``voila_server`` and ``voila_login`` are not apps: ``voila_server`` is the Voila server
``pbkit serve`` runs (checked kernel websocket, guarded kernels, token kept out of command
lines and logs); it loads ``voila_login`` for the trainer console's bilingual, rate-limited
log-in page.
"""

from __future__ import annotations

from pbkit._lazy import lazy_exports

_LAZY = {
    "RolePlayApp": "pbkit.apps.roleplay_app",
    "PlannerApp": "pbkit.apps.planner_app",
    "DashboardApp": "pbkit.apps.dashboard_app",
    "TrainerApp": "pbkit.apps.trainer_app",
}

__all__ = list(_LAZY)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
