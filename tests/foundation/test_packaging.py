"""pyproject.toml and environment.yml list the same dependencies; the lock pins them all."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _norm(req: str) -> tuple[str, str]:
    req = req.split(";")[0].strip()
    match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", req)
    assert match, req
    return match.group(1).lower().replace("_", "-"), match.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_norm(r) for r in project["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip = set(), set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_norm(r) for r in dep["pip"] if not r.startswith("-e")}
            assert "-e ." in dep["pip"], "environment.yml must install pbkit editable via pip"
        elif not dep.startswith(("python", "pip")):
            conda.add(_norm(dep))
    assert "conda-forge" in env["channels"]
    assert conda | pip == wanted, {"only in environment.yml": (conda | pip) - wanted,
                                   "only in pyproject.toml": wanted - (conda | pip)}


def test_lock_pins_every_dependency_exactly():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    pinned = {m.group(1).lower().replace("_", "-")
              for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==\S+", lock, re.M)}
    names = {_norm(r)[0] for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        names |= {_norm(r)[0] for r in extra}
    assert names <= pinned, names - pinned
    assert not re.search(r"^[A-Za-z0-9_.\-]+\s*(>=|<=|~=|>|<)", lock, re.M), "unpinned line"


def test_console_script_and_voila_floor():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["pbkit"] == "pbkit.cli:main"
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    version = re.search(r"^voila==(\d+)\.(\d+)\.(\d+)", lock, re.M)
    assert version and tuple(map(int, version.groups())) >= (0, 5, 6)


def test_design_card_layout_exists():
    for name in ("notebooks", "notebooks/apps", "notebooks/lessons", "pbkit", "datasets",
                 "lessons", "tests", "benchmarks", "environment.yml", "pyproject.toml",
                 "README.md", ".ci/run", "Makefile"):
        assert (ROOT / name).exists(), name
