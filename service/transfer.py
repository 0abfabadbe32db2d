"""What every response gets on its way out: CORS for reads only, discovery links, compression.

- Cross-origin reads are open (``PLANKG_CORS_ORIGINS``, ``*`` by default, never with
  credentials): the CORS middleware answers preflights and marks answers. Writes
  (``/update``, ``/graphs`` other than GET/HEAD) and ``/validate`` uploads never carry
  a CORS header, whatever the origin, and their preflights are refused (403).
- Pages and the SPARQL endpoint link to the service description and the VoID
  description (``Link``), so a client that lands anywhere finds the data's description.
- Text is gzip-compressed for clients that accept it (Starlette's ``GZipMiddleware``,
  which streams; the response byte cap counts what the handler wrote, before compression).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plankg.errors import Forbidden
from plankg.settings import Settings
from service.problems import problem_response

READ_METHODS = ("GET", "HEAD", "POST")  # POST: /sparql and named queries take their query in a body
SAFE_METHODS = ("GET", "HEAD")
ALLOWED_HEADERS = ("Accept", "Accept-Language", "Content-Type", "If-None-Match", "If-Modified-Since")
EXPOSED_HEADERS = ("ETag", "Link", "Content-Location", "Last-Modified", "X-PlanKG-Truncated", "X-PlanKG-Row-Cap",
                   "X-PlanKG-Byte-Cap", "X-PlanKG-Rows", "Retry-After")
GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 6  # level 9 costs several times the CPU for a few per cent
# the endpoint's service description is GET /sparql; the dataset's description is /void
DISCOVERY_LINK = '</sparql>; rel="service-desc"; type="text/turtle", </void>; rel="describedby"; type="text/turtle"'


def is_write(method: str, path: str) -> bool:
    """A request that changes data or uploads data to be checked: never cross-origin."""
    if path == "/update" or path.startswith("/update/"):
        return True
    if path == "/validate" or path.startswith("/validate/"):
        return method not in SAFE_METHODS
    if path == "/graphs" or path.startswith("/graphs/"):
        return method not in SAFE_METHODS
    return False


class NoCORSForWrites:
    """Outside the CORS middleware: a write's preflight is refused, and a write's answer
    loses any CORS header (a simple form POST needs no preflight, and must not be readable)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if method == "OPTIONS":
            headers = Headers(scope=scope)
            requested = headers.get("access-control-request-method", "").strip().upper()
            if "origin" in headers and requested and is_write(requested, path):
                response = problem_response(
                    403, "forbidden", Forbidden.title,
                    f"Cross-origin writes and uploads are not allowed: {path} takes them only from clients that are not browsers on other sites.",
                    instance=path,
                )
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        if not is_write(method, path):
            await self.app(scope, receive, send)
            return

        async def stripped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name in [k for k in headers.keys() if k.startswith("access-control-")]:
                    del headers[name]
            await send(message)

        await self.app(scope, receive, stripped)


class DiscoveryLinks:
    """``Link`` to the service description and VoID on the endpoint's answers and on every page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        endpoint = scope["path"] == "/sparql"

        async def linked(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                headers = MutableHeaders(scope=message)
                if endpoint or headers.get("content-type", "").startswith("text/html"):
                    existing = headers.get("link")
                    headers["Link"] = f"{existing}, {DISCOVERY_LINK}" if existing else DISCOVERY_LINK
            await send(message)

        await self.app(scope, receive, linked)


def _cors_options(settings: Settings) -> dict:
    return {
        "allow_origins": settings.cors_origins,
        "allow_methods": list(READ_METHODS),
        "allow_headers": list(ALLOWED_HEADERS),
        "allow_credentials": False,
        "expose_headers": list(EXPOSED_HEADERS),
        "max_age": 600,
    }


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware, innermost first (each ``add_middleware`` wraps what is there)."""
    app.add_middleware(DiscoveryLinks)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, **_cors_options(settings))
    app.add_middleware(NoCORSForWrites)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)


async def _nothing(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover - never called
    raise RuntimeError("not an app")


class ReadAnswer:
    """What the middleware of ``install`` does to the answer of a read that is no preflight, in one step.

    For ``service.app``'s hot path, which answers ``/sparql`` and the named queries in
    front of the middleware (each layer costs every request): the discovery ``Link``,
    the CORS headers (from the same ``CORSMiddleware``, configured alike), and
    compression (the same ``GZipMiddleware`` for clients that accept gzip; for the
    others, the ``Vary: Accept-Encoding`` it would add to a body it could compress).
    ``tests/api/test_fast_routes.py`` checks that both ways give the same answer.
    """

    def __init__(self, settings: Settings, app: ASGIApp) -> None:
        self.cors = CORSMiddleware(_nothing, **_cors_options(settings)) if settings.cors_origins else None
        self.gzip = GZipMiddleware(app, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
        self.excluded = GZipMiddleware(_nothing).exclude_content_types

    @staticmethod
    def wants_gzip(request_headers: Headers) -> bool:
        return "gzip" in request_headers.get("accept-encoding", "")

    def decorate(self, scope: Scope, request_headers: Headers, status: int, headers: MutableHeaders, body_size: int, gzip: bool) -> None:
        """Headers of a whole (not streamed) answer, as DiscoveryLinks, CORS and GZip leave them (in that order)."""
        if scope["method"] in SAFE_METHODS and status < 400:
            if scope["path"] == "/sparql" or headers.get("content-type", "").startswith("text/html"):
                existing = headers.get("link")
                headers["Link"] = f"{existing}, {DISCOVERY_LINK}" if existing else DISCOVERY_LINK
        cors = self.cors
        if cors is not None:
            origin = request_headers.get("origin")
            if origin is not None:
                headers.update(cors.simple_headers)
            if origin is not None and cors.allow_all_origins and cors.allow_credentials:
                cors.allow_explicit_origin(headers, origin)
            elif origin is not None and not cors.allow_all_origins and cors.is_allowed_origin(origin=origin):
                cors.allow_explicit_origin(headers, origin)
            else:
                headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
        if not gzip and body_size >= GZIP_MINIMUM_BYTES and status != 206 and "content-encoding" not in headers:
            media = headers.get("content-type", "").partition(";")[0].strip().lower()
            if {media, media.partition("/")[0] + "/*"}.isdisjoint(self.excluded):
                headers.add_vary_header("Accept-Encoding")
