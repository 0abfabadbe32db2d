"""Real SPARQL clients against the live server: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import csv
import io
import xml.dom.minidom

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, TSV, TURTLE, XML, SPARQLWrapper

B = "http://127.0.0.1:8000/"
PK = B + "ontology#"
AREAS = f"PREFIX pk: <{PK}> SELECT ?area WHERE {{ ?area a pk:ImpactArea }} ORDER BY ?area"
AREA_GRAPH = f"PREFIX pk: <{PK}> CONSTRUCT {{ ?area a pk:ImpactArea ; ?p ?o }} WHERE {{ ?area a pk:ImpactArea ; ?p ?o }}"
EXPECTED_AREAS = [B + "id/area/" + a for a in sorted(["evaw", "governance", "wee", "wps"])]


def wrapper(live_server: str, query: str, fmt: str, method: str = GET) -> SPARQLWrapper:
    sparql = SPARQLWrapper(live_server + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_select_json(live_server, method):
    result = wrapper(live_server, AREAS, JSON, method).queryAndConvert()
    assert [b["area"]["value"] for b in result["results"]["bindings"]] == EXPECTED_AREAS


def test_sparqlwrapper_select_xml(live_server):
    doc = wrapper(live_server, AREAS, XML).queryAndConvert()
    assert isinstance(doc, xml.dom.minidom.Document)
    assert [u.firstChild.data for u in doc.getElementsByTagName("uri")] == EXPECTED_AREAS


def test_sparqlwrapper_select_csv(live_server):
    data = wrapper(live_server, AREAS, CSV).queryAndConvert()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows == [["area"]] + [[a] for a in EXPECTED_AREAS]


def test_sparqlwrapper_select_tsv(live_server):
    data = wrapper(live_server, AREAS, TSV).queryAndConvert()
    assert data.decode("utf-8").splitlines() == ["?area"] + [f"<{a}>" for a in EXPECTED_AREAS]


def test_sparqlwrapper_ask_json(live_server):
    assert wrapper(live_server, f"ASK {{ <{B}id/area/evaw> ?p ?o }}", JSON).queryAndConvert()["boolean"] is True


def test_sparqlwrapper_construct_turtle(live_server):
    graph = wrapper(live_server, AREA_GRAPH, TURTLE).queryAndConvert()
    g = rdflib.Graph().parse(data=graph, format="turtle")
    assert sorted(str(s) for s in g.subjects(rdflib.RDF.type, rdflib.URIRef(PK + "ImpactArea"))) == EXPECTED_AREAS


# SPARQLWrapper reads JSON-LD into rdflib's ConjunctiveGraph, which rdflib itself now deprecates
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_sparqlwrapper_construct_jsonld(live_server):
    graph = wrapper(live_server, AREA_GRAPH, JSONLD).queryAndConvert()
    subjects = {str(s) for s in graph.subjects(rdflib.RDF.type, rdflib.URIRef(PK + "ImpactArea"))}
    assert sorted(subjects) == EXPECTED_AREAS


def test_rdflib_sparqlstore_select_json(live_server):
    store = SPARQLStore(live_server + "/sparql", returnFormat="json")
    rows = list(rdflib.Graph(store=store).query(AREAS))
    assert [str(row.area) for row in rows] == EXPECTED_AREAS
    store.close()


def test_rdflib_sparqlstore_select_and_construct_with_its_defaults(live_server):
    # rdflib's default asks for SPARQL XML or RDF/XML, which serves both query kinds
    store = SPARQLStore(live_server + "/sparql")
    graph = rdflib.Graph(store=store)
    rows = list(graph.query(AREAS))
    assert [str(row.area) for row in rows] == EXPECTED_AREAS
    constructed = graph.query(AREA_GRAPH).graph
    assert len(constructed) > 4
    assert sorted(str(s) for s in constructed.subjects(rdflib.RDF.type, rdflib.URIRef(PK + "ImpactArea"))) == EXPECTED_AREAS
    store.close()


def test_rdflib_sparqlstore_post(live_server):
    store = SPARQLStore(live_server + "/sparql", method="POST_FORM")
    rows = list(rdflib.Graph(store=store).query(AREAS))
    assert [str(row.area) for row in rows] == EXPECTED_AREAS
    store.close()
