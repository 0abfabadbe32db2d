"""The graph that ``plankg build`` assembles conforms to the shapes, the ontology included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plankg.namespaces import GRAPH_ONTOLOGY, Namespaces
from plankg.settings import Settings
from plankg.validation import validate_quads

KOS = Path(__file__).resolve().parents[4] / "shared" / "reference" / "un-sdg-kos.ttl"


def kos_or_skip() -> Path:
    if not KOS.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the UN SDG KOS dump is missing at {KOS}")
        pytest.skip(f"the UN SDG KOS dump is not on this machine ({KOS})")
    return KOS


@pytest.fixture(scope="module")
def assembled(validation_settings):
    from plankg.build import assemble

    return assemble(validation_settings)


def test_the_assembled_graph_passes_the_write_gate_with_warnings_and_infos(assembled, validation_settings):
    report = validate_quads(validation_settings, assembled.quads)
    assert report.passes_gate, report.text(severities=("Violation",))
    assert not [r for r in report.results if r.severity == "Violation"]
    # SHACL's verdict: the plan's warnings and infos are results, so it does not conform
    assert report.results and not report.conforms


def test_the_ontology_graph_was_checked_by_the_ontology_shapes(assembled, validation_settings):
    """Drop one Chinese label from the ontology: the ontology shapes name the term."""
    ns = Namespaces.of(validation_settings)
    target = ns.term("Collaboration")
    quads = [
        q for q in assembled.quads
        if not (q.subject.value == target and q.predicate.value.endswith("#label") and getattr(q.object, "language", None) == "zh")
    ]
    assert len(quads) == len(assembled.quads) - 1
    report = validate_quads(validation_settings, quads)
    rows = [r for r in report.results if r.severity == "Violation"]
    assert [(r.focus, r.path, r.value) for r in rows] == [(ns.ontology, "rdfs:label", f"<{target}>")]
    assert "中文标签" in rows[0].message["zh"]


def test_only_the_ontology_graph_gets_the_ontology_shapes(assembled, validation_settings):
    """Data shapes do not run on ontology triples: moving the ontology out of its graph
    into the data changes nothing for them (no pk:Organization instance appears)."""
    ns = Namespaces.of(validation_settings)
    ontology_only = [q for q in assembled.quads if q.graph_name.value == ns.graph(GRAPH_ONTOLOGY)]
    report = validate_quads(validation_settings, ontology_only)
    assert report.conforms
    assert report.results == []


def test_the_assembled_graph_cites_only_sdg_iris_the_un_vocabulary_has(assembled, validation_settings):
    settings = validation_settings.model_copy(update={"sdg_kos_path": kos_or_skip()})
    report = validate_quads(settings, assembled.quads)
    assert report.authority_checked
    assert report.passes_gate, report.text(severities=("Violation",))


def test_another_base_iri_rebases_shapes_and_data(assembled, tmp_path):
    """A deployment with its own base: shapes, regexes and the ontology follow it."""
    from plankg.build import assemble

    settings = Settings(base_iri="https://kg.example.org/unw/", store_path=tmp_path / "s", dist_dir=tmp_path / "d")
    rebased = assemble(settings)
    report = validate_quads(settings, rebased.quads)
    assert report.passes_gate, report.text(severities=("Violation",))
    # a pk term left undefined is still found under the new base: the namespace test moved with it
    pk = Namespaces.of(settings).pk
    quads = [q for q in rebased.quads if not (q.subject.value == pk + "Mention" and q.predicate.value.endswith("isDefinedBy"))]
    report = validate_quads(settings, quads)
    assert [(r.path, r.value) for r in report.results if r.severity == "Violation"] == [("rdfs:isDefinedBy", f"<{pk}Mention>")]
