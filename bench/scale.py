"""Issue 17's targets at plan, 100k and 1M quads, side by side with ``oxigraph serve`` in the same run.

    python -m bench.scale --scales plan,100k,1m [--tree /path/to/other/checkout --tree .] [--runs 3]

For each scale the generated data (``bench.generate``) is bulk-loaded once into an
on-disk store; every run copies it, so each server starts on an existing store, as
after a restart. Each contender (``plankg serve`` from each ``--tree``, and
``oxigraph serve --location``) is started alone, then:

- start: seconds from launch to the first answer of ``/sparql?query=ASK {}`` (plankg:
  the first answer that needs a query worker; oxigraph: ``/query``);
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


def master_store(scale: str, nq: Path) -> Path:
    """The data bulk-loaded once into an on-disk store (both engines read the same format)."""
    import pyoxigraph as ox

    master = WORK / f"scale-{scale}" / "master"
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


class Contender:
    """One server on a copy of the store: ``launch``, ``ask_url``, ``update``, ``stop``."""

    def __init__(self, label: str, store: Path, tree: Path | None) -> None:
        self.label, self.store, self.tree = label, store, tree
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.proc: subprocess.Popen | None = None
        self.extra_env: dict[str, str] = {}  # settings of a run (bench.mixed: a short time limit)
        self.pycache: Path | None = None  # bytecode kept here between runs, as the Docker image's compileall gives it

    @property
    def oxigraph(self) -> bool:
        return self.tree is None

    @property
    def in_memory(self) -> bool:
        """``oxigraph serve`` without ``--location``: its data in memory, loaded through ``/store`` after the start."""
        return self.oxigraph and "memory" in self.label

    def launch(self) -> None:
        if self.oxigraph:
            binary = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
            where = [] if self.in_memory else ["--location", str(self.store)]
            argv = [binary, "serve", *where, "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]
            env, cwd = dict(os.environ), self.store.parent
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

    def query_url(self, text: str) -> str:
        return self.base + ("/query" if self.oxigraph else "/sparql") + "?" + urllib.parse.urlencode({"query": text})

    def ask(self, text: str) -> bool | None:
        status, body = fetch(self.query_url(text), headers={"Accept": "application/sparql-results+json"})
        if status != 200:
            return None
        return json.loads(body)["boolean"]

    def update(self, text: str) -> int:
        headers = {"Content-Type": "application/sparql-update"}
        if not self.oxigraph:
            headers["Authorization"] = f"Bearer {TOKEN}"
        return fetch(self.base + ("/update"), data=text.encode(), headers=headers, timeout=120)[0]

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


def one_run(
    label: str, master: Path, tree: Path | None, seconds: float, rundir: Path, start_only: bool = False, pycache: Path | None = None,
    memory_only: bool = False, nq: Path | None = None,
) -> dict:
    store = rundir / "store"
    shutil.rmtree(rundir, ignore_errors=True)
    rundir.mkdir(parents=True)
    shutil.copytree(master, store)
    server = Contender(label, store, tree)
    server.pycache = pycache
    out: dict = {"load_before": load()}
    try:
        start = time.perf_counter()
        server.launch()
        while server.ask("ASK {}") is None:
            if server.proc.poll() is not None:
                raise RuntimeError(f"{label} exited: {server.log_tail()}")
            time.sleep(0.01)
        out["start_s"] = time.perf_counter() - start
        if server.in_memory:
            out.pop("start_s")  # an empty store's start: not comparable
            assert nq is not None
            status = fetch(server.base + "/store", data=nq.read_bytes(), headers={"Content-Type": "application/n-quads"}, timeout=900)[0]
            if status not in (200, 201, 204):
                raise RuntimeError(f"{label}: loading the data answered {status}")
        if start_only:
            return out
        for i in range(20):  # warm-up: every worker has answered
            server.ask(f"ASK {{ ?s ?p ?o }} # warm {i}")
        time.sleep(1.0)
        out["pss_bytes"] = tree_pss(server.proc.pid)
        if memory_only:
            # plankg's first workers answer from a checkpoint on disk while the zygote copies the
            # data into memory: the PSS that counts is the one once that copy is made and settled
            settled, t = out["pss_bytes"], time.perf_counter()
            while time.perf_counter() - t < 120:
                time.sleep(3.0)
                server.ask("ASK { ?s ?p ?o } # settle")
                now = tree_pss(server.proc.pid)
                stable = abs(now - settled) < 0.02 * settled
                settled = now
                if stable:
                    break
            out["pss_settled_bytes"] = settled
            out["settle_s"] = time.perf_counter() - t
            return out
        writes = []
        for n in range(5):
            graph = f"{B}graph/bench-scale-{n}"
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
    p.add_argument("--memory-only", action="store_true", help="measure the start and the PSS after a warm-up (no writes, no wrk)")
    p.add_argument("--oxigraph-memory", action="store_true", help="also run `oxigraph serve` in memory (data loaded through /store; PSS only)")
    p.add_argument("--pycache", type=Path, help="keep plankg's bytecode here between runs (an untimed run writes it); else as the environment says")
    p.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    args = p.parse_args()
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    setups: list[tuple[str, Path | None]] = [(f"plankg ({t.name})", t) for t in trees] + [("oxigraph serve", None)]
    if args.oxigraph_memory:
        setups.append(("oxigraph serve (memory)", None))
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(), "runs": args.runs, "scales": {}}
    if args.out.exists():
        previous = json.loads(args.out.read_text())
        results["scales"] = previous.get("scales", {})
    for scale in args.scales.split(","):
        nq = data_for(scale, args.seed)
        master = master_store(scale, nq)
        runs: dict[str, list] = {label: [] for label, _ in setups}
        if args.pycache is not None:
            for label, tree in setups:
                if tree is not None:
                    one_run(label, master, tree, args.seconds, WORK / f"scale-{scale}" / "run", True, args.pycache)
        for n in range(args.runs):
            for label, tree in setups:
                if args.start_only and "memory" in label:
                    continue
                r = one_run(label, master, tree, args.seconds, WORK / f"scale-{scale}" / "run", args.start_only, args.pycache, args.memory_only, nq)
                runs[label].append(r)
                print(scale, label, n, json.dumps(r), flush=True)
        summary = {}
        for label, rs in runs.items():
            keys = ("start_s", "pss_bytes", "pss_settled_bytes", "pss_after_writes_bytes", "write_visible_s", "tiny_rps_16", "load_before", "load_tiny")
            summary[label] = {k: statistics.median([r[k] for r in rs if r.get(k) is not None] or [float("nan")]) for k in keys if any(k in r for r in rs)}
        results["scales"][scale] = {"quads": sum(1 for _ in nq.open("rb")), "median": summary, "runs": runs}
        args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps({s: v["median"] for s, v in results["scales"].items()}, indent=1))


if __name__ == "__main__":
    main()
