"""The sandbox: jobs on untrusted input run in a worker of their own, under limits, and end with it."""

from __future__ import annotations

import asyncio
import os
import time

import pyoxigraph as ox
import pytest

from plankg.errors import (
    BadRequest,
    ParameterError,
    ResourceLimitExceeded,
    StoreUnavailable,
    WorkTimeout,
)
from plankg.store import QueryRequest
from plankg.store.embedded import EmbeddedStore
from plankg.store.workers import WorkerOptions

from own_loop import run_in_own_loop
from tcp_listener import Listener
from test_workers import alive

EX = "http://example.org/"
JOBS = "sandbox_jobs"


@pytest.fixture
def store():
    s = EmbeddedStore(None, prefixes={"ex": EX})
    s.replace_dataset([ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i))) for i in range(50)])
    s.start_query_workers(1, options=WorkerOptions(job_slots=2, job_memory_bytes=256 << 20))
    yield s
    s.close()


def run(store, name: str, *args, timeout: float = 10.0):
    return run_in_own_loop(store.sandbox().run_job(f"{JOBS}:{name}", args, timeout))


def test_a_job_sees_the_stored_data(store):
    assert run(store, "count_quads") == 50


def test_a_job_that_changes_its_copy_changes_nothing_else(store):
    assert run(store, "mutate") == 51
    assert run(store, "count_quads") == 50
    assert len(store) == 50


def test_a_domain_error_in_a_job_reaches_the_caller_as_itself(store):
    with pytest.raises(ParameterError, match="no such thing"):
        run(store, "refuse", "no such thing")


def test_a_native_crash_ends_the_job_worker_only(store):
    with pytest.raises(ResourceLimitExceeded):
        run(store, "crash")
    assert run(store, "count_quads") == 50  # the pool goes on


def test_deep_python_recursion_is_refused_not_fatal(store):
    with pytest.raises(Exception) as caught:
        run(store, "recurse")
    assert type(caught.value).__name__ in ("InputTooComplex", "ResourceLimitExceeded")


def test_memory_past_the_ceiling_stops_the_job(store):
    with pytest.raises(ResourceLimitExceeded):
        run(store, "allocate", 2048)
    assert run(store, "allocate", 16) == 16


def test_a_job_past_its_time_limit_is_killed(store, tmp_path):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(WorkTimeout):
        run(store, "spin", str(pid_file), timeout=1.0)
    assert time.monotonic() - started < 5
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_cancelling_the_caller_kills_the_job_worker(store, tmp_path):
    pid_file = tmp_path / "pid"

    async def scenario() -> None:
        task = asyncio.ensure_future(store.sandbox().run_job(f"{JOBS}:spin", (str(pid_file),), 30))
        for _ in range(200):
            await asyncio.sleep(0.02)
            if pid_file.exists() and pid_file.read_text():
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run_in_own_loop(scenario())
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_jobs_beyond_the_slots_wait_then_are_refused(store, tmp_path):
    async def scenario() -> None:
        spinners = [
            asyncio.ensure_future(store.sandbox().run_job(f"{JOBS}:spin", (str(tmp_path / f"p{i}"),), 3)) for i in range(2)
        ]
        await asyncio.sleep(0.3)
        with pytest.raises(StoreUnavailable):
            await store.sandbox().run_job(f"{JOBS}:count_quads", (), 0.5)
        for task in spinners:
            with pytest.raises(WorkTimeout):
                await task

    run_in_own_loop(scenario())


def test_an_unexpected_error_in_a_job_says_nothing_of_it(store):
    with pytest.raises(BadRequest) as caught:
        run(store, "unexpected")
    assert "secret" not in caught.value.detail


def test_a_job_cannot_open_a_network_connection(store):
    listener = Listener()
    try:
        assert run(store, "connect", listener.port) != "connected"
        listener.assert_untouched()
    finally:
        listener.close()


def test_the_workers_report_the_isolation_they_got(store):
    assert store.workers.isolation, "no isolation layer applied on this kernel"


def test_workers_without_the_network_still_talk_to_the_server_over_unix_sockets(store):
    from plankg.store.results import QueryResponse

    answer = store.query(QueryRequest("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", formats={"select": "json"}, timeout_s=5))
    assert isinstance(answer, QueryResponse) and b"50" in answer.body
    assert os.getpid() != store.workers.processes()[0]
