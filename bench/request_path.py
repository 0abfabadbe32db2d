"""Issue 17 item 5: the request path. A tiny new query at 16 clients, each variant beside ``oxigraph serve``.

    python -m bench.request_path [--base /path/to/checkout] [--variant NAME=ENV ...] [--rounds 3] [--seconds 8]
    python -m bench.request_path --profile   # also a pyinstrument profile of the server under the same load

The plan graph (``bench.generate --scale plan``) is bulk-loaded once into an
on-disk store (``bench.scale.master_store``); every server starts on its own copy.
The contenders are ``oxigraph serve --location`` (the peer), ``plankg serve`` from
``--base`` (the code before this work, when given) and ``plankg serve`` from this
checkout under each ``--variant`` (``label=NAME=VALUE,NAME=VALUE``: settings in
the environment, so a candidate is measured with every guard that the settings
leave on). Each server is started alone, warmed, then wrk runs ``SELECT * { ?s ?p
?o } LIMIT 1`` with a new comment per request (``bench.profile_http.DISTINCT_LUA``,
so no cache answers it) over 16 connections. Rounds interleave the contenders, so
load from the shared machine hits each alike; a variant's figure is its median
ratio to oxigraph's rate in the same round. The 1-minute load average is kept with
each figure. Results: ``bench/results/request-path.json`` (+ ``.md``, written here).

``--paired``: every server is started once and left running, and wrk goes from one to
the next in slices of ``--seconds`` (the order alternates each round); on a machine
shared with other benchmarks this pairs the slices far better than restarting each
server per round, and each slice also gives the server's CPU time per request (and
its query workers'). The figure is then the median of the per-slice ratios.

``--profile``: ``plankg serve`` (this checkout, the first variant) runs under
pyinstrument (its main thread is the event loop; the query workers are other
processes) while wrk drives the same load; the text goes to
``bench/results/profile-request-path-plan.txt``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.scale import (
    OXIGRAPH_DISK,
    RESULTS,
    ROOT,
    TINY,
    WORK,
    Contender,
    data_for,
    load,
    master_store,
    wrk_rate,
)


class Profiled(Contender):
    """``plankg serve`` under pyinstrument (text report at ``out`` when the server stops)."""

    def __init__(self, label: str, store: Path, tree: Path, out: Path) -> None:
        super().__init__(label, store, tree)
        self.out = out

    def launch(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
        env.update(self._env())
        argv = [sys.executable, "-m", "bench.request_path", "--serve-profiled", str(self.out), "--port", str(self.port)]
        self.proc = subprocess.Popen(argv, cwd=self.tree, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def _env(self) -> dict[str, str]:
        env = dict(
            PYTHONPATH=str(self.tree), PLANKG_STORE_PATH=str(self.store), PLANKG_DIST_DIR=str(self.store.parent / "dist"),
            PLANKG_ACCESS_LOG="false", PLANKG_CLIENT_MAX_CONCURRENT="1024", PLANKG_CLIENT_MAX_JOBS="1024",
        )
        env.update(self.extra_env)
        return env


class GranianServed(Contender):
    """The app of this checkout under granian (``--granian-path``: where granian is installed), one worker.

    Granian gets the app from ``service.app:create_app_from_env`` (as ``plankg serve`` makes it: the
    store's workers start while the routers are imported). Granian has its own connection limits,
    not ``service.server``'s: the figure is the candidate's, not a drop-in ``plankg serve``.
    """

    def __init__(self, label: str, store: Path, tree: Path, granian_path: Path) -> None:
        super().__init__(label, store, tree)
        self.granian_path = granian_path

    def launch(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
        env.update(
            PYTHONPATH=f"{self.tree}:{self.granian_path}", PLANKG_STORE_PATH=str(self.store), PLANKG_DIST_DIR=str(self.store.parent / "dist"),
            PLANKG_ACCESS_LOG="false", PLANKG_CLIENT_MAX_CONCURRENT="1024", PLANKG_CLIENT_MAX_JOBS="1024",
        )
        env.update(self.extra_env)
        argv = [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--workers", "1", "--no-ws",
                "--host", "127.0.0.1", "--port", str(self.port), "service.app:create_app_from_env"]
        self.proc = subprocess.Popen(argv, cwd=self.tree, env=env, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)


def serve_profiled(out: Path, port: int) -> None:
    """``plankg serve`` with pyinstrument on its main thread (the event loop), the text report at ``out``."""
    from pyinstrument import Profiler

    from plankg.cli import main as plankg_main

    # uvicorn raises SIGTERM again once it has shut down: end with the report written, not killed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    try:
        plankg_main(["serve", "--port", str(port)])
    finally:
        profiler.stop()
        tree = profiler.output_text(unicode=True, color=False)
        flat = profiler.output_text(unicode=True, color=False, flat=True)
        out.write_text(tree + "\n\nSelf time per function (flat):\n\n" + flat)


def started(server: Contender) -> None:
    server.launch()
    deadline = time.monotonic() + 120
    while server.ask("ASK {}") is None:
        assert server.proc is not None
        if server.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.label} did not start: {server.log_tail()}")
        time.sleep(0.02)
    for i in range(40):  # every worker has answered
        server.ask(f"ASK {{ ?s ?p ?o }} # warm {i}")


def make_server(label: str, store: Path, tree: Path | None, env: dict[str, str]) -> Contender:
    granian = env.get("GRANIAN_PATH")
    if label == "oxigraph serve":
        server = Contender(label, store, None, kind=OXIGRAPH_DISK)
    else:
        server = GranianServed(label, store, ROOT, Path(granian)) if granian else Contender(label, store, tree)
    server.extra_env = env
    return server


def one(label: str, master: Path, tree: Path | None, env: dict[str, str], seconds: float, clients: int, rundir: Path) -> dict:
    shutil.rmtree(rundir, ignore_errors=True)
    rundir.mkdir(parents=True)
    store = rundir / "store"
    shutil.copytree(master, store)
    server = make_server(label, store, tree, env)
    try:
        started(server)
        wrk_rate(server.query_url(TINY), 1, clients)  # warm-up
        before = load()
        rate = wrk_rate(server.query_url(TINY), seconds, clients)
        return {"rps": rate, "load": before}
    finally:
        server.stop()
        shutil.rmtree(rundir, ignore_errors=True)


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(the process's CPU seconds, its children's: the query workers and their zygote)."""
    import psutil

    try:
        root = psutil.Process(pid)
        own = sum(root.cpu_times()[:2])
        children = 0.0
        for child in root.children(recursive=True):
            try:
                children += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
    except psutil.Error:
        return 0.0, 0.0
    return own, children


def paired(master: Path, setups: list, seconds: float, clients: int, rounds: int, rundir: Path) -> dict[str, list[dict]]:
    """Every server started once and left running; wrk goes from one to the next in short slices,
    in alternating order, so that the load of the shared machine falls on all of them alike (the
    figure is the median of the per-slice ratios). Each slice also gives the server's CPU time per
    request, and its workers'."""
    shutil.rmtree(rundir, ignore_errors=True)
    servers = []
    try:
        for i, (label, tree, env) in enumerate(setups):
            store = rundir / str(i) / "store"
            shutil.copytree(master, store)
            server = make_server(label, store, tree, env)
            started(server)
            wrk_rate(server.query_url(TINY), 1, clients)
            servers.append(server)
        runs: dict[str, list[dict]] = {server.label: [] for server in servers}
        for n in range(rounds):
            for server in servers if n % 2 == 0 else servers[::-1]:
                assert server.proc is not None
                before, cpu = load(), cpu_seconds(server.proc.pid)
                rate = wrk_rate(server.query_url(TINY), seconds, clients)
                after = cpu_seconds(server.proc.pid)
                done = (rate or 0) * int(seconds) or 1
                runs[server.label].append({
                    "rps": rate, "load": before,
                    "server_cpu_us": round((after[0] - cpu[0]) / done * 1e6, 1),
                    "workers_cpu_us": round((after[1] - cpu[1]) / done * 1e6, 1),
                })
            print(n, {label: rs[-1]["rps"] for label, rs in runs.items()}, "load", before, flush=True)
        return runs
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(rundir, ignore_errors=True)


def profile(master: Path, env: dict[str, str], seconds: float, clients: int, rundir: Path, out: Path) -> dict:
    shutil.rmtree(rundir, ignore_errors=True)
    rundir.mkdir(parents=True)
    store = rundir / "store"
    shutil.copytree(master, store)
    raw = rundir / "profile.txt"
    server = Profiled("profiled", store, ROOT, raw)
    server.extra_env = env
    try:
        started(server)
        wrk_rate(server.query_url(TINY), 1, clients)
        before = load()
        rate = wrk_rate(server.query_url(TINY), seconds, clients)
    finally:
        server.stop()
    text = raw.read_text() if raw.exists() else "(no profile written)"
    shutil.rmtree(rundir, ignore_errors=True)
    return {"rps": rate, "load": before, "text": text}


def parse_variant(spec: str) -> tuple[str, dict[str, str]]:
    label, _, rest = spec.partition("=")
    env = dict(pair.split("=", 1) for pair in rest.split(",") if pair)
    return label, env


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.request_path", description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=Path, help="a checkout of the code before this work, measured too")
    p.add_argument("--variant", action="append", default=[], help="label=NAME=VALUE,NAME=VALUE (settings in the environment); repeatable")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--granian-path", type=Path, help="where granian is installed (pip install --target): this checkout under granian too")
    p.add_argument("--paired", action="store_true", help="start every server once and alternate wrk between them in slices of --seconds")
    p.add_argument("--profile", action="store_true", help="then profile the first variant under the same load")
    p.add_argument("--out", type=Path, default=RESULTS / "request-path.json")
    p.add_argument("--serve-profiled", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve_profiled is not None:
        serve_profiled(args.serve_profiled, args.port)
        return
    master = master_store("plan", data_for("plan", 7))
    variants = [parse_variant(v) for v in args.variant] or [("this", {})]
    setups: list[tuple[str, Path | None, dict[str, str]]] = [("oxigraph serve", None, {})]
    if args.base is not None:
        setups.append(("base", args.base.resolve(), {}))
    setups += [(label, ROOT, env) for label, env in variants]
    if args.granian_path is not None:
        setups.append(("granian", ROOT, {"GRANIAN_PATH": str(args.granian_path.resolve())}))
    rundir = WORK / "request-path" / "run"
    if args.paired:
        runs = paired(master, setups, args.seconds, args.clients, args.rounds, rundir)
    else:
        runs = {label: [] for label, _, _ in setups}
        for n in range(args.rounds):
            for label, tree, env in setups:
                r = one(label, master, tree, env, args.seconds, args.clients, rundir)
                runs[label].append(r)
                print(n, label, json.dumps(r), flush=True)
    peer = runs["oxigraph serve"]
    base = runs.get("base")
    summary = {}
    for label, rs in runs.items():
        ratios = [r["rps"] / o["rps"] for r, o in zip(rs, peer, strict=True) if r["rps"] and o["rps"]]
        summary[label] = {
            "rps_median": statistics.median([r["rps"] for r in rs if r["rps"]] or [float("nan")]),
            "ratio_median": statistics.median(ratios) if ratios else float("nan"),
            "ratio_quartiles": [round(q, 3) for q in statistics.quantiles(ratios, n=4)] if len(ratios) > 1 else None,
            "load_median": statistics.median(r["load"] for r in rs),
        }
        if base is not None:
            to_base = [r["rps"] / b["rps"] for r, b in zip(rs, base, strict=True) if r["rps"] and b["rps"]]
            summary[label]["to_base_median"] = statistics.median(to_base) if to_base else float("nan")
        if args.paired:
            summary[label]["server_cpu_us_median"] = statistics.median(r["server_cpu_us"] for r in rs)
            summary[label]["workers_cpu_us_median"] = statistics.median(r["workers_cpu_us"] for r in rs)
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "nproc": os.cpu_count(), "scale": "plan",
        "query": TINY + " + a new comment per request", "clients": args.clients, "seconds": args.seconds, "rounds": args.rounds,
        "mode": "paired" if args.paired else "restarted",
        "variants": {label: env for label, _, env in setups}, "summary": summary, "runs": runs,
    }
    if args.profile:
        label, env = variants[0]
        prof = profile(master, env, args.seconds, args.clients, rundir, RESULTS / "profile-request-path-plan.txt")
        header = (f"plankg serve ({label}: {env or 'defaults'}) under pyinstrument (0.5 ms samples, event-loop thread), "
                  f"wrk {args.clients} clients {args.seconds:g} s, tiny new query: {prof['rps']} req/s under the profiler, load {prof['load']}\n\n")
        (RESULTS / "profile-request-path-plan.txt").write_text(header + prof["text"])
        result["profile"] = {k: prof[k] for k in ("rps", "load")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=args.out.parent, delete=False) as tmp:
        json.dump(result, tmp, indent=1)
    os.replace(tmp.name, args.out)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
