"""Query guards over real HTTP: time limit, row cap, body size limit, too long / too deep queries.

One server with small limits (2 s, 25 rows, 64 KiB bodies, 20 000-character
queries) and ONE query worker, so that "the worker is free again" means the
very worker that was running the expensive query was replaced.
"""

from __future__ import annotations

import time

import httpx
import pytest

from hardening_support import AUTH, B, assert_problem, dump_hash

TIMEOUT_S = 2.0
ROW_CAP = 25
BODY_LIMIT = 64 * 1024
MAX_QUERY_CHARS = 20_000
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SPARQL_JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def client(live_server_factory, store_backend):
    # on the embedded store and, as a front-end, on oxigraph serve and Virtuoso (issue 13)
    from hardening_support import TOKEN

    url = live_server_factory(
        query_timeout_s=TIMEOUT_S,
        result_row_cap=ROW_CAP,
        max_body_bytes=BODY_LIMIT,
        max_query_chars=MAX_QUERY_CHARS,
        query_workers=1,
        write_tokens={"steward": TOKEN},
        **store_backend,
    )
    # the client waits far longer than the limit: without the guard the test fails, it does not hang
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c


# ---------------------------------------------------------------- time limit
def test_cartesian_aggregate_is_stopped_with_a_problem_and_the_worker_is_free_again(client):
    started = time.monotonic()
    r = client.get("/sparql", params={"query": CARTESIAN}, headers=SPARQL_JSON)
    body = assert_problem(r, 503, "query-timeout")
    assert time.monotonic() - started < 50, "the query was not stopped near its time limit"
    assert "stopped" in body["detail"]
    # the one worker was killed and replaced: the next query gets a worker and answers
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=SPARQL_JSON, timeout=TIMEOUT_S * 5)
    assert r.status_code == 200, r.text
    assert r.json()["boolean"] is True


def test_expensive_construct_is_stopped_too(client):
    query = "CONSTRUCT { ?a ?b ?n } WHERE { { SELECT ?a ?b (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } GROUP BY ?a ?b } }"
    assert_problem(client.post("/sparql", data={"query": query}), 503, "query-timeout")
    assert client.get("/sparql", params={"query": "ASK {}"}, headers=SPARQL_JSON).status_code == 200


# ---------------------------------------------------------------- row cap
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_select_is_cut_at_the_row_cap_and_the_cut_is_stated(client, fmt):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }", "format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["x-plankg-truncated"] == "true"
    assert r.headers["x-plankg-row-cap"] == str(ROW_CAP)
    assert r.headers["x-plankg-rows"] == str(ROW_CAP)
    if fmt == "json":
        doc = r.json()
        assert len(doc["results"]["bindings"]) == ROW_CAP
        assert "urn:plankg:truncated" in doc["head"]["link"]
    else:
        assert r.text.count("<result>") == ROW_CAP
        assert 'href="urn:plankg:truncated"' in r.text


def test_construct_is_cut_at_the_row_cap(client):
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200, r.text
    assert r.headers["x-plankg-truncated"] == "true"
    assert len([line for line in r.text.splitlines() if line.strip()]) == ROW_CAP


def test_small_result_is_not_marked_as_cut(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, headers=SPARQL_JSON)
    assert r.status_code == 200
    assert "x-plankg-truncated" not in r.headers
    assert "link" not in r.json()["head"]


def test_named_query_is_cut_at_the_row_cap(client):
    r = client.get("/queries/organizations", headers=SPARQL_JSON)
    assert r.status_code == 200, r.text
    assert r.headers["x-plankg-truncated"] == "true"
    assert len(r.json()["results"]["bindings"]) == ROW_CAP


# ---------------------------------------------------------------- body size
OVERSIZED = [
    pytest.param("POST", "/sparql", {"Content-Type": "application/sparql-query"}, id="sparql-direct"),
    pytest.param("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, id="sparql-form"),
    pytest.param("POST", "/validate", {"Content-Type": "text/turtle"}, id="validate"),
    pytest.param("POST", "/validate", {"Content-Type": "multipart/form-data; boundary=x"}, id="validate-upload"),
    pytest.param("PUT", f"/graphs?graph={B}graph/big", {"Content-Type": "text/turtle", **AUTH}, id="graphs-put"),
    pytest.param("POST", f"/graphs?graph={B}graph/big", {"Content-Type": "text/turtle", **AUTH}, id="graphs-post"),
    pytest.param("POST", "/update", {"Content-Type": "application/sparql-update", **AUTH}, id="update"),
]


def _big_turtle(size: int) -> bytes:
    line = b'<urn:x:s> <urn:x:p> "' + b"a" * 200 + b'" .\n'
    return line * (size // len(line) + 1)


def _body(headers: dict, size: int) -> bytes:
    """A well-formed body of about ``size`` bytes in the request's content type."""
    data = _big_turtle(size)
    kind = headers["Content-Type"]
    if kind.startswith("multipart/form-data"):
        return (
            b'--x\r\nContent-Disposition: form-data; name="data"; filename="big.ttl"\r\n'
            b"Content-Type: text/turtle\r\n\r\n" + data + b"\r\n--x--\r\n"
        )
    if kind == "application/x-www-form-urlencoded":
        return b"query=" + b"ASK%20%7B%7D%20%23" + b"a" * size
    return data


@pytest.mark.parametrize(("method", "path", "headers"), OVERSIZED)
def test_body_over_the_limit_is_413_when_declared(client, method, path, headers):
    before = dump_hash(client)
    r = client.request(method, path, content=_body(headers, BODY_LIMIT + 1), headers=headers)
    body = assert_problem(r, 413, "payload-too-large")
    assert str(BODY_LIMIT) in body["detail"]
    assert dump_hash(client) == before


@pytest.mark.parametrize(("method", "path", "headers"), OVERSIZED)
def test_body_over_the_limit_is_413_when_streamed_without_length(client, method, path, headers):
    """Chunked upload without Content-Length: the limit is counted as the body arrives."""
    before = dump_hash(client)
    data = _body(headers, BODY_LIMIT * 2)

    def chunks():
        for start in range(0, len(data), 8192):
            yield data[start : start + 8192]

    r = client.request(method, path, content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_problem(r, 413, "payload-too-large")
    assert dump_hash(client) == before


def test_body_just_under_the_limit_is_read(client):
    """The limit is the limit, not a round number below it: a big but allowed body is parsed."""
    data = _big_turtle(BODY_LIMIT - 4096)
    r = client.post("/validate", content=data, headers={"Content-Type": "text/turtle", "Accept": "application/json"})
    assert r.status_code == 200, r.text[:300]


# ---------------------------------------------------------------- too long / too deep
def _deep(levels: int) -> str:
    return "SELECT * WHERE " + "{ " * levels + "?s ?p ?o " + "} " * levels


def test_too_deep_query_is_refused(client):
    r = client.post("/sparql", data={"query": _deep(200)})
    body = assert_problem(r, 400, "query-too-complex")
    assert "deep" in body["detail"]


def test_too_deep_expression_is_refused(client):
    query = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }"
    assert_problem(client.post("/sparql", data={"query": query}), 400, "query-too-complex")


def test_moderately_nested_query_still_runs(client):
    r = client.post("/sparql", data={"query": _deep(20)}, headers=SPARQL_JSON)
    assert r.status_code == 200, r.text


def test_too_long_query_is_refused(client):
    query = "SELECT * WHERE { ?s ?p ?o }" + " " * MAX_QUERY_CHARS
    r = client.post("/sparql", content=query.encode(), headers={"Content-Type": "application/sparql-query"})
    body = assert_problem(r, 400, "query-too-complex")
    assert str(MAX_QUERY_CHARS) in body["detail"]


def test_too_long_and_too_deep_updates_are_refused(client):
    before = dump_hash(client)
    headers = {"Content-Type": "application/sparql-update", **AUTH}
    deep = f"INSERT {{ GRAPH <{B}graph/notes> {{ <urn:x:a> <urn:x:b> 1 }} }} WHERE " + "{ " * 200 + "} " * 200
    assert_problem(client.post("/update", content=deep, headers=headers), 400, "query-too-complex")
    long = f"INSERT DATA {{ GRAPH <{B}graph/notes> {{ <urn:x:a> <urn:x:b> 1 }} }}" + " " * MAX_QUERY_CHARS
    assert_problem(client.post("/update", content=long, headers=headers), 400, "query-too-complex")
    assert dump_hash(client) == before
