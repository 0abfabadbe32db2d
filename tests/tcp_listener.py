"""A TCP listener on 127.0.0.1 that records every connection made to it.

A test can then prove the service never *tried* to reach a URL: a refusal that
still connected would pass a status check and fail here. Shared by the
hardening, boundary and store tests (``tests/`` is on the path through its conftest).
"""

from __future__ import annotations

import socket
import threading
import time


class Listener:
    """Records every TCP connection made to it (and the first bytes sent)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True, name=f"listener:{self.port}")
        self._thread.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(0.5)
                try:
                    first = conn.recv(2048)
                except OSError:
                    first = b""
                self.connections.append(first or b"<connected>")

    def assert_untouched(self, settle: float = 0.3) -> None:
        time.sleep(settle)  # a fetch started by the request may still be on its way
        assert not self.connections, f"the service connected to the listener: {self.connections[:3]}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()
