"""The scorer's feedback is shown to trainees: it carries the criterion's tip, never rubric text.

Level anchors and criterion descriptions stay on the server (see the Voila facts in the
design notes), so no feedback sentence, at any level, in either language, may contain one of
them or a run of 12 or more of their characters.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from pbkit.errors import ScenarioError
from pbkit.roleplay.models import load_scenario_file, load_scenarios, scenarios_dir
from pbkit.roleplay.scorer import feedback_for, score

RUN = 12
SCENARIOS = load_scenarios()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _rubric_texts(sc) -> list[str]:
    out = []
    for crit in sc.criteria:
        out += [crit.description.zh, crit.description.en]
        for level in crit.levels:
            out += [level.anchor.zh, level.anchor.en]
    return [_norm(s) for s in out]


def _leaks(feedback: str, name: str, secrets: list[str]) -> list[str]:
    # the criterion's name is public (the apps show it); everything else must be new wording
    shown = _norm(feedback).replace(_norm(name), "\x00")
    found = []
    for secret in secrets:
        whole = secret.rstrip("。.")
        runs = {secret[i:i + RUN] for i in range(len(secret) - RUN + 1)}
        hits = [r for r in runs if r in shown]
        if whole in shown or hits:
            found.append(f"{secret!r}: {sorted(hits)[:3]}")
    return found


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_feedback_never_quotes_anchors_or_descriptions(sid):
    sc = SCENARIOS[sid]
    secrets = _rubric_texts(sc)
    checked = 0
    for crit in sc.criteria:
        for lang in ("zh", "en"):
            name, tip = crit.name.get(lang), crit.tip.get(lang)
            for level in range(crit.max_level + 1):
                cases = [(feedback_for(crit, level, lang), False)]
                if level == 0:
                    cases.append((feedback_for(crit, 0, lang, vetoed=True, quote="x"), True))
                for fb, vetoed in cases:
                    assert not _leaks(fb, name, secrets), (crit.id, lang, level, fb)
                    if level < crit.max_level:
                        assert tip in fb, (crit.id, lang, level, fb)
                    else:
                        assert tip not in fb and name in fb
                    if not vetoed and level < crit.max_level:
                        assert name in fb
                    checked += 1
    assert checked == sum(2 * (c.max_level + 2) for c in sc.criteria)


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_every_tip_is_new_wording_in_both_languages(sid):
    sc = SCENARIOS[sid]
    secrets = _rubric_texts(sc)
    for crit in sc.criteria:
        for lang in ("zh", "en"):
            tip = crit.tip.get(lang)
            assert tip and tip[-1] in "。.!！", (crit.id, lang, tip)
            assert not _leaks(tip, crit.name.get(lang), secrets), (crit.id, lang)
        assert crit.tip.zh != crit.tip.en


def test_feedback_wording_and_language_follow_the_answer():
    crit = SCENARIOS["dibao-complaint"].criterion("procedure")
    assert feedback_for(crit, 1, "zh") == f"“讲清程序”还可以更好：{crit.tip.zh}"
    assert feedback_for(crit, 1, "en") == f"'Explain the procedure' can improve: {crit.tip.en}"
    assert feedback_for(crit, 3, "en") == "'Explain the procedure' is at the top level; keep it up."
    vetoed = feedback_for(crit, 0, "zh", vetoed=True, quote="别再告了")
    assert vetoed == f"先去掉不当的说法（别再告了），然后：{crit.tip.zh}"
    zh = score("dibao-complaint", "您先坐，慢慢说。")
    en = score("dibao-complaint", "Please sit down and tell me slowly.")
    assert zh.lang == "zh" and en.lang == "en"
    assert zh.criterion("procedure").feedback.endswith(crit.tip.zh)
    assert en.criterion("procedure").feedback.endswith(crit.tip.en)
    for s in (zh, en):
        secrets = _rubric_texts(SCENARIOS["dibao-complaint"])
        for c in s.criteria:
            name = SCENARIOS["dibao-complaint"].criterion(c.id).name.get(s.lang)
            # the feedback may quote the trainee's own words back (the evidence); only
            # the rest of it must be free of rubric text
            shown = c.feedback
            for e in c.evidence:
                shown = shown.replace(e.text, "")
            assert not _leaks(shown, name, secrets)


def _copy(tmp_path: Path, sid: str = "neighbor-dispute") -> tuple[Path, dict]:
    import shutil

    src = scenarios_dir()
    shutil.copytree(src / "common", tmp_path / "common", dirs_exist_ok=True)
    data = yaml.safe_load((src / f"{sid}.yaml").read_text(encoding="utf-8"))
    return tmp_path / f"{sid}.yaml", data


def _write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")


def test_missing_or_empty_tip_names_file_and_field(tmp_path):
    path, data = _copy(tmp_path)
    del data["criteria"][1]["tip"]
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    msg = info.value.render("en")
    assert msg.startswith("neighbor-dispute.yaml, line ")
    assert msg.endswith("criteria[2].tip: required field is missing")
    path, data = _copy(tmp_path)
    data["criteria"][2]["tip"]["en"] = "  "
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert info.value.render("en").endswith("criteria[3].tip.en: the en text is missing")
    assert "criteria[3].tip.en：缺少 en 文本" in info.value.render("zh")
    path, data = _copy(tmp_path)
    data["criteria"][0]["tip"] = "just a string"
    _write(path, data)
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert info.value.render("en").endswith("criteria[1].tip: expected mapping")
