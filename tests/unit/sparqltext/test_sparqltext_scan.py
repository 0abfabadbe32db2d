"""The one-pass lexical scan behind check_query: the same answers as token by token, remembered."""

from __future__ import annotations

import pytest

from plankg.errors import FeatureDisabled, QueryTooComplex, UpdateNotAllowed
from plankg.sparqltext import (
    TOKEN,
    check_query,
    iris_in_dataset_clauses,
    keywords,
    nesting_depth,
    scan,
)

QUERIES = [
    "SELECT * FROM <http://a/g> FROM NAMED <http://a/h> WHERE { ?s ?p ?o }",
    "SELECT * FROM # a comment\n <http://a/g> { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://a/g> NAMED <http://a/x> { }",
    "SELECT * { ?s ?p 'FROM <http://not/a/graph>' } # FROM <http://no>",
    "ASK { { { ( ( 1 ) ) } } }",
    "CONSTRUCT { ?s ?p ?o } FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "PREFIX from: <http://x/> SELECT * { from:a ?p <http://b> }",
]


def token_words(text: str) -> list[str]:
    return [m.group("word").upper() for m in TOKEN.finditer(text) if m.lastgroup == "word"]


@pytest.mark.parametrize("text", QUERIES)
def test_scan_reads_words_depth_and_dataset_iris(text):
    found = scan(text)
    assert list(found.words) == token_words(text) == keywords(text)
    assert found.depth == nesting_depth(text)
    assert list(found.dataset_iris) == iris_in_dataset_clauses(text)


def test_dataset_iris_are_only_those_after_from():
    assert iris_in_dataset_clauses(QUERIES[0]) == ["http://a/g", "http://a/h"]
    assert iris_in_dataset_clauses(QUERIES[1]) == ["http://a/g"]
    assert iris_in_dataset_clauses(QUERIES[3]) == []
    assert iris_in_dataset_clauses(QUERIES[6]) == []


@pytest.mark.parametrize("text", [
    "SELECT (RAND() AS ?r) {}",
    "SELECT * { BIND(now() AS ?t) }",
    "SELECT (UUID() AS ?u) (STRUUID() AS ?v) {}",
    "CONSTRUCT { ?s <http://p> ?b } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }",
])
def test_volatile_functions_are_noticed(text):
    assert scan(text).volatile


@pytest.mark.parametrize("text", [
    "SELECT ?rand ?now { ?rand ?p ?now }",
    "PREFIX ex: <http://x/> SELECT * { ?s ex:rand ?o }",
    "SELECT * { ?s ?p 'RAND() NOW()' } # UUID()",
    "SELECT * { ?s <http://x/rand> ?o }",
])
def test_names_strings_and_comments_are_not_volatile(text):
    assert not scan(text).volatile


def test_guards_still_refuse_with_a_remembered_scan():
    for _ in range(2):  # the second time from the remembered scan
        with pytest.raises(UpdateNotAllowed):
            check_query("DELETE WHERE { ?s ?p ?o }", max_chars=1000)
        with pytest.raises(FeatureDisabled):
            check_query(QUERIES[5], max_chars=1000)
        with pytest.raises(FeatureDisabled):
            check_query("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }", max_chars=1000)
        with pytest.raises(QueryTooComplex):
            check_query("ASK " + "{" * 70 + "}" * 70, max_chars=1000)
        assert check_query(QUERIES[4], max_chars=1000) == "ask"


def test_long_texts_are_scanned_without_being_remembered():
    text = "SELECT * { ?s ?p ?o } " + "#" * 20_000
    assert scan(text) == scan(text) and scan(text) is not scan(text)


# ---------------------------------------------------------------- the scan cuts text where the engine does
import pytest as _pytest  # noqa: E402

from plankg.errors import FeatureDisabled as _FeatureDisabled  # noqa: E402
from plankg.errors import QueryTooComplex as _QueryTooComplex  # noqa: E402
from plankg.sparqltext import check_query as _check_query  # noqa: E402
from plankg.sparqltext import check_update as _check_update  # noqa: E402

_HIDDEN_SERVICE = [
    r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\#b AS ?k) SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:\#b AS ?k) SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\.\#\~ AS ?k) SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\' AS ?k) SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } } # '",
    "SELECT * WHERE { ?s ?p ?o } # a comment\rSERVICE <http://127.0.0.1:9/x> { ?s ?p ?o }",
    r"SELECT * WHERE { \u0053ERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    r"SELECT * WHERE { \U00000053ERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { service silent <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
]


@_pytest.mark.parametrize("text", _HIDDEN_SERVICE)
def test_a_service_clause_is_found_however_it_is_escaped(text):
    with _pytest.raises(_FeatureDisabled):
        _check_query(text, max_chars=10_000)


@_pytest.mark.parametrize(
    "text",
    [
        r"PREFIX ex: <http://x/> INSERT DATA { GRAPH <http://g/> { ex:a\#b ex:p 1 } } ; LOAD <http://127.0.0.1:9/x>",
        "INSERT DATA { GRAPH <http://g/> { <http://a> <http://b> 1 } } # x\rLOAD <http://127.0.0.1:9/x>",
        r"\u004cOAD <http://127.0.0.1:9/x>",
        "load silent <http://127.0.0.1:9/x> into graph <http://g/>",
    ],
)
def test_a_load_is_found_however_it_is_escaped(text):
    with _pytest.raises(_FeatureDisabled):
        _check_update(text, max_chars=10_000)


@_pytest.mark.parametrize(
    "expression",
    ["!" * 200 + "true", "-(" * 100 + "1" + ")" * 100, "+" * 200 + "1", "! " * 200 + "true"],
    ids=["not", "minus-parens", "plus", "spaced-not"],
)
def test_unary_operators_count_as_nesting(expression):
    with _pytest.raises(_QueryTooComplex):
        _check_query(f"SELECT * WHERE {{ FILTER({expression}) }}", max_chars=10_000)
    with _pytest.raises(_QueryTooComplex):
        _check_update(f"DELETE WHERE {{ GRAPH <http://g/> {{ ?s ?p ?o FILTER({expression}) }} }}", max_chars=10_000)


def test_inverse_path_chains_count_as_nesting():
    with _pytest.raises(_QueryTooComplex):
        _check_query("SELECT * WHERE { ?s " + "^" * 200 + "<http://p> ?o }", max_chars=10_000)


def test_ordinary_operators_do_not_count_as_nesting():
    query = "SELECT * WHERE { ?s ?p ?o FILTER(?o != 1 && -1 < 2 && !BOUND(?x) && ?o - -3 > +4) } LIMIT 1"
    assert _check_query(query, max_chars=10_000, max_depth=8) == "select"
