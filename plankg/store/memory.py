"""A throw-away in-memory pyoxigraph store over a list of triples, for one computation.

The SHACL engine (``plankg.shacl``) asks its SPARQL constraints here: the data it
validates is a list of triples, not the service's store, and it lives as long as
one validation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pyoxigraph as ox


def report_bnode_label(value: str) -> str:
    """The label a blank node gets in a validation report graph.

    pyoxigraph accepts only [A-Za-z0-9_-]-ish labels; rdflib's are of that kind but
    may start with a digit or carry other characters when parsed from files. Both
    SHACL engines name the data's and the shapes' blank nodes this way, so a report
    does not depend on which engine wrote it.
    """
    return "b" + "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in value)


class ScratchGraph:
    """Quads in an in-memory store, loaded on the first query, queried as one graph.

    ``load`` returns the quads (any graph) or triples (read as default-graph quads);
    it is called only if a query comes. Queries see the union of all graphs as their
    default graph, and the union keeps a triple found in two graphs twice: the
    caller hands over quads without such repeats.
    """

    def __init__(self, load: Callable[[], Iterable[ox.Quad | ox.Triple]]) -> None:
        self._load = load
        self._store: ox.Store | None = None

    def select(
        self,
        sparql: str,
        substitutions: Mapping[str, object] | None = None,
        functions: Mapping[str, Callable] | None = None,
    ) -> tuple[list[str], list[list]]:
        """(variable names, rows): each row has one term or None per variable.

        ``substitutions`` pre-bind variables (SEP-0007): every occurrence, the
        projection included, stands for the given term. ``functions``: extension
        functions by IRI, each taking and returning pyoxigraph terms.
        """
        if self._store is None:
            store = ox.Store()
            store.extend([q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object) for q in self._load()])
            self._store = store
        bound = {ox.Variable(name): term for name, term in (substitutions or {}).items()}
        custom = {ox.NamedNode(iri): f for iri, f in (functions or {}).items()} or None
        solutions = self._store.query(sparql, substitutions=bound, custom_functions=custom, use_default_graph_as_union=True)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError("not a SELECT query")
        names = [v.value for v in solutions.variables]
        return names, [[solution[i] for i in range(len(names))] for solution in solutions]
