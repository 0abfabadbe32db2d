"""pyoxigraph terms <-> rdflib graphs, for libraries (the SHACL engines) that read or write rdflib.

Terms are converted one by one with a cache rather than by serializing and
re-parsing: most IRIs and literals repeat (types, predicates, labels), and a
Turtle round trip costs several times more than the validation it feeds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib_graph(quads: Iterable[ox.Quad | ox.Triple], graph: Graph | None = None) -> Graph:
    """One rdflib graph holding the triples of all the quads (graph names dropped).

    SHACL validates a single data graph; the union is what every query sees too.
    Literals keep their lexical form: rdflib is not asked to normalize values, so
    an ill-typed literal ("12a"^^xsd:integer) still reaches the validator as written.
    """
    cache: dict[object, Node] = {}
    graph = Graph(bind_namespaces="none") if graph is None else graph
    # The store's own add: Graph.add re-checks every term's type, which took more than half
    # of the conversion time; the terms made here are rdflib nodes by construction.
    store_add = graph.store.add
    with _quiet_literal_warnings():
        for q in quads:
            store_add((_term(q.subject, cache), _term(q.predicate, cache), _term(q.object, cache)), graph, False)
    return graph


@contextmanager
def _quiet_literal_warnings():
    """rdflib logs a traceback for every ill-typed literal; the validator reports them properly."""
    logger = logging.getLogger("rdflib.term")
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def from_rdflib_graph(graph: Graph) -> list[ox.Triple]:
    """The triples of an rdflib graph (a validation report) as pyoxigraph triples."""
    cache: dict[Node, object] = {}
    return [ox.Triple(_back(s, cache), _back(p, cache), _back(o, cache)) for s, p, o in graph]


def _term(term, cache: dict[object, Node]) -> Node:
    found = cache.get(term)
    if found is not None:
        return found
    if isinstance(term, ox.NamedNode):
        made: Node = URIRef(term.value)
    elif isinstance(term, ox.BlankNode):
        made = BNode(term.value)
    elif isinstance(term, ox.Literal):
        if term.language:
            made = Literal(term.value, lang=term.language)
        elif term.datatype.value == XSD_STRING:
            made = Literal(term.value)
        else:
            # normalize=False keeps the lexical form; rdflib would otherwise
            # rewrite "01"^^xsd:integer to "1" and hide what the data says.
            made = Literal(term.value, datatype=URIRef(term.datatype.value), normalize=False)
    else:  # a quoted triple (RDF-star) has no rdflib counterpart that pySHACL reads
        raise TypeError(f"cannot convert {type(term).__name__} to rdflib")
    cache[term] = made
    return made


def _back(term: Node, cache: dict[Node, object]):
    found = cache.get(term)
    if found is not None:
        return found
    if isinstance(term, URIRef):
        made: object = ox.NamedNode(str(term))
    elif isinstance(term, BNode):
        made = ox.BlankNode(blank_node_label(str(term)))
    elif isinstance(term, Literal):
        if term.language:
            made = ox.Literal(str(term), language=term.language)
        elif term.datatype is not None and str(term.datatype) != RDF_LANG_STRING:
            made = ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        else:
            made = ox.Literal(str(term))
    else:
        raise TypeError(f"cannot convert {type(term).__name__} from rdflib")
    cache[term] = made
    return made


def blank_node_label(value: str) -> str:
    """An rdflib blank node's id as a pyoxigraph label.

    pyoxigraph accepts only [A-Za-z0-9_-]-ish labels; rdflib's are of that kind but
    may start with a digit or carry other characters when parsed from files.
    """
    return "b" + "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in value)
