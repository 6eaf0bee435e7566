"""Layering: core never imports apps/ipywidgets/voila; import pbkit loads nothing heavy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "pbkit"
FORBIDDEN_IN_CORE = ("pbkit.apps", "ipywidgets", "voila", "IPython.display")
HEAVY = ("pandas", "numpy", "networkx", "sklearn", "scipy", "matplotlib", "openpyxl",
         "sqlalchemy", "ipywidgets", "yaml")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_modules_never_import_apps_or_widgets():
    offenders = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG)
        if rel.parts[0] in ("apps",):
            continue
        for name in _imports(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_CORE):
                offenders.append(f"{rel}: {name}")
    assert not offenders, "\n".join(offenders)


def test_import_pbkit_and_cli_load_no_heavy_library():
    code = ("import sys, pbkit, pbkit.cli; pbkit.cli.build_parser(); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    # building the parser reads the YAML catalogs, so yaml is the one allowed import
    assert set(filter(None, out.split(","))) <= {"yaml"}, out
