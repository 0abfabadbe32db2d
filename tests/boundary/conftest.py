"""Fixtures of the trust-boundary attack tests: real ``plankg serve`` processes.

- ``built_store``: ``plankg build`` once per session into a tmp dir; every
  server runs on a copy of it, so no start builds.
- ``server_factory(**env)``: a fresh server for this test (stopped at its end).
- ``module_server_factory(**env)``: a server kept for the module (stopped at its end).
- ``pool``: the module's shared server for attacks that should not damage it;
  an attack that killed it (or ``pool.discard()``) gets the next test a fresh one.
- ``listener`` (from tests/conftest.py): a TCP listener on 127.0.0.1 that records any connection.

The helpers the tests use are in ``boundary_support.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from boundary_support import Server, ServerPool, build_store


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return build_store(tmp_path_factory.mktemp("boundary-built"))


def _factory(built: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, started: list[Server]) -> Callable[..., Server]:
    store, dist = built

    def start(**env: str) -> Server:
        folder = tmp_path_factory.mktemp("srv")
        shutil.copytree(store, folder / "store")
        server = Server(folder / "store", dist, folder, {k: str(v) for k, v in env.items()})
        started.append(server)
        return server.start()

    return start


@pytest.fixture
def server_factory(built_store, tmp_path_factory) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []
    yield _factory(built_store, tmp_path_factory, started)
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def module_server_factory(built_store, tmp_path_factory) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []
    yield _factory(built_store, tmp_path_factory, started)
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def pool(module_server_factory) -> Iterator[ServerPool]:
    shared = ServerPool(module_server_factory)
    yield shared
    shared.close()
