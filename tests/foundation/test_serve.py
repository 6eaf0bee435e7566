"""Smoke test: `pbkit serve` on a free port serves a landing page listing the apps and
stops cleanly within a bounded time, leaving no process behind."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request

import pytest

from pbkit.serving import apps_dir, list_apps
from tests.serve_helpers import _pids_with, pbkit_server, stop

pytestmark = pytest.mark.xdist_group("servers")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")


def test_serve_landing_page_lists_apps_and_stops_cleanly(port):
    apps = list_apps(apps_dir(), "zh")
    assert {a.path for a in apps} >= {"roleplay.ipynb", "planner.ipynb", "dashboard.ipynb"}
    with pbkit_server(port) as (proc, log):
        status, page = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        for app in apps:
            assert f"voila/render/{app.path}" in page
            assert app.title in page
        assert "pbkit 基层党建工作台" in page
        printed = log.read_text(encoding="utf-8")
        assert f"pbkit 应用已启动：http://127.0.0.1:{port}/" in printed
        assert "数据目录（结果数据库）：" in printed
        pid = proc.pid
    # the context manager stopped it; nothing of that session may remain
    assert proc.returncode is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _session_members(pid):
        time.sleep(0.2)
    assert not _session_members(pid)


def test_serve_english_landing_page(port):
    apps = list_apps(apps_dir(), "en")
    with pbkit_server(port, "--lang", "en"):
        status, page = _get(f"http://127.0.0.1:{port}/")
    assert status == 200
    assert "pbkit grassroots party-building workbench" in page
    for app in apps:
        assert app.title in page


def test_trainer_console_requires_token(port):
    # issue 22: a token on the command line is readable by every local user, so it comes
    # through the environment; one the trainer chose is never printed or logged
    token = "test-token-123-4567890abcdef"
    with pbkit_server(port, "--trainer", env={"PBKIT_TRAINER_TOKEN": token}) as (proc, log):
        status, _ = _get(f"http://127.0.0.1:{port}/")
        assert status in (401, 403) or "login" in _.lower()
        status, page = _get(f"http://127.0.0.1:{port}/?token={token}")
        assert status == 200
        assert "pbkit 培训师控制台" in page
        assert "console.ipynb" in page
        printed = log.read_text(encoding="utf-8")
        assert f"http://127.0.0.1:{port}/?token=…" in printed
        assert token not in printed
        stop(proc)


def _session_members(sid: int) -> list[int]:
    members = []
    for pid in _pids_with(""):
        try:
            if os.getsid(pid) == sid:
                members.append(pid)
        except OSError:
            pass
    return members


def test_app_pages_load_only_the_widget_extensions_and_cache_them(port):
    """The page config lists only pbkit's front-end extensions, and their content-hashed
    bundles are served immutable, so a returning browser does not ask for them again."""
    import json
    import re

    from pbkit.serving import APP_EXTENSIONS

    with pbkit_server(port):
        status, page = _get(f"http://127.0.0.1:{port}/voila/render/roleplay.ipynb")
        assert status == 200
        match = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)'
                          r"</script>", page, re.S)
        assert match, "no page config in the app page"
        # nothing is fetched from another host (Voila's lab template links a public CDN)
        foreign = re.findall(r'(?:href|src)="(https?://[^"]+)"', page)
        assert foreign == [], foreign
        assert "cdn.jsdelivr.net" not in page
        assert "voila-style.js" in page  # the bundled icons and styles are still there
        status, landing = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert re.findall(r'(?:href|src)="(https?://[^"]+)"', landing) == []
        status, missing = _get(f"http://127.0.0.1:{port}/voila/render/no-such-app.ipynb")
        assert status == 404
        assert "找不到这个页面" in missing and "This page does not exist" in missing
        assert re.findall(r'(?:href|src)="(https?://[^"]+)"', missing) == []
        extensions = json.loads(match.group(1))["federated_extensions"]
        assert sorted(e["name"] for e in extensions) == sorted(APP_EXTENSIONS)
        manager = next(e for e in extensions
                       if e["name"] == "@jupyter-widgets/jupyterlab-manager")
        url = (f"http://127.0.0.1:{port}/voila/labextensions/{manager['name']}/"
               f"{manager['load']}")
        with urllib.request.urlopen(url, timeout=30) as resp:
            assert resp.status == 200
            assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        # the rendered page itself is never cached
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/roleplay.ipynb",
                                    timeout=60) as resp:
            assert "immutable" not in (resp.headers.get("Cache-Control") or "")
