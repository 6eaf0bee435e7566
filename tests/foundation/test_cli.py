"""The pbkit command: help, version, bad arguments (one line, exit 2, both languages)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import pbkit
from pbkit.cli import main, translate_argparse_message


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "pbkit.cli", *args], capture_output=True,
                          text=True, env=full_env, timeout=60)


def test_version_prints_package_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"pbkit {pbkit.__version__}"


@pytest.mark.parametrize(("lang", "needle"), [("zh", "用法："), ("en", "usage: ")])
def test_help_lists_subcommands_in_language(lang, needle):
    proc = run_cli("--lang", lang, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith(needle)
    for command in ("serve", "lab", "bench"):
        assert command in proc.stdout


def test_help_language_from_environment():
    proc = run_cli("--help", env={"PBKIT_LANG": "en"})
    assert "pbkit: research and training workbench" in proc.stdout
    proc = run_cli("--help", env={"PBKIT_LANG": "zh_CN"})
    assert "基层党建研究与培训工作台" in proc.stdout


@pytest.mark.parametrize(
    ("args", "lang", "expected"),
    [
        (("--bogus",), "zh", "pbkit: 无法识别的参数：--bogus （运行 pbkit --help 查看用法）"),
        (("--bogus",), "en", "pbkit: unrecognized argument(s): --bogus (run pbkit --help for usage)"),
        (("nosuchcommand",), "en", "pbkit: argument 命令: invalid choice"),
        (("serve", "--port", "abc"), "zh", "pbkit serve: 参数 --port 的值 'abc' 不是有效的 int"),
        (("serve", "--port", "abc"), "en", "pbkit serve: argument --port: 'abc' is not a valid int"),
    ],
)
def test_bad_arguments_one_line_exit_2(args, lang, expected):
    proc = run_cli("--lang", lang, *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    if "invalid choice" in expected:  # metavar depends on the language of --help texts
        assert lines[0].startswith("pbkit: argument ")
        assert "nosuchcommand" in lines[0]
    else:
        assert lines[0].startswith(expected)
    assert "Traceback" not in proc.stderr


def test_no_command_prints_help_and_exits_2(capsys):
    assert main(["--lang", "en"]) == 2
    assert "usage: pbkit" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("port", "lang", "expected"),
    [("0", "en", "pbkit serve: port 0 is not valid; use 1-65535"),
     ("70000", "zh", "pbkit serve: 端口 70000 无效，应在 1–65535 之间")],
)
def test_serve_rejects_bad_port_with_one_line(port, lang, expected):
    proc = run_cli("--lang", lang, "serve", "--port", port, "--no-browser")
    assert proc.returncode == 2
    assert proc.stderr.strip() == expected


def test_serve_rejects_busy_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        busy = sock.getsockname()[1]
        proc = run_cli("--lang", "en", "serve", "--port", str(busy), "--no-browser")
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert line.startswith(f"pbkit serve: cannot listen on 127.0.0.1:{busy}: the port is in use")
    assert len(line.splitlines()) == 1


def test_argparse_message_translation_falls_back_to_generic():
    assert translate_argparse_message("something odd", "en") == "bad arguments: something odd"
    assert translate_argparse_message("something odd", "zh") == "参数错误：something odd"
