"""The benchmark: ``python -m bench.run --scales plan,100k,1m --concurrency 1,4,16 --duration 20``.

For each scale: generate the data (bench/work/, sorted N-Quads), measure the
in-process scale curve (load, size, memory, warm p50 of every named query),
then start each contender alone on 127.0.0.1, check that it answers every
request with the reference row count, and drive it with wrk at each
concurrency. Results (JSON, Markdown, PNG) go to bench/results/.

``--smoke``: plan-size data, every contender ~2 s at 1 and 4 clients, and one SHACL
validation of the plan graph per engine (``bench.validation.smoke``); results in
bench/work/smoke/; exits non-zero only when a contender fails to start or answers
with an error, or validation raises — never because of a timing.

Every process started here runs in its own process group and is stopped in a
``finally``, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path

import pyoxigraph as ox

from bench import generate as gen
from bench.workload import ACCEPT, Request, requests_for

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "work"
# a named query slower than this in-process stays out of the HTTP mix (and is recorded): two
# pathological queries at ~1 s would otherwise make every throughput number a measure of them alone
SLOW_QUERY_MS = 100.0


# ---------------------------------------------------------------- machine facts
def machine() -> dict:
    import psutil

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(argv: list[str]) -> str:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
            return (done.stdout or done.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "not available"

    import importlib.metadata as md

    def pkg(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "not installed"

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "versions": {
            "plankg": pkg("plankg"),
            "pyoxigraph": pkg("pyoxigraph"),
            "oxigraph (server)": version(["oxigraph", "--version"]),
            "virtuoso": version(["virtuoso-t", "-?"]) if shutil.which("virtuoso-t") else "not installed",
            "rdflib": pkg("rdflib"),
            "rdflib-endpoint": pkg("rdflib-endpoint"),
            "fastapi": pkg("fastapi"),
            "uvicorn": pkg("uvicorn"),
            "wrk": version(["wrk", "-v"]),
        },
    }


def virtuoso_version() -> str:
    try:
        done = subprocess.run(["virtuoso-t", "-?"], capture_output=True, text=True, timeout=20)
        for line in (done.stdout + done.stderr).splitlines():
            if line.startswith("Version"):
                return line.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "not available"


# ---------------------------------------------------------------- checking answers
def check_answers(contender, requests: list[Request]) -> tuple[list[str], list[str]]:
    """One request each: errors (non-2xx, unreadable) and notes (row counts that differ)."""
    errors, notes = [], []
    for r in requests:
        if contender.route == "named":
            req = urllib.request.Request(contender.base_url + r.named_path, headers={"Accept": ACCEPT})
        else:
            req = urllib.request.Request(
                contender.base_url + contender.sparql_path, data=r.form_body().encode(), method="POST",
                headers={"Accept": ACCEPT, "Content-Type": "application/x-www-form-urlencoded"},
            )
        try:
            with urllib.request.urlopen(req, timeout=300) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            errors.append(f"{r.label}: HTTP {exc.code} {detail}")
            continue
        except (OSError, ValueError) as exc:
            errors.append(f"{r.label}: {exc}")
            continue
        rows = len(body["results"]["bindings"]) if "results" in body else 1
        if rows != r.rows:
            notes.append(f"{r.label}: {rows} rows (reference {r.rows})")
    return errors, notes


# ---------------------------------------------------------------- measuring
def merge_rounds(rounds: list[dict]) -> dict:
    """Rounds of one contender at one client count: totals for throughput, medians for latency."""
    import statistics

    total_requests = sum(r["requests"] for r in rounds)
    total_seconds = sum(r["seconds"] for r in rounds)
    return {
        "requests": total_requests,
        "seconds": total_seconds,
        "rps": total_requests / total_seconds if total_seconds else 0.0,
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p90_ms": statistics.median(r["p90_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "max_ms": max(r["max_ms"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "loadavg_before": statistics.mean(r["loadavg_before"] for r in rounds),
        "rss_bytes": max(r["rss_bytes"] for r in rounds),
        "rounds": [{k: r[k] for k in ("rps", "p50_ms", "p99_ms", "loadavg_before")} for r in rounds],
    }


# ---------------------------------------------------------------- one scale
def run_scale(scale: str, args, settings, base, log) -> dict:
    from bench import contenders as C
    from bench.inprocess import measure_scale

    work = WORK / scale
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    result: dict = {"scale": scale, "contenders": [], "failures": []}

    t = time.perf_counter()
    nq = gen.write(settings, scale, args.seed, base=base, force=True)
    result["generate_s"] = time.perf_counter() - t
    quads = list(ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS))
    result["quads"] = len(quads)
    result["data_file"] = str(nq.relative_to(ROOT))
    result["data_bytes"] = nq.stat().st_size
    log(f"scale {scale}: {len(quads)} quads in {nq.name}")

    skip: dict[str, str] = {}
    if not args.smoke and not args.skip_inprocess:
        log("  in-process scale curve …")
        result["inprocess"] = measure_scale(nq, work, query_limit_s=args.query_limit)
        for name, q in result["inprocess"]["queries"].items():
            p50 = q.get("p50_ms")
            if p50 is None:
                skip[name] = f"over {q.get('over_limit_s', '?')} s in-process at this scale: left out of the HTTP mix"
            elif p50 > args.slow_ms:
                skip[name] = f"{p50:.0f} ms in-process (> {args.slow_ms:.0f} ms) at this scale: left out of the HTTP mix"
    requests, notes = requests_for(settings, quads, skip=skip)
    if args.smoke:
        slow = [r for r in requests if r.ref_ms > args.slow_ms]
        notes += [f"{r.query}: {r.ref_ms:.0f} ms in-process: left out of the smoke mix" for r in slow]
        requests = [r for r in requests if r.ref_ms <= args.slow_ms]
    del quads
    result["requests"] = [{"query": r.query, "params": r.params, "rows": r.rows} for r in requests]
    result["request_notes"] = notes
    for n in notes:
        log(f"  note: {n}")

    duration = args.duration
    short = args.rdflib_duration
    concurrency = args.concurrency
    script_dir = work / "lua"
    started: list = []

    def attempt(label: str, fn):
        try:
            value = fn()
        except Exception as exc:  # noqa: BLE001 - one contender failing must not stop the others
            msg = f"{label}: {type(exc).__name__}: {exc}"
            log("  FAILED " + msg[:2000])
            result["failures"].append(msg[:4000])
            if args.verbose:
                traceback.print_exc()
            return None
        return value

    def stop_all():
        while started:
            item = started.pop()
            try:
                item.stop()
            except Exception:  # noqa: BLE001
                pass

    contenders: list = []  # (Contender, is a peer, seconds per client count)
    try:
        # ---- start everything; an idle server costs no CPU, and running the
        # contenders in interleaved rounds spreads any outside load over all of them
        for workers in args.workers:
            label = f"plankg embedded, {workers} worker{'s' if workers > 1 else ''}"
            svc_dir = work / f"plankg-{workers}w"  # each its own store: the store holds a lock
            loaded = attempt(f"{label}: load the embedded store", lambda: C.load_embedded(svc_dir, nq))
            if loaded is None:
                continue
            engine = attempt(label, lambda: C.plankg_service(svc_dir, workers=workers, label=f"plankg-{workers}w"))
            if engine is None:
                continue
            started.append(engine)
            for c in C.service_contenders(engine, label, svc_dir / "store"):
                c.seconds.update(load=loaded["load"], parse=loaded["parse"])
                contenders.append((c, False, duration))
        for label, start in (("oxigraph in-memory", C.oxigraph_memory), ("oxigraph on disk", C.oxigraph_disk)):
            c = attempt(label, lambda: start(work / label.replace(" ", "-"), nq))
            if c is not None:
                started.append(c)
                contenders.append((c, True, duration))
        v = attempt("virtuoso", lambda: C.virtuoso(work / "virtuoso", nq))
        if v is not None:
            started.append(v)
            contenders.append((v, True, duration))
            for workers in args.workers:
                label = f"plankg on Virtuoso (remote), {workers} worker{'s' if workers > 1 else ''}"
                engine = attempt(label, lambda: C.plankg_service(work / f"plankg-remote-{workers}w", workers=workers, remote_url=v.engine.query_url, label=f"plankg-remote-{workers}w"))
                if engine is not None:
                    started.append(engine)
                    contenders += [(c, False, duration) for c in C.service_contenders(engine, label, None)]
        if not args.no_rdflib:
            c = attempt("rdflib-endpoint", lambda: C.rdflib_endpoint(work / "rdflib", nq))
            if c is not None:
                started.append(c)
                contenders.append((c, True, short))

        # ---- every contender answers every request once, with the reference row count
        entries: dict[str, dict] = {}
        mixes: dict[str, list[Request]] = {}
        for c, peer, _ in contenders:
            entry = {
                "name": c.name, "route": c.route, "seconds": dict(c.seconds), "note": c.note,
                "rss_idle_bytes": c.rss_bytes(), "disk_bytes": c.disk_bytes(), "runs": {},
            }
            if c is v:
                entry["disk_bytes"] = C.virtuoso_disk_bytes(work / "virtuoso")
            errors, notes = check_answers(c, requests)
            mix = requests
            if errors and peer and len(errors) < len(requests):
                # a peer's own SPARQL gap: it runs without that query, and the report says so
                failed = {e.split(":", 1)[0] for e in errors}
                mix = [r for r in requests if r.label not in failed]
                notes += [f"cannot answer {e[:300]} — left out of its mix" for e in errors]
                errors = []
            entry.update(answer_errors=errors, answer_notes=notes, mix=len(mix))
            entries[c.name], mixes[c.name] = entry, mix
            result["contenders"].append(entry)
            if errors:
                log(f"  {c.name}: {len(errors)} request(s) failed: {errors[0][:300]}")
                result["failures"].append(f"{c.name}: errors answering: {errors[:3]}")

        # ---- load: for each client count, rounds of every contender in turn
        from bench.loadgen import run_wrk

        rounds_of: dict[tuple[str, int], list[dict]] = {}
        for clients in concurrency:
            for round_no in range(args.rounds):
                for c, _peer, seconds in contenders:
                    entry = entries[c.name]
                    if entry["answer_errors"] or entry.get("died"):
                        continue
                    if c.engine.process is None or c.engine.process.poll() is not None:
                        entry["died"] = True
                        result["failures"].append(f"{c.name}: the server process exited during the load runs")
                        continue
                    loadavg = os.getloadavg()[0]
                    run = attempt(f"{c.name} at {clients} clients", lambda: run_wrk(
                        c.base_url, mixes[c.name], c.route, c.sparql_path, clients=clients,
                        seconds=max(1.0, seconds / args.rounds), script_dir=script_dir))
                    if run is None:
                        continue
                    rounds_of.setdefault((c.name, clients), []).append({**run.as_dict(), "loadavg_before": loadavg, "rss_bytes": c.rss_bytes()})
                    log(f"  {c.name:46s} c={clients:<3d} r{round_no + 1} {run.rps:9.1f} req/s  p50 {run.p50_ms:8.1f} ms  p99 {run.p99_ms:8.1f} ms  errors {run.errors}  load {loadavg:.1f}")
                    if run.errors:
                        entry.setdefault("load_errors", []).append({"clients": clients, **run.error_detail})
                        result["failures"].append(f"{c.name}: {run.errors} errors at {clients} clients: {run.error_detail}")
        for (name, clients), rounds in rounds_of.items():
            entries[name]["runs"][str(clients)] = merge_rounds(rounds)
    finally:
        stop_all()
    return result


def read_base_retrying(settings, log, tries: int = 5, pause_s: float = 60.0):
    """The plan graph; its sources are edited by other developers, so a failing build is retried."""
    for attempt in range(1, tries + 1):
        try:
            return gen.read_base(settings)
        except Exception as exc:  # noqa: BLE001 - any build error: wait for the sources to settle
            if attempt == tries:
                raise
            log(f"building the plan graph failed ({type(exc).__name__}: {str(exc)[:200]}); retrying in {pause_s:g} s")
            time.sleep(pause_s)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--scales", default="plan,100k", help="comma-separated: plan, 100k, 1m, or a number of quads")
    p.add_argument("--concurrency", default="1,4,16", help="client counts")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per contender and client count")
    p.add_argument("--rdflib-duration", type=float, default=10.0, help="seconds for rdflib-endpoint (it is slow)")
    p.add_argument("--workers", default="1,2", help="uvicorn worker counts for the service")
    p.add_argument("--slow-ms", type=float, default=SLOW_QUERY_MS, help="named queries slower than this in-process stay out of the HTTP mix")
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds per client count (duration is split over them)")
    p.add_argument("--seed", type=int, default=gen.DEFAULT_SEED)
    p.add_argument("--query-limit", type=float, default=60.0, help="seconds before an in-process query is recorded as over the limit")
    p.add_argument("--skip-inprocess", action="store_true")
    p.add_argument("--no-rdflib", action="store_true")
    p.add_argument("--smoke", action="store_true", help="plan size, ~2 s per contender at 1 and 4 clients; fails only on errors")
    p.add_argument("--out", type=Path, help="results directory (default bench/results/, smoke: bench/work/smoke/)")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c]
    args.workers = [int(w) for w in args.workers.split(",") if w]
    args.scales = [s.strip().lower() for s in args.scales.split(",") if s.strip()]
    if args.smoke:
        args.scales, args.concurrency, args.duration, args.rdflib_duration = ["plan"], [1, 4], 2.0, 2.0
        args.workers = [1]  # two workers cannot share the embedded store (see the results)
        args.rounds = 1
    args.out = args.out or (WORK / "smoke" if args.smoke else RESULTS)
    return args


def main(argv: list[str] | None = None) -> int:
    from bench.loadgen import have_wrk
    from bench.report import write_report
    from plankg.settings import Settings

    args = parse_args(argv)
    started_at = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started_at:7.1f}s] {message}", flush=True)

    if not have_wrk():
        print("bench: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    settings = Settings()
    # the real graph is read once, so every scale of a run extends the same plan graph
    base = read_base_retrying(settings, log)
    info = machine()
    info["versions"]["virtuoso"] = virtuoso_version()
    results: dict = {"machine": info, "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}, "scales": []}

    if not args.smoke:
        from bench.inprocess import plankg_build_seconds, validation_seconds

        log("plankg build …")
        results["build"] = plankg_build_seconds(WORK)
        log(f"  plankg build: {results['build']['wall_s']:.1f} s")
        log("validation …")
        plan = gen.canonical_blank_nodes(base.quads)
        upload = gen.extension(settings, 10_000, seed=args.seed, base=base)
        try:
            results["validation"] = validation_seconds(plan, upload)
        except Exception as exc:  # noqa: BLE001 - a failing validator is a result too
            results["validation"] = {"error": f"{type(exc).__name__}: {exc}"}
        log(f"  {results['validation']}")

    smoke_failures: list[str] = []
    if args.smoke:
        from bench.validation import smoke as validation_smoke

        log("validation (plan graph, once per engine; bench.validation measures) …")
        try:
            for line in validation_smoke():
                log("  " + line)
        except Exception as exc:  # noqa: BLE001 - a failing validator fails the smoke run, a slow one never
            smoke_failures.append(f"validation: {type(exc).__name__}: {exc}")

    for scale in args.scales:
        results["scales"].append(run_scale(scale, args, settings, base, log))
        results["elapsed_s"] = time.perf_counter() - started_at
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
        write_report(results, args.out)

    failures = smoke_failures + [f for s in results["scales"] for f in s["failures"]]
    log(f"done in {time.perf_counter() - started_at:.0f} s; results in {args.out}")
    if failures:
        print(f"bench: {len(failures)} contender failure(s):", file=sys.stderr)
        for f in failures:
            print("  " + f[:1000], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
