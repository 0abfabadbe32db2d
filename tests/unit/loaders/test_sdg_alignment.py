"""SDG alignment of impact areas and systemic outcomes (data/registry/sdg_alignment.csv -> pk:SDGAlignment)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from loaders.document import parse_document
from loaders.graph import build_quads
from loaders.linker import find_mentions
from loaders.registry import load_registry
from plankg.errors import RegistryError
from plankg.namespaces import GRAPH_PLAN, GRAPH_REGISTRY, Namespaces
from plankg.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
NS = Namespaces.of(Settings())
PK = NS.pk
ID = NS.id


@pytest.fixture(scope="module")
def quads() -> list[ox.Quad]:
    document = parse_document(ROOT / "data" / "source" / "UNW-2021-6.zh.txt")
    registry = load_registry(ROOT / "data" / "registry")
    return build_quads(NS, document, registry, find_mentions(document, registry))


def objects(quads: list[ox.Quad], subject: str, predicate: str) -> list[str]:
    return [q.object.value for q in quads if q.subject.value == subject and q.predicate.value == predicate]


def alignments(quads: list[ox.Quad]) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for q in quads:
        if q.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" and q.object.value == PK + "SDGAlignment":
            node = q.subject.value
            out[node] = {
                "concept": objects(quads, node, PK + "alignedConcept")[0].removeprefix(ID),
                "sdg": objects(quads, node, PK + "alignedSDG")[0].removeprefix(ID + "sdg/"),
                "kind": objects(quads, node, PK + "alignmentKind")[0].rsplit("/", 1)[1],
                "graph": q.graph_name.value,
            }
    return out


def test_every_area_and_outcome_serves_sdg_5(quads: list[ox.Quad]) -> None:
    served = {(a["concept"], a["sdg"]) for a in alignments(quads).values()}
    concepts = [f"area/{a}" for a in ("governance", "wee", "evaw", "wps")] + [f"outcome/{n}" for n in range(1, 8)]
    for concept in concepts:
        assert any(c == concept and (s == "5" or s.startswith("5.")) for c, s in served), concept


def test_evaw_serves_target_5_2_and_its_indicators(quads: list[ox.Quad]) -> None:
    kinds = {a["sdg"]: a["kind"] for a in alignments(quads).values() if a["concept"] == "area/evaw"}
    assert kinds["5.2"] == "stated"  # para 54: 所有妇女和女童过上免于一切形式暴力的生活
    assert kinds["5.2.1"] == "curated" and kinds["5.2.2"] == "curated"
    assert set(objects(quads, ID + "area/evaw", PK + "servesSDG")) >= {ID + "sdg/5.2", ID + "sdg/5.2.1", ID + "sdg/5.2.2"}


def test_stated_links_cite_a_paragraph_of_their_concept_and_live_in_the_plan_graph(quads: list[ox.Quad]) -> None:
    for node, a in alignments(quads).items():
        if a["kind"] != "stated":
            continue
        assert a["graph"] == NS.graph(GRAPH_PLAN)
        paragraph = objects(quads, node, PK + "sourceParagraph")[0]
        assert paragraph in objects(quads, ID + str(a["concept"]), PK + "describedIn"), node
        evidence = objects(quads, node, PK + "alignmentEvidence")[0]
        carrier = objects(quads, node, "http://www.w3.org/ns/prov#wasDerivedFrom")[0]
        assert evidence in objects(quads, carrier, PK + "text")[0]


def test_curated_links_carry_a_rationale_and_live_in_the_registry_graph(quads: list[ox.Quad]) -> None:
    curated = {n: a for n, a in alignments(quads).items() if a["kind"] == "curated"}
    assert curated
    for node, a in curated.items():
        assert a["graph"] == NS.graph(GRAPH_REGISTRY)
        assert objects(quads, node, PK + "rationale") and not objects(quads, node, PK + "sourceParagraph")


def test_a_stated_link_whose_words_are_not_in_its_paragraph_stops_the_build(tmp_path: Path) -> None:
    for path in (ROOT / "data" / "registry").glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    target = tmp_path / "sdg_alignment.csv"
    target.write_text(target.read_text(encoding="utf-8") + "area/wps,5.6,stated,57,妇女担任所有席位,\n", encoding="utf-8")
    document = parse_document(ROOT / "data" / "source" / "UNW-2021-6.zh.txt")
    registry = load_registry(tmp_path)
    with pytest.raises(RegistryError, match="not in paragraph 57"):
        build_quads(NS, document, registry, find_mentions(document, registry))


def test_the_concept_itself_tells_stated_from_curated(quads: list[ox.Quad]) -> None:
    assert objects(quads, ID + "area/evaw", PK + "servesSDGStated") == [ID + "sdg/5.2"]
    assert set(objects(quads, ID + "area/evaw", PK + "servesSDGCurated")) == {ID + "sdg/5.2.1", ID + "sdg/5.2.2", ID + "sdg/5.3"}
