"""Role-play: scenarios and rubrics, an explainable scorer, dialogue, agreement statistics.

Submodules load on first use, so ``import pbkit.roleplay`` stays light.

>>> import pbkit.roleplay as rp
>>> rp.score("dibao-complaint", "您先坐，慢慢说。").criteria[0].level
2
>>> import pbkit.roleplay.agreement
>>> callable(rp.agreement)
True
"""

from __future__ import annotations

import sys
import types
from typing import Any

from pbkit._lazy import lazy_exports

_LAZY = {
    "Scenario": "pbkit.roleplay.models",
    "Criterion": "pbkit.roleplay.models",
    "Level": "pbkit.roleplay.models",
    "Turn": "pbkit.roleplay.models",
    "Exemplar": "pbkit.roleplay.models",
    "load_scenarios": "pbkit.roleplay.models",
    "get_scenario": "pbkit.roleplay.models",
    "list_scenarios": "pbkit.roleplay.models",
    "load_scenario_file": "pbkit.roleplay.models",
    "Score": "pbkit.roleplay.scorer",
    "CriterionScore": "pbkit.roleplay.scorer",
    "Evidence": "pbkit.roleplay.scorer",
    "Scorer": "pbkit.roleplay.scorer",
    "score": "pbkit.roleplay.scorer",
    "score_many": "pbkit.roleplay.scorer",
    "get_scorer": "pbkit.roleplay.scorer",
    "Conversation": "pbkit.roleplay.dialogue",
    "ConversationScore": "pbkit.roleplay.dialogue",
    "score_conversation": "pbkit.roleplay.dialogue",
    "AgreementReport": "pbkit.roleplay.agreement",
    "agreement": "pbkit.roleplay.agreement",
    "quadratic_weighted_kappa": "pbkit.roleplay.agreement",
    "evaluate": "pbkit.roleplay.evaluate",
    "EvaluationReport": "pbkit.roleplay.evaluate",
    "normalize": "pbkit.roleplay.normalize",
    "find_deadlines": "pbkit.roleplay.normalize",
}

__all__ = list(_LAZY)


# Three submodules share their name with the function they define (agreement, evaluate,
# normalize). Importing a submodule makes Python set it as an attribute of this package,
# which would turn ``from pbkit.roleplay import agreement`` into the module depending on
# import order; the package type below keeps the function as the public attribute.
_SHADOWED = {"agreement", "evaluate", "normalize"}


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
