"""The byte cap on query answers: cut between two rows or triples, a whole document, flagged."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from plankg.store.embedded import answer
from plankg.store.results import GRAPH_FORMATS, write_graph, write_select

EX = "http://example.org/"
VARS = ["s", "text"]
# Chinese text: three bytes a character, so characters are not bytes
ROWS = [[ox.NamedNode(f"{EX}row/{i}"), ox.Literal("中文的文本 " * 20 + str(i), language="zh")] for i in range(500)]
CAP = 16 * 1024
RESULT_PARSERS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_select_past_the_byte_cap_is_cut_between_rows_and_stays_a_valid_document(fmt):
    body, rows, cut = write_select(VARS, ROWS, fmt, max_bytes=CAP)
    assert cut and 0 < rows < len(ROWS)
    assert len(body) <= CAP
    if fmt == "csv":
        parsed = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        assert parsed[0] == VARS and len(parsed) == rows + 1
        assert parsed[-1][0] == f"{EX}row/{rows - 1}"
    else:
        solutions = ox.parse_query_results(body, RESULT_PARSERS[fmt])
        assert [list(s) for s in solutions] == ROWS[:rows]
    if fmt == "json":
        assert b'"link":["urn:plankg:truncated"]' in body
    if fmt == "xml":
        assert b'<link href="urn:plankg:truncated"/>' in body


def test_select_under_the_byte_cap_is_whole_and_not_flagged():
    body, rows, cut = write_select(VARS, ROWS[:3], "json", max_bytes=CAP)
    assert (rows, cut) == (3, False)
    assert b"urn:plankg:truncated" not in body


def test_the_row_cap_cuts_at_exactly_its_count():
    assert write_select(VARS, ROWS, "tsv", row_cap=7, max_bytes=10**9)[1:] == (7, True)


def graph_of(count: int) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"{EX}s/{i}"), ox.NamedNode(EX + "text"), ox.Literal("中文的文本 " * 20 + str(i), language="zh")) for i in range(count)]


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig"])
def test_graph_past_the_byte_cap_is_cut_between_triples_and_parses(fmt):
    triples = graph_of(500)
    body, count, cut = write_graph(triples, fmt, {"ex": EX}, max_bytes=CAP)
    assert cut and 0 < count < len(triples)
    assert len(body) <= CAP
    parsed = {q.triple for q in ox.parse(body, format=GRAPH_FORMATS[fmt][1])}
    assert parsed == set(triples[:count])


def test_graph_under_the_byte_cap_is_whole():
    triples = graph_of(3)
    body, count, cut = write_graph(triples, "turtle", {"ex": EX}, max_bytes=CAP)
    assert (count, cut) == (3, False)


def test_one_triple_larger_than_the_cap_gives_an_empty_flagged_graph():
    big = [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("x" * (CAP * 2)))]
    body, count, cut = write_graph(big, "ntriples", max_bytes=CAP)
    assert (body, count, cut) == (b"", 0, True)


def store_with_rows() -> ox.Store:
    store = ox.Store()
    for s, text in ROWS:
        store.add(ox.Quad(s, ox.NamedNode(EX + "text"), text))
    return store


@pytest.mark.parametrize("deadline", [None, 10**12], ids=["engine-json", "own-writer"])
def test_answer_is_cut_by_the_byte_cap_before_the_row_cap(deadline):
    response = answer(
        store_with_rows(), "SELECT ?s ?text WHERE { ?s ?p ?text }",
        formats={"select": "json"}, prefixes={}, row_cap=10_000, max_bytes=CAP, deadline=deadline,
    )
    assert response.truncated and 0 < response.rows < len(ROWS)
    assert len(response.body) <= CAP
    assert len(list(ox.parse_query_results(response.body, ox.QueryResultsFormat.JSON))) == response.rows


def test_answer_cuts_a_construct_by_the_byte_cap():
    response = answer(
        store_with_rows(), "CONSTRUCT WHERE { ?s ?p ?o }",
        formats={"graph": "turtle"}, prefixes={"ex": EX}, row_cap=10_000, max_bytes=CAP,
    )
    assert response.truncated and 0 < response.rows < len(ROWS) and len(response.body) <= CAP
