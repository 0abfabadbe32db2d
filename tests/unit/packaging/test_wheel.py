"""A wheel install works away from the checkout: ``pip install .`` (not editable) into a fresh venv,
then ``plankg build`` and ``plankg serve`` from another directory, with the data the wheel carries
(``plankg.resources``) and the store under ``PLANKG_HOME``."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from packaging_support import clean_env, free_port, run, wait_for

pytestmark = pytest.mark.slow


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
        page = wait_for(base + "/area/evaw", server).decode()
        assert "<html" in page and "/static/css/site.css" in page
        assert urllib.request.urlopen(base + "/static/css/site.css", timeout=10).status == 200
        answer = json.loads(urllib.request.urlopen(base + "/queries/partners-by-area?area=evaw", timeout=30).read())
        assert answer["results"]["bindings"], "the named query found nothing"
    finally:
        server.terminate()
        server.wait(timeout=60)
        server.stderr.close()
