"""A bounded load test of the service on 127.0.0.1: zero errors and bounded memory, or a failing exit.

    python -m bench.load                       # 32 clients for 60 s against a server it starts
    python -m bench.load --clients 8 --duration 5 --json out.json
    python -m bench.load --url http://127.0.0.1:8000 --pid 1234   # a running server (RSS needs --pid)

The clients (asyncio + httpx, one connection each) pick requests from a fixed,
seeded mix: named queries (each with its catalog example), ``/sparql`` SELECT and
CONSTRUCT, entity IRIs as HTML and Turtle, impact-area and agency pages, and
``/validate`` POSTs of a small graph. The run stops by itself at the deadline or
when the request budget is spent, whichever comes first; requests still in flight
then finish (each has a time limit of its own).

While it runs, the server's memory is sampled from ``/proc`` twice a second: the
RSS of the server process, and the PSS of the server with its query worker
processes (PSS splits the pages the forked workers share, so the sum is honest).
The summary gives requests, errors by status, p50/p99 per kind, and memory at the
start (after a warm-up), the peak and the end. Exit status 1 when any request
failed or memory grew past ``--max-growth-mb``.

When it starts the server itself, the server is a child process with its own
store in a temporary folder (built on start-up unless ``--store-path`` names a
built store), listening on a socket this process binds on 127.0.0.1:0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

from plankg.namespaces import IMPACT_AREAS

B = "http://127.0.0.1:8000/"
ROOT = Path(__file__).resolve().parents[1]

# the /validate body: a small graph about one organization (one violation: no Chinese label)
VALIDATE_BODY = f"""@prefix pk: <{B}ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{B}id/org/LOADTEST> a pk:UNEntity ;
  skos:prefLabel "Load test partner"@en ;
  rdfs:label "Load test partner"@en ;
  skos:notation "LOADTEST" .
""".encode()

SELECTS = (
    "PREFIX pk: <{B}ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?area ?label WHERE {{ ?area a pk:ImpactArea ; skos:prefLabel ?label }}",
    "PREFIX pk: <{B}ontology#> SELECT ?i ?org WHERE {{ ?i pk:hasCollaborator ?org }} LIMIT 200",
    "PREFIX pk: <{B}ontology#> SELECT ?p ?n WHERE {{ ?p pk:paragraphNumber ?n }} ORDER BY ?n LIMIT 50",
    "SELECT ?type (COUNT(*) AS ?n) WHERE {{ ?s a ?type }} GROUP BY ?type ORDER BY DESC(?n)",
)
CONSTRUCTS = (
    "CONSTRUCT WHERE {{ <{B}id/org/UNDP> ?p ?o }}",
    "PREFIX pk: <{B}ontology#> CONSTRUCT {{ ?i pk:impactArea ?a }} WHERE {{ ?i pk:impactArea ?a }} LIMIT 100",
    "DESCRIBE <{B}id/area/wps>",
)
ENTITIES = ("org/UNDP", "org/UNFPA", "area/evaw", "intervention/56-2", "para/49", "outcome/3", "sdg/5", "instrument/S-RES-1325-2000", "plan")
AREAS = IMPACT_AREAS
AGENCIES = ("UNDP", "UNFPA", "UNICEF", "WHO", "ILO", "UNODC")

# kind -> weight in the mix
MIX = {
    "named": 25,
    "sparql-select": 15,
    "sparql-construct": 10,
    "iri-html": 10,
    "iri-turtle": 10,
    "area-page": 10,
    "agency-page": 10,
    "validate": 5,
}


@dataclass(frozen=True)
class Call:
    kind: str
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


def build_calls(named_urls: list[str]) -> dict[str, list[Call]]:
    sparql_json = {"Accept": "application/sparql-results+json"}
    form = {"Content-Type": "application/x-www-form-urlencoded", **sparql_json}
    calls: dict[str, list[Call]] = {
        "named": [Call("named", "GET", url, sparql_json) for url in named_urls],
        "sparql-select": [Call("sparql-select", "GET", "/sparql?" + urlencode({"query": q.format(B=B)}), sparql_json) for q in SELECTS]
        + [Call("sparql-select", "POST", "/sparql", form, urlencode({"query": q.format(B=B)}).encode()) for q in SELECTS],
        "sparql-construct": [
            Call("sparql-construct", "POST", "/sparql", {"Content-Type": "application/sparql-query", "Accept": "text/turtle"}, q.format(B=B).encode())
            for q in CONSTRUCTS
        ],
        "iri-html": [Call("iri-html", "GET", f"/id/{e}", {"Accept": "text/html"}) for e in ENTITIES],
        "iri-turtle": [Call("iri-turtle", "GET", f"/id/{e}", {"Accept": "text/turtle"}) for e in ENTITIES],
        "area-page": [Call("area-page", "GET", f"/area/{a}", {"Accept": "text/html"}) for a in AREAS],
        "agency-page": [Call("agency-page", "GET", f"/agency/{a}", {"Accept": "text/html"}) for a in AGENCIES],
        "validate": [Call("validate", "POST", "/validate", {"Content-Type": "text/turtle", "Accept": "application/json"}, VALIDATE_BODY)],
    }
    return {kind: found for kind, found in calls.items() if found}


# ---------------------------------------------------------------- memory from /proc
def _status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return _status_kb(pid, "VmRSS")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children[ppid].append(int(entry.name))
    out, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            out.append(child)
            stack.append(child)
    return out


@dataclass
class MemorySample:
    t: float
    rss_mb: float  # the server process
    tree_pss_mb: float  # server + query workers


def sample_memory(pid: int, t0: float) -> MemorySample:
    rss = _status_kb(pid, "VmRSS") / 1024
    tree = sum(_pss_kb(p) for p in [pid, *descendants(pid)]) / 1024
    return MemorySample(round(time.monotonic() - t0, 2), round(rss, 1), round(tree, 1))


# ---------------------------------------------------------------- the server
class Server:
    """The service in a child process, on a socket bound here (no port race), stopped by pid.

    Its keep-alive is 30 s rather than uvicorn's 5 s: on a loaded machine the event loops of
    client and server lag, and a connection reused right at the server's idle limit is reset
    (1 request in a few thousand here). That is uvicorn culling idle connections, not the service
    failing, and a load test should not count it.
    """

    BOOT = (
        "import sys, json, uvicorn\n"
        "from pathlib import Path\n"
        "from plankg.settings import Settings\n"
        "from service.app import create_app\n"
        "options = json.loads(sys.argv[1])\n"
        "settings = Settings(**{k: (Path(v) if k.endswith(('_path', '_dir')) else v) for k, v in options.items()})\n"
        "uvicorn.run(create_app(settings), fd=int(sys.argv[2]), log_level='warning', access_log=False, lifespan='on', timeout_keep_alive=30)\n"
    )

    def __init__(self, store_path: Path | None, workdir: Path, workers: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        options = {
            "store_path": str(store_path or workdir / "store"),
            "dist_dir": str(workdir / "dist"),
            "query_workers": workers,
            # every load-test client connects from 127.0.0.1: one client to the fair-share policy
            "client_max_concurrent": 1024,
            "client_max_jobs": 1024,
        }
        self.log = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", self.BOOT, json.dumps(options), str(self.sock.fileno())],
            pass_fds=[self.sock.fileno()],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.proc.pid

    def wait_ready(self, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                r = httpx.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=5)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError("the server did not become ready in time")

    def log_tail(self, size: int = 6000) -> str:
        self.log.flush()
        data = Path(self.log.name).read_bytes()
        return data[-size:].decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.sock.close()
        self.log.close()


# ---------------------------------------------------------------- the load
@dataclass
class Outcome:
    kind: str
    status: int | str  # HTTP status, or the exception's name
    ms: float
    at: float = 0.0  # seconds since the load started
    note: str = ""  # what went wrong, for the first errors of each status


async def client_loop(client: httpx.AsyncClient, calls: dict[str, list[Call]], rng: random.Random, t0: float, deadline: float, budget: list[int], out: list[Outcome]) -> None:
    kinds = list(calls)
    weights = [MIX[k] for k in kinds]
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        kind = rng.choices(kinds, weights)[0]
        call = rng.choice(calls[kind])
        started = time.perf_counter()
        note = ""
        try:
            r = await client.request(call.method, call.path, headers=call.headers, content=call.body)
            await r.aread()
            status: int | str = r.status_code
            if status >= 400:
                note = r.text[:200]
        except httpx.HTTPError as exc:
            status = type(exc).__name__
            note = f"{exc!r} cause={exc.__cause__!r}"[:300]
        out.append(Outcome(kind, status, (time.perf_counter() - started) * 1000, round(time.monotonic() - t0, 2), f"{call.method} {call.path[:80]}: {note}" if note else ""))


async def memory_loop(pid: int, t0: float, samples: list[MemorySample], stop: asyncio.Event) -> None:
    while not stop.is_set():
        samples.append(sample_memory(pid, t0))
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except TimeoutError:
            pass


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def run_load(url: str, pid: int | None, clients: int, duration: float, max_requests: int, seed: int, request_timeout: float) -> dict:
    # a connection idle for longer than uvicorn's keep-alive (5 s) may be closed by the server just as
    # it is reused (a reset, not an error of the service): reuse only connections idle for less
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0)
    async with httpx.AsyncClient(base_url=url, timeout=request_timeout, limits=limits) as client:
        listing = (await client.get("/queries")).json()
        named = [q["example_url"] for q in listing["queries"] if q.get("example_url")]
        calls = build_calls(named)
        # warm-up: every request once, so the start figure is the server as it runs, not as it booted
        for call in (c for group in calls.values() for c in group):
            r = await client.request(call.method, call.path, headers=call.headers, content=call.body)
            if r.status_code >= 400:
                raise RuntimeError(f"warm-up {call.method} {call.path}: {r.status_code} {r.text[:200]}")
        t0 = time.monotonic()
        samples: list[MemorySample] = []
        stop = asyncio.Event()
        sampler = asyncio.create_task(memory_loop(pid, t0, samples, stop)) if pid else None
        out: list[Outcome] = []
        budget = [max_requests]
        deadline = time.monotonic() + duration
        rngs = [random.Random(seed * 1000 + i) for i in range(clients)]
        started = time.monotonic()
        await asyncio.wait_for(
            asyncio.gather(*(client_loop(client, calls, rngs[i], t0, deadline, budget, out) for i in range(clients))),
            timeout=duration + request_timeout + 30,
        )
        elapsed = time.monotonic() - started
        await asyncio.sleep(1.0)  # let the server settle before the end figure
        stop.set()
        if sampler is not None:
            await sampler
            samples.append(sample_memory(pid, t0))  # type: ignore[arg-type]
    return summarize(out, samples, elapsed, clients, duration, seed)


def summarize(out: list[Outcome], samples: list[MemorySample], elapsed: float, clients: int, duration: float, seed: int) -> dict:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in out:
        by_kind[o.kind].append(o)
    failed = [o for o in out if not (isinstance(o.status, int) and o.status < 400)]
    errors = Counter(str(o.status) for o in failed)
    samples_by_status: dict[str, list[str]] = defaultdict(list)
    for o in failed:
        if len(samples_by_status[str(o.status)]) < 5:
            samples_by_status[str(o.status)].append(f"t={o.at}s {o.note}")
    kinds = {
        kind: {
            "requests": len(items),
            "errors": sum(1 for o in items if not (isinstance(o.status, int) and o.status < 400)),
            "p50_ms": round(_percentile([o.ms for o in items], 50), 1),
            "p99_ms": round(_percentile([o.ms for o in items], 99), 1),
            "max_ms": round(max(o.ms for o in items), 1),
            "mean_ms": round(statistics.fmean(o.ms for o in items), 1),
        }
        for kind, items in sorted(by_kind.items())
    }
    memory = None
    if samples:
        memory = {
            "rss_mb": {"start": samples[0].rss_mb, "peak": max(s.rss_mb for s in samples), "end": samples[-1].rss_mb},
            "tree_pss_mb": {"start": samples[0].tree_pss_mb, "peak": max(s.tree_pss_mb for s in samples), "end": samples[-1].tree_pss_mb},
            "samples": len(samples),
        }
    return {
        "clients": clients,
        "duration_s": duration,
        "elapsed_s": round(elapsed, 2),
        "seed": seed,
        "requests": len(out),
        "rps": round(len(out) / elapsed, 1) if elapsed else 0.0,
        "errors": sum(errors.values()),
        "errors_by_status": dict(sorted(errors.items())),
        "error_samples": dict(samples_by_status),
        "kinds": kinds,
        "memory": memory,
    }


def render(summary: dict) -> str:
    lines = [
        f"{summary['requests']} requests in {summary['elapsed_s']} s by {summary['clients']} clients "
        f"({summary['rps']} req/s); errors: {summary['errors']} {summary['errors_by_status'] or ''}".rstrip(),
        f"{'kind':<18}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}",
    ]
    for kind, k in summary["kinds"].items():
        lines.append(f"{kind:<18}{k['requests']:>9}{k['errors']:>8}{k['p50_ms']:>9}{k['p99_ms']:>9}{k['max_ms']:>9}")
    for status, notes in summary.get("error_samples", {}).items():
        lines += [f"  {status}: {note}" for note in notes]
    if summary.get("server_log"):
        lines += ["server log (tail):", summary["server_log"]]
    memory = summary.get("memory")
    if memory:
        rss, tree = memory["rss_mb"], memory["tree_pss_mb"]
        lines.append(f"server RSS MB      start {rss['start']}  peak {rss['peak']}  end {rss['end']}")
        lines.append(f"server+workers PSS start {tree['start']}  peak {tree['peak']}  end {tree['end']}  ({memory['samples']} samples)")
    return "\n".join(lines)


def _run_loop(make_coroutine):
    """asyncio.run, also from a thread whose event loop is already running (a test
    session that drove a browser through Playwright's sync API has one)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def run(
    *,
    url: str | None = None,
    pid: int | None = None,
    clients: int = 32,
    duration: float = 60.0,
    max_requests: int = 1_000_000,
    seed: int = 7,
    store_path: Path | None = None,
    workers: int = 2,
    request_timeout: float = 60.0,
) -> dict:
    """Run the load (starting a server when ``url`` is None) and return the summary."""
    if url is not None:
        return _run_loop(lambda: run_load(url, pid, clients, duration, max_requests, seed, request_timeout))
    with tempfile.TemporaryDirectory(prefix="plankg-load-") as tmp:
        server = Server(store_path, Path(tmp), workers)
        try:
            server.wait_ready()
            summary = _run_loop(
                lambda: run_load(server.url, server.pid, clients, duration, max_requests, seed, request_timeout)
            )
            if summary["errors"]:
                summary["server_log"] = server.log_tail()
            return summary
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--pid", type=int, help="the running server's pid, to sample its memory")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="request budget (the run stops at whichever comes first)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--store-path", type=Path, help="a built store for the started server (default: build one)")
    parser.add_argument("--workers", type=int, default=2, help="query worker processes of the started server")
    parser.add_argument("--max-growth-mb", type=float, default=256.0, help="fail when server+workers memory grows more than this")
    parser.add_argument("--json", type=Path, help="write the summary here")
    args = parser.parse_args(argv)
    summary = run(
        url=args.url,
        pid=args.pid,
        clients=args.clients,
        duration=args.duration,
        max_requests=args.max_requests,
        seed=args.seed,
        store_path=args.store_path,
        workers=args.workers,
    )
    print(render(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))
    memory = summary.get("memory")
    growth = memory["tree_pss_mb"]["end"] - memory["tree_pss_mb"]["start"] if memory else 0.0
    if summary["errors"] or growth > args.max_growth_mb:
        print(f"FAILED: {summary['errors']} errors, memory growth {growth:.1f} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
