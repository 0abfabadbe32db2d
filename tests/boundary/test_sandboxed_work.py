"""Expensive work on untrusted uploads is bounded, cancelled when its client leaves, and does not starve reads.

An uploaded shapes file may carry SHACL-SPARQL constraints; one cartesian
product over a few hundred triples is minutes of CPU, and ``/validate`` is
anonymous. 41 of them at once is one more than the web stack's thread pool
(40): if they run there, unbounded, nothing else is answered. The other
clients' reads (pages, entities, the graph listing, ASK) must stay under 1 s;
work whose client hung up must stop; and the server must still shut down
promptly on SIGTERM. Fresh servers: these attacks leave a server busy.
"""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
import pytest

from boundary_support import Attack, Probe, alive, ask_fast, descendants, multipart, tree_cpu_share

SH = "http://www.w3.org/ns/shacl#"
UPLOADS = 41
READS = ("/", "/id/org/UNFPA", "/graphs")


def expensive_upload(triples: int = 100) -> tuple[bytes, bytes]:
    data = "".join(f'<http://ex.test/s{i}> <http://ex.test/p> "{i}" .\n' for i in range(triples)).encode()
    # four-way product of the data graph: ~10^8 rows for 100 triples, no result (FILTER(false))
    select = "SELECT $this WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . FILTER(STR(?c) = CONCAT(STR(?f), STR(?i), STR(?l), \"x\")) }"
    shapes = (
        f"@prefix sh: <{SH}> .\n<http://ex.test/S> a sh:NodeShape ; sh:targetNode <http://ex.test/s0> ;\n"
        f'  sh:sparql [ sh:select """{select}""" ] .\n'
    ).encode()
    return data, shapes


def _launch(base: str, count: int, timeout: float) -> list[Attack]:
    data, shapes = expensive_upload()
    return [
        Attack(lambda c: c.post("/validate", files=multipart(data, "data.nt", shapes, "shapes.ttl"), headers={"Accept": "application/json"}), base, timeout=timeout)
        for _ in range(count)
    ]


@pytest.mark.slow
def test_reads_stay_fast_during_41_expensive_uploads(server_factory) -> None:
    server = server_factory()
    attacks = _launch(server.url, UPLOADS, timeout=60)
    time.sleep(2)  # let the uploads arrive and start working
    probe = Probe(server.url, paths=READS)
    probe.sample(count=5, every=0.5)
    probe.assert_fast()
    alive(server)
    # each upload ends with a report or a problem (refused, over its share, stopped), never a 500 or a hang
    deadline = time.monotonic() + 60
    outcomes = [a.wait(max(0.0, deadline - time.monotonic())) for a in attacks]
    hung = sum(1 for o in outcomes if o is None)
    assert hung == 0, f"{hung} of {UPLOADS} uploads were still running after 60 s"
    statuses = sorted({o.response.status_code if o.response is not None else type(o.error).__name__ for o in outcomes if o is not None})
    assert set(statuses) <= {200, 400, 413, 429, 503}, f"upload outcomes: {statuses}"
    ask_fast(server.url)


@pytest.mark.slow
def test_work_stops_when_the_client_hangs_up(server_factory) -> None:
    server = server_factory()
    # one finished upload first: the sandbox keeps a worker forked ahead for the next job, and
    # that idle worker belongs to the baseline, not to the work that must stop
    small = httpx.post(server.url + "/validate", content=b"<http://ex.test/a> <http://ex.test/p> 1 .", headers={"Content-Type": "text/turtle"}, timeout=30)
    assert small.status_code == 200, small.text[:300]
    time.sleep(1)
    baseline_children = len(descendants(server.pid))
    baseline_cpu = tree_cpu_share(server.pid, 1.0)
    attacks = _launch(server.url, 8, timeout=2.0)  # the clients give up after 2 s and close their connections
    for a in attacks:
        a.wait(10)
    deadline = time.monotonic() + 10
    cpu = children = None
    while time.monotonic() < deadline:
        cpu = tree_cpu_share(server.pid, 1.0)
        children = len(descendants(server.pid))
        if cpu < baseline_cpu + 0.2 and children <= baseline_children:
            break
    alive(server)
    assert cpu is not None and cpu < baseline_cpu + 0.2, f"10 s after the clients hung up the server still kept {cpu:.2f} cores busy (baseline {baseline_cpu:.2f})"
    assert children is not None and children <= baseline_children, f"{children} descendant processes, {baseline_children} before the attack"
    ask_fast(server.url)


@pytest.mark.slow
def test_sigterm_during_the_attack_ends_the_server(server_factory) -> None:
    server = server_factory()
    attacks = _launch(server.url, UPLOADS, timeout=30)
    time.sleep(2)
    proc = server.proc
    assert proc is not None
    proc.send_signal(signal.SIGTERM)
    start = time.monotonic()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server was still running 15 s after SIGTERM, during the attack\n{server.why()}")
    assert time.monotonic() - start < 15
    for a in attacks:
        a.wait(5)
