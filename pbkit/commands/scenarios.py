"""``pbkit scenarios``: list the role-play scenarios (id and title in the chosen language)."""

from __future__ import annotations

import argparse
import json

from pbkit.i18n import resolve_lang, t

__all__ = ["NAME", "HELP", "add_arguments", "run"]

NAME = "scenarios"
HELP = "roleplay.cli.help.scenarios"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help=t("roleplay.cli.help.json"))


def run(args: argparse.Namespace) -> int:
    from pbkit.roleplay.models import load_scenarios

    lang = resolve_lang(getattr(args, "lang", None))
    scenarios = load_scenarios()
    if args.json:
        print(json.dumps([s.public_view(lang) for s in scenarios.values()],
                         ensure_ascii=False, indent=2))
        return 0
    for sc in scenarios.values():
        print(t("roleplay.cli.scenario_line", lang=lang, id=sc.id, title=sc.title.get(lang)))
    return 0
