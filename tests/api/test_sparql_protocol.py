"""/sparql through real HTTP: the W3C SPARQL 1.1 Protocol query operation and its limits."""

from __future__ import annotations

import csv
import io
import os
import threading
import time
import xml.etree.ElementTree as ET

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from problem_checks import assert_problem
from rdflib.compare import isomorphic

B = "http://127.0.0.1:8000/"
PK = B + "ontology#"
G_ONTOLOGY, G_PLAN, G_REGISTRY = B + "graph/ontology", B + "graph/plan", B + "graph/registry"
SRX = "{http://www.w3.org/2005/sparql-results#}"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")

AREAS = f"PREFIX pk: <{PK}> SELECT ?area WHERE {{ ?area a pk:ImpactArea }} ORDER BY ?area"
AREA_GRAPH = f"PREFIX pk: <{PK}> CONSTRUCT {{ ?area ?p ?o }} WHERE {{ ?area a pk:ImpactArea ; ?p ?o }}"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
EXPECTED_AREAS = [B + "id/area/" + a for a in sorted(["evaw", "governance", "wee", "wps"])]


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def bindings(response: httpx.Response) -> list[dict]:
    return response.json()["results"]["bindings"]


def count(client: httpx.Client, query: str = COUNT_ALL, **params) -> int:
    r = client.get("/sparql", params={"query": query, **params})
    assert r.status_code == 200, r.text
    return int(bindings(r)[0]["n"]["value"])


def parse_graph(body: bytes, rdflib_format: str) -> rdflib.Graph:
    """rdflib reads Turtle, N-Triples and RDF/XML; its JSON-LD parser warns about its own
    deprecations, so JSON-LD goes through pyoxigraph's parser and N-Triples."""
    if rdflib_format == "json-ld":
        body = ox.serialize(list(ox.parse(body, format=ox.RdfFormat.JSON_LD)), format=ox.RdfFormat.N_QUADS)
        rdflib_format = "nt"
    return rdflib.Graph().parse(data=body, format=rdflib_format)



# ------------------------------------------------------------------ the three ways to send a query
def test_get_query_answers_sparql_json(client):
    r = client.get("/sparql", params={"query": AREAS})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert [b["area"]["value"] for b in bindings(r)] == EXPECTED_AREAS


def test_post_form_query_answers(client):
    r = client.post("/sparql", data={"query": AREAS})
    assert r.status_code == 200
    assert [b["area"]["value"] for b in bindings(r)] == EXPECTED_AREAS


def test_post_form_with_raw_utf8_body_answers(client):
    body = 'query=PREFIX skos: <http://www.w3.org/2004/02/skos/core%23> ASK { ?x skos:prefLabel ?l FILTER(CONTAINS(STR(?l), "妇女")) }'
    r = client.post("/sparql", content=body.encode("utf-8"), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200, r.text
    assert r.json()["boolean"] is True


def test_post_direct_query_answers(client):
    r = client.post("/sparql", content=AREAS.encode(), headers={"content-type": "application/sparql-query; charset=utf-8"})
    assert r.status_code == 200
    assert [b["area"]["value"] for b in bindings(r)] == EXPECTED_AREAS


def test_ask_answers_boolean(client):
    r = client.get("/sparql", params={"query": "ASK {}"})
    assert r.status_code == 200 and r.json() == {"head": {}, "boolean": True}


def test_head_gives_headers_without_body(client):
    got = client.get("/sparql", params={"query": AREAS})
    r = client.head("/sparql", params={"query": AREAS})
    assert r.status_code == 200 and r.content == b""
    assert r.headers["etag"] == got.headers["etag"]
    assert r.headers["content-type"] == got.headers["content-type"]


# ------------------------------------------------------------------ result formats
def test_select_as_xml(client):
    r = client.get("/sparql", params={"query": AREAS}, headers={"Accept": "application/sparql-results+xml"})
    assert r.headers["content-type"] == "application/sparql-results+xml"
    root = ET.fromstring(r.content)
    assert [v.get("name") for v in root.iter(SRX + "variable")] == ["area"]
    assert [u.text for u in root.iter(SRX + "uri")] == EXPECTED_AREAS


def test_select_as_csv(client):
    r = client.get("/sparql", params={"query": AREAS}, headers={"Accept": "text/csv"})
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows == [["area"]] + [[a] for a in EXPECTED_AREAS]


def test_select_as_tsv(client):
    r = client.get("/sparql", params={"query": AREAS}, headers={"Accept": "text/tab-separated-values"})
    assert r.headers["content-type"] == "text/tab-separated-values; charset=utf-8"
    assert r.text.splitlines() == ["?area"] + [f"<{a}>" for a in EXPECTED_AREAS]


def test_format_parameter_overrides_accept(client):
    r = client.get("/sparql", params={"query": AREAS, "format": "csv"}, headers={"Accept": "application/sparql-results+json"})
    assert r.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize(
    "media, rdflib_format",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
@pytest.mark.parametrize("query", [AREA_GRAPH, f"DESCRIBE <{B}id/area/evaw>"], ids=["construct", "describe"])
def test_graph_results_in_every_rdf_syntax_parse_to_the_same_graph(client, media, rdflib_format, query):
    reference = client.get("/sparql", params={"query": query}, headers={"Accept": "application/n-triples"})
    expected = rdflib.Graph().parse(data=reference.text, format="nt")
    assert len(expected) > 4
    r = client.get("/sparql", params={"query": query}, headers={"Accept": media})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    got = parse_graph(r.content, rdflib_format)
    assert isomorphic(got, expected)


def test_graph_default_is_turtle(client):
    r = client.get("/sparql", params={"query": AREA_GRAPH})
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"


# ------------------------------------------------------------------ Accept
def test_q_values_choose_the_format(client):
    r = client.get(
        "/sparql",
        params={"query": AREAS},
        headers={"Accept": "application/sparql-results+json;q=0.2, text/tab-separated-values;q=0.9, text/csv;q=0.5"},
    )
    assert r.headers["content-type"].startswith("text/tab-separated-values")


def test_q_zero_refuses_a_type(client):
    r = client.get("/sparql", params={"query": AREAS}, headers={"Accept": "application/sparql-results+json;q=0, */*;q=0.1"})
    assert r.headers["content-type"] == "application/sparql-results+xml"


def test_unacceptable_type_is_406_problem(client):
    r = client.get("/sparql", params={"query": AREAS}, headers={"Accept": "image/png"})
    assert_problem(r, 406, "not-acceptable")


def test_construct_with_results_only_accept_is_406(client):
    r = client.get("/sparql", params={"query": AREA_GRAPH}, headers={"Accept": "application/sparql-results+json"})
    assert_problem(r, 406)


# ------------------------------------------------------------------ errors
def test_malformed_query_is_400_with_position_and_the_next_request_works(client):
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE {\n  ?s ?p \n}"})
    body = assert_problem(r, 400, "query-syntax")
    assert body["line"] == 3 and isinstance(body["column"], int)
    assert "expected" in body["detail"]
    assert client.get("/sparql", params={"query": AREAS}).status_code == 200


def test_multiple_queries_are_400(client):
    r = client.get("/sparql", params=[("query", "ASK {}"), ("query", "SELECT * {}")])
    assert_problem(r, 400, "parameter")


@pytest.mark.parametrize(
    "headers",
    [{"content-type": "text/plain"}, {}, {"content-type": "application/sparql-query; charset=UTF-16"}],
    ids=["wrong-type", "no-type", "utf16"],
)
def test_other_post_bodies_are_415(client, headers):
    content = "ASK {}".encode("utf-16") if "UTF-16" in str(headers) else b"query=ASK%20%7B%7D"
    r = client.post("/sparql", content=content, headers=headers)
    assert_problem(r, 415, "unsupported-media-type")


def test_other_methods_are_405_with_allow(client):
    r = client.put("/sparql", params={"query": "ASK {}"})
    assert_problem(r, 405)
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}


def test_service_is_refused_and_not_called(client):
    q = "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_problem(client.get("/sparql", params={"query": q}), 400, "feature-disabled")


def test_file_graph_iris_are_refused(client):
    r = client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "file:///etc/passwd"})
    assert_problem(r, 400, "feature-disabled")
    r = client.get("/sparql", params={"query": "ASK FROM <file:///etc/passwd> {}"})
    assert_problem(r, 400, "feature-disabled")


def test_relative_graph_iri_is_400(client):
    assert_problem(client.get("/sparql", params={"query": "ASK {}", "named-graph-uri": "not an iri"}), 400, "parameter")


# ------------------------------------------------------------------ updates are refused
INSERT = f"INSERT DATA {{ GRAPH <{G_PLAN}> {{ <{B}id/intruder> <{PK}text> \"x\" }} }}"
INTRUDER = f"ASK {{ <{B}id/intruder> ?p ?o }}"


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", data={"update": INSERT}),
        lambda c: c.post("/sparql", data={"query": INSERT}),
        lambda c: c.get("/sparql", params={"update": INSERT}),
        lambda c: c.get("/sparql", params={"query": INSERT}),
        lambda c: c.post("/sparql", content=INSERT.encode(), headers={"content-type": "application/sparql-update"}),
        lambda c: c.post("/sparql", content=INSERT.encode(), headers={"content-type": "application/sparql-query"}),
        lambda c: c.post("/sparql", data={"query": f"CLEAR GRAPH <{G_PLAN}>"}),
    ],
    ids=["form-update", "form-query", "get-update", "get-query", "direct-update", "direct-query", "clear"],
)
def test_updates_are_refused_and_change_nothing(client, send):
    before = count(client)
    body = assert_problem(send(client), 400, "update-not-allowed")
    assert "nothing was executed" in body["detail"] or "not executed" in body["detail"]
    assert client.get("/sparql", params={"query": INTRUDER}).json()["boolean"] is False
    assert count(client) == before


# ------------------------------------------------------------------ dataset parameters
def test_default_graph_uri_narrows_the_default_graph(client):
    total = count(client)
    ontology = count(client, **{"default-graph-uri": G_ONTOLOGY})
    both = count(client, **{"default-graph-uri": [G_ONTOLOGY, G_REGISTRY]})
    assert 0 < ontology < both < total


def test_default_graph_uri_overrides_from(client):
    q = f"SELECT (COUNT(*) AS ?n) FROM <{G_PLAN}> WHERE {{ ?s ?p ?o }}"
    assert count(client, q, **{"default-graph-uri": G_ONTOLOGY}) == count(client, **{"default-graph-uri": G_ONTOLOGY})


def test_from_clause_is_honoured_without_protocol_dataset(client):
    q = f"SELECT (COUNT(*) AS ?n) FROM <{G_ONTOLOGY}> WHERE {{ ?s ?p ?o }}"
    assert count(client, q) == count(client, **{"default-graph-uri": G_ONTOLOGY}) < count(client)


def test_named_graph_uri_limits_graph_patterns(client):
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    everything = [b["g"]["value"] for b in bindings(client.get("/sparql", params={"query": q}))]
    assert {G_ONTOLOGY, G_PLAN, G_REGISTRY} <= set(everything)
    r = client.post("/sparql", params={"named-graph-uri": [G_REGISTRY, G_ONTOLOGY]}, content=q.encode(), headers={"content-type": "application/sparql-query"})
    assert [b["g"]["value"] for b in bindings(r)] == sorted([G_ONTOLOGY, G_REGISTRY])


def test_named_graphs_alone_leave_the_default_graph_empty(client):
    assert count(client, **{"named-graph-uri": G_PLAN}) == 0


def test_dataset_parameters_in_a_form_post(client):
    r = client.post("/sparql", data={"query": COUNT_ALL, "default-graph-uri": G_ONTOLOGY})
    assert int(bindings(r)[0]["n"]["value"]) == count(client, **{"default-graph-uri": G_ONTOLOGY})


# ------------------------------------------------------------------ service description
@pytest.mark.parametrize(
    "media, rdflib_format",
    [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"), ("application/n-triples", "nt")],
)
def test_get_without_query_is_the_service_description(client, media, rdflib_format):
    r = client.get("/sparql", headers={"Accept": media})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    g = parse_graph(r.content, rdflib_format)
    (service,) = list(g.subjects(rdflib.RDF.type, SD.Service))
    # the configured base (the default here), never the address the client used
    assert g.value(service, SD.endpoint) == rdflib.URIRef(B + "sparql")
    assert g.value(service, SD.supportedLanguage) == SD.SPARQL11Query
    assert SD.UnionDefaultGraph in set(g.objects(service, SD.feature))
    formats = {str(f) for f in g.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats and "http://www.w3.org/ns/formats/Turtle" in formats
    dataset = g.value(service, SD.defaultDataset)
    names = {str(g.value(n, SD.name)) for n in g.objects(dataset, SD.namedGraph)}
    assert {G_ONTOLOGY, G_PLAN, G_REGISTRY} <= names


def test_service_description_defaults_to_turtle(client):
    r = client.get("/sparql")
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"


# ------------------------------------------------------------------ caching
def test_etag_and_if_none_match(client):
    first = client.get("/sparql", params={"query": AREAS})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/sparql", params={"query": AREAS}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other_format = client.get("/sparql", params={"query": AREAS}, headers={"If-None-Match": etag, "Accept": "text/csv"})
    assert other_format.status_code == 200 and other_format.headers["etag"] != etag
    other_dataset = client.get("/sparql", params={"query": AREAS, "default-graph-uri": G_PLAN}, headers={"If-None-Match": etag})
    assert other_dataset.status_code == 200


def test_repeated_queries_are_answered_alike_and_a_write_is_seen_at_once(live_server_factory):
    apps: list = []
    url = live_server_factory(customize=apps.append)
    with httpx.Client(base_url=url, timeout=60) as c:
        first = c.get("/sparql", params={"query": COUNT_ALL})
        again = c.get("/sparql", params={"query": COUNT_ALL})
        posted = c.post("/sparql", data={"query": COUNT_ALL})
        assert first.content == again.content == posted.content
        assert first.headers["etag"] == again.headers["etag"] and again.headers["x-plankg-rows"] == "1"
        store = apps[0].state.ctx.store
        store.replace_dataset(store.quads()[:10])
        assert count(c) == 10
        assert int(c.post("/sparql", data={"query": COUNT_ALL}).json()["results"]["bindings"][0]["n"]["value"]) == 10
        assert c.get("/sparql", params={"query": COUNT_ALL}, headers={"If-None-Match": first.headers["etag"]}).status_code == 200


def test_queries_calling_volatile_functions_run_every_time(client):
    query = "SELECT (STRUUID() AS ?id) WHERE {}"
    ids = {bindings(client.get("/sparql", params={"query": query}))[0]["id"]["value"] for _ in range(3)}
    assert len(ids) == 3


# ------------------------------------------------------------------ limits
def test_row_cap_truncates_and_says_so(live_server_factory):
    url = live_server_factory(result_row_cap=5)
    with httpx.Client(base_url=url, timeout=60) as c:
        r = c.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
        assert r.status_code == 200
        assert len(bindings(r)) == 5
        assert r.headers["x-plankg-truncated"] == "true" and r.headers["x-plankg-row-cap"] == "5"
        assert r.json()["head"]["link"] == ["urn:plankg:truncated"]
        r = c.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
        assert len(r.text.strip().splitlines()) == 5 and r.headers["x-plankg-truncated"] == "true"
        r = c.get("/sparql", params={"query": AREAS})
        assert len(bindings(r)) == 4 and "x-plankg-truncated" not in r.headers


def _descendants() -> dict[int, str]:
    """pid -> state of every process below this one (workers are grandchildren)."""
    parents: dict[int, int] = {}
    states: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            states[int(entry)] = fields[0]
    found, frontier = {}, [os.getpid()]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found[child] = states[child]
                frontier.append(child)
    return found


def _settled_descendants() -> dict[int, str]:
    """``_descendants`` once it holds still: sandbox job workers of earlier tests exit on their own
    and are reaped by their zygote within a second, which would count as a killed worker."""
    last = _descendants()
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        time.sleep(1.2)
        now = _descendants()
        if now.keys() == last.keys() and "Z" not in now.values():
            return now
        last = now
    return last


@pytest.mark.slow
def test_runaway_query_is_stopped_and_the_server_keeps_serving(live_server_factory):
    url = live_server_factory(query_timeout_s=1.5, query_workers=2)
    with httpx.Client(base_url=url, timeout=60) as c:
        assert c.get("/sparql", params={"query": AREAS}).status_code == 200
        before = _settled_descendants()
        outcome: dict = {}

        def runaway() -> None:
            start = time.monotonic()
            outcome["response"] = httpx.get(url + "/sparql", params={"query": CARTESIAN}, timeout=60)
            outcome["seconds"] = time.monotonic() - start

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.3)
        # while the runaway query runs, other requests are answered
        during = c.get("/sparql", params={"query": AREAS})
        assert during.status_code == 200 and len(bindings(during)) == 4
        thread.join(timeout=30)
        body = assert_problem(outcome["response"], 503, "query-timeout")
        assert "1.5" in body["detail"]
        assert outcome["seconds"] < 6
        # the worker was killed and replaced: same number of processes, no zombies
        assert c.get("/sparql", params={"query": AREAS}).status_code == 200
        after = _settled_descendants()
        assert len(after) == len(before)
        assert len(set(before) - set(after)) == 1  # exactly one worker was killed
        assert "Z" not in after.values()


# ------------------------------------------------------------------ relative IRIs and the base IRI
def test_relative_iris_resolve_against_the_endpoint(client):
    r = client.post("/sparql", content="CONSTRUCT { <s> <p> 1 } WHERE {}", headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    assert r.text.strip() == f'<{B}s> <{B}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    r = client.get("/sparql", params={"query": "SELECT (STR(<rel/x>) AS ?iri) {}"})
    assert bindings(r)[0]["iri"]["value"] == B + "rel/x"


def test_the_base_iri_is_the_configured_one_whatever_the_host_header_says(client):
    r = client.get("/sparql", params={"query": "SELECT (STR(<here>) AS ?iri) {}"}, headers={"Host": "attacker.example"})
    assert r.status_code == 200, r.text
    assert bindings(r)[0]["iri"]["value"] == B + "here"


def test_a_base_in_the_query_wins_over_the_endpoint(client):
    r = client.get("/sparql", params={"query": "BASE <http://example.org/a/> SELECT (STR(<b>) AS ?iri) {}"})
    assert bindings(r)[0]["iri"]["value"] == "http://example.org/a/b"


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("SELECT * { ?s ?p <a b> }", "<a b> at line 1, column 18 is not a valid IRI"),
        ("SELECT * { ?s foo:bar ?o }", "the prefix 'foo:' at line 1, column 15 is not declared"),
        ("SELECT * { ?s ?p ?o . ?s ?p }", "after «SELECT * { ?s ?p ?o . ?s ?p }», at the end of the line"),
        ("SELECT * { ?s ?p ?o } LIMIT x", "near «x»"),
    ],
)
def test_syntax_errors_name_the_fault(client, query, names):
    body = assert_problem(client.get("/sparql", params={"query": query}), 400, "query-syntax")
    assert names in body["detail"]
    assert "expected OPTIONAL" not in body["detail"].split("(the parser")[0]


def test_a_path_routed_here_with_a_trailing_line_break_has_the_same_base_iri(client):
    # Starlette's route patterns end in "$", which matches before a trailing "\n" too: /sparql%0A
    # reaches this endpoint, and its base IRI is the path as the request's URL reads it (tabs and
    # line breaks dropped), as for /sparql
    query = "SELECT ?x { BIND(<x> AS ?x) }"
    plain = client.get("/sparql", params={"query": query})
    broken = client.get("/sparql%0A", params={"query": query})
    assert plain.status_code == broken.status_code == 200
    assert broken.json() == plain.json()
