"""Branch dashboard logic without a browser: every view for a branch, from pbkit.health."""

from __future__ import annotations

import warnings

import pytest

from pbkit.apps.common import esc
from pbkit.apps.dashboard_app import DashboardApp
from pbkit.health import compliance_summary, meeting_calendar
from pbkit.health.scorecard import scorecard
from pbkit.i18n import t


@pytest.fixture(scope="module")
def dataset():
    from pbkit.data.sample import load_sample

    return load_sample()


@pytest.fixture(scope="module")
def app(dataset):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing CJK glyph in any chart fails the test
        return DashboardApp(lang="zh", dataset=dataset)


def village_branch(app) -> str:
    return next(v for label, v in app.branch.options if "（村）" in label)


def test_views_render_for_the_first_branch_without_errors(app):
    assert app.message_text == ""
    for view in (app.meetings_table, app.structure_table, app.migrants_view,
                 app.coverage_view, app.scorecard_view, app.headline):
        assert "pbkit-msg-error" not in view.value, view.value
    for image in (app.meetings_chart, app.structure_chart, app.education_chart):
        assert 'src="data:image/png;base64,iVBOR' in image.value and ' alt="' in image.value


def test_village_branches_come_first(app):
    first_label = app.branch.options[0][0]
    assert "（村）" in first_label or "（社区）" in first_label


def test_scorecard_shows_points_and_evidence_of_each_lost_point(app, dataset):
    org = village_branch(app)
    app.branch.value = org  # as the browser sends it
    res = scorecard(dataset, year=app.year.value)
    total = res.totals.set_index("org_id").loc[org]
    assert t("apps.dashboard.score_h", "zh", points=f"{total['total']:.0f}",
             max=f"{total['max_total']:.0f}") in app.scorecard_view.value
    name = dataset.orgs.set_index("org_id").loc[org, "name_code"]
    assert f"{name} 支部" in app.headline.value and org not in app.headline.value
    items = res.items[res.items["org_id"] == org]
    lost = items[items["lost"] > 0]
    assert app.scorecard_view.value.count('<tr class="pbkit-lost">') == len(lost)
    details = res.evidence_frame("zh")
    details = details[details["org_id"] == org]
    for _item, group in details.groupby("item"):
        for detail in group["detail"].head(15):
            assert esc(detail) in app.scorecard_view.value
        if len(group) > 15:
            assert t("apps.dashboard.more", "zh", n=len(group) - 15) in app.scorecard_view.value


def test_meetings_view_matches_health_compliance(app, dataset):
    org = village_branch(app)
    app.branch.value = org
    summary = compliance_summary(dataset, year=app.year.value)
    row = summary[(summary.org_id == org) & (summary.kind == "committee_meeting")].iloc[0]
    expected = f"<td>支委会</td><td>{row.required}</td><td>{row.held}</td><td>{row.missing}</td>"
    import re

    # the cells as shown (each carries its header for the phone's card layout)
    assert expected in re.sub(r' data-label="[^"]*"', "", app.meetings_table.value)
    cal = meeting_calendar(dataset, org, app.year.value)
    assert int(cal.drop(columns="month").to_numpy().sum()) > 0


def test_migrant_members_listed_for_the_branch(app, dataset):
    from pbkit.health.branches import members

    mem = members(dataset)
    counts = mem[mem["is_migrant"]].groupby("org_id").size()
    org = counts.idxmax()
    app.branch.value = org
    assert t("apps.dashboard.migrants_h", "zh", n=int(counts.max())) in app.migrants_view.value
    for pid in mem[mem["is_migrant"] & (mem["org_id"] == org)]["person_id"]:
        assert f"<td>{pid}</td>" in app.migrants_view.value


def test_english_switch(app):
    app.lang_toggle.value = "en"
    try:
        assert app.tabs.get_title(4) == "100-point scorecard"
        assert "Score:" in app.scorecard_view.value
        assert "pbkit-msg-error" not in app.scorecard_view.value
        assert "(village)" in app.branch.options[0][0]
    finally:
        app.lang_toggle.value = "zh"


def test_missing_sample_is_a_message_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.setenv("PBKIT_SAMPLE", str(tmp_path / "nowhere"))
    app = DashboardApp(lang="en")
    assert app.message_text
    assert "Traceback" not in app.message.value
    assert "pbkit-msg-error" in app.message.value


def test_second_session_reads_the_figures_back_without_the_dataset(monkeypatch, tmp_path):
    import shutil

    from pbkit.data.sample import sample_path

    data = tmp_path / "data"
    shutil.copytree(sample_path(), data)
    monkeypatch.setenv("PBKIT_SAMPLE", str(data))
    monkeypatch.setenv("PBKIT_CACHE_DIR", str(tmp_path / "cache"))
    first = DashboardApp(lang="zh")
    assert first.dataset is not None and "pbkit-score" in first.headline.value
    second = DashboardApp(lang="zh")  # another trainee's kernel: everything read back
    assert second.dataset is None
    for view in ("headline", "scorecard_view", "meetings_table", "meetings_chart",
                 "migrants_view", "coverage_view", "structure_table"):
        assert getattr(second, view).value == getattr(first, view).value, view
    # a changed dataset gets its own figures, never the old ones
    orgs = (data / "orgs.csv").read_text(encoding="utf-8")
    (data / "orgs.csv").write_text(orgs + "\n", encoding="utf-8")
    third = DashboardApp(lang="zh")
    assert third.dataset is not None


def test_no_codes_or_raw_numbers_on_screen(app, dataset):
    """Issue 18 item 5: every table and evidence line in display names and units."""
    import html
    import re

    from pbkit.health.branches import members

    mem = members(dataset)
    org = mem[mem["is_migrant"]].groupby("org_id").size().idxmax()
    app.branch.value = org
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " | ", view.value)) for view in (
        app.meetings_table, app.structure_table, app.migrants_view, app.coverage_view,
        app.scorecard_view, app.headline))
    for raw in ("<NA>", "NaT", "nan", "None", "birth_year", "needy", "coverage",
                "guangdong", "in_province", "low_income", "left_behind", "_"):
        assert raw not in text, (raw, text[max(0, text.find(raw) - 80):text.find(raw) + 40])
    assert not re.search(r"\b\d+\.0\b|\b0\.\d{3,}", text), re.findall(r".{30}\d+\.\d+", text)
    labels = re.findall(r"<tr><td>([^<]+)</td>", app.structure_table.value)
    assert len(labels) == len(set(labels)), labels  # no label twice


def test_serve_warm_up_fills_the_memo_for_both_languages(monkeypatch, tmp_path):
    """What `pbkit serve` runs when it starts (pbkit.apps.warm): afterwards a trainee's
    page needs neither the dataset nor any computation to show the score."""
    import os
    import subprocess
    import sys

    from pbkit.apps.warm import main

    monkeypatch.setenv("PBKIT_CACHE_DIR", str(tmp_path))
    assert main() == 0
    folders = list(tmp_path.glob("memo-*"))
    assert len(folders) == 1 and oct(folders[0].stat().st_mode & 0o777) == "0o700"
    names = {p.stem for p in folders[0].glob("*.pickle")}
    assert {"branches", "evidence-2025-zh", "evidence-2025-en"} <= names, names
    code = ("from pbkit.apps.dashboard_app import DashboardApp; import sys;"
            "a = DashboardApp(lang='zh'); assert a.dataset is None, 'dataset read';"
            "assert 'pandas' not in sys.modules or a.headline.value; print(a.headline.value)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PBKIT_CACHE_DIR": str(tmp_path)}, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "pbkit-score" in out.stdout
