"""plankg.sparqltext: base IRIs, parser messages that name the fault, and the operations of an update."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.errors import FeatureDisabled, ParameterError
from plankg.sparqltext import (
    check_base_iri,
    endpoint_base,
    explain_syntax_error,
    names_dataset,
    update_operations,
)


def test_the_endpoint_base_is_the_configured_base_and_the_path():
    assert endpoint_base("http://127.0.0.1:8000/", "/sparql") == "http://127.0.0.1:8000/sparql"


@pytest.mark.parametrize("bad", ["relative/path", "http://x/a b", "http://x/<>", "x" * 3000])
def test_a_bad_base_iri_is_a_parameter_error(bad):
    with pytest.raises(ParameterError):
        check_base_iri("http://x/" + bad if bad.startswith("x" * 10) else bad)


def test_a_file_base_iri_is_refused():
    with pytest.raises(FeatureDisabled):
        check_base_iri("file:///etc/")


def parser_message(text: str, base: str | None = None) -> str:
    try:
        ox.Store().query(text, base_iri=base)
    except SyntaxError as exc:
        return str(exc)
    raise AssertionError("parsed")


def test_a_relative_iri_without_a_base_is_named_not_optional():
    text = "SELECT * { <s> ?p ?o }"
    assert "OPTIONAL" in parser_message(text)  # what pyoxigraph says
    message, line, column = explain_syntax_error(parser_message(text), text)
    assert "<s> at line 1, column 12 is a relative IRI" in message and (line, column) == (1, 12)


def test_a_relative_iri_under_a_base_declaration_is_not_blamed():
    text = "BASE <http://example.org/> SELECT * { <s> ?p ?o . ?s }"
    message, _, _ = explain_syntax_error(parser_message(text), text)
    assert "relative" not in message and "does not fit the grammar" in message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("SELECT * { ?s ?p <a b> }", "<a b> at line 1, column 18 is not a valid IRI"),
        ("SELECT * { ?s ex:p ?o }", "the prefix 'ex:' at line 1, column 15 is not declared"),
        ("SELECT * {} LIMIT x", "near «x»"),
    ],
)
def test_parser_messages_point_at_the_fault(text, says):
    message, _, _ = explain_syntax_error(parser_message(text, "http://example.org/"), text, base_iri="http://example.org/")
    assert says in message


UPDATE = """PREFIX ex: <http://example.org/>
CLEAR ALL ;
INSERT DATA { GRAPH ex:g { ex:a ex:p "x;y" } } ;
INSERT { GRAPH ex:t { ?s a ex:B } } WHERE { ?s a ex:A ; ex:p ?o } ;
DELETE WHERE { ?s ex:gone ?o } ;
WITH ex:g DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"""


def test_an_update_splits_into_its_operations_with_their_prologue():
    ops = update_operations(UPDATE)
    assert [op.first for op in ops] == ["CLEAR", "INSERT", "INSERT", "DELETE", "WITH"]
    assert [(op.reads, op.short_form, op.dataset) for op in ops] == [
        (False, False, False),
        (False, False, False),
        (True, False, False),
        (True, True, False),
        (True, False, True),
    ]
    assert all(op.prologue.startswith("PREFIX ex: <http://example.org/>") for op in ops)


def test_the_dataset_goes_before_the_where_and_each_rewritten_operation_runs():
    store = ox.Store()
    for op in update_operations(UPDATE):
        text = op.with_dataset(["http://example.org/d"], ["http://example.org/n"])
        if op.reads and not op.dataset:
            assert "USING <http://example.org/d> USING NAMED <http://example.org/n> WHERE" in text
        store.update(text)  # parses: the rewriting keeps the grammar
    short = update_operations(UPDATE)[3].with_dataset(["http://example.org/d"], [])
    assert short.split("DELETE", 1)[1].split("USING")[0].strip() == "{ ?s ex:gone ?o }"


def test_names_dataset_sees_with_and_using_outside_strings_and_iris():
    assert names_dataset("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert names_dataset("DELETE { ?s ?p ?o } USING <urn:g> WHERE { ?s ?p ?o }")
    assert not names_dataset('INSERT DATA { <urn:using> <urn:p> "WITH USING" }')


def test_blank_node_labels_and_strings_are_not_taken_for_prefixes():
    text = 'SELECT * { _:b0 ?p "ex:no" . ?s ?p }'
    message, _, _ = explain_syntax_error(parser_message(text), text)
    assert "prefix" not in message and "does not fit the grammar" in message
