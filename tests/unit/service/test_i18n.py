"""Language choice and UI strings."""

from __future__ import annotations

from service.i18n import STRINGS, labeller, pick_lang, translator


def test_query_parameter_beats_cookie_beats_accept_language():
    assert pick_lang("en", "zh", "zh-CN") == "en"
    assert pick_lang(None, "en", "zh-CN") == "en"
    assert pick_lang(None, None, "en-GB,en;q=0.9") == "en"
    assert pick_lang("fr", "xx", "de-DE, zh;q=0.5") == "zh"
    assert pick_lang(None, None, None) == "zh"


def test_every_string_has_both_languages():
    missing = [k for k, v in STRINGS.items() if not v.get("en") or not v.get("zh")]
    assert not missing


def test_translator_and_labeller_fall_back():
    assert translator("zh")("nav.read") == "阅读计划"
    assert translator("en")("no.such.key") == "no.such.key"
    label = labeller("en")
    assert label({"en": "", "zh": "妇女署"}) == "妇女署"
    assert label(None) == ""


def test_every_key_the_templates_use_is_defined():
    import re
    from pathlib import Path

    import service

    used: set[str] = set()
    others = {"entity.html", "ontology.html", "validate.html"}  # their authors keep their own strings
    for path in (Path(service.__file__).parent / "templates").glob("*.html"):
        if path.name in others:
            continue
        used |= set(re.findall(r"\bt\('([a-z0-9_.]+)'\)", path.read_text(encoding="utf-8")))
    assert used and not sorted(used - set(STRINGS))
