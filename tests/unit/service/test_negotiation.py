import pytest

from plankg.errors import ParameterError
from service.negotiation import (
    GRAPH_OFFERS,
    RESULT_OFFERS,
    choose,
    formats_for,
    parse_accept,
    prefers_html,
    quality,
)


def test_no_accept_header_gives_json_results_and_turtle_graphs():
    assert formats_for(None) == {"select": "json", "ask": "json", "graph": "turtle"}


def test_star_star_gives_the_server_defaults():
    assert formats_for("*/*") == {"select": "json", "ask": "json", "graph": "turtle"}


def test_highest_q_wins_regardless_of_order():
    got = formats_for("application/sparql-results+xml;q=0.5, text/csv;q=0.9, application/sparql-results+json;q=0.1")
    assert got["select"] == "csv"


def test_q_zero_excludes_a_type_even_under_a_wildcard():
    got = formats_for("application/sparql-results+json;q=0, */*")
    assert got["select"] == "xml"  # next offer in server order


def test_more_specific_range_overrides_wildcard_weight():
    ranges = parse_accept("text/*;q=0.2, text/csv, */*;q=0.1")
    assert quality(ranges, "text/csv") == 1.0
    assert quality(ranges, "text/tab-separated-values") == 0.2
    assert quality(ranges, "application/sparql-results+json") == 0.1


def test_type_wildcard_only_matches_its_type():
    got = formats_for("text/*")
    assert got["select"] == "csv"
    assert got["graph"] == "turtle"


def test_nothing_acceptable_leaves_the_kind_out():
    got = formats_for("image/png")
    assert got == {}


def test_results_only_accept_has_no_graph_format():
    got = formats_for("application/sparql-results+json")
    assert "graph" not in got and got["select"] == "json"


def test_parameters_and_whitespace_are_tolerated():
    got = formats_for(' text/turtle ; charset="utf-8" ; q=0.4 ,application/ld+json;profile="http://www.w3.org/ns/json-ld#compacted";q=0.8')
    assert got["graph"] == "jsonld"


def test_quoted_comma_in_a_parameter_does_not_split_the_range():
    ranges = parse_accept('application/ld+json;profile="a,b";q=0.3, text/turtle;q=0.2')
    assert [(r.subtype, r.q) for r in ranges] == [("ld+json", 0.3), ("turtle", 0.2)]


def test_malformed_members_are_skipped():
    ranges = parse_accept("garbage, text/csv;q=abc, */html, application/sparql-results+xml")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "csv", 0.0), ("application", "sparql-results+xml", 1.0)]


def test_q_values_are_clamped_to_zero_and_one():
    ranges = parse_accept("text/csv;q=7, text/turtle;q=-1")
    assert [r.q for r in ranges] == [1.0, 0.0]


def test_accept_extension_after_q_is_not_a_media_parameter():
    (r,) = parse_accept("text/csv;q=0.5;level=1")
    assert r.params == () and r.q == 0.5


def test_ties_go_to_server_order():
    assert choose(parse_accept("text/csv, application/sparql-results+json"), RESULT_OFFERS)[1] == "json"


def test_plain_json_and_xml_map_to_results_and_graphs():
    assert formats_for("application/json") == {"select": "json", "ask": "json", "graph": "jsonld"}
    assert formats_for("application/xml") == {"select": "xml", "ask": "xml", "graph": "rdfxml"}


def test_text_plain_means_ntriples_for_graphs():
    assert formats_for("text/plain") == {"graph": "ntriples"}


def test_browser_accept_prefers_xml_results_over_wildcard():
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    got = formats_for(browser)
    assert got["select"] == "xml" and got["graph"] == "rdfxml"
    assert prefers_html(browser)


def test_wildcard_alone_does_not_count_as_asking_for_html():
    assert not prefers_html("*/*")
    assert not prefers_html(None)
    assert not prefers_html("text/html;q=0.1, text/turtle")


def test_format_parameter_overrides_accept():
    assert formats_for("text/turtle", "csv") == {"select": "csv", "ask": "csv"}
    assert formats_for(None, "json") == {"select": "json", "ask": "json", "graph": "jsonld"}
    assert formats_for(None, "text/turtle") == {"graph": "turtle"}


def test_format_parameter_limited_to_requested_kinds():
    assert formats_for(None, "xml", kinds=("graph",)) == {"graph": "rdfxml"}


@pytest.mark.parametrize("bad", ["yaml", "image/png", ""])
def test_unknown_format_parameter_is_a_parameter_error(bad):
    if bad == "":
        assert formats_for(None, bad) == formats_for(None)  # empty means "not given"
        return
    with pytest.raises(ParameterError):
        formats_for(None, bad)


def test_graph_offer_order_makes_turtle_the_default():
    assert choose([], GRAPH_OFFERS)[1] == "turtle"


def test_repeated_and_comma_separated_format_values_as_sparqlwrapper_sends_them():
    assert formats_for("text/tab-separated-values", ["tsv", "text/tab-separated-values"], kinds=("select",)) == {"select": "tsv"}
    got = formats_for(None, ["json-ld", "application/ld+json,application/x-json+ld"], kinds=("graph",))
    assert got == {"graph": "jsonld"}


def test_unknown_values_beside_a_known_one_are_ignored():
    assert formats_for(None, ["application/x-json+ld", "csv"], kinds=("select",)) == {"select": "csv"}


def test_q_values_are_ascii_numbers_only():
    """float() takes these; a NaN q-value would make the ranking depend on the order of comparisons."""
    ranges = parse_accept("text/csv;q=nan, text/turtle;q=inf, application/ld+json;q=１, text/html;q=1e0, application/rdf+xml;q=0.5")
    assert [r.q for r in ranges] == [0.0, 0.0, 0.0, 0.0, 0.5]
