"""``validate_quads``: data against shapes (default: the project's), and the SDG KOS when configured.

Why no inference: the project's shapes target the concrete classes the graph mapper
writes, and the ontology's class hierarchy (its rdfs:subClassOf triples, nothing else)
is added to the data for their sh:class checks, so a steward's data file validates the
same whether or not the ontology comes with it. Other shapes (a user's upload, the W3C
suite) get exactly the data given, unless ``ontology=True`` asks for the hierarchy; the
report's ``added`` says what was added. The ontology graph itself is checked by
shapes/ontology-shapes.ttl in a second, small run (one run cannot do: the data shapes
must not see the ontology's terms, nor the ontology shapes the data).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from plankg.namespaces import GRAPH_ONTOLOGY, OWL, RDF, RDFS, Namespaces
from plankg.settings import Settings
from plankg.store.rdfio import parse_rdf
from plankg.validation.engines import DEFAULT_ENGINE, engine_name, report_graph
from plankg.validation.report import (
    Gate,
    LabelIndex,
    Report,
    ResultRow,
    merge_reports,
    node_id,
    report_node,
    result_triples,
    rows,
    set_conforms,
    shapes_namespace,
)
from plankg.validation.shapes import Shapes, load_shapes

TERM_TYPES = {OWL + "Ontology", OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}
ADDED_ONTOLOGY = "ontology"
ADDED_CONTEXT = "graph"


def validate_quads(
    settings: Settings,
    quads: Iterable[ox.Quad | ox.Triple],
    shapes: Shapes | Sequence[str | Path] | None = None,
    context: Iterable[ox.Quad | ox.Triple] | None = None,
    *,
    engine: str = DEFAULT_ENGINE,
    ontology: bool | None = None,
) -> Report:
    """Validate data against the shapes (default: the project's) and the SDG KOS, if configured.

    ``context`` is data the checked data refers to (typically the built graph, for a
    steward's file that adds a collaboration with an organization defined elsewhere):
    it is validated along, so references resolve, but only results about the nodes
    ``quads`` describes are reported (and violations about nodes it refers to).

    ``ontology``: add the ontology's class hierarchy to the data; by default only for
    the project's shapes. ``engine``: "turbo" (default) or "pyshacl" (the reference).
    """
    start = time.perf_counter()
    checked = list(quads)
    quads = checked
    added: list[dict] = []
    if context is not None:
        context = list(context)
        quads = checked + context
        added.append({"name": ADDED_CONTEXT, "description": "the stored graph (results only about the data given)", "triples": len(context)})
    if not isinstance(shapes, Shapes):
        shapes = load_shapes(settings, shapes or None)
    if not shapes.project:
        shapes.check_queries(settings.max_nesting_depth)
    ns = Namespaces.of(settings)
    hierarchy = class_hierarchy(settings) if (shapes.project if ontology is None else ontology) else []
    if hierarchy:
        added.append({"name": ADDED_ONTOLOGY, "description": "the ontology's rdfs:subClassOf triples", "triples": len(hierarchy)})
    if shapes.ontology_quads:
        # The ontology graph gets the ontology shapes, everything else the data shapes; an
        # input without that named graph (a steward's file) is all data, unless it is itself
        # an ontology (then it gets both).
        ontology_graph = ox.NamedNode(ns.graph(GRAPH_ONTOLOGY))
        data: list = []
        terms: list = []
        for q in quads:
            (terms if isinstance(q, ox.Quad) and q.graph_name == ontology_graph else data).append(q)
        terms = terms or (quads if _declares_terms(quads) else [])
    else:
        data, terms = quads, []
    triples = report_graph(engine, data + hierarchy, shapes.engine_quads, shapes.sources, shapes.memo)
    if terms:
        triples = merge_reports(triples, report_graph(engine, terms, shapes.engine_ontology_quads, shapes.sources, shapes.memo))
    labels = LabelIndex(quads, ns)
    report = Report(
        conforms=False,
        results=rows(triples, labels),
        triples=triples,
        prefixes={**ns.prefixes(), "pksh": shapes_namespace(ns)},
        engine=engine_name(engine),
        added=added,
        gate=Gate.of(settings.write_gate_severity),
    )
    if context is not None:
        report = only_about(checked, report)

    if settings.sdg_kos_path is not None:
        from plankg.validation.authority import check_sdg_authority

        extra = check_sdg_authority(settings, checked, settings.sdg_kos_path, labels)
        report.authority_checked = True
        report.results = sorted([*report.results, *extra], key=_severity_rank)
        report.triples = report.triples + result_triples(extra, ns, report_node(report.triples))
    # SHACL's sh:conforms: false whenever there is a result, of any severity
    report.conforms = not report.results
    report.triples = set_conforms(report.triples, report.conforms)
    report.seconds = time.perf_counter() - start
    return report


def _severity_rank(row: ResultRow) -> int:
    from plankg.validation.report import SEVERITIES

    return SEVERITIES.index(row.severity) if row.severity in SEVERITIES else 9


def only_about(checked: list, report: Report) -> Report:
    """The results about the checked data: every result about a node it describes (a subject),
    and violations about a node it only refers to (a typo in an IRI shows up there)."""
    subjects = {node_id(q.subject) for q in checked}
    objects = {node_id(q.object) for q in checked if isinstance(q.object, (ox.NamedNode, ox.BlankNode))}

    def wanted(focus: str, severity: str) -> bool:
        return focus in subjects or (focus in objects and severity == "Violation")

    return report.restricted(lambda row: wanted(row.focus, row.severity), wanted)


def only_checked(report: Report, checked: set[str]) -> Report:
    """The report restricted to results on these nodes (rows and the W3C report graph)."""
    return report.restricted(lambda row: row.focus in checked, lambda focus, _severity: focus in checked)


def _declares_terms(quads: list) -> bool:
    return any(q.predicate.value == RDF + "type" and q.object.value in TERM_TYPES for q in quads)


def class_hierarchy(settings: Settings) -> list[ox.Triple]:
    """The ontology's rdfs:subClassOf triples between named classes.

    The project's shapes check values with sh:class on superclasses (pk:DocumentPart,
    pk:Organization, …); SHACL follows rdfs:subClassOf only in the data graph.
    """
    files = sorted(settings.ontology_dir.glob("*.ttl"))
    # parsed again only when a file changes: a write validates a few dozen triples, and
    # parsing the ontology for them took longer than validating them
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    return list(_class_hierarchy(settings.base_iri, stamp))


@lru_cache(maxsize=4)
def _class_hierarchy(base_iri: str, stamp: tuple) -> tuple[ox.Triple, ...]:
    ns = Namespaces(base_iri)
    triples: list[ox.Triple] = []
    for name, _, _ in stamp:
        path = Path(name)
        text = ns.rebase(path.read_text(encoding="utf-8"))
        for q in parse_rdf(text.encode(), ox.RdfFormat.TURTLE, name=str(path)):
            if q.predicate.value == RDFS + "subClassOf" and isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode):
                triples.append(q.triple)
    return tuple(triples)
