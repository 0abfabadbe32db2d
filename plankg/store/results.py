"""SPARQL result and RDF serializations, with the row cap and the byte cap applied on the way.

Results are written here rather than by the engine so that the caps, the
truncation notice and the formats are the same whichever store answered.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
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
    total: int | None = None  # a page's: the rows of the whole answer (asked for with ``count_total``)


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


def write_page(
    variables: list[str], rows: Iterable, fmt: str, *, row_cap: int = NO_CAP, max_bytes: int = NO_CAP, offset: int = 0, count_total: bool = False
) -> tuple[bytes, int, bool, int | None]:
    """``write_select`` from row ``offset`` on: (body, rows, cut, total of rows when ``count_total``).

    Our writer, row by row: for rows the engine's text cannot count (``native_select``) and remote stores.
    """
    rest = iter(rows)
    skipped = sum(1 for _ in itertools.islice(rest, offset)) if offset else 0
    body, written, cut = write_select(variables, rest, fmt, row_cap=row_cap, max_bytes=max_bytes)
    # the row that showed the cut was taken from ``rest`` too
    total = skipped + written + (1 if cut else 0) + sum(1 for _ in rest) if count_total else None
    return body, written, cut, total


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


@dataclass(frozen=True)
class _NativeFormat:
    """Where rows begin and end in what the engine writes, so it can be cut between two rows.

    Each marker is text that only a row boundary holds: JSON escapes every ``"``
    inside a string (so ``,{"`` opens a row and nothing else), XML every ``<``,
    and TSV writes terms in their N-Triples form, newlines escaped.
    """

    engine: ox.QueryResultsFormat
    head_end: bytes  # the rows begin after the first occurrence of this
    marker: bytes
    first_unmarked: bool  # JSON: the first row has no separator before it
    cut_after: int  # TSV: a row ends with its marker, so the cut is after it
    tail: bytes  # what closes the document after the last row
    notice: tuple[bytes, bytes] | None  # (text of the head, the same with the truncation notice)
    unsure: tuple[bytes, ...] = ()  # text after which the marker count cannot be trusted (a row with no binding)


_NATIVE = {
    "json": _NativeFormat(
        ox.QueryResultsFormat.JSON, b'"bindings":[', b',{"', True, 0, b"]}}",
        (_BINDINGS_START, b',"link":["urn:plankg:truncated"]},"truncated":true,"results":{"bindings":['),
        (b"[{}", b",{}"),
    ),
    "xml": _NativeFormat(
        ox.QueryResultsFormat.XML, b"<results>", b"<result>", False, 0, b"</results></sparql>",
        (b"</head>", b'<link href="urn:plankg:truncated"/></head>'),
    ),
    "tsv": _NativeFormat(ox.QueryResultsFormat.TSV, b"\n", b"\n", False, 1, b"", None),
}
NATIVE_FORMATS = frozenset(_NATIVE)


class _Unsure(Exception):
    pass


class _RowCounter:
    """What the engine writes, counted in rows as it comes (``bytes.count``, no loop per row).

    It keeps the rows from ``offset`` on, at most ``cap`` of them and ``max_bytes``
    in all, then stops the engine (and with it the evaluation: it is lazy), or,
    with ``count``, goes on counting the rest without keeping it (the total of a
    paged answer: the same evaluation, the engine's own writer).
    """

    def __init__(self, spec: _NativeFormat, cap: int, max_bytes: int, offset: int = 0, count: bool = False) -> None:
        self.spec, self.cap, self.max_bytes, self.offset, self.count = spec, cap, max_bytes, offset, count
        self.buf = bytearray()
        self.start: int | None = None  # where the rows begin
        self.scanned = 0
        self.markers = 0
        self.lo: int | None = None  # where the page begins
        self.page: tuple[bytes, int, bool] | None = None  # the page, once cut (counting goes on)
        self.carry = b""  # the last bytes seen once the page is cut: a marker across two writes
        self.first = False  # JSON: the first row (it has no marker) has begun
        self.exact: _JsonRows | None = None  # once a row may bind no variable (JSON): rows found by a scan
        # JSON, once the page is cut: the text from the last row opening counted on ("[{" or a marker)
        self.row_tail = bytearray()

    # -- the engine's file
    def write(self, data) -> int:
        spec = self.spec
        if self.exact is not None:
            return self._write_exact(data, len(data))
        if self.page is not None:
            text = self.carry + bytes(data)
            keep = len(spec.marker) - 1
            if spec.unsure:
                if any(unsure in text for unsure in spec.unsure):
                    # perhaps a row with no binding: counted outside the strings from the last
                    # row opening counted (a marker, outside any string) on
                    self.exact = _JsonRows(self.row_tail[2:], 0)
                    self.exact.keep = False
                    self.exact.rows = self.rows()
                    return self._write_exact(data, len(data))
                at = text.rfind(spec.marker)
                if at >= 0:
                    self.row_tail = bytearray(text[at:])
                else:
                    self.row_tail += data
            self.markers += text.count(spec.marker) - self.carry.count(spec.marker)
            self.carry = text[-keep or len(text):]
            return len(data)
        buf = self.buf
        markers_before = self.markers
        buf.extend(data)
        if self.start is None:
            found = buf.find(spec.head_end)
            if found < 0:
                if len(buf) > self.max_bytes:
                    raise _Unsure
                return len(data)
            self.start = self.scanned = found + len(spec.head_end)
        for text in spec.unsure:
            if buf.find(text, max(self.start - 1, self.scanned - len(text) + 1)) >= 0:
                # perhaps a row with no binding (or a string holding the same text): from here
                # on the rows are found outside the strings, in the same evaluation
                self.exact = _JsonRows(buf, self.start - 1)
                return self._write_exact(b"", len(data))
        counted_from = max(self.start, self.scanned - len(spec.marker) + 1)
        self.markers += buf.count(spec.marker, counted_from)
        self.scanned = len(buf)
        rows = self.rows()
        if self.lo is None and rows > self.offset:
            self.lo = self._boundary(self.offset, counted_from, markers_before, opening=True)
        end = None
        if rows > self.offset + self.cap:
            end = self._boundary(self.offset + self.cap, counted_from, markers_before)
        # the text so far, the tail included once it came, past the byte cap: the page ends before
        over = self.lo is not None and self._size(end if end is not None else len(buf)) - len(spec.tail) > self.max_bytes
        if end is not None or over:
            self.page = self._cut(end)
            if not self.count:
                raise _OverBudget
            self.carry = bytes(buf[-(len(spec.marker) - 1):])
            if spec.unsure:
                at = buf.rfind(spec.marker, self.start)
                self.row_tail = buf[at if at >= 0 else self.start - 1 :]
            # the rows written but not in the page: counted already; what follows is counted as it comes
            self.buf = bytearray()
        return len(data)

    def flush(self) -> None:
        pass

    # -- rows and boundaries
    def rows(self) -> int:
        """Rows begun (JSON, XML) or ended (TSV) so far."""
        if self.spec.first_unmarked and not self.first and self.start is not None:
            self.first = self.markers > 0 or (len(self.buf) > self.start and self.buf[self.start] == ord("{"))
        return self.markers + self.first

    @property
    def _head_end(self) -> int:
        """Where the rows begin: known once the head was read, which every caller of it follows."""
        if self.start is None:
            raise _Unsure  # not so: the rows are written the slower way, ours
        return self.start

    @property
    def _page_start(self) -> int:
        return self.lo if self.lo is not None else self._head_end

    def _boundary(self, rows: int, counted_from: int, markers_before: int, opening: bool = False) -> int:
        """Where the first ``rows`` rows end, looked for in the last write only (a cap or an offset
        is crossed by one write); ``opening``: where the next row begins (JSON: after the comma)."""
        spec, buf = self.spec, self.buf
        index = rows if not (spec.first_unmarked or spec.cut_after) else rows - 1  # the marker that ends them
        if index < 0:
            return self._head_end
        pos, seen = counted_from - 1, markers_before
        while True:
            pos = buf.find(spec.marker, pos + 1)
            if seen == index:
                return pos + spec.cut_after + (1 if opening and spec.first_unmarked else 0)
            seen += 1

    def _size(self, end: int) -> int:
        """Bytes of the page's document if it ended at ``end`` (with the notice and the tail)."""
        spec = self.spec
        extra = len(spec.notice[1]) - len(spec.notice[0]) if spec.notice else 0
        return self._head_end + extra + (end - self._page_start) + len(spec.tail)

    def _cut(self, end: int | None) -> tuple[bytes, int, bool]:
        """The page up to ``end`` (None: as far as the bytes allow), closed: (body, rows, True)."""
        spec, buf, lo = self.spec, self.buf, self._page_start
        if end is None or self._size(end) > self.max_bytes:
            limit = end if end is not None else len(buf)
            limit = min(limit, lo + self.max_bytes - self._size(lo))
            # the last boundary within the byte cap
            if spec.cut_after:
                found = buf.rfind(spec.marker, lo, max(lo, limit))
                end = found + 1 if found >= 0 else lo
            else:
                found = buf.rfind(spec.marker, lo, max(lo, limit + len(spec.marker)))
                end = found if found >= 0 else lo
        return self._document(lo, end, cut=True)

    def _document(self, lo: int, end: int, *, cut: bool) -> tuple[bytes, int, bool]:
        spec, buf = self.spec, self.buf
        rows = buf.count(spec.marker, lo, end)
        if spec.first_unmarked and end > lo:
            rows += 1
        head = bytes(buf[: self.start])
        if cut and spec.notice:
            head = head.replace(spec.notice[0], spec.notice[1], 1)
        return head + bytes(buf[lo:end]) + spec.tail, rows, cut

    def finished(self) -> tuple[bytes, int, bool]:
        """The page of a result that ended within both caps (or the page cut before it ended)."""
        if self.exact is not None:
            return self._exact_finished()
        if self.page is not None:
            return self.page
        buf, spec = self.buf, self.spec
        end = len(buf) - len(spec.tail)  # the rows' end: the engine closed the document
        if self.lo is None:  # fewer rows than the offset: an empty page
            return bytes(buf[: self.start]) + spec.tail, 0, False
        if self._size(end) > self.max_bytes:  # the whole would fit, but not with the notice room
            return self._cut(end)
        if self.lo == self.start:
            return bytes(buf), self.rows(), False
        return self._document(self.lo, end, cut=False)

    def total(self) -> int:
        return self.exact.rows if self.exact is not None else self.rows()

    # -- a row with no binding: JSON scanned outside its strings (the exact way, slower)
    def _write_exact(self, data, written: int) -> int:
        exact = self.exact
        assert exact is not None
        exact.feed(data)
        if self.page is None:
            starts, offset = exact.starts, self.offset
            if len(starts) > offset + self.cap:
                # the row after the page has begun: the page's rows are whole
                self.page = self._exact_page(starts[offset + self.cap] - 1, more=True)
            elif len(starts) > offset and len(exact.text) - starts[offset] > self.max_bytes:
                # the page's text passes the byte cap: the page is cut within its whole rows
                self.page = self._exact_page(max(starts[-1] - 1, starts[offset]), more=True)
            else:
                return written
            if not self.count:
                raise _OverBudget
            exact.keep = False
            exact.feed(b"")
        return written

    def _exact_page(self, end: int, *, more: bool) -> tuple[bytes, int, bool]:
        """The page written by ``write_select`` from the engine's rows read back (its text is ours
        for the rows it holds, ``{}`` for a row with no binding included); ``end``: where the
        rows the page may take end; ``more``: rows follow them."""
        exact = self.exact
        assert exact is not None and self.start is not None
        text, starts = exact.text, exact.starts
        rows = bytes(text[starts[self.offset] : end]) if len(starts) > self.offset else b""
        head = bytes(text[: self.start])
        try:
            solutions = ox.parse_query_results(head + rows + self.spec.tail, ox.QueryResultsFormat.JSON)
            assert isinstance(solutions, ox.QuerySolutions)
            variables = [v.value for v in solutions.variables]
            body, written, cut = write_select(variables, solutions, "json", row_cap=self.cap, max_bytes=self.max_bytes, truncated=more)
        except (MemoryError, SyntaxError, ValueError, OSError):
            # pyoxigraph's reader takes no value over 16 MiB (MemoryError: its buffer's limit)
            raise _Unsure from None
        return body, written, cut or more

    def _exact_finished(self) -> tuple[bytes, int, bool]:
        if self.page is not None:
            return self.page
        assert self.exact is not None
        return self._exact_page(len(self.exact.text) - len(self.spec.tail), more=False)


# SPARQL JSON read outside its strings: what follows the opening quote of a string, up to its
# closing quote (group 1) or to the end of the text so far (group 2: a backslash there, whose
# escaped character is still to come); and outside, where a row begins (a row is an object in
# the bindings' array, and no other object follows "[" or ",")
_STRING_REST = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*(?:(")|(\\)?\Z)', re.S)
_OPENING = re.compile(rb"[\[,]\{")


class _JsonRows:
    """The rows of the engine's SPARQL JSON, found by reading its text outside the strings: where
    a row binds no variable (``{}``, text a string may hold too), the marker count cannot tell.
    ``text`` is kept whole while ``keep`` (the page is read back from it), else only its unread end;
    each byte is read once, a string across writes included."""

    def __init__(self, text: bytearray, pos: int) -> None:
        self.text = text
        self.pos = pos  # where reading goes on
        self.inside = False  # within a string at ``pos``
        self.starts: list[int] = []  # where each row begins ("{"), while the text is kept
        self.rows = 0
        self.keep = True

    def feed(self, data) -> None:
        text = self.text
        text.extend(data)
        pos, end = self.pos, len(text)
        while True:
            if self.inside:
                m = _STRING_REST.match(text, pos)
                assert m is not None  # it matches at the end of the text at the latest
                if m.group(1) is None:  # the string goes on past the text so far
                    pos = m.end() - (1 if m.group(2) else 0)
                    break
                pos, self.inside = m.end(), False
            # up to the next string: the rows that begin there, counted by ``count`` (no loop per row)
            quote = text.find(b'"', pos)
            stop = end if quote < 0 else quote
            self.rows += text.count(b",{", pos, stop) + text.count(b"[{", pos, stop)
            if self.keep:
                self.starts.extend(m.end() - 1 for m in _OPENING.finditer(text, pos, stop))
            if quote < 0:
                # a "," or "[" at the end may open a row whose "{" is still to come
                pos = end - 1 if end > pos and text[-1:] in (b",", b"[") else end
                break
            pos, self.inside = quote + 1, True
        if self.keep:
            self.pos = pos
        else:
            del text[:pos]
            self.pos = 0


def native_select(
    solutions: ox.QuerySolutions, fmt: str, cap: int, max_bytes: int, *, offset: int = 0, count: bool = False
) -> tuple[bytes, int, bool, int | None] | None:
    """Solutions written by the engine, from row ``offset`` on, cut at ``cap`` rows or
    ``max_bytes`` bytes: (body, rows, cut, total of rows when ``count`` else None).

    One evaluation: without ``count`` the engine is stopped at the first row past
    the page (the evaluation is lazy, so a result far over it is never computed
    whole); the text is cut at the last whole row, the head carrying the same
    truncation notice as ``write_select``'s. A row with no bound variable (JSON's
    ``{}``, which the marker count cannot see) switches the count to a scan of the
    text outside its strings, in the same evaluation. ``None`` only when the head
    alone passes ``max_bytes`` or, after a row with no binding, the page holds a
    value too long to be read back (``solutions`` is used up).
    """
    counter = _RowCounter(_NATIVE[fmt], cap, max_bytes, offset, count)
    try:
        # pyoxigraph's stub asks for an IO[bytes]; it calls only write() (and flush)
        solutions.serialize(counter, format=counter.spec.engine)  # type: ignore[arg-type]
    except _Unsure:
        return None
    except _OverBudget:
        return (*counter.page, None)  # type: ignore[misc]
    if counter.start is None:
        return None
    try:
        return (*counter.finished(), counter.total() if count else None)
    except _Unsure:
        return None


def native_select_json(solutions: ox.QuerySolutions, cap: int, max_bytes: int) -> tuple[bytes, int] | None:
    """SPARQL JSON written by the engine when the whole answer fits both caps; None otherwise."""
    out = native_select(solutions, "json", cap, max_bytes)
    if out is None or out[2]:
        return None
    return out[0], out[1]


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
