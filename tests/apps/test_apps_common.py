"""The shared app shell: escaping, errors as messages, progress, language, projector mode."""

from __future__ import annotations

import base64
import re
import warnings

import pandas as pd
import pytest

from pbkit.apps.common import (
    MAX_DOWNLOAD_BYTES,
    AppShell,
    download_link,
    esc,
    figure_png,
    guarded,
    html_table,
    new_figure,
    query_params,
)
from pbkit.errors import DataError, PbkitError, StoreError
from pbkit.i18n import t

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Demo(AppShell):
    TITLE_KEY = "apps.roleplay.title"

    def __init__(self, lang=None):
        super().__init__(lang)
        self.calls = 0

    @guarded
    def fails_pbkit(self, _b=None):
        raise DataError("data.missing_column", file="people.csv", table="people",
                        row=None, column="org_id")

    @guarded
    def fails_bug(self, _b=None):
        raise KeyError("internal detail that must not leak")

    @guarded(busy="apps.busy.working")
    def slow(self, _b=None):
        self.calls += 1
        assert self.busy_box.layout.display == "flex"
        assert "pbkit-spinner" in self.busy_label.value
        assert t("apps.busy.working", "zh") in self.busy_label.value
        return "done"


def test_esc_escapes_markup_and_quotes():
    assert esc(XSS) == ("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
                        "&lt;img src=x onerror=alert(1)&gt;")
    assert esc(None) == "" and esc(float("nan")) == ""
    assert esc(("a<", "b")) == "a&lt;；b"


def test_html_table_escapes_headers_and_cells_and_cuts_long_tables():
    frame = pd.DataFrame({"<th>": [XSS] * 5})
    out = html_table(frame, max_rows=3, lang="en")
    assert "<script>" not in out and "<img" not in out and "<th><th>" not in out
    assert out.count("&lt;script&gt;") == 3
    assert "Showing the first 3 of 5 rows." in out
    assert t("apps.table.empty", "zh") in html_table(frame.head(0), lang="zh")


def test_pbkit_error_becomes_localised_message_without_traceback():
    app = Demo(lang="zh")
    assert app.fails_pbkit() is None
    assert app.message_text == "people.csv：表 people，列 org_id：缺少必需的列"
    assert "pbkit-msg-error" in app.message.value and 'role="alert"' in app.message.value
    app.set_lang("en")
    app.fails_pbkit()
    assert app.message_text == "people.csv: table people, column org_id: required column is missing"


def test_unexpected_exception_becomes_generic_message(capfd):
    app = Demo(lang="zh")
    app.fails_bug()
    text = app.message_text
    assert text == t("apps.error.internal", "zh", kind="KeyError")
    assert "Traceback" not in app.message.value and "internal detail" not in app.message.value
    # the detail goes to the server log only
    assert "internal detail" in capfd.readouterr().err


def test_error_message_text_is_escaped():
    app = Demo(lang="en")
    app.show_error(XSS)
    assert "<script>" not in app.message.value
    assert app.message_text == XSS


def test_busy_indicator_shows_during_work_and_hides_after():
    app = Demo(lang="zh")
    assert app.busy_box.layout.display == "none"
    assert app.slow() == "done" and app.calls == 1
    assert app.busy_box.layout.display == "none" and not app.is_busy
    assert app.busy_label.value == ""


def test_busy_hides_even_when_the_work_fails():
    app = Demo(lang="en")
    with pytest.raises(PbkitError), app.busy("apps.busy.working") as step:
        step(0.5)
        assert app.progress.value == 0.5
        raise StoreError("store.err.answer_empty")
    assert app.busy_box.layout.display == "none"


def test_language_switch_relabels_shell():
    app = Demo()
    assert app.lang == "zh" and app.title.value == f"<h2>{t('apps.roleplay.title', 'zh')}</h2>"
    app.lang_toggle.value = "en"  # as the browser would send it
    assert app.lang == "en" and "Role-play practice" in app.title.value
    assert app.large_toggle.description == "Large text"


def test_default_language_comes_from_pbkit_lang(monkeypatch):
    monkeypatch.setenv("PBKIT_LANG", "en")
    assert Demo().lang == "en"
    monkeypatch.setenv("PBKIT_LANG", "zh-CN")
    assert Demo().lang == "zh"


def test_projector_mode_adds_large_class():
    app = Demo()
    assert "pbkit-large" not in app.root._dom_classes
    app.large_toggle.value = True
    assert "pbkit-large" in app.root._dom_classes
    app.large_toggle.value = False
    assert "pbkit-large" not in app.root._dom_classes
    assert ".pbkit-app.pbkit-large" in app.style.value


def test_download_link_roundtrips_and_refuses_oversized_files():
    data = b"PK\x03\x04 fake xlsx bytes"
    link = download_link(data, 'plan"<x>.xlsx', "下载")
    href = re.search(r'href="data:[^;]+;base64,([^"]+)"', link).group(1)
    assert base64.b64decode(href) == data
    assert 'download="plan&quot;&lt;x&gt;.xlsx"' in link
    with pytest.raises(PbkitError) as info:
        download_link(b"x" * (MAX_DOWNLOAD_BYTES + 1), "big.xlsx", "big")
    assert "5.0 MB" in info.value.render("en")


def test_query_params_reads_voila_query_string(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "trainee=T0007&cohort=C1&empty=")
    assert query_params() == {"trainee": "T0007", "cohort": "C1"}
    monkeypatch.delenv("QUERY_STRING")
    assert query_params() == {}


def test_chinese_chart_text_renders_without_missing_glyphs():
    fig = new_figure(4, 3)
    ax = fig.add_subplot()
    ax.bar([0, 1], [3, 5])
    ax.set_title("三会一课完成情况")
    ax.set_xticks([0, 1], ["党员大会", "支委会"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warning fails the test
        png = figure_png(fig)
    assert png[:4] == b"\x89PNG" and len(png) > 2000


def test_missing_glyph_is_reported(capfd):
    # a font without CJK glyphs must produce the warning the other tests turn into failures
    from matplotlib import rc_context

    fig = new_figure(2, 1)
    text = fig.text(0.1, 0.5, "党支部")
    import pbkit.apps.common as common

    original = common._cjk_families
    common._cjk_families = lambda: ["DejaVu Sans"]
    try:
        with rc_context({"font.family": ["DejaVu Sans"]}), \
                pytest.warns(UserWarning, match="missing from font"):
            figure_png(fig)
    finally:
        common._cjk_families = original
    assert text.get_text() == "党支部"
    assert "missing glyph" in capfd.readouterr().err


def test_browser_state_collects_every_widget():
    app = Demo(lang="en")
    app.show_info("hello <b>")
    state = app.browser_state()
    assert "hello &lt;b&gt;" in state
    assert len(app.all_widgets()) >= 8


def test_launch_shows_an_error_box_when_the_app_cannot_start(capfd, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.extend(a))

    class Broken(AppShell):
        def __init__(self, lang=None):
            raise StoreError("store.err.answer_empty")

    assert Broken.launch() is None
    html = shown[0].data
    assert 'class="pbkit-msg pbkit-msg-error"' in html
    assert StoreError("store.err.answer_empty").render("zh") in html
    assert "Traceback" not in html


def test_first_view_event_waits_for_the_browser_to_draw_the_widget():
    import ipywidgets as W

    from pbkit.apps.common import first_view_event

    box = W.VBox()
    shown = first_view_event(box)
    assert box._view_count == 0  # view tracking switched on for the front end
    assert not shown.is_set()
    box._view_count = 1  # the browser reports its first view
    assert shown.is_set()
    already = W.HTML()
    already._view_count = 2
    assert first_view_event(already).is_set()


def test_run_when_shown_outside_a_kernel_runs_at_once():
    from pbkit.apps.common import AppShell

    shell = AppShell(lang="en")
    calls = []
    assert shell.run_when_shown(calls.append, "loaded") is None
    assert calls == ["loaded"]
