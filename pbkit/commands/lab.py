"""``pbkit lab``: JupyterLab at ``notebooks/``."""

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


def run(args: argparse.Namespace) -> int:
    from pbkit.commands.serve import check_port
    from pbkit.data.sample import repo_root
    from pbkit.serving import data_dir, lab_command

    check_port(args.host, args.port)
    env = dict(os.environ)
    env["PBKIT_LANG"] = resolve_lang(getattr(args, "lang", None))
    env.setdefault("PBKIT_DATA_DIR", str(data_dir()))
    notebooks = repo_root() / "notebooks"
    print(t("lab.started", path=str(notebooks), url=f"http://{args.host}:{args.port}/lab"),
          flush=True)
    cmd = lab_command(notebooks, host=args.host, port=args.port,
                      open_browser=not args.no_browser)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
