"""Start real SPARQL engines for the tests: Oxigraph server and OpenLink Virtuoso.

Each engine runs in its own process group, on 127.0.0.1 and free ports, with
all its files in a temporary directory; ``Engine.stop`` ends the whole group.
A start-up that fails says why, with the tail of the engine's log.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from plankg.settings import Settings

ENGINE_NAMES = ("oxigraph", "virtuoso")
# Seconds per engine and step, shown at the end of the run.
TIMINGS = pytest.StashKey[dict[str, dict[str, float]]]()
START_TIMEOUT_S = 90.0  # Virtuoso creates its database on first start: ~8 s here, slower on CI
LOAD_TIMEOUT_S = 300.0
ENGINE_QUERY_LIMIT_S = 10  # keeps a runaway test query from holding an engine for long


class EngineMissing(Exception):
    """The engine's binary is not installed."""


class EngineFailed(Exception):
    """The engine did not start or load; the message carries its log tail."""


@dataclass
class Engine:
    name: str
    query_url: str
    update_url: str
    workdir: Path
    log_path: Path
    process: subprocess.Popen | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # "start", "load"
    _log_file: object | None = None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=20)
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None

    def log_tail(self, lines: int = 40) -> str:
        return log_tail(self.log_path, lines)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)  # started with start_new_session: the group id is its pid
    except ProcessLookupError:
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise EngineMissing(f"{name} is not installed")
    return found


def _spawn(engine: Engine, argv: list[str]) -> None:
    engine._log_file = engine.log_path.open("ab")
    engine.process = subprocess.Popen(
        argv,
        cwd=engine.workdir,
        stdin=subprocess.DEVNULL,
        stdout=engine._log_file,  # type: ignore[arg-type]
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_for_sparql(engine: Engine, timeout_s: float = START_TIMEOUT_S) -> None:
    """Until the query endpoint answers ASK {}; fail early if the process dies."""
    url = engine.query_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        assert engine.process is not None
        if engine.process.poll() is not None:
            raise EngineFailed(
                f"{engine.name} exited with code {engine.process.returncode} during start-up.\n"
                f"--- {engine.log_path} ---\n{engine.log_tail()}"
            )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    response.read()
                    return
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            exc.close()
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    raise EngineFailed(
        f"{engine.name} did not answer at {engine.query_url} within {timeout_s:g} s (last: {last}).\n"
        f"--- {engine.log_path} ---\n{engine.log_tail()}"
    )


def settings_for(engine: Engine, tmp_path: Path, **overrides) -> Settings:
    """Settings that point plankg at ``engine``; files stay in ``tmp_path``."""
    values: dict = {
        "store": "remote",
        "remote_query_url": engine.query_url,
        "remote_update_url": engine.update_url,
        "dist_dir": tmp_path / "dist",
        "store_path": tmp_path / "store",
        **overrides,
    }
    return Settings(**values)


def record_timing(config: pytest.Config, engine: str, what: str, seconds: float) -> None:
    config.stash.setdefault(TIMINGS, {}).setdefault(engine, {})[what] = seconds


# ---------------------------------------------------------------- Oxigraph
def start_oxigraph(workdir: Path, nquads: Path, *, union_default_graph: bool = False) -> Engine:
    """``oxigraph load`` into a directory, then ``oxigraph serve`` on it.

    ``union_default_graph``: for a benchmark that asks the engine itself the questions plankg
    answers over the union of its graphs; never behind plankg (see below)."""
    exe = binary("oxigraph")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    engine = Engine("oxigraph", f"{base}/query", f"{base}/update", workdir, workdir / "oxigraph.log")
    start = time.perf_counter()
    with engine.log_path.open("ab") as log:
        loaded = subprocess.run(
            [exe, "load", "--location", str(workdir / "db"), "--file", str(nquads)],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, timeout=LOAD_TIMEOUT_S,
        )
    if loaded.returncode != 0:
        raise EngineFailed(f"oxigraph load failed (exit {loaded.returncode}).\n{engine.log_tail()}")
    engine.seconds["load"] = time.perf_counter() - start
    start = time.perf_counter()
    _spawn(engine, [
        exe, "serve", "--location", str(workdir / "db"), "--bind", f"127.0.0.1:{port}",
        # no --union-default-graph behind plankg: with it Oxigraph ignores a query's FROM (plankg
        # names its graphs in the protocol's dataset parameters and needs no union default graph)
        *(["--union-default-graph"] if union_default_graph else []), "--timeout-s", str(ENGINE_QUERY_LIMIT_S),
    ])
    try:
        wait_for_sparql(engine)
    except BaseException:
        engine.stop()
        raise
    engine.seconds["start"] = time.perf_counter() - start
    return engine


# ---------------------------------------------------------------- Virtuoso
def virtuoso_ini(workdir: Path, sql_port: int, http_port: int) -> str:
    """The smallest virtuoso.ini for a private, local, throw-away server.

    Everything lives in ``workdir``; both listeners bind 127.0.0.1; no demo
    database, no VAD packages, no plugins. ``ResultSetMaxRows`` is raised
    because Virtuoso cuts longer results silently, which would hide plankg's
    own row cap; ``MaxQueryExecutionTime`` bounds a runaway query. ``DefaultIsolation = 8``
    (serializable) is what makes plankg's version check see two simultaneous writes
    (``plankg.store.engine_commit``).
    """
    d = str(workdir)
    return f"""\
[Database]
DatabaseFile       = {d}/virtuoso.db
ErrorLogFile       = {d}/virtuoso.log
LockFile           = {d}/virtuoso.lck
TransactionFile    = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {d}/virtuoso-temp.db
TransactionFile    = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort           = 127.0.0.1:{sql_port}
DisableUnixSocket    = 1
DisableTcpSocket     = 0
MaxClientConnections = 10
CheckpointInterval   = 0
O_DIRECT             = 0
CaseMode             = 2
DefaultIsolation     = 8
AllowOSCalls         = 0
DirsAllowed          = ., {d}
NumberOfBuffers      = 10000
MaxDirtyBuffers      = 6000

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
ServerRoot           = {d}/www
MaxClientConnections = 10
ServerThreads        = 10
DavRoot              = DAV
EnabledDavVSP        = 0
HTTPProxyEnabled     = 0
Charset              = UTF-8
EnabledGzipContent   = 0

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = {ENGINE_QUERY_LIMIT_S}
"""


def start_virtuoso(workdir: Path, nquads: Path) -> Engine:
    """``virtuoso-t`` on a private ini, loaded with the bulk loader through ``isql-vt``.

    The same isql session grants SPARQL_UPDATE to the anonymous /sparql user,
    so plankg's RemoteStore can also write (tests of ``replace_dataset``).
    """
    exe = binary("virtuoso-t")
    isql = binary("isql-vt")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "www").mkdir(exist_ok=True)
    (workdir / "load").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(virtuoso_ini(workdir, sql_port, http_port), encoding="utf-8")
    url = f"http://127.0.0.1:{http_port}/sparql"
    engine = Engine("virtuoso", url, url, workdir, workdir / "virtuoso.console.log")
    start = time.perf_counter()
    _spawn(engine, [exe, "+foreground", "+configfile", str(ini)])
    try:
        wait_for_sparql(engine)
        engine.seconds["start"] = time.perf_counter() - start
        start = time.perf_counter()
        shutil.copyfile(nquads, workdir / "load" / "plankg.nq")  # the loader reads only from DirsAllowed
        script = (
            'GRANT SPARQL_UPDATE TO "SPARQL";\n'
            f"ld_dir('{workdir / 'load'}', 'plankg.nq', 'urn:plankg:unused-default-graph');\n"
            "rdf_loader_run();\n"
            "checkpoint;\n"
            "SELECT 'LOADERROR', ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;\n"
        )
        done = subprocess.run(
            [isql, f"127.0.0.1:{sql_port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF"],
            input=script, capture_output=True, text=True, timeout=LOAD_TIMEOUT_S, cwd=workdir,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output or "LOADERROR" in output.replace("'LOADERROR'", ""):
            raise EngineFailed(f"Loading Virtuoso through isql-vt failed:\n{output[-3000:]}\n{engine.log_tail()}")
        engine.seconds["load"] = time.perf_counter() - start
    except BaseException:
        engine.stop()
        raise
    return engine
