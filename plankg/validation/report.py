"""The report: rows for people (bilingual text, the page, JSON) and the W3C report graph for machines.

A report graph comes from the engine (``plankg.validation.engines``); ``rows`` reads it
into ``ResultRow``s. ``conforms`` is the SHACL specification's (false when there is any
result, of any severity); whether the write gate lets the data in is a separate field
(``gate``), set by ``PLANKG_WRITE_GATE_SEVERITY``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pyoxigraph as ox

from plankg.namespaces import RDF, RDFS, SH, SKOS, XSD, Namespaces
from plankg.rdflist import list_items
from plankg.store.rdfio import compact_jsonld, serialize_triples

SEVERITIES = ("Violation", "Warning", "Info")  # most severe first
SEVERITY_NAMES = {
    "en": {"Violation": "Violation", "Warning": "Warning", "Info": "Info"},
    "zh": {"Violation": "违规", "Warning": "警告", "Info": "提示"},
}
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label")
VALIDATION_REPORT = ox.NamedNode(SH + "ValidationReport")


def _iri(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else ""


def shapes_namespace(ns: Namespaces) -> str:
    return ns.base + "shapes#"


@dataclass(frozen=True)
class Gate:
    """The write gate: data passes when no result is as severe as ``severity`` or more.

    Not SHACL's ``sh:conforms`` (any result makes that false): stewards' data may carry
    warnings and infos and still be written. ``PLANKG_WRITE_GATE_SEVERITY`` sets it.
    """

    severity: str = "Violation"

    def blocks(self, row_severity: str) -> bool:
        rank = SEVERITIES.index(self.severity)
        return row_severity not in SEVERITIES or SEVERITIES.index(row_severity) <= rank

    @classmethod
    def of(cls, setting: str) -> Gate:
        return cls(setting.capitalize())

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
    """One validation: ``conforms`` as SHACL defines it, the rows, the report graph, and how it was made.

    ``engine``: the engine that answered (name and version). ``added``: data that was
    validated along with the data given (the ontology's class hierarchy, the stored
    graph), each ``{"what", "triples"}``. ``gate``: the write gate the rows are judged by.
    """

    conforms: bool
    results: list[ResultRow]
    triples: list[ox.Triple] = field(repr=False, default_factory=list)
    prefixes: dict[str, str] = field(repr=False, default_factory=dict)
    authority_checked: bool = False
    seconds: float = 0.0
    engine: str = ""
    added: list[dict] = field(default_factory=list)
    gate: Gate = field(default_factory=Gate)

    @property
    def passes_gate(self) -> bool:
        """What a write, a build and ``plankg validate``'s exit status go by."""
        return not any(self.gate.blocks(row.severity) for row in self.results)

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
            gate = "通过" if self.passes_gate else "未通过"
            lines = [f"验证报告：{verdict}（{tally}）；写入关口（{names[self.gate.severity]}）：{gate}"]
        else:
            verdict = "conforms" if self.conforms else "does not conform"
            tally = ", ".join(f"{counts[s]} {names[s].lower()}{'' if counts[s] == 1 else 's'}" for s in SEVERITIES)
            gate = "passes" if self.passes_gate else "fails"
            lines = [f"Validation report: {verdict} ({tally}); write gate ({names[self.gate.severity].lower()}): {gate}"]
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
                lines.append(f"  [{names.get(row.severity, row.severity)}] {where + sep if where else ''}{row.message_in(lang)}")
        return "\n".join(lines) + "\n"

    def summary(self) -> dict:
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "writeGate": {"severity": self.gate.severity, "passes": self.passes_gate},
            "engine": self.engine,
            "added": [dict(a) for a in self.added],
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

    def restricted(self, keep_row, keep_focus) -> Report:
        """The report with only the results ``keep_row(row)`` / ``keep_focus(focus id, severity)`` keep."""
        kept = [row for row in self.results if keep_row(row)]
        if len(kept) == len(self.results):
            return self
        conforms = not kept
        triples = set_conforms(_prune(self.triples, keep_focus), conforms)
        return replace(self, conforms=conforms, results=kept, triples=triples)


def _prune(triples: list[ox.Triple], keep_focus) -> list[ox.Triple]:
    """The report graph without the results ``keep_focus`` drops, nor what only they mention."""
    by_subject: dict[object, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    focus_of = {t.subject: node_id(t.object) for t in triples if t.predicate.value == SH + "focusNode"}
    severity_of = {t.subject: _iri(t.object).removeprefix(SH) for t in triples if t.predicate.value == SH + "resultSeverity"}
    dropped = {r for r, focus in focus_of.items() if not keep_focus(focus, severity_of.get(r, "Violation"))}
    keep: list[ox.Triple] = []
    seen: set = set()
    stack = [t.subject for t in triples if t.predicate.value == RDF + "type" and t.object == VALIDATION_REPORT]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for t in by_subject.get(node, []):
            if t.predicate.value == SH + "result" and t.object in dropped:
                continue
            keep.append(t)
            if isinstance(t.object, ox.BlankNode):
                stack.append(t.object)
    # named nodes a result mentions (shapes with IRIs) keep what the validator wrote about them
    keep += [t for t in triples if not isinstance(t.subject, ox.BlankNode) and t.subject not in seen]
    return keep


def aliases(node_id: str) -> list[str]:
    """The ids a data blank node may have in a report (``plankg.store.rdflib_bridge`` renames "_:x" to "_:bx")."""
    if node_id.startswith("_:"):
        label = node_id[2:]
        return ["_:b" + "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in label)]
    return []

# ------------------------------------------------------------------ reading pySHACL's report


def rows(triples: list[ox.Triple], labels: LabelIndex) -> list[ResultRow]:
    by_subject: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        by_subject[t.subject][t.predicate.value].append(t.object)
    reports = [t.subject for t in triples if t.predicate.value == RDF + "type" and t.object == VALIDATION_REPORT]
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
                focus=node_id(focus),
                focus_label=labels.label(focus),
                path=_path_text(path, by_subject, labels) if path is not None else None,
                value=labels.term_text(value) if value is not None else None,
                severity=severity,
                message=_messages(props[SH + "resultMessage"]),
                source_shape=node_id(shape) if isinstance(shape, ox.NamedNode) else None,
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


def node_id(term) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


def _path_text(path, by_subject, labels: LabelIndex, depth: int = 0) -> str:
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
    return list_items(head, lambda node, predicate: by_subject.get(node, {}).get(predicate, []))


def set_conforms(triples: list[ox.Triple], conforms: bool) -> list[ox.Triple]:
    kept = [t for t in triples if t.predicate.value != SH + "conforms"]
    reports = {t.subject for t in triples if t.predicate.value == RDF + "type" and t.object == VALIDATION_REPORT}
    value = ox.Literal("true" if conforms else "false", datatype=ox.NamedNode(XSD + "boolean"))
    return kept + [ox.Triple(r, ox.NamedNode(SH + "conforms"), value) for r in reports]


def report_node(triples: list[ox.Triple]):
    for t in triples:
        if t.predicate.value == RDF + "type" and t.object == VALIDATION_REPORT:
            return t.subject
    return ox.BlankNode("report")


def result_triples(rows: list[ResultRow], ns: Namespaces, report) -> list[ox.Triple]:
    """Report-graph triples for results computed outside pySHACL (the SDG KOS check)."""
    triples: list[ox.Triple] = []
    for i, row in enumerate(rows):
        node = ox.BlankNode(f"authority{i}")
        triples.append(ox.Triple(report, ox.NamedNode(SH + "result"), node))

        def add(p: str, o, node=node) -> None:
            triples.append(ox.Triple(node, ox.NamedNode(SH + p), o))

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


class LabelIndex:
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



def merge_reports(first: list[ox.Triple], second: list[ox.Triple]) -> list[ox.Triple]:
    """One sh:ValidationReport: the second report's results move to the first."""
    report = report_node(first)
    other = report_node(second)
    merged = list(first)
    for t in second:
        if t.subject == other:
            if t.predicate.value == SH + "result":
                merged.append(ox.Triple(report, t.predicate, t.object))
            continue
        merged.append(t)
    return merged
