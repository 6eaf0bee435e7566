"""Building notebooks from sources: byte-identical rebuilds, nbformat 4.5, stable cell ids,
the committed notebooks in sync, and the sync check catching an edited source."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from lesson_fixtures import lesson_data, write_lesson

from pbkit.cli import main
from pbkit.lessons.build import build, notebooks_dir
from pbkit.lessons.check import check, check_sync
from pbkit.lessons.loader import lessons_dir, load_lessons


def test_building_twice_gives_identical_bytes(tmp_path):
    first = build("all", tmp_path / "a")
    second = build("all", tmp_path / "b")
    files_a = sorted(p.relative_to(tmp_path / "a") for p in first.written)
    files_b = sorted(p.relative_to(tmp_path / "b") for p in second.written)
    # trainee set: lessons + course index + references page; trainer set: lessons
    assert files_a == files_b and len(files_a) == 2 * (len(load_lessons()) + 2) \
        + 2 * len(load_lessons())
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    again = build("all", tmp_path / "a")
    assert again.written == () and len(again.unchanged) == len(files_a)


def test_notebooks_are_valid_nbformat_45_without_outputs_or_timestamps(tmp_path):
    build("zh", tmp_path)
    for path in sorted((tmp_path / "zh").glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
        assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
        ids = [c.id for c in nb.cells]
        assert len(ids) == len(set(ids))
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
        raw = path.read_text(encoding="utf-8")
        assert "execution" not in json.loads(raw)["metadata"]
        assert raw.endswith("\n") and "\r" not in raw


def test_cell_ids_come_from_lesson_id_and_index(tmp_path):
    build("en", tmp_path)
    nb = nbformat.read(str(tmp_path / "en" / "07-four-two.ipynb"), as_version=4)
    assert [c.id for c in nb.cells[:3]] == ["four-two-00", "four-two-01", "four-two-02"]
    assert nb.metadata["pbkit"]["lesson"] == "four-two"
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_languages_differ_only_in_text(tmp_path):
    build("all", tmp_path)
    zh = nbformat.read(str(tmp_path / "zh" / "06-mass-line.ipynb"), as_version=4)
    en = nbformat.read(str(tmp_path / "en" / "06-mass-line.ipynb"), as_version=4)
    assert [c.cell_type for c in zh.cells] == [c.cell_type for c in en.cells]
    zh_code = [c.source for c in zh.cells if c.cell_type == "code"]
    en_code = [c.source.replace('lang="en"', 'lang="zh"') for c in en.cells
               if c.cell_type == "code"]
    assert zh_code == en_code
    assert "第 6 课" in zh.cells[0].source and "Lesson 6" in en.cells[0].source
    assert 'lw.roleplay_exercise("dibao-complaint", L)' in zh_code


def test_code_cells_stay_short(tmp_path):
    build("zh", tmp_path)
    for path in (tmp_path / "zh").glob("[0-9][0-9]-*.ipynb"):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells[2:]:
            if cell.cell_type == "code":
                assert len(cell.source.splitlines()) <= 3, (path.name, cell.source)


def test_committed_notebooks_are_in_sync_with_sources():
    problems = [p for p in check_sync("all")
                if p.kind in ("missing", "out_of_sync", "stale", "source")]
    assert problems == [], [p.render("en") for p in problems]


@pytest.fixture()
def course(tmp_path, monkeypatch):
    """A copy of the course in a temp folder, PBKIT_LESSONS pointing at it, built."""
    root = tmp_path / "lessons"
    for src in lessons_dir().glob("*/lesson.yaml"):
        dst = root / src.parent.name / "lesson.yaml"
        dst.parent.mkdir(parents=True)
        shutil.copy(src, dst)
    monkeypatch.setenv("PBKIT_LESSONS", str(root))
    out = tmp_path / "notebooks"
    build("all", out)
    return root, out


def test_sync_check_detects_an_edited_source_and_names_the_cell(course):
    root, out = course
    assert check_sync("all", out) == [] or all(p.kind == "reference"
                                               for p in check_sync("all", out))
    src = root / "02-three-meetings" / "lesson.yaml"
    text = src.read_text(encoding="utf-8")
    src.write_text(text.replace("组织生活的基本节奏", "组织生活的节奏", 1), encoding="utf-8")
    problems = [p for p in check_sync("all", out) if p.kind == "out_of_sync"]
    # a Chinese edit puts only the Chinese notebooks (trainee and trainer editions) out of sync
    assert {(p.lesson, p.lang) for p in problems} == {("three-meetings", "zh"),
                                                       ("three-meetings", "zh-trainer")}
    zh = next(p for p in problems if p.lang == "zh")
    assert zh.cell == "three-meetings-02"
    line = zh.render("en")
    assert line.startswith("three-meetings [zh], cell three-meetings-02: notebook ")
    assert "out of sync" in line
    build("all", out)
    assert not [p for p in check_sync("all", out) if p.kind == "out_of_sync"]


def test_missing_and_stale_notebooks_are_reported(course):
    root, out = course
    (out / "en" / "05-migrant-members.ipynb").unlink()
    shutil.copy(out / "en" / "04-attention.ipynb", out / "en" / "99-gone.ipynb")
    kinds = {(p.kind, p.lesson) for p in check_sync("en", out)}
    assert ("missing", "migrant-members") in kinds and ("stale", "99-gone") in kinds
    result = build("en", out)
    assert out / "en" / "99-gone.ipynb" in result.removed
    assert (out / "en" / "05-migrant-members.ipynb").exists()


def test_a_user_notebook_in_the_output_folder_is_not_removed(course):
    root, out = course
    mine = out / "en" / "my-notes.ipynb"
    nb = nbformat.v4.new_notebook()
    nbformat.write(nb, str(mine))
    build("en", out)
    assert mine.exists()


def test_cli_build_and_check_exit_codes(course, capsys):
    root, out = course
    assert main(["lessons", "build", "--lang", "en", "--out", str(out)]) == 0
    assert "wrote 0 notebook(s)" in capsys.readouterr().out  # already built by the fixture
    assert main(["lessons", "check", "--no-execute", "--out", str(out), "--lang", "en"]) == 0
    capsys.readouterr()
    src = root / "01-why-branches" / "lesson.yaml"
    src.write_text(src.read_text(encoding="utf-8").replace("Opening", "Start"),
                   encoding="utf-8")
    code = main(["lessons", "check", "--no-execute", "--out", str(out), "--lang", "en"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 1
    # the timing is trainer-only now: only the trainer edition goes out of sync
    assert len(lines) == 1 and lines[0].startswith("why-branches [en-trainer], cell why-branches-")


@pytest.mark.parametrize("action", ["build", "check"])
def test_cli_bad_source_exits_2(course, capsys, action):
    root, out = course
    write_lesson(root, lesson_data(id="broken", number=13, duration_min=99))
    code = main(["lessons", action, "--no-execute", "--out", str(out)] if action == "check"
                else ["lessons", action, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "13-broken/lesson.yaml" in err and "duration_min" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_bad_timeout_exits_2(capsys):
    assert main(["lessons", "check", "--timeout", "-3"]) == 2
    assert "-3" in capsys.readouterr().err


def test_check_without_execution_on_the_repository_is_clean():
    report = check("all", notebooks_dir(), execute=False)
    assert report.ok, report.lines("en")
