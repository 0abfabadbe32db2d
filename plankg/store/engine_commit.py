"""How a validated write reaches a shared SPARQL engine: one update, one operation, guarded by a version.

Several plankg front-ends may write to one engine. Each write is committed by
ONE SPARQL Update request holding ONE ``DELETE {…} INSERT {…} WHERE {…}``
operation, because a request of several operations is not atomic on every
engine (Virtuoso keeps the first operations of a request whose later one
fails). The WHERE holds only when the engine's data version (a literal in the
metadata graph ``<base>meta/state``, outside the graphs readers see) is still
the one the write was prepared against; the same operation replaces it with a
fresh token. So a write prepared against data another front-end has changed
since matches nothing, changes nothing, and is answered 409.

Why the shape of the operation:

* Small writes put their quads in the templates (one WHERE solution, so blank
  nodes in the INSERT template are made once).
* Large ones (Virtuoso's SPARQL compiler refuses templates of a few thousand
  triples) are first copied into staging graphs under ``<base>meta/stage/``,
  which no reader sees, in as many requests as needed; the one operation then
  copies them by pattern (``GRAPH <stage> { ?s ?p ?o }``), which keeps blank
  nodes as they are. A front-end that dies while staging leaves an unused
  staging graph, never half a write.
* Emptied graphs are matched by pattern in the same WHERE (a UNION branch per
  kind of work), so "drop then insert" is one operation too.

What the version check guarantees depends on the engine's isolation:
Virtuoso with ``DefaultIsolation = 8`` (serializable) locks what the WHERE read,
so of two simultaneous writes against one version one fails (deadlock, which
this module reports as the conflict). ``oxigraph serve`` runs updates under
snapshot isolation without write-conflict detection: two writes started within
the same few milliseconds can both pass the check. Both are then in the engine
(no write overwrites the other: each removes only quads it read), the version
holds two tokens (a fork), and the next write or ``RemoteStore.begin_write``
folds them into one and logs the fact.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

STATE = "meta/state"  # under the base IRI: the data version's graph and subject
STAGE = "meta/stage/"
VERSION_PREDICATE = "dataVersion"  # in the pk: namespace
INLINE_LIMIT = 500  # quads a write may carry in its templates (Virtuoso compiles ~5,000 at most)


@dataclass(frozen=True)
class Places:
    """The IRIs a store writes its bookkeeping to."""

    state: ox.NamedNode  # the graph and subject of the version
    version: ox.NamedNode  # its predicate
    stage_prefix: str
    graph_prefix: str  # plankg's graphs: what drop_all empties

    @classmethod
    def under(cls, base: str, pk: str, graph_prefix: str) -> Places:
        return cls(ox.NamedNode(base + STATE), ox.NamedNode(pk + VERSION_PREDICATE), base + STAGE, graph_prefix)

    def new_stage(self) -> str:
        return f"{self.stage_prefix}{uuid.uuid4().hex}/"


def new_token(previous: Sequence[str]) -> str:
    """A version token: a counter (for people reading it) and a random part (unique per write)."""
    counts = [int(t.split("-", 1)[0]) for t in previous if t.split("-", 1)[0].isdigit()]
    return f"{max(counts, default=0) + 1}-{uuid.uuid4().hex[:16]}"


def condition(places: Places, expected: Sequence[str]) -> str:
    """The WHERE part that holds only while the version is ``expected`` (no version yet: empty)."""
    state = places.state
    if not expected:
        return f"FILTER NOT EXISTS {{ GRAPH {state} {{ {state} {places.version} ?anyVersion }} }}"
    return " ".join(f"GRAPH {state} {{ {state} {places.version} {ox.Literal(t)} }}" for t in expected)


def has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def commit_operation(
    places: Places,
    expected: Sequence[str],
    token: str,
    *,
    removed: Sequence[ox.Quad] = (),
    added: Sequence[ox.Quad] = (),
    drop_graphs: Iterable[str] = (),
    drop_all: bool = False,
    staged_removed: dict[str, str] | None = None,
    staged_added: dict[str, str] | None = None,
) -> str:
    """The one operation: empty graphs, remove, add, move the version from ``expected`` to ``token``.

    ``removed`` / ``added`` go into the templates (ground quads; blank nodes
    only in ``added``, and only when the WHERE has a single solution);
    ``staged_*`` map a target graph to the staging graph that holds its quads.
    """
    staged_removed = staged_removed or {}
    staged_added = staged_added or {}
    drops = sorted(set(drop_graphs))
    state, version = places.state, places.version
    delete = [f"GRAPH {state} {{ {state} {version} {ox.Literal(t)} }}" for t in expected]
    insert = [f"GRAPH {state} {{ {state} {version} {ox.Literal(token)} }}"]
    delete += [_quad(q) for q in removed]
    insert += [_quad(q) for q in added]
    branches: list[str] = []
    if drops or drop_all:
        delete.append("GRAPH ?dropG { ?dropS ?dropP ?dropO }")
        if drop_all:
            prefix = ox.Literal(places.graph_prefix)
            branches.append(f"GRAPH ?dropG {{ ?dropS ?dropP ?dropO }} FILTER(STRSTARTS(STR(?dropG), {prefix}))")
        else:
            values = " ".join(str(ox.NamedNode(g)) for g in drops)
            branches.append(f"VALUES ?dropG {{ {values} }} GRAPH ?dropG {{ ?dropS ?dropP ?dropO }}")
    for n, (target, stage) in enumerate(sorted(staged_removed.items())):
        delete.append(f"GRAPH {ox.NamedNode(target)} {{ ?delS{n} ?delP{n} ?delO{n} }}")
        branches.append(f"GRAPH {ox.NamedNode(stage)} {{ ?delS{n} ?delP{n} ?delO{n} }}")
    for n, (target, stage) in enumerate(sorted(staged_added.items())):
        insert.append(f"GRAPH {ox.NamedNode(target)} {{ ?addS{n} ?addP{n} ?addO{n} }}")
        branches.append(f"GRAPH {ox.NamedNode(stage)} {{ ?addS{n} ?addP{n} ?addO{n} }}")
    if branches:
        # one solution without any branch's variables too, so the constant templates are written
        # even when every staged graph and dropped graph is empty
        where = condition(places, expected) + " { " + " } UNION { ".join(["BIND(1 AS ?plankgOnce)", *branches]) + " }"
    else:
        where = condition(places, expected)
    return "DELETE {\n" + "\n".join(delete) + "\n} INSERT {\n" + "\n".join(insert) + "\n} WHERE { " + where + " }"


def _quad(quad: ox.Quad) -> str:
    return f"GRAPH {quad.graph_name} {{ {quad.triple} }}"
