"""The course kit: trainee and trainer editions, course plans, offline slides and handouts.

Fast tests check the committed editions and the plans; one module fixture builds the kit
for two lessons (one per language, each notebook executed once) and checks every artefact
as a file and in headless Chromium; the full kit (every lesson, both languages) is a slow
test.
"""

from __future__ import annotations

import html
import re
import shutil

import nbformat
import pytest

from pbkit.cli import main
from pbkit.errors import ConfigError
from pbkit.lessons.build import (
    TRAINER_MARKER,
    build,
    edition_dir,
    lesson_notebook,
    notebook_path,
    notebooks_dir,
)
from pbkit.lessons.check import check_sync
from pbkit.lessons.kit import build_kit, chromium_path
from pbkit.lessons.loader import lessons_dir, load_lessons
from pbkit.lessons.plans import TEACHING_KINDS, load_plans, plans_path

LESSONS = load_lessons()
BY_ID = {x.id: x for x in LESSONS}
_EXTERNAL = re.compile(r"""(?:https?:)?//(?!127\.0\.0\.1|localhost)[\w.-]+\.[a-z]{2,}""", re.I)
_FETCH = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//"""
                    r"""|//cdn""", re.I)


def _trainer_texts(lesson, lang):
    """Marker, headings and a few lines of the trainer notes that must stay trainer-only."""
    notes = [line.strip("-* ").strip().replace("`", "").replace("**", "")
             for line in lesson.trainer_notes.get(lang).splitlines()]
    heading = "培训者备注" if lang == "zh" else "Trainer notes"
    return [TRAINER_MARKER, heading, *[n for n in notes if len(n) > 12][:3],
            lesson.timing[0].activity.get(lang)]


# -- editions --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trainee_notebooks_hold_no_trainer_note(lang):
    for lesson in LESSONS:
        text = notebook_path(lesson, lang, notebooks_dir()).read_text(encoding="utf-8")
        for needle in _trainer_texts(lesson, lang):
            assert needle not in text, (lesson.id, lang, needle)
        trainer = notebook_path(lesson, lang, notebooks_dir(), "trainer")
        text = trainer.read_text(encoding="utf-8")
        assert TRAINER_MARKER in text and _trainer_texts(lesson, lang)[1] in text, lesson.id


def test_trainer_edition_is_the_trainee_lesson_plus_marked_trainer_cells():
    lesson = BY_ID["four-two"]
    trainee = lesson_notebook(lesson, "zh", LESSONS)
    trainer = lesson_notebook(lesson, "zh", LESSONS, "trainer")
    extra = [c for c in trainer.cells if c.source.startswith(TRAINER_MARKER)]
    assert all(c.metadata["pbkit"]["trainer"] for c in extra) and len(extra) == 3
    assert [c.source for c in trainer.cells if c not in extra] == [c.source for c in
                                                                    trainee.cells]
    answers = next(c.source for c in extra if "参考答案" in c.source)
    order = next(q for q in lesson.quiz if q.kind == "ordering")
    text = {c.id: c.text.zh for c in order.choices}
    first, last = text[order.answer[0]], text[order.answer[-1]]
    assert answers.index(first) < answers.index(last)  # the expected order, not shuffled
    assert trainer.metadata["pbkit"]["edition"] == "trainer"
    assert "edition" not in trainee.metadata["pbkit"]


def test_check_names_a_stale_trainer_notebook(tmp_path, monkeypatch):
    root = tmp_path / "lessons"
    for src in lessons_dir().glob("*/lesson.yaml"):
        dst = root / src.parent.name / "lesson.yaml"
        dst.parent.mkdir(parents=True)
        shutil.copy(src, dst)
    monkeypatch.setenv("PBKIT_LESSONS", str(root))
    out = tmp_path / "nb"
    build("en", out)
    path = out / edition_dir("en", "trainer") / "04-attention.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[-1].source += "\nedited by hand"
    nbformat.write(nb, str(path))
    problems = [p for p in check_sync("en", out) if p.kind == "out_of_sync"]
    assert [(p.lesson, p.lang) for p in problems] == [("attention", "en-trainer")]


# -- course plans ------------------------------------------------------------------------------

def test_course_plans_add_up_and_name_real_lessons():
    plans = {p.id: p for p in load_plans()}
    one, three = plans["one-day"], plans["three-day"]
    assert len(one.days) == 1 and 5.5 * 60 <= one.teaching_minutes <= 6.5 * 60
    assert len(three.days) == 3
    kinds = {s.kind for d in three.days for s in d.slots}
    assert {"opening", "lesson", "roleplay", "field", "closing"} <= kinds
    assert three.days[0].slots[0].kind == "opening" and three.days[-1].slots[-1].kind == "closing"
    for plan in plans.values():
        total = 0
        for day in plan.days:
            assert day.slots[0].start == day.start and day.slots[-1].end == day.end
            for a, b in zip(day.slots, day.slots[1:]):
                assert a.end == b.start
            for s in day.slots:
                if s.kind == "lesson":
                    assert s.minutes == BY_ID[s.lesson].duration_min
                total += s.minutes if s.kind in TEACHING_KINDS else 0
        assert total == plan.teaching_minutes


def _bad_plan(tmp_path, monkeypatch, old, new):
    root = tmp_path / "lessons"
    for src in lessons_dir().glob("*/lesson.yaml"):
        dst = root / src.parent.name / "lesson.yaml"
        dst.parent.mkdir(parents=True)
        shutil.copy(src, dst)
    text = plans_path().read_text(encoding="utf-8")
    assert old in text
    (root / "course-plans.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setenv("PBKIT_LESSONS", str(root))
    return root


@pytest.mark.parametrize(("old", "new", "words"), [
    ("{lesson: attention}", "{lesson: attentoin}", ["plans[1].days[1].slots[4].lesson",
                                                    "attentoin"]),
    ('end: "17:00"', 'end: "17:30"', ["plans[1].days[1].end", "17:00", "17:30"]),
    ("teaching_minutes: 360", "teaching_minutes: 400", ["teaching_minutes", "360", "400"]),
    ("scenario: heart-to-heart", "scenario: heart", ["scenario", "heart"]),
])
def test_a_bad_plan_is_one_line_naming_the_field(tmp_path, monkeypatch, capsys, old, new,
                                                 words):
    root = _bad_plan(tmp_path, monkeypatch, old, new)
    with pytest.raises(ConfigError) as exc:
        load_plans(root / "course-plans.yaml")
    line = exc.value.render("en")
    assert "course-plans.yaml" in line and all(w in line for w in words), line
    out = tmp_path / "kit"
    assert main(["lessons", "kit", str(out), "--only", "attention"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "course-plans.yaml" in err[0]
    assert not out.exists()  # nothing half-written
    problems = [p for p in check_sync("en", notebooks_dir(), root=root) if p.kind == "plan"]
    assert len(problems) == 1 and words[0] in problems[0].render("en")


def test_kit_without_an_output_folder_exits_2(capsys):
    assert main(["lessons", "kit"]) == 2
    assert "pbkit lessons kit" in capsys.readouterr().err


# -- the kit for two lessons -------------------------------------------------------------------

TWO = (("attention", "zh"), ("four-two", "en"))


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = tmp_path_factory.mktemp("kit")
    for lesson_id, lang in TWO:
        build_kit(out, lang, only=[lesson_id], pdf=chromium_path() is not None)
    return out


def _plain(page: str) -> str:
    """The text a reader sees (tags dropped; headings come out as character references)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _assert_offline_and_filled(path, lesson, lang):
    text = path.read_text(encoding="utf-8")
    assert not _FETCH.search(text), (path, _FETCH.search(text))
    assert not _EXTERNAL.search(text), (path, _EXTERNAL.search(text)[0])
    assert "application/vnd.jupyter.widget" not in text  # no widget left to a CDN manager
    assert not re.search(r'<div class="pbkit-static">\s*</div>', text)
    assert "pbkit-static-title" in text  # each widget's place says what to do
    assert TRAINER_MARKER not in text
    plain = _plain(text)
    for needle in _trainer_texts(lesson, lang):
        assert needle not in plain, (path, needle)
    for q in lesson.quiz:  # no expected answers or explanations
        assert q.explanation.get(lang).strip().splitlines()[0] not in plain


@pytest.mark.notebook
@pytest.mark.parametrize(("lesson_id", "lang"), TWO)
def test_slides_and_handout_are_offline_complete_and_trainee_only(kit, lesson_id, lang):
    lesson = BY_ID[lesson_id]
    slides = kit / lang / "slides" / f"{lesson.slug}.html"
    handout = kit / lang / "handouts" / f"{lesson.slug}.html"
    for path in (slides, handout):
        _assert_offline_and_filled(path, lesson, lang)
        assert 'src="data:image/png;base64,' in path.read_text(encoding="utf-8")
    deck = slides.read_text(encoding="utf-8")
    assert "Reveal.initialize" in deck and "<section" in deck
    assert "open_lesson(" not in deck and "lw." not in deck  # code hidden
    page = handout.read_text(encoding="utf-8")
    heads = {"zh": ["学员练习单", "术语", "参考依据", "随堂测验"],
             "en": ["Trainee worksheet", "Glossary", "References", "Quiz"]}[lang]
    assert all(h in page for h in heads)
    assert page.count('class="write') >= 1 + len(lesson.discussion.prompts if
                                                lesson.discussion else ())
    assert f'lang="{"zh-CN" if lang == "zh" else "en"}"' in page
    if chromium_path():
        pdf = handout.with_suffix(".pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf
        if lang == "zh":
            assert b"WenQuanYi" in pdf or b"NotoSansCJK" in pdf  # the Chinese font embedded


@pytest.mark.notebook
def test_plans_and_index_in_the_kit(kit):
    for lang in ("zh", "en"):
        for plan in load_plans():
            page = (kit / lang / "plans" / f"{plan.id}.html").read_text(encoding="utf-8")
            assert not _EXTERNAL.search(page) and not _FETCH.search(page)
            for day in plan.days:
                assert f"{day.start // 60:02d}:{day.start % 60:02d}" in page
            for s in (s for d in plan.days for s in d.slots if s.kind == "lesson"):
                assert f"slides/{BY_ID[s.lesson].slug}.html" in page
    assert (kit / "index.html").stat().st_mode & 0o044 == 0o044  # readable when served
    index = (kit / "index.html").read_text(encoding="utf-8")
    assert "en/slides/07-four-two.html" in index and not _EXTERNAL.search(index)
    for lesson_id, lang in TWO:  # the trainer's sheet has what the handout must not
        lesson = BY_ID[lesson_id]
        sheet = _plain((kit / lang / "trainer" / f"{lesson.slug}.html").read_text(
            encoding="utf-8"))
        assert all(n in sheet for n in _trainer_texts(lesson, lang)[1:]), lesson_id
        assert not _EXTERNAL.search(sheet)


@pytest.mark.browser
@pytest.mark.notebook
def test_slides_and_handout_in_chromium(kit, tmp_path):
    """A trainer's look: 1366x768 slides, A4 handout; nothing requested from any host."""
    playwright = pytest.importorskip("playwright.sync_api")
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium")
    slides = (kit / "zh" / "slides" / "04-attention.html").resolve()
    handout = (kit / "en" / "handouts" / "07-four-two.html").resolve()
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        requests = []
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.on("request", lambda r: requests.append(r.url))
        page.goto(slides.as_uri())
        assert page.evaluate("Reveal.isReady()") and page.evaluate("Reveal.getTotalSlides()") > 8
        sizes = page.evaluate("""() => Reveal.getSlides().map(s => {
            Reveal.slide(...Object.values(Reveal.getIndices(s)).slice(0, 2));
            const img = s.querySelector('img');
            return img ? img.getBoundingClientRect().height : 0; })""")
        assert max(sizes) > 0.6 * 768  # a chart fills most of the projector's height
        page.screenshot(path=str(tmp_path / "slide.png"))
        a4 = browser.new_page(viewport={"width": 794, "height": 1123})
        a4.on("request", lambda r: requests.append(r.url))
        a4.goto(handout.as_uri())
        a4.emulate_media(media="print")
        a4.screenshot(path=str(tmp_path / "handout.png"), full_page=True)
        images = a4.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
        assert images and min(images) > 100  # every chart decoded
        browser.close()
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.timeout(3600)  # every lesson run once per language (about 10 minutes)
def test_full_kit_every_lesson_both_languages(tmp_path):
    build_kit(tmp_path, "all", pdf=chromium_path() is not None)
    for lang in ("zh", "en"):
        for lesson in LESSONS:
            for kind in ("slides", "handouts"):
                path = tmp_path / lang / kind / f"{lesson.slug}.html"
                _assert_offline_and_filled(path, lesson, lang)


def test_widget_place_links_to_the_live_lesson_with_a_qr_code():
    from pbkit.lessons.kit import _card, live_link

    lesson = BY_ID["attention"]
    url = "http://127.0.0.1:8888/"
    card = _card(lesson, "en", url)
    assert live_link(lesson, "en", url) in card and "<svg" in card
    offline = _card(lesson, "zh", None)
    assert "notebooks/lessons/zh/04-attention.ipynb" in offline and "<svg" not in offline
    assert not _EXTERNAL.search(card + offline)


def test_trainer_sheet_needs_no_run_and_has_no_heading_anchors():
    from pbkit.lessons.kit import trainer_sheet_html

    lesson = BY_ID["attention"]
    page = trainer_sheet_html(lesson, "zh", LESSONS)
    assert "anchor-link" not in page and "¶" not in html.unescape(page)
    assert all(n in _plain(page) for n in _trainer_texts(lesson, "zh")[1:])
