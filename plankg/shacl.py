"""SHACL validation on pyoxigraph terms that writes the report pySHACL would write.

pySHACL (on rdflib) took seconds for the plan graph: most of it per-node overhead
in pySHACL and rdflib's in-memory store, plus re-parsing each SPARQL constraint.
This engine evaluates the same shapes over plain dict indexes and runs the SPARQL
constraints on an in-memory pyoxigraph store, and it follows pySHACL's rules, not
just the SHACL specification's, so the report is pySHACL's report: the same
results, focus nodes, values, paths, severities, messages (``{?var}`` filled in,
the language tag dropped, as pySHACL does), source shapes and constraints cloned
into the report graph, ``sh:detail`` under ``sh:node`` results.

It covers the SHACL Core components the project's shapes use and a few more.
Whatever it does not reproduce exactly raises ``Unsupported`` and the caller runs
pySHACL instead, so an unusual shape or literal costs time, never a different
report: another component, a datatype whose lexical rules it does not know, a
recursive shape, a generic message it cannot word (pySHACL's own wording for a
shape without sh:message), and SPARQL it cannot vouch for. rdflib and pyoxigraph
are two SPARQL engines that disagree at the edges (pyoxigraph's store rewrites
"01"^^xsd:integer as "1", rdflib's STR() takes a blank node), so a SPARQL
constraint runs here only with the words listed in ``SPARQL_WORDS`` and on data
whose typed literals are in the forms both read alike (``_TAME``).
``tests/unit/validation/test_shacl_engine.py`` compares the two engines on every
shape case, the W3C core cases and the built graph.

The names below mirror pySHACL's (``value nodes``, ``make_v_result``, …) where
they stand for its steps.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pyoxigraph as ox

from plankg.store.memory import ScratchGraph, report_bnode_label

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"


def _sh(name: str) -> ox.NamedNode:
    return ox.NamedNode(SH + name)


RDF_TYPE = ox.NamedNode(RDF + "type")
RDF_FIRST = ox.NamedNode(RDF + "first")
RDF_REST = ox.NamedNode(RDF + "rest")
RDF_NIL = ox.NamedNode(RDF + "nil")
RDF_LANGSTRING = ox.NamedNode(RDF + "langString")
RDFS_SUBCLASSOF = ox.NamedNode(RDFS + "subClassOf")
RDFS_CLASS = ox.NamedNode(RDFS + "Class")
RDFS_LITERAL = ox.NamedNode(RDFS + "Literal")
RDFS_DATATYPE = ox.NamedNode(RDFS + "Datatype")
OWL_ONTOLOGY = ox.NamedNode(OWL + "Ontology")
XSD_STRING = ox.NamedNode(XSD + "string")
XSD_BOOLEAN = ox.NamedNode(XSD + "boolean")
XSD_INTEGER = ox.NamedNode(XSD + "integer")

SH_VIOLATION, SH_WARNING, SH_INFO = _sh("Violation"), _sh("Warning"), _sh("Info")
ALLOWED = frozenset({SH_WARNING, SH_INFO})  # validation.py runs with allow_warnings and allow_infos

# pySHACL's shapes graph always holds these (ShapesGraph.system_triples)
SYSTEM_TRIPLES = (
    (ox.NamedNode(OWL + "Class"), RDFS_SUBCLASSOF, RDFS_CLASS),
    (ox.NamedNode(OWL + "DatatypeProperty"), RDFS_SUBCLASSOF, ox.NamedNode(RDF + "Property")),
)

SH_TARGET_CLASS, SH_TARGET_NODE = _sh("targetClass"), _sh("targetNode")
SH_TARGET_OBJECTS_OF, SH_TARGET_SUBJECTS_OF = _sh("targetObjectsOf"), _sh("targetSubjectsOf")
TARGET_PREDICATES = (SH_TARGET_CLASS, SH_TARGET_NODE, SH_TARGET_OBJECTS_OF, SH_TARGET_SUBJECTS_OF)
SH_DEACTIVATED, SH_SEVERITY, SH_MESSAGE = _sh("deactivated"), _sh("severity"), _sh("message")
SH_INVERSE_PATH, SH_ALTERNATIVE_PATH = _sh("inversePath"), _sh("alternativePath")

# pySHACL's constraint parameters -> its component (pyshacl.constraints.CONSTRAINT_PARAMETERS_MAP)
PARAMETERS = {
    **{_sh(p): p for p in (
        "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive", "maxExclusive",
        "maxInclusive", "not", "and", "or", "xone", "minLength", "maxLength", "pattern", "languageIn", "uniqueLang",
        "equals", "disjoint", "lessThan", "lessThanOrEquals", "node", "property", "hasValue", "in", "sparql",
    )},
    **{_sh(p): "qualifiedValueShape" for p in (
        "qualifiedValueShape", "qualifiedMinCount", "qualifiedValueShapesDisjoint", "qualifiedMaxCount",
    )},
    **{_sh(p): "closed" for p in ("closed", "ignoredProperties")},
}

# rdflib's recognized datatypes (rdflib.term._toPythonMapping): a literal of any other
# datatype has no Python value there, so it is never ill-typed and never compared
RDFLIB_DATATYPES = frozenset(XSD + n for n in (
    "anyURI", "base64Binary", "boolean", "byte", "date", "dateTime", "dayTimeDuration", "decimal", "double",
    "duration", "float", "hexBinary", "int", "integer", "language", "long", "negativeInteger",
    "nonNegativeInteger", "nonPositiveInteger", "normalizedString", "positiveInteger", "short", "string", "time",
    "token", "unsignedByte", "unsignedInt", "unsignedLong", "unsignedShort", "yearMonthDuration",
)) | {RDF + "HTML", RDF + "XMLLiteral"}
STRING_VALUED = frozenset(XSD + n for n in ("string", "normalizedString", "token", "language", "anyURI"))
LONG_VALUED = frozenset(XSD + n for n in (
    "integer", "long", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger", "unsignedLong", "positiveInteger",
))
INT_VALUED = frozenset(XSD + n for n in ("int", "short", "unsignedInt", "byte", "unsignedShort", "unsignedByte"))
WHOLE_INTEGERS = frozenset(XSD + n for n in (
    "int", "integer", "long", "negativeInteger", "nonNegativeInteger", "nonPositiveInteger", "positiveInteger",
    "short", "unsignedByte", "unsignedInt", "unsignedLong", "unsignedShort",
))
# numeric datatypes whose ill-typedness rdflib judges by value alone, compared in value space
VALUE_COMPARED = frozenset(XSD + n for n in ("integer", "long", "decimal"))
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9][0-9]*")


class Unsupported(Exception):
    """The engine cannot promise pySHACL's report here; run pySHACL."""


# ------------------------------------------------------------------ graphs


class _Index:
    """A triple set with the lookups pySHACL makes (rdflib Graph's, on pyoxigraph terms).

    Subjects by (predicate, object) are indexed per predicate on first use: the shapes
    ask that of a few predicates (rdf:type, rdfs:subClassOf, inverse paths) only.
    """

    __slots__ = ("out", "by_predicate", "_by_object", "size")

    def __init__(self, triples: Iterable[tuple]) -> None:
        out: dict = {}
        by_predicate: dict = {}
        unique = dict.fromkeys(triples)
        for t in unique:
            s, p, o = t
            props = out.get(s)
            if props is None:
                out[s] = {p: [o]}
            else:
                objects = props.get(p)
                if objects is None:
                    props[p] = [o]
                else:
                    objects.append(o)
            same = by_predicate.get(p)
            if same is None:
                by_predicate[p] = [t]
            else:
                same.append(t)
        self.out, self.by_predicate, self.size = out, by_predicate, len(unique)
        self._by_object: dict = {}

    def objects(self, s, p) -> Iterable:
        return self.out.get(s, {}).get(p, ())

    def subjects(self, p, o) -> Iterable:
        index = self._by_object.get(p)
        if index is None:
            index = self._by_object[p] = {}
            for s, _, obj in self.by_predicate.get(p, ()):
                index.setdefault(obj, []).append(s)
        return index.get(o, ())

    def predicates(self, s) -> Iterable:
        return self.out.get(s, {}).keys()

    def subject_objects(self, p) -> list:
        """(s, p, o) triples with this predicate."""
        return self.by_predicate.get(p, [])

    def triples(self) -> Iterable[tuple]:
        for same in self.by_predicate.values():
            yield from same

    def one(self, s, p):
        """The only value, None when there is none; more than one is not pySHACL-stable (set order)."""
        values = self.out.get(s, {}).get(p)
        if not values:
            return None
        if len(values) > 1:
            raise Unsupported(f"more than one {p} on {s}")
        return values[0]

    def items(self, head) -> list:
        """The members of an RDF list (rdflib Graph.items)."""
        items = []
        seen = {head}
        while head is not None:
            item = self.one(head, RDF_FIRST)
            if item is not None:
                items.append(item)
            head = self.one(head, RDF_REST)
            if head in seen:
                raise Unsupported("an RDF list with a cycle")
            seen.add(head)
            if head == RDF_NIL:
                break
        return items

    def transitive_objects(self, start, p) -> list:
        return _reachable(start, lambda node: self.objects(node, p))

    def transitive_subjects(self, p, start) -> list:
        return _reachable(start, lambda node: self.subjects(p, node))


def _reachable(start, step: Callable) -> list:
    """``start`` and every node reachable from it by ``step``, depth first, each once."""
    found, stack = [], [start]
    seen = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        found.append(node)
        stack.extend(step(node))
    return found


def _data_triples(triples: Iterable[ox.Triple | ox.Quad]) -> tuple[list[tuple], bool]:
    """The triples as (s, p, o) tuples, and whether all their literals are tame (``_tame``)."""
    out = []
    tame = True
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if isinstance(o, ox.Literal):
            if not o.language:
                datatype = o.datatype.value
                if datatype != XSD + "string":
                    _check_lexical(o, datatype)
                    tame = tame and _tame(o.value, datatype)
        elif isinstance(o, ox.Triple) or isinstance(s, ox.Triple):
            raise Unsupported("RDF-star")
        out.append((s, p, o))
    return out, tame


def _check_lexical(lit: ox.Literal, dt: str) -> None:
    # rdflib rewrites the lexical form of these two even with normalize=False
    if dt == XSD + "normalizedString" or dt == XSD + "token":
        text = lit.value
        if any(c in text for c in "\t\n\r") or (dt == XSD + "token" and text != re.sub(" +", " ", text.strip())):
            raise Unsupported("a normalizedString or token that rdflib would rewrite")


# Typed literals that rdflib's SPARQL and pyoxigraph's read alike: pyoxigraph's store keeps
# other forms by value ("01" comes back as "1", xsd:int as xsd:integer, "1.0" as "1"), and
# rdflib stumbles over ill-typed ones (recursion, decimal.ConversionSyntax) where pyoxigraph
# reads an error.
_TAME = {
    XSD + "integer": re.compile(r"0|-?[1-9][0-9]*"),
    XSD + "decimal": re.compile(r"(0|-?[1-9][0-9]*)(\.[0-9]*[1-9])?|-0\.[0-9]*[1-9]"),
    XSD + "boolean": re.compile(r"true|false"),
    XSD + "gYear": re.compile(r"[0-9]{4}"),
    XSD + "date": _DATE,
}


def _tame(lexical: str, datatype: str) -> bool:
    pattern = _TAME.get(datatype)
    if pattern is None or not pattern.fullmatch(lexical):
        return False
    if datatype == XSD + "date":
        import datetime

        try:
            datetime.date.fromisoformat(lexical)
        except ValueError:
            return False
    return True


# ------------------------------------------------------------------ literal values, rdflib's way

_NO_VALUE = object()


def _rdflib_datatype(term):
    """rdflib's Literal.datatype: None for plain and language-tagged strings."""
    if term.language or term.datatype == XSD_STRING:
        return None
    return term.datatype


def _rdflib_value(lit: ox.Literal):
    """rdflib's Literal.value (None when it has none); Unsupported where it would be guesswork."""
    if lit.language:
        return lit.value
    dt = lit.datatype.value
    if dt in STRING_VALUED:
        return lit.value
    if dt not in RDFLIB_DATATYPES:
        return None
    if dt in LONG_VALUED or dt in INT_VALUED:
        try:
            return int(lit.value)
        except ValueError:
            return None
    if dt == XSD + "decimal":
        try:
            return Decimal(lit.value)
        except (InvalidOperation, ValueError):
            return None
    if dt == XSD + "boolean":
        if lit.value in ("true", "1"):
            return True
        if lit.value in ("false", "0"):
            return False
    if dt == XSD + "date" and _DATE.fullmatch(lit.value):
        import datetime

        try:
            return datetime.date.fromisoformat(lit.value)
        except ValueError:
            return None
    raise Unsupported(f"the value of a literal typed {dt}")


def _ill_typed(lit: ox.Literal):
    """rdflib's Literal.ill_typed: None unless the datatype is one rdflib recognizes."""
    if lit.language:
        return None
    dt = lit.datatype.value
    if dt not in RDFLIB_DATATYPES:
        return None
    value = _rdflib_value(lit)
    if dt in INT_VALUED or dt in LONG_VALUED - {XSD + "integer", XSD + "long"} or dt == XSD + "boolean":
        raise Unsupported(f"rdflib's well-formedness rule for {dt}")
    return value is None


def _assert_actual_datatype(lit: ox.Literal, rule: ox.NamedNode) -> bool:
    value = _rdflib_value(lit)
    r = rule.value
    if r == XSD + "string" or r == RDF + "langString":
        return isinstance(value, str)
    if r == XSD + "integer":
        return isinstance(value, int)
    if r == XSD + "decimal":
        return isinstance(value, Decimal)
    if r == XSD + "boolean":
        return isinstance(value, bool)
    if r == XSD + "date":
        import datetime

        return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
    if r in (XSD + "float", XSD + "time", XSD + "dateTime"):
        raise Unsupported(f"sh:datatype {r}")
    return True


def _as_text(term) -> str:
    """StringBasedConstraintBase.value_node_to_string: the lexical form or the IRI."""
    return term.value


def _n3(term) -> str:
    """stringify_node for the nodes generic messages name (an IRI outside sh:)."""
    if isinstance(term, ox.NamedNode) and not term.value.startswith(SH):
        return f"<{term.value}>"
    raise Unsupported("a generic message about a blank node, literal or sh: term")


def _clone_literal(lit: ox.Literal) -> ox.Literal:
    """pySHACL's clone_literal re-creates the literal and rdflib normalizes its lexical form."""
    if lit.language:
        return lit
    dt = lit.datatype.value
    if dt not in RDFLIB_DATATYPES or dt in (XSD + "string", XSD + "anyURI"):
        return lit
    if dt == XSD + "integer" and _CANONICAL_INTEGER.fullmatch(lit.value):
        return lit
    if dt == XSD + "boolean" and lit.value in ("true", "false"):
        return lit
    raise Unsupported(f"cloning a literal typed {dt}")


# ------------------------------------------------------------------ results


class _Result:
    """One pySHACL validation result, as make_v_result would build it (written out later)."""

    __slots__ = (
        "shape", "focus", "value", "path", "component", "source_constraint", "extra_messages", "bound_vars", "details", "generic",
    )

    def __init__(self, shape, focus, value=None, *, component, path=None, source_constraint=None,
                 extra_messages=None, bound_vars=None, details=(), generic=None) -> None:
        self.shape = shape
        self.focus = focus
        self.value = value
        self.path = path
        self.component = component
        self.source_constraint = source_constraint
        self.extra_messages = extra_messages
        self.bound_vars = bound_vars
        self.details = details
        self.generic = generic

    @property
    def severity(self):
        return self.shape.severity


def _no_generic(result: "_Result") -> list[str]:
    raise Unsupported("a generic message (the shape has no sh:message)")


# ------------------------------------------------------------------ shapes


class _Shape:
    __slots__ = (
        "model", "node", "is_property", "path", "simple_path", "severity", "messages", "deactivated", "_components", "_targets",
    )

    def __init__(self, model: "ShapesGraph", node, path=None) -> None:
        sg = model.sg
        self.model = model
        self.node = node
        self.is_property = path is not None
        self.path = path
        self.simple_path = isinstance(path, ox.NamedNode)
        deactivated = list(sg.objects(node, SH_DEACTIVATED))
        if len(deactivated) > 1 or (deactivated and not isinstance(deactivated[0], ox.Literal)):
            raise Unsupported("a malformed sh:deactivated")
        self.deactivated = bool(_rdflib_value(deactivated[0])) if deactivated else False
        severities = list(sg.objects(node, SH_SEVERITY))
        if len(severities) > 1:
            raise Unsupported("two severities on one shape")
        self.severity = severities[0] if severities else SH_VIOLATION
        self.messages = list(sg.objects(node, SH_MESSAGE))
        if any(not isinstance(m, ox.Literal) for m in self.messages):
            raise Unsupported("a sh:message that is not a literal")
        self._components: list[Callable] | None = None
        self._targets: tuple | None = None

    def components(self) -> list[Callable]:
        # built when the shape is first used, as pySHACL builds its constraint components
        if self._components is None:
            kinds: list[str] = []
            for p in self.model.sg.predicates(self.node):
                kind = PARAMETERS.get(p)
                if kind is not None and kind not in kinds:
                    kinds.append(kind)
            self._components = [_COMPONENTS[kind](self) for kind in kinds]
        return self._components

    def targets(self) -> tuple:
        """(nodes, classes, subjects-of predicates, objects-of predicates) it targets."""
        if self._targets is None:
            sg = self.model.sg
            node = self.node
            classes = set(sg.objects(node, SH_TARGET_CLASS))
            class_kinds = {RDFS_CLASS, *sg.subjects(RDFS_SUBCLASSOF, RDFS_CLASS)}
            if any(t in class_kinds for t in sg.objects(node, RDF_TYPE)):
                classes.add(node)  # an implicit class target
            self._targets = (
                tuple(sg.objects(node, SH_TARGET_NODE)),
                tuple(classes),
                tuple(sg.objects(node, SH_TARGET_SUBJECTS_OF)),
                tuple(sg.objects(node, SH_TARGET_OBJECTS_OF)),
            )
        return self._targets


# ------------------------------------------------------------------ the engine


class ShapesGraph:
    """The shapes, found and read once: every run with the same shapes shares them."""

    def __init__(self, shape_quads: Iterable) -> None:
        self.sg = _Index([*((q.subject, q.predicate, q.object) for q in shape_quads), *SYSTEM_TRIPLES])
        self.shapes: dict = {}
        self._find_shapes()

    # pySHACL ShapesGraph._build_node_shape_cache
    def _find_shapes(self) -> None:
        sg = self.sg
        if any(not (isinstance(c, ox.NamedNode) and c.value.startswith(SH)) for c in self._constraint_components()):
            raise Unsupported("custom constraint components")
        defined_node = set(sg.subjects(RDF_TYPE, _sh("NodeShape")))
        defined_prop = set(sg.subjects(RDF_TYPE, _sh("PropertyShape")))
        paths: dict = {}
        for s in defined_node:
            if list(sg.objects(s, _sh("path"))):
                raise Unsupported("a NodeShape with sh:path")
        for s in defined_prop:
            found = list(sg.objects(s, _sh("path")))
            if s in defined_node or len(found) != 1:
                raise Unsupported("a malformed PropertyShape")
            paths[s] = found[0]
        subject_shapes = {s for p in (*TARGET_PREDICATES, _sh("property"), _sh("node")) for s, _, _ in sg.subject_objects(p)}
        expected = {o for p in ("property", "node", "not", "qualifiedValueShape") for _, _, o in sg.subject_objects(_sh(p))}
        for p in ("and", "or", "xone"):
            for _, _, head in sg.subject_objects(_sh(p)):
                members = sg.items(head)
                if not members:
                    raise Unsupported("an empty shape list")
                expected.update(members)
        node_shapes = set(defined_node)
        for s in (*subject_shapes, *expected):
            if s in defined_node or s in defined_prop or s in paths or s in node_shapes:
                continue
            found = list(sg.objects(s, _sh("path")))
            if len(found) > 1:
                raise Unsupported("a shape with two paths")
            if found:
                paths[s] = found[0]
            else:
                node_shapes.add(s)
        for s in node_shapes:
            self.shapes[s] = _Shape(self, s)
        for s, path in paths.items():
            self.shapes[s] = _Shape(self, s, path)

    def _constraint_components(self) -> set:
        sg = self.sg
        found = set(sg.subjects(RDF_TYPE, _sh("ConstraintComponent")))
        for sub in sg.subjects(RDFS_SUBCLASSOF, _sh("ConstraintComponent")):
            found.update(sg.subjects(RDF_TYPE, sub))
        return found

    def shape(self, node) -> _Shape:
        found = self.shapes.get(node)
        if found is None:
            raise Unsupported(f"no shape {node}")
        return found


class Engine:
    """One validation run: the shapes, a data graph, their results."""

    def __init__(self, model: ShapesGraph, data: Iterable) -> None:
        self.model = model
        self.sg = model.sg
        data = data if isinstance(data, (list, tuple)) else list(data)
        triples, self.tame = _data_triples(data)
        self.dg = _Index(triples)
        dg = self.dg
        if dg.size == len(data):
            # no triple in two graphs: the store can take the quads as they are
            self.scratch = ScratchGraph(lambda: data)
        else:
            self.scratch = ScratchGraph(lambda: [ox.Quad(s, p, o) for s, p, o in dg.triples()])
        self._memo: dict = {}
        self._supers: dict = {}
        self._stack: list = []

    def superclasses(self, cls) -> set:
        found = self._supers.get(cls)
        if found is None:
            found = self._supers[cls] = set(self.dg.transitive_objects(cls, RDFS_SUBCLASSOF))
        return found

    def run(self) -> list[_Result]:
        results: list[_Result] = []
        for shape in self.model.shapes.values():
            if shape.deactivated:
                continue
            for focus in self._focus_nodes(shape):
                results.extend(self.validate(shape, focus)[1])
        return results

    def _focus_nodes(self, shape: _Shape) -> set:
        dg = self.dg
        nodes, classes, subjects_of, objects_of = shape.targets()
        found = set(nodes)
        for cls in classes:
            for sub in dg.transitive_subjects(RDFS_SUBCLASSOF, cls):
                found.update(dg.subjects(RDF_TYPE, sub))
        for p in subjects_of:
            found.update(s for s, _, _ in dg.subject_objects(p))
        for p in objects_of:
            found.update(o for _, _, o in dg.subject_objects(p))
        return found

    def validate(self, shape: _Shape, focus) -> tuple[bool, list[_Result]]:
        """pySHACL Shape.validate for one focus node: (conforms, results)."""
        key = (shape, focus)
        done = self._memo.get(key)
        if done is not None:
            return done
        if shape.deactivated:
            return True, []
        stack = self._stack
        if shape in stack or len(stack) >= 14:
            raise Unsupported("recursive or deeply nested shapes")
        stack.append(shape)
        try:
            if not shape.is_property:
                values = [focus]
            elif shape.simple_path:
                values = list(self.dg.objects(focus, shape.path))
            else:
                values = list(self._path_values(focus, shape.path))
            failing = False
            results: list[_Result] = []
            for component in shape.components():
                failed, found = component(self, focus, values)
                if found:
                    results.extend(found)
                if failed and not failing and shape.severity not in ALLOWED and not all(r.severity in ALLOWED for r in found):
                    failing = True
        finally:
            stack.pop()
        done = (not failing, results)
        self._memo[key] = done
        return done

    # pyshacl.helper.expression_helper.value_nodes_from_path
    def _path_values(self, focus, path, inverse: bool = False, recursion: int = 0) -> dict:
        sg, dg = self.sg, self.dg
        if isinstance(path, ox.NamedNode):
            found = dg.subjects(path, focus) if inverse else dg.objects(focus, path)
            return dict.fromkeys(found)
        if not isinstance(path, ox.BlankNode) or recursion >= 10:
            raise Unsupported("a malformed or deep path")
        first = list(sg.objects(path, RDF_FIRST))
        if first:
            rest = list(sg.objects(path, RDF_REST))
            if len(first) != 1 or len(rest) != 1:
                raise Unsupported("a malformed path list")
            if rest[0] == RDF_NIL and recursion == 0:
                raise Unsupported("a one-step path list")
            here = self._path_values(focus, first[0], inverse, recursion + 1)
            if rest[0] == RDF_NIL:
                return here
            found: dict = {}
            for node in here:
                found.update(self._path_values(node, rest[0], inverse, recursion + 1))
            return found
        inverse_of = list(sg.objects(path, SH_INVERSE_PATH))
        if inverse_of:
            return self._path_values(focus, inverse_of[0], not inverse, recursion + 1)
        alternatives = list(sg.objects(path, SH_ALTERNATIVE_PATH))
        if alternatives:
            members = sg.items(alternatives[0])
            if len(members) < 2:
                raise Unsupported("sh:alternativePath with fewer than two paths")
            found = {}
            for member in members:
                found.update(self._path_values(focus, member, inverse, recursion + 1))
            return found
        kinds = (("zeroOrMorePath", True, True), ("oneOrMorePath", False, True), ("zeroOrOnePath", True, False))
        for name, include_focus, repeat in kinds:
            inner = list(sg.objects(path, _sh(name)))
            if not inner:
                continue
            found = {focus: None} if include_focus else {}
            step = self._path_values(focus, inner[0], inverse, recursion + 1)
            if not repeat:
                found.update(step)
                return found
            pending = list(step)
            while pending:
                node = pending.pop()
                if node in found:
                    continue
                found[node] = None
                pending.extend(self._path_values(node, inner[0], inverse, recursion + 1))
            return found
        raise Unsupported("an unknown kind of path")


# ------------------------------------------------------------------ constraint components
# Each takes a shape and returns check(run, focus, value_nodes) -> (failed, results), the
# per-focus-node part of pySHACL's ConstraintComponent.evaluate.


def _values(shape: _Shape, name: str) -> list:
    return list(shape.model.sg.objects(shape.node, _sh(name)))


def _class(shape: _Shape):
    rules = _values(shape, "class")
    component = _sh("ClassConstraintComponent")

    def check(run, focus, values):
        results = []
        for rule in rules:
            for v in values:
                found = False
                if not isinstance(v, ox.Literal):
                    for kind in run.dg.objects(v, RDF_TYPE):
                        if kind == rule or rule in run.superclasses(kind):
                            found = True
                            break
                if not found:
                    results.append(_Result(shape, focus, v, component=component, generic=_no_generic))
        return bool(results), results

    return check


def _datatype(shape: _Shape):
    rules = _values(shape, "datatype")
    if len(rules) != 1:
        raise Unsupported("sh:datatype count")
    rule = rules[0]
    component = _sh("DatatypeConstraintComponent")

    def matches(v) -> bool:
        if not isinstance(v, ox.Literal):
            return False
        datatype = _rdflib_datatype(v)
        if datatype == rule:
            if _ill_typed(v) is True:
                return False
            return _assert_actual_datatype(v, rule)
        if rule == RDFS_LITERAL:
            return True
        if rule == RDFS_DATATYPE and datatype is not None:
            return True
        if datatype is None and not v.language and rule == XSD_STRING:
            return _assert_actual_datatype(v, rule)
        if rule == RDF_LANGSTRING and v.language:
            return _assert_actual_datatype(v, rule)
        return False

    def check(run, focus, values):
        results = [_Result(shape, focus, v, component=component, generic=_no_generic) for v in values if not matches(v)]
        return bool(results), results

    return check


def _node_kind(shape: _Shape):
    rules = _values(shape, "nodeKind")
    if len(rules) != 1:
        raise Unsupported("sh:nodeKind count")
    rule = rules[0]
    blank = {_sh("BlankNode"), _sh("BlankNodeOrLiteral"), _sh("BlankNodeOrIRI")}
    literal = {_sh("Literal"), _sh("BlankNodeOrLiteral"), _sh("IRIOrLiteral")}
    iri = {_sh("IRI"), _sh("IRIOrLiteral"), _sh("BlankNodeOrIRI")}
    component = _sh("NodeKindConstraintComponent")

    def check(run, focus, values):
        results = []
        for v in values:
            kinds = blank if isinstance(v, ox.BlankNode) else literal if isinstance(v, ox.Literal) else iri
            if rule not in kinds:
                results.append(_Result(shape, focus, v, component=component, generic=_no_generic))
        return bool(results), results

    return check


def _count(shape: _Shape, name: str) -> int:
    rules = _values(shape, name)
    if len(rules) != 1 or not shape.is_property:
        raise Unsupported(f"sh:{name} on a node shape or repeated")
    rule = rules[0]
    if not isinstance(rule, ox.Literal) or rule.language or rule.datatype != XSD_INTEGER:
        raise Unsupported(f"sh:{name} not an xsd:integer")
    value = _rdflib_value(rule)
    if value is None or value < 0:
        raise Unsupported(f"sh:{name} not a count")
    return value


def _cardinality(name: str, component_name: str, word: str, within: Callable[[int, int], bool]):
    def build(shape: _Shape):
        bound = _count(shape, name)
        component = _sh(component_name)

        def generic(result: _Result) -> list[str]:
            return [f"{word} than {bound} values on {_n3(result.focus)}->{_n3(shape.path)}"]

        def check(run, focus, values):
            if within(len(values), bound):
                return False, []
            return True, [_Result(shape, focus, component=component, generic=generic)]

        return check

    return build


_min_count = _cardinality("minCount", "MinCountConstraintComponent", "Less", lambda n, least: least == 0 or n >= least)
_max_count = _cardinality("maxCount", "MaxCountConstraintComponent", "More", lambda n, most: n <= most)


def _range(name: str, component_name: str, accept: Callable[[int], bool]):
    def build(shape: _Shape):
        rules = _values(shape, name)
        if any(not isinstance(r, ox.Literal) for r in rules):
            raise Unsupported(f"sh:{name} not a literal")
        component = _sh(component_name)

        def passes(v, rule) -> bool:
            if not isinstance(v, ox.Literal):
                return False
            rule_value = _rdflib_value(rule)
            value = _rdflib_value(v)
            if isinstance(rule_value, str) != isinstance(value, str):
                return False
            if (
                v.datatype.value in VALUE_COMPARED and rule.datatype.value in VALUE_COMPARED
                and value is not None and rule_value is not None
                and not (isinstance(value, Decimal) and not value.is_finite())
                and not (isinstance(rule_value, Decimal) and not rule_value.is_finite())
            ):
                # rdflib compares well-typed numeric literals by value (Literal.eq, __gt__)
                return accept((value > rule_value) - (value < rule_value))
            raise Unsupported(f"comparing {v} with {rule} the way pySHACL does")

        def check(run, focus, values):
            results = [
                _Result(shape, focus, v, component=component, generic=_no_generic)
                for rule in rules for v in values if not passes(v, rule)
            ]
            return bool(results), results

        return check

    return build


def _length(name: str, component_name: str, longer: bool):
    def build(shape: _Shape):
        rules = _values(shape, name)
        if len(rules) != 1:
            raise Unsupported(f"sh:{name} count")
        rule = rules[0]
        if not isinstance(rule, ox.Literal) or rule.language or rule.datatype.value not in WHOLE_INTEGERS:
            raise Unsupported(f"sh:{name} not a whole number")
        if rule.datatype.value not in (XSD + "integer", XSD + "nonNegativeInteger", XSD + "long"):
            raise Unsupported(f"sh:{name} typed {rule.datatype.value}")
        bound = _rdflib_value(rule)
        if bound is None or bound < 0:
            raise Unsupported(f"sh:{name} negative or ill-typed")
        component = _sh(component_name)

        def passes(v) -> bool:
            if longer and bound == 0:
                return True
            if isinstance(v, ox.BlankNode):
                return False
            return len(_as_text(v)) >= bound if longer else len(_as_text(v)) <= bound

        def check(run, focus, values):
            results = [_Result(shape, focus, v, component=component, generic=_no_generic) for v in values if not passes(v)]
            return bool(results), results

        return check

    return build


def _pattern(shape: _Shape):
    rules = _values(shape, "pattern")
    if not rules or any(not isinstance(r, ox.Literal) or not isinstance(_rdflib_value(r), str) for r in rules):
        raise Unsupported("sh:pattern not a string")
    flags = _values(shape, "flags")
    if len(flags) > 1 or (flags and not isinstance(flags[0], ox.Literal)):
        raise Unsupported("sh:flags repeated or not a literal")
    re_flags = 0
    if flags:
        text = str(_rdflib_value(flags[0])).lower()
        re_flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
    try:
        compiled = [re.compile(r.value, re_flags) for r in rules]
    except re.error as exc:
        raise Unsupported(f"sh:pattern Python cannot compile: {exc}") from None
    component = _sh("PatternConstraintComponent")

    def check(run, focus, values):
        results = []
        for matcher in compiled:
            for v in values:
                if isinstance(v, ox.BlankNode) or not matcher.search(_as_text(v)):
                    results.append(_Result(shape, focus, v, component=component, generic=_no_generic))
        return bool(results), results

    return check


def _language_in(shape: _Shape):
    rules = _values(shape, "languageIn")
    if len(rules) != 1:
        raise Unsupported("sh:languageIn count")
    wanted = set()
    for item in shape.model.sg.items(rules[0]):
        if not isinstance(item, ox.Literal) or not isinstance(_rdflib_value(item), str):
            raise Unsupported("sh:languageIn with a non-string")
        wanted.add(item.value.lower())
    wildcard = "*" in wanted
    component = _sh("LanguageInConstraintComponent")

    def passes(v) -> bool:
        if not isinstance(v, ox.Literal) or not v.language:
            return False
        lang = v.language.lower()
        return wildcard or lang in wanted or lang.split("-")[0] in wanted

    def check(run, focus, values):
        results = [_Result(shape, focus, v, component=component, generic=_no_generic) for v in values if not passes(v)]
        return bool(results), results

    return check


def _unique_lang(shape: _Shape):
    rules = _values(shape, "uniqueLang")
    if len(rules) != 1 or not shape.is_property:
        raise Unsupported("sh:uniqueLang count or on a node shape")
    rule = rules[0]
    if not isinstance(rule, ox.Literal) or rule.datatype != XSD_BOOLEAN or rule.value not in ("true", "false", "1", "0"):
        raise Unsupported("sh:uniqueLang not a boolean")
    unique = rule.value in ("true", "1")
    component = _sh("UniqueLangConstraintComponent")

    def check(run, focus, values):
        if not unique:
            return True, []
        seen: set[str] = set()
        duplicates: set[str] = set()
        for v in values:
            if isinstance(v, ox.Literal) and v.language:
                lang = v.language.lower()
                (duplicates if lang in seen else seen).add(lang)
        results = [_Result(shape, focus, component=component, generic=_no_generic) for _ in duplicates]
        return bool(results), results

    return check


def _pair(name: str, component_name: str, equal: bool):
    def build(shape: _Shape):
        others = _values(shape, name)
        if any(not isinstance(p, ox.NamedNode) for p in others):
            raise Unsupported(f"sh:{name} not an IRI")
        component = _sh(component_name)

        def check(run, focus, values):
            results = []
            mine = set(values)
            for p in others:
                theirs = set(run.dg.objects(focus, p))
                odd = (mine - theirs) | (theirs - mine) if equal else (mine & theirs)
                results += [_Result(shape, focus, v, component=component, generic=_no_generic) for v in odd]
            return bool(results), results

        return check

    return build


def _has_value(shape: _Shape):
    wanted = _values(shape, "hasValue")
    component = _sh("HasValueConstraintComponent")

    def check(run, focus, values):
        results = [_Result(shape, focus, component=component, generic=_no_generic) for hv in wanted if hv not in values]
        return bool(results), results

    return check


def _in(shape: _Shape):
    rules = _values(shape, "in")
    if len(rules) != 1:
        raise Unsupported("sh:in count")
    allowed = set(shape.model.sg.items(rules[0]))
    component = _sh("InConstraintComponent")

    def check(run, focus, values):
        results = [_Result(shape, focus, v, component=component, generic=_no_generic) for v in values if v not in allowed]
        return bool(results), results

    return check


def _property(shape: _Shape):
    model = shape.model
    nodes = _values(shape, "property")

    def check(run, focus, values):
        if not values:
            return False, []
        failed = False
        results: list[_Result] = []
        for node in nodes:
            inner = model.shape(node)
            if not inner.is_property:
                raise Unsupported("sh:property to a node shape")
            for v in values:
                conforms, found = run.validate(inner, v)
                failed = failed or not conforms
                results.extend(found)
        return failed, results

    return check


def _node(shape: _Shape):
    model = shape.model
    nodes = _values(shape, "node")
    component = _sh("NodeConstraintComponent")

    def check(run, focus, values):
        if not values:
            return False, []
        results = []
        for node in nodes:
            inner = model.shape(node)
            if inner.is_property:
                raise Unsupported("sh:node to a property shape")
            for v in values:
                conforms, found = run.validate(inner, v)
                if not conforms or found:
                    results.append(_Result(shape, focus, v, component=component, details=tuple(found), generic=_no_generic))
        return bool(results), results

    return check


def _or(shape: _Shape):
    model = shape.model
    lists = _values(shape, "or")
    component = _sh("OrConstraintComponent")

    def check(run, focus, values):
        results = []
        for head in lists:
            members = model.sg.items(head)
            if not members:
                raise Unsupported("an empty sh:or")
            inner = [model.shape(m) for m in dict.fromkeys(members)]
            for v in values:
                # every branch, as pySHACL does: no result differs, but a branch it cannot run would
                outcomes = [run.validate(s, v)[0] for s in inner]
                if not any(outcomes):
                    results.append(_Result(shape, focus, v, component=component, generic=_no_generic))
        return bool(results), results

    return check


def _qualified(shape: _Shape):
    model = shape.model
    sg = model.sg
    if not shape.is_property:
        raise Unsupported("sh:qualifiedValueShape on a node shape")

    def count(name: str) -> int | None:
        found = list(sg.objects(shape.node, _sh(name)))
        if len(found) > 1:
            raise Unsupported(f"two sh:{name}")
        if not found:
            return None
        value = _rdflib_value(found[0]) if isinstance(found[0], ox.Literal) else None
        if type(value) is not int:
            raise Unsupported(f"sh:{name} not an integer")
        return value

    minimum, maximum = count("qualifiedMinCount"), count("qualifiedMaxCount")
    if minimum is None and maximum is None:
        raise Unsupported("sh:qualifiedValueShape without counts")
    disjoint = any(isinstance(d, ox.Literal) and d.datatype == XSD_BOOLEAN and _rdflib_value(d) is True
                   for d in sg.objects(shape.node, _sh("qualifiedValueShapesDisjoint")))
    value_shapes = list(dict.fromkeys(sg.objects(shape.node, _sh("qualifiedValueShape"))))
    min_component, max_component = _sh("QualifiedMinCountConstraintComponent"), _sh("QualifiedMaxCountConstraintComponent")

    def siblings(value_shape) -> list:
        if not disjoint:
            return []
        found = {}
        for parent in sg.subjects(_sh("property"), shape.node):
            for sibling_property in sg.objects(parent, _sh("property")):
                for sibling in sg.objects(sibling_property, _sh("qualifiedValueShape")):
                    if sibling != value_shape:
                        found[sibling] = None
        return [model.shapes[s] for s in found if s in model.shapes]

    def check(run, focus, values):
        if not disjoint and not values and (minimum is None or minimum < 1):
            return False, []
        results = []
        for node in value_shapes:
            inner = model.shape(node)
            others = siblings(node)
            conforming = 0
            for v in values:
                if run.validate(inner, v)[0]:
                    outcomes = [run.validate(s, v)[0] for s in others]
                    if not any(outcomes):
                        conforming += 1
            if maximum is not None and conforming > maximum:
                results.append(_Result(shape, focus, component=max_component, generic=_no_generic))
            if minimum is not None and conforming < minimum:
                results.append(_Result(shape, focus, component=min_component, generic=_no_generic))
        return bool(results), results

    return check


def _unsupported(kind: str):
    def build(shape: _Shape):
        raise Unsupported(f"sh:{kind}")

    return build


# ------------------------------------------------------------------ SPARQL-based constraints (pyshacl.helper.sparql_query_helper)

_BIND_THIS = re.compile(r"([\s{}()])[\$\?]this", flags=re.M)
_BIND_PATH = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)
_BIND_SHAPES_GRAPH = re.compile(r"([\s{}()])[\$\?]shapesGraph", flags=re.M)
_BIND_CURRENT_SHAPE = re.compile(r"([\s{}()])[\$\?]currentShape", flags=re.M)
_HAS_MINUS = re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=re.M | re.I)
_HAS_VALUES = re.compile(r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=re.M | re.I)
_HAS_SERVICE = re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", flags=re.M | re.I)
_HAS_NESTED_SELECT = re.compile(r"SELECT[\s\(\)\$\?\a-z]*\{[^\}]*SELECT\s+((?:(?:[\?\$]\w+\s+)|(?:\*\s+))+)", flags=re.M | re.I)
_HAS_AS_VAR = re.compile(r"[^\w]+AS[\s]+[\$\?](\w+)", flags=re.M | re.I)


# The words (keywords and functions) of the SPARQL constraints the engine runs on pyoxigraph:
# those of the project's constraints, whose results the tests compare with rdflib's on data
# with tame literals, and a few that cannot differ (UNION, MIN, the term tests). A query
# with any other word goes to pySHACL, SERVICE and FROM among them (pySHACL's path refuses
# those, rdflib_bridge).
SPARQL_WORDS = frozenset({
    "PREFIX", "SELECT", "DISTINCT", "WHERE", "A", "FILTER", "OPTIONAL", "BIND", "AS", "UNION", "NOT", "EXISTS",
    "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "TRUE", "FALSE",
    "COUNT", "MAX", "MIN", "SAMPLE", "COALESCE", "IF", "BOUND", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "SAMETERM",
    "STR", "LANG", "LANGMATCHES", "STRSTARTS", "STRENDS", "STRAFTER", "CONCAT", "REPLACE",
})
# rdflib's STR() also takes a blank node (its label); the standard's, pyoxigraph's, does not
RDFLIB_STR = "urn:plankg:rdflib-str"
_FUNCTIONS = {RDFLIB_STR: lambda term: None if isinstance(term, ox.Triple) else ox.Literal(term.value)}


def _rdflib_str(text: str) -> str:
    """The query with each STR( call made to rdflib's STR."""
    from plankg.sparqltext import TOKEN

    out = []
    last = 0
    for m in TOKEN.finditer(text):
        if m.lastgroup == "word" and m.group(0).upper() == "STR" and text[m.end():].lstrip().startswith("("):
            out.append(text[last:m.start()])
            out.append(f"<{RDFLIB_STR}>")
            last = m.end()
    out.append(text[last:])
    return "".join(out)


class _SparqlConstraint:
    __slots__ = ("node", "text", "messages", "deactivated", "prefixes", "_query")

    def __init__(self, shape: _Shape, node) -> None:
        sg = shape.model.sg
        selects = list(sg.objects(node, _sh("select")))
        if len(selects) != 1 or not isinstance(selects[0], ox.Literal) or not isinstance(_rdflib_value(selects[0]), str):
            raise Unsupported("sh:select count or kind")
        messages = list(sg.objects(node, _sh("message")))
        if any(not isinstance(m, ox.Literal) or not isinstance(_rdflib_value(m), str) for m in messages):
            raise Unsupported("a SPARQL constraint's sh:message that is not a string")
        deactivated = list(sg.objects(node, _sh("deactivated")))
        if deactivated and (not isinstance(deactivated[0], ox.Literal) or deactivated[0].datatype != XSD_BOOLEAN):
            raise Unsupported("sh:deactivated not a boolean")
        self.node = node
        self.text = selects[0].value
        self.messages = messages or None
        self.deactivated = bool(_rdflib_value(deactivated[0])) if deactivated else False
        self.prefixes = self._prefixes(sg, node)
        self._query: str | None = None

    @staticmethod
    def _prefixes(sg: _Index, node) -> dict[str, str]:
        prefixes = {"rdf": RDF, "rdfs": RDFS, "owl": OWL}
        ontologies = set(sg.subjects(RDF_TYPE, OWL_ONTOLOGY))
        global_declares = {d for o in ontologies for d in sg.objects(o, _sh("declare"))}
        declared: dict[str, str] = {}
        for holder in sg.objects(node, _sh("prefixes")):
            own = set(sg.objects(holder, _sh("declare")))
            for declaration in (own if own and holder in ontologies else global_declares | own):
                if isinstance(declaration, ox.Literal):
                    raise Unsupported("a literal sh:declare")
                prefix = list(sg.objects(declaration, _sh("prefix")))
                namespace = list(sg.objects(declaration, _sh("namespace")))
                if len(prefix) != 1 or len(namespace) != 1 or not isinstance(prefix[0], ox.Literal) or not isinstance(namespace[0], ox.Literal):
                    raise Unsupported("a malformed sh:declare")
                name, iri = prefix[0].value, namespace[0].value
                if not isinstance(_rdflib_value(prefix[0]), str) or not isinstance(_rdflib_value(namespace[0]), str):
                    raise Unsupported("a sh:declare that is not text")
                if declared.get(name, iri) != iri:
                    raise Unsupported(f"two namespaces for the prefix {name}")
                declared[name] = iri
        prefixes.update(declared)
        return prefixes

    def query_text(self) -> str:
        if self._query is None:
            self._query = self._checked_query()
        return self._query

    def _checked_query(self) -> str:
        text = self.text
        if _HAS_MINUS.search(text) or _HAS_VALUES.search(text) or _HAS_SERVICE.search(text):
            raise Unsupported("MINUS, VALUES or SERVICE in a SPARQL constraint")
        nested = _HAS_NESTED_SELECT.search(text)
        if nested:
            raise Unsupported("a nested SELECT in a SPARQL constraint")
        rebound = _HAS_AS_VAR.search(text)
        if rebound and rebound.group(1) in ("this", "shapesGraph", "currentShape"):
            raise Unsupported("AS rebinding a pre-bound variable")
        if _BIND_PATH.search(text) or _BIND_SHAPES_GRAPH.search(text):
            raise Unsupported("$PATH or $shapesGraph")
        from plankg.sparqltext import keywords

        unknown = set(keywords(text)) - SPARQL_WORDS
        if unknown:
            raise Unsupported(f"SPARQL not known to read alike in rdflib and pyoxigraph: {', '.join(sorted(unknown))}")
        header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes.items())
        return f"{header}\n{_rdflib_str(text)}"


def _sparql(shape: _Shape):
    if shape.is_property:
        raise Unsupported("SPARQL constraints on property shapes")
    constraints = [_SparqlConstraint(shape, node) for node in dict.fromkeys(_values(shape, "sparql"))]
    component = _sh("SPARQLConstraintComponent")

    def check(run, focus, values):
        results = []
        for constraint in constraints:
            if constraint.deactivated:
                continue
            if not run.tame:
                raise Unsupported("SPARQL on literals rdflib and pyoxigraph read differently")
            text = constraint.query_text()
            substitutions = {}
            if _BIND_THIS.search(constraint.text):
                substitutions["this"] = focus
            if _BIND_CURRENT_SHAPE.search(constraint.text):
                substitutions["currentShape"] = shape.node
            try:
                names, rows = run.scratch.select(text, substitutions, _FUNCTIONS)
            except (SyntaxError, OSError, TypeError, ValueError) as exc:
                raise Unsupported(f"SPARQL pyoxigraph cannot run: {exc}") from None
            for violation in _violations(names, rows):
                kwargs = {"component": component, "source_constraint": constraint.node, "extra_messages": constraint.messages}
                if len(violation) == 2:
                    results.append(_Result(shape, focus, focus, bound_vars=violation[1], **kwargs))
                else:
                    t, p, v, bound = violation
                    if v is None:
                        v = focus
                    this = t if t is not None and t.value != "" else focus
                    results.append(_Result(shape, this, v, path=p, bound_vars=(t, p, v, bound), **kwargs))
        return bool(results), results

    return check


def _violations(names: list[str], rows: list[list]) -> list[tuple]:
    """SPARQLBasedConstraint._validate_sparql_query on pyoxigraph's rows."""
    violations: list[tuple] = []
    failed = False
    for row in rows:
        bound = {name: term for name, term in zip(names, row) if term is not None}
        if bound.pop("failure", None) is not None:
            if not failed:
                violations.append((True, bound))
                failed = True
            continue
        p, v, t = bound.pop("path", None), bound.pop("value", None), bound.pop("this", None)
        if p is None and v is None and t is None:
            continue
        found = (t, p, v, bound)
        if found not in violations:
            violations.append(found)
    return violations


def _format_message(text: str, bound_vars) -> str:
    """ConstraintComponent._format_sparql_based_result_message."""
    values: dict = {}
    if isinstance(bound_vars, tuple):
        values.update(bound_vars[3])
        for name, term in zip(("this", "path", "value"), bound_vars[:3]):
            if term is not None:
                values[name] = term
    else:
        values.update(bound_vars)
    for name, term in values.items():
        if isinstance(term, ox.Triple):
            raise Unsupported("an RDF-star term in a message")
        try:
            text = re.sub("{{[?$]{}}}".format(name), term.value, text)
        except re.error as exc:
            raise Unsupported(f"a message value re.sub cannot take: {exc}") from None
    return text


_COMPONENTS: dict[str, Callable[[_Shape], Callable]] = {
    "class": _class,
    "datatype": _datatype,
    "nodeKind": _node_kind,
    "minCount": _min_count,
    "maxCount": _max_count,
    "minExclusive": _range("minExclusive", "MinExclusiveConstraintComponent", lambda c: c > 0),
    "minInclusive": _range("minInclusive", "MinInclusiveConstraintComponent", lambda c: c >= 0),
    "maxExclusive": _range("maxExclusive", "MaxExclusiveConstraintComponent", lambda c: c < 0),
    "maxInclusive": _range("maxInclusive", "MaxInclusiveConstraintComponent", lambda c: c <= 0),
    "minLength": _length("minLength", "MinLengthConstraintComponent", longer=True),
    "maxLength": _length("maxLength", "MaxLengthConstraintComponent", longer=False),
    "pattern": _pattern,
    "languageIn": _language_in,
    "uniqueLang": _unique_lang,
    "equals": _pair("equals", "EqualsConstraintComponent", equal=True),
    "disjoint": _pair("disjoint", "DisjointConstraintComponent", equal=False),
    "hasValue": _has_value,
    "in": _in,
    "property": _property,
    "node": _node,
    "or": _or,
    "qualifiedValueShape": _qualified,
    "sparql": _sparql,
    **{kind: _unsupported(kind) for kind in ("not", "and", "xone", "lessThan", "lessThanOrEquals", "closed")},
}


# ------------------------------------------------------------------ the report graph (Validator.create_validation_report)


class _Writer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.triples: dict[ox.Triple, None] = {}
        self._cloned: dict = {}

    def add(self, s, p, o) -> None:
        self.triples[ox.Triple(s, p, o)] = None

    def report(self, results: list[_Result], conforms: bool) -> list[ox.Triple]:
        report = ox.BlankNode()
        self.add(report, RDF_TYPE, _sh("ValidationReport"))
        self.add(report, _sh("conforms"), ox.Literal("true" if conforms else "false", datatype=XSD_BOOLEAN))
        for result in results:
            self.add(report, _sh("result"), self.result(result))
        return list(self.triples)

    def result(self, r: _Result) -> ox.BlankNode:
        engine = self.engine
        shape = r.shape
        node = ox.BlankNode()
        data = engine.dg if engine.dg.size else engine.sg
        self.add(node, RDF_TYPE, _sh("ValidationResult"))
        self.add(node, _sh("sourceConstraintComponent"), r.component)
        self.add(node, _sh("sourceShape"), self.clone(engine.sg, shape.node))
        self.add(node, _sh("resultSeverity"), shape.severity)
        self.add(node, _sh("focusNode"), self.clone(data, r.focus))
        if r.value is not None:
            self.add(node, _sh("value"), self.clone(engine.dg, r.value))
        path = r.path if r.path is not None else shape.path
        if path is not None:
            self.add(node, _sh("resultPath"), self.clone(engine.sg, path))
        if r.source_constraint is not None:
            self.add(node, _sh("sourceConstraint"), self.clone(engine.sg, r.source_constraint))
        for text in self.messages(r):
            self.add(node, _sh("resultMessage"), text)
        for detail in r.details:
            self.add(node, _sh("detail"), self.result(detail))
        return node

    @staticmethod
    def messages(r: _Result) -> list[ox.Literal]:
        own = list(r.shape.messages)
        found: list[ox.Literal] = []
        if r.extra_messages:
            for m in r.extra_messages:
                if m in own:
                    continue
                found.append(ox.Literal(_format_message(m.value, r.bound_vars)) if r.bound_vars is not None else m)
        elif not own:
            return [ox.Literal(text) for text in r.generic(r)] if r.generic is not None else []
        for m in own:
            found.append(ox.Literal(_format_message(m.value, r.bound_vars)) if r.bound_vars is not None else m)
        return found

    def clone(self, source: _Index, node):
        if isinstance(node, ox.Literal):
            return node
        key = (id(source), node)
        found = self._cloned.get(key)
        if found is None:
            found = self._clone_blank(source, node, keep_id=True) if isinstance(node, ox.BlankNode) else node
            self._cloned[key] = found
        return found

    # pyshacl.rdfutil.clone: clone_blank_node / clone_list / clone_node
    def _clone_blank(self, source: _Index, bnode, keep_id: bool, recursion: int = 0):
        cloned = ox.BlankNode(report_bnode_label(bnode.value)) if keep_id else ox.BlankNode()
        if recursion >= 10:
            return cloned
        predicates = list(source.predicates(bnode))
        if not predicates:
            return cloned
        if RDF_FIRST in predicates:
            cell = cloned
            for i, item in enumerate(source.items(bnode)):
                if i:
                    nxt = ox.BlankNode()
                    self.add(cell, RDF_REST, nxt)
                    cell = nxt
                self.add(cell, RDF_FIRST, self._clone_node(source, item, recursion + 1))
            self.add(cell, RDF_REST, RDF_NIL)
            return cloned
        for p in predicates:
            for o in source.objects(bnode, p):
                self.add(cloned, p, self._clone_node(source, o, recursion + 1))
        return cloned

    def _clone_node(self, source: _Index, node, recursion: int):
        if isinstance(node, ox.Literal):
            return _clone_literal(node)
        if isinstance(node, ox.BlankNode):
            return self._clone_blank(source, node, keep_id=False, recursion=recursion + 1)
        return node


def validate(shape_quads: Iterable[ox.Quad | ox.Triple], data: Iterable[ox.Quad | ox.Triple]) -> list[ox.Triple]:
    """The report graph pySHACL would write for this data and these shapes (inference none,
    warnings and infos allowed), or ``Unsupported``."""
    model = _shapes_graph(tuple(shape_quads))
    with _collector_paused():
        return _report(model, data)


def _report(model: ShapesGraph, data: Iterable) -> list[ox.Triple]:
    # a function of its own: the run's objects are gone when it returns, before the
    # collector is back on, so they are not what its first pass has to walk
    engine = Engine(model, data)
    results = engine.run()
    conforms = not any(r.severity not in ALLOWED for r in results)
    return _Writer(engine).report(results, conforms)


@lru_cache(maxsize=8)
def _shapes_graph(shape_quads: tuple) -> ShapesGraph:
    # a write validates with the same few shape sets again and again
    return ShapesGraph(shape_quads)


@contextmanager
def _collector_paused():
    # A run allocates some hundred thousand small dicts, lists and tuples that all die
    # together at its end (a run makes no reference cycles); with the cyclic collector
    # on, its passes rescan them and everything the caller holds, a fifth of the run's
    # time. A run that found it on turns it back on at its end (a concurrent run may then
    # finish with it on); a caller that turned it off keeps it off.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
