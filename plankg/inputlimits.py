"""Structural limits on untrusted RDF, checked before a native parser reads it.

The parsers (pyoxigraph's, rdflib's) recurse on nesting: a JSON-LD document of
5,000 nested objects, a Turtle file of nested ``[ ]`` or ``( )``, RDF-star
``<< << … >> >>`` or RDF/XML elements thousands deep overflow a thread's stack.
The sandbox (``plankg.store.workers.run_job``) contains such a crash; this
module turns it into a clear answer first: the depth is counted by a scan that
only skips what can hold brackets without nesting (strings, IRIs, comments,
escapes) and stops at the first place past the limit, giving its line.

RDF/XML is also refused when it declares entities: the parser expands internal
entities, and a kilobyte of nested declarations ("billion laughs") expands to
gigabytes. The one common harmless use, entities that abbreviate namespace IRIs
(as ontology editors write them), is expanded here instead, by plain text
substitution of values that contain no markup and no other reference, with the
result's size bounded; anything else is refused.
"""

from __future__ import annotations

import re

import pyoxigraph as ox

from plankg.errors import InputTooComplex

# Turtle family: strings, IRIs, comments and backslash escapes hold brackets that do not nest
_TURTLE = re.compile(
    rb"""
    (?P<skip>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\r\n]|\\.)*"|'(?:[^'\\\r\n]|\\.)*'
      |<(?:[^<>"{}|^`\\\s]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>|\#[^\r\n]*|\\.)
  | (?P<open><<|[\[({])
  | (?P<close>>>|[\])}])
    """,
    re.VERBOSE | re.DOTALL,
)
_JSON = re.compile(rb'(?P<skip>"(?:[^"\\]|\\.)*")|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)
# XML: markup that is not an element, then start and end tags (attribute values may hold '>')
_XML = re.compile(
    rb"""
    (?P<skip><!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>)
  | (?P<doctype><!DOCTYPE)
  | <(?P<end>/)?[^\s/>!?][^\s/>]*(?:\s+(?:[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')))*\s*(?P<empty>/)?>
    """,
    re.VERBOSE | re.DOTALL,
)
_ENTITY = re.compile(rb"""<!ENTITY\s+(%\s+)?([^\s%"']+)\s+(?:"([^"]*)"|'([^']*)'|(SYSTEM|PUBLIC)\b)""")
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[(?P<subset>.*?)\]\s*)?>", re.DOTALL)

TURTLE_FAMILY = {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS, ox.RdfFormat.N3}


def check_rdf(data: bytes, rdf_format: ox.RdfFormat, *, max_depth: int, name: str = "the data") -> bytes:
    """``data`` as it may be given to a parser, or ``InputTooComplex``.

    Nesting deeper than ``max_depth`` is refused with its line. RDF/XML comes back
    with its namespace-abbreviating entities expanded (see the module's notes).
    """
    if rdf_format == ox.RdfFormat.JSON_LD:
        _check_depth(_JSON, data, max_depth, name)
    elif rdf_format == ox.RdfFormat.RDF_XML:
        data = _expand_safe_entities(data, name)
        _check_xml_depth(data, max_depth, name)
    elif rdf_format in TURTLE_FAMILY:
        _check_depth(_TURTLE, data, max_depth, name)
    return data


def _line(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def _too_deep(data: bytes, position: int, max_depth: int, name: str) -> InputTooComplex:
    return InputTooComplex(
        f"{name} nests more than {max_depth} levels deep at line {_line(data, position)}; "
        "flatten it (or split it into several documents)."
    )


def _check_depth(pattern: re.Pattern, data: bytes, max_depth: int, name: str) -> None:
    depth = 0
    for m in pattern.finditer(data):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            if depth > max_depth:
                raise _too_deep(data, m.start(), max_depth, name)
        elif kind == "close":
            depth = max(0, depth - 1)


def _check_xml_depth(data: bytes, max_depth: int, name: str) -> None:
    depth = 0
    for m in _XML.finditer(data):
        if m.group("skip") is not None or m.group("doctype") is not None:
            continue
        if m.group("end"):
            depth = max(0, depth - 1)
        elif not m.group("empty"):
            depth += 1
            if depth > max_depth:
                raise _too_deep(data, m.start(), max_depth, name)


def _expand_safe_entities(data: bytes, name: str) -> bytes:
    """Expand ``<!ENTITY n "value">`` whose value is plain text; refuse every other entity."""
    if b"<!DOCTYPE" not in data and b"<!ENTITY" not in data:
        return data
    doctype = _DOCTYPE.search(data)
    declarations = _ENTITY.findall(data)
    if doctype is None:
        raise InputTooComplex(f"{name}: an entity declaration outside a document type declaration is refused.")
    values: dict[bytes, bytes] = {}
    for parameter, entity, double, single, external in declarations:
        value = double if double or not single else single
        if parameter or external:
            raise InputTooComplex(
                f"{name} declares a {'parameter' if parameter else 'external'} entity ({entity.decode('utf-8', 'replace')}); "
                "RDF/XML with such entities is refused. Write the values out instead."
            )
        if re.search(rb"[<&%]", value):
            raise InputTooComplex(
                f"{name}: the entity {entity.decode('utf-8', 'replace')} refers to markup or other entities; "
                "only entities that stand for plain text (such as namespace IRIs) are accepted."
            )
        values[entity] = value
    subset = doctype.group("subset") or b""
    if re.sub(rb"<!ENTITY\s[^>]*>|<!--.*?-->|\s", b"", subset, flags=re.DOTALL):
        raise InputTooComplex(f"{name}: the document type declaration holds more than plain entity declarations; it is refused.")
    body = data[: doctype.start()] + data[doctype.end() :]
    expanded_size = len(body) + sum(
        (len(value) - len(entity) - 2) * body.count(b"&" + entity + b";") for entity, value in values.items()
    )
    if expanded_size > 4 * len(data) + (1 << 20):
        raise InputTooComplex(f"{name}: expanding its entities would make it {expanded_size} bytes long; that is refused.")
    if not values:
        return body
    names = b"|".join(re.escape(entity) for entity in sorted(values, key=len, reverse=True))
    return re.sub(rb"&(" + names + rb");", lambda m: values[m.group(1)], body)


__all__ = ["check_rdf"]
