"""The apps as a phone, a laptop and a projector show them, in real headless Chromium.

At 390×844 (a phone) no page scrolls sideways and no text is smaller than 12 px; on every
screen each button's text has WCAG AA contrast (4.5:1) with its background; ``<html lang>``
and the page title follow the language switch. Screenshots of each app at 390×844, 1366×768
and 1920×1080 are saved under ``test-artifacts/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.apps.test_apps_e2e import WAIT, open_app, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("servers")]

SIZES = {"phone": (390, 844), "laptop": (1366, 768), "projector": (1920, 1080)}

# Everything measured in the page itself: (1) horizontal overflow of the app, (2) visible
# text drawn below 12 px, (3) buttons whose text/background contrast is below 4.5:1.
AUDIT_JS = """() => {
  const lum = (rgb) => { const m = rgb.match(/\\d+(\\.\\d+)?/g).map(Number);
    const [r, g, b] = m.slice(0, 3).map(c => { c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const bg = (el) => { while (el) { const c = getComputedStyle(el).backgroundColor;
      if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return c;
      el = el.parentElement; } return 'rgb(255, 255, 255)'; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05); };
  const app = document.querySelector('.pbkit-app');
  const width = document.documentElement.clientWidth;
  const wide = [];
  app.querySelectorAll('*').forEach(el => { const r = el.getBoundingClientRect();
    const box = el.closest('.pbkit-chart, .pbkit-scroll');
    if (r.width > 0 && r.right > width + 1 && !(box && box !== el))
      wide.push(el.tagName + '.' + el.className + ' right=' + Math.round(r.right)); });
  const small = [];
  const walker = document.createTreeWalker(app, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) { const n = walker.currentNode; const el = n.parentElement;
    if (!n.textContent.trim() || !el || !el.offsetParent) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 12) small.push(size + 'px: ' + n.textContent.trim().slice(0, 30)); }
  const poor = [];
  app.querySelectorAll('button').forEach(b => { if (!b.offsetParent) return;
    const s = getComputedStyle(b); const r = ratio(s.color, bg(b));
    if (b.textContent.trim() && r < 4.5) poor.push(b.textContent.trim() + ' ' + r.toFixed(2)); });
  return {wide: wide.slice(0, 10), small: small.slice(0, 10), poor: poor};
}"""


def check_screen(page, app: str, size: str, *, resize: bool = True) -> None:
    """Audit the page at ``size`` (contrast everywhere; on a phone also no sideways
    scrolling and no text under 12 px) and save its screenshot."""
    if resize:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
    page.wait_for_timeout(500)
    audit = page.evaluate(AUDIT_JS)
    assert audit["poor"] == [], audit["poor"]
    if size == "phone":
        assert audit["wide"] == [], audit["wide"]
        assert audit["small"] == [], audit["small"]
    shot(page, f"layout-{app}-{size}")


def _planner_with_plan(browser, server):
    page = open_app(browser, server, "planner")
    page.get_by_role("button", name="打开示例数据").click()
    page.wait_for_selector("text=已载入", timeout=WAIT)
    page.get_by_role("button", name="生成结对方案").click()
    page.wait_for_selector("text=方案已生成", timeout=WAIT)
    return page


@pytest.mark.parametrize("size", list(SIZES))
def test_planner_fits_each_screen(browser, apps_server, size):
    page = _planner_with_plan(browser, apps_server)
    try:
        check_screen(page, "planner", size)
    finally:
        page.close()


def test_language_switch_sets_html_lang_and_title(browser, apps_server):
    page = open_app(browser, apps_server, "planner")
    try:
        page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=WAIT)
        assert page.title() == "结对帮扶规划"
        page.get_by_role("button", name="English").click()
        page.wait_for_function("document.documentElement.lang === 'en'", timeout=WAIT)
        assert page.title() == "Pairing planner"
    finally:
        page.close()


def test_planner_reload_keeps_the_work(browser, apps_server):
    page = _planner_with_plan(browser, apps_server)
    try:
        page.wait_for_function("location.search.includes('ws=')", timeout=WAIT)
        page.reload(wait_until="commit")
        page.wait_for_selector("text=已恢复上次的工作", timeout=WAIT)
        assert page.get_by_role("button", name="重新生成方案").is_visible()
    finally:
        page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_dashboard_fits_each_screen(browser, apps_server, size):
    page = open_app(browser, apps_server, "dashboard")
    try:
        page.wait_for_selector("text=考核得分", timeout=WAIT)
        check_screen(page, "dashboard", size)
    finally:
        page.close()


def test_dashboard_in_english_fits_a_phone(browser, apps_server):
    # English words are longer than Chinese ones: every tab once more, in English
    page = open_app(browser, apps_server, "dashboard")
    try:
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_selector(".pbkit-score", timeout=WAIT)
        page.get_by_role("button", name="English").click()
        page.wait_for_selector(".pbkit-score >> text=points", timeout=WAIT)
        for tab in ("Meetings", "Members", "Migrant members", "Coverage",
                    "100-point scorecard"):
            page.get_by_role("tab", name=tab, exact=True).click()
            check_screen(page, f"dashboard-en-{tab.split()[0].lower()}", "phone",
                         resize=False)
    finally:
        page.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_roleplay_result_fits_each_screen(browser, apps_server, size):
    # practice mode (no trainee link): a fresh page each time, the whole result shown
    page = open_app(browser, apps_server, "roleplay")
    try:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        page.click("button.pbkit-start")
        page.wait_for_selector(".pbkit-villager", timeout=WAIT)
        page.fill(".pbkit-answer-input textarea",
                  "大娘您先坐，慢慢说。低保要经过申请、入户调查、民主评议和公示，"
                  "您不服可以申请复核。我明天下午把评议记录拿给您看，相关干部回避。")
        page.click("button.pbkit-submit")
        page.wait_for_selector(".pbkit-result", timeout=WAIT)
        check_screen(page, "roleplay", size, resize=False)
    finally:
        page.close()


TRAINER_TABS = {"roster": "学员名单", "attempts": "全部作答", "review": "人工评分",
                "agreement": "评分一致性", "quiz": "测验统计", "export": "导出",
                "links": "学员链接"}


@pytest.fixture(scope="module")
def graded_trainer_server(trainer_server):
    """The trainer server's cohort with three scored attempts (two scenarios, one with a
    long multi-sentence answer) and a trainer's levels on one: every tab has content."""
    import uuid

    from pbkit.roleplay import get_scenario, score
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(trainer_server.data_dir / "results.sqlite3"))
    answers = [("dibao-complaint", "T0001", "大娘您先坐，慢慢说。低保要经过申请、入户调查、"
                "民主评议和公示，我明天下午把评议记录拿给您看，相关干部回避。"),
               ("homestead-application", "T0002", "您要带户口簿、身份证和宅基地申请表，"
                "我一次给您列清楚，三天内答复。"),
               ("dibao-complaint", "T0003", "这是规定，我也没办法。")]
    for scenario, trainee, text in answers:
        store.ensure_trainee(trainee, "C2026E2E")
        receipt = store.submit_attempt(uuid.uuid4().hex, trainee, scenario, [text],
                                       score(scenario, text))
    for crit in get_scenario("dibao-complaint").criteria:
        store.add_human_score(receipt.attempt_id, "R01", crit.id, 1)
    store.close()
    return trainer_server


@pytest.mark.parametrize("size", list(SIZES))
def test_trainer_console_fits_each_screen(browser, graded_trainer_server, size):
    from tests.apps.conftest import TRAINER_TOKEN

    page = open_app(browser, graded_trainer_server, "console", token=TRAINER_TOKEN)
    try:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_selector("text=T0003", timeout=WAIT)
        for key, title in TRAINER_TABS.items():
            page.get_by_role("tab", name=title).click()
            if key == "export":
                page.get_by_role("button", name="导出成绩册（Excel）").click()
                page.wait_for_selector("a[download]", timeout=WAIT)
            if key == "links":
                page.get_by_role("button", name="生成个人链接").click()
                page.locator("td:visible", has_text="roleplay.ipynb").first.wait_for(
                    timeout=WAIT)
            check_screen(page, f"trainer-{key}", size, resize=False)
        text = page.inner_text(".pbkit-app")
        for code in ("dibao-complaint", "acknowledge", "needs_review"):
            assert code not in text, code
    finally:
        page.close()
