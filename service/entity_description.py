"""What the graph says about one entity: its description as RDF and as the entity page shows it.

A description holds the entity's own statements, the statements that point to
it, the labels of every entity on either side, and the provenance links among
them (``prov:wasDerivedFrom``, ``pk:sourceParagraph``, the passages that name
it). Statements pointing to it are bounded per predicate; when some are left
out, ``rdfs:seeAlso`` links to the pages of all of them (``?incoming=1``, …).
The RDF formats and the HTML page are built from the same rows.

Entity IRIs reach SPARQL only as bound variables (queries/ld-*.rq), never
spliced into the text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, cast

import pyoxigraph as ox

from plankg.catalog import Catalog
from plankg.namespaces import (
    DCT,
    EXTERNAL_PREFIXES,
    GRAPH_ONTOLOGY,
    PROV,
    RDF,
    RDFS,
    SKOS,
    Namespaces,
)
from plankg.store import Store
from service.page_data import page_href

XSD_STRING = EXTERNAL_PREFIXES["xsd"] + "string"
RDF_TYPE = RDF + "type"
SEE_ALSO = RDFS + "seeAlso"

Q_OUT = "ld-entity-out"
Q_IN = "ld-entity-incoming"
Q_SOURCES = "ld-entity-sources"
Q_VOCABULARY = "ld-vocabulary-labels"

HOW = {
    PROV + "wasDerivedFrom": ("derived", 0),
    "sourceItem": ("derived", 0),
    "sourceParagraph": ("paragraph", 1),
    "heading": ("described", 2),
    "describedIn": ("described", 2),
    DCT + "source": ("source", 3),
    DCT + "hasPart": ("part", 4),
    "inText": ("mentioned", 5),
}
FIRST_PREDICATES = (RDF_TYPE, SKOS + "prefLabel", RDFS + "label", SKOS + "altLabel", SKOS + "notation", DCT + "title", SKOS + "definition")
MAX_SOURCES = 40
MAX_INCOMING_PER_PREDICATE = 25
INCOMING_PAGE = 200  # statements per page of ?incoming=N


@dataclass
class Labels:
    """Labels per language; the smallest wins when a term has several, so pages are stable."""

    by_lang: dict[str, str] = field(default_factory=dict)

    def add(self, literal: object) -> None:
        if isinstance(literal, ox.Literal):
            lang = (literal.language or "").split("-")[0] or "und"
            current = self.by_lang.get(lang)
            if current is None or literal.value < current:
                self.by_lang[lang] = literal.value

    def as_dict(self) -> dict[str, str]:
        out = {k: v for k, v in self.by_lang.items() if k in ("zh", "en")}
        if not out and "und" in self.by_lang:
            out["en"] = self.by_lang["und"]
        return out


class Terms:
    """Turns RDF terms into what templates show: text, compact names, followable links."""

    def __init__(self, ns: Namespaces, vocabulary: dict[str, dict[str, str]]) -> None:
        self.ns = ns
        self.vocabulary = vocabulary
        # longest namespace first, so id: wins over a shorter prefix of the same base
        self.prefixes = sorted(ns.rdf_prefixes().items(), key=lambda kv: -len(kv[1]))

    def compact(self, iri: str) -> str:
        for prefix, namespace in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri

    def href(self, iri: str) -> str | None:
        """Our IRIs by their local path (they resolve here); others only if http(s)."""
        if iri.startswith(self.ns.base):
            return "/" + iri[len(self.ns.base):]
        if iri.startswith(("http://", "https://")):
            return iri
        return None  # urn:, mailto:, javascript: … are shown, never linked

    def iri(self, iri: str, labels: dict[str, str] | None = None) -> dict:
        href = self.href(iri)
        return {
            "kind": "iri",
            "iri": iri,
            "href": href,
            "external": href is not None and not iri.startswith(self.ns.base),
            "compact": self.compact(iri),
            "labels": labels or self.vocabulary.get(iri, {}),
        }

    def node(self, term: object, labels: dict[str, str] | None = None) -> dict:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value, labels)
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            shown = None if term.language or datatype in (XSD_STRING, RDF + "langString") else self.compact(datatype)
            return {"kind": "literal", "value": term.value, "lang": term.language, "datatype": shown}
        return {"kind": "bnode", "value": "_:" + getattr(term, "value", "")}






def vocabulary_labels(store: Store, ns: Namespaces, catalog: Catalog) -> dict[str, dict[str, str]]:
    """rdfs:label of every term in the ontology graph (classes, properties, reused terms)."""
    rows = store.select(catalog.internal_query(Q_VOCABULARY).sparql, {"g": ox.NamedNode(ns.graph(GRAPH_ONTOLOGY))})
    found: dict[str, Labels] = defaultdict(Labels)
    for row in rows:
        if isinstance(row["t"], ox.NamedNode):
            found[row["t"].value].add(row["l"])
    return {iri: labels.as_dict() for iri, labels in found.items()}


@dataclass
class Description:
    """The rows of one entity's description, as the store gave them."""

    node: ox.NamedNode
    out_rows: list[dict[str, Any]]
    in_rows: list[dict[str, Any]]

    def incoming_pairs(self) -> list[tuple[str, str]]:
        """(predicate, subject) of every statement pointing here, in predicate then subject order."""
        return sorted({(r["p"].value, r["x"].value) for r in self.in_rows})

    def _in_labels(self) -> dict[str, list[ox.Triple]]:
        labels: dict[str, list[ox.Triple]] = defaultdict(list)
        for r in self.in_rows:
            if r["xlabel"] is not None and r["lp"] is not None:
                labels[r["x"].value].append(ox.Triple(r["x"], r["lp"], r["xlabel"]))
        return labels

    def triples(self) -> list[ox.Triple]:
        """The description: own statements, a bounded share of those pointing here, every label."""
        out: set[ox.Triple] = set()
        for r in self.out_rows:
            out.add(ox.Triple(self.node, r["p"], r["o"]))
            if r["olabel"] is not None and r["lp"] is not None:
                out.add(ox.Triple(r["o"], r["lp"], r["olabel"]))
        labels = self._in_labels()
        per_predicate: dict[str, list[str]] = defaultdict(list)
        for p, x in self.incoming_pairs():
            per_predicate[p].append(x)
        cut = False
        for p, subjects in per_predicate.items():
            cut = cut or len(subjects) > MAX_INCOMING_PER_PREDICATE
            for x in subjects[:MAX_INCOMING_PER_PREDICATE]:
                out.add(ox.Triple(ox.NamedNode(x), ox.NamedNode(p), self.node))
                out.update(labels.get(x, ()))
        if cut:
            out.add(ox.Triple(self.node, ox.NamedNode(SEE_ALSO), ox.NamedNode(incoming_page_iri(self.node.value, 1))))
        return sorted(out, key=str)

    def pages(self) -> int:
        return max(1, -(-len(self.incoming_pairs()) // INCOMING_PAGE))

    def incoming_page(self, page: int) -> list[ox.Triple]:
        """One page of every statement pointing here, with the labels of their subjects."""
        pairs = self.incoming_pairs()[(page - 1) * INCOMING_PAGE: page * INCOMING_PAGE]
        labels = self._in_labels()
        out: set[ox.Triple] = set()
        for p, x in pairs:
            out.add(ox.Triple(ox.NamedNode(x), ox.NamedNode(p), self.node))
            out.update(labels.get(x, ()))
        if page < self.pages():
            out.add(ox.Triple(self.node, ox.NamedNode(SEE_ALSO), ox.NamedNode(incoming_page_iri(self.node.value, page + 1))))
        return sorted(out, key=str)


def incoming_page_iri(iri: str, page: int) -> str:
    return f"{iri}?incoming={page}"


def describe(store: Store, catalog: Catalog, iri: str) -> Description | None:
    """The entity's rows, or None when the graph does not know the IRI at all."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # not even a well-formed IRI ("<", ">", spaces …): nothing can have it
        return None
    out_rows = store.select(catalog.internal_query(Q_OUT).sparql, {"s": node})
    in_rows = store.select(catalog.internal_query(Q_IN).sparql, {"s": node})
    if not out_rows and not in_rows:
        return None
    return Description(node, out_rows, in_rows)

def _unit_kind(terms: Terms, kinds: set[str]) -> str:
    pk = terms.ns.pk
    for local in ("Paragraph", "BulletItem", "DecisionItem", "Footnote", "Heading", "Section", "SummaryParagraph"):
        if pk + local in kinds:
            return local
    return ""


def entity_view(store: Store, ns: Namespaces, catalog: Catalog, terms: Terms, described: Description) -> dict:
    """Everything the entity page shows, as plain dicts."""
    node = described.node
    out_rows = described.out_rows
    grouped: dict[str, dict[str, Any]] = defaultdict(dict)
    object_labels: dict[str, Labels] = defaultdict(Labels)
    own = Labels()
    pref = Labels()
    graphs: dict[tuple[str, str], set[str]] = defaultdict(set)
    own_text: list[dict] = []
    for row in out_rows:
        p, o = row["p"].value, row["o"]
        key = str(o)
        grouped[p].setdefault(key, o)
        if row["olabel"] is not None and isinstance(o, ox.NamedNode):
            object_labels[o.value].add(row["olabel"])
        if row["g"] is not None:
            graphs[(p, key)].add(row["g"].value)
        if p == SKOS + "prefLabel":
            pref.add(o)
        elif p in (RDFS + "label", DCT + "title"):
            own.add(o)
    for lang, value in pref.by_lang.items():  # prefLabel wins over rdfs:label and title
        own.by_lang[lang] = value
    for obj in grouped.get(ns.term("text"), {}).values():
        if isinstance(obj, ox.Literal):
            own_text.append({"text": obj.value, "lang": obj.language})

    def order(p: str) -> tuple:
        return (FIRST_PREDICATES.index(p) if p in FIRST_PREDICATES else len(FIRST_PREDICATES), terms.compact(p))

    properties = []
    for p in sorted(grouped, key=order):
        objects = []
        for key, o in sorted(grouped[p].items(), key=lambda kv: (kv[1].language or "" if isinstance(kv[1], ox.Literal) else "", kv[0])):
            shown = terms.node(o, object_labels[o.value].as_dict() if isinstance(o, ox.NamedNode) and o.value in object_labels else None)
            shown["graphs"] = sorted(g.removeprefix(ns.graph("")) for g in graphs.get((p, key), ()))
            objects.append(shown)
        properties.append({"predicate": terms.iri(p), "objects": objects, "long": p == ns.term("text")})

    types = [o for o in grouped.get(RDF_TYPE, {}).values() if isinstance(o, ox.NamedNode)]
    return {
        "iri": node.value,
        "compact": terms.compact(node.value),
        "labels": own.as_dict(),
        "alt_labels": sorted(o.value for o in grouped.get(SKOS + "altLabel", {}).values() if isinstance(o, ox.Literal)),
        "types": [terms.iri(t.value) for t in sorted(types, key=lambda t: t.value)],
        "own_text": own_text,
        "reader": _reader_href(ns, node.value, {t.value for t in types}, terms),
        "properties": properties,
        "sources": _sources(store, ns, catalog, terms, node),
        "incoming": incoming_view(terms, described),
        "page": _page_for(ns, node.value),
    }


def _reader_href(ns: Namespaces, iri: str, kinds: set[str], terms: Terms) -> str | None:
    if not _unit_kind(terms, kinds) or not iri.startswith(ns.id):
        return None
    page = page_href(ns, iri)
    return page if page.startswith("/read#") else None


def _page_for(ns: Namespaces, iri: str) -> str | None:
    """The friendlier page about the same thing, when the pages have one."""
    page = page_href(ns, iri)
    return page if page.startswith(("/agency/", "/area/")) else None


def _sources(store: Store, ns: Namespaces, catalog: Catalog, terms: Terms, node: ox.NamedNode) -> dict:
    units: dict[str, dict] = {}
    rows = cast(list[dict[str, Any]], store.select(catalog.internal_query(Q_SOURCES).sparql, {"s": node}))
    for row in rows:
        unit = row["unit"].value
        if unit == node.value:
            continue
        how_iri = row["how"].value
        how, rank = HOW.get(how_iri) or HOW.get(how_iri.removeprefix(ns.pk), ("derived", 0))
        entry = units.get(unit)
        if entry is None:
            entry = units[unit] = {
                "unit": terms.iri(unit),
                "labels": Labels(),
                "text": row["text"].value,
                "order": int(row["order"].value) if row["order"] is not None else 10**9,
                "how": {},
                "rank": rank,
                "kinds": set(),
            }
        entry["how"][how] = rank
        entry["rank"] = min(entry["rank"], rank)
        entry["labels"].add(row["ulabel"])
        if row["kind"] is not None:
            entry["kinds"].add(row["kind"].value)
    footnote = ns.term("Footnote")
    # the body text first, in document order; footnotes and mere mentions after it
    ordered = sorted(units.values(), key=lambda u: (u["rank"] > 4, footnote in u["kinds"], u["order"], u["unit"]["iri"]))
    shown = []
    for entry in ordered[:MAX_SOURCES]:
        iri = entry["unit"]["iri"]
        shown.append(
            {
                "unit": {**entry["unit"], "labels": entry["labels"].as_dict()},
                "text": entry["text"],
                "how": sorted(entry["how"], key=lambda h: entry["how"][h]),
                "reader": _reader_href(ns, iri, entry["kinds"], terms),
            }
        )
    return {"items": shown, "total": len(units)}


def incoming_view(terms: Terms, described: Description, page: int | None = None) -> dict:
    """The statements pointing here, grouped by predicate: the same share as ``Description.triples``
    (``page`` None), or one page of all of them."""
    labels: dict[str, Labels] = defaultdict(Labels)
    for row in described.in_rows:
        labels[row["x"].value].add(row["xlabel"])
    pairs = described.incoming_pairs()
    if page is not None:
        pairs = pairs[(page - 1) * INCOMING_PAGE: page * INCOMING_PAGE]
    by_predicate: dict[str, list[str]] = defaultdict(list)
    for p, x in pairs:
        by_predicate[p].append(x)
    cap = MAX_INCOMING_PER_PREDICATE if page is None else INCOMING_PAGE
    groups: list[dict[str, Any]] = []
    for p in sorted(by_predicate, key=terms.compact):
        subjects = by_predicate[p]
        groups.append(
            {
                "predicate": terms.iri(p),
                "subjects": [terms.iri(x, labels[x].as_dict()) for x in subjects[:cap]],
                "total": len(subjects),
            }
        )
    local = terms.href(described.node.value) or ""
    pages = described.pages()
    cut = any(g["total"] > len(g["subjects"]) for g in groups)
    return {
        "groups": groups,
        "total": len(described.incoming_pairs()),
        "all": local + "?incoming=1" if cut or page is not None else None,
        "page": page,
        "previous": f"{local}?incoming={page - 1}" if page and page > 1 else None,
        "next": f"{local}?incoming={page + 1}" if page and page < pages else None,
    }
