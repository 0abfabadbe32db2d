"""What the trust boundary costs: /validate uploads and small steward writes, before and after.

    python -m bench.boundary --tree /tmp/before --tree . [--runs 40] [--out bench/results/boundary.md]

Each ``--tree`` is a checkout of plankg (``git worktree add /tmp/before <commit>``).
For each, a store is built once, then one ``plankg serve`` runs from that tree
(``PYTHONPATH`` = the tree, the same interpreter and packages) and gets, in
turn, the same requests: a ``POST /validate`` of a small Turtle file (the
README's partner fixture), a dry-run write of it and a committed ``POST
/graphs`` of ten new triples. The trees take turns request by request, so both
see the same machine load. Medians and 90th percentiles, in milliseconds.
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
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-steward-token-0123456789"
BASE = "http://127.0.0.1:8000/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    def __init__(self, tree: Path, work: Path) -> None:
        self.tree = tree
        self.work = work
        self.port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "PLANKG_STORE_PATH": str(work / "store"),
            "PLANKG_DIST_DIR": str(work / "dist"),
            "PLANKG_ACCESS_LOG": "false",
            "PLANKG_WRITE_TOKENS": f"bench:{TOKEN}",
            "PLANKG_PORT": str(self.port),
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        subprocess.run([sys.executable, "-m", "plankg.cli", "build"], cwd=self.tree, env=self.env, check=True, capture_output=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "plankg.cli", "serve"], cwd=self.tree, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.tree}: the server did not come up")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def ten_triples(i: int) -> bytes:
    return "".join(f'<{BASE}id/bench/{i}/{k}> <{BASE}ontology#benchValue> "{k}" .\n' for k in range(10)).encode()


def measure(client: httpx.Client, kind: str, i: int, fixture: bytes) -> float:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    t = time.perf_counter()
    if kind == "validate-upload":
        r = client.post("/validate", content=fixture, headers={"Content-Type": "text/turtle"})
        ok = r.status_code == 200
    elif kind == "dry-run-write":
        r = client.post(f"/graphs?graph={BASE}graph/partners&dry-run=true", content=fixture, headers={"Content-Type": "text/turtle", **auth})
        ok = r.status_code == 200
    else:
        r = client.post(f"/graphs?graph={BASE}graph/bench", content=ten_triples(i), headers={"Content-Type": "application/n-triples", **auth})
        ok = r.status_code in (201, 204)
    elapsed = (time.perf_counter() - t) * 1000
    if not ok:
        raise RuntimeError(f"{kind}: {r.status_code} {r.text[:300]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, type=Path)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "boundary.md")
    args = parser.parse_args()
    fixture = (ROOT / "tests" / "fixtures" / "new_partner.ttl").read_bytes()
    kinds = ("validate-upload", "dry-run-write", "small-write")
    work = Path(tempfile.mkdtemp(prefix="plankg-boundary-"))
    servers = [Served(tree.resolve(), work / f"t{n}") for n, tree in enumerate(args.tree)]
    timings: dict[str, dict[str, list[float]]] = {str(s.tree): {k: [] for k in kinds} for s in servers}
    try:
        for s in servers:
            s.start()
        clients = [httpx.Client(base_url=s.url, timeout=60) for s in servers]
        for i in range(args.runs + 3):
            for kind in kinds:
                for s, client in zip(servers, clients, strict=True):
                    ms = measure(client, kind, i, fixture)
                    if i >= 3:  # the first requests warm caches and imports
                        timings[str(s.tree)][kind].append(ms)
        for client in clients:
            client.close()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(timings, kinds, args)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(timings: dict, kinds: tuple[str, ...], args: argparse.Namespace) -> None:
    trees = list(timings)
    labels = [_label(Path(t)) for t in trees]
    lines = [
        "# The trust boundary's cost",
        "",
        f"`python -m bench.boundary {' '.join(f'--tree {label}' for label in labels)} --runs {args.runs}`, "
        f"on {os.cpu_count()} cores; the trees took turns request by request. Milliseconds.",
        "",
        "| request | " + " | ".join(f"{label} p50 | {label} p90" for label in labels) + (" | ratio p50 |" if len(trees) == 2 else " |"),
        "|---|" + "---|---|" * len(trees) + ("---|" if len(trees) == 2 else ""),
    ]
    summary: dict = {}
    for kind in kinds:
        cells = []
        medians = []
        for tree in trees:
            values = timings[tree][kind]
            medians.append(statistics.median(values))
            cells.append(f"{medians[-1]:.1f} | {_pct(values, 0.9):.1f}")
            summary.setdefault(kind, {})[_label(Path(tree))] = {"p50": medians[-1], "p90": _pct(values, 0.9), "n": len(values)}
        ratio = f" | {medians[1] / medians[0]:.2f}× |" if len(trees) == 2 else " |"
        lines.append(f"| {kind} | " + " | ".join(cells) + ratio)
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(text)


def _label(tree: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip() + (
            "+" if subprocess.run(["git", "-C", str(tree), "status", "--porcelain"], capture_output=True, text=True).stdout.strip() else ""
        )
    except (subprocess.CalledProcessError, OSError):
        return tree.name


if __name__ == "__main__":
    main()
