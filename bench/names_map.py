"""The names of the graph's own entities: ``entity-labels`` (what the query editor and each form
answer ran) against the map built once per data version (``entity-name-map.rq`` through
``large_reads()``, ``service.entity_params.EntityNames``), interleaved in the same run.

    python -m bench.names_map STORE_DIR      # a copy of a built store, e.g. of bench/work/scale-1m/master

Prints the times, the entity kinds each one names, and the map's size.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections import Counter

import pyoxigraph as ox

from plankg.catalog import Catalog
from plankg.settings import Settings
from plankg.store.embedded import EmbeddedStore
from service.entity_params import Q_NAME_MAP, EntityNames


def _kind(iri: str) -> str:
    return iri.split("/id/", 1)[-1].split("/", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("store", help="a store directory (opened read-write: give a copy)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    catalog = Catalog.load(Settings())
    store = EmbeddedStore.over(ox.Store(args.store))
    labels_q, map_q = catalog.get("entity-labels").sparql, catalog.internal_query(Q_NAME_MAP).sparql
    labels_s, map_s = [], []
    rows: list = []
    names = EntityNames({})
    for _ in range(args.runs):
        t = time.perf_counter()
        rows = list(store.select(labels_q))
        labels_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        with store.large_reads() as select:
            names = EntityNames.build(select(map_q))
        map_s.append(time.perf_counter() - t)
    with store.large_reads() as select:
        read = list(select(map_q))
    tracemalloc.start()
    kept = EntityNames.build(read)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print("entity-labels s:", [round(x, 2) for x in labels_s], "rows", len(rows))
    print("  kinds:", dict(Counter(_kind(str(getattr(r["entity"], "value", ""))) for r in rows)))
    print("map build s:", [round(x, 2) for x in map_s], "entities", len(kept), "MB", round(size / 2**20, 1))
    print("  kinds:", dict(Counter(_kind(iri) for iri in names)))


if __name__ == "__main__":
    main()
