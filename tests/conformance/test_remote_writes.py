"""Writes through several plankg front-ends on one engine (``plankg.store.engine_commit``).

Each test writes under a base IRI of its own, so the engines the session shares
keep the built graph untouched. "Front-ends" here are RemoteStore objects (one
per front-end process in production); tests/conformance/test_remote_frontends.py
runs real servers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

import pyoxigraph as ox
import pytest

from plankg.errors import WriteConflict
from plankg.namespaces import GRAPH_CHANGES, Namespaces
from plankg.store import engine_commit
from plankg.store.remote import RemoteStore
from plankg.writes import WritePipeline

import engines

pytestmark = pytest.mark.remote
P = ox.NamedNode("urn:x:p")


@pytest.fixture
def base() -> str:
    return f"http://w{uuid.uuid4().hex[:10]}.invalid/kg/"


@pytest.fixture
def front_end(engine, tmp_path, base):
    """A new front-end's store over the engine, writing under ``base``."""
    made: list[RemoteStore] = []

    def make(**overrides) -> RemoteStore:
        store = RemoteStore(engines.settings_for(engine, tmp_path, base_iri=base, **overrides))
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def quads(graph: str, tag: str, n: int = 3) -> list[ox.Quad]:
    g = ox.NamedNode(graph)
    return [ox.Quad(ox.NamedNode(f"urn:x:{tag}:{i}"), P, ox.Literal(f"{tag} {i} 中文"), g) for i in range(n)]


def write(store: RemoteStore, removed=(), added=(), **kw) -> None:
    store.begin_write()
    store.apply_changes(list(removed), list(added), **kw)


def state(store: RemoteStore) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return store._state()


def test_a_write_through_one_front_end_is_seen_by_the_next_read_through_another(front_end, base):
    a, b = front_end(), front_end()
    graph = Namespaces(base).graph("notes")
    before = b.version

    write(a, added=quads(graph, "one"))

    assert b.version != before  # no probe interval to wait for: the version lives in the engine
    assert set(b.quads(graph)) == set(quads(graph, "one"))


def test_a_write_prepared_against_an_older_version_is_refused_and_changes_nothing(front_end, base):
    a, b = front_end(), front_end()
    graph = Namespaces(base).graph("notes")
    write(a, added=quads(graph, "first"))
    a.begin_write()
    write(b, added=quads(graph, "second"))
    version = b.version

    with pytest.raises(WriteConflict):
        a.apply_changes([], quads(graph, "late"))

    assert set(b.quads(graph)) == set(quads(graph, "first")) | set(quads(graph, "second"))
    assert b.version == version
    assert state(b)[1] == ()  # no claim left behind


def test_simultaneous_writes_to_one_graph_never_both_commit(front_end, base):
    graph = Namespaces(base).graph("contested")
    write(front_end(), added=quads(graph, "seed", 1))
    committed: list[str] = []
    refused = 0
    for round_ in range(12):
        stores = [front_end(), front_end()]
        for store in stores:
            store.begin_write()  # both prepared against the same version
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def go(store: RemoteStore, tag: str) -> None:
            barrier.wait()
            try:
                store.apply_changes([], quads(graph, tag))
                outcomes[tag] = "committed"
            except WriteConflict:
                outcomes[tag] = "conflict"

        tags = [f"r{round_}a", f"r{round_}b"]
        threads = [threading.Thread(target=go, args=(s, t)) for s, t in zip(stores, tags, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert sorted(outcomes) == sorted(tags)
        assert list(outcomes.values()).count("committed") <= 1, outcomes
        committed += [t for t, o in outcomes.items() if o == "committed"]
        refused += list(outcomes.values()).count("conflict")

    held = set(front_end().quads(graph))
    expected = set(quads(graph, "seed", 1)).union(*(set(quads(graph, t)) for t in committed))
    assert held == expected  # every committed write whole, nothing of a refused one
    assert refused >= 12  # every round had a loser
    assert state(front_end())[1] == ()


def test_a_large_write_with_blank_nodes_lands_whole_and_leaves_no_staging(front_end, base):
    store = front_end()
    graph = Namespaces(base).graph("large")
    g = ox.NamedNode(graph)
    data = quads(graph, "big", engine_commit.INLINE_LIMIT * 3)
    node = ox.BlankNode()
    data += [ox.Quad(ox.NamedNode("urn:x:list"), P, node, g), ox.Quad(node, P, ox.Literal("in a blank node"), g)]

    write(store, added=data)

    held = store.quads(graph)
    assert len(held) == len(data)
    assert sum(isinstance(q.object, ox.BlankNode) for q in held) == 1
    staged = store.select(
        f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), {ox.Literal(base + 'meta/stage/')})) }} LIMIT 1"
    )
    assert staged == []


def test_removing_blank_node_triples_keeps_the_rest_of_the_graph(front_end, base):
    store = front_end()
    graph = Namespaces(base).graph("blank")
    g = ox.NamedNode(graph)
    node = ox.BlankNode()
    keep = quads(graph, "keep")
    write(store, added=[*keep, ox.Quad(ox.NamedNode("urn:x:s"), P, node, g), ox.Quad(node, P, ox.Literal("x"), g)])
    store.begin_write()
    doomed = [q for q in store.quads(graph) if isinstance(q.object, ox.BlankNode)]

    store.apply_changes(doomed, [])

    held = store.quads(graph)
    assert set(keep) <= set(held)
    assert len(held) == len(keep) + 1  # the blank node's own triple stays
    assert not any(isinstance(q.object, ox.BlankNode) for q in held)


def test_replace_dataset_switches_readers_from_the_old_data_to_the_new_at_once(front_end, base):
    store, reader = front_end(), front_end()
    graph = Namespaces(base).graph("plan")
    old, new = quads(graph, "old", 40), quads(graph, "new", engine_commit.INLINE_LIMIT * 2)
    store.replace_dataset(old)
    seen: set[int] = set()
    stop = threading.Event()

    def read() -> None:
        text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"
        while not stop.is_set():
            seen.add(int(reader.select(text)[0]["n"].value))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        store.replace_dataset(new)
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=60)

    assert seen <= {len(old), len(new)}, sorted(seen)
    assert set(reader.quads(graph)) == set(new)


def test_the_pipeline_validates_and_records_the_change_in_the_engine(front_end, base, make_settings):
    store = front_end()
    settings = make_settings(base_iri=base)
    graph = Namespaces(base).graph("notes")
    pipeline = WritePipeline(settings, store)
    body = quads(graph, "logged", 2)

    outcome = pipeline.post_graph(graph, [ox.Quad(q.subject, q.predicate, q.object) for q in body], agent="tester")

    assert outcome.committed
    log = front_end().quads(Namespaces(base).graph(GRAPH_CHANGES))
    assert ox.NamedNode(outcome.activity) in {q.subject for q in log}
    assert set(front_end().quads(graph)) == set(body)


def test_a_dead_front_ends_claim_is_broken_after_the_lease(front_end, base):
    store = front_end()
    graph = Namespaces(base).graph("notes")
    write(store, added=quads(graph, "before"))
    versions, _ = state(store)
    store._run("claim", expected=ox.Literal(versions[0]), claim=ox.Literal(f"dead@{time.time() - 3600:.3f}"))
    fresh = front_end()

    write(fresh, added=quads(graph, "after"))

    assert set(quads(graph, "after")) <= set(fresh.quads(graph))
    assert state(fresh)[1] == ()


_KILLED_WRITER = textwrap.dedent(
    """
    import sys
    import pyoxigraph as ox
    from plankg.settings import Settings
    from plankg.store.remote import RemoteStore

    query, update, base, n = sys.argv[1:5]
    store = RemoteStore(Settings(store="remote", remote_query_url=query, remote_update_url=update, base_iri=base))
    g = ox.NamedNode(base + "graph/killed")
    data = [ox.Quad(ox.NamedNode(f"urn:x:k{i}"), ox.NamedNode("urn:x:p"), ox.Literal(str(i)), g) for i in range(int(n))]
    print("ready", flush=True)
    store.begin_write()
    store.apply_changes([], data)
    print("done", flush=True)
    """
)


@pytest.mark.slow
def test_a_front_end_killed_mid_write_leaves_all_or_nothing(engine, front_end, base):
    n = engine_commit.INLINE_LIMIT * 6
    graph = base + "graph/killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    outcomes = []
    for delay in (0.05, 0.3, 0.8, 1.5):
        reader = front_end()
        reader._lease_s = 0.0  # the victims are dead: any claim left is stale
        reader.begin_write()  # breaks a claim the previous victim left
        if reader.holds_graph(graph):
            write(reader, drop_graphs=[graph])
        process = subprocess.Popen(
            [sys.executable, "-c", _KILLED_WRITER, engine.query_url, engine.update_url, base, str(n)],
            stdout=subprocess.PIPE, env=env, start_new_session=True,
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
        held = len(front_end().quads(graph))
        assert held in (0, n), f"{held} of {n} triples after a kill at {delay} s"
        outcomes.append(held)
    survivor = front_end()
    survivor._lease_s = 0.0
    write(survivor, added=quads(base + "graph/other", "after"))  # a claim a victim left does not block writes
    assert state(survivor)[1] == ()
    assert len(outcomes) == 4
