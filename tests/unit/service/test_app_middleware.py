"""service.app.SecurityHeaders: no Location built from Host leaves the service, and large bodies go in pieces."""

from __future__ import annotations

import pytest

from service.app import SecurityHeaders
from service.server import CHUNK_BYTES

from own_loop import run_in_own_loop


def respond(status: int, headers: list[tuple[bytes, bytes]], body: bytes = b""):
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def run(app) -> list[dict]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    run_in_own_loop(SecurityHeaders(app)({"type": "http", "method": "GET", "path": "/"}, receive, send))
    return sent


def location(sent: list[dict]) -> str:
    return dict(sent[0]["headers"])[b"location"].decode()


@pytest.mark.parametrize(
    "given, expected",
    [
        ("http://evil.example/queries", "/queries"),
        ("http://evil.example/queries?x=1#f", "/queries?x=1#f"),
        ("http://evil.example//evil.example/x", "/evil.example/x"),  # would be a protocol-relative URL
        ("http://evil.example/\\evil.example/x", "/evil.example/x"),  # browsers read /\ as //
        ("/query", "/query"),
    ],
)
def test_a_redirect_location_is_never_absolute(given, expected):
    sent = run(respond(307, [(b"location", given.encode())]))
    assert location(sent) == expected


def test_a_large_body_is_sent_in_pieces_and_a_small_one_whole():
    big = b"x" * (CHUNK_BYTES * 3 + 5)
    pieces = [m for m in run(respond(200, [], big)) if m["type"] == "http.response.body"]
    assert [len(m["body"]) for m in pieces] == [CHUNK_BYTES] * 3 + [5]
    assert [m["more_body"] for m in pieces] == [True, True, True, False]
    assert b"".join(m["body"] for m in pieces) == big
    small = [m for m in run(respond(200, [], b"ok")) if m["type"] == "http.response.body"]
    assert [m["body"] for m in small] == [b"ok"]
