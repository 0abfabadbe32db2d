"""The external authority check: SDG IRIs the data cites exist in the UN SDG KOS, with the same code."""

from __future__ import annotations

from pathlib import Path

import pytest
from shape_world import PREFIXES, WORLD, parse_ttl
from test_built_graph_conforms import kos_or_skip

from plankg.errors import RDFSyntaxError

ID = "http://127.0.0.1:8000/id/"


def with_kos(settings, path: Path):
    return settings.model_copy(update={"sdg_kos_path": path})


def test_the_world_cites_only_existing_concepts(validate_text, validation_settings):
    report = validate_text(WORLD, with_kos(validation_settings, kos_or_skip()))
    assert report.authority_checked
    assert report.results == []


def test_an_iri_missing_from_the_vocabulary_is_a_bilingual_violation(validate_text, validation_settings):
    quads = parse_ttl(WORLD) + parse_ttl(PREFIXES + "<sdg/5.a.1> skos:exactMatch <http://metadata.un.org/sdg/C05a999> .")
    report = validate_text(quads, with_kos(validation_settings, kos_or_skip()))
    authority = [r for r in report.results if r.source_shape and r.source_shape.endswith("SDGAuthorityCheck")]
    assert [(r.focus, r.path, r.value, r.severity) for r in authority] == [
        (ID + "sdg/5.a.1", "skos:exactMatch", "<http://metadata.un.org/sdg/C05a999>", "Violation")
    ]
    assert "SDG KOS" in authority[0].message["en"] and "联合国可持续发展目标词表" in authority[0].message["zh"]
    assert not report.conforms


def test_an_existing_iri_under_another_code_is_a_violation(validate_text, validation_settings):
    text = WORLD.replace("<http://metadata.un.org/sdg/C050a01>", "<http://metadata.un.org/sdg/C050101>")
    report = validate_text(text, with_kos(validation_settings, kos_or_skip()))
    authority = [r for r in report.results if r.source_shape and r.source_shape.endswith("SDGAuthorityCheck")]
    assert len(authority) == 1
    assert "is SDG 5.1.1 in the UN SDG vocabulary, but this concept's code is 5.a.1" in authority[0].message["en"]


def test_authority_rows_are_in_the_report_graph(validate_text, validation_settings):
    import pyoxigraph as ox

    quads = parse_ttl(WORLD) + parse_ttl(PREFIXES + "<sdg/5> skos:exactMatch <http://metadata.un.org/sdg/99> .")
    report = validate_text(quads, with_kos(validation_settings, kos_or_skip()))
    graph = list(ox.parse(report.graph_turtle(), format=ox.RdfFormat.TURTLE))
    values = [t.object.value for t in graph if t.predicate.value == "http://www.w3.org/ns/shacl#value"]
    assert "http://metadata.un.org/sdg/99" in values
    conforms = [t.object.value for t in graph if t.predicate.value == "http://www.w3.org/ns/shacl#conforms"]
    assert conforms == ["false"]


def test_no_kos_configured_means_no_authority_check(validate_text):
    report = validate_text(WORLD)
    assert not report.authority_checked


def test_an_unreadable_kos_file_is_an_error_with_its_name(validate_text, validation_settings, tmp_path):
    bad = tmp_path / "kos.ttl"
    bad.write_text("@prefix sdg: <http://metadata.un.org/sdg/> .\nsdg:5 a \n", encoding="utf-8")
    with pytest.raises(RDFSyntaxError) as caught:
        validate_text(WORLD, with_kos(validation_settings, bad))
    assert caught.value.path == str(bad)
