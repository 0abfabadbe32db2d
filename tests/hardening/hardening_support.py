"""Helpers for the hardening tests: watched listeners and files, problem checks, dump hashes.

- ``Listener``: a TCP socket on 127.0.0.1 that records every connection, so a
  test can prove the service never *tried* to fetch a URL (a refusal that still
  connected would pass a status check and fail here).
- ``FileTrap``: a FIFO and a plain file; a process that opens the FIFO for
  reading blocks until a writer comes, and that is visible from outside: our
  non-blocking open for writing succeeds only while someone has it open for
  reading. The plain file's atime is set before its mtime, so on a ``relatime``
  mount any read moves it.
- ``assert_problem``: RFC 9457 body with title and detail, no traceback or path.
- ``dump_hash``: SHA-256 of ``GET /dumps/plankg.nq`` (the store as it is now).
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from problem_checks import LEAKS, assert_no_leak, assert_problem  # noqa: F401 - the hardening tests import them from here

B = "http://127.0.0.1:8000/"
TOKEN = "hardening-steward-token-7f3a9c51"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
def dump_hash(client: httpx.Client) -> str:
    r = client.get("/dumps/plankg.nq", headers={"Cache-Control": "no-cache"})
    assert r.status_code == 200, r.text[:300]
    return hashlib.sha256(r.content).hexdigest()


# ---------------------------------------------------------------- watching for outside reads
from tcp_listener import Listener  # noqa: E402,F401 - the hardening tests import it from here


class FileTrap:
    """A FIFO (detects an open for reading) and a plain file (detects a read by its atime)."""

    def __init__(self, folder: Path) -> None:
        self.fifo = folder / "secret-fifo.ttl"
        os.mkfifo(self.fifo)
        self.file = folder / "secret-file.ttl"
        self.file.write_text("<urn:secret:s> <urn:secret:p> <urn:secret:o> .\n")
        self._old_atime = 946684800  # 2000-01-01: before the mtime, so relatime updates it on read
        os.utime(self.file, (self._old_atime, time.time()))
        self.atime_works = self._calibrate(folder)
        self.fifo_opened = False

    @staticmethod
    def _calibrate(folder: Path) -> bool:
        probe = folder / "atime-probe"
        probe.write_text("x")
        os.utime(probe, (946684800, time.time()))
        probe.read_text()
        return os.stat(probe).st_atime != 946684800

    @property
    def uris(self) -> list[str]:
        return [self.fifo.as_uri(), self.file.as_uri()]

    def poll(self) -> bool:
        """True (and remembered) once someone holds the FIFO open for reading; unblocks them."""
        try:
            fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # no reader
                return self.fifo_opened
            raise
        os.close(fd)
        self.fifo_opened = True
        return True

    def file_read(self) -> bool:
        return self.atime_works and os.stat(self.file).st_atime != self._old_atime

    def assert_untouched(self) -> None:
        assert not self.poll(), f"the service opened {self.fifo} for reading"
        assert not self.file_read(), f"the service read {self.file}"


def watched(call: Callable[[], httpx.Response], trap: FileTrap | None = None, limit: float = 30.0) -> httpx.Response:
    """Run a request while polling the FIFO, so a server blocked opening it is seen (and released)."""
    result: dict = {}

    def run() -> None:
        try:
            result["response"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised below in the test's thread
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + limit
    while thread.is_alive() and time.monotonic() < deadline:
        if trap is not None:
            trap.poll()
        thread.join(0.05)
    if trap is not None:
        trap.poll()
    thread.join(5)
    if "error" in result:
        raise result["error"]
    assert "response" in result, "the request did not finish"
    return result["response"]
