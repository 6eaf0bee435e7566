"""``pbkit lab [--data PATH]``: JupyterLab at ``notebooks/``.

``--data PATH`` makes PATH the dataset that the lessons and the research notebooks load in
place of the bundled sample (it sets ``PBKIT_SAMPLE`` for the kernels, see
:mod:`pbkit.data.sample`); a path that does not exist ends with one line and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import subprocess

from pbkit.i18n import resolve_lang, t

NAME = "lab"
HELP = "cmd.lab.help"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help=t("cmd.serve.host"))
    parser.add_argument("--port", type=int, default=8888, help=t("cmd.serve.port"))
    parser.add_argument("--no-browser", action="store_true", help=t("cmd.serve.no_browser"))
    parser.add_argument("--data", default=None, metavar="PATH", help=t("cmd.lab.data"))


def run(args: argparse.Namespace) -> int:
    from pbkit.commands.serve import check_port
    from pbkit.data.sample import DATA_ENV, data_path_env, repo_root, sample_path
    from pbkit.serving import data_dir, lab_command

    data = data_path_env(args.data) if args.data else {}
    check_port(args.host, args.port)
    env = {**os.environ, **data}
    env["PBKIT_LANG"] = resolve_lang(getattr(args, "lang", None))
    env.setdefault("PBKIT_DATA_DIR", str(data_dir()))
    notebooks = repo_root() / "notebooks"
    print(t("lab.started", path=str(notebooks), url=f"http://{args.host}:{args.port}/lab"),
          flush=True)
    dataset = data.get(DATA_ENV) or str(sample_path())
    print(t("lab.data", path=dataset), flush=True)
    cmd = lab_command(notebooks, host=args.host, port=args.port,
                      open_browser=not args.no_browser)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
