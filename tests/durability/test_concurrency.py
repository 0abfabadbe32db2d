"""Many writers and readers at once against a real server process: no half-applied write is ever seen."""

from __future__ import annotations

import statistics
import threading
import time
from urllib.parse import quote

import httpx
import pytest

B = "http://127.0.0.1:8000/"
G_PAIRS = B + "graph/pairs"
WRITERS, WRITES_EACH, READERS = 8, 10, 16
COUNT_PAIRS = """SELECT (COUNT(?l) AS ?left) (COUNT(?r) AS ?right) WHERE {
  { ?s <urn:x:left> ?l } UNION { ?s <urn:x:right> ?r } }"""

pytestmark = pytest.mark.slow


def test_concurrent_writers_and_readers_never_see_half_a_write(server):
    """Each write adds a pair of triples; every read must count as many lefts as rights."""
    process = server()
    headers = {"Content-Type": "application/sparql-update", **process.auth}
    done = threading.Event()
    failures: list[str] = []
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        with httpx.Client(base_url=process.url, timeout=300) as client:
            for i in range(WRITES_EACH):
                s = f"<urn:x:pair/{w}/{i}>"
                update = f"INSERT DATA {{ GRAPH <{G_PAIRS}> {{ {s} <urn:x:left> {i} . {s} <urn:x:right> {i} }} }}"
                r = client.post("/update", content=update, headers=headers)
                if r.status_code != 204:
                    failures.append(f"write {w}/{i}: {r.status_code} {r.text[:200]}")

    def reader() -> None:
        last = 0
        with httpx.Client(base_url=process.url, timeout=120) as client:
            while not done.is_set():
                r = client.get("/sparql", params={"query": COUNT_PAIRS})
                if r.status_code != 200:
                    failures.append(f"read: {r.status_code} {r.text[:200]}")
                    continue
                row = r.json()["results"]["bindings"][0]
                left, right = int(row["left"]["value"]), int(row["right"]["value"])
                with lock:
                    seen.append((left, right))
                if left != right:
                    failures.append(f"half a write: {left} lefts, {right} rights")
                if left < last:
                    failures.append(f"went back in time: {left} after {last}")
                last = left

    readers = [threading.Thread(target=reader) for _ in range(READERS)]
    writers = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    for t in readers:
        t.join()

    assert failures == []
    with process.client() as client:
        row = client.get("/sparql", params={"query": COUNT_PAIRS}).json()["results"]["bindings"][0]
        assert int(row["left"]["value"]) == int(row["right"]["value"]) == WRITERS * WRITES_EACH
    # the readers saw the data grow while it was being written, not just before and after
    assert len({left for left, _ in seen}) > 2


def test_reads_keep_being_served_during_a_long_write(server):
    process = server()
    body = "".join(f'<urn:x:big/{i}> <urn:x:value> "{i}" .\n' for i in range(50_000)).encode()
    write_done = threading.Event()
    answer: dict = {}

    def write() -> None:
        with httpx.Client(base_url=process.url, timeout=600) as client:
            started = time.monotonic()
            answer["status"] = client.put("/graphs?graph=" + quote(B + "graph/big", safe=""), content=body,
                                          headers={"Content-Type": "text/turtle", **process.auth}).status_code
            answer["seconds"] = time.monotonic() - started
        write_done.set()

    latencies: list[float] = []
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?area a <http://127.0.0.1:8000/ontology#ImpactArea> }"
    with process.client() as client:
        client.get("/sparql", params={"query": query})  # warm
        thread = threading.Thread(target=write)
        thread.start()
        while not write_done.is_set():
            started = time.monotonic()
            r = client.get("/sparql", params={"query": query})
            assert r.status_code == 200, r.text
            latencies.append(time.monotonic() - started)
            time.sleep(0.02)
        thread.join()
    assert answer["status"] == 201
    print(
        f"write of 50k triples: {answer['seconds']:.1f} s; {len(latencies)} reads meanwhile, "
        f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )
    # reads went on while the write ran: many answered, none waited for the whole write
    assert len(latencies) >= 10
    assert max(latencies) < answer["seconds"] / 2
