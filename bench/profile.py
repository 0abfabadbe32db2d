"""Profiles for the targets the benchmark misses (pyinstrument text, in bench/results/).

py-spy cannot attach to this machine's pyenv Python ("Failed to find python
version from target process"), so the profiles are taken from inside:

    python -m bench.profile start      # service start on an existing store
    python -m bench.profile validate   # validate_quads on the plan graph
    python -m bench.profile build      # plankg build (assemble + validate + dist + store)
    python -m bench.profile serve [--scale 100k] [--route sparql|named]
        # the server's event-loop thread under 16 wrk clients, plus a breakdown of
        # one request: engine only / through the query-worker pool / over HTTP
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

from pyinstrument import Profiler

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "work" / "profile"


def _settings(store: Path, **extra):
    from plankg.settings import Settings

    return Settings(store_path=store, dist_dir=store.parent / "dist", **extra)


def _loaded_store(scale: str) -> Path:
    import pyoxigraph as ox

    from bench import generate as gen
    from plankg.store import open_store

    settings0 = _settings(WORK / scale / "store")
    store_dir = WORK / scale / "store"
    if not store_dir.exists():
        nq = gen.write(settings0, scale)
        store = open_store(settings0)
        store.replace_dataset(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
        store.close()
    return store_dir


def _save(profiler: Profiler, name: str, header: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    path.write_text(header + "\n\n" + text, encoding="utf-8")
    print(f"wrote {path}")
    return path


def profile_start() -> None:
    """What ``plankg serve`` does before it answers: store opened and its workers started in
    the background, imports and ``create_app`` meanwhile, then the app's lifespan start-up."""
    import asyncio

    store_dir = _loaded_store("plan")
    settings = _settings(store_dir)
    profiler = Profiler(interval=0.0005)
    t = time.perf_counter()
    profiler.start()
    from plankg.build import open_built_store
    from plankg.store.workers import WorkerOptions

    store = open_built_store(settings)
    store.start_query_workers(settings.query_workers, wait=False, options=WorkerOptions.of(settings))
    from service.app import create_app

    app = create_app(settings, store=store)
    timing: dict[str, float] = {}

    async def start_then_stop() -> None:
        async with app.router.lifespan_context(app):
            profiler.stop()
            timing["wall"] = time.perf_counter() - t

    asyncio.run(start_then_stop())
    wall = timing["wall"]
    _save(profiler, "profile-start-plan.txt", f"service start on an existing plan-size store (as plankg serve: store + workers in the background, imports + create_app, lifespan): {wall:.2f} s")


def profile_validate() -> None:
    from bench import generate as gen
    from plankg.settings import Settings
    from plankg.validation import validate_quads

    settings = Settings()
    quads = gen.canonical_blank_nodes(gen.read_base(settings).quads)
    validate_quads(settings, quads[:50])
    profiler = Profiler(interval=0.001)
    t = time.perf_counter()
    profiler.start()
    report = validate_quads(settings, quads)
    profiler.stop()
    _save(profiler, "profile-validate-plan.txt", f"validate_quads on the plan graph ({len(quads)} quads): {time.perf_counter() - t:.2f} s, conforms={report.conforms}")


def profile_build() -> None:
    from plankg.build import build
    from plankg.store import open_store

    target = WORK / "build"
    shutil.rmtree(target, ignore_errors=True)
    settings = _settings(target / "store")
    profiler = Profiler(interval=0.001)
    t = time.perf_counter()
    profiler.start()
    store = open_store(settings)
    build(settings, store)
    store.close()
    profiler.stop()
    _save(profiler, "profile-build-plan.txt", f"plankg build (in-process, with validation): {time.perf_counter() - t:.2f} s")


def profile_serve(scale: str, route: str, seconds: float) -> None:
    import httpx
    import pyoxigraph as ox
    import uvicorn

    from bench import generate as gen
    from bench.contenders import free_port
    from bench.loadgen import run_wrk
    from bench.workload import ACCEPT, requests_for
    from plankg.store.embedded import answer
    from service.app import create_app

    store_dir = _loaded_store(scale)
    settings = _settings(store_dir)
    quads = list(ox.parse(path=str(gen.output_path(scale, gen.DEFAULT_SEED)), format=ox.RdfFormat.N_QUADS))
    requests, _ = requests_for(settings, quads, skip={"search-text": "slow", "instruments-by-area": "slow"})
    mem = ox.Store()
    mem.bulk_extend(quads)
    del quads

    port = free_port()
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    # the profiler samples the thread that runs the event loop: start it there
    profiler = Profiler(interval=0.001, async_mode="disabled")
    orig_run = server.run

    def run_profiled():
        profiler.start()
        try:
            orig_run()
        finally:
            profiler.stop()

    thread = threading.Thread(target=run_profiled, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(600):
            try:
                if client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": ACCEPT}).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        # one request, three ways: engine + serialization only / via the service over HTTP
        breakdown = []
        for r in requests:
            engine_ms, http_ms = [], []
            for _ in range(7):
                t = time.perf_counter()
                answer(mem, r.sparql, formats={"select": "json", "ask": "json"}, prefixes={})
                engine_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                if route == "named":
                    client.get(r.named_path, headers={"Accept": ACCEPT})
                else:
                    client.post("/sparql", content=r.form_body(), headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"})
                http_ms.append((time.perf_counter() - t) * 1000)
            breakdown.append((r.query, statistics.median(engine_ms), statistics.median(http_ms)))
        wall = time.perf_counter()
        load = run_wrk(base, requests, route, "/sparql", clients=16, seconds=seconds, script_dir=WORK)
        wall = time.perf_counter() - wall
    server.should_exit = True
    thread.join(timeout=30)
    lines = [
        f"/{'queries' if route == 'named' else 'sparql'} at {scale}: 16 wrk clients for {seconds:g} s: {load.rps:.1f} req/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms",
        "",
        "One request, median of 7, sequential (ms): engine+JSON in-process vs. the same over HTTP through the service",
        "(the difference is HTTP, routing, the query-worker pool's IPC and pickling).",
        "",
        f"{'query':28s} {'engine':>9s} {'service':>9s} {'overhead':>9s}",
    ]
    for name, e, h in breakdown:
        lines.append(f"{name:28s} {e:9.2f} {h:9.2f} {h - e:9.2f}")
    lines += ["", "Profile of the server's event-loop thread during the load (query work itself runs in the worker processes):"]
    _save(profiler, f"profile-{route}-{scale}.txt", "\n".join(lines))


def profile_named(scale: str, names: list[str]) -> None:
    """The named queries over the 1M target, in-process, as bench.inprocess times them."""
    import pyoxigraph as ox

    from plankg.catalog import Catalog
    from plankg.namespaces import Namespaces
    from plankg.store import QueryRequest
    from plankg.store.embedded import EmbeddedStore

    nq = WORK.parent / f"plankg-{scale}-s7.nq"  # what bench.generate writes
    store_dir = WORK / scale / "named-store"
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    settings = _settings(store_dir)
    store = EmbeddedStore(store_dir, prefixes=Namespaces.of(settings).prefixes())
    if len(store) == 0:
        store.replace_dataset(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
    catalog = Catalog.load(settings)
    formats = {"select": "json", "ask": "json", "graph": "ntriples"}
    for name in names:
        query = catalog.get(name)
        bindings = query.bind((list(query.examples) or [{}])[0])
        store.query(QueryRequest(query.sparql, formats=formats, bindings=bindings, row_cap=settings.result_row_cap))  # warm
        profiler = Profiler(interval=0.001)
        t = time.perf_counter()
        with profiler:
            for _ in range(3):
                response = store.query(QueryRequest(query.sparql, formats=formats, bindings=bindings, row_cap=settings.result_row_cap))
        _save(profiler, f"profile-named-{name}-{scale}.txt",
              f"named query {name} at {scale} ({len(store)} quads), 3 warm runs: {(time.perf_counter() - t) / 3 * 1000:.0f} ms each, {response.rows} rows")
    store.close()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument("what", choices=["start", "validate", "build", "serve", "named"])
    p.add_argument("--names", default="key-interventions,search-text,partners-by-area,organizations,co-delivery-network,statistics", help="named queries to profile (named)")
    p.add_argument("--scale", default="100k")
    p.add_argument("--route", default="sparql", choices=["sparql", "named"])
    p.add_argument("--seconds", type=float, default=15)
    args = p.parse_args(argv)
    if args.what == "start":
        profile_start()
    elif args.what == "validate":
        profile_validate()
    elif args.what == "build":
        profile_build()
    elif args.what == "named":
        profile_named(args.scale, [n for n in args.names.split(",") if n])
    else:
        profile_serve(args.scale, args.route, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
