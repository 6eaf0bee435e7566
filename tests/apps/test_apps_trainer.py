"""Trainer console logic without a browser: roster, attempts, human scores, agreement,
gradebook export."""

from __future__ import annotations

import base64
import datetime
import io
import re
import uuid

import openpyxl
import pandas as pd
import pytest

from pbkit.apps.trainer_app import TrainerApp
from pbkit.errors import StoreError
from pbkit.i18n import t
from pbkit.roleplay import agreement, score
from pbkit.store import ResultsStore

SCENARIO = "dibao-complaint"
ANSWERS = [
    "大娘您先坐，慢慢说，我理解您的难处。我们三天内把评议记录拿给您看，相关干部回避。",
    "=HYPERLINK(\"http://x\") 这是规定，我也没办法。<b>别闹了</b>",
    "I understand. The process is application, household investigation, democratic "
    "appraisal and public notice; I will show you the records by Friday.",
]


@pytest.fixture
def store():
    s = ResultsStore("sqlite://")
    s.ensure_cohort("C1", "2026 秋季班")
    for i, text in enumerate(ANSWERS, start=1):
        tid = f"T000{i}"
        s.ensure_trainee(tid, "C1")
        s.submit_attempt(uuid.uuid4().hex, tid, SCENARIO, [text], score(SCENARIO, text))
    return s


def click(button):
    button._handle_button_msg(None, {"event": "click"}, [])


def test_roster_and_attempts_are_listed(store):
    app = TrainerApp(lang="zh", store=store)
    assert app.cohort.value == "C1"
    for tid in ("T0001", "T0002", "T0003"):
        assert f"<td>{tid}</td>" in app.roster_view.value
    assert t("apps.trainer.roster_n", "zh", n=3) in app.roster_view.value
    assert len(app.attempt.options) == 3
    assert app.attempt.value == 3  # the latest attempt is opened


def test_create_cohort_and_register_trainees_refusing_personal_data():
    store = ResultsStore("sqlite://")
    app = TrainerApp(lang="zh", store=store)
    assert t("apps.trainer.no_cohort_yet", "zh") in app.roster_view.value
    app.new_id.value = "C2026B"
    app.new_name.value = "冬季班"
    click(app.create_btn)
    assert app.cohort.value == "C2026B"
    app.trainee_ids.value = "T0101，T0102\n13812345678 张伟"
    click(app.add_btn)
    assert store.roster("C2026B")["trainee_id"].tolist() == ["T0101", "T0102"]
    text = app.message_text
    assert text.startswith(t("apps.trainer.added_some", "zh", n=2))
    assert "138****78" in text and "13812345678" not in text


def test_attempt_view_escapes_answers_and_shows_machine_scores(store):
    app = TrainerApp(lang="zh", store=store)
    app.attempt.value = 2
    view = app.attempt_view.value
    assert "&lt;b&gt;别闹了&lt;/b&gt;" in view and "<b>别闹了" not in view
    machine = store.scores(attempt_id=2, source="machine")
    assert set(app.level_widgets) == set(machine["criterion_id"])
    assert all(dd.value == -1 for dd in app.level_widgets.values())


def test_human_scores_are_saved_and_agreement_matches_core(store):
    app = TrainerApp(lang="en", store=store)
    human_levels = {}
    for aid in (1, 2, 3):
        app.attempt.value = aid
        for i, dd in enumerate(app.level_widgets.values()):
            dd.value = (aid + i) % 4
        click(app.save_btn)
        assert app.message_text == t("apps.trainer.saved", "en", n=len(app.level_widgets))
        human_levels[aid] = {c: dd.value for c, dd in app.level_widgets.items()}
    human = store.scores("C1", source="human")
    assert len(human) == sum(len(v) for v in human_levels.values())
    assert set(store.attempts("C1")["status"]) == {"reviewed"}
    machine = store.scores("C1", source="machine")
    m_tab, h_tab = {}, {}
    for crit in sorted(machine["criterion_id"].unique()):
        for aid in (1, 2, 3):
            m = machine[(machine.attempt_id == aid) & (machine.criterion_id == crit)]
            m_tab.setdefault(crit, []).append(int(m["level"].iloc[0]))
            h_tab.setdefault(crit, []).append(human_levels[aid][crit])
    expected = agreement(m_tab, h_tab)
    view = app.agreement_view.value
    assert f">{expected.qwk:.2f}</td>" in view
    assert f">{100 * expected.exact:.0f}%</td>" in view  # a share of ratings, as %
    assert "above 0.8 is usually read as very good" in view  # the reading guide beside it
    assert "Confusion matrix" in view and "Per criterion" in view


def test_second_rater_gives_rater_agreement(store):
    app = TrainerApp(lang="en", store=store)
    for rater in ("R01", "R02"):
        app.rater.value = rater
        for aid in (1, 2):
            app.attempt.value = aid
            for dd in app.level_widgets.values():
                dd.value = 2 if rater == "R01" else 1
            click(app.save_btn)
    assert "Agreement between raters R01 and R02" in app.agreement_view.value


def test_forged_human_score_is_refused_by_the_store(store):
    app = TrainerApp(lang="zh", store=store)
    crit = next(iter(app.level_widgets))
    # a forged widget message can set any value the dropdown offers; the store checks the
    # rest: a rater id that is a person's name, and a level out of range
    app.rater.value = "张伟"
    app.level_widgets[crit].value = 2
    click(app.save_btn)
    with pytest.raises(StoreError) as refused:  # what the store says to anyone
        store.add_human_score(int(app.attempt.value), "张伟", crit, 2)
    assert app.message_text == refused.value.render("zh")
    assert "张伟" not in app.message_text  # the name is masked
    assert len(store.scores(source="human")) == 0
    with pytest.raises(StoreError):
        store.add_human_score(1, "R01", crit, 7)


def test_no_level_chosen_is_a_message(store):
    app = TrainerApp(lang="en", store=store)
    click(app.save_btn)
    assert app.message_text == t("apps.trainer.err.no_levels", "en")


def test_gradebook_export_link_opens_without_formulas(store):
    app = TrainerApp(lang="zh", store=store)
    click(app.export_btn)
    html = app.export_view.value
    assert f'download="成绩册_C1_{datetime.date.today().isoformat()}.xlsx"' in html
    payload = re.search(r'base64,([^"]+)"', html).group(1)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload)))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert any(v.startswith("'=HYPERLINK") for v in texts)
    assert not any(v.startswith("=") for v in texts)
    assert {"T0001", "T0002", "T0003"} <= set(texts)


def test_only_review_filter_and_language_switch(store):
    app = TrainerApp(lang="zh", store=store)
    app.only_review.value = True
    review = store.attempts("C1")
    n_review = int((review["status"] == "needs_review").sum())
    assert len(app.attempt.options) == n_review
    app.lang_toggle.value = "en"
    assert app.tabs.get_title(2) == "Human scoring"
    assert app.export_btn.description == "Export gradebook (Excel)"


def test_links_tab_gives_signed_personal_links_and_lists_class_link_registrations(
        store, tmp_path, monkeypatch):
    """Issue 22: identity is a link the trainer hands out; class-link registrations are
    capped and visible here."""
    from html import unescape
    from urllib.parse import parse_qsl, urlsplit

    from pbkit.apps.roleplay_app import RolePlayApp
    from pbkit.serving import links

    monkeypatch.setenv(links.KEY_ENV, str(links.ensure_key(tmp_path / "class-link.key")))
    monkeypatch.setenv("PBKIT_APPS_URL", "http://127.0.0.1:9999/")
    app = TrainerApp(lang="zh", store=store)
    click(app.links_btn)
    html = app.links_view.value
    found = re.findall(r"http://127\.0\.0\.1:9999/voila/render/roleplay\.ipynb\?[^<]+",
                       unescape(html))
    assert len(found) == 3
    params = dict(parse_qsl(urlsplit(found[0]).query))
    assert links.verify(params, links.read_key()).trainee_id == "T0001"
    app.cap.value = 1
    click(app.class_link_btn)
    class_url = re.search(r"<code>([^<]+)</code>", app.links_view.value).group(1)
    class_params = dict(parse_qsl(urlsplit(unescape(class_url)).query))
    assert links.verify(class_params, links.read_key()).cap == 1
    # a trainee registers through it; the trainer sees the code and the cap
    monkeypatch.setenv("QUERY_STRING", urlsplit(unescape(class_url)).query)
    trainee = RolePlayApp(lang="zh", store=store)
    trainee.scenario.value = SCENARIO
    trainee.trainee.value = "N0001"  # a class link asks for the code before the talk
    click(trainee.start)
    trainee.answer.value = ANSWERS[0]
    click(trainee.submit)
    assert store.attempts(trainee_id="N0001")["trainee_id"].tolist() == ["N0001"]
    click(app.links_btn)
    assert "<td>1</td><td>1</td><td>N0001</td>" in app.links_view.value
    assert app.tabs.get_title(6) == "学员链接"


def test_attempts_filter_sort_next_and_final_rule(store, monkeypatch):
    """Filter and sort the attempts, jump to the next unscored one, times in local time."""
    from pbkit.roleplay import score

    monkeypatch.setenv("PBKIT_TIMEZONE", "Asia/Shanghai")
    store.ensure_cohort("C9", "九班")
    for tid in ("T0901", "T0902"):
        store.ensure_trainee(tid, "C9")
    ids = []
    for trainee, text in (("T0901", "您好"), ("T0902", "大娘您慢慢说，我理解您的难处。"),
                          ("T0901", "我理解您，申请、入户调查、评议、公示，可以申请复核。")):
        res = score("dibao-complaint", text)
        ids.append(store.submit_attempt(f"s-{len(ids)}", trainee, "dibao-complaint", [text],
                                        res).attempt_id)
    for crit in ("acknowledge", "procedure", "transparency", "follow_up", "boundaries"):
        store.add_human_score(ids[0], "R01", crit, 1)
    app = TrainerApp(lang="en", store=store)
    app._load_cohorts("C9")
    assert app.attempt.options[0][1] == ids[-1]  # newest first
    assert app.attempt.options[-1][0].endswith(" · scored")
    app.status_filter.value = "to_score"
    assert [v for _, v in app.attempt.options] == [ids[2], ids[1]]
    app.status_filter.value = "all"
    app.sort_by.value = "oldest"
    app.attempt.value = ids[0]
    app._on_next()
    assert app.attempt.value == ids[1]
    stamp = store.attempts("C9").set_index("attempt_id").loc[ids[0], "created_at"]
    local = pd.Timestamp(stamp).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    assert local in app.attempts_view.value
    app.final_rule.value = "first"
    html = app.make_export()
    assert "gradebook_C9_" in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gradebook_shows_scenario_titles_and_criterion_names_not_codes(store, lang):
    from pbkit.roleplay import get_scenario

    app = TrainerApp(lang=lang, store=store)
    app.lang_toggle.value = lang
    html = app.make_export()
    payload = re.search(r"base64,([^\"']+)", html).group(1)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload)))
    scenario = get_scenario(SCENARIO)
    title = scenario.title.get(lang)
    names = {c.id: c.name.get(lang) for c in scenario.criteria}
    for ws in book.worksheets[:3]:  # gradebook, attempts, scores
        header = [c.value for c in ws[1]]
        hidden = {openpyxl.utils.get_column_letter(i) for d in ws.column_dimensions.values()
                  if d.hidden for i in range(d.min, d.max + 1)}  # a range of columns each
        assert ws.freeze_panes == "A2"
        for row in ws.iter_rows(min_row=2):
            shown = [c.value for c in row if c.column_letter not in hidden]
            assert SCENARIO not in shown and title in shown, (ws.title, shown)
            assert not set(names) & set(shown), (ws.title, shown)
        code_col = header.index(t("store.col.scenario_id", lang))
        assert openpyxl.utils.get_column_letter(code_col + 1) in hidden
    scores = book.worksheets[2]
    header = [c.value for c in scores[1]]
    shown = {r[header.index(t("store.col.criterion", lang))].value
             for r in scores.iter_rows(min_row=2)}
    assert shown == set(names.values())
    sources = {r[header.index(t("store.col.source", lang))].value
               for r in scores.iter_rows(min_row=2)}
    assert sources == {t("store.source.machine", lang)}
    evidence = [r[header.index(t("store.col.evidence", lang))].value
                for r in scores.iter_rows(min_row=2)]
    assert not any(e and ("start" in e or "{" in e) for e in evidence), evidence


def test_gradebook_times_are_the_trainers_clock(store):
    """Times in the export read as in the console: the trainer's zone, not UTC."""
    from pbkit.data.labels import local_time

    app = TrainerApp(lang="zh", store=store)
    payload = re.search(r"base64,([^\"']+)", app.make_export()).group(1)
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload))).worksheets[1]
    header = [c.value for c in sheet[1]]
    col = header.index(t("store.col.created_at", "zh"))
    cell = sheet.cell(row=2, column=col + 1).value
    stamp = store.attempts("C1").set_index("attempt_id").loc[1, "created_at"]
    assert cell.strftime("%Y-%m-%d %H:%M") == local_time(stamp)


def test_quiz_statistics_name_lessons_and_questions_not_their_ids(store):
    from pbkit.lessons.loader import load_lessons

    lesson = next(les for les in load_lessons() if les.quiz)
    question = lesson.quiz[0]
    store.save_quiz_answer("T0001", lesson.id, question.id, "x", False)
    app = TrainerApp(lang="zh", store=store)
    view = app.quiz_view.value
    assert esc_text(lesson.title.get("zh")) in view
    assert esc_text(question.prompt.get("zh")[:40]) in view
    assert f">{lesson.id}<" not in view and f">{question.id}<" not in view
    payload = re.search(r"base64,([^\"']+)", app.make_export()).group(1)
    quiz = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload))).worksheets[3]
    header = [c.value for c in quiz[1]]
    assert quiz.cell(row=2, column=header.index("课程") + 1).value == lesson.title.get("zh")


def esc_text(text: str) -> str:
    from pbkit.apps.common import esc

    return esc(text)
