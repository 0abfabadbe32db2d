"""plankg.jsonld: the context generated from the data, and compaction that pyld expands back."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from pyld import jsonld

from plankg.jsonld import (
    RemoteContextRefused,
    build_context,
    compact,
    context_version,
    local_loader,
)
from plankg.namespaces import RDF_TYPE, SCHEMA, SKOS, XSD, Namespaces
from plankg.settings import Settings

NS = Namespaces.of(Settings())
ORG = ox.NamedNode(NS.entity("org/UNFPA"))
STAT = ox.NamedNode(NS.entity("stat/p10-1"))


def t(s, p: str, o) -> ox.Triple:
    return ox.Triple(s, ox.NamedNode(p), o)


DATA = [
    t(ORG, RDF_TYPE, ox.NamedNode(NS.term("UNEntity"))),
    t(ORG, SKOS + "prefLabel", ox.Literal("United Nations Population Fund", language="en")),
    t(ORG, SKOS + "prefLabel", ox.Literal("联合国人口基金", language="zh")),
    t(ORG, SKOS + "notation", ox.Literal("UNFPA")),
    t(ORG, SKOS + "exactMatch", ox.NamedNode("http://www.wikidata.org/entity/Q623036")),
    t(STAT, NS.term("value"), ox.Literal("10", datatype=ox.NamedNode(XSD + "integer"))),
    t(STAT, NS.term("value"), ox.Literal("2.5", datatype=ox.NamedNode(XSD + "decimal"))),
    t(STAT, SCHEMA + "value", ox.Literal("x")),
    t(STAT, NS.term("referenceYear"), ox.Literal("2019", datatype=ox.NamedNode(XSD + "gYear"))),
]


def test_terms_say_how_each_property_reads():
    context = build_context(DATA, NS)
    assert context["id"] == "@id" and context["type"] == "@type"
    assert context["prefLabel"] == {"@id": "skos:prefLabel", "@container": "@language"}
    assert context["exactMatch"] == {"@id": "skos:exactMatch", "@type": "@id"}
    assert context["notation"] == "skos:notation"
    assert context["referenceYear"] == {"@id": "pk:referenceYear", "@type": "xsd:gYear"}
    assert context["value"] == "pk:value"  # two datatypes: no coercion, each value keeps its own
    assert context["schema_value"] == "schema:value"  # ours keeps the short name
    assert context["UNEntity"] == "pk:UNEntity"
    assert "id" not in {k for k, v in context.items() if v == NS.id}  # entity IRIs stay whole


def test_compacted_description_expands_to_the_same_triples_and_reads_plainly():
    context = build_context(DATA, NS)
    doc = json.loads(compact(DATA, context, ORG.value))
    node = doc["@graph"][0]
    assert node["id"] == ORG.value and node["type"] == "UNEntity" and node["notation"] == "UNFPA"
    assert node["prefLabel"] == {"en": "United Nations Population Fund", "zh": "联合国人口基金"}
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads", "documentLoader": local_loader({})})
    assert {q.triple for q in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)} == set(DATA)
    assert "schema" in doc["@context"] and "referenceYear" in doc["@context"] and "exactMatch" in doc["@context"]
    assert "altLabel" not in doc["@context"]  # only the terms the document uses


def test_the_version_changes_with_any_term():
    one = build_context(DATA, NS)
    two = build_context(DATA + [t(ORG, SKOS + "altLabel", ox.Literal("人口基金", language="zh"))], NS)
    assert context_version(one) == context_version(build_context(list(reversed(DATA)), NS))
    assert context_version(one) != context_version(two)


def test_the_loader_serves_only_what_it_is_given():
    context_url = "http://127.0.0.1:9/context.jsonld"
    loader = local_loader({context_url: {"@context": {"name": "http://schema.org/name"}}})
    assert jsonld.expand({"@context": context_url, "name": "x"}, {"documentLoader": loader}) == [{"http://schema.org/name": [{"@value": "x"}]}]
    with pytest.raises(RemoteContextRefused):
        loader("http://127.0.0.1:9/other.jsonld")
