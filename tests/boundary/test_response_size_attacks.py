"""Responses and request headers are bounded in bytes, not only in rows.

The row cap (10,000) does not bound a response: 10,000 rows of a few tens of
kilobytes each is hundreds of megabytes, built in memory and sent to a client
that may never read it. ``PLANKG_MAX_RESPONSE_BYTES`` cuts the body and says so
with the same ``X-PlanKG-Truncated`` header as the row cap. Request headers are
bounded too: a 128 MB header must be refused before it is buffered.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlencode

import httpx
import pytest

from boundary_support import MB, Probe, RssWatch, alive, ask_fast

MAX_RESPONSE = 1_048_576
SLACK = 64 * 1024  # a body "≤ ~1 MB": the limit plus the closing syntax of the format
CEILING = 600 * MB

# every paragraph text (≈200 bytes of UTF-8) 150 times per row, over the cross product of the texts:
# 134,000 candidate rows, cut at 10,000 by the row cap, ≈300 MB as SPARQL JSON (made in ~3 s)
_TEXT = "CONCAT(" + ", ".join(["?t"] * 150) + ")"
BIG_QUERY = (
    "SELECT ?a ?b (" + _TEXT + " AS ?x) WHERE { "
    "?a <http://127.0.0.1:8000/ontology#text> ?t . ?b <http://127.0.0.1:8000/ontology#text> ?u }"
)


@pytest.fixture(scope="module")
def server(module_server_factory):
    return module_server_factory(PLANKG_MAX_RESPONSE_BYTES=MAX_RESPONSE)


@pytest.mark.slow
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv"])
def test_big_result_is_cut_at_the_byte_limit(server, accept: str) -> None:
    received = 0
    with httpx.Client(base_url=server.url, timeout=60) as client:
        with client.stream("POST", "/sparql", data={"query": BIG_QUERY}, headers={"Accept": accept}) as r:
            for chunk in r.iter_bytes():
                received += len(chunk)
                if received > MAX_RESPONSE + SLACK:
                    break  # no need to read hundreds of megabytes to know the limit was not applied
            status, headers = r.status_code, r.headers
    assert status == 200, status
    assert received <= MAX_RESPONSE + SLACK, f"the body went past {received / MB:.1f} MB (limit {MAX_RESPONSE / MB:.0f} MB)"
    assert headers.get("x-plankg-truncated") == "true", dict(headers)
    alive(server)
    ask_fast(server.url)


@pytest.mark.slow
def test_client_that_never_reads(server) -> None:
    # a text of its own: an answer cached by the other test would already be in the baseline
    body = urlencode({"query": BIG_QUERY + " # never read"}).encode()
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/sparql-results+json\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    watch = RssWatch(server.pid)
    baseline = watch.peak
    # a small receive buffer, and never a recv(): the server's writes back up
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    try:
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(request)
        probe = Probe(server.url)
        probe.sample(count=16, every=0.5)  # ~8 s while the answer is made and stuck
        peak = watch.stop()
        probe.assert_fast()
    finally:
        sock.close()
        watch.stop()
    alive(server)
    assert peak < baseline + CEILING, f"tree RSS rose from {baseline / MB:.0f} MB to {peak / MB:.0f} MB for one unread answer"
    ask_fast(server.url)


def _send_header(port: int, size: int, result: dict, stop: threading.Event) -> None:
    """A GET whose one header is ``size`` bytes; records the status line or how the connection ended."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
            sock.settimeout(15)
            try:
                sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
                chunk = b"a" * 65536
                sent = 0
                while sent < size and not stop.is_set():
                    n = min(len(chunk), size - sent)
                    sock.sendall(chunk[:n])
                    sent += n
                sock.sendall(b"\r\nConnection: close\r\n\r\n")
                result["sent"] = "all"
            except OSError as exc:
                result["sent"] = type(exc).__name__  # the server closed it early: acceptable
            try:
                answer = sock.recv(4096)
                result["answer"] = answer.split(b"\r\n", 1)[0].decode("latin-1") if answer else "<closed>"
            except OSError as exc:
                result["answer"] = f"<{type(exc).__name__}>"
    except OSError as exc:
        result["answer"] = f"<{type(exc).__name__}>"
    result["seconds"] = time.monotonic() - start


@pytest.mark.parametrize("size", [20 * 1024, 128 * MB], ids=["20KB", "128MB"])
def test_oversized_header(server, size: int) -> None:
    watch = RssWatch(server.pid)
    baseline = watch.peak
    result: dict = {}
    stop = threading.Event()
    sender = threading.Thread(target=_send_header, args=(server.port, size, result, stop), daemon=True)
    sender.start()
    probe = Probe(server.url)
    probe.sample(count=6, every=0.3)
    sender.join(15)
    stop.set()
    peak = watch.stop()
    sender.join(20)
    probe.assert_fast()
    alive(server)
    answer = result.get("answer", "")
    assert " 500 " not in answer, answer
    assert answer.startswith("HTTP/1.1 431") or answer.startswith("<"), f"a {size}-byte header got {answer!r} after {result.get('seconds', 0):.1f} s, tree RSS {baseline / MB:.0f} -> {peak / MB:.0f} MB ({result})"
    assert result.get("seconds", 99) < 10, f"the refusal of a {size}-byte header took more than 10 s: {result}"
    assert peak < baseline + CEILING, f"tree RSS rose from {baseline / MB:.0f} MB to {peak / MB:.0f} MB"
    ask_fast(server.url)
