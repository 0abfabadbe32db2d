"""Entity IRIs, the ontology, /void, the dumps and /context.jsonld, over HTTP (service.linked_data)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urldefrag

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from plankg.namespaces import EXTERNAL_PREFIXES, GRAPH_ONTOLOGY, OWL, RDF_TYPE, Namespaces
from plankg.settings import Settings

NS = Namespaces.of(Settings())
SKOS = rdflib.Namespace(EXTERNAL_PREFIXES["skos"])
VOID = rdflib.Namespace(EXTERNAL_PREFIXES["void"])
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
CURL = "*/*"
RDF_PARSERS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt", "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def iri(path: str) -> rdflib.URIRef:
    return rdflib.URIRef(NS.entity(path))


def graph_of(response: httpx.Response) -> rdflib.Graph:
    media = response.headers["content-type"].split(";")[0]
    data, fmt = response.content, RDF_PARSERS[media]
    if fmt == "json-ld":
        # rdflib's JSON-LD parser goes through its deprecated ConjunctiveGraph; pyoxigraph reads it
        data, fmt = ox.serialize(ox.parse(data, format=ox.RdfFormat.JSON_LD), format=ox.RdfFormat.N_QUADS), "nt"
    return rdflib.Graph().parse(data=data, format=fmt)


def vary(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


def triples_in_store(built_graph, subject: str) -> set:
    return {q.triple for q in built_graph.quads if q.subject.value == subject}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"])
        if values.get("id"):
            self.ids.add(values["id"])


def parse_html(text: str) -> Links:
    parser = Links()
    parser.feed(text)
    return parser


def unit_text(built_graph, path: str) -> str:
    texts = [q.object.value for q in built_graph.quads if q.subject.value == NS.entity(path) and q.predicate.value == NS.term("text")]
    assert texts, path
    return texts[0]


# ---------------------------------------------------------------- entities


def test_organization_page_shows_both_labels_and_quotes_a_paragraph(client, built_graph):
    r = client.get("/id/org/UNFPA", headers={"Accept": BROWSER})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "联合国人口基金" in r.text and "United Nations Population Fund" in r.text
    quoted = unit_text(built_graph, "para/56/item/2")
    assert "人口基金" in quoted
    assert re.search(r"<blockquote[^>]*>" + re.escape(quoted) + "</blockquote>", r.text)
    links = parse_html(r.text).hrefs
    assert "/id/para/56/item/2" in links and "/read#para-56-item-2" in links


def test_curl_accept_gets_turtle_with_labels_and_notation(client, built_graph):
    r = client.get("/id/org/UNFPA", headers={"Accept": CURL})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == "text/turtle"
    g = graph_of(r)
    org = iri("org/UNFPA")
    labels = {(o.language, str(o)) for o in g.objects(org, SKOS.prefLabel)}
    assert ("zh", "联合国人口基金") in labels and ("en", "United Nations Population Fund") in labels
    assert str(g.value(org, SKOS.notation)) == "UNFPA"
    own = {(s, p, o) for s, p, o in g if s == org}
    assert len(own) == len(triples_in_store(built_graph, str(org)))


def test_every_rdf_format_carries_the_same_triples(client):
    turtle = graph_of(client.get("/id/org/UNDP", headers={"Accept": "text/turtle"}))
    assert len(turtle) > 5
    for media in ("application/ld+json", "application/n-triples", "application/rdf+xml"):
        r = client.get("/id/org/UNDP", headers={"Accept": media})
        assert r.headers["content-type"].split(";")[0] == media
        assert set(graph_of(r)) == set(turtle), media


def test_json_ld_parses_with_pyoxigraph_to_the_turtle_triples(client):
    r = client.get("/id/para/49", headers={"Accept": "application/ld+json"})
    body = r.json()
    assert body["@context"]["pk"] == NS.pk and body["@context"]["id"] == "@id"
    from_jsonld = {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.JSON_LD)}
    turtle = client.get("/id/para/49", headers={"Accept": "text/turtle"}).content
    from_turtle = {q.triple for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}
    assert from_jsonld == from_turtle and len(from_jsonld) > 5


@pytest.mark.parametrize("suffix, media", [(".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".nt", "application/n-triples"), (".rdf", "application/rdf+xml"), (".html", "text/html")])
def test_suffix_names_one_representation_whatever_the_accept_header(client, suffix, media):
    r = client.get("/id/org/UNDP" + suffix, headers={"Accept": "image/png"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "accept" not in vary(r)


@pytest.mark.parametrize(
    "path",
    ["/id/org/UNDP", "/id/para/49", "/id/para/49/item/3", "/id/intervention/56-2", "/id/sdg/5.1.1", "/id/plan", "/id/area/evaw",
     "/id/footnote/12", "/id/section/5", "/id/theme/covid-19", "/id/instrument/S-RES-1325-2000", "/id/unit/percent", "/id/mandate/normative"],
)
def test_minted_iris_resolve_as_html_and_turtle(client, path, built_graph):
    assert triples_in_store(built_graph, NS.base + path[1:]), "the graph mints this IRI"
    assert client.get(path, headers={"Accept": BROWSER}).status_code == 200
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and len(graph_of(r)) > 0


@pytest.mark.parametrize("start", ["/id/org/UNFPA", "/id/para/56"])
def test_every_internal_link_on_an_entity_page_answers(client, start):
    page = client.get(start, headers={"Accept": BROWSER})
    assert page.status_code == 200
    internal = sorted({urldefrag(h)[0] or start for h in parse_html(page.text).hrefs if h.startswith("/")})
    assert len(internal) > 10
    broken = {}
    for href in internal:
        r = client.get(href, headers={"Accept": BROWSER})
        if r.status_code != 200:
            broken[href] = r.status_code
    assert broken == {}


def test_foreign_iris_are_plain_external_links(client):
    r = client.get("/id/org/UNDP", headers={"Accept": BROWSER})
    assert re.search(r'<a href="http://www\.wikidata\.org/entity/Q\d+" class="external" rel="external[^"]*">', r.text)
    sdg = client.get("/id/sdg/5.1.1", headers={"Accept": BROWSER})
    assert 'href="http://metadata.un.org/sdg/' in sdg.text


def test_page_lists_the_entities_that_refer_to_it(client):
    r = client.get("/id/org/UNFPA", headers={"Accept": BROWSER})
    assert "/id/collaboration/56-2/UNFPA" in parse_html(r.text).hrefs


@pytest.mark.parametrize(
    "accept, media",
    [
        ("text/turtle;q=0.5, application/ld+json", "application/ld+json"),
        ("text/html;q=0.2, application/rdf+xml;q=0.8", "application/rdf+xml"),
        ("application/n-triples, text/turtle;q=0", "application/n-triples"),
        ("text/turtle;q=0, */*", "application/ld+json"),
        ("text/*", "text/turtle"),
        ("application/json", "application/ld+json"),
        (BROWSER, "text/html"),
        (CURL, "text/turtle"),
        ("", "text/turtle"),
    ],
)
def test_q_values_choose_the_representation(client, accept, media):
    r = client.get("/id/org/UNDP", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    assert "accept" in vary(r)


def test_format_parameter_overrides_accept(client):
    r = client.get("/id/org/UNDP", params={"format": "jsonld"}, headers={"Accept": "text/html"})
    assert r.headers["content-type"].split(";")[0] == "application/ld+json"
    assert client.get("/id/org/UNDP", params={"format": "docx"}).status_code == 400
    assert client.get("/void", params={"format": "html"}).status_code == 406


def test_negotiated_response_names_its_alternates(client):
    r = client.get("/id/org/UNDP", headers={"Accept": "text/turtle"})
    link = r.headers["link"]
    for suffix, media in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json"), (".nt", "application/n-triples"), (".rdf", "application/rdf+xml"), (".html", "text/html")):
        assert f'</id/org/UNDP{suffix}>; rel="alternate"; type="{media}"' in link
    assert r.headers["content-location"] == "/id/org/UNDP.ttl"


def test_nothing_acceptable_is_406_problem(client):
    r = client.get("/id/org/UNDP", headers={"Accept": "image/png, application/pdf"})
    assert r.status_code == 406
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 406


def test_unknown_entity_is_404_problem_for_clients_and_a_page_for_browsers(client):
    r = client.get("/id/org/NO-SUCH-ORG", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 404 and "NO-SUCH-ORG" in r.json()["detail"]
    page = client.get("/id/org/NO-SUCH-ORG", headers={"Accept": BROWSER})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert client.get("/id/org/NO-SUCH-ORG.ttl").status_code == 404
    assert client.get("/id/").status_code == 404


def test_iri_text_is_never_spliced_into_a_query(client):
    r = client.get("/id/org/x%3E%20%3Fp%20%3Fo%20%7D%20UNION%20%7B%20%3Fs%20%3Fp%20%3Fo", headers={"Accept": "text/turtle"})
    assert r.status_code == 404


def test_unchanged_entity_revalidates_with_304(client):
    first = client.get("/id/org/UNDP", headers={"Accept": "text/turtle"})
    again = client.get("/id/org/UNDP", headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


# ---------------------------------------------------------------- ontology


def ontology_classes(built_graph) -> set[str]:
    graph = NS.graph(GRAPH_ONTOLOGY)
    return {
        q.subject.value[len(NS.pk):]
        for q in built_graph.quads
        if q.graph_name.value == graph and q.predicate.value == RDF_TYPE and q.object.value == OWL + "Class"
        and isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(NS.pk)
    }


def test_ontology_page_has_an_anchor_for_every_class(client, built_graph):
    r = client.get("/ontology", headers={"Accept": BROWSER})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    classes = ontology_classes(built_graph)
    assert "ImpactArea" in classes and len(classes) > 40
    ids = parse_html(r.text).ids
    assert classes - ids == set()
    assert {"sourceParagraph", "text", "impactArea"} <= ids
    assert "影响领域" in r.text and "impact area" in r.text


@pytest.mark.parametrize("path", ["/ontology", "/ontology/1.0.0", "/ontology.ttl"])
def test_ontology_as_rdf_is_the_ontology_graph(client, built_graph, path):
    graph = NS.graph(GRAPH_ONTOLOGY)
    expected = rdflib.Graph().parse(data=b"".join(str(q.triple).encode() + b" .\n" for q in built_graph.quads if q.graph_name.value == graph), format="nt")
    for media in ("text/turtle", "application/ld+json", "application/rdf+xml"):
        r = client.get(path, headers={"Accept": media})
        assert r.status_code == 200, (path, media)
        assert isomorphic(graph_of(r), expected), (path, media)


def test_unknown_ontology_version_is_404(client):
    assert client.get("/ontology/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404


# ---------------------------------------------------------------- dataset description


def test_void_counts_the_store_triples(client, built_graph):
    r = client.get("/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = graph_of(r)
    dataset = next(g.subjects(rdflib.RDF.type, rdflib.URIRef(EXTERNAL_PREFIXES["dcat"] + "Dataset")))
    assert int(g.value(dataset, VOID.triples)) == len({q.triple for q in built_graph.quads})
    assert str(g.value(dataset, VOID.uriSpace)) == NS.id
    dumps = {str(o) for o in g.objects(dataset, VOID.dataDump)}
    assert NS.base + "dumps/plankg.nq" in dumps


@pytest.mark.parametrize("media", ["application/ld+json", "application/rdf+xml", "application/n-triples"])
def test_void_in_other_formats_and_at_the_well_known_path(client, media):
    turtle = graph_of(client.get("/void", headers={"Accept": "text/turtle"}))
    for path in ("/void", "/.well-known/void"):
        r = client.get(path, headers={"Accept": media})
        assert r.status_code == 200
        assert isomorphic(graph_of(r), turtle), (path, media)


# ---------------------------------------------------------------- dumps


def by_graph(quads) -> dict[str, rdflib.Graph]:
    """One rdflib graph per graph name; rdflib compares graphs with blank nodes (the ontology has some)."""
    lines: dict[str, list[str]] = {}
    for q in quads:
        lines.setdefault(str(q.graph_name), []).append(f"{q.subject} {q.predicate} {q.object} .\n")
    return {name: rdflib.Graph().parse(data="".join(body), format="nt") for name, body in lines.items()}


def same_dataset(a: dict[str, rdflib.Graph], b: dict[str, rdflib.Graph]) -> bool:
    return a.keys() == b.keys() and all(isomorphic(a[name], b[name]) for name in a)


def parse_dump(data: bytes, fmt: ox.RdfFormat) -> dict[str, rdflib.Graph]:
    return by_graph(ox.parse(data, format=fmt))


@pytest.fixture(scope="module")
def store_dataset(built_graph) -> dict[str, rdflib.Graph]:
    return by_graph(built_graph.quads)


def test_nquads_dump_round_trips_to_the_store(client, store_dataset):
    r = client.get("/dumps/plankg.nq")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/n-quads")
    assert r.headers["content-disposition"] == 'attachment; filename="plankg.nq"'
    lines = r.text.splitlines()
    assert lines == sorted(lines)
    assert same_dataset(parse_dump(r.content, ox.RdfFormat.N_QUADS), store_dataset)


@pytest.mark.parametrize("name, fmt", [("plankg.trig", ox.RdfFormat.TRIG), ("plankg.jsonld", ox.RdfFormat.JSON_LD)])
def test_dumps_with_named_graphs_hold_the_same_quads(client, store_dataset, name, fmt):
    r = client.get("/dumps/" + name)
    assert r.status_code == 200
    assert same_dataset(parse_dump(r.content, fmt), store_dataset)


def test_turtle_dump_merges_the_graphs(client, built_graph):
    r = client.get("/dumps/plankg.ttl")
    parsed = {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.TURTLE)}
    assert len(parsed) == len({q.triple for q in built_graph.quads})


def test_dump_etag_revalidates_and_unknown_dump_is_404(client):
    first = client.get("/dumps/plankg.nq")
    again = client.get("/dumps/plankg.nq", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/dumps/plankg.nq").content == first.content
    missing = client.get("/dumps/other.nq")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")


# ---------------------------------------------------------------- after a write


@pytest.fixture
def writable(live_server_factory):
    """A server of one's own, and a way to replace what its store holds."""
    apps = []
    url = live_server_factory(customize=apps.append)
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c, lambda quads: apps[0].state.ctx.store.replace_dataset(quads)


def test_a_label_with_markup_is_escaped(writable, built_graph):
    c, replace = writable
    undp = ox.NamedNode(NS.entity("org/UNDP"))
    evil = ox.Literal("<script>alert(1)</script>", language="en")
    graph = ox.NamedNode(NS.graph("registry"))
    extra = [
        ox.Quad(undp, ox.NamedNode(EXTERNAL_PREFIXES["skos"] + "prefLabel"), evil, graph),
        ox.Quad(undp, ox.NamedNode(EXTERNAL_PREFIXES["rdfs"] + "seeAlso"), ox.NamedNode("javascript:alert(1)"), graph),
    ]
    replace(list(built_graph.quads) + extra)
    for path in ("/id/org/UNDP", "/id/para/56/item/2"):
        r = c.get(path, headers={"Accept": BROWSER})
        assert r.status_code == 200
        assert "<script>alert" not in r.text, path
        assert 'href="javascript:' not in r.text, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in c.get("/id/org/UNDP", headers={"Accept": BROWSER}).text


def test_dumps_void_and_entities_follow_a_write(writable, built_graph):
    c, replace = writable
    before = c.get("/dumps/plankg.nq")
    void_before = c.get("/void", headers={"Accept": "text/turtle"})
    kept = [q for q in built_graph.quads if q.subject.value != NS.entity("org/UNDP")]
    replace(kept)
    after = c.get("/dumps/plankg.nq", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert len(after.text.splitlines()) == len(set(kept)) < len(before.text.splitlines())
    g = graph_of(c.get("/void", headers={"Accept": "text/turtle"}))
    assert len({q.triple for q in kept}) in {int(o) for o in g.objects(None, VOID.triples)}
    assert c.get("/void", headers={"Accept": "text/turtle"}).content != void_before.content
    still_referenced = c.get("/id/org/UNDP", headers={"Accept": "text/turtle"})
    assert still_referenced.status_code == 200
    g = graph_of(still_referenced)
    undp = iri("org/UNDP")
    assert (undp, None, None) not in g and (None, None, undp) in g  # nothing of its own; still pointed to
