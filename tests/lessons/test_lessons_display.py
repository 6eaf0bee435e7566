"""Issue 16: the tables the lesson notebooks show trainees are display-ready in the
lesson's language: labelled headers, branch names, coded values as labels, yes/no in
words, shares as %, counts as integers, missing as — (no ``org_id``, ``share_old``,
``destination=fujian``, ``missed_meetings;no_new_members``, ``True``, ``0.43``)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pbkit.data.labels import label_column
from pbkit.data.sample import load_sample
from pbkit.data.schema import ENUM_LABELS
from pbkit.health.report import org_display_names
from pbkit.lessons import analyses as an

# every table function a lesson notebook calls, with the arguments it is called with
CALLS = [(name, {}) for name in an.DISPLAYED] + [
    ("visit_topics", {"topic": "dispute"}),
    ("plan_summary", {"keep_existing": True}),
    ("points_table", {}), ("points_summary", {}), ("points_by_category", {}),
    ("mass_line_list", {}), ("mass_line_list", {"threshold": 0.6}),
    ("first_secretaries", {}), ("village_leaders", {}),
]
CODES = set(ENUM_LABELS) | {"zhejiang", "in_province", "contact_overdue", "missed_meetings",
                            "same_attendance", "development_stalled", "fujian"}
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
RAW_SHARE = re.compile(r"^0\.\d{2,}$")


@pytest.fixture(scope="module")
def ds():
    return load_sample()


def _problems(frame: pd.DataFrame, ids: set[str], lang: str) -> list[str]:
    """Raw headers and values left in ``frame`` (in English a one-word label may equal
    its code, e.g. ``village``; a code with ``_`` never shows)."""
    bad = [f"header {c!r}" for c in frame.columns
           if c == "org_id" or str(c).endswith("_id") or SNAKE.match(str(c))]
    for col in frame.columns:
        for v in frame[col].tolist():
            if not isinstance(v, str):
                bad.append(f"{col}: non-text {v!r}")
            elif ((v in CODES and (lang == "zh" or "_" in v)) or "_" in v or v in ids or v in ("True", "False", "nan", "None", "NaT")
                  or RAW_SHARE.match(v) or re.fullmatch(r"[a-z0-9_]+(;[a-z0-9_]+)+", v)
                  or re.fullmatch(r"[a-z_]+=[a-z_]+", v)):
                bad.append(f"{col}: {v!r}")
    return bad


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("name", "kwargs"), CALLS, ids=lambda x: str(x))
def test_lesson_tables_show_no_codes(ds, name, kwargs, lang):
    ids = {o for o, n in org_display_names(ds.orgs).items() if n != o}
    frame = getattr(an, name)(ds, lang=lang, **kwargs)
    assert len(frame), name
    assert _problems(frame, ids, lang) == []


@pytest.mark.parametrize("name", sorted(an.DISPLAYED))
def test_raw_tables_keep_codes_and_same_rows(ds, name):
    """Presentation only: the raw table (``display=False``) keeps its code columns and the
    displayed one has the same rows in the same order."""
    raw = getattr(an, name)(ds, lang="zh", display=False)
    shown = getattr(an, name)(ds, lang="zh")
    assert len(raw) == len(shown)
    if "org_id" in raw:
        names = org_display_names(ds.orgs)
        assert shown[label_column("org_id", "zh")].tolist() == [names[o] for o in raw["org_id"]]


def test_show_labels_codes_names_and_shares(ds):
    frame = pd.DataFrame({"org_id": ["T01-V02", None], "destination": ["fujian", None],
                          "flags": ["missed_meetings;development_stalled", ""],
                          "weak": [True, False], "coverage": [0.4321, float("nan")],
                          "members": [3.0, 4.0]})
    shown = an.show(ds, frame, lang="zh")
    assert shown.iloc[0].tolist() == ["前进村", "福建", "组织生活不经常、发展党员工作停滞", "是",
                                      "43%", "3"]
    assert shown.iloc[1].tolist()[1:] == ["—", "—", "否", "—", "4"]
    assert "org_id" not in shown.columns and "Destination" in an.show(ds, frame, "en").columns


def test_worst_rows_stay_in_sight(ds):
    """The default order puts the row to talk about first, missing values included: a
    branch with no recruitment or no general meeting at all is not sorted out of sight."""
    dev = an.development_table(ds, display=False)
    top = dev["years_since_last_new"].iloc[0]
    assert pd.isna(top) or top == dev["years_since_last_new"].max()
    quorum = an.quorum_table(ds, display=False)
    first = quorum["mean_share"].iloc[0]
    assert pd.isna(first) or first == quorum["mean_share"].min()
    contact = an.migrant_contact(ds, display=False)["months_since_contact"]
    assert contact.isna().sum() == 0 or contact.iloc[:contact.isna().sum()].isna().all()
