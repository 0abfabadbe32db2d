"""A store over any SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, Fuseki, GraphDB, Neptune).

Decisions, and why:

* Answers are fetched as SPARQL JSON results (or N-Triples for graphs), parsed
  by pyoxigraph while they stream in, cut at the row cap and written again by
  ``plankg.store.results``. Passing the engine's own serialization through
  would be faster, but the cap, the truncation notice and the exact formats
  must not depend on which engine answered. Stopping the parse at the cap also
  closes the connection, so a huge result is never downloaded in full.
* The dataset is scoped to plankg's own graphs (those under ``<base>graph/``):
  unless the caller or the query text says otherwise, every query is sent with
  ``default-graph-uri`` and ``named-graph-uri`` set to them. That gives "the
  union of our graphs is the default graph" on every engine without engine
  configuration, and hides whatever else lives on a shared server (Virtuoso
  answers ``?s ?p ?o`` with ~2,500 triples of its own system graphs).
* Writes use SPARQL Update, not the Graph Store Protocol: every engine with an
  update endpoint speaks it at one URL, while the GSP address differs from one
  engine to the next. Triples are written by pyoxigraph's N-Triples term
  serializer (valid SPARQL term syntax), never escaped by hand, and sent in
  batches because engines cap the size of one update (Virtuoso's SQL compiler
  in particular).
* Writes (``apply_changes``, ``replace_dataset``) go through
  ``plankg.store.engine_commit``: one update of one operation, guarded by the
  data version held in the engine (``<base>meta/state``), so several
  front-ends can write to one engine. ``version`` is that engine-held token
  (read on every call, so a write through another front-end is seen by the next
  read here) plus a digest of a probe (triple count per graph) taken at most
  every ``remote_probe_s`` seconds: a change made on the engine by other means
  shows within that bound.
* Steward writes are prepared in the sandbox on a copy of plankg's graphs,
  fetched again whenever the engine's version moved (``begin_write``).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import http.client
import logging
import random
import re
import socket
import threading
import time
import urllib.error
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, POSTDIRECTLY, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from plankg.errors import (
    BadRequest,
    EngineDeadlock,
    PlanKGError,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
    WriteBusy,
    WriteConflict,
    WritesDisabled,
)
from plankg.namespaces import GRAPH_ONTOLOGY, GRAPH_PLAN, GRAPH_REGISTRY, Namespaces
from plankg.settings import Settings
from plankg.sparqltext import keywords, query_form, with_bindings
from plankg.store import engine_commit, statements
from plankg.store.base import QueryRequest, Store, Term, pick_format
from plankg.store.results import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    QueryResponse,
    capped,
    serialize_ask,
    write_graph,
    write_page,
)

log = logging.getLogger(__name__)

RESULTS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5"
USER_AGENT = "plankg (SPARQLWrapper)"
# Writes are slower than reads on every engine; give a batch this many times the query limit.
UPDATE_TIMEOUT_FACTOR = 12
NO_CAP = 10**12
# A request the engine ended in a deadlock (rolled back) is sent again this many times at most,
# after a random pause that doubles each time (from DEADLOCK_PAUSE_S): about 2 s in all.
DEADLOCK_RETRIES = 6
DEADLOCK_PAUSE_S = 0.02


class _Client(SPARQLWrapper):
    """SPARQLWrapper told the query form instead of guessing it.

    Its guess warns on prologues it does not know (BASE, comments in odd
    places), and runs regular expressions over multi-megabyte update text;
    the form is already known from ``plankg.sparqltext``.
    """

    def __init__(self, endpoint: str, update_endpoint: str | None, form: str) -> None:
        self._form = form
        super().__init__(endpoint, updateEndpoint=update_endpoint, agent=USER_AGENT)

    def _parseQueryType(self, query: str) -> str:  # noqa: N802 - SPARQLWrapper's name
        return self._form


@dataclass(frozen=True)
class _Probe:
    graphs: tuple[str, ...]
    digest: str
    taken: float
    tokens: tuple[str, ...]  # the engine's version when it was taken


class RemoteStore(Store):
    kind = "remote"

    def __init__(
        self,
        settings: Settings,
        prefixes: Mapping[str, str] | None = None,
        *,
        batch_triples: int = 1000,
        probe_ttl_s: float | None = None,
    ) -> None:
        if not settings.remote_query_url:
            raise StoreUnavailable(
                "The remote store is selected (PLANKG_STORE=remote) but no query URL is set (PLANKG_REMOTE_QUERY_URL)."
            )
        self.query_url = settings.remote_query_url
        self.update_url = settings.remote_update_url
        self._user = settings.remote_user
        self._password = settings.remote_password or ""
        self._timeout_s = settings.query_timeout_s
        self.prefixes = dict(prefixes or {})
        ns = Namespaces.of(settings)
        self._graph_prefix = ns.graph("")
        self._known_graphs = tuple(ns.graph(name) for name in (GRAPH_ONTOLOGY, GRAPH_PLAN, GRAPH_REGISTRY))
        self.batch_triples = batch_triples
        self.probe_ttl_s = probe_ttl_s if probe_ttl_s is not None else settings.remote_probe_s
        self._places = engine_commit.Places.under(ns.base, ns.pk, self._graph_prefix)
        self._statements = statements.load(settings.queries_dir / "engine")
        self._expected: tuple[str, ...] | None = None  # the version begin_write saw
        # a claim lives for one commit update at most (its time limit); older, its front-end died
        self._lease_s = settings.query_timeout_s * UPDATE_TIMEOUT_FACTOR + 30
        self._claim_wait_s = min(settings.write_wait_s, self._lease_s)
        self._copy: list[ox.Quad] = []  # what the sandbox holds, as of _copy_version
        self._copy_version: tuple[str, ...] | None = None
        self._probe: _Probe | None = None
        self._probe_lock = threading.Lock()
        self._write_lock = threading.Lock()

    # ------------------------------------------------------------ reading
    def query(self, request: QueryRequest) -> QueryResponse:
        sparql, timeout_s = request.sparql, request.timeout_s
        kind = query_form(sparql)
        fmt = pick_format(request.formats, kind)  # before the round trip: a 406 costs the remote nothing
        deadline = time.monotonic() + timeout_s if timeout_s else None
        cap = request.row_cap or NO_CAP
        size = request.max_bytes or NO_CAP
        text = with_bindings(sparql, request.bindings, statements.serialize)
        if request.base_iri:
            # the engine resolves against its own base otherwise; a BASE in the query still wins
            text = f"BASE {statements.serialize(ox.NamedNode(request.base_iri))}\n{text}"
        default, named = self._dataset(sparql, request.default_graph_uris, request.named_graph_uris)
        # written while the answer streams in: past a cap the rest is never downloaded
        if kind == "graph":
            body, rows, cut = self._triples(
                text, default, named, timeout_s, deadline, cap,
                write=lambda triples: write_graph(triples, fmt, self.prefixes, row_cap=cap, max_bytes=size),
            )
            return QueryResponse("graph", fmt, GRAPH_FORMATS[fmt][0], body, rows, cut)
        answer = self._solutions(
            text, kind, default, named, timeout_s, deadline, cap,
            write=lambda variables, solutions: write_page(
                variables, solutions, fmt, row_cap=cap, max_bytes=size, offset=request.offset, count_total=request.count_total
            ),
        )
        if kind == "ask":
            return QueryResponse("ask", fmt, RESULT_FORMATS[fmt], serialize_ask(answer, fmt), 1, False)
        return QueryResponse("select", fmt, RESULT_FORMATS[fmt], *answer)

    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term | None]]:
        if query_form(sparql) != "select":
            raise QuerySyntaxError("select() needs a SELECT query")
        default, named = self._dataset(sparql, None, None)
        variables, rows, _ = self._solutions(
            with_bindings(sparql, bindings, statements.serialize), "select", default, named, self._timeout_s, None, NO_CAP
        )
        return [{name: row[name] for name in variables} for row in rows]

    def construct(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        if query_form(sparql) != "graph":
            raise QuerySyntaxError("construct() needs a CONSTRUCT or DESCRIBE query")
        default, named = self._dataset(sparql, None, None)
        triples, _ = self._triples(with_bindings(sparql, bindings, statements.serialize), default, named, self._timeout_s, None, NO_CAP)
        return triples

    def quads(self, graph: str | None = None) -> list[ox.Quad]:
        out: list[ox.Quad] = []
        for name in [graph] if graph else self.graphs():
            node = ox.NamedNode(name)
            triples, _ = self._triples(
                self._text("graph", graph=node), [], [name], self._timeout_s * UPDATE_TIMEOUT_FACTOR, None, NO_CAP,
            )
            out += [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]
        return out

    def is_empty(self) -> bool:
        graphs = list(self.graphs())
        answer = self._solutions(self._text("any-triple"), "ask", graphs, graphs, self._timeout_s, None, 1)
        return not answer

    def holds_graph(self, graph: str) -> bool:
        text = self._text("graph-holds", graph=ox.NamedNode(graph))
        return bool(self._solutions(text, "ask", [], [graph], self._timeout_s, None, 1))

    @property
    def version(self) -> str:
        """The engine's data version (read now: another front-end's write shows at once) and the probe's digest."""
        tokens = self.engine_version()
        probe = self._probed()
        if probe.tokens != tokens:  # a write since the probe (through any front-end): graphs may be new
            probe = self._probed(fresh=True, tokens=tokens)
        return f"{'+'.join(tokens) or 'none'}-{probe.digest}"

    def graphs(self) -> tuple[str, ...]:
        """plankg's graphs on the remote: the three the build writes plus any other under ``<base>graph/``."""
        return self._probed().graphs

    def engine_version(self) -> tuple[str, ...]:
        """The version literals in the engine's metadata graph (one; none before the first write; two after a
        fork), and any write's claim on it: what caches and ETags key on."""
        versions, claims = self._state()
        return (*versions, *(f"claim:{c}" for c in claims))

    def _state(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        places = self._places
        text = self._text("state", state=places.state)
        _, rows, _ = self._solutions(text, "select", [], [places.state.value], self._timeout_s, None, NO_CAP)
        versions = sorted(r["v"].value for r in rows if r["p"] == places.version and r["v"] is not None)
        claims = sorted(r["v"].value for r in rows if r["p"] == places.claim and r["v"] is not None)
        return tuple(versions), tuple(claims)

    # ------------------------------------------------------------ reading for writes
    def quads_matching(self, patterns) -> list[ox.Quad]:
        out: list[ox.Quad] = []
        ours = set(self.graphs())
        for s, p, o, g in patterns:
            if isinstance(g, ox.DefaultGraph):
                continue  # plankg keeps nothing in an engine's default graph
            if any(isinstance(t, ox.BlankNode) for t in (s, o)):
                continue  # a blank node of a copy names nothing on the engine
            if g is not None and g.value not in ours:
                continue
            text = self._text("quads-matching", s=s, p=p, o=o, g=g)
            named = [g.value] if g is not None else sorted(ours)
            variables, rows, _ = self._solutions(text, "select", [], named, self._timeout_s * UPDATE_TIMEOUT_FACTOR, None, NO_CAP)
            bound = set(variables)
            for row in rows:
                found = {name: row[name] for name in ("s", "p", "o", "g") if name in bound}
                out.append(ox.Quad(found.get("s", s), found.get("p", p), found.get("o", o), found.get("g", g)))
        return out

    def sandbox(self):
        """Worker processes holding a copy of plankg's graphs as of ``begin_write`` (writes are prepared there)."""
        pool = self.__dict__.get("_sandbox_pool")
        if pool is None:
            from plankg.store.workers import WorkerPool

            pool = WorkerPool(0, prefixes=self.prefixes, snapshot=self._snapshot, options=self.__dict__.get("_worker_options"))
            pool.options = pool.options.without_lanes()
            pool.start(snapshot=b"")
            self.__dict__["_sandbox_pool"] = pool
        return pool

    def _snapshot(self) -> bytes:
        return "".join(f"{q} .\n" for q in self._copy).encode()

    def begin_write(self) -> None:
        """Before a write is prepared (under the front-end's write lock): note the engine's version, and give
        the sandbox the data of that version. The commit goes ahead only if the version is still that one.

        A claim another front-end holds is waited out (a commit takes it away within the update's time
        limit), or broken once older than the lease (its front-end died); a fork is folded.
        """
        with _deadlock_is_conflict():
            self._begin_write()

    def _begin_write(self) -> None:
        versions = self._settled()
        if versions != self._copy_version or not versions:
            self._probe = None
            self._copy = self.quads()  # read after the version: a write meanwhile fails the commit's claim
            self._copy_version = versions
            pool = self.__dict__.get("_sandbox_pool")
            if pool is not None:
                pool.reload()
        self._expected = versions

    def _settled(self) -> tuple[str, ...]:
        """The engine's version once no claim is on it (waited out, or broken past the lease) and it is one
        literal (a fork folded): what a write then claims."""
        waited_until = time.monotonic() + self._claim_wait_s
        while True:
            versions, claims = self._state()
            if not claims:
                break
            stale = [c for c in claims if _claim_age(c) > self._lease_s]
            if stale:
                log.warning("breaking %d write claim(s) older than %g s (a front-end died mid-write?)", len(stale), self._lease_s)
                for claim in stale:
                    self._run("release", claim=ox.Literal(claim), token=ox.Literal(engine_commit.new_token(versions)))
                continue
            if time.monotonic() > waited_until:
                raise WriteBusy(
                    f"Another front-end has been committing a write for more than {self._claim_wait_s:g} s; nothing was changed. Try again shortly."
                )
            time.sleep(0.05)
        while len(versions) > 1:
            log.warning("the data version forked (%s); folding it", ", ".join(versions))
            token = engine_commit.new_token(versions)
            self._run("fold", one=ox.Literal(versions[0]), other=ox.Literal(versions[1]), token=ox.Literal(token))
            versions, claims = self._state()
            if claims:  # a write got in meanwhile: its claim is waited out again
                return self._settled()
        return versions

    # ------------------------------------------------------------ writing
    def apply_changes(self, removed, added, drop_graphs=(), drop_all: bool = False) -> None:
        self._require_update_url()
        if any(g is None for g in drop_graphs) or any(isinstance(q.graph_name, ox.DefaultGraph) for q in (*removed, *added)):
            raise BadRequest("The remote store keeps plankg's data in named graphs only; address a named graph.")
        with self._write_lock, _deadlock_is_conflict():
            expected = self._expected if self._expected is not None else self._settled()
            self._expected = None
            drops = set(drop_graphs)
            removed = list(removed)
            blank_removed = {q.graph_name.value for q in removed if engine_commit.has_blank(q)}
            readd: list[ox.Quad] = []
            if blank_removed and not drop_all:
                # a blank node cannot be named in a DELETE: empty the graph and write back what stays
                gone = set(removed)
                source = self._copy if self._copy_version == expected else self.quads()
                readd = [q for q in source if _named_graph(q) in blank_removed - drops and q not in gone]
                drops |= blank_removed
            removed = [q for q in removed if q.graph_name.value not in drops and not drop_all]
            self._commit(expected, removed, [*readd, *added], sorted(drops), drop_all)

    def replace_dataset(self, quads: Iterable[ox.Quad]) -> None:
        """The build's load: staged, then one switch, so no reader sees a half-loaded plan."""
        quads = list(quads)
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph):
                raise BadRequest("The remote store keeps plankg's data in named graphs only; put these triples in a graph.")
        self._require_update_url()
        with self._write_lock, _deadlock_is_conflict():
            self._commit(self._settled(), [], quads, [], True)

    def check_writable(self) -> None:
        self._require_update_url()

    def _require_update_url(self) -> None:
        if not self.update_url:
            raise WritesDisabled(
                "The remote store has no update URL (PLANKG_REMOTE_UPDATE_URL), so plankg cannot write to it; "
                "load dist/plankg.nq with the engine's own loader instead."
            )

    def _commit(self, expected: tuple[str, ...], removed: list[ox.Quad], added: list[ox.Quad], drops: list[str], drop_all: bool) -> None:
        """Stage (if large), claim the version, check the claim is alone, commit under it (engine_commit)."""
        places = self._places
        token = engine_commit.new_token(expected)
        removed_all, added_all = removed, added
        inline = len(removed) + len(added) <= engine_commit.INLINE_LIMIT
        single = not drops and not drop_all
        stage = places.new_stage()
        staged_removed: dict[str, str] = {}
        staged_added: dict[str, str] = {}
        if not inline or (not single and any(engine_commit.has_blank(q) for q in added)):
            staged_removed = self._stage(stage + "del/", removed)
            staged_added = self._stage(stage + "add/", added)
            removed, added = [], []
        try:
            claim = f"{uuid.uuid4().hex}@{time.time():.3f}"
            self._claim(expected, claim)
            text = engine_commit.commit_operation(
                places, claim, token, removed=removed, added=added, drop_graphs=drops, drop_all=drop_all,
                staged_removed=staged_removed, staged_added=staged_added,
            )
            failure: PlanKGError | None = None
            try:
                self._update(text)
            except PlanKGError as exc:
                failure = exc
            try:
                versions, claims = self._state()
            except EngineDeadlock:
                if failure is not None:
                    raise
                # the commit came back without an error under this front-end's claim: it is in
                self._copy_version = None
                return
            if token in versions:
                self._follow_copy(expected, versions, removed_all, added_all, drops, drop_all)
                return
            if claim in claims:  # the engine refused the commit: give the claim back
                self._release(claim, expected)
                if isinstance(failure, EngineDeadlock):
                    raise self._conflict() from failure
                detail = failure.detail if failure is not None else "it matched nothing"
                raise StoreUnavailable(f"The triple store did not take the write ({detail}); nothing was changed.")
            raise self._conflict()  # the claim was broken as stale before the commit came
        except BaseException:
            self._copy_version = None
            raise
        finally:
            self._probe = None
            if staged_removed or staged_added:
                self._drop_stage([*staged_removed.values(), *staged_added.values()])

    def _follow_copy(self, expected, versions, removed, added, drops, drop_all) -> None:
        """Bring the sandbox's copy along with this front-end's own commit instead of reading it all again;
        not when blank nodes were written (the engine names them anew) or another write got in."""
        if self._copy_version != expected or len(versions) != 1 or drop_all or any(engine_commit.has_blank(q) for q in added):
            self._copy_version = None
            return
        gone = set(removed)
        kept = [q for q in self._copy if q not in gone and _named_graph(q) not in drops]
        present = set(kept)
        self._copy = kept + [q for q in added if q not in present]
        self._copy_version = versions
        pool = self.__dict__.get("_sandbox_pool")
        if pool is not None:
            pool.reload()

    def _claim(self, expected: tuple[str, ...], claim: str) -> None:
        """Claim the version ``expected``; ``WriteConflict`` unless this claim is all the state holds."""
        if len(expected) > 1:
            raise self._conflict()  # forked since it was settled: another write got in
        try:
            if expected:
                self._run("claim", expected=ox.Literal(expected[0]), claim=ox.Literal(claim))
            else:
                self._run("claim-first", claim=ox.Literal(claim))
        except PlanKGError:
            pass  # the state read next says whether the claim is in
        versions, claims = self._state()
        if claims == (claim,) and not versions:
            return
        if claim in claims:
            self._release(claim, (*expected, *versions))
        raise self._conflict()

    def _release(self, claim: str, versions: tuple[str, ...]) -> None:
        try:
            self._run("release", claim=ox.Literal(claim), token=ox.Literal(engine_commit.new_token(versions)))
        except PlanKGError as exc:  # broken later as stale (the lease)
            log.warning("a write claim could not be given back: %s", exc.detail)

    @staticmethod
    def _conflict() -> WriteConflict:
        return WriteConflict(
            "Another front-end changed the data while this write was prepared; nothing was changed. "
            "Send the write again (it is checked against the data as it is now)."
        )

    def _stage(self, prefix: str, quads: list[ox.Quad]) -> dict[str, str]:
        """Copy quads into staging graphs (one per target graph), in batches; {target: staging graph}."""
        targets = sorted({_named_graph(q) for q in quads})
        mapping = {target: f"{prefix}{n}" for n, target in enumerate(targets)}
        moved = [ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(mapping[_named_graph(q)])) for q in quads]
        _, batches = _insert_batches(moved, self.batch_triples)
        try:
            for batch in batches:
                self._update(batch)
        except PlanKGError:
            self._drop_stage(list(mapping.values()))
            raise
        return mapping

    def _drop_stage(self, graphs: list[str]) -> None:
        if not graphs:
            return
        try:
            for graph in graphs:
                self._run("drop-stage", stage=ox.NamedNode(graph))
        except PlanKGError as exc:  # left behind: invisible to readers, dropped by name later
            log.warning("a staging graph could not be dropped: %s", exc.detail)

    # ------------------------------------------------------------ internals
    def _text(self, name: str, **terms) -> str:
        """A statement of ``queries/engine/`` with its terms written in (``plankg.store.statements``)."""
        return self._statements[name].bound(**terms)

    def _run(self, name: str, **terms) -> None:
        """Run an update of ``queries/engine/`` on the version's bookkeeping (``state``, ``version`` and
        ``claimed`` are this store's, where the statement names them)."""
        statement = self._statements[name]
        places = self._places
        own = {"state": places.state, "version": places.version, "claimed": places.claim}
        declared = {p.name for p in statement.params}
        self._update(statement.bound(**{k: v for k, v in own.items() if k in declared}, **terms))

    def _probed(self, fresh: bool = False, tokens: tuple[str, ...] | None = None) -> _Probe:
        with self._probe_lock:
            probe = self._probe
            stale = probe is None or fresh or (
                self.probe_ttl_s is not None and time.monotonic() - probe.taken > self.probe_ttl_s
            )
            if stale:
                probe = self._probe = self._take_probe(self.engine_version() if tokens is None else tokens)
            return probe  # type: ignore[return-value]

    def _take_probe(self, tokens: tuple[str, ...]) -> _Probe:
        text = self._text("graph-sizes", prefix=ox.Literal(self._graph_prefix))
        # No dataset parameters: the probe is what finds the graphs to scope to.
        _, rows, _ = self._solutions(text, "select", [], [], self._timeout_s * UPDATE_TIMEOUT_FACTOR, None, NO_CAP)
        counts = sorted((row["g"].value, row["n"].value) for row in rows if row["g"] is not None)
        graphs = tuple(sorted(set(self._known_graphs) | {g for g, _ in counts}))
        digest = hashlib.sha256(repr(counts).encode()).hexdigest()[:12]
        return _Probe(graphs, digest, time.monotonic(), tokens)

    def _dataset(self, sparql: str, default: Sequence[str] | None, named: Sequence[str] | None) -> tuple[list[str], list[str]]:
        """Protocol dataset parameters, by the same rules as the embedded store.

        Given graphs win over the query's FROM; named graphs alone mean an
        empty default graph (as FROM NAMED without FROM); with neither, the
        default graph is the union of plankg's graphs.
        """
        if default:
            return list(default), list(named or self.graphs())
        if named:
            return [], list(named)
        if "FROM" in keywords(sparql):
            return [], []  # the query names its own dataset; parameters would override it
        ours = list(self.graphs())
        # Virtuoso counts one solution for COUNT(*) over GRAPH <g> when <g> is left out of
        # named-graph-uri: name the query's own graphs of ours too, existing or not
        named = ours + sorted({g for g in _GRAPH_IRI.findall(sparql) if g.startswith(self._graph_prefix)} - set(ours))
        return ours, named

    def _send(self, text: str, form: str, accept: str, default: list[str], named: list[str], timeout_s: float | None):
        update = form == "UPDATE"
        client = _Client(self.query_url, self.update_url, "INSERT" if update else form)
        client.setOnlyConneg(True)  # no format=/output= parameters: Virtuoso lets them override Accept
        client.setMethod(POST)  # no URL length limit, never cached by a proxy
        # Updates go as the raw body: URL-encoding triples the size of Chinese text.
        client.setRequestMethod(POSTDIRECTLY if update else URLENCODED)
        client.setReturnFormat(JSON if form in ("SELECT", "ASK") or update else TURTLE)
        client.addCustomHttpHeader("Accept", accept)
        if self._user:
            client.setCredentials(self._user, self._password)
        if timeout_s:
            client.timeout = timeout_s  # type: ignore[assignment]  # SPARQLWrapper types it int; setTimeout() truncates to whole seconds
            if not update:
                # Virtuoso's own per-request limit (milliseconds); other engines ignore the parameter
                client.addParameter("timeout", str(max(1, int(timeout_s * 1000))))
        for uri in default:
            client.addDefaultGraph(uri)
        for uri in named:
            client.addNamedGraph(uri)
        client.setQuery(text)
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                response = client.query().response
                break
            except Exception as exc:  # noqa: BLE001 - every failure is mapped to a domain error
                failure = _failure(exc)
            # Virtuoso at serializable isolation ends one of two simultaneous transactions (a read
            # too) in a deadlock and rolls it back whole: sending it again is safe, updates included.
            if not isinstance(failure, EngineDeadlock) or attempt == DEADLOCK_RETRIES:
                raise failure from None
            log.info("the triple store ended a %s in a deadlock; sending it again", form)
            time.sleep(random.uniform(0.5, 1.5) * DEADLOCK_PAUSE_S * 2**attempt)  # noqa: S311 - jitter, not a secret
        # Virtuoso's "anytime" queries answer 200 with partial results when its own limit hits.
        if response.headers.get("X-SQL-State", "").strip() == "S1TAT":
            response.close()
            raise QueryTimeout("The query ran past the triple store's time limit and was stopped.")
        return response

    def _update(self, text: str) -> None:
        response = self._send(text, "UPDATE", "*/*", [], [], self._timeout_s * UPDATE_TIMEOUT_FACTOR)
        try:
            response.read()
        except OSError as exc:
            raise _failure(exc) from None
        finally:
            response.close()

    def _solutions(
        self, text: str, kind: str, default: list[str], named: list[str],
        timeout_s: float | None, deadline: float | None, cap: int, write=None,
    ):
        """``bool`` for ASK, else ``(variables, rows, truncated)``, or what ``write(variables, rows)`` makes of them."""
        response = self._send(text, kind.upper(), RESULTS_ACCEPT, default, named, _remaining(timeout_s, deadline))
        watch = _TailWatch(response)
        try:
            fmt = ox.QueryResultsFormat.from_media_type(_media_type(response)) or ox.QueryResultsFormat.JSON
            source = _VirtuosoBlankNodes(watch) if fmt == ox.QueryResultsFormat.JSON else watch
            # pyoxigraph's stub asks for IO[bytes]; it calls only read()
            parsed = ox.parse_query_results(source, fmt)  # type: ignore[arg-type]
            if isinstance(parsed, ox.QueryBoolean):
                return bool(parsed)
            variables = [v.value for v in parsed.variables]
            if write is not None:
                return write(variables, _until(parsed, deadline))
            rows, truncated = capped(_until(parsed, deadline), cap)
            return variables, rows, truncated
        except (SyntaxError, ValueError) as exc:
            if watch.cancelled():
                raise QueryTimeout("The query ran past the triple store's time limit and was stopped.") from None
            log.warning("unreadable answer from %s: %s", self.query_url, exc)
            raise StoreUnavailable("The triple store sent an answer that could not be read.") from None
        except OSError as exc:
            raise _failure(exc) from None
        finally:
            response.close()

    def _triples(
        self, text: str, default: list[str], named: list[str],
        timeout_s: float | None, deadline: float | None, cap: int, write=None,
    ):
        """``(triples, truncated)``, or what ``write(triples)`` makes of them."""
        response = self._send(text, "CONSTRUCT", GRAPH_ACCEPT, default, named, _remaining(timeout_s, deadline))
        watch = _TailWatch(response)
        try:
            fmt = ox.RdfFormat.from_media_type(_media_type(response)) or ox.RdfFormat.N_TRIPLES
            quads = ox.parse(watch, format=fmt)  # type: ignore[arg-type]  # as above: only read()
            triples = (q.triple for q in _until(quads, deadline))
            return write(triples) if write is not None else capped(triples, cap)
        except (SyntaxError, ValueError) as exc:
            if watch.cancelled():
                raise QueryTimeout("The query ran past the triple store's time limit and was stopped.") from None
            log.warning("unreadable graph from %s: %s", self.query_url, exc)
            raise StoreUnavailable("The triple store sent an answer that could not be read.") from None
        except OSError as exc:
            raise _failure(exc) from None
        finally:
            response.close()


# ---------------------------------------------------------------- bindings
# ---------------------------------------------------------------- writing
def _insert_batches(quads: Iterable[ox.Quad], size: int) -> tuple[set[str], list[str]]:
    """The graphs written to, and update requests of about ``size`` triples each.

    A blank node label names the same node only within one request, so the
    triples linked through blank nodes (an OWL restriction, an RDF list) go
    into the same request, written as ``INSERT {…} WHERE {}``: Virtuoso
    refuses blank nodes in ``INSERT DATA``, and a template with one empty
    solution is standard SPARQL everywhere.
    """
    plain: dict[str, list[str]] = {}
    linked: dict[str, list[ox.Quad]] = {}  # root blank node label -> its quads
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    with_blank: list[tuple[list[str], ox.Quad]] = []
    for quad in sorted(set(quads), key=str):
        graph = _named_graph(quad)
        labels = [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            plain.setdefault(graph, []).append(str(quad.triple))
            continue
        for other in labels[1:]:
            parent[root(other)] = root(labels[0])
        with_blank.append((labels, quad))
    for labels, quad in with_blank:
        linked.setdefault(root(labels[0]), []).append(quad)

    batches = [
        _insert_data({graph: lines[start:start + size]})
        for graph, lines in plain.items()
        for start in range(0, len(lines), size)
    ]
    pending: list[ox.Quad] = []
    for group in linked.values():
        if pending and len(pending) + len(group) > size:
            batches.append(_insert_template(pending))
            pending = []
        pending += group
    if pending:
        batches.append(_insert_template(pending))
    graphs = set(plain) | {_named_graph(q) for group in linked.values() for q in group}
    return graphs, batches


def _named_graph(quad: ox.Quad) -> str:
    if isinstance(quad.graph_name, ox.DefaultGraph):
        raise BadRequest("The remote store keeps plankg's data in named graphs only; put these triples in a graph.")
    return quad.graph_name.value


def _graph_blocks(by_graph: Mapping[str, list[str]]) -> str:
    return "\n".join(f"GRAPH {statements.serialize(ox.NamedNode(g))} {{\n" + " .\n".join(lines) + " .\n}" for g, lines in by_graph.items())


def _insert_data(by_graph: Mapping[str, list[str]]) -> str:
    return "INSERT DATA {\n" + _graph_blocks(by_graph) + "\n}"


def _insert_template(quads: list[ox.Quad]) -> str:
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        by_graph.setdefault(_named_graph(quad), []).append(str(quad.triple))
    return "INSERT {\n" + _graph_blocks(by_graph) + "\n} WHERE {}"


# ---------------------------------------------------------------- answers and failures
class _VirtuosoBlankNodes:
    """A reader that turns Virtuoso's blank nodes back into blank node labels.

    Virtuoso writes a blank node in SPARQL JSON as ``"nodeID://b10000"``,
    which is no valid label, and pyoxigraph rightly refuses the whole answer.
    The exact byte sequence below cannot occur inside a JSON string (its
    quotes would be escaped there), so replacing it while the answer streams
    by touches nothing else; a match split between two reads is held back
    until the next one.
    """

    OLD = b'"type": "bnode", "value": "nodeID://'
    NEW = b'"type": "bnode", "value": "'

    def __init__(self, raw) -> None:
        self._raw = raw
        self._ready = b""
        self._held = b""
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        while not self._eof and (size < 0 or len(self._ready) < size):
            chunk = self._raw.read(65536)
            if not chunk:
                self._eof = True
                self._ready += self._held
                self._held = b""
                break
            data = (self._held + chunk).replace(self.OLD, self.NEW)
            hold = next((k for k in range(min(len(self.OLD) - 1, len(data)), 0, -1) if data.endswith(self.OLD[:k])), 0)
            self._ready += data[: len(data) - hold]
            self._held = data[len(data) - hold:]
        if size < 0:
            out, self._ready = self._ready, b""
        else:
            out, self._ready = self._ready[:size], self._ready[size:]
        return out


class _TailWatch:
    """A reader that remembers the last bytes it gave out.

    ``oxigraph serve --timeout-s`` stops a query whose answer is already
    streaming by writing "The SPARQL operation has been cancelled" into the
    body and ending it: a 200 whose body no longer parses. The parse error
    alone cannot tell that from a broken answer; these bytes can.
    """

    MARKERS = (b"operation has been cancelled", b"operation has been canceled")

    def __init__(self, raw) -> None:
        self._raw = raw
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if chunk:
            self.tail = (self.tail + chunk)[-512:]
        return chunk

    def cancelled(self) -> bool:
        try:  # the marker may be just past where the parser stopped
            self.read(512)
        except OSError:
            pass
        return any(marker in self.tail for marker in self.MARKERS)


@contextlib.contextmanager
def _deadlock_is_conflict():
    """On a write's way, an engine that kept ending requests in deadlocks (each rolled back whole) met
    simultaneous writes: the write is answered as a conflict, nothing changed, not as an engine failure."""
    try:
        yield
    except EngineDeadlock as exc:
        raise RemoteStore._conflict() from exc


def _claim_age(claim: str) -> float:
    """Seconds since a claim was made (its front-end's clock; front-ends keep time by NTP)."""
    try:
        return time.time() - float(claim.rsplit("@", 1)[1])
    except (IndexError, ValueError):
        return float("inf")  # not one of ours: nothing waits for it


def _media_type(response) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip()


def _remaining(timeout_s: float | None, deadline: float | None) -> float | None:
    if deadline is None:
        return timeout_s
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryTimeout("The query ran past the time limit and was stopped.")
    return left


def _until(items, deadline: float | None):
    """Stop a streaming answer at the deadline: the socket timeout only catches silence."""
    for n, item in enumerate(items):
        if deadline is not None and n % 256 == 0 and time.monotonic() > deadline:
            raise QueryTimeout("The query ran past the time limit and was stopped.")
        yield item


_GRAPH_IRI = re.compile(r"GRAPH\s*<([^<>\s\"{}|^`\\]*)>", re.IGNORECASE)

# SQLSTATE classes Virtuoso answers with HTTP 500 although the query is at fault:
# 37 syntax, 42 access/semantics, 22 data (a bad regex, arithmetic on a string), S0 unknown names.
_VIRTUOSO_QUERY_ERROR = re.compile(r"Virtuoso (37\w{3}|42\w{3}|22\w{3}|S0\w{3}) Error")


# SQLSTATE 40001 (serialization failure): Virtuoso's "SR172: Transaction deadlocked". Matched at the
# start of the body only: Virtuoso echoes the query after its message, and a query may say anything.
_DEADLOCK = re.compile(r"\s*Virtuoso 40001 Error\b")


def _failure(exc: BaseException) -> PlanKGError:
    """The domain error for a failed round trip; the engine's own words only for query errors."""
    if isinstance(exc, PlanKGError):
        return exc
    if isinstance(exc, QueryBadFormed):
        return _engine_syntax_error(_body(exc))
    if isinstance(exc, EndPointInternalError):
        body = _body(exc)
        if _DEADLOCK.match(body):
            return EngineDeadlock("The triple store kept ending the request in a deadlock with simultaneous writes; try again.")
        if re.search(r"timed? ?out|exceeds the limit|S1T00", body, re.IGNORECASE):
            return QueryTimeout("The query ran past the triple store's time limit and was stopped.")
        if _VIRTUOSO_QUERY_ERROR.search(body):
            return _engine_syntax_error(body)
        log.warning("triple store failed: %s", body[:2000])
        return StoreUnavailable("The triple store failed while answering; the query may be too expensive for it.")
    if isinstance(exc, Unauthorized):
        return StoreUnavailable("The triple store refused plankg's credentials.")
    if isinstance(exc, EndPointNotFound):
        return StoreUnavailable("The triple store has no SPARQL endpoint at the configured address.")
    if isinstance(exc, urllib.error.HTTPError):
        exc.close()
        if exc.code in (408, 504):
            return QueryTimeout("The query ran past the triple store's time limit and was stopped.")
        log.warning("triple store answered HTTP %s", exc.code)
        if exc.code in (401, 403):
            return StoreUnavailable("The triple store refused plankg's request (not allowed).")
        return StoreUnavailable(f"The triple store could not answer (HTTP {exc.code}).")
    if isinstance(exc, urllib.error.URLError):
        reason = exc.reason
        log.warning("triple store unreachable: %s", reason)
        if isinstance(reason, TimeoutError):
            return StoreUnavailable("The triple store did not accept a connection in time.")
        if isinstance(reason, ConnectionRefusedError):
            return StoreUnavailable("The triple store cannot be reached (connection refused).")
        if isinstance(reason, socket.gaierror):
            return StoreUnavailable("The triple store cannot be reached (its host name does not resolve).")
        return StoreUnavailable("The triple store cannot be reached.")
    if isinstance(exc, TimeoutError):
        return QueryTimeout("The query ran past the time limit and was stopped.")
    if isinstance(exc, SPARQLWrapperException):  # the rarer statuses it names (414 and the like)
        log.warning("triple store refused the request: %s", exc)
        return StoreUnavailable("The triple store could not answer this request.")
    if isinstance(exc, (http.client.HTTPException, OSError)):
        log.warning("triple store connection failed: %r", exc)
        return StoreUnavailable("The triple store closed the connection before answering.")
    log.exception("unexpected failure talking to the triple store", exc_info=exc)
    return StoreUnavailable("The triple store could not be queried.")


def _body(exc: SPARQLWrapperException) -> str:
    # SPARQLWrapper keeps the response body only inside its message, as a bytes repr.
    _, sep, tail = str(exc).partition("Response:\n")
    if not sep:
        return ""
    try:
        raw = ast.literal_eval(tail.strip())
    except (ValueError, SyntaxError):
        return tail
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _engine_syntax_error(body: str) -> QuerySyntaxError:
    """The engine's own message (the client wrote the query, it needs the engine's words to fix it)."""
    # Virtuoso echoes the whole query after the message; the client already has it.
    message = body.split("\n\nSPARQL query:", 1)[0].strip() or "the triple store rejected the query"
    evaluation = re.match(r"Virtuoso (22|42)\w{3} Error", message) is not None
    message = re.sub(r"^Virtuoso \w{5} Error \w+: ", "", message)
    message = " ".join(message.split())[:500]
    line = column = None
    found = re.search(r"\bat (\d+):(\d+)", message)
    if found:
        line, column = int(found.group(1)), int(found.group(2))
    else:
        found = re.search(r"\bline (\d+)\b", message)
        if found:
            line = int(found.group(1))
    if evaluation:
        return QuerySyntaxError(f"The query could not be evaluated: {message}", line=line, column=column)
    return QuerySyntaxError(f"SPARQL syntax error: {message}", line=line, column=column)
