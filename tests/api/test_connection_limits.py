"""Connection limits of `plankg serve` (service.server): 431 past the header limit, header and send timeouts.

The servers run with the options `plankg serve` gives uvicorn, on each HTTP
implementation uvicorn has (httptools is its default; h11 when httptools is missing).
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

HEADER_LIMIT = 4096
SEND_TIMEOUT_S = 1.0
HEADER_TIMEOUT_S = 1.5
# every triple six times, ~10 MB of TSV: more than the kernel's socket buffers take in
BIG = "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o VALUES ?n { 1 2 3 4 5 6 } }", "format": "tsv"})


async def slow_answer(request):
    await asyncio.sleep(HEADER_TIMEOUT_S * 1.5)
    return PlainTextResponse("done")


@dataclass(frozen=True)
class Server:
    port: int


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(request, live_server_factory):
    url = live_server_factory(
        customize=lambda app: app.router.routes.insert(0, Route("/slow", slow_answer)),
        http=request.param,
        max_header_bytes=HEADER_LIMIT,
        header_timeout_s=HEADER_TIMEOUT_S,
        send_timeout_s=SEND_TIMEOUT_S,
        result_row_cap=1_000_000,
    )
    return Server(int(url.rsplit(":", 1)[1]))


def connect(server: Server, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: the window stays small
    sock.connect(("127.0.0.1", server.port))
    sock.settimeout(10)
    return sock


def read_all(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def request_with_headers(pad: int) -> bytes:
    return b"GET /queries HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * pad + b"\r\nConnection: close\r\n\r\n"


def test_headers_under_the_limit_are_served(server):
    with connect(server) as sock:
        sock.sendall(request_with_headers(HEADER_LIMIT // 2))
        assert read_all(sock).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("pad", [HEADER_LIMIT + 100, 50 * HEADER_LIMIT])
def test_headers_over_the_limit_get_431_with_a_problem(server, pad):
    with connect(server) as sock:
        sock.sendall(request_with_headers(pad))
        reply = read_all(sock)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431"), reply[:200]
    assert b"content-type: application/problem+json" in head.lower()
    problem = json.loads(body)
    assert problem["status"] == 431 and str(HEADER_LIMIT) in problem["detail"]


def test_endless_headers_are_cut_off_not_buffered(server):
    """64 MB of headers: the server answers and hangs up long before they are all sent."""
    sent = 0
    outcome = "sent everything"
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ")
        chunk = b"a" * 65536
        try:
            while sent < 64 * 1024 * 1024:
                sock.sendall(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            outcome = "cut off"
        except TimeoutError:
            outcome = "server stopped reading"
    assert outcome != "sent everything"
    assert sent < 16 * 1024 * 1024


def test_a_client_that_stops_reading_is_disconnected_after_the_send_timeout(server):
    with connect(server, rcvbuf=4096) as sock:
        sock.sendall(f"GET {BIG} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        time.sleep(SEND_TIMEOUT_S * 4)  # read nothing: the server's buffer stays full
        reply = read_all(sock)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    assert len(body) < length, "the whole answer arrived: the connection was not cut"


def test_a_client_that_reads_gets_the_whole_answer(server):
    with connect(server) as sock:
        sock.sendall(f"GET {BIG} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = read_all(sock)
    head, _, body = reply.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    assert len(body) == length > 8_000_000


def test_a_head_that_trickles_in_gets_408_after_the_header_timeout(server):
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /queries HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(20):  # one header line a second, never the blank line
                time.sleep(HEADER_TIMEOUT_S / 2)
                sock.sendall(b"X-Slow: 1\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
    assert time.monotonic() - started < HEADER_TIMEOUT_S * 4


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(server):
    with connect(server) as sock:
        started = time.monotonic()
        reply = read_all(sock)
    assert reply.startswith(b"HTTP/1.1 408")
    assert HEADER_TIMEOUT_S * 0.9 < time.monotonic() - started < HEADER_TIMEOUT_S * 4


def test_a_slow_answer_is_not_cut_by_the_header_timeout(server):
    """The clock stops when the head is complete: an answer that takes longer than it is still sent,
    and the connection serves the next request."""
    with connect(server) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        first = sock.recv(65536)
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = first + read_all(sock)
    assert reply.count(b"HTTP/1.1 200") == 2, reply[:300]


def test_pipelined_head_and_get_on_one_connection_are_answered_whole(server):
    # the head of an answer waits for its body (one write); a HEAD answer has none and must go at once
    with connect(server) as sock:
        ask = b"/sparql?query=ASK%7B%7D"
        sock.sendall(b"HEAD " + ask + b" HTTP/1.1\r\nHost: x\r\n\r\nGET " + ask + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = read_all(sock)
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200")
    length = int(next(line.split(b":", 1)[1] for line in first.split(b"\r\n") if line.lower().startswith(b"content-length:")))
    assert rest.startswith(b"HTTP/1.1 200")  # no body after the HEAD answer's head
    second, _, body = rest.partition(b"\r\n\r\n")
    assert len(body) == length and body.strip()
