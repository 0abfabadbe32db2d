"""The one parsed shapes model: what every part of validation knows about the shapes.

``Shapes`` holds the shape quads (for data, and for the ontology graph) and works
out, once per model, what the other parts ask of shapes: how far from a focus node
they read (``reach``, for incremental validation of writes), which predicates they
can read at all (``read_predicates``), which SPARQL constraints read the whole graph
(``global_constraints``), the model without some of those (``without``), and whether
an uploaded model's SPARQL may run (``check_queries``). No module outside
``plankg.validation`` interprets shapes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from plankg.errors import FeatureDisabled, InputTooComplex, RDFSyntaxError
from plankg.namespaces import EXTERNAL_PREFIXES, RDF_TYPE, SH, Namespaces
from plankg.rdflist import list_items
from plankg.settings import Settings
from plankg.store.rdfio import format_for, parse_rdf

RDF_FIRST = EXTERNAL_PREFIXES["rdf"] + "first"
ONTOLOGY_SHAPES = "ontology-shapes.ttl"
SH_UNIQUE_LANG = SH + "uniqueLang"
TRUE = ox.Literal("true", datatype=ox.NamedNode(EXTERNAL_PREFIXES["xsd"] + "boolean"))
QUERY_PREDICATES = tuple(SH + name for name in ("select", "ask", "construct", "update"))


@dataclass(frozen=True)
class GlobalConstraint:
    """A SPARQL constraint that reads the whole graph, not its focus node's surroundings.

    The plan's "paragraphs 1–119 without gaps" is one: run on a part of the data
    it would report every paragraph that part lacks. It runs only when a change
    touches one of its predicates, and then on every triple with them.
    """

    shape: ox.NamedNode | ox.BlankNode
    constraint: ox.NamedNode | ox.BlankNode
    predicates: frozenset[str]
    target_classes: tuple[str, ...]


@dataclass(frozen=True)
class ShapeReach:
    """How far from its focus node a shape reads, step by step (from the shapes' paths).

    ``deep_forward`` / ``deep_inverse``: steps after which the shape reads the
    far node's own triples, not just its type: every step of a path sequence
    but the last, and the last step of a path whose values must conform to a
    nested shape (``sh:node``, ``sh:or`` of property shapes, …).
    ``class_forward`` / ``class_inverse``: last steps whose values' types are
    checked (``sh:class``, also inside ``sh:or``), so a node's new type
    matters to the nodes that reach it that way. ``longest``: the most steps
    any path takes.
    """

    deep_forward: frozenset[str]
    deep_inverse: frozenset[str]
    class_forward: frozenset[str]
    class_inverse: frozenset[str]
    longest: int


@dataclass(frozen=True)
class Shapes:
    """Parsed shapes: those for data, and those for the ontology graph (project shapes only)."""

    quads: tuple[ox.Quad, ...]
    sources: tuple[str, ...]
    ontology_quads: tuple[ox.Quad, ...] = ()
    project: bool = False  # the project's own shapes/ (written against the ontology)
    _memo: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def memo(self) -> dict:
        """What the engines keep about this model (turbo's compiled shapes)."""
        return self._memo

    def _cached(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    @property
    def engine_quads(self) -> tuple[ox.Quad, ...]:
        """The data shapes as the engines get them (``as_specified``)."""
        return self._cached("engine", lambda: as_specified(self.quads))

    @property
    def engine_ontology_quads(self) -> tuple[ox.Quad, ...]:
        return self._cached("engine-ontology", lambda: as_specified(self.ontology_quads))

    @property
    def reach(self) -> ShapeReach:
        return self._cached("reach", lambda: shape_reach(self.quads))

    def read_predicates(self, ns: Namespaces) -> frozenset[str] | None:
        return self._cached(("read", ns.base), lambda: read_predicates(self.quads, ns))

    def global_constraints(self, ns: Namespaces) -> list[GlobalConstraint]:
        return self._cached(("global", ns.base), lambda: global_constraints(self.quads, ns))

    def without(self, idle: Iterable[GlobalConstraint]) -> Shapes:
        """The model without these global constraints (a write that does not touch their predicates)."""
        pairs = frozenset((g.shape, g.constraint) for g in idle)
        if not pairs:
            return self

        def compute() -> Shapes:
            sparql = SH + "sparql"
            keep = tuple(q for q in self.quads if not (q.predicate.value == sparql and (q.subject, q.object) in pairs))
            return Shapes(keep, self.sources, self.ontology_quads, self.project)

        return self._cached(("without", pairs), compute)

    def check_queries(self, max_depth: int) -> None:
        """Uploaded SHACL-SPARQL: not deeper than the nesting limit, no SERVICE, no FROM / FROM NAMED.

        The engines run in the sandbox without network either; this says why, before they run.
        """
        from plankg.sparqltext import scan

        if self._memo.get(("checked", max_depth)):
            return
        for q in (*self.quads, *self.ontology_quads):
            if q.predicate.value in QUERY_PREDICATES and isinstance(q.object, ox.Literal):
                if scan(q.object.value).depth > max_depth:
                    raise InputTooComplex(
                        f"{', '.join(self.sources[:3])}: a SPARQL constraint nests groups or operators more than {max_depth} levels deep."
                    )
                refuse_reaching_out(q.object.value)
        self._memo[("checked", max_depth)] = True


def as_specified(quads: Sequence[ox.Quad]) -> tuple[ox.Quad, ...]:
    """The shapes without parameters that SHACL says do nothing but the engines act on.

    ``sh:uniqueLang`` constrains only with the literal ``true``; both engines also take
    ``"1"^^xsd:boolean`` (W3C core ``property/uniqueLang-002``).
    """
    return tuple(q for q in quads if not (q.predicate.value == SH_UNIQUE_LANG and q.object != TRUE))


def refuse_reaching_out(text: str) -> None:
    """A shape's SPARQL may not name other datasets or endpoints (found in the parsed query).

    Text that rdflib cannot parse is left to the engine, which reports it as unusable shapes.
    """
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(text.replace("$this", "?this")).algebra
    except Exception:  # noqa: BLE001 - rdflib raises several types for text it cannot read
        return
    refuse_algebra(algebra)


def refuse_algebra(algebra) -> None:
    """SERVICE or a dataset clause anywhere in a parsed (rdflib) query: ``FeatureDisabled``."""
    if getattr(algebra, "datasetClause", None):
        raise FeatureDisabled("SPARQL in shapes may not name datasets (FROM / FROM NAMED).")
    stack: list = [algebra]
    while stack:
        node = stack.pop()
        if getattr(node, "name", None) == "ServiceGraphPattern":
            raise FeatureDisabled("SPARQL in shapes may not use SERVICE.")
        if isinstance(node, dict):
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))


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
    # one model per process while the files stay as they are: what the engines and the write
    # pipeline work out from it (turbo's compiled shapes, the reach) is kept with it, and a
    # sandbox job finds it made by the zygote's warm-up
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    return _project_shapes(settings.base_iri, stamp)


@lru_cache(maxsize=4)
def _project_shapes(base_iri: str, stamp: tuple) -> Shapes:
    ns = Namespaces(base_iri)
    data: list[ox.Quad] = []
    ontology: list[ox.Quad] = []
    for name, _, _ in stamp:
        path = Path(name)
        text = ns.rebase(path.read_text(encoding="utf-8"))
        parsed = parse_rdf(text.encode(), ox.RdfFormat.TURTLE, name=str(path))
        (ontology if path.name == ONTOLOGY_SHAPES else data).extend(parsed)
    return Shapes(tuple(data), tuple(name for name, _, _ in stamp), tuple(ontology), project=True)


def shapes_from_bytes(data: bytes, rdf_format: ox.RdfFormat, name: str = "<shapes>") -> Shapes:
    return Shapes(tuple(parse_rdf(data, rdf_format, name=name)), (name,))


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise RDFSyntaxError(str(path), 0, f"cannot read the file: {exc.strerror}") from None


# ------------------------------------------------------------------ analyses (for incremental validation)

NESTED = tuple(SH + name for name in ("node", "property", "qualifiedValueShape", "or", "and", "xone", "not"))


def shape_reach(shape_quads: Sequence[ox.Quad]) -> ShapeReach:
    by_subject: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for q in shape_quads:
        by_subject[q.subject][q.predicate.value].append(q.object)
    deep_forward: set[str] = set()
    deep_inverse: set[str] = set()
    class_forward: set[str] = set()
    class_inverse: set[str] = set()
    longest = 1

    def reads_class(node, depth: int = 0) -> bool:
        props = by_subject.get(node, {})
        if props.get(SH + "class") or depth > 8:
            return bool(props.get(SH + "class"))
        for key in ("or", "and", "xone"):
            if any(reads_class(item, depth + 1) for head in props.get(SH + key, []) for item in _rdf_list(head, by_subject)):
                return True
        return any(reads_class(inner, depth + 1) for key in ("not", "node", "qualifiedValueShape") for inner in props.get(SH + key, []))

    def steps(path, depth: int = 0) -> list[list[tuple[str, str]]]:
        """The path as alternatives, each a list of (direction, predicate) steps."""
        if isinstance(path, ox.NamedNode):
            return [[("forward", path.value)]]
        props = by_subject.get(path, {})
        if depth > 8:
            return []
        if props.get(SH + "inversePath"):
            return [[("inverse", s[1]) for s in alt] for alt in steps(props[SH + "inversePath"][0], depth + 1)]
        if props.get(SH + "alternativePath"):
            return [alt for item in _rdf_list(props[SH + "alternativePath"][0], by_subject) for alt in steps(item, depth + 1)]
        for key in ("zeroOrMorePath", "oneOrMorePath", "zeroOrOnePath"):
            if props.get(SH + key):
                # unbounded: read on in both directions, as far as the walk goes
                inner = [s for alt in steps(props[SH + key][0], depth + 1) for s in alt]
                return [[*inner, *[("inverse" if d == "forward" else "forward", p) for d, p in inner]] * 2]
        if props.get(RDF_FIRST):
            sequence: list[list[tuple[str, str]]] = [[]]
            for item in _rdf_list(path, by_subject):
                sequence = [head + tail for head in sequence for tail in steps(item, depth + 1)]
            return sequence
        return []

    for subject, props in by_subject.items():
        for path in props.get(SH + "path", []):
            nested = any(props.get(key) for key in NESTED)
            typed = reads_class(subject)
            for alt in steps(path):
                longest = max(longest, len(alt))
                for i, (direction, predicate) in enumerate(alt):
                    last = i == len(alt) - 1
                    if (not last or nested) and predicate != RDF_TYPE:
                        (deep_forward if direction == "forward" else deep_inverse).add(predicate)
                    if last and typed:
                        (class_forward if direction == "forward" else class_inverse).add(predicate)
    return ShapeReach(
        frozenset(deep_forward), frozenset(deep_inverse), frozenset(class_forward), frozenset(class_inverse), longest
    )


def read_predicates(shape_quads: Sequence[ox.Quad], ns: Namespaces) -> frozenset[str] | None:
    """Every predicate the shapes can read, or None when they may read any.

    Paths, targets and pair constraints name their predicates; SPARQL
    constraints name theirs in the query (parsed with rdflib, whose algebra
    shows a variable in predicate position). A closed shape, or a query with a
    variable predicate or a path, reads anything, and then nothing is left out.
    Triples with other predicates cannot change a verdict, so a bulk load of
    data no shape is about is not handed to pySHACL triple by triple.
    """
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql import prepareQuery

    names: set[str] = {RDF_TYPE, EXTERNAL_PREFIXES["rdfs"] + "subClassOf"}
    names |= {EXTERNAL_PREFIXES["skos"] + "prefLabel", EXTERNAL_PREFIXES["rdfs"] + "label", EXTERNAL_PREFIXES["skos"] + "notation"}  # report labels
    for q in shape_quads:
        if q.predicate.value in (SH + "closed", SH + "ignoredProperties"):
            return None
        for term in (q.subject, q.object):
            if isinstance(term, ox.NamedNode):
                names.add(term.value)
        if q.predicate.value in (SH + "select", SH + "ask") and isinstance(q.object, ox.Literal):
            try:
                algebra = prepareQuery(q.object.value.replace("$this", "?this"), initNs=ns.prefixes()).algebra
            except Exception:  # noqa: BLE001 - an unreadable query may read anything
                return None
            stack: list = [algebra]
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    if getattr(node, "name", None) == "BGP":
                        for _, predicate, _ in node["triples"]:
                            if not isinstance(predicate, URIRef) or isinstance(predicate, Variable):
                                return None  # a variable or a path: may read any predicate
                            names.add(str(predicate))
                    stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
                elif isinstance(node, list):
                    stack.extend(v for v in node if isinstance(v, (dict, list)))
    return frozenset(names)


def _rdf_list(head, by_subject) -> list:
    return list_items(head, lambda node, predicate: by_subject.get(node, {}).get(predicate, []))


def global_constraints(shape_quads: Sequence[ox.Quad], ns: Namespaces) -> list[GlobalConstraint]:
    """The SPARQL constraints whose query does not start from its focus node.

    Their text names ``$this`` only to select it and group by it; every
    pattern reads the whole graph. The predicates they read are the prefixed
    names and IRIs in the text.
    """
    by_subject: dict[object, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for q in shape_quads:
        by_subject[q.subject][q.predicate.value].append(q.object)
    prefixes = ns.prefixes()
    found = []
    for shape, props in list(by_subject.items()):
        for constraint in props.get(SH + "sparql", []):
            texts = [t.value for t in by_subject.get(constraint, {}).get(SH + "select", []) if isinstance(t, ox.Literal)]
            for text in texts:
                rest = re.sub(r"SELECT\s+\$this\b", "SELECT", text, flags=re.IGNORECASE)
                rest = re.sub(r"GROUP\s+BY\s+\$this\b", "GROUP BY", rest, flags=re.IGNORECASE)
                if re.search(r"[$?]this\b", rest):
                    continue
                predicates = {prefixes[p] + local for p, local in re.findall(r"\b([A-Za-z][\w-]*):([A-Za-z_][\w-]*)", rest) if p in prefixes}
                predicates |= set(re.findall(r"<([^<>\s]+)>", rest))
                targets = tuple(sorted(c.value for c in props.get(SH + "targetClass", []) if isinstance(c, ox.NamedNode)))
                found.append(GlobalConstraint(shape, constraint, frozenset(predicates), targets))  # type: ignore[arg-type]
    return found


