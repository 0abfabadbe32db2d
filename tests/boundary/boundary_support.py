"""Helpers for the trust-boundary attack tests: a real ``plankg serve`` process and the checks every attack makes.

The attacks run against a subprocess, not an in-process app, because what they
can break is the process: a parser that overflows its stack, a regex that holds
the GIL, memory that grows without bound, a shutdown that never finishes. A
status code alone would not show any of that, so every attack also checks:

- ``alive(proc)``: the server process has not exited;
- ``ask_fast(base)``: ``ASK {}`` answered 200 within 1 s, from a client of its own,
  during the attack (``Probe``) and after it;
- ``tree_rss(pid)``: resident memory of the server and all its descendants;
- ``Listener``: a TCP socket on 127.0.0.1 that records any connection (a refusal
  that still connected passes a status check and fails here);
- ``dump_hash``: SHA-256 of ``GET /dumps/plankg.nq``, unchanged by any refused write;
- ``assert_problem``: a 4xx/503 problem document, never a 500 or a dropped connection.

Every request has a timeout and every loop is bounded in count and time, so a
server that hangs fails the test instead of hanging the run.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
B = "http://127.0.0.1:8000/"  # the default base IRI: minted IRIs do not follow the test server's port
GRAPH_PLAN = B + "graph/plan"
GRAPH_ONTOLOGY = B + "graph/ontology"
GRAPH_REGISTRY = B + "graph/registry"
STEWARD_TOKEN = "boundary-steward-token-5d1e"
ADMIN_TOKEN = "boundary-admin-token-93b7"
STEWARD = {"Authorization": f"Bearer {STEWARD_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PROBLEM_JSON = "application/problem+json"
ASK = "ASK {}"
MB = 1024 * 1024

# text that must never reach a client: traces, interpreter and project paths
LEAKS = ("Traceback", 'File "', "site-packages", "/usr/lib/python", "/root/", str(ROOT), "/tmp/pytest-")


# ---------------------------------------------------------------- the store, built once
def build_store(folder: Path, timeout: float = 300.0) -> tuple[Path, Path]:
    """``plankg build`` into ``folder``: (store dir, dist dir). Copied per server, so starts do not build."""
    store, dist = folder / "store", folder / "dist"
    env = {**_clean_env(), "PLANKG_STORE_PATH": str(store), "PLANKG_DIST_DIR": str(dist)}
    done = subprocess.run(
        [sys.executable, "-m", "plankg.cli", "build", "--no-validate"],
        cwd=ROOT, env=env, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        raise RuntimeError(f"plankg build failed ({done.returncode}):\n{done.stderr.decode(errors='replace')[-3000:]}")
    return store, dist


def _clean_env() -> dict[str, str]:
    # a developer's PLANKG_* (or a .env in the worktree) must not change what the tests start
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    return free_port()


# ---------------------------------------------------------------- a real server process
TOKENS_WITH_ROLES = f"steward:{STEWARD_TOKEN},boss:{ADMIN_TOKEN}:admin"
TOKENS_STEWARD_ONLY = f"steward:{STEWARD_TOKEN}"


class Server:
    """``python -m plankg.cli serve`` on its own copy of the built store.

    Started in a session of its own, so teardown can end the query workers it
    forks even when the server itself no longer can (SIGKILL to its group,
    which holds only processes this test started).
    """

    def __init__(self, store: Path, dist: Path, folder: Path, env: dict[str, str] | None = None) -> None:
        self.store = store
        self.dist = dist
        self.folder = folder
        self.env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.url = ""
        self.log_path = folder / "server.log"
        self.roles = True  # False when the server refused role-carrying tokens and runs with the steward's alone

    def start(self, timeout: float = 120.0) -> Server:
        try:
            return self._start(TOKENS_WITH_ROLES, timeout)
        except RuntimeError as exc:
            # today's settings may refuse the name:token:role form; the steward tests still need a server
            if "WRITE_TOKENS" not in str(exc).upper():
                raise
            self.roles = False
            return self._start(TOKENS_STEWARD_ONLY, timeout)

    def _start(self, tokens: str, timeout: float) -> Server:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **_clean_env(),
            "PLANKG_HOST": "127.0.0.1",
            "PLANKG_PORT": str(self.port),
            "PLANKG_STORE_PATH": str(self.store),
            "PLANKG_DIST_DIR": str(self.dist),
            "PLANKG_ACCESS_LOG": "false",
            "PLANKG_WRITE_TOKENS": tokens,
            **self.env,
        }
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "plankg.cli", "serve", "--port", str(self.port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise RuntimeError(f"plankg serve exited with {code} at start:\n{self.log()}")
            try:
                r = httpx.get(self.url + "/sparql", params={"query": ASK}, timeout=2)
                if r.status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"plankg serve did not answer within {timeout} s:\n{self.log()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 3.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        self._kill_group(proc)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    @staticmethod
    def _kill_group(proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # our own session: the server and the workers it forked
        except (ProcessLookupError, PermissionError):
            pass

    def log(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def client(self, timeout: float = 30.0, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout, **kwargs)

    def why(self) -> str:
        if self.proc is not None:
            try:
                self.proc.wait(timeout=1)  # a crash may be a moment from showing: report it as one
            except subprocess.TimeoutExpired:
                pass
        state = "alive" if self.alive() else f"exited ({self.proc.returncode if self.proc else 'stopped'})"
        return f"[server {state}; log tail]\n{self.log(2500)}"


class ServerPool:
    """One server shared by a module's tests, replaced when an attack killed or damaged it."""

    def __init__(self, make: Callable[[], Server]) -> None:
        self._make = make
        self._server: Server | None = None

    def get(self) -> Server:
        if self._server is None or not self._server.alive():
            if self._server is not None:
                self._server.stop()
            self._server = self._make()
        return self._server

    def discard(self) -> None:
        """The attack changed or hurt the server: the next test gets a fresh one."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def settle(self, before: str | None = None) -> None:
        """After an attack: keep the server only if it is alive, answers, and (given ``before``) its data is unchanged."""
        server = self._server
        if server is None:
            return
        try:
            keep = server.alive() and (before is None or dump_hash(server.url) == before)
        except (httpx.HTTPError, AssertionError):
            keep = False
        if not keep:
            self.discard()

    def close(self) -> None:
        self.discard()


# ---------------------------------------------------------------- checks
def alive(server: Server) -> None:
    assert server.alive(), f"the server process died during the attack\n{server.why()}"


def ask(base: str, limit: float = 1.0, query: str = ASK) -> tuple[float, int | str]:
    """(seconds, status or error name) of one ASK on a connection of its own."""
    start = time.monotonic()
    try:
        r = httpx.get(base + "/sparql", params={"query": query}, timeout=limit + 0.5)
        status: int | str = r.status_code
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    return time.monotonic() - start, status


def ask_fast(base: str, limit: float = 1.0, query: str = ASK) -> float:
    seconds, status = ask(base, limit, query)
    assert status == 200 and seconds < limit, f"ASK took {seconds:.2f} s and answered {status} (limit {limit} s)"
    return seconds


def get_fast(base: str, path: str, limit: float = 1.0, headers: dict | None = None) -> float:
    start = time.monotonic()
    try:
        r = httpx.get(base + path, headers=headers, timeout=limit + 0.5)
        status: int | str = r.status_code
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    seconds = time.monotonic() - start
    assert status == 200 and seconds < limit, f"GET {path} took {seconds:.2f} s and answered {status} (limit {limit} s)"
    return seconds


def assert_no_leak(text: str) -> None:
    for marker in LEAKS:
        assert marker not in text, f"{marker!r} leaked to the client: {text[:500]}"


def assert_problem(r: httpx.Response, status: int | tuple[int, ...] | None = None, slug: str | tuple[str, ...] | None = None) -> dict:
    """A clean problem document: 4xx or 503, title and detail, nothing internal; returns its body."""
    assert r.status_code != 500, f"500: {r.text[:500]}"
    if status is not None:
        allowed = (status,) if isinstance(status, int) else status
        assert r.status_code in allowed, f"{r.status_code} (wanted {allowed}): {r.text[:500]}"
    assert 400 <= r.status_code < 500 or r.status_code == 503, f"{r.status_code}: {r.text[:500]}"
    assert r.headers.get("content-type", "").startswith(PROBLEM_JSON), (r.status_code, r.headers.get("content-type"), r.text[:300])
    body = r.json()
    assert body.get("status") == r.status_code
    assert isinstance(body.get("title"), str) and body["title"].strip()
    assert isinstance(body.get("detail"), str) and body["detail"].strip()
    if slug is not None:
        slugs = (slug,) if isinstance(slug, str) else slug
        assert body.get("type") in {f"urn:plankg:problem:{s}" for s in slugs}, body
    assert_no_leak(r.text)
    return body


def dump_hash(base: str) -> str:
    with httpx.Client(base_url=base, timeout=60) as client:
        r = client.get("/dumps/plankg.nq", headers={"Cache-Control": "no-cache"})
    assert r.status_code == 200, r.text[:300]
    return hashlib.sha256(r.content).hexdigest()


# ---------------------------------------------------------------- the process tree
def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name may hold spaces and parentheses: split after the last ')'
    return text[text.rindex(")") + 2 :].split()


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def tree(pid: int) -> list[int]:
    return [pid, *descendants(pid)]


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss(pid: int) -> int:
    """Resident bytes of the server and every process under it."""
    return sum(rss(p) for p in tree(pid))


def tree_cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in tree(pid):
        fields = _stat_fields(p)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def tree_cpu_share(pid: int, window: float = 1.0) -> float:
    """Cores the tree kept busy over ``window`` seconds (1.0 = one core, all the time)."""
    before = tree_cpu_seconds(pid)
    time.sleep(window)
    return (tree_cpu_seconds(pid) - before) / window


class RssWatch:
    """Samples the tree's RSS in the background; ``peak`` is the highest seen."""

    def __init__(self, pid: int, every: float = 0.1) -> None:
        self.pid = pid
        self.peak = tree_rss(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)
        self._thread.start()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            self.peak = max(self.peak, tree_rss(self.pid))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join(2)
        return self.peak


# ---------------------------------------------------------------- attacks in the background
@dataclass
class Outcome:
    response: httpx.Response | None = None
    error: BaseException | None = None
    seconds: float = 0.0

    def describe(self) -> str:
        if self.response is not None:
            return f"{self.response.status_code} after {self.seconds:.1f} s: {self.response.text[:300]}"
        return f"{type(self.error).__name__} after {self.seconds:.1f} s: {self.error}"


class Attack:
    """One request on a thread of its own; ``wait(limit)`` returns its outcome or None if still running.

    The thread never raises (an exception escaping a thread is a pytest warning, and
    warnings are errors here); its client is closed whatever happens.
    """

    def __init__(self, send: Callable[[httpx.Client], httpx.Response], base: str, timeout: float = 60.0) -> None:
        self.outcome = Outcome()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(send, base, timeout), daemon=True)
        self._thread.start()

    def _run(self, send, base: str, timeout: float) -> None:
        start = time.monotonic()
        try:
            with httpx.Client(base_url=base, timeout=timeout) as client:
                r = send(client)
                r.read()
                self.outcome.response = r
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not raised in the thread
            self.outcome.error = exc
        finally:
            self.outcome.seconds = time.monotonic() - start
            self._done.set()

    def wait(self, limit: float) -> Outcome | None:
        return self.outcome if self._done.wait(limit) else None

    @property
    def done(self) -> bool:
        return self._done.is_set()


def finished(attack: Attack, limit: float, server: Server) -> httpx.Response:
    """The attack's response within ``limit`` seconds; fails on a hang, a dropped connection or a dead server."""
    outcome = attack.wait(limit)
    assert outcome is not None, f"the request was still running after {limit} s\n{server.why()}"
    assert outcome.response is not None, f"no response: {outcome.describe()}\n{server.why()}"
    return outcome.response


@dataclass
class Probe:
    """``ASK`` (or another cheap GET) sampled from other clients while an attack runs."""

    base: str
    limit: float = 1.0
    paths: tuple[str, ...] = ()
    samples: list[tuple[str, float, int | str]] = field(default_factory=list)

    def sample(self, count: int = 10, every: float = 0.5, stop_on_failure: bool = True, attack: Attack | None = None) -> None:
        """``count`` rounds, ``every`` seconds apart; stops early at a slow answer or when ``attack`` ends."""
        for i in range(count):
            for what in (("/sparql?query=ASK%20%7B%7D",) + self.paths):
                start = time.monotonic()
                try:
                    r = httpx.get(self.base + what, timeout=self.limit + 0.5)
                    status: int | str = r.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                seconds = time.monotonic() - start
                self.samples.append((what, seconds, status))
                if stop_on_failure and not (status == 200 and seconds < self.limit):
                    return
            if attack is not None and attack.done:
                return
            if i < count - 1:
                time.sleep(every)

    def slow(self) -> list[tuple[str, float, int | str]]:
        return [s for s in self.samples if not (s[2] == 200 and s[1] < self.limit)]

    def assert_fast(self) -> None:
        assert self.samples, "no sample was taken"
        bad = self.slow()
        assert not bad, f"reads during the attack were slow or failed (limit {self.limit} s): {bad[:5]} of {len(self.samples)} samples"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[index]


def distribution(values: list[float]) -> str:
    if not values:
        return "no samples"
    ms = [v * 1000 for v in values]
    return (
        f"n={len(ms)} min={min(ms):.1f} p50={percentile(ms, 50):.1f} p90={percentile(ms, 90):.1f} "
        f"p99={percentile(ms, 99):.1f} max={max(ms):.1f} mean={statistics.fmean(ms):.1f} ms"
    )


# ---------------------------------------------------------------- watching for outside reads
from tcp_listener import Listener  # noqa: E402,F401 - the boundary tests import it from here


# ---------------------------------------------------------------- payload builders
def multipart(data: bytes, data_name: str, shapes: bytes | None = None, shapes_name: str = "shapes.ttl") -> dict:
    files = {"data": (data_name, data, "application/octet-stream")}
    if shapes is not None:
        files["shapes"] = (shapes_name, shapes, "text/turtle")
    return files


SMALL_DATA = b"<http://ex.test/a> <http://ex.test/p> \"x\" .\n"
