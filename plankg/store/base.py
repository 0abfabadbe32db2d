"""The interface every store implements, whatever engine is behind it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from plankg.errors import NotAcceptable, WritesUnsupported
from plankg.store.results import QueryResponse

if TYPE_CHECKING:
    from plankg.store.workers import WorkerOptions, WorkerPool

Term = ox.NamedNode | ox.BlankNode | ox.Literal
# (subject, predicate, object, graph) for Store.quads_matching; None matches anything
Pattern = tuple[
    Term | ox.Triple | None, ox.NamedNode | None, Term | ox.Triple | None, ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None
]


@dataclass(frozen=True)
class QueryRequest:
    """One query for ``Store.query``: its text and what the caller asks of the answer.

    ``formats`` maps the query's kind ("select", "ask", "graph") to the format to
    write; a kind missing from it raises NotAcceptable. ``bindings`` are RDF terms,
    bound by the store (never spliced into the text). ``default_graph_uris`` and
    ``named_graph_uris`` are the protocol's dataset. The answer is cut between rows
    at ``row_cap`` rows or ``max_bytes`` bytes, and says so; ``timeout_s`` stops the
    query. ``base_iri`` resolves the query's relative IRIs (the protocol's endpoint
    IRI); without it a relative IRI is a syntax error. A SELECT's answer starts at row
    ``offset`` (a page of ``row_cap`` rows); ``count_total`` also counts the rows of
    the whole answer, in the same evaluation (``QueryResponse.total``).
    """

    sparql: str
    formats: Mapping[str, str]
    bindings: Mapping[str, Term] | None = None
    default_graph_uris: Sequence[str] | None = None
    named_graph_uris: Sequence[str] | None = None
    timeout_s: float | None = None
    row_cap: int | None = None
    max_bytes: int | None = None
    base_iri: str | None = None
    offset: int = 0
    count_total: bool = False


class Store(ABC):
    """A SPARQL dataset the service reads (and, for stewards, writes).

    Queries see the union of all graphs as their default graph unless
    ``default_graph_uris`` says otherwise, so the named graphs used for
    bookkeeping (ontology, plan, registry) never hide data from a query.
    """

    kind: str = "abstract"

    @abstractmethod
    def query(self, request: QueryRequest) -> QueryResponse:
        """Run a query and serialize its answer (what ``QueryRequest`` says)."""

    async def query_async(self, request: QueryRequest, *, fast_lane: bool = False) -> QueryResponse:
        """``query`` for async callers (the service); by default in a worker thread.

        Stores that can wait without a thread (the embedded store's worker
        processes) override it to spare the event loop a thread hop per query.
        ``fast_lane``: the caller's client may use a reserved worker when the
        others are busy (stores without one ignore it).
        """
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.query, request)

    @abstractmethod
    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term | None]]:
        """Rows of a SELECT for internal callers (pages, build report)."""

    @contextmanager
    def large_reads(self) -> Iterator[Callable[[str], Iterable[dict[str, Term | None]]]]:
        """``select`` for reads of a large part of the data at once (the search index), whose rows
        are read once, in order: a store may hand them out one at a time, and let go of what the
        reads left behind (caches, a heap at its peak) when the block ends. By default ``select``."""
        yield self.select

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

    @abstractmethod
    def holds_graph(self, graph: str) -> bool:
        """Whether the named graph has a triple (``plankg.build.guard_rebuild`` asks of the change log)."""

    @property
    @abstractmethod
    def version(self) -> str:
        """Changes whenever the data changes; used for ETags and caches."""

    def start_query_workers(self, count: int, *, wait: bool = True, options: WorkerOptions | None = None) -> None:  # noqa: B027 - optional
        """Make ``query`` enforce ``timeout_s`` by stopping the query, not just abandoning it.

        The service calls this once at start-up. Stores whose engine enforces
        time limits itself (a remote endpoint) need not do anything. ``wait=False``:
        the store may get ready in the background; a later call with ``wait=True``
        returns once it is (``plankg serve`` overlaps that with importing the app).
        """
        self.__dict__["_worker_options"] = options  # for the sandbox, which such a store still needs

    def sandbox(self) -> WorkerPool:
        """Worker processes for work on untrusted input (``WorkerPool.run_job``).

        This store's engine is elsewhere, so its sandbox holds no data: a job that
        needs the stored graph is handed it. Started on first use.
        """
        pool = self.__dict__.get("_sandbox_pool")
        if pool is None:
            from plankg.store.workers import WorkerPool

            pool = WorkerPool(0, prefixes={}, snapshot=lambda: b"", options=self.__dict__.get("_worker_options"))
            pool.options = pool.options.without_lanes()
            pool.start()
            self.__dict__["_sandbox_pool"] = pool
        return pool

    @property
    def sandbox_has_data(self) -> bool:
        """Whether a sandbox job sees the stored data as its ``store`` argument."""
        return False

    def close(self) -> None:  # noqa: B027 - optional for stores without resources
        pool = self.__dict__.pop("_sandbox_pool", None)
        if pool is not None:
            pool.close()

    # ------------------------------------------------------------ steward writes (plankg.writes)
    def quads_matching(self, patterns: Iterable[Pattern]) -> list[ox.Quad]:
        """Quads matching any of the (subject, predicate, object, graph) patterns; None matches anything.

        The graph may be ``ox.DefaultGraph()``. Stores with indexes answer this
        without reading everything; this fallback reads each graph named.
        """
        out: list[ox.Quad] = []
        for s, p, o, g in patterns:
            if isinstance(g, ox.DefaultGraph):
                pool = [q for q in self.quads() if isinstance(q.graph_name, ox.DefaultGraph)]
            else:
                pool = self.quads(g.value if g is not None else None)
            out += [
                q for q in pool
                if (s is None or q.subject == s) and (p is None or q.predicate == p) and (o is None or q.object == o)
            ]
        return out

    def preview_update(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        using: Sequence[str] = (),
        using_named: Sequence[str] = (),
        union: bool = True,
    ) -> tuple[list[ox.Quad], list[ox.Quad]]:
        """(removed, added) if this SPARQL Update ran now; nothing is changed.

        Each WHERE reads the dataset ``/sparql`` queries (the union of all graphs as its
        default graph) unless the operation says WITH / USING, or ``using`` / ``using_named``
        (the protocol's using-graph-uri / using-named-graph-uri) give it; relative IRIs
        resolve against ``base_iri``.
        """
        raise self._no_writes()

    def check_writable(self) -> None:
        """Raise now, before any work, if this store cannot commit a write."""
        if type(self).apply_changes is Store.apply_changes:
            raise self._no_writes()

    def begin_write(self) -> None:  # noqa: B027 - a store with one writer has nothing to note
        """Called under the write lock before a write's candidate is worked out.

        A store shared with other writers (the remote store) notes the data version
        here; ``apply_changes`` then commits only if the data is still at it.
        """

    def apply_changes(
        self,
        removed: Sequence[ox.Quad],
        added: Sequence[ox.Quad],
        drop_graphs: Sequence[str | None] = (),
        drop_all: bool = False,
    ) -> None:
        """Commit a validated change at once: all of it or, on any failure, nothing.

        ``drop_graphs`` (None: the default graph) are emptied first, ``drop_all``
        empties the dataset; then ``removed`` goes and ``added`` comes. The
        version changes, and no query started after the return sees old data.
        """
        raise self._no_writes()

    def _no_writes(self) -> WritesUnsupported:
        return WritesUnsupported(
            f"The {self.kind} store does not take writes through plankg: a write is validated on a candidate "
            "copy of the data before it is committed, which plankg does for its embedded store only. "
            "Write to the triple store with its own tools, then check it with `plankg validate`."
        )


def pick_format(formats: Mapping[str, str], kind: str) -> str:
    try:
        return formats[kind]
    except KeyError:
        raise NotAcceptable(
            f"None of the acceptable media types can represent a {kind.upper() if kind != 'graph' else 'graph'} result."
        ) from None
