"""Malformed input everywhere gets a clear problem response, and changes nothing.

Every answer here must be ``application/problem+json`` with a title and a
detail, without a trace or an internal path (``assert_problem``); requests
that could write are followed by a check that ``GET /dumps/plankg.nq`` hashes
the same as before.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import httpx
import pytest

from hardening_support import AUTH, TOKEN, B, assert_no_leak, assert_problem, dump_hash

GRAPH = B + "graph/malformed"
SELECT_JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(live_server_factory, store_backend):
    # on the embedded store and, as a front-end, on oxigraph serve and Virtuoso (issue 13)
    return live_server_factory(write_tokens={"steward": TOKEN}, **store_backend)


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=120) as c:
        yield c


@pytest.fixture(scope="module", autouse=True)
def data_never_changes(client):
    """Nothing in this module may change the store: compared once more at the end."""
    before = dump_hash(client)
    yield
    assert dump_hash(client) == before


@pytest.fixture
def unchanged(client):
    before = dump_hash(client)
    yield
    assert dump_hash(client) == before, "bad input changed the stored data"


def raw_request(base_url: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are (a client library would fix or refuse them); return status, headers, body."""
    parts = urlsplit(base_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


# ---------------------------------------------------------------- invalid UTF-8
@pytest.mark.parametrize(
    "path",
    [
        "/sparql?query=%FF%FE%FD",
        "/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22%C3%28%22%20%7D",
        "/sparql?query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fx%2F%FF",
        "/queries/agency-profile?agency=%FF%FE",
        "/queries/search-text?q=%C0%AF",
        "/queries/paragraph?paragraph_number=%FF",
        "/graphs?graph=http%3A%2F%2F127.0.0.1%3A8000%2Fgraph%2F%FF",
        "/id/org/%FF%FE",
        "/validate?lang=%FF",
        "/names?iri=http%3A%2F%2F127.0.0.1%3A8000%2Fid%2F%FF",
    ],
)
def test_invalid_utf8_in_paths_and_query_strings_is_a_problem(client, path):
    """Not decoded with replacement characters: the request would run on text the client never sent."""
    assert_problem(client.get(path), 400)


@pytest.mark.parametrize("target", [b"/sparql?query=ASK\xff\xfe{}", b"/id/org/\xff", b"/search?q=\xc3\x28"])
def test_raw_invalid_bytes_in_the_request_line_get_a_clean_answer(server, target):
    status, headers, body = raw_request(server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert 400 <= status < 500, body[:300]
    assert_no_leak(body.decode("utf-8", "replace"))


@pytest.mark.parametrize(
    ("method", "path", "content_type", "body"),
    [
        ("POST", "/sparql", "application/sparql-query", b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }"),
        ("POST", "/sparql", "application/x-www-form-urlencoded", b"query=ASK%20%7B%7D%FF"),
        ("POST", "/sparql", "application/x-www-form-urlencoded", b"query=ASK {\xff}"),
        ("POST", "/validate", "text/turtle", b'<urn:x:a> <urn:x:p> "\xff\xfe" .'),
        ("POST", "/validate", "application/ld+json", b'{"@id": "urn:x:a", "urn:x:p": "\xff"}'),
        ("POST", "/validate", "application/x-www-form-urlencoded", b"text=%FF%FE&format=turtle"),
        ("PUT", f"/graphs?graph={GRAPH}", "text/turtle", b'<urn:x:a> <urn:x:p> "\xff\xfe" .'),
        ("POST", f"/graphs?graph={GRAPH}", "application/n-triples", b'<urn:x:a> <urn:x:p> "\xc3\x28" .'),
        ("POST", "/update", "application/sparql-update", b'INSERT DATA { GRAPH <' + GRAPH.encode() + b'> { <urn:x:a> <urn:x:p> "\xff" } }'),
        ("POST", "/update", "application/x-www-form-urlencoded", b"update=INSERT%20DATA%20%7B%7D%FF"),
    ],
)
def test_invalid_utf8_in_bodies_is_a_problem_and_changes_nothing(client, unchanged, method, path, content_type, body):
    r = client.request(method, path, content=body, headers={"Content-Type": content_type, "Accept": "application/json", **AUTH})
    assert_problem(r, 400)


def test_invalid_utf8_in_an_upload_is_a_problem(client):
    files = {"data": ("data.ttl", b'<urn:x:a> <urn:x:p> "\xff" .', "text/turtle")}
    assert_problem(client.post("/validate", files=files, headers={"Accept": "application/json"}), 400)


# ---------------------------------------------------------------- content types
@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("POST", "/sparql", None),
        ("POST", "/sparql", "text/plain"),
        ("POST", "/sparql", "application/json"),
        ("POST", "/sparql", "application/sparql-query; charset=latin-1"),
        ("POST", "/sparql", "multipart/form-data; boundary=x"),
        ("POST", "/validate", None),
        ("POST", "/validate", "application/octet-stream"),
        ("POST", "/validate", "text/plain"),
        ("POST", "/validate", "image/png"),
        ("PUT", f"/graphs?graph={GRAPH}", None),
        ("PUT", f"/graphs?graph={GRAPH}", "text/plain"),
        ("PUT", f"/graphs?graph={GRAPH}", "application/n-quads"),
        ("PUT", f"/graphs?graph={GRAPH}", "text/turtle; charset=latin-1"),
        ("POST", f"/graphs?graph={GRAPH}", "application/trig"),
        ("POST", "/update", None),
        ("POST", "/update", "text/plain"),
        ("POST", "/update", "application/sparql-query"),
        ("POST", "/update", "application/sparql-update; charset=utf-16"),
    ],
)
def test_wrong_or_missing_content_type_is_415_and_changes_nothing(client, unchanged, method, path, content_type):
    headers = {**AUTH, "Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    body = b"<urn:x:a> <urn:x:p> <urn:x:b> ."
    if path == "/sparql":
        body = b"ASK {}"
    elif path == "/update":
        body = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:x:a> <urn:x:p> 1 }} }}".encode()
    r = client.request(method, path, content=body, headers=headers)
    assert r.status_code in (400, 415), r.text
    assert_problem(r)


# ---------------------------------------------------------------- broken RDF
TRUNCATED = [
    pytest.param("text/turtle", b'@prefix ex: <urn:x:> .\nex:a ex:p "unterminated', id="turtle-string"),
    pytest.param("text/turtle", b"@prefix ex: <urn:x:> .\nex:a ex:p ex:b ;\n  ex:q [ ex:r ", id="turtle-bnode"),
    pytest.param("text/turtle", b"@prefix ex: <urn:x:", id="turtle-prefix"),
    pytest.param("application/n-triples", b"<urn:x:a> <urn:x:p> <urn:x:b", id="ntriples"),
    pytest.param("application/ld+json", b'{"@id": "urn:x:a", "urn:x:p": [1, 2', id="jsonld"),
    pytest.param("application/ld+json", b"[1, 2, 3]", id="jsonld-not-nodes"),
    pytest.param("application/rdf+xml", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description', id="rdfxml"),
]


@pytest.mark.parametrize(("content_type", "body"), TRUNCATED)
def test_truncated_rdf_to_validate_is_a_located_problem(client, content_type, body):
    r = client.post("/validate", content=body, headers={"Content-Type": content_type, "Accept": "application/json"})
    if r.status_code == 200:  # some syntaxes read a prefix of the data as a (possibly empty) graph
        assert content_type in ("application/ld+json",), r.text
        return
    problem = assert_problem(r, 400, "rdf-syntax")
    assert "request body" in problem["detail"]


@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize(("content_type", "body"), TRUNCATED)
def test_truncated_rdf_to_the_graph_store_changes_nothing(client, unchanged, method, content_type, body):
    r = client.request(method, "/graphs", params={"graph": GRAPH}, content=body, headers={"Content-Type": content_type, **AUTH})
    if r.status_code >= 400:
        assert_problem(r, 400)
    else:  # an empty graph parsed from a syntax that allows it: nothing to write
        assert r.status_code in (204, 422) or r.status_code == 201, r.text


def test_truncated_update_is_a_problem(client, unchanged):
    text = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:x:a> <urn:x:p> "
    assert_problem(client.post("/update", content=text, headers={"Content-Type": "application/sparql-update", **AUTH}), 400, "query-syntax")


@pytest.mark.parametrize(
    "query",
    ["SELECT * WHERE { ?s ?p ", "SELECT", "ASK { FILTER(REGEX('a', '(')) }", "SELECT (1/0 AS ?x) {}", "SELECT * { ?s ?p ?o } LIMIT -1", "\x00", "ASK { <urn:x\x00> ?p ?o }"],
)
def test_broken_queries_are_problems(client, query):
    r = client.post("/sparql", data={"query": query}, headers=SELECT_JSON)
    if r.status_code == 200:  # a runtime error that SPARQL defines as unbound, not as a failure
        return
    assert_problem(r, 400)


# ---------------------------------------------------------------- huge literals (within the body limit)
HUGE = "长" * (4 * 1024 * 1024 // 3 - 200)  # about 4 MB of UTF-8


def test_huge_literal_is_validated_not_refused(client):
    body = f'<urn:x:a> <urn:x:p> "{HUGE}" .'.encode()
    assert len(body) < 5 * 1024 * 1024
    r = client.post("/validate", content=body, headers={"Content-Type": "text/turtle", "Accept": "application/json"})
    assert r.status_code == 200, r.text[:300]
    assert r.json()["conforms"] in (True, False)


def test_huge_literal_in_a_dry_run_write_changes_nothing(client, unchanged):
    body = f'<{B}id/org/UNFPA> <http://www.w3.org/2004/02/skos/core#altLabel> "{HUGE}"@zh .'.encode()
    r = client.post("/graphs", params={"graph": GRAPH, "dry-run": "true"}, content=body, headers={"Content-Type": "text/turtle", "Accept": "application/json", **AUTH})
    assert r.status_code in (200, 422), r.text[:300]
    assert r.json()["committed"] is False


@pytest.mark.parametrize("where", ["sparql", "update"])
def test_huge_literal_in_a_query_is_too_long(client, unchanged, where):
    if where == "sparql":
        r = client.post("/sparql", content=f'ASK {{ ?s ?p "{HUGE}" }}'.encode(), headers={"Content-Type": "application/sparql-query"})
    else:
        text = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:x:a> <urn:x:p> "{HUGE}" }} }}'
        r = client.post("/update", content=text.encode(), headers={"Content-Type": "application/sparql-update", **AUTH})
    assert_problem(r, 400, "query-too-complex")


# ---------------------------------------------------------------- unknown names, wrong parameter types
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/queries/no-such-query", 404),
        ("/queries/no-such-query.rq", 404),
        ("/queries/..%2F..%2Fetc%2Fpasswd", 404),
        ("/queries/paragraph?paragraph_number=abc", 400),
        ("/queries/paragraph?paragraph_number=0", 400),
        ("/queries/paragraph?paragraph_number=-1", 400),
        ("/queries/paragraph?paragraph_number=1e99", 400),
        ("/queries/paragraph?paragraph_number=99999999999999999999999999", 400),
        ("/queries/paragraph?paragraph_number=12.5", 400),
        ("/queries/paragraph?paragraph_number=", 400),
        ("/queries/paragraph?paragraph_number=1&paragraph_number=2", 400),
        ("/queries/footnote-citations?footnote_number=%5B%5D", 400),
        ("/queries/key-interventions?area=" + "x" * 5000, 400),
        ("/queries/key-interventions?area=%3Cscript%3E", 400),
        ("/queries/organizations?format=bogus", 400),
        ("/queries/organizations?format=text%2Fhtml", 400),
        ("/sparql?query=ASK%7B%7D&format=bogus", 400),
        ("/sparql?query=ASK%7B%7D&query=ASK%7B%7D", 400),
        ("/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", 400),
        ("/sparql?query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fx%2F%EF%BF%BD", 400),
        ("/sparql?query=ASK%7B%7D&named-graph-uri=http%3A%2F%2Fx%2F%EF%BF%BF", 400),
        ("/sparql?update=CLEAR%20ALL", 400),
        ("/graphs?graph=relative/iri", 400),
        ("/graphs?graph=a&graph=b", 400),
        ("/graphs?graph=http%3A%2F%2Fx%2F&default", 400),
        ("/graphs?default=yes", 400),
        ("/graphs?graph=http%3A%2F%2F127.0.0.1%3A8000%2Fgraph%2F%EF%BF%BD", 400),
        ("/graphs?graph=http%3A%2F%2F127.0.0.1%3A8000%2Fgraph%2Fa%20b", 400),
        ("/graphs?graph=" + B + "graph/none", 404),
        ("/dumps/..%2F..%2Fetc%2Fpasswd", 404),
        ("/dumps/plankg.exe", 404),
        ("/static/..%2F..%2Fplankg%2Fsettings.py", 404),
        ("/ontology/not-a-version", 404),
        ("/network.json?area=nowhere", 400),
        ("/names", 400),
        ("/names?" + "&".join(["iri=x"] * 201), 413),
    ],
)
def test_unknown_names_and_wrong_types_are_problems(client, path, status):
    r = client.get(path)
    assert_problem(r, status)


def test_static_files_never_leave_their_folder(client):
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py", "/static/css/../../app.py", "/static//etc/passwd"):
        r = client.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "create_app" not in r.text and "root:" not in r.text


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("PUT", "/graphs", {"graph": GRAPH, "dry-run": "maybe"}),
        ("PUT", "/graphs", {"graph": GRAPH, "dry-run": ["true", "false"]}),
        ("PUT", "/graphs", {}),
        ("DELETE", "/graphs", {"graph": "not-absolute"}),
        ("DELETE", "/graphs", {"graph": B + "graph/\ufffd"}),
        ("PUT", "/graphs", {"graph": B + "graph/\ufffd"}),
        ("POST", "/graphs", {"graph": B + "graph/\uffff"}),
        ("DELETE", "/graphs", {"graph": B + "graph/changes"}),
        ("DELETE", "/graphs", {"graph": "http://elsewhere.example/graph"}),
        ("POST", "/update", {"using-graph-uri": "not-absolute"}),
    ],
)
def test_write_parameters_of_the_wrong_kind_are_problems(client, unchanged, method, path, params):
    body = b"<urn:x:a> <urn:x:p> <urn:x:b> ." if path == "/graphs" else f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:x:a> <urn:x:p> 1 }} }}".encode()
    content_type = "text/turtle" if path == "/graphs" else "application/sparql-update"
    r = client.request(method, path, params=params, content=body if method != "DELETE" else None, headers={"Content-Type": content_type, **AUTH})
    assert r.status_code in (400, 403, 404), r.text
    assert_problem(r)


def test_accept_headers_that_fit_nothing_are_406(client):
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert_problem(r, 406, "not-acceptable")
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"}, headers={"Accept": "text/csv"})
    assert_problem(r, 406, "not-acceptable")
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": ";;;,,,q=abc, */*;q=x"})
    assert r.status_code in (200, 406)


def test_method_not_allowed_is_a_problem(client):
    for method, path in [("PATCH", "/sparql"), ("DELETE", "/sparql"), ("PUT", "/validate"), ("DELETE", "/queries/organizations"), ("POST", "/id/org/UNFPA")]:
        r = client.request(method, path)
        body = assert_problem(r, 405)
        assert "allow" in r.headers, body


def test_json_bodies_of_the_wrong_shape_are_problems(client, unchanged):
    for doc in (b"null", b'"a string"', b"12", b"{}", json.dumps({"@id": 5}).encode(), b'{"@context": 5, "@id": "urn:x:a"}'):
        r = client.post("/validate", content=doc, headers={"Content-Type": "application/ld+json", "Accept": "application/json"})
        assert r.status_code in (200, 400), (doc, r.text)
        if r.status_code == 400:
            assert_problem(r, 400)
        r = client.put("/graphs", params={"graph": GRAPH}, content=doc, headers={"Content-Type": "application/ld+json", **AUTH})
        assert r.status_code < 500, (doc, r.text)
        if r.status_code >= 400:
            assert_problem(r)
        elif r.status_code in (201, 204):  # an empty graph was "written": take it back
            client.delete("/graphs", params={"graph": GRAPH}, headers=AUTH)


# ---------------------------------------------------------------- federation switched on
@pytest.fixture(scope="module")
def federated(live_server_factory):
    url = live_server_factory(enable_service=True)
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c


def test_service_with_an_unbound_endpoint_is_a_problem_not_a_crash(federated):
    """With SERVICE switched on, a query whose service IRI is an unbound variable fails cleanly (no fetch possible)."""
    r = federated.get("/sparql", params={"query": "SELECT * WHERE { SERVICE ?nowhere { ?s ?p ?o } }"}, headers=SELECT_JSON)
    assert_problem(r, 400)


# ---------------------------------------------------------------- the last net
def _add_failing_route(app) -> None:
    from plankg.settings import PROJECT_ROOT

    @app.get("/test-only/boom", include_in_schema=False)
    async def boom():
        raise RuntimeError(f"internal detail at {PROJECT_ROOT}/service/secret.py line 1")


def test_an_unexpected_error_is_a_bare_500_problem_and_the_connection_survives(live_server_factory):
    url = live_server_factory(customize=_add_failing_route)
    with httpx.Client(base_url=url, timeout=60) as c:
        r = c.get("/test-only/boom")
        body = assert_problem(r, 500, "internal")
        assert "internal detail" not in r.text and "RuntimeError" not in r.text
        assert body.get("id") and body["id"] in body["detail"], "the incident id links the answer to the server log"
        # the same keep-alive connection still answers
        assert c.get("/sparql", params={"query": "ASK {}"}, headers=SELECT_JSON).status_code == 200
