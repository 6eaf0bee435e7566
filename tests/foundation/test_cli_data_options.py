"""The data commands (health, metrics, plan) share one check of --as-of and --xlsx and one
engine dispatch (pbkit.commands._data): the same one-line message, exit code 2, before the
dataset is read and before anything is written."""

from __future__ import annotations

import pytest

from pbkit.cli import main
from pbkit.data.sample import sample_path

COMMANDS = {
    "health": ["health"],
    "metrics": ["metrics"],
    "plan": ["plan", "--mechanism", "one_on_one"],
}


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("lang, expected", [
    ("en", "--as-of: cannot read the date '{value}' (write it like 2025-06-30)"),
    ("zh", "--as-of：无法识别日期“{value}”（应写成 2025-06-30 这样的格式）"),
])
@pytest.mark.parametrize("value", ["2024-13-45", "yesterday", ""])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_as_of_is_one_line_echoing_the_value(tmp_path, capsys, command, value, lang,
                                                 expected):
    out = tmp_path / "plan.json"
    args = [*COMMANDS[command], str(tmp_path / "no-such-dataset"), "--as-of", value,
            "--lang", lang]
    if command == "plan":
        args += ["--out", str(out)]
    assert main(args) == 2
    # the dataset does not exist: the option is checked first, before any load
    assert _one_line(capsys) == f"pbkit {command}: " + expected.format(value=value)
    assert not out.exists()


@pytest.mark.parametrize("command", ["health", "metrics"])
def test_xlsx_must_be_a_workbook_the_same_way(tmp_path, capsys, command):
    bad = tmp_path / "report.csv"
    assert main([*COMMANDS[command], str(sample_path()), "--xlsx", str(bad),
                 "--lang", "en"]) == 2
    assert _one_line(capsys) == (f"pbkit {command}: --xlsx {bad}: the workbook file must "
                                 "end in .xlsx")
    assert not bad.exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_scheduler_without_dask_is_refused_by_every_command(tmp_path, capsys, command):
    args = [*COMMANDS[command], str(sample_path()), "--scheduler", "tcp://127.0.0.1:1",
            "--lang", "en"]
    if command == "plan":
        args += ["--out", str(tmp_path / "p.json")]
    assert main(args) == 2
    line = _one_line(capsys)
    assert line.startswith(f"pbkit {command}: ") and "--engine dask" in line


def test_the_three_commands_use_the_one_dispatch():
    import inspect

    from pbkit.commands import health, metrics, plan

    for module in (health, metrics, plan):
        source = inspect.getsource(module.run)
        assert "dispatch(" in source and "prepare(args)" in source, module.__name__
        assert "engine_choice" not in inspect.getsource(module)
