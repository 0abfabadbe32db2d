"""Real server processes for the durability and concurrency tests.

``server(**env)`` starts ``python -m plankg.cli serve`` as a child process on
127.0.0.1 (a free port), on an on-disk store in a tmp dir that already holds
the built graph, with one write token (``TOKEN``, name "steward"). The object
it returns can be killed with SIGKILL, as a crash would, and started again on
the same store. Every process started here is stopped at the end of the test,
by its own pid.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "durability-steward-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    def __init__(self, store: Path, dist: Path, log_dir: Path, env: dict[str, str]) -> None:
        self.store = store
        self.dist = dist
        self.log_dir = log_dir
        self.env = env
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.starts = 0
        self.auth = dict(AUTH)

    def start(self, timeout: float = 240.0) -> ServerProcess:
        assert self.process is None, "already running"
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "PLANKG_STORE_PATH": str(self.store),
            "PLANKG_DIST_DIR": str(self.dist),
            "PLANKG_HOST": "127.0.0.1",
            "PLANKG_PORT": str(port),
            "PLANKG_WRITE_TOKENS": f"steward:{TOKEN}",
            "PLANKG_MAX_BODY_BYTES": str(64 * 1024 * 1024),
            # the tests' many writers and readers all connect from 127.0.0.1: one client to the fair-share policy
            "PLANKG_CLIENT_MAX_CONCURRENT": "1024",
            "PLANKG_CLIENT_MAX_JOBS": "1024",
            **self.env,
        }
        self.starts += 1
        log = open(self.log_dir / f"server-{self.starts}.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "plankg.cli", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(self.url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not start in {timeout} s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL, as a crash or `kill -9` would: no shutdown code runs."""
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def log(self) -> str:
        return (self.log_dir / f"server-{self.starts}.log").read_text(errors="replace")[-4000:]

    def client(self, timeout: float = 120) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout)


@pytest.fixture
def server(make_settings, tmp_path):
    """``server(**env)`` -> a started ServerProcess on a fresh copy of the built graph."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        settings = make_settings()
        process = ServerProcess(Path(settings.store_dir), Path(settings.dist), tmp_path, env)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()
