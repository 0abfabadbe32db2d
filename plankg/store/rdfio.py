"""Reading and writing RDF files: syntax errors with file and line, sorted output.

pyoxigraph parses and serializes here (it never fetches remote JSON-LD
contexts, so a document cannot make the service reach out to the network).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from plankg.errors import RDFSyntaxError

EXTENSIONS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".n3": ox.RdfFormat.N3,
}
FORMAT_NAMES = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "xml": ox.RdfFormat.RDF_XML,
}


def format_for(name: str | None = None, path: str | Path | None = None, media_type: str | None = None) -> ox.RdfFormat:
    if name:
        try:
            return FORMAT_NAMES[name.lower()]
        except KeyError:
            raise RDFSyntaxError(str(path or "<input>"), 0, f"unknown RDF format {name!r}") from None
    if media_type:
        found = ox.RdfFormat.from_media_type(media_type.split(";")[0].strip())
        if found is None:
            raise RDFSyntaxError(str(path or "<input>"), 0, f"unsupported RDF media type {media_type!r}")
        return found
    suffix = Path(str(path)).suffix.lower()
    try:
        return EXTENSIONS[suffix]
    except KeyError:
        raise RDFSyntaxError(str(path), 0, f"cannot tell the RDF syntax from the extension {suffix!r}; give a format") from None


def parse_rdf(
    data: bytes,
    rdf_format: ox.RdfFormat,
    *,
    name: str = "<input>",
    base_iri: str | None = None,
    graph: str | None = None,
) -> list[ox.Quad]:
    """Parse bytes into quads; triples go to ``graph`` (or the default graph)."""
    kwargs: dict = {"format": rdf_format}
    if base_iri:
        kwargs["base_iri"] = base_iri
    try:
        quads = list(ox.parse(data, **kwargs))
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else 0
        reason = exc.msg if isinstance(exc.msg, str) else str(exc)
        if "LoadDocumentCallback" in reason:
            reason = "remote JSON-LD contexts are not fetched; inline the @context"
        raise RDFSyntaxError(name, line or 0, reason) from None
    except (ValueError, OSError) as exc:
        raise RDFSyntaxError(name, 0, str(exc)) from None
    if graph:
        target = ox.NamedNode(graph)
        quads = [ox.Quad(q.subject, q.predicate, q.object, target) if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads]
    return quads


def parse_rdf_file(path: str | Path, fmt: str | None = None, *, base_iri: str | None = None, graph: str | None = None) -> list[ox.Quad]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RDFSyntaxError(str(path), 0, f"cannot read the file: {exc.strerror}") from None
    return parse_rdf(data, format_for(fmt, path), name=str(path), base_iri=base_iri, graph=graph)


def sorted_nquads(quads: Iterable[ox.Quad]) -> bytes:
    """Canonical-enough N-Quads: one line per quad, sorted, no duplicates."""
    lines = {str(q) + " .\n" for q in quads}
    return "".join(sorted(lines)).encode()


# Turtle/TriG as the engine writes them: strings and IRIs are skipped whole, so that only a
# prefixed name is ever rewritten; a local part may hold escapes (\/) and inner dots
_TURTLE_TOKEN = re.compile(
    r"""(?P<string>"(?:[^"\\]|\\.)*")
      | (?P<iri><[^>]*>)
      | (?P<name>(?<![\w@^-])(?P<prefix>[A-Za-z][\w-]*)?:(?P<local>(?:[\w:%-]|\\.|\.(?=[\w:%\\-]))+))""",
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(.)")


def readable(body: bytes, prefixes: dict[str, str] | None) -> bytes:
    """Turtle or TriG with no escaped prefixed name: ``id:org\\/UNFPA`` is written ``<…/id/org/UNFPA>``.

    The engine abbreviates every IRI under a prefix and escapes what a local part may not
    hold (``/``, a final ``.``); such a name is unreadable, so it is written in full instead.
    """
    if not prefixes or b"\\" not in body:
        return body

    def expand(match: re.Match) -> str:
        local = match.group("local")
        if match.group("name") is None or "\\" not in local:
            return match.group(0)
        namespace = prefixes.get(match.group("prefix") or "")
        if namespace is None:
            return match.group(0)
        return "<" + namespace + _ESCAPE.sub(r"\1", local) + ">"

    return _TURTLE_TOKEN.sub(expand, body.decode("utf-8")).encode("utf-8")


def serialize_dataset(quads: Iterable[ox.Quad], rdf_format: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    quads = sorted(set(quads), key=str)
    if prefixes and rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
        return readable(ox.serialize(quads, format=rdf_format, prefixes=prefixes) or b"", prefixes)
    return ox.serialize(quads, format=rdf_format) or b""


def serialize_triples(triples: Iterable[ox.Triple], rdf_format: ox.RdfFormat, prefixes: dict[str, str] | None = None) -> bytes:
    triples = sorted(set(triples), key=str)
    if not prefixes or rdf_format not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return ox.serialize(triples, format=rdf_format) or b""
    body = ox.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
    return readable(body, prefixes) if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else body


def jsonld_context(prefixes: dict[str, str]) -> dict:
    """The published @context: prefixes, so compact IRIs read the same as in Turtle."""
    return {"@context": {name: iri for name, iri in sorted(prefixes.items())}}


def compact_jsonld(triples: Iterable[ox.Triple], prefixes: dict[str, str], context_url: str | None = None) -> bytes:
    """JSON-LD in the expanded form pyoxigraph writes, wrapped with our context.

    Expanded JSON-LD plus a context is still valid JSON-LD; clients that know
    the context see the same compact IRIs as in Turtle.
    """
    body = json.loads(serialize_triples(triples, ox.RdfFormat.JSON_LD) or b"[]")
    graph = body if isinstance(body, list) else body.get("@graph", [body])
    doc = {"@context": context_url or jsonld_context(prefixes)["@context"], "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode()


def dataset_bytes(quads: Iterable[ox.Quad], fmt: str, prefixes: dict[str, str]) -> bytes:
    """A whole dataset as a dump file, sorted so that equal data gives equal bytes.

    N-Quads, TriG and JSON-LD keep the named graphs; Turtle merges them. The
    JSON-LD inlines the published context, so a parser never has to fetch it.
    """
    quads = sorted(set(quads), key=str)
    if fmt == "nquads":
        return sorted_nquads(quads)
    if fmt == "trig":
        return serialize_dataset(quads, ox.RdfFormat.TRIG, prefixes)
    if fmt == "turtle":
        return serialize_triples((q.triple for q in quads), ox.RdfFormat.TURTLE, prefixes)
    if fmt == "jsonld":
        expanded = json.loads(ox.serialize(quads, format=ox.RdfFormat.JSON_LD) or b"[]")
        graph = expanded if isinstance(expanded, list) else [expanded]
        doc = {"@context": jsonld_context(prefixes)["@context"], "@graph": graph}
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode()
    raise ValueError(fmt)
