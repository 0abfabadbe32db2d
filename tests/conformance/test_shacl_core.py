"""``POST /validate`` agrees with pySHACL itself on SHACL core, component by component.

The W3C data-shapes test suite is not on this machine (and pySHACL does not ship
it), so each case below is a faithful minimal copy of a W3C core test
(https://w3c.github.io/data-shapes/data-shapes-test-suite/, tests/core/...) for
every constraint component, path and target kind the project's shapes use. Each
case's data and shapes are posted to the service (the shapes as an upload, so
the project's shapes do not run) and validated with ``pyshacl.validate``
directly; the two reports must hold the same results (focus node, path, value,
severity, constraint component) and the same verdict. The expected number of
results pins each case, so a case that stopped exercising its component fails.
"""

from __future__ import annotations

import httpx
import pyshacl
import pytest
import rdflib
from rdflib.collection import Collection

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")

PREFIXES = """@prefix ex: <http://datashapes.org/sh/tests/core/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

# (id after the W3C test it copies, data, shapes, expected number of results)
CASES = [
    (
        "node/class-001",
        """ex:Someone a ex:Person . ex:John a ex:Person . ex:Quokki a ex:Animal .
        ex:Typeless rdfs:label "Typeless" . ex:SubclassInstance a ex:SubClass . ex:SubClass rdfs:subClassOf ex:Person .""",
        """ex:TestShape a sh:NodeShape ; sh:class ex:Person ;
        sh:targetNode ex:John , ex:Quokki , ex:Someone , ex:Typeless , ex:SubclassInstance , "String" .""",
        3,
    ),
    (
        "property/datatype-001",
        """ex:ValidResource ex:dateProperty "2011-01-01"^^xsd:date ; ex:integerProperty 11 .
        ex:InvalidResource ex:dateProperty "2011-01-01"^^xsd:dateTime ; ex:integerProperty 11.1 .""",
        """ex:TestShape a sh:NodeShape ; sh:targetNode ex:ValidResource , ex:InvalidResource ;
        sh:property [ sh:path ex:dateProperty ; sh:datatype xsd:date ] , [ sh:path ex:integerProperty ; sh:datatype xsd:integer ] .""",
        2,
    ),
    (
        "property/datatype-ill-formed",
        """ex:InvalidResource ex:integerProperty "aldi"^^xsd:integer . ex:ValidResource ex:integerProperty "42"^^xsd:integer .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:integerProperty ;
        sh:property [ sh:path ex:integerProperty ; sh:datatype xsd:integer ] .""",
        1,
    ),
    (
        "node/nodeKind-001",
        """ex:John ex:knows ex:Jane , _:b , "literal" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetNode ex:John ;
        sh:property [ sh:path ex:knows ; sh:nodeKind sh:IRI ] .""",
        2,
    ),
    (
        "property/minCount-001",
        """ex:InvalidResource a ex:Person . ex:ValidResource a ex:Person ; ex:firstName "John" .""",
        """ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
        sh:property [ sh:path ex:firstName ; sh:minCount 1 ] .""",
        1,
    ),
    (
        "property/maxCount-001",
        """ex:InvalidResource a ex:Person ; ex:firstName "John" , "Joe" . ex:ValidResource a ex:Person ; ex:firstName "John" .""",
        """ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;
        sh:property [ sh:path ex:firstName ; sh:maxCount 1 ] .""",
        1,
    ),
    (
        "property/minInclusive-001 + maxInclusive-001",
        """ex:Resource1 ex:property 0 . ex:Resource2 ex:property 1 . ex:Resource3 ex:property 2 . ex:Resource4 ex:property "A" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:property ;
        sh:property [ sh:path ex:property ; sh:minInclusive 1 ; sh:maxInclusive 1 ] .""",
        4,
    ),
    (
        "property/minLength-001",
        """ex:ValidResource ex:testProperty "AB" . ex:InvalidResource ex:testProperty "A" , "" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:testProperty ;
        sh:property [ sh:path ex:testProperty ; sh:minLength 2 ] .""",
        2,
    ),
    (
        "property/pattern-001",
        """ex:ValidResource ex:property "Bob" . ex:InvalidResource ex:property "Jim" , "Bobby" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:property ;
        sh:property [ sh:path ex:property ; sh:pattern "^Bob$" ] .""",
        2,
    ),
    (
        "property/languageIn-001",
        """ex:ValidResource ex:label "Chinese"@zh , "English"@en-US . ex:InvalidResource ex:label "French"@fr , "untagged" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:label ;
        sh:property [ sh:path ex:label ; sh:languageIn ( "en" "zh" ) ] .""",
        2,
    ),
    (
        "property/uniqueLang-001",
        """ex:ValidResource ex:label "a"@en , "b"@zh . ex:InvalidResource ex:label "a"@en , "b"@en , "c"@zh , "d"@zh .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:label ;
        sh:property [ sh:path ex:label ; sh:uniqueLang true ] .""",
        2,
    ),
    (
        "property/equals-001",
        """ex:ValidResource ex:property1 "A" ; ex:property2 "A" . ex:InvalidResource ex:property1 "A" , "B" ; ex:property2 "A" , "C" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:property1 ;
        sh:property [ sh:path ex:property1 ; sh:equals ex:property2 ] .""",
        2,
    ),
    (
        "property/disjoint-001",
        """ex:ValidResource ex:property1 "A" ; ex:property2 "B" . ex:InvalidResource ex:property1 "A" , "B" ; ex:property2 "B" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:property1 ;
        sh:property [ sh:path ex:property1 ; sh:disjoint ex:property2 ] .""",
        1,
    ),
    (
        "property/in-001",
        """ex:ValidInstance ex:color ex:Green . ex:InvalidInstance ex:color ex:Purple , ex:Red .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:color ;
        sh:property [ sh:path ex:color ; sh:in ( ex:Green ex:Red ex:Blue ) ] .""",
        1,
    ),
    (
        "node/or-001",
        """ex:ValidInstance1 a ex:RectangleWithArea ; ex:width 3 ; ex:height 4 .
        ex:ValidInstance2 a ex:RectangleWithArea ; ex:area 12 .
        ex:InvalidInstance a ex:RectangleWithArea ; ex:height 5 .""",
        """ex:RectangleWithArea a sh:NodeShape ; sh:targetClass ex:RectangleWithArea ;
        sh:or ( [ sh:property [ sh:path ex:height ; sh:minCount 1 ] , [ sh:path ex:width ; sh:minCount 1 ] ]
                [ sh:property [ sh:path ex:area ; sh:minCount 1 ] ] ) .""",
        1,
    ),
    (
        "node/not-001",
        """ex:ValidInstance ex:property "Some value" . ex:InvalidInstance ex:property "Some value" ; ex:otherProperty "x" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:property ;
        sh:not [ sh:property [ sh:path ex:otherProperty ; sh:minCount 1 ] ] .""",
        1,
    ),
    (
        "property/qualifiedMinCountDisjoint-001 (simplified) + qualifiedMaxCount",
        """ex:Valid ex:hand ex:Left , ex:Right . ex:Left a ex:LeftHand . ex:Right a ex:RightHand .
        ex:Invalid1 ex:hand ex:Right . ex:Invalid2 ex:hand ex:Left , ex:Left2 , ex:Right . ex:Left2 a ex:LeftHand .""",
        """ex:HandsShape a sh:NodeShape ; sh:targetSubjectsOf ex:hand ;
        sh:property [ sh:path ex:hand ; sh:qualifiedValueShape [ sh:class ex:LeftHand ] ;
            sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] .""",
        2,
    ),
    (
        "path/path-inverse-001",
        """ex:ValidResource1 a ex:Person . ex:ValidResource2 a ex:Person . ex:Parent ex:child ex:ValidResource2 .
        ex:InvalidResource a ex:Person . ex:P1 ex:child ex:InvalidResource . ex:P2 ex:child ex:InvalidResource .""",
        """ex:TestShape a sh:NodeShape ; sh:targetClass ex:Person ;
        sh:property [ sh:path [ sh:inversePath ex:child ] ; sh:maxCount 1 ] .""",
        1,
    ),
    (
        "path/path-sequence-001",
        """ex:ValidResource ex:property1 ex:Node1 . ex:Node1 ex:property2 ex:Value .
        ex:InvalidResource ex:property1 ex:Node2 . ex:Node2 ex:property2 "literal" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf ex:property1 ;
        sh:property [ sh:path ( ex:property1 ex:property2 ) ; sh:nodeKind sh:IRI ] .""",
        1,
    ),
    (
        "path/path-alternative-001",
        """ex:ValidResource1 a ex:Thing ; ex:property1 "x" . ex:ValidResource2 a ex:Thing ; ex:property2 "y" .
        ex:InvalidResource a ex:Thing .""",
        """ex:TestShape a sh:NodeShape ; sh:targetClass ex:Thing ;
        sh:property [ sh:path [ sh:alternativePath ( ex:property1 ex:property2 ) ] ; sh:minCount 1 ] .""",
        1,
    ),
    (
        "targets/targetObjectsOf-001 + severities",
        """ex:Person1 ex:knows ex:Person2 , ex:Thing . ex:Person2 a ex:Person .""",
        """ex:TestShape a sh:NodeShape ; sh:targetObjectsOf ex:knows ; sh:class ex:Person ; sh:severity sh:Warning .
        ex:InfoShape a sh:NodeShape ; sh:targetNode ex:Person1 ; sh:severity sh:Info ;
            sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:severity sh:Info ] .""",
        2,
    ),
    (
        "sparql/node/sparql-001",
        """ex:ValidResource rdfs:label "Valid resource" . ex:InvalidResource rdfs:label "Invalid resource 1" , "Invalid resource 2" .""",
        """ex:TestShape a sh:NodeShape ; sh:targetSubjectsOf rdfs:label ;
        sh:sparql [ a sh:SPARQLConstraint ;
            sh:message "Cannot have a label other than 'Valid resource'" ;
            sh:select "SELECT $this ?value WHERE { $this <http://www.w3.org/2000/01/rdf-schema#label> ?value . FILTER (?value != 'Valid resource') }" ] .""",
        2,
    ),
]


def _path_key(graph: rdflib.Graph, node, depth: int = 0) -> str:
    if isinstance(node, rdflib.URIRef):
        return str(node)
    if depth > 8 or node is None:
        return "?"
    for key, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
        inner = graph.value(node, key)
        if inner is not None:
            return template.format(_path_key(graph, inner, depth + 1))
    alternative = graph.value(node, SH.alternativePath)
    if alternative is not None:
        return "(" + "|".join(_path_key(graph, i, depth + 1) for i in Collection(graph, alternative)) + ")"
    if graph.value(node, rdflib.RDF.first) is not None:
        return "/".join(_path_key(graph, i, depth + 1) for i in Collection(graph, node))
    return "?"


def _term_key(term) -> str:
    if isinstance(term, rdflib.BNode):
        return "_:"
    if isinstance(term, rdflib.Literal):
        return f"{term}|{term.language or ''}|{term.datatype or ''}"
    return str(term)


def results(report: rdflib.Graph) -> tuple[bool, list[tuple]]:
    conforms = next(report.objects(None, SH.conforms)).toPython()
    rows = []
    for result in report.objects(None, SH.result):
        path = report.value(result, SH.resultPath)
        rows.append(
            (
                _term_key(report.value(result, SH.focusNode)),
                _path_key(report, path) if path is not None else None,
                _term_key(report.value(result, SH.value)) if report.value(result, SH.value) is not None else None,
                str(report.value(result, SH.resultSeverity)),
                str(report.value(result, SH.sourceConstraintComponent)),
            )
        )
    return conforms, sorted(rows, key=str)


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=300) as c:
        yield c


@pytest.mark.parametrize("name, data, shapes, expected", CASES, ids=[c[0] for c in CASES])
def test_the_service_reports_what_pyshacl_reports(client, name, data, shapes, expected):
    data_text, shapes_text = PREFIXES + data, PREFIXES + shapes
    direct_conforms, direct_graph, _ = pyshacl.validate(
        rdflib.Graph().parse(data=data_text, format="turtle"),
        shacl_graph=rdflib.Graph().parse(data=shapes_text, format="turtle"),
        inference="none",
        allow_warnings=True,
        allow_infos=True,
    )
    direct = results(direct_graph)
    assert len(direct[1]) == expected, f"{name}: pySHACL found {len(direct[1])} results, the W3C test expects {expected}"

    r = client.post(
        "/validate",
        files={"data": ("data.ttl", data_text.encode()), "shapes": ("shapes.ttl", shapes_text.encode())},
        headers={"Accept": "text/turtle"},
    )
    assert r.status_code == 200, r.text
    served = results(rdflib.Graph().parse(data=r.text, format="turtle"))
    assert served == direct
    assert served[0] == direct_conforms
