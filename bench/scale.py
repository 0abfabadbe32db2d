"""Issue 17's targets at plan, 100k and 1M quads, side by side with ``oxigraph serve`` in the same run.

    python -m bench.scale --scales plan,100k,1m [--tree /path/to/other/checkout --tree .] [--runs 3]

For each scale the generated data (``bench.generate``) is bulk-loaded once into an
on-disk store; every run copies it, so each server starts on an existing store, as
after a restart. Each contender is started alone: ``plankg serve`` from each ``--tree``,
``oxigraph serve --location`` on a copy of the store, ``oxigraph serve`` in memory (loaded
through its ``/store`` after launch: the reference for memory, since plankg holds its data in
memory too and ``--location`` keeps it in the page cache, which PSS does not count) and
Virtuoso (``virtuoso-t`` on a copy of a database bulk-loaded once, the conformance tests' ini
with a benchmark-sized buffer pool). Then:

- start: seconds from launch to the first answer of ``/sparql?query=ASK {}`` (plankg:
  the first answer that needs a query worker; oxigraph: ``/query``); not taken for
  oxigraph in memory, which has no existing store to start on (its load is ``load_s``);
- memory: PSS of the whole process tree (server, query-worker zygote, workers) once
  it has answered a warm-up, so pages the forked workers share count once;
- writes: a 100-triple ``INSERT DATA`` (plankg: a steward's ``/update`` through the
  whole write pipeline; oxigraph: its ``/update``), seconds until a new query sees the
  last triple (median of 5);
- tiny new queries: ``SELECT * { ?s ?p ?o } LIMIT 1`` with a new comment per request
  (so no cache answers it), wrk at 16 clients for ``--seconds``; plankg's figure is
  taken as the ratio to oxigraph's, measured in the same run.

Runs of the contenders are interleaved, so that load on the shared machine hits
each alike; the 1-minute load average is recorded next to each figure. The named
queries' warm p50 in-process comes from ``bench.inprocess`` (``--named``). Results
go to ``bench/results/scale.json``; ``bench.scale_report`` writes ``scale.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.profile_http import DISTINCT_LUA

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
TOKEN = "bench-scale-token-0123456789"
B = "http://127.0.0.1:8000/"
TINY = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> float:
    return round(os.getloadavg()[0], 2)


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        body = exc.read()
        exc.close()
        return exc.code, body
    except OSError:
        return 0, b""


def data_for(scale: str, seed: int) -> Path:
    nq = WORK / f"plankg-{scale}-s{seed}.nq"
    if not nq.exists():
        subprocess.run([sys.executable, "-m", "bench.generate", "--scale", scale, "--seed", str(seed)], cwd=ROOT, check=True)
    return nq


def master_store(scale: str, nq: Path, master: Path | None = None) -> Path:
    """The data bulk-loaded once into an on-disk store (both engines read the same format), by default under WORK."""
    import pyoxigraph as ox

    master = master or WORK / f"scale-{scale}" / "master"
    if not (master / "CURRENT").exists():
        shutil.rmtree(master, ignore_errors=True)
        master.parent.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(master))
        store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
    return master


def tree_pss(pid: int) -> int:
    import psutil

    total = 0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for proc in procs:
        try:
            total += proc.memory_full_info().pss
        except psutil.Error:
            pass
    return total


def wrk_rate(url: str, seconds: float, clients: int = 16) -> float | None:
    if shutil.which("wrk") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(DISTINCT_LUA)
    try:
        done = subprocess.run(
            ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "-H", "Accept: application/sparql-results+json", "-s", script.name, url],
            capture_output=True, text=True, timeout=seconds + 60,
        )
    finally:
        os.unlink(script.name)
    found = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", done.stdout)
    if not found or bad:
        print(f"wrk on {url}: {done.stdout[-1500:]}", file=sys.stderr)
        return None
    return float(found.group(1))


PLANKG, OXIGRAPH_DISK, OXIGRAPH_MEMORY, VIRTUOSO = "plankg", "oxigraph-disk", "oxigraph-memory", "virtuoso"
PEER_LABELS = {OXIGRAPH_DISK: "oxigraph serve", OXIGRAPH_MEMORY: "oxigraph serve (memory)", VIRTUOSO: "Virtuoso"}


def virtuoso_master(scale: str, nq: Path) -> Path:
    """A Virtuoso database bulk-loaded once (and checkpointed); every run starts on a copy of it."""
    from bench import contenders

    master = WORK / f"scale-{scale}" / "virtuoso-master"
    if not (master / "virtuoso.db").exists():
        shutil.rmtree(master, ignore_errors=True)
        contender = contenders.virtuoso(master, nq)
        contender.engine.stop()
        for name in ("virtuoso.ini", "virtuoso.lck"):
            (master / name).unlink(missing_ok=True)
        shutil.rmtree(master / "load", ignore_errors=True)
    return master


class Contender:
    """One server on a copy of the store: ``launch``, ``ask``, ``update``, ``stop``."""

    def __init__(self, label: str, store: Path, tree: Path | None, kind: str = PLANKG, nq: Path | None = None) -> None:
        self.label, self.store, self.tree, self.kind, self.nq = label, store, tree, kind, nq
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.proc: subprocess.Popen | None = None
        self.extra_env: dict[str, str] = {}  # settings of a run (bench.mixed: a short time limit)
        self.pycache: Path | None = None  # bytecode kept here between runs, as the Docker image's compileall gives it

    @property
    def oxigraph(self) -> bool:
        return self.kind in (OXIGRAPH_DISK, OXIGRAPH_MEMORY)

    def launch(self) -> None:
        env, cwd = dict(os.environ), self.store.parent
        if self.oxigraph:
            binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
            where = ["--location", str(self.store)] if self.kind == OXIGRAPH_DISK else []
            argv = [binary, "serve", *where, "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
        elif self.kind == VIRTUOSO:
            from bench import contenders
            from tests.conformance import engines

            sql_port = free_port()
            ini = self.store / "virtuoso.ini"
            ini.write_text(contenders._tuned_virtuoso_ini(engines.virtuoso_ini)(self.store, sql_port, self.port), encoding="utf-8")
            argv = [engines.binary("virtuoso-t"), "+foreground", "+configfile", str(ini)]
            cwd = self.store
        else:
            argv = [sys.executable, "-m", "plankg.cli", "serve", "--port", str(self.port)]
            env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
            env.update(
                PYTHONPATH=str(self.tree), PLANKG_STORE_PATH=str(self.store), PLANKG_DIST_DIR=str(self.store.parent / "dist"),
                PLANKG_ACCESS_LOG="false", PLANKG_WRITE_TOKENS=f"bench:{TOKEN}",
                # wrk's 16 connections come from one address and stand for 16 clients
                PLANKG_CLIENT_MAX_CONCURRENT="1024", PLANKG_CLIENT_MAX_JOBS="1024",
            )
            env.update(self.extra_env)
            if self.pycache is not None:
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                env["PYTHONPYCACHEPREFIX"] = str(self.pycache / re.sub(r"\W+", "-", str(self.tree)))
            cwd = self.tree
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def load_memory(self) -> float:
        """Oxigraph in memory: the data through its Graph Store ``/store`` (seconds)."""
        t = time.perf_counter()
        status, body = fetch(self.base + "/store", data=self.nq.read_bytes(), headers={"Content-Type": "application/n-quads"}, timeout=1800)
        if status not in (200, 201, 204):
            raise RuntimeError(f"{self.label}: loading answered {status}: {body[:500]!r}")
        return time.perf_counter() - t

    def query_url(self, text: str) -> str:
        path = {PLANKG: "/sparql", VIRTUOSO: "/sparql"}.get(self.kind, "/query")
        return self.base + path + "?" + urllib.parse.urlencode({"query": text})

    def ask(self, text: str) -> bool | None:
        status, body = fetch(self.query_url(text), headers={"Accept": "application/sparql-results+json"})
        if status != 200:
            return None
        try:
            return json.loads(body)["boolean"]
        except (ValueError, KeyError):
            return None

    def update(self, text: str) -> int:
        headers = {"Content-Type": "application/sparql-update"}
        if self.kind == PLANKG:
            headers["Authorization"] = f"Bearer {TOKEN}"
        path = "/sparql" if self.kind == VIRTUOSO else "/update"
        return fetch(self.base + path, data=text.encode(), headers=headers, timeout=120)[0]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]





def checkpoints(store: Path) -> list[Path]:
    """plankg's checkpoints beside its store: the zygote's while it copies the data into memory (and
    until the first workers, which read it, are gone), the search index's while it is built."""
    return list(store.parent.glob(f".{store.name}.load-*"))


def settle(server: Contender) -> tuple[int, float]:
    """A warm-up, then the settled PSS (read every 3 s until it moves by less than 2 %), and
    for plankg not before its checkpoints are gone: under load the copy into memory can hold a
    plateau for two readings, and that PSS is the copy's, not the service's."""
    for i in range(20):
        server.ask(f"ASK {{ ?s ?p ?o }} # warm {i}")
    if server.kind == PLANKG:
        # the search index is built at start, but a warm-up past 30 s (a loaded machine) gives up:
        # a search makes sure every run counts it
        status, _ = fetch(server.base + "/search?q=UNFPA", timeout=600)
        if status != 200:
            raise RuntimeError(f"{server.label}: a search answered {status}: {server.log_tail()}")
    settled, t = tree_pss(server.proc.pid), time.perf_counter()
    while time.perf_counter() - t < 240:
        time.sleep(3.0)
        server.ask("ASK { ?s ?p ?o } # settle")
        now = tree_pss(server.proc.pid)
        stable = abs(now - settled) < 0.02 * settled
        settled = now
        if stable and not (server.kind == PLANKG and checkpoints(server.store)):
            break
    return settled, time.perf_counter() - t

def launch_until_answering(server, label: str) -> float:
    """Launch a contender; seconds until it first answers a query."""
    start = time.perf_counter()
    server.launch()
    while server.ask("ASK {}") is None:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{label} exited: {server.log_tail()}")
        if time.perf_counter() - start > 600:
            raise RuntimeError(f"{label} did not answer in 600 s: {server.log_tail()}")
        time.sleep(0.01)
    return time.perf_counter() - start

def timed_writes(server, label: str, count: int, name: str) -> list[float]:
    """Seconds from sending each 100-triple INSERT DATA until a query sees its last triple."""
    writes = []
    for n in range(count):
        graph = f"{B}graph/{name}-{n}"
        triples = " ".join(f'<urn:bench:w{n}-{i}> <urn:bench:says> "{i}" .' for i in range(100))
        t = time.perf_counter()
        status = server.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {triples} }} }}")
        if status not in (200, 204):
            raise RuntimeError(f"{label}: write answered {status}: {server.log_tail()}")
        while not server.ask(f"ASK {{ GRAPH <{graph}> {{ <urn:bench:w{n}-99> <urn:bench:says> \"99\" }} }} # {n} {time.perf_counter()}"):
            if time.perf_counter() - t > 120:
                raise RuntimeError(f"{label}: a write never became visible")
            time.sleep(0.005)
        writes.append(time.perf_counter() - t)
    return writes

def one_run(
    label: str, master: Path, tree: Path | None, seconds: float, rundir: Path, start_only: bool = False, pycache: Path | None = None,
    kind: str = PLANKG, nq: Path | None = None,
) -> dict:
    store = rundir / "store"
    shutil.rmtree(rundir, ignore_errors=True)
    rundir.mkdir(parents=True)
    if kind != OXIGRAPH_MEMORY:
        shutil.copytree(master, store)
    else:
        store.mkdir()
    server = Contender(label, store, tree, kind, nq)
    server.pycache = pycache
    out: dict = {"load_before": load()}
    try:
        started = launch_until_answering(server, label)
        if kind == OXIGRAPH_MEMORY:
            if start_only:
                return out
            out["load_s"] = server.load_memory()
        else:
            out["start_s"] = started
        if start_only:
            return out
        # plankg's first workers answer from a checkpoint on disk while the zygote copies the data
        # into memory: the PSS that counts is the one once that copy is made and has settled
        out["pss_bytes"], out["settle_s"] = settle(server)
        writes = timed_writes(server, label, 5, "bench-scale")
        out["write_visible_s"] = statistics.median(writes)
        out["write_runs_s"] = writes
        out["pss_after_writes_bytes"] = tree_pss(server.proc.pid)
        out["load_tiny"] = load()
        out["tiny_rps_16"] = wrk_rate(server.query_url(TINY), seconds)
    finally:
        server.stop()
        shutil.rmtree(rundir, ignore_errors=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    p.add_argument("--scales", default="plan,100k,1m")
    p.add_argument("--tree", type=Path, action="append", help="a checkout to run `plankg serve` from (repeatable; default: this one)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5.0, help="wrk seconds for the tiny-query throughput")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start-only", action="store_true", help="measure only the start to the first answer (nothing else is run)")
    p.add_argument("--pycache", type=Path, help="keep plankg's bytecode here between runs (an untimed run writes it); else as the environment says")
    p.add_argument("--peers", default=",".join(PEER_LABELS), help=f"comma-separated, of: {', '.join(PEER_LABELS)}")
    p.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = p.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    peers = [kind for kind in args.peers.split(",") if kind]
    unknown = set(peers) - set(PEER_LABELS)
    if unknown:
        p.error(f"unknown peer {sorted(unknown)}; known: {', '.join(PEER_LABELS)}")
    setups: list[tuple[str, Path | None, str]] = [(f"plankg ({t.name})", t, PLANKG) for t in trees]
    setups += [(PEER_LABELS[kind], None, kind) for kind in peers]
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(), "runs": args.runs, "scales": {}}
    if args.out.exists():
        previous = json.loads(args.out.read_text())
        results["scales"] = previous.get("scales", {})
    for scale in args.scales.split(","):
        nq = data_for(scale, args.seed)
        masters = {PLANKG: master_store(scale, nq)}
        masters[OXIGRAPH_DISK] = masters[OXIGRAPH_MEMORY] = masters[PLANKG]
        if VIRTUOSO in peers:
            masters[VIRTUOSO] = virtuoso_master(scale, nq)
        runs: dict[str, list] = {label: [] for label, _, _ in setups}
        rundir = WORK / f"scale-{scale}" / "run"
        if args.pycache is not None:
            for label, tree, kind in setups:
                if kind == PLANKG:
                    one_run(label, masters[kind], tree, args.seconds, rundir, True, args.pycache)
        for n in range(args.runs):
            for label, tree, kind in setups:
                r = one_run(label, masters[kind], tree, args.seconds, rundir, args.start_only, args.pycache, kind, nq)
                r["kind"] = kind
                runs[label].append(r)
                print(scale, label, n, json.dumps(r), flush=True)
        summary = {}
        for label, rs in runs.items():
            keys = ("start_s", "load_s", "pss_bytes", "pss_after_writes_bytes", "write_visible_s", "tiny_rps_16", "load_before", "load_tiny")
            summary[label] = {k: statistics.median([r[k] for r in rs if r.get(k) is not None] or [float("nan")]) for k in keys if any(k in r for r in rs)}
            summary[label]["kind"] = rs[0]["kind"] if rs else None
        results["scales"][scale] = {"quads": sum(1 for _ in nq.open("rb")), "median": summary, "runs": runs}
        args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps({s: v["median"] for s, v in results["scales"].items()}, indent=1))


if __name__ == "__main__":
    main()
