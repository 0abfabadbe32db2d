"""plankg.validation.shapes: the one parsed shapes model and what it works out for the others."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.errors import FeatureDisabled, InputTooComplex
from plankg.namespaces import Namespaces
from plankg.validation import Shapes, load_shapes, shapes_from_bytes

SH = "http://www.w3.org/ns/shacl#"
PREFIXES = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"


def shapes(text: str) -> Shapes:
    return shapes_from_bytes((PREFIXES + text).encode(), ox.RdfFormat.TURTLE, "mine.ttl")


def test_the_project_shapes_are_one_model_per_process(validation_settings):
    first, again = load_shapes(validation_settings), load_shapes(validation_settings)
    assert first is again and first.project
    assert first.reach is again.reach  # worked out once, kept with the model


def test_the_reach_follows_paths_nested_shapes_and_class_checks():
    model = shapes("""ex:S a sh:NodeShape ; sh:targetClass ex:A ;
        sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] ;
        sh:property [ sh:path [ sh:inversePath ex:r ] ; sh:node ex:T ] ;
        sh:property [ sh:path ex:s ; sh:class ex:B ] .""")
    reach = model.reach
    assert "http://example.org/p" in reach.deep_forward and "http://example.org/q" not in reach.deep_forward
    assert "http://example.org/r" in reach.deep_inverse
    assert reach.class_forward == frozenset({"http://example.org/s"})
    assert reach.longest == 2


def test_a_global_sparql_constraint_is_found_and_can_be_left_out(validation_settings):
    ns = Namespaces.of(validation_settings)
    model = shapes("""ex:S a sh:NodeShape ; sh:targetClass ex:A ; sh:sparql [
        sh:select "SELECT $this WHERE { ?x <http://example.org/n> ?n } GROUP BY $this" ] ;
        sh:sparql [ sh:select "SELECT $this WHERE { $this <http://example.org/m> ?v }" ] .""")
    found = model.global_constraints(ns)
    assert [g.predicates for g in found] == [frozenset({"http://example.org/n"})]
    assert found[0].target_classes == ("http://example.org/A",)
    without = model.without(found)
    assert len(without.quads) == len(model.quads) - 1
    assert model.without(found) is without and model.without([]) is model


def test_read_predicates_is_none_for_a_closed_shape(validation_settings):
    ns = Namespaces.of(validation_settings)
    assert shapes("ex:S a sh:NodeShape ; sh:closed true .").read_predicates(ns) is None
    assert "http://example.org/p" in shapes("ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .").read_predicates(ns)


def test_unique_lang_reaches_the_engines_only_when_true():
    model = shapes("""ex:S a sh:PropertyShape ; sh:path ex:p ; sh:uniqueLang "1"^^xsd:boolean .
        ex:T a sh:PropertyShape ; sh:path ex:q ; sh:uniqueLang true .""")
    kept = [q for q in model.engine_quads if q.predicate.value == SH + "uniqueLang"]
    assert [q.subject.value for q in kept] == ["http://example.org/T"]


@pytest.mark.parametrize(
    "select",
    ["SELECT $this WHERE { SERVICE <http://example.org/sparql> { $this ?p ?o } }", "SELECT $this FROM <http://example.org/g> WHERE { $this ?p ?o }"],
)
def test_uploaded_sparql_may_not_reach_out(select):
    with pytest.raises(FeatureDisabled):
        shapes(f'ex:S a sh:NodeShape ; sh:sparql [ sh:select "{select}" ] .').check_queries(256)


def test_uploaded_sparql_deeper_than_the_limit_is_refused_with_the_file_name():
    deep = "SELECT $this WHERE " + "{ " * 40 + "$this ?p ?o " + "} " * 40
    with pytest.raises(InputTooComplex, match="mine.ttl"):
        shapes(f'ex:S a sh:NodeShape ; sh:sparql [ sh:select "{deep}" ] .').check_queries(16)
