"""A named query rewritten for speed answers exactly as its plain formulation did.

``reference_queries/`` holds, for each rewritten ``queries/<name>.rq``, the text it had
before (the straightforward formulation); on the built graph both give the same answer,
byte for byte (same rows, same order), for every example and the further parameters below.
A rewrite cut inside the engine (``total`` in its header) gives, for every page, the rows
and the total the reference gave when the page was cut from its whole answer.
The same comparison at 1M quads is ``python -m bench.named_compare``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from plankg.catalog import page_total, parse_query
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


# (limit, offset) of the pages compared: the first, cut mid-way, the last, past the end
PAGES = [(1_000_000, 0), (500, 0), (7, 0), (7, 7), (5, 23), (1, 1), (10, 10**6)]


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
    if query.total:
        reference = reference_page_query(reference, query)
    for params in ([dict(e) for e in query.examples] or [{}]) + MORE_PARAMS.get(name, []):
        bindings = query.bind(params)
        if query.total:
            answered += compare_pages(store, catalog, reference, query, bindings, params)
            continue
        expected = whole_answer(store, reference.sparql, bindings)
        assert whole_answer(store, query.sparql, bindings) == expected, f"{name} {params}"
        answered += expected.count(b'"bindings":[{')
    assert answered, f"{name}: no example answers with rows, so the comparison shows nothing"


def reference_page_query(reference, query):
    assert reference.total is None, "a reference is the plain formulation, cut by the serializer"
    return reference


def compare_pages(store, catalog, reference, query, bindings, params) -> int:
    """Every page of PAGES, and the last one, as the reference's whole answer cut by the serializer."""
    whole = store.query(QueryRequest(reference.sparql, formats={"select": "json"}, bindings=bindings, row_cap=1_000_000, offset=0, count_total=True))
    assert whole.total, f"{query.name} {params}: no rows to page through"
    for limit, offset in [*PAGES, (3, whole.total - 2)]:
        expected = store.query(QueryRequest(reference.sparql, formats={"select": "json"}, bindings=bindings, row_cap=limit, offset=offset, count_total=True))
        page, count = catalog.page_requests(query, bindings, {"select": "json"}, limit, offset)
        got = store.query(page)
        assert got.body == expected.body, f"{query.name} {params} limit={limit} offset={offset}"
        assert page_total(got, store.query(count) if count else None) == expected.total, f"{query.name} {params} total"
    return whole.total
