"""Authentication of the write endpoints: constant-time tokens, never logged, no way around them.

- Tokens are compared with ``hmac.compare_digest``, against every configured
  token on every request (counted by wrapping it).
- A token never reaches a log, the access log included; so it is accepted only
  in the ``Authorization`` header (a token in a query string is in the request
  line that the access log prints).
- Without a valid token every write is refused and nothing changes: no header,
  a wrong token, another scheme, method overrides, CORS preflights.
"""

from __future__ import annotations

import hmac
import inspect
import logging
import re

import httpx
import pytest

from hardening_support import AUTH, TOKEN, B, assert_problem, dump_hash

GRAPH = B + "graph/auth-test"
OTHER_TOKENS = {"auditor": "auditor-token-0c8e2b6a91", "importer": "importer-token-55d1f0e3a7"}
WRONG_TOKEN = "wrong-token-but-close-7f3a9c51"
ALLOWED_ORIGIN = "https://dashboard.example.org"
TURTLE = {"Content-Type": "text/turtle"}
UPDATE = {"Content-Type": "application/sparql-update"}
NOTE = b"<urn:x:auth-note> <http://www.w3.org/2000/01/rdf-schema#label> \"note\" ."
INSERT = f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:x:auth-note2> <http://www.w3.org/2000/01/rdf-schema#label> "note" }} }}'


@pytest.fixture(scope="module")
def server(live_server_factory, store_backend):
    # on the embedded store and, as a front-end, on oxigraph serve and Virtuoso (issue 13)
    return live_server_factory(
        write_tokens={"steward": TOKEN, **OTHER_TOKENS}, write_roles={"importer": "admin"}, cors_origins=[ALLOWED_ORIGIN], **store_backend
    )


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=120) as c:
        yield c


@pytest.fixture
def unchanged(client):
    before = dump_hash(client)
    yield
    assert dump_hash(client) == before, "a refused request changed the stored data"


# every write the service has: (method, path, params, headers, body)
WRITES = [
    pytest.param("PUT", "/graphs", {"graph": GRAPH}, TURTLE, NOTE, id="graphs-put"),
    pytest.param("POST", "/graphs", {"graph": GRAPH}, TURTLE, NOTE, id="graphs-post"),
    pytest.param("DELETE", "/graphs", {"graph": B + "graph/registry"}, {}, None, id="graphs-delete"),
    pytest.param("PUT", "/graphs", {"default": ""}, TURTLE, NOTE, id="graphs-put-default"),
    pytest.param("POST", "/update", {}, UPDATE, INSERT.encode(), id="update-direct"),
    pytest.param("POST", "/update", {}, {"Content-Type": "application/x-www-form-urlencoded"}, b"update=" + httpx.QueryParams({"u": INSERT}).get("u").encode(), id="update-form"),
]


# ---------------------------------------------------------------- constant time
def test_token_check_uses_compare_digest_and_no_plain_comparison():
    import service.auth as auth

    source = inspect.getsource(auth)
    assert "hmac.compare_digest" in source
    code = "\n".join(line.split("#")[0] for line in source.splitlines())
    assert not re.search(r"\b(token|presented|credentials|expected|given)\s*(==|!=)|(==|!=)\s*(token|presented|credentials|expected|given)\b", code)


@pytest.fixture
def digest_calls(monkeypatch):
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def counting(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    return calls


@pytest.mark.parametrize(("token", "status"), [(TOKEN, 204), (WRONG_TOKEN, 401), ("x", 401), ("y" * 500, 401)])
def test_every_configured_token_is_compared_in_constant_time_every_time(client, digest_calls, token, status):
    r = client.post("/update", content=INSERT.encode(), params={"dry-run": "false"}, headers={**UPDATE, "Authorization": f"Bearer {token}"})
    assert r.status_code in ((200, 204) if status == 204 else (status,)), r.text[:300]
    # all three configured tokens, whatever the one presented, and equal-length digests
    assert len(digest_calls) == 1 + len(OTHER_TOKENS), digest_calls
    assert len({pair for pair in digest_calls}) == 1 and digest_calls[0][0] == digest_calls[0][1]


# ---------------------------------------------------------------- never logged
class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - a record that cannot format still counts as raw text
            self.lines.append(f"{record.msg} {record.args}")
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def every_log():
    """Every logger the server writes to, the uvicorn access log included, at DEBUG."""
    capture = _Capture()
    capture.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.access", "plankg", "plankg.service", "plankg.store.workers", "fastapi", "starlette", "httpx"]
    saved = []
    for name in names:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level))
        logger.setLevel(logging.DEBUG)
        logger.addHandler(capture)
    try:
        yield capture
    finally:
        for logger, level in saved:
            logger.removeHandler(capture)
            logger.setLevel(level)


def test_tokens_never_reach_any_log(server, every_log):
    # a fresh client: uvicorn decides per connection whether to write the access log
    with httpx.Client(base_url=server, timeout=120) as c:
        good = c.put("/graphs", params={"graph": GRAPH}, content=NOTE, headers={**TURTLE, **AUTH})
        assert good.status_code in (201, 204), good.text
        bad = c.put("/graphs", params={"graph": GRAPH}, content=NOTE, headers={**TURTLE, "Authorization": f"Bearer {WRONG_TOKEN}"})
        assert_problem(bad, 401)
        basic = c.post("/update", content=INSERT.encode(), headers={**UPDATE, "Authorization": f"Basic {TOKEN}"})
        assert_problem(basic, 401)
        broken = c.post("/update", content=b"INSERT DATA { nonsense", headers={**UPDATE, **AUTH})
        assert_problem(broken, 400)
        # removing a graph is an admin's, confirmed
        gone = c.delete("/graphs", params={"graph": GRAPH, "confirm": GRAPH}, headers={"Authorization": f"Bearer {OTHER_TOKENS['importer']}"})
        assert gone.status_code == 204, gone.text
        dump = c.get("/dumps/plankg.nq").text
    assert any("PUT /graphs" in line for line in every_log.lines), "the access log was not captured"
    text = "\n".join(every_log.lines)
    for secret in (TOKEN, WRONG_TOKEN, *OTHER_TOKENS.values()):
        assert secret not in text, "a token was logged"
        for response in (good, bad, basic, broken, gone):
            assert secret not in response.text and secret not in str(response.headers)
        assert secret not in dump, "a token was stored in the change log"


@pytest.mark.parametrize("name", ["access_token", "token", "bearer", "auth", "authorization", "api_key"])
def test_tokens_in_the_query_string_or_form_are_not_accepted(client, unchanged, name):
    r = client.put("/graphs", params={"graph": GRAPH, name: TOKEN}, content=NOTE, headers=TURTLE)
    assert_problem(r, 401)
    r = client.post("/update", params={name: TOKEN}, content=INSERT.encode(), headers=UPDATE)
    assert_problem(r, 401)
    r = client.post("/update", data={"update": INSERT, name: TOKEN})
    assert_problem(r, 401)


# ---------------------------------------------------------------- refused without a valid token
BAD_CREDENTIALS = [
    pytest.param({}, id="no-header"),
    pytest.param({"Authorization": ""}, id="empty"),
    pytest.param({"Authorization": "Bearer"}, id="bearer-alone"),
    pytest.param({"Authorization": f"Bearer {WRONG_TOKEN}"}, id="wrong"),
    pytest.param({"Authorization": f"Bearer {TOKEN[:-1]}"}, id="prefix"),
    pytest.param({"Authorization": f"Bearer {TOKEN}x"}, id="longer"),
    pytest.param({"Authorization": f"Bearer {TOKEN.upper()}"}, id="upper-case"),
    pytest.param({"Authorization": f"Basic {TOKEN}"}, id="basic"),
    pytest.param({"Authorization": f"Token {TOKEN}"}, id="other-scheme"),
    pytest.param({"Authorization": f"{TOKEN}"}, id="no-scheme"),
    pytest.param({"Authorization": "Bearer steward"}, id="token-name"),
    pytest.param({"Cookie": f"token={TOKEN}"}, id="cookie"),
    pytest.param({"X-Api-Key": TOKEN}, id="api-key-header"),
]


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS)
@pytest.mark.parametrize(("method", "path", "params", "headers", "body"), WRITES)
def test_writes_without_a_valid_token_are_401_and_change_nothing(client, unchanged, credentials, method, path, params, headers, body):
    r = client.request(method, path, params=params, content=body, headers={**headers, **credentials})
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].lower().startswith("bearer")


def test_writes_are_403_when_no_tokens_are_configured(live_server_factory):
    url = live_server_factory()
    with httpx.Client(base_url=url, timeout=60) as c:
        before = dump_hash(c)
        for method, path, params, headers, body in [p.values for p in WRITES]:
            r = c.request(method, path, params=params, content=body, headers={**headers, **AUTH})
            assert_problem(r, 403, "writes-disabled")
        assert dump_hash(c) == before


# ---------------------------------------------------------------- method overrides
OVERRIDES = [
    pytest.param("GET", "/graphs", {"graph": B + "graph/registry"}, {"X-HTTP-Method-Override": "DELETE"}, id="get-header-delete"),
    pytest.param("GET", "/graphs", {"graph": GRAPH}, {"X-HTTP-Method-Override": "PUT"}, id="get-header-put"),
    pytest.param("GET", "/graphs", {"graph": B + "graph/registry", "_method": "DELETE"}, {}, id="get-param-delete"),
    pytest.param("HEAD", "/graphs", {"graph": B + "graph/registry"}, {"X-HTTP-Method": "DELETE"}, id="head-header-delete"),
    pytest.param("POST", "/graphs", {"graph": B + "graph/registry"}, {"X-HTTP-Method-Override": "DELETE"}, id="post-header-delete"),
    pytest.param("POST", "/graphs", {"graph": B + "graph/registry", "_method": "DELETE"}, {}, id="post-param-delete"),
    pytest.param("POST", "/graphs", {"graph": GRAPH, "_method": "PUT"}, {}, id="post-param-put"),
    pytest.param("POST", "/graphs", {"graph": GRAPH}, {"X-Method-Override": "PUT"}, id="post-x-method-override"),
    pytest.param("POST", "/update", {"_method": "PUT"}, {}, id="update-param"),
    pytest.param("POST", "/update", {}, {"X-HTTP-Method-Override": "PATCH"}, id="update-header"),
]


@pytest.mark.parametrize("with_token", [False, True], ids=["no-token", "valid-token"])
@pytest.mark.parametrize(("method", "path", "params", "headers"), OVERRIDES)
def test_method_overrides_are_refused_on_write_endpoints(client, unchanged, with_token, method, path, params, headers):
    body = INSERT.encode() if path == "/update" else (NOTE if method == "POST" else None)
    content_type = UPDATE if path == "/update" else TURTLE
    r = client.request(method, path, params=params, content=body, headers={**content_type, **headers, **(AUTH if with_token else {})})
    if method == "HEAD":
        assert r.status_code == 400
        return
    # refused as an override, or (without a token, for a POST) as unauthenticated: never performed
    assert_problem(r, 400 if with_token or method == "GET" else None)
    assert r.status_code in (400, 401)


def test_overrides_on_the_query_endpoint_write_nothing(client, unchanged):
    for headers in ({"X-HTTP-Method-Override": "PUT"}, {"X-HTTP-Method-Override": "DELETE"}):
        r = client.post("/sparql", params={"_method": "DELETE", "graph": B + "graph/registry"}, content=b"ASK {}", headers={"Content-Type": "application/sparql-query", **headers, **AUTH})
        assert r.status_code in (200, 400), r.text
        r = client.post("/sparql", data={"update": f"DROP GRAPH <{B}graph/registry>"}, headers={**headers, **AUTH})
        assert_problem(r, 400, "update-not-allowed")


# ---------------------------------------------------------------- CORS

@pytest.mark.parametrize(
    ("path", "method", "request_headers"),
    [
        ("/graphs", "PUT", "authorization, content-type"),
        ("/graphs", "PUT", "content-type"),
        ("/graphs", "DELETE", "authorization"),
        ("/graphs", "DELETE", ""),
        ("/graphs", "POST", "authorization, content-type"),
        ("/update", "POST", "authorization, content-type"),
        ("/update", "POST", "authorization"),
        pytest.param("/update", "POST", "content-type"),
        pytest.param("/update", "POST", ""),
        pytest.param("/graphs", "POST", "content-type"),
        ("/update", "PUT", "authorization"),
    ],
)
def test_cors_preflight_never_grants_a_cross_origin_write(client, path, method, request_headers):
    headers = {"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    r = client.options(path, params={"graph": GRAPH} if path == "/graphs" else None, headers=headers)
    allowed_methods = {m.strip().upper() for m in r.headers.get("access-control-allow-methods", "").split(",") if m.strip()}
    allowed_headers = {h.strip().lower() for h in r.headers.get("access-control-allow-headers", "").split(",") if h.strip()}
    granted = (
        r.status_code < 300
        and r.headers.get("access-control-allow-origin") in (ALLOWED_ORIGIN, "*")
        and (method in allowed_methods or "*" in allowed_methods)
        and all(h.strip() in allowed_headers or "*" in allowed_headers for h in request_headers.split(",") if h.strip())
    )
    # the write endpoints grant no cross-origin method but reads
    assert not granted, dict(r.headers)
    assert r.headers.get("access-control-allow-credentials") != "true"
    assert "authorization" not in allowed_headers and "*" not in allowed_headers
    assert not {"PUT", "DELETE", "PATCH", "*"} & allowed_methods


def test_cors_reads_still_work_for_the_allowed_origin(client):
    r = client.options("/sparql", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"})
    assert r.status_code == 200 and r.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": ALLOWED_ORIGIN, "Accept": "application/sparql-results+json"})
    assert r.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN


def test_cross_origin_simple_write_without_token_is_refused(client, unchanged):
    """A form POST needs no preflight; it carries no Authorization header, so it is 401."""
    r = client.post("/update", data={"update": INSERT}, headers={"Origin": ALLOWED_ORIGIN})
    assert_problem(r, 401)
    r = client.post("/update", data={"update": INSERT}, headers={"Origin": "https://evil.example"})
    assert_problem(r, 401)
    assert r.headers.get("access-control-allow-origin") is None
