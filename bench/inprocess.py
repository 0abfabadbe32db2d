"""Scale curves in-process: load time, store size, resident memory, warm p50 of every named query.

Each scale runs in a child process (``python -m bench.inprocess child …``) so
that its resident memory is its own. pyoxigraph cannot interrupt a query, so
the parent watches each query against a time limit; a query past it is
recorded as such, the child is killed and a fresh one carries on with the next
query.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = {"select": "json", "ask": "json", "graph": "ntriples"}


def child(nquads: str, store_dir: str, skip: list[str]) -> int:
    """Load, report, then time every named query (examples bound through the catalog)."""
    import psutil
    import pyoxigraph as ox

    from plankg.catalog import Catalog, page_total
    from plankg.namespaces import Namespaces
    from plankg.settings import Settings
    from plankg.store import QueryRequest
    from plankg.store.embedded import EmbeddedStore

    def say(**event):
        print(json.dumps(event), flush=True)

    settings = Settings(store_path=Path(store_dir))
    me = psutil.Process()
    rss0 = me.memory_info().rss
    t = time.perf_counter()
    quads = list(ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS))
    parse_s = time.perf_counter() - t
    fresh = not Path(store_dir).exists()
    store = EmbeddedStore(Path(store_dir), prefixes=Namespaces.of(settings).prefixes())
    load_s = None
    if fresh:
        t = time.perf_counter()
        store.replace_dataset(quads)
        load_s = time.perf_counter() - t
        store._disk.flush()  # noqa: SLF001 - the size on disk after the write is what we measure
    del quads
    catalog = Catalog.load(settings)
    say(event="loaded", quads=len(store), parse_s=parse_s, load_s=load_s, rss_bytes=me.memory_info().rss,
        rss_base_bytes=rss0, disk_bytes=sum(f.stat().st_size for f in Path(store_dir).rglob("*") if f.is_file()))
    for query in catalog:
        if query.name in skip:
            continue
        example = (list(query.examples) or [{}])[0]
        bindings = query.bind(example)
        # a paged query answers its first page, with the total, as GET /queries/{name} does
        page_size = getattr(query, "page_size", None)
        if page_size:
            requests = catalog.page_requests(query, bindings, FORMATS, min(page_size, settings.result_row_cap), 0)
        else:
            requests = (QueryRequest(query.sparql, formats=FORMATS, bindings=bindings, row_cap=settings.result_row_cap), None)
        say(event="start", query=query.name)
        times = []
        rows = 0
        spent = 0.0
        for i in range(40):
            t = time.perf_counter()
            response = store.query(requests[0])
            counted = store.query(requests[1]) if requests[1] is not None else None
            elapsed = time.perf_counter() - t
            rows = response.rows
            spent += elapsed
            if i >= 2:  # two warm-up runs
                times.append(elapsed)
            if (spent > 3 and len(times) >= 3) or (spent > 10 and i >= 1):
                break
        if not times:
            times = [elapsed]
        say(event="done", query=query.name, p50_ms=statistics.median(times) * 1000, min_ms=min(times) * 1000,
            runs=len(times), rows=rows, params=example, total=page_total(response, counted))
    say(event="rss", rss_bytes=me.memory_info().rss)
    store.close()
    return 0


def measure_scale(nquads: Path, work: Path, *, query_limit_s: float = 60.0) -> dict:
    """Everything for one scale; a query slower than ``query_limit_s`` is recorded as over it."""
    store_dir = work / "inprocess-store"
    shutil.rmtree(store_dir, ignore_errors=True)
    out: dict = {"queries": {}}
    skip: list[str] = []
    while True:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.inprocess", "child", str(nquads), str(store_dir), json.dumps(skip)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env, start_new_session=True,
        )
        current = None
        deadline = time.monotonic() + 1800  # loading 1M quads fits easily
        finished = False
        try:
            while True:
                ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    break  # the current query ran over
                line = proc.stdout.readline()
                if not line:
                    finished = True
                    break
                event = json.loads(line)
                kind = event.pop("event")
                if kind == "loaded":
                    if "loaded" not in out:
                        out["loaded"] = event
                elif kind == "start":
                    current = event["query"]
                    deadline = time.monotonic() + query_limit_s
                elif kind == "done":
                    out["queries"][event.pop("query")] = event
                    skip.append(current)
                    current = None
                    # the time to the next query's start (or the child's exit) has its own allowance;
                    # left at the finished query's deadline, a slow query's tail read as a load timeout
                    deadline = time.monotonic() + query_limit_s
                elif kind == "rss":
                    out["rss_after_queries_bytes"] = event["rss_bytes"]
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        if finished:
            if proc.returncode not in (0, None) and current is None and "loaded" not in out:
                raise RuntimeError(f"in-process run failed: {proc.stderr.read()[-2000:]}")
            if current is not None:
                out["queries"][current] = {"error": (proc.stderr.read() or "")[-500:]}
                skip.append(current)
                continue
            break
        if current is None:
            raise RuntimeError("in-process run timed out while loading")
        out["queries"][current] = {"p50_ms": None, "over_limit_s": query_limit_s}
        skip.append(current)
    shutil.rmtree(store_dir, ignore_errors=True)
    return out


def plankg_build_seconds(work: Path) -> dict:
    """Wall time of ``plankg build`` on fresh store/dist directories (as a user runs it)."""
    target = work / "build-check"
    shutil.rmtree(target, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANKG_")}
    env.update(PLANKG_STORE_PATH=str(target / "store"), PLANKG_DIST_DIR=str(target / "dist"))
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "plankg.cli", "build", "--json"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t
    result: dict = {"wall_s": wall, "exit": done.returncode}
    if done.returncode == 0:
        try:
            result["steps_s"] = json.loads(done.stdout)["seconds"]
        except (ValueError, KeyError):
            pass
    else:
        result["error"] = done.stderr[-1000:]
    result["disk_bytes"] = sum(f.stat().st_size for f in (target / "store").rglob("*") if f.is_file()) if (target / "store").exists() else None
    shutil.rmtree(target, ignore_errors=True)
    return result


def validation_seconds(base_quads, upload_quads) -> dict:
    """validate_quads on the plan graph and on a 10k-quad upload; a TODO when the module is absent."""
    try:
        from plankg.validation import validate_quads
    except ImportError as exc:
        return {"todo": f"plankg.validation.validate_quads is not available yet ({exc}); not measured"}
    from plankg.settings import Settings

    settings = Settings()
    out = {}
    for name, quads in (("plan", base_quads), ("upload_10k", upload_quads)):
        validate_quads(settings, quads[:100])  # imports and shape parsing are not the graph's cost
        t = time.perf_counter()
        report = validate_quads(settings, quads)
        out[name] = {"seconds": time.perf_counter() - t, "quads": len(quads), "conforms": bool(report.conforms), "results": len(report.results)}
    return out


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "child":
        sys.exit(child(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]) if len(sys.argv) > 4 else []))
    print("usage: python -m bench.inprocess child DATA.nq STORE_DIR '[skip…]'", file=sys.stderr)
    sys.exit(2)
