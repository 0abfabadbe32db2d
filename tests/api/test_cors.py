"""CORS by default (service.transfer): any origin reads, without credentials; nothing writes.

Reads are /sparql (GET and POST, including its fast route), named queries, entity
IRIs, /ontology, /void, dumps and /context.jsonld. Writes (/update, /graphs other
than GET/HEAD) and /validate uploads never carry a CORS header and their
preflights are refused, whatever the origin looks like.
"""

from __future__ import annotations

import httpx
import pytest

TOKEN = "cors-test-token-0123456789abcdef"
ORIGIN = "https://dashboard.other-agency.example"
ODD_ORIGINS = ["null", "http://127.0.0.1:9", "https://xn--80ak6aa92e.example", "http://a.example:65535", "HTTPS://UPPER.EXAMPLE"]
READS = [
    ("GET", "/sparql?query=ASK%7B%7D", {}),
    ("GET", "/queries/impact-areas", {}),
    ("GET", "/id/org/UNFPA", {"Accept": "application/ld+json"}),
    ("GET", "/ontology", {"Accept": "text/turtle"}),
    ("GET", "/void", {"Accept": "text/turtle"}),
    ("GET", "/dumps/plankg.nq.gz", {}),
    ("GET", "/context.jsonld", {}),
    ("HEAD", "/id/para/49", {"Accept": "text/turtle"}),
]
WRITE_PREFLIGHTS = [
    ("/graphs", "PUT", "content-type"),
    ("/graphs", "DELETE", ""),
    ("/graphs", "POST", "content-type"),
    ("/update", "POST", "content-type"),
    ("/update", "POST", ""),
    ("/validate", "POST", "content-type"),
    ("/validate", "POST", ""),
]


@pytest.fixture(scope="module")
def client(live_server_factory):
    url = live_server_factory(write_tokens={"steward": TOKEN})
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c


def granted(r: httpx.Response, origin: str, method: str, headers: str = "") -> bool:
    """What a browser decides from a preflight's answer."""
    allowed_methods = {m.strip().upper() for m in r.headers.get("access-control-allow-methods", "").split(",") if m.strip()}
    allowed_headers = {h.strip().lower() for h in r.headers.get("access-control-allow-headers", "").split(",") if h.strip()}
    return (
        r.status_code < 300
        and r.headers.get("access-control-allow-origin") in (origin, "*")
        and (method in allowed_methods or method in ("GET", "HEAD", "POST") and "*" in allowed_methods)
        and all(h.strip() in allowed_headers for h in headers.split(",") if h.strip())
    )


@pytest.mark.parametrize(("method", "path", "headers"), READS)
def test_every_read_answers_any_origin_without_credentials(client, method, path, headers):
    r = client.request(method, path, headers={"Origin": ORIGIN, **headers})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert "etag" in r.headers["access-control-expose-headers"].lower()


def test_sparql_post_form_and_its_preflight_are_allowed(client):
    pre = client.options("/sparql", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert granted(pre, ORIGIN, "POST", "content-type"), dict(pre.headers)
    r = client.post("/sparql", data={"query": "ASK {}"}, headers={"Origin": ORIGIN, "Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.json()["boolean"] is True
    assert r.headers["access-control-allow-origin"] == "*"


def test_named_query_preflight_for_get_with_accept_language(client):
    pre = client.options("/queries/impact-areas", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "accept-language, if-none-match"})
    assert granted(pre, ORIGIN, "GET", "accept-language, if-none-match")


@pytest.mark.parametrize("origin", ODD_ORIGINS)
def test_odd_origins_get_the_same_anonymous_answer(client, origin):
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": origin})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"  # never the origin echoed back with credentials
    assert "access-control-allow-credentials" not in r.headers


def test_credentialed_request_gets_no_credentials_grant(client):
    r = client.get("/id/org/UNFPA", headers={"Origin": ORIGIN, "Cookie": "lang=en", "Accept": "text/turtle"})
    assert r.headers.get("access-control-allow-credentials") is None
    pre = client.options("/sparql", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
    assert not granted(pre, ORIGIN, "GET", "authorization")


@pytest.mark.parametrize(("path", "method", "request_headers"), WRITE_PREFLIGHTS)
@pytest.mark.parametrize("origin", [ORIGIN, "null"])
def test_write_and_upload_preflights_are_refused(client, path, method, request_headers, origin):
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    r = client.options(path, headers=headers)
    assert r.status_code == 403
    assert not granted(r, origin, method, request_headers)
    assert not any(k.startswith("access-control-") for k in r.headers)


def test_simple_cross_origin_writes_and_uploads_carry_no_cors_header(client):
    """A form POST needs no preflight: its answer must not be readable by the other site."""
    update = client.post("/update", data={"update": "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"}, headers={"Origin": ORIGIN})
    assert update.status_code == 401
    upload = client.post("/validate", files={"file": ("a.ttl", b"<urn:x:a> <urn:x:b> <urn:x:c> .", "text/turtle")}, headers={"Origin": ORIGIN})
    authorized = client.post("/update", data={"update": "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"},
                             headers={"Origin": ORIGIN, "Authorization": f"Bearer {TOKEN}"})
    for r in (update, upload, authorized):
        assert not any(k.startswith("access-control-") for k in r.headers), (r.request.url, dict(r.headers))


def test_reads_of_the_graph_store_stay_readable(client):
    r = client.get("/graphs", params={"graph": "http://127.0.0.1:8000/graph/ontology"}, headers={"Origin": ORIGIN, "Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"


def test_a_listed_origin_narrows_the_policy(live_server_factory):
    url = live_server_factory(cors_origins=["https://allowed.example"])
    with httpx.Client(base_url=url, timeout=30) as c:
        allowed = c.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://allowed.example"})
        other = c.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == "https://allowed.example"
    assert "access-control-allow-origin" not in other.headers


def test_an_empty_setting_turns_cross_origin_reads_off(live_server_factory):
    url = live_server_factory(cors_origins=[])
    with httpx.Client(base_url=url, timeout=30) as c:
        r = c.get("/id/org/UNFPA", headers={"Origin": ORIGIN, "Accept": "text/turtle"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
