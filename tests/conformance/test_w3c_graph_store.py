"""The W3C Graph Store HTTP Protocol suite (``../shared/w3c/sparql11-graph-store-protocol``) against ``/graphs``.

Every entry of ``manifest-indirect.ttl`` runs, named as in the manifest, its
requests in order on a live server (see ``w3c_http`` for what the runner adapts):
PUT / POST / GET / HEAD / DELETE with ``?graph=`` and ``?default``, POST of
``multipart/form-data``, and POST to ``/graphs`` itself, which creates a graph
and names it in ``Location`` (``$LOCATION$`` in the later requests).

The data each test starts from is the built plan (the service as it runs),
put back before every test as ``plankg restore`` does. Writes carry a steward's
token; ``DELETE`` of a graph is kept for admins with a confirmation (README "Who
may write"), so it carries an admin's token and ``confirm=<the graph>``.

Not applicable, and checked as such: ``manifest-direct.ttl`` needs direct graph
identification (the request URL *is* the graph, ``/gsp/person/1.ttl``). The
service names its graphs ``<base>graph/…`` and serves them at ``/graphs?graph=``
only, so its direct requests find no route (404). ``sparql11-http-rdf-update`` is
the suite's earlier form: every entry is deprecated in favour of this one and
written against direct identification.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from rdflib import Graph

import w3c_http
from w3c_http import W3CRequest, W3CTest, media, normalized_media, same_graph

B = "http://127.0.0.1:8000/"
STEWARD_TOKEN = "steward-token-for-the-w3c-gsp"
ADMIN_TOKEN = "admin-token-for-the-w3c-gsp"
MAP = w3c_http.IriMap({"http://www.example/gsp/": B + "graph/w3c/gsp/"})
SUITE = w3c_http.suite("sparql11-graph-store-protocol")
INDIRECT = w3c_http.read_manifest(SUITE / "manifest-indirect.ttl")
DIRECT = w3c_http.read_manifest(SUITE / "manifest-direct.ttl")


def test_the_suite_includes_the_direct_and_the_indirect_manifest():
    top = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=(SUITE / "manifest.ttl").as_uri())
    included = {str(o).rsplit("/", 1)[-1] for o in top.objects(None, None) if str(o).endswith(".ttl")}
    assert included == {"manifest-direct.ttl", "manifest-indirect.ttl"}
    assert len(INDIRECT) == 9 and len(DIRECT) == 4


@pytest.fixture(scope="module")
def service(live_server_factory) -> Iterator[tuple[httpx.Client, object, list]]:
    apps: list = []
    url = live_server_factory(
        customize=apps.append, write_tokens={"w3c-steward": STEWARD_TOKEN, "w3c-admin": ADMIN_TOKEN}, write_roles={"w3c-admin": "admin"}
    )
    app = apps[0]
    with httpx.Client(base_url=url, timeout=120) as client:
        client.get("/graphs")  # the store is open once the app has answered
        yield client, app, app.state.ctx.store.quads()


def graph_of(path: str) -> str | None:
    values = parse_qs(urlsplit(path).query, keep_blank_values=True).get("graph")
    return values[0] if values else None


def send(client: httpx.Client, request: W3CRequest, variables: dict[str, str]) -> httpx.Response:
    path = MAP.text(request.path)
    for name, value in variables.items():
        path = path.replace(name, value)
    path = path.replace("/gsp", "/graphs", 1)
    headers = list(request.headers)
    if request.method == "DELETE":
        headers.append(("Authorization", f"Bearer {ADMIN_TOKEN}"))
        path += "&confirm=" + quote(graph_of(path) or "default", safe="")
    elif request.method in ("PUT", "POST"):
        headers.append(("Authorization", f"Bearer {STEWARD_TOKEN}"))
    body = MAP.data(request.body) if request.body is not None else None
    return client.request(request.method, path, headers=headers, content=body)


@pytest.mark.parametrize("test", INDIRECT, ids=[t.name for t in INDIRECT])
def test_w3c_graph_store(service, test: W3CTest):
    client, app, plan = service
    app.state.ctx.store.replace_dataset(plan)
    variables: dict[str, str] = {}
    for n, request in enumerate(test.requests, 1):
        response = send(client, request, variables)
        expected = request.expected
        step = f"{test.name} request {n} ({request.method} {request.path[:70]}): {response.status_code} {response.text[:300]}"
        assert expected.status_ok(response.status_code), step
        if expected.location is not None:
            location = response.headers.get("location")
            assert location and location.startswith(B + "graph/"), step  # a graph in the stewards' namespace
            variables[expected.location] = location
        for name, value in expected.headers.items():
            assert normalized_media(response.headers.get(name, "")) == normalized_media(value), step
        if expected.body is not None:
            assert same_graph(MAP.text(expected.body), response, B), step + "\n" + response.text


@pytest.mark.parametrize("test", DIRECT, ids=[t.name for t in DIRECT])
def test_w3c_graph_store_direct_identification_is_not_offered(service, test: W3CTest):
    """Not applicable: the test needs ``mf:DirectGraphIdentification`` (module docstring); the service
    answers the direct form with 404 and changes nothing."""
    client, app, plan = service
    app.state.ctx.store.replace_dataset(plan)
    assert "DirectGraphIdentification" in test.requires
    first = test.requests[0]
    path = first.path.replace("/gsp", "/graphs", 1)
    response = client.request(first.method, path, headers=[*first.headers, ("Authorization", f"Bearer {STEWARD_TOKEN}")], content=first.body)
    assert response.status_code in (404, 405), response.text
    assert media(response) == "application/problem+json"
    assert len(app.state.ctx.store.quads()) == len(plan)


def test_the_http_rdf_update_suite_is_the_deprecated_form_of_this_one():
    """``sparql11-http-rdf-update``: what it tests, this suite tests again (its entries say so)."""
    old = w3c_http.read_manifest(w3c_http.suite("sparql11-http-rdf-update") / "manifest.ttl")
    assert old and all(t.approval == "Deprecated" for t in old)
