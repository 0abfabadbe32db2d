"""Helpers of the packaging tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def clean_env(**extra: str) -> dict[str, str]:
    """No PYTHONPATH (the checkout must not be importable) and no PLANKG_* of the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_") and k != "PYTHONPATH"}
    return env | extra


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", clean_env())
    kwargs.setdefault("cwd", Path(args[0]).parent if isinstance(args[0], Path) else None)
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




def wait_for(url: str, server: subprocess.Popen, seconds: float = 120) -> bytes:
    """The body at ``url`` once the server answers; fails when it exits or takes too long."""
    import time
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            return urllib.request.urlopen(url, timeout=10).read()
        except OSError:
            assert server.poll() is None, f"the server exited with {server.returncode}"
            assert time.monotonic() < deadline, f"{url} did not answer within {seconds} s"
            time.sleep(0.5)
