"""Bytes a page makes the browser fetch, raw and gzipped (level 6, what a compressing proxy sends).

    python -m bench.page_weight [base-url] [path]   # default: a running server's /query

Reads the page, then every same-origin script and stylesheet it links, plus the named
query the /query editor fetches for its labels. Writes a markdown table to stdout.
"""

from __future__ import annotations

import gzip
import re
import sys

import httpx

EXTRA = {"/query": ["/queries/entity-labels"]}


def weigh(base: str, path: str) -> list[tuple[str, int, int]]:
    rows = []
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get(path, params={"lang": "en"})
        assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+\.(?:js|css))"', page.text)
        for url, body in [(path, page.content)] + [(a, client.get(a).content) for a in assets]:
            rows.append((url, len(body), len(gzip.compress(body, 6))))
        for url in EXTRA.get(path, []):
            body = client.get(url, headers={"Accept": "application/sparql-results+json"}).content
            rows.append((url + " (JSON)", len(body), len(gzip.compress(body, 6))))
    return rows


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    path = sys.argv[2] if len(sys.argv) > 2 else "/query"
    rows = weigh(base, path)
    print(f"| {path} loads | bytes | gzipped |\n| --- | ---: | ---: |")
    for url, raw, gz in rows:
        print(f"| `{url}` | {raw:,} | {gz:,} |")
    print(f"| **total** | **{sum(r[1] for r in rows):,}** | **{sum(r[2] for r in rows):,}** |")


if __name__ == "__main__":
    main()
