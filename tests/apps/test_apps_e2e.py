"""End to end in real headless Chromium against `pbkit serve` on 127.0.0.1.

Each test drives an app as a trainee or trainer would, saves a screenshot under
``test-artifacts/screenshots/`` and checks the server log for missing-glyph warnings
(Chinese chart labels drawn as boxes). Skipped only when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.apps.conftest import SCREENSHOTS, TRAINER_TOKEN

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("servers")]

ANSWER = ("大娘，您先坐下慢慢说，我理解您的难处。<script>window.__pwned=1</script>"
          "低保要经过申请、入户调查、民主评议、公示，我们三天内把评议记录给您看，相关干部回避。")
WAIT = 120_000


def open_app(browser, server, name: str, **query: str):
    page = browser.new_page()
    page.dialogs = []  # an alert() would mean user text ran as code

    def on_dialog(dialog) -> None:
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    if "trainee" in query:  # the trainee's identity is a personal link signed by the server
        from tests.apps.conftest import signed_link

        query.update(signed_link(server, query.pop("trainee"), query.pop("cohort", None)))
    page.goto(server.url(f"voila/render/{name}.ipynb", **query), wait_until="commit",
              timeout=WAIT)
    page.wait_for_selector(".pbkit-app h2", timeout=WAIT)
    return page


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Voila scrolls inside a container, so grow the viewport to the whole app instead
    size = page.viewport_size
    page.evaluate("window.scrollTo(0, 0); document.querySelectorAll('*').forEach("
                  "e => { if (e.scrollTop) { e.scrollTop = 0; } })")
    height = page.evaluate("Math.ceil((document.querySelector('.pbkit-app')"
                           " || document.body).getBoundingClientRect().bottom) + 40")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 6000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    assert path.stat().st_size > 10_000
    return path


def assert_clean_log(server) -> None:
    log = server.output()
    assert "missing from font" not in log and "missing glyph" not in log, log[-2000:]
    assert "pbkit.apps error" not in log, log[-4000:]


def visible_errors(page) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all(".pbkit-msg-error")
            if e.is_visible()]


def test_roleplay_complete_an_attempt_and_see_the_score(browser, apps_server):
    from pbkit.roleplay import get_scenario, score
    from pbkit.store import ResultsStore

    page = open_app(browser, apps_server, "roleplay", trainee="T0001")
    assert page.input_value(".widget-text input") == "T0001"
    page.select_option(".widget-dropdown select", label=get_scenario("dibao-complaint").title.zh)
    page.click("button.pbkit-start")
    page.wait_for_selector(".pbkit-villager", timeout=WAIT)
    page.fill(".pbkit-answer-input textarea", ANSWER)
    page.click("button.pbkit-submit")
    result = page.wait_for_selector(".pbkit-result", timeout=WAIT)
    expected = score("dibao-complaint", ANSWER, lang="zh")
    text = result.inner_text()
    assert f"总分：{expected.total:.0f} / 100" in text
    assert "<script>window.__pwned=1</script>" in text  # shown as text, never run
    assert page.evaluate("window.__pwned") is None and page.dialogs == []
    marks = page.query_selector_all(".pbkit-result mark.pbkit-evidence")
    assert len(marks) >= sum(len(c.evidence) for c in expected.criteria)
    assert page.is_disabled("button.pbkit-submit")
    shot(page, "roleplay")
    store = ResultsStore("sqlite:///" + str(apps_server.data_dir / "results.sqlite3"))
    rows = store.attempts("C2026E2E")
    assert rows["total"].tolist() == [expected.total]
    assert rows.loc[0, "answer"] == ANSWER
    # the whole app switches to English
    page.click("text=English")
    page.wait_for_selector("text=Role-play practice", timeout=WAIT)
    page.wait_for_selector("button.pbkit-retry:has-text('Try again')", timeout=WAIT)
    # the result is redrawn right after the labels: wait for it rather than race it
    page.wait_for_selector(".pbkit-result:has-text('Total: ')", timeout=WAIT)
    assert not visible_errors(page)
    page.close()
    assert_clean_log(apps_server)


def _sample_zip(target: Path) -> Path:
    from pbkit.data.sample import sample_path

    with zipfile.ZipFile(target, "w") as zf:
        for csv in sorted(sample_path().glob("*.csv")):
            zf.write(csv, csv.name)
    return target


def test_planner_upload_plan_and_download_xlsx(browser, apps_server, tmp_path):
    import openpyxl

    from pbkit.data.io import load_dataset
    from pbkit.networks import plan

    page = open_app(browser, apps_server, "planner")

    def choose(files) -> None:
        with page.expect_file_chooser(timeout=WAIT) as chooser:
            page.click(".pbkit-upload")
        chooser.value.set_files(files)

    # too big for the websocket: refused in the page, the connection survives
    choose([{"name": "big.zip", "mimeType": "application/zip",
             "buffer": b"0" * (9 * 1024 * 1024)}])
    page.wait_for_selector(".pbkit-upload-toobig", state="visible", timeout=WAIT)
    zipped = _sample_zip(tmp_path / "village.zip")
    choose(str(zipped))
    page.wait_for_selector("text=已载入：village.zip", timeout=WAIT)
    assert not page.is_visible(".pbkit-upload-toobig")
    page.click("button.pbkit-plan")
    page.wait_for_selector("text=方案已生成", timeout=WAIT)
    page.click("button.pbkit-download-btn")
    link = page.wait_for_selector("a.pbkit-download", timeout=WAIT)
    with page.expect_download(timeout=WAIT) as info:
        link.click()
    saved = tmp_path / "plan.xlsx"
    info.value.save_as(saved)
    today = datetime.date.today().isoformat()
    assert info.value.suggested_filename == f"结对方案_全部村_{today}.xlsx"
    book = openpyxl.load_workbook(saved)
    sheet = book["结对名单"]  # the township's workbook: a title block, the header in row 7
    header = [c.value for c in sheet[7]]
    assert header[:4] == ["序号", "村", "帮扶人", "困难户"]
    expected = plan(load_dataset(zipped), "one_on_one", keep_existing=True)
    assert sheet.max_row - 7 == len(expected.pairs) > 0
    got = {(r[2], r[3]) for r in sheet.iter_rows(min_row=8, values_only=True)}
    assert got == set(zip(expected.pairs["source_id"], expected.pairs["target_id"]))
    assert page.query_selector(".pbkit-app img") is not None  # the map
    shot(page, "planner")
    assert not visible_errors(page)
    page.close()
    assert_clean_log(apps_server)


def test_dashboard_opens_with_scorecard_and_evidence(browser, apps_server):
    page = open_app(browser, apps_server, "dashboard")
    page.wait_for_selector("text=考核得分", timeout=WAIT)
    # the page is marked Chinese (Simplified forms of Han characters, a Chinese voice)
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.wait_for_selector(".pbkit-app img", timeout=WAIT)
    shot(page, "dashboard")
    page.click("text=百分制考核")
    table = page.wait_for_selector(".pbkit-scorecard", timeout=WAIT)
    assert "扣分依据" in table.inner_text()
    shot(page, "dashboard-scorecard")
    assert not visible_errors(page)
    # a classroom projector: 1024x768 and the larger-text mode, nothing cut off sideways
    page.set_viewport_size({"width": 1024, "height": 768})
    page.click("text=大字模式")
    page.wait_for_selector(".pbkit-app.pbkit-large", timeout=WAIT)
    size = page.evaluate("(() => { const r = document.querySelector('.pbkit-app');"
                         " return [r.scrollWidth, r.clientWidth,"
                         " parseFloat(getComputedStyle(r).fontSize)]; })()")
    assert size[0] <= size[1] + 2 and size[2] >= 20, size
    shot(page, "dashboard-projector")
    page.close()
    assert_clean_log(apps_server)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _response(url: str) -> tuple[int, str]:
    """Status and Location of a GET, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=60) as resp:
            return resp.status, ""
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Location") or ""


def _status(url: str) -> int:
    return _response(url)[0]


def _kernels(server) -> list[int]:
    from tests.apps.conftest import processes_with_env

    out = []
    for pid in processes_with_env(str(server.data_dir)):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"ipykernel" in cmd:
            out.append(pid)
    return out


def test_trainee_server_does_not_serve_the_trainer_console(apps_server):
    assert _status(apps_server.url("voila/render/console.ipynb")) == 404
    assert _status(apps_server.url("voila/render/../trainer/console.ipynb")) in (403, 404)


def test_trainer_console_refuses_a_request_without_the_token(browser, trainer_server):
    bare = f"http://127.0.0.1:{trainer_server.port}/voila/render/console.ipynb"
    before = _kernels(trainer_server)
    for url in (bare, bare + "?token=wrong-token"):
        status, location = _response(url)
        # refused: 401/403, or sent to the login page that asks for the token
        assert status in (401, 403) or (status == 302 and location.startswith("/login")), \
            (status, location)
    # nor can the kernel API be reached without the token
    assert _status(f"http://127.0.0.1:{trainer_server.port}/api/kernels") in (302, 401, 403, 404)
    page = browser.new_page()  # no token cookie yet in this browser
    page.goto(bare, timeout=WAIT)
    assert "/login" in page.url
    assert page.query_selector(".pbkit-app") is None
    # pbkit's log-in page, Chinese first with English beside it (not Jupyter's English one)
    heading = page.inner_text("h1")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "培训师控制台" in heading and "Trainer console" in heading, heading
    assert "Token authentication is enabled" not in page.content()
    page.fill("#password_input", "wrong-token")
    page.click("#login_submit")
    page.wait_for_selector("text=令牌不正确", timeout=WAIT)
    assert "/login" in page.url and page.query_selector(".pbkit-app") is None
    shot(page, "trainer-login")
    assert _kernels(trainer_server) == before  # no kernel ran for the refused requests
    # the right token typed into the form opens the console the link asked for
    page.fill("#password_input", TRAINER_TOKEN)
    page.click("#login_submit")
    page.wait_for_selector(".pbkit-app h2", timeout=WAIT)
    assert "/voila/render/console.ipynb" in page.url
    page.close()
    page = open_app(browser, trainer_server, "console", token=TRAINER_TOKEN)
    page.wait_for_selector("text=T0001", timeout=WAIT)
    shot(page, "trainer")
    assert not visible_errors(page)
    page.close()
    assert_clean_log(trainer_server)


def _pool_ready(server, kernels: int, timeout: float = 180) -> None:
    """Wait until ``kernels`` kernels of this server exist and have stopped using CPU."""
    import time

    from tests.apps.conftest import processes_with_env

    def cpu(pid: int) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            return 0

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [p for p in processes_with_env(str(server.data_dir))
                if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()]
        if len(pids) >= kernels:
            before = sum(cpu(p) for p in pids)
            time.sleep(1.5)
            if sum(cpu(p) for p in pids) == before:
                return
        time.sleep(0.5)
    raise AssertionError(f"preheated kernels not ready: {server.output()[-2000:]}")


def test_preheated_roleplay_takes_the_trainee_from_the_link(browser, tmp_path):
    """With ``--preheat`` the app is built before the request; the link still fills in the
    trainee code once the page takes the kernel."""
    from tests.apps.conftest import prepare_store, start_server, stop_server

    prepare_store(tmp_path)
    server = start_server(tmp_path, "--preheat", "1")
    try:
        _pool_ready(server, kernels=3)  # one rendered kernel per app notebook
        page = open_app(browser, server, "roleplay", trainee="T0042")
        page.wait_for_function(
            "document.querySelector('.widget-text input').value === 'T0042'", timeout=WAIT)
        assert not visible_errors(page)
        page.close()
        assert "page link not received" not in server.output()
    finally:
        stop_server(server)
