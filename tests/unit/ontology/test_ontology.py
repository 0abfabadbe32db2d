"""The OWL 2 ontology ``ontology/plankg.ttl`` and its QC queries ``ontology/qc/*.rq``.

* the Turtle parses with rdflib and with pyoxigraph (same triples);
* every QC query returns zero rows on the ontology, with rdflib's and with
  Oxigraph's SPARQL engine, and returns exactly the offending term on a small
  bad fixture (so each query is shown able to fail);
* every ``pk:`` term named in ARCHITECTURE.md is declared, with the kind the
  contract gives it (class, object or datatype property);
* HermiT (through owlready2, Java) finds the ontology consistent and no class
  unsatisfiable, and does find the planted contradictions of a bad fixture.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import owlready2
import pyoxigraph
import pytest
import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

ROOT = Path(__file__).resolve().parents[3]
ONTOLOGY_TTL = ROOT / "ontology" / "plankg.ttl"
QC_DIR = ROOT / "ontology" / "qc"
ARCHITECTURE_MD = ROOT / "ARCHITECTURE.md"

ONTOLOGY_IRI = "http://127.0.0.1:8000/ontology"
PK = ONTOLOGY_IRI + "#"
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")

QC_QUERIES = sorted(QC_DIR.glob("*.rq"))
OWL_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)

# Reused vocabularies, as spelled in ARCHITECTURE.md and plankg.namespaces.
EXTERNAL = {
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "http://schema.org/",
}


def pk(local: str) -> URIRef:
    return URIRef(PK + local)


@pytest.fixture(scope="module")
def ontology_text() -> str:
    return ONTOLOGY_TTL.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def graph(ontology_text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=ontology_text, format="turtle")


@pytest.fixture(scope="module")
def store(ontology_text: str) -> pyoxigraph.Store:
    s = pyoxigraph.Store()
    s.load(ontology_text.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
    return s


# ------------------------------------------------------------------ parsing


def test_parses_with_rdflib(graph: rdflib.Graph) -> None:
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in graph
    assert len(graph) > 500


def test_parses_with_pyoxigraph_to_the_same_triples(graph: rdflib.Graph) -> None:
    quads = list(pyoxigraph.parse(path=ONTOLOGY_TTL, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(quads) == len(graph)
    named = {(q.subject.value, q.predicate.value, q.object.value) for q in quads
             if not isinstance(q.subject, pyoxigraph.BlankNode)
             and not isinstance(q.object, pyoxigraph.BlankNode)}
    expected = {(str(s), str(p), str(o)) for s, p, o in graph
                if not isinstance(s, BNode) and not isinstance(o, BNode)}
    assert named == expected


def test_ontology_header(graph: rdflib.Graph) -> None:
    ont = URIRef(ONTOLOGY_IRI)
    assert graph.value(ont, OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/1.0.0")
    assert graph.value(ont, OWL.versionInfo) == Literal("1.0.0")
    assert graph.value(ont, VANN.preferredNamespacePrefix) == Literal("pk")
    assert graph.value(ont, VANN.preferredNamespaceUri) == Literal(PK)
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.creator):
        languages = {o.language for o in graph.objects(ont, prop) if isinstance(o, Literal)}
        assert languages == {"en", "zh"}, prop
    assert isinstance(graph.value(ont, DCTERMS.license), URIRef)
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert graph.value(ont, prop).datatype == XSD.date, prop


# ------------------------------------------------------------------ QC queries


def run_rdflib(turtle: str, query: str) -> set[str]:
    g = rdflib.Graph().parse(data=turtle, format="turtle")
    return {str(row["term"]) for row in g.query(query)}


def run_oxigraph(turtle: str, query: str) -> set[str]:
    s = pyoxigraph.Store()
    s.load(turtle.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
    return {solution["term"].value for solution in s.query(query)}


ENGINES = {"rdflib": run_rdflib, "oxigraph": run_oxigraph}

FIXTURE_PREFIXES = f"""
@prefix ex: <http://example.org/qc#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix pk: <{PK}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""
DEFINED_BY = f"rdfs:isDefinedBy <{ONTOLOGY_IRI}>"
LABELS = 'rdfs:label "qc fixture term"@en , "质控测试术语"@zh'
DEFINITIONS = 'skos:definition "A term made for a QC test."@en , "为质控测试而设的术语。"@zh'
COMPLETE = f"{LABELS} ; {DEFINITIONS} ; {DEFINED_BY}"
EX = "http://example.org/qc#"

# QC query (file stem) -> (Turtle added to the real ontology, the exact set of ?term it must return)
BAD_FIXTURES: dict[str, tuple[str, set[str]]] = {
    "label-missing-en": (
        f'pk:QcTerm a owl:Class ; rdfs:label "质控测试术语"@zh ; {DEFINITIONS} ; {DEFINED_BY} .',
        {PK + "QcTerm"},
    ),
    "label-missing-zh": (
        f'pk:QcTerm a owl:Class ; rdfs:label "qc fixture term"@en ; {DEFINITIONS} ; {DEFINED_BY} .',
        {PK + "QcTerm"},
    ),
    "definition-missing-en": (
        f"pk:QcTerm a owl:Class ; {LABELS} ;"
        f' skos:definition "为质控测试而设的术语。"@zh ; {DEFINED_BY} .',
        {PK + "QcTerm"},
    ),
    "definition-missing-zh": (
        f"pk:QcTerm a owl:Class ; {LABELS} ;"
        f' skos:definition "A term made for a QC test."@en ; {DEFINED_BY} .',
        {PK + "QcTerm"},
    ),
    "label-multiple-per-language": (
        f'pk:QcTerm a owl:Class ; {COMPLETE} ; rdfs:label "另一个质控标签"@zh .',
        {PK + "QcTerm"},
    ),
    "definition-multiple-per-language": (
        f'pk:QcTerm a owl:Class ; {COMPLETE} ; skos:definition "A second definition."@en .',
        {PK + "QcTerm"},
    ),
    "is-defined-by-missing": (
        f"pk:QcTerm a owl:Class ; {LABELS} ; {DEFINITIONS} .",
        {PK + "QcTerm"},
    ),
    "property-domain-range-missing": (
        f"pk:qcProperty a owl:ObjectProperty ; rdfs:domain pk:Paragraph ; {COMPLETE} .",
        {PK + "qcProperty"},
    ),
    "class-reference-undeclared": (
        f"pk:QcTerm a owl:Class ; rdfs:subClassOf ex:UndeclaredClass ; {COMPLETE} .",
        {EX + "UndeclaredClass"},
    ),
    "property-reference-undeclared": (
        "pk:qcProperty a owl:ObjectProperty ; rdfs:subPropertyOf ex:undeclaredProperty ;"
        f" rdfs:domain pk:Paragraph ; rdfs:range pk:Paragraph ; {COMPLETE} .",
        {EX + "undeclaredProperty"},
    ),
    "term-undeclared": (
        "pk:qcProperty a owl:ObjectProperty ;"
        f" rdfs:domain pk:Paragraph ; rdfs:range pk:Paragrph ; {COMPLETE} .",
        {PK + "Paragrph"},
    ),
    "term-punned": (
        f"pk:QcTerm a owl:Class , owl:ObjectProperty ; {COMPLETE} .",
        {PK + "QcTerm"},
    ),
    "deprecated-term-in-use": (
        f"pk:QcOld a owl:Class ; owl:deprecated true ; {COMPLETE} .\n"
        'pk:QcNew a owl:Class ; rdfs:subClassOf pk:QcOld ; rdfs:label "qc new term"@en ,'
        f' "新质控术语"@zh ; {DEFINITIONS} ; {DEFINED_BY} .',
        {PK + "QcOld"},
    ),
    "label-duplicated": (
        # same English label as pk:Paragraph, differing only in case
        f'pk:QcTerm a owl:Class ; rdfs:label "Paragraph"@en , "质控测试术语"@zh ;'
        f" {DEFINITIONS} ; {DEFINED_BY} .",
        {PK + "QcTerm", PK + "Paragraph"},
    ),
    "label-language-mismatch": (
        f'pk:QcTerm a owl:Class ; rdfs:label "qc fixture term"@en , "zhikong ceshi shuyu"@zh ;'
        f" {DEFINITIONS} ; {DEFINED_BY} .",
        {PK + "QcTerm"},
    ),
    "label-whitespace": (
        f'pk:QcTerm a owl:Class ; rdfs:label "qc  fixture term"@en , "质控测试术语"@zh ;'
        f" {DEFINITIONS} ; {DEFINED_BY} .",
        {PK + "QcTerm"},
    ),
}


def qc_id(path: Path) -> str:
    return path.stem


def test_qc_queries_exist() -> None:
    assert len(QC_QUERIES) >= 10


@pytest.mark.parametrize("query_path", QC_QUERIES, ids=qc_id)
def test_qc_query_header(query_path: Path) -> None:
    text = query_path.read_text(encoding="utf-8")
    summary = re.search(r"^#\+ summary: (\S.*)$", text, re.MULTILINE)
    severity = re.search(r"^#\+ severity: (\S+)\s*$", text, re.MULTILINE)
    assert summary, "missing '#+ summary: …' header"
    assert severity and severity.group(1) in {"error", "warning"}, "missing '#+ severity: error|warning'"
    assert re.search(r"^SELECT\b.*\?term\b", text, re.MULTILINE), "must SELECT ?term (the offending term)"


def test_every_qc_query_has_a_bad_fixture() -> None:
    assert {p.stem for p in QC_QUERIES} == set(BAD_FIXTURES)


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("query_path", QC_QUERIES, ids=qc_id)
def test_qc_query_passes_on_the_ontology(query_path: Path, engine: str, ontology_text: str) -> None:
    offending = ENGINES[engine](ontology_text, query_path.read_text(encoding="utf-8"))
    assert offending == set()


def test_qc_queries_follow_a_rebased_ontology(ontology_text: str) -> None:
    """The queries find "this ontology" from its owl:Ontology IRI, not from a hard-coded base.

    (A plain text replacement of the default base, which is what the build's rebase does.)
    """
    base = "https://kg.example.org/plankg/"
    rebased = ontology_text.replace("http://127.0.0.1:8000/", base)
    for query_path in QC_QUERIES:
        assert run_oxigraph(rebased, query_path.read_text(encoding="utf-8")) == set(), query_path.stem
    snippet, _ = BAD_FIXTURES["label-missing-zh"]
    bad = (ontology_text + "\n" + FIXTURE_PREFIXES + snippet).replace("http://127.0.0.1:8000/", base)
    query = (QC_DIR / "label-missing-zh.rq").read_text(encoding="utf-8")
    assert run_oxigraph(bad, query) == {base + "ontology#QcTerm"}


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("query_path", QC_QUERIES, ids=qc_id)
def test_qc_query_fails_on_its_bad_fixture(query_path: Path, engine: str, ontology_text: str) -> None:
    snippet, expected = BAD_FIXTURES[query_path.stem]
    bad = ontology_text + "\n" + FIXTURE_PREFIXES + snippet + "\n"
    offending = ENGINES[engine](bad, query_path.read_text(encoding="utf-8"))
    assert offending == expected


# ------------------------------------------------------------------ the contract (ARCHITECTURE.md)


def architecture_text() -> str:
    return ARCHITECTURE_MD.read_text(encoding="utf-8")


def architecture_pk_terms() -> list[str]:
    return sorted(set(re.findall(r"\bpk:([A-Za-z][A-Za-z0-9]*)", architecture_text())))


def architecture_classes() -> list[str]:
    text = architecture_text()
    start = text.index("Classes (")
    end = text.index("Properties:", start)
    return sorted(set(re.findall(r"`pk:([A-Za-z][A-Za-z0-9]*)`", text[start:end])))


def architecture_property_kinds() -> dict[str, str]:
    """Kind of each pk: property in the Properties table: 'object' or 'datatype'.

    A row may name several properties ("`pk:a`, `pk:b` | X → Y", or
    "`pk:a` | X → Y; `pk:b` X → Z"); each name takes the kind of the text that
    follows it up to the next name, or of the next name's when nothing follows.
    """
    kinds: dict[str, str] = {}
    lines = architecture_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| property |"))
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        tokens = list(re.finditer(r"`pk:([A-Za-z][A-Za-z0-9]*)`", line))
        pending: list[str] = []
        for i, token in enumerate(tokens):
            end = tokens[i + 1].start() if i + 1 < len(tokens) else len(line)
            segment = line[token.end():end]
            pending.append(token.group(1))
            if re.search(r"xsd:|rdf:langString|typed literal", segment):
                kind = "datatype"
            elif "→" in segment:
                kind = "object"
            elif "not used" in segment:
                kind = "unused"
            else:
                continue
            for name in pending:
                kinds[name] = kind
            pending = []
    return kinds


def architecture_reused_terms() -> list[str]:
    names = re.findall(r"\b(dcterms|prov|skos|org|schema):([A-Za-z][A-Za-z0-9]*)", architecture_text())
    return sorted({f"{prefix}:{local}" for prefix, local in names})


def declared_kinds(graph: rdflib.Graph, term: URIRef) -> set[URIRef]:
    return {k for k in graph.objects(term, RDF.type) if k in OWL_KINDS}


def test_contract_parsing_finds_the_terms() -> None:
    assert len(architecture_pk_terms()) >= 80
    assert len(architecture_classes()) >= 45
    assert len(architecture_property_kinds()) >= 35
    assert "dcterms:isPartOf" in architecture_reused_terms()


@pytest.mark.parametrize("local", architecture_pk_terms())
def test_contract_term_is_declared(graph: rdflib.Graph, local: str) -> None:
    kinds = declared_kinds(graph, pk(local))
    assert len(kinds) == 1, f"pk:{local} declared as {kinds or 'nothing'}"


@pytest.mark.parametrize("local", architecture_classes())
def test_contract_class_is_a_class(graph: rdflib.Graph, local: str) -> None:
    assert declared_kinds(graph, pk(local)) == {OWL.Class}


@pytest.mark.parametrize("local,kind", sorted(architecture_property_kinds().items()))
def test_contract_property_has_its_kind(graph: rdflib.Graph, local: str, kind: str) -> None:
    term = pk(local)
    if kind == "unused":
        assert graph.value(term, OWL.deprecated) == Literal(True)
        assert (None, term, None) not in graph
        return
    expected = OWL.DatatypeProperty if kind == "datatype" else OWL.ObjectProperty
    assert declared_kinds(graph, term) == {expected}
    assert graph.value(term, RDFS.domain) is not None
    assert graph.value(term, RDFS.range) is not None


@pytest.mark.parametrize("name", architecture_reused_terms())
def test_reused_term_is_declared(graph: rdflib.Graph, name: str) -> None:
    prefix, local = name.split(":")
    assert len(declared_kinds(graph, URIRef(EXTERNAL[prefix] + local))) == 1, name


def test_no_domain_or_range_on_reused_terms(graph: rdflib.Graph) -> None:
    """Adding axioms to other vocabularies' terms would change their meaning for every user."""
    hijacked = {
        (str(s), str(p))
        for p in (RDFS.domain, RDFS.range, RDFS.subPropertyOf, RDFS.subClassOf)
        for s in graph.subjects(p, None)
        if isinstance(s, URIRef) and not str(s).startswith(PK)
    }
    assert hijacked == set()


@pytest.mark.parametrize("local", ["footnoteNumber", "impactArea", "paragraphNumber", "sectionNumber"])
def test_functional_properties(graph: rdflib.Graph, local: str) -> None:
    assert (pk(local), RDF.type, OWL.FunctionalProperty) in graph


def test_every_pk_term_is_bilingual(graph: rdflib.Graph) -> None:
    """Belt and braces over the QC queries: exactly one label and one definition per language."""
    for kind in OWL_KINDS:
        for term in graph.subjects(RDF.type, kind):
            if not str(term).startswith(PK):
                continue
            for prop in (RDFS.label, SKOS.definition):
                languages = sorted(o.language for o in graph.objects(term, prop))
                assert languages == ["en", "zh"], (term, prop)


# ------------------------------------------------------------------ OWL 2 DL datatypes and HermiT

# The OWL 2 datatype map (OWL 2 Structural Specification, section 4) plus rdf:langString,
# which the OWL API behind HermiT accepts as the RDF 1.1 name of language-tagged strings.
XSD_IN_OWL2_MAP = (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int"
    " short byte unsignedLong unsignedInt unsignedShort unsignedByte double float string"
    " normalizedString token language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI"
    " dateTime dateTimeStamp"
).split()
OWL2_DATATYPES = {XSD[name] for name in XSD_IN_OWL2_MAP} | {
    RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, RDFS.Literal, OWL.real, OWL.rational,
}
# xsd:gYear is outside the OWL 2 datatype map but is what the contract (and the data) use for
# years; HermiT is therefore run with ignore_unsupported_datatypes=True, and this allow-list
# makes sure that no other datatype slips past that switch unnoticed.
ALLOWED_OUTSIDE_OWL2_MAP = {XSD.gYear}


def datatypes_used(graph: rdflib.Graph) -> set[URIRef]:
    used: set[URIRef] = set()
    for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in graph.objects(prop, RDFS.range):
            if isinstance(rng, URIRef):
                used.add(rng)
            else:
                for member_list in graph.objects(rng, OWL.unionOf):
                    used.update(Collection(graph, member_list))
    return used


def test_datatypes_outside_the_owl2_map_are_known(graph: rdflib.Graph) -> None:
    assert datatypes_used(graph) - OWL2_DATATYPES == ALLOWED_OUTSIDE_OWL2_MAP


def hermit(turtle: str, tmp_path: Path) -> owlready2.World:
    """Load the Turtle into a fresh owlready2 World (via N-Triples) and run HermiT on it."""
    assert shutil.which(owlready2.JAVA_EXE), "HermiT needs Java (apt-get install default-jre-headless)"
    nt = tmp_path / "ontology.nt"
    rdflib.Graph().parse(data=turtle, format="turtle").serialize(nt, format="nt", encoding="utf-8")
    world = owlready2.World()
    world.get_ontology(nt.as_uri()).load()
    owlready2.sync_reasoner(world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)
    return world


@pytest.mark.reasoner
def test_hermit_finds_the_ontology_consistent(ontology_text: str, tmp_path: Path) -> None:
    world = hermit(ontology_text, tmp_path)  # raises OwlReadyInconsistentOntologyError if inconsistent
    assert list(world.inconsistent_classes()) == []


REASONER_FIXTURE_PREFIXES = f"""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix pk: <{PK}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


@pytest.mark.reasoner
def test_hermit_sees_the_disjointness(ontology_text: str, tmp_path: Path) -> None:
    """A class under two disjoint classes is unsatisfiable: the disjointness axioms are live."""
    chimera = (
        REASONER_FIXTURE_PREFIXES
        + "pk:QcChimera a owl:Class ; rdfs:subClassOf pk:Paragraph , pk:Organization .\n"
        + "pk:QcTwoAreas a owl:Class ; rdfs:subClassOf pk:KeyIntervention ,"
        + " [ a owl:Restriction ; owl:onProperty pk:impactArea ; owl:minCardinality 2 ] .\n"
    )
    world = hermit(ontology_text + chimera, tmp_path)
    unsatisfiable = {c.iri for c in world.inconsistent_classes()} - {str(OWL.Nothing)}
    assert unsatisfiable == {PK + "QcChimera", PK + "QcTwoAreas"}


@pytest.mark.reasoner
def test_hermit_rejects_an_inconsistent_abox(ontology_text: str, tmp_path: Path) -> None:
    data = (
        REASONER_FIXTURE_PREFIXES
        + "<http://127.0.0.1:8000/id/para/1> a owl:NamedIndividual , pk:Paragraph , pk:Footnote .\n"
    )
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        hermit(ontology_text + data, tmp_path)
