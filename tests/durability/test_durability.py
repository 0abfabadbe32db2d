"""Durability with a real server process: SIGKILL after an acknowledged write, and in the middle of one."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

B = "http://127.0.0.1:8000/"
G_PARTNERS, G_CHANGES, G_BULK = B + "graph/partners", B + "graph/changes", B + "graph/bulk"
SVRI = B + "id/org/SVRI"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OLD, NEW = 1_000, 50_000

pytestmark = pytest.mark.slow


def graph_url(graph: str) -> str:
    return "/graphs?graph=" + quote(graph, safe="")


def count(client: httpx.Client, graph: str) -> int:
    r = client.get("/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def partners(client: httpx.Client) -> set[str]:
    # every kind of organization: SVRI, the partner the tests add, is a research network, not a UN entity
    r = client.get(
        "/queries/partners-by-area", params={"area": "evaw", "entities_only": "false"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200, r.text
    return {b["agency"]["value"] for b in r.json()["results"]["bindings"]}


def activities(client: httpx.Client, added: int) -> int:
    q = f"""PREFIX pk: <{B}ontology#> SELECT (COUNT(?a) AS ?n) WHERE {{
        GRAPH <{G_CHANGES}> {{ ?a pk:triplesAdded {added} ; <http://www.w3.org/ns/prov#generated> <{G_BULK}> }} }}"""
    return int(client.get("/sparql", params={"query": q}).json()["results"]["bindings"][0]["n"]["value"])


def test_the_stewards_walk_through_survives_kill_9(server):
    """README: refused without the Chinese label, accepted once fixed, still there after kill -9."""
    process = server()
    TURTLE = {"Content-Type": "text/turtle", **process.auth}
    with process.client() as client:
        before = partners(client)
        r = client.put(graph_url(G_PARTNERS), content=(FIXTURES / "new_partner_broken.ttl").read_bytes(), headers=TURTLE)
        assert r.status_code == 422
        assert any(row["focusNode"] == SVRI and row["path"] == "skos:prefLabel" for row in r.json()["results"])
        assert client.get(graph_url(G_PARTNERS)).status_code == 404

        r = client.put(graph_url(G_PARTNERS), content=(FIXTURES / "new_partner.ttl").read_bytes(), headers=TURTLE)
        assert r.status_code == 201, r.text
        activity = r.headers["x-plankg-activity"]
    process.kill()  # right after the response: nothing ran after the write was acknowledged

    process.start()
    with process.client() as client:
        assert partners(client) == before | {SVRI}
        assert count(client, G_PARTNERS) == 15
        r = client.get("/sparql", params={"query": f"ASK {{ GRAPH <{G_CHANGES}> {{ <{activity}> a <http://www.w3.org/ns/prov#Activity> }} }}"})
        assert r.json()["boolean"] is True


def test_every_acknowledged_write_of_a_burst_survives_kill_9(server):
    process = server()
    acknowledged = []
    with process.client() as client:
        for i in range(10):
            r = client.post("/update", content=f"INSERT DATA {{ GRAPH <{B}graph/burst> {{ <urn:x:w{i}> <urn:x:n> {i} }} }}", headers={"Content-Type": "application/sparql-update", **process.auth})
            assert r.status_code == 204, r.text
            acknowledged.append(i)
    process.kill()
    process.start()
    with process.client() as client:
        assert count(client, B + "graph/burst") == len(acknowledged)


def bulk_turtle(n: int, tag: str) -> bytes:
    return "".join(f'<urn:x:{tag}/{i}> <urn:x:value> "{tag} {i}" .\n' for i in range(n)).encode()


def test_a_write_killed_half_way_leaves_the_old_or_the_new_state(server):
    """PUT 50k triples over 1k, SIGKILL at points spread over the write; count what is there after a restart."""
    process = server()
    TURTLE = {"Content-Type": "text/turtle", **process.auth}
    old_body, new_body = bulk_turtle(OLD, "old"), bulk_turtle(NEW, "new")
    with process.client() as client:
        assert client.put(graph_url(G_BULK), content=old_body, headers=TURTLE).status_code == 201
        # the same write once, uninterrupted, to know how long one takes on this machine
        timing = B + "graph/bulk-timing"
        assert client.put(graph_url(timing), content=old_body, headers=TURTLE).status_code == 201
        started = time.monotonic()
        assert client.put(graph_url(timing), content=new_body, headers=TURTLE).status_code == 204
        took = time.monotonic() - started

    outcomes = []
    # the commit is the last third of a write: validation comes first, the worker reload after
    for fraction in (0.5, 0.62, 0.7, 0.78, 0.86, 0.95):
        with process.client() as client:
            recorded = activities(client, NEW)
            # warm: shapes loaded, so this round's write takes as long as the timed one
            client.post(graph_url(B + "graph/warm"), content=b"<urn:x:warm> <urn:x:p> 1 .", headers=TURTLE)
        answer: dict = {}

        def write() -> None:
            try:
                with httpx.Client(base_url=process.url, timeout=300) as c:
                    answer["status"] = c.put(graph_url(G_BULK), content=new_body, headers=TURTLE).status_code
            except httpx.TransportError:
                answer["status"] = None  # the server died under the request

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(took * fraction)
        process.kill()
        writer.join()

        process.start()  # the store opens cleanly
        with process.client() as client:
            size = count(client, G_BULK)
            assert size in (OLD, NEW), f"a mix: {size} triples after a kill at {fraction:.0%} of the write"
            # the change log commits with the data: a record exactly when the new state is there
            assert activities(client, NEW) == recorded + (1 if size == NEW else 0)
            if answer["status"] in (201, 204):
                assert size == NEW  # acknowledged, so it must have survived
            outcomes.append(f"{fraction:.0%}: {'new' if size == NEW else 'old'}{' (acknowledged)' if answer['status'] else ''}")
            if size == NEW:  # back to the old state for the next round
                assert client.put(graph_url(G_BULK), content=old_body, headers=TURTLE).status_code == 204
    print("kill outcomes:", ", ".join(outcomes), f"(one write took {took:.1f} s)")
