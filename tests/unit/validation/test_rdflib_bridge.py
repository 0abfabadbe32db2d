"""plankg.store.rdflib_bridge: quads into rdflib for pySHACL; the SPARQL of shapes cannot reach out
(plankg.validation: ``refuse_reaching_out`` for uploaded shapes, ``LocalQueryGraph`` under pySHACL)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.errors import FeatureDisabled
from plankg.store.rdflib_bridge import from_rdflib_graph, to_rdflib_graph

XSD = "http://www.w3.org/2001/XMLSchema#"


def q(s: str, p: str, o) -> ox.Quad:
    return ox.Quad(ox.NamedNode(s), ox.NamedNode(p), o, ox.NamedNode("http://example.org/g"))


def test_literals_keep_their_lexical_form_even_when_ill_typed():
    quads = [
        q("http://x/a", "http://x/n", ox.Literal("01", datatype=ox.NamedNode(XSD + "integer"))),
        q("http://x/a", "http://x/bad", ox.Literal("12a", datatype=ox.NamedNode(XSD + "integer"))),
        q("http://x/a", "http://x/label", ox.Literal("联合国", language="zh")),
        q("http://x/a", "http://x/plain", ox.Literal("plain")),
        q("http://x/a", "http://x/b", ox.BlankNode("b1")),
    ]
    back = {str(t.object) for t in from_rdflib_graph(to_rdflib_graph(quads))}
    assert '"01"^^<http://www.w3.org/2001/XMLSchema#integer>' in back
    assert '"12a"^^<http://www.w3.org/2001/XMLSchema#integer>' in back
    assert '"联合国"@zh' in back
    assert '"plain"' in back
    assert len(back) == 5


def test_graph_names_are_dropped_into_one_union_graph():
    quads = [q("http://x/a", "http://x/p", ox.Literal("v")), ox.Quad(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p"), ox.Literal("v"))]
    assert len(to_rdflib_graph(quads)) == 1


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * FROM <http://example.org/data.ttl> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } } }",
    ],
)
def test_sparql_that_would_fetch_data_is_refused(query):
    from plankg.validation.engines import LocalQueryGraph
    from plankg.validation.shapes import refuse_reaching_out

    graph = to_rdflib_graph([q("http://x/a", "http://x/p", ox.Literal("v"))], LocalQueryGraph())
    with pytest.raises(FeatureDisabled):
        list(graph.query(query))
    with pytest.raises(FeatureDisabled):
        refuse_reaching_out(query)


def test_a_local_query_runs_and_is_parsed_once():
    from plankg.validation.engines import LocalQueryGraph, _prepared

    graph = to_rdflib_graph([q("http://x/a", "http://x/p", ox.Literal("v"))], LocalQueryGraph())
    text = "SELECT ?o WHERE { <http://x/a> <http://x/p> ?o }"
    before = _prepared.cache_info().hits
    assert [str(row[0]) for row in graph.query(text)] == ["v"]
    assert [str(row[0]) for row in graph.query(text)] == ["v"]
    assert _prepared.cache_info().hits >= before + 1
