"""Deeply nested input is refused with a problem before a recursive parser or engine overflows its stack.

The parsers (pyoxigraph's JSON-LD, Turtle, RDF/XML and SPARQL parsers, rdflib
for shapes) recurse once per level; a few thousand levels from a few kilobytes
of upload are enough to exhaust a thread's stack and abort the whole process,
which would take every other client down with it. ``/validate`` is anonymous,
so this is reachable by anyone.
"""

from __future__ import annotations

import pytest

from boundary_support import (
    SMALL_DATA,
    Attack,
    Probe,
    alive,
    ask_fast,
    assert_problem,
    finished,
    multipart,
)

N = 5_000
SH = "http://www.w3.org/ns/shacl#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
TOO_COMPLEX = ("input-too-complex", "rdf-syntax", "query-syntax", "query-too-complex", "input")
LIMIT = 30.0  # seconds a refusal may take, generous for 2 shared cores


def jsonld_objects(n: int = N) -> bytes:
    return ('{"@id": "http://ex.test/s", "http://ex.test/p": ' + '{"http://ex.test/p": ' * n + '"v"' + "}" * n + "}").encode()


def jsonld_arrays(n: int = N) -> bytes:
    return ('{"@id": "http://ex.test/s", "http://ex.test/p": ' + "[" * n + '"v"' + "]" * n + "}").encode()


def turtle_blank_nodes(n: int = N) -> bytes:
    return ("<http://ex.test/s> <http://ex.test/p> " + "[ <http://ex.test/p> " * n + '"v"' + " ]" * n + " .\n").encode()


def turtle_collections(n: int = N) -> bytes:
    return ("<http://ex.test/s> <http://ex.test/p> " + "( " * n + '"v"' + " )" * n + " .\n").encode()


def trig_nested(n: int = N) -> bytes:
    return b"<http://ex.test/g> { " + turtle_blank_nodes(n) + b" }\n"


def rdfxml_nested(n: int = N) -> bytes:
    head = f'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="http://ex.test/"><rdf:Description rdf:about="http://ex.test/s">'
    return (head + '<ex:p rdf:parseType="Resource">' * n + "<ex:q>v</ex:q>" + "</ex:p>" * n + "</rdf:Description></rdf:RDF>").encode()


def _quoted(n: int, open_: str, close: str) -> str:
    triple = "<http://ex.test/s> <http://ex.test/p> <http://ex.test/o>"
    return f"{open_} " * n + triple + f" {close} <http://ex.test/p> <http://ex.test/o>" * n


def ntriples_star(n: int = N) -> bytes:
    # RDF 1.2 triple terms as subject are not N-Triples, as object they are: nest them as objects
    t = "<http://ex.test/o>"
    for _ in range(n):
        t = f"<<( <http://ex.test/s> <http://ex.test/p> {t} )>>"
    return f"<http://ex.test/s> <http://ex.test/p> {t} .\n".encode()


def turtle_star(n: int = N) -> bytes:
    return ("<< " * n + "<http://ex.test/s> <http://ex.test/p> <http://ex.test/o>" + " >> <http://ex.test/p> <http://ex.test/o>" * n + " .\n").encode()


# (name, Content-Type of a body, file name in a form, payload)
DATA_CASES = [
    ("jsonld-objects", "application/ld+json", "deep.jsonld", jsonld_objects),
    ("jsonld-arrays", "application/ld+json", "deep.jsonld", jsonld_arrays),
    ("turtle-blank-nodes", "text/turtle", "deep.ttl", turtle_blank_nodes),
    ("turtle-collections", "text/turtle", "deep.ttl", turtle_collections),
    ("trig", "application/trig", "deep.trig", trig_nested),
    ("rdfxml", "application/rdf+xml", "deep.rdf", rdfxml_nested),
    ("ntriples-star", "application/n-triples", "deep.nt", ntriples_star),
    ("turtle-star", "text/turtle", "deep.ttl", turtle_star),
]


def shapes_select(n: int = 6_000) -> bytes:
    select = "SELECT $this WHERE { FILTER(" + "(" * n + "true" + ")" * n + ") }"
    return (
        f"@prefix sh: <{SH}> .\n<http://ex.test/S> a sh:NodeShape ; sh:targetNode <http://ex.test/a> ;\n"
        f'  sh:sparql [ sh:select """{select}""" ] .\n'
    ).encode()


def shapes_logic(op: str, n: int = 3_000) -> bytes:
    inner = "[ sh:minCount 0 ; sh:path <http://ex.test/p> ]"
    body = f"[ sh:{op} ( " * n + inner + " ) ]" * n
    return (
        f"@prefix sh: <{SH}> .\n<http://ex.test/S> a sh:NodeShape ; sh:targetNode <http://ex.test/a> ;\n"
        f"  sh:{op} ( {body} ) .\n"
    ).encode()


SHAPES_CASES = [
    ("shapes-select-parentheses", shapes_select),
    ("shapes-nested-or", lambda: shapes_logic("or")),
    ("shapes-nested-and", lambda: shapes_logic("and")),
]

SPARQL_CASES = [
    ("not-operators", "ASK { FILTER(" + "!" * 20_000 + "true) }"),
    ("unary-minus-parenthesized", "ASK { FILTER(" + "-(" * N + "1" + ")" * N + " = 1) }"),
    ("unary-minus-bare", "ASK { FILTER(" + "- " * 20_000 + "1 = 1) }"),
    ("nested-subqueries", "SELECT * WHERE { " + "{ SELECT * WHERE { " * 2_000 + "?s ?p ?o" + " } }" * 2_000 + " }"),
    ("nested-groups", "SELECT * WHERE " + "{ " * N + "?s ?p ?o" + " }" * N),
    ("nested-optional", "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 3_000 + "}" * 3_000 + " }"),
]


def _refused(pool, send) -> None:
    """The request gets a 4xx problem; meanwhile and afterwards the server is alive and ASK is fast."""
    server = pool.get()
    attack = Attack(send, server.url, timeout=LIMIT + 5)
    probe = Probe(server.url)
    probe.sample(count=10, every=0.3, attack=attack)
    r = finished(attack, LIMIT, server)
    try:
        probe.assert_fast()
        assert r.status_code != 500, f"500 on deep input: {r.text[:300]}\n{server.why()}"
        assert_problem(r, (400, 413), TOO_COMPLEX)
        alive(server)
        ask_fast(server.url)
    finally:
        pool.settle()


@pytest.mark.parametrize("name,media,filename,payload", DATA_CASES, ids=[c[0] for c in DATA_CASES])
def test_deep_data_as_body(pool, name, media, filename, payload) -> None:
    data = payload()
    _refused(pool, lambda c: c.post("/validate", content=data, headers={"Content-Type": media, "Accept": "application/json"}))


@pytest.mark.parametrize("name,media,filename,payload", DATA_CASES, ids=[c[0] for c in DATA_CASES])
def test_deep_data_as_form(pool, name, media, filename, payload) -> None:
    data = payload()
    _refused(pool, lambda c: c.post("/validate", files=multipart(data, filename), headers={"Accept": "application/json"}))


@pytest.mark.parametrize("name,payload", SHAPES_CASES, ids=[c[0] for c in SHAPES_CASES])
def test_deep_uploaded_shapes(pool, name, payload) -> None:
    shapes = payload()
    _refused(pool, lambda c: c.post("/validate", files=multipart(SMALL_DATA, "data.nt", shapes, "shapes.ttl"), headers={"Accept": "application/json"}))


@pytest.mark.parametrize("name,query", SPARQL_CASES, ids=[c[0] for c in SPARQL_CASES])
def test_deep_sparql(pool, name, query) -> None:
    # POST form: the longest of these is past what a URL should carry
    _refused(pool, lambda c: c.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}))
