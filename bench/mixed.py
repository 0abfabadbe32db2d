"""Cheap queries under mixed load (issue 17, item 6): p99 < 100 ms at plan size.

    python -m bench.mixed [--tree /path/to/other/checkout --tree .] [--seconds 20]

``plankg serve`` on a copy of the plan-size store (``bench.scale`` makes it), then, at
once and for ``--seconds``: 16 readers looping a tiny new query (a new comment each
time, so no cache answers it), 2 clients looping a query that runs to the time limit
(``PLANKG_QUERY_TIMEOUT_S``, 2 s here), and a steward writing 100 triples every
second. Each client binds its own loopback address (127.0.0.x), so the service's
per-client fairness sees 19 clients, as it would in production. Reported: p50/p99 of
the readers' answers, the statuses every kind of request got, the writes' latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

from bench.scale import TOKEN, WORK, B, Contender, data_for, master_store

ROOT = Path(__file__).resolve().parents[1]
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def drive(base: str, seconds: float) -> dict:
    import httpx

    stop = time.monotonic() + seconds
    cheap: list[float] = []
    statuses: dict[str, dict[str, int]] = {"cheap": {}, "heavy": {}, "write": {}}
    writes: list[float] = []

    def note(kind: str, status: int) -> None:
        statuses[kind][str(status)] = statuses[kind].get(str(status), 0) + 1

    def client(address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base, timeout=30, transport=httpx.AsyncHTTPTransport(local_address=address))

    async def reader(i: int) -> None:
        async with client(f"127.0.0.{10 + i}") as c:
            n = 0
            while time.monotonic() < stop:
                n += 1
                t = time.perf_counter()
                r = await c.get("/sparql", params={"query": f"{CHEAP}\n# {i}-{n}"}, headers={"Accept": "application/sparql-results+json"})
                cheap.append(time.perf_counter() - t)
                note("cheap", r.status_code)

    async def heavy(i: int) -> None:
        async with client(f"127.0.1.{1 + i}") as c:
            n = 0
            while time.monotonic() < stop:
                n += 1
                r = await c.get("/sparql", params={"query": f"{HEAVY}\n# {i}-{n}"})
                note("heavy", r.status_code)

    async def writer() -> None:
        async with client("127.0.2.1") as c:
            n = 0
            while time.monotonic() < stop:
                n += 1
                triples = " ".join(f'<urn:bench:m{n}-{i}> <urn:bench:says> "{i}" .' for i in range(100))
                t = time.perf_counter()
                r = await c.post("/update", content=f"INSERT DATA {{ GRAPH <{B}graph/bench-mixed> {{ {triples} }} }}",
                                 headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
                writes.append(time.perf_counter() - t)
                note("write", r.status_code)
                await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - t)))

    await asyncio.gather(*(reader(i) for i in range(16)), *(heavy(i) for i in range(2)), writer())
    return {
        "cheap_n": len(cheap), "cheap_p50_ms": _pct(cheap, 0.5) * 1000, "cheap_p99_ms": _pct(cheap, 0.99) * 1000,
        "cheap_max_ms": max(cheap) * 1000, "write_p50_s": statistics.median(writes) if writes else None,
        "statuses": statuses, "seconds": seconds,
    }


def one(tree: Path, master: Path, seconds: float) -> dict:
    rundir = WORK / "mixed-run"
    shutil.rmtree(rundir, ignore_errors=True)
    rundir.mkdir(parents=True)
    shutil.copytree(master, rundir / "store")
    server = Contender(f"plankg ({tree.name})", rundir / "store", tree)
    server.extra_env = {"PLANKG_QUERY_TIMEOUT_S": "2"}
    try:
        server.launch()
        while server.ask("ASK {}") is None:
            if server.proc.poll() is not None:
                raise RuntimeError(server.log_tail())
            time.sleep(0.02)
        load = os.getloadavg()[0]
        out = asyncio.run(drive(server.base, seconds))
        out["load_before"] = round(load, 2)
        return out
    finally:
        server.stop()
        shutil.rmtree(rundir, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", type=Path, action="append")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "mixed.json")
    args = p.parse_args()
    master = master_store("plan", data_for("plan", 7))
    results = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "trees": {}}
    for tree in [t.resolve() for t in (args.tree or [ROOT])]:
        results["trees"][tree.name] = one(tree, master, args.seconds)
        print(tree.name, json.dumps(results["trees"][tree.name]), flush=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    sys.exit(main())
