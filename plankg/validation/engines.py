"""The SHACL engines: pyshacl-turbo answers, pySHACL is the reference it is compared with.

``report_graph(engine, data, shape_quads, sources)`` runs one validation and returns
the W3C report graph as pyoxigraph triples. Both engines get the data and the shapes
the same way: turbo as two pyoxigraph stores (it reads their N-Quads natively; an
rdflib shapes graph with a store for data gives a false ``sh:in`` violation), pySHACL
as two rdflib graphs. Neither runs SHACL-AF (rules or SPARQL targets would let
uploaded shapes change the data) nor inference, nor follows owl:imports.

Why turbo is the default, with the numbers: ARCHITECTURE.md "Validation" and
bench/results/validation.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import version
from typing import Any

import pyoxigraph as ox

from plankg.errors import PlanKGError, RDFSyntaxError

TURBO = "turbo"
PYSHACL = "pyshacl"
ENGINES = (TURBO, PYSHACL)
DEFAULT_ENGINE = TURBO
_DISTRIBUTIONS = {TURBO: "pyshacl-turbo", PYSHACL: "pyshacl"}
SH_FOCUS = "http://www.w3.org/ns/shacl#focusNode"
SH_VALUE = "http://www.w3.org/ns/shacl#value"

_OPTIONS: dict[str, Any] = {
    "inference": "none",
    "advanced": False,  # SHACL-AF (rules, SPARQL targets) would let uploaded shapes change data
    "allow_warnings": True,
    "allow_infos": True,
    "do_owl_imports": False,
}


@lru_cache(maxsize=4)
def engine_name(engine: str) -> str:
    """The engine as a report names it: distribution and version ("pyshacl-turbo 0.6.5")."""
    distribution = _DISTRIBUTIONS[engine]
    return f"{distribution} {version(distribution)}"


def report_graph(
    engine: str,
    data: Sequence[ox.Quad | ox.Triple],
    shape_quads: Sequence[ox.Quad],
    sources: Sequence[str],
    memo: dict | None = None,
) -> list[ox.Triple]:
    """The W3C validation report of one run.

    ``memo``: where turbo keeps the shapes it compiled (``Shapes`` gives its own, so the
    project's shapes are compiled once per process, and once for every sandbox job's fork).
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    from plankg.store.rdflib_bridge import from_rdflib_graph

    try:
        if engine == TURBO:
            compiled = _compiled(shape_quads, {} if memo is None else memo)
            triples = _turbo_native(compiled, data)
            if triples is None:
                _, graph, _ = compiled.validate(_store(data), inference="none", allow_warnings=True, allow_infos=True)
                triples = from_rdflib_graph(graph)
            return as_written(triples, data, shape_quads)
        else:
            import pyshacl

            from plankg.store.rdflib_bridge import to_rdflib_graph

            _, graph, _ = pyshacl.validate(
                to_rdflib_graph(data, LocalQueryGraph()),
                shacl_graph=to_rdflib_graph(shape_quads),
                inplace=True,  # the rdflib graph is a throw-away copy; skip pySHACL's second copy
                **_OPTIONS,
            )
    except PlanKGError:
        raise
    except Exception as exc:  # noqa: BLE001 - shapes may come from a user; the engines and rdflib
        # raise a dozen unrelated types for shapes they cannot use (a bad count, SPARQL that does
        # not parse); each is the user's input error, never a crash of ours.
        raise _unusable(sources, str(exc)) from None
    if not hasattr(graph, "__iter__"):
        # both return a ValidationFailure (not a graph) for some broken shapes
        raise _unusable(sources, str(graph))
    return from_rdflib_graph(graph)


def as_written(report: list[ox.Triple], data: Sequence[ox.Quad | ox.Triple], shape_quads: Sequence[ox.Quad]) -> list[ox.Triple]:
    """The report with focus nodes and values that are literals as the data (or shapes) wrote them.

    Turbo writes a literal focus node or value in its canonical form ("4"^^xsd:decimal for
    "4.0"), and an ill-typed one under another datatype ("300"^^xsd:integer for
    "300"^^xsd:byte); SHACL (and pySHACL) report the term itself. A literal the inputs do
    not hold is put back when exactly one input literal has its datatype and numeric
    value (tried first), or else its lexical form.
    """
    wanted = {SH_FOCUS, SH_VALUE}
    stray = {t.object for t in report if t.predicate.value in wanted and isinstance(t.object, ox.Literal)}
    if not stray:
        return report
    written = {q.object for q in (*data, *shape_quads) if isinstance(q.object, ox.Literal)}
    stray -= written
    if not stray:
        return report
    by_lexical: dict[str, set[ox.Literal]] = {}
    for lit in written:
        by_lexical.setdefault(lit.value, set()).add(lit)
    by_number: dict[tuple[str, object], set[ox.Literal]] = {}
    for lit in written:
        number = _number(lit.value)
        if number is not None:
            by_number.setdefault((lit.datatype.value, number), set()).add(lit)
    fixed: dict[ox.Literal, ox.Literal] = {}
    for lit in stray:
        number = _number(lit.value)
        candidates = (by_number.get((lit.datatype.value, number), set()) if number is not None else set()) or by_lexical.get(lit.value, set())
        if len(candidates) == 1:
            fixed[lit] = next(iter(candidates))
    if not fixed:
        return report
    return [
        ox.Triple(t.subject, t.predicate, fixed.get(t.object, t.object)) if t.predicate.value in wanted else t  # type: ignore[arg-type]
        for t in report
    ]


def _number(text: str):
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None


# what the native call takes after the data (iterate_rules, max_rule_iterations, max_validation_depth,
# inplace, allow_infos, allow_warnings, abort_on_first, focus_nodes, use_shapes, namespaces), as
# pyshacl-turbo 0.6.5's CompiledShapes.validate passes them
_NATIVE_ARGUMENTS: tuple[Any, ...] = (False, 100, 15, False, True, True, False, [], [], [])


def _turbo_native(compiled, data: Sequence[ox.Quad | ox.Triple]) -> list[ox.Triple] | None:
    """The report straight from turbo's native validator, or None where that call is not there.

    ``CompiledShapes.validate`` hands the native validator the data as N-Quads text and reads
    its N-Triples report back into rdflib in Python; on the plan graph that reading and the
    way back to pyoxigraph took a third of the time. pyoxigraph writes and reads both here.
    This is turbo's internal call (pinned in constraints.txt; ``test_engine_parity`` checks the
    call is made): where another version changes it, the public call above runs instead.
    """
    native = getattr(compiled, "_native", None)
    if native is None or not hasattr(native, "validate"):
        return None
    quads = [q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object) for q in data]
    text = (ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"").decode("utf-8")
    try:
        found = native.validate(text, "oxigraph-nquads", None, *_NATIVE_ARGUMENTS)
    except TypeError:  # another signature: another turbo version
        return None
    report = found[1] if isinstance(found, tuple) and len(found) > 1 else None
    if not isinstance(report, str):
        return None
    return [t if isinstance(t, ox.Triple) else t.triple for t in ox.parse(report.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


def _compiled(shape_quads: Sequence[ox.Quad], memo: dict):
    key = ("turbo", id(shape_quads), len(shape_quads))
    found = memo.get(key)
    if found is None or found[0] is not shape_quads:
        import pyshacl_turbo

        # advanced=False: SHACL-AF (rules, SPARQL targets) would let uploaded shapes change data
        found = memo[key] = (shape_quads, pyshacl_turbo.compile_shapes(_store(shape_quads), advanced=False))
    return found[1]


def _store(quads: Sequence[ox.Quad | ox.Triple]) -> ox.Store:
    store = ox.Store()
    store.extend([q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object) for q in quads])
    return store


def _unusable(sources: Sequence[str], reason: str) -> RDFSyntaxError:
    first = next((line.strip() for line in reason.splitlines() if line.strip()), "unknown error")
    return RDFSyntaxError(", ".join(sources[:3]) or "<shapes>", 0, f"the shapes cannot be used: {first[:300]}")


@lru_cache(maxsize=1)
def _local_query_graph():
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query

    from plankg.validation.shapes import refuse_algebra

    class _LocalQueryGraph(Graph):
        """An rdflib graph whose SPARQL is parsed once per text and never leaves the machine.

        pySHACL sends the text of a SPARQL constraint once per focus node; parsing, not
        evaluating, was most of its time. A query that would fetch data (SERVICE, or FROM /
        FROM NAMED, which rdflib loads from the web) is refused before it runs.
        """

        def __init__(self) -> None:
            super().__init__(bind_namespaces="none")

        def query(self, query_object, *args, initNs=None, **kwargs):  # noqa: N803 - rdflib's name
            if isinstance(query_object, str):
                query_object = _prepared(query_object, tuple(sorted((initNs or {}).items())))
            elif isinstance(query_object, Query):
                refuse_algebra(query_object.algebra)
            return super().query(query_object, *args, **kwargs)

    return _LocalQueryGraph


@lru_cache(maxsize=256)
def _prepared(text: str, namespaces: tuple):
    from rdflib.plugins.sparql import prepareQuery

    from plankg.validation.shapes import refuse_algebra

    prepared = prepareQuery(text, initNs=dict(namespaces))
    refuse_algebra(prepared.algebra)
    return prepared


def LocalQueryGraph():  # noqa: N802 - stands for the class, made on first use (rdflib imports late)
    return _local_query_graph()()
