"""How ``pbkit serve`` and ``pbkit lab`` start Voila and JupyterLab.

Voila runs standalone (never inside a Jupyter server a trainee could reach ``/lab`` from),
bound to 127.0.0.1 by default, with notebook sources stripped, a cell timeout, kernel
culling (a closed page otherwise leaks a ~100 MB kernel) and pbkit's own page template
(``share/voila/templates/pbkit``: a Chinese loading message and a landing page that lists
the apps by their titles in the chosen language).

>>> cmd = voila_command(Path("notebooks/apps"), host="127.0.0.1", port=8866,
...                     share_dir=Path("/tmp/share"))
>>> "--Voila.port_retries=0" in cmd and "--strip_sources=True" in cmd
True
"""

from __future__ import annotations

import html
import json
import os
import secrets
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from pbkit.data.sample import repo_root

__all__ = [
    "AppEntry",
    "apps_dir",
    "list_apps",
    "voila_command",
    "lab_command",
    "prepare_share",
    "write_voila_config",
    "APP_EXTENSIONS",
    "new_token",
    "TOKEN_ENV",
    "TOKEN_MIN_LENGTH",
    "VOILA_SERVER_MODULE",
    "data_dir",
    "TEMPLATE_DIR",
]

TEMPLATE_DIR = Path(__file__).with_name("share") / "voila" / "templates" / "pbkit"

#: The module ``pbkit serve`` runs instead of ``voila`` (it imports Voila, so it is an app
#: module; named here as a string so the core does not import it).
VOILA_SERVER_MODULE = "pbkit.apps.voila_server"
#: The environment variable that carries the trainer token to the server process.
TOKEN_ENV = "PBKIT_TRAINER_TOKEN"
#: Shortest trainer token ``pbkit serve`` accepts (a generated one has 32 characters).
TOKEN_MIN_LENGTH = 16

# Voila settings that every pbkit server uses (see DESIGN.md, "Voila facts").
CELL_TIMEOUT_S = 120
CULL_INTERVAL_S = 60
CULL_IDLE_TIMEOUT_S = 120

# The only front-end extensions the apps need. Voila loads every JupyterLab extension
# installed in the environment unless told otherwise; jupytext (for the lesson sources) and
# jupyterlab_pygments (code highlighting, nothing to highlight with sources stripped) would
# add two federated bundles and six more requests to every page open.
APP_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8")


@dataclass(frozen=True)
class AppEntry:
    """One app notebook as listed on the landing page."""

    path: str
    title: str
    description: str


def data_dir() -> Path:
    """The results-store data directory (the store's own :func:`pbkit.store.engine.data_dir`)."""
    from pbkit.store.engine import data_dir as store_data_dir

    return store_data_dir()


def apps_dir(trainer: bool = False) -> Path:
    """``notebooks/apps`` (trainee apps) or ``notebooks/trainer`` (trainer console)."""
    return repo_root() / "notebooks" / ("trainer" if trainer else "apps")


def list_apps(directory: Path, lang: str = "zh") -> list[AppEntry]:
    """App notebooks in ``directory``, titled from their ``metadata.pbkit`` in ``lang``.

    A notebook's metadata may hold ``{"pbkit": {"title": {"zh": ..., "en": ...},
    "description": {...}, "order": n}}``; without it the file name is the title.
    """
    entries = []
    for nb in sorted(Path(directory).glob("*.ipynb")):
        try:
            meta = json.loads(nb.read_text(encoding="utf-8")).get("metadata", {}).get("pbkit", {})
        except (OSError, ValueError):
            meta = {}
        title = (meta.get("title") or {}).get(lang) or nb.stem
        desc = (meta.get("description") or {}).get(lang) or ""
        entries.append((meta.get("order", 99), AppEntry(nb.name, title, desc)))
    return [e for _, e in sorted(entries, key=lambda pair: (pair[0], pair[1].path))]


def _tree_template(apps: list[AppEntry], heading: str, intro: str) -> str:
    """The landing page (Jinja, rendered by Voila's tree handler) listing ``apps``."""
    items = []
    for app in apps:
        # Voila fills base_url and query (which carries the token on the trainer server).
        items.append(
            '<li><a href="{{ base_url }}voila/render/' + html.escape(app.path)
            + '?{{ query }}"><span class="pbkit-app-title">' + html.escape(app.title)
            + '</span><span class="pbkit-app-desc">' + html.escape(app.description)
            + "</span></a></li>"
        )
    listing = "\n".join(items)
    return (
        '{% extends "page.html" %}\n'
        "{% block title %}" + html.escape(heading) + "{% endblock %}\n"
        "{% block stylesheets %}{{ super() }}\n<style>\n"
        "body { font-family: 'WenQuanYi Micro Hei','Noto Sans CJK SC','Microsoft YaHei',"
        "sans-serif; background: #fafafa; }\n"
        ".pbkit-landing { max-width: 960px; margin: 40px auto; padding: 0 16px; }\n"
        ".pbkit-landing h1 { font-size: 2rem; color: #b22222; }\n"
        ".pbkit-apps { list-style: none; padding: 0; }\n"
        ".pbkit-apps li a { display: block; padding: 16px; margin: 10px 0; background: #fff;"
        " border: 1px solid #ddd; border-radius: 6px; text-decoration: none; color: #222; }\n"
        ".pbkit-apps li a:hover { border-color: #b22222; }\n"
        ".pbkit-app-title { display: block; font-size: 1.35rem; font-weight: bold; }\n"
        ".pbkit-app-desc { display: block; color: #555; margin-top: 4px; }\n"
        "</style>{% endblock %}\n"
        "{% block body %}\n"
        '<div class="pbkit-landing" id="pbkit-landing"><h1>' + html.escape(heading) + "</h1>"
        "<p>" + html.escape(intro) + "</p>\n"
        '<ul class="pbkit-apps">\n' + listing + "\n</ul></div>\n{% endblock %}\n"
    )


def prepare_share(target: Path, apps: list[AppEntry], heading: str, intro: str) -> Path:
    """Write the runtime Jupyter data dir holding the ``pbkit`` Voila template.

    The static template files are copied from the package and ``tree.html`` is generated
    for ``apps`` in the chosen language. Returns the directory to put on ``JUPYTER_PATH``.
    """
    template = Path(target) / "voila" / "templates" / "pbkit"
    if template.exists():
        shutil.rmtree(template)
    shutil.copytree(TEMPLATE_DIR, template)
    (template / "tree.html").write_text(_tree_template(apps, heading, intro), encoding="utf-8")
    return Path(target)


def write_voila_config(target: Path, base_url: str = "/") -> Path:
    """Write ``voila.json`` into ``target`` and return ``target`` (for ``JUPYTER_CONFIG_PATH``).

    It marks the JupyterLab extension bundles under ``{base_url}voila/labextensions/`` as
    immutable for the browser (``Cache-Control: public, max-age=31536000, immutable``,
    jupyter-server's ``static_immutable_cache`` setting). Their file names carry a content
    hash (``remoteEntry.<hash>.js``, ``<chunk>.<hash>.js?v=<hash>``), so a new version is a new
    URL; Voila otherwise serves them ``no-cache`` and a returning trainee's browser asks the
    server again for each of them on every page open.

    >>> import tempfile
    >>> folder = write_voila_config(Path(tempfile.mkdtemp()))
    >>> json.loads((folder / "voila.json").read_text())["Voila"]["tornado_settings"]
    {'static_immutable_cache': ['/voila/labextensions/']}
    """
    prefix = "/" + base_url.strip("/") + "/" if base_url.strip("/") else "/"
    config = {"Voila": {"tornado_settings": {
        "static_immutable_cache": [prefix + "voila/labextensions/"]}}}
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    (target / "voila.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return target


def new_token() -> str:
    """A random URL-safe token for the trainer console (32 characters).

    >>> len(new_token()) >= TOKEN_MIN_LENGTH
    True
    """
    return secrets.token_urlsafe(24)


def voila_command(directory: Path, *, host: str, port: int, share_dir: Path,
                  open_browser: bool = False, preheat: int = 0,
                  lang: str = "zh") -> list[str]:
    """The Voila command line for serving ``directory`` (pages marked as ``lang``).

    It runs :mod:`pbkit.apps.voila_server` (Voila with a checked kernel websocket and
    guarded kernels). A trainer token never goes on it: the server reads it from
    ``PBKIT_TRAINER_TOKEN`` in its environment (see :func:`server_environment`).
    """
    cmd = [
        sys.executable, "-m", VOILA_SERVER_MODULE, str(directory),
        f"--Voila.ip={host}", f"--port={port}", "--Voila.port_retries=0",
        "--strip_sources=True", "--show_tracebacks=False", "--template=pbkit",
        "--classic_tree=True",
        f"--VoilaExecutor.timeout={CELL_TIMEOUT_S}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT_S}",
        "--MappingKernelManager.cull_connected=False",
        *(f"--VoilaConfiguration.extension_allowlist={name}" for name in APP_EXTENSIONS),
        # <html lang="zh">: browsers pick the Simplified Chinese forms of Han characters
        # (and screen readers the right voice); Voila's default is "en" and it accepts only
        # a two-letter code here (the app's page script then sets zh-CN)
        f"--VoilaExporter.language_code={lang}",
    ]
    if sys.platform.startswith("linux"):
        # kernels talk over Unix sockets: with TCP, a kernel started while another process
        # takes its random port dies ("Address already in use") and Voila's page waits for
        # it forever
        cmd.append("--KernelManager.transport=ipc")
    if not open_browser:
        cmd.append("--no-browser")
    if preheat > 0:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    return cmd


def lab_command(directory: Path, *, host: str, port: int, open_browser: bool) -> list[str]:
    """The JupyterLab command line for ``pbkit lab``."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--notebook-dir={directory}",
           f"--ServerApp.ip={host}", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0"]
    if not open_browser:
        cmd.append("--no-browser")
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd
