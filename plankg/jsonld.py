"""The published JSON-LD context and the compacted JSON-LD the service answers with.

The context is generated from the data: one term per predicate and class the
graph uses (the ontology's and the reused vocabularies'), so a term added to the
ontology is covered as soon as it is built. Each property term says how its
values read in JSON: IRIs as plain strings (``"@type": "@id"``), labels as
language maps (``{"en": …, "zh": …}``), typed literals coerced to their
datatype. ``id`` and ``type`` alias ``@id`` and ``@type``.

The IRIs of entities are never compacted (``id`` holds the full IRI, a URL a
client can fetch). Compaction is pyld's, and no document is ever loaded from
the network: the loader serves the context it is given and refuses the rest.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from plankg.namespaces import EXTERNAL_PREFIXES, RDF_TYPE, Namespaces

RDF_LANGSTRING = EXTERNAL_PREFIXES["rdf"] + "langString"
XSD_STRING = EXTERNAL_PREFIXES["xsd"] + "string"
# prefixes for vocabulary IRIs only: data IRIs (entities, Wikidata, UN SDG) stay whole
DATA_PREFIXES = ("id", "wd", "unsdg")
ALIASES = {"id": "@id", "type": "@type"}


class RemoteContextRefused(ValueError):
    """A JSON-LD processor asked for a document: none is ever fetched."""


def _no_fetch(url: str, options: dict | None = None) -> dict:
    raise RemoteContextRefused(f"remote JSON-LD documents are not loaded ({url})")


def local_loader(documents: dict[str, dict]):
    """A pyld document loader that serves only the given documents (by URL)."""

    def load(url: str, options: dict | None = None) -> dict:
        if url in documents:
            return {"contextUrl": None, "documentUrl": url, "document": documents[url]}
        return _no_fetch(url)

    return load


def _vocab_prefixes(ns: Namespaces) -> dict[str, str]:
    return {p: iri for p, iri in ns.prefixes().items() if p not in DATA_PREFIXES}


def _split(iri: str, prefixes: list[tuple[str, str]]) -> tuple[str, str] | None:
    for prefix, namespace in prefixes:
        local = iri[len(namespace):]
        if iri.startswith(namespace) and local and local.replace("_", "").replace("-", "").isalnum() and local[0].isalpha():
            return prefix, local
    return None


def _value_kind(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return "@id"
    if isinstance(term, ox.BlankNode):
        return "@bnode"
    if isinstance(term, ox.Literal):
        if term.language:
            return "@language"
        return term.datatype.value
    return "?"


def build_context(triples: Iterable[ox.Triple], ns: Namespaces) -> dict[str, Any]:
    """The ``@context`` object: prefixes, aliases, and a term for every predicate and class used.

    Our ontology's terms get their local name (``prefLabel`` is SKOS's, ``text`` is ours);
    when two vocabularies share a local name the later one is written ``prefix_local``.
    """
    kinds: dict[str, set[str]] = defaultdict(set)
    classes: set[str] = set()
    for t in triples:
        p = t.predicate.value
        if p == RDF_TYPE:
            if isinstance(t.object, ox.NamedNode):
                classes.add(t.object.value)
            continue
        kinds[p].add(_value_kind(t.object))
    prefixes = _vocab_prefixes(ns)
    # our vocabulary first: its terms keep the short names
    order = [("pk", ns.pk)] + sorted(((p, i) for p, i in prefixes.items() if p != "pk"), key=lambda kv: list(prefixes).index(kv[0]))
    by_length = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    context: dict[str, Any] = dict(sorted(prefixes.items()))
    context.update(ALIASES)
    taken = set(context)
    rank = {p: i for i, (p, _) in enumerate(order)}

    def name_for(iri: str) -> str | None:
        split = _split(iri, by_length)
        return None if split is None else split[0] + ":" + split[1]

    iris = sorted(set(kinds) | classes, key=lambda i: (rank.get((_split(i, by_length) or ("~", ""))[0], 99), i))
    for iri in iris:
        split = _split(iri, by_length)
        if split is None:
            continue  # not under a known vocabulary: it stays a full IRI, which is still exact
        prefix, local = split
        term = local if local not in taken else f"{prefix}_{local}"
        if term in taken:
            continue
        taken.add(term)
        compact = name_for(iri) or iri
        if iri in kinds:
            found = kinds[iri]
            definition: dict[str, Any] = {"@id": compact}
            if found == {"@id"}:
                definition["@type"] = "@id"
            elif found == {"@language"}:
                definition["@container"] = "@language"
            elif len(found) == 1:
                (datatype,) = found
                if datatype not in (XSD_STRING, "@bnode", "?"):
                    definition["@type"] = name_for(datatype) or datatype
            context[term] = definition if len(definition) > 1 else compact
        else:
            context[term] = compact
    return context


def context_version(context: dict[str, Any]) -> str:
    """A short digest of the context: its versioned IRI changes exactly when a term does."""
    return hashlib.sha256(json.dumps(context, sort_keys=True).encode()).hexdigest()[:12]


def context_document(context: dict[str, Any]) -> bytes:
    return json.dumps({"@context": context}, ensure_ascii=False, indent=1, sort_keys=True).encode()


def _expanded(triples: Iterable[ox.Triple]) -> list:
    body = ox.serialize(sorted(set(triples), key=str), format=ox.RdfFormat.JSON_LD) or b"[]"
    data = json.loads(body)
    return _types(data if isinstance(data, list) else data.get("@graph", [data]))


def _types(nodes: list) -> list:
    """rdf:type as ``@type`` (the engine writes it as a property), so ``type`` holds class terms."""
    for node in nodes:
        if "@graph" in node:
            _types(node["@graph"])
        values = node.pop(RDF_TYPE, None)
        if values is None:
            continue
        iris = [v["@id"] for v in values if isinstance(v, dict) and "@id" in v and not v["@id"].startswith("_:")]
        rest = [v for v in values if not (isinstance(v, dict) and v.get("@id") in iris)]
        node["@type"] = sorted(set(node.get("@type", [])) | set(iris))
        if rest:
            node[RDF_TYPE] = rest
    return nodes


def subset(context: dict[str, Any], expanded: list) -> dict[str, Any]:
    """The terms a document needs (prefixes and aliases always), so a description carries a short context."""
    used: set[str] = set()
    for node in expanded:
        for key, values in node.items():
            if key == "@type":
                used.update(values)
            elif not key.startswith("@"):
                used.add(key)
                for value in values:
                    if isinstance(value, dict) and "@type" in value:
                        used.add(value["@type"])
    prefixes = {k: v for k, v in context.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    out: dict[str, Any] = {**prefixes, **ALIASES}

    def expand(compact: str) -> str:
        prefix, _, local = compact.partition(":")
        return prefixes[prefix] + local if prefix in prefixes else compact

    for term, definition in context.items():
        if term in out:
            continue
        target = definition["@id"] if isinstance(definition, dict) else definition
        if expand(target) in used:
            out[term] = definition
    return out


def compact(triples: Iterable[ox.Triple], context: dict[str, Any], first: str | None = None) -> bytes:
    """Compacted JSON-LD of the triples: ``{"@context": …, "@graph": [nodes]}``, ``first`` node first."""
    expanded = _expanded(triples)
    local = subset(context, expanded)
    # imported on first use: with requests and lxml it weighs on every start
    from pyld import jsonld

    doc = jsonld.compact(expanded, {"@context": local}, options={"documentLoader": _no_fetch, "graph": True})
    nodes = doc.get("@graph", [])
    nodes.sort(key=lambda n: (n.get("id") != first, str(n.get("id", ""))))
    return json.dumps({"@context": local, "@graph": nodes}, ensure_ascii=False, indent=1).encode()
