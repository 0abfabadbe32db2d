"""``create_app(defer_routes=True)`` (``plankg serve``): the server answers before every router is
made, and a request for a route still coming waits for it and gets what an app made whole gives."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

import service.app as service_app

ASK = {"query": "ASK { ?s ?p ?o }"}
# late routes (pages, linked data, the schema, the docs), a path no route has, a redirect
LATE_REQUESTS = [
    ("GET", "/openapi.json", {}),
    ("GET", "/", {"accept": "text/html"}),
    ("GET", "/area/evaw", {"accept": "text/html"}),
    ("GET", "/no-such-page", {}),
    ("GET", "/queries/", {}),
    ("GET", "/docs", {}),
    ("POST", "/validate", {"content-type": "text/turtle"}),
]


def comparable(r: httpx.Response) -> tuple:
    kept = {k: v for k, v in r.headers.items() if k not in ("date", "etag")}  # the ETag names the store's random version
    return r.status_code, kept, r.content


@pytest.fixture
def held_late_routes(monkeypatch):
    """The late routers' import waits until the test lets it go."""
    gate = threading.Event()
    original = service_app._import_modules

    def held(names):
        if not set(names) & set(service_app.FIRST_ANSWER_MODULES):  # the late ones, not a whole app's
            assert gate.wait(120), "the test never let the late routes come"
        return original(names)

    monkeypatch.setattr(service_app, "_import_modules", held)
    yield gate
    gate.set()


def test_a_deferred_app_answers_a_query_before_its_late_routes_exist(live_server_factory, held_late_routes):
    url = live_server_factory(defer_routes=True)
    with httpx.Client(base_url=url, timeout=60) as client:
        r = client.get("/sparql", params=ASK, headers={"accept": "application/sparql-results+json"})
        assert r.status_code == 200 and r.json()["boolean"] is True
        assert client.get("/queries/impact-areas").status_code == 200
        assert not held_late_routes.is_set()


@pytest.mark.parametrize("method, path, headers", LATE_REQUESTS)
def test_a_request_for_a_late_route_waits_and_is_answered_as_by_a_whole_app(live_server_factory, held_late_routes, method, path, headers):
    whole = live_server_factory()
    deferred = live_server_factory(defer_routes=True)
    with httpx.Client(base_url=deferred, timeout=60) as client, ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.request, method, path, headers=headers, content=b"<urn:a> <urn:b> <urn:c> .")
        with pytest.raises(TimeoutError):
            pending.result(timeout=0.5)  # neither a 404 nor a redirect for want of a route still coming
        held_late_routes.set()
        late = pending.result(timeout=60)
    with httpx.Client(base_url=whole, timeout=60) as client:
        expected = client.request(method, path, headers=headers, content=b"<urn:a> <urn:b> <urn:c> .")
    assert comparable(late) == comparable(expected)


def test_a_deferred_app_ends_with_the_routes_and_schema_of_a_whole_app(live_server_factory):
    apps: dict = {}
    whole = live_server_factory(customize=lambda app: apps.setdefault("whole", app))
    deferred = live_server_factory(customize=lambda app: apps.setdefault("deferred", app), defer_routes=True)
    deadline = time.monotonic() + 60
    while apps["deferred"].router.default.__func__ is not apps["whole"].router.default.__func__:  # with no request asking
        assert time.monotonic() < deadline, "the late routes never came"
        time.sleep(0.05)
    schemas = [httpx.get(url + "/openapi.json", timeout=60).json() for url in (whole, deferred)]
    assert schemas[0] == schemas[1]

    def table(app) -> list:
        return sorted((type(r).__name__, getattr(r, "path", ""), sorted(getattr(r, "methods", None) or [])) for r in app.router.routes)

    assert table(apps["deferred"]) == table(apps["whole"])
    assert apps["deferred"].router.redirect_slashes == apps["whole"].router.redirect_slashes
