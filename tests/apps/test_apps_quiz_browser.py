"""The served quiz app in real headless Chromium behind `pbkit serve` (issue 17).

A trainee opens a personal link naming lesson 7's quiz, answers the first question wrong:
the answer is recorded under the class first, and only then the page shows the right
order; they hand in the written answer. The page is audited and photographed at 390×844,
1366×768 and 1920×1080 (``test-artifacts/screenshots/layout-quiz-*.png``).
"""

from __future__ import annotations

import urllib.request

import pytest

from tests.apps.test_apps_e2e import WAIT, open_app
from tests.apps.test_apps_layout import SIZES, check_screen

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("servers")]

COHORT, TRAINEE = "C2026E2E", "T0001"


def test_landing_page_lists_the_quiz_app(apps_server):
    with urllib.request.urlopen(apps_server.url(""), timeout=60) as response:
        page = response.read().decode("utf-8")
    assert "voila/render/quiz.ipynb" in page and "课堂测验" in page


@pytest.mark.parametrize("size", list(SIZES))
def test_quiz_records_then_reveals_and_fits_each_screen(browser, apps_server, size):
    from pbkit.store import ResultsStore

    page = open_app(browser, apps_server, "quiz", trainee=TRAINEE, cohort=COHORT,
                    quiz="four-two")
    try:
        width, height = SIZES[size]
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_selector("text=作答记录在班级", timeout=WAIT)
        # question 1 is an ordering question shown out of order: Check as is = wrong
        page.get_by_role("button", name="检查").first.click()
        # the first page records the first attempt; later pages (same store) practise
        page.wait_for_selector(f"text=已为学员 {TRAINEE} 保存", timeout=WAIT)
        page.wait_for_selector("text=正确顺序", timeout=WAIT)
        page.fill(".pbkit-written-input textarea", "先由村党组织提议，再两委商议、党员大会审议。")
        page.click("button.pbkit-written-submit")
        page.wait_for_selector("text=书面作答已提交", timeout=WAIT)
        check_screen(page, "quiz", size, resize=False)
    finally:
        page.close()
    store = ResultsStore("sqlite:///" + str(apps_server.data_dir / "results.sqlite3"))
    try:
        answers = store.quiz_answers(COHORT)
        mine = answers[(answers["lesson_id"] == "four-two")
                       & (answers["trainee_id"] == TRAINEE)]
        assert len(mine) >= 1 and not mine["correct"].iloc[0]
        assert store.written_answers(COHORT)["lesson_id"].tolist() == ["four-two"]
    finally:
        store.close()
