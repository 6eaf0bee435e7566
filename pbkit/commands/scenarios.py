"""``pbkit scenarios``: list the role-play scenarios (id and title in the chosen language).

``pbkit scenarios --build-models`` regenerates the precomputed n-gram model parameters that
ship with the package (:mod:`pbkit.roleplay.model`) after exemplars or the normaliser change.
"""

from __future__ import annotations

import argparse
import json

from pbkit.i18n import resolve_lang, t

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "scenarios"
HELP = "roleplay.cli.help.scenarios"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=t("roleplay.cli.help.json"))
    parser.add_argument("--build-models", action="store_true",
                        help=t("roleplay.cli.help.build_models"))


def run(args: argparse.Namespace) -> int:
    from pbkit.roleplay.models import load_scenarios

    lang = resolve_lang(getattr(args, "lang", None))
    scenarios = load_scenarios()
    if getattr(args, "build_models", False):
        from pbkit.roleplay.model import build_artefact, entries_in

        path = build_artefact()
        print(t("roleplay.cli.models_built", lang=lang, path=path, n=entries_in(path)))
        return 0
    if args.json:
        print(json.dumps([s.public_view(lang) for s in scenarios.values()],
                         ensure_ascii=False, indent=2))
        return 0
    for sc in scenarios.values():
        print(t("roleplay.cli.scenario_line", lang=lang, id=sc.id, title=sc.title.get(lang)))
    return 0
