"""SPARQL result and RDF serializations, with the row cap and the byte cap applied on the way.

Results are written here rather than by the engine so that the caps, the
truncation notice and the formats are the same whichever store answered.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, overload

import pyoxigraph as ox

from plankg.store.rdfio import readable


# xml.sax.saxutils' escape and quoteattr, written out: that module imports urllib.request
# (ssl, http.client, email) into every server and query-worker zygote start,
# for a few string replacements.
def escape(data: str) -> str:
    return data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(data: str) -> str:
    data = escape(data).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' in data:
        if "'" in data:
            return '"{}"'.format(data.replace('"', "&quot;"))
        return f"'{data}'"
    return f'"{data}"'


RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    "nquads": ("application/n-quads", ox.RdfFormat.N_QUADS),
    "trig": ("application/trig", ox.RdfFormat.TRIG),
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass
class QueryResponse:
    kind: str  # "select", "ask" or "graph"
    format: str  # key of RESULT_FORMATS or GRAPH_FORMATS
    media_type: str
    body: bytes
    rows: int  # solutions or triples written
    truncated: bool  # the row cap or the byte cap cut the result (fewer rows than the row cap: the byte cap)


def capped(items: Iterable, cap: int) -> tuple[list, bool]:
    out: list = []
    for item in items:
        if len(out) == cap:
            return out, True
        out.append(item)
    return out, False


def _json_term(term: object) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _tsv_term(term: object | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return str(term)  # N-Triples form; its escapes keep a cell on one line
    return str(term)


def _csv_term(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return term.value


def _values(variables: list[str], rows: Iterable) -> Iterable[list]:
    """Each row's terms in variable order. Iterating a pyoxigraph QuerySolution is
    ~15x faster than looking its variables up by name."""
    for row in rows:
        if isinstance(row, Mapping):
            yield [row.get(v) for v in variables]
        else:
            yield list(row)


def _memo(render):
    """Render each distinct term once: results repeat predicates, classes and subjects."""
    cache: dict = {}

    def rendered(term):
        if term is None:
            return None
        try:
            return cache[term]
        except KeyError:
            out = cache[term] = render(term)
            return out

    return rendered


NO_CAP = 10**12


class _Lines(list):
    """A csv writer's file: each ``writerow`` lands here as one string."""

    write = list.append


def _select_writer(variables: list[str], fmt: str):
    """(head(truncated) -> str, row(values) -> str, separator, tail) of one result format."""
    if fmt == "json":
        # written as text from pre-encoded terms: json.dumps of the whole document was
        # most of the time a large result took
        term = _memo(lambda t: json.dumps(_json_term(t), ensure_ascii=False, separators=(",", ":")))
        keys = [json.dumps(v, ensure_ascii=False) + ":" for v in variables]

        def json_head(truncated: bool) -> str:
            head: dict = {"vars": variables}
            extra = ""
            if truncated:
                # SPARQL JSON allows extra keys, but streaming parsers (pyoxigraph's) refuse
                # any after "results", so the flag goes before it
                head["link"] = ["urn:plankg:truncated"]
                extra = ',"truncated":true'
            return '{"head":' + json.dumps(head, ensure_ascii=False, separators=(",", ":")) + extra + ',"results":{"bindings":['

        def json_row(values: list) -> str:
            return "{" + ",".join(key + term(value) for key, value in zip(keys, values, strict=True) if value is not None) + "}"

        return json_head, json_row, ",", "]}}"
    if fmt == "xml":
        xml = _memo(_xml_term)
        names = [f"<binding name={quoteattr(v)}>" for v in variables]
        declared = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)

        def xml_head(truncated: bool) -> str:
            link = '<link href="urn:plankg:truncated"/>' if truncated else ""
            return '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>' + declared + link + "</head><results>"

        def xml_row(values: list) -> str:
            return "<result>" + "".join(name + xml(value) + "</binding>" for name, value in zip(names, values, strict=True) if value is not None) + "</result>"

        return xml_head, xml_row, "", "</results></sparql>"
    if fmt == "csv":
        cell = _memo(_csv_term)
        lines = _Lines()
        writer = csv.writer(lines, lineterminator="\r\n")
        writer.writerow(variables)
        header = lines.pop()

        def csv_row(values: list) -> str:
            writer.writerow(["" if v is None else cell(v) for v in values])
            return lines.pop()

        return (lambda truncated: header), csv_row, "", ""
    if fmt == "tsv":
        cell = _memo(_tsv_term)
        header = "\t".join("?" + v for v in variables) + "\n"

        def tsv_row(values: list) -> str:
            return "\t".join("" if v is None else cell(v) for v in values) + "\n"

        return (lambda truncated: header), tsv_row, "", ""
    raise ValueError(fmt)


def write_select(
    variables: list[str], rows: Iterable, fmt: str, *, row_cap: int = NO_CAP, max_bytes: int = NO_CAP, truncated: bool = False
) -> tuple[bytes, int, bool]:
    """Serialize solutions, at most ``row_cap`` of them and ``max_bytes`` in all.

    Returns (body, rows written, cut). The rows are consumed one by one and the
    cut falls between two rows, so the body stays a valid document of its format
    and a huge result is never held whole; the truncation notice is in the head
    whichever cap cut it. ``truncated`` forces the notice (a cut made upstream).
    """
    head, row, sep, tail = _select_writer(variables, fmt)
    # room for the longer head, the one with the notice, whatever happens next
    budget = max_bytes - len(head(True).encode()) - len(tail)
    parts: list[bytes] = []
    size = 0
    cut = False
    joiner = sep.encode()
    for values in _values(variables, rows):
        if len(parts) >= row_cap:
            cut = True
            break
        data = row(values).encode()
        size += len(data) + (len(joiner) if parts else 0)
        if size > budget:
            cut = True
            break
        parts.append(data)
    body = head(cut or truncated).encode() + joiner.join(parts) + tail.encode()
    return body, len(parts), cut


def serialize_select(variables: list[str], rows: list, fmt: str, truncated: bool) -> bytes:
    """Serialize solutions: pyoxigraph QuerySolutions, term sequences in variable order, or mappings."""
    return write_select(variables, rows, fmt, truncated=truncated)[0]


class _OverBudget(Exception):
    pass


class _BudgetWriter:
    """Collects what the engine writes; stops it past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _OverBudget
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


_BINDINGS_START = b'},"results":{"bindings":['


def native_select_json(solutions: ox.QuerySolutions, cap: int, max_bytes: int) -> tuple[bytes, int] | None:
    """SPARQL JSON written by the engine, when the whole answer fits the row cap.

    The engine writes the same bytes as ``serialize_select(..., "json", False)``
    (the tests hold the two together), several times faster. ``None`` when it
    cannot be used: more rows than ``cap`` (the cut and its notice are ours),
    more than ``max_bytes`` (stopped early), or a row with no bound variable,
    which the count below cannot tell from text. ``solutions`` is used up either way.

    Rows are counted in the text: a row opens with ``{"`` after ``[`` or ``,``,
    and nowhere else, because every ``"`` inside a JSON string is escaped.
    """
    writer = _BudgetWriter(max_bytes)
    try:
        # pyoxigraph's stub asks for an IO[bytes]; it calls only write() (and flush)
        solutions.serialize(writer, format=ox.QueryResultsFormat.JSON)  # type: ignore[arg-type]
    except _OverBudget:
        return None
    body = b"".join(writer.parts)
    start = body.find(_BINDINGS_START)
    if start < 0:
        return None
    start += len(_BINDINGS_START)
    if body.startswith(b"]", start):
        rows = 0
    elif b"{}" in body:
        return None
    else:
        rows = 1 + body.count(b',{"', start)
    if rows > cap:
        return None
    return body, rows


def serialize_ask(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>"
        ).encode()
    if fmt == "csv":
        return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode()
    if fmt == "tsv":
        return f"?_askResult\n{'true' if value else 'false'}\n".encode()
    raise ValueError(fmt)


@overload
def serialize_graph(triples: Iterable, fmt: str, prefixes: dict[str, str] | None = None, *, max_bytes: None = None) -> bytes: ...
@overload
def serialize_graph(triples: Iterable, fmt: str, prefixes: dict[str, str] | None = None, *, max_bytes: int) -> bytes | None: ...
def serialize_graph(triples: Iterable, fmt: str, prefixes: dict[str, str] | None = None, *, max_bytes: int | None = None) -> bytes | None:
    """The graph in ``fmt``; with ``max_bytes``, None when it would be longer (the writer stops there)."""
    _, rdf_format = GRAPH_FORMATS[fmt]
    kwargs: dict[str, Any] = {}
    if prefixes and fmt in ("turtle", "trig", "rdfxml", "jsonld"):
        kwargs["prefixes"] = prefixes
    if max_bytes is None:
        return _readable(ox.serialize(list(triples), format=rdf_format, **kwargs) or b"", fmt, prefixes)
    writer = _BudgetWriter(max_bytes)
    try:
        ox.serialize(list(triples), writer, rdf_format, **kwargs)  # type: ignore[arg-type]  # as above: only write()
    except _OverBudget:
        return None
    body = _readable(b"".join(writer.parts), fmt, prefixes)
    return body if len(body) <= max_bytes else None


def _readable(body: bytes, fmt: str, prefixes: dict[str, str] | None) -> bytes:
    return readable(body, prefixes) if fmt in ("turtle", "trig") else body


def _least_bytes(triple: ox.Triple) -> int:
    """Bytes every graph format spends on a triple at least: its terms' text, each character one byte or more."""
    return _least_term_bytes(triple.subject) + len(triple.predicate.value) + _least_term_bytes(triple.object)


def _least_term_bytes(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> int:
    return _least_bytes(term) if isinstance(term, ox.Triple) else len(term.value)


def write_graph(
    triples: Iterable, fmt: str, prefixes: dict[str, str] | None = None, *, row_cap: int = NO_CAP, max_bytes: int = NO_CAP
) -> tuple[bytes, int, bool]:
    """Serialize a graph, at most ``row_cap`` triples and ``max_bytes`` in all: (body, triples, cut).

    The engine writes the document (Turtle, JSON-LD and RDF/XML group and abbreviate,
    so a triple has no size of its own there). Triples are taken until the cap, or
    until their text alone passes ``max_bytes``; when the document is then too long,
    a prefix of the triples is written again, its length guessed from the
    N-Triples size and shrunk until it fits. The cut is at a triple boundary and
    the document is whole either way.
    """
    taken: list = []
    least = 0
    cut = False
    for triple in triples:
        if len(taken) >= row_cap or least > max_bytes:
            cut = True
            break
        taken.append(triple)
        least += _least_bytes(triple)
    if least <= max_bytes:
        body = serialize_graph(taken, fmt, prefixes, max_bytes=max_bytes)
        if body is not None:
            return body, len(taken), cut
    # N-Triples sizes of the prefixes; the first guess is the longest prefix whose N-Triples fit
    total = 0
    keep = 0
    for triple in taken:
        total += len(str(triple).encode()) + 3
        if total > max_bytes:
            break
        keep += 1
    while keep > 0:
        body = serialize_graph(taken[:keep], fmt, prefixes, max_bytes=max_bytes)
        if body is not None:
            return body, keep, True
        keep = keep * 3 // 4
    return serialize_graph([], fmt, prefixes), 0, True
