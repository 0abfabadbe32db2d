"""Jobs on a client's input (run in the sandbox in the service; called directly here)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.errors import BadRequest, FeatureDisabled, InputTooComplex
from plankg.untrusted import (
    Upload,
    WriteRequest,
    _may_name,
    _refuse_reaching_out,
    prepare_write,
    validate_upload,
)


@pytest.fixture
def settings(make_settings):
    return make_settings()


def test_deep_jsonld_is_refused_before_any_parser_reads_it(settings):
    deep = b'{"@id":"http://a","http://p":' * 5000 + b"{}" + b"}" * 5000
    with pytest.raises(InputTooComplex, match="request body nests more than"):
        validate_upload(ox.Store(), {}, settings, Upload(deep, "application/ld+json", "request body"), None, False, None)


def test_a_deep_sparql_constraint_in_uploaded_shapes_is_refused(settings):
    select = "SELECT $this WHERE { FILTER(" + "(" * 6000 + "true" + ")" * 6000 + ") }"
    shapes = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://x/S> a sh:NodeShape ; sh:targetNode <http://x/a> ; sh:sparql [ sh:select "{select}" ] .""".encode()
    data = Upload(b"<http://x/a> <http://x/p> 1 .", "text/turtle", "data")
    with pytest.raises(InputTooComplex, match="SPARQL constraint"):
        validate_upload(ox.Store(), {}, settings, data, Upload(shapes, "text/turtle", "shapes.ttl"), False, None)


@pytest.mark.parametrize(
    "update",
    [
        r"PREFIX ex: <http://x/> INSERT DATA { GRAPH <http://g/> { ex:a\#b ex:p 1 } } ; LOAD <http://127.0.0.1:9/x>",
        "INSERT { GRAPH <http://g/> { ?s ?p ?o } } WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        "LOAD SILENT <http://127.0.0.1:9/x> INTO GRAPH <http://g/>",
    ],
)
def test_the_parsed_update_is_checked_for_load_and_service(update):
    with pytest.raises(FeatureDisabled):
        _refuse_reaching_out(update)


@pytest.mark.parametrize(
    "update",
    [
        r"\u004COAD <http://127.0.0.1:9/x>",  # a codepoint escape, resolved before parsing
        "INSERT { GRAPH <http://g/> { ?s ?p ?o } } WHERE { SERV\u0131CE <http://127.0.0.1:9/x> { ?s ?p ?o } }",  # dotless ı: I
        "INSERT { GRAPH <http://g/> { ?s ?p ?o } } WHERE { \u017FERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",  # long ſ: S
    ],
)
def test_an_update_that_may_name_load_or_service_in_any_spelling_goes_to_the_parse(update):
    assert _may_name(update, ("load", "service"))


def test_an_update_without_either_word_is_not_parsed_again(monkeypatch):
    import rdflib.plugins.sparql.parser as parser

    def parse(text):
        raise AssertionError("parsed")

    monkeypatch.setattr(parser, "parseUpdate", parse)
    _refuse_reaching_out('INSERT DATA { GRAPH <http://g/> { <http://a> <http://b> "c" } }')
    with pytest.raises(AssertionError, match="parsed"):
        _refuse_reaching_out('INSERT DATA { GRAPH <http://g/> { <http://a> <http://b> "download" } }')


def test_an_update_the_second_parser_cannot_read_is_left_to_the_other_layers():
    _refuse_reaching_out("INSERT DATA { GRAPH <http://g/> { <http://a> <http://b> <<( <http://a> <http://b> <http://c> )>> } }")


def test_a_graph_store_body_naming_graphs_is_refused(settings):
    body = Upload(b"<http://g/> { <http://a> <http://b> 1 . }", "application/trig", "request body")
    request = WriteRequest("post", settings.base_iri + "graph/partners", body=body)
    with pytest.raises(BadRequest, match="names graphs of its own"):
        prepare_write(ox.Store(), {}, settings, request, True)
