"""``create_app(settings)``: the FastAPI app, with no module-level state.

The lifespan opens the store (building the graph first when the store is
empty, so ``plankg serve`` on a fresh clone builds and then serves), starts the
store's query workers, and puts one ``AppContext`` on ``app.state.ctx``.
``plankg serve`` (and ``create_app_from_env``) instead open the store and start
its workers in the background before the routers are imported, and hand the
store to ``create_app``: the disk read and the zygote's load then overlap the
imports, which were most of the start-up.

API docs: ``/openapi.json`` always; ``/docs`` is Swagger UI served from the
assets that the ``fastapi-offline`` package ships (FastAPI's own ``/docs``
loads them from a CDN, and this service makes no outside requests). Without
that package there is no ``/docs``.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import importlib.util
import logging
import re
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit, urlunsplit

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import plankg
from plankg.errors import ParameterError, PayloadTooLarge
from plankg.namespaces import Namespaces
from plankg.settings import Settings
from plankg.store import Store
from service import problems, transfer
from service.auth import WriteEndpointsNoCORS
from service.context import AppContext
from service.executor import QueryExecutor
from service.fairness import Fairness, FairShare, is_expensive
from service.hot_routes import Endpoint, hot_endpoints, promoted
from service.server import CHUNK_BYTES, send_in_pieces

log = logging.getLogger("plankg.service")

# every router module of ARCHITECTURE.md "Service layout"; each exposes `router`
ROUTER_MODULES = (
    "service.sparql",
    "service.queries",
    "service.linked_data",
    "service.validate",
    "service.graphs",
    "service.pages",
    "service.annotate",
)

# The two hashes allow exactly the two <style> blocks that YASR's column resizer (vendored
# @zazuko/yasgui, /query) inserts: its grip rules and the cursor while a column is dragged.
# No other inline style is allowed; a new YASGUI version whose blocks differ is caught by
# tests/unit/test_query_editor_assets.py.
YASR_STYLE_HASHES = (
    "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
    "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='",
)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' " + " ".join(YASR_STYLE_HASHES) + "; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
)
# as they go on the wire (lower-case names): added to a response's raw headers without parsing them
_RAW_SECURITY_HEADERS = tuple((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS)


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory service.app:create_app_from_env``: settings from the environment.

    As ``plankg serve`` does, an embedded store is opened first and its query workers
    get ready in the background while the routers are imported and the app is made
    (a remote store has nothing to load: the lifespan opens it, as before).
    """
    from plankg.build import open_built_store
    from plankg.store.workers import WorkerOptions

    settings = Settings()
    if settings.store != "embedded":
        return create_app(settings)
    store = open_built_store(settings, progress=lambda step: log.warning("build: %s", step))
    try:
        store.start_query_workers(settings.query_workers, wait=False, options=WorkerOptions.of(settings))
        app = create_app(settings, store=store, defer_routes=True)
        app.state.freeze_gc = True  # the one app of this process (_warm_all)
        return app
    except BaseException:
        store.close()
        raise


def create_app(settings: Settings, store: Store | None = None, *, defer_routes: bool = False) -> FastAPI:
    """A fresh app. ``store``: an opened store for its one lifespan to serve and then
    close; by default the lifespan opens (and when empty, builds) the configured one.

    ``defer_routes`` (``plankg serve``): only the routers a first answer needs
    (``FIRST_ANSWER_MODULES``: ``/sparql`` and the named queries) are made before the
    server listens; the others are imported and added while it already answers, and a
    request for one of them meanwhile waits for them (``LateRoutes``), then is routed as
    in an app made whole. Every middleware (limits, fairness, headers) is in place from
    the first request either way.
    """
    from plankg.catalog import Catalog

    # read once per app: the typed routes, the fast routes and the context share it
    catalog = Catalog.load(settings)
    late: LateRoutes | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        opening = asyncio.ensure_future(run_in_threadpool(open_context, settings, catalog, store))
        later = None
        if late is not None:
            # imported while the store's workers still get ready (a wait, at scale); when they are
            # ready already, a moment after the server listens: the imports hold the GIL, and the
            # first requests, most often for /sparql or a named query, are answered first
            if not (await asyncio.wait({opening}, timeout=0.05))[0]:
                late.start()
            else:
                later = asyncio.get_running_loop().call_later(LATE_ROUTES_AFTER_S, late.start)
        try:
            ctx = await opening
        except BaseException:
            if later is not None:
                later.cancel()
            if late is not None:
                await late.settle()
            raise
        app.state.ctx = ctx
        # in-memory indexes a router builds from the data (the search index), built while the first
        # requests are served, not before: a request that needs one meanwhile waits for the same
        # build (the answer cache merges it), every other is answered at once
        warming = asyncio.create_task(_warm_all(app, modules, late))
        try:
            yield
        finally:
            warming.cancel()
            await asyncio.gather(warming, return_exceptions=True)
            if later is not None:
                later.cancel()
            if late is not None:
                await late.settle()
            app.state.ctx = None
            await run_in_threadpool(ctx.close)

    app = PlanKGApp(
        title="plankg",
        summary="Knowledge graph of the UN Women Strategic Plan 2022–2025 (UNW/2021/6)",
        version=getattr(plankg, "__version__", "0.1.0"),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # added with the late routes when they are deferred: a schema made before would miss them
        openapi_url=None if defer_routes else OPENAPI_URL,
    )
    app.state.ctx = None
    problems.install(app, expensive=is_expensive)
    first = FIRST_ANSWER_MODULES if defer_routes else ROUTER_MODULES
    # every one must be there: a missing router is a broken install, an error at start
    modules = _import_modules(first)
    _add_routes(app, settings, catalog, modules)
    if defer_routes:
        rest = [name for name in ROUTER_MODULES if name not in first]
        missing = [name for name in rest if importlib.util.find_spec(name) is None]
        if missing:
            raise ModuleNotFoundError(f"the service's modules {', '.join(missing)} are missing: a broken install")
        late = LateRoutes(app, settings, catalog, rest)
    else:
        _install_docs(app)

    # the last added middleware is the outermost
    app.state.fairness = Fairness(settings)  # one per app: the routes and FairShare count the same shares
    app.add_middleware(FairShare, fairness=app.state.fairness)
    app.add_middleware(Admission, limit=settings.max_body_bytes)
    # CORS for reads only, discovery links, gzip (service.transfer); the fast routes are inside it too
    transfer.install(app, settings)
    # outside the CORS middleware: no preflight for a write to /graphs or /update is granted
    app.add_middleware(WriteEndpointsNoCORS)
    app.add_middleware(CatchAll)
    app.add_middleware(SecurityHeaders)
    app.hot_path.configure(settings)
    return app


OPENAPI_URL = "/openapi.json"
LATE_ROUTES_AFTER_S = 0.25  # a request for a late route starts them at once
# the routers a first answer needs (/sparql, the named queries); with ``defer_routes`` the rest
# of ROUTER_MODULES comes while the server already answers
FIRST_ANSWER_MODULES = ("service.sparql", "service.queries")


def _import_modules(names) -> list:
    return [importlib.import_module(name) for name in names]


def _add_routes(app: FastAPI, settings: Settings, catalog, modules: list) -> None:
    # a router whose routes come from the settings (one per named query) is built per app
    routers = [module.build_router(settings, catalog) if hasattr(module, "build_router") else module.router for module in modules]
    # the routes the routers marked hot, served by plain Starlette routes matched before any router
    # (the late routers mark none: they join after the first ones, which match none of their paths)
    hot = hot_endpoints(route for router in routers for route in router.routes)
    app.router.routes.extend(promoted(hot))
    if isinstance(app, PlanKGApp):
        app.hot_path.add(hot)
    for router in routers:
        app.include_router(router)


class LateRoutes:
    """The routers a first answer does not need, added once the server listens.

    Their modules are imported in a worker thread (most of the cost); the routes are added
    on the event loop, between two requests' routing. Until then the router's fallback (what
    answers a path no route matches) waits for them and routes the request again, and the
    trailing-slash redirect is off (it would redirect to a route that is not there yet):
    a request is never answered 404 or redirected for want of a route still coming.
    """

    def __init__(self, app: FastAPI, settings: Settings, catalog, names: list[str]) -> None:
        self.app, self.settings, self.catalog, self.names = app, settings, catalog, names
        self.modules: list = []
        self._task: asyncio.Task | None = None
        self._added = asyncio.Event()
        router = app.router
        self._fallback, self._redirect_slashes = router.default, router.redirect_slashes
        router.default, router.redirect_slashes = self._route_when_ready, False

    def start(self) -> asyncio.Task:
        """Begin adding them (once; from the event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._add())
        return self._task

    async def ready(self) -> list:
        """The late modules, once their routes are in place."""
        await asyncio.shield(self.start())
        return self.modules

    async def added(self) -> list:
        """The late modules, once someone else had their routes added (this does not start it)."""
        await self._added.wait()
        return self.modules

    async def settle(self) -> None:
        """At shutdown: a thread still importing is let finish (it cannot be stopped)."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _add(self) -> None:
        app = self.app
        try:
            modules = await run_in_threadpool(_import_modules, self.names)
            _add_routes(app, self.settings, self.catalog, modules)
            _install_docs(app)
            app.openapi_url = OPENAPI_URL
            app.setup()  # the schema route, last: no route before it answers its path
        except BaseException:
            log.exception("the service's routes could not be added")
            raise
        self.modules = modules
        app.router.default, app.router.redirect_slashes = self._fallback, self._redirect_slashes
        self._added.set()

    async def _route_when_ready(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.ready()
        await self.app.router(scope, receive, send)


async def _warm_all(app: FastAPI, modules: list, late: LateRoutes | None) -> None:
    if late is not None:
        modules = modules + await late.added()
    for module in modules:
        if hasattr(module, "warm_up"):
            await _warm(module.warm_up, app)
    if getattr(app.state, "freeze_gc", False):
        # what start-up made (modules, routes, catalog, indexes) lives as long as the server: out of
        # the collector's reach, a full collection no longer walks all of it while the event loop
        # waits. No gc.collect() first: it is such a walk (the garbage frozen with the rest is small)
        gc.freeze()


WARM_UP_SECONDS = 30.0


async def _warm(warm_up, app: FastAPI) -> None:
    try:
        await asyncio.wait_for(warm_up(app), WARM_UP_SECONDS)
    except Exception:  # noqa: BLE001 - a warm-up is an optimization: the first request builds it then
        log.warning("warm-up %s failed", getattr(warm_up, "__module__", "?"), exc_info=True)


def open_context(settings: Settings, catalog=None, store: Store | None = None) -> AppContext:
    """The store (opened unless one is given; built first when empty) with its query
    workers, and the catalog (``create_app`` passes the one its routes were made from)."""
    from plankg.catalog import Catalog
    from plankg.store import open_store
    from plankg.store.workers import WorkerOptions

    if store is None:
        store = open_store(settings)
    try:
        if store.is_empty():
            from plankg.build import build

            log.warning("the store is empty: building the graph first")
            build(settings, store, progress=lambda step: log.warning("build: %s", step))
        store.start_query_workers(settings.query_workers, options=WorkerOptions.of(settings))
        if catalog is None:
            catalog = Catalog.load(settings)
    except BaseException:
        store.close()
        raise
    return AppContext(
        settings=settings,
        ns=Namespaces.of(settings),
        store=store,
        catalog=catalog,
        executor=QueryExecutor(store, settings),
    )


# ---------------------------------------------------------------- the hot path
class PlanKGApp(FastAPI):
    """The app: FastAPI, with the hot routes (``/sparql``, the named queries) answered in front.

    A request for a hot route (``service.hot_routes``) skips the middleware stack and the
    router and goes to ``HotPath``, which applies the same guards in one step; every other
    request (and an ``OPTIONS`` preflight, and a method the route does not take) goes the
    whole way. The routers' routes stay what ``/openapi.json`` describes.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hot_path = HotPath(self)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.hot_path.endpoint(scope)
            if endpoint is not None:
                scope["app"] = self
                await self.hot_path(endpoint, scope, receive, send)
                return
        await super().__call__(scope, receive, send)


class HotPath:
    """The middleware stack of ``create_app``, for the hot routes, as one ASGI step.

    Each layer of the stack costs every request (a call, a closure over ``send``, the
    headers parsed again), and for a small query the layers and the router cost more
    than the rest of the answer. Here, in the stack's order: the security headers,
    relative ``Location`` and bodies in pieces (``guarded``, as ``SecurityHeaders``);
    the last net for unexpected errors (``CatchAll``); the discovery links, CORS and
    compression (``transfer.ReadAnswer``); the target and body checks (``Admission``,
    the same instance's methods); then the route's plain endpoint, whose errors become the
    problems the app's exception handlers make. ``FairShare`` takes no share for these
    routes (their handlers take it themselves), nor does the write guard apply to them.
    ``tests/api/test_fast_routes.py`` compares each answer with the whole stack's.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.enabled = False
        self.routes: dict[str, dict[str, Endpoint]] = {}
        self.admission: Admission | None = None
        self.read: transfer.ReadAnswer | None = None

    def configure(self, settings: Settings) -> None:
        self.admission = Admission(self.app, limit=settings.max_body_bytes)
        self.read = transfer.ReadAnswer(settings, self._answer)
        self.enabled = True

    def add(self, routes: dict[str, dict[str, Endpoint]]) -> None:
        for path, handlers in routes.items():
            if "{" not in path:  # a literal path: found by a dict lookup, no pattern to match
                self.routes[path] = dict(handlers)

    def endpoint(self, scope: Scope) -> Endpoint | None:
        """The plain endpoint for this request, or None: the whole stack answers it."""
        if not self.enabled or scope.get("root_path"):
            return None
        handlers = self.routes.get(scope["path"])
        if handlers is None:
            return None
        method = scope["method"]
        return handlers.get("GET" if method == "HEAD" else method)

    async def __call__(self, endpoint: Endpoint, scope: Scope, receive: Receive, send: Send) -> None:
        out = guarded(send)
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await out(message)

        scope["plankg.endpoint"] = endpoint
        try:
            headers = Headers(scope=scope)
            assert self.read is not None
            if self.read.wants_gzip(headers):
                await self.read.gzip(scope, receive, watched)
            else:
                await self._answer(scope, receive, watched, headers, gzip=False)
        except Exception as exc:  # noqa: BLE001 - logged with an id, never shown (as CatchAll)
            response = problems.unexpected(scope.get("path"), exc)
            if not started:
                await response(scope, receive, out)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, headers: Headers | None = None, gzip: bool = True) -> None:
        assert self.read is not None and self.admission is not None
        if headers is None:
            headers = Headers(scope=scope)
        response = self.admission.refusal(scope)
        if response is None:
            counted = self.admission.counted(receive)
            request = Request(scope, counted)
            try:
                response = await scope["plankg.endpoint"](request)
            except Exception as exc:
                handler = self._handler(exc)
                if handler is None:
                    raise
                response = await handler(request, exc)
            receive = counted
        body = getattr(response, "body", None)
        if body is None:  # a streamed answer: its headers go as the stack's would, in the message
            raise RuntimeError("a hot route answered with a streamed response")
        self.read.decorate(scope, headers, response.status_code, response.headers, len(body), gzip)
        await response(scope, receive, send)

    def _handler(self, exc: Exception):
        handlers = self.app.exception_handlers
        for cls in type(exc).__mro__:
            if cls in handlers:
                return handlers[cls]
        return None


# ---------------------------------------------------------------- middleware
class SecurityHeaders:
    """Every response leaves through here, in one wrapper (each ASGI layer costs every request):

    - the security headers;
    - a ``Location`` that never names the ``Host`` the client sent: an absolute one is made
      relative. The service's own redirects are relative already; Starlette's trailing-slash
      redirect (``/queries/`` → ``/queries``) is absolute, built from ``Host``, which the
      client writes: a cache or a proxy in front would then send others off-site. A path
      that starts with ``//`` or ``/\\`` would be read as another host, so it starts with one ``/``;
    - bodies over ``CHUNK_BYTES`` go to the server in pieces (``service.server``): a client that
      stops reading then holds one piece in the socket's buffer, not a copy of the whole answer.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        await self.app(scope, receive, guarded(send))


def guarded(send: Send) -> Send:
    """``send`` with what ``SecurityHeaders`` adds: its headers, a relative ``Location``, bodies in pieces."""

    async def send_guarded(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = message["headers"] = list(message.get("headers", ()))
            present = {name for name, _ in raw}
            for header in _RAW_SECURITY_HEADERS:
                if header[0] not in present:
                    raw.append(header)
            if 300 <= message["status"] < 400:
                _relative_location(MutableHeaders(scope=message))
        elif len(message.get("body", b"")) > CHUNK_BYTES:
            await send_in_pieces(send, message)
            return
        await send(message)

    return send_guarded


_LEADING_SLASHES = re.compile(r"^[/\\]+")


def _relative_location(headers: MutableHeaders) -> None:
    location = headers.get("location")
    if location and "//" in location:
        parts = urlsplit(location)
        if parts.netloc:
            path = "/" + _LEADING_SLASHES.sub("", parts.path)
            headers["location"] = urlunsplit(("", "", path, parts.query, parts.fragment))


class CatchAll:
    """The last net: a generic 500 problem, and the connection stays usable.

    (Starlette's own last net re-raises to the server, which then drops the
    keep-alive connection under the client's next request.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - logged with an id, never shown
            response = problems.unexpected(scope.get("path"), exc)
            if not started:
                await response(scope, receive, send)


# an escape of a byte over 0x7F: only these (or raw bytes over 0x7F) can make a target invalid UTF-8
_HIGH_ESCAPE = re.compile(rb"%[89A-Fa-f][0-9A-Fa-f]")


def _check_utf8(raw: bytes) -> None:
    """Raise UnicodeDecodeError unless ``raw`` decodes to UTF-8 once unescaped.

    Plain ASCII with only ASCII escapes is UTF-8 whatever it holds, and is
    told in C; only the rest is unescaped (in Python, about 30 ns a byte).
    """
    if raw.isascii() and not _HIGH_ESCAPE.search(raw):
        return
    unquote_to_bytes(raw).decode("utf-8")


class Admission:
    """The checks a request passes before any route sees it, in their one order.

    First the target: 400 for a path or query string that is not percent-encoded
    UTF-8 (the server and Starlette decode them with replacement characters, so a
    query, a search or a graph IRI would otherwise run on text the client never
    sent). Then the body: 400 for a Content-Length that is not a number, 413 for one
    over the limit, and a body counted as it streams in. The middleware stack and
    ``HotPath`` both call ``refusal`` and ``counted``, so a check added here guards both.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self.refusal(scope)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, self.counted(receive), send)

    def refusal(self, scope: Scope) -> Response | None:
        """The answer to a request refused before its route, else None."""
        return self._target_refusal(scope) or self._length_refusal(scope)

    @staticmethod
    def _target_refusal(scope: Scope) -> Response | None:
        try:
            _check_utf8(scope.get("raw_path") or b"")
            _check_utf8(scope.get("query_string") or b"")
        except UnicodeDecodeError:
            detail = "The request's path or query string is not valid percent-encoded UTF-8."
            return problems.problem_response(400, "parameter", ParameterError.title, detail, instance=scope.get("path"))
        return None

    def _length_refusal(self, scope: Scope) -> Response | None:
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                # ASCII digits only (bytes.isdigit): int() would also take b" 12", b"+12" and b"1_2"
                if not value.isdigit() or len(value) > 18:
                    return problems.problem_response(400, "bad-request", "Bad request", "Content-Length is not a number.")
                declared = int(value)
        if declared is not None and declared > self.limit:
            return problems.from_domain_error(self._error(), scope.get("path"))
        return None

    def counted(self, receive: Receive) -> Receive:
        """``receive`` that raises PayloadTooLarge once the body read so far passes the limit."""
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise self._error()
            return message

        return counted

    def _error(self) -> PayloadTooLarge:
        return PayloadTooLarge(f"Request bodies are limited to {self.limit} bytes.")


# ---------------------------------------------------------------- offline API docs
_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>plankg API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>
"""
# an external script, so that the CSP needs no 'unsafe-inline'; validatorUrl null: no outside calls
_DOCS_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout"
});
"""


def _install_docs(app: FastAPI) -> None:
    try:
        import fastapi_offline
    except ImportError:
        return
    assets = Path(fastapi_offline.__file__).parent / "static"
    if not (assets / "swagger-ui-bundle.js").is_file():
        return
    app.mount("/docs/assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(_DOCS_PAGE)

    @app.get("/docs/init.js", include_in_schema=False)
    async def docs_init() -> Response:
        return Response(_DOCS_INIT, media_type="text/javascript")
