"""The default engine (pyshacl-turbo) writes pySHACL's report, pySHACL being the reference.

For every shape case, the unbroken graphs, a context file and the built graph, the two
engines' W3C report graphs must be the same graph (blank nodes aside), which makes every
row, message, path and value the same as well. The W3C SHACL core suite is compared the
same way, through ``POST /validate``, in tests/conformance/test_shacl_core.py.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from shape_world import ONTOLOGY, PREFIXES, WORLD, parse_ttl
from test_shape_cases import CASES, _mutated
from test_validation_report import broken_world

from plankg.validation import (
    DEFAULT_ENGINE,
    PYSHACL,
    TURBO,
    engine_name,
    load_shapes,
    validate_quads,
)

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


def assert_same_report(settings, quads, shapes, context=None):
    ours = validate_quads(settings, quads, shapes, context=context)
    theirs = validate_quads(settings, quads, shapes, context=context, engine=PYSHACL)
    assert ours.engine == engine_name(TURBO) and theirs.engine == engine_name(PYSHACL)
    assert canonical(ours.triples) == canonical(theirs.triples)
    assert [r.as_dict() for r in ours.results] == [r.as_dict() for r in theirs.results]
    assert ours.text("en") == theirs.text("en") and ours.text("zh") == theirs.text("zh")
    return ours


def test_the_default_engine_is_turbo():
    assert DEFAULT_ENGINE == TURBO
    assert engine_name(TURBO).startswith("pyshacl-turbo ")


# Where the reference deviates from SHACL, or turbo from the reference: the case, and why. The
# expected results of these cases (test_shape_cases) are SHACL's, which turbo gives.
KNOWN_DIFFERENCES = {
    "Statistic: malformed year value": "pySHACL (rdflib) takes any xsd:gYear text as well-typed; "
    "turbo reports the sh:datatype failure of \"2O20\"^^xsd:gYear as SHACL asks",
    "Statistic: two-digit reference year": "the same: \"20\"^^xsd:gYear is ill-typed for turbo and SHACL, not for rdflib",
}


def test_a_literal_value_is_reported_as_the_data_wrote_it(validation_settings, project_shapes):
    """Turbo writes "1.0"^^xsd:decimal as "1"; plankg.validation.engines.as_written puts it back."""
    case = next(c for c in CASES if c.id == "Mention: in a footnote, no source paragraph needed")
    report = assert_same_report(validation_settings, _mutated(case), project_shapes)
    assert [r.value for r in report.results] == ['"1.0"^^<http://www.w3.org/2001/XMLSchema#decimal>']


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_shape_case_gets_pyshacls_report(case, validation_settings, project_shapes):
    if case.id in KNOWN_DIFFERENCES:
        ours = validate_quads(validation_settings, _mutated(case), project_shapes)
        theirs = validate_quads(validation_settings, _mutated(case), project_shapes, engine=PYSHACL)
        # still different: once an engine changes, the entry must go
        assert canonical(ours.triples) != canonical(theirs.triples), KNOWN_DIFFERENCES[case.id]
        return
    report = assert_same_report(validation_settings, _mutated(case), project_shapes)
    assert report.results  # a broken case: the comparison compares results


@pytest.mark.parametrize("name", ["world", "ontology", "broken world"])
def test_the_base_graphs_get_pyshacls_report(name, validation_settings, project_shapes):
    quads = {"world": lambda: parse_ttl(WORLD), "ontology": lambda: parse_ttl(ONTOLOGY), "broken world": broken_world}[name]()
    assert_same_report(validation_settings, quads, project_shapes)


@pytest.mark.slow
def test_the_built_graph_gets_pyshacls_report(validation_settings, project_shapes):
    from plankg.build import assemble

    report = assert_same_report(validation_settings, assemble(validation_settings).quads, project_shapes)
    assert len(report.results) > 100  # warnings and infos: the comparison has something to compare


def test_a_context_file_gets_pyshacls_report(validation_settings, project_shapes):
    partner = parse_ttl(PREFIXES + """
<org/NEW> a pk:UNEntity ; skos:prefLabel "New"@en ; rdfs:label "New"@en , "新"@zh .
<collaboration/10-1/NEW> a pk:Collaboration ; pk:collaborator <org/NEW> ; pk:intervention <intervention/10-1> .
""")
    assert_same_report(validation_settings, partner, project_shapes, context=parse_ttl(WORLD))


def test_a_triple_in_two_graphs_counts_once_in_sparql(validation_settings, tmp_path):
    """SHACL validates one merged data graph, whatever graphs the quads came in."""
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


@pytest.mark.parametrize(
    "select",
    [
        "SELECT $this FROM <http://example.org/x.ttl> WHERE { $this ?p ?o }",
        "SELECT $this WHERE { SERVICE <http://example.org/sparql> { $this ?p ?o } }",
    ],
)
@pytest.mark.parametrize("engine", [TURBO, PYSHACL])
def test_sparql_in_shapes_that_would_fetch_data_is_refused_by_either_engine(select, engine, validation_settings, tmp_path):
    from plankg.errors import FeatureDisabled

    path = tmp_path / "remote.ttl"
    path.write_text(PREFIXES + f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:sparql [ sh:select "{select}" ] .
""", encoding="utf-8")
    shapes = load_shapes(validation_settings, [path])
    with pytest.raises(FeatureDisabled):
        validate_quads(validation_settings, parse_ttl(WORLD), shapes, engine=engine)


def test_shapes_an_engine_cannot_use_are_the_users_error_with_the_file_name(validation_settings, tmp_path):
    from plankg.errors import RDFSyntaxError

    path = tmp_path / "broken.ttl"
    path.write_text(PREFIXES + """@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:S a sh:NodeShape ; sh:targetClass pk:UNEntity ; sh:property [ sh:path skos:prefLabel ; sh:minCount "many" ] .
""", encoding="utf-8")
    shapes = load_shapes(validation_settings, [path])
    for engine in (TURBO, PYSHACL):
        with pytest.raises(RDFSyntaxError, match="broken.ttl"):
            validate_quads(validation_settings, parse_ttl(WORLD), shapes, engine=engine)


def test_turbos_native_call_is_the_one_made_and_gives_the_public_calls_report(validation_settings, project_shapes):
    """plankg.validation.engines reads turbo's native report itself (the public call parses it in
    Python, a third of the time); a turbo version that changes that call must show up here."""
    from plankg.store.rdflib_bridge import from_rdflib_graph
    from plankg.validation.engines import _compiled, _store, _turbo_native

    data = broken_world()
    compiled = _compiled(project_shapes.engine_quads, project_shapes.memo)
    native = _turbo_native(compiled, data)
    assert native is not None
    _, graph, _ = compiled.validate(_store(data), inference="none", allow_warnings=True, allow_infos=True)
    public = from_rdflib_graph(graph)
    assert any(t.predicate.value == SH + "result" for t in native)
    assert canonical(native) == canonical(public)
