"""Markdown tables, a PNG chart per scale and the target check, from results.json.

    python -m bench.report bench/results/results.json   # re-render without re-running
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MB = 1024 * 1024


def _mb(value) -> str:
    return f"{value / MB:,.0f} MB" if value else "–"


def _s(value) -> str:
    return f"{value:.2f} s" if isinstance(value, (int, float)) else "–"


def _runs(scale: dict, name: str) -> dict:
    for c in scale["contenders"]:
        if c["name"] == name:
            return c["runs"]
    return {}


def _rps(scale: dict, name: str, clients: int = 16) -> float | None:
    run = _runs(scale, name).get(str(clients))
    return run["rps"] if run and not run.get("errors") else None


def _find(scale: dict, prefix: str, route: str) -> str | None:
    for c in scale["contenders"]:
        if c["name"].startswith(prefix) and c["route"] == route and c["runs"]:
            return c["name"]
    return None


def targets(results: dict) -> list[tuple[str, str, str, str]]:
    """(target, measured, ratio or value, verdict) for every target of issue 7."""
    rows: list[tuple[str, str, str, str]] = []
    scales = {s["scale"]: s for s in results["scales"]}

    def ratio_row(label: str, scale_name: str, ours: str | None, theirs: str | None, needed: float):
        scale = scales.get(scale_name)
        if scale is None:
            rows.append((label, f"scale {scale_name} not run", "–", "not measured"))
            return
        a = _rps(scale, ours) if ours else None
        b = _rps(scale, theirs) if theirs else None
        if not a or not b:
            rows.append((label, f"{ours or '?'}: {a or 'no run'}; {theirs or '?'}: {b or 'no run'}", "–", "not measured"))
            return
        r = a / b
        verdict = "met" if r >= needed else f"MISSED by {(1 - r / needed) * 100:.0f}% (needs {needed:g}×)"
        rows.append((label, f"{a:,.1f} vs {b:,.1f} req/s at 16 clients ({scale_name})", f"{r:.2f}×", verdict))

    for scale_name in [s for s in ("100k", "plan", "1m") if s in scales] or ["100k"]:
        scale = scales.get(scale_name, {"contenders": []})
        ours_sparql = _find(scale, "plankg embedded, 1 worker", "sparql")
        ours_named = _find(scale, "plankg embedded, 1 worker", "named")
        ratio_row(f"/sparql ≥ 0.8× oxigraph serve (in-memory) [{scale_name}]", scale_name, ours_sparql, "oxigraph serve (in-memory)", 0.8)
        ratio_row(f"/sparql ≥ 30× rdflib-endpoint [{scale_name}]", scale_name, ours_sparql, "rdflib-endpoint", 30)
        ratio_row(f"named queries ≥ 3× oxigraph serve (in-memory) [{scale_name}]", scale_name, ours_named, "oxigraph serve (in-memory)", 3)
        ratio_row(f"named queries ≥ 1× Virtuoso [{scale_name}]", scale_name, ours_named, "Virtuoso /sparql", 1)
        ratio_row(f"remote store: /sparql ≥ 0.7× Virtuoso's own endpoint [{scale_name}]", scale_name,
                  _find(scale, "plankg on Virtuoso", "sparql"), "Virtuoso /sparql", 0.7)

    for scale_name, limit in (("plan", 5.0), ("1m", 100.0)):
        scale = scales.get(scale_name)
        if not scale or "inprocess" not in scale:
            rows.append((f"p50 of every named query warm in-process ≤ {limit:g} ms [{scale_name}]", "scale not run in-process", "–", "not measured"))
            continue
        qs = scale["inprocess"]["queries"]
        over = {n: q.get("p50_ms") for n, q in qs.items() if q.get("p50_ms") is None or q["p50_ms"] > limit}
        worst = max(qs.items(), key=lambda kv: kv[1].get("p50_ms") or float("inf"))
        worst_p50 = worst[1].get("p50_ms")
        measured = f"worst: {worst[0]} " + (f"{worst_p50:.1f} ms" if worst_p50 is not None else "over the time limit")
        verdict = "met" if not over else "MISSED: " + ", ".join(
            f"{n} {v:.1f} ms ({v / limit:.1f}× the limit)" if v else f"{n} over the time limit" for n, v in sorted(over.items(), key=lambda kv: -(kv[1] or 1e12))
        )
        rows.append((f"p50 of every named query warm in-process ≤ {limit:g} ms [{scale_name}]", measured, f"{len(qs) - len(over)}/{len(qs)} within", verdict))

    build = results.get("build")
    if build:
        wall = build.get("wall_s")
        error_line = (build.get("error") or "").strip().splitlines()[-1:] or [""]
        verdict = "met" if build.get("exit") == 0 and wall <= 5 else (
            f"MISSED by {wall - 5:.1f} s ({wall / 5:.1f}× the target)" if build.get("exit") == 0 else f"build failed: {error_line[0][:200]}"
        )
        steps = build.get("steps_s") or {}
        slowest = max(steps.items(), key=lambda kv: kv[1]) if steps else ("?", 0)
        rows.append(("`plankg build` ≤ 5 s", f"{wall:.1f} s wall (slowest step: {slowest[0]} {slowest[1]:.1f} s)", "–", verdict))
    for scale in results["scales"]:
        for c in scale["contenders"]:
            if c["name"].startswith("plankg embedded, 1 worker") and c["route"] == "sparql":
                start = c["seconds"].get("start")
                if start is not None:
                    verdict = "met" if start <= 1 else f"MISSED by {start - 1:.1f} s ({start:.1f}× the target)"
                    rows.append((f"server start on an existing store ≤ 1 s [{scale['scale']}]", f"{start:.2f} s to the first answer", "–", verdict))
    val = results.get("validation")
    if val:
        if "todo" in val or "error" in val:
            rows.append(("validating the plan graph ≤ 1 s", val.get("todo") or val.get("error"), "–", "TODO: not measured"))
        else:
            secs = val["plan"]["seconds"]
            verdict = "met" if secs <= 1 else f"MISSED by {secs - 1:.1f} s ({secs:.1f}× the target)"
            rows.append(("validating the plan graph ≤ 1 s", f"{secs:.2f} s ({val['plan']['quads']} quads)", "–", verdict))
    return rows


def markdown(results: dict) -> str:
    m = results["machine"]
    out = [
        "# plankg benchmarks",
        "",
        f"Run {m['date']} on {m['nproc']} cores, {m['memory_gib']} GiB, {m['cpu']}, Linux {m['kernel']}, Python {m['python']}.",
        f"Command: `python -m bench.run --scales {','.join(results['args']['scales'])} --concurrency {','.join(map(str, results['args']['concurrency']))} "
        f"--duration {results['args']['duration']:g} --rounds {results['args'].get('rounds', 1)}`; total {results.get('elapsed_s', 0) / 60:.0f} min. "
        "The load generator (wrk) runs on the same two cores as the server under test, and other developers' "
        "processes may share the machine: the `load` column is the 1-minute load average before each run.",
        "",
        "What these numbers mean, where the cost grows faster than the data, and why targets are missed: "
        "[ANALYSIS.md](ANALYSIS.md) (written by hand for the run of 2026-11-26; re-read it after a new run).",
        "",
        "| software | version |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in m["versions"].items()],
        "",
        "## Targets",
        "",
        "| target | measured | ratio | verdict |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in targets(results)],
        "",
    ]
    build = results.get("build")
    if build:
        out += ["## Build and validation", "", f"`plankg build`: {build['wall_s']:.1f} s wall, exit {build['exit']}."]
        for step, secs in (build.get("steps_s") or {}).items():
            out.append(f"- {step}: {secs:.2f} s")
        out.append("")
    val = results.get("validation")
    if val:
        if "todo" in val or "error" in val:
            out += [f"Validation: **TODO** — {val.get('todo') or val.get('error')}", ""]
        else:
            for name, v in val.items():
                out.append(f"- validate_quads, {name}: {v['seconds']:.2f} s for {v['quads']} quads (conforms: {v['conforms']}, {v['results']} results)")
            out.append("")
    for scale in results["scales"]:
        out += [f"## Scale {scale['scale']}: {scale['quads']:,} quads", ""]
        if scale.get("inprocess"):
            ip = scale["inprocess"]
            ld = ip.get("loaded", {})
            out.append(
                f"Data generated in {scale['generate_s']:.1f} s ({scale['data_bytes'] / MB:.0f} MB N-Quads). Embedded store, in-process: "
                f"parse {_s(ld.get('parse_s'))}, load {_s(ld.get('load_s'))}, on disk {_mb(ld.get('disk_bytes'))}, "
                f"resident {_mb(ld.get('rss_bytes'))} after load ({_mb(ld.get('rss_base_bytes'))} before)."
            )
            out.append("")
        out += [
            f"Mix: {len(scale['requests'])} named queries, round-robin, each with its example parameters "
            "(`/queries/{name}?…` for the service's named route; the same text with the values inlined as a VALUES block for every `/sparql`).",
            "",
        ]
        for n in scale["request_notes"]:
            out.append(f"- left out: {n}")
        out += [
            "",
            f"![throughput and latency at {scale['scale']}](throughput-{scale['scale']}.png)",
            "",
            "| contender | clients | req/s | p50 ms | p99 ms | errors | load | RSS | on disk | load data | start |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for c in scale["contenders"]:
            shown = c["name"] + (f" ({c['mix']}/{len(scale['requests'])} queries)" if c.get("mix") not in (None, len(scale["requests"])) else "")
            for clients, r in c["runs"].items():
                out.append(
                    f"| {shown} | {clients} | {r['rps']:,.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | "
                    f"{r['loadavg_before']:.1f} | {_mb(r.get('rss_bytes'))} | {_mb(c.get('disk_bytes'))} | {_s(c['seconds'].get('load'))} | {_s(c['seconds'].get('start'))} |"
                )
            if not c["runs"]:
                out.append(f"| {c['name']} | – | – | – | – | {len(c['answer_errors'])} failed | – | – | – | – | – |")
        out.append("")
        for c in scale["contenders"]:
            for note in c.get("answer_notes", []):
                out.append(f"- {c['name']}: {note}")
            for err in c.get("answer_errors", [])[:3]:
                out.append(f"- {c['name']} ERROR: {err[:300]}")
            if c.get("profile"):
                out.append(f"- {c['name']}: profile at 16 clients: [{Path(c['profile']).name}]({Path(c['profile']).name})")
        for f in scale["failures"]:
            out.append(f"- FAILURE: {f[:600]}")
        out.append("")
    curve = [s for s in results["scales"] if s.get("inprocess")]
    if curve:
        out += ["## Scale curve: warm p50 of each named query, in-process (catalog + embedded store), ms", ""]
        out.append("| query | " + " | ".join(f"{s['scale']} ({s['quads']:,})" for s in curve) + " | growth exponent k (time ∝ size^k) |")
        out.append("|---|" + "---:|" * (len(curve) + 1))
        names = sorted({n for s in curve for n in s["inprocess"]["queries"]})
        for name in names:
            cells = []
            for s in curve:
                q = s["inprocess"]["queries"].get(name, {})
                if q.get("p50_ms") is not None:
                    cells.append(f"{q['p50_ms']:.1f} ({q['rows']} rows)")
                elif "over_limit_s" in q:
                    cells.append(f"> {q['over_limit_s']:g} s")
                else:
                    cells.append("–")
            out.append(f"| {name} | " + " | ".join(cells) + f" | {_exponents(curve, name)} |")
        for label, key in (("load into the store (s)", "load_s"), ("on disk (MB)", "disk_bytes"), ("resident after load (MB)", "rss_bytes")):
            cells = []
            for s in curve:
                v = s["inprocess"].get("loaded", {}).get(key)
                cells.append("–" if v is None else (f"{v:.2f}" if key == "load_s" else f"{v / MB:.0f}"))
            out.append(f"| *{label}* | " + " | ".join(cells) + " | |")
        out.append("")
    return "\n".join(out) + "\n"


def _exponents(curve: list[dict], name: str) -> str:
    """k between consecutive scales: 1 is linear, above ~1.2 grows faster than the data."""
    import math

    parts = []
    for a, b in zip(curve, curve[1:], strict=False):
        ta = a["inprocess"]["queries"].get(name, {}).get("p50_ms")
        tb = b["inprocess"]["queries"].get(name, {}).get("p50_ms")
        if ta and tb and b["quads"] != a["quads"]:
            parts.append(f"{math.log(tb / ta) / math.log(b['quads'] / a['quads']):.2f}")
        elif ta and tb is None and "over_limit_s" in b["inprocess"]["queries"].get(name, {}):
            limit_ms = b["inprocess"]["queries"][name]["over_limit_s"] * 1000
            parts.append(f"> {math.log(limit_ms / ta) / math.log(b['quads'] / a['quads']):.2f}")
        else:
            parts.append("–")
    return " → ".join(parts)


def chart(scale: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    contenders = [c for c in scale["contenders"] if c["runs"]]
    if not contenders:
        return
    clients = sorted({int(k) for c in contenders for k in c["runs"]})
    fig, axes = plt.subplots(1, 3, figsize=(18, 6.5))
    width = 0.8 / max(1, len(contenders))
    for i, c in enumerate(contenders):
        xs = [j + i * width for j in range(len(clients))]
        for ax, key in zip(axes, ("rps", "p50_ms", "p99_ms"), strict=True):
            ys = [c["runs"].get(str(n), {}).get(key, 0) for n in clients]
            ax.bar(xs, ys, width, label=c["name"])
    titles = ("throughput (req/s, higher is better)", "p50 latency (ms, log)", "p99 latency (ms, log)")
    for ax, title in zip(axes, titles, strict=True):
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(clients))], [f"{n} clients" for n in clients])
        ax.set_title(title)
    axes[0].set_yscale("log")
    axes[1].set_yscale("log")
    axes[2].set_yscale("log")
    axes[0].set_title("throughput (req/s, log, higher is better)")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9)
    fig.suptitle(f"plankg benchmark, {scale['scale']} ({scale['quads']:,} quads), same named-query mix for all")
    fig.tight_layout(rect=(0, 0.13, 1, 0.95))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_report(results: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for scale in results["scales"]:
        chart(scale, out_dir / f"throughput-{scale['scale']}.png")
    (out_dir / "README.md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/results/results.json")
    write_report(json.loads(path.read_text(encoding="utf-8")), path.parent)
