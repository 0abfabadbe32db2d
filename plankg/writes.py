"""The write pipeline: candidate -> validate -> commit -> record.

Every steward write (Graph Store PUT/POST/DELETE, SPARQL Update, ``plankg load``)
goes through ``WritePipeline``, one at a time (a lock from the candidate to the
commit, so no write is computed against data another write is replacing):

1. **Candidate**: the write becomes a ``Change``, the quads it removes and adds
   against the data as it is now (an update runs on a copy of it).
2. **Validate**: the shapes are checked on the part of the data the change can
   affect, never on the whole graph (a full check of a 1M-triple graph takes
   about 50 s in pySHACL). See ``affected_data`` for what that part is and why
   it is enough. A change that breaks a shape raises ``ValidationFailed`` with
   the report; nothing is written.
3. **Commit**: ``Store.apply_changes`` writes the change in one transaction on
   disk, then updates the query workers' copy of the data and changes
   the store's version (so named-query caches and ETags move on).
4. **Record**: the same transaction carries the provenance of the change into
   ``<B graph/changes>``: a ``prov:Activity`` (when, which token's name as a
   ``prov:Agent``, what: a description and the counts of triples added and
   removed, the graphs used and generated) and ``dcterms:modified`` on each
   graph changed. That graph is the service's own: no write may change it.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeGuard

import pyoxigraph as ox

from plankg import write_policy
from plankg.errors import Forbidden, NotFound, ValidationFailed
from plankg.namespaces import (
    DCT,
    EXTERNAL_PREFIXES,
    GRAPH_CHANGES,
    GRAPH_ONTOLOGY,
    PROV,
    XSD,
    Namespaces,
)
from plankg.settings import STEWARD, Settings
from plankg.sparqltext import update_graphs
from plankg.store import Store
from plankg.store.changes import GraphKey, graph_key, graph_node
from plankg.validation.report import aliases

if TYPE_CHECKING:
    from plankg.validation import GlobalConstraint, Report, Shapes

RDF_TYPE = ox.NamedNode(EXTERNAL_PREFIXES["rdf"] + "type")
RDFS_LABEL = ox.NamedNode(EXTERNAL_PREFIXES["rdfs"] + "label")
MODIFIED = ox.NamedNode(DCT + "modified")


# ------------------------------------------------------------------ what a write is


@dataclass
class Change:
    """A proposed write, as quads against the current data."""

    operation: str  # what the steward asked for, in words (recorded as dcterms:description)
    removed: list[ox.Quad]
    added: list[ox.Quad]
    graphs: tuple[GraphKey, ...]  # the graphs the request addressed
    drop_graphs: tuple[GraphKey, ...] = ()  # emptied whole (their quads are in ``removed`` too)
    replaced: tuple[GraphKey, ...] = ()  # content replaced as a whole (PUT), whatever the difference
    existed: dict[GraphKey, bool] = field(default_factory=dict)  # addressed graph had triples before

    @property
    def empty(self) -> bool:
        return not self.removed and not self.added and not self.drop_graphs

    def touched_graphs(self) -> list[GraphKey]:
        keys = {graph_key(q) for q in (*self.removed, *self.added)} | set(self.drop_graphs)
        return sorted(keys, key=lambda k: (k is not None, k or ""))


@dataclass
class WriteOutcome:
    change: Change
    report: Report
    dry_run: bool
    committed: bool = False
    activity: str | None = None
    created: bool = False  # an addressed graph had no triples before and has some now
    validated_triples: int = 0  # what the validator was given: the affected part of the data
    focus_nodes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict:
        """The report's JSON summary (as ``/validate`` gives it) plus what the write did."""
        body = dict(self.report.summary())
        body.update(
            {
                "dryRun": self.dry_run,
                "committed": self.committed,
                "activity": self.activity,
                "changes": {
                    "added": len(self.change.added),
                    "removed": len(self.change.removed),
                    "graphs": [g or "default" for g in self.change.touched_graphs()],
                },
                "validation": {
                    "triples": self.validated_triples,
                    "focusNodes": self.focus_nodes,
                    "seconds": round(self.seconds.get("validate", 0.0), 3),
                },
            }
        )
        return body


# ------------------------------------------------------------------ the pipeline


class WritePipeline:
    def __init__(self, settings: Settings, store: Store, validate: Callable | None = None) -> None:
        self.settings = settings
        self.store = store
        self.ns = Namespaces.of(settings)
        self.changes_graph = self.ns.graph(GRAPH_CHANGES)
        self.ontology_graph = self.ns.graph(GRAPH_ONTOLOGY)
        self._lock = threading.Lock()
        self._validate_quads = validate  # tests count what the validator gets
        self._shapes: Shapes | None = None

    # -------------------------------------------------------------- the operations
    def put_graph(self, graph: GraphKey, quads: Iterable[ox.Quad], *, agent: str, dry_run: bool = False, operation: str | None = None, role: str = STEWARD, confirm: str | None = None) -> WriteOutcome:
        """Replace a graph's content (Graph Store PUT)."""
        return self._run(self.proposal("put", graph, quads, operation=operation), agent=agent, dry_run=dry_run, role=role, confirm=confirm)

    def post_graph(self, graph: GraphKey, quads: Iterable[ox.Quad], *, agent: str, dry_run: bool = False, operation: str | None = None, role: str = STEWARD, confirm: str | None = None) -> WriteOutcome:
        """Add triples to a graph (Graph Store POST, ``plankg load``)."""
        return self._run(self.proposal("post", graph, quads, operation=operation), agent=agent, dry_run=dry_run, role=role, confirm=confirm)

    def delete_graph(self, graph: GraphKey, *, agent: str, dry_run: bool = False, role: str = STEWARD, confirm: str | None = None) -> WriteOutcome:
        """Remove a graph and everything in it (Graph Store DELETE); NotFound when it has no triples."""
        return self._run(self.proposal("delete", graph), agent=agent, dry_run=dry_run, role=role, confirm=confirm)

    def update(self, sparql: str, *, agent: str, dry_run: bool = False, role: str = STEWARD, confirm: str | None = None, base_iri: str | None = None) -> WriteOutcome:
        """Run a SPARQL Update (already through ``sparqltext.check_update``) on a candidate first."""
        return self._run(self.proposal("update", None, update=sparql, base_iri=base_iri), agent=agent, dry_run=dry_run, role=role, confirm=confirm)

    def proposal(
        self,
        kind: str,
        graph: GraphKey,
        quads: Iterable[ox.Quad] = (),
        *,
        update: str | None = None,
        operation: str | None = None,
        base_iri: str | None = None,
        using: Sequence[str] = (),
        using_named: Sequence[str] = (),
    ) -> Callable[[], Change]:
        """The candidate step of a write: a function that works the ``Change`` out against the data as it is then.

        An update's WHERE reads what ``/sparql`` reads (``Store.preview_update``), its relative
        IRIs resolve against ``base_iri``, and ``using`` / ``using_named`` are the protocol's
        using-graph-uri / using-named-graph-uri.
        """
        if kind == "put":
            new = _in_graph(quads, graph)

            def propose() -> Change:
                self._check_writable(graph)
                old = set(self.store.quads_matching([(None, None, None, graph_node(graph))]))
                fresh = set(new)
                return Change(
                    operation or f"Replaced {_graph_words(graph)} ({len(fresh)} triples).",
                    removed=sorted(old - fresh, key=str),
                    added=sorted(fresh - old, key=str),
                    graphs=(graph,),
                    replaced=(graph,),
                    existed={graph: bool(old)},
                )

        elif kind == "post":
            added_quads = sorted(set(_in_graph(quads, graph)), key=str)

            def propose() -> Change:
                self._check_writable(graph)
                present = set(self.store.quads_matching([(q.subject, q.predicate, q.object, q.graph_name) for q in added_quads]))
                added = [q for q in added_quads if q not in present]
                return Change(
                    operation or f"Added {len(added)} triples to {_graph_words(graph)}.",
                    removed=[],
                    added=added,
                    graphs=(graph,),
                    existed={graph: self._graph_exists(graph)},
                )

        elif kind == "delete":

            def propose() -> Change:
                self._check_writable(graph)
                old = sorted(self.store.quads_matching([(None, None, None, graph_node(graph))]), key=str)
                if not old and graph is not None:
                    raise NotFound(f"There is no graph <{graph}> in the store (it has no triples).")
                return Change(
                    f"Deleted {_graph_words(graph)} ({len(old)} triples).",
                    removed=old,
                    added=[],
                    graphs=(graph,),
                    drop_graphs=(graph,),
                    existed={graph: bool(old)},
                )

        elif kind == "update":
            assert update is not None
            sparql = update

            def propose() -> Change:
                removed, added = self.store.preview_update(sparql, base_iri=base_iri, using=using, using_named=using_named)
                named = update_graphs(sparql)
                if named is None or self.changes_graph not in named:
                    # CLEAR ALL, DROP NAMED, GRAPH ?g: every graph but the change log, which an update
                    # reads but never empties; naming it is refused by the write policy (403)
                    removed = [q for q in removed if graph_key(q) != self.changes_graph]
                graphs = tuple(sorted({graph_key(q) for q in (*removed, *added)}, key=lambda k: (k is not None, k or "")))
                for touched in graphs:
                    self._check_writable(touched)
                return Change(
                    "SPARQL Update: " + _abridged(sparql),
                    removed=removed,
                    added=added,
                    graphs=graphs,
                    existed={g: self._graph_exists(g) for g in graphs},
                )

        else:
            raise ValueError(f"unknown write kind {kind!r}")
        return propose

    # -------------------------------------------------------------- the steps
    def require_writable_store(self) -> None:
        """``WritesUnsupported`` now, before any work: a candidate on a store that cannot commit would be wasted."""
        self.store.check_writable()

    def _run(self, propose: Callable[[], Change], *, agent: str, dry_run: bool, role: str = STEWARD, confirm: str | None = None) -> WriteOutcome:
        """Candidate, validation and commit in this process (``plankg load``; the server
        prepares in its sandbox and calls ``commit`` itself)."""
        self.require_writable_store()
        with self._lock:
            started = _now()
            self.store.begin_write()
            outcome = self.prepare(propose, dry_run=dry_run, role=role, confirm=confirm)
            if dry_run or outcome.change.empty:
                return outcome
            return self._commit(outcome, agent, started)

    def prepare(self, propose: Callable[[], Change], *, dry_run: bool, role: str = STEWARD, confirm: str | None = None) -> WriteOutcome:
        """Steps 1 and 2: the change and its report; ``ValidationFailed`` (carrying the outcome) if it breaks
        the shapes. The write policy comes first: a write that removes everything leaves nothing to fail the shapes."""
        t0 = time.perf_counter()
        change = propose()
        write_policy.check(change, role=role, confirm=confirm, ns=self.ns, sizes=self._triples_in)
        t1 = time.perf_counter()
        data, checked, active = self.affected_data(change)
        report = self._validate(data, checked, active)
        t2 = time.perf_counter()
        outcome = WriteOutcome(
            change,
            report,
            dry_run=dry_run,
            validated_triples=len(data),
            focus_nodes=len(checked),
            seconds={"candidate": t1 - t0, "validate": t2 - t1},
        )
        if not report.passes_gate:
            raise refusal(outcome)
        return outcome

    def commit(self, outcome: WriteOutcome, agent: str, started: str) -> WriteOutcome:
        """Steps 3 and 4 for an outcome prepared elsewhere (the sandbox) against this store's current data."""
        with self._lock:
            return self._commit(outcome, agent, started)

    def _commit(self, outcome: WriteOutcome, agent: str, started: str) -> WriteOutcome:
        t2 = time.perf_counter()
        change = outcome.change
        exists_after = {g: self._exists_after(change, g) for g in change.touched_graphs()}
        outcome.created = any(not change.existed.get(g, True) and exists_after.get(g, False) for g in change.graphs)
        record_removed, record_added, activity = self.record(change, agent, started, exists_after)
        self.store.apply_changes(
            [*change.removed, *record_removed],
            [*change.added, *record_added],
            drop_graphs=change.drop_graphs,
        )
        outcome.committed = True
        outcome.activity = activity
        outcome.seconds["commit"] = time.perf_counter() - t2
        return outcome

    def _check_writable(self, graph: GraphKey) -> None:
        if graph == self.changes_graph:
            raise Forbidden(f"<{graph}> is the change log; only the service writes it.")
        if graph is not None and not graph.startswith(self.ns.graph("")):
            raise Forbidden(
                f"Stewards write graphs named under <{self.ns.graph('')}> (or the default graph); <{graph}> is not one."
            )

    def _triples_in(self, graph: GraphKey, cap: int) -> int:
        """Triples in a graph (``write_policy.DATA``: outside the change log), counted up to ``cap``."""
        cap = max(int(cap), 0)
        default = len(self.store.quads_matching([(None, None, None, ox.DefaultGraph())])) if graph in (None, write_policy.DATA) else 0
        if graph is None:
            return min(default, cap)
        if graph == write_policy.DATA:
            # GRAPH ?g leaves out the store's own default graph (an unnamed pattern would read the union)
            pattern = f"GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != {ox.NamedNode(self.changes_graph)})"
        else:
            pattern = f"GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }}"
        # the LIMIT stops the count at what the policy needs to know
        rows = self.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT * WHERE {{ {pattern} }} LIMIT {cap} }} }}")
        return min(int(rows[0]["n"].value) + default, cap)  # type: ignore[union-attr]

    def _graph_exists(self, graph: GraphKey) -> bool:
        if graph is None:
            return bool(self.store.quads_matching([(None, None, None, ox.DefaultGraph())]))
        rows = self.store.select(f"SELECT ?s WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }} LIMIT 1")
        return bool(rows)

    def _exists_after(self, change: Change, graph: GraphKey) -> bool:
        if any(graph_key(q) == graph for q in change.added):
            return True
        if graph in change.drop_graphs:
            return False
        gone = sum(1 for q in change.removed if graph_key(q) == graph)
        if not gone:
            return self._graph_exists(graph)
        if graph is None:
            return len(self.store.quads_matching([(None, None, None, ox.DefaultGraph())])) > gone
        rows = self.store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"].value) > gone if rows and rows[0]["n"] is not None else False

    # -------------------------------------------------------------- what to validate
    def affected_data(self, change: Change) -> tuple[list[ox.Quad | ox.Triple], set[str], list[GlobalConstraint]]:
        """The data the validator needs to judge the change, and the nodes whose results count.

        A changed triple ``s p o`` can change the verdict on ``s`` and ``o``
        (their own shapes, inverse paths, ``sh:targetObjectsOf``), and on the
        nodes whose shapes read through them: a node whose path runs through
        ``s`` (``(pk:sourceItem dcterms:isPartOf)``), a node whose values must
        conform to a nested shape (the mentions of a paragraph, ``^pk:inText``
        with ``sh:node``), and, when a type changes, every node whose
        ``sh:class`` checks read it. Which steps read on is taken from the
        shapes (``ShapeReach``), so only those neighbours are *checked*.

        The validator then gets, from the data as it will be: every triple from
        or to a checked node, the triples of the nodes their deep steps reach,
        and the ``rdf:type`` of every node in all that. Nodes at the rim are in
        it only partly, so only results on checked nodes count.

        Global SPARQL constraints run when the change touches their predicates
        (with every triple of those predicates, and their focus nodes checked);
        otherwise they are left out. A change to the ontology graph brings the
        whole ontology graph, which the ontology shapes judge as a whole.
        """
        removed = set(change.removed)
        added_by_subject: dict[object, list[ox.Quad]] = defaultdict(list)
        added_by_object: dict[object, list[ox.Quad]] = defaultdict(list)
        ontology_graph = ox.NamedNode(self.ontology_graph)
        for q in change.added:
            if q.graph_name != ontology_graph:
                added_by_subject[q.subject].append(q)
                added_by_object[q.object].append(q)

        def live(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
            return [q for q in quads if q not in removed and q.graph_name != ontology_graph]

        out_seen: dict[object, list[ox.Quad]] = {}
        in_seen: dict[object, list[ox.Quad]] = {}

        def edges(nodes: Iterable, seen: dict, pattern, added: dict) -> list[ox.Quad]:
            fresh = [n for n in nodes if n not in seen]
            if fresh:
                by_node: dict[object, list[ox.Quad]] = defaultdict(list)
                for q in live(self.store.quads_matching([pattern(n) for n in fresh])):
                    by_node[q.subject if pattern is _as_subject else q.object].append(q)
                for n in fresh:
                    seen[n] = by_node.get(n, []) + added.get(n, [])
            return [q for n in nodes for q in seen[n]]

        def outgoing(nodes: Iterable) -> list[ox.Quad]:
            return edges(set(nodes), out_seen, _as_subject, added_by_subject)

        def incoming(nodes: Iterable) -> list[ox.Quad]:
            return edges({n for n in nodes if _is_node(n)}, in_seen, _as_object, added_by_object)

        def types(nodes: Iterable) -> list[ox.Quad]:
            nodes = list(nodes)
            found = live(self.store.quads_matching([(n, RDF_TYPE, None, None) for n in nodes]))
            return found + [q for n in nodes for q in added_by_subject.get(n, ()) if q.predicate == RDF_TYPE]

        shapes = self._load_shapes()
        reach = shapes.reach
        changed = [q for q in (*change.removed, *change.added) if q.graph_name != ontology_graph]
        seeds = {q.subject for q in changed} | {q.object for q in changed if _is_node(q.object) and q.predicate != RDF_TYPE}
        retyped = {q.subject for q in changed if q.predicate == RDF_TYPE}
        predicates = {q.predicate.value for q in (*change.removed, *change.added)}
        active = [g for g in shapes.global_constraints(self.ns) if g.predicates & predicates]
        extra: list[ox.Quad] = []
        for constraint in active:
            extra += live(self.store.quads_matching([(None, ox.NamedNode(p), None, None) for p in sorted(constraint.predicates)]))
            extra += [q for q in change.added if q.predicate.value in constraint.predicates]
            for cls in constraint.target_classes:
                seeds |= {q.subject for q in live(self.store.quads_matching([(None, RDF_TYPE, ox.NamedNode(cls), None)]))}
                seeds |= {q.subject for q in change.added if q.predicate == RDF_TYPE and q.object == ox.NamedNode(cls)}

        # who reads the changed nodes: walk back along the steps that read on, as far as a path goes
        checked_nodes = set(seeds)
        frontier = set(seeds)
        for depth in range(reach.longest):
            readers = set()
            for q in incoming(frontier):
                p = q.predicate.value
                if p in reach.deep_forward or (depth == 0 and q.object in retyped and p in reach.class_forward):
                    readers.add(q.subject)
            for q in outgoing(frontier):
                if not _is_node(q.object) or q.predicate == RDF_TYPE:
                    continue
                p = q.predicate.value
                if p in reach.deep_inverse or (depth == 0 and q.subject in retyped and p in reach.class_inverse):
                    readers.add(q.object)
            frontier = readers - checked_nodes
            checked_nodes |= frontier

        out_edges = outgoing(checked_nodes)
        in_edges = incoming(checked_nodes)
        deeper: set[ox.NamedNode | ox.BlankNode | ox.Triple] = {q.object for q in out_edges if q.predicate.value in reach.deep_forward and _is_node(q.object)}
        deeper |= {q.subject for q in in_edges if q.predicate.value in reach.deep_inverse}
        further = outgoing(deeper - checked_nodes)
        around = out_edges + in_edges + further
        # the types sh:class reads: of the values of checked nodes' paths. Not of the nodes that
        # merely point at a checked node: typed, they would be validated for nothing.
        values: set[ox.NamedNode | ox.BlankNode | ox.Triple] = {q.object for q in (*out_edges, *further) if _is_node(q.object) and q.predicate != RDF_TYPE}
        values |= {q.subject for q in in_edges if q.predicate.value in reach.class_inverse}
        around += types(values - checked_nodes - deeper)

        relevant = shapes.read_predicates(self.ns)
        data: dict[ox.Triple, None] = dict.fromkeys(
            q.triple for q in (*around, *extra) if relevant is None or q.predicate.value in relevant
        )
        out: list[ox.Quad | ox.Triple] = list(data)
        checked = {_node_id(n) for n in checked_nodes}
        if any(q.graph_name == ontology_graph for q in (*change.removed, *change.added)):
            ontology = [q for q in self.store.quads_matching([(None, None, None, ontology_graph)]) if q not in removed]
            ontology += [q for q in change.added if q.graph_name == ontology_graph]
            out += ontology
            checked |= {_node_id(q.subject) for q in ontology}
        checked |= {alias for node_id in list(checked) for alias in aliases(node_id)}
        return out, checked, active

    def _validate(self, data: list, checked: set[str], active: list[GlobalConstraint]) -> Report:
        from plankg.validation import only_checked, validate_quads

        shapes = self._load_shapes()
        idle = [g for g in shapes.global_constraints(self.ns) if g not in active]
        run = self._validate_quads or validate_quads
        return only_checked(run(self.settings, data, shapes.without(idle)), checked)

    def _load_shapes(self) -> Shapes:
        if self._shapes is None:
            from plankg.validation import load_shapes

            self._shapes = load_shapes(self.settings)
        return self._shapes

    # -------------------------------------------------------------- the record
    def record(self, change: Change, agent: str, started: str, exists_after: dict[GraphKey, bool]) -> tuple[list[ox.Quad], list[ox.Quad], str]:
        """(removed, added, activity IRI): the change log entries that commit with the change."""
        log = ox.NamedNode(self.changes_graph)
        ended = _now()
        stamp = ended.replace("-", "").replace(":", "").replace(".", "")
        activity = ox.NamedNode(self.ns.entity(f"change/{stamp}-{uuid.uuid4().hex[:8]}"))
        agent_node = ox.NamedNode(self.ns.entity("agent/" + agent_slug(agent)))
        pk = self.ns.pk

        def q(s, p: str, o) -> ox.Quad:
            return ox.Quad(s, ox.NamedNode(p), o, log)

        added = [
            q(activity, RDF_TYPE.value, ox.NamedNode(PROV + "Activity")),
            q(activity, PROV + "startedAtTime", ox.Literal(started, datatype=ox.NamedNode(XSD + "dateTime"))),
            q(activity, PROV + "endedAtTime", ox.Literal(ended, datatype=ox.NamedNode(XSD + "dateTime"))),
            q(activity, PROV + "wasAssociatedWith", agent_node),
            q(activity, DCT + "description", ox.Literal(change.operation)),
            q(activity, pk + "triplesAdded", ox.Literal(str(len(change.added)), datatype=ox.NamedNode(XSD + "integer"))),
            q(activity, pk + "triplesRemoved", ox.Literal(str(len(change.removed)), datatype=ox.NamedNode(XSD + "integer"))),
            q(agent_node, RDF_TYPE.value, ox.NamedNode(PROV + "Agent")),
            q(agent_node, RDFS_LABEL.value, ox.Literal(agent)),
        ]
        removed: list[ox.Quad] = []
        stamp_literal = ox.Literal(ended, datatype=ox.NamedNode(XSD + "dateTime"))
        for graph in change.touched_graphs():
            if graph is None:
                continue  # the default graph has no IRI to say anything about
            node = ox.NamedNode(graph)
            if change.existed.get(graph, True):
                added.append(q(activity, PROV + "used", node))
            if exists_after.get(graph, False):
                added.append(q(activity, PROV + "generated", node))
            removed += self.store.quads_matching([(node, MODIFIED, None, log)])
            added.append(q(node, MODIFIED.value, stamp_literal))
        return removed, added, activity.value


# ------------------------------------------------------------------ helpers


def refusal(outcome: WriteOutcome) -> ValidationFailed:
    """The error for a write whose outcome breaks the shapes (it carries the report and the outcome)."""
    report = outcome.report
    blocking = sum(1 for row in report.results if report.gate.blocks(row.severity))
    if report.gate.severity == "Violation":
        what = "violation" if blocking == 1 else "violations"
    else:  # PLANKG_WRITE_GATE_SEVERITY is stricter than the default
        what = f"result{'' if blocking == 1 else 's'} of severity {report.gate.severity.lower()} or more"
    return ValidationFailed(
        f"The write was not applied: the data would break the shapes ({blocking} {what}).\n\n" + report.text("en"),
        report,
        outcome,
    )


def now() -> str:
    """A write's start time, as the change log records it."""
    return _now()


def agent_slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", name) or "anonymous"


def _in_graph(quads: Iterable[ox.Quad], graph: GraphKey) -> list[ox.Quad]:
    target = graph_node(graph)
    return [ox.Quad(q.subject, q.predicate, q.object, target) for q in quads]


def _graph_words(graph: GraphKey) -> str:
    return "the default graph" if graph is None else f"graph <{graph}>"


def _abridged(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _as_subject(node) -> tuple:
    return (node, None, None, None)


def _as_object(node) -> tuple:
    return (None, None, node, None)


def _is_node(term: object) -> TypeGuard[ox.NamedNode | ox.BlankNode]:
    return isinstance(term, (ox.NamedNode, ox.BlankNode))


def _node_id(term: ox.NamedNode | ox.BlankNode | ox.Triple) -> str:
    if isinstance(term, ox.Triple):
        return str(term)
    return "_:" + term.value if isinstance(term, ox.BlankNode) else term.value


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
