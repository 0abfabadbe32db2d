"""The stamp: which base IRI and which build a store was made with, and the check against it.

Every IRI in the graph starts with ``PLANKG_BASE_IRI``. A store built with one base and served
with another answers nothing (the pages look up IRIs the store does not hold) and a dump built
with one base and validated with another breaks every shape that names a class. Neither is an
error SPARQL can notice, so the base is recorded where it is made and checked where it is used:

- ``plankg build`` writes ``<store>.stamp.json`` beside an on-disk store (as the ledger sits
  beside it: the store directory is pyoxigraph's own), with the base and the build's id;
- ``plankg serve`` (``plankg.build.open_built_store``) calls ``check_store`` before serving;
- ``plankg validate`` calls ``check_data`` on the files it is given: data typed with this
  project's classes under another base (``<other base>ontology#Paragraph``), never this one's.

A remote store keeps no stamp; it is checked by whether it holds this base's plan graph.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

import plankg
from plankg.errors import BaseIriMismatch
from plankg.namespaces import GRAPH_PLAN, Namespaces
from plankg.settings import DEFAULT_BASE_IRI, Settings
from plankg.store.base import Store
from plankg.store.ledger import write_atomically

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"
VOCABULARY_SUFFIX = "ontology#"


def stamp_path(store_dir: Path) -> Path:
    store_dir = Path(store_dir)
    return store_dir.with_name(store_dir.name + ".stamp.json")


def build_id(quads: Iterable[ox.Quad]) -> str:
    """The same graph gives the same id (the build is deterministic): a digest of its sorted quads."""
    digest = hashlib.sha256()
    for line in sorted(str(quad) for quad in quads):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def write(store_dir: Path, base_iri: str, build: str) -> dict:
    data = {
        "baseIri": base_iri,
        "build": build,
        "plankg": plankg.__version__,
        "builtAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
    }
    write_atomically(stamp_path(store_dir), (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())
    return data


def read(store_dir: Path) -> dict | None:
    """The stamp; None when there is none or it cannot be read (a store from before stamps)."""
    try:
        data = json.loads(stamp_path(store_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _remedy(built_with: str | None, configured: str) -> str:
    if built_with is None:
        return f"Rebuild it for {configured} with `plankg build` (`--force` if it holds steward writes: dump them first)."
    return f"Set PLANKG_BASE_IRI={built_with} to serve it as it is, or rebuild it for {configured} with `plankg build` (`--force` if it holds steward writes: dump them first)."


def check_store(settings: Settings, store: Store) -> None:
    """Refuse a store made with another base (``BaseIriMismatch``, exit 2)."""
    configured = settings.base_iri
    where = getattr(store, "path", None)
    if where is not None:
        stamp = read(where) or {}  # none: a store from before stamps, taken as it is
        built_with = stamp.get("baseIri")
        if built_with is None or built_with == configured:
            return
        raise BaseIriMismatch(
            f"The store at {where} was built with PLANKG_BASE_IRI={built_with} (build {stamp.get('build', '?')}), "
            f"but this run's PLANKG_BASE_IRI is {configured}: its pages would be empty. {_remedy(built_with, configured)}"
        )
    plan = Namespaces.of(settings).graph(GRAPH_PLAN)
    if not store.is_empty() and not store.holds_graph(plan):
        raise BaseIriMismatch(
            f"The store holds no graph <{plan}>: it was built with another PLANKG_BASE_IRI than {configured}. "
            + _remedy(None, configured)
        )


def _our_classes(settings: Settings) -> set[str]:
    """Local names of the classes the ontology declares (``pk:StrategicPlan`` -> ``StrategicPlan``)."""
    from plankg.store.rdfio import parse_rdf_file

    pk = DEFAULT_BASE_IRI + VOCABULARY_SUFFIX  # the source files are written against the default base
    names = set()
    for path in sorted(settings.ontology_dir.glob("*.ttl")):
        for quad in parse_rdf_file(str(path)):
            subject, kind = quad.subject, quad.object
            if quad.predicate.value != RDF_TYPE or not isinstance(kind, ox.NamedNode) or kind.value != OWL_CLASS:
                continue
            if isinstance(subject, ox.NamedNode) and subject.value.startswith(pk):
                names.add(subject.value[len(pk) :])
    return names


def check_data(settings: Settings, quads: Iterable[ox.Quad], name: str) -> None:
    """Refuse data whose instances are typed with this project's classes under another base's
    vocabulary (``<other base>ontology#Paragraph``) and never under this one's."""
    ours = Namespaces.of(settings).pk
    typed = {q.object.value for q in quads if q.predicate.value == RDF_TYPE and isinstance(q.object, ox.NamedNode)}
    if any(iri.startswith(ours) for iri in typed):
        return
    foreign = [iri for iri in typed if "/" + VOCABULARY_SUFFIX in iri and not iri.startswith(ours)]
    if not foreign:
        return
    classes = _our_classes(settings)
    ours_elsewhere = sorted(iri for iri in foreign if iri.rsplit(VOCABULARY_SUFFIX, 1)[1] in classes)
    if not ours_elsewhere:
        return
    built_with = ours_elsewhere[0].rsplit(VOCABULARY_SUFFIX, 1)[0]
    raise BaseIriMismatch(
        f"{name} types its nodes with <{ours_elsewhere[0]}>, this project's vocabulary made with "
        f"PLANKG_BASE_IRI={built_with}, but this run's PLANKG_BASE_IRI is {settings.base_iri}: the shapes "
        f"would not recognise a single class. Set PLANKG_BASE_IRI={built_with}, or rebuild the data for "
        f"{settings.base_iri} with `plankg build`."
    )
