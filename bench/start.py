"""Time from ``plankg serve`` launch until the service answers its first request (issue 7: ≤ 1 s).

    python -m bench.start --store /tmp/startbench/plan/store [--runs 7] [--path /queries]
    python -m bench.start --store ... --tree /tmp/before --tree .   # compare checkouts, runs interleaved

The store must already hold the data (``plankg load`` or ``bench.profile``'s
loader); an empty store would measure a build. Each run starts a fresh
process in its own process group, polls ``--path`` every 10 ms until it
answers 200, then also waits for ``/sparql?query=ASK {}`` (the first answer
that needs a query worker) and stops the group. Also reported: the CPU time
the server and its children (query-worker zygote, workers) had used by the
first answer, which a busy machine inflates far less than the wall time.
Medians, since the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            return response.status == 200
    except urllib.error.HTTPError as exc:
        exc.close()
        return False
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system time of a process and its live descendants."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def one_run(store: Path, path: str, command: list[str], cwd: Path = ROOT, pycache: Path | None = None) -> dict[str, float]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
    env.update(PLANKG_STORE_PATH=str(store), PLANKG_DIST_DIR=str(store.parent / "dist"), PLANKG_ACCESS_LOG="false")
    if pycache is not None:
        # bytecode kept between runs, as the Docker image's compileall gives it
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    base = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()  # not a pipe: a server that logs more than it holds would stall
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        first = None
        while first is None:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"plankg serve exited with {proc.returncode}: {log.read().decode()[-2000:]}")
            if _answers(base + path):
                first = time.perf_counter() - start
                cpu = cpu_seconds(proc.pid)
            else:
                time.sleep(0.01)
        ask = base + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})
        while not _answers(ask):
            time.sleep(0.01)
        sparql = time.perf_counter() - start
        return {"first": first, "sparql": sparql, "cpu": cpu}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def _slug(label: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in label).strip("-") or "tree"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--path", default="/queries")
    p.add_argument("--tree", type=Path, action="append", help="run `python -m plankg.cli` from this checkout (repeatable)")
    p.add_argument("--pycache", type=Path, help="keep bytecode here between runs (else as the environment says)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.tree:
        setups = [(str(tree), [sys.executable, "-m", "plankg.cli"], tree.resolve()) for tree in args.tree]
    else:
        # the installed console script, not a pyenv shim (a bash script that costs its own ~0.1 s)
        exe = Path(sys.executable).with_name("plankg")
        setups = [("plankg", [str(exe)] if exe.exists() else [shutil.which("plankg") or "plankg"], ROOT)]
    runs: dict[str, list] = {label: [] for label, _, _ in setups}
    if args.pycache is not None:
        for label, command, cwd in setups:  # an untimed run writes the bytecode
            one_run(args.store, args.path, command, cwd, args.pycache / _slug(label))
    for _ in range(args.runs):
        for label, command, cwd in setups:  # interleaved, so that load on the machine hits each alike
            pycache = args.pycache / _slug(label) if args.pycache is not None else None
            runs[label].append(one_run(args.store, args.path, command, cwd, pycache))
    summary = {label: {key: statistics.median(r[key] for r in rs) for key in ("first", "sparql", "cpu")} for label, rs in runs.items()}
    if args.json:
        print(json.dumps({"runs": runs, "median": summary}))
        return
    for label, rs in runs.items():
        for r in rs:
            print(f"{label}: first {args.path}: {r['first']:.3f} s   /sparql ASK: {r['sparql']:.3f} s   cpu {r['cpu']:.3f} s")
    for label, m in summary.items():
        print(f"median {label}: first {m['first']:.3f} s, /sparql {m['sparql']:.3f} s, cpu {m['cpu']:.3f} s  ({args.runs} runs, {args.store})")


if __name__ == "__main__":
    main()
