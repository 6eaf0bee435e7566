"""Every research notebook in ``notebooks/research/`` runs top to bottom within a time bound.

Each runs in a fresh kernel of this interpreter (as a researcher would open it) with
:func:`pbkit.lessons.check.execute_notebook`, must draw at least one chart with its
Chinese labels rendered (matplotlib warns "Glyph ... missing" when a font lacks them) and
raise no error; the notebooks assert inside themselves that pbkit's figures agree with
plain networkx / scikit-learn. They are committed without outputs, like the lessons. The
pairing-network notebook also runs on another dataset given through ``PBKIT_SAMPLE``
(what ``pbkit lab --data PATH`` sets). They share the lessons' xdist group so that no two
notebooks compete for the two cores.
"""

from __future__ import annotations

import nbformat
import pytest

from pbkit.data.sample import DATA_ENV, repo_root
from pbkit.data.synth import synthesize
from pbkit.lessons.check import execute_notebook

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("lesson-notebooks")]

TIMEOUT = 240.0   # seconds per notebook (about 10-20 s each on an idle 2-core machine)
FOLDER = repo_root() / "notebooks" / "research"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))


def _outputs(nb, kind: str | None = None):
    return [o for c in nb.cells for o in c.get("outputs", [])
            if kind is None or o.get("output_type") == kind]


def _stderr(nb) -> str:
    return "".join(o.get("text", "") for o in _outputs(nb, "stream") if o.get("name") == "stderr")


def _text(nb) -> str:
    parts = []
    for out in _outputs(nb):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def test_there_are_at_least_three_research_notebooks():
    assert len(NOTEBOOKS) >= 3, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_without_outputs_and_with_cell_ids(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    assert {"zh", "en"} <= set(nb.metadata["pbkit"]["title"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_research_notebook_runs_with_charts_in_chinese(path, monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    monkeypatch.delenv("PBKIT_LANG", raising=False)
    nb, seconds, failure = execute_notebook(path, TIMEOUT)
    assert failure is None, f"{path.name}: {failure}"
    assert seconds < TIMEOUT
    assert _outputs(nb, "error") == []
    assert any("image/png" in o.get("data", {}) for o in _outputs(nb)), path.name
    assert "missing from" not in _stderr(nb), _stderr(nb)[:500]   # no Glyph ... missing from font
    assert "Traceback" not in _text(nb)


def test_network_notebook_runs_on_another_dataset(tmp_path, monkeypatch):
    other = tmp_path / "other-township"
    synthesize("township", seed=11).write_csv(other)
    monkeypatch.setenv(DATA_ENV, str(other))
    monkeypatch.setenv("PBKIT_LANG", "en")
    nb, _seconds, failure = execute_notebook(FOLDER / "01-pairing-networks.ipynb", TIMEOUT)
    assert failure is None, failure
    text = _text(nb)
    assert f"dataset: {other}" in text
    assert "Needy households" in text
