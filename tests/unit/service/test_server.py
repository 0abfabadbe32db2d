"""``service.server._HeadWithBody``: a response's head leaves with its first body bytes, in one write."""

from __future__ import annotations

from types import SimpleNamespace

from service.server import _HeadWithBody


class Transport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"


def test_the_head_and_the_first_body_bytes_go_in_one_write():
    transport, cycle = Transport(), SimpleNamespace(response_started=False)
    view = _HeadWithBody(transport, cycle)
    cycle.response_started = True
    view.write(HEAD)
    assert transport.writes == []
    view.write(b"hello")
    assert transport.writes == [HEAD + b"hello"]


def test_body_bytes_after_the_first_write_go_straight_through():
    transport, cycle = Transport(), SimpleNamespace(response_started=True)
    view = _HeadWithBody(transport, cycle)
    for piece in (HEAD, b"ab", b"cd", b""):
        view.write(piece)
    assert transport.writes == [HEAD + b"ab", b"cd", b""]


def test_an_empty_body_sends_the_head_alone():
    transport, cycle = Transport(), SimpleNamespace(response_started=True)
    view = _HeadWithBody(transport, cycle)
    view.write(HEAD)
    view.write(b"")
    assert transport.writes == [HEAD]


def test_writes_before_the_response_starts_are_not_held():
    transport, cycle = Transport(), SimpleNamespace(response_started=False)
    view = _HeadWithBody(transport, cycle)
    view.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert transport.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]


def test_closing_sends_a_held_head_first():
    transport, cycle = Transport(), SimpleNamespace(response_started=True)
    view = _HeadWithBody(transport, cycle)
    view.write(HEAD)
    view.close()
    assert transport.writes == [HEAD] and transport.closed


def test_aborting_drops_a_held_head():
    transport, cycle = Transport(), SimpleNamespace(response_started=True)
    view = _HeadWithBody(transport, cycle)
    view.write(HEAD)
    view.abort()
    assert transport.writes == [] and transport.aborted


def test_everything_else_is_the_transport_s():
    transport, cycle = Transport(), SimpleNamespace(response_started=False)
    assert _HeadWithBody(transport, cycle).is_closing() is False
