"""Directory helpers: A–Z letters, case-insensitive ids, close ids, sections."""

from __future__ import annotations

import pytest

from plankg.errors import NotAcceptable, ParameterError
from service.directory import canonical, close_ids, initial, sections
from service.negotiation import page_or_json

IDS = ["UNFPA", "UN-Women", "UNDP", "WHO"]


def test_initial_is_a_latin_letter_or_hash():
    assert initial("unfpa") == "U"
    assert initial("Élysée") == "E"
    assert initial("联合国") == "#"
    assert initial("1325") == "#"
    assert initial("") == "#"


def test_canonical_ignores_case_only():
    assert canonical("unfpa", IDS) == "UNFPA"
    assert canonical("un-women", IDS) == "UN-Women"
    assert canonical("unwomen", IDS) is None
    assert canonical("UNFPA/../x", IDS) is None
    assert canonical("x" * 500, IDS) is None


def test_close_ids_suggest_near_misses_and_refuse_odd_input():
    assert close_ids("UNFPB", IDS)[0] == "UNFPA"
    assert close_ids("<script>", IDS) == []
    assert close_ids("a" * 200, IDS) == []


def test_sections_group_consecutive_letters():
    out = sections([{"letter": "A"}, {"letter": "A"}, {"letter": "B"}])
    assert [(s["letter"], len(s["entries"])) for s in out] == [("A", 2), ("B", 1)]


def test_page_or_json_prefers_the_page_unless_json_is_asked_for():
    assert page_or_json(None, None) == "html"
    assert page_or_json("*/*", None) == "html"
    assert page_or_json("text/html,application/xhtml+xml,*/*;q=0.8", None) == "html"
    assert page_or_json("application/json", None) == "json"
    assert page_or_json("text/html", "json") == "json"
    with pytest.raises(ParameterError):
        page_or_json(None, "xml")
    with pytest.raises(NotAcceptable):
        page_or_json("text/turtle", None)
