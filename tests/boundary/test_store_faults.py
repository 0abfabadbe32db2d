"""``plankg serve`` on a missing or damaged store stops with one line, and never rebuilds over it.

``serve`` builds the graph when the store is empty, which is right on a fresh
clone and wrong after stewards have written: a deleted or emptied store would
be silently replaced by the built graph, and their writes lost without a word.
Once the store has seen a write, a missing store is an incident to recover
from (``plankg restore`` of a dump, or ``plankg build --force`` on purpose).
Damage (a missing MANIFEST) is not "another process is using it", and a store
path that is a plain file is named as such. No traceback in any of these.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from boundary_support import ROOT, STEWARD, B, _clean_env, free_port

START_LIMIT = 30.0


@pytest.fixture
def written_store(server_factory) -> tuple[Path, Path]:
    """A store that has taken a steward write, its server stopped: (store dir, dist dir)."""
    server = server_factory()
    with server.client() as client:
        r = client.post(
            "/update",
            content=f'INSERT DATA {{ GRAPH <{B}graph/boundary-scratch> {{ <{B}id/boundary/w> <http://www.w3.org/2000/01/rdf-schema#comment> "written" }} }}'.encode(),
            headers={**STEWARD, "Content-Type": "application/sparql-update"},
        )
    assert r.status_code in (200, 204), r.text[:300]
    server.stop(grace=15)
    return server.store, server.dist


def _serve(store: Path, dist: Path) -> tuple[int | None, str, bool]:
    """Run ``plankg serve``: (exit code or None if it served, stderr, whether it answered HTTP)."""
    port = free_port()
    env = {**_clean_env(), "PLANKG_STORE_PATH": str(store), "PLANKG_DIST_DIR": str(dist), "PLANKG_HOST": "127.0.0.1",
           "PLANKG_PORT": str(port), "PLANKG_ACCESS_LOG": "false", "PLANKG_WRITE_TOKENS": f"steward:{STEWARD['Authorization'].split()[1]}"}
    err_path = store.parent / f"serve-{port}.err"
    with open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "plankg.cli", "serve", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    served = False
    try:
        deadline = time.monotonic() + START_LIMIT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/sparql", params={"query": "ASK {}"}, timeout=1).status_code == 200:
                    served = True  # it rebuilt (or opened) the store and is serving: no need to wait longer
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            code = None
        else:
            code = proc.returncode
    return code, err_path.read_text(errors="replace"), served


def _assert_one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr[-2000:]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"stderr should be one line, it is {len(lines)}:\n" + "\n".join(lines[-20:])
    return lines[0]


def _assert_refused_with_recovery(store: Path, dist: Path) -> None:
    code, stderr, served = _serve(store, dist)
    assert not served and code is not None, f"plankg serve started serving (it rebuilt the store over the steward's writes)\n{stderr[-1500:]}"
    assert code != 0, stderr
    line = _assert_one_line(stderr)
    assert "plankg restore" in line or "plankg build --force" in line, line
    assert not (store.exists() and any(store.iterdir())), f"serve wrote a new store at {store}: {sorted(p.name for p in store.iterdir())[:10]}"


@pytest.mark.slow
def test_deleted_store_is_not_rebuilt(written_store) -> None:
    store, dist = written_store
    shutil.rmtree(store)
    _assert_refused_with_recovery(store, dist)


@pytest.mark.slow
def test_emptied_store_is_not_rebuilt(written_store) -> None:
    store, dist = written_store
    shutil.rmtree(store)
    store.mkdir()
    _assert_refused_with_recovery(store, dist)


@pytest.mark.slow
def test_store_without_manifest_is_called_damaged(written_store) -> None:
    store, dist = written_store
    for manifest in store.glob("MANIFEST-*"):
        manifest.unlink()
    code, stderr, served = _serve(store, dist)
    assert not served and code not in (None, 0), f"exit {code}, served={served}\n{stderr[-1500:]}"
    line = _assert_one_line(stderr)
    assert "another plankg process" not in line.lower(), line
    assert "damaged" in line.lower() or "corrupt" in line.lower(), line


@pytest.mark.slow
def test_store_path_that_is_a_file(written_store) -> None:
    store, dist = written_store
    shutil.rmtree(store)
    store.write_text("not a store\n")
    code, stderr, served = _serve(store, dist)
    assert not served and code not in (None, 0), f"exit {code}, served={served}\n{stderr[-1500:]}"
    line = _assert_one_line(stderr)
    assert "another plankg process" not in line.lower(), line
    assert "not a directory" in line.lower() or "is a file" in line.lower(), line
    assert store.read_text() == "not a store\n"
