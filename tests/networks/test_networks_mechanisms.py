"""The declarative mechanism file: defaults and malformed files (file + line)."""

from __future__ import annotations

import textwrap

import pytest

from pbkit.errors import ConfigError, UsageError
from pbkit.networks.mechanisms import MECHANISM_FILE, get_mechanism, load_mechanisms


def test_default_file_defines_every_mechanism():
    mechs = load_mechanisms()
    assert list(mechs) == ["one_on_one", "two_plus_one", "bao_cun", "branch_pair", "study_help"]
    one = mechs["one_on_one"]
    assert one.scope == "village" and one.radius_km is None
    assert one.source.table == "people" and one.target.table == "households"
    assert "agency_cadre" in one.source.roles_any and "activist" not in one.source.roles_any
    assert "medical" in one.skill_needs["chronic_illness"]
    tp = mechs["two_plus_one"]
    assert [s.role for s in tp.slots] == ["township_mentor", "secretary_mentor"]
    assert tp.slots[1].selector.min_years_in_role == 5
    assert [a.roles_any for a in tp.target.any_of] == [("student_official",), ("secretary",)]
    bc = mechs["bao_cun"]
    assert [(s.role, s.count) for s in bc.slots] == [("deputy_leader", 1), ("agency_cadre", 2)]
    assert mechs["branch_pair"].target.weak_lax is True
    assert mechs["study_help"].slots[0].selector.education_at_least == "senior_high"


def _write(tmp_path, text):
    path = tmp_path / "mech.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _error(tmp_path, text) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        load_mechanisms(_write(tmp_path, text))
    return err.value


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    err = _error(tmp_path, """\
        one_on_one:
          source: {table: people
          target: {table: households}
        """)
    assert err.file == "mech.yaml" and err.line == 3
    assert err.render("en").startswith("mech.yaml, line 3: YAML syntax error")


def test_unknown_field_names_its_line(tmp_path):
    err = _error(tmp_path, """\
        bao_cun:
          target: {table: orgs, org_levels: [village]}
          slots:
            - role: deputy_leader
              table: people
              roles_any: [township_leader]
              colour: red
        """)
    assert err.line == 7
    assert err.render("en") == ("mech.yaml, line 7, field bao_cun.slots[1].colour: unknown field "
                                "(allowed: any_of, education_at_least, education_at_most, "
                                "exclude_migrant, max_age, max_years_in_role, min_age, "
                                "min_party_years_if_role_unknown, min_years_in_role, "
                                "org_levels, roles_any, table, weak_lax)")


def test_bad_role_value_and_negative_weight(tmp_path):
    err = _error(tmp_path, """\
        one_on_one:
          source:
            table: people
            roles_any: [member, chairman]
          target: {table: households}
        """)
    assert err.line == 4
    assert "field one_on_one.source.roles_any[2]: invalid value 'chairman'" in err.render("en")
    err = _error(tmp_path, """\
        one_on_one:
          source: {table: people, roles_any: [member]}
          target: {table: households}
          weights:
            distance: -1
        """)
    assert err.line == 5
    assert err.render("zh") == "mech.yaml 第 5 行，字段 one_on_one.weights.distance：不能为负数（-1）"


def test_unknown_mechanism_missing_field_and_bad_types(tmp_path):
    err = _error(tmp_path, """\
        one_on_one:
          source: {table: people}
          target: {table: households}
        mentoring:
          target: {table: people}
        """)
    assert err.line == 4 and "unknown mechanism mentoring" in err.render("en")
    err = _error(tmp_path, """\
        bao_cun:
          target: {table: orgs}
        """)
    assert err.line == 1 and err.render("en") == \
        "mech.yaml, line 1, field bao_cun.slots: required field is missing"
    err = _error(tmp_path, """\
        bao_cun:
          target: {table: orgs}
          slots:
            - role: deputy_leader
              table: people
              count: two
        """)
    assert err.line == 6 and "field bao_cun.slots[1].count: must be of type int, got 'two'" in \
        err.render("en")
    err = _error(tmp_path, """\
        study_help:
          target: {table: households, roles_any: [member]}
          slots:
            - {role: backbone, table: people}
        """)
    assert err.line == 2 and "does not apply to table households" in err.render("en")


def test_empty_and_missing_files(tmp_path):
    err = _error(tmp_path, "\n")
    assert err.render("en") == "mech.yaml, line 1: mechanism file is empty"
    with pytest.raises(ConfigError) as missing:
        load_mechanisms(tmp_path / "nope.yaml")
    assert missing.value.render("en") == f"mechanism file {tmp_path / 'nope.yaml'} not found"


def test_custom_composition_is_used_by_the_planner(tmp_path):
    """A configurable 2+1: two township leaders mentor each student official."""
    text = MECHANISM_FILE.read_text(encoding="utf-8")
    path = tmp_path / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    mechs = load_mechanisms(path)
    assert mechs["two_plus_one"].slots[0].limit == 3
    import pandas as pd

    from pbkit.data.dataset import Dataset
    from pbkit.networks.mechanisms import Slot
    from pbkit.networks.planner import plan

    tp = mechs["two_plus_one"]
    custom = tp.__class__(**{**tp.__dict__, "slots": (
        Slot("township_mentor", tp.slots[0].selector, count=2, limit=5),)})
    ds = Dataset.from_frames(
        orgs=pd.DataFrame({"org_id": ["T", "V"], "parent_id": [None, "T"],
                           "level": ["township", "village"]}),
        people=pd.DataFrame({"person_id": ["L1", "L2", "O1"], "org_id": ["T", "T", "V"],
                             "roles": ["township_leader", "township_leader",
                                       "student_official"],
                             "gender": ["male"] * 3, "education": ["bachelor"] * 3}))
    result = plan(ds, custom)
    assert sorted(result.pairs["source_id"]) == ["L1", "L2"]
    assert set(result.pairs["role"]) == {"township_mentor"}


def test_unknown_mechanism_lookup():
    with pytest.raises(UsageError) as err:
        get_mechanism("pairing")
    assert err.value.render("zh").startswith("未知的结对机制 pairing")
