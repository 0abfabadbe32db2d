"""Named queries before and after a rewrite, interleaved in one process on one in-memory store.

    python -m bench.named_compare DATA.nq OLD_ROOT [--rounds 5] [--out FILE.jsonl] [--only a,b]

``OLD_ROOT`` is a checkout whose ``queries/`` holds the files before the rewrite (e.g.
``/work/main``); the files after are this checkout's. Each query is timed as
``bench.inprocess`` times it (its first example; a paged query answers its first page
with the total) through ``EmbeddedStore.query`` on the same in-memory store, old and new
taking turns, so that the machine's load falls on both alike. A query cut inside the
engine (``total`` in its header) is timed as its page plus its count query. Before timing,
the whole answer of every example (no page, no cap) and its total are compared byte for
byte: a rewrite must give the same rows in the same order.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from plankg.catalog import Catalog, NamedQuery, page_total
from plankg.namespaces import Namespaces
from plankg.settings import Settings
from plankg.store import QueryRequest
from plankg.store.embedded import EmbeddedStore

FORMATS = {"select": "json", "ask": "json", "graph": "ntriples"}
WHOLE = 10**9


Requests = tuple[QueryRequest, QueryRequest | None]


def _requests(settings: Settings, catalog: Catalog, query: NamedQuery, example: dict[str, str], *, whole: bool) -> Requests:
    """What the service runs for the example: the query (a page of it, with what counts the
    total), or with ``whole`` every row of the answer and its total."""
    bindings = query.bind(example)
    if query.page_size:
        limit = WHOLE if whole else min(query.page_size, settings.result_row_cap)
        return catalog.page_requests(query, bindings, FORMATS, limit, 0)
    return QueryRequest(query.sparql, formats=FORMATS, bindings=bindings, row_cap=WHOLE if whole else settings.result_row_cap), None


def _answer(store: EmbeddedStore, requests: Requests) -> tuple[bytes, int, int | None]:
    page, count = requests
    response = store.query(page)
    counted = store.query(count) if count is not None else None
    return response.body, response.rows, page_total(response, counted)


def _time(store: EmbeddedStore, requests: Requests, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        _answer(store, requests)
        out.append(time.perf_counter() - t)
    return out


def _page_checks(store, settings, old: Catalog, before: NamedQuery, new: Catalog, query: NamedQuery, examples) -> list[dict]:
    """Pages of a query cut inside the engine against the old answer cut by the serializer: the
    first, middle ones, the last and past the end (the whole answer's check sorts the page's rows
    again, so it cannot tell whether the sub-SELECT's order is the old one)."""
    out = []
    for example in examples:
        whole = _answer(store, (QueryRequest(before.sparql, formats=FORMATS, bindings=before.bind(example), row_cap=WHOLE, count_total=True), None))
        total = whole[2] or 0
        for limit, offset in ((500, 0), (500, 500), (37, total // 2 + 1), (500, max(total - 100, 0)), (10, max(total - 3, 0)), (10, total + 5)):
            a = _answer(store, (QueryRequest(before.sparql, formats=FORMATS, bindings=before.bind(example), row_cap=limit, offset=offset, count_total=True), None))
            b = _answer(store, new.page_requests(query, query.bind(example), FORMATS, limit, offset))
            out.append({"params": example, "limit": limit, "offset": offset, "rows": a[1], "same": a == b})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("old_root", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per turn (after one warm-up per query)")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--only", default="")
    args = ap.parse_args(argv)

    settings = Settings()
    new = Catalog.load(settings)
    old = Catalog.load(Settings(root_dir=args.old_root))
    mem = ox.Store()
    t = time.perf_counter()
    mem.bulk_load(path=args.data, format=ox.RdfFormat.N_QUADS)
    store = EmbeddedStore.over(mem, Namespaces.of(settings).prefixes())
    events: list[dict] = [{"event": "loaded", "quads": len(mem), "load_s": time.perf_counter() - t, "data": str(args.data),
                           "old_root": str(args.old_root), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}]
    only = {n for n in args.only.split(",") if n}
    for query in new:
        if (only and query.name not in only) or query.name not in old:
            continue
        before = old.get(query.name)
        same_text = before.sparql == query.sparql
        examples = [dict(e) for e in query.examples] or [{}]
        checks = []
        if not same_text:
            for example in examples:
                a_body, a_rows, a_total = _answer(store, _requests(settings, old, before, example, whole=True))
                b_body, _, b_total = _answer(store, _requests(settings, new, query, example, whole=True))
                checks.append({"params": example, "rows": a_rows, "same": a_body == b_body and a_total == b_total})
            if query.total:
                checks += _page_checks(store, settings, old, before, new, query, examples)
        page_old = _requests(settings, old, before, examples[0], whole=False)
        page_new = _requests(settings, new, query, examples[0], whole=False)
        _time(store, page_old, 1)
        _time(store, page_new, 1)
        t_old: list[float] = []
        t_new: list[float] = []
        loads = []
        for _ in range(args.rounds):
            t_old += _time(store, page_old, args.runs)
            t_new += _time(store, page_new, args.runs)
            loads.append(os.getloadavg()[0])
        _, rows, total = _answer(store, page_new)
        event = {"event": "done", "query": query.name, "params": examples[0], "rewritten": not same_text,
                 "old_p50_ms": statistics.median(t_old) * 1000, "new_p50_ms": statistics.median(t_new) * 1000,
                 "runs": len(t_new), "rows": rows, "total": total, "load1": statistics.median(loads),
                 "answers": checks}
        events.append(event)
        flag = "" if all(c["same"] for c in checks) else "  ANSWERS DIFFER"
        print(f"{query.name:26s} old {event['old_p50_ms']:8.1f} ms  new {event['new_p50_ms']:8.1f} ms  load {event['load1']:.2f}{flag}", flush=True)
    if args.out:
        args.out.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return 0 if all(all(c["same"] for c in e.get("answers", [])) for e in events) else 1


if __name__ == "__main__":
    sys.exit(main())
