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


# ---------------------------------------------------------------- bad input (issue 22 item 9)

SAMPLE = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "datasets"
             / "sample-township")


def _one_line_exit_2(proc: subprocess.CompletedProcess, progress: bool = False) -> str:
    """The error line; ``progress``: progress lines ("Loading ...") may come before it."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr
    assert len(lines) == 1 or progress, proc.stderr
    return lines[-1]


@pytest.mark.parametrize("command", [
    ("plan", SAMPLE, "-m", "one_on_one", "--out", "{blocker}/plan.json"),
    ("health", SAMPLE, "--xlsx", "{blocker}/health.xlsx"),
    ("health", SAMPLE, "--charts", "{blocker}/charts"),
    ("metrics", SAMPLE, "--xlsx", "{blocker}/metrics.xlsx"),
    ("anonymize", SAMPLE, "{blocker}/out", "--salt-file", "{salt}"),
    ("convert", SAMPLE, "{blocker}/out"),
])
def test_unwritable_output_one_line_before_work(tmp_path, command):
    """The output's folder is a regular file: refused before the dataset is read."""
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    salt = tmp_path / "salt.txt"
    salt.write_text("a-long-enough-secret-salt-for-the-test-0123456789")
    salt.chmod(0o600)  # a salt file others can read is refused first
    args = [a.format(blocker=blocker, salt=salt) for a in command]
    line = _one_line_exit_2(run_cli("--lang", "en", *args))
    assert line.startswith(f"pbkit {command[0]}: cannot write ") and "blocker" in line
    assert "nothing written" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "salt.txt"]


def test_output_to_proc_one_line():
    line = _one_line_exit_2(run_cli("--lang", "zh", "metrics", SAMPLE, "--xlsx",
                                    "/proc/pbkit-nope.xlsx"))
    assert line.startswith("pbkit metrics: 无法写入 /proc/pbkit-nope.xlsx")


@pytest.mark.parametrize("command", ["health", "validate", "metrics"])
def test_unreadable_path_one_line(command):
    """A path the file system refuses (here: a name too long) is one line, not a traceback."""
    line = _one_line_exit_2(run_cli("--lang", "en", command, "x" * 300), progress=True)
    assert line.startswith(f"pbkit {command}: ")


def test_fifo_named_csv_refused_not_hung(tmp_path):
    import os

    fifo = tmp_path / "people.csv"
    os.mkfifo(fifo)
    line = _one_line_exit_2(run_cli("--lang", "en", "validate", str(fifo)))
    assert line == "pbkit validate: people.csv: not a regular file (a named pipe); not opened"


def test_terminal_escapes_in_headers_and_cells_printed_escaped(tmp_path):
    """A file cannot clear the screen or print a fake line through pbkit's messages."""
    fake = "\x1b[2J\x1b[H\x1b[32mall checks passed\x1b[0m"
    (tmp_path / "orgs.csv").write_text(
        f"org_id,parent_id,level,{fake}\u202e\nT1,,township,x\nV1,T1,{fake}\x9b\n",
        encoding="utf-8")
    for extra in ((), ("--json",)):
        proc = run_cli("--lang", "en", "validate", str(tmp_path), *extra)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 2
        for bad in ("\x1b", "\x9b", "\u202e"):
            assert bad not in out, (bad, out)
        if not extra:
            assert "\\x1b[2J" in out  # shown, harmlessly, as an escape
            assert not any(line.startswith("all checks passed") for line in out.splitlines())
