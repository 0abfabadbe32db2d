"""Steward writes on pyoxigraph stores: preview an update on a candidate, commit a change at once.

Why every commit is one ``Store.update`` call: pyoxigraph runs an update in a
single RocksDB transaction, so a process killed half-way leaves the old state
and a returned call has reached the write-ahead log (tests/durability kills a
server in the middle of a 50k-triple write). ``bulk_extend`` is not atomic,
and ``extend`` / ``remove`` are separate transactions. The update text is
written from pyoxigraph's own term serialization (N-Triples syntax, which is
valid SPARQL), never escaped by hand.

Blank nodes: SPARQL cannot name an existing blank node (DELETE DATA refuses
them) and INSERT DATA gives every blank node a fresh label. So a graph in which
a change touches a quad with a blank node is rewritten whole (DROP, then INSERT
DATA of its new content). Disk and replica then hold the same graph up to
blank-node labels, and no later change ever has to name those labels.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import pyoxigraph as ox

from plankg.errors import BadRequest, StoreUnavailable
from plankg.sparqltext import update_graphs

log = logging.getLogger("plankg.store.changes")

GraphKey = str | None  # a named graph's IRI, or None for the default graph


def graph_key(q: ox.Quad) -> GraphKey:
    return q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None


def graph_node(key: GraphKey) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(key) if key is not None else ox.DefaultGraph()


def has_blank_node(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


def change_update(
    current: ox.Store,
    removed: Sequence[ox.Quad],
    added: Sequence[ox.Quad],
    drop_graphs: Iterable[GraphKey] = (),
    drop_all: bool = False,
) -> str | None:
    """The one SPARQL Update that turns ``current`` into ``current - removed + added``.

    ``drop_graphs`` are emptied first (``removed`` then need not list their
    quads); ``drop_all`` empties the whole dataset. None when nothing changes.
    """
    dropped = set(drop_graphs)
    rewritten = _rewritten_graphs(current, removed, added) - dropped
    operations: list[str] = []
    if drop_all:
        operations.append("DROP SILENT ALL")
        dropped = set()
        rewritten = set()
    for key in sorted(dropped | rewritten, key=lambda k: k or ""):
        operations.append("DROP SILENT DEFAULT" if key is None else f"DROP SILENT GRAPH {ox.NamedNode(key)}")
    untouched = dropped | rewritten
    deletions = [q for q in removed if not drop_all and graph_key(q) not in untouched]
    insertions = [q for q in added if graph_key(q) not in rewritten]
    if rewritten:
        gone = set(removed)
        for key in rewritten:
            insertions += [q for q in current.quads_for_pattern(None, None, None, graph_node(key)) if q not in gone]
            insertions += [q for q in added if graph_key(q) == key]
    if deletions:
        operations.append("DELETE DATA {\n" + _data_block(deletions) + "\n}")
    if insertions:
        operations.append("INSERT DATA {\n" + _data_block(insertions) + "\n}")
    return " ;\n".join(operations) if operations else None


def _rewritten_graphs(current: ox.Store, removed: Sequence[ox.Quad], added: Sequence[ox.Quad]) -> set[GraphKey]:
    """Graphs to rewrite: those where a changed quad has a blank node, and every graph that
    shares a blank node with one of them (a blank node is one node across the dataset, and
    rewriting a graph relabels all of its blank nodes)."""
    gone = set(removed)
    graphs = {graph_key(q) for q in (*removed, *added) if has_blank_node(q)}
    pending = list(graphs)
    seen_blanks: set[ox.BlankNode] = set()
    while pending:
        key = pending.pop()
        quads = [q for q in current.quads_for_pattern(None, None, None, graph_node(key)) if q not in gone]
        quads += [q for q in added if graph_key(q) == key]
        blanks = {t for q in quads for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)} - seen_blanks
        seen_blanks |= blanks
        for blank in blanks:
            sharing = list(current.quads_for_pattern(blank, None, None, None)) + list(current.quads_for_pattern(None, None, blank, None))
            sharing += [q for q in added if blank in (q.subject, q.object)]
            for q in sharing:
                if q not in gone and graph_key(q) not in graphs:
                    graphs.add(graph_key(q))
                    pending.append(graph_key(q))
    return graphs


def _data_block(quads: Iterable[ox.Quad]) -> str:
    by_graph: dict[GraphKey, list[str]] = defaultdict(list)
    for q in quads:
        by_graph[graph_key(q)].append(f"{q.subject} {q.predicate} {q.object} .")
    blocks = []
    for key in sorted(by_graph, key=lambda k: (k is not None, k or "")):
        lines = "\n".join(by_graph[key])
        blocks.append(lines if key is None else f"GRAPH {ox.NamedNode(key)} {{\n{lines}\n}}")
    return "\n".join(blocks)


def commit(
    disk: ox.Store | None,
    mem: ox.Store | None,
    removed: Sequence[ox.Quad],
    added: Sequence[ox.Quad],
    drop_graphs: Iterable[GraphKey] = (),
    drop_all: bool = False,
    reopen: Callable[[], ox.Store] | None = None,
    applied: Callable[[str], None] | None = None,
) -> ox.Store | None:
    """Disk first (one transaction, flushed), then the data in memory (``mem``) if there is
    one; returns the in-memory store to use (None without one).

    ``applied`` gets the update once it is in (the disk's, or ``mem``'s in place), so that
    the query side can take the same change (an in-memory store reloaded from disk instead
    is a new store: the caller sees that by its identity).

    A failure on disk changes nothing. ``mem`` takes the same update; should that fail
    after the disk took it, it is reloaded from disk, so what queries see never differs
    from what a restart would load.

    After a write has failed (a full disk), RocksDB refuses every later write
    until the store is opened again, so the service would stay read-only until
    a restart. ``reopen`` drops the store and opens it again (raising
    ``StoreUnavailable`` while the disk still refuses); the reopened store has
    replayed its write-ahead log, and ``_landed`` tells from it whether the
    change got in: a flush can fail after the transaction committed. When it
    cannot tell, the ``StoreUnavailable`` raised says ``unsure`` (and carries
    the disk's data as ``replica`` when there is ``mem``).
    """
    drop_graphs = tuple(drop_graphs)
    current = mem if mem is not None else disk
    assert current is not None
    text = change_update(current, removed, added, drop_graphs, drop_all)
    if text is None:
        return mem
    if disk is not None:
        # what tells the change apart on disk, read before it (no copy of the old state is kept)
        evidence = _evidence(current, removed, added, drop_graphs, drop_all)
        step = "update"
        failed = False
        try:
            disk.update(text)
            step = "flush"
            # the WAL already survives a killed process; flushing also writes the SST
            # files and syncs them, so an acknowledged write survives a power cut too
            disk.flush()
        except STORE_ERRORS as exc:
            log.error("commit to disk failed at the %s: %s", step, str(exc))  # not exc: a kept log record would keep the handle
            failed = True
        if failed:
            # out of the except block: its traceback would keep the failed handle, and its
            # directory lock, alive through the reopen
            disk = current = None
            if reopen is None:
                raise StoreUnavailable("The change could not be saved; nothing was changed.")
            disk = _reopened(reopen, step)
            landed = _landed(disk, *evidence)
            if landed is False:
                raise StoreUnavailable(
                    "The change could not be saved: the store's disk refused it (is it full?); nothing was changed. "
                    "The store was reopened, so the next write is tried afresh."
                )
            if landed is None:
                unsure = StoreUnavailable(
                    "The change may or may not have been saved: the disk refused part of it. The data now shows what the store holds."
                )
                unsure.unsure = True  # type: ignore[attr-defined]
                if mem is not None:
                    unsure.replica = replica_of(disk)  # type: ignore[attr-defined]
                raise unsure
            log.warning("the change was in the store's log after all; reopened, the store holds it")
        if mem is None:
            if applied is not None:
                applied(text)
            return None
    assert mem is not None
    try:
        mem.update(text)
    except (OSError, ValueError, SyntaxError, RuntimeError) as exc:
        if disk is None:
            raise StoreUnavailable("The change could not be applied; nothing was changed.") from None
        log.error("the in-memory replica did not take a committed change (%s); reloading it from disk", exc)
        return replica_of(disk)
    if applied is not None:
        applied(text)
    return mem


STORE_ERRORS = (OSError, ValueError, SyntaxError, RuntimeError)


def _reopened(reopen: Callable[[], ox.Store], step: str) -> ox.Store:
    try:
        return reopen()
    except StoreUnavailable:
        if step == "update":
            why = "The change could not be saved: the store's disk refused it (is it full?); nothing was changed."
        else:
            why = "The change reached the store's log, but the disk refused the rest (is it full?): it shows once the store can be reopened."
        raise StoreUnavailable(why + " Writes resume by themselves once the disk has space.") from None
_MARKERS = 64  # the change is one transaction: any quad it adds or removes tells whether it is in


def _evidence(
    before: ox.Store, removed: Sequence[ox.Quad], added: Sequence[ox.Quad], drop_graphs: tuple[GraphKey, ...], drop_all: bool
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(quads the change adds, quads it removes), read from the store before it: what ``_landed`` looks for.

    Only quads without blank nodes are evidence (the disk relabels blank nodes).
    """
    incoming = set(added)
    new = [q for q in added if not has_blank_node(q) and q not in before][:_MARKERS]
    leaving: list[ox.Quad] = [q for q in removed if q not in incoming and not has_blank_node(q)][:_MARKERS]
    patterns = [(None, None, None, None)] if drop_all else [(None, None, None, graph_node(g)) for g in drop_graphs]
    for pattern in patterns:
        for q in before.quads_for_pattern(*pattern):
            if len(leaving) >= 2 * _MARKERS:
                break
            if q not in incoming and not has_blank_node(q):
                leaving.append(q)
    return new, leaving


def _landed(disk: ox.Store, new: list[ox.Quad], leaving: list[ox.Quad]) -> bool | None:
    """Whether ``disk`` holds the change (True), the data before it (False), or cannot tell (None)."""
    if not new and not leaving:
        return None
    if all(q in disk for q in new) and not any(q in disk for q in leaving):
        return True
    if not any(q in disk for q in new) and all(q in disk for q in leaving):
        return False
    return None


def replica_of(disk: ox.Store) -> ox.Store:
    mem = ox.Store()
    mem.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return mem


# the store's default graph, copied under this name while an operation's WHERE reads the union
UNION_DEFAULT = "urn:plankg:update:default-graph"


def preview_update(
    mem: ox.Store,
    sparql: str,
    syntax_error,
    *,
    base_iri: str | None = None,
    using: Sequence[str] = (),
    using_named: Sequence[str] = (),
    union: bool = True,
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(removed, added) if ``sparql`` ran now; it runs on a candidate copy, ``mem`` is not touched.

    The dataset of each operation's WHERE is the one ``/sparql`` queries: with
    ``union``, its default graph is the union of the store's default graph and
    every named graph, and ``GRAPH ?g`` ranges over the named graphs; an
    operation that says WITH or USING itself keeps what it says. ``using`` /
    ``using_named`` (the protocol's ``using-graph-uri`` / ``using-named-graph-uri``)
    are the dataset of every WHERE instead. Templates are not affected: a
    triple without GRAPH is inserted into (deleted from) the store's default graph.
    pyoxigraph has no dataset argument for updates, so the dataset is written into
    each operation as USING / USING NAMED clauses, the store's default graph (which
    has no name) as a copy under ``UNION_DEFAULT``, and operations run one after the
    other, each seeing the graphs the ones before it made.

    The copy holds the default graph and the graphs the update names, the only
    ones it can read or write (``sparqltext.update_graphs``); everything when
    it may reach further (``GRAPH ?g``, ``DROP ALL``, a WHERE on the union). Its cost
    grows with those graphs (about 0.1 s per 10k quads): pyoxigraph has neither a
    copy-on-write store nor a way to roll an update back.
    """
    from plankg.sparqltext import update_operations

    try:
        # the syntax first, on the text as sent: positions in errors are the client's
        ox.Store().update(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise syntax_error(exc, sparql, base_iri) from None
    except (OSError, ValueError, RuntimeError):
        pass  # run on no data; what counts is the run below
    operations = update_operations(sparql)
    rewrite = bool(using or using_named) or (union and any(op.reads and not op.dataset for op in operations))
    named = update_graphs(sparql)
    if named is not None and rewrite:
        named = None if union and not (using or using_named) else named | set(using) | set(using_named)
    if named is None:
        patterns: list[tuple] = [(None, None, None, None)]
    else:
        patterns = [(None, None, None, ox.DefaultGraph())] + [(None, None, None, ox.NamedNode(g)) for g in sorted(named)]
    before = [q for pattern in patterns for q in mem.quads_for_pattern(*pattern)]
    candidate = ox.Store()
    candidate.bulk_extend(before)
    union_node = ox.NamedNode(UNION_DEFAULT)
    try:
        if not rewrite:
            candidate.update(sparql, base_iri=base_iri)
        for op in operations if rewrite else ():
            if not op.reads or (op.dataset and not (using or using_named)):
                candidate.update(op.prologue + op.text, base_iri=base_iri)
                continue
            if using or using_named:
                candidate.update(op.with_dataset(list(using), list(using_named)), base_iri=base_iri)
                continue
            graphs = sorted(g.value for g in candidate.named_graphs() if isinstance(g, ox.NamedNode))
            default = [ox.Quad(q.subject, q.predicate, q.object, union_node) for q in candidate.quads_for_pattern(None, None, None, ox.DefaultGraph())]
            candidate.bulk_extend(default)
            try:
                candidate.update(op.with_dataset([UNION_DEFAULT, *graphs], graphs), base_iri=base_iri)
            finally:
                if candidate.contains_named_graph(union_node):
                    candidate.remove_graph(union_node)
    except SyntaxError as exc:
        raise syntax_error(exc, sparql, base_iri) from None
    except (OSError, ValueError, RuntimeError) as exc:
        # pyoxigraph's own message names the graph or value at fault ("The graph <…> does not exist")
        raise BadRequest(f"The update could not be run: {exc}") from None
    removed = [q for q in before if q not in candidate]
    added = [q for q in candidate.quads_for_pattern(None, None, None, None) if q not in mem]
    if named is not None and any(graph_key(q) not in named and graph_key(q) is not None for q in added):
        raise BadRequest("The update writes to a graph it does not name; name every graph it writes.")
    return sorted(removed, key=str), sorted(added, key=str)
