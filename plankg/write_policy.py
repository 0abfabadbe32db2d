"""Which writes a token may make: decided on the proposed change, before it is validated.

Validation cannot be the only gate: a write that removes the ontology, the plan
and the registry leaves nothing for the shapes to check, so it conforms. The
rules here look at *what the change removes*, not at what remains:

- ``<base>graph/changes`` (the change log) is the service's own: nobody writes it.
- The built graphs (``graph/ontology``, ``graph/plan``, ``graph/registry``, what
  ``plankg build`` writes from the source) are read-only to stewards. An admin
  may change them.
- A **destructive** write needs the ``admin`` role *and* the confirmation
  ``confirm=<what it removes>``: a graph that had triples and has none after
  (DELETE, a PUT or an update that empties it, DROP/CLEAR), a PUT that
  replaces a built graph, or a write removing more than half of the data
  (the change log not counted). The value to confirm is the graph's IRI
  (``default`` for the default graph) when the removal lies in one graph, and
  ``all`` when it spans several. A confirmation names what goes, so a script
  that confirms one graph cannot empty another by mistake, and ``all`` is not
  accepted for one graph.

A steward asking for a destructive write gets 403 (``Forbidden``); an admin
without the right confirmation gets 428 (``ConfirmationRequired``) whose
detail says which ``confirm=`` to send. Nothing is changed either way.

``check`` reads the store only through ``sizes(graph, cap)``: the triples in
a graph (``None``: the default graph; ``DATA``: every graph but the change
log), counted no further than ``cap``. So it works on any store and in any
process, and a small edit of a large graph costs a count of a few triples,
not of the graph.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from plankg.errors import ConfirmationRequired, Forbidden
from plankg.namespaces import BUILT_GRAPHS, GRAPH_CHANGES, Namespaces
from plankg.settings import ADMIN, STEWARD
from plankg.store.changes import GraphKey, graph_key

if TYPE_CHECKING:
    from plankg.writes import Change

DATA = "urn:plankg:data"  # not a graph: ``sizes(DATA, cap)`` counts the triples of every graph but the change log
CONFIRM_ALL = "all"
CONFIRM_DEFAULT = "default"

Sizes = Callable[[GraphKey, int], int]  # (graph or DATA, cap) -> min(triples, cap)

__all__ = ["CONFIRM_ALL", "CONFIRM_DEFAULT", "DATA", "check", "confirm_value", "destructive_targets"]


def check(change: Change, *, role: str = STEWARD, confirm: str | None = None, ns: Namespaces, sizes: Sizes) -> None:
    """Raise ``Forbidden`` / ``ConfirmationRequired`` when ``role`` may not make ``change`` as confirmed."""
    touched = _graphs_of(change)
    changes_graph = ns.graph(GRAPH_CHANGES)
    if changes_graph in touched:
        raise Forbidden(f"<{changes_graph}> is the change log; only the service writes it.")
    built = [g for g in sorted(touched, key=_order) if g in {ns.graph(name) for name in BUILT_GRAPHS}]
    if built and role != ADMIN:
        raise Forbidden(
            f"{_names(built)} {'is' if len(built) == 1 else 'are'} built from the source by plankg build and "
            f"read-only to stewards; write to a graph of your own under <{ns.graph('')}>, or ask an admin."
        )
    targets, why = destructive_targets(change, ns=ns, sizes=sizes)
    if not targets:
        return
    expected = confirm_value(targets)
    if role != ADMIN:
        raise Forbidden(f"This write {why}; only an admin may do that (with ?confirm={expected}).")
    if confirm != expected:
        shown = confirm if confirm is None or len(confirm) <= 80 else confirm[:79] + "…"
        given = "" if confirm is None else f" (confirm={shown!r} does not name it)"
        asked = ConfirmationRequired(
            f"This write {why}. To do it, send it again with the query parameter confirm={expected}{given}; nothing was changed."
        )
        # for callers that ask in their own words (plankg load --force)
        asked.reason, asked.expected = why, expected  # type: ignore[attr-defined]
        raise asked


def destructive_targets(change: Change, *, ns: Namespaces, sizes: Sizes) -> tuple[list[GraphKey], str]:
    """The graphs a change destroys, and why in words; ([], "") when it destroys nothing."""
    removed = Counter(graph_key(q) for q in change.removed)
    added = Counter(graph_key(q) for q in change.added)
    if not removed and not change.drop_graphs and not change.replaced:
        return [], ""
    built = {ns.graph(name) for name in BUILT_GRAPHS}
    emptied = [
        g
        for g in sorted(set(removed) | set(change.drop_graphs), key=_order)
        if not added[g] and removed[g] and sizes(g, removed[g] + 1) <= removed[g]
    ]
    replaced: list[GraphKey] = [g for g in change.replaced if g in built and g not in emptied and change.existed.get(g, True)]
    total = sum(removed.values())
    if total:
        data = sizes(DATA, 2 * total + 1)
        if 2 * total > data:
            graphs = sorted(removed, key=_order)
            return graphs, f"removes {total} of the {data} triples of the data, more than half ({_names(graphs)})"
    if emptied and replaced:
        targets = sorted({*emptied, *replaced}, key=_order)
        return targets, f"removes {_names(emptied)} and replaces {_names(replaced)}"
    if emptied:
        return emptied, f"removes {_names(emptied)} and every triple in {'it' if len(emptied) == 1 else 'them'}"
    if replaced:
        return replaced, f"replaces {_names(replaced)}, built from the source, as a whole"
    return [], ""


def confirm_value(targets: list[GraphKey]) -> str:
    """What ``confirm=`` must say for these graphs: the one graph's IRI (or ``default``), else ``all``."""
    if len(targets) == 1:
        return CONFIRM_DEFAULT if targets[0] is None else str(targets[0])
    return CONFIRM_ALL


def _graphs_of(change: Change) -> set[GraphKey]:
    return {graph_key(q) for q in (*change.removed, *change.added)} | set(change.drop_graphs) | set(change.graphs)


def _names(graphs: Sequence[GraphKey]) -> str:
    return ", ".join("the default graph" if g is None else f"<{g}>" for g in graphs)


def _order(key: GraphKey) -> tuple[bool, str]:
    return (key is not None, key or "")
