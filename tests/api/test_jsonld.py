"""JSON-LD for developers, readable Turtle, and descriptions that can be followed (issue 18).

- The published context (/context.jsonld, and its versioned IRI) has a term for every
  predicate and class of the built graph, with language maps, type coercion and aliases.
- pyld, a maintained JSON-LD processor, expands every entity kind's JSON-LD to exactly
  the triples of its Turtle; its document loader serves nothing (nothing is fetched).
- No Turtle or TriG answer or dump writes an escaped slash in a prefixed name.
- /id/org/UNFPA leads, in every format, to the interventions and passages naming it.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
import pytest
from pyld import jsonld

from plankg.namespaces import (
    ENTITY_KIND_PREFIXES,
    RDF_TYPE,
    RDFS,
    SKOS,
    XSD,
    Namespaces,
)
from plankg.settings import Settings

NS = Namespaces.of(Settings())
OX_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES, "application/rdf+xml": ox.RdfFormat.RDF_XML}
# a prefixed name whose local part holds "\/": what the issue found in id:org\/UNFPA
ESCAPED_NAME = re.compile(rb"(?:^|[\s;,(\[{])[A-Za-z][\w-]*:[^\s<>\"]*\\/", re.M)


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def published(client) -> dict:
    r = client.get("/context.jsonld")
    assert r.status_code == 200 and r.headers["content-type"] == "application/ld+json"
    return r.json()["@context"]


def refuse(url: str, options: dict | None = None) -> dict:
    raise AssertionError(f"a JSON-LD processor tried to load {url}")


def expand_term(context: dict, value: str) -> str:
    prefix, colon, local = value.partition(":")
    if colon and isinstance(context.get(prefix), str):
        return context[prefix] + local
    return value


def term_targets(context: dict) -> dict[str, str]:
    """IRI -> term for every term definition."""
    out = {}
    for term, definition in context.items():
        target = definition["@id"] if isinstance(definition, dict) else definition
        if not target.startswith("@"):
            out[expand_term(context, target)] = term
    return out


def one_entity_per_kind(built_graph) -> list[str]:
    """The first IRI of every kind of entity the graph mints (and the plan itself)."""
    found: dict[str, str] = {}
    for q in built_graph.quads:
        iri = q.subject.value
        if isinstance(q.subject, ox.NamedNode) and iri.startswith(NS.id):
            kind = iri[len(NS.id):].split("/")[0]
            if kind not in found or iri < found[kind]:
                found[kind] = iri
    return sorted(found.values())


def turtle_triples(client, path: str) -> set:
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    return {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)}


def pyld_triples(doc: dict) -> set:
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": refuse})
    return {q.triple for q in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)}


# ---------------------------------------------------------------- the context


def test_context_has_a_term_for_every_predicate_and_class_of_the_built_graph(published, built_graph):
    targets = term_targets(published)
    predicates = {q.predicate.value for q in built_graph.quads} - {RDF_TYPE}
    classes = {q.object.value for q in built_graph.quads if q.predicate.value == RDF_TYPE}
    missing = sorted(i for i in predicates | classes if i not in targets)
    assert not missing, f"no term in /context.jsonld for {missing[:10]}"


def test_context_terms_say_how_values_read(published):
    assert published["id"] == "@id" and published["type"] == "@type"
    assert published["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert published["impactArea"] == {"@id": "pk:impactArea", "@type": "@id"}
    assert expand_term(published, published["paragraphNumber"]["@type"]) == XSD + "integer"
    assert expand_term(published, published["ImpactArea"]) == NS.term("ImpactArea")
    # entity IRIs are never compacted: a client can fetch what it reads
    assert "id" not in {k for k, v in published.items() if isinstance(v, str) and v == NS.id}


def test_context_has_a_versioned_iri_that_never_changes(client, published):
    r = client.get("/context.jsonld")
    canonical = r.headers["link"].split(">")[0].lstrip("<")
    assert re.fullmatch(re.escape(NS.base) + r"context/[0-9a-f]{12}\.jsonld", canonical)
    versioned = client.get(urlsplit(canonical).path)
    assert versioned.status_code == 200 and versioned.json()["@context"] == published
    assert "immutable" in versioned.headers["cache-control"]
    assert client.get("/context/000000000000.jsonld").status_code == 404
    assert client.get("/context.jsonld", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


# ---------------------------------------------------------------- compacted entities, expanded by pyld


def test_unfpa_reads_as_a_developer_expects(client):
    doc = client.get("/id/org/UNFPA", headers={"Accept": "application/ld+json"}).json()
    node = doc["@graph"][0]
    assert node["id"] == NS.entity("org/UNFPA")
    assert node["type"] == "UNEntity"
    assert node["prefLabel"]["en"] == "United Nations Population Fund" and node["prefLabel"]["zh"] == "联合国人口基金"
    assert node["notation"] == "UNFPA"
    assert isinstance(doc["@context"], dict), "the context is inline: nothing to fetch"


def test_pyld_expands_every_entity_kind_to_the_turtle_triples(client, built_graph):
    kinds = one_entity_per_kind(built_graph)
    assert len(kinds) >= len(ENTITY_KIND_PREFIXES)
    for iri in kinds:
        path = urlsplit(iri).path
        r = client.get(path, headers={"Accept": "application/ld+json"})
        assert r.status_code == 200, path
        expanded = pyld_triples(r.json())
        assert expanded == turtle_triples(client, path), path
        assert len(expanded) >= 2, path


def test_typed_literals_and_language_maps_survive_the_round_trip(client):
    doc = client.get("/id/para/49", headers={"Accept": "application/ld+json"}).json()
    node = doc["@graph"][0]
    assert node["paragraphNumber"] == "49"  # coerced by the context: xsd:integer on expansion
    number = [t for t in pyld_triples(doc) if t.predicate.value == NS.term("paragraphNumber")]
    assert [(t.object.value, t.object.datatype.value) for t in number] == [("49", XSD + "integer")]


# ---------------------------------------------------------------- readable Turtle and TriG


def test_no_turtle_answer_writes_an_escaped_slash(client, built_graph):
    paths = [urlsplit(i).path for i in one_entity_per_kind(built_graph)] + ["/id/para/49/item/3", "/id/collaboration/56-2/UNDP", "/ontology", "/void"]
    for path in paths:
        body = client.get(path, headers={"Accept": "text/turtle"}).content
        assert not ESCAPED_NAME.search(body), (path, ESCAPED_NAME.search(body))
    construct = client.get("/sparql", params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(<" + NS.id + ">))) } LIMIT 2000"},
                           headers={"Accept": "text/turtle"})
    assert construct.status_code == 200 and b"@prefix organization:" in construct.content
    assert not ESCAPED_NAME.search(construct.content)


def test_entity_kinds_get_their_own_prefix(client):
    body = client.get("/id/org/UNFPA", headers={"Accept": "text/turtle"}).text
    assert f"@prefix organization: <{NS.id}org/> ." in body and "organization:UNFPA" in body


@pytest.mark.parametrize("name", ["plankg.ttl", "plankg.trig"])
def test_no_dump_writes_an_escaped_slash(client, built_graph, name):
    served = client.get("/dumps/" + name).content
    built = next(p for p in built_graph.outputs if p.name == name).read_bytes()
    for body in (served, built):
        assert b"@prefix para:" in body
        assert not ESCAPED_NAME.search(body)
    parsed = {q.triple for q in ox.parse(served, format=ox.RdfFormat.TRIG)}
    assert parsed == {q.triple for q in built_graph.quads}


def test_jsonld_dump_expands_to_the_whole_dataset(client, built_graph):
    doc = client.get("/dumps/plankg.jsonld").json()
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": refuse})
    back = set(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS))

    def named(quads) -> set:
        return {q for q in quads if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}

    # blank nodes (OWL unions in the ontology) are renamed on the way; everything else is exact
    assert named(back) == named(built_graph.quads)
    assert len(back) == len(set(built_graph.quads))


# ---------------------------------------------------------------- descriptions that can be followed


def naming(built_graph, iri: str) -> dict[str, set[str]]:
    """predicate -> subjects of the statements pointing to iri in the store."""
    out: dict[str, set[str]] = {}
    for q in built_graph.quads:
        if q.object.value == iri and isinstance(q.object, ox.NamedNode):
            out.setdefault(q.predicate.value, set()).add(q.subject.value)
    return out


@pytest.mark.parametrize("media", ["text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"])
def test_unfpa_leads_to_the_interventions_and_passages_naming_it(client, built_graph, media):
    unfpa = NS.entity("org/UNFPA")
    r = client.get("/id/org/UNFPA", headers={"Accept": media})
    assert r.status_code == 200
    triples = pyld_triples(r.json()) if media == "application/ld+json" else {q.triple for q in ox.parse(r.content, format=OX_FORMATS[media])}
    expected = naming(built_graph, unfpa)
    interventions = {t.subject.value for t in triples if t.predicate.value == NS.term("hasCollaborator") and t.object.value == unfpa}
    passages = {t.subject.value for t in triples if t.predicate.value == NS.term("namesOrganization") and t.object.value == unfpa}
    assert interventions == expected[NS.term("hasCollaborator")] and len(interventions) >= 1
    assert passages == expected[NS.term("namesOrganization")] and len(passages) >= 6
    labelled = {t.subject.value for t in triples if t.predicate.value in (SKOS + "prefLabel", RDFS + "label")}
    assert interventions | passages <= labelled, "every linked entity comes with its label"
    sources = {t.object.value for t in triples if t.subject.value in interventions and t.predicate.value == NS.term("sourceParagraph")}
    assert not sources or sources <= labelled


def test_the_html_page_shows_the_same_links(client, built_graph):
    unfpa = NS.entity("org/UNFPA")
    page = client.get("/id/org/UNFPA", headers={"Accept": "text/html"}).text
    expected = naming(built_graph, unfpa)
    for subject in expected[NS.term("hasCollaborator")] | expected[NS.term("namesOrganization")]:
        assert f'href="{urlsplit(subject).path}"' in page, subject


def test_many_incoming_links_are_bounded_and_paged(client, built_graph):
    """UN Women is pointed to by hundreds of statements: the description holds a bounded share
    and links to pages that, together, hold every one of them."""
    un_women = NS.entity("org/UN-Women")
    expected = {(p, s) for p, subjects in naming(built_graph, un_women).items() for s in subjects}
    described = turtle_triples(client, "/id/org/UN-Women")
    shown = {(t.predicate.value, t.subject.value) for t in described if t.object.value == un_women}
    assert shown < expected
    see_also = [t.object.value for t in described if t.subject.value == un_women and t.predicate.value == RDFS + "seeAlso"]
    assert see_also == [un_women + "?incoming=1"]
    collected, page = set(), see_also[0]
    while page:
        triples = turtle_triples(client, urlsplit(page).path + "?" + urlsplit(page).query)
        collected |= {(t.predicate.value, t.subject.value) for t in triples if t.object.value == un_women}
        more = [t.object.value for t in triples if t.predicate.value == RDFS + "seeAlso"]
        page = more[0] if more else None
    assert collected == expected
    html = client.get("/id/org/UN-Women", headers={"Accept": "text/html"}).text
    assert 'href="/id/org/UN-Women?incoming=1"' in html
    assert client.get("/id/org/UN-Women?incoming=1", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/id/org/UN-Women?incoming=999").status_code == 404
    assert client.get("/id/org/UN-Women?incoming=0").status_code == 400


def test_served_jsonld_names_no_remote_context(client, built_graph):
    for iri in one_entity_per_kind(built_graph)[:5]:
        body = client.get(urlsplit(iri).path, headers={"Accept": "application/ld+json"}).json()
        assert not isinstance(body["@context"], str | list), json.dumps(body["@context"])[:80]


def test_build_writes_the_context_the_service_publishes(published, built_graph):
    written = next(p for p in built_graph.outputs if p.name == "context.jsonld")
    assert json.loads(written.read_bytes())["@context"] == published
