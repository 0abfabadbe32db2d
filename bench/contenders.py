"""Start every contender on 127.0.0.1 and free ports, loaded with the same N-Quads.

Oxigraph on disk and Virtuoso come from the conformance tests' helpers
(``tests/conformance/engines.py``: process groups, readiness on ``ASK {}``,
log tails on failure); this module adds what only the benchmark needs: the
in-memory Oxigraph server, rdflib-endpoint, the service itself (embedded store,
or Virtuoso as its remote store; 1 or 2 uvicorn workers), a bigger Virtuoso
buffer pool, and resident-memory / on-disk-size probes.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
ENGINES_PATH = ROOT / "tests" / "conformance" / "engines.py"


def _engines():
    """The conformance helpers, imported by path (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("plankg_conformance_engines", ENGINES_PATH)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot import {ENGINES_PATH}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


engines = _engines()
Engine = engines.Engine
EngineFailed = engines.EngineFailed
free_port = engines.free_port


@dataclass
class Contender:
    """One server under test, and how to ask it."""

    name: str
    engine: Engine
    route: str  # "sparql": POST form to sparql_path; "named": GET /queries/{name}
    base_url: str
    sparql_path: str
    data_dir: Path | None = None  # what it keeps on disk
    seconds: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def pid(self) -> int | None:
        return self.engine.process.pid if self.engine.process else None

    def rss_bytes(self) -> int:
        return tree_rss(self.pid)

    def disk_bytes(self) -> int | None:
        return dir_size(self.data_dir) if self.data_dir else None

    def stop(self) -> None:
        self.engine.stop()


def tree_rss(pid: int | None) -> int:
    """Resident memory of a process and all its children (uvicorn workers, query workers)."""
    if pid is None:
        return 0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _spawn(engine: Engine, argv: list[str], env: dict[str, str] | None = None) -> None:
    engine._log_file = engine.log_path.open("ab")
    engine.process = subprocess.Popen(
        argv,
        cwd=engine.workdir,
        stdin=subprocess.DEVNULL,
        stdout=engine._log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends it and its children
        env=env,
    )


def _ready(engine: Engine, timeout_s: float = 120.0) -> float:
    start = time.perf_counter()
    engines.wait_for_sparql(engine, timeout_s)
    return time.perf_counter() - start


# ---------------------------------------------------------------- Oxigraph
def oxigraph_memory(workdir: Path, nquads: Path) -> Contender:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    engine = Engine("oxigraph-mem", f"{base}/query", f"{base}/update", workdir, workdir / "oxigraph-mem.log")
    _spawn(engine, [engines.binary("oxigraph"), "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"])
    try:
        started = _ready(engine)
        start = time.perf_counter()
        request = urllib.request.Request(
            f"{base}/store", data=nquads.read_bytes(), method="POST", headers={"Content-Type": "application/n-quads"}
        )
        with urllib.request.urlopen(request, timeout=600) as response:
            response.read()
        loaded = time.perf_counter() - start
    except BaseException:
        engine.stop()
        raise
    return Contender("oxigraph serve (in-memory)", engine, "sparql", base, "/query", None, {"start": started, "load": loaded})


def oxigraph_disk(workdir: Path, nquads: Path) -> Contender:
    engine = engines.start_oxigraph(workdir, nquads, union_default_graph=True)
    base = engine.query_url.rsplit("/", 1)[0]
    return Contender("oxigraph serve (on disk)", engine, "sparql", base, "/query", workdir / "db", dict(engine.seconds))


# ---------------------------------------------------------------- Virtuoso
def _tuned_virtuoso_ini(original):
    """The conformance ini with a benchmark-sized buffer pool and enough HTTP threads for 16 clients.

    NumberOfBuffers × 8 KiB: 250 000 ≈ 2 GiB, the size Virtuoso's own notes
    suggest for a few GiB of RAM; 10 threads and connections would queue a
    16-client run inside Virtuoso and measure the ini, not the engine.
    """

    def ini(workdir, sql_port, http_port):
        text = original(workdir, sql_port, http_port)
        replacements = {
            "NumberOfBuffers      = 10000": "NumberOfBuffers      = 250000",
            "MaxDirtyBuffers      = 6000": "MaxDirtyBuffers      = 187000",
            "MaxClientConnections = 10\nServerThreads        = 10": "MaxClientConnections = 40\nServerThreads        = 40\nMaxKeepAlives        = 40\nKeepAliveTimeout     = 30",
        }
        for old, new in replacements.items():
            if old in text:
                text = text.replace(old, new)
        return text

    return ini


def virtuoso(workdir: Path, nquads: Path) -> Contender:
    original = engines.virtuoso_ini
    engines.virtuoso_ini = _tuned_virtuoso_ini(original)
    try:
        engine = engines.start_virtuoso(workdir, nquads)
    finally:
        engines.virtuoso_ini = original
    base = engine.query_url.rsplit("/", 1)[0]
    db = workdir
    return Contender("Virtuoso /sparql", engine, "sparql", base, "/sparql", db, dict(engine.seconds))


def virtuoso_disk_bytes(workdir: Path) -> int:
    return sum(p.stat().st_size for p in workdir.glob("virtuoso*.db"))


# ---------------------------------------------------------------- rdflib-endpoint
def rdflib_endpoint(workdir: Path, nquads: Path) -> Contender:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    engine = Engine("rdflib-endpoint", f"{base}/", f"{base}/", workdir, workdir / "rdflib-endpoint.log")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    _spawn(engine, [sys.executable, "-m", "bench.rdflib_peer", str(nquads), str(port)], env)
    try:
        started = _ready(engine, timeout_s=900)
    except BaseException:
        engine.stop()
        raise
    # rdflib parses while starting: start-up time is its load time
    return Contender("rdflib-endpoint", engine, "sparql", base, "/", None, {"load": started})


# ---------------------------------------------------------------- the service
def service_factory() -> str:
    """``service.app:create_app_from_env`` once it exists; the benchmark's own factory until then."""
    try:
        import service.app as app_module

        if hasattr(app_module, "create_app_from_env"):
            return "service.app:create_app_from_env"
    except ImportError:
        pass
    return "bench.serve:app"


def load_embedded(workdir: Path, nquads: Path) -> dict[str, float]:
    """Load the N-Quads into a fresh embedded store (its own process: the store holds a lock)."""
    code = (
        "import sys, time, json, pyoxigraph as ox\n"
        "from plankg.settings import Settings\n"
        "from plankg.store import open_store\n"
        "s = Settings()\n"
        "t = time.perf_counter(); quads = list(ox.parse(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)); parse = time.perf_counter() - t\n"
        "t = time.perf_counter(); store = open_store(s); store.replace_dataset(quads); store.close(); load = time.perf_counter() - t\n"
        "print(json.dumps({'parse': parse, 'load': load}))\n"
    )
    env = _service_env(workdir, None)
    done = subprocess.run([sys.executable, "-c", code, str(nquads)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise EngineFailed(f"loading the embedded store failed:\n{done.stderr[-3000:]}")
    import json

    return json.loads(done.stdout.strip().splitlines()[-1])


def _service_env(workdir: Path, remote_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PLANKG_STORE_PATH=str(workdir / "store"),
        PLANKG_DIST_DIR=str(workdir / "dist"),
        PLANKG_QUERY_TIMEOUT_S="60",
        # every benchmark client connects from 127.0.0.1: one client to the fair-share policy
        PLANKG_CLIENT_MAX_CONCURRENT="1024",
        PLANKG_CLIENT_MAX_JOBS="1024",
    )
    if remote_url:
        env.update(PLANKG_STORE="remote", PLANKG_REMOTE_QUERY_URL=remote_url)
    return env


def plankg_service(workdir: Path, *, workers: int = 1, remote_url: str | None = None, label: str = "", env: dict[str, str] | None = None) -> Engine:
    """uvicorn on the app factory; the store (embedded at workdir/store, or remote) must be loaded already."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    name = label or f"plankg-{workers}w"
    engine = Engine(name, f"{base}/sparql", "", workdir, workdir / f"{name}.log")
    argv = [
        sys.executable, "-m", "uvicorn", "--factory", service_factory(),
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log", "--no-server-header",
    ]
    start = time.perf_counter()
    _spawn(engine, argv, {**_service_env(workdir, remote_url), **(env or {})})
    try:
        try:
            engines.wait_for_sparql(engine, 300)
        except EngineFailed as exc:
            raise EngineFailed(f"{name} did not start: {_first_error(engine.log_path)}") from exc
        engine.seconds["start"] = time.perf_counter() - start
        if workers > 1:
            # one worker answering is not all of them: a worker that fails later takes the server down
            time.sleep(5)
            if engine.process.poll() is not None:
                raise EngineFailed(f"{name} stopped after start-up (exit {engine.process.returncode}).\n{_first_error(engine.log_path)}")
            # uvicorn's supervisor restarts a worker that dies, so a worker that cannot open the
            # store crash-loops while its sibling answers: that is not a two-worker server
            if "StoreUnavailable" in engines.log_tail(engine.log_path, 400):
                raise EngineFailed(f"{name}: a worker cannot open the store and is restarted in a loop.\n{_first_error(engine.log_path)}")
            engines.wait_for_sparql(engine, 30)
    except BaseException:
        engine.stop()
        raise
    return engine


def _first_error(log_path: Path) -> str:
    """The last line of the first traceback in a log: the reason, without the stack."""
    lines = engines.log_tail(log_path, 400).splitlines()
    for line in lines:
        if line.startswith(("OSError", "plankg.errors.")):
            return line
    return "\n".join(lines[-5:])


def service_contenders(engine: Engine, label: str, data_dir: Path | None) -> list[Contender]:
    base = engine.query_url.rsplit("/", 1)[0]
    return [
        Contender(f"{label} /sparql", engine, "sparql", base, "/sparql", data_dir, dict(engine.seconds)),
        Contender(f"{label} /queries", engine, "named", base, "/sparql", data_dir, dict(engine.seconds)),
    ]
