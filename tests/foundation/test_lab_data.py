"""``pbkit lab --data PATH`` and ``PBKIT_SAMPLE``: the documented way to run the lessons and
the research notebooks on another dataset.

The option is checked on a real JupyterLab server (its environment, which every kernel it
starts inherits, is read from ``/proc``) and the variable through the functions the lesson
notebooks call.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pbkit.data.io import load_dataset
from pbkit.data.sample import DATA_ENV, check_data_path, load_sample, repo_root, sample_path
from pbkit.data.synth import synthesize
from pbkit.errors import UsageError
from pbkit.lessons.runtime import load_lesson_dataset
from tests.serve_helpers import free_port, stop, wait_for_port

pytestmark = pytest.mark.xdist_group("servers")


@pytest.fixture(scope="module")
def other_data(tmp_path_factory) -> Path:
    """A synthetic township other than the bundled sample (another seed)."""
    folder = tmp_path_factory.mktemp("other") / "my-township"
    synthesize("township", seed=7).write_csv(folder)
    return folder


def test_the_variable_replaces_the_sample_for_lessons(monkeypatch, other_data):
    bundled = load_sample()
    monkeypatch.setenv(DATA_ENV, str(other_data))
    assert sample_path() == other_data
    ds = load_lesson_dataset("sample-township")   # what a lesson's first cell loads
    assert ds.people.equals(load_dataset(other_data).people)
    assert not ds.people.equals(bundled.people)
    assert load_sample().households.equals(ds.households)


def test_without_the_variable_the_bundled_sample_is_used(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert sample_path() == repo_root() / "datasets" / "sample-township"


def test_a_missing_data_path_is_one_line_and_exit_2(tmp_path):
    missing = tmp_path / "no-such-data"
    with pytest.raises(UsageError) as err:
        check_data_path(missing)
    assert str(missing) in err.value.render("en")
    proc = subprocess.run(
        [sys.executable, "-m", "pbkit.cli", "lab", "--no-browser", "--port", str(free_port()),
         "--data", str(missing), "--lang", "en"],
        capture_output=True, text=True, timeout=60, cwd=repo_root())
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines == [f"pbkit lab: dataset not found: {missing}"], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        out += [int(x) for x in text]
    return out


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode(errors="replace").split("=", 1) for item in raw if b"=" in item)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_lab_data_option_reaches_the_jupyterlab_server(tmp_path, other_data):
    port = free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "PBKIT_DATA_DIR": str(tmp_path / "store")}
    env.pop(DATA_ENV, None)
    log = tmp_path / "lab.log"
    relative = os.path.relpath(other_data, tmp_path)
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pbkit.cli", "lab", "--no-browser", "--port", str(port),
             "--data", relative, "--lang", "en"],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
            start_new_session=True)
    try:
        wait_for_port("127.0.0.1", port, 90, proc)
        servers = _children(proc.pid)
        assert len(servers) == 1
        server_env = _environ(servers[0])
        # an absolute path: kernels start in the notebook's folder, not in ours
        assert server_env[DATA_ENV] == str(other_data.resolve())
        printed = log.read_text(encoding="utf-8")
        assert f"dataset used by the notebooks: {other_data.resolve()}" in printed
    finally:
        stop(proc)
