"""HTTP overhead of the query service against ``oxigraph serve`` on the same graph.

    python -m bench.profile_http                                   # the plan graph, 5 s per cell
    python -m bench.profile_http --nquads bench/work/plankg-100k-s7.nq --duration 10
    python -m bench.profile_http --access-log --connections 16 --only tiny-select

Starts ``plankg serve`` (embedded store loaded from the N-Quads into a temporary
folder) and ``oxigraph serve`` (in memory, union default graph, the same
N-Quads) on free ports of 127.0.0.1, checks that both give the same number of
answers to each request, then runs wrk against both, one after the other per
cell so that a busy machine hurts both alike, and prints req/s and the ratio.

Two of the requests are small on purpose, to show what the HTTP layer costs
per request rather than what the engine costs per query; the named query is
the engine-bound one (751 rows at 100k triples).

- ``tiny-select``: a 4-row SELECT (GET /sparql, SPARQL JSON)
- ``named-text``: the text of ``partners-by-area`` with ``area=evaw`` as a VALUES block (GET /sparql)
- ``construct``: CONSTRUCT of one entity's triples (GET /sparql, Turtle)
- ``named-route``: ``/queries/partners-by-area?area=evaw`` (the service only; compared with ``named-text`` on oxigraph)

Each ``/sparql`` case runs twice: ``same`` repeats one URL (what a dashboard
does; the service answers repeats from its per-version answer cache) and
``distinct`` appends a fresh comment line to the query of every request (a
wrk Lua script), so every request is a new text that both servers must parse
and run.

Every started process is in its own process group and is stopped in a ``finally``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_JSON = "application/sparql-results+json"
TURTLE = "text/turtle"


@dataclass(frozen=True)
class Case:
    name: str
    accept: str
    service_path: str  # path + query string on the service
    peer_path: str | None  # path + query string on oxigraph serve (None: compare with another case's peer)
    peer_of: str | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cases(base_iri: str) -> list[Case]:
    from bench.workload import inline_values
    from plankg.catalog import Catalog
    from plankg.settings import Settings

    settings = Settings()
    query = Catalog.load(settings).get("partners-by-area")
    named_text = inline_values(query.sparql, query.bind({"area": "evaw"}))
    tiny = f"SELECT ?area ?label WHERE {{ ?area a <{base_iri}ontology#ImpactArea> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER (LANG(?label) = \"en\") }}"
    construct = f"CONSTRUCT {{ <{base_iri}id/area/evaw> ?p ?o }} WHERE {{ <{base_iri}id/area/evaw> ?p ?o }}"

    def q(text: str) -> str:
        return "?" + urllib.parse.urlencode({"query": text})

    return [
        Case("tiny-select", RESULTS_JSON, "/sparql" + q(tiny), "/query" + q(tiny)),
        Case("named-text", RESULTS_JSON, "/sparql" + q(named_text), "/query" + q(named_text)),
        Case("construct", TURTLE, "/sparql" + q(construct), "/query" + q(construct)),
        Case("named-route", RESULTS_JSON, "/queries/partners-by-area?area=evaw", None, peer_of="named-text"),
    ]


# ---------------------------------------------------------------- processes
class Proc:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self.handle = log.open("wb")
        self.popen = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=self.handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.popen.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.popen.wait()
        self.handle.close()


def _wait_ready(proc: Proc, url: str, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise SystemExit(f"{proc.name} exited early; see {proc.log}:\n{proc.log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{proc.name} did not answer within {timeout_s:g} s; see {proc.log}")


def _service_env(workdir: Path, access_log: bool, workers: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PLANKG_STORE_PATH=str(workdir / "store"),
        PLANKG_DIST_DIR=str(workdir / "dist"),
        PLANKG_ACCESS_LOG="true" if access_log else "false",
        # every benchmark client connects from 127.0.0.1: one client to the fair-share policy
        PLANKG_CLIENT_MAX_CONCURRENT="1024",
        PLANKG_CLIENT_MAX_JOBS="1024",
    )
    if workers:
        env["PLANKG_QUERY_WORKERS"] = str(workers)
    return env


def _load_store(env: dict[str, str], nquads: Path) -> None:
    code = (
        "import sys, pyoxigraph as ox\n"
        "from plankg.settings import Settings\n"
        "from plankg.store import open_store\n"
        "store = open_store(Settings())\n"
        "store.replace_dataset(ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_QUADS))\n"
        "store.close()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(nquads)], env=env, cwd=ROOT, check=True, timeout=1800)


def _built_graph(workdir: Path) -> Path:
    """The plan graph as ``plankg build`` assembles it, written as N-Quads."""
    import pyoxigraph as ox

    from plankg.build import assemble
    from plankg.settings import Settings

    result = assemble(Settings(store_path=workdir / "build-store", dist_dir=workdir / "build-dist"))
    out = workdir / "plan.nq"
    out.write_bytes(ox.serialize(result.quads, format=ox.RdfFormat.N_QUADS))
    return out


def start_service(workdir: Path, nquads: Path, access_log: bool, workers: int | None) -> tuple[Proc, str]:
    env = _service_env(workdir, access_log, workers)
    _load_store(env, nquads)
    port = _free_port()
    proc = Proc("plankg serve", [sys.executable, "-m", "plankg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)], env, workdir / "service.log")
    base = f"http://127.0.0.1:{port}"
    _wait_ready(proc, base + "/queries")
    return proc, base


def start_oxigraph(workdir: Path, nquads: Path) -> tuple[Proc, str]:
    binary = shutil.which("oxigraph")
    if binary is None:
        raise SystemExit("the `oxigraph` command is missing: pip install oxigraph")
    port = _free_port()
    proc = Proc("oxigraph serve", [binary, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"], dict(os.environ), workdir / "oxigraph.log")
    base = f"http://127.0.0.1:{port}"
    _wait_ready(proc, base + "/query?query=" + urllib.parse.quote("ASK {}"))
    request = urllib.request.Request(base + "/store", data=nquads.read_bytes(), method="POST", headers={"Content-Type": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=600) as reply:
        reply.read()
    return proc, base


# ---------------------------------------------------------------- requests
def _fetch(url: str, accept: str) -> tuple[int, bytes, dict]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return reply.status, reply.read(), dict(reply.headers)


def _answers(body: bytes, accept: str) -> int:
    """Solutions or triples in a body, to check that both servers answer the same question."""
    import pyoxigraph as ox

    if accept == RESULTS_JSON:
        return len(json.loads(body)["results"]["bindings"])
    return len(list(ox.parse(body, format=ox.RdfFormat.TURTLE)))


def check(cases: list[Case], service: str, peer: str) -> None:
    by_name = {c.name: c for c in cases}
    for case in cases:
        status, body, _ = _fetch(service + case.service_path, case.accept)
        peer_case = by_name[case.peer_of] if case.peer_of else case
        peer_status, peer_body, _ = _fetch(peer + peer_case.peer_path, case.accept)
        mine, theirs = _answers(body, case.accept), _answers(peer_body, case.accept)
        if status != 200 or peer_status != 200 or mine != theirs:
            raise SystemExit(f"{case.name}: the service answers {status} with {mine}, oxigraph {peer_status} with {theirs}")
        print(f"# {case.name}: {mine} answers, {len(body)} bytes", file=sys.stderr)


_RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


# a new comment line per request: "%0A%23" is "\n#". Each wrk thread runs its own copy of the
# script, so the comment starts with the thread's number (set in setup): a counter and
# math.random alone repeated texts across threads (about one request in eight), which an
# answer cache then served without running them
DISTINCT_LUA = """
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", wrk.path .. "%0A%23" .. tid .. "-" .. n .. "-" .. math.random(1, 1000000000))
end
"""


def wrk(url: str, accept: str, connections: int, duration: int, script: Path | None = None) -> float:
    threads = min(connections, 2)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-H", f"Accept: {accept}"]
    if script is not None:
        argv += ["-s", str(script)]
    done = subprocess.run(argv + [url], capture_output=True, text=True, timeout=duration + 60)
    out = done.stdout
    found = _RATE.search(out)
    if done.returncode != 0 or not found:
        raise SystemExit(f"wrk failed on {url}:\n{out}\n{done.stderr}")
    bad = _BAD.search(out)
    errors = _ERRORS.search(out)
    if bad or (errors and any(int(n) for n in errors.groups()[:3])):
        raise SystemExit(f"errors under load on {url}:\n{out}")
    return float(found.group(1))


def _load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def run(args: argparse.Namespace) -> list[dict]:
    workdir = Path(tempfile.mkdtemp(prefix="plankg-profile-http-"))
    procs: list[Proc] = []
    rows: list[dict] = []
    try:
        nquads = Path(args.nquads) if args.nquads else _built_graph(workdir)
        service_proc, service = start_service(workdir, nquads, args.access_log, args.query_workers)
        procs.append(service_proc)
        peer_proc, peer = start_oxigraph(workdir, nquads)
        procs.append(peer_proc)
        from plankg.settings import Settings

        cases = [c for c in _cases(Settings().base_iri) if not args.only or c.name in args.only]
        by_name = {c.name: c for c in _cases(Settings().base_iri)}
        check(cases, service, peer)
        distinct = workdir / "distinct.lua"
        distinct.write_text(DISTINCT_LUA)
        for case in cases:
            peer_case = by_name[case.peer_of] if case.peer_of else case
            variants = [("same", None)]
            if case.peer_of is None and args.distinct:
                variants.append(("distinct", distinct))
            for variant, script in variants:
                for connections in args.connections:
                    wrk(service + case.service_path, case.accept, connections, 1, script)  # warm-up
                    load = _load_average()
                    ours = wrk(service + case.service_path, case.accept, connections, args.duration, script)
                    theirs = wrk(peer + peer_case.peer_path, case.accept, connections, args.duration, script)
                    row = {"case": case.name, "requests": variant, "connections": connections, "service": ours, "oxigraph": theirs, "ratio": ours / theirs if theirs else float("nan"), "load": load}
                    rows.append(row)
                    print(f"{case.name:12} {variant:8} c={connections:<3} service {ours:9.1f} req/s   oxigraph {theirs:9.1f} req/s   ratio {row['ratio']:5.2f}x   load {load:4.1f}", flush=True)
    finally:
        for proc in reversed(procs):
            proc.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return rows


def table(rows: list[dict], access_log: bool) -> str:
    lines = [
        f"access log {'on' if access_log else 'off'}",
        "",
        "| request | requests | clients | service req/s | oxigraph serve req/s | ratio | load |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row['case']} | {row['requests']} | {row['connections']} | {row['service']:.1f} | {row['oxigraph']:.1f} | {row['ratio']:.2f}× | {row['load']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nquads", help="the graph to serve (default: the plan graph as plankg build assembles it)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--connections", type=lambda s: [int(x) for x in s.split(",")], default=[1, 4, 16])
    parser.add_argument("--only", type=lambda s: s.split(","), default=None, help="cases: tiny-select,named-text,construct,named-route")
    parser.add_argument("--access-log", action="store_true", help="keep uvicorn's access log on (the setting's default)")
    parser.add_argument("--query-workers", type=int, default=None)
    parser.add_argument("--no-distinct", dest="distinct", action="store_false", help="skip the runs where every request is a new query text")
    parser.add_argument("--json", help="also write the rows here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, store)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    rows = run(args)
    print()
    print(table(rows, args.access_log))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
