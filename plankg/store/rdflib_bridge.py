"""pyoxigraph terms <-> rdflib graphs, for libraries (pySHACL) that only read rdflib.

Terms are converted one by one with a cache rather than by serializing and
re-parsing: most IRIs and literals repeat (types, predicates, labels), and a
Turtle round trip costs several times more than the validation it feeds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import contextmanager
from functools import lru_cache

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from plankg.errors import FeatureDisabled
from plankg.store.memory import report_bnode_label

RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class LocalQueryGraph(Graph):
    """An rdflib graph whose SPARQL is parsed once per text and never leaves the machine.

    pySHACL sends the text of a SPARQL constraint once per focus node, and rdflib's
    parser costs 0.05-0.25 s per query, which made parsing, not evaluating, most of the
    validation time. Shapes may come from a user (``POST /validate``), so a query that
    would fetch data (SERVICE, or FROM / FROM NAMED, which rdflib loads from the web)
    is refused before it runs.
    """

    def __init__(self) -> None:
        super().__init__(bind_namespaces="none")

    def query(self, query_object, *args, initNs=None, **kwargs):  # noqa: N803 - rdflib's name
        if isinstance(query_object, str):
            query_object = _prepared(query_object, tuple(sorted((initNs or {}).items())))
        elif isinstance(query_object, Query):
            _refuse_remote(query_object)
        return super().query(query_object, *args, **kwargs)


@lru_cache(maxsize=256)
def _prepared(text: str, namespaces: tuple) -> Query:
    # A memo of parsed queries, shared by every validation in the process: the project's
    # shapes have a handful of SPARQL constraints and parsing them is the slow part.
    prepared = prepareQuery(text, initNs=dict(namespaces))
    _refuse_remote(prepared)
    return prepared


def _refuse_remote(query: Query) -> None:
    algebra = query.algebra
    if getattr(algebra, "datasetClause", None):
        raise FeatureDisabled("SPARQL in shapes may not name datasets (FROM / FROM NAMED).")
    stack = [algebra]
    while stack:
        node = stack.pop()
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise FeatureDisabled("SPARQL in shapes may not use SERVICE.")
        if isinstance(node, dict):
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))


def to_rdflib_graph(quads: Iterable[ox.Quad | ox.Triple]) -> LocalQueryGraph:
    """One rdflib graph holding the triples of all the quads (graph names dropped).

    SHACL validates a single data graph; the union is what every query sees too.
    Literals keep their lexical form: rdflib is not asked to normalize values, so
    an ill-typed literal ("12a"^^xsd:integer) still reaches the validator as written.
    """
    cache: dict[object, Node] = {}
    graph = LocalQueryGraph()
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
        made = ox.BlankNode(report_bnode_label(str(term)))
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
