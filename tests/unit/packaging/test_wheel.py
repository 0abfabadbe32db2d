"""A wheel install works away from the checkout: ``pip install .`` (not editable) into a fresh venv,
then ``plankg build`` and ``plankg serve`` from another directory, with the data the wheel carries
(``plankg.resources``) and the store under ``PLANKG_HOME``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def clean_env(**extra: str) -> dict[str, str]:
    """No PYTHONPATH (the checkout must not be importable) and no PLANKG_* of the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_") and k != "PYTHONPATH"}
    return env | extra


def run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", clean_env())
    kwargs.setdefault("cwd", Path(args[0]).parent if isinstance(args[0], Path) else None)
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A venv holding the wheel and, through a .pth line, this interpreter's dependencies (no download)."""
    work = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT)
    (wheel,) = (work / "dist").glob("plankg-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--no-deps", wheel)
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    # this interpreter's packages, after the venv's own (a line of a .pth is appended to sys.path,
    # and the .pth files of that directory, the checkout's editable install among them, are not read)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    return env_dir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_wheel_builds_and_serves_from_another_directory(installed, tmp_path):
    elsewhere, home = tmp_path / "elsewhere", tmp_path / "home"
    elsewhere.mkdir()
    env = clean_env(PLANKG_HOME=str(home), PLANKG_ACCESS_LOG="false")
    python, plankg = installed / "bin" / "python", installed / "bin" / "plankg"

    where = run(python, "-c", "import plankg.resources as r; print(r.source_root())", cwd=elsewhere, env=env).stdout.strip()
    assert Path(where).is_relative_to(installed) and Path(where).name == "_resources", where  # not the checkout

    counts = json.loads(run(plankg, "build", "--json", cwd=elsewhere, env=env).stdout)
    assert counts["quads"] > 10_000
    assert (home / "var" / "store").is_dir() and (home / "dist" / "plankg.nq").is_file()
    assert not any(installed.rglob("var")), "nothing is written inside the venv"

    port = free_port()
    server = subprocess.Popen([plankg, "serve", "--port", str(port)], cwd=elsewhere, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                page = urllib.request.urlopen(base + "/area/evaw", timeout=10).read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "the service did not answer"
                time.sleep(0.5)
        assert "<html" in page and "/static/css/site.css" in page
        assert urllib.request.urlopen(base + "/static/css/site.css", timeout=10).status == 200
        answer = json.loads(urllib.request.urlopen(base + "/queries/partners-by-area?area=evaw", timeout=30).read())
        assert answer["results"]["bindings"], "the named query found nothing"
    finally:
        server.terminate()
        server.wait(timeout=60)
        server.stderr.close()
