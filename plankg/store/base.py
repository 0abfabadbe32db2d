"""The interface every store implements, whatever engine is behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from plankg.errors import NotAcceptable
from plankg.store.results import QueryResponse

Term = ox.NamedNode | ox.BlankNode | ox.Literal


class Store(ABC):
    """A SPARQL dataset the service reads (and, for stewards, writes).

    Queries see the union of all graphs as their default graph unless
    ``default_graph_uris`` says otherwise, so the named graphs used for
    bookkeeping (ontology, plan, registry) never hide data from a query.
    """

    kind: str = "abstract"

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        formats: Mapping[str, str],
        bindings: Mapping[str, Term] | None = None,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        timeout_s: float | None = None,
        row_cap: int | None = None,
    ) -> QueryResponse:
        """Run a query and serialize its answer.

        ``formats`` maps the query's kind ("select", "ask", "graph") to the
        format to write; a kind missing from it raises NotAcceptable.
        """

    @abstractmethod
    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term | None]]:
        """Rows of a SELECT for internal callers (pages, build report)."""

    @abstractmethod
    def construct(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Triples of a CONSTRUCT or DESCRIBE for internal callers."""

    @abstractmethod
    def replace_dataset(self, quads: Iterable[ox.Quad]) -> None:
        """Replace everything with these quads (the build's load step)."""

    @abstractmethod
    def quads(self, graph: str | None = None) -> list[ox.Quad]:
        """Every quad (or those of one named graph), for dumps and checks."""

    @abstractmethod
    def is_empty(self) -> bool: ...

    @property
    @abstractmethod
    def version(self) -> str:
        """Changes whenever the data changes; used for ETags and caches."""

    def close(self) -> None:  # noqa: B027 - optional for stores without resources
        pass


def pick_format(formats: Mapping[str, str], kind: str) -> str:
    try:
        return formats[kind]
    except KeyError:
        raise NotAcceptable(
            f"None of the acceptable media types can represent a {kind.upper() if kind != 'graph' else 'graph'} result."
        ) from None
