"""Linked-data transfer: bytes on the wire with and without gzip, and time per description.

    python -m bench.linked_data            # writes bench/results/linked-data.md

In process (Starlette's TestClient over the built graph in a temporary store): the
numbers compare representations with one another, not with other servers.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from plankg.build import assemble
from plankg.settings import Settings
from plankg.store import open_store
from service.app import create_app

RESULTS = Path(__file__).resolve().parent / "results" / "linked-data.md"
PATHS = [
    ("/id/org/UNFPA", "text/turtle"),
    ("/id/org/UNFPA", "application/ld+json"),
    ("/id/org/UN-Women", "text/turtle"),
    ("/id/org/UN-Women", "application/ld+json"),
    ("/id/para/56", "application/ld+json"),
    ("/id/org/UNFPA", "text/html"),
]
DUMPS = ["/dumps/plankg.nq", "/dumps/plankg.ttl", "/dumps/plankg.trig", "/dumps/plankg.jsonld"]


def main() -> None:
    root = Path(tempfile.mkdtemp())
    settings = Settings(store_path=root / "store", dist_dir=root / "dist")
    store = open_store(settings)
    store.replace_dataset(assemble(settings).quads)
    store.close()
    lines = ["# Linked data: transfer sizes and time per description", "",
             "In-process TestClient over the built graph; median of 20 requests after a warm-up.", "",
             "| path | Accept | bytes | gzip bytes | median ms |", "|---|---|---:|---:|---:|"]
    with TestClient(create_app(settings)) as client:
        for path, accept in PATHS:
            client.get(path, headers={"Accept": accept})
            times = []
            for _ in range(20):
                start = time.perf_counter()
                plain = client.get(path, headers={"Accept": accept, "Accept-Encoding": "identity"})
                times.append((time.perf_counter() - start) * 1000)
            zipped = client.get(path, headers={"Accept": accept, "Accept-Encoding": "gzip"})
            lines.append(f"| `{path}` | {accept} | {len(plain.content)} | {zipped.num_bytes_downloaded} | {statistics.median(times):.1f} |")
        lines += ["", "| dump | bytes | .gz file bytes | first answer ms (built per version) |", "|---|---:|---:|---:|"]
        for dump in DUMPS:
            start = time.perf_counter()
            plain = client.get(dump, headers={"Accept-Encoding": "identity"})
            first = (time.perf_counter() - start) * 1000
            gz = client.get(dump + ".gz")
            lines.append(f"| `{dump}` | {len(plain.content)} | {len(gz.content)} | {first:.0f} |")
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
