"""The W3C SPARQL 1.1 Service Description suite (``../shared/w3c/sparql11-service-description``).

The manifest names three tests without requests (``mf:ServiceDescriptionTest``);
each is encoded here from the Service Description recommendation (section 3:
"a service description … when the endpoint is dereferenced" by GET):

- ``returns-rdf``: GET on the endpoint answers RDF, in every RDF syntax the
  service offers (and the syntax asked for).
- ``has-endpoint-triple``: the description has ``<endpoint> sd:endpoint <endpoint>``
  for the endpoint's IRI. The service names itself from ``PLANKG_BASE_IRI``,
  never from the Host header (README "Limits"), so the matching IRI is the
  configured one, ``<base>sparql``, whatever address the test server listens on.
- ``conforms-to-schema``: every ``sd:`` term used is one the vocabulary defines,
  with the domain and range it gives it.
"""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

import w3c_http

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = "http://www.w3.org/ns/formats/"
ENTAILMENT = "http://www.w3.org/ns/entailment/"
B = "http://127.0.0.1:8000/"
SUITE = w3c_http.suite("sparql11-service-description")
NAMES = [t.name for t in w3c_http.read_manifest(SUITE / "manifest.ttl")]
RDF_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")

# The vocabulary (Service Description, section 3): property -> (domain, range); None: a literal / any IRI
PROPERTIES = {
    SD.endpoint: (SD.Service, None),
    SD.feature: (SD.Service, SD.Feature),
    SD.defaultEntailmentRegime: (SD.Service, SD.EntailmentRegime),
    SD.supportedLanguage: (SD.Service, SD.Language),
    SD.resultFormat: (SD.Service, None),
    SD.inputFormat: (SD.Service, None),
    SD.defaultDataset: (SD.Service, SD.Dataset),
    SD.availableGraphs: (SD.Service, SD.GraphCollection),
    SD.defaultGraph: (SD.Dataset, SD.Graph),
    SD.namedGraph: (SD.GraphCollection, SD.NamedGraph),
    SD.name: (SD.NamedGraph, None),
    SD.graph: (SD.NamedGraph, SD.Graph),
}
CLASSES = {SD.Service, SD.Dataset, SD.Graph, SD.NamedGraph, SD.GraphCollection, SD.Language, SD.Feature, SD.EntailmentRegime, SD.Aggregate, SD.Function}
SUBCLASSES = {SD.GraphCollection: {SD.Dataset}}  # a class -> its subclasses in the vocabulary
INSTANCES = {
    SD.Language: {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update},
    SD.Feature: {SD.DereferencesURIs, SD.UnionDefaultGraph, SD.RequiresDataset, SD.EmptyGraphs, SD.BasicFederatedQuery},
}


def is_a(typed: set, node, cls) -> bool:
    return any((node, c) in typed for c in {cls, *SUBCLASSES.get(cls, ())})


def test_the_manifest_names_the_three_tests_encoded_here():
    assert sorted(NAMES) == ["conforms-to-schema", "has-endpoint-triple", "returns-rdf"]


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def description(client: httpx.Client) -> Graph:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and w3c_http.media(r) == "text/turtle", r.text
    return Graph().parse(data=r.content, format="turtle", publicID=B)


@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_returns_rdf(client, media):
    r = client.get("/sparql", headers={"Accept": media})
    assert r.status_code == 200 and w3c_http.media(r) == media, r.text
    triples = [q.triple for q in ox.parse(r.content, format=ox.RdfFormat.from_media_type(media), base_iri=B)]
    assert ox.Triple(ox.NamedNode(B + "sparql"), ox.NamedNode(str(RDF.type)), ox.NamedNode(str(SD.Service))) in triples


def test_has_endpoint_triple(client):
    endpoint = URIRef(B + "sparql")
    assert (endpoint, SD.endpoint, endpoint) in description(client)


def test_conforms_to_schema(client):
    g = description(client)
    typed = {(s, o) for s, o in g.subject_objects(RDF.type)}
    used = {p for p in g.predicates() if str(p).startswith(str(SD))}
    assert used and used <= set(PROPERTIES), used - set(PROPERTIES)
    for cls in {o for _, o in typed if str(o).startswith(str(SD))}:
        assert cls in CLASSES, cls
    for s, p, o in g:
        if p not in PROPERTIES:
            continue
        domain, range_ = PROPERTIES[p]
        assert is_a(typed, s, domain), (s, p, o)
        if range_ is None:
            assert isinstance(o, (URIRef, Literal)), (s, p, o)
        elif range_ == SD.EntailmentRegime:
            assert str(o).startswith(ENTAILMENT), o  # the regimes the W3C names, not typed in a description
        elif range_ in INSTANCES:
            assert o in INSTANCES[range_], (p, o)
        else:
            assert is_a(typed, o, range_), (s, p, o)
    for fmt in g.objects(None, SD.resultFormat):
        assert str(fmt).startswith(FORMATS), fmt
