"""`plankg build`: source text + registry + ontology -> quads -> dist/ and the store.

The same inputs give byte-identical sorted N-Quads: no blank nodes are
minted, every IRI derives from the text or the registry, and output is sorted.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from plankg.errors import OntologyError, RDFSyntaxError, StoreUnavailable
from plankg.jsonld import build_context, context_document
from plankg.namespaces import GRAPH_CHANGES, GRAPH_ONTOLOGY, Namespaces
from plankg.settings import Settings
from plankg.store import Store
from plankg.store.rdfio import dataset_bytes, parse_rdf

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    quads: list[ox.Quad]
    counts: dict[str, int]
    outputs: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    report: object | None = None


def load_ontology(settings: Settings) -> list[ox.Quad]:
    ns = Namespaces.of(settings)
    quads: list[ox.Quad] = []
    for path in sorted(settings.ontology_dir.glob("*.ttl")):
        text = ns.rebase(path.read_text(encoding="utf-8"))
        try:
            quads += parse_rdf(text.encode(), ox.RdfFormat.TURTLE, name=str(path), graph=ns.graph(GRAPH_ONTOLOGY))
        except RDFSyntaxError as exc:
            raise OntologyError(exc.path, exc.line, exc.reason) from None
    if not quads:
        raise OntologyError(str(settings.ontology_dir), 0, "no ontology (*.ttl) found")
    # OWL axioms (restrictions, unions) need blank nodes, and the parser labels
    # them at random; canonical labels (RDFC-1.0) keep the build byte-identical.
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return list(dataset)


def assemble(settings: Settings, progress: Progress = lambda step: None) -> BuildResult:
    """Everything but the writing: parse, read, link, map; no side effects."""
    from loaders.document import parse_document
    from loaders.graph import build_quads
    from loaders.linker import find_mentions
    from loaders.registry import load_registry

    seconds: dict[str, float] = {}
    ns = Namespaces.of(settings)

    def step(name: str, fn):
        progress(name)
        start = time.perf_counter()
        value = fn()
        seconds[name] = time.perf_counter() - start
        return value

    document = step("parse document", lambda: parse_document(settings.source_path))
    registry = step("read registry", lambda: load_registry(settings.registry_dir))
    mentions = step("link mentions", lambda: find_mentions(document, registry))
    quads = step("map to RDF", lambda: build_quads(ns, document, registry, mentions))
    quads += step("read ontology", lambda: load_ontology(settings))
    quads = sorted(set(quads), key=str)
    return BuildResult(quads=quads, counts=class_counts(quads, ns), seconds=seconds)


def class_counts(quads: list[ox.Quad], ns: Namespaces) -> dict[str, int]:
    ontology_graph = ox.NamedNode(ns.graph(GRAPH_ONTOLOGY))
    counts: Counter[str] = Counter()
    for q in quads:
        if q.predicate.value == RDF_TYPE and q.graph_name != ontology_graph and not isinstance(q.object, ox.Triple):
            name = q.object.value
            counts[name.removeprefix(ns.pk) if name.startswith(ns.pk) else name] += 1
    return dict(sorted(counts.items()))


def write_dist(settings: Settings, quads: list[ox.Quad]) -> list[Path]:
    ns = Namespaces.of(settings)
    dist = settings.dist
    dist.mkdir(parents=True, exist_ok=True)
    prefixes = ns.rdf_prefixes()
    outputs = {
        "plankg.nq": dataset_bytes(quads, "nquads", prefixes),
        "plankg.trig": dataset_bytes(quads, "trig", prefixes),
        "plankg.ttl": dataset_bytes(quads, "turtle", prefixes),
        # expanded (compacting the whole dataset costs seconds); the context is the one /context.jsonld publishes
        "plankg.jsonld": dataset_bytes(quads, "jsonld", prefixes),
        "context.jsonld": context_document(build_context((q.triple for q in quads), ns)),
    }
    written = []
    for name, data in outputs.items():
        path = dist / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic: a reader never sees a half-written dump
        written.append(path)
    return written


def build(settings: Settings, store: Store | None, progress: Progress = lambda step: None, validate: bool = True) -> BuildResult:
    result = assemble(settings, progress)
    if validate:
        progress("validate against the shapes")
        start = time.perf_counter()
        result.report = _validate(settings, result.quads)
        result.seconds["validate against the shapes"] = time.perf_counter() - start
    progress("write dist/")
    start = time.perf_counter()
    result.outputs = write_dist(settings, result.quads)
    result.seconds["write dist/"] = time.perf_counter() - start
    if store is not None:
        progress("load the store")
        start = time.perf_counter()
        store.replace_dataset(result.quads)
        result.seconds["load the store"] = time.perf_counter() - start
        where = getattr(store, "path", None)
        if where is not None:
            from plankg import stamp
            from plankg.store import ledger

            ledger.forget(where)  # it holds the build alone now
            stamp.write(where, settings.base_iri, stamp.build_id(result.quads))
    return result


def guard_rebuild(settings: Settings, store: Store, *, force: bool = False) -> None:
    """Refuse (exit 3) to build into a store whose steward writes the build would lose.

    A build replaces the whole dataset. That loses steward writes when the store
    holds a change log, and also when the store is empty but its ledger says it
    held writes: its files were deleted, and building would hide that and carry
    on with writes enabled. ``force`` (``plankg build --force``) starts again
    from the source all the same.
    """
    where = getattr(store, "path", None)  # a store on disk; a remote one keeps no ledger
    if force or where is None:
        return
    from plankg.store import ledger

    changes = Namespaces.of(settings).graph(GRAPH_CHANGES)
    if store.is_empty():
        if ledger.held_writes(where):
            raise _lost_writes(where)
    elif store.holds_graph(changes):
        raise StoreUnavailable(
            f"The store at {where} holds steward writes (its change log <{changes}> is not empty), which a build would replace "
            "with the source. Keep them with plankg dump -o FILE first; plankg build --force then starts again from the source."
        )


def _lost_writes(where) -> StoreUnavailable:
    from plankg.store import ledger

    since = (ledger.read(where) or {}).get("firstWrite")
    return StoreUnavailable(
        f"The store at {where} is empty, but its ledger ({ledger.ledger_path(where)}) says it has held steward writes"
        + (f" (since {since})" if since else "")
        + ": they were lost with its files, and building would hide that. Restore the last dump (plankg restore FILE), "
        "or start again from the source with plankg build --force."
    )


def open_built_store(settings: Settings, progress: Progress = lambda step: None) -> Store:
    """The configured store, with the graph built into it first when it is empty
    (``plankg serve`` on a fresh clone builds, then serves), unless it has held
    steward writes (``guard_rebuild``)."""
    from plankg.store import ledger, open_store

    where = settings.store_dir
    gone = not where.exists() or (where.is_dir() and not any(where.iterdir()))  # a file is open_disk's to name
    if settings.store == "embedded" and gone and ledger.held_writes(where):
        raise _lost_writes(where)  # before opening it: an open makes a new, empty store in its place
    store = open_store(settings)
    try:
        if store.is_empty():
            guard_rebuild(settings, store)
            build(settings, store, progress=progress)
        else:
            from plankg.stamp import check_store

            check_store(settings, store)  # built with another PLANKG_BASE_IRI: say so, not an empty site
            _note_existing_writes(settings, store)
    except BaseException:
        store.close()
        raise
    return store


def _note_existing_writes(settings: Settings, store: Store) -> None:
    """A store written before the ledger existed gets one, so that losing it later is noticed."""
    where = getattr(store, "path", None)
    if where is None:
        return
    from plankg.store import ledger

    if ledger.read(where) is None and store.holds_graph(Namespaces.of(settings).graph(GRAPH_CHANGES)):
        try:
            ledger.note(where, "write")
        except OSError as exc:
            import logging

            logging.getLogger("plankg.store").warning("the store's ledger could not be written: %s", exc)


def _validate(settings: Settings, quads: list[ox.Quad]) -> object | None:
    """Fail the build, with the report, when the graph breaks its shapes.

    No shapes is an error (``load_shapes`` says so), not a build that skips the check.
    """
    from plankg.errors import ValidationFailed
    from plankg.validation import validate_quads

    report = validate_quads(settings, quads)
    if not report.passes_gate:
        blocking = [s for s in ("Violation", "Warning", "Info") if report.gate.blocks(s)]
        raise ValidationFailed(report.text(lang="en", severities=blocking), report)
    return report
