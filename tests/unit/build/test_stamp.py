"""The base-IRI stamp: a store or data made with one PLANKG_BASE_IRI is refused, with the remedy,
when used with another (``plankg.stamp``), instead of an empty site or hundreds of false violations."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from plankg import stamp
from plankg.build import build, open_built_store
from plankg.cli import main
from plankg.errors import BaseIriMismatch
from plankg.namespaces import Namespaces
from plankg.settings import DEFAULT_BASE_IRI, Settings
from plankg.store import open_store

OTHER = "https://plan.example.org/kg/"


def test_a_build_stamps_the_store_with_its_base_and_build_id(make_settings, built_graph):
    settings = make_settings()
    store = open_store(settings)
    try:
        build(settings, store, validate=False)
    finally:
        store.close()
    written = json.loads(stamp.stamp_path(settings.store_dir).read_text(encoding="utf-8"))
    assert written["baseIri"] == DEFAULT_BASE_IRI
    assert written["build"] == stamp.build_id(built_graph.quads)  # the same graph, the same id


def test_build_id_changes_with_the_graph(built_graph):
    quads = list(built_graph.quads)
    assert stamp.build_id(quads) == stamp.build_id(reversed(quads))
    assert stamp.build_id(quads[1:]) != stamp.build_id(quads)


def test_serving_a_store_stamped_with_another_base_is_refused_with_the_remedy(make_settings):
    built = make_settings()
    stamp.write(built.store_dir, DEFAULT_BASE_IRI, "0123456789abcdef")
    with pytest.raises(BaseIriMismatch) as caught:
        open_built_store(built.model_copy(update={"base_iri": OTHER}))
    message = str(caught.value)
    assert f"PLANKG_BASE_IRI={DEFAULT_BASE_IRI}" in message and OTHER in message and "plankg build" in message
    assert caught.value.exit_code == 2
    open_built_store(built).close()  # the base it was made with is served


def test_cli_serve_with_another_base_exits_2_with_one_line(make_settings, monkeypatch, capsys):
    built = make_settings()
    stamp.write(built.store_dir, DEFAULT_BASE_IRI, "0123456789abcdef")
    monkeypatch.setenv("PLANKG_STORE_PATH", str(built.store_dir))
    monkeypatch.setenv("PLANKG_BASE_IRI", OTHER)
    assert main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0] and "built with PLANKG_BASE_IRI" in err[0]


class _RemoteLike:
    """A store without a path (as a remote one): checked by its plan graph."""

    def __init__(self, graphs: set[str]) -> None:
        self.graphs = graphs

    def is_empty(self) -> bool:
        return not self.graphs

    def holds_graph(self, graph: str) -> bool:
        return graph in self.graphs


def test_a_store_without_a_stamp_file_is_checked_by_its_plan_graph():
    settings = Settings(base_iri=OTHER)
    stamp.check_store(settings, _RemoteLike({Namespaces.of(settings).graph("plan")}))
    stamp.check_store(settings, _RemoteLike(set()))  # empty: nothing to mistake
    with pytest.raises(BaseIriMismatch, match="holds no graph"):
        stamp.check_store(settings, _RemoteLike({DEFAULT_BASE_IRI + "graph/plan"}))


def test_validating_data_built_with_another_base_is_refused(built_graph):
    with pytest.raises(BaseIriMismatch) as caught:
        stamp.check_data(Settings(base_iri=OTHER), built_graph.quads, "dist/plankg.nq")
    assert f"PLANKG_BASE_IRI={DEFAULT_BASE_IRI}" in str(caught.value) and "dist/plankg.nq" in str(caught.value)
    stamp.check_data(Settings(), built_graph.quads, "dist/plankg.nq")


@pytest.mark.parametrize(
    "class_iri",
    [
        "http://example.org/ontology#Widget",  # someone else's vocabulary that happens to be called ontology
        "http://example.org/vocab#Paragraph",  # one of our class names, not under an ontology# namespace
    ],
)
def test_data_in_a_vocabulary_of_its_own_is_not_taken_for_a_base_mismatch(class_iri):
    quad = ox.Quad(ox.NamedNode("urn:x:1"), ox.NamedNode(stamp.RDF_TYPE), ox.NamedNode(class_iri))
    stamp.check_data(Settings(), [quad], "mine.ttl")


def test_cli_validate_with_another_base_exits_2_without_traceback(built_graph, tmp_path, monkeypatch, capsys):
    data = tmp_path / "plankg.nq"
    data.write_bytes(ox.serialize(built_graph.quads[:2000], format=ox.RdfFormat.N_QUADS))
    monkeypatch.setenv("PLANKG_BASE_IRI", OTHER)
    assert main(["validate", str(data)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "types its nodes with" in err
