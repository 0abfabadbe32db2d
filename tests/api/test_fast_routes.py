"""The hot path (``service.app.HotPath``) and the plain Starlette routes that serve /sparql and the
named queries answer as the FastAPI routes behind the whole middleware stack do, guards included."""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlsplit

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
    # what the middleware adds or refuses, which the hot path does in one step
    ("GET", "/sparql", {"origin": "https://elsewhere.example"}, {"query": AREAS}),
    ("GET", "/sparql", {"accept-encoding": "gzip"}, {"query": AREAS}),
    ("GET", "/sparql", {"accept-encoding": "gzip", "origin": "https://elsewhere.example"}, {"query": "SELECT * { ?s ?p ?o } LIMIT 3"}),
    ("GET", "/sparql", {"accept-encoding": "br"}, {"query": "SELECT * { ?s ?p ?o } LIMIT 300"}),
    ("GET", "/sparql", {"accept-encoding": "gzip"}, {"query": "SELECT * { ?s ?p ?o } LIMIT 5000"}),
    ("GET", "/sparql", {}, {"query": "SELECT * { ?s ?p ?o } LIMIT 5000"}),
    ("GET", "/sparql", {"accept": "text/html"}, None),
    ("GET", "/queries/impact-areas", {"accept": "text/turtle", "accept-encoding": "gzip"}, None),
    ("GET", "/sparql?query=%C3%28", {}, None),
    ("GET", "/sparql?query=ASK%7B%7D%FF", {}, None),
    ("GET", "/queries/paragraph?paragraph_number=%E9", {}, None),
    ("POST", "/sparql", {"content-type": "application/x-www-form-urlencoded"}, b"query=" + b"A" * (6 * 1024 * 1024)),
    ("POST", "/sparql", {"content-type": "application/x-www-form-urlencoded", "origin": "https://elsewhere.example"}, b"query=ASK%7B%7D"),
    ("POST", "/sparql", {"content-type": "application/x-www-form-urlencoded"}, b"query=ASK%7B%7D&query=ASK%7B%7D"),
    ("POST", "/sparql", {"content-type": "application/x-www-form-urlencoded"}, b"query=%ff"),
    ("OPTIONS", "/sparql", {"origin": "https://elsewhere.example", "access-control-request-method": "POST"}, None),
    ("DELETE", "/queries/paragraph", {}, None),
    ("GET", "/queries/paragraph/", {}, None),
]


def without_fast_routes(app) -> None:
    app.hot_path.enabled = False
    app.router.routes[:] = [r for r in app.router.routes if not (type(r) is Route and r.path.startswith(("/sparql", "/queries/")))]


def without_hot_path(app) -> None:
    app.hot_path.enabled = False


def snapshot(client: httpx.Client, method: str, path: str, headers: dict, payload) -> tuple:
    if isinstance(payload, dict):
        r = client.request(method, path, params=payload, headers=headers)
    else:
        r = client.request(method, path, content=payload, headers=headers)
    kept = {k: v for k, v in r.headers.items() if k not in ("date", "etag")}  # the ETag names the store's random version
    return r.status_code, kept, r.content


@pytest.fixture(scope="module")
def servers(live_server_factory):
    return live_server_factory(), live_server_factory(customize=without_fast_routes), live_server_factory(customize=without_hot_path)


def test_the_app_puts_the_fast_routes_first(app_factory):
    app = app_factory()
    paths = [r.path for r in app.router.routes if type(r) is Route]
    assert "/sparql" in paths and "/queries/partners-by-area" in paths


@pytest.mark.parametrize("method, path, headers, payload", REQUESTS)
def test_hot_path_fast_and_fastapi_routes_answer_alike(servers, method, path, headers, payload):
    hot, plain, fast = servers
    with httpx.Client(base_url=hot, timeout=60) as a, httpx.Client(base_url=plain, timeout=60) as b, httpx.Client(base_url=fast, timeout=60) as c:
        expected = snapshot(b, method, path, headers, payload)
        assert snapshot(a, method, path, headers, payload) == expected
        assert snapshot(c, method, path, headers, payload) == expected


def test_the_hot_path_serves_the_hot_routes_only(app_factory):
    app = app_factory()
    hot = app.hot_path
    assert hot.enabled
    scope = {"type": "http", "method": "GET", "path": "/sparql", "root_path": ""}
    assert hot.endpoint(scope) is not None
    assert hot.endpoint({**scope, "method": "HEAD"}) is not None
    assert hot.endpoint({**scope, "method": "POST"}) is not None
    assert hot.endpoint({**scope, "path": "/queries/paragraph"}) is not None
    # the whole stack answers the rest: a preflight, another method, another path, a mounted app
    assert hot.endpoint({**scope, "method": "OPTIONS"}) is None
    assert hot.endpoint({**scope, "method": "PUT"}) is None
    assert hot.endpoint({**scope, "path": "/queries/paragraph.rq"}) is None
    assert hot.endpoint({**scope, "path": "/queries"}) is None
    assert hot.endpoint({**scope, "root_path": "/kg"}) is None


def raw_exchange(base: str, request: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """Send ``request`` as it is (no client library tidies it); the status line, headers and body."""
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:

        def write() -> None:
            try:
                sock.sendall(request)
            except OSError:
                pass  # the server answered and closed before the whole body was sent (413)

        writer = threading.Thread(target=write)
        writer.start()
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass  # closed with our unread bytes in its buffer: what it sent first arrived
        writer.join()
    head, _, body = data.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines)}
    headers.pop(b"date", None)
    headers.pop(b"etag", None)  # names the store's random version
    return status, headers, body


LIMIT_BODY = 6 * 1024 * 1024  # over the default 5 MiB
RAW_ATTACKS = [
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: +6\r\nConnection: close\r\n\r\nASK {}",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 99999999999999999999\r\nConnection: close\r\n\r\nASK {}",
    b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    + b"".join(b"%x\r\n%s\r\n" % (1 << 20, b"a" * (1 << 20)) for _ in range(6)) + b"0\r\n\r\n",
    b"GET /sparql?query=ASK%7B%7D%C0%AF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: evil.example\r\nOrigin: https://evil.example\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n",
]


@pytest.mark.parametrize("request_bytes", RAW_ATTACKS, ids=["plus-length", "huge-length", "chunked-over-limit", "overlong-utf8", "origin-and-gzip"])
def test_hot_path_refuses_raw_attacks_as_the_whole_stack_does(servers, request_bytes):
    hot, plain, _ = servers
    status, headers, body = raw_exchange(hot, request_bytes)
    assert (status, headers, body) == raw_exchange(plain, request_bytes)
    assert status.startswith((b"HTTP/1.1 2", b"HTTP/1.1 4"))
    if headers.get(b"content-type") == b"application/problem+json" or status.startswith(b"HTTP/1.1 2"):
        assert headers[b"x-content-type-options"] == b"nosniff"  # the app answered, not the server
