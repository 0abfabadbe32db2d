"""The search index on rows made here: normalization, limits, ranking, passages through mentions, highlighting."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.errors import ParameterError
from service.search_index import (
    EXACT_ALT,
    EXACT_LABEL,
    EXACT_NOTATION,
    MAX_QUERY_CHARS,
    PREFIX,
    SUBSTRING,
    WORD_PREFIX,
    SearchIndex,
    _segments,
    fold_keeping_length,
    normalize,
    parse_query,
    parse_type,
)

ID = "http://example.org/id/"
PK = "http://example.org/ontology#"


def lit(value: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def entity(ident: str, kind: str, top: str, forms: list[tuple[str, str, str | None]]) -> list[dict]:
    return [
        {"x": ox.NamedNode(ID + ident), "kind": ox.NamedNode(PK + kind), "top": ox.NamedNode(PK + top),
         "kind_en": lit(kind, "en"), "kind_zh": lit(kind, "zh"), "form": lit(form, lang), "form_kind": lit(how)}
        for form, how, lang in forms
    ]


@pytest.fixture
def index() -> SearchIndex:
    rows = [
        *entity("org/WHO", "UNEntity", "Organization", [("World Health Organization", "pref", "en"), ("世界卫生组织", "pref", "zh"), ("WHO", "notation", None)]),
        *entity("org/UNFPA", "UNEntity", "Organization", [("United Nations Population Fund", "pref", "en"), ("联合国人口基金", "pref", "zh"),
                                                          ("人口基金", "alt", "zh"), ("UNFPA", "notation", None)]),
        *entity("org/UN-System", "UNEntity", "Organization", [("United Nations system", "pref", "en"), ("联合国系统", "pref", "zh")]),
        *entity("instrument/Who-Knows", "Framework", "Instrument", [("Whole-of-society framework", "pref", "en")]),
        *entity("theme/wps", "Theme", "Theme", [("Women, peace and security", "pref", "en"), ("妇女与和平与安全", "pref", "zh")]),
    ]
    units = [
        {"unit": ox.NamedNode(ID + "para/1"), "text": lit("与人口基金合作，世界卫生组织也参与。", "zh"), "order": lit("1"), "pnum": lit("1"), "en": lit("Paragraph 1", "en"), "zh": lit("第 1 段", "zh")},
        {"unit": ox.NamedNode(ID + "para/2"), "text": lit("妇女与和平与安全议程。", "zh"), "order": lit("2"), "pnum": lit("2"), "en": None, "zh": None},
        {"unit": ox.NamedNode(ID + "para/3"), "text": lit("No entity here, WHO in capitals.", "en"), "order": lit("3"), "pnum": None, "en": None, "zh": None},
    ]
    mentions = [
        {"x": ox.NamedNode(ID + "org/UNFPA"), "unit": ox.NamedNode(ID + "para/1"), "offset": lit("1"), "surface": lit("人口基金", "zh")},
        {"x": ox.NamedNode(ID + "org/WHO"), "unit": ox.NamedNode(ID + "para/1"), "offset": lit("8"), "surface": lit("世界卫生组织", "zh")},
        {"x": ox.NamedNode(ID + "theme/wps"), "unit": ox.NamedNode(ID + "para/2"), "offset": lit("0"), "surface": lit("妇女与和平与安全", "zh")},
    ]
    return SearchIndex.build(
        "v1", rows, mentions, units, {ID + "org/UN-System"},
        href=lambda iri: "/x/" + iri.removeprefix(ID), local=lambda iri: iri.removeprefix(ID) if iri.startswith(ID) else "", pk=PK,
    )


def test_normalize_folds_case_width_and_spaces():
    assert normalize("  ＷＨＯ \t who ") == "who who"
    assert normalize("Straße") == "strasse"


def test_folding_text_keeps_every_offset():
    for text in ("Straße İstanbul ﬁ ＷＨＯ 人口基金", "ǅ", "ΣΑΣ"):
        folded = fold_keeping_length(text)
        assert len(folded) == len(text)
    assert fold_keeping_length("ＷＨＯ和WHO") == "who和who"


@pytest.mark.parametrize("raw", ["x" * 201, "x" * 801, "a " * 25, "a\x00b", "\x1b[31m", "ﷺ" * 10])
def test_queries_over_the_limits_or_with_control_characters_are_refused(raw):
    with pytest.raises(ParameterError):
        parse_query(raw)


def test_queries_within_the_limits_are_normalized():
    assert parse_query(" UNFPA ") == "unfpa"
    assert parse_query("x" * MAX_QUERY_CHARS) == "x" * MAX_QUERY_CHARS
    assert len(parse_query("United Nations Entity for Gender Equality and the Empowerment of Women").split()) == 11
    assert parse_query("a\tb") == "a b"
    assert parse_query(None) == ""


def test_type_filter_is_one_of_the_known():
    assert parse_type("agency") == "agency" and parse_type(None) == ""
    with pytest.raises(ParameterError):
        parse_type("agency ")


def test_exact_acronym_before_names_that_merely_contain_it(index):
    found = index.match_entities("who")
    assert [(tier, e.iri.removeprefix(ID)) for tier, e, _ in found] == [(EXACT_NOTATION, "org/WHO"), (PREFIX, "instrument/Who-Knows")]


def test_tiers_rank_exact_label_alt_prefix_words_substring(index):
    def tier(q: str, ident: str) -> int:
        return next(t for t, e, _ in index.match_entities(q) if e.iri == ID + ident)

    assert tier("world health organization", "org/WHO") == EXACT_LABEL
    assert tier("人口基金", "org/UNFPA") == EXACT_ALT
    assert tier("un system", "org/UN-System") == EXACT_ALT  # its id, read as words
    assert tier("united nations pop", "org/UNFPA") == PREFIX
    assert tier("population united", "org/UNFPA") == WORD_PREFIX
    assert tier("opulation", "org/UNFPA") == SUBSTRING


def test_an_acronym_finds_the_passage_naming_the_entity_in_chinese(index):
    found = index.search("unfpa")
    assert [p["href"] for p in found["passages"]] == ["/x/para/1"]
    marked = [s["text"] for s in found["passages"][0]["segments"] if s.get("mark")]
    assert marked == ["人口基金"]
    assert found["passages"][0]["via"][0]["acronym"] == "UNFPA"


def test_passages_match_their_own_text_too_with_every_word(index):
    found = index.search("who capitals")
    assert [p["href"] for p in found["passages"]] == ["/x/para/3"]
    assert [s["text"] for s in found["passages"][0]["segments"] if s.get("mark")] == ["WHO", "capitals"]


def test_type_filter_keeps_the_counts(index):
    everything = index.search("united nations")
    only = index.search("united nations", "agency")
    assert only["counts"] == everything["counts"] and only["passages"] == []
    assert {e["type"] for e in only["entities"]} == {"agency"}
    text = index.search("人口基金", "text")
    assert text["entities"] == [] and text["passages"]


def test_groups_are_flagged(index):
    (hit,) = index.suggest("united nations system")
    assert hit["group"] is True and hit["href"] == "/x/org/UN-System"


def test_segments_merge_overlapping_marks_and_drop_out_of_range_ones():
    assert _segments("abcdef", [(1, 3), (2, 3), (10, 2), (0, 0)]) == [{"text": "a"}, {"text": "bcde", "mark": True}, {"text": "f"}]


def test_the_search_boxes_take_as_much_as_the_server_does():
    from pathlib import Path

    import service

    root = Path(service.__file__).parent
    for name in ("templates/base.html", "templates/search.html"):
        assert f'maxlength="{MAX_QUERY_CHARS}"' in (root / name).read_text(encoding="utf-8"), name
    assert f"q.length > {MAX_QUERY_CHARS}" in (root / "static/js/suggest.js").read_text(encoding="utf-8")
