"""``pbkit serve``: the Voila app server on ``notebooks/apps`` with the sample dataset."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from pbkit.errors import UsageError
from pbkit.i18n import resolve_lang, t
from pbkit.serving import TOKEN_ENV, TOKEN_MIN_LENGTH, new_token

NAME = "serve"
HELP = "cmd.serve.help"

DEFAULT_PORT = 8866
DEFAULT_TRAINER_PORT = 8867


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help=t("cmd.serve.host"))
    parser.add_argument("--port", type=int, default=None, help=t("cmd.serve.port"))
    parser.add_argument("--no-browser", action="store_true", help=t("cmd.serve.no_browser"))
    parser.add_argument("--trainer", action="store_true", help=t("cmd.serve.trainer"))
    parser.add_argument("--token", default=None, help=t("cmd.serve.token"))
    parser.add_argument("--token-file", default=None, metavar="FILE",
                        help=t("cmd.serve.token_file", min=TOKEN_MIN_LENGTH))
    parser.add_argument("--data", default=None, metavar="PATH", help=t("cmd.serve.data"))
    parser.add_argument("--preheat", type=int, default=0, metavar="N",
                        help=t("cmd.serve.preheat"))
    parser.add_argument("--write-template", default=None, metavar="DIR",
                        help=t("cmd.serve.write_template"))


def check_port(host: str, port: int) -> None:
    """Refuse a port outside 1..65535 or one already in use, before Voila starts."""
    if not 0 < port < 65536:
        raise UsageError("cmd.serve.bad_port", port=port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UsageError("cmd.serve.port_busy", host=host, port=port,
                             reason=exc.strerror or str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from pbkit.serving import (
        apps_dir,
        data_dir,
        links,
        list_apps,
        prepare_share,
        voila_command,
        write_voila_config,
    )

    lang = resolve_lang(getattr(args, "lang", None))
    if args.write_template:
        directory = apps_dir(trainer=args.trainer)
        share = prepare_share(Path(args.write_template), list_apps(directory, lang),
                              _heading(args.trainer), t("serve.landing.intro"))
        print(t("serve.template_written", path=str(share)))
        return 0
    port = args.port if args.port is not None else (
        DEFAULT_TRAINER_PORT if args.trainer else DEFAULT_PORT)
    if args.preheat < 0:
        raise UsageError("cmd.serve.bad_preheat", value=args.preheat)
    token, generated = _token(args)
    check_port(args.host, port)
    directory = apps_dir(trainer=args.trainer)
    if not directory.is_dir():
        raise UsageError("cmd.serve.no_apps", path=str(directory))
    env = dict(os.environ)
    if args.data:
        data = Path(args.data).expanduser().resolve()
        if not data.exists():
            raise UsageError("cmd.serve.no_data", path=str(data))
        env["PBKIT_SAMPLE"] = str(data)
    # the results database, the class-link key and everything the server and its kernels
    # write are readable by this user only
    os.umask(0o077)
    store_dir = data_dir()
    store_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    links.ensure_key(links.key_path(store_dir))  # signs the class links (0600)
    env.pop(TOKEN_ENV, None)
    if token:
        env[TOKEN_ENV] = token  # read (and dropped) by the server: never on a command line

    runtime = Path(tempfile.mkdtemp(prefix="pbkit-serve-"))
    apps = list_apps(directory, lang)
    share = prepare_share(runtime / "share", apps, _heading(args.trainer),
                          t("serve.landing.intro"))
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(share), env.get("JUPYTER_PATH")]))
    config = write_voila_config(runtime / "config")
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        filter(None, [str(config), env.get("JUPYTER_CONFIG_PATH")]))
    env["JUPYTER_RUNTIME_DIR"] = str(runtime / "runtime")
    env["PBKIT_LANG"] = lang
    env["PBKIT_DATA_DIR"] = str(store_dir)
    cmd = voila_command(directory, host=args.host, port=port, share_dir=share,
                        open_browser=not args.no_browser, preheat=args.preheat, lang=lang)

    # a generated token is shown once so the trainer can log in; a given one never is
    url = f"http://{args.host}:{port}/" + (
        (f"?token={token}" if generated else "?token=…") if token else "")
    print(t("serve.started", url=url), flush=True)
    print(t("serve.data_dir", path=str(store_dir)), flush=True)
    print(t("serve.apps", apps="、".join(a.title for a in apps) if lang == "zh"
            else ", ".join(a.title for a in apps)), flush=True)
    print(t("serve.stop_hint"), flush=True)

    proc = subprocess.Popen(cmd, env=env)
    if not args.trainer:  # the dashboard's figures, computed once before anyone asks
        _start_warm_up(env)

    def _forward(signum, _frame):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    old = signal.signal(signal.SIGTERM, _forward)
    try:
        return _wait(proc)
    except KeyboardInterrupt:
        _forward(signal.SIGINT, None)
        _wait(proc)
        return 0
    finally:
        signal.signal(signal.SIGTERM, old)
        shutil.rmtree(runtime, ignore_errors=True)


def _token(args: argparse.Namespace) -> tuple[str | None, bool]:
    """The server's token and whether it was generated here.

    From ``--token-file``, else ``--token`` (with a warning: other users of the machine can
    read a command line), else ``PBKIT_TRAINER_TOKEN`` (trainer console), else a new random
    one for the trainer console. A given token shorter than :data:`TOKEN_MIN_LENGTH` is
    refused.
    """
    token = None
    if args.token_file:
        try:
            token = Path(args.token_file).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError("cmd.serve.token_file_unreadable", path=args.token_file,
                             reason=getattr(exc, "strerror", None) or str(exc)) from None
    elif args.token:
        print(t("serve.token_on_command_line"), file=sys.stderr, flush=True)
        token = args.token
    elif os.environ.get(TOKEN_ENV) and args.trainer:
        token = os.environ[TOKEN_ENV]
    if token is None:
        return (new_token(), True) if args.trainer else (None, False)
    if len(token) < TOKEN_MIN_LENGTH:
        raise UsageError("cmd.serve.short_token", length=len(token), min=TOKEN_MIN_LENGTH)
    return token, False


def _heading(trainer: bool) -> str:
    return t("serve.landing.heading_trainer" if trainer else "serve.landing.heading")


def _wait(proc: subprocess.Popen) -> int:
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0
    if code not in (0, -signal.SIGTERM):
        print(t("serve.voila_failed", code=code), file=sys.stderr)
        return 1
    return 0


def _start_warm_up(env: dict[str, str]) -> subprocess.Popen | None:
    """Run ``python -m pbkit.apps.warm`` in the background at low priority (a separate
    process, so the CLI layer does not import the apps); ``None`` if it cannot start."""
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "pbkit.apps.warm"], env={**env, "MPLBACKEND": "Agg"},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: os.nice(10))
    except OSError:
        return None
