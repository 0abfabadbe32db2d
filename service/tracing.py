"""The ASGI side of ``plankg.store.trace`` (``bench.mixed --trace``): one record per request.

Wraps the app only when the setting ``trace_file`` is given (``plankg serve``). A
record holds when the request's head was parsed (``arrived``, stamped by the HTTP
protocol in ``service.server``), when the app took it (``t_in``: the wait between
the two is the event loop's), when the answer started and ended, its status and
client; a query adds the worker pool's times (``WorkerPool.query_async``). The
event loop's lag is sampled while the server runs, the server's collections are
spans; everything is written when the server stops.
"""

from __future__ import annotations

import asyncio
import atexit
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plankg.store import trace as tracing


class TraceRequests:
    def __init__(self, app: ASGIApp, trace: tracing.Trace) -> None:
        self.app = app
        self.trace = trace
        self._sampler: asyncio.Task | None = None
        trace.watch_gc()
        atexit.register(trace.write)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._lifespan(receive), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record: dict = {"t_in": time.monotonic(), "arrived": scope.get("plankg.arrived"), "method": scope["method"], "path": scope["path"]}
        forwarded = next((value for name, value in scope.get("headers", ()) if name == b"x-forwarded-for"), None)
        record["client"] = forwarded.decode("latin-1") if forwarded is not None else (scope.get("client") or ("?",))[0]

        async def traced(message: Message) -> None:
            if message["type"] == "http.response.start":
                record["status"] = message["status"]
                record["t_start"] = time.monotonic()
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                record["t_out"] = time.monotonic()
            await send(message)

        token = tracing.current.set(record)
        try:
            await self.app(scope, receive, traced)
        finally:
            tracing.current.reset(token)
            record["t_end"] = time.monotonic()
            self.trace.note("request", **record)

    def _lifespan(self, receive: Receive) -> Receive:
        async def watched() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._sampler = asyncio.get_running_loop().create_task(self.trace.sample_lag())
            elif message["type"] == "lifespan.shutdown":
                if self._sampler is not None:
                    self._sampler.cancel()
                self.trace.write()
            return message

        return watched
