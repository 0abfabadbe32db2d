"""The W3C SPARQL 1.1 Protocol suite (``../shared/w3c/sparql11-protocol``), every test, against the service.

One case per manifest entry, named as in the manifest, its requests run in order
on a live ``plankg serve``-like server (uvicorn, the service's app, a steward's
token for the updates); see ``w3c_http`` for what the runner adapts and why.

The dataset each test starts from is the test's own, as the W3C harness assumes:
its ``ut:graphData`` files, in their (mapped) graphs, put in place as ``plankg
restore`` does (``Store.replace_dataset``), nothing else. So ``CLEAR ALL`` /
``DROP ALL`` at the start of an update test clear what they are meant to clear,
the test's leftovers, and a steward may send them: they remove nothing the write
policy guards (the change log is never cleared by them). Reference: ``oxigraph
serve`` passes 33 of the 34 (it answers ``bad_update_get`` with 200).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest

import w3c_http
from w3c_http import RESULT_TYPES, W3CRequest, W3CTest, boolean_of, media

B = "http://127.0.0.1:8000/"
STEWARD_TOKEN = "steward-token-for-the-w3c-suite"
MAP = w3c_http.IriMap(
    {
        "http://kasei.us/2009/09/sparql/data/": B + "graph/w3c/kasei/",
        "http://example.org/protocol-": B + "graph/w3c/protocol-",
    }
)
SUITE = w3c_http.suite("sparql11-protocol")
TESTS = w3c_http.read_manifest(SUITE / "manifest.ttl")


def test_the_manifest_has_the_34_tests_oxigraph_was_measured_on():
    assert len(TESTS) == 34 and len({t.name for t in TESTS}) == 34


@pytest.fixture(scope="module")
def service(live_server_factory) -> Iterator[tuple[httpx.Client, object]]:
    apps: list = []
    url = live_server_factory(customize=apps.append, write_tokens={"w3c-steward": STEWARD_TOKEN})
    with httpx.Client(base_url=url, timeout=120) as client:
        yield client, apps[0]


def is_update(test: W3CTest, request: W3CRequest) -> bool:
    """Requests of the update tests go to /update, but for the queries that check their effect."""
    if not test.name.startswith(("update_", "bad_update_")):
        return False
    content_type = dict((k.lower(), v) for k, v in request.headers).get("content-type", "")
    return not content_type.startswith("application/sparql-query") and "query=" not in request.path


def load_dataset(app, test: W3CTest) -> None:
    quads: list[ox.Quad] = []
    for file, graph in test.graph_data:
        data = MAP.data((SUITE / file.name).read_bytes())
        quads += [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(MAP.text(graph))) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    app.state.ctx.store.replace_dataset(quads)


def send(client: httpx.Client, test: W3CTest, request: W3CRequest) -> httpx.Response:
    path = MAP.text(request.path)
    update = is_update(test, request)
    path = path.replace("/sparql/", "/update" if update else "/sparql", 1)
    headers = list(request.headers)
    if update:
        headers.append(("Authorization", f"Bearer {STEWARD_TOKEN}"))
    body = request.body
    if body is not None:
        encoding = "utf-16-le" if b"\x00" in body else "utf-8"
        body = MAP.data(body, encoding)
    return client.request(request.method, path, headers=headers, content=body)


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_w3c_protocol(service, test: W3CTest):
    client, app = service
    load_dataset(app, test)
    for n, request in enumerate(test.requests, 1):
        response = send(client, test, request)
        expected = request.expected
        step = f"{test.name} request {n} ({request.method} {request.path[:60]}): {response.status_code} {response.text[:300]}"
        assert expected.status_ok(response.status_code), step
        if response.status_code >= 400:
            # the refusal is the protocol's, not the token's: every update carried a steward's
            assert response.status_code not in (401, 403), step
            assert media(response) == "application/problem+json", step
        if expected.format is not None:
            assert media(response) in RESULT_TYPES[expected.format], step
        if expected.boolean is not None:
            assert boolean_of(response) is expected.boolean, step
