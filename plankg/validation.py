"""SHACL validation of plankg data, with a bilingual report for data stewards.

``validate_quads(settings, quads)`` checks quads against the shapes in ``shapes/``
(no inference) and, when an SDG KOS dump is configured, checks every UN SDG IRI
the data cites against it. The report is pySHACL's: ``plankg.shacl`` writes it in
a fraction of pySHACL's time, and pySHACL itself runs where that engine cannot
promise the same report (see its docstring). Everything ends up in one ``Report``:
rows for people (label, path, value, severity, message in English and Chinese)
and the W3C report graph for machines (Turtle, JSON-LD).

Why no inference: the shapes target the concrete classes the graph mapper
writes, and the ontology's class hierarchy (its rdfs:subClassOf triples, nothing
else) is added to every data graph for the sh:class checks, so a steward's data
file validates the same whether or not the ontology comes with it, and pySHACL
does not spend seconds on an RDFS closure. The ontology graph itself is checked
by shapes/ontology-shapes.ttl in a second, small run (one run cannot do: the data
shapes must not see the ontology's terms, nor the ontology shapes the data);
everything else by the other shape files.

Only ``sh:Violation`` makes ``conforms`` false; warnings and infos are reported
and never fail the build.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from plankg.errors import PlanKGError, RDFSyntaxError
from plankg.namespaces import EXTERNAL_PREFIXES, GRAPH_ONTOLOGY, Namespaces
from plankg.settings import Settings
from plankg.store.rdfio import compact_jsonld, format_for, parse_rdf, serialize_triples

SH = EXTERNAL_PREFIXES["sh"]
RDF = EXTERNAL_PREFIXES["rdf"]
RDFS = EXTERNAL_PREFIXES["rdfs"]
SKOS = EXTERNAL_PREFIXES["skos"]
XSD = EXTERNAL_PREFIXES["xsd"]
UN_SDG = "http://metadata.un.org/sdg/"
SDG_CODE_COMPACT = "http://metadata.un.org/sdg/ontology#SDGCodeCompact"
ONTOLOGY_SHAPES = "ontology-shapes.ttl"

SEVERITIES = ("Violation", "Warning", "Info")
SEVERITY_NAMES = {
    "en": {"Violation": "Violation", "Warning": "Warning", "Info": "Info"},
    "zh": {"Violation": "违规", "Warning": "警告", "Info": "提示"},
}
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label")


# ------------------------------------------------------------------ shapes


@dataclass(frozen=True)
class Shapes:
    """Parsed shapes: those for data, and those for the ontology graph (project shapes only)."""

    quads: tuple[ox.Quad, ...]
    sources: tuple[str, ...]
    ontology_quads: tuple[ox.Quad, ...] = ()


def load_shapes(settings: Settings, paths: Sequence[str | Path] | None = None) -> Shapes:
    """The project's shapes (``shapes/*.ttl``, rebased) or the given files (taken as they are).

    Given files apply to everything validated. The project's ``ontology-shapes.ttl``
    applies to the ontology graph only; the other project files to the rest.
    """
    if paths:
        quads: list[ox.Quad] = []
        for path in paths:
            quads += parse_rdf(_read(path), format_for(path=path), name=str(path))
        return Shapes(tuple(quads), tuple(str(p) for p in paths))
    files = sorted(settings.shapes_dir.glob("*.ttl"))
    if not files:
        raise RDFSyntaxError(str(settings.shapes_dir), 0, "no shapes (*.ttl) found")
    ns = Namespaces.of(settings)
    data: list[ox.Quad] = []
    ontology: list[ox.Quad] = []
    for path in files:
        text = ns.rebase(path.read_text(encoding="utf-8"))
        parsed = parse_rdf(text.encode(), ox.RdfFormat.TURTLE, name=str(path))
        (ontology if path.name == ONTOLOGY_SHAPES else data).extend(parsed)
    return Shapes(tuple(data), tuple(str(p) for p in files), tuple(ontology))


def shapes_from_bytes(data: bytes, rdf_format: ox.RdfFormat, name: str = "<shapes>") -> Shapes:
    return Shapes(tuple(parse_rdf(data, rdf_format, name=name)), (name,))


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise RDFSyntaxError(str(path), 0, f"cannot read the file: {exc.strerror}") from None


# ------------------------------------------------------------------ report model


@dataclass(frozen=True)
class ResultRow:
    """One validation result, ready to show in either language."""

    focus: str  # IRI, or "_:id" for a blank node
    focus_label: dict[str, str]  # {"en": …, "zh": …}; may be empty
    path: str | None  # compact path expression, e.g. "skos:prefLabel", "^pk:impactArea"
    value: str | None  # the offending value, as Turtle would write it
    severity: str  # "Violation" | "Warning" | "Info"
    message: dict[str, str]  # {"en": …, "zh": …}
    source_shape: str | None
    component: str | None  # sh:sourceConstraintComponent, compact ("sh:MinCountConstraintComponent")

    def label(self, lang: str = "en") -> str:
        other = "zh" if lang == "en" else "en"
        return self.focus_label.get(lang) or self.focus_label.get(other) or ""

    def message_in(self, lang: str = "en") -> str:
        other = "zh" if lang == "en" else "en"
        return self.message.get(lang) or self.message.get(other) or ""

    def as_dict(self) -> dict:
        return {
            "focusNode": self.focus,
            "focusLabel": dict(self.focus_label),
            "path": self.path,
            "value": self.value,
            "severity": self.severity,
            "message": dict(self.message),
            "sourceShape": self.source_shape,
            "sourceConstraintComponent": self.component,
        }


@dataclass
class Report:
    conforms: bool
    results: list[ResultRow]
    triples: list[ox.Triple] = field(repr=False, default_factory=list)
    prefixes: dict[str, str] = field(repr=False, default_factory=dict)
    authority_checked: bool = False
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for row in self.results:
            counts[row.severity] = counts.get(row.severity, 0) + 1
        return counts

    def by_focus(self) -> list[tuple[str, list[ResultRow]]]:
        """Rows grouped by focus node: nodes with violations first, then by label."""
        groups: dict[str, list[ResultRow]] = defaultdict(list)
        for row in self.results:
            groups[row.focus].append(row)
        rank = {name: i for i, name in enumerate(SEVERITIES)}
        for rows in groups.values():
            rows.sort(key=lambda r: (rank.get(r.severity, 9), *_row_order(r)[2:]))
        return sorted(
            groups.items(),
            key=lambda item: (min(rank.get(r.severity, 9) for r in item[1]), item[1][0].label("en") or item[0], item[0]),
        )

    def text(self, lang: str = "en", severities: Iterable[str] = SEVERITIES) -> str:
        """The human report, grouped by focus node, in English or Chinese."""
        lang = "zh" if lang == "zh" else "en"
        keep = set(severities)
        names = SEVERITY_NAMES[lang]
        counts = self.counts()
        if lang == "zh":
            verdict = "符合" if self.conforms else "不符合"
            tally = "，".join(f"{names[s]} {counts[s]} 项" for s in SEVERITIES)
            lines = [f"验证报告：{verdict}（{tally}）"]
        else:
            verdict = "conforms" if self.conforms else "does not conform"
            tally = ", ".join(f"{counts[s]} {names[s].lower()}{'' if counts[s] == 1 else 's'}" for s in SEVERITIES)
            lines = [f"Validation report: {verdict} ({tally})"]
        for focus, rows in self.by_focus():
            rows = [r for r in rows if r.severity in keep]
            if not rows:
                continue
            label = rows[0].label(lang)
            shown = focus if focus.startswith("_:") else f"<{focus}>"
            lines.append("")
            lines.append(f"{label} {shown}" if label else shown)
            for row in rows:
                where = row.path or ""
                if row.value is not None:
                    where = f"{where} = {row.value}" if where else row.value
                sep = "：" if lang == "zh" else ": "
                lines.append(f"  [{names[row.severity]}] {where + sep if where else ''}{row.message_in(lang)}")
        return "\n".join(lines) + "\n"

    def summary(self) -> dict:
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "authorityChecked": self.authority_checked,
            "results": [row.as_dict() for row in self.results],
        }

    def graph_turtle(self) -> bytes:
        return serialize_triples(self.triples, ox.RdfFormat.TURTLE, self._used_prefixes())

    def graph_jsonld(self) -> bytes:
        return compact_jsonld(self.triples, self._used_prefixes())

    def _used_prefixes(self) -> dict[str, str]:
        iris = {term.value for t in self.triples for term in (t.subject, t.predicate, t.object) if isinstance(term, ox.NamedNode)}
        return {name: ns for name, ns in self.prefixes.items() if any(iri.startswith(ns) for iri in iris)}


# ------------------------------------------------------------------ validation


def validate_quads(
    settings: Settings,
    quads: Iterable[ox.Quad | ox.Triple],
    shapes: Shapes | Sequence[str | Path] | None = None,
    context: Iterable[ox.Quad | ox.Triple] | None = None,
    *,
    engine: str = "auto",
) -> Report:
    """Validate data against the shapes (default: the project's) and the SDG KOS, if configured.

    ``context`` is data the checked data refers to (typically the built graph, for a
    steward's file that adds a collaboration with an organization defined elsewhere):
    it is validated along, so references resolve, but only results about the nodes
    ``quads`` describes are reported (and violations about nodes it refers to).

    ``engine``: "auto" runs ``plankg.shacl`` and pySHACL only where that engine
    cannot promise pySHACL's report; "pyshacl" always runs pySHACL.
    """
    import time

    if engine not in ("auto", "pyshacl"):
        raise ValueError(f"engine must be 'auto' or 'pyshacl', not {engine!r}")
    start = time.perf_counter()
    quads = list(quads)
    checked = list(quads)
    if context is not None:
        quads = checked + list(context)
    if shapes is None or not isinstance(shapes, Shapes):
        shapes = load_shapes(settings, shapes or None)
    ns = Namespaces.of(settings)
    hierarchy = class_hierarchy(settings)
    if shapes.ontology_quads:
        # The ontology graph gets the ontology shapes, everything else the data shapes; an
        # input without that named graph (a steward's file) is all data, unless it is itself
        # an ontology (then it gets both).
        ontology_graph = ox.NamedNode(ns.graph(GRAPH_ONTOLOGY))
        data, ontology = [], []
        for q in quads:
            (ontology if isinstance(q, ox.Quad) and q.graph_name == ontology_graph else data).append(q)
        ontology = ontology or (quads if _declares_terms(quads) else [])
    else:
        data, ontology = quads, []
    triples = _report_graph(data + hierarchy, shapes.quads, shapes, engine)
    if ontology:
        triples = _merge_reports(triples, _report_graph(ontology, shapes.ontology_quads, shapes, engine))
    labels = _LabelIndex(quads, ns)
    rows = _rows(triples, labels)
    if context is not None:
        rows, triples = _only_about(checked, rows, triples)

    authority_checked = False
    if settings.sdg_kos_path is not None:
        extra = check_sdg_authority(settings, checked, settings.sdg_kos_path, labels)
        authority_checked = True
        rows += extra
        triples += _result_triples(extra, ns, _report_node(triples))
    conforms = not any(r.severity == "Violation" for r in rows)
    triples = _set_conforms(triples, conforms)
    prefixes = {**ns.prefixes(), "pksh": shapes_namespace(ns)}
    return Report(
        conforms=conforms,
        results=rows,
        triples=triples,
        prefixes=prefixes,
        authority_checked=authority_checked,
        seconds=time.perf_counter() - start,
    )


def _only_about(checked: list, rows: list[ResultRow], triples: list[ox.Triple]) -> tuple[list[ResultRow], list[ox.Triple]]:
    """The results about the checked data: every result about a node it describes (a subject),
    and violations about a node it only refers to (a typo in an IRI shows up there)."""
    subjects = {_node_id(q.subject) for q in checked}
    objects = {_node_id(q.object) for q in checked if isinstance(q.object, (ox.NamedNode, ox.BlankNode))}

    def wanted(focus: str, severity: str) -> bool:
        return focus in subjects or (focus in objects and severity == "Violation")

    focus_of = {t.subject: _node_id(t.object) for t in triples if t.predicate.value == SH + "focusNode"}
    severity_of = {t.subject: t.object.value.removeprefix(SH) for t in triples if t.predicate.value == SH + "resultSeverity"}
    dropped = {r for r, focus in focus_of.items() if not wanted(focus, severity_of.get(r, "Violation"))}
    kept = [t for t in triples if t.subject not in dropped and t.object not in dropped]
    return [r for r in rows if wanted(r.focus, r.severity)], kept


def _report_graph(data: list, shape_quads: Sequence[ox.Quad], shapes: Shapes, engine: str) -> list[ox.Triple]:
    """The W3C validation report of one run, as pySHACL writes it."""
    if engine == "auto":
        from plankg.shacl import Unsupported, validate

        try:
            return validate(shape_quads, data)
        except Unsupported:
            pass  # pySHACL decides: it may accept what this engine does not reproduce, or explain the error
    from plankg.store.rdflib_bridge import from_rdflib_graph, to_rdflib_graph

    return from_rdflib_graph(_run_pyshacl(to_rdflib_graph(data), to_rdflib_graph(shape_quads), shapes))


def _run_pyshacl(data_graph, shapes_graph, shapes: Shapes):
    import pyshacl

    try:
        _, report_graph, _ = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            inference="none",
            advanced=False,  # SHACL-AF (rules, SPARQL targets) would let uploaded shapes change data
            allow_warnings=True,
            allow_infos=True,
            inplace=True,  # the rdflib graph is a throw-away copy; skip pySHACL's second copy
            do_owl_imports=False,
        )
    except PlanKGError:
        raise
    except Exception as exc:  # noqa: BLE001 - shapes may come from a user; pySHACL and rdflib
        # raise a dozen unrelated types for shapes they cannot use (a bad count, SPARQL that does
        # not parse); each is the user's input error, never a crash of ours.
        raise _unusable(shapes, str(exc)) from None
    if not hasattr(report_graph, "__iter__"):
        # pySHACL returns a ValidationFailure (not a graph) for some broken shapes
        raise _unusable(shapes, str(report_graph))
    return report_graph


def _unusable(shapes: Shapes, reason: str) -> RDFSyntaxError:
    first = next((line.strip() for line in reason.splitlines() if line.strip()), "unknown error")
    return RDFSyntaxError(", ".join(shapes.sources[:3]), 0, f"the shapes cannot be used: {first[:300]}")


OWL = EXTERNAL_PREFIXES["owl"]
TERM_TYPES = {OWL + "Ontology", OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"}


def _declares_terms(quads: list) -> bool:
    return any(q.predicate.value == RDF + "type" and q.object.value in TERM_TYPES for q in quads)


def _merge_reports(first: list[ox.Triple], second: list[ox.Triple]) -> list[ox.Triple]:
    """One sh:ValidationReport: the second report's results move to the first."""
    report = _report_node(first)
    other = _report_node(second)
    merged = list(first)
    for t in second:
        if t.subject == other:
            if t.predicate.value == SH + "result":
                merged.append(ox.Triple(report, t.predicate, t.object))
            continue
        merged.append(t)
    return merged


def class_hierarchy(settings: Settings) -> list[ox.Triple]:
    """The ontology's rdfs:subClassOf triples between named classes.

    The shapes check values with sh:class on superclasses (pk:DocumentPart,
    pk:Organization, …); pySHACL follows rdfs:subClassOf only in the data graph,
    so these few triples go with every validation, whatever the data holds.
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


def shapes_namespace(ns: Namespaces) -> str:
    return ns.base + "shapes#"


# ------------------------------------------------------------------ reading pySHACL's report


def _rows(triples: list[ox.Triple], labels: "_LabelIndex") -> list[ResultRow]:
    by_subject: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject][t.predicate.value].append(t.object)
    reports = [t.subject for t in triples if t.predicate.value == RDF + "type" and t.object.value == SH + "ValidationReport"]
    results = [r for report in reports for r in by_subject[report][SH + "result"]]
    focus_nodes = [by_subject[r][SH + "focusNode"][0] for r in results if by_subject[r][SH + "focusNode"]]
    labels.prepare(focus_nodes)
    rows = []
    for r in results:
        props = by_subject[r]
        focus = props[SH + "focusNode"][0]
        severity = props[SH + "resultSeverity"][0].value.removeprefix(SH) if props[SH + "resultSeverity"] else "Violation"
        path = props[SH + "resultPath"][0] if props[SH + "resultPath"] else None
        value = props[SH + "value"][0] if props[SH + "value"] else None
        shape = props[SH + "sourceShape"][0] if props[SH + "sourceShape"] else None
        component = props[SH + "sourceConstraintComponent"][0] if props[SH + "sourceConstraintComponent"] else None
        rows.append(
            ResultRow(
                focus=_node_id(focus),
                focus_label=labels.label(focus),
                path=_path_text(path, by_subject, labels) if path is not None else None,
                value=labels.term_text(value) if value is not None else None,
                severity=severity,
                message=_messages(props[SH + "resultMessage"]),
                source_shape=_node_id(shape) if isinstance(shape, ox.NamedNode) else None,
                component=labels.compact(component.value) if isinstance(component, ox.NamedNode) else None,
            )
        )
    return sorted(rows, key=_row_order)


def _row_order(row: ResultRow) -> tuple:
    # the tail breaks ties, so equal-looking rows keep one order from run to run (and engine to engine)
    rank = SEVERITIES.index(row.severity) if row.severity in SEVERITIES else 9
    return (
        rank, row.focus, row.path or "", row.value or "",
        row.component or "", row.source_shape or "", row.message_in("en"), row.message_in("zh"),
    )


def _messages(literals: list) -> dict[str, str]:
    found: dict[str, str] = {}
    untagged: list[str] = []
    # sorted: with two messages in one language, the one shown must not depend on the
    # order the report graph happens to list them in
    for lit in sorted((lit for lit in literals if isinstance(lit, ox.Literal)), key=lambda lit: (lit.value, lit.language or "")):
        lang = (lit.language or "").lower().split("-")[0]
        if lang in ("en", "zh"):
            found.setdefault(lang, lit.value)
        elif not lit.language:
            untagged.append(lit.value)
    for text in untagged:
        # pySHACL drops the language tag when it fills in a SPARQL message's {?var}, and
        # its own messages (for shapes without sh:message) are English and untagged.
        found.setdefault("zh" if _CJK.search(text) else "en", text)
    return found


_CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")


def _node_id(term) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


def _path_text(path, by_subject, labels: "_LabelIndex", depth: int = 0) -> str:
    """A SHACL property path in SPARQL path syntax (``^pk:impactArea``, ``a/b``, ``(a|b)*``)."""
    if isinstance(path, ox.NamedNode):
        return labels.compact(path.value)
    if depth > 8 or not isinstance(path, ox.BlankNode):
        return "…"
    props = by_subject.get(path, {})
    for key, template in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"), ("oneOrMorePath", "{}+"), ("zeroOrOnePath", "{}?")):
        if props.get(SH + key):
            return template.format(_path_text(props[SH + key][0], by_subject, labels, depth + 1))
    if props.get(SH + "alternativePath"):
        items = _rdf_list(props[SH + "alternativePath"][0], by_subject)
        return "(" + "|".join(_path_text(i, by_subject, labels, depth + 1) for i in items) + ")"
    if props.get(RDF + "first"):
        return "/".join(_path_text(i, by_subject, labels, depth + 1) for i in _rdf_list(path, by_subject))
    return "…"


def _rdf_list(head, by_subject) -> list:
    items = []
    seen = set()
    while isinstance(head, ox.BlankNode) and head not in seen:
        seen.add(head)
        props = by_subject.get(head, {})
        if not props.get(RDF + "first"):
            break
        items.append(props[RDF + "first"][0])
        head = props[RDF + "rest"][0] if props.get(RDF + "rest") else None
    return items


def _set_conforms(triples: list[ox.Triple], conforms: bool) -> list[ox.Triple]:
    kept = [t for t in triples if t.predicate.value != SH + "conforms"]
    reports = {t.subject for t in triples if t.predicate.value == RDF + "type" and t.object.value == SH + "ValidationReport"}
    value = ox.Literal("true" if conforms else "false", datatype=ox.NamedNode(XSD + "boolean"))
    return kept + [ox.Triple(r, ox.NamedNode(SH + "conforms"), value) for r in reports]


def _report_node(triples: list[ox.Triple]):
    for t in triples:
        if t.predicate.value == RDF + "type" and t.object.value == SH + "ValidationReport":
            return t.subject
    return ox.BlankNode("report")


def _result_triples(rows: list[ResultRow], ns: Namespaces, report) -> list[ox.Triple]:
    """Report-graph triples for results computed outside pySHACL (the SDG KOS check)."""
    triples: list[ox.Triple] = []
    for i, row in enumerate(rows):
        node = ox.BlankNode(f"authority{i}")
        triples.append(ox.Triple(report, ox.NamedNode(SH + "result"), node))
        add = lambda p, o: triples.append(ox.Triple(node, ox.NamedNode(SH + p), o))  # noqa: E731
        triples.append(ox.Triple(node, ox.NamedNode(RDF + "type"), ox.NamedNode(SH + "ValidationResult")))
        add("focusNode", ox.NamedNode(row.focus))
        add("resultPath", ox.NamedNode(SKOS + "exactMatch"))
        if row.value:
            add("value", ox.NamedNode(row.value.strip("<>")))
        add("resultSeverity", ox.NamedNode(SH + row.severity))
        for lang, text in sorted(row.message.items()):
            add("resultMessage", ox.Literal(text, language=lang))
        if row.source_shape:
            add("sourceShape", ox.NamedNode(row.source_shape))
        add("sourceConstraintComponent", ox.NamedNode(shapes_namespace(ns) + "SDGAuthorityConstraintComponent"))
    return triples


# ------------------------------------------------------------------ labels for the report


class _LabelIndex:
    """Labels of the nodes a report mentions, looked up in the validated data."""

    def __init__(self, quads: list, ns: Namespaces) -> None:
        self._quads = quads
        self._prefixes = sorted({**ns.prefixes(), "pksh": shapes_namespace(ns)}.items(), key=lambda kv: -len(kv[1]))
        self._pk = ns.pk
        self._props: dict[object, dict[str, list]] = {}
        self._by_subject: dict[object, list] | None = None

    def prepare(self, nodes: Iterable) -> None:
        """Index the properties of these nodes and of the nodes their fallback labels use."""
        wanted = set(nodes)
        self._index(wanted)
        neighbours = set()
        for node in wanted:
            props = self._props.get(node, {})
            for key in ("collaborator", "intervention", "mentionOf", "inText"):
                neighbours.update(props.get(self._pk + key, []))
        self._index(neighbours - set(self._props))

    def _index(self, nodes: set) -> None:
        if not nodes:
            return
        if self._by_subject is None:
            # one pass over the data, however many times the report asks for labels
            by_subject: dict[object, list] = {}
            for q in self._quads:
                by_subject.setdefault(q.subject, []).append(q)
            self._by_subject = by_subject
        for node in nodes:
            if node in self._props:
                continue
            props = self._props[node] = defaultdict(list)
            for q in self._by_subject.get(node, ()):
                props[q.predicate.value].append(q.object)

    def _own(self, node) -> dict[str, str]:
        props = self._props.get(node, {})
        found: dict[str, str] = {}
        for predicate in LABEL_PREDICATES:
            for lit in props.get(predicate, []):
                if isinstance(lit, ox.Literal):
                    lang = (lit.language or "").lower().split("-")[0]
                    if lang in ("en", "zh"):
                        found.setdefault(lang, lit.value)
        return found

    def label(self, node) -> dict[str, str]:
        own = self._own(node)
        if own:
            return own
        props = self._props.get(node, {})
        pk = self._pk
        # Collaborations and mentions carry no label of their own; name them by what they link.
        if props.get(pk + "collaborator") and props.get(pk + "intervention"):
            who = self._own(props[pk + "collaborator"][0])
            step = self._notation(props[pk + "intervention"][0])
            if who:
                return {
                    "en": f"{who.get('en') or who.get('zh')} in key intervention {step}",
                    "zh": f"{who.get('zh') or who.get('en')}（主要干预措施 {step}）",
                }
        if props.get(pk + "mentionOf") and props.get(pk + "inText"):
            what = self._own(props[pk + "mentionOf"][0])
            where = self._own(props[pk + "inText"][0])
            if what and where:
                return {
                    "en": f"mention of {what.get('en') or what.get('zh')} in {where.get('en') or where.get('zh')}",
                    "zh": f"{where.get('zh') or where.get('en')}中提及的{what.get('zh') or what.get('en')}",
                }
        return {}

    def _notation(self, node) -> str:
        props = self._props.get(node)
        if props is None:
            self._index({node})
            props = self._props[node]
        for lit in props.get(SKOS + "notation", []):
            return lit.value
        return self.compact(node.value) if isinstance(node, ox.NamedNode) else "?"

    def compact(self, iri: str) -> str:
        for prefix, namespace in self._prefixes:
            if iri.startswith(namespace):
                local = iri[len(namespace) :]
                if re.fullmatch(r"[A-Za-z_][\w.-]*", local) and not local.endswith("."):
                    return f"{prefix}:{local}"
        return f"<{iri}>"

    def term_text(self, term) -> str:
        if isinstance(term, ox.NamedNode):
            return f"<{term.value}>"
        if isinstance(term, ox.BlankNode):
            return "_:" + term.value
        return str(term)


# ------------------------------------------------------------------ external authority: UN SDG KOS


def load_sdg_kos(path: str | Path) -> tuple[set[str], dict[str, set[str]]]:
    """Concept IRIs of the UN SDG KOS dump, and their compact codes ("5.1.1")."""
    path = Path(path)
    quads = parse_rdf(_read(path), format_for(path=path), name=str(path))
    concepts: set[str] = set()
    codes: dict[str, set[str]] = defaultdict(set)
    for q in quads:
        subject = q.subject.value if isinstance(q.subject, ox.NamedNode) else None
        if subject is None or not subject.startswith(UN_SDG):
            continue
        if q.predicate.value == RDF + "type":
            concepts.add(subject)
        elif (
            q.predicate.value == SKOS + "notation"
            and isinstance(q.object, ox.Literal)
            and q.object.datatype.value == SDG_CODE_COMPACT
        ):
            codes[subject].add(q.object.value)
    return concepts, codes


def check_sdg_authority(
    settings: Settings, quads: list, kos_path: str | Path, labels: _LabelIndex | None = None
) -> list[ResultRow]:
    """Every UN SDG IRI cited with skos:exactMatch exists in the KOS, under the same code."""
    ns = Namespaces.of(settings)
    labels = labels or _LabelIndex(quads, ns)
    concepts, codes = load_sdg_kos(kos_path)
    cited: dict[tuple[object, str], None] = {}
    notations: dict[object, set[str]] = defaultdict(set)
    for q in quads:
        if q.predicate.value == SKOS + "exactMatch" and isinstance(q.object, ox.NamedNode) and q.object.value.startswith(UN_SDG):
            cited[(q.subject, q.object.value)] = None
        elif q.predicate.value == SKOS + "notation" and isinstance(q.object, ox.Literal):
            notations[q.subject].add(q.object.value)
    labels.prepare([subject for subject, _ in cited])
    shape = shapes_namespace(ns) + "SDGAuthorityCheck"
    rows = []
    for subject, iri in sorted(cited, key=lambda k: (str(k[0]), k[1])):
        if iri not in concepts:
            message = {
                "en": f"The UN SDG vocabulary (SDG KOS) has no concept <{iri}>.",
                "zh": f"联合国可持续发展目标词表（SDG KOS）中没有概念 <{iri}>。",
            }
        elif codes.get(iri) and notations.get(subject) and not (codes[iri] & notations[subject]):
            theirs = ", ".join(sorted(codes[iri]))
            ours = ", ".join(sorted(notations[subject]))
            message = {
                "en": f"<{iri}> is SDG {theirs} in the UN SDG vocabulary, but this concept's code is {ours}.",
                "zh": f"<{iri}> 在联合国可持续发展目标词表中为 {theirs}，而本概念的编码为 {ours}。",
            }
        else:
            continue
        rows.append(
            ResultRow(
                focus=_node_id(subject),
                focus_label=labels.label(subject),
                path="skos:exactMatch",
                value=f"<{iri}>",
                severity="Violation",
                message=message,
                source_shape=shape,
                component="pksh:SDGAuthorityConstraintComponent",
            )
        )
    return rows
