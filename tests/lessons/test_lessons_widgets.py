"""Lesson explorers without a browser: construct, move the control, read what is shown."""

from __future__ import annotations

import pytest

from pbkit.apps import lesson_widgets as lw
from pbkit.data.sample import load_sample


@pytest.fixture(scope="module")
def ds():
    return load_sample()


ERROR_STYLE = "#fdecea"


@pytest.mark.parametrize("name", ["profile_explorer", "branch_picker", "attention_explorer",
                                  "migrant_explorer", "topic_explorer", "quorum_explorer",
                                  "age_structure_explorer", "weak_branch_explorer",
                                  "scorecard_viewer"])
def test_every_explorer_renders_each_choice_without_error(ds, name):
    view = getattr(lw, name)(ds, lang="zh")
    control = view.control
    values = ([o[1] if isinstance(o, tuple) else o for o in control.options]
              if hasattr(control, "options") else [control.min, control.max])
    for value in values[:4]:
        view.select(value)
        assert view.html.value and ERROR_STYLE not in view.html.value, (name, value)


def test_branch_picker_shows_the_calendar_and_perfunctory_reasons(ds):
    from pbkit.lessons.analyses import perfunctory_flags

    flagged = perfunctory_flags(ds, "en", display=False)["org_id"].iloc[0]
    view = lw.branch_picker(ds, lang="en")
    view.select(flagged)
    assert view.image.value[:4] == b"\x89PNG" and view.image.layout.display == ""
    message = perfunctory_flags(ds, "en", display=False).query("org_id == @flagged")["message"].iloc[0]
    assert message.split(" ")[0] in view.html.value


def test_branch_picker_limited_to_some_kinds(ds):
    view = lw.branch_picker(ds, lang="en", kinds=("org_life_meeting",))
    assert "committee" not in view.html.value.lower()


def test_radius_slider_re_runs_the_planner(ds):
    view = lw.radius_planner(ds, lang="en")
    before = view.html.value
    view.select(5)
    after = view.html.value
    assert "needy households covered" in after and before != after


def test_migrant_slider_changes_who_counts_as_out_of_touch(ds):
    view = lw.migrant_explorer(ds, lang="en")
    view.select(1)
    loose = view.html.value
    view.select(24)
    strict = view.html.value
    assert loose != strict


def test_roleplay_exercise_scores_and_escapes(ds):
    view = lw.roleplay_exercise("dibao-complaint", lang="en")
    assert "anchor" not in view.context.value.lower()
    result = view.submit("<b>I understand.</b> Please sit down and tell me what happened.")
    assert result is not None and "<b>I understand" not in view.result.value
    assert "Total" in view.result.value
    view.submit("   ")
    assert "Not answered yet" in view.result.value


def test_roleplay_attempt_is_saved_for_a_trainee(tmp_path):
    from pbkit.lessons.runtime import open_lesson
    from pbkit.store import ResultsStore

    store = ResultsStore("sqlite:///" + str(tmp_path / "r.db"))
    store.ensure_cohort("c1", "Class")
    store.ensure_trainee("T020", "c1")
    ctx = open_lesson("disputes", lang="en", trainee_id="T020", load_data=False)
    view = lw.roleplay_exercise("neighbor-dispute", ctx, store=store)
    view.submit("Calm down, both of you. I will hear each side separately and visit the ditch.")
    assert "Saved for trainee T020" in view.result.value
    assert store.attempts()["trainee_id"].tolist() == ["T020"]
    store.close()


def test_errors_show_one_line_not_a_traceback(ds):
    view = lw.quorum_explorer(ds, lang="en")
    view._render = lambda value: 1 / 0
    view.refresh()
    assert ERROR_STYLE in view.html.value and "Traceback" not in view.html.value
