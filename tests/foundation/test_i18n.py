"""Every message exists in zh and en with the same placeholders; language selection."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
import yaml

from pbkit.i18n import CATALOG_DIR, LANGS, catalog, location, resolve_lang, t, use_lang


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalog_files_parse_and_keys_are_unique():
    seen: dict[str, str] = {}
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        assert isinstance(data, dict), path.name
        for key in data:
            assert key not in seen, f"{key} in both {seen.get(key)} and {path.name}"
            seen[key] = path.name
    assert len(seen) == len(catalog())


def test_every_key_has_both_languages_with_same_placeholders():
    problems = []
    for key, entry in catalog().items():
        for lang in LANGS:
            if not str(entry.get(lang, "")).strip():
                problems.append(f"{key}: missing {lang}")
        if all(entry.get(lang) for lang in LANGS):
            zh, en = (_placeholders(entry[lang]) for lang in LANGS)
            if zh != en:
                problems.append(f"{key}: placeholders differ zh={sorted(zh)} en={sorted(en)}")
    assert not problems, "\n".join(problems)


def test_every_key_used_in_code_exists():
    """Literal t("...") / PbkitError("...") keys in pbkit/ all exist in the catalogs."""
    import re

    pattern = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
    root = Path(__file__).resolve().parents[2] / "pbkit"
    missing = []
    for path in root.rglob("*.py"):
        for key in pattern.findall(path.read_text(encoding="utf-8")):
            if key not in catalog():
                missing.append(f"{path.relative_to(root)}: {key}")
    assert not missing, "\n".join(missing)


def test_language_precedence(monkeypatch):
    monkeypatch.setenv("PBKIT_LANG", "en")
    assert resolve_lang() == "en"
    assert resolve_lang("zh-CN") == "zh"
    with use_lang("zh"):
        assert t("common.yes") == "是"
        assert t("common.yes", lang="en") == "yes"
    monkeypatch.delenv("PBKIT_LANG")
    assert resolve_lang() == "zh"
    monkeypatch.setenv("PBKIT_LANG", "fr")
    assert resolve_lang() == "zh"


def test_unknown_key_renders_as_key_and_missing_param_is_visible():
    assert t("no.such.key") == "no.such.key"
    assert t("where.row", lang="en") == "row {row}"


@pytest.mark.parametrize(
    ("args", "lang", "expected"),
    [
        (("a.csv", "orgs", 3, "level"), "en", "a.csv: table orgs, row 3, column level: "),
        (("a.csv", None, None, None), "zh", "a.csv："),
        ((None, None, None, None), "en", ""),
    ],
)
def test_location_prefix(args, lang, expected):
    assert location(*args, lang=lang) == expected


def test_catalog_cache_is_used_and_follows_edits(tmp_path, monkeypatch):
    """The merged catalogs are cached as JSON; a changed catalog file is read afresh."""
    import shutil

    import pbkit.i18n as i18n

    folder = tmp_path / "catalogs"
    shutil.copytree(i18n.CATALOG_DIR, folder)
    monkeypatch.setattr(i18n, "CATALOG_DIR", folder)
    monkeypatch.setenv("PBKIT_CACHE_DIR", str(tmp_path / "cache"))
    i18n.catalog.cache_clear()
    try:
        first = i18n.catalog()
        cached = list((tmp_path / "cache").glob("catalog-*.json"))
        assert len(cached) == 1
        i18n.catalog.cache_clear()
        assert i18n.catalog() == first
        extra = folder / "zz-extra.yaml"
        extra.write_text('zz.test: {zh: "新的", en: "new"}\n', encoding="utf-8")
        i18n.catalog.cache_clear()
        assert i18n.catalog()["zz.test"]["en"] == "new"
        assert len(list((tmp_path / "cache").glob("catalog-*.json"))) == 2
    finally:
        i18n.catalog.cache_clear()
