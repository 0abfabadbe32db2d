"""Write bench/results/scale.md from ``bench.scale``'s JSON and ``bench.inprocess`` runs (issue 17's table).

    python -m bench.scale_report --scale-json bench/results/scale.json \
        --named base=bench/results/named-1m-before.jsonl --named wt-perf=bench/results/named-1m-after.jsonl

Every figure comes from those files; the verdicts compare each with its target
(an absolute one, or a ratio to ``oxigraph serve`` measured in the same run).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1e6


def _verdict(ok: bool | None, missed_by: str = "") -> str:
    if ok is None:
        return "not measured"
    return "met" if ok else f"MISSED{(': ' + missed_by) if missed_by else ''}"


def _kind(label: str, median: dict) -> str:
    """Which contender a label is (runs before the ``kind`` field: by its name)."""
    if median.get("kind"):
        return median["kind"]
    if label.startswith("oxigraph"):
        return "oxigraph-memory" if "memory" in label else "oxigraph-disk"
    return "virtuoso" if label.startswith("Virtuoso") else "plankg"


def named(path: Path) -> dict:
    """``bench.inprocess`` events, or one side of ``bench.named_compare``'s (``FILE.jsonl:old`` / ``:new``)."""
    side = None
    if path.suffix not in (".jsonl", ".json") and ":" in path.name:
        name, side = path.name.rsplit(":", 1)
        path = path.with_name(name)
    out: dict = {}
    for line in path.read_text().splitlines():
        event = json.loads(line)
        if event.get("event") == "done":
            if side is not None:
                event = {**event, "p50_ms": event.get(f"{side}_p50_ms")}
            out[event["query"]] = event
    return out


def _runs_per_scale(scale_json: dict) -> str:
    """How many runs each scale's medians hold (a scale may be measured again on its own, with more)."""
    counts = {scale: max((len(rs) for rs in data.get("runs", {}).values()), default=0) for scale, data in scale_json["scales"].items()}
    if len(set(counts.values())) <= 1:
        return f"{next(iter(counts.values()), scale_json['runs'])} interleaved runs"
    return "interleaved runs (" + ", ".join(f"{n} at {scale}" for scale, n in counts.items()) + ")"


def render(scale_json: dict, named_runs: dict[str, dict], note: str, mixed: dict | None = None) -> str:
    lines = [
        "# Scale: issue 17's targets at plan, 100k and 1M quads",
        "",
        f"Run {scale_json['date']} on {scale_json['nproc']} cores shared with other engineers' test runs "
        "(the `load` columns are the 1-minute load average at the time: read ratios measured in the same run, "
        "not absolute figures). Medians of "
        f"{_runs_per_scale(scale_json)} per contender (`python -m bench.scale`); the contenders: `plankg serve` from "
        "the checkout before this work (`base`) where it ran, this checkout, `oxigraph serve --location` on a copy of the same store, "
        "`oxigraph serve` in memory (loaded through `/store`; no start figure) and Virtuoso on a copy of a bulk-loaded database, "
        "where they ran. Ratios are to `oxigraph serve --location` unless a row says otherwise.",
        "",
    ]
    scales = scale_json["scales"]
    labels = list(next(iter(scales.values()))["median"])
    kinds = {label: _kind(label, m) for label, m in next(iter(scales.values()))["median"].items()}
    ours = [label for label in labels if kinds[label] == "plankg"]
    peers = [label for label in labels if kinds[label] != "plankg"]
    ox_label = next(label for label in peers if kinds[label] == "oxigraph-disk")
    # the memory target compares like with like: oxigraph holding the data in memory as plankg does
    # (``--location`` keeps it in the page cache, which PSS does not count); without that run, --location
    mem_label = next((label for label in peers if kinds[label] == "oxigraph-memory"), ox_label)
    head = "| measure | scale | " + " | ".join(ours + peers) + " | target | verdict (this branch) | load |"
    lines += ["## Targets", "", head, "|" + "---|" * (len(ours) + len(peers) + 5)]
    mine = ours[-1]

    def row(measure: str, scale: str, key: str, fmt, target: str, check, peer: str = ox_label) -> None:
        m = scales[scale]["median"]
        values = [fmt(m.get(label, {}).get(key)) for label in ours + peers]
        verdict = check(m[mine].get(key), m.get(peer, {}).get(key))
        lines.append(f"| {measure} | {scale} | " + " | ".join(values) + f" | {target} | {verdict} | {m[mine]['load_before']:.1f} |")

    def mb(v):
        return "–" if v is None or v != v else f"{v / MB:,.0f} MB"

    def secs(v):
        return "–" if v is None or v != v else f"{v:.2f} s"

    def rps(v):
        return "–" if v is None or v != v else f"{v:,.0f} req/s"

    peer_name = "oxigraph in memory" if mem_label != ox_label else "oxigraph"
    for scale in scales:
        def pss_check(v, peer, scale=scale):
            if v is None or peer is None or v != v or peer != peer:
                return "not measured"
            if scale != "1m":
                return f"{v / peer:.1f}× {peer_name} (target at 1M only)"
            ok = v <= 2 * peer
            return _verdict(ok, f"{v / peer / 2:.1f}× the limit ({v / peer:.1f}× {peer_name})") + ("" if not ok else f" ({v / peer:.1f}×)")

        row("PSS of the process tree", scale, "pss_bytes", mb, f"≤ 2× {peer_name} at 1M", pss_check, mem_label)
        row("PSS after 5 writes", scale, "pss_after_writes_bytes", mb, f"≤ 2× {peer_name} at 1M", pss_check, mem_label)

    start_targets = {"plan": 0.7, "1m": 3.0}
    for scale in scales:
        target = start_targets.get(scale)

        def start_check(v, peer, target=target):
            if target is None:
                return "no target at this scale"
            return _verdict(v <= target, f"{v - target:.1f} s ({v / target:.1f}× the target)")

        row("start to the first answer (existing store)", scale, "start_s", secs, f"≤ {target} s" if target else "–", start_check)
    for scale in scales:
        def write_check(v, peer, scale=scale):
            if scale != "1m":
                return "(target at 1M only)"
            return _verdict(v <= 0.5, f"{v - 0.5:.2f} s ({v / 0.5:.1f}× the target)")

        row("100-triple write visible to queries", scale, "write_visible_s", secs, "≤ 0.5 s at 1M", write_check)
    for scale in scales:
        def tiny_check(v, peer):
            if v is None or peer is None or v != v:
                return "not measured"
            return _verdict(v >= 0.25 * peer, f"{v / peer:.2f}× oxigraph against 0.25×") if v < 0.25 * peer else f"met ({v / peer:.2f}×)"

        row("tiny new query, 16 clients", scale, "tiny_rps_16", rps, "≥ 0.25× oxigraph", tiny_check)
    if mixed:
        if "median" in mixed:  # bench.mixed with interleaved runs per tree
            runs = list(mixed["median"].values())
            last_runs = list(mixed["runs"].values())[-1]
            failed = sum(r.get("cheap_not_2xx", 0) + r.get("cheap_timeouts", 0) + r.get("cheap_socket_errors", 0) for r in last_runs)
            last = {**runs[-1], "cheap_n": sum(r["cheap_n"] for r in last_runs), "seconds": sum(r.get("seconds", 0) for r in last_runs)}
        else:
            runs = list(mixed["trees"].values())
            last = runs[-1]
            failed = sum(n for status, n in last["statuses"]["cheap"].items() if status != "200")
        p99 = [r["cheap_p99_ms"] for r in runs]
        verdict = _verdict(last["cheap_p99_ms"] < 100, f"{last['cheap_p99_ms']:,.0f} ms ({last['cheap_p99_ms'] / 100:.0f}× the limit)")
        cells = [f"{v:,.0f} ms" for v in p99][-len(ours):]
        cells = ["–"] * (len(ours) - len(cells)) + cells + ["–"] * len(peers)
        lines.append(
            f"| cheap-query p99 under mixed load (`bench.mixed`, {last.get('seconds', 20):.0f} s) | plan | " + " | ".join(cells)
            + f" | < 100 ms | {verdict}; p50 {last['cheap_p50_ms']:.0f} ms, {failed} of {last['cheap_n']} cheap queries failed | {last['load_before']:.1f} |"
        )
    else:
        lines.append("| cheap-query p99 under mixed load | plan | " + " | ".join(["–"] * (len(ours) + len(peers))) + " | < 100 ms | not measured in this run | – |")
    lines.append("")

    if named_runs:
        names = sorted({q for run in named_runs.values() for q in run})
        runs = list(named_runs)
        lines += [
            "## Named queries at 1M, warm p50 in-process (`bench.inprocess` or `bench.named_compare`)",
            "",
            "Target: p50 ≤ 100 ms for every named query. A paged query (`page_size` in its `.rq` header) answers its "
            "first page with the total, as `GET /queries/{name}` does; before, every query answered up to the row cap (10,000).",
            "",
            "| query | " + " | ".join(f"{r} p50" for r in runs) + " | rows (" + runs[-1] + ") | total | verdict |",
            "|---|" + "---:|" * (len(runs) + 2) + "---|",
        ]
        missed = []
        for name in names:
            cells = []
            for r in runs:
                e = named_runs[r].get(name, {})
                cells.append("–" if e.get("p50_ms") is None else f"{e['p50_ms']:,.1f} ms")
            last = named_runs[runs[-1]].get(name, {})
            p50 = last.get("p50_ms")
            ok = p50 is not None and p50 <= 100
            if not ok:
                missed.append(name)
            total = last.get("total")
            verdict = "met" if ok else (f"MISSED ({p50 / 100:.1f}× the limit)" if p50 else "not measured")
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {last.get('rows', '–')} | {total if total is not None else '–'} | {verdict} |")
        lines += ["", f"{len(names) - len(missed)}/{len(names)} within 100 ms" + (f"; missed: {', '.join(missed)}." if missed else "."), ""]
    if note:
        lines += [note.rstrip(), ""]
    return "\n".join(lines) + "\n"


def readme_summary(scale_json: dict, named_runs: dict[str, dict]) -> str:
    """The README's lines on scale, from the same figures as scale.md."""
    scales = scale_json["scales"]
    out = []
    for scale, words in (("plan", "At plan size"), ("1m", "At 1M quads")):
        m = scales.get(scale, {}).get("median")
        if not m:
            continue
        kinds = {label: _kind(label, v) for label, v in m.items()}
        mine = [label for label in m if kinds[label] == "plankg"][-1]
        ox = next((label for label in m if kinds[label] == "oxigraph-disk"), None)
        mem = next((label for label in m if kinds[label] == "oxigraph-memory"), None)
        virtuoso = next((label for label in m if kinds[label] == "virtuoso"), None)
        me = m[mine]
        parts = [
            f"the start on an existing store takes {me['start_s']:.2f} s (target {'0.7' if scale == 'plan' else '3'} s)",
            f"a 100-triple write is visible to queries after {me['write_visible_s']:.2f} s",
        ]
        memory = f"the process tree's PSS is {me['pss_bytes'] / MB:,.0f} MB"
        if mem:
            memory += f" ({me['pss_bytes'] / m[mem]['pss_bytes']:.1f}× `oxigraph serve` holding the data in memory"
            memory += f", {m[virtuoso]['pss_bytes'] / MB:,.0f} MB for Virtuoso)" if virtuoso else ")"
        parts.append(memory)
        if ox and me.get("tiny_rps_16") and m[ox].get("tiny_rps_16"):
            parts.append(
                f"a tiny new query runs at {me['tiny_rps_16']:,.0f} req/s at 16 clients, "
                f"{me['tiny_rps_16'] / m[ox]['tiny_rps_16']:.2f}× `oxigraph serve` (target 0.25×)"
                + (f", {m[virtuoso]['tiny_rps_16']:,.0f} req/s for Virtuoso" if virtuoso and m[virtuoso].get("tiny_rps_16") else "")
            )
        out.append(f"{words} (load {me['load_before']:.0f}): " + "; ".join(parts) + ".")
    if out:
        out[0] = f"From `python -m bench.scale`, {scale_json['date']}, on {scale_json['nproc']} cores. " + out[0]
    if named_runs:
        last = named_runs[list(named_runs)[-1]]
        within = sum(1 for e in last.values() if e.get("p50_ms") is not None and e["p50_ms"] <= 100)
        out.append(
            f"{within} of {len(last)} named queries answer within 100 ms at 1M (p50, in-process); answers that outgrow a page "
            "are paged (`?limit=`, `?offset=`, `X-PlanKG-Total`, `Link: rel=\"next\"`)."
        )
    if out:
        out.append("Targets met and missed, and why: [bench/results/scale.md](bench/results/scale.md).")
    return " ".join(out)


def update_readme(readme: Path, summary: str) -> None:
    start, end = "<!-- scale:start -->", "<!-- scale:end -->"
    text = readme.read_text()
    if start not in text:
        return
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(head + start + "\n" + summary + "\n" + end + tail)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.scale_report")
    p.add_argument("--scale-json", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    p.add_argument("--named", action="append", default=[], help="label=path of a bench.inprocess child's JSON lines (repeatable, in order)")
    p.add_argument("--mixed", type=Path, default=ROOT / "bench" / "results" / "mixed.json", help="bench.mixed's JSON")
    p.add_argument("--notes", type=Path, default=ROOT / "bench" / "results" / "scale-notes.md", help="the reading, written by hand, placed after the tables")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.md")
    args = p.parse_args()
    named_runs = {label: named(Path(path)) for label, path in (item.split("=", 1) for item in args.named)}
    note = args.notes.read_text() if args.notes.exists() else ""
    mixed = json.loads(args.mixed.read_text()) if args.mixed.exists() else None
    scale_json = json.loads(args.scale_json.read_text())
    args.out.write_text(render(scale_json, named_runs, note, mixed))
    update_readme(ROOT / "README.md", readme_summary(scale_json, named_runs))
    print(args.out)


if __name__ == "__main__":
    main()
