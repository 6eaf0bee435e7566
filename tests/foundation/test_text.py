"""One bilingual text type for the whole package."""

from __future__ import annotations

import pbkit.lessons.model as lesson_model
import pbkit.lessons.plans as plans
import pbkit.quiz.models as quiz_models
import pbkit.roleplay.models as roleplay_models
from pbkit.i18n import use_lang
from pbkit.i18n.text import Text


def test_quiz_roleplay_and_lessons_share_one_text_class():
    for module in (quiz_models, roleplay_models, lesson_model, plans):
        assert module.Text is Text, module.__name__


def test_text_follows_the_language():
    text = Text(zh="支部", en="branch")
    assert (text.get("zh"), text.get("en")) == ("支部", "branch")
    with use_lang("en"):
        assert text.get() == "branch"
    assert Text("支部", "branch") == text and hash(Text("支部", "branch")) == hash(text)


def test_references_hold_their_bilingual_names_as_text():
    from pbkit.references import load_table, parse_basis

    table = load_table()
    inst = table.instruments["party-constitution"]
    assert isinstance(inst.title, Text) and isinstance(inst.short, Text)
    assert inst.name("zh") == f"《{inst.title.zh}》" and inst.name("en") == inst.title.en
    assert all(isinstance(r.title, Text) for r in table.reports.values())
    basis = parse_basis({"status": "example", "note": {"zh": "示例", "en": "example"}},
                        ("basis",), lambda *a, **k: AssertionError(a))
    assert basis[0].note == Text("示例", "example")
