"""Fair shares and single flight over real HTTP.

The server believes X-Forwarded-For from 127.0.0.1 (a trusted proxy), so that
the tests can speak as several clients; each client may have one expensive
request in flight.
"""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from problem_checks import assert_problem

from own_loop import run_in_own_loop

TOKEN = "fairness-steward-token-1234"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
JSON = {"Accept": "application/sparql-results+json"}
ALICE = {"X-Forwarded-For": "198.51.100.1", **JSON}
BOB = {"X-Forwarded-For": "198.51.100.2", **JSON}


@pytest.fixture(scope="module")
def server(live_server_factory):
    apps = []
    url = live_server_factory(
        customize=apps.append,
        query_timeout_s=3,
        query_workers=2,
        client_max_concurrent=1,
        trusted_proxies=["127.0.0.1"],
        write_tokens={"steward": TOKEN},
    )
    return url, apps[0]


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server[0], timeout=60) as c:
        yield c



def in_background(fn):
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("response", fn()))
    thread.start()
    return thread, outcome


def test_a_client_over_its_share_gets_429_while_other_clients_are_served(client, server):
    url = server[0]
    client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=ALICE)  # cached from now on
    thread, outcome = in_background(lambda: httpx.get(url + "/sparql", params={"query": CARTESIAN}, headers=ALICE, timeout=60))
    time.sleep(0.5)  # Alice's runaway query holds her one share
    try:
        refused = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, headers=ALICE)
        body = assert_problem(refused, 429, "too-many-requests")
        assert int(refused.headers["retry-after"]) >= 1
        assert "in progress" in body["detail"]
        # her validations and writes count against the same share
        validate = client.post("/validate", content=b"", headers={"Content-Type": "text/turtle", **ALICE})
        assert_problem(validate, 429, "too-many-requests")
        # a cached answer is no work: still served
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=ALICE).status_code == 200
        # Bob is not held up by Alice
        other = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, headers=BOB)
        assert other.status_code == 200, other.text
    finally:
        thread.join(timeout=60)
    assert_problem(outcome["response"], 503, "query-timeout")
    # her share is back once the query ended
    again = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 4"}, headers=ALICE)
    assert again.status_code == 200, again.text


def test_x_forwarded_for_is_not_believed_from_an_untrusted_peer(live_server_factory):
    url = live_server_factory(client_max_concurrent=1, query_timeout_s=3, query_workers=2)
    thread, outcome = in_background(lambda: httpx.get(url + "/sparql", params={"query": CARTESIAN}, headers=ALICE, timeout=60))
    time.sleep(0.5)
    try:
        # "Bob" is the same peer (127.0.0.1) as "Alice" here: no share of his own
        refused = httpx.get(url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, headers=BOB, timeout=60)
        assert_problem(refused, 429, "too-many-requests")
    finally:
        thread.join(timeout=60)


def test_after_a_write_identical_concurrent_named_queries_all_succeed_and_run_once(client, server):
    url, app = server
    executor = app.state.ctx.executor
    runs = []
    query = executor.query

    async def counted(*args, **kwargs):
        runs.append(args[0])
        return await query(*args, **kwargs)

    executor.query = counted
    try:
        for round_ in range(2):
            update = f'INSERT DATA {{ GRAPH <http://127.0.0.1:8000/graph/scratch> {{ <urn:x:s> <urn:x:p> "{round_}" }} }}'
            w = client.post("/update", content=update, headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
            assert w.status_code == 204, w.text
            runs.clear()

            async def burst():
                limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
                async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as c:
                    return await asyncio.gather(*(c.get("/queries/organizations", headers=JSON) for _ in range(143)))

            responses = run_in_own_loop(burst())
            statuses = [r.status_code for r in responses]
            assert statuses.count(200) == 143, {s: statuses.count(s) for s in set(statuses)}
            assert len({r.content for r in responses}) == 1
            assert len(runs) == 1, f"the query ran {len(runs)} times"
    finally:
        executor.query = query
