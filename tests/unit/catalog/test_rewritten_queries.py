"""A named query rewritten for speed answers exactly as its plain formulation did.

``reference_queries/`` holds, for each rewritten ``queries/<name>.rq``, the text it had
before (the straightforward formulation); on the built graph both give the same answer,
byte for byte (same rows, same order), for every example and the further parameters below.
The same comparison at 1M quads is ``python -m bench.named_compare``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from plankg.catalog import parse_query
from plankg.namespaces import Namespaces
from plankg.settings import Settings
from plankg.store import QueryRequest
from plankg.store.embedded import EmbeddedStore

REFERENCES = Path(__file__).parent / "reference_queries"
NAMES = sorted(p.stem for p in REFERENCES.glob("*.rq"))
# parameters beyond each query's examples: agencies with and without key interventions
MORE_PARAMS: dict[str, list[dict[str, str]]] = {
    "agency-profile": [{"agency": a} for a in ("UNFPA", "WHO", "UNICEF", "OHCHR", "UN-Trust-Fund", "UNHCR")],
}


def whole_answer(store: EmbeddedStore, sparql: str, bindings) -> bytes:
    return store.query(QueryRequest(sparql, formats={"select": "json"}, bindings=bindings, row_cap=1_000_000)).body


def test_every_reference_names_a_query_of_the_catalog(catalog):
    assert NAMES, "no reference queries"
    for name in NAMES:
        assert name in catalog, f"reference_queries/{name}.rq has no queries/{name}.rq"


@pytest.mark.parametrize("name", NAMES)
def test_rewritten_query_gives_the_answer_of_its_reference(store, catalog, name):
    query = catalog.get(name)
    text = Namespaces.of(Settings()).rebase((REFERENCES / f"{name}.rq").read_text(encoding="utf-8"))
    reference = parse_query(name, text)
    assert reference.sparql != query.sparql, f"queries/{name}.rq is its reference: nothing to compare"
    answered = 0
    for params in ([dict(e) for e in query.examples] or [{}]) + MORE_PARAMS.get(name, []):
        bindings = query.bind(params)
        expected = whole_answer(store, reference.sparql, bindings)
        assert whole_answer(store, query.sparql, bindings) == expected, f"{name} {params}"
        answered += expected.count(b'"bindings":[{')
    assert answered, f"{name}: no example answers with rows, so the comparison shows nothing"
