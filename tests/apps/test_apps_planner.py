"""Planner app logic without a browser: load, validate, plan, lock/remove, download."""

from __future__ import annotations

import base64
import datetime
import io
import re
import shutil
import warnings
import zipfile

import openpyxl
import pytest

from pbkit.apps.common import MAX_UPLOAD_BYTES
from pbkit.apps.planner_app import PlannerApp, upload_guard_js
from pbkit.data.sample import sample_path
from pbkit.i18n import t
from pbkit.networks import plan


@pytest.fixture(scope="module")
def sample_dataset():
    from pbkit.data.sample import load_sample

    return load_sample()


def click(button):
    button._handle_button_msg(None, {"event": "click"}, [])


def upload_item(name: str, content: bytes) -> dict:
    """One FileUpload value entry as the browser sends it (JSON + binary buffer)."""
    return {"name": name, "type": "", "size": len(content), "content": memoryview(content),
            "last_modified": 1_700_000_000_000}


def send_upload(app, *items) -> None:
    """Deliver an upload the way the browser's widget message does."""
    app.upload.set_state({"value": list(items)})


def sample_zip_bytes(edit=None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for csv in sorted(sample_path().glob("*.csv")):
            text = csv.read_text(encoding="utf-8-sig")
            if edit:
                text = edit(csv.name, text)
            zf.writestr(csv.name, text)
    return buf.getvalue()


def loaded_app(lang="zh") -> PlannerApp:
    app = PlannerApp(lang=lang)
    click(app.sample_btn)
    assert app.dataset is not None, app.message_text
    return app


def test_sample_loads_with_report_status_and_map():
    app = loaded_app()
    assert app.message_text == t("apps.planner.loaded", "zh", name="示例乡镇数据")
    ds = app.dataset
    assert f"困难户 {len(ds.households)} 户" in app.status.value
    assert 'src="data:image/png;base64,iVBOR' in app.map_view.value
    assert 'alt="地图：' in app.map_view.value or 'alt="Map: ' in app.map_view.value
    assert t("apps.planner.coverage", "zh") in app.tables.value
    assert not app.plan_btn.disabled and app.plan is None


def test_plan_matches_the_core_planner_and_shows_it():
    app = loaded_app()
    click(app.plan_btn)
    expected = plan(app.dataset, "one_on_one", keep_existing=True)
    assert len(app.plan.pairs) == len(expected.pairs)
    assert app.message_text == t("apps.planner.planned", "zh", pairs=len(expected.pairs),
                                 uncovered=len(expected.uncovered))
    assert app.plan_box.layout.display == "flex"
    assert len(app.pair_select.options) == len(expected.pairs)
    assert app.plan_btn.description == t("apps.planner.replan", "zh")
    summary = app.summary.value
    assert (f"<td>{t('export.plan.sum.covered', 'zh', unit='户')}</td>"
            f"<td>{expected.objective['covered']}</td>") in summary
    assert f"<td>{t('export.plan.sum.uncovered', 'zh', unit='户')}</td>" in summary


def test_village_scope_applies_to_summary_tables_and_pair_list():
    app = loaded_app()
    click(app.plan_btn)
    village = app.village.options[3][1]
    app.village.value = village
    in_village = app.plan.pairs[app.plan.pairs["village"] == village]
    assert 0 < len(in_village) < len(app.plan.pairs)
    assert len(app.pair_select.options) == len(in_village)
    assert t("apps.planner.pairs", "zh", n=len(in_village)) in app.tables.value
    assert (f"<td>{t('export.plan.sum.pairs', 'zh')}</td><td>{len(in_village)}</td>"
            in app.summary.value)
    name = app.dataset.orgs.set_index("org_id").loc[village, "name_code"]
    assert f"范围：{name}" in app.summary.value
    assert app.village.options[3][0] == name  # the dropdown shows names, not codes


def test_lock_and_remove_pairs_then_replan():
    app = loaded_app()
    app.keep_existing.value = False
    click(app.plan_btn)
    values = [v for _, v in app.pair_select.options]
    keep, drop = values[0], values[1]
    app.pair_select.value = (keep,)
    click(app.lock_btn)
    app.pair_select.value = (drop,)
    click(app.remove_btn)
    assert app.locked == [tuple(keep.split("\t"))] and app.removed == [tuple(drop.split("\t"))]
    click(app.plan_btn)
    pairs = set(zip(app.plan.pairs["source_id"], app.plan.pairs["target_id"]))
    assert tuple(keep.split("\t")) in pairs
    assert tuple(drop.split("\t")) not in pairs
    status = app.plan.pairs.set_index(["source_id", "target_id"])["status"]
    assert status[tuple(keep.split("\t"))] == "locked"
    click(app.clear_btn)
    assert app.locked == [] and app.removed == []


def test_lock_without_selection_is_a_message():
    app = loaded_app("en")
    click(app.plan_btn)
    app.pair_select.value = ()
    click(app.lock_btn)
    assert app.message_text == "Select one or more pairs in the list first."


def test_download_link_holds_the_plan_as_xlsx_without_formulas():
    app = loaded_app()
    click(app.plan_btn)
    click(app.download_btn)
    html = app.download_view.value
    today = datetime.date.today().isoformat()
    assert f'download="结对方案_全部村_{today}.xlsx"' in html
    payload = re.search(r'base64,([^"]+)"', html).group(1)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload)))
    sheet = book["结对名单"]
    rows = list(sheet.iter_rows(min_row=8, values_only=True))
    assert len(rows) == len(app.plan.pairs)
    assert {(r[2], r[3]) for r in rows} == set(zip(app.plan.pairs["source_id"],
                                                  app.plan.pairs["target_id"]))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f"


def test_zip_upload_loads_and_frees_the_widget_value():
    app = PlannerApp(lang="zh")
    send_upload(app, upload_item("village.zip", sample_zip_bytes()))
    assert app.dataset is not None, app.message_text
    assert app.message_text == t("apps.planner.loaded", "zh", name="village.zip")
    assert app.upload.value == ()  # the bytes do not stay in the kernel or the page


def test_csv_files_upload_as_a_folder():
    app = PlannerApp(lang="en")
    items = tuple(upload_item(p.name, p.read_bytes()) for p in sorted(
        sample_path().glob("*.csv")))
    send_upload(app, *items)
    assert app.dataset is not None, app.message_text
    assert len(app.dataset.households) > 0


def test_oversized_upload_is_refused_before_reading():
    app = PlannerApp(lang="zh")
    big = {**upload_item("big.zip", b"x"), "size": MAX_UPLOAD_BYTES + 1}
    send_upload(app, big)
    assert app.dataset is None
    assert app.message_text == t("apps.planner.err.too_big", "zh", size="8.0",
                                 limit=MAX_UPLOAD_BYTES // (1024 * 1024))
    assert str(MAX_UPLOAD_BYTES) in upload_guard_js()
    assert ".pbkit-upload-toobig" in upload_guard_js()


def test_wrong_file_type_and_mixed_uploads_are_messages():
    app = PlannerApp(lang="en")
    send_upload(app, upload_item("notes.txt", b"hello"))
    assert app.message_text == t("apps.planner.err.kind", "en", file="notes.txt",
                                 kinds=".csv, .zip, .xlsx")
    send_upload(app, upload_item("a.zip", b"PK"), upload_item("b.csv", b"x"))
    assert app.message_text == t("apps.planner.err.mixed", "en")
    assert app.dataset is None


def test_invalid_upload_shows_the_validation_report_in_the_app():
    def drop_column(name, text):
        if name != "households.csv":
            return text
        lines = text.splitlines()
        header = lines[0].split(",")
        idx = header.index("org_id")
        return "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != idx)
                         for line in lines) + "\n"

    app = PlannerApp(lang="en")
    send_upload(app, upload_item("broken.zip", sample_zip_bytes(drop_column)))
    assert app.dataset is None and app.plan_btn.disabled
    assert app.message_text.startswith("The data has")
    report = app.report_view.value
    assert "households.csv" in report and "org_id" in report
    assert "required column is missing" in report


def test_uploaded_text_is_escaped_in_report_and_tables():
    evil = "<img src=x onerror=alert(1)>"

    def inject(name, text):
        if name != "orgs.csv":
            return text
        lines = text.splitlines()
        header = lines[0].split(",")
        idx = header.index("name_code")
        cells = lines[1].split(",")
        cells[idx] = evil
        lines[1] = ",".join(cells)
        return "\n".join(lines) + "\n"

    app = PlannerApp(lang="zh")
    send_upload(app, upload_item(f"{evil}.zip", sample_zip_bytes(inject)))
    html = "".join(w.value for w in app.all_widgets()
                   if isinstance(getattr(w, "value", None), str))
    assert "<img src=x" not in html
    assert app.dataset is not None, app.message_text
    assert "&lt;img src=x onerror=alert(1)&gt;.zip" in app.message.value


def test_english_switch_relabels_controls_and_views():
    app = loaded_app()
    click(app.plan_btn)
    app.lang_toggle.value = "en"
    assert app.plan_btn.description == "Plan again"
    assert "Households still uncovered" in app.tables.value
    assert dict(app.mechanism.options)["one on one"] == "one_on_one"


def test_map_has_no_missing_glyphs(sample_dataset):
    app = PlannerApp(lang="zh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        app.load_path(sample_path(), name="样例")
        app.run_plan()
    assert 'src="data:image/png;base64,iVBOR' in app.map_view.value
    assert 'alt="地图：' in app.map_view.value or 'alt="Map: ' in app.map_view.value


def test_village_filter_narrows_map_and_tables(tmp_path):
    app = loaded_app("en")
    click(app.plan_btn)
    village = app.village.options[1][1]
    app.village.value = village
    hh = app.dataset.households
    ids = set(hh.loc[hh["org_id"] == village, "household_id"])
    assert {v.split("\t")[1] for _, v in app.pair_select.options} <= ids
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_pair_list_is_labelled_searchable_and_explains_each_entry():
    app = loaded_app()
    click(app.plan_btn)
    first_label, first_value = app.pair_select.options[0]
    source, target = first_value.split("\t")
    assert "公里" in first_label and "(" not in first_label
    assert t("apps.planner.pair_list_help", "zh") in app.pair_help.value
    app.pair_search.value = target
    assert [v for _, v in app.pair_select.options] == [first_value]
    app.pair_select.value = (first_value,)
    click(app.lock_btn)
    assert app.pair_select.options[0][0].endswith("｜已锁定")
    app.pair_search.value = ""
    assert len(app.pair_select.options) == len(app.plan.pairs)


def test_map_zooms_to_the_chosen_village():
    app = loaded_app()
    whole = app.map_view.value
    app.village.value = app.village.options[2][1]
    assert app.map_view.value and app.map_view.value != whole


def test_template_download_and_messages_never_name_a_command():
    app = loaded_app()
    click(app.template_btn)
    html = app.template_view.value
    assert 'download="党建数据模板.xlsx"' in html
    payload = re.search(r'base64,([^"]+)"', html).group(1)
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(payload)))
    assert "人员" in book.sheetnames
    for key in ("apps.planner.err.too_big", "apps.planner.err.too_big_browser",
                "apps.download.too_large", "data.identifier_column.name",
                "data.identifier_cell.mobile"):
        for lang in ("zh", "en"):
            assert "pbkit" not in t(key, lang, size=1, limit=1, masked="x")


def test_report_names_the_upload_and_tables_not_internal_folders_or_codes():
    app = PlannerApp(lang="zh")
    app.load_upload([{"name": "people.csv", "content": b"person_id,org_id\nP1,X\n"},
                     {"name": "visits.csv", "content": b"visit_id\nV1\n"}])
    report = app.report_view.value
    assert "pbkit-upload" not in report and "/tmp" not in report
    assert "2 个文件" in report  # the folder of the upload is named as the user knows it
    assert "<td>人员</td>" in report and "<td>性别</td>" in report
    assert "<td>people</td>" not in report and "<td>gender</td>" not in report


def _reopened(app, monkeypatch) -> PlannerApp:
    """The same page link opened again (a reload): a new kernel with ``?ws=<key>``."""
    monkeypatch.setenv("QUERY_STRING", f"ws={app.workspace.key}")
    return PlannerApp(lang="zh")


def test_reload_restores_sample_settings_locks_and_plan(monkeypatch):
    app = loaded_app()
    app.keep_existing.value = False
    click(app.plan_btn)
    keep, drop = (v for _, v in app.pair_select.options[:2])
    app.pair_select.value = (keep,)
    click(app.lock_btn)
    app.pair_select.value = (drop,)
    click(app.remove_btn)
    click(app.plan_btn)
    village = app.village.options[2][1]
    app.village.value = village
    again = _reopened(app, monkeypatch)
    assert again.dataset is not None and again.plan is not None
    assert again.locked == [tuple(keep.split("\t"))]
    assert again.removed == [tuple(drop.split("\t"))]
    assert again.village.value == village and again.keep_existing.value is False
    assert len(again.plan.pairs) == len(app.plan.pairs)
    assert again.message_text.startswith("已恢复上次的工作")


def test_reload_restores_an_uploaded_dataset_from_the_workspace(monkeypatch):
    app = PlannerApp(lang="zh")
    send_upload(app, upload_item("village.zip", sample_zip_bytes()))
    assert app.dataset is not None
    shutil.rmtree(app._upload_dir)  # the kernel's own copy is gone with the old kernel
    again = _reopened(app, monkeypatch)
    assert again.dataset is not None and again.source_name == "village.zip"
    assert len(again.dataset.people) == len(app.dataset.people)
    files = again.workspace.root
    assert oct(files.stat().st_mode & 0o777) == "0o700"
    assert oct((files / "state.json").stat().st_mode & 0o777) == "0o600"


def test_a_link_without_a_valid_workspace_starts_afresh(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "ws=../../etc")
    app = PlannerApp(lang="zh")
    assert app.dataset is None and app.workspace.key != "../../etc"
    assert f'"ws": "{app.workspace.key}"' in app.page_js()
