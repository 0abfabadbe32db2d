"""The ``Host`` header is never echoed into what the service says about itself.

Behind a cache, an answer built from a client's ``Host`` (``evil.example``) is
served to every later client: links in pages, the endpoint IRI in the service
description and ``Location`` headers would point at the attacker's host. The
service's own addresses come from its configuration (the base IRI) or are
relative; never from the request.
"""

from __future__ import annotations

import httpx
import pytest

from boundary_support import STEWARD, B

EVIL = "evil.example"
HOSTS = [EVIL, f"{EVIL}:8000", f"{EVIL}@127.0.0.1"]


@pytest.fixture(scope="module")
def server(pool):
    return pool.get()


def _get(server, path: str, host: str, accept: str | None = None) -> httpx.Response:
    headers = {"Host": host}
    if accept:
        headers["Accept"] = accept
    with httpx.Client(base_url=server.url, timeout=20, follow_redirects=False) as client:
        return client.get(path, headers=headers)


def _assert_clean(r: httpx.Response) -> None:
    for name, value in r.headers.items():
        assert EVIL not in value, f"{name}: {value}"
    assert EVIL not in r.text, f"{r.status_code} {r.request.url}: ...{r.text[max(0, r.text.find(EVIL) - 200): r.text.find(EVIL) + 100]}..."


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"])
def test_service_description(server, host: str, accept: str) -> None:
    r = _get(server, "/sparql", host, accept)
    assert r.status_code == 200, r.text[:300]
    _assert_clean(r)


PAGES = ["/", "/area/evaw", "/agency/UNFPA", "/network", "/read", "/query", "/search?q=UNFPA", "/validate", "/id/org/UNFPA", "/void", "/.well-known/void", "/openapi.json", "/docs"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_and_links(server, path: str) -> None:
    for accept in ("text/html", None, "text/turtle"):
        r = _get(server, path, EVIL, accept)
        assert r.status_code < 500, r.status_code
        _assert_clean(r)


@pytest.mark.parametrize("path,accept", [("/sparql", "text/html"), ("/queries/partners-by-area", "text/html"), ("/id/org/UNFPA", "text/html"), ("/id/org/UNFPA.ttl", None), ("/agency/UNFPA/", "text/html")])
def test_redirects(server, path: str, accept: str | None) -> None:
    r = _get(server, path, EVIL, accept)
    _assert_clean(r)


def test_location_of_a_created_graph(pool) -> None:
    server = pool.get()
    with httpx.Client(base_url=server.url, timeout=30) as client:
        r = client.put(
            "/graphs", params={"graph": f"{B}graph/boundary-host"},
            content=f'<{B}id/boundary/host> <http://www.w3.org/2000/01/rdf-schema#comment> "x" .'.encode(),
            headers={**STEWARD, "Content-Type": "text/turtle", "Host": EVIL},
        )
    assert r.status_code < 500, r.text[:300]
    _assert_clean(r)
    pool.discard()  # the data changed: later modules' dump checks start from a clean copy
