"""Every error is an application/problem+json body with the status from the one table."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import APIRouter

from plankg import errors
from service.problems import PROBLEMS

SECRET = "SECRET-INTERNAL-TEXT /etc/shadow"

RAISED = {
    "syntax": (errors.QuerySyntaxError("bad query", line=2, column=7), 400, {}),
    "timeout": (errors.QueryTimeout("too long"), 503, {}),
    "unauthorized": (errors.Unauthorized("token needed"), 401, {"www-authenticate": 'Bearer realm="plankg"'}),
    "forbidden": (errors.Forbidden("no"), 403, {}),
    "writes": (errors.WritesDisabled("off"), 403, {}),
    "unavailable": (errors.StoreUnavailable("down"), 503, {"retry-after": "5"}),
    "unknown-query": (errors.UnknownQuery("no such query"), 404, {}),
    "parameter": (errors.ParameterError("bad parameter"), 400, {}),
    "rdf": (errors.RDFSyntaxError("upload.ttl", 3, "bad triple"), 400, {}),
    "shapes": (errors.ValidationFailed("does not conform"), 422, {}),
    "base": (errors.PlanKGError("something"), 400, {}),
}


def _add_test_routes(app) -> None:
    router = APIRouter()

    @router.get("/_test/raise/{name}")
    async def raise_domain(name: str):
        raise RAISED[name][0]

    @router.get("/_test/crash")
    async def crash():
        raise RuntimeError(SECRET)

    @router.get("/_test/typed")
    async def typed(n: int):
        return {"n": n}

    app.include_router(router)


@pytest.fixture(scope="module")
def client(live_server_factory):
    url = live_server_factory(customize=_add_test_routes, cors_origins=["http://allowed.example"], max_body_bytes=2048)
    with httpx.Client(base_url=url, timeout=30) as c:
        yield c


def problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert body["type"].startswith("urn:plankg:problem:")
    assert "Traceback" not in r.text and SECRET not in r.text
    return body


def test_every_domain_error_maps_to_its_status_and_headers(client):
    for name, (exc, status, headers) in RAISED.items():
        r = client.get(f"/_test/raise/{name}")
        body = problem(r, status)
        assert body["detail"] == exc.detail
        assert body["title"] == exc.title
        assert body["instance"] == f"/_test/raise/{name}"
        for key, value in headers.items():
            assert r.headers[key] == value


def test_syntax_errors_carry_line_and_column(client):
    body = problem(client.get("/_test/raise/syntax"), 400)
    assert (body["line"], body["column"]) == (2, 7)


def test_located_errors_send_the_line_but_not_a_server_path(client):
    body = problem(client.get("/_test/raise/rdf"), 400)
    assert body["line"] == 3 and "path" not in body


def test_table_covers_every_error_class():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    classes = [c for c in subclasses(errors.PlanKGError) if c.__module__ == "plankg.errors"]
    unmapped = [c.__name__ for c in classes if not any(k in PROBLEMS for k in c.__mro__[:-3])]
    assert not unmapped


def test_unexpected_exception_is_a_generic_500_with_an_id_and_the_server_goes_on(client):
    body = problem(client.get("/_test/crash"), 500)
    assert re.fullmatch(r"[0-9a-f]{12}", body["id"])
    assert body["id"] in body["detail"] and "RuntimeError" not in body["detail"]
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_unknown_route_is_404_problem(client):
    body = problem(client.get("/no/such/page"), 404)
    assert body["instance"] == "/no/such/page"


def test_wrong_method_is_405_problem(client):
    r = client.delete("/sparql")
    problem(r, 405)
    assert "GET" in r.headers["allow"]


def test_request_validation_error_is_400_problem(client):
    body = problem(client.get("/_test/typed", params={"n": "many"}), 400)
    assert body["errors"][0]["parameter"] == "n"


def test_declared_oversized_body_is_413(client):
    r = client.post("/sparql", content=b"x" * 4096, headers={"content-type": "application/sparql-query"})
    problem(r, 413)


def test_streamed_oversized_body_is_413_before_it_is_all_read(client):
    def chunks():
        for _ in range(8):
            yield b"#" * 1024

    r = client.post("/sparql", content=chunks(), headers={"content-type": "application/sparql-query"})
    problem(r, 413)
    assert client.post("/sparql", content=b"ASK {}", headers={"content-type": "application/sparql-query"}).status_code == 200


def test_security_headers_on_answers_and_problems(client):
    for r in (client.get("/sparql", params={"query": "ASK {}"}), client.get("/nowhere")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp and "http" not in csp


def test_cors_allows_reads_from_configured_origins_only(client):
    ok = client.options(
        "/sparql", headers={"Origin": "http://allowed.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    )
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://allowed.example"
    assert "PUT" not in ok.headers["access-control-allow-methods"]
    put = client.options("/sparql", headers={"Origin": "http://allowed.example", "Access-Control-Request-Method": "PUT"})
    assert put.status_code == 400
    other = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    simple = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://allowed.example"})
    assert simple.headers["access-control-allow-origin"] == "http://allowed.example"
    assert "etag" in simple.headers["access-control-expose-headers"].lower()


def test_openapi_and_offline_docs(client):
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and "/sparql" in spec.json()["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    refs = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert refs and all(ref.startswith("/") for ref in refs)  # nothing from another host
    for ref in refs:
        assert client.get(ref).status_code == 200, ref
    assert "validatorUrl: null" in client.get("/docs/init.js").text
