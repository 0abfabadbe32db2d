"""How a validated write reaches a shared SPARQL engine: one update, one operation, guarded by a version.

Several plankg front-ends may write to one engine. Each write's data is
committed by ONE SPARQL Update request holding ONE ``DELETE {…} INSERT {…}
WHERE {…}`` operation, because a request of several operations is not atomic
on every engine (Virtuoso keeps the first operations of a request whose later
one fails). The engine holds a data version (a literal in the metadata graph
``<base>meta/state``, outside the graphs readers see). A write claims the
version it was prepared against, and commits only under its claim, replacing
the claim with a fresh version in the same operation. So a write prepared
against data another front-end has changed since claims nothing, changes
nothing, and is answered 409.

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

Why a claim comes first: a version check inside one update is not enough on
every engine. ``oxigraph serve`` runs updates under snapshot isolation without
write-conflict detection: of 300 pairs of simultaneous guarded updates against
one version, 188 both passed (Virtuoso with its default read-committed
isolation let 1 in 40 through). So a write first *claims* the version
(``queries/engine/claim.ru``: the version literal is replaced by a claim
literal, if no claim is there), then reads the state back, and goes on only if its claim is
all there is. Each write reads after its own claim has committed, so of two
claims made from one version the later reader sees both and gives up; and a
claim that is gone was replaced by a version literal (a commit or a give-up
writes one), which the later reader sees too. So at most one of them commits,
on every engine whose updates are atomic, whatever its isolation. The commit
(``commit_operation``) is guarded by the claim. A claim left by a front-end
that died is broken once older than the lease (``RemoteStore``); a give-up or
a broken lease can leave two version literals (a fork, harmless: no data went
with it), which the next write folds into one (``fold.ru``).

The fixed statements (version read, claim, release, fold, staging drop) are
files of ``queries/engine/`` (``plankg.store.statements``). The commit is
built here because its shape follows the write (its quads in the templates, a
branch per staged or emptied graph); every term in it is written by
``statements.serialize`` or pyoxigraph's N-Triples serializer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from plankg.store.statements import serialize

STATE = "meta/state"  # under the base IRI: the data version's graph and subject
STAGE = "meta/stage/"
VERSION_PREDICATE = "dataVersion"  # in the pk: namespace
CLAIM_PREDICATE = "writeClaim"
INLINE_LIMIT = 500  # quads a write may carry in its templates (Virtuoso compiles ~5,000 at most)


@dataclass(frozen=True)
class Places:
    """The IRIs a store writes its bookkeeping to."""

    state: ox.NamedNode  # the graph and subject of the version
    version: ox.NamedNode  # its predicate
    claim: ox.NamedNode  # a write's claim on the version
    stage_prefix: str
    graph_prefix: str  # plankg's graphs: what drop_all empties

    @classmethod
    def under(cls, base: str, pk: str, graph_prefix: str) -> Places:
        return cls(ox.NamedNode(base + STATE), ox.NamedNode(pk + VERSION_PREDICATE), ox.NamedNode(pk + CLAIM_PREDICATE), base + STAGE, graph_prefix)

    def fact(self, predicate: ox.NamedNode, value: str) -> str:
        state = serialize(self.state)
        return f"GRAPH {state} {{ {state} {serialize(predicate)} {serialize(ox.Literal(value))} }}"

    def new_stage(self) -> str:
        return f"{self.stage_prefix}{uuid.uuid4().hex}/"


def new_token(previous: Sequence[str]) -> str:
    """A version token: a counter (for people reading it) and a random part (unique per write)."""
    counts = [int(t.split("-", 1)[0]) for t in previous if t.split("-", 1)[0].isdigit()]
    return f"{max(counts, default=0) + 1}-{uuid.uuid4().hex[:16]}"


def has_blank(quad: ox.Quad) -> bool:
    return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)


def commit_operation(
    places: Places,
    claim: str,
    token: str,
    *,
    removed: Sequence[ox.Quad] = (),
    added: Sequence[ox.Quad] = (),
    drop_graphs: Iterable[str] = (),
    drop_all: bool = False,
    staged_removed: dict[str, str] | None = None,
    staged_added: dict[str, str] | None = None,
) -> str:
    """The one operation: empty graphs, remove, add, and turn the ``claim`` into the version ``token``.

    ``removed`` / ``added`` go into the templates (ground quads; blank nodes
    only in ``added``, and only when the WHERE has a single solution);
    ``staged_*`` map a target graph to the staging graph that holds its quads.
    """
    staged_removed = staged_removed or {}
    staged_added = staged_added or {}
    drops = sorted(set(drop_graphs))
    version = places.version
    delete = [places.fact(places.claim, claim)]
    insert = [places.fact(version, token)]
    delete += [_quad(q) for q in removed]
    insert += [_quad(q) for q in added]
    branches: list[str] = []
    if drops or drop_all:
        delete.append("GRAPH ?dropG { ?dropS ?dropP ?dropO }")
        if drop_all:
            prefix = serialize(ox.Literal(places.graph_prefix))
            branches.append(f"GRAPH ?dropG {{ ?dropS ?dropP ?dropO }} FILTER(STRSTARTS(STR(?dropG), {prefix}))")
        else:
            values = " ".join(serialize(ox.NamedNode(g)) for g in drops)
            branches.append(f"VALUES ?dropG {{ {values} }} GRAPH ?dropG {{ ?dropS ?dropP ?dropO }}")
    for n, (target, stage) in enumerate(sorted(staged_removed.items())):
        delete.append(f"GRAPH {serialize(ox.NamedNode(target))} {{ ?delS{n} ?delP{n} ?delO{n} }}")
        branches.append(f"GRAPH {serialize(ox.NamedNode(stage))} {{ ?delS{n} ?delP{n} ?delO{n} }}")
    for n, (target, stage) in enumerate(sorted(staged_added.items())):
        insert.append(f"GRAPH {serialize(ox.NamedNode(target))} {{ ?addS{n} ?addP{n} ?addO{n} }}")
        branches.append(f"GRAPH {serialize(ox.NamedNode(stage))} {{ ?addS{n} ?addP{n} ?addO{n} }}")
    if branches:
        # one solution without any branch's variables too, so the constant templates are written
        # even when every staged graph and dropped graph is empty
        where = places.fact(places.claim, claim) + " { " + " } UNION { ".join(["BIND(1 AS ?plankgOnce)", *branches]) + " }"
    else:
        where = places.fact(places.claim, claim)
    return "DELETE {\n" + "\n".join(delete) + "\n} INSERT {\n" + "\n".join(insert) + "\n} WHERE { " + where + " }"


def _quad(quad: ox.Quad) -> str:
    # the triple by pyoxigraph's N-Triples serializer (blank nodes too, which serialize() refuses)
    return f"GRAPH {serialize(quad.graph_name)} {{ {quad.triple} }}"
