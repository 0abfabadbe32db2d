"""The trace behind ``bench.mixed --trace``: a query's waits and the pool's spans, written when asked."""

from __future__ import annotations

import json

import pyoxigraph as ox

from plankg.store import QueryRequest
from plankg.store import trace as tracing
from plankg.store.embedded import EmbeddedStore
from plankg.store.workers import WorkerOptions

from own_loop import run_in_own_loop

EX = "http://example.org/"
F = {"select": "json", "ask": "json", "graph": "ntriples"}


def test_a_traced_query_records_its_wait_the_workers_own_times_and_the_pools_spans(tmp_path):
    trace = tracing.Trace(tmp_path / "trace.jsonl")
    store = EmbeddedStore(None)
    store.replace_dataset([ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"))])
    store.start_query_workers(1, options=WorkerOptions(trace=trace))
    try:
        record: dict = {}

        async def traced_request():
            token = tracing.current.set(record)  # as service.tracing does for an HTTP request
            try:
                return await store.query_async(QueryRequest("SELECT * { ?s ?p ?o }", formats=F, timeout_s=10))
            finally:
                tracing.current.reset(token)

        answer = run_in_own_loop(traced_request)
        assert b"http://example.org/s" in answer.body  # the worker's times do not reach the answer
        assert record["q_in"] <= record["q_worker"] <= record["w_recv"] <= record["w_done"] <= record["q_reply"]
        assert record["lane"] == "regular" and record["w_cpu"] >= 0
    finally:
        store.close()
    trace.write()
    lines = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    assert {"span", "lag"} <= {line["kind"] for line in lines}
    assert any(line["kind"] == "span" and line["what"] == "zygote" and line["command"] == "fork" for line in lines)


def test_an_untraced_pool_sends_the_worker_no_trace_request():
    store = EmbeddedStore(None)
    store.replace_dataset([ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"))])
    store.start_query_workers(1)
    try:
        assert store.workers.options.trace is None
        assert store.workers._traced_query() is None
        assert b"http://example.org/s" in run_in_own_loop(lambda: store.query_async(QueryRequest("SELECT * { ?s ?p ?o }", formats=F, timeout_s=10))).body
    finally:
        store.close()


def test_a_trace_keeps_at_most_its_cap_of_records_and_lag_samples_and_says_how_many_it_dropped(tmp_path, monkeypatch):
    # a traced server left running must not grow without bound: every request adds a record, the
    # lag sampler one sample each few milliseconds, all kept in memory until the server stops
    import asyncio

    monkeypatch.setattr(tracing, "MAX_RECORDS", 3, raising=False)
    monkeypatch.setattr(tracing, "MAX_LAG_SAMPLES", 2, raising=False)
    trace = tracing.Trace(tmp_path / "trace.jsonl")
    for n in range(5):
        trace.note("request", n=n)

    async def sample() -> None:
        await asyncio.wait_for(trace.sample_lag(), timeout=10)  # ends by itself once full

    run_in_own_loop(sample)
    trace.write()
    lines = [json.loads(line) for line in (tmp_path / "trace.jsonl").read_text().splitlines()]
    assert [line["n"] for line in lines if line["kind"] == "request"] == [0, 1, 2]
    (lag,) = [line for line in lines if line["kind"] == "lag"]
    assert len(lag["samples"]) == 2
    assert lag["dropped_records"] == 2
