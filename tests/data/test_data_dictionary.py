"""The data dictionary in datasets/README.md is rendered from the schema."""

from __future__ import annotations

from pbkit.data.anonymize import RAW_COLUMNS
from pbkit.data.dictionary import main, render_dictionary, render_readme, render_table
from pbkit.data.sample import repo_root
from pbkit.data.schema import ENUM_LABELS, TABLES

README = repo_root() / "datasets" / "README.md"


def test_readme_is_in_sync_with_the_schema():
    assert README.read_text(encoding="utf-8") == render_readme(), (
        "datasets/README.md is out of date: run "
        "python -m pbkit.data.dictionary --write datasets/README.md")


def test_every_column_with_zh_name_kind_and_descriptions():
    text = render_dictionary()
    for table in TABLES.values():
        assert f"### {table.name} · {table.zh}" in text
        section = render_table(table.name)
        for col in table.columns:
            row = next(line for line in section.splitlines()
                       if line.startswith(f"| {col.name} | {col.zh} |"))
            assert col.en_desc.replace("|", "\\|") in row and col.zh_desc in row
            assert ("yes · 是" in row) == col.required
            for value in col.values:
                shown = f"{value} ({ENUM_LABELS[value]})" if value in ENUM_LABELS else value
                assert shown in row


def test_readme_documents_refinements_and_raw_columns():
    text = render_readme()
    for word in ("role_since", "last_contact", "dues_paid_until", "age_band", "province",
                 "k ≥ 5"):
        assert word in text
    for table, roles in RAW_COLUMNS.items():
        for role, spellings in roles.items():
            line = next(line for line in text.splitlines()
                        if line.startswith(f"| {table} | {role} |"))
            assert all(f"`{s}`" in line for s in spellings)


def test_main_writes_the_readme(tmp_path):
    out = tmp_path / "README.md"
    assert main(["--write", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render_readme()
