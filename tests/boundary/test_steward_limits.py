"""A steward's token is not a licence to exhaust the server or wipe the built graphs.

- An update whose text nests 20,000 ``!`` is refused before the parser recurses.
- An update whose WHERE runs forever is stopped at the time limit (503) and
  releases the write lock, so the next writer succeeds; reads stay fast meanwhile.
- Wiping a built graph (``CLEAR ALL``, ``DROP ALL``, emptying ``graph/plan``,
  ``graph/ontology`` or ``graph/registry``, ``DELETE /graphs``, a ``PUT`` that
  replaces the registry with nothing) is 403 for a steward; an admin must
  confirm it (``?confirm=<graph IRI>``, ``confirm=all`` for the dataset), else 428.
"""

from __future__ import annotations

import httpx
import pytest

from boundary_support import (
    ADMIN,
    GRAPH_ONTOLOGY,
    GRAPH_PLAN,
    GRAPH_REGISTRY,
    STEWARD,
    Attack,
    B,
    Probe,
    alive,
    ask_fast,
    assert_problem,
    dump_hash,
    finished,
)

UPDATE_TYPE = "application/sparql-update"
SCRATCH = B + "graph/boundary-scratch"


def _update(server, text: str, auth: dict, params: dict | None = None, timeout: float = 30) -> httpx.Response:
    with server.client(timeout=timeout) as client:
        return client.post("/update", content=text.encode(), params=params or {}, headers={**auth, "Content-Type": UPDATE_TYPE, "Accept": "application/json"})


def _small_insert(n: int) -> str:
    return f'INSERT DATA {{ GRAPH <{SCRATCH}> {{ <{B}id/boundary/{n}> <http://www.w3.org/2000/01/rdf-schema#comment> "x{n}" }} }}'


def test_update_with_20000_nots_is_refused(pool) -> None:
    server = pool.get()
    before = dump_hash(server.url)
    text = f"INSERT {{ GRAPH <{SCRATCH}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o FILTER(" + "!" * 20_000 + "true) }"
    try:
        try:
            r = _update(server, text, STEWARD)
        except httpx.TransportError as exc:
            pytest.fail(f"the connection was dropped ({type(exc).__name__}): the server crashed?\n{server.why()}")
        alive(server)
        assert_problem(r, 400)
        assert dump_hash(server.url) == before
        ask_fast(server.url)
    finally:
        pool.settle(before)


@pytest.mark.slow
def test_expensive_update_is_stopped_at_the_time_limit(server_factory) -> None:
    # an update's candidate runs in the sandbox, under the sandbox's time limit
    server = server_factory(PLANKG_QUERY_TIMEOUT_S=3, PLANKG_JOB_TIMEOUT_S=3)
    before = dump_hash(server.url)
    expensive = (
        f"INSERT {{ GRAPH <{SCRATCH}> {{ <{B}id/boundary/n> <http://www.w3.org/2000/01/rdf-schema#comment> ?n }} }} "
        # an update's default graph is the store's own, which the build leaves empty: name the graphs
        "WHERE { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } GRAPH ?z { ?g ?h ?i } } }"
    )
    attack = Attack(lambda c: c.post("/update", content=expensive.encode(), headers={**STEWARD, "Content-Type": UPDATE_TYPE}), server.url, timeout=40)
    probe = Probe(server.url, paths=("/id/org/UNFPA",))
    probe.sample(count=8, every=0.4, attack=attack)
    probe.assert_fast()
    r = finished(attack, 20, server)
    assert_problem(r, 503)
    assert dump_hash(server.url) == before, "the stopped update changed the data"
    second = _update(server, _small_insert(2), STEWARD, timeout=15)
    assert second.status_code in (200, 204), f"the next writer after a stopped update: {second.status_code} {second.text[:300]}"
    alive(server)


DESTRUCTIVE_UPDATES = {
    "clear-all": ("CLEAR ALL", "all"),
    "drop-all": ("DROP ALL", "all"),
    "clear-named": ("CLEAR NAMED", "all"),
    "clear-default-and-built": (f"CLEAR DEFAULT ; CLEAR GRAPH <{GRAPH_ONTOLOGY}> ; CLEAR GRAPH <{GRAPH_PLAN}> ; CLEAR GRAPH <{GRAPH_REGISTRY}>", "all"),
    "delete-all-ontology": (f"DELETE WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}", GRAPH_ONTOLOGY),
    "delete-all-plan": (f"DELETE WHERE {{ GRAPH <{GRAPH_PLAN}> {{ ?s ?p ?o }} }}", GRAPH_PLAN),
    "delete-all-registry": (f"DELETE WHERE {{ GRAPH <{GRAPH_REGISTRY}> {{ ?s ?p ?o }} }}", GRAPH_REGISTRY),
    "drop-plan": (f"DROP GRAPH <{GRAPH_PLAN}>", GRAPH_PLAN),
    "delete-any-graph": ("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }", "all"),
}

GRAPH_STORE_WRITES = {
    "delete-plan": ("DELETE", GRAPH_PLAN, None),
    "delete-registry": ("DELETE", GRAPH_REGISTRY, None),
    "put-empty-registry": ("PUT", GRAPH_REGISTRY, b""),
    "put-one-triple-registry": ("PUT", GRAPH_REGISTRY, f'<{B}id/boundary/only> <http://www.w3.org/2000/01/rdf-schema#comment> "the only one" .'.encode()),
    "put-one-triple-ontology": ("PUT", GRAPH_ONTOLOGY, f'<{B}id/boundary/only> <http://www.w3.org/2000/01/rdf-schema#comment> "the only one" .'.encode()),
}


def _graph_write(server, method: str, graph: str, body: bytes | None, auth: dict, confirm: str | None = None) -> httpx.Response:
    params = {"graph": graph}
    if confirm is not None:
        params["confirm"] = confirm
    headers = {**auth, "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "text/turtle"
    with server.client(timeout=60) as client:
        return client.request(method, "/graphs", params=params, content=body, headers=headers)


def _refused(pool, send, status: int, slug: str) -> None:
    server = pool.get()
    before = dump_hash(server.url)
    try:
        r = send(server)
        assert_problem(r, status, slug)
        assert dump_hash(server.url) == before, "the refused write changed the data"
        alive(server)
    finally:
        pool.settle(before)


@pytest.mark.parametrize("name", list(DESTRUCTIVE_UPDATES))
def test_destructive_update_forbidden_for_a_steward(pool, name: str) -> None:
    text, _ = DESTRUCTIVE_UPDATES[name]
    _refused(pool, lambda s: _update(s, text, STEWARD, timeout=60), 403, "forbidden")


@pytest.mark.parametrize("name", list(GRAPH_STORE_WRITES))
def test_destructive_graph_write_forbidden_for_a_steward(pool, name: str) -> None:
    method, graph, body = GRAPH_STORE_WRITES[name]
    _refused(pool, lambda s: _graph_write(s, method, graph, body, STEWARD), 403, "forbidden")


@pytest.mark.parametrize("name", list(DESTRUCTIVE_UPDATES))
def test_destructive_update_needs_confirmation_from_an_admin(pool, name: str) -> None:
    text, _ = DESTRUCTIVE_UPDATES[name]
    _refused(pool, lambda s: _update(s, text, ADMIN, timeout=60), 428, "confirmation-required")


@pytest.mark.parametrize("name", list(GRAPH_STORE_WRITES))
def test_destructive_graph_write_needs_confirmation_from_an_admin(pool, name: str) -> None:
    method, graph, body = GRAPH_STORE_WRITES[name]
    _refused(pool, lambda s: _graph_write(s, method, graph, body, ADMIN), 428, "confirmation-required")


def test_wrong_confirmation_is_not_enough(pool) -> None:
    _refused(pool, lambda s: _graph_write(s, "DELETE", GRAPH_PLAN, None, ADMIN, confirm=GRAPH_REGISTRY), 428, "confirmation-required")
    _refused(pool, lambda s: _update(s, "DROP ALL", ADMIN, {"confirm": GRAPH_PLAN}), 428, "confirmation-required")


@pytest.mark.parametrize("name", ["drop-all", "delete-all-plan"])
def test_confirmed_update_by_an_admin_is_accepted(server_factory, name: str) -> None:
    server = server_factory()
    before = dump_hash(server.url)
    text, confirm = DESTRUCTIVE_UPDATES[name]
    r = _update(server, text, ADMIN, {"confirm": confirm}, timeout=60)
    assert r.status_code in (200, 204), f"{r.status_code}: {r.text[:300]}"
    assert dump_hash(server.url) != before
    alive(server)


def test_confirmed_graph_delete_by_an_admin_is_accepted(server_factory) -> None:
    server = server_factory()
    before = dump_hash(server.url)
    r = _graph_write(server, "DELETE", GRAPH_PLAN, None, ADMIN, confirm=GRAPH_PLAN)
    assert r.status_code in (200, 204), f"{r.status_code}: {r.text[:300]}"
    assert dump_hash(server.url) != before
    alive(server)


def test_ordinary_steward_write_still_works(pool) -> None:
    server = pool.get()
    r = _update(server, _small_insert(1), STEWARD)
    assert r.status_code in (200, 204), f"{r.status_code}: {r.text[:300]}"
    pool.discard()
