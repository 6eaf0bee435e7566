"""Charts render Chinese text without missing-glyph warnings, with the system or the bundled
CJK font, and without touching matplotlib's global settings."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import matplotlib
import pytest
from health_frames import known_dataset

from pbkit.charts import (
    cjk_context,
    cjk_font_family,
    cjk_font_path,
    cjk_rc,
    save_figure,
)
from pbkit.health.charts import calendar_chart, report_charts, save_charts
from pbkit.health.compliance import meeting_calendar
from pbkit.health.report import health_report


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _render_problems(fn) -> list[str]:
    """Run ``fn`` and return every warning or matplotlib log message it produced."""
    handler = _Collect()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fn()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    return [str(w.message) for w in caught] + handler.messages


def _chinese_figure(rc):
    from matplotlib.figure import Figure

    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(4, 3))
        ax = fig.add_subplot()
        ax.bar(["党员大会", "支委会", "党小组会"], [4, 12, 10])
        ax.set_title("组织生活完成情况（第一季度）")
        ax.set_ylabel("次数")
    return fig


def test_default_font_really_lacks_chinese(tmp_path):
    """Sanity check of the detector: DejaVu Sans alone does warn about missing glyphs."""
    fig = _chinese_figure({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]})

    def save():
        with matplotlib.rc_context({"font.sans-serif": ["DejaVu Sans"]}):
            fig.savefig(tmp_path / "plain.png")

    problems = _render_problems(save)
    assert any("Glyph" in p and "missing" in p for p in problems)


@pytest.mark.parametrize("prefer_bundled", [False, True])
def test_chinese_chart_renders_without_missing_glyphs(tmp_path, prefer_bundled):
    rc = cjk_rc(prefer_bundled)
    fig = _chinese_figure(rc)
    out = tmp_path / "zh.png"

    def save():
        with cjk_context(prefer_bundled=prefer_bundled):
            fig.savefig(out, dpi=80)

    problems = _render_problems(save)
    assert not [p for p in problems if "Glyph" in p or "missing" in p.lower()], problems
    assert out.stat().st_size > 1000
    if prefer_bundled:
        assert Path(cjk_font_path(True)).name == "NotoSansCJKsc-Regular.otf"
        assert cjk_font_family(True) == "Noto Sans CJK SC"


def test_no_global_rcparams_change():
    before = list(matplotlib.rcParams["font.sans-serif"])
    cjk_font_family()
    with cjk_context():
        assert matplotlib.rcParams["font.sans-serif"][0] == cjk_font_family()
    assert list(matplotlib.rcParams["font.sans-serif"]) == before


def test_every_health_chart_renders_in_chinese(tmp_path):
    ds = known_dataset()
    rep = health_report(ds, year=2024, lang="zh")
    figs = report_charts(rep.views, lang="zh")
    figs.update(report_charts(rep.views, "V2", lang="zh"))
    figs["calendar"] = calendar_chart(meeting_calendar(ds, "V2", 2024), "V2", lang="zh")
    assert set(figs) == {"age_pyramid", "education", "development", "migrants",
                         "probationary", "years_since_new", "compliance", "compliance_grid",
                         "calendar"}
    paths: list[Path] = []

    problems = _render_problems(lambda: paths.extend(save_charts(figs, tmp_path)))
    assert not [p for p in problems if "Glyph" in p], problems
    assert sorted(p.name for p in paths) == sorted(f"{n}.png" for n in figs)
    assert figs["age_pyramid"].axes[0].get_title() == "党员年龄结构（V2）"
    titles = [f.axes[0].get_title() for f in figs.values()]
    assert "会议日历（V2）" in titles
    ticks = [t.get_text() for t in figs["compliance"].axes[0].get_yticklabels()]
    assert ticks[:2] == ["党员大会", "支委会"]


def test_english_labels(tmp_path):
    rep = health_report(known_dataset(), year=2024, lang="en")
    figs = report_charts(rep.views, lang="en")
    assert figs["development"].axes[0].get_title() == "New members per year (all)"
    legend = [t.get_text() for t in figs["age_pyramid"].axes[0].get_legend().get_texts()]
    assert legend == ["men", "women"]
    save_figure(figs["development"], tmp_path / "dev.png")
    assert (tmp_path / "dev.png").exists()


def test_graded_charts_use_a_colour_blind_safe_scale_and_draw_zero():
    from pbkit.health.charts import compliance_chart, compliance_heatmap, development_chart
    from pbkit.health.compliance import compliance_summary

    ds = known_dataset()
    cal = calendar_chart(meeting_calendar(ds, "V3", 2024), "V3", lang="zh")
    ax = cal.axes[0]
    assert ax.images[0].get_cmap().name == "cividis"
    texts = [t.get_text() for t in ax.texts]
    assert "·" not in texts and set(texts) == {"0"}  # no meeting: drawn as 0, not a gap
    summary = compliance_summary(ds, year=2024)
    grid = compliance_heatmap(summary, lang="zh", names={"V3": "河湾村"})
    gax = grid.axes[0]
    assert gax.images[-1].get_cmap().name == "cividis"
    rows = [t.get_text() for t in gax.get_yticklabels()]
    assert "河湾村" in rows and "V3" not in rows
    cells = [t.get_text() for t in gax.texts]
    # V3 held nothing (0%); its committee and group meetings do not apply (—), nor E1's
    # committee meeting (2 full members)
    assert cells.count("—") == 3 and "0%" in cells and "100%" in cells
    bars = compliance_chart(summary, "V3", lang="en")
    assert {t.get_text() for t in bars.axes[0].texts} == {"0%"}
    # no target band is drawn unless a local target is configured
    rep = health_report(ds, year=2024, lang="en")
    dev = development_chart(rep.views["development"], lang="en")
    legend = [t.get_text() for t in dev.axes[0].get_legend().get_texts()]
    assert not any("target" in t for t in legend)
