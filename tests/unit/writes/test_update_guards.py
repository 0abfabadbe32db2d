"""plankg.sparqltext.check_update and update_graphs: what an update may reach, read lexically."""

from __future__ import annotations

import pytest

from plankg.errors import FeatureDisabled, QuerySyntaxError, QueryTooComplex
from plankg.sparqltext import check_update, update_graphs


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }",
        "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        'INSERT DATA { <urn:x:a> <urn:x:b> "LOAD <file:///etc/passwd> SERVICE" }',
        "# LOAD <http://example.org/x>\nDELETE WHERE { <urn:x:a> ?p ?o }",
        "DELETE { ?s ?p ?o } USING <http://example.org/other-host/g> WHERE { ?s ?p ?o }",
    ],
    ids=["insert-data", "with", "keywords-in-a-string", "keyword-in-a-comment", "using-a-remote-name"],
)
def test_updates_that_stay_in_the_store_pass(text):
    check_update(text, max_chars=10_000)


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://example.org/data.ttl>",
        "load <file:///etc/passwd> into graph <urn:x:g>",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "INSERT DATA { GRAPH <file:///tmp/g> { <urn:x:a> <urn:x:b> <urn:x:c> } }",
        "DELETE { ?s ?p ?o } USING NAMED <FILE:///etc/passwd> WHERE { ?s ?p ?o }",
        "WITH <file:///x> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "INSERT DATA { GRAPH <file\\u003a///tmp/g> { <urn:x:a> <urn:x:b> <urn:x:c> } }",
        "BASE <file:///tmp/> INSERT DATA { GRAPH <g> { <urn:x:a> <urn:x:b> <urn:x:c> } }",
        "PREFIX f: <file:///tmp/> DELETE { ?s ?p ?o } USING f:g WHERE { ?s ?p ?o }",
    ],
    ids=["load", "load-lowercase", "service", "file-graph", "using-named-file", "with-file", "escaped-colon", "file-base", "file-prefix"],
)
def test_updates_that_reach_outside_are_refused(text):
    with pytest.raises(FeatureDisabled):
        check_update(text, max_chars=10_000)


def test_a_query_is_not_an_update():
    with pytest.raises(QuerySyntaxError, match="send queries to /sparql"):
        check_update("SELECT * WHERE { ?s ?p ?o }", max_chars=10_000)
    with pytest.raises(QuerySyntaxError):
        check_update("PREFIX x: <urn:x:>", max_chars=10_000)


def test_length_and_depth_are_limited():
    with pytest.raises(QueryTooComplex):
        check_update("INSERT DATA { " + "<urn:x:a> <urn:x:b> 1 . " * 100 + "}", max_chars=200)
    with pytest.raises(QueryTooComplex):
        check_update("INSERT { ?s ?p ?o } WHERE " + "{ " * 70 + "}" * 70, max_chars=10_000)


@pytest.mark.parametrize(
    "text,graphs",
    [
        ("INSERT DATA { GRAPH <http://g/1> { <urn:x:a> <urn:x:b> <urn:x:c> } }", {"http://g/1"}),
        ("PREFIX g: <http://g/> WITH g:x DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", {"http://g/x"}),
        ("DELETE { ?s ?p ?o } USING NAMED <http://g/n> USING <http://g/u> WHERE { GRAPH <http://g/n> { ?s ?p ?o } }", {"http://g/n", "http://g/u"}),
        ("ADD <http://g/a> TO <http://g/b>", {"http://g/a", "http://g/b"}),
        ("COPY DEFAULT TO GRAPH <http://g/b>", {"http://g/b"}),
        ('INSERT DATA { <urn:x:a> <urn:x:b> "GRAPH <http://g/not-a-graph>" }', set()),
        ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", None),
        ("DROP ALL", None),
        ("CLEAR NAMED", None),
        ("BASE <http://g/> INSERT DATA { GRAPH <x> { <a> <b> <c> } }", None),
        ("INSERT DATA { GRAPH undeclared:g { <urn:x:a> <urn:x:b> <urn:x:c> } }", None),
        ("PREFIX g: <http://g/> INSERT DATA { GRAPH g:a\\/b { <urn:x:a> <urn:x:b> <urn:x:c> } }", {"http://g/a/b"}),
        ("INSERT { GRAPH <http://g/n> { ?s ?p ?o } } WHERE { GRAPH <http\\u003a//g/plan> { ?s ?p ?o } }", None),
    ],
    ids=["graph", "with-pname", "using", "add", "copy-default", "in-a-string", "graph-variable", "drop-all", "clear-named", "base", "undeclared-prefix", "escaped-local-name", "escaped-iri"],
)
def test_update_graphs_names_what_an_update_can_reach(text, graphs):
    assert update_graphs(text) == graphs
