"""Ways to get an on-disk store's data into a query process, timed at one scale (issue 17, items 1-2).

    python -m bench.load_paths --store bench/work/scale-1m/master [--named] [--out bench/results/load-paths-1m.json]

Each measure runs in a fresh child process (``child MEASURE STORE``) on a checkpoint of
the store (``Store.backup``: hard links, as a second process would read it beside a
server that keeps the store open), so page cache is the only thing the measures share;
the child reports its seconds, its resident memory and its thread count afterwards
(RocksDB background threads matter to a process that forks). With ``--named`` the named
queries (first example, first page, as ``bench.inprocess``) are timed on the read-only
disk store and on an in-memory copy in the same child.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def child(measure: str, store: str) -> dict:
    import pyoxigraph as ox

    out: dict = {"measure": measure, "threads_before": _threads()}
    t = time.perf_counter()
    if measure == "open_rw":
        s = ox.Store(store)
        out["seconds"] = time.perf_counter() - t
    elif measure == "open_ro":
        s = ox.Store.read_only(store)
        out["seconds"] = time.perf_counter() - t
        out["fds_after_open"] = _fds()
        t = time.perf_counter()
        out["len"] = len(s)
        out["len_seconds"] = time.perf_counter() - t
    elif measure in ("dump_parse", "ro_dump_parse"):
        source = ox.Store(store) if measure == "dump_parse" else ox.Store.read_only(store)
        dump = source.dump(format=ox.RdfFormat.N_QUADS) or b""
        out["dump_seconds"] = time.perf_counter() - t
        t2 = time.perf_counter()
        mem = ox.Store()
        mem.bulk_extend(ox.parse(dump, format=ox.RdfFormat.N_QUADS, lenient=True))
        out["parse_seconds"] = time.perf_counter() - t2
        out["seconds"] = time.perf_counter() - t
        out["len"] = len(mem)
    elif measure in ("ro_bulk_extend", "ro_extend"):
        ro = ox.Store.read_only(store)
        out["open_seconds"] = time.perf_counter() - t
        mem = ox.Store()
        quads = ro.quads_for_pattern(None, None, None, None)
        (mem.bulk_extend if measure == "ro_bulk_extend" else mem.extend)(quads)
        out["seconds"] = time.perf_counter() - t
        out["len"] = len(mem)
    elif measure == "named":
        out.update(_named(store))
    else:
        raise SystemExit(f"unknown measure {measure}")
    out["threads_after"] = _threads()
    out["rss_bytes"] = _rss()
    return out


def _named(store: str) -> dict:
    """Warm p50 of every named query on the read-only disk store and on an in-memory copy."""
    import pyoxigraph as ox

    from plankg.catalog import Catalog
    from plankg.namespaces import Namespaces
    from plankg.settings import Settings
    from plankg.store.embedded import answer

    settings = Settings()
    prefixes = Namespaces.of(settings).prefixes()
    catalog = Catalog.load(settings)
    ro = ox.Store.read_only(store)
    mem = ox.Store()
    mem.bulk_extend(ro.quads_for_pattern(None, None, None, None))
    formats = {"select": "json", "ask": "json", "graph": "ntriples"}
    table: dict = {}
    for query in catalog:
        example = (list(query.examples) or [{}])[0]
        bindings = query.bind(example)
        page_size = getattr(query, "page_size", None)
        if page_size:
            # as GET /queries/{name}: the first page and its total (a query cut inside the engine: its count query too)
            page, count = catalog.page_requests(query, bindings, formats, min(page_size, settings.result_row_cap), 0)
            runs = [(r.sparql, r.bindings, {"row_cap": r.row_cap, "offset": r.offset, "count_total": r.count_total}) for r in (page, count) if r is not None]
        else:
            runs = [(query.sparql, bindings, {"row_cap": settings.result_row_cap})]
        row = {}
        for label, s in (("disk", ro), ("memory", mem)):
            times = []
            spent = 0.0
            for i in range(12):
                t = time.perf_counter()
                for text, bound, paging in runs:
                    answer(s, text, formats=formats, prefixes=prefixes, bindings=bound, **paging)
                elapsed = time.perf_counter() - t
                spent += elapsed
                if i >= 1:
                    times.append(elapsed)
                if spent > 2 and len(times) >= 3 or spent > 8:
                    break
            row[f"{label}_p50_ms"] = statistics.median(times or [elapsed]) * 1000
        row["ratio"] = row["disk_p50_ms"] / max(row["memory_p50_ms"], 1e-6)
        table[query.name] = row
        print(query.name, json.dumps(row), file=sys.stderr, flush=True)
    return {"named": table}


def run_child(measure: str, store: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.load_paths", "child", measure, str(store)], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        print(json.dumps(child(sys.argv[2], sys.argv[3])))
        return
    p = argparse.ArgumentParser(prog="python -m bench.load_paths", description=__doc__.split("\n\n")[0])
    p.add_argument("--store", type=Path, required=True)
    p.add_argument("--runs", type=int, default=2)
    p.add_argument("--named", action="store_true")
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    import pyoxigraph as ox

    work = Path(tempfile.mkdtemp(prefix="load-paths-", dir=args.store.parent))
    try:
        primary = work / "primary"
        shutil.copytree(args.store, primary)
        server = ox.Store(str(primary))  # held open, as the server holds it
        results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "store": str(args.store), "runs": []}
        for n in range(args.runs):
            checkpoint = work / f"checkpoint-{n}"
            t = time.perf_counter()
            server.backup(str(checkpoint))
            run = {"backup_seconds": time.perf_counter() - t, "load": round(os.getloadavg()[0], 2)}
            for measure in ("open_rw", "open_ro", "dump_parse", "ro_dump_parse", "ro_bulk_extend", "ro_extend"):
                target = primary if measure == "dump_parse" else checkpoint
                if measure == "dump_parse":
                    del server  # the lock: a second writable open needs the store closed
                run[measure] = run_child(measure, target if measure != "open_rw" else checkpoint)
                if measure == "dump_parse":
                    server = ox.Store(str(primary))
                print(n, measure, json.dumps(run[measure]), flush=True)
            results["runs"].append(run)
            shutil.rmtree(checkpoint)
        if args.named:
            checkpoint = work / "checkpoint-named"
            server.backup(str(checkpoint))
            results["named"] = run_child("named", checkpoint)["named"]
            results["named_load"] = round(os.getloadavg()[0], 2)
        if args.out:
            args.out.write_text(json.dumps(results, indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
