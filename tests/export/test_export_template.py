"""The blank data workbook: it matches the schema, and filled in it loads like the sample."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from pbkit.data.io import load_dataset
from pbkit.data.sample import sample_path
from pbkit.data.schema import ENUM_LABELS, TABLE_ORDER, TABLES
from pbkit.export.template import write_template


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_template_has_every_table_and_column_with_notes(tmp_path, lang):
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", lang=lang))
    assert len(book.sheetnames) == len(TABLE_ORDER)
    for sheet, name in zip(book.worksheets, TABLE_ORDER):
        table = TABLES[name]
        assert sheet.title == (table.zh if lang == "zh" else table.name)
        headers = [c.value for c in sheet[1]]
        assert headers == [c.zh if lang == "zh" else c.name for c in table.columns]
        assert all(c.comment is not None and c.comment.text for c in sheet[1])
        assert sheet.max_row == 1  # no example rows that could be uploaded by mistake


def test_coded_columns_offer_their_labels_in_a_drop_down(tmp_path):
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", lang="zh"))
    people = book["人员"]
    headers = [c.value for c in people[1]]
    gender = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[headers.index("性别")]
    lists = [dv.formula1 for dv in people.data_validations.dataValidation
             if dv.type == "list" and str(dv.sqref).startswith(f"{gender}2")]
    assert lists and ENUM_LABELS["female"] in lists[0] and "female" not in lists[0]


def test_filled_template_loads_as_the_same_dataset(tmp_path):
    """Fill the Chinese template with the sample's rows (Chinese labels) and load it."""
    path = write_template(tmp_path / "filled.xlsx", lang="zh")
    book = openpyxl.load_workbook(path)
    sample = load_dataset(sample_path())
    for name in TABLE_ORDER:
        table = TABLES[name]
        frame = pd.read_csv(sample_path() / f"{name}.csv", dtype=str, keep_default_na=False)
        ws = book[table.zh]
        for row in frame.itertuples(index=False):
            values = dict(zip(frame.columns, row))
            out = []
            for col in table.columns:
                value = values.get(col.name, "")
                if col.kind == "enum" and value in ENUM_LABELS:
                    value = ENUM_LABELS[value]
                out.append(value)
            ws.append(out)
    book.save(path)
    loaded = load_dataset(path)
    assert not loaded.report.errors
    for name in TABLE_ORDER:
        assert len(getattr(loaded, name)) == len(getattr(sample, name)), name
