"""The embedded store's query worker processes: same answers, stoppable, self-healing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time

import pyoxigraph as ox
import pytest

from plankg.errors import NotAcceptable, QuerySyntaxError, QueryTimeout, StoreUnavailable
from plankg.store import QueryRequest
from plankg.store.embedded import EmbeddedStore

from own_loop import run_in_own_loop

EX = "http://example.org/"
F = {"select": "json", "ask": "json", "graph": "ntriples"}
COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def quads(n: int) -> list[ox.Quad]:
    return [
        ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)), ox.NamedNode(f"{EX}g{i % 3}"))
        for i in range(n)
    ]


@pytest.fixture
def store():
    s = EmbeddedStore(None, prefixes={"ex": EX})
    s.replace_dataset(quads(300))
    s.start_query_workers(2)
    yield s
    s.close()


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def comparable(response):
    """A graph's triples come in no defined order; everything else must match exactly."""
    body = b"\n".join(sorted(response.body.splitlines())) if response.kind == "graph" else response.body
    return (response.kind, response.format, response.media_type, body, response.rows, response.truncated)


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def count(store: EmbeddedStore) -> bytes:
    return store.query(QueryRequest(COUNT, formats=F, timeout_s=30)).body


def test_workers_answer_exactly_as_in_process():
    plain = EmbeddedStore(None, prefixes={"ex": EX})
    plain.replace_dataset(quads(50))
    queries = [
        "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{EX}g1> {{ ?s ?p ?o }} }}",
        "ASK { ?s ?p \"7\" }",
    ]
    expected = [comparable(plain.query(QueryRequest(q, formats=F))) for q in queries]
    plain.start_query_workers(1)
    try:
        assert [comparable(plain.query(QueryRequest(q, formats=F, timeout_s=30))) for q in queries] == expected
        assert [comparable(run_in_own_loop(lambda: plain.query_async(QueryRequest(q, formats=F, timeout_s=30)))) for q in queries] == expected
    finally:
        plain.close()


def test_domain_errors_cross_the_process_boundary_with_their_members(store):
    with pytest.raises(QuerySyntaxError) as caught:
        store.query(QueryRequest("SELECT * {\n ?s ?p", formats=F, timeout_s=30))
    assert caught.value.line == 2 and caught.value.column is not None
    with pytest.raises(NotAcceptable):
        store.query(QueryRequest("ASK {}", formats={"graph": "turtle"}, timeout_s=30))
    assert b'"300"' in count(store)


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_runaway_query_is_killed_and_replaced(store, use_async):
    zygote, before = store.workers.processes()
    with pytest.raises(QueryTimeout):
        if use_async:
            run_in_own_loop(lambda: store.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=0.5)))
        else:
            store.query(QueryRequest(CARTESIAN, formats=F, timeout_s=0.5))
    _, after = store.workers.processes()
    assert len(after) == 2 and len(set(before) - set(after)) == 1
    (killed,) = set(before) - set(after)
    assert not alive(killed)
    assert b'"300"' in count(store)
    assert store.workers.processes()[0] == zygote


def test_writes_reach_the_workers(store):
    assert b'"300"' in count(store)
    store.replace_dataset(quads(10))
    assert b'"10"' in count(store)
    assert b'"10"' in run_in_own_loop(lambda: store.query_async(QueryRequest(COUNT, formats=F, timeout_s=30))).body
    assert len(store.workers.processes()[1]) == 2


def test_a_steward_change_reaches_the_workers_as_the_change_not_as_a_snapshot(store, monkeypatch):
    snapshots = []
    monkeypatch.setattr(store.workers, "_snapshot", lambda: snapshots.append(1) or b"")
    extra = ox.Quad(ox.NamedNode(f"{EX}new"), ox.NamedNode(f"{EX}p"), ox.Literal("x"), ox.NamedNode(f"{EX}g0"))
    store.apply_changes([quads(300)[0]], [extra])
    assert b'"300"' in count(store)
    ask = "ASK { GRAPH <http://example.org/g0> { <http://example.org/new> ?p ?o } FILTER NOT EXISTS { <http://example.org/s0> ?q ?r } }"
    assert b"true" in store.query(QueryRequest(ask, formats=F)).body
    assert snapshots == []  # the zygote took the update; a snapshot would have emptied it
    assert len(store.workers.processes()[1]) == 2


def _row(n: int) -> ox.Quad:
    return ox.Quad(ox.NamedNode(f"{EX}added{n}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(n)), ox.NamedNode(f"{EX}g0"))


def test_a_small_change_reaches_the_idle_workers_in_place_without_a_fork(store):
    zygote, before = store.workers.processes()
    store.apply_changes([], [_row(1)])
    assert store.workers.processes() == (zygote, before)
    assert b'"301"' in count(store)
    assert b'"301"' in run_in_own_loop(lambda: store.query_async(QueryRequest(COUNT, formats=F, timeout_s=30))).body


def test_a_worker_busy_while_changes_come_takes_them_before_its_next_query(one_worker):
    pool = one_worker.workers
    worker = pool._borrow(5)
    one_worker.apply_changes([], [_row(1)])
    one_worker.apply_changes([], [_row(2)])
    pool._give_back(worker)
    assert pool.processes()[1] == [worker.pid]  # caught up, not replaced
    assert b'"302"' in count(one_worker)


def test_a_worker_that_died_idle_before_a_change_is_replaced_by_one_holding_it(store):
    _, pids = store.workers.processes()
    os.kill(pids[0], signal.SIGKILL)
    store.apply_changes([], [_row(1)])

    async def both_workers_asked() -> list[bytes]:
        # the change is sent ahead to the idle workers, not waited for: a dead one is found by the
        # first query that meets it (its socket reset), which then goes to a fresh fork
        answers = await asyncio.gather(*(store.query_async(QueryRequest(COUNT, formats=F, timeout_s=30)) for _ in range(4)))
        return [a.body for a in answers]

    assert all(b'"301"' in body for body in run_in_own_loop(both_workers_asked))
    assert pids[0] not in store.workers.processes()[1]
    for _ in range(4):
        assert b'"301"' in count(store)


def test_the_data_version_changes_once_the_workers_hold_the_change_not_before(store, monkeypatch):
    # queries go on while a change reaches the workers; the service caches an answer under the
    # version it read first, so an answer from before the change must not carry the new version
    before = store.version
    seen = []
    real = store.workers.apply
    monkeypatch.setattr(store.workers, "apply", lambda update: (seen.append(store.version), real(update)))
    store.apply_changes([], [_row(1)])
    assert seen == [before]
    assert store.version != before


def test_a_change_sent_ahead_is_read_by_the_worker_before_the_next_query(store):
    pool = store.workers
    store.apply_changes([], [_row(1)])
    store.apply_changes([], [_row(2)])
    idle = pool._idle.idle_workers()
    assert idle and all(worker.unacked and worker.version == pool._version for worker in idle)
    assert b'"302"' in run_in_own_loop(lambda: store.query_async(QueryRequest(COUNT, formats=F, timeout_s=30))).body


def test_a_large_change_reaches_the_workers_as_fresh_forks(store, monkeypatch):
    from plankg.store import workers

    monkeypatch.setattr(workers, "IN_PLACE_CHARS", 10)
    _, before = store.workers.processes()
    store.apply_changes([], [_row(1)])
    assert not set(before) & set(store.workers.processes()[1])
    assert b'"301"' in count(store)


def test_workers_that_took_enough_changes_in_place_are_replaced_off_the_write_path(store, monkeypatch):
    from plankg.store import workers

    _, before = store.workers.processes()
    store.apply_changes([], [_row(1)])
    assert store.workers.processes()[1] == before
    size = len(store.workers._changes[-1][1])
    monkeypatch.setattr(workers, "IN_PLACE_CHARS", size + size // 2)  # the second change wears them out
    store.apply_changes([], [_row(2)])
    for _ in range(1000):  # bounded: 10 s
        if not set(before) & set(store.workers.processes()[1]):
            break
        time.sleep(0.01)
    assert not set(before) & set(store.workers.processes()[1])
    assert b'"302"' in count(store)


def test_a_change_with_blank_nodes_reloads_the_snapshot_so_the_workers_keep_the_servers_labels(store):
    snapshots = []
    real = store.workers._snapshot
    store.workers._snapshot = lambda: snapshots.append(1) or real()
    card = ox.Quad(ox.NamedNode(f"{EX}person"), ox.NamedNode(f"{EX}card"), ox.BlankNode("c1"), ox.NamedNode(f"{EX}g9"))
    store.apply_changes([], [card])
    assert snapshots == [1]
    label = store.quads(f"{EX}g9")[0].object.value
    assert f"_:{label}".encode() in store.query(QueryRequest("SELECT ?c { GRAPH ?g { ?s <http://example.org/card> ?c } }", formats={"select": "tsv"})).body


def test_a_zygote_that_refuses_a_change_reloads_the_whole_snapshot(store):
    pool = store.workers
    pool.apply("INSERT DATA { <http://example.org/a> <http://example.org/p> ")  # not an update: refused
    assert b'"300"' in count(store)
    store.apply_changes([], [ox.Quad(ox.NamedNode(f"{EX}b"), ox.NamedNode(f"{EX}p"), ox.Literal("y"))])
    assert b'"301"' in count(store)


def test_a_worker_that_died_idle_is_replaced_without_failing_the_query(store):
    _, pids = store.workers.processes()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    assert b'"300"' in count(store)
    assert b'"300"' in count(store)
    assert set(pids) - set(store.workers.processes()[1])  # the one it met was replaced


def test_a_worker_that_dies_during_a_query_is_a_503_and_replaced(store):
    outcome: dict = {}

    def run() -> None:
        try:
            store.query(QueryRequest(CARTESIAN, formats=F, timeout_s=60))
        except Exception as exc:  # noqa: BLE001 - the assertion below says which
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    _, pids = store.workers.processes()
    busy: list[int] = []
    for _ in range(2000):  # until one worker has spent CPU on the query (bounded: 20 s)
        busy = [pid for pid in pids if cpu_ticks(pid) > 30]
        if busy:
            break
        threading.Event().wait(0.01)
    assert busy
    os.kill(busy[0], signal.SIGKILL)
    thread.join(timeout=60)
    assert isinstance(outcome.get("error"), StoreUnavailable)
    assert b'"300"' in count(store)


def test_the_zygote_is_restarted_when_it_dies(store):
    zygote, workers = store.workers.processes()
    os.kill(zygote, signal.SIGKILL)
    # the kill is asynchronous, and its workers die with it a moment later (parent-death signal):
    # queries sent before then are answered by them, and nothing needs restarting yet
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in [zygote, *workers]) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert b'"300"' in count(store)
    assert b'"300"' in count(store)
    new_zygote, workers = store.workers.processes()
    assert new_zygote != zygote and len(workers) >= 1


def test_close_ends_every_process():
    s = EmbeddedStore(None)
    s.replace_dataset(quads(5))
    s.start_query_workers(2)
    zygote, workers = s.workers.processes()
    s.close()
    assert not any(alive(pid) for pid in [zygote, *workers])


def test_writes_during_concurrent_queries_keep_the_worker_count(store):
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                assert b'"n"' in count(store)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for t in readers:
        t.start()
    for n in range(5, 30, 5):
        store.replace_dataset(quads(n))
    stop.set()
    for t in readers:
        t.join(timeout=60)
    assert not errors
    assert b'"25"' in count(store)
    zygote, workers = store.workers.processes()
    assert len(workers) == 2 and all(alive(pid) for pid in workers)


# ---------------------------------------------------------------- waiting for a worker on the event loop
@pytest.fixture
def one_worker():
    s = EmbeddedStore(None)
    s.replace_dataset(quads(300))
    s.start_query_workers(1)
    yield s
    s.close()


def test_async_callers_take_turns_on_a_single_worker(one_worker):
    async def many():
        return await asyncio.gather(*(one_worker.query_async(QueryRequest(COUNT, formats=F, timeout_s=30)) for _ in range(12)))

    answers = run_in_own_loop(many)
    assert len(answers) == 12 and all(b'"300"' in a.body for a in answers)
    assert len(one_worker.workers.processes()[1]) == 1
    assert b'"300"' in count(one_worker)  # the worker is back in the pool for a plain caller too


def test_a_caller_that_gives_up_waiting_leaves_no_worker_behind(one_worker):
    async def scenario():
        runaway = asyncio.create_task(one_worker.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=1.5)))
        await asyncio.sleep(0.3)  # the runaway holds the only worker
        waiting = asyncio.create_task(one_worker.query_async(QueryRequest(COUNT, formats=F, timeout_s=30)))
        await asyncio.sleep(0.1)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        with pytest.raises(StoreUnavailable, match="busy"):
            await one_worker.query_async(QueryRequest(COUNT, formats=F, timeout_s=0.3))  # still busy: gives up in time
        with pytest.raises(QueryTimeout):
            await runaway
        return await one_worker.query_async(QueryRequest(COUNT, formats=F, timeout_s=5))

    assert b'"300"' in run_in_own_loop(scenario).body
    assert len(one_worker.workers.processes()[1]) == 1


def test_closing_the_store_wakes_async_callers_waiting_for_a_worker():
    s = EmbeddedStore(None)
    s.replace_dataset(quads(300))
    s.start_query_workers(1)

    async def scenario():
        runaway = asyncio.create_task(s.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=30)))
        await asyncio.sleep(0.3)
        waiting = asyncio.create_task(s.query_async(QueryRequest(COUNT, formats=F, timeout_s=30)))
        await asyncio.sleep(0.1)
        await asyncio.to_thread(s.close)
        with pytest.raises(StoreUnavailable, match="shutting down"):
            await asyncio.wait_for(waiting, 5)
        runaway.cancel()
        await asyncio.gather(runaway, return_exceptions=True)

    run_in_own_loop(scenario)


# ---------------------------------------------------------------- an on-disk store: no copy in the server, start in the background
BLANK = ox.Quad(ox.BlankNode("kept"), ox.NamedNode(f"{EX}p"), ox.Literal("b"), ox.NamedNode(f"{EX}g0"))


@pytest.fixture
def disk_path(tmp_path):
    path = tmp_path / "store"
    s = EmbeddedStore(path, prefixes={"ex": EX})
    s.replace_dataset([*quads(300), BLANK])
    s.close()
    return path


def checkpoints_gone(disk_path, within_s: float = 10.0) -> bool:
    """The zygote removes a checkpoint once the workers that read it are gone (it reaps them each second)."""
    deadline = time.monotonic() + within_s
    while list(disk_path.parent.glob(f".{disk_path.name}.load-*")):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_disk_store_reads_its_disk_and_keeps_no_copy_in_memory(disk_path):
    s = EmbeddedStore(disk_path)
    try:
        assert not s.is_empty() and len(s) == 301
        assert BLANK in s.quads(f"{EX}g0")
        assert set(s.quads()) == set(quads(300)) | {BLANK}
        s.start_query_workers(1)
        s.apply_changes([], quads(302)[301:])
        assert len(s) == 302 and b'"302"' in count(s)
        assert s._replica is None  # the zygote holds the one copy in memory
    finally:
        s.close()


def test_the_zygote_copies_a_checkpoint_of_the_disk_and_removes_it(disk_path, monkeypatch):
    s = EmbeddedStore(disk_path)
    made = []
    real = s._checkpoint
    s._checkpoint = lambda: made.append(real()) or made[-1]  # type: ignore[method-assign]
    monkeypatch.setattr(s, "_snapshot", lambda: pytest.fail("the zygote loaded a dump, not the checkpoint"))
    try:
        s.start_query_workers(1)
        assert made and made[0] is not None
        assert b'"301"' in count(s)
        # the blank node keeps the disk's label in the zygote's copy: a write prepared there names it
        labels = run_in_own_loop(lambda: s.query_async(QueryRequest(f"SELECT ?b {{ ?b <{EX}p> \"b\" }}", formats=F, timeout_s=30))).body
        assert b"kept" in labels
        assert checkpoints_gone(disk_path) and not os.path.exists(made[0])
    finally:
        s.close()


def test_the_first_workers_answer_from_the_checkpoint_then_workers_holding_the_copy_replace_them(disk_path, monkeypatch):
    from plankg.store.workers import WorkerPool

    s = EmbeddedStore(disk_path)
    first: set[int] = set()
    on_disk: list[bytes] = []
    real = WorkerPool._call_releasing

    def before_the_copy(pool, message):
        first.update(pool._live)
        on_disk.append(count(s))  # answered by a worker that opened the checkpoint
        return real(pool, message)

    monkeypatch.setattr(WorkerPool, "_call_releasing", before_the_copy)
    try:
        s.start_query_workers(2)
        assert len(first) == 2 and len(on_disk) == 1 and b'"301"' in on_disk[0]
        assert s._started.done()
        assert b'"301"' in count(s)
        later = set(s.workers.processes()[1])
        assert len(later) == 2 and not later & first
        s.apply_changes([], quads(302)[301:])  # a write after the switch reaches the copy in memory
        assert b'"302"' in count(s)
        assert checkpoints_gone(disk_path)
    finally:
        s.close()


def test_the_workers_holding_the_copy_are_forked_after_the_warm_up_with_its_objects_frozen(disk_path, tmp_path):
    # a warm-up after their fork writes into pages the zygote shares with them, and each such
    # page is copied: the workers holding the data must come from the zygote as it is once warm
    from plankg.store.workers import WorkerOptions, WorkerPool

    disk = ox.Store(str(disk_path))
    made: list[str] = []

    def checkpoint() -> str:
        made.append(str(tmp_path / f"checkpoint-{len(made)}"))
        disk.backup(made[-1])
        return made[-1]

    ready: list[bool] = []
    pool = WorkerPool(
        2, prefixes={}, snapshot=lambda: pytest.fail("the zygote loaded a dump"), checkpoint=checkpoint,
        answer="sandbox_jobs:answer_warm", options=WorkerOptions(warm=("sandbox_jobs:mark_warm", ())),
    )
    try:
        pool.start(ready=lambda: ready.append(True))
        assert ready
        answers = {pool.query("ASK {}", {}, 30).body for _ in range(4)}
        assert answers == {b"warm=True frozen=True quads=301"}
    finally:
        pool.close()


def test_a_write_asked_while_the_zygote_copies_waits_for_the_copy_and_reaches_it(disk_path):
    s = EmbeddedStore(disk_path)
    try:
        s.start_query_workers(2, wait=False)
        s.apply_changes([], quads(302)[301:])  # waits for the write lock, which the start holds until the copy is made
        assert s._started.done()
        assert b'"302"' in count(s)
    finally:
        s.close()


def test_without_a_checkpoint_the_zygote_loads_a_dump(disk_path):
    s = EmbeddedStore(disk_path)
    s._checkpoint = lambda: None  # type: ignore[method-assign]
    try:
        s.start_query_workers(1)
        assert b'"301"' in count(s)
    finally:
        s.close()


@pytest.mark.parametrize("wait", [True, False], ids=["inline", "background"])
def test_workers_started_on_a_disk_store_answer_from_its_data(disk_path, wait):
    s = EmbeddedStore(disk_path)
    try:
        s.start_query_workers(2, wait=wait)
        assert b'"301"' in count(s)
        assert b'"301"' in run_in_own_loop(lambda: s.query_async(QueryRequest(COUNT, formats=F, timeout_s=30))).body
        assert len(s.workers.processes()[1]) == 2
        assert BLANK in s.quads(f"{EX}g0")
    finally:
        s.close()


def test_a_write_during_a_background_start_reaches_the_workers(disk_path):
    s = EmbeddedStore(disk_path)
    try:
        s.start_query_workers(2, wait=False)
        s.replace_dataset(quads(7))
        assert b'"7"' in count(s)
        s.start_query_workers(2)
        assert b'"7"' in count(s)
        assert len(s.workers.processes()[1]) == 2
    finally:
        s.close()


def test_closing_during_a_background_start_ends_every_process(disk_path, monkeypatch):
    from plankg.store.workers import WorkerPool

    started: list = []
    start = WorkerPool.start

    def recording(self, *args, **kwargs):
        start(self, *args, **kwargs)
        started.append(self.processes())

    monkeypatch.setattr(WorkerPool, "start", recording)
    s = EmbeddedStore(disk_path)
    s.start_query_workers(2, wait=False)
    s.close()  # waits for the start, then stops what it started
    assert s.workers is None
    ((zygote, workers),) = started
    assert len(workers) == 2 and not any(alive(pid) for pid in [zygote, *workers])


# ---------------------------------------------------------------- the fast lane
def _lane_store():
    from plankg.store.workers import WorkerOptions

    s = EmbeddedStore(None, prefixes={"ex": EX})
    s.replace_dataset(quads(300))
    s.start_query_workers(1, options=WorkerOptions(fast_lane=1, fast_lane_timeout_s=1.0))
    return s


def test_a_cheap_query_from_a_client_allowed_the_fast_lane_is_answered_while_the_regular_worker_is_busy():
    store = _lane_store()
    try:
        async def scenario():
            runaway = asyncio.ensure_future(store.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=5)))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            answer = await store.query_async(QueryRequest(COUNT, formats=F, timeout_s=5), fast_lane=True)
            waited = time.monotonic() - started
            with pytest.raises(QueryTimeout):
                await runaway
            return answer, waited

        answer, waited = run_in_own_loop(scenario)
        assert b"300" in answer.body
        assert waited < 1.0
    finally:
        store.close()


def test_a_client_not_allowed_the_fast_lane_waits_for_a_regular_worker():
    store = _lane_store()
    try:
        async def scenario():
            runaway = asyncio.ensure_future(store.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=2)))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            await store.query_async(QueryRequest(COUNT, formats=F, timeout_s=5), fast_lane=False)
            waited = time.monotonic() - started
            with pytest.raises(QueryTimeout):
                await runaway
            return waited

        assert run_in_own_loop(scenario) > 1.0
    finally:
        store.close()


def test_an_expensive_query_in_the_fast_lane_is_stopped_at_the_lane_deadline_and_says_why():
    store = _lane_store()
    try:
        async def scenario():
            runaway = asyncio.ensure_future(store.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=5)))
            await asyncio.sleep(0.3)
            started = time.monotonic()
            with pytest.raises(QueryTimeout, match="fast lane"):
                await store.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=5), fast_lane=True)
            stopped = time.monotonic() - started
            with pytest.raises(QueryTimeout):
                await runaway
            return stopped

        assert run_in_own_loop(scenario) < 3.0
    finally:
        store.close()


def test_callers_waiting_for_either_lane_are_served_in_the_order_they_came():
    store = _lane_store()
    try:
        async def scenario():
            runaway = asyncio.ensure_future(store.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=5)))
            await asyncio.sleep(0.3)
            served: list[int] = []

            async def cheap(n: int) -> None:
                await store.query_async(QueryRequest(COUNT, formats=F, timeout_s=5), fast_lane=True)
                served.append(n)

            callers = []
            for n in range(8):
                callers.append(asyncio.ensure_future(cheap(n)))
                await asyncio.sleep(0.002)  # each in line before the next comes
            await asyncio.gather(*callers)
            with pytest.raises(QueryTimeout):
                await runaway
            return served

        assert run_in_own_loop(scenario) == list(range(8))
    finally:
        store.close()


def test_a_long_query_runs_at_a_lower_cpu_priority_and_its_worker_comes_back_at_the_normal_one():
    from plankg.store.workers import WorkerOptions

    store = EmbeddedStore(None, prefixes={"ex": EX})
    store.replace_dataset(quads(300))
    store.start_query_workers(1, options=WorkerOptions(demote_after_s=0.2, demoted_nice=7))
    try:
        (pid,) = store.workers.processes()[1]

        async def scenario():
            runaway = asyncio.ensure_future(store.query_async(QueryRequest(CARTESIAN, formats=F, timeout_s=1.5)))
            await asyncio.sleep(0.6)
            during = os.getpriority(os.PRIO_PROCESS, pid)
            with pytest.raises(QueryTimeout):
                await runaway
            cheap = await store.query_async(QueryRequest(COUNT, formats=F, timeout_s=5))
            return during, cheap

        during, cheap = run_in_own_loop(scenario)
        assert during == 7
        assert b'"300"' in cheap.body
        assert all(os.getpriority(os.PRIO_PROCESS, p) == 0 for p in store.workers.processes()[1])
    finally:
        store.close()


def test_a_worn_worker_busy_when_its_successor_is_forked_is_replaced_by_it_when_it_comes_back(one_worker, monkeypatch):
    from plankg.store import workers

    pool = one_worker.workers
    (first,) = pool.processes()[1]
    one_worker.apply_changes([], [_row(1)])
    size = len(pool._changes[-1][1])
    monkeypatch.setattr(workers, "IN_PLACE_CHARS", size + size // 2)  # the second change wears it out
    worker = pool._borrow(5)
    one_worker.apply_changes([], [_row(2)])
    with pool._control_lock:  # the refresh's fork waits until the worker is busy again
        assert pool._give_back_at_once(worker)  # takes the change it missed, and goes on answering
        assert pool._borrow(5) is worker
    for _ in range(1000):  # bounded: 10 s
        if "regular" in pool._standby:
            break
        time.sleep(0.01)
    standby = pool._standby["regular"]
    assert pool._give_back_at_once(worker)
    assert "regular" not in pool._standby and pool.processes()[1] == [standby.pid] and standby.pid != first
    assert b'"302"' in count(one_worker)


def test_a_worker_handed_back_untouched_after_a_change_takes_it_before_its_next_query(one_worker):
    # a caller handed a worker gives up before sending its query (cancelled, timed out): a change
    # that came meanwhile reached the idle workers only, so the worker must catch up on its way back
    pool = one_worker.workers
    worker = pool._borrow(5)
    one_worker.apply_changes([], [_row(1)])
    pool._idle.give_back_untouched(worker)
    assert b'"301"' in count(one_worker)


def test_a_worker_handed_back_untouched_after_a_reload_is_replaced_by_one_holding_the_new_data(one_worker):
    pool = one_worker.workers
    worker = pool._borrow(5)
    one_worker.replace_dataset(quads(5))
    pool._idle.give_back_untouched(worker)
    assert b'"5"' in count(one_worker)
    assert pool.processes()[1] and worker.pid not in pool.processes()[1]


def _big_row(n: int) -> ox.Quad:
    # a change under IN_PLACE_CHARS, sent to the workers in place; thirty fill a socket's buffer
    return ox.Quad(ox.NamedNode(f"{EX}big{n}"), ox.NamedNode(f"{EX}p"), ox.Literal("x" * 12_000), ox.NamedNode(f"{EX}g0"))


def test_giving_back_a_worker_that_does_not_read_the_changes_it_missed_never_blocks(one_worker):
    # the event loop gives a worker back at once, writing the changes it missed to its socket: a
    # worker alive but not reading (stopped here; in life, still running earlier changes) must not
    # hold the loop until it reads
    pool = one_worker.workers
    worker = pool._borrow(5)
    for n in range(30):
        one_worker.apply_changes([], [_big_row(n)])
    os.kill(worker.pid, signal.SIGSTOP)
    done = threading.Event()

    def give_back() -> None:
        if not pool._give_back_at_once(worker):
            pool._give_back_later(worker)
        done.set()

    try:
        threading.Thread(target=give_back, daemon=True).start()
        assert done.wait(10)
    finally:
        with contextlib.suppress(ProcessLookupError):  # replaced meanwhile
            os.kill(worker.pid, signal.SIGCONT)
    assert b'"330"' in count(one_worker)


def test_a_change_never_waits_for_an_idle_worker_that_does_not_read(one_worker, monkeypatch):
    # changes are written to the idle workers' sockets under the idle lock, which the event loop
    # takes to hand out workers: a worker alive but not reading must not hold it (nor the writes)
    from plankg.store import workers

    monkeypatch.setattr(workers, "IN_PLACE_CHARS", 10**9)  # never worn: not replaced for that
    pool = one_worker.workers
    (pid,) = pool.processes()[1]
    os.kill(pid, signal.SIGSTOP)
    done = threading.Event()

    def writes() -> None:
        for n in range(30):
            one_worker.apply_changes([], [_big_row(n)])
        done.set()

    try:
        threading.Thread(target=writes, daemon=True).start()
        assert done.wait(30)
    finally:
        with contextlib.suppress(ProcessLookupError):  # replaced meanwhile
            os.kill(pid, signal.SIGCONT)
    assert b'"330"' in count(one_worker)


def test_a_standby_gone_when_a_change_comes_is_killed_off_the_idle_lock(one_worker, monkeypatch):
    # the idle lock is never held while the zygote is talked to (a kill can restart it, reloading
    # the data): the event loop takes it to hand out and give back workers
    pool = one_worker.workers
    with pool._control_lock:
        standby = pool._fork("regular")
    pool._standby["regular"] = standby
    os.kill(standby.pid, signal.SIGKILL)
    for _ in range(1000):  # bounded: 10 s
        if not alive(standby.pid):
            break
        time.sleep(0.01)
    held = []
    real = pool._call

    def call(message, *args, **kwargs):
        held.append((message[0], pool._idle_lock._is_owned()))
        return real(message, *args, **kwargs)

    monkeypatch.setattr(pool, "_call", call)
    one_worker.apply_changes([], [_row(1)])
    assert "regular" not in pool._standby
    assert ("kill", False) in held and ("kill", True) not in held
