"""service.entity_params: the map of entity names, on a graph too large for entity-labels, and the
names of a parameter's enumerated values taken from it."""

from __future__ import annotations

import pyoxigraph as ox

from plankg.catalog import Catalog
from plankg.settings import Settings
from plankg.store.embedded import EmbeddedStore
from service.entity_params import Q_NAME_MAP, EntityNames, enum_labels

ID = "http://127.0.0.1:8000/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PREF = ox.NamedNode(SKOS + "prefLabel")
NOTATION = ox.NamedNode(SKOS + "notation")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CONCEPT = ox.NamedNode(SKOS + "Concept")
CATALOG = Catalog.load(Settings())


def _names(quads: list[ox.Quad]) -> EntityNames:
    mem = ox.Store()
    mem.extend(quads)
    store = EmbeddedStore.over(mem)
    with store.large_reads() as select:
        return EntityNames.build(select(CATALOG.internal_query(Q_NAME_MAP).sparql))


def _labelled(iri: str, en: str | None, zh: str | None = None) -> list[ox.Quad]:
    node = ox.NamedNode(iri)
    quads = [ox.Quad(node, TYPE, CONCEPT)]
    quads += [ox.Quad(node, PREF, ox.Literal(text, language=lang)) for lang, text in (("en", en), ("zh", zh)) if text]
    return quads


def test_an_entity_sorted_after_the_first_5000_is_named():
    quads = [q for n in range(5_001) for q in _labelled(f"{ID}area/filler-{n:05d}", f"filler {n}", f"填充 {n}")]
    quads += _labelled(f"{ID}role/co-delivers", "co-delivers", "共同交付")
    quads.append(ox.Quad(ox.NamedNode(f"{ID}role/co-delivers"), NOTATION, ox.Literal("CD")))
    names = _names(quads)
    assert len(names) == 5_002
    assert names.get(f"{ID}role/co-delivers") == {"en": "co-delivers", "zh": "共同交付", "notation": "CD"}
    assert names.name(f"{ID}area/filler-04999", "zh") == "填充 4999"


def test_only_labelled_entities_of_the_services_namespace_are_kept():
    outside = ox.NamedNode("http://example.org/id/thing")
    unlabelled = ox.NamedNode(f"{ID}org/NOLABEL")
    names = _names(
        [
            ox.Quad(outside, PREF, ox.Literal("Outside", language="en")),
            ox.Quad(unlabelled, NOTATION, ox.Literal("NL")),
            *_labelled(f"{ID}org/UNFPA", "United Nations Population Fund"),
        ]
    )
    assert outside.value not in names
    assert unlabelled.value not in names
    assert names.get(f"{ID}org/UNFPA") == {"en": "United Nations Population Fund"}
    assert names.get("not an iri at all") is None
    assert names.name("not an iri at all", "en") == ""


def test_a_name_falls_back_to_the_other_language():
    names = _names(_labelled(f"{ID}theme/youth", "Youth") + _labelled(f"{ID}theme/girls", None, "女童"))
    assert names.name(f"{ID}theme/youth", "zh") == "Youth"
    assert names.name(f"{ID}theme/girls", "en") == "女童"


def test_enumerated_values_are_named_from_the_map_in_the_pages_language():
    names = _names(_labelled(f"{ID}role/co-delivers", "co-delivers", "共同交付") + _labelled(f"{ID}theme/youth", "Youth"))
    role = next(p for p in CATALOG.get("collaborations-by-role").params if p.name == "role")
    theme = next(p for p in CATALOG.get("interventions-by-theme").params if p.name == "theme")
    assert enum_labels(role, "en", names) == {"co-delivers": "co-delivers"}  # the other roles have no label in this graph
    assert enum_labels(role, "zh", names) == {"co-delivers": "共同交付"}
    assert enum_labels(theme, "zh", names) == {"youth": "Youth"}
