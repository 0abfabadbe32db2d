"""The connection-level limits: header size (431) and slow readers (send timeout).

uvicorn leaves both open. Its default HTTP implementation (httptools, on
llhttp) has no limit on the request line and headers at all: a client may send
megabytes of them and they are all kept. Its h11 implementation stops at
``h11_max_incomplete_event_size`` but answers 400. And a client that stops
reading a response keeps its connection, and the unsent part of the response,
for as long as it likes.

``uvicorn_options(settings)`` gives ``uvicorn.run``/``uvicorn.Config`` the same
implementation uvicorn would pick (httptools when installed, else h11), extended:

- **Headers**: once the request line and headers pass ``max_header_bytes``, the
  answer is 431 (a problem document) and the connection closes; what is kept
  meanwhile is at most the limit plus one read from the socket. Both
  implementations count the same way: bytes received before the headers end.
- **Header timeout**: a request line and headers that take longer than
  ``header_timeout_s`` from their first byte (from the connection's start, for
  the first request) get 408 and the connection closes: a client sending one
  byte now and then cannot hold a connection for ever (slowloris).
- **Send timeout**: when the client takes no response bytes for
  ``send_timeout_s`` (the socket's write buffer stays above its high-water mark),
  the connection is aborted and the unsent bytes dropped, as nginx's
  ``send_timeout`` does. A slow reader that keeps reading is not cut.

``send_in_pieces`` (used by the app's outermost middleware, ``SecurityHeaders``)
hands large bodies to the server in 64 KiB pieces: the server then waits for the
client before it takes the next piece, so a stalled connection holds one piece in
its buffer, not a copy of the whole answer (a cached answer's bytes stay shared
with the cache).
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import Message, Send

from plankg.settings import Settings

log = logging.getLogger("plankg.service")

CHUNK_BYTES = 64 * 1024  # uvicorn's write high-water mark: one piece fills the socket buffer


def _problem(status: int, phrase: str, slug: str, detail: str) -> bytes:
    """A whole problem response, written before the app ever sees the request."""
    body = json.dumps({"type": f"urn:plankg:problem:{slug}", "title": phrase, "status": status, "detail": detail}).encode()
    return (
        f"HTTP/1.1 {status} {phrase}\r\n".encode()
        + b"content-type: application/problem+json\r\n"
        + b"x-content-type-options: nosniff\r\n"
        + b"content-length: " + str(len(body)).encode() + b"\r\n"
        + b"connection: close\r\n\r\n" + body
    )


class _HeadTooLarge(Exception):
    pass


class _Limits:
    """Shared by both implementations: the 431 reply, the header timeout and the send timeout."""

    max_header_bytes: int = 16 * 1024
    header_timeout_s: float = 10.0
    send_timeout_s: float = 30.0
    stamp_arrival: bool = False
    _send_timer = None
    _head_timer = None

    def _refuse_head(self) -> None:
        transport = self.transport  # type: ignore[attr-defined]
        if transport.is_closing():
            return
        log.warning("request headers over %d bytes from %s: 431", self.max_header_bytes, (self.client or ("?",))[0])  # type: ignore[attr-defined]
        detail = f"The request line and headers are limited to {self.max_header_bytes} bytes."
        transport.write(_problem(431, "Request Header Fields Too Large", "request-header-fields-too-large", detail))
        transport.close()

    # a request's head must arrive within header_timeout_s of its first bytes (of the connection,
    # for the first request): uvicorn has no such limit, and a client sending one byte now and
    # then would hold a connection for ever. The clock starts only for a head that did not come
    # whole, so a request that arrives in one piece costs no timer.
    def connection_made(self, transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._head_started()

    def _head_started(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout_s, self._head_timed_out)  # type: ignore[attr-defined]

    def _head_complete(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        transport = self.transport  # type: ignore[attr-defined]
        if transport.is_closing():
            return
        cycle = getattr(self, "cycle", None)
        if cycle is not None and not cycle.response_complete:
            self._head_started()  # a pipelined head behind a response still being written: after it
            return
        detail = f"The request line and headers must arrive within {self.header_timeout_s:g} s."
        transport.write(_problem(408, "Request Timeout", "request-timeout", detail))
        transport.close()

    def pause_writing(self) -> None:
        super().pause_writing()  # type: ignore[misc]
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.send_timeout_s, self._send_timed_out)  # type: ignore[attr-defined]

    def resume_writing(self) -> None:
        super().resume_writing()  # type: ignore[misc]
        self._stop_send_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_send_timer()
        self._head_complete()
        super().connection_lost(exc)  # type: ignore[misc]

    def _stop_send_timer(self) -> None:
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _send_timed_out(self) -> None:
        self._send_timer = None
        log.warning("client %s read nothing for %g s: connection closed", (self.client or ("?",))[0], self.send_timeout_s)  # type: ignore[attr-defined]
        self.transport.abort()  # type: ignore[attr-defined]


class _HeadWithBody:
    """A request's view of the connection: the response's head is held until its first body
    bytes, and both leave in one write.

    uvicorn writes the status line and headers, then the body, each at once: two ``send``
    calls and two segments, and the client is woken for a head it cannot use yet. Writes
    before the response starts (``100 Continue``) and after the first body bytes go
    straight through; closing sends a held head first, aborting drops it.
    """

    __slots__ = ("_transport", "_cycle", "_head", "_done")

    def __init__(self, transport, cycle) -> None:
        self._transport = transport
        self._cycle = cycle
        self._head: bytes | None = None
        self._done = False  # the head went out

    def write(self, data: bytes) -> None:
        if self._done:
            self._transport.write(data)
        elif self._head is not None:
            self._done = True
            head, self._head = self._head, None
            self._transport.write(head + data if data else head)
        elif self._cycle.response_started:  # uvicorn sets it before it writes the head
            self._head = data
        else:
            self._transport.write(data)

    def close(self) -> None:
        if self._head is not None:
            self.write(b"")
        self._transport.close()

    def abort(self) -> None:
        self._head = None
        self._transport.abort()

    def __getattr__(self, name: str):
        return getattr(self._transport, name)


def _httptools_class():
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class LimitedHttpToolsProtocol(_Limits, HttpToolsProtocol):
        # bytes received while a request's head is awaited: bounds what llhttp and uvicorn keep
        # of a head that never ends; a head that ends is measured exactly when it does
        _awaiting_head = True
        _raw_head = 0
        _head_too_large = False

        def data_received(self, data: bytes) -> None:
            if self._awaiting_head:
                self._raw_head += len(data)
            super().data_received(data)
            if self._awaiting_head and self._raw_head:  # part of a head, still incomplete
                if self._raw_head > self.max_header_bytes:
                    self._refuse_head()
                else:
                    self._head_started()

        def send_400_response(self, msg: str) -> None:
            if self._head_too_large:
                self._refuse_head()
            else:
                super().send_400_response(msg)

        def on_headers_complete(self) -> None:
            self._awaiting_head = False
            self._raw_head = 0
            self._head_complete()
            size = len(self.url)
            for name, value in self.headers:
                size += len(name) + len(value) + 4
            if size > self.max_header_bytes:
                self._head_too_large = True
                raise _HeadTooLarge  # llhttp stops; uvicorn's parser-error path answers (send_400_response)
            super().on_headers_complete()
            cycle = self.cycle
            if cycle is not None and cycle.scope["method"] != "HEAD":  # a HEAD answer is its head alone
                cycle.transport = _HeadWithBody(self.transport, cycle)  # type: ignore[assignment]  # a transport for what the cycle calls
            if self.stamp_arrival:  # traced (service.tracing): the wait from here to the app is the event loop's
                self.scope["plankg.arrived"] = time.monotonic()  # type: ignore[typeddict-unknown-key]

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._awaiting_head = True
            self._raw_head = 0

    return LimitedHttpToolsProtocol


def _h11_class():
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class LimitedH11Protocol(_Limits, H11Protocol):
        # h11 stops an incomplete head at h11_max_incomplete_event_size and says 431 in the
        # error's hint, where uvicorn answers 400; a head that arrives whole is not measured
        # by h11, so it is measured here
        _error_hint = 400

        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            next_event = self.conn.next_event
            limit = self.max_header_bytes

            def watched_next_event():
                try:
                    event = next_event()
                    if isinstance(event, h11.Request):
                        self._head_complete()
                        size = len(event.method) + len(event.target) + sum(len(n) + len(v) + 4 for n, v in event.headers.raw_items())
                        if size > limit:
                            raise h11.RemoteProtocolError("request head too large", error_status_hint=431)
                    return event
                except h11.RemoteProtocolError as exc:
                    self._error_hint = exc.error_status_hint
                    raise

            self.conn.next_event = watched_next_event  # type: ignore[method-assign]

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self._head_started()  # data came, and no request yet: part of a head

        def send_400_response(self, msg: str) -> None:
            if self._error_hint == 431:
                self._refuse_head()
            else:
                super().send_400_response(msg)

    return LimitedH11Protocol


def protocol_class(settings: Settings, implementation: str = "auto") -> type:
    """uvicorn's HTTP/1.1 protocol with the limits of ``settings``; "auto" picks as uvicorn does."""
    if implementation == "auto":
        try:
            import httptools  # noqa: F401
        except ImportError:
            implementation = "h11"
        else:
            implementation = "httptools"
    base = _httptools_class() if implementation == "httptools" else _h11_class()
    limits = {
        "max_header_bytes": settings.max_header_bytes, "header_timeout_s": settings.header_timeout_s, "send_timeout_s": settings.send_timeout_s,
        "stamp_arrival": settings.trace_file is not None,
    }
    return type(base.__name__, (base,), limits)


def uvicorn_options(settings: Settings, implementation: str = "auto") -> dict:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config`` that apply the connection limits."""
    return {
        "http": protocol_class(settings, implementation),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1 and rewrite the peer; who the
        # client is behind a proxy is service.fairness's call, from PLANKG_TRUSTED_PROXIES only
        "proxy_headers": False,
        # SIGTERM ends the server within this, whatever is running: requests still open then are
        # cancelled, and a cancelled sandbox job kills its worker
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
    }


async def send_in_pieces(send: Send, message: Message, size: int = CHUNK_BYTES) -> None:
    """Send an ``http.response.body`` message as several of at most ``size`` bytes each.

    The server waits for the client to drain its buffer before it takes the next piece,
    so a stalled connection holds one piece, not a copy of the whole body.
    """
    body = message.get("body", b"")
    view = memoryview(body)
    more = message.get("more_body", False)
    for start in range(0, len(body), size):
        last = start + size >= len(body)
        await send({"type": "http.response.body", "body": bytes(view[start:start + size]), "more_body": more or not last})
