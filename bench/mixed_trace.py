"""Where the cheap queries' tail goes under the mixed load: the server's trace, summarized.

``python -m bench.mixed --trace`` runs the server with ``PLANKG_TRACE_FILE`` (see
``plankg.store.trace``) and hands the file to ``summarize``. Per cheap query (a
``/sparql`` request from a reader):

- ``loop_in``: its head parsed → the app takes it (the event loop was busy);
- ``handler``: the app took it → it asks the worker pool (checks, fairness, cache);
- ``queue``: waiting for a worker of either lane;
- ``dispatch``: the query sent → the worker reads it (the worker process waiting for a CPU);
- ``worker``: the worker answering (wall; ``worker_cpu`` its CPU time);
- ``resume``: the worker answered → the query's task runs again (the loop, and the CPU);
- ``after``: → the last byte handed to the server;
- ``total``: head parsed → last byte.

For the slowest 1 % (the server's own p99 and above) it says which component held
them, and what the service was doing meanwhile (spans: a write's change applied, a
fork or kill at the zygote, a worker caught up or replaced, a sandbox job, the
commit, a collection in the server), against how often those overlap any cheap
query; with the event-loop lag sampled in the same window.
"""

from __future__ import annotations

import bisect
import json
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

PARTS = ("loop_in", "handler", "queue", "dispatch", "worker", "resume", "after")


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def load(path: Path) -> tuple[list[dict], list[dict], list[tuple[float, float]]]:
    requests, spans, lag = [], [], []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            kind = record.get("kind")
            if kind == "request":
                requests.append(record)
            elif kind == "span":
                spans.append(record)
            elif kind == "lag":
                lag = [tuple(x) for x in record["samples"]]
    return requests, spans, lag  # type: ignore[return-value]


def parts(r: dict) -> dict[str, float] | None:
    """The components of one traced query, in ms (None: it never reached a worker's answer)."""
    need = ("arrived", "t_in", "q_in", "q_worker", "w_recv", "w_done", "q_reply", "t_out")
    if any(r.get(k) is None for k in need):
        return None
    ms = {
        "loop_in": r["t_in"] - r["arrived"],
        "handler": r["q_in"] - r["t_in"],
        "queue": r["q_worker"] - r["q_in"],
        "dispatch": r["w_recv"] - r["q_worker"],
        "worker": r["w_done"] - r["w_recv"],
        "resume": r["q_reply"] - r["w_done"],
        "after": r["t_out"] - r["q_reply"],
        "total": r["t_out"] - r["arrived"],
        "worker_cpu": r.get("w_cpu") or 0.0,
    }
    return {k: v * 1000 for k, v in ms.items()}


def _label(span: dict) -> str:
    what = span["what"]
    if what == "zygote":
        return f"zygote {span.get('command')}"
    return what


class _Intervals:
    """Merged intervals of one kind of span, for 'does [a, b] overlap one?'."""

    def __init__(self, pairs: list[tuple[float, float]]) -> None:
        merged: list[list[float]] = []
        for a, b in sorted(pairs):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def overlap(self, a: float, b: float) -> float:
        """Seconds of [a, b] covered."""
        i = max(0, bisect.bisect_right(self.starts, b) - 1)
        total = 0.0
        while i >= 0 and self.ends[i] >= a:
            total += max(0.0, min(b, self.ends[i]) - max(a, self.starts[i]))
            i -= 1
        return total


def summarize(path: Path, *, cheap_clients: str = "10.0.0.", tail_out: Path | None = None, label: str = "") -> dict[str, Any]:
    requests, spans, lag = load(path)
    cheap = [(r, p) for r in requests if r.get("path") == "/sparql" and str(r.get("client", "")).startswith(cheap_clients) and (p := parts(r))]
    heavy = [r for r in requests if r.get("path") == "/sparql" and str(r.get("client", "")).startswith("127.0.1.")]
    # what else was going on: spans of the pool and the server, heavy queries killed, writes in flight
    kinds: dict[str, list[tuple[float, float]]] = {}
    for s in spans:
        kinds.setdefault(_label(s), []).append((s["t0"], s["t1"]))
    for r in heavy:
        if r.get("q_timeout") is not None and r.get("t_end") is not None:
            kinds.setdefault("heavy killed→answered", []).append((r["q_timeout"], r["t_end"]))
    for r in requests:
        if r.get("path") == "/update" and r.get("t_end") is not None:
            kinds.setdefault("write request", []).append((r["t_in"], r["t_end"]))
    lag_times = [t for t, _ in lag]
    intervals = {k: _Intervals(v) for k, v in kinds.items()}

    totals = [p["total"] for _, p in cheap]
    p99 = _pct(totals, 0.99) or 0.0
    tail = [(r, p) for r, p in cheap if p["total"] >= p99]

    def window_lag(r: dict) -> float:
        a, b = r["arrived"], r["t_out"]
        i, j = bisect.bisect_left(lag_times, a), bisect.bisect_right(lag_times, b + 0.05)
        return max((lag[k][1] for k in range(i, j)), default=0.0) * 1000

    def overlapping(r: dict) -> dict[str, float]:
        a, b = r["arrived"], r["t_out"]
        return {k: iv.overlap(a, b) * 1000 for k, iv in intervals.items() if iv.overlap(a, b) > 0}

    base_rate = Counter(k for r, _ in cheap for k in overlapping(r)) if len(cheap) < 60_000 else Counter()
    tail_rate: Counter[str] = Counter()
    dominant: Counter[str] = Counter()
    tail_rows = []
    for r, p in tail:
        over = overlapping(r)
        tail_rate.update(over.keys())
        top = max(PARTS, key=lambda k: p[k])
        dominant[top] += 1
        tail_rows.append({"label": label, **{k: round(v, 2) for k, v in p.items()}, "dominant": top, "lane": r.get("lane"),
                          "lock_misses": r.get("lock_misses", 0), "max_loop_lag_ms": round(window_lag(r), 2),
                          "overlaps_ms": {k: round(v, 2) for k, v in sorted(over.items())}})
    if tail_out is not None:
        with tail_out.open("a", encoding="utf-8") as out:
            for row in tail_rows:
                out.write(json.dumps(row) + "\n")
    lags = [b * 1000 for _, b in lag]
    n = len(cheap)
    span_totals = {k: {"count": len(v), "total_s": round(sum(b - a for a, b in v), 3), "max_ms": round(max(b - a for a, b in v) * 1000, 1)} for k, v in sorted(kinds.items())}
    return {
        "cheap_traced": n,
        "server_p50_ms": round(_pct(totals, 0.5) or 0, 2),
        "server_p99_ms": round(p99, 2),
        "parts_p50_ms": {k: round(_pct([p[k] for _, p in cheap], 0.5) or 0, 2) for k in (*PARTS, "worker_cpu")},
        "parts_p99_ms": {k: round(_pct([p[k] for _, p in cheap], 0.99) or 0, 2) for k in (*PARTS, "worker_cpu")},
        "tail_n": len(tail),
        "tail_mean_ms": {k: round(statistics.mean(p[k] for _, p in tail), 2) for k in (*PARTS, "worker_cpu", "total")} if tail else {},
        "tail_dominant": dict(dominant.most_common()),
        "lanes_all": dict(Counter(r.get("lane") for r, _ in cheap)),
        "lanes_tail": dict(Counter(r.get("lane") for r, _ in tail)),
        "tail_lock_misses": sum(r.get("lock_misses", 0) for r, _ in tail),
        # share of the tail / of every cheap query overlapping each kind of event
        "overlap_tail_pct": {k: round(100 * c / max(1, len(tail)), 1) for k, c in tail_rate.most_common()},
        "overlap_all_pct": {k: round(100 * c / max(1, n), 1) for k, c in base_rate.most_common()},
        "loop_lag_ms": {"p50": round(_pct(lags, 0.5) or 0, 2), "p99": round(_pct(lags, 0.99) or 0, 2), "max": round(max(lags, default=0), 2),
                        "over_20ms": sum(1 for x in lags if x > 20)},
        "spans": span_totals,
    }
