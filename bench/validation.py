"""SHACL validation, engine by engine and tree by tree: the plan graph, a 100k graph, a small write.

    python -m bench.validation --tree /tmp/before --tree . [--runs 5] [--out bench/results/validation.md]

Each ``--tree`` is a checkout of plankg (``git worktree add /tmp/before <commit>``). For
each tree, each case and each engine that tree offers, a child process (``PYTHONPATH`` =
the tree, the same interpreter and packages) runs ``validate_quads`` with the project's
shapes once to warm up (imports, shape parsing, the class hierarchy) and then ``--runs``
times; the median is reported, with the result counts so that a faster engine that
answers differently shows. The trees and engines take turns case by case, so all see the
same machine load.

Cases: ``plan`` (the built graph), ``100k`` (bench.generate's scale-up), ``write-450``
(about 450 generated triples: what the write pipeline hands the validator for a small
write, the incremental write-gate case).

Engines: ``default`` (what ``validate_quads`` does without ``engine=``: the tree's best
path) and ``pyshacl`` (pySHACL itself, the reference); ``turbo`` where the tree has it.

``smoke()`` is what ``python -m bench.run --smoke`` runs: the plan graph once with the
default engine; it fails only when validation raises, never on a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("plan", "100k", "write-450")
WRITE_SIZE = 450


def case_file(case: str, seed: int = 7) -> Path:
    """The N-Quads of a case under bench/work/ (generated once, byte-identical for a seed)."""
    from bench import generate as gen
    from plankg.settings import Settings

    settings = Settings()
    if case == "write-450":
        path = gen.WORK_DIR / f"plankg-write{WRITE_SIZE}-s{seed}.nq"
        if not path.exists():
            from plankg.store.rdfio import sorted_nquads

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(sorted_nquads(gen.extension(settings, WRITE_SIZE, seed=seed)))
        return path
    return gen.write(settings, case, seed=seed)


def child(data: str, engine: str, runs: int) -> dict:
    """In the tree on PYTHONPATH: warm-up, then ``runs`` timed validations of ``data``."""
    import pyoxigraph as ox

    from plankg.settings import Settings
    from plankg.validation import load_shapes, validate_quads

    settings = Settings()
    shapes = load_shapes(settings)
    quads = list(ox.parse(path=data))
    kwargs = {} if engine == "default" else {"engine": engine}
    report = validate_quads(settings, quads, shapes, **kwargs)
    seconds = []
    for _ in range(runs):
        t = time.perf_counter()
        report = validate_quads(settings, quads, shapes, **kwargs)
        seconds.append(time.perf_counter() - t)
    counts = report.counts()
    return {
        "quads": len(quads),
        "seconds": seconds,
        "median_s": statistics.median(seconds),
        "counts": counts,
        "answered_by": getattr(report, "engine", "") or "plankg.shacl / pySHACL",
    }


def engines_of(tree: Path) -> list[str]:
    has_package = (tree / "plankg" / "validation" / "engines.py").exists()
    return ["default", "pyshacl", "turbo"] if has_package else ["default", "pyshacl"]


def run_child(tree: Path, data: Path, engine: str, runs: int, timeout_s: float = 1800) -> dict:
    # this file runs as a script, so the tree on PYTHONPATH (which may predate it) supplies plankg
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "child", str(data), engine, str(runs)],
        cwd=tree, env=env, capture_output=True, text=True, timeout=timeout_s,
    )
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout).strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def smoke() -> list[str]:
    """The plan graph once with the default engine (the smoke run; the reference takes seconds and
    the full run measures it): lines to log."""
    found = child(str(case_file("plan")), "default", 1)
    return [f"validation, plan graph ({found['answered_by']}): {found['median_s']:.2f} s, {found['counts']}"]


def markdown(results: list[dict], runs: int) -> str:
    lines = [
        "# SHACL validation: engines and trees side by side",
        "",
        f"`python -m bench.validation` ({runs} timed runs after a warm-up, median; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())},"
        f" {os.cpu_count()} CPUs shared with other work). `default` is each tree's best path (what `validate_quads`"
        " does without `engine=`); counts are the report's results (violations / warnings / infos).",
        "",
        "| case | quads | tree | engine | answered by | median s | runs (s) | V / W / I |",
        "|---|---:|---|---|---|---:|---|---|",
    ]
    for r in results:
        found = r["found"]
        if "error" in found:
            lines.append(f"| {r['case']} | | {r['tree']} | {r['engine']} | error: {' '.join(found['error'])[:120]} | | | |")
            continue
        c = found["counts"]
        runs_text = ", ".join(f"{s:.2f}" for s in found["seconds"])
        lines.append(
            f"| {r['case']} | {found['quads']} | {r['tree']} | {r['engine']} | {found['answered_by']} | {found['median_s']:.3f} |"
            f" {runs_text} | {c.get('Violation', 0)} / {c.get('Warning', 0)} / {c.get('Info', 0)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "child":
        print(json.dumps(child(argv[1], argv[2], int(argv[3]))))
        return 0
    p = argparse.ArgumentParser(prog="python -m bench.validation", description=__doc__.split("\n\n")[0])
    p.add_argument("--tree", action="append", type=Path, help="a plankg checkout (repeatable; default: this one)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "validation.md")
    args = p.parse_args(argv)
    trees = [t.resolve() for t in (args.tree or [ROOT])]
    results = []
    for case in [c.strip() for c in args.cases.split(",") if c.strip()]:
        data = case_file(case)
        for engine in ("default", "turbo", "pyshacl"):
            for tree in trees:
                if engine not in engines_of(tree):
                    continue
                # pySHACL on 100k takes about a minute a run: fewer runs say enough
                runs = min(args.runs, 2) if engine == "pyshacl" and case == "100k" else args.runs
                found = run_child(tree, data, engine, runs)
                label = "this tree" if tree == ROOT else str(tree)
                results.append({"case": case, "tree": label, "engine": engine, "found": found})
                print(json.dumps(results[-1]), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(results, args.runs), encoding="utf-8")
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
