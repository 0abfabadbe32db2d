"""Cheap queries under mixed load (issue 17, item 6): p99 < 100 ms at plan size.

    python -m bench.mixed [--tree /path/to/other/checkout --tree .] [--seconds 20] [--runs 2] [--readers wrk]

``plankg serve`` on a copy of the plan-size store (``bench.scale`` makes it), then, at
once and for ``--seconds``: 16 readers looping a tiny new query (a new comment each
time, so no cache answers it), 2 clients looping a query that runs to the time limit
(``PLANKG_QUERY_TIMEOUT_S``, 2 s here), and a steward writing 100 triples every
second. Every client is a client of its own to the service's per-client fairness, as
it would be in production: the readers are wrk's 16 connections (one per wrk thread),
each naming its own address in ``X-Forwarded-For`` (the server trusts the loopback
address as a proxy for this run); the heavy clients and the writer bind their own
loopback addresses (127.0.1.x, 127.0.2.1). ``--readers python`` keeps the readers as
Python clients too (19 Python clients on the server's cores: their own CPU shows in
the latencies). Reported: p50/p99 of the readers' answers, the statuses every kind of
request got, the writes' latency, the 1-minute load average.

With several ``--tree`` the runs are interleaved (tree A, tree B, tree A, …), so load
on the shared machine hits each alike. The clock starts once the server has answered a
dry-run write and a search (its start-up's imports and index made); ``--cold`` starts it
right after the workers answered, as runs before 2026-12-06 did.

``--trace``: the server writes a trace of every request and of what the worker pool did
(``PLANKG_TRACE_FILE``, ``plankg.store.trace``); each run's summary goes in the results
under ``trace`` and the slowest 1 % of cheap queries, each with its breakdown, in
``--tail-out`` (``bench.mixed_trace`` says what the fields mean).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.scale import TOKEN, WORK, B, Contender, data_for, fetch, master_store

ROOT = Path(__file__).resolve().parents[1]
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CHEAP = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
READERS = 16

# one wrk thread per reader, each with one connection and an address of its own
READERS_LUA = r"""
local next_id = 1
function setup(thread)
  thread:set("reader", next_id)
  next_id = next_id + 1
end

local n = 0
local statuses = {}
function request()
  n = n + 1
  return wrk.format("GET", wrk.path .. "%0A%23" .. reader .. "-" .. n, { ["X-Forwarded-For"] = "10.0.0." .. reader })
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format(
    '\nWRKJSON {"requests": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "status_errors": %d, "timeout": %d, "socket_errors": %d}\n',
    summary.requests, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    summary.errors.status, summary.errors.timeout, summary.errors.connect + summary.errors.read + summary.errors.write))
end
"""


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _wrk_readers(base: str, seconds: float) -> dict:
    import urllib.parse

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(READERS_LUA)
    url = base + "/sparql?" + urllib.parse.urlencode({"query": CHEAP})
    try:
        proc = await asyncio.create_subprocess_exec(
            "wrk", f"-t{READERS}", f"-c{READERS}", f"-d{int(seconds)}s", "--timeout", "30s",
            "-H", "Accept: application/sparql-results+json", "-s", script.name, url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
    finally:
        os.unlink(script.name)
    line = next((ln for ln in out.decode().splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {err.decode()[-500:]} {out.decode()[-500:]}")
    found = json.loads(line[len("WRKJSON "):])
    return {
        "cheap_n": found["requests"], "cheap_p50_ms": found["p50_us"] / 1000, "cheap_p90_ms": found["p90_us"] / 1000,
        "cheap_p99_ms": found["p99_us"] / 1000, "cheap_max_ms": found["max_us"] / 1000,
        "cheap_not_2xx": found["status_errors"], "cheap_timeouts": found["timeout"], "cheap_socket_errors": found["socket_errors"],
    }


async def drive(base: str, seconds: float, readers: str) -> dict:
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

    others = [*(heavy(i) for i in range(2)), writer()]
    if readers == "wrk":
        found, *_ = await asyncio.gather(_wrk_readers(base, seconds), *others)
        statuses["cheap"] = {"not 2xx": found["cheap_not_2xx"], "timeouts": found["cheap_timeouts"], "socket errors": found["cheap_socket_errors"]}
        out = dict(found)
    else:
        await asyncio.gather(*(reader(i) for i in range(READERS)), *others)
        out = {"cheap_n": len(cheap), "cheap_p50_ms": _pct(cheap, 0.5) * 1000, "cheap_p90_ms": _pct(cheap, 0.9) * 1000,  # type: ignore[operator]
               "cheap_p99_ms": _pct(cheap, 0.99) * 1000, "cheap_max_ms": max(cheap) * 1000}  # type: ignore[operator]
    out.update({
        "write_p50_s": statistics.median(writes) if writes else None, "write_max_s": max(writes) if writes else None,
        "statuses": statuses, "seconds": seconds, "readers": readers,
    })
    return out


def one(tree: Path, master: Path, seconds: float, readers: str, trace: Path | None = None, cold: bool = False) -> dict:
    rundir = WORK / f"mixed-run-{os.getpid()}"  # bench/work is shared: two runs at once must not meet
    shutil.rmtree(rundir, ignore_errors=True)
    rundir.mkdir(parents=True)
    shutil.copytree(master, rundir / "store")
    server = Contender(f"plankg ({tree.name})", rundir / "store", tree)
    server.extra_env = {"PLANKG_QUERY_TIMEOUT_S": "2"}
    if readers == "wrk":
        server.extra_env["PLANKG_TRUSTED_PROXIES"] = "127.0.0.1"
    if trace is not None:
        trace.unlink(missing_ok=True)
        server.extra_env["PLANKG_TRACE_FILE"] = str(trace)
    try:
        server.launch()
        while server.ask("ASK {}") is None:
            if server.proc.poll() is not None:
                raise RuntimeError(server.log_tail())
            time.sleep(0.02)
        for i in range(20):  # every worker has answered once
            server.ask(f"ASK {{ ?s ?p ?o }} # warm {i}")
        if not cold:
            # the clock starts on a server past its start-up: a write (a dry run: nothing changes) and a
            # search have been answered, so the late routes, the search index and the write path's
            # imports are made, and the run measures the steady mix, not the first write after a start
            fetch(server.base + "/update?dry-run=true", data=b"INSERT DATA { <urn:bench:warm> <urn:bench:says> 'w' }",
                  headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}, timeout=120)
            fetch(server.base + "/search?q=women", timeout=120)
            time.sleep(1.0)
        load = os.getloadavg()[0]
        out = asyncio.run(drive(server.base, seconds, readers))
        out["load_before"] = round(load, 2)
        out["load_after"] = round(os.getloadavg()[0], 2)
        return out
    finally:
        server.stop()
        shutil.rmtree(rundir, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", type=Path, action="append")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--runs", type=int, default=1, help="runs per tree, interleaved")
    p.add_argument("--readers", choices=("wrk", "python"), default="wrk")
    p.add_argument("--cold", action="store_true", help="start the clock right after the workers answered (before: the "
                   "first write and search after the start, with their imports and index, fall in the run)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "mixed.json")
    p.add_argument("--trace", action="store_true", help="the server traces every request (bench.mixed_trace): "
                   "a summary per run in the results, the slowest 1 %% of cheap queries in --tail-out")
    p.add_argument("--tail-out", type=Path, default=ROOT / "bench" / "results" / "mixed-trace-tail.jsonl")
    p.add_argument("--keep-traces", type=Path, help="keep the servers' whole traces in this directory")
    args = p.parse_args()
    if args.readers == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian package wrk); or run with --readers python")
    master = master_store("plan", data_for("plan", 7))
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    labels = {tree: (tree.name if [t.name for t in trees].count(tree.name) == 1 else str(tree)) for tree in trees}
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "readers": args.readers, "runs": {labels[t]: [] for t in trees}}
    if args.trace:
        from bench import mixed_trace

        args.tail_out.unlink(missing_ok=True)
        traces = args.keep_traces or Path(tempfile.mkdtemp(prefix="plankg-mixed-trace-"))
        traces.mkdir(parents=True, exist_ok=True)
    for n in range(args.runs):
        for tree in trees:
            trace = traces / f"{labels[tree].replace('/', '_')}-{n}.jsonl" if args.trace else None
            found = one(tree, master, args.seconds, args.readers, trace, args.cold)
            if trace is not None:
                if not trace.exists():
                    raise RuntimeError(f"{tree} wrote no trace: a tree without the setting trace_file?")
                found["trace"] = mixed_trace.summarize(trace, cheap_clients="10.0.0." if args.readers == "wrk" else "127.0.0.",
                                                       tail_out=args.tail_out, label=f"{labels[tree]} {n}")
                if args.keep_traces is None:
                    trace.unlink()
            results["runs"][labels[tree]].append(found)
            print(labels[tree], n, json.dumps(found), flush=True)
    results["median"] = {
        label: {k: statistics.median([r[k] for r in rs]) for k in ("cheap_p50_ms", "cheap_p99_ms", "cheap_max_ms", "write_p50_s", "load_before")}
        for label, rs in results["runs"].items()
    }
    if args.trace and args.keep_traces is None:
        shutil.rmtree(traces, ignore_errors=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results["median"], indent=1))


if __name__ == "__main__":
    sys.exit(main())
