"""The search index against the SPARQL substring scan it replaced, measured in the same run.

    python -m bench.search            # prints the table
    python -m bench.search --write    # also writes bench/results/search.md

Both answer the same queries on the built graph in this process: the index (service.search_index,
built once per data version from queries/search-index-*.rq) and the former page search, two
``FILTER(CONTAINS(LCASE(...)))`` scans over every label and every text unit.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from plankg.build import build
from plankg.catalog import Catalog
from plankg.namespaces import Namespaces
from plankg.settings import Settings
from service.page_data import PageData
from service.search_index import SearchIndex, normalize

OUT = Path(__file__).resolve().parents[1] / "bench" / "results" / "search.md"
QUERIES = ("UNFPA", "WHO", "人口基金", "women peace", "fund", "暴力", "x" * 100)
ROUNDS = 30

# the page search this index replaced (service/page_data.py before it), kept here as the peer
PEER_NAMES = """
SELECT ?x (SAMPLE(?hit) AS ?matched) WHERE {
  ?x skos:prefLabel|skos:altLabel|skos:notation ?hit .
  FILTER(CONTAINS(LCASE(STR(?hit)), ?needle))
} GROUP BY ?x LIMIT 100"""
PEER_TEXTS = """
SELECT ?u ?text WHERE {
  ?u pk:text ?text ; pk:order ?order .
  FILTER(CONTAINS(LCASE(STR(?text)), ?needle))
} ORDER BY ?order LIMIT 100"""


def median_ms(run, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(store_path=Path(tmp) / "store", dist_dir=Path(tmp) / "dist")
        from plankg.store import open_store

        store = open_store(settings)
        try:
            store.replace_dataset(build(settings, None, validate=False).quads)
            ns = Namespaces.of(settings)
            catalog = Catalog.load(settings)
            data = PageData(store, ns)

            def make() -> SearchIndex:
                return SearchIndex.build(
                    store.version,
                    store.select(catalog.internal_query("search-index-entities").sparql),
                    store.select(catalog.internal_query("search-index-mentions").sparql),
                    store.select(catalog.internal_query("search-index-units").sparql),
                    set(),
                    data.href,
                    data.local,
                    ns.pk,
                )

            build_ms = median_ms(make, 5)
            index = make()
            rows = []
            for q in QUERIES:
                needle = ox.Literal(normalize(q))
                peer = median_ms(lambda n=needle: (data.select(PEER_NAMES, needle=n), data.select(PEER_TEXTS, needle=n)))
                ours = median_ms(lambda q=q: index.search(normalize(q)))
                found = index.search(normalize(q))
                rows.append((q if len(q) < 20 else f"{q[:3]}… ({len(q)} chars)", peer, ours, len(found["entities"]), len(found["passages"])))
        finally:
            store.close()
    lines = [
        "# Search: in-memory index against the SPARQL substring scan (same process, same run)",
        "",
        f"Index build (3 queries + indexing), median of 5: {build_ms:.1f} ms. Each query: median of {ROUNDS} runs.",
        "",
        "| query | SPARQL scan (ms) | index (ms) | ratio | entities | passages |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for q, peer, ours, n_e, n_p in rows:
        lines.append(f"| {q} | {peer:.2f} | {ours:.2f} | {peer / ours:.1f}× | {n_e} | {n_p} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        OUT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
