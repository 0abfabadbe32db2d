"""plankg.rdflist.list_items: the members of an RDF list, bounded against lists made to trap it."""

from __future__ import annotations

import pyoxigraph as ox

from plankg.rdflist import RDF_FIRST, RDF_NIL, RDF_REST, list_items


def graph_of(*triples: tuple[ox.Term, str, ox.Term]):
    index: dict[str, dict[str, list]] = {}
    for s, p, o in triples:
        index.setdefault(str(s), {}).setdefault(p, []).append(o)
    return lambda node, predicate: index.get(str(node), {}).get(predicate, [])


A, B, C = ox.BlankNode("a"), ox.BlankNode("b"), ox.BlankNode("c")
NIL = ox.NamedNode(RDF_NIL)
ONE, TWO = ox.Literal("1"), ox.Literal("2")


def test_a_well_formed_list_gives_its_members_in_order():
    objects = graph_of((A, RDF_FIRST, ONE), (A, RDF_REST, B), (B, RDF_FIRST, TWO), (B, RDF_REST, NIL))
    assert list_items(A, objects) == [ONE, TWO]
    assert list_items(NIL, objects) == []


def test_a_cyclic_list_ends_at_the_node_seen_before():
    objects = graph_of((A, RDF_FIRST, ONE), (A, RDF_REST, B), (B, RDF_FIRST, TWO), (B, RDF_REST, A))
    assert list_items(A, objects) == [ONE, TWO]


def test_a_list_without_rest_or_first_ends_there():
    assert list_items(A, graph_of((A, RDF_FIRST, ONE))) == [ONE]
    assert list_items(A, graph_of((A, RDF_FIRST, ONE), (A, RDF_REST, C))) == [ONE]


def test_a_long_list_stops_at_the_limit():
    nodes = [ox.BlankNode(f"n{i}") for i in range(50)]
    triples = [(n, RDF_FIRST, ox.Literal(str(i))) for i, n in enumerate(nodes)]
    triples += [(n, RDF_REST, nxt) for n, nxt in zip(nodes, nodes[1:], strict=False)]
    assert len(list_items(nodes[0], graph_of(*triples), limit=10)) == 10
