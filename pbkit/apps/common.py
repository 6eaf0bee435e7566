"""The shell every pbkit app shares: language, progress, error messages, escaping, layout.

An app subclasses :class:`AppShell`, puts its widgets in ``self.body`` and decorates each
widget callback with :func:`guarded`, so that

* every label comes from :func:`pbkit.i18n.t` in the app's language (zh by default, from
  ``PBKIT_LANG``; a switch at the top turns the whole app to English and back);
* anything that may take more than a second runs inside :meth:`AppShell.busy`, which shows
  a spinner, a label and a progress bar while it runs;
* an exception never reaches the page as a traceback: a :class:`~pbkit.errors.PbkitError`
  shows its own localised one-line message, anything else a localised "something went wrong"
  message (the traceback goes to the server log only);
* text that a user typed or uploaded is passed through :func:`esc` (``html.escape``) before
  it is put into any HTML widget;
* a "larger text" switch scales fonts and control heights for a classroom projector.

>>> esc('<script>alert("x")</script>')
'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
>>> shell = AppShell(lang="en")
>>> shell.tr("apps.lang.label")
'Language'
>>> @guarded
... def broken(app):
...     raise RuntimeError("boom")
>>> broken(shell)
>>> "Traceback" in shell.message.value, "pbkit-msg-error" in shell.message.value
(False, True)
"""

from __future__ import annotations

import base64
import functools
import html
import os
import sys
import threading
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import ipywidgets as W

from pbkit.errors import PbkitError
from pbkit.i18n import normalize_lang, resolve_lang, t

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "AppShell",
    "guarded",
    "esc",
    "html_table",
    "download_link",
    "new_figure",
    "figure_png",
    "query_params",
    "when_link_known",
    "first_view_event",
    "log_error",
    "enum_label",
    "options_for",
    "MAX_UPLOAD_BYTES",
    "MAX_DOWNLOAD_BYTES",
    "XLSX_MIME",
    "STYLE",
]

#: Largest upload accepted. Voila's websocket drops messages above about 10 MiB (tornado's
#: default ``websocket_max_message_size``) without a word, so uploads stop well below it.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
#: Largest file offered as a download link (a base64 ``data:`` URI grows by a third and
#: travels in one widget message, which must stay under the same websocket limit).
MAX_DOWNLOAD_BYTES = 5 * 1024 * 1024
# seconds a loader started with AppShell.run_when_shown waits for the browser's first view
FIRST_VIEW_WAIT_S = 4.0
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STYLE = """<style>
.pbkit-app { --jp-widgets-font-size: 15px; --jp-widgets-inline-height: 30px;
  --jp-widgets-inline-label-width: 120px; font-size: 15px; max-width: 1200px;
  margin: 0 auto; padding: 8px 12px; box-sizing: border-box;
  font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
    sans-serif; }
.pbkit-app.pbkit-large { --jp-widgets-font-size: 21px; --jp-widgets-inline-height: 42px;
  --jp-widgets-inline-label-width: 170px; font-size: 21px; max-width: 100%; }
.pbkit-app .widget-html-content, .pbkit-app .widget-label { font-size: inherit;
  line-height: 1.6; }
.pbkit-app .widget-html, .pbkit-app .widget-html-content { height: auto; }
.pbkit-app textarea { font-size: inherit; line-height: 1.5; }
.pbkit-app h2 { margin: 4px 0 8px 0; font-size: 1.5em; }
.pbkit-app h3 { margin: 10px 0 6px 0; font-size: 1.2em; }
.pbkit-msg { padding: 8px 12px; border-radius: 4px; margin: 4px 0; white-space: pre-wrap; }
.pbkit-msg-error { background: #fdecea; color: #8a1c1c; border-left: 5px solid #d93025; }
.pbkit-msg-info { background: #e8f0fe; color: #174ea6; border-left: 5px solid #1a73e8; }
.pbkit-msg-ok { background: #e6f4ea; color: #0d652d; border-left: 5px solid #1e8e3e; }
.pbkit-table { border-collapse: collapse; margin: 4px 0; max-width: 100%; }
.pbkit-table th, .pbkit-table td { border: 1px solid #d0d7de; padding: 3px 8px;
  text-align: left; vertical-align: top; }
.pbkit-table th { background: #f3f4f6; white-space: nowrap; }
.pbkit-scroll { max-height: 420px; overflow: auto; }
.pbkit-answer { background: #fafafa; border: 1px solid #e0e0e0; padding: 8px;
  white-space: pre-wrap; border-radius: 4px; }
mark.pbkit-evidence { background: #ffe680; padding: 0 2px; }
.pbkit-villager { background: #f1f8e9; border-left: 5px solid #7cb342; padding: 6px 10px;
  margin: 4px 0; white-space: pre-wrap; }
.pbkit-you { background: #e3f2fd; border-left: 5px solid #1e88e5; padding: 6px 10px;
  margin: 4px 0; white-space: pre-wrap; }
.pbkit-nowrap { white-space: nowrap; }
.pbkit-bar { display: inline-block; height: 0.8em; background: #1a73e8; }
.pbkit-bar-bg { display: inline-block; height: 0.8em; background: #e0e0e0; width: 8em; }
.pbkit-spinner { display: inline-block; width: 1em; height: 1em; vertical-align: middle;
  border: 3px solid #c7d2fe; border-top-color: #1a73e8; border-radius: 50%;
  animation: pbkit-spin 0.8s linear infinite; margin-right: 6px; }
@keyframes pbkit-spin { to { transform: rotate(360deg); } }
.pbkit-download { display: inline-block; padding: 6px 14px; background: #137333;
  color: #fff !important; border-radius: 4px; text-decoration: none; }
.pbkit-lost { color: #b3261e; }
.pbkit-note { color: #444; margin-left: 8px; }
/* button colours with white text at WCAG AA contrast (4.5:1 or more; the widget theme's
   own success/info/warning colours give 2.2-3.5:1) */
.pbkit-app .jupyter-button.mod-primary { background-color: #1565c0; color: #fff; }
.pbkit-app .jupyter-button.mod-success { background-color: #137333; color: #fff; }
.pbkit-app .jupyter-button.mod-info { background-color: #0b6e88; color: #fff; }
.pbkit-app .jupyter-button.mod-warning { background-color: #8a4b00; color: #fff; }
.pbkit-app .jupyter-button.mod-danger { background-color: #b3261e; color: #fff; }
.pbkit-app .jupyter-button { min-height: 36px; }
.pbkit-chart { width: 100%; max-width: 100%; overflow-x: auto; text-align: center; }
.pbkit-app .widget-html, .pbkit-app .widget-html-content { min-width: 0; max-width: 100%; }
/* phones: tables become one labelled card per row, tabs wrap, charts keep legible text */
@media (max-width: 640px) {
  .pbkit-app { padding: 4px 6px; }
  .pbkit-scroll { max-height: none; overflow: visible; }
  .pbkit-cards, .pbkit-cards tbody, .pbkit-cards tr, .pbkit-cards td { display: block;
    width: 100%; box-sizing: border-box; }
  .pbkit-cards thead { display: none; }
  .pbkit-cards tr { border: 1px solid #d0d7de; border-radius: 6px; margin: 6px 0;
    padding: 4px 0; }
  .pbkit-cards td { border: none !important; padding: 2px 8px; overflow-wrap: anywhere; }
  .pbkit-cards td[data-label]::before { content: attr(data-label) "："; font-weight: 600;
    color: #333; }
  .pbkit-table td, .pbkit-table th { overflow-wrap: anywhere; }
  .pbkit-app .lm-TabBar-content { flex-wrap: wrap; }
  .pbkit-app .lm-TabBar-tab { flex: 0 0 auto !important; min-width: 0 !important;
    max-width: none !important; }
  .pbkit-app .widget-hbox { flex-wrap: wrap; }
  .pbkit-chart img { min-width: 560px !important; }
  .pbkit-app .widget-dropdown, .pbkit-app .widget-text, .pbkit-app .widget-select-multiple {
    width: 100% !important; min-width: 0 !important; }
}
</style>"""


def esc(text: Any) -> str:
    """``text`` as HTML-safe text (``&``, ``<``, ``>`` and both quotes escaped).

    ``None`` and NaN become an empty string.

    >>> esc("a & <b>"), esc(None)
    ('a &amp; &lt;b&gt;', '')
    """
    if text is None:
        return ""
    try:
        if text != text:  # NaN / pd.NA-free float check
            return ""
    except (TypeError, ValueError):
        pass
    if isinstance(text, (tuple, list)):
        text = "；".join(map(str, text))
    return html.escape(str(text), quote=True)


def enum_label(code: Any, lang: str | None = None) -> str:
    """Display label of a schema code: the Chinese label in zh, the code in en.

    >>> enum_label("one_on_one", "zh"), enum_label("one_on_one", "en")
    ('一对一结对帮扶', 'one on one')
    """
    from pbkit.data.labels import label_enum

    return label_enum(code, lang)


def html_table(frame: pd.DataFrame, *, max_rows: int = 200, lang: str | None = None,
               css_class: str = "pbkit-table", scroll: bool = True,
               formatters: dict[str, Callable[[Any], str]] | None = None,
               cards: bool = False) -> str:
    """An HTML table of ``frame`` with every header and cell escaped.

    ``formatters`` maps a column to a function returning *already safe* HTML for a cell.
    More than ``max_rows`` rows are cut with a note saying how many are not shown. With
    ``cards``, each cell carries its header so that on a phone every row is shown as a
    labelled card instead of a table wider than the screen.

    >>> import pandas as pd
    >>> "&lt;b&gt;" in html_table(pd.DataFrame({"x": ["<b>"]}))
    True
    """
    formatters = formatters or {}
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    # with cards, each cell carries its header: a phone shows a row as a labelled card
    opens = [f'<td data-label="{esc(c)}">' if cards else "<td>" for c in frame.columns]
    rows = []
    for rec in frame.head(max_rows).itertuples(index=False, name=None):
        cells = []
        for col, td, value in zip(frame.columns, opens, rec):
            fmt = formatters.get(col)
            cells.append(f"{td}{fmt(value) if fmt else esc(_fmt_cell(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    body = "".join(rows)
    if not rows:
        body = f'<tr><td colspan="{max(1, len(frame.columns))}">{esc(t("apps.table.empty", lang))}</td></tr>'
    note = ""
    if len(frame) > max_rows:
        note = f"<div>{esc(t('apps.table.cut', lang, shown=max_rows, total=len(frame)))}</div>"
    classes = f"{css_class} pbkit-cards" if cards else css_class
    table = f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return (f'<div class="pbkit-scroll">{table}</div>' if scroll else table) + note


def _fmt_cell(value: Any) -> Any:
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if hasattr(value, "strftime"):
        try:
            return value.strftime("%Y-%m-%d")
        except ValueError:
            return ""
    return value


def download_link(data: bytes, filename: str, label: str, *, mime: str = XLSX_MIME,
                  limit: int = MAX_DOWNLOAD_BYTES) -> str:
    """An ``<a download>`` anchor carrying ``data`` as a base64 ``data:`` URI.

    ipywidgets has no download widget and standalone Voila serves no files outside its
    templates by default; a ``data:`` URI needs no server route and works in Chromium,
    Firefox and Safari. Files over ``limit`` bytes are refused with a
    :class:`~pbkit.errors.PbkitError` (the link travels in one websocket message).

    >>> link = download_link(b"abc", "plan.xlsx", "<plan>")
    >>> link.startswith('<a class="pbkit-download" download="plan.xlsx"'), "&lt;plan&gt;" in link
    (True, True)
    """
    if len(data) > limit:
        raise PbkitError("apps.download.too_large", size=_mb(len(data)), limit=_mb(limit))
    payload = base64.b64encode(data).decode("ascii")
    return (f'<a class="pbkit-download" download="{esc(filename)}" '
            f'href="data:{mime};base64,{payload}">{esc(label)}</a>')


def chart_html(png: bytes, alt: str, *, max_width: str = "820px") -> str:
    """A chart as an ``<img>`` with a text alternative, in a box that scrolls on phones.

    ipywidgets' Image widget has no ``alt`` attribute, so charts are shown as HTML: a screen
    reader reads ``alt``, and on a narrow screen the chart keeps a legible size inside its
    own horizontal scroll box instead of shrinking its text below reading size.

    >>> html = chart_html(b"\\x89PNG", "覆盖率<图>")
    >>> 'alt="覆盖率&lt;图&gt;"' in html, "data:image/png;base64," in html
    (True, True)
    """
    if not png:
        return ""
    payload = base64.b64encode(png).decode("ascii")
    return (f'<div class="pbkit-chart"><img src="data:image/png;base64,{payload}" '
            f'alt="{esc(alt)}" title="{esc(alt)}" style="width:100%;max-width:{max_width};'
            f'min-width:min(560px,100%)"></div>')


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}"


def query_params() -> dict[str, str]:
    """The page's URL query parameters, as Voila passes them to the kernel.

    Voila puts the request's query string into the kernel environment as ``QUERY_STRING``
    (absent in a plain notebook or with a preheated kernel). Only the first value of each
    parameter is kept.

    >>> os.environ["QUERY_STRING"] = "trainee=T-07&x=1"
    >>> query_params()["trainee"]
    'T-07'
    >>> del os.environ["QUERY_STRING"]
    """
    raw = os.environ.get("QUERY_STRING", "")
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=False).items() if v}


def when_link_known(callback: Callable[[dict[str, str]], None]) -> bool:
    """Call ``callback(query_params())`` once the page's link is known to a preheated kernel.

    A preheated kernel (``pbkit serve --preheat N``) runs the app before anyone asks for
    the page, so ``QUERY_STRING`` is not set when the app is built. Voila sends the
    request's details to that kernel when a page takes it; this waits for them in a daemon
    thread (Voila's ``wait_for_request``) and then calls ``callback`` with the parameters.
    Returns ``True`` if a wait was started, ``False`` for an ordinary kernel, whose link
    was already known when the app was built.

    >>> os.environ.pop("VOILA_PREHEAT", None) and None
    >>> when_link_known(print)
    False
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return False

    def wait() -> None:
        try:
            from voila.utils import wait_for_request

            wait_for_request()
            callback(query_params())
        except Exception as exc:  # a missing link only loses the prefill, never the app
            print(f"pbkit.apps: page link not received: {type(exc).__name__}: {exc}",
                  file=sys.__stderr__, flush=True)

    threading.Thread(target=wait, name="pbkit-page-link", daemon=True).start()
    return True


# ---------------------------------------------------------------------------- charts


def _cjk_families() -> list[str]:
    """Font families for CJK chart text, registering a bundled CJK font when needed."""
    try:  # pbkit.charts is the one place the CJK font is found (system or bundled)
        from pbkit.charts import cjk_font_family

        return [cjk_font_family(), "DejaVu Sans"]
    except ImportError:  # pragma: no cover - pbkit.charts ships with pbkit
        return [_register_bundled_cjk(), "DejaVu Sans"]


@functools.cache
def _register_bundled_cjk() -> str:
    from matplotlib import font_manager

    try:
        import mplfonts

        path = os.path.join(os.path.dirname(mplfonts.__file__), "fonts",
                            "NotoSansCJKsc-Regular.otf")
        if os.path.exists(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    except ImportError:
        pass
    return "WenQuanYi Micro Hei"


def new_figure(width: float = 7.0, height: float = 4.5) -> Figure:
    """A matplotlib :class:`~matplotlib.figure.Figure` (no pyplot, no global state).

    >>> fig = new_figure(3, 2)
    >>> round(fig.get_figwidth())
    3
    """
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def figure_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes with a CJK font.

    Missing-glyph warnings (the boxes a Chinese label shows without a CJK font) are
    re-emitted as :class:`UserWarning` and written to the server's stderr, so tests and the
    server log catch them.

    >>> fig = new_figure(2, 1)
    >>> _ = fig.add_subplot().set_title("党支部")
    >>> figure_png(fig)[:4]
    b'\\x89PNG'
    """
    import io

    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    families = _cjk_families()
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    with rc_context({"font.family": families, "axes.unicode_minus": False}):
        for text in fig.findobj(lambda a: hasattr(a, "set_fontfamily")):
            try:
                text.set_fontfamily(families)
            except Exception:  # non-text artists
                pass
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(buf, format="png")
    for w in caught:
        message = str(w.message)
        if "missing from font" in message or "Glyph" in message:
            print(f"pbkit.apps missing glyph: {message}", file=sys.__stderr__, flush=True)
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return buf.getvalue()


# ---------------------------------------------------------------------------- shell


def guarded(method: Callable | None = None, *, busy: str | None = None):
    """Decorate a widget callback so that errors become a message in the app.

    Use as ``@guarded`` or ``@guarded(busy="apps.busy.key")``; with ``busy`` the call runs
    inside :meth:`AppShell.busy` with that label. The callback's first argument is the app.
    A :class:`~pbkit.errors.PbkitError` shows its localised message; any other exception
    shows ``apps.error.internal`` and logs the traceback on the server only.
    """

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(self: AppShell, *args: Any, **kwargs: Any) -> Any:
            if getattr(self, "_quiet", 0) and args and isinstance(args[0], dict):
                return None  # an observer fired by set_choices(): not a user action
            try:
                if busy:
                    with self.busy(busy):
                        return fn(self, *args, **kwargs)
                return fn(self, *args, **kwargs)
            except PbkitError as exc:
                self.show_error(exc.render(self.lang))
            except Exception as exc:  # a trainee must never see a traceback
                # the server log (the kernel's real stderr) gets the details, the page not
                print(f"pbkit.apps error in {fn.__qualname__}: {type(exc).__name__}: {exc}\n"
                      f"{traceback.format_exc()}", file=sys.__stderr__, flush=True)
                self.show_error(self.tr("apps.error.internal", kind=type(exc).__name__))
            return None

        return wrapper

    return decorate(method) if method is not None else decorate


class AppShell:
    """Header (title, language switch, larger-text switch), message line, progress, body.

    Subclasses set ``TITLE_KEY``, fill ``self.body.children`` and override
    :meth:`relabel` (set every widget label in ``self.lang``) and :meth:`rerender`
    (redraw result views in ``self.lang``).

    Parameters
    ----------
    lang : str, optional
        ``"zh"`` or ``"en"``; default from ``PBKIT_LANG``, else zh.
    """

    TITLE_KEY = "apps.shell.title"

    def __init__(self, lang: str | None = None) -> None:
        self.lang = resolve_lang(lang)
        self._busy_depth = 0
        self._threads: list[threading.Thread] = []
        self._busy_lock = threading.RLock()
        self.style = W.HTML(STYLE)
        self.title = W.HTML()
        self.lang_toggle = W.ToggleButtons(options=[("中文", "zh"), ("English", "en")],
                                           value=self.lang, style={"button_width": "6.5em"})
        self.large_toggle = W.ToggleButton(value=False, layout=W.Layout(width="auto"))
        self.message = W.HTML()  # stretched by the column; 100% + margins would overflow
        self.busy_label = W.HTML()
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0, bar_style="info",
                                        layout=W.Layout(width="240px"))
        self.busy_box = W.HBox([self.busy_label, self.progress],
                               layout=W.Layout(display="none", align_items="center"))
        self.body = W.VBox()
        # runs the page script that keeps <html lang> and the page title in the app language
        self.page_script = W.Output(layout=W.Layout(display="none"))
        self._link_params: dict[str, str] = {}
        controls = W.HBox([self.lang_toggle, self.large_toggle],
                          layout=W.Layout(align_items="center", flex_flow="row wrap"))
        header = W.HBox([self.title, controls],
                        layout=W.Layout(justify_content="space-between", align_items="center",
                                        flex_flow="row wrap"))
        self.root = W.VBox([self.style, header, self.message, self.busy_box, self.body,
                            self.page_script])
        self.root.add_class("pbkit-app")
        self.lang_toggle.observe(self._on_lang, "value")
        self.large_toggle.observe(self._on_large, "value")
        self._relabel_shell()

    # -- language -------------------------------------------------------------------

    def tr(self, key: str, **params: Any) -> str:
        """Message ``key`` in the app's current language."""
        return t(key, lang=self.lang, **params)

    def set_lang(self, lang: str) -> None:
        """Switch the whole app to ``lang`` (``"zh"`` or ``"en"``)."""
        code = normalize_lang(lang) or self.lang
        if self.lang_toggle.value != code:
            self.lang_toggle.value = code  # observer does the rest
        else:
            self._apply_lang(code)

    def _on_lang(self, change: dict) -> None:
        self._apply_lang(change["new"])

    def _apply_lang(self, code: str) -> None:
        self.lang = code
        self.clear_message()
        self._relabel_shell()
        self._sync_page()
        try:
            self.relabel()
            self.rerender()
        except Exception as exc:  # never a traceback on the page
            log_error(f"{type(self).__name__}.relabel")
            self.show_error(self.tr("apps.error.internal", kind=type(exc).__name__))

    def page_js(self) -> str:
        """Script that sets ``<html lang>`` (``zh-CN`` / ``en``) and the page title.

        >>> AppShell(lang="en").page_js()
        'document.documentElement.lang="en";document.title="pbkit";'
        """
        import json

        tag = "zh-CN" if self.lang == "zh" else "en"
        js = (f"document.documentElement.lang={json.dumps(tag)};"
              f"document.title={json.dumps(self.tr(self.TITLE_KEY), ensure_ascii=False)};")
        if self._link_params:  # keep them in the address, so a reload finds the same work
            js += ("(function(p){var u=new URL(window.location.href);"
                   "Object.keys(p).forEach(function(k){u.searchParams.set(k,p[k]);});"
                   "window.history.replaceState(null,'',u.toString());})("
                   f"{json.dumps(self._link_params)});")
        return js

    def link_workspace(self, app: str, params: dict[str, str], key: str | None = None) -> Any:
        """The workspace (:mod:`pbkit.store.workspace`) keeping this page's work.

        With ``key`` (derived on the server, e.g. from the trainee's identity) that one;
        otherwise the one the link names (``?ws=``), or a new one whose key is put into the
        page's address so that a reload finds it.
        """
        from pbkit.store.workspace import new_key, open_workspace, valid_key

        if key is None:
            named = params.get("ws", "")
            key = named if valid_key(named) else new_key()
            self.set_link_param("ws", key)
        return open_workspace(app, key)

    def set_link_param(self, name: str, value: str) -> None:
        """Put ``name=value`` into the page's address (without reloading the page)."""
        self._link_params[name] = value
        self._sync_page()

    def _sync_page(self) -> None:
        from IPython.display import Javascript

        # set, not captured: a preheated kernel calls this from its page-link thread
        self.page_script.outputs = ()
        self.page_script.append_display_data(Javascript(self.page_js()))

    def _relabel_shell(self) -> None:
        self.title.value = f"<h2>{esc(self.tr(self.TITLE_KEY))}</h2>"
        self.large_toggle.description = self.tr("apps.shell.large")
        self.large_toggle.tooltip = self.tr("apps.shell.large_tip")
        self.lang_toggle.tooltips = [self.tr("apps.lang.label")] * 2

    def relabel(self) -> None:
        """Set every label of the app in ``self.lang`` (subclasses override)."""

    def rerender(self) -> None:
        """Redraw result views in ``self.lang`` (subclasses override)."""

    # -- projector --------------------------------------------------------------------

    def _on_large(self, change: dict) -> None:
        if change["new"]:
            self.root.add_class("pbkit-large")
        else:
            self.root.remove_class("pbkit-large")

    # -- messages ----------------------------------------------------------------------

    def _show(self, kind: str, text: str) -> None:
        role = ' role="alert"' if kind == "error" else ""
        self.message.value = (f'<div class="pbkit-msg pbkit-msg-{kind}"{role}>'
                              f"{esc(text)}</div>")

    def show_error(self, text: str) -> None:
        """Show ``text`` (plain text; escaped here) as an error message."""
        self._show("error", text)

    def show_info(self, text: str) -> None:
        """Show ``text`` as an information message."""
        self._show("info", text)

    def show_ok(self, text: str) -> None:
        """Show ``text`` as a success message."""
        self._show("ok", text)

    def clear_message(self) -> None:
        self.message.value = ""

    @property
    def message_text(self) -> str:
        """The message currently shown, as plain text (for tests and logs)."""
        import re

        return html.unescape(re.sub(r"<[^>]+>", "", self.message.value))

    # -- progress -------------------------------------------------------------------

    @contextmanager
    def busy(self, key: str, **params: Any) -> Iterator[Callable[..., None]]:
        """Show a spinner, the label ``key`` and a progress bar while the block runs.

        Yields ``step(fraction, key=None, **params)`` to move the bar (0..1) and change
        the label. Widget state is sent to the browser as it changes, so the indicator is
        visible while the kernel works.
        """

        def step(fraction: float, key: str | None = None, **p: Any) -> None:
            self.progress.value = max(0.0, min(1.0, float(fraction)))
            if key:
                self._busy_text(key, **p)

        with self._busy_lock:
            self._busy_depth += 1
            if self._busy_depth == 1:
                self.progress.value = 0.05
                self._busy_text(key, **params)
                self.busy_box.layout.display = "flex"
        try:
            yield step
        finally:
            with self._busy_lock:
                self._busy_depth -= 1
                if self._busy_depth == 0:
                    self.progress.value = 1.0
                    self.busy_box.layout.display = "none"
                    self.busy_label.value = ""

    def _busy_text(self, key: str, **params: Any) -> None:
        self.busy_label.value = (f'<span class="pbkit-spinner"></span>'
                                 f"<span>{esc(self.tr(key, **params))}</span>")

    @property
    def is_busy(self) -> bool:
        return self._busy_depth > 0

    # -- background work ------------------------------------------------------------

    def run_later(self, fn: Callable[..., Any], *args: Any) -> threading.Thread | None:
        """Run ``fn(*args)`` in a background thread when inside a kernel, else right now.

        Voila shows a page only once its cell has finished, so slow first work (loading a
        dataset, warming the scorer) runs after the app is displayed: the page appears at
        once with the progress indicator, and widget updates from the thread reach the
        browser as they happen. ``PBKIT_APPS_SYNC=1`` forces synchronous runs. Returns the
        thread (or ``None`` when run synchronously).
        """
        if not _in_kernel() or os.environ.get("PBKIT_APPS_SYNC") == "1":
            fn(*args)
            return None
        thread = threading.Thread(target=fn, args=args, daemon=True,
                                  name=f"pbkit-{type(self).__name__}")
        thread.start()
        self._threads.append(thread)
        return thread

    def run_when_shown(self, fn: Callable[..., Any], *args: Any,
                       wait_s: float = FIRST_VIEW_WAIT_S) -> threading.Thread | None:
        """Like :meth:`run_later`, but the thread starts ``fn`` only once the browser shows
        the app (or after ``wait_s`` seconds without a view, e.g. on a preheated kernel
        nobody has opened yet).

        Slow first work started right away competes with the page's own start-up for the
        kernel (Python's GIL) and, on a small server, for the CPU: the browser would wait
        longer for the widget state it needs to draw anything. Waiting for the first view
        puts the page first and the data a moment later, with the progress indicator shown.
        """
        if not _in_kernel() or os.environ.get("PBKIT_APPS_SYNC") == "1":
            fn(*args)
            return None
        shown = first_view_event(self.root)

        def later() -> None:
            shown.wait(wait_s)
            fn(*args)

        return self.run_later(later)

    def wait_background(self, timeout: float | None = None) -> None:
        """Wait for background work started by :meth:`run_later`."""
        for thread in list(self._threads):
            thread.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]

    # -- helpers ----------------------------------------------------------------------

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Inside the block, observers decorated with :func:`guarded` do nothing."""
        self._quiet = getattr(self, "_quiet", 0) + 1
        try:
            yield
        finally:
            self._quiet -= 1

    def set_choices(self, widget: W.Widget, options: Sequence[Any], value: Any = None) -> Any:
        """Replace a selection widget's options and choose ``value`` (if offered), else the
        first option, without running the app's observers. Returns the chosen value."""
        with self.quiet():
            widget.options = list(options)
            values = [o[1] if isinstance(o, tuple) else o for o in options]
            if value in values:
                widget.value = value
            elif values:
                widget.value = values[0]
            else:
                widget.value = None
        return widget.value

    @classmethod
    def launch(cls, **kwargs: Any) -> None:
        """Build and display the app; if building fails, display a localised error box.

        This is what the app notebooks call, so a broken store or data file shows one
        message on the page instead of a failed cell. Returns ``None`` (so the notebook
        cell does not display the app a second time).
        """
        from IPython.display import HTML, display

        try:
            app = cls(**kwargs)
        except Exception as exc:
            if isinstance(exc, PbkitError):
                text = exc.render()
            else:
                print(f"pbkit.apps error in {cls.__name__}(): {type(exc).__name__}: {exc}\n"
                      f"{traceback.format_exc()}", file=sys.__stderr__, flush=True)
                text = t("apps.error.internal", kind=type(exc).__name__)
            display(HTML(STYLE + '<div class="pbkit-app"><div class="pbkit-msg '
                         f'pbkit-msg-error" role="alert">{esc(text)}</div></div>'))
            return
        app.show()

    def show(self) -> None:
        """Display the app in the notebook / Voila page."""
        from IPython.display import display

        display(self.root)
        self._sync_page()

    def _ipython_display_(self) -> None:  # pragma: no cover - notebook only
        self.show()

    def all_widgets(self) -> list[W.Widget]:
        """Every widget reachable from the app's root (for tests and state checks)."""
        seen: dict[str, W.Widget] = {}
        stack: list[Any] = [self.root]
        while stack:
            w = stack.pop()
            if not isinstance(w, W.Widget) or w.model_id in seen:
                continue
            seen[w.model_id] = w
            for name in w.keys:
                value = getattr(w, name, None)
                if isinstance(value, W.Widget):
                    stack.append(value)
                elif isinstance(value, (list, tuple)):
                    stack.extend(v for v in value if isinstance(v, W.Widget))
        return list(seen.values())

    def browser_state(self) -> str:
        """All widget state the browser receives, as one string (for leak checks)."""
        import json

        parts = []
        for w in self.all_widgets():
            state = w.get_state()
            clean = {k: v for k, v in state.items()
                     if not isinstance(v, (bytes, bytearray, memoryview))}
            parts.append(json.dumps(clean, ensure_ascii=False, default=str))
        return "\n".join(parts)


def log_error(context: str) -> None:
    """Write the current exception's traceback to the server log (the kernel's real
    stderr, which Voila's log receives), never to the page."""
    print(f"pbkit.apps error in {context}:\n{traceback.format_exc()}", file=sys.__stderr__,
          flush=True)


def first_view_event(widget: W.DOMWidget) -> threading.Event:
    """An event set when the front end has drawn a first view of ``widget``.

    Uses ipywidgets' view tracking: once ``_view_count`` is a number, the front end adds
    one to it (and sends it back to the kernel) whenever it creates a view of the widget.

    >>> box = W.VBox()
    >>> shown = first_view_event(box)
    >>> shown.is_set()
    False
    >>> box._view_count = 1  # what the browser sends when it draws the box
    >>> shown.is_set()
    True
    """
    event = threading.Event()
    if widget._view_count is None:
        widget._view_count = 0

    def seen(change: dict) -> None:
        if change["new"]:
            event.set()
            widget.unobserve(seen, "_view_count")

    if widget._view_count:
        event.set()
    else:
        widget.observe(seen, "_view_count")
    return event


def _in_kernel() -> bool:
    """Whether this code runs inside an IPython kernel (notebook or Voila)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def options_for(codes: Sequence[str], lang: str | None) -> list[tuple[str, str]]:
    """Dropdown options ``(label, code)`` for schema codes."""
    return [(enum_label(c, lang), c) for c in codes]
