"""The ontology documentation page: the ontology graph read into what ``ontology.html`` shows.

Classes with their super- and subclasses, the properties whose domain they are,
disjointness and instance counts; properties with domain, range, inverse,
characteristics and chains. OWL structures made of blank nodes (unions,
restrictions, lists) are read from an index of the graph's triples.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from plankg.namespaces import (
    DCT,
    GRAPH_ONTOLOGY,
    OWL,
    RDF,
    RDFS,
    SKOS,
    VANN,
    Namespaces,
)
from plankg.rdflist import list_items
from plankg.store import Store
from service.entity_description import Terms

RDF_TYPE = RDF + "type"


@dataclass
class Index:
    """Triples of one graph by subject, for reading OWL structures with blank nodes."""

    by_subject: dict[str, dict[str, list]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> Index:
        index = cls()
        for t in sorted(triples, key=str):
            index.by_subject[_key(t.subject)][t.predicate.value].append(t.object)
        return index

    def objects(self, subject: object, predicate: str) -> list:
        return self.by_subject.get(_key(subject), {}).get(predicate, [])

    def one(self, subject: object, predicate: str) -> object | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def items(self, head: object) -> list:
        """Members of an RDF list."""
        return list_items(head, self.objects, limit=1000)


def _key(term: object) -> str:
    return str(term)


def ontology_triples(store: Store, ns: Namespaces) -> list[ox.Triple]:
    return sorted({q.triple for q in store.quads(ns.graph(GRAPH_ONTOLOGY))}, key=str)


class OntologyDoc:
    """The ontology graph as the documentation page shows it."""

    CHARACTERISTICS = ("FunctionalProperty", "InverseFunctionalProperty", "TransitiveProperty", "SymmetricProperty", "AsymmetricProperty", "IrreflexiveProperty", "ReflexiveProperty")
    QUANTIFIERS = (("someValuesFrom", "some"), ("allValuesFrom", "only"), ("hasValue", "value"), ("qualifiedCardinality", "exactly"),
                   ("cardinality", "exactly"), ("minQualifiedCardinality", "min"), ("minCardinality", "min"),
                   ("maxQualifiedCardinality", "max"), ("maxCardinality", "max"))

    def __init__(self, triples: list[ox.Triple], ns: Namespaces, terms: Terms, instances: dict[str, int]) -> None:
        self.ix = Index.of(triples)
        self.ns = ns
        self.terms = terms
        self.instances = instances

    def ref(self, term: object) -> dict:
        """A class or property expression: a link, or a union / restriction of them."""
        if isinstance(term, ox.NamedNode):
            node = self.terms.iri(term.value)
            if term.value.startswith(self.ns.pk):
                node["href"] = "#" + term.value[len(self.ns.pk):]
                node["compact"] = term.value[len(self.ns.pk):]
            return node
        if isinstance(term, ox.BlankNode):
            for op, name in ((OWL + "unionOf", "union"), (OWL + "intersectionOf", "intersection")):
                members = self.ix.one(term, op)
                if members is not None:
                    return {"kind": name, "items": [self.ref(m) for m in self.ix.items(members)]}
            inverse = self.ix.one(term, OWL + "inverseOf")
            if inverse is not None:
                return {"kind": "inverse", "of": self.ref(inverse)}
            on = self.ix.one(term, OWL + "onProperty")
            if on is not None:
                for local, word in self.QUANTIFIERS:
                    filler = self.ix.one(term, OWL + local)
                    if filler is not None:
                        qualified = self.ix.one(term, OWL + "onClass")
                        return {
                            "kind": "restriction",
                            "property": self.ref(on),
                            "quantifier": word,
                            "filler": self.ref(filler) if not isinstance(filler, ox.Literal) else self.terms.node(filler),
                            "on_class": self.ref(qualified) if qualified is not None else None,
                        }
            return {"kind": "bnode", "value": "…"}
        return self.terms.node(term)

    def labels(self, subject: object, predicate: str) -> dict[str, str]:
        found: dict[str, list[str]] = defaultdict(list)
        for o in self.ix.objects(subject, predicate):
            if isinstance(o, ox.Literal):
                found[(o.language or "en").split("-")[0]].append(o.value)
        return {lang: " / ".join(sorted(values)) for lang, values in found.items()}

    def _terms_of(self, kind: str) -> list[ox.NamedNode]:
        out = []
        for key, preds in self.ix.by_subject.items():
            if any(isinstance(o, ox.NamedNode) and o.value == OWL + kind for o in preds.get(RDF_TYPE, [])):
                iri = key[1:-1]
                if key.startswith("<") and iri.startswith(self.ns.pk):
                    out.append(ox.NamedNode(iri))
        return sorted(out, key=lambda n: n.value[len(self.ns.pk):].lower())

    def _deprecated(self, term: ox.NamedNode) -> bool:
        return any(isinstance(o, ox.Literal) and o.value in ("true", "1") for o in self.ix.objects(term, OWL + "deprecated"))

    def entry(self, term: ox.NamedNode) -> dict:
        local = term.value[len(self.ns.pk):]
        return {
            "anchor": local,
            "iri": term.value,
            "name": local,
            "labels": self.labels(term, RDFS + "label"),
            "definitions": self.labels(term, SKOS + "definition") or self.labels(term, RDFS + "comment"),
            "alt_labels": self.labels(term, SKOS + "altLabel"),
            "deprecated": self._deprecated(term),
        }

    def view(self) -> dict:
        onto = ox.NamedNode(self.ns.ontology)
        classes = self._terms_of("Class")
        properties = {kind: self._terms_of(kind) for kind in ("ObjectProperty", "DatatypeProperty", "AnnotationProperty")}
        subclasses: dict[str, list] = defaultdict(list)
        for c in classes:
            for parent in self.ix.objects(c, RDFS + "subClassOf"):
                if isinstance(parent, ox.NamedNode):
                    subclasses[parent.value].append(c)
        with_domain: dict[str, list] = defaultdict(list)
        for props in properties.values():
            for p in props:
                for d in self.ix.objects(p, RDFS + "domain"):
                    for member in self._members(d):
                        with_domain[member].append(p)
        disjoint = self._disjoint()
        class_entries = []
        for c in classes:
            entry = self.entry(c)
            entry.update(
                superclasses=[self.ref(o) for o in self.ix.objects(c, RDFS + "subClassOf")],
                subclasses=[self.ref(s) for s in subclasses.get(c.value, [])],
                properties=[self.ref(p) for p in sorted(with_domain.get(c.value, []), key=lambda n: n.value)],
                disjoint=[self.ref(ox.NamedNode(d)) for d in sorted(disjoint.get(c.value, ()))],
                instances=self.instances.get(c.value, 0),
            )
            class_entries.append(entry)
        property_entries = {}
        for kind, props in properties.items():
            rows = []
            for p in props:
                entry = self.entry(p)
                chains = [[self.ref(m) for m in self.ix.items(chain)] for chain in self.ix.objects(p, OWL + "propertyChainAxiom")]
                entry.update(
                    domain=[self.ref(o) for o in self.ix.objects(p, RDFS + "domain")],
                    range=[self.ref(o) for o in self.ix.objects(p, RDFS + "range")],
                    superproperties=[self.ref(o) for o in self.ix.objects(p, RDFS + "subPropertyOf")],
                    inverse=[self.ref(o) for o in self.ix.objects(p, OWL + "inverseOf")],
                    characteristics=[
                        c for c in self.CHARACTERISTICS
                        if any(isinstance(o, ox.NamedNode) and o.value == OWL + c for o in self.ix.objects(p, RDF_TYPE))
                    ],
                    chains=chains,
                )
                rows.append(entry)
            property_entries[kind] = rows
        version_iri = self.ix.one(onto, OWL + "versionIRI")
        version = self.ix.one(onto, OWL + "versionInfo")
        return {
            "iri": self.ns.ontology,
            "titles": self.labels(onto, DCT + "title") or self.labels(onto, RDFS + "label"),
            "descriptions": self.labels(onto, DCT + "description"),
            "version": version.value if isinstance(version, ox.Literal) else "",
            "version_iri": self.terms.iri(version_iri.value) if isinstance(version_iri, ox.NamedNode) else None,
            "licenses": [self.terms.node(o) for o in self.ix.objects(onto, DCT + "license")],
            "prefix": _text(self.ix.one(onto, VANN + "preferredNamespacePrefix"), "pk"),
            "namespace": self.ns.pk,
            "classes": class_entries,
            "object_properties": property_entries["ObjectProperty"],
            "datatype_properties": property_entries["DatatypeProperty"],
            "annotation_properties": property_entries["AnnotationProperty"],
        }

    def _members(self, term: object) -> list[str]:
        if isinstance(term, ox.NamedNode):
            return [term.value]
        members = self.ix.one(term, OWL + "unionOf")
        return [m.value for m in self.ix.items(members) if isinstance(m, ox.NamedNode)] if members is not None else []

    def _disjoint(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for key, preds in self.ix.by_subject.items():
            types = preds.get(RDF_TYPE, [])
            if any(isinstance(o, ox.NamedNode) and o.value == OWL + "AllDisjointClasses" for o in types):
                for head in preds.get(OWL + "members", []):
                    members = [m.value for m in self.ix.items(head) if isinstance(m, ox.NamedNode)]
                    for m in members:
                        out[m].update(x for x in members if x != m)
            for other in preds.get(OWL + "disjointWith", []):
                if key.startswith("<") and isinstance(other, ox.NamedNode):
                    out[key[1:-1]].add(other.value)
                    out[other.value].add(key[1:-1])
        return out


def _text(term: object, default: str) -> str:
    return term.value if isinstance(term, ox.Literal | ox.NamedNode) else default
