"""The course kit a trainer carries to a party school: slides, handouts and course plans.

:func:`build_kit` executes every trainee notebook once per language on the bundled
sample dataset and writes, under ``OUT``::

    index.html                          what is in the kit, with links
    <lang>/slides/<NN>-<id>.html        projector mode: reveal.js, code hidden, charts large
    <lang>/handouts/<NN>-<id>.html      A4 worksheet (and .pdf with Chromium)
    <lang>/trainer/<NN>-<id>.html       the trainer's sheet: timing, expected answers, notes
    <lang>/plans/<plan>.html            course plans with times and materials

Every file is self-contained and fetches nothing from another host: reveal.js 4.6 (MIT,
from the npm package, in ``pbkit/lessons/static/reveal``) and the charts (PNG) are inlined,
pages use the machine's Chinese font (WenQuanYi Micro Hei / Noto Sans CJK), and a widget is
never left as an empty box: its place shows the static content and where to open the live
app (a link when ``app_url`` is given).

>>> _split_blocks("a\\n\\nb", 10)
['a\\n\\nb']
"""

from __future__ import annotations

import base64
import copy
import html
import shutil
from dataclasses import dataclass
from pathlib import Path

from pbkit.errors import PbkitError
from pbkit.i18n import t
from pbkit.lessons.build import parse_langs
from pbkit.lessons.model import Lesson

__all__ = ["KitResult", "build_kit", "executed_lesson", "slides_html", "handout_html",
           "plan_html", "glossary_terms", "chromium_path", "STATIC_DIR", "FONT_STACK"]

STATIC_DIR = Path(__file__).with_name("static")
TEMPLATE_DIR = Path(__file__).with_name("templates")
FONT_STACK = ('"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", '
              '"Microsoft YaHei", "PingFang SC", sans-serif')
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_HTML_LANG = {"zh": "zh-CN", "en": "en"}


def _tr(lang: str):
    return lambda key, **kw: t(key, lang=lang, **kw)


def _md(text: str) -> str:
    import re

    from nbconvert.filters.markdown import markdown2html_mistune

    return re.sub(r'<a class="anchor-link"[^>]*>.*?</a>', "", markdown2html_mistune(text))


# -- executing a lesson and making its outputs static --------------------------------------

def executed_lesson(lesson: Lesson, lang: str, timeout: float = 180.0,
                    course=None, app_url: str | None = None):
    """The trainee notebook of ``lesson`` run top to bottom, every widget made static.

    Raises :class:`~pbkit.errors.PbkitError` (``kit.err.run``) naming the lesson and cell
    when the notebook fails.
    """
    import tempfile

    from pbkit.lessons.build import notebook_bytes
    from pbkit.lessons.check import execute_notebook

    with tempfile.TemporaryDirectory(prefix="pbkit-kit-") as tmp:
        path = Path(tmp) / f"{lesson.slug}.ipynb"
        path.write_bytes(notebook_bytes(lesson, lang, course))
        nb, _seconds, failure = execute_notebook(path, timeout)
    if failure is not None:
        kind, cell, detail = failure
        raise PbkitError("kit.err.run", lesson=lesson.id, lang=lang, cell=cell or "",
                         detail=detail)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = _static_outputs(cell, lesson, lang, app_url)
    nb.metadata.pop("widgets", None)  # the widget state needs a widget manager from a CDN
    return nb


def live_link(lesson: Lesson, lang: str, app_url: str | None) -> str:
    """Where the live lesson is: its notebook under ``app_url`` (the JupyterLab of
    ``pbkit lab``, which serves ``notebooks/``), else the notebook's path.

    >>> from pbkit.lessons.loader import get_lesson
    >>> live_link(get_lesson("attention"), "zh", "http://10.0.0.2:8888")
    'http://10.0.0.2:8888/lab/tree/lessons/zh/04-attention.ipynb'
    """
    if app_url:
        base = app_url if app_url.endswith("/") else app_url + "/"
        return f"{base}lab/tree/lessons/{lang}/{lesson.slug}.ipynb"
    return f"notebooks/lessons/{lang}/{lesson.slug}.ipynb"


def _card(lesson: Lesson, lang: str, app_url: str | None, inner: str = "") -> str:
    tr = _tr(lang)
    link = live_link(lesson, lang, app_url)
    where = (f'<a href="{html.escape(link)}">{html.escape(link)}</a>' if app_url
             else tr("kit.widget.where", number=lesson.number, path=f"<code>{link}</code>"))
    return (f'<div class="pbkit-static"><p class="pbkit-static-title">'
            f'{html.escape(tr("kit.widget.title"))}</p>{inner}'
            f'<p>{tr("kit.widget.body", where=where)}</p>{_qr(link) if app_url else ""}</div>')


def _qr(link: str) -> str:
    """An inline SVG QR code of ``link`` when :mod:`segno` is installed, else nothing."""
    try:
        import segno
    except ImportError:
        return ""
    svg = segno.make(link, error="m").svg_inline(scale=3)
    return f'<div class="pbkit-qr">{svg}</div>'


def quiz_html(lesson: Lesson, lang: str, worksheet: bool = False) -> str:
    """The quiz as printed questions with empty boxes (never the answers)."""
    tr = _tr(lang)
    items = []
    for q in lesson.quiz:
        hint = tr("kit.handout.order_hint") if q.kind == "ordering" else ""
        body = f"<p>{html.escape(q.prompt.get(lang).strip())} <em>{html.escape(hint)}</em></p>"
        if q.choices:
            body += '<ul class="choices">' + "".join(
                f"<li>☐ {html.escape(c.text.get(lang))}</li>" for c in q.choices) + "</ul>"
        elif worksheet:
            body += '<div class="write lines4"></div>'
        items.append(f"<li>{body}</li>")
    return f'<ol class="quiz">{"".join(items)}</ol>'


def _static_outputs(cell, lesson: Lesson, lang: str, app_url: str | None) -> list:
    """The outputs of a code cell as a static page shows them: charts, tables, cards."""
    from nbformat.v4 import new_output

    outs, has_widget = [], False
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            continue
        data = out.get("data", {})
        if _WIDGET_MIME in data:
            has_widget = True
        elif "image/png" in data:
            outs.append(new_output("display_data", {"image/png": data["image/png"]}))
        elif "text/html" in data:
            outs.append(new_output("display_data", {"text/html": data["text/html"]}))
        elif "text/plain" in data and out.get("output_type") == "execute_result":
            outs.append(new_output("display_data", {"text/plain": data["text/plain"]}))
    if has_widget:
        inner = quiz_html(lesson, lang) if "lesson_quiz" in cell.source else ""
        outs.append(new_output("display_data",
                               {"text/html": _card(lesson, lang, app_url, inner)}))
    return outs


# -- slides -------------------------------------------------------------------------------

_SLIDE_BUDGET = {"zh": 300, "en": 650}
_SLIDE_ROWS = 12


def _split_blocks(text: str, budget: int) -> list[str]:
    """Split Markdown at blank lines into chunks of at most ``budget`` characters."""
    blocks: list[str] = []
    for block in text.split("\n\n"):  # a heading stays with what follows it
        if blocks and blocks[-1].startswith("#") and "\n" not in blocks[-1]:
            blocks[-1] += "\n\n" + block
        else:
            blocks.append(block)
    chunks, cur = [], ""
    for block in blocks:
        if cur and len(cur) + len(block) > budget:
            chunks.append(cur)
            cur = block
        else:
            cur = f"{cur}\n\n{block}" if cur else block
    return chunks + ([cur] if cur else [])


def _quiz_slides(lesson: Lesson, lang: str) -> list[str]:
    """One slide per quiz question, choices with empty boxes, no answer."""
    tr = _tr(lang)
    out = []
    for i, q in enumerate(lesson.quiz, 1):
        lines = [f"### {tr('lessons.nb.quiz')} {i}/{len(lesson.quiz)}", "",
                 q.prompt.get(lang).strip()]
        if q.kind == "ordering":
            lines += ["", f"*{tr('kit.handout.order_hint')}*"]
        lines += [""] + [f"☐ {c.text.get(lang)}  " for c in q.choices]
        out.append("\n".join(lines))
    return out


def _slide_notebook(nb, lang: str, lesson: Lesson | None = None):
    """Mark slides: each heading a slide, long text split, each output its own slide,
    one slide per quiz question."""
    import re

    from nbformat.v4 import new_markdown_cell

    deck = copy.deepcopy(nb)
    cells = []
    for i, cell in enumerate(deck.cells):
        if cell.cell_type == "code" and lesson is not None and "lesson_quiz" in cell.source:
            for text in _quiz_slides(lesson, lang):
                cells.append(new_markdown_cell(text, metadata={
                    "slideshow": {"slide_type": "subslide"}}))
            for out in cell.outputs:
                if "text/html" in out.get("data", {}):
                    out["data"]["text/html"] = re.sub(r'<ol class="quiz">.*?</ol>', "",
                                                      out["data"]["text/html"], flags=re.S)
        if cell.cell_type == "code":
            kind = "subslide" if cell.outputs and i > 1 else "skip"
            cell.metadata["slideshow"] = {"slide_type": kind}
            cells.append(cell)
            continue
        blocks = cell.source.split("\n\n")
        text = "\n\n".join(b for b in blocks if not b.startswith(">"))
        rules = "\n\n".join(b for b in blocks if b.startswith(">"))
        parts = _split_blocks(text, _SLIDE_BUDGET[lang]) + ([rules] if rules else [])
        for j, part in enumerate(parts):
            new = new_markdown_cell(part)
            new.metadata["slideshow"] = {
                "slide_type": "slide" if j == 0 and part.startswith(("# ", "## ")) else
                "subslide"}
            cells.append(new)
    for i, cell in enumerate(cells):
        cell.id = f"slide-{i:03d}"
        for out in cell.get("outputs", []):
            if "text/html" in out.get("data", {}):
                out["data"]["text/html"] = _head_rows(out["data"]["text/html"], lang)
    deck.cells = cells
    return deck


def _head_rows(table_html: str, lang: str) -> str:
    """A long table cut to its first rows for the projector (the handout has it all)."""
    import re

    rows = [m.start() for m in re.finditer(r"<tr", table_html)]
    if len(rows) <= _SLIDE_ROWS + 1:
        return table_html
    cut = table_html[:rows[_SLIDE_ROWS + 1]]
    rest = table_html[table_html.rfind("</tbody>"):] if "</tbody>" in table_html else ""
    more = t("kit.slides.more_rows", lang=lang, n=len(rows) - 1 - _SLIDE_ROWS)
    return f"{cut}{rest}<p class=\"more\">{html.escape(more)}</p>"


def slides_html(nb, lesson: Lesson, lang: str) -> str:
    """The executed notebook as a self-contained reveal.js deck (code hidden)."""
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(template_name="pbkit_reveal",
                              extra_template_basedirs=[str(TEMPLATE_DIR)])
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    reveal = STATIC_DIR / "reveal"
    resources = {"pbkit": {
        "reveal_js": (reveal / "reveal.js").read_text(encoding="utf-8"),
        "reveal_css": (reveal / "reveal.css").read_text(encoding="utf-8"),
        "css": (STATIC_DIR / "slides.css").read_text(encoding="utf-8"),
        "font": FONT_STACK, "html_lang": _HTML_LANG[lang],
        "title": t("lessons.nb.lesson_title", lang=lang, number=lesson.number,
                   title=lesson.title.get(lang))}}
    body, _ = exporter.from_notebook_node(_slide_notebook(nb, lang, lesson),
                                          resources=resources)
    return body


# -- handouts ------------------------------------------------------------------------------

def glossary_terms(lesson: Lesson, lang: str, path: str | Path | None = None) -> list:
    """``(term, meaning)`` pairs of ``lessons/glossary.yaml`` that occur in the lesson."""
    from pbkit.yamlconf import read_yaml

    path = Path(path or _data_file("glossary.yaml"))
    terms = (read_yaml(path, path.name) or {}).get("terms") or []
    text = _lesson_text(lesson, lang).lower()
    found = []
    for entry in terms:
        keys = [entry["term"][lang], *(entry.get("match") or {}).get(lang, [])]
        if any(k.lower() in text for k in keys):
            found.append((entry["term"][lang], entry["meaning"][lang]))
    return found


def _data_file(name: str) -> Path:
    from pbkit.data.sample import repo_root
    from pbkit.lessons.loader import lessons_dir

    path = lessons_dir() / name
    return path if path.exists() else repo_root() / "lessons" / name


def _lesson_text(lesson: Lesson, lang: str) -> str:
    parts = [lesson.title.get(lang), *(o.get(lang) for o in lesson.objectives)]
    for s in lesson.sections:
        parts += [s.title.get(lang), s.body.get(lang), *(r.text.get(lang) for r in s.rules)]
    parts.append(lesson.data_exercise.task.get(lang))
    if lesson.discussion:
        parts += [lesson.discussion.task.get(lang), *(p.get(lang) for p in
                                                      lesson.discussion.prompts)]
    return "\n".join(parts)


def _output_html(out) -> str:
    data = out.get("data", {})
    if "image/png" in data:
        png = data["image/png"]
        png = png if isinstance(png, str) else base64.b64encode(png).decode()
        return f'<img class="chart" alt="" src="data:image/png;base64,{png.strip()}">'
    if "text/html" in data:
        return f'<div class="table">{data["text/html"]}</div>'
    return f'<pre>{html.escape(data.get("text/plain", ""))}</pre>'


def _references_html(lesson: Lesson, lang: str) -> str:
    from pbkit.references import format_basis

    tr = _tr(lang)
    rows = [f"<li>{html.escape(r.text.get(lang))}<br><small>{tr('references.label')}"
            f"{tr('lessons.nb.colon')}{html.escape(format_basis(r.basis, lang))}</small></li>"
            for r in lesson.rules]
    if not rows:
        return ""
    return (f"<h2>{tr('kit.handout.references')}</h2><p class=\"note\">"
            f"{tr('kit.handout.references_note')}</p><ol class=\"refs\">{''.join(rows)}</ol>")


def _worksheet_html(nb, lesson: Lesson, lang: str, start: int, app_url: str | None) -> str:
    tr = _tr(lang)
    ex = lesson.data_exercise
    parts = [f"<h2>{tr('lessons.nb.exercises')}</h2>",
             f"<h3>{tr('lessons.nb.data_exercise')}</h3>", _md(ex.task.get(lang))]
    outputs = [o for c in nb.cells[start:] if c.cell_type == "code"
               and "roleplay_exercise" not in c.source and "lesson_quiz" not in c.source
               for o in c.outputs]
    parts += [_output_html(o) for o in outputs]
    parts.append(f'<div class="write lines6"><span>{tr("kit.handout.write_here")}</span></div>')
    if lesson.roleplay is not None:
        parts += [f"<h3>{tr('lessons.nb.roleplay')}</h3>", _md(lesson.roleplay.task.get(lang)),
                  _card(lesson, lang, app_url),
                  '<div class="write lines4"></div>']
    if lesson.discussion is not None:
        parts += [f"<h3>{tr('lessons.nb.discussion')}</h3>",
                  _md(lesson.discussion.task.get(lang)), "<ol>"]
        parts += [f'<li>{html.escape(p.get(lang))}<div class="write lines3"></div></li>'
                  for p in lesson.discussion.prompts]
        parts.append("</ol>")
    parts += [f"<h3>{tr('lessons.nb.quiz')}</h3>", quiz_html(lesson, lang, worksheet=True)]
    return "\n".join(parts)


def handout_html(nb, lesson: Lesson, lang: str, app_url: str | None = None) -> str:
    """The A4 handout of an executed lesson: content with charts, worksheet, glossary,
    references. Print-ready HTML using the machine's Chinese font."""
    tr = _tr(lang)
    heading = f"## {tr('lessons.nb.exercises')}"
    start = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "markdown" and c.source.startswith(heading)), len(nb.cells))
    parts = [f'<p class="kicker">{tr("kit.handout.worksheet")}</p>',
             f'<p class="name">{tr("kit.handout.name")}</p>']
    for cell in nb.cells[:start]:
        if cell.cell_type == "markdown":
            parts.append(_md(cell.source))
        else:
            parts += [_output_html(o) for o in cell.outputs]
    parts.append(_worksheet_html(nb, lesson, lang, start, app_url))
    terms = glossary_terms(lesson, lang)
    if terms:
        parts.append(f"<h2>{tr('kit.handout.glossary')}</h2><dl class=\"glossary\">"
                     + "".join(f"<dt>{html.escape(a)}</dt><dd>{html.escape(b)}</dd>"
                               for a, b in terms) + "</dl>")
    parts.append(_references_html(lesson, lang))
    title = t("lessons.nb.lesson_title", lang=lang, number=lesson.number,
              title=lesson.title.get(lang))
    return _page(title, lang, "handout.css", "\n".join(parts))


def _page(title: str, lang: str, css: str, body: str) -> str:
    style = (STATIC_DIR / css).read_text(encoding="utf-8").replace("FONT_STACK", FONT_STACK)
    return (f'<!DOCTYPE html>\n<html lang="{_HTML_LANG[lang]}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>\n{style}</style>\n</head>\n"
            f'<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n')


def trainer_sheet_html(lesson: Lesson, lang: str, course=None) -> str:
    """The trainer's printed sheet: heading, timing, expected answers, notes (no run needed).

    Built from the trainer edition's marked cells, so it says what the trainer notebook says.
    """
    from pbkit.lessons.build import TRAINER_MARKER, lesson_notebook

    nb = lesson_notebook(lesson, lang, course, "trainer")
    cells = [nb.cells[0].source] + [c.source.replace(TRAINER_MARKER, "", 1) for c in nb.cells
                                    if c.source.startswith(TRAINER_MARKER)]
    title = t("lessons.nb.lesson_title", lang=lang, number=lesson.number,
              title=lesson.title.get(lang))
    return _page(title, lang, "handout.css", f'<p class="kicker">{_tr(lang)("kit.trainer.sheet")}'
                 "</p>" + "\n".join(_md(c) for c in cells))


# -- course plans --------------------------------------------------------------------------

def _slot_html(slot, lang: str, lessons: dict, scenarios: dict, rel: str) -> tuple[str, str]:
    tr = _tr(lang)
    if slot.kind == "lesson":
        x = lessons[slot.lesson]
        name = tr("kit.plan.lesson_slot", number=x.number, title=x.title.get(lang))
        mats = [f'<a href="{rel}slides/{x.slug}.html">{tr("kit.plan.slides")}</a>',
                f'<a href="{rel}handouts/{x.slug}.html">{tr("kit.plan.handout")}</a>',
                f'<a href="{rel}trainer/{x.slug}.html">{tr("kit.plan.trainer_sheet")}</a>']
        return html.escape(name), tr("lessons.nb.list_sep").join(mats)
    if slot.kind == "roleplay":
        name = tr("kit.plan.roleplay_slot", title=scenarios.get(slot.scenario, {}).get(
            lang, slot.scenario))
    else:
        name = slot.title.get(lang) if slot.title else tr(f"kit.plan.kind.{slot.kind}")
    mats = html.escape(slot.materials.get(lang)) if slot.materials else ""
    return html.escape(name), mats


def plan_html(plan, lessons, lang: str) -> str:
    """A printable course plan: per day, each slot's time, minutes and materials."""
    from pbkit.lessons.loader import scenarios_dir
    from pbkit.lessons.plans import TEACHING_KINDS, clock
    from pbkit.yamlconf import read_yaml

    tr = _tr(lang)
    by_id = {x.id: x for x in lessons}
    scenarios = {p.stem: (read_yaml(p, p.name) or {}).get("title")
                 or {} for p in sorted(scenarios_dir().glob("*.yaml"))}
    parts = [f'<p class="kicker">{tr("kit.plan.title")}</p><h1>{html.escape(plan.title.get(lang))}'
             f"</h1><p>{html.escape(plan.summary.get(lang))}</p>",
             f'<p><strong>{tr("kit.plan.teaching", hours=f"{plan.teaching_minutes / 60:.1f}", minutes=plan.teaching_minutes)}</strong></p>']
    for n, day in enumerate(plan.days, 1):
        if len(plan.days) > 1:
            parts.append(f"<h2>{tr('kit.plan.day', n=n)}</h2>")
        parts.append(f'<table class="plan"><thead><tr><th>{tr("kit.plan.time_col")}</th>'
                     f'<th>{tr("kit.plan.slot_col")}</th><th>{tr("kit.plan.minutes_col")}</th>'
                     f'<th>{tr("kit.plan.materials_col")}</th></tr></thead><tbody>')
        for slot in day.slots:
            name, mats = _slot_html(slot, lang, by_id, scenarios, "../")
            cls = ' class="teach"' if slot.kind in TEACHING_KINDS else ""
            parts.append(f"<tr{cls}><td>{clock(slot.start)}–{clock(slot.end)}</td>"
                         f"<td>{name}</td><td>{slot.minutes}</td><td>{mats}</td></tr>")
        parts.append("</tbody></table>")
    return _page(plan.title.get(lang), lang, "handout.css", "\n".join(parts))


# -- the kit -------------------------------------------------------------------------------

@dataclass(frozen=True)
class KitResult:
    """Files :func:`build_kit` wrote."""

    files: tuple[Path, ...]
    pdfs: tuple[Path, ...] = ()


def chromium_path() -> str | None:
    """The Chromium used for PDFs (``PBKIT_CHROMIUM`` overrides), or ``None``."""
    import os

    return os.environ.get("PBKIT_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser") or shutil.which("google-chrome")


def print_pdf(html_path: Path, pdf_path: Path, timeout: float = 120.0) -> Path:
    """Print ``html_path`` to an A4 PDF with headless Chromium (fonts embedded)."""
    import subprocess
    import tempfile

    exe = chromium_path()
    if exe is None:
        raise PbkitError("kit.err.no_chromium")
    with tempfile.TemporaryDirectory(prefix="pbkit-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-extensions",
               f"--user-data-dir={profile}", "--no-pdf-header-footer",
               f"--print-to-pdf={pdf_path}", html_path.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not pdf_path.exists():
        raise PbkitError("kit.err.pdf", file=str(pdf_path),
                         detail=(proc.stderr.decode(errors="replace").strip().splitlines()
                                 or [""])[-1])
    return pdf_path


def _index_html(lessons, plans, langs) -> str:
    parts = []
    for lang in langs:
        tr = _tr(lang)
        parts.append(f'<section lang="{_HTML_LANG[lang]}"><h1>{tr("kit.index.title")}</h1>'
                     f"<p>{tr('kit.index.intro')}</p><ul>")
        for p in plans:
            parts.append(f'<li><a href="{lang}/plans/{p.id}.html">'
                         f"{html.escape(p.title.get(lang))}</a></li>")
        parts.append("</ul><table class=\"plan\"><tbody>")
        for x in lessons:
            title = t("lessons.nb.lesson_title", lang=lang, number=x.number,
                      title=x.title.get(lang))
            parts.append(f"<tr><td>{html.escape(title)}</td>"
                         f'<td><a href="{lang}/slides/{x.slug}.html">{tr("kit.plan.slides")}</a>'
                         f'</td><td><a href="{lang}/handouts/{x.slug}.html">'
                         f'{tr("kit.plan.handout")}</a></td><td><a href="{lang}/trainer/'
                         f'{x.slug}.html">{tr("kit.plan.trainer_sheet")}</a></td></tr>')
        parts.append("</tbody></table></section>")
    return _page(t("kit.index.title", lang=langs[0]), langs[0], "handout.css",
                 "\n".join(parts))


def build_kit(out: str | Path, lang="all", *, only=None, pdf: bool = True,
              app_url: str | None = None, timeout: float = 180.0, progress=None) -> KitResult:
    """Build the course kit into ``out``.

    Parameters
    ----------
    out : path
        Output folder (created).
    lang : {"zh", "en", "all"}
        Languages (default both).
    only : sequence of str, optional
        Lesson ids or slugs (default every lesson).
    pdf : bool
        Also print each handout to PDF with headless Chromium (skipped when there is none).
    app_url : str, optional
        Base URL of the JupyterLab (``pbkit lab``) the trainees use
        (``http://192.168.1.10:8888/``); widgets' places in handouts and slides then link
        (and, with ``segno``, show a QR code) to the live lesson.
    timeout : float
        Seconds allowed per notebook run.
    progress : callable, optional
        Called as ``progress(lesson_id, lang)`` after each lesson.

    Returns
    -------
    KitResult
    """
    from pbkit.lessons.loader import load_lessons
    from pbkit.lessons.plans import load_plans

    langs = parse_langs(lang)
    course = load_lessons()
    plans = load_plans(lessons=course)
    lessons = [x for x in course if not only or x.id in only or x.slug in only]
    out = Path(out)
    files, pdfs = [], []

    def write(path: Path, text: str) -> None:
        from pbkit.lessons.build import _write_atomic

        _write_atomic(path, text.encode("utf-8"))
        path.chmod(0o644)  # a kit is copied to other machines and served: readable by all
        files.append(path)

    do_pdf = pdf and chromium_path() is not None
    for code in langs:
        for lesson in lessons:
            nb = executed_lesson(lesson, code, timeout, course, app_url)
            write(out / code / "slides" / f"{lesson.slug}.html", slides_html(nb, lesson, code))
            write(out / code / "trainer" / f"{lesson.slug}.html",
                  trainer_sheet_html(lesson, code, course))
            handout = out / code / "handouts" / f"{lesson.slug}.html"
            write(handout, handout_html(nb, lesson, code, app_url))
            if do_pdf:
                pdfs.append(print_pdf(handout, handout.with_suffix(".pdf")))
                pdfs[-1].chmod(0o644)
            if progress is not None:
                progress(lesson.id, code)
        for plan in plans:
            write(out / code / "plans" / f"{plan.id}.html", plan_html(plan, course, code))
    write(out / "index.html", _index_html(lessons, plans, langs))
    return KitResult(tuple(files), tuple(pdfs))
