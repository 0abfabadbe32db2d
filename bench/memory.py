"""Where plankg's memory goes at one scale, per process, beside ``oxigraph serve`` in memory (issue 17, item 1).

    python -m bench.memory --scale 1m --tree /tmp/base --tree . [--runs 2] [--work /tmp/me] [--out bench/results/memory-1m.json]

The narrow companion of ``bench.scale`` (same launch, warm-up and settled PSS, same
contenders' code; plankg also answers one search, so its search index counts in every run,
and its PSS is read once its checkpoints are gone): each ``--tree``'s ``plankg serve`` and
``oxigraph serve`` in memory run interleaved on copies of one on-disk store bulk-loaded under
``--work`` (scratch, not the shared ``bench/work``). For plankg the process tree is split by role (server,
zygote, query workers, sandbox jobs) with each process's PSS, USS, RSS and the
``smaps_rollup`` lines that tell heap from file pages; then the PSS again after five
(``--writes``) 100-triple writes (and how long each took to be visible), as ``bench.scale`` does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

from bench.scale import (
    OXIGRAPH_MEMORY,
    PLANKG,
    RESULTS,
    Contender,
    data_for,
    launch_until_answering,
    load,
    master_store,
    settle,
    timed_writes,
    tree_pss,
)

ROLLUP = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty", "Anonymous")


def rollup(pid: int) -> dict[str, int]:
    """/proc/PID/smaps_rollup in kB."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in ROLLUP:
                    out[name] = int(rest.split()[0])
    except OSError:
        pass
    return out


def role(proc, root_pid: int) -> str:
    import psutil

    try:
        cmd = " ".join(proc.cmdline())
        if proc.pid == root_pid:
            return "server"
        parent = proc.parent()
        if parent is not None and "zygote_main" in " ".join(parent.cmdline()):
            return "worker"  # forked: the zygote's command line too
        if "zygote_main" in cmd:
            return "zygote"
    except psutil.Error:
        return "gone"
    return "other"


def breakdown(root_pid: int) -> list[dict]:
    import psutil

    root = psutil.Process(root_pid)
    rows = []
    for proc in [root, *root.children(recursive=True)]:
        try:
            info = proc.memory_full_info()
            rows.append({
                "pid": proc.pid, "role": role(proc, root_pid), "pss": info.pss, "uss": info.uss, "rss": info.rss,
                "threads": proc.num_threads(), "rollup_kb": rollup(proc.pid),
            })
        except psutil.Error:
            pass
    return rows


def one_run(label: str, kind: str, master: Path, tree: Path | None, nq: Path, rundir: Path, env: dict[str, str], writes_n: int = 5) -> dict:
    store = rundir / "store"
    shutil.rmtree(rundir, ignore_errors=True)
    rundir.mkdir(parents=True)
    if kind == PLANKG:
        shutil.copytree(master, store)
    else:
        store.mkdir()
    server = Contender(label, store, tree, kind, nq)
    server.extra_env = dict(env)
    out: dict = {"label": label, "kind": kind, "load_before": load()}
    try:
        started = launch_until_answering(server, label)
        if kind == OXIGRAPH_MEMORY:
            out["load_s"] = server.load_memory()
        else:
            out["start_s"] = started
        out["pss_bytes"], out["settle_s"] = settle(server)
        out["processes"] = breakdown(server.proc.pid)
        out["load_settled"] = load()
        writes = timed_writes(server, label, writes_n, "bench-memory")
        out["write_visible_s"] = statistics.median(writes)
        out["write_runs_s"] = writes
        time.sleep(2.0)
        out["pss_after_writes_bytes"] = tree_pss(server.proc.pid)
        out["processes_after_writes"] = breakdown(server.proc.pid)
        out["load_after"] = load()
    finally:
        server.stop()
        shutil.rmtree(rundir, ignore_errors=True)
    return out


def summary_line(r: dict) -> str:
    mb = 1 << 20
    parts = [f"{r['label']}: PSS {r['pss_bytes'] / mb:.0f} MB"]
    if "start_s" in r:
        parts.append(f"start {r['start_s']:.2f} s")
    by_role: dict[str, list] = {}
    for p in r["processes"]:
        by_role.setdefault(p["role"], []).append(p)
    for name, ps in by_role.items():
        parts.append(f"{name}×{len(ps)} PSS {sum(p['pss'] for p in ps) / mb:.0f} (USS {sum(p['uss'] for p in ps) / mb:.0f})")
    parts.append(f"after writes {r['pss_after_writes_bytes'] / mb:.0f} MB, visible {r['write_visible_s']:.3f} s, load {r['load_before']}–{r['load_after']}")
    return "; ".join(parts)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", default="1m")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--tree", type=Path, action="append", help="a checkout to run `plankg serve` from (repeatable)")
    p.add_argument("--env", action="append", default=[], help="LABEL:NAME=VALUE, an environment variable for that tree's server (label: the tree's directory name)")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--writes", type=int, default=5, help="100-triple writes after the settled PSS (bench.scale: 5)")
    p.add_argument("--no-peer", action="store_true", help="without oxigraph serve in memory")
    p.add_argument("--work", type=Path, default=Path("/tmp/bench-memory"))
    p.add_argument("--out", type=Path, default=RESULTS / "memory-1m.json")
    args = p.parse_args()
    nq = data_for(args.scale, args.seed)
    master = master_store(args.scale, nq, args.work / f"master-{args.scale}")
    envs: dict[str, dict[str, str]] = {}
    for item in args.env:
        label, _, assignment = item.partition(":")
        name, _, value = assignment.partition("=")
        envs.setdefault(label, {})[name] = value
    setups = [(f"plankg ({t.name})", PLANKG, t.resolve(), envs.get(t.name, {})) for t in args.tree or []]
    if not args.no_peer:
        setups.append(("oxigraph serve (memory)", OXIGRAPH_MEMORY, None, {}))
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "scale": args.scale, "runs": []}
    for n in range(args.runs):
        for label, kind, tree, env in setups:
            r = one_run(label, kind, master, tree, nq, args.work / "run", env, args.writes)
            r["run"] = n
            results["runs"].append(r)
            print(summary_line(r) if kind == PLANKG else f"{label}: PSS {r['pss_bytes'] / (1 << 20):.0f} MB, load {r['load_before']}", flush=True)
            args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
