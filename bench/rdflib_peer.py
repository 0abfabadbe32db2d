"""rdflib-endpoint on the benchmark's data: the pure-Python peer.

    python -m bench.rdflib_peer DATA.nq PORT

The dataset's default graph is the union of its graphs, as in every other
contender, so the same query text means the same thing everywhere.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    path, port = argv[0], int(argv[1])
    dataset = Dataset(default_union=True)
    dataset.parse(path, format="nquads")
    app = SparqlEndpoint(graph=dataset, title="rdflib-endpoint (benchmark peer)", public_url=f"http://127.0.0.1:{port}/")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
