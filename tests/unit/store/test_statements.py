"""The remote store's fixed SPARQL (``queries/engine/``) and the one function that writes terms into it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.errors import ParameterError, QueryFileError
from plankg.settings import Settings
from plankg.sparqltext import TOKEN
from plankg.store import statements
from plankg.store.statements import ground, serialize

XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")
HOSTILE_TEXTS = [
    'a" } ; DROP ALL ; INSERT DATA { <urn:x> <urn:y> "z',
    "line\nbreak\r\nand \t tab",
    "''' triple ''' and \"\"\" quotes",
    "back\\slash \\\" and \\u0022 and \\U0000003E",
    "> } <urn:evil> # not a comment",
    "中文 and \u2028 and \u0000 and emoji 🙂",
    "?claim $claim ?state",
]
HOSTILE_IRIS = [
    "http://x.invalid/a#b?c=d&e=%22%3E",
    "http://x.invalid/\u4e2d\u6587/\U0001f642",
    "urn:x:?claim",
    "http://x.invalid/a'b(c)*",
]


def _statements() -> dict[str, statements.Statement]:
    return statements.load(Settings().queries_dir / "engine")


def _sample(param: statements.Param) -> ox.NamedNode | ox.Literal:
    return ox.Literal('a "sample" \n') if param.type == "string" else ox.NamedNode("urn:x:sample")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_hostile_literal_stays_one_literal(text):
    for term in (ox.Literal(text), ox.Literal(text, language="en-GB"), ox.Literal(text, datatype=XSD_STRING)):
        update = ground("INSERT DATA { GRAPH <urn:g> { <urn:s> <urn:p> ?o } }", {"o": term})

        store = ox.Store()
        store.update(update)

        assert [q.object for q in store] == [term]


@pytest.mark.parametrize("iri", HOSTILE_IRIS)
def test_a_hostile_iri_stays_one_iri(iri):
    update = ground("INSERT DATA { GRAPH ?g { ?g <urn:p> ?o } }", {"g": ox.NamedNode(iri), "o": ox.Literal("x")})

    store = ox.Store()
    store.update(update)

    assert [(q.subject, q.graph_name) for q in store] == [(ox.NamedNode(iri), ox.NamedNode(iri))]


@pytest.mark.parametrize("iri", ["http://x.invalid/a>b", "http://x.invalid/a b", 'http://x.invalid/a"b', "http://x.invalid/{a}", "http://x.invalid/a\\u003e"])
def test_an_iri_that_could_break_out_cannot_even_be_made(iri):
    with pytest.raises(ValueError):
        ox.NamedNode(iri)


def test_a_variable_inside_a_string_an_iri_or_a_comment_is_left_alone():
    text = 'SELECT ?x WHERE { ?x <urn:p?x> "?x" } # ?x\n'

    out = ground(text, {"x": ox.NamedNode("urn:v")})

    assert out == 'SELECT <urn:v> WHERE { <urn:v> <urn:p?x> "?x" } # ?x\n'


def test_a_variable_that_only_starts_like_a_bound_one_is_left_alone():
    assert ground("SELECT ?claim ?claimed WHERE {}", {"claim": ox.Literal("c")}) == 'SELECT "c" ?claimed WHERE {}'


@pytest.mark.parametrize("term", [ox.BlankNode("b"), ox.Variable("v"), ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.NamedNode("urn:o"))])
def test_only_iris_and_literals_can_be_bound(term):
    with pytest.raises(ParameterError):
        serialize(term)  # type: ignore[arg-type]


def test_a_parameter_is_bound_to_a_term_of_its_type_only():
    claim = _statements()["release"]

    with pytest.raises(ParameterError):
        claim.bound(state=ox.Literal("urn:x"), version=ox.NamedNode("urn:v"), claimed=ox.NamedNode("urn:c"), claim=ox.Literal("c"), token=ox.Literal("t"))
    with pytest.raises(ValueError, match="required"):
        claim.bound(claim=ox.Literal("c"))
    with pytest.raises(ValueError, match="no parameter"):
        claim.bound(nonsense=ox.Literal("c"))


@pytest.mark.parametrize("name", sorted(_statements()))
def test_every_engine_statement_bound_with_hostile_terms_is_valid_sparql(name):
    statement = _statements()[name]
    text = statement.bound(**{p.name: _sample(p) for p in statement.params})
    store = ox.Store()
    if statement.update:
        store.update(text)
    else:
        store.query(text)
    assert not any(m.lastgroup == "var" and m.group()[1:] in {p.name for p in statement.params} for m in TOKEN.finditer(text))


def test_a_statement_file_without_its_typed_header_is_refused(tmp_path):
    (tmp_path / "bad.ru").write_text("DROP SILENT GRAPH ?g\n", encoding="utf-8")
    with pytest.raises(QueryFileError):
        statements.load(tmp_path)


def test_a_parameter_the_text_does_not_use_is_refused():
    with pytest.raises(QueryFileError, match="no variable"):
        statements.parse("x", "#+ summary: x\n#+ params:\n#+   g: {type: iri}\nSELECT * WHERE { ?s ?p ?o }\n", update=False)
