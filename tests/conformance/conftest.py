"""Real SPARQL engines for the conformance suite, started once per session.

Fixtures (on top of ``built_graph`` and ``make_settings`` from tests/conftest.py):

* ``oxigraph_engine`` / ``virtuoso_engine`` — a running engine loaded with the
  built graph by its own bulk loader (``engines.Engine``: ``query_url``,
  ``update_url``, ``seconds``).
* ``engine`` — parametrized over both engines; the tests get the ``remote`` mark.
* ``remote_overrides`` — the Settings overrides that point plankg at ``engine``:
  ``app_factory(**remote_overrides)`` or ``live_server_factory(**remote_overrides)``
  run the service against it.
* ``remote_settings`` — ``make_settings(**remote_overrides)``.

An engine is skipped only when its binary is missing outside CI; in CI
(``CI=true``) ``.ci/run`` installs the engines, so a missing one fails.
The engines are shared by the whole session: a test that writes to one must
write under another base IRI (RemoteStore only touches its own graphs) or
put the data back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plankg.settings import Settings

import engines


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="session")
def built_nquads(built_graph) -> Path:
    """dist/plankg.nq of the session's build: what an operator hands an engine's bulk loader."""
    return next(path for path in built_graph.outputs if path.name == "plankg.nq")


def _started(request: pytest.FixtureRequest, name: str, start, nquads: Path, workdir: Path) -> engines.Engine:
    try:
        engine = start(workdir, nquads)
    except engines.EngineMissing as exc:
        if in_ci():
            pytest.fail(f"{exc}: CI installs the engines (.ci/run: Debian packages and the test extras), so the CI image is broken.")
        pytest.skip(f"{exc} (the {name} tests run in CI)")
    except engines.EngineFailed as exc:
        pytest.fail(str(exc), pytrace=False)
    request.addfinalizer(engine.stop)
    for what, seconds in engine.seconds.items():
        engines.record_timing(request.config, name, what, seconds)
    return engine


@pytest.fixture(scope="session")
def oxigraph_engine(request, tmp_path_factory, built_nquads) -> engines.Engine:
    return _started(request, "oxigraph", engines.start_oxigraph, built_nquads, tmp_path_factory.mktemp("oxigraph"))


@pytest.fixture(scope="session")
def virtuoso_engine(request, tmp_path_factory, built_nquads) -> engines.Engine:
    return _started(request, "virtuoso", engines.start_virtuoso, built_nquads, tmp_path_factory.mktemp("virtuoso"))


@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.remote) for name in engines.ENGINE_NAMES])
def engine(request) -> engines.Engine:
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture
def remote_overrides(engine: engines.Engine) -> dict[str, str]:
    return {"store": "remote", "remote_query_url": engine.query_url, "remote_update_url": engine.update_url}


@pytest.fixture
def remote_settings(make_settings, remote_overrides) -> Settings:
    return make_settings(**remote_overrides)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    timings = config.stash.get(engines.TIMINGS, None)
    if not timings:
        return
    terminalreporter.section("stores and SPARQL engines: measured times")
    for name, seconds in sorted(timings.items()):
        parts = ", ".join(f"{what} {value * 1000:.1f} ms" for what, value in sorted(seconds.items()))
        terminalreporter.write_line(f"{name}: {parts}")
