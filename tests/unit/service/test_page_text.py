"""Cutting a unit's text into plain pieces, entity links and footnote markers."""

from __future__ import annotations

from service.page_data import anchor, highlight, pieces, valid_slug


def test_mentions_and_cited_footnote_markers_become_pieces():
    text = "与人口基金合作。²⁶"
    marks = {1: {"length": 4, "href": "/agency/UNFPA", "kind": "org"}}
    out = pieces(text, marks, {26})
    assert out == [
        {"text": "与"},
        {"text": "人口基金", "href": "/agency/UNFPA", "kind": "org"},
        {"text": "合作。"},
        {"text": "²⁶", "footnote": 26},
    ]
    assert "".join(p["text"] for p in out) == text


def test_a_superscript_the_unit_does_not_cite_stays_text():
    assert pieces("面积 10²", {}, {1}) == [{"text": "面积 10²"}]


def test_a_mention_running_past_the_end_is_ignored():
    assert pieces("短", {0: {"length": 5, "href": "/x", "kind": "org"}}, set()) == [{"text": "短"}]


def test_highlight_marks_and_skips_overlaps():
    assert highlight("abcdef", [(1, 2), (2, 2), (4, 1)]) == [
        {"text": "a"},
        {"text": "bc", "mark": True},
        {"text": "d"},
        {"text": "e", "mark": True},
        {"text": "f"},
    ]


def test_anchor_and_slug():
    assert anchor("para/49/item/3") == "para-49-item-3"
    assert valid_slug("UN-Women") and valid_slug("S-RES-1325-2000")
    assert not valid_slug("../etc") and not valid_slug("a b") and not valid_slug("")
