"""The plain Starlette routes that serve /sparql and the named queries answer as the FastAPI routes do."""

from __future__ import annotations

import httpx
import pytest
from starlette.routing import Route

B = "http://127.0.0.1:8000/"
AREAS = f"SELECT ?area WHERE {{ ?area a <{B}ontology#ImpactArea> }} ORDER BY ?area"
REQUESTS = [
    ("GET", "/queries/paragraph", {}, None),
    ("GET", "/queries/search-text", {}, None),
    ("GET", "/queries/paragraph?paragraph_number=abc", {}, None),
    ("GET", "/queries/paragraph?paragraph_number=49&paragraph_number=50", {}, None),
    ("GET", "/queries/partners-by-area?area=evaw&format=csv", {}, None),
    ("HEAD", "/queries/partners-by-area?area=evaw", {}, None),
    ("GET", "/queries/partners-by-area?bogus=1", {}, None),
    ("POST", "/queries/partners-by-area", {}, None),
    ("GET", "/queries/impact-areas", {"accept": "text/turtle"}, None),
    ("GET", "/queries/agency-profile?agency=UNDP", {"accept": "application/sparql-results+xml"}, None),
    ("GET", "/sparql", {"accept": "text/csv"}, {"query": AREAS}),
    ("HEAD", "/sparql", {}, {"query": AREAS}),
    ("POST", "/sparql", {"content-type": "application/sparql-query"}, AREAS),
    ("POST", "/sparql", {"content-type": "text/plain"}, AREAS),
    ("GET", "/sparql", {}, {"query": "SELECT * {"}),
    ("GET", "/sparql", {}, {"query": AREAS, "update": "CLEAR ALL"}),
    ("PUT", "/sparql", {}, None),
]


def without_fast_routes(app) -> None:
    app.router.routes[:] = [r for r in app.router.routes if not (type(r) is Route and r.path.startswith(("/sparql", "/queries/")))]


def snapshot(client: httpx.Client, method: str, path: str, headers: dict, payload) -> tuple:
    if isinstance(payload, dict):
        r = client.request(method, path, params=payload, headers=headers)
    else:
        r = client.request(method, path, content=payload, headers=headers)
    kept = {k: v for k, v in r.headers.items() if k not in ("date", "etag")}  # the ETag names the store's random version
    return r.status_code, kept, r.content


@pytest.fixture(scope="module")
def servers(live_server_factory):
    return live_server_factory(), live_server_factory(customize=without_fast_routes)


def test_the_app_puts_the_fast_routes_first(app_factory):
    app = app_factory()
    paths = [r.path for r in app.router.routes if type(r) is Route]
    assert "/sparql" in paths and "/queries/partners-by-area" in paths


@pytest.mark.parametrize("method, path, headers, payload", REQUESTS)
def test_fast_and_fastapi_routes_answer_alike(servers, method, path, headers, payload):
    fast, plain = servers
    with httpx.Client(base_url=fast, timeout=60) as a, httpx.Client(base_url=plain, timeout=60) as b:
        assert snapshot(a, method, path, headers, payload) == snapshot(b, method, path, headers, payload)
