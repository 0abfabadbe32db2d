"""Structural limits on RDF before a parser sees it: nesting depth and XML entities."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.errors import InputTooComplex
from plankg.inputlimits import check_rdf

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'


def deep_jsonld(n: int) -> bytes:
    return b'{"@id":"http://a","http://p":' * n + b"{}" + b"}" * n


def deep_turtle(n: int, open_: bytes = b"[", close: bytes = b"]") -> bytes:
    return b"<http://a> <http://p> " + open_ * n + close * n + b" ."


@pytest.mark.parametrize(
    "data,fmt",
    [
        (deep_jsonld(300), ox.RdfFormat.JSON_LD),
        (b"[" * 300 + b"]" * 300, ox.RdfFormat.JSON_LD),
        (deep_turtle(300), ox.RdfFormat.TURTLE),
        (b"<http://a> <http://p> " + b"(" * 300 + b")" * 300 + b" .", ox.RdfFormat.TURTLE),
        (b"<< " * 300 + b"<http://a> <http://p> <http://o>" + b" >>" * 300 + b" <http://q> <http://r> .", ox.RdfFormat.N_TRIPLES),
        (b"<http://g> { " + deep_turtle(300) + b" }", ox.RdfFormat.TRIG),
        (f"<rdf:RDF {RDF}>".encode() + b"<a xmlns='http://x/'>" * 300 + b"</a>" * 300 + b"</rdf:RDF>", ox.RdfFormat.RDF_XML),
    ],
    ids=["jsonld-objects", "jsonld-arrays", "turtle-bnodes", "turtle-lists", "rdf-star", "trig", "rdfxml"],
)
def test_nesting_past_the_limit_is_refused_with_its_line(data, fmt):
    with pytest.raises(InputTooComplex, match="more than 256 levels deep at line 1"):
        check_rdf(data, fmt, max_depth=256, name="the upload")


@pytest.mark.parametrize(
    "data,fmt",
    [
        (b'<http://a> <http://p> "[[[[[[[[[[" , """((((((""" .\n# [[[[[[[[\n', ox.RdfFormat.TURTLE),
        (b"@prefix ex: <http://x/> . ex:a ex:p ex:b\\[ .", ox.RdfFormat.TURTLE),
        (b'{"@id": "http://a", "http://p": "[[[[{{{{"}', ox.RdfFormat.JSON_LD),
        (f'<rdf:RDF {RDF}><rdf:Description rdf:about="http://a"><p xmlns="http://x/"><![CDATA[<a><a><a>]]></p></rdf:Description></rdf:RDF>'.encode(), ox.RdfFormat.RDF_XML),
    ],
    ids=["turtle-strings-and-comments", "turtle-escape", "jsonld-string", "xml-cdata"],
)
def test_brackets_in_strings_comments_and_escapes_do_not_count(data, fmt):
    tight = 3
    assert check_rdf(data, fmt, max_depth=tight) == data


def test_depth_is_counted_where_the_nesting_is():
    data = b"<http://a> <http://p> <http://o> .\n" * 4 + deep_turtle(20)
    with pytest.raises(InputTooComplex, match="at line 5"):
        check_rdf(data, ox.RdfFormat.TURTLE, max_depth=10)


BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<rdf:RDF {RDF}><rdf:Description rdf:about="http://a"><p xmlns="http://x/">&lol2;</p></rdf:Description></rdf:RDF>""".encode()


@pytest.mark.parametrize(
    "data",
    [
        BILLION_LAUGHS,
        BILLION_LAUGHS.replace(b'<!ENTITY lol "lol">', b'<!ENTITY lol SYSTEM "file:///etc/passwd">'),
        BILLION_LAUGHS.replace(b'<!ENTITY lol "lol">', b'<!ENTITY % lol "lol">'),
        BILLION_LAUGHS.replace(b'<!ENTITY lol "lol">', b'<!ENTITY lol PUBLIC "x" "http://127.0.0.1:9/">'),
        BILLION_LAUGHS.replace(b'<!ENTITY lol "lol">', b'<!ENTITY lol "lol"><!ELEMENT p ANY>'),
    ],
    ids=["nested", "external-system", "parameter", "external-public", "other-declarations"],
)
def test_xml_entities_that_could_expand_or_reach_out_are_refused(data):
    with pytest.raises(InputTooComplex):
        check_rdf(data, ox.RdfFormat.RDF_XML, max_depth=256)


def test_a_quadratic_blowup_is_refused_by_its_expanded_size():
    big = b"x" * 50_000
    data = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "' + big + b'">]>'
        + f'<rdf:RDF {RDF}><rdf:Description rdf:about="http://a"><p xmlns="http://x/">'.encode()
        + b"&big;" * 5_000
        + b"</p></rdf:Description></rdf:RDF>"
    )
    with pytest.raises(InputTooComplex, match="bytes long"):
        check_rdf(data, ox.RdfFormat.RDF_XML, max_depth=256)


def test_namespace_entities_as_ontology_editors_write_them_are_expanded():
    data = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
    <!ENTITY ex "http://example.org/" >
    <!-- the namespaces -->
]>
<rdf:RDF {RDF}><rdf:Description rdf:about="&ex;a"><p xmlns="http://x/">&ex;</p></rdf:Description></rdf:RDF>""".encode()
    expanded = check_rdf(data, ox.RdfFormat.RDF_XML, max_depth=256)
    quads = list(ox.parse(expanded, format=ox.RdfFormat.RDF_XML))
    assert [(q.subject.value, q.object.value) for q in quads] == [("http://example.org/a", "http://example.org/")]
