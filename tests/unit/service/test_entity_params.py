"""service.entity_params: the names of a parameter's enumerated values, on a graph too large for entity-labels."""

from __future__ import annotations

import pyoxigraph as ox

from plankg.catalog import Catalog
from plankg.settings import Settings
from plankg.store.embedded import EmbeddedStore
from service.context import AppContext
from service.entity_params import enum_labels, labels
from service.executor import QueryExecutor

from own_loop import run_in_own_loop

ID = "http://127.0.0.1:8000/id/"
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CONCEPT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")


def _ctx(quads: list[ox.Quad]) -> AppContext:
    settings = Settings()
    mem = ox.Store()
    mem.extend(quads)
    store = EmbeddedStore.over(mem)
    return AppContext(settings=settings, ns=None, store=store, catalog=Catalog.load(settings), executor=QueryExecutor(store, settings))  # type: ignore[arg-type]


def _labelled(iri: str, en: str, zh: str) -> list[ox.Quad]:
    node = ox.NamedNode(iri)
    return [ox.Quad(node, TYPE, CONCEPT), ox.Quad(node, PREF, ox.Literal(en, language="en")), ox.Quad(node, PREF, ox.Literal(zh, language="zh"))]


def test_roles_are_named_when_more_entities_sort_before_them_than_entity_labels_answers():
    quads = [q for n in range(5_001) for q in _labelled(f"{ID}area/filler-{n:05d}", f"filler {n}", f"填充 {n}")]
    quads += _labelled(f"{ID}role/co-delivers", "co-delivers", "共同交付")
    ctx = _ctx(quads)
    role = next(p for p in ctx.catalog.get("collaborations-by-role").params if p.name == "role")

    async def both() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
        return await labels(ctx, "en"), await enum_labels(ctx, role, "en"), await enum_labels(ctx, role, "zh")

    every, english, chinese = run_in_own_loop(both())
    assert f"{ID}role/co-delivers" not in every  # entity-labels is full of the fillers
    assert english == {"co-delivers": "co-delivers"}  # the other roles have no label in this graph
    assert chinese == {"co-delivers": "共同交付"}


def test_a_value_with_only_an_english_label_is_named_in_english_on_a_chinese_page():
    node = ox.NamedNode(f"{ID}theme/youth")
    ctx = _ctx([ox.Quad(node, TYPE, CONCEPT), ox.Quad(node, PREF, ox.Literal("Youth", language="en"))])
    theme = next(p for p in ctx.catalog.get("interventions-by-theme").params if p.name == "theme")
    assert run_in_own_loop(enum_labels(ctx, theme, "zh")) == {"youth": "Youth"}
