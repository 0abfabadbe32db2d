"""Language choice and the message catalogues every UI string comes from."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from plankg.settings import Settings
from service import message_catalogues as mc
from service.i18n import labeller, pick_lang, translator

KEY = re.compile(r"[a-z0-9_]+(?:[.-][a-z0-9_]+)*")


def test_query_parameter_beats_cookie_beats_accept_language():
    assert pick_lang("en", "zh", "zh-CN") == "en"
    assert pick_lang(None, "en", "zh-CN") == "en"
    assert pick_lang(None, None, "en-GB,en;q=0.9") == "en"
    assert pick_lang("fr", "xx", "de-DE, zh;q=0.5") == "zh"
    assert pick_lang(None, None, None) == "zh"


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalog]:
    return {lang: mc.read_catalogue(lang) for lang in mc.LANGS}


def test_every_ui_string_the_code_uses_has_a_chinese_and_an_english_translation(catalogues):
    used = mc.extracted()
    assert len(used) > 100  # the extraction reads the templates and the Python code
    missing = mc.untranslated(catalogues, used)
    assert not missing, "\n".join(f"{lang}: {msgid} (used at {used[msgid][0]})" for lang, msgid in missing)


def test_every_page_string_in_either_catalogue_is_in_both(catalogues):
    keys = {m.id for c in catalogues.values() for m in c if m.id and isinstance(m.id, str) and KEY.fullmatch(m.id)}
    assert not mc.untranslated(catalogues, sorted(keys))


def test_every_public_query_text_the_pages_show_has_a_chinese_translation(catalogues):
    texts = mc.query_messages(Settings().queries_dir)
    assert len(texts) > 30  # summaries, descriptions and parameter help of the named queries
    missing = mc.untranslated(catalogues, texts, ("zh",))
    assert not missing, "\n".join(f"{texts[msgid]}: {msgid}" for _, msgid in missing)


def test_chinese_text_uses_chinese_punctuation(catalogues):
    """A colon or comma after Chinese characters is the full-width one."""
    ascii_after_han = re.compile(r"[\u4e00-\u9fff][:,;?!]")
    wrong = [m.id for m in catalogues["zh"] if m.id and isinstance(m.string, str) and ascii_after_han.search(m.string)]
    assert not wrong
    assert translator("zh")("colon") == "：" and translator("en")("colon") == ": "


def test_the_check_finds_an_untranslated_or_empty_entry():
    zh, en = Catalog(locale="zh"), Catalog(locale="en")
    zh.add("a.key", "")
    en.add("a.key", "A key")
    zh.add("b.key", "乙")
    assert mc.untranslated({"zh": zh, "en": en}, ["a.key", "b.key", "c.key"]) == [
        ("zh", "a.key"), ("en", "b.key"), ("zh", "c.key"), ("en", "c.key")
    ]


def test_translator_fills_placeholders_and_falls_back_to_english_then_the_key():
    assert translator("zh")("nav.read") == "阅读计划"
    assert translator("zh")("para.number", n=56) == "第 56 段"
    assert translator("en")("no.such.key") == "no.such.key"
    assert translator("zh")("") == ""  # never the catalogue's header
    label = labeller("en")
    assert label({"en": "", "zh": "妇女署"}) == "妇女署"
    assert label(None) == ""


def test_absorb_carries_an_old_string_table_into_both_catalogues(tmp_path: Path):
    root = tmp_path / "locale"
    shutil.copytree(mc.LOCALE_DIR, root)
    source = tmp_path / "strings.py"
    source.write_text('STRINGS = {"x.new": {"en": "Found {n}", "zh": "找到 {n} 条"}}\nOTHER = {"a": 1}\n', encoding="utf-8")
    tables = dict(mc.string_tables(source))
    assert list(tables) == ["STRINGS"]
    assert mc.absorb(tables["STRINGS"], root=root) == ["x.new"]
    assert mc.read_catalogue("zh", root).get("x.new").string == "找到 %(n)s 条"
    assert mc.read_catalogue("en", root).get("x.new").string == "Found %(n)s"
    assert mc.absorb(tables["STRINGS"], root=root) == []  # a second run changes nothing
    # a table merged from an older branch does not undo a correction made in the catalogues
    old = {"x.new": {"en": "Found", "zh": "找到"}}
    assert mc.differing(old, root=root) == ["x.new"]
    assert mc.absorb(old, root=root) == [] and mc.read_catalogue("zh", root).get("x.new").string == "找到 %(n)s 条"
    assert mc.absorb(old, root=root, replace=True) == ["x.new"]
    assert mc.read_catalogue("zh", root).get("x.new").string == "找到"
    with pytest.raises(ValueError, match="x.half"):
        mc.absorb({"x.half": {"en": "Half"}}, root=root)


def test_rewriting_a_catalogue_keeps_its_bytes(tmp_path: Path):
    root = tmp_path / "locale"
    shutil.copytree(mc.LOCALE_DIR, root)
    for lang in mc.LANGS:
        mc.write_catalogue(mc.read_catalogue(lang, root), lang, root)
        assert mc.po_path(lang, root).read_bytes() == mc.po_path(lang).read_bytes()


def test_templates_translate_through_gettext_and_ngettext_in_the_page_language():
    from service.rendering import templates

    page = templates().env.from_string("{{ ngettext('query.row', 'query.rows.n', n) }}|{{ t('para.number', n=3) }}|{{ t('colon') }}")
    assert page.render(lang="en", n=1) == "1 row|¶ 3|: "
    assert page.render(lang="en", n=5) == "5 rows|¶ 3|: "
    assert page.render(lang="zh", n=5) == "5 行|第 3 段|："
