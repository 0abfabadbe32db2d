"""The benchmark data generator: deterministic, the size asked for, the plan's vocabulary."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from bench.generate import canonical_blank_nodes, extension, generate, parse_scale, read_base
from plankg.settings import Settings
from plankg.store.rdfio import sorted_nquads

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    tmp = tmp_path_factory.mktemp("gen")
    return Settings(store_path=tmp / "store", dist_dir=tmp / "dist")


@pytest.fixture(scope="module")
def base(settings):
    return read_base(settings)


def vocabulary(quads: list[ox.Quad]) -> tuple[set[str], set[str]]:
    classes = {q.object.value for q in quads if q.predicate.value == RDF_TYPE}
    properties = {q.predicate.value for q in quads}
    return classes, properties


def test_same_seed_and_scale_give_byte_identical_nquads(settings, base):
    first = sorted_nquads(generate(settings, 30_000, seed=3, base=base))
    second = sorted_nquads(generate(settings, 30_000, seed=3, base=read_base(settings)))
    assert first == second


def test_another_seed_gives_other_data(settings, base):
    assert sorted_nquads(generate(settings, 30_000, seed=3, base=base)) != sorted_nquads(
        generate(settings, 30_000, seed=4, base=base)
    )


@pytest.mark.parametrize("scale", ["30k", "100k"])
def test_generated_size_is_within_ten_percent_of_the_target(settings, base, scale):
    target = parse_scale(scale)
    quads = generate(settings, target, base=base)
    assert abs(len(quads) - target) <= target * 0.10


def test_generated_graph_uses_exactly_the_real_classes_and_properties(settings, base):
    real_classes, real_properties = vocabulary(base.quads)
    classes, properties = vocabulary(generate(settings, 60_000, base=base))
    assert classes == real_classes
    assert properties == real_properties


def test_extension_adds_only_terms_of_the_real_graph(settings, base):
    real_classes, real_properties = vocabulary(base.quads)
    classes, properties = vocabulary(extension(settings, 10_000, base=base))
    assert classes <= real_classes
    assert properties <= real_properties


def test_partners_by_area_has_more_rows_at_scale(settings, base):
    query = """
        PREFIX pk: <http://127.0.0.1:8000/ontology#>
        SELECT (COUNT(*) AS ?n) WHERE {
          ?i pk:impactArea <http://127.0.0.1:8000/id/area/evaw> ; pk:hasCollaborator ?org .
          ?c pk:intervention ?i ; pk:collaborator ?org .
        }"""

    def count(quads):
        store = ox.Store()
        store.bulk_extend(quads)
        return int(next(iter(store.query(query, use_default_graph_as_union=True)))["n"].value)

    assert count(generate(settings, 40_000, base=base)) > 5 * count(base.quads)


def test_plan_scale_is_the_real_graph_unchanged(settings, base):
    assert parse_scale("plan") is None
    assert sorted_nquads(generate(settings, None, base=base)) == sorted_nquads(canonical_blank_nodes(base.quads))


def test_scale_names_parse_to_quad_counts():
    assert parse_scale("100k") == 100_000
    assert parse_scale("1m") == 1_000_000
    assert parse_scale("2500") == 2500
    with pytest.raises(ValueError):
        parse_scale("huge")


def test_blank_node_labels_do_not_depend_on_parse_order():
    text = b"""
        @prefix ex: <http://example.org/> .
        ex:a ex:p [ ex:q ( ex:x ex:y ) ] .
        ex:b ex:p [ ex:q ( ex:x ex:y ) ] .
    """
    one = canonical_blank_nodes(list(ox.parse(text, format=ox.RdfFormat.TURTLE)))
    two = canonical_blank_nodes(list(ox.parse(text, format=ox.RdfFormat.TURTLE)))
    assert sorted_nquads(one) == sorted_nquads(two)
    assert len({str(q) for q in one}) == 12  # the two equal-looking structures stay apart
