"""The dataset's own description: VoID for linked-data crawlers, DCAT for catalogues.

Built from the store as it is now (counts come from SPARQL), so a write shows
up in the description as soon as the store's version changes. Every node of
the description gets an IRI under ``{base}void#`` rather than a blank node, so
two descriptions of the same store are the same set of triples.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from plankg.catalog import Catalog
from plankg.namespaces import (
    DCAT,
    DCT,
    EXTERNAL_PREFIXES,
    FOAF,
    GRAPH_ONTOLOGY,
    GRAPH_PLAN,
    GRAPH_REGISTRY,
    RDF,
    SKOS,
    VOID,
    XSD,
    Namespaces,
)
from plankg.store import Store

FORMATS = "http://www.w3.org/ns/formats/"
IANA = "https://www.iana.org/assignments/media-types/"

PLAN_SYMBOL = "UNW/2021/6"
LICENSE = "http://spdx.org/licenses/MIT"
PLAN_DOCUMENT = "https://undocs.org/zh/UNW/2021/6"


@dataclass(frozen=True)
class Dump:
    """A full download of the store; the service writes it, the description lists it."""

    filename: str
    format: str  # key of plankg.store.results.GRAPH_FORMATS
    media_type: str
    title_en: str
    title_zh: str
    keeps_graphs: bool  # False: the named graphs are merged into one graph


DUMPS: tuple[Dump, ...] = (
    Dump("plankg.nq", "nquads", "application/n-quads", "All named graphs as sorted N-Quads", "全部命名图（排序的 N-Quads）", True),
    Dump("plankg.trig", "trig", "application/trig", "All named graphs as TriG", "全部命名图（TriG）", True),
    Dump("plankg.ttl", "turtle", "text/turtle", "All triples merged into one Turtle graph", "合并为单一图的全部三元组（Turtle）", False),
    Dump("plankg.jsonld", "jsonld", "application/ld+json", "All named graphs as JSON-LD", "全部命名图（JSON-LD）", True),
)

# every dump is also served gzip-compressed, at its name plus this suffix
GZIP_SUFFIX = ".gz"
GZIP_MEDIA_TYPE = "application/gzip"

TITLE_EN = "Knowledge graph of the UN Women Strategic Plan 2022–2025 (UNW/2021/6)"
TITLE_ZH = "妇女署《2022-2025 年战略计划》(UNW/2021/6)知识图谱"
DESCRIPTION_EN = (
    "The Chinese text of UN Women's Strategic Plan 2022–2025, paragraph by paragraph, with the plan's "
    "concepts (impact areas, systemic outcomes, key interventions), the organizations, instruments, "
    "SDG targets and indicators, themes and statistics it names, each traced back to its source paragraph."
)
DESCRIPTION_ZH = (
    "妇女署《2022-2025 年战略计划》中文本的逐段文本，以及计划中的概念（影响领域、系统性成果、主要干预措施）"
    "和计划提及的组织、文书、可持续发展目标具体目标和指标、主题与统计数字，每项均可追溯到其来源段落。"
)

KEYWORDS = (("gender equality", "性别平等"), ("UN Women", "妇女署"), ("strategic plan", "战略计划"),
            ("Sustainable Development Goals", "可持续发展目标"))

# Served formats, named by the W3C format IRIs that void:feature expects.
FEATURES = ("Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD", "RDF_XML")

GRAPH_TITLES = {
    GRAPH_ONTOLOGY: ("Ontology (classes and properties)", "本体（类和属性）"),
    GRAPH_PLAN: ("The plan's text and what was extracted from it", "计划文本及从中抽取的内容"),
    GRAPH_REGISTRY: ("Curated registry: organizations, instruments, SDGs, themes", "人工整理的登记表：组织、文书、可持续发展目标、主题"),
}


@dataclass(frozen=True)
class Target:
    """An external dataset the graph links to with skos:exactMatch."""

    key: str
    uri_space: str
    homepage: str
    title_en: str
    title_zh: str


LINK_TARGETS: tuple[Target, ...] = (
    Target("un-sdg", "http://metadata.un.org/sdg/", "http://metadata.un.org/sdg",
           "UN SDG knowledge organization system", "联合国可持续发展目标知识组织系统"),
    Target("wikidata", "http://www.wikidata.org/entity/", "https://www.wikidata.org/",
           "Wikidata", "维基数据"),
)

# Classes whose first instance is a good place for a crawler to start.
EXAMPLE_CLASSES = ("Paragraph", "UNEntity", "KeyIntervention", "ImpactArea", "SDGIndicator", "SecurityCouncilResolution")

# the queries of the description: queries/void-*.rq (``public: false``)
Q_TRIPLES = "void-triples"
Q_ENTITIES = "void-entities"
Q_GRAPHS = "void-graphs"
Q_GRAPH_ENTITIES = "void-graph-entities"
Q_CLASSES = "void-classes"
Q_PROPERTIES = "void-properties"
Q_LINKS = "void-links"


def _int(term: object) -> int:
    return int(term.value) if term is not None else 0  # type: ignore[attr-defined]


def _count(store: Store, catalog: Catalog, name: str, space: str | None = None) -> list[dict]:
    bindings = {"space": ox.Literal(space)} if space is not None else None
    return store.select(catalog.internal_query(name).sparql, bindings)


class _Writer:
    def __init__(self) -> None:
        self.triples: set[ox.Triple] = set()

    def add(self, s: str, p: str, o: ox.NamedNode | ox.Literal | str) -> None:
        obj = ox.NamedNode(o) if isinstance(o, str) else o
        self.triples.add(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def texts(self, s: str, p: str, en: str, zh: str) -> None:
        self.add(s, p, ox.Literal(en, language="en"))
        self.add(s, p, ox.Literal(zh, language="zh"))

    def count(self, s: str, p: str, n: int) -> None:
        self.add(s, p, ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer")))


def description_iri(ns: Namespaces) -> str:
    """The document that holds the description (served at /void)."""
    return ns.base + "void"


def dataset_iri(ns: Namespaces) -> str:
    return description_iri(ns) + "#plankg"


def _node(ns: Namespaces, local: str) -> str:
    return description_iri(ns) + "#" + quote(local, safe="/-._~")


def _term_local(ns: Namespaces, term: str) -> str:
    """A readable fragment for a partition: ``ImpactArea``, ``skos-prefLabel``."""
    if term.startswith(ns.pk) and len(term) > len(ns.pk):
        return term[len(ns.pk):]
    for prefix, iri in EXTERNAL_PREFIXES.items():
        local = term[len(iri):]
        if term.startswith(iri) and local.replace("_", "").replace("-", "").isalnum():
            return f"{prefix}-{local}"
    return hashlib.sha1(term.encode()).hexdigest()[:12]


def _graph_local(ns: Namespaces, graph: str) -> str:
    prefix = ns.graph("")
    if graph.startswith(prefix):
        return graph[len(prefix):]
    return "g-" + hashlib.sha1(graph.encode()).hexdigest()[:12]


def describe_dataset(store: Store, ns: Namespaces, catalog: Catalog) -> list[ox.Triple]:
    """VoID + DCAT triples describing the store's contents, sorted."""
    w = _Writer()
    ds = dataset_iri(ns)
    doc = description_iri(ns)
    space = ns.id

    w.add(doc, RDF + "type", VOID + "DatasetDescription")
    w.texts(doc, DCT + "title", "Description of the plankg dataset", "plankg 数据集说明")
    w.add(doc, FOAF + "primaryTopic", ds)

    w.add(ds, RDF + "type", VOID + "Dataset")
    w.add(ds, RDF + "type", DCAT + "Dataset")
    w.texts(ds, DCT + "title", TITLE_EN, TITLE_ZH)
    w.texts(ds, DCT + "description", DESCRIPTION_EN, DESCRIPTION_ZH)
    for en_kw, zh_kw in KEYWORDS:
        w.texts(ds, DCAT + "keyword", en_kw, zh_kw)
    w.add(ds, DCT + "source", ns.entity("plan"))
    w.add(ds, DCT + "source", PLAN_DOCUMENT)
    w.add(ds, DCT + "identifier", ox.Literal("plankg"))
    w.add(ds, DCT + "license", LICENSE)
    w.texts(ds, DCT + "rights",
            f"Graph under the MIT licence; the quoted text is the United Nations document {PLAN_SYMBOL}.",
            f"图谱采用 MIT 许可；引用的文本出自联合国文件 {PLAN_SYMBOL}。")
    w.add(ds, DCT + "language", "http://id.loc.gov/vocabulary/iso639-1/zh")
    w.add(ds, DCT + "language", "http://id.loc.gov/vocabulary/iso639-1/en")
    w.add(ds, DCT + "conformsTo", ns.ontology)
    w.add(ds, VOID + "sparqlEndpoint", ns.base + "sparql")
    w.add(ds, VOID + "uriSpace", ox.Literal(space))
    w.add(ds, VOID + "rootResource", ns.entity("plan"))
    w.add(ds, FOAF + "homepage", ns.base)
    for feature in FEATURES:
        w.add(ds, VOID + "feature", FORMATS + feature)

    rows = _count(store, catalog, Q_TRIPLES)
    w.count(ds, VOID + "triples", _int(rows[0]["n"]) if rows else 0)
    rows = _count(store, catalog, Q_ENTITIES, space)
    w.count(ds, VOID + "entities", _int(rows[0]["n"]) if rows else 0)

    _classes(w, store, catalog, ns, ds)
    _properties(w, store, catalog, ns, ds)
    _graphs(w, store, catalog, ns, ds)
    _linksets(w, store, catalog, ns, ds)
    _distributions(w, ns, ds)
    return sorted(w.triples, key=str)


def _classes(w: _Writer, store: Store, catalog: Catalog, ns: Namespaces, ds: str) -> None:
    vocabularies = set()
    examples = {}
    for row in _count(store, catalog, Q_CLASSES):
        cls = row["c"].value
        local = _term_local(ns, cls)
        part = _node(ns, "class-" + local)
        w.add(ds, VOID + "classPartition", part)
        w.add(part, RDF + "type", VOID + "Dataset")
        w.add(part, VOID + "class", cls)
        w.count(part, VOID + "entities", _int(row["n"]))
        vocabularies.add(_vocabulary(ns, cls))
        if local in EXAMPLE_CLASSES and row["first"] is not None and row["first"].value.startswith(ns.id):
            examples[local] = row["first"].value
    for example in examples.values():
        w.add(ds, VOID + "exampleResource", example)
    for vocabulary in vocabularies - {None}:
        w.add(ds, VOID + "vocabulary", vocabulary)  # type: ignore[arg-type]


def _properties(w: _Writer, store: Store, catalog: Catalog, ns: Namespaces, ds: str) -> None:
    for row in _count(store, catalog, Q_PROPERTIES):
        prop = row["p"].value
        local = _term_local(ns, prop)
        part = _node(ns, "property-" + local)
        w.add(ds, VOID + "propertyPartition", part)
        w.add(part, RDF + "type", VOID + "Dataset")
        w.add(part, VOID + "property", prop)
        w.count(part, VOID + "triples", _int(row["n"]))
        vocabulary = _vocabulary(ns, prop)
        if vocabulary:
            w.add(ds, VOID + "vocabulary", vocabulary)


def _vocabulary(ns: Namespaces, term: str) -> str | None:
    """The vocabulary a term belongs to; our own is named by the ontology IRI."""
    if term.startswith(ns.pk):
        return ns.ontology
    for prefix, iri in EXTERNAL_PREFIXES.items():
        if prefix not in ("unsdg", "wd") and term.startswith(iri) and len(term) > len(iri):
            return iri
    return None


def _graphs(w: _Writer, store: Store, catalog: Catalog, ns: Namespaces, ds: str) -> None:
    entities = {row["g"].value: _int(row["n"]) for row in _count(store, catalog, Q_GRAPH_ENTITIES, ns.id)}
    for row in _count(store, catalog, Q_GRAPHS):
        graph = row["g"].value
        name = _graph_local(ns, graph)
        # the named graph's own IRI names the subset: a client can send it as named-graph-uri
        w.add(ds, VOID + "subset", graph)
        w.add(graph, RDF + "type", VOID + "Dataset")
        w.count(graph, VOID + "triples", _int(row["n"]))
        w.count(graph, VOID + "entities", entities.get(graph, 0))
        w.add(graph, VOID + "sparqlEndpoint", ns.base + "sparql")
        en, zh = GRAPH_TITLES.get(name, (f"Named graph {graph}", f"命名图 {graph}"))
        w.texts(graph, DCT + "title", en, zh)


def _linksets(w: _Writer, store: Store, catalog: Catalog, ns: Namespaces, ds: str) -> None:
    for target in LINK_TARGETS:
        rows = _count(store, catalog, Q_LINKS, target.uri_space)
        links = _int(rows[0]["n"]) if rows else 0
        other = _node(ns, target.key)
        w.add(other, RDF + "type", VOID + "Dataset")
        w.add(other, VOID + "uriSpace", ox.Literal(target.uri_space))
        w.add(other, FOAF + "homepage", target.homepage)
        w.texts(other, DCT + "title", target.title_en, target.title_zh)
        linkset = _node(ns, "links-" + target.key)
        w.add(ds, VOID + "subset", linkset)
        w.add(linkset, RDF + "type", VOID + "Linkset")
        w.add(linkset, VOID + "linkPredicate", SKOS + "exactMatch")
        w.add(linkset, VOID + "subjectsTarget", ds)
        w.add(linkset, VOID + "objectsTarget", other)
        w.count(linkset, VOID + "triples", links)
        w.texts(linkset, DCT + "title", f"skos:exactMatch links to {target.title_en}", f"指向{target.title_zh}的 skos:exactMatch 链接")


def _distributions(w: _Writer, ns: Namespaces, ds: str) -> None:
    for dump in DUMPS:
        url = ns.base + "dumps/" + dump.filename
        w.add(ds, VOID + "dataDump", url)
        dist = _node(ns, "dump-" + dump.filename.rsplit(".", 1)[-1])
        w.add(ds, DCAT + "distribution", dist)
        w.add(dist, RDF + "type", DCAT + "Distribution")
        w.add(dist, DCAT + "downloadURL", url)
        w.add(dist, DCAT + "accessURL", url)
        w.add(dist, DCAT + "mediaType", IANA + dump.media_type)
        w.add(dist, DCT + "license", LICENSE)
        w.texts(dist, DCT + "title", dump.title_en, dump.title_zh)
        gz_url = url + GZIP_SUFFIX
        w.add(ds, VOID + "dataDump", gz_url)
        gz = _node(ns, "dump-" + dump.filename.rsplit(".", 1)[-1] + "-gz")
        w.add(ds, DCAT + "distribution", gz)
        w.add(gz, RDF + "type", DCAT + "Distribution")
        w.add(gz, DCAT + "downloadURL", gz_url)
        w.add(gz, DCAT + "accessURL", gz_url)
        w.add(gz, DCAT + "mediaType", IANA + dump.media_type)
        w.add(gz, DCAT + "compressFormat", IANA + GZIP_MEDIA_TYPE)
        w.add(gz, DCT + "license", LICENSE)
        w.texts(gz, DCT + "title", dump.title_en + " (gzip)", dump.title_zh + "（gzip 压缩）")
    service = _node(ns, "sparql")
    w.add(service, RDF + "type", DCAT + "DataService")
    w.add(service, DCAT + "endpointURL", ns.base + "sparql")
    w.add(service, DCAT + "servesDataset", ds)
    w.add(service, DCT + "conformsTo", "https://www.w3.org/TR/sparql11-protocol/")
    w.texts(service, DCT + "title", "SPARQL 1.1 query endpoint", "SPARQL 1.1 查询端点")
    access = _node(ns, "sparql-access")
    w.add(ds, DCAT + "distribution", access)
    w.add(access, RDF + "type", DCAT + "Distribution")
    w.add(access, DCAT + "accessURL", ns.base + "sparql")
    w.add(access, DCAT + "accessService", service)
    w.add(access, DCAT + "mediaType", IANA + "application/sparql-results+json")
    w.texts(access, DCT + "title", "Query access through SPARQL", "通过 SPARQL 查询访问")


def schema_org_dataset(ns: Namespaces) -> dict:
    """The dataset as schema.org ``Dataset`` JSON-LD, for the home page (dataset search engines).

    Google's rules for ``Dataset``: ``name`` and ``description`` (50 to 5000
    characters) are required; licence, distributions (``contentUrl`` and
    ``encodingFormat``), url, creator and keywords are recommended.
    """
    downloads = []
    for dump in DUMPS:
        url = ns.base + "dumps/" + dump.filename
        downloads.append({"@type": "DataDownload", "name": dump.title_en, "contentUrl": url, "encodingFormat": dump.media_type})
        downloads.append({"@type": "DataDownload", "name": dump.title_en + " (gzip)", "contentUrl": url + GZIP_SUFFIX,
                          "encodingFormat": GZIP_MEDIA_TYPE})
    downloads.append({"@type": "DataDownload", "name": "SPARQL 1.1 query endpoint", "contentUrl": ns.base + "sparql",
                      "encodingFormat": "application/sparql-results+json"})
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset_iri(ns),
        "name": TITLE_EN,
        "alternateName": TITLE_ZH,
        "description": DESCRIPTION_EN,
        "url": ns.base,
        "sameAs": description_iri(ns),
        "identifier": "plankg",
        "license": LICENSE,
        "isBasedOn": PLAN_DOCUMENT,
        "inLanguage": ["zh", "en"],
        "keywords": [en for en, _ in KEYWORDS],
        "creator": {"@type": "Organization", "name": "plankg project", "url": ns.base},
        "isAccessibleForFree": True,
        "distribution": downloads,
    }
