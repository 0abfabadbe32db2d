"""plankg.shacl writes pySHACL's report, or steps aside (``Unsupported``) so pySHACL runs.

The reference is pySHACL itself: for every shape case, the unbroken graphs and the
built graph, both engines' W3C report graphs must be the same graph (blank nodes
aside), which makes every row, message, path and value the same as well.
"""

from __future__ import annotations

import gc

import pyoxigraph as ox
import pytest
from shape_world import ONTOLOGY, PREFIXES, WORLD, parse_ttl
from test_shape_cases import CASES, _mutated
from test_validation_report import broken_world

from plankg import shacl
from plankg.validation import load_shapes, validate_quads

XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"


def canonical(triples: list[ox.Triple]) -> list[str]:
    """The report graph as sorted text, every blank node written out as its description."""
    by_subject: dict = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append((t.predicate, t.object))

    def text(term, seen: tuple = ()) -> str:
        if isinstance(term, ox.BlankNode) and term not in seen:
            return "[" + "; ".join(sorted(f"{p} {text(o, (*seen, term))}" for p, o in by_subject.get(term, []))) + "]"
        return "_:" if isinstance(term, ox.BlankNode) else str(term)

    named = sorted(str(t) for t in triples if not isinstance(t.subject, ox.BlankNode))
    reports = [t.subject for t in triples if t.object == ox.NamedNode(SH + "ValidationReport")]
    return sorted(text(r) for r in reports) + named


def assert_same_report(settings, quads, shapes, context=None) -> None:
    ours = validate_quads(settings, quads, shapes, context=context)
    theirs = validate_quads(settings, quads, shapes, context=context, engine="pyshacl")
    assert canonical(ours.triples) == canonical(theirs.triples)
    assert [r.as_dict() for r in ours.results] == [r.as_dict() for r in theirs.results]
    assert ours.text("en") == theirs.text("en") and ours.text("zh") == theirs.text("zh")


def no_fallback(monkeypatch) -> None:
    """Make a fallback to pySHACL fail the test: the project's shapes must never need it."""

    def refuse(*args, **kwargs):
        raise AssertionError("pySHACL ran: plankg.shacl did not handle these shapes and data")

    monkeypatch.setattr("plankg.validation._run_pyshacl", refuse)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_shape_case_gets_pyshacls_report(case, validation_settings, project_shapes):
    assert_same_report(validation_settings, _mutated(case), project_shapes)


@pytest.mark.parametrize("name", ["world", "ontology", "broken world"])
def test_the_base_graphs_get_pyshacls_report(name, validation_settings, project_shapes):
    quads = {"world": lambda: parse_ttl(WORLD), "ontology": lambda: parse_ttl(ONTOLOGY), "broken world": broken_world}[name]()
    assert_same_report(validation_settings, quads, project_shapes)


def test_the_shape_cases_need_pyshacl_only_for_literals_the_sparql_engines_read_differently(
    validation_settings, project_shapes, monkeypatch
):
    """("1.0"^^xsd:integer, xsd:int, …: see plankg.shacl._TAME.)"""
    no_fallback(monkeypatch)
    untame = []
    for case in CASES:
        data = _mutated(case)
        if not shacl._data_triples(data)[1]:
            untame.append(case.id)
            continue
        validate_quads(validation_settings, data, project_shapes)
    assert len(untame) <= 3, untame


@pytest.fixture(scope="module")
def assembled(validation_settings):
    from plankg.build import assemble

    return assemble(validation_settings)


@pytest.mark.slow
def test_the_built_graph_gets_pyshacls_report_without_pyshacl(assembled, validation_settings, project_shapes, monkeypatch):
    theirs = validate_quads(validation_settings, assembled.quads, project_shapes, engine="pyshacl")
    no_fallback(monkeypatch)
    ours = validate_quads(validation_settings, assembled.quads, project_shapes)
    assert len(ours.results) > 100  # warnings and infos: the comparison has something to compare
    assert canonical(ours.triples) == canonical(theirs.triples)
    assert ours.text("en") == theirs.text("en") and ours.text("zh") == theirs.text("zh")


def test_a_context_file_gets_pyshacls_report(validation_settings, project_shapes):
    partner = parse_ttl(PREFIXES + """
<org/NEW> a pk:UNEntity ; skos:prefLabel "New"@en ; rdfs:label "New"@en , "新"@zh .
<collaboration/10-1/NEW> a pk:Collaboration ; pk:collaborator <org/NEW> ; pk:intervention <intervention/10-1> .
""")
    assert_same_report(validation_settings, partner, project_shapes, context=parse_ttl(WORLD))


# ------------------------------------------------------------------ the W3C core cases, with messages

def _core_cases():
    """tests/conformance/test_shacl_core.py's copies of the W3C core tests (one module, one list)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "conformance" / "test_shacl_core.py"
    spec = importlib.util.spec_from_file_location("shacl_core_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PREFIXES, module.CASES


CORE_PREFIXES, CORE_CASES = _core_cases()


def with_messages(shape_quads: list) -> list:
    """Every shape that states a constraint gets a message: the engine leaves pySHACL's
    generic messages (its own wording of each component) to pySHACL."""
    parameters = set(shacl.PARAMETERS) - {ox.NamedNode(SH + "property")}
    has_message = {q.subject for q in shape_quads if q.predicate.value == SH + "message"}
    stating = {q.subject for q in shape_quads if q.predicate in parameters} - has_message
    return shape_quads + [ox.Quad(s, ox.NamedNode(SH + "message"), ox.Literal("m", language="en")) for s in stating]


@pytest.mark.parametrize("case", CORE_CASES, ids=[c[0] for c in CORE_CASES])
def test_the_w3c_core_cases_get_pyshacls_report(case, validation_settings):
    from plankg.validation import Shapes

    name, data, shapes_text = case[0], case[1], case[2]
    data_quads = list(ox.parse(CORE_PREFIXES + data, format=ox.RdfFormat.TURTLE))
    shapes = Shapes(tuple(with_messages(list(ox.parse(CORE_PREFIXES + shapes_text, format=ox.RdfFormat.TURTLE)))), (name,))
    if "sh:not" in shapes_text:
        with pytest.raises(shacl.Unsupported):
            shacl.validate(shapes.quads, data_quads)
    else:
        shacl.validate(shapes.quads, data_quads)  # no Unsupported: the engine judges it itself
    assert_same_report(validation_settings, data_quads, shapes)


def test_a_triple_in_two_graphs_counts_once_in_sparql(validation_settings, tmp_path):
    """pySHACL validates one merged graph; so does the engine's SPARQL, whatever the graphs."""
    path = tmp_path / "count.ttl"
    path.write_text(PREFIXES + """@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:sparql [
    sh:message "{?n} labels"@en ;
    sh:select "SELECT $this (COUNT(*) AS ?n) WHERE { $this <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } GROUP BY $this HAVING (COUNT(*) > 0)" ] .
""", encoding="utf-8")
    shapes = load_shapes(validation_settings, [path])
    world = parse_ttl(WORLD)
    again = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode("http://example.org/again")) for q in world]
    for data in (world, world + again):
        assert_same_report(validation_settings, data, shapes)
    report = validate_quads(validation_settings, world + again, shapes)
    assert {r.message_in("en") for r in report.results} == {"2 labels"}


# ------------------------------------------------------------------ shapes it leaves to pySHACL

UNSUPPORTED_SHAPES = {
    "sh:closed": "ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:closed true ; sh:ignoredProperties ( rdf:type ) .",
    "sh:not": "ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:not [ sh:class pk:Fund ] .",
    "sh:lessThan": "ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:property [ sh:path pk:a ; sh:lessThan pk:b ] .",
    "a generic message": "ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:property [ sh:path ex:budget ; sh:datatype xsd:decimal ] .",
    "SPARQL on a property shape": 'ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:property [ sh:path skos:prefLabel ; sh:sparql [ sh:select "SELECT $this WHERE { $this $PATH ?v }" ] ] .',
}


@pytest.mark.parametrize("name", sorted(UNSUPPORTED_SHAPES))
def test_what_the_engine_does_not_reproduce_goes_to_pyshacl(name, validation_settings, tmp_path):
    path = tmp_path / "mine.ttl"
    path.write_text(PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
                    + UNSUPPORTED_SHAPES[name].replace("ex:budget", "pk:budget") + "\n<org/UNDP> pk:budget 12 .", encoding="utf-8")
    shapes = load_shapes(validation_settings, [path])
    data = parse_ttl(WORLD) + parse_ttl(PREFIXES + '<org/UNDP> pk:budget "12"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    with pytest.raises(shacl.Unsupported):
        shacl.validate(shapes.quads, data)
    assert_same_report(validation_settings, data, shapes)


def test_sparql_that_would_fetch_data_goes_to_pyshacl_which_refuses_it(validation_settings, tmp_path):
    from plankg.errors import FeatureDisabled, RDFSyntaxError

    path = tmp_path / "remote.ttl"
    path.write_text(PREFIXES + """@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ;
    sh:sparql [ sh:select "SELECT $this FROM <http://example.org/x.ttl> WHERE { $this ?p ?o }" ] .
""", encoding="utf-8")
    shapes = load_shapes(validation_settings, [path])
    with pytest.raises(shacl.Unsupported):
        shacl.validate(shapes.quads, parse_ttl(WORLD))
    with pytest.raises((FeatureDisabled, RDFSyntaxError)):
        validate_quads(validation_settings, parse_ttl(WORLD), shapes)


# ------------------------------------------------------------------ rdflib's rules, as the engine applies them

LITERALS = [
    ("5", "integer"), ("05", "integer"), (" 5", "integer"), ("12a", "integer"), ("1_000", "integer"), ("+3", "integer"),
    ("1.5", "decimal"), ("1e3", "decimal"), ("abc", "decimal"), ("NaN", "decimal"),
    ("2021-07-12", "date"), ("2021-02-30", "date"), ("2021", "gYear"), ("20x1", "gYear"), ("x", "anyURI"),
]


@pytest.mark.parametrize(("lexical", "datatype"), LITERALS)
def test_literal_values_and_ill_typedness_are_rdflibs(lexical, datatype):
    from rdflib import Literal, URIRef

    ours = ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))
    theirs = Literal(lexical, datatype=URIRef(XSD + datatype), normalize=False)
    assert shacl._ill_typed(ours) == theirs.ill_typed
    assert repr(shacl._rdflib_value(ours)) == repr(theirs.value)  # repr: NaN is not equal to itself


@pytest.mark.parametrize(("lexical", "datatype"), [("1", "integer"), ("-12", "integer"), ("true", "boolean"), ("http://x", "anyURI"), ("2020", "gYear")])
def test_a_cloned_literal_is_written_as_rdflib_writes_it(lexical, datatype):
    from rdflib import Literal, URIRef

    ours = shacl._clone_literal(ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype)))
    assert ours.value == str(Literal(lexical, datatype=URIRef(XSD + datatype)))


def test_a_literal_rdflib_would_rewrite_is_left_to_pyshacl():
    with pytest.raises(shacl.Unsupported):
        shacl._clone_literal(ox.Literal("007", datatype=ox.NamedNode(XSD + "integer")))
    with pytest.raises(shacl.Unsupported):
        shacl._data_triples([ox.Triple(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p"),
                                       ox.Literal(" a  b ", datatype=ox.NamedNode(XSD + "token")))])


def test_messages_are_filled_in_as_pyshacl_fills_them():
    from pyshacl.constraints.constraint_component import ConstraintComponent
    from rdflib import Literal, URIRef

    text = "Paragraphs {?value} to {$to} are missing under {?this} ({?path}); {?unbound} stays."
    this, value, to = ox.NamedNode("http://x/plan"), ox.Literal("5", datatype=ox.NamedNode(XSD + "integer")), ox.Literal("7")
    ours = shacl._format_message(text, (this, None, value, {"to": to}))
    theirs = ConstraintComponent._format_sparql_based_result_message(
        None, text, (URIRef("http://x/plan"), None, Literal("5", datatype=URIRef(XSD + "integer")), {"to": Literal("7")})
    )
    assert ours == theirs


# ------------------------------------------------------------------ the collector


def test_a_run_leaves_the_cyclic_collector_as_it_found_it():
    data = parse_ttl(WORLD)
    shapes = parse_ttl(PREFIXES + "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                       "ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:property [ sh:path skos:prefLabel ; sh:minCount 1 ; sh:message \"x\" ] .")
    assert gc.isenabled()
    shacl.validate(shapes, data)
    assert gc.isenabled()
    gc.disable()
    try:
        shacl.validate(shapes, data)
        assert not gc.isenabled()
    finally:
        gc.enable()
