"""The Dockerfile: the store on a volume, the graph built into the image, a health check, a small
build context. Where a Docker daemon answers, the image is built and run until it is healthy;
elsewhere its steps run as the image runs them: the wheel installed, the ``RUN`` steps after
``USER`` in its ``WORKDIR`` with its ``ENV``, then its ``CMD`` and its ``HEALTHCHECK`` command."""

from __future__ import annotations

import fnmatch
import json
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from packaging_support import ROOT, clean_env, free_port, run, wait_for

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order; continued lines joined, heredoc bodies dropped."""
    found: list[tuple[str, str]] = []
    lines = iter(DOCKERFILE.read_text(encoding="utf-8").splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\"):
            line = line[:-1] + " " + next(lines).strip()
        keyword, _, rest = line.strip().partition(" ")
        if "<<'" in rest:  # a heredoc: its body is not an instruction
            end = rest.split("<<'", 1)[1].split("'", 1)[0]
            for body in lines:
                if body.strip() == end:
                    break
        found.append((keyword.upper(), rest.strip()))
    return found


def env_of(steps: list[tuple[str, str]]) -> dict[str, str]:
    args = {k: v for kind, rest in steps if kind == "ARG" for k, _, v in [rest.partition("=")]}
    env: dict[str, str] = {}
    for kind, rest in steps:
        if kind == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                for name, default in args.items():
                    value = value.replace("${" + name + "}", default)
                env[key] = value
    return env


def exec_form(text: str) -> list[str]:
    return json.loads(text)


def test_the_dockerfile_keeps_the_store_on_a_volume_builds_the_graph_and_checks_health():
    steps = instructions()
    kinds = [kind for kind, _ in steps]
    env = env_of(steps)
    home = env["PLANKG_HOME"]
    volumes = [rest for kind, rest in steps if kind == "VOLUME"]
    assert volumes == [f"{home}/var"], "the store (PLANKG_HOME/var) lives on a volume"
    runs_as_user = [rest for kind, rest in steps[kinds.index("USER"):] if kind == "RUN"]
    assert "plankg build" in runs_as_user, "the graph is built into the image, as the user that serves it"
    assert kinds.index("VOLUME") > max(i for i, (k, r) in enumerate(steps) if k == "RUN" and "plankg build" in r), (
        "the volume is declared after the build: a new volume starts as a copy of the built store"
    )
    assert "HEALTHCHECK" in kinds and exec_form(dict(steps)["CMD"]) == ["plankg", "serve"]


def ignored(path: str, patterns: list[str]) -> bool:
    verdict = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        bare = pattern.lstrip("!").removeprefix("**/")
        if fnmatch.fnmatch(path, bare) or any(fnmatch.fnmatch(part, bare) for part in Path(path).parts):
            verdict = not negated
    return verdict


def test_the_dockerignore_sends_what_the_image_copies_and_nothing_heavy():
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip() and not p.startswith("#")]
    copied = [rest.split()[0] for kind, rest in instructions() if kind == "COPY"]
    for source in copied:
        assert not ignored(source, patterns), f"{source} is copied but ignored"
    for heavy in (".venv", "var", "dist", "tests", "bench", "node_modules", ".git", "plankg/__pycache__"):
        assert ignored(heavy, patterns), f"{heavy} would be sent as build context"


def docker_daemon() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.slow
def test_the_image_builds_and_becomes_healthy():
    if not docker_daemon():
        pytest.skip("no Docker daemon: test_the_image_steps_run_as_the_image_runs_them checks the same steps")
    tag = f"plankg-test:{int(time.time())}"
    run("docker", "build", "-q", "-t", tag, ROOT, cwd=ROOT)
    container = run("docker", "run", "-d", "-P", tag, cwd=ROOT).stdout.strip()
    try:
        deadline = time.monotonic() + 180
        while (status := run("docker", "inspect", "-f", "{{.State.Health.Status}}", container, cwd=ROOT).stdout.strip()) != "healthy":
            assert status in ("starting", ""), status
            assert time.monotonic() < deadline, "the container did not become healthy"
            time.sleep(2)
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=60)


@pytest.mark.slow
def test_the_image_steps_run_as_the_image_runs_them(installed, tmp_path):
    steps = instructions()
    image_env = env_of(steps)
    home = tmp_path / image_env["PLANKG_HOME"].lstrip("/")  # the image's paths, under a scratch root
    home.mkdir(parents=True)
    port = free_port()
    env = clean_env(**image_env)
    env |= {
        "PLANKG_HOME": str(home),
        "PLANKG_HOST": "127.0.0.1",  # in the image 0.0.0.0; a test binds to loopback
        "PLANKG_PORT": str(port),
        "PLANKG_ACCESS_LOG": "false",
        "PATH": f"{installed / 'bin'}:{clean_env()['PATH']}",
    }
    user = [i for i, (kind, _) in enumerate(steps) if kind == "USER"][0]
    for kind, rest in steps[user:]:
        if kind == "RUN":
            run("sh", "-c", rest, cwd=home, env=env)
    assert (home / "var" / "store").is_dir(), "the build leaves the store where the VOLUME is"
    server = subprocess.Popen(exec_form(dict(steps)["CMD"]), cwd=home, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/", server)
        health = dict(steps)["HEALTHCHECK"].split(" CMD ", 1)[1]
        assert subprocess.run(exec_form(health), env=env, timeout=30).returncode == 0
    finally:
        server.terminate()
        server.wait(timeout=60)
