"""The one-pass lexical scan behind check_query: the same answers as token by token, remembered."""

from __future__ import annotations

import pytest

from plankg.errors import FeatureDisabled, QueryTooComplex, UpdateNotAllowed
from plankg.sparqltext import TOKEN, check_query, iris_in_dataset_clauses, keywords, nesting_depth, scan

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
