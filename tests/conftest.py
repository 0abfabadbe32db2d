"""Shared fixtures: the built graph, settings in a tmp dir, apps and live servers.

- ``built_graph``: the graph built once per session (``BuildResult``; its
  ``dist/`` lives in a tmp dir; no SHACL run, the build tests do that).
- ``make_settings(**overrides)``: Settings whose store (already holding the
  built graph) and dist dir are private tmp dirs; never the repo's var/ or dist/.
- ``app_factory(**overrides)``: ``create_app`` on such settings (lifespan not run).
- ``live_server``: base URL (no trailing slash) of one uvicorn server for the
  session, default settings, on 127.0.0.1 and a free port.
- ``store_backend``: module-scoped, parametrized over the embedded store and the
  remote engines (``oxigraph serve``, Virtuoso, each private to the module and loaded
  with the built graph): the Settings overrides a write-path suite's server takes.
  Remote params carry the ``remote`` and ``slow`` marks.
- ``live_server_factory(customize=None, **overrides)``: a server of one's own
  (e.g. a short time limit), stopped at the end of the test module;
  ``customize(app)`` may add routes before it starts; ``http="httptools"|"h11"``
  runs it with the connection limits of ``plankg serve`` on that implementation.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from plankg.settings import Settings


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that records connections (tests/tcp_listener.py)."""
    from tcp_listener import Listener

    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()


@pytest.fixture(scope="session")
def built_graph(tmp_path_factory: pytest.TempPathFactory):
    from plankg.build import build

    root = tmp_path_factory.mktemp("built")
    settings = Settings(store_path=root / "store", dist_dir=root / "dist")
    return build(settings, None, validate=False)


@pytest.fixture(scope="session")
def make_settings(tmp_path_factory: pytest.TempPathFactory, built_graph) -> Callable[..., Settings]:
    from plankg.store import open_store

    dist = built_graph.outputs[0].parent if built_graph.outputs else None

    def make(**overrides) -> Settings:
        root = tmp_path_factory.mktemp("app")
        values = {"store_path": root / "store", "dist_dir": dist or root / "dist", **overrides}
        settings = Settings(**values)
        if settings.store == "embedded" and not Path(settings.store_dir).exists():
            store = open_store(settings)
            try:
                store.replace_dataset(built_graph.quads)
            finally:
                store.close()
        return settings

    return make


@pytest.fixture
def app_factory(make_settings):
    from service.app import create_app

    def make(**overrides):
        return create_app(make_settings(**overrides))

    return make


class LiveServer:
    """uvicorn in a background thread, on a socket bound before it starts (no port race)."""

    def __init__(self, app, **options) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # proxy_headers off, as `plankg serve` has it: the peer is the client unless PLANKG_TRUSTED_PROXIES says
        options = {"lifespan": "on", "log_level": "warning", "ws": "none", "server_header": False, "proxy_headers": False, **options}
        config = uvicorn.Config(app, **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True, name=f"uvicorn:{self.port}")

    def start(self, timeout: float = 300.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                self.sock.close()
                raise RuntimeError("the test server failed to start; see the log above")
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start in time")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.sock.close()


@contextmanager
def _serving(app) -> Iterator[str]:
    server = LiveServer(app)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_server(make_settings) -> Iterator[str]:
    from service.app import create_app

    with _serving(create_app(make_settings())) as url:
        yield url


@pytest.fixture(scope="module")
def live_server_factory(make_settings) -> Iterator[Callable[..., str]]:
    from service.app import create_app

    servers: list[LiveServer] = []

    def start(customize: Callable | None = None, http: str | None = None, defer_routes: bool = False, **overrides) -> str:
        settings = make_settings(**overrides)
        app = create_app(settings, defer_routes=defer_routes)
        if customize is not None:
            customize(app)
        options = {}
        if http is not None:
            from service.server import uvicorn_options

            options = uvicorn_options(settings, http)
        server = LiveServer(app, **options)
        server.start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()


def _conformance_engines():
    """tests/conformance/engines.py (the engines the remote suites start), imported by path."""
    import importlib.util
    import sys

    path = Path(__file__).parent / "conformance" / "engines.py"
    name = "plankg_test_engines"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


@pytest.fixture(
    scope="module",
    params=["embedded", *(pytest.param(name, marks=[pytest.mark.remote, pytest.mark.slow]) for name in ("oxigraph", "virtuoso"))],
)
def store_backend(request, tmp_path_factory, built_graph) -> Iterator[dict]:
    if request.param == "embedded":
        yield {}
        return
    import os

    engines = _conformance_engines()
    nquads = next(path for path in built_graph.outputs if path.name == "plankg.nq")
    start = {"oxigraph": engines.start_oxigraph, "virtuoso": engines.start_virtuoso}[request.param]
    try:
        engine = start(tmp_path_factory.mktemp(request.param), nquads)
    except engines.EngineMissing as exc:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"{exc}: CI installs the engines")
        pytest.skip(str(exc))
    try:
        yield {"store": "remote", "remote_query_url": engine.query_url, "remote_update_url": engine.update_url}
    finally:
        engine.stop()
