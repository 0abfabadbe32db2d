"""Linked data: entity IRIs, the ontology, the dataset description and the dumps.

Every IRI the graph mints under ``{base}id/`` is served at the same path, so
``http://127.0.0.1:8000/id/org/UNDP`` opens in a browser on a local run. The
IRIs name document-like things (paragraphs, organizations as the plan names
them), so the representation is served directly: no 303 redirect. Content
negotiation picks HTML for a browser and Turtle for ``*/*`` (curl, scripts);
a suffix (``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.html``) names one
representation for links that cannot set ``Accept``.

Entity IRIs reach SPARQL only as bound variables, never spliced into the text.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from plankg.dataset import DUMPS, Dump, describe_dataset
from plankg.errors import NotAcceptable, NotFound, ParameterError
from plankg.namespaces import EXTERNAL_PREFIXES, GRAPH_ONTOLOGY, Namespaces
from plankg.store import Store
from plankg.store.rdfio import compact_jsonld, dataset_bytes, jsonld_context, serialize_triples
from service.context import AppContext, get_ctx
from service.negotiation import choose, not_modified, parse_accept, prefers_html
from service.page_data import anchor
from service.pages import render_page, request_lang

router = APIRouter()


def _get(path: str, **options):
    """GET in the API description, and HEAD beside it (linked-data clients probe with HEAD)."""

    def register(endpoint):
        router.add_api_route(path, endpoint, methods=["GET"], **options)
        router.add_api_route(path, endpoint, methods=["HEAD"], **{**options, "include_in_schema": False})
        return endpoint

    return register


def _served(description: str, *media_types: str) -> dict:
    """``responses`` for the API description: what a 200 can be (the problems are added app-wide)."""
    return {200: {"description": description, "content": {m: {} for m in media_types}}, 304: {"description": "Not modified (If-None-Match)"}}


_RDF_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")


RDF = EXTERNAL_PREFIXES["rdf"]
RDFS = EXTERNAL_PREFIXES["rdfs"]
OWL = EXTERNAL_PREFIXES["owl"]
SKOS = EXTERNAL_PREFIXES["skos"]
DCT = EXTERNAL_PREFIXES["dcterms"]
PROV = EXTERNAL_PREFIXES["prov"]
VANN = EXTERNAL_PREFIXES["vann"]
XSD_STRING = EXTERNAL_PREFIXES["xsd"] + "string"
RDF_TYPE = RDF + "type"

# ------------------------------------------------------------------ representations

# Server order breaks ties: ``*/*`` gets Turtle, as everywhere else in the service;
# a browser names text/html explicitly and gets the page.
OFFERS: tuple[tuple[str, str], ...] = (
    ("text/turtle", "turtle"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "ntriples"),
    ("application/rdf+xml", "rdfxml"),
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("application/x-turtle", "turtle"),
    ("application/json", "jsonld"),
    ("application/xml", "rdfxml"),
    ("text/plain", "ntriples"),
)
RDF_ONLY = tuple(o for o in OFFERS if o[1] != "html")
MEDIA_TYPES = {
    "turtle": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "html": "text/html; charset=utf-8",
}
SUFFIXES = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "ntriples", ".rdf": "rdfxml", ".html": "html"}
FORMAT_PARAM = {
    "ttl": "turtle", "turtle": "turtle", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
    "nt": "ntriples", "ntriples": "ntriples", "rdf": "rdfxml", "rdfxml": "rdfxml", "xml": "rdfxml", "html": "html",
}
SUFFIX_OF = {fmt: suffix for suffix, fmt in SUFFIXES.items()}
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML}
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"


def _negotiate(request: Request, offers: tuple[tuple[str, str], ...], forced: str | None = None) -> str:
    if forced:
        return forced
    param = request.query_params.get("format")
    if param:
        names = ", ".join(sorted({name for name, f in FORMAT_PARAM.items() if any(f == g for _, g in offers)}))
        fmt = FORMAT_PARAM.get(param.strip().lower())
        if fmt is None:
            raise ParameterError(f"Unknown format {param!r}; use one of {names}.")
        if not any(fmt == f for _, f in offers):
            raise NotAcceptable(f"This resource is not available as {param!r}; use one of {names}.")
        return fmt
    picked = choose(parse_accept(request.headers.get("accept")), offers)
    if picked is None:
        names = ", ".join(sorted({m for m, _ in offers}))
        raise NotAcceptable(f"This resource is available as {names}.")
    return picked[1]


def rdf_bytes(triples: Iterable[ox.Triple], fmt: str, ns: Namespaces) -> bytes:
    """Sorted, so the same data always gives the same bytes (and ETag)."""
    triples = list(triples)
    if fmt == "jsonld":
        # the published context, inlined: parsers never need to fetch /context.jsonld (pyoxigraph refuses to)
        return compact_jsonld(triples, ns.prefixes())
    return serialize_triples(triples, OX_FORMATS[fmt], used_prefixes(triples, ns.prefixes()))


def used_prefixes(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """Only the prefixes the triples use, so a small description starts with a short header."""
    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}


def _alternates(path: str, formats: Iterable[str]) -> str:
    links = [f'<{path}{SUFFIX_OF[f]}>; rel="alternate"; type="{MEDIA_TYPES[f].split(";")[0]}"' for f in formats]
    return ", ".join(links)


def _not_modified(request: Request, etag: str) -> bool:
    return not_modified(request.headers.get("if-none-match"), etag)


def _headers(fmt: str, *, etag: str, path: str, negotiated: bool, formats: Iterable[str], extra: dict[str, str] | None = None) -> dict[str, str]:
    formats = list(formats)
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",  # revalidate: the store may change under the same URL
    }
    if formats:
        headers["Link"] = _alternates(path, formats)
    if negotiated:
        headers["Vary"] = "Accept, Accept-Language, Cookie" if "html" in formats else "Accept"
        headers["Content-Location"] = path + SUFFIX_OF.get(fmt, "")
    elif fmt == "html":
        headers["Vary"] = "Accept-Language, Cookie"
    headers.update(extra or {})
    return headers


def _respond(request: Request, body: bytes | Callable[[], bytes], fmt: str, **how) -> Response:
    headers = _headers(fmt, **how)
    if _not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    data = body() if callable(body) else body
    return Response(data, media_type=MEDIA_TYPES[fmt], headers=headers)


def _respond_html(request: Request, render: Callable[[], Response], **how) -> Response:
    """A page from render_page (which may set the language cookie), with our headers added."""
    headers = _headers("html", **how)
    if _not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    page = render()
    for name, value in headers.items():
        page.headers[name] = value
    return page


def _etag(version: str, *parts: str) -> str:
    return 'W/"' + "-".join((version, *parts)) + '"'


# ------------------------------------------------------------------ per-version cache


class _VersionCache:
    """Values computed from the store, dropped as soon as the store's version changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._values: dict[str, object] = {}

    def get(self, store: Store, key: str, compute: Callable[[], object]) -> object:
        version = store.version
        with self._lock:
            if self._version != version:
                self._version, self._values = version, {}
            if key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            if self._version == version:
                self._values[key] = value
        return value


_CACHE_LOCK = threading.Lock()


def _cache(request: Request) -> _VersionCache:
    state = request.app.state
    cache = getattr(state, "linked_data_cache", None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(state, "linked_data_cache", None)
            if cache is None:
                cache = _VersionCache()
                state.linked_data_cache = cache
    return cache



# ------------------------------------------------------------------ terms for templates


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
        self.prefixes = sorted(ns.prefixes().items(), key=lambda kv: -len(kv[1]))

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



def _prefix_block(ns: Namespaces) -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in ns.prefixes().items())


def vocabulary_labels(store: Store, ns: Namespaces) -> dict[str, dict[str, str]]:
    """rdfs:label of every term in the ontology graph (classes, properties, reused terms)."""
    rows = store.select(
        "SELECT ?g ?t ?l WHERE { GRAPH ?g { ?t <http://www.w3.org/2000/01/rdf-schema#label> ?l } }",
        {"g": ox.NamedNode(ns.graph(GRAPH_ONTOLOGY))},
    )
    found: dict[str, Labels] = defaultdict(Labels)
    for row in rows:
        if isinstance(row["t"], ox.NamedNode):
            found[row["t"].value].add(row["l"])
    return {iri: labels.as_dict() for iri, labels in found.items()}


def _vocabulary(request: Request, ctx: AppContext) -> dict[str, dict[str, str]]:
    return _cache(request).get(ctx.store, "vocabulary", lambda: vocabulary_labels(ctx.store, ctx.ns))  # type: ignore[return-value]


# ------------------------------------------------------------------ describing an entity

Q_OUT = """
CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }
"""
Q_OUT_LABELLED = """
SELECT ?s ?p ?o ?g ?olabel WHERE {
  ?s ?p ?o .
  OPTIONAL { GRAPH ?g { ?s ?p ?o } }
  OPTIONAL { ?o rdfs:label|skos:prefLabel ?olabel }
}
"""
Q_IN = """
SELECT ?s ?x ?p ?xlabel WHERE {
  ?x ?p ?s .
  OPTIONAL { ?x rdfs:label|skos:prefLabel ?xlabel }
}
"""
Q_IS_OBJECT = "SELECT ?s ?x WHERE { ?x ?p ?s } LIMIT 1"
# the text units an entity comes from, is described in, or is mentioned in
# ?unit pk:text sits inside each branch: joined after the UNION, pyoxigraph evaluated it
# against every text unit (12× slower on UN-Women's page)
Q_SOURCES = """
SELECT ?s ?unit ?how ?text ?order ?ulabel ?kind WHERE {
  {
    VALUES ?how { prov:wasDerivedFrom pk:sourceParagraph pk:sourceItem pk:describedIn dcterms:source pk:heading }
    ?s ?how ?unit . ?unit pk:text ?text .
  } UNION {
    ?mention pk:mentionOf ?s ; pk:inText ?unit . ?unit pk:text ?text .
    BIND(pk:inText AS ?how)
  } UNION {
    ?unit dcterms:isPartOf ?s ; pk:text ?text .
    BIND(dcterms:hasPart AS ?how)
  }
  OPTIONAL { ?unit pk:order ?order }
  OPTIONAL { ?unit rdfs:label ?ulabel }
  OPTIONAL { ?unit a ?kind }
}
"""
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


def _exists(store: Store, iri: str) -> list[ox.Triple] | None:
    """The entity's own triples, or None when the graph does not know the IRI at all."""
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # not even a well-formed IRI ("<", ">", spaces …): nothing can have it
        return None
    triples = store.construct(Q_OUT, {"s": node})
    if triples:
        return triples
    if store.select(Q_IS_OBJECT, {"s": node}):
        return []
    return None


def _unit_kind(terms: Terms, kinds: set[str]) -> str:
    pk = terms.ns.pk
    for local in ("Paragraph", "BulletItem", "DecisionItem", "Footnote", "Heading", "Section", "SummaryParagraph"):
        if pk + local in kinds:
            return local
    return ""


def entity_view(store: Store, ns: Namespaces, terms: Terms, node: ox.NamedNode) -> dict:
    """Everything the entity page shows, as plain dicts."""
    prefixes = _prefix_block(ns)
    out_rows = store.select(prefixes + Q_OUT_LABELLED, {"s": node})
    grouped: dict[str, dict[str, dict]] = defaultdict(dict)
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
        "sources": _sources(store, ns, terms, node, prefixes),
        "incoming": _incoming(store, ns, terms, node, prefixes),
        "page": _page_for(ns, node.value),
    }


def _reader_href(ns: Namespaces, iri: str, kinds: set[str], terms: Terms) -> str | None:
    if not _unit_kind(terms, kinds) or not iri.startswith(ns.id):
        return None
    return "/read#" + anchor(iri[len(ns.id):])


def _page_for(ns: Namespaces, iri: str) -> str | None:
    """The friendlier page about the same thing, when the pages have one."""
    path = iri[len(ns.id):] if iri.startswith(ns.id) else ""
    kind, _, rest = path.partition("/")
    if kind == "org" and rest and "/" not in rest:
        return "/agency/" + rest
    if kind == "area" and rest in ("governance", "wee", "evaw", "wps"):
        return "/area/" + rest
    return None


def _sources(store: Store, ns: Namespaces, terms: Terms, node: ox.NamedNode, prefixes: str) -> dict:
    units: dict[str, dict] = {}
    for row in store.select(prefixes + Q_SOURCES, {"s": node}):
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


def _incoming(store: Store, ns: Namespaces, terms: Terms, node: ox.NamedNode, prefixes: str) -> dict:
    labels: dict[str, Labels] = defaultdict(Labels)
    by_predicate: dict[str, set[str]] = defaultdict(set)
    for row in store.select(prefixes + Q_IN, {"s": node}):
        x = row["x"]
        if not isinstance(x, ox.NamedNode):
            continue
        by_predicate[row["p"].value].add(x.value)
        labels[x.value].add(row["xlabel"])
    groups = []
    for p in sorted(by_predicate, key=terms.compact):
        subjects = sorted(by_predicate[p])
        groups.append(
            {
                "predicate": terms.iri(p),
                "subjects": [terms.iri(x, labels[x].as_dict()) for x in subjects[:MAX_INCOMING_PER_PREDICATE]],
                "total": len(subjects),
            }
        )
    return {"groups": groups, "total": sum(g["total"] for g in groups)}


# ------------------------------------------------------------------ UI strings of these pages

UI: dict[str, dict[str, str]] = {
    "entity": {"en": "Linked data", "zh": "关联数据"},
    "iri": {"en": "IRI", "zh": "IRI"},
    "types": {"en": "Type", "zh": "类型"},
    "labels": {"en": "Names", "zh": "名称"},
    "alt": {"en": "Other names in the text", "zh": "文中其他名称"},
    "text": {"en": "Text", "zh": "原文"},
    "properties": {"en": "Statements", "zh": "陈述"},
    "property": {"en": "Property", "zh": "属性"},
    "value": {"en": "Value", "zh": "值"},
    "graph": {"en": "graph", "zh": "图"},
    "sources": {"en": "In the plan's words", "zh": "计划原文"},
    "sources.more": {"en": "more passages not shown", "zh": "处其他段落未显示"},
    "incoming": {"en": "Referenced by", "zh": "被以下条目引用"},
    "incoming.more": {"en": "more not shown", "zh": "条未显示"},
    "read": {"en": "read in context", "zh": "在全文中阅读"},
    "open": {"en": "open", "zh": "打开"},
    "page": {"en": "Overview page", "zh": "概览页面"},
    "formats": {"en": "Download this description", "zh": "下载本描述"},
    "how.derived": {"en": "derived from", "zh": "出自"},
    "how.paragraph": {"en": "source paragraph", "zh": "来源段落"},
    "how.described": {"en": "described in", "zh": "阐述于"},
    "how.source": {"en": "source", "zh": "来源"},
    "how.part": {"en": "part", "zh": "组成部分"},
    "how.mentioned": {"en": "mentioned in", "zh": "提及于"},
    "missing.title": {"en": "No such entity", "zh": "没有此条目"},
    "missing.text": {"en": "The graph has nothing about this IRI.", "zh": "图谱中没有关于此 IRI 的内容。"},
    "ontology": {"en": "Ontology", "zh": "本体"},
    "classes": {"en": "Classes", "zh": "类"},
    "object_properties": {"en": "Object properties", "zh": "对象属性"},
    "datatype_properties": {"en": "Datatype properties", "zh": "数据类型属性"},
    "annotation_properties": {"en": "Annotation properties", "zh": "注释属性"},
    "deprecated": {"en": "Deprecated terms", "zh": "已弃用的术语"},
    "version": {"en": "Version", "zh": "版本"},
    "version_iri": {"en": "Version IRI", "zh": "版本 IRI"},
    "prefix": {"en": "Preferred prefix", "zh": "首选前缀"},
    "license": {"en": "License", "zh": "许可"},
    "superclasses": {"en": "Subclass of", "zh": "父类"},
    "subclasses": {"en": "Subclasses", "zh": "子类"},
    "domain": {"en": "Domain", "zh": "定义域"},
    "range": {"en": "Range", "zh": "值域"},
    "subproperty": {"en": "Subproperty of", "zh": "父属性"},
    "inverse": {"en": "Inverse of", "zh": "逆属性"},
    "characteristics": {"en": "Characteristics", "zh": "特性"},
    "properties_here": {"en": "Properties with this domain", "zh": "以此为定义域的属性"},
    "instances": {"en": "Instances in the graph", "zh": "图谱中的实例数"},
    "contents": {"en": "Contents", "zh": "目录"},
    "alt_label": {"en": "Also called", "zh": "又称"},
    "disjoint": {"en": "Disjoint with", "zh": "不相交于"},
    "chain": {"en": "Property chain", "zh": "属性链"},
}


def _tr(lang: str) -> Callable[[str], str]:
    return lambda key: UI.get(key, {}).get(lang) or UI.get(key, {}).get("en") or key


# ------------------------------------------------------------------ entity IRIs


@_get("/id/{path:path}", summary="An entity of the graph (content-negotiated)", responses=_served("The entity: a page or RDF", "text/html", *_RDF_TYPES))
def entity(path: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    ns, store = ctx.ns, ctx.store
    forced = None
    iri = ns.entity(path)
    triples = _exists(store, iri) if path else None
    if triples is None:
        # a suffix names a representation only when the IRI without it exists
        stem, dot, ext = path.rpartition(".")
        if dot and "." + ext in SUFFIXES and stem:
            triples = _exists(store, ns.entity(stem))
            if triples is not None:
                path, iri, forced = stem, ns.entity(stem), SUFFIXES["." + ext]
    if triples is None:
        return _missing(request, f"Nothing in the graph has the IRI {iri}.")
    fmt = _negotiate(request, OFFERS, forced)
    local = "/id/" + path
    if fmt == "html":
        lang = request_lang(request)

        def render() -> Response:
            terms = Terms(ns, _vocabulary(request, ctx))
            view = entity_view(store, ns, terms, ox.NamedNode(iri))
            return render_page(request, "entity.html", {"e": view, "tr": _tr(lang), "local": local, "formats": _format_links(local)})

        return _respond_html(request, render, etag=_etag(store.version, "html", lang), path=local, negotiated=forced is None, formats=MEDIA_TYPES)
    return _respond(
        request,
        lambda: rdf_bytes(triples, fmt, ns),
        fmt,
        etag=_etag(store.version, fmt),
        path=local,
        negotiated=forced is None,
        formats=MEDIA_TYPES,
    )


def _format_links(local: str) -> list[dict]:
    names = {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF/XML"}
    return [{"href": local + SUFFIX_OF[f], "name": name, "type": MEDIA_TYPES[f]} for f, name in names.items()]


def _missing(request: Request, detail: str) -> Response:
    if prefers_html(request.headers.get("accept")):
        lang = request_lang(request)
        return render_page(request, "entity.html", {"missing": detail, "tr": _tr(lang), "e": None}, status_code=404)
    raise NotFound(detail)


# ------------------------------------------------------------------ the ontology


@dataclass
class _Index:
    """Triples of one graph by subject, for reading OWL structures with blank nodes."""

    by_subject: dict[str, dict[str, list]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> "_Index":
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
        out = []
        while head is not None and not (isinstance(head, ox.NamedNode) and head.value == RDF + "nil") and len(out) < 1000:
            first = self.one(head, RDF + "first")
            if first is not None:
                out.append(first)
            head = self.one(head, RDF + "rest")
        return out


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
        self.ix = _Index.of(triples)
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
            "prefix": (self.ix.one(onto, VANN + "preferredNamespacePrefix") or ox.Literal("pk")).value,
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


Q_INSTANCES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"


def _serve_ontology(request: Request, ctx: AppContext, local: str, forced: str | None = None) -> Response:
    ns, store = ctx.ns, ctx.store
    triples = _cache(request).get(store, "ontology", lambda: ontology_triples(store, ns))
    if not triples:
        return _missing(request, "The ontology is not loaded in the store.")
    fmt = _negotiate(request, OFFERS, forced)
    if fmt == "html":
        lang = request_lang(request)

        def view() -> dict:
            instances = {r["c"].value: int(r["n"].value) for r in store.select(Q_INSTANCES) if isinstance(r["c"], ox.NamedNode)}
            return OntologyDoc(triples, ns, Terms(ns, _vocabulary(request, ctx)), instances).view()  # type: ignore[arg-type]

        def render() -> Response:
            doc = _cache(request).get(store, "ontology-view", view)
            return render_page(request, "ontology.html", {"o": doc, "tr": _tr(lang), "local": local, "formats": _format_links(local)})

        return _respond_html(request, render, etag=_etag(store.version, "ontology-html", lang), path=local, negotiated=forced is None, formats=MEDIA_TYPES)
    body = _cache(request).get(store, "ontology-" + fmt, lambda: rdf_bytes(triples, fmt, ns))  # type: ignore[arg-type]
    return _respond(request, body, fmt, etag=_etag(store.version, "ontology", fmt), path=local, negotiated=forced is None, formats=MEDIA_TYPES)  # type: ignore[arg-type]


@_get("/ontology", summary="The ontology (HTML documentation or RDF)", responses=_served("The ontology: its documentation page or RDF", "text/html", *_RDF_TYPES))
def ontology(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return _serve_ontology(request, ctx, "/ontology")


@_get("/ontology.{ext}", include_in_schema=False)
def ontology_as(ext: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    if "." + ext not in SUFFIXES:
        return _missing(request, f"No representation of the ontology has the suffix .{ext}.")
    return _serve_ontology(request, ctx, "/ontology", SUFFIXES["." + ext])


@_get("/ontology/{version}", summary="A version of the ontology (its owl:versionIRI)", responses=_served("That version of the ontology", "text/html", *_RDF_TYPES))
def ontology_version(version: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    stem, dot, ext = version.rpartition(".")
    forced = None
    triples = _cache(request).get(ctx.store, "ontology", lambda: ontology_triples(ctx.store, ctx.ns))
    current = _Index.of(triples).one(ox.NamedNode(ctx.ns.ontology), OWL + "versionIRI")  # type: ignore[arg-type]
    wanted = ctx.ns.ontology + "/" + version
    if (current is None or current.value != wanted) and dot and "." + ext in SUFFIXES:
        wanted, forced = ctx.ns.ontology + "/" + stem, SUFFIXES["." + ext]
        version = stem
    if current is None or current.value != wanted:
        return _missing(request, f"There is no version {version!r} of the ontology; the current one is {current.value if current else 'unknown'}.")
    return _serve_ontology(request, ctx, "/ontology/" + version, forced)


# ------------------------------------------------------------------ dataset description

def _serve_void(request: Request, ctx: AppContext, local: str) -> Response:
    store, ns = ctx.store, ctx.ns
    fmt = _negotiate(request, RDF_ONLY)
    triples = _cache(request).get(store, "void", lambda: describe_dataset(store, ns))
    body = _cache(request).get(store, "void-" + fmt, lambda: rdf_bytes(triples, fmt, ns))  # type: ignore[arg-type]
    return _respond(request, body, fmt, etag=_etag(store.version, "void", fmt), path=local, negotiated=False,  # type: ignore[arg-type]
                    formats=(), extra={"Vary": "Accept", "Link": _void_links(local)})


def _void_links(local: str) -> str:
    return ", ".join(f'<{local}?format={name}>; rel="alternate"; type="{MEDIA_TYPES[f].split(";")[0]}"'
                     for name, f in (("ttl", "turtle"), ("jsonld", "jsonld"), ("nt", "ntriples"), ("rdf", "rdfxml")))


@_get("/void", summary="VoID and DCAT description of the dataset", responses=_served("The description, as RDF", *_RDF_TYPES))
def void(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return _serve_void(request, ctx, "/void")


@_get("/.well-known/void", summary="VoID description at its well-known location", responses=_served("The description, as RDF", *_RDF_TYPES))
def well_known_void(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return _serve_void(request, ctx, "/.well-known/void")


# ------------------------------------------------------------------ dumps and context


def dump_bytes(store: Store, ns: Namespaces, dump: Dump) -> bytes:
    """A full dump of the store as it is now."""
    return dataset_bytes(store.quads(), dump.format, ns.prefixes())


@_get("/dumps/{filename}", summary="A full dump of the store", responses=_served("The dump", "application/n-quads", "application/trig", "text/turtle", "application/ld+json"))
def dump(filename: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    found = next((d for d in DUMPS if d.filename == filename), None)
    if found is None:
        names = ", ".join(d.filename for d in DUMPS)
        raise NotFound(f"There is no dump {filename!r}; the dumps are {names}.")
    store = ctx.store
    etag = f'"{store.version}-{found.format}"'
    headers = {
        "ETag": etag,
        "Content-Disposition": f'attachment; filename="{found.filename}"',
        "Cache-Control": "no-cache",
    }
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    body = _cache(request).get(store, "dump-" + found.filename, lambda: dump_bytes(store, ctx.ns, found))
    media = found.media_type + ("; charset=utf-8" if found.media_type.startswith("text/") else "")
    return Response(body, media_type=media, headers=headers)  # type: ignore[arg-type]


@_get("/context.jsonld", summary="The JSON-LD @context of the graph's prefixes", responses={200: {"description": "The context", "content": {"application/ld+json": {}}}})
def context(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    body = json.dumps(jsonld_context(ctx.ns.prefixes()), indent=1, sort_keys=True).encode()
    return Response(body, media_type="application/ld+json", headers={"Cache-Control": "public, max-age=3600"})
