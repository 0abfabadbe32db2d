"""plankg front-ends over a shared engine: throughput of one and two front-ends, and a stale-read check.

For each engine (``oxigraph serve``, Virtuoso), loaded with the built plan by its
own bulk loader, measured in the same run:

* the engine's own SPARQL endpoint with the workload's SPARQL (the peer);
* one plankg front-end (``/sparql`` and the named queries ``/queries/…``);
* two front-ends, each driven by its own wrk with half the connections.

Then a mixed run across the two front-ends: a writer PUTs a counter graph
through A and B in turn; readers read it through the other front-end. A read
that *starts* after a write was acknowledged and returns an older value is a
stale read; the run counts them (must be zero).

    python -m bench.remote_frontends [--seconds 10] [--mixed-seconds 60] [--clients 8]

Writes ``bench/results/remote-frontends.md`` (``--out`` to change).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench import contenders
from bench.loadgen import have_wrk, run_wrk
from bench.workload import requests_for

TOKEN = "bench-steward-token-0123456789"
COUNTER = "urn:x:bench:counter"


def _front_end(workdir: Path, engine, label: str):
    """``plankg serve``'s app under uvicorn, on the engine, with an update URL and a write token."""
    env = {"PLANKG_REMOTE_UPDATE_URL": engine.update_url, "PLANKG_WRITE_TOKENS": f"bench:{TOKEN}"}
    return contenders.plankg_service(workdir, remote_url=engine.query_url, label=label, env=env)


def _wrk_pair(targets, requests, route, path_of, clients, seconds, script_dir):
    """Run one wrk per target at once; the summed throughput and the worst p99."""
    results: dict[int, object] = {}

    def go(i, base):
        results[i] = run_wrk(base, requests, route, path_of(base), clients=clients, seconds=seconds, script_dir=script_dir / str(i))

    threads = [threading.Thread(target=go, args=(i, b)) for i, b in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rps = sum(r.rps for r in results.values())
    p99 = max(r.p99_ms for r in results.values())
    errors = sum(r.errors for r in results.values())
    return rps, p99, errors


def mixed_run(base_a: str, base_b: str, graph: str, seconds: float) -> dict:
    """Writes through A and B in turn, reads through both; stale reads counted."""
    acknowledged = 0  # the highest counter a PUT was answered 2xx for
    lock = threading.Lock()
    stop = threading.Event()
    stats = {"writes": 0, "conflicts": 0, "write_errors": 0, "reads": 0, "stale": 0, "read_errors": 0}
    latencies: list[float] = []
    query = f"SELECT ?v WHERE {{ GRAPH <{graph}> {{ <{COUNTER}> <{COUNTER}> ?v }} }}"

    def writer():
        nonlocal acknowledged
        clients = [httpx.Client(base_url=b, timeout=120) for b in (base_a, base_b)]
        k = 0
        try:
            while not stop.is_set():
                k += 1
                body = f"<{COUNTER}> <{COUNTER}> {k} .\n"
                began = time.perf_counter()
                r = clients[k % 2].put(
                    "/graphs", params={"graph": graph}, content=body,
                    headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
                )
                if r.status_code in (201, 204):
                    with lock:
                        acknowledged = max(acknowledged, k)
                    latencies.append(time.perf_counter() - began)
                    stats["writes"] += 1
                elif r.status_code == 409:
                    stats["conflicts"] += 1
                else:
                    stats["write_errors"] += 1
                    stats.setdefault("first_write_error", f"{r.status_code} {r.text[:300]}")
        finally:
            for c in clients:
                c.close()

    def reader(base):
        with httpx.Client(base_url=base, timeout=120) as client:
            while not stop.is_set():
                with lock:
                    floor = acknowledged  # a read that starts now must see at least this
                r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"})
                if r.status_code != 200:
                    stats["read_errors"] += 1
                    continue
                rows = r.json()["results"]["bindings"]
                value = max((int(row["v"]["value"]) for row in rows), default=0)
                stats["reads"] += 1
                if value < floor:
                    stats["stale"] += 1

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader, args=(b,)) for b in (base_a, base_b, base_a, base_b)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=300)
    stats["seconds"] = seconds
    latencies.sort()
    stats["write_p50_s"] = latencies[len(latencies) // 2] if latencies else float("nan")
    return stats


def measure(engine_name: str, start, nquads: Path, requests, args, workdir: Path) -> dict:
    engine = start(workdir / engine_name, nquads)
    fronts = []
    try:
        out: dict = {"engine": engine_name}
        engine_base = engine.query_url.rsplit("/", 1)[0]
        engine_path = "/" + engine.query_url.rsplit("/", 1)[1]
        out["engine_sparql"] = run_wrk(engine_base, requests, "sparql", engine_path, clients=args.clients, seconds=args.seconds, script_dir=workdir / "wrk" / engine_name)
        for i in range(2):
            fronts.append(_front_end(workdir / f"{engine_name}-fe{i}", engine, f"{engine_name}-fe{i}"))
        bases = [f.query_url.rsplit("/", 1)[0] for f in fronts]
        for route in ("sparql", "named"):
            one = run_wrk(bases[0], requests, route, "/sparql", clients=args.clients, seconds=args.seconds, script_dir=workdir / "wrk" / f"{engine_name}-1-{route}")
            out[f"one_{route}"] = (one.rps, one.p99_ms, one.errors)
            out[f"two_{route}"] = _wrk_pair(bases, requests, route, lambda b: "/sparql", max(1, args.clients // 2), args.seconds, workdir / "wrk" / f"{engine_name}-2-{route}")
        out["mixed"] = mixed_run(bases[0], bases[1], "http://127.0.0.1:8000/graph/bench-counter", args.mixed_seconds)
        return out
    finally:
        for f in fronts:
            f.stop()
        engine.stop()


def report(results: list[dict], args, notes: list[str]) -> str:
    lines = [
        "# plankg front-ends over a shared engine",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} ({os.cpu_count()} cores, "
        f"**shared with ~7 other engineers' test runs**: figures vary between runs; compare within a table only). "
        f"`python -m bench.remote_frontends --seconds {args.seconds} --mixed-seconds {args.mixed_seconds} --clients {args.clients}`; "
        f"wrk, {args.clients} connections in all (two front-ends: {max(1, args.clients // 2)} each), the workload of `bench.workload` "
        "(every named SELECT/ASK query with its example; the same questions as SPARQL for /sparql and the engine).",
        "",
        "| engine | engine's own endpoint | 1 front-end /sparql | 2 front-ends /sparql | 1 front-end /queries | 2 front-ends /queries |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        e = r["engine_sparql"]

        def cell(v):
            rps, p99, errors = v
            return f"{rps:.0f} req/s (p99 {p99:.0f} ms{', ' + str(errors) + ' errors' if errors else ''})"

        lines.append(
            f"| {r['engine']} | {e.rps:.0f} req/s (p99 {e.p99_ms:.0f} ms) | {cell(r['one_sparql'])} | {cell(r['two_sparql'])} | "
            f"{cell(r['one_named'])} | {cell(r['two_named'])} |"
        )
    lines += ["", "## Mixed read/write across two front-ends", "",
              "| engine | seconds | writes acknowledged | write p50 | 409 conflicts | reads | stale reads | errors (write/read) |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        m = r["mixed"]
        lines.append(f"| {r['engine']} | {m['seconds']:g} | {m['writes']} | {m['write_p50_s']:.1f} s | {m['conflicts']} | {m['reads']} | **{m['stale']}** | {m['write_errors']}/{m['read_errors']} |")
    for r in results:
        if r["mixed"].get("first_write_error"):
            lines.append(f"\n{r['engine']}: first failed write: `{r['mixed']['first_write_error']}`")
    lines += ["", "A stale read: a read that started after a write was acknowledged (through either front-end) and "
              "answered an older counter. Reads go through both front-ends while the writer alternates between them.", ""]
    if notes:
        lines += ["Workload notes:", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--mixed-seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--engines", default="oxigraph,virtuoso")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "remote-frontends.md")
    args = parser.parse_args(argv)
    if not have_wrk():
        print("wrk is not installed", file=sys.stderr)
        return 2
    from plankg.build import build
    from plankg.settings import Settings

    with tempfile.TemporaryDirectory(prefix="plankg-remote-bench-") as tmp:
        workdir = Path(tmp)
        settings = Settings(store_path=workdir / "built" / "store", dist_dir=workdir / "built" / "dist")
        built = build(settings, None, validate=False)
        nquads = next(p for p in built.outputs if p.name == "plankg.nq")
        requests, notes = requests_for(settings, built.quads)
        # the engine's own endpoint answers the workload's questions over all of plankg's graphs, as plankg does
        starts = {
            "oxigraph": lambda w, n: contenders.engines.start_oxigraph(w, n, union_default_graph=True),
            "virtuoso": contenders.engines.start_virtuoso,
        }
        results = [measure(name, starts[name], nquads, requests, args, workdir) for name in args.engines.split(",")]
    text = report(results, args, notes)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
