"""Two plankg servers over one engine: a write through one is read through the other at once.

Each server is a full app with its own RemoteStore and sandbox (what a second
``plankg serve`` process has); they write under a base IRI of their own, so the
session's engines keep the built graph as it is.
"""

from __future__ import annotations

import threading
import uuid
from urllib.parse import quote

import httpx
import pytest

pytestmark = [pytest.mark.remote, pytest.mark.slow]
TOKEN = "steward-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TURTLE = {"Content-Type": "text/turtle", **AUTH}


_SERVERS: dict[str, tuple[str, str, str]] = {}


@pytest.fixture
def pair(engine, live_server_factory):
    """Two servers (A, B) over ``engine``, with a base IRI of their own (the first builds the plan there);
    started once per engine for the module."""
    if engine.name not in _SERVERS:
        base = f"http://f{uuid.uuid4().hex[:10]}.invalid/kg/"
        options = {
            "store": "remote",
            "remote_query_url": engine.query_url,
            "remote_update_url": engine.update_url,
            "base_iri": base,
            "write_tokens": {"steward": TOKEN},
        }
        _SERVERS[engine.name] = (base, live_server_factory(**options), live_server_factory(**options))
    base, url_a, url_b = _SERVERS[engine.name]
    with httpx.Client(base_url=url_a, timeout=120) as a, httpx.Client(base_url=url_b, timeout=120) as b:
        yield base, a, b


def graph_url(graph: str) -> str:
    return "/graphs?graph=" + quote(graph, safe="")


def note(tag: str) -> str:
    return f'<urn:x:{tag}> <http://www.w3.org/2000/01/rdf-schema#comment> "note {tag} 中文" .\n'


def count(client: httpx.Client, graph: str) -> int:
    r = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_a_write_through_a_is_read_through_b_at_once(pair):
    base, a, b = pair
    graph = base + "graph/notes"
    count(b, graph)  # now in B's answer cache, under the version before the write
    tag_before = b.get(graph_url(graph)).status_code

    put = a.put(graph_url(graph), content=note("one") + note("two"), headers=TURTLE)

    assert put.status_code == 201, put.text
    assert tag_before == 404
    assert count(b, graph) == 2
    got = b.get(graph_url(graph), headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and "note one" in got.text
    etag = got.headers["ETag"]

    update = b.post("/update", content=f"INSERT DATA {{ GRAPH <{graph}> {{ {note('three')} }} }}", headers={"Content-Type": "application/sparql-update", **AUTH})

    assert update.status_code == 204, update.text
    again = a.get(graph_url(graph), headers={"Accept": "application/n-triples", "If-None-Match": etag})
    assert again.status_code == 200 and "note three" in again.text  # A's ETag moved with B's write
    listing = a.get("/graphs").json()
    assert any(g["graph"] == graph and g["modified"] for g in listing["graphs"])  # the change log, in the engine


def test_simultaneous_puts_through_two_servers_leave_one_of_them_whole(pair):
    base, a, b = pair
    graph = base + "graph/contested"
    assert a.put(graph_url(graph), content=note("seed"), headers=TURTLE).status_code == 201
    for round_ in range(4):
        bodies = {"a": note(f"r{round_}a1") + note(f"r{round_}a2"), "b": note(f"r{round_}b1")}
        barrier = threading.Barrier(2)
        statuses: dict[str, httpx.Response] = {}

        def go(name: str, client: httpx.Client) -> None:
            barrier.wait()
            statuses[name] = client.put(graph_url(graph), content=bodies[name], headers=TURTLE)

        threads = [threading.Thread(target=go, args=item) for item in (("a", a), ("b", b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        codes = {name: r.status_code for name, r in statuses.items()}
        assert set(codes.values()) <= {204, 409}, {n: r.text for n, r in statuses.items()}
        assert 204 in codes.values()
        for r in statuses.values():
            if r.status_code == 409:
                assert r.headers["content-type"].startswith("application/problem+json")
                assert r.json()["type"] == "urn:plankg:problem:write-conflict"
        held = b.get(graph_url(graph), headers={"Accept": "application/n-triples"}).text
        winners = [name for name, code in codes.items() if code == 204]
        # the graph is exactly one PUT's body: the last to commit, never a mix of both
        assert any(all(line.split('"')[1] in held for line in bodies[w].splitlines()) and held.count("\n") == len(bodies[w].splitlines()) for w in winners), held
