"""IRIs minted by the project, all under one configurable base.

Source files (ontology, shapes, named queries) are written against the default
base; ``rebase`` maps their text when a deployment configures another one, so
the files stay valid, self-contained RDF/SPARQL that tools can open as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from plankg.settings import DEFAULT_BASE_IRI, Settings

EXTERNAL_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "schema": "http://schema.org/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "vann": "http://purl.org/vocab/vann/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "unsdg": "http://metadata.un.org/sdg/",
    "wd": "http://www.wikidata.org/entity/",
}

# The external vocabularies' namespaces under the names the code uses.
RDF = EXTERNAL_PREFIXES["rdf"]
RDFS = EXTERNAL_PREFIXES["rdfs"]
OWL = EXTERNAL_PREFIXES["owl"]
XSD = EXTERNAL_PREFIXES["xsd"]
SKOS = EXTERNAL_PREFIXES["skos"]
DCT = EXTERNAL_PREFIXES["dcterms"]
PROV = EXTERNAL_PREFIXES["prov"]
ORG = EXTERNAL_PREFIXES["org"]
SCHEMA = EXTERNAL_PREFIXES["schema"]
SH = EXTERNAL_PREFIXES["sh"]
VOID = EXTERNAL_PREFIXES["void"]
DCAT = EXTERNAL_PREFIXES["dcat"]
VANN = EXTERNAL_PREFIXES["vann"]
FOAF = EXTERNAL_PREFIXES["foaf"]
WD = EXTERNAL_PREFIXES["wd"]
RDF_TYPE = RDF + "type"

# One prefix per kind of entity (``{base}id/<kind>/``) for RDF responses and dumps, so that
# ``organization:UNFPA`` is written where a single ``id:`` prefix would need ``id:org\/UNFPA``.
# ``org`` is the W3C ORG vocabulary's prefix everywhere, so the organizations' kind is spelled out.
ENTITY_KIND_PREFIXES = {
    "area": "area",
    "collaboration": "collaboration",
    "footnote": "footnote",
    "front": "front",
    "heading": "heading",
    "instrument": "instrument",
    "intervention": "intervention",
    "mandate": "mandate",
    "mention": "mention",
    "oee": "oee",
    "org": "organization",
    "outcome": "outcome",
    "para": "para",
    "principle": "principle",
    "sdg": "sdg",
    "section": "section",
    "stat": "stat",
    "summary": "summary",
    "theme": "theme",
    "title": "title",
    "unit": "unit",
}


@dataclass(frozen=True)
class Namespaces:
    base: str

    @classmethod
    def of(cls, settings: Settings) -> Namespaces:
        return cls(settings.base_iri)

    @property
    def pk(self) -> str:
        return self.base + "ontology#"

    @property
    def ontology(self) -> str:
        return self.base + "ontology"

    @property
    def id(self) -> str:
        return self.base + "id/"

    def graph(self, name: str) -> str:
        return f"{self.base}graph/{name}"

    def term(self, local: str) -> str:
        return self.pk + local

    def entity(self, path: str) -> str:
        return self.id + path

    def prefixes(self) -> dict[str, str]:
        return {"pk": self.pk, "id": self.id, **EXTERNAL_PREFIXES}

    def rdf_prefixes(self) -> dict[str, str]:
        """The prefixes RDF documents are written with: ``prefixes()`` and one per kind of entity.

        A writer picks the longest namespace that fits; an IRI whose local part would
        still need an escape (``para/49/item/3``) is written in full (``rdfio.readable``).
        """
        kinds = {prefix: f"{self.id}{kind}/" for kind, prefix in ENTITY_KIND_PREFIXES.items()}
        return {**self.prefixes(), **kinds}

    def rebase(self, text: str) -> str:
        """Map text written against the default base onto this base."""
        if self.base == DEFAULT_BASE_IRI:
            return text
        return text.replace(DEFAULT_BASE_IRI, self.base)


# the plan's four impact areas, as in their IRIs (id:area/evaw) and in the order of the plan; the
# registry (data/registry/plan_concepts.csv) and the queries' enums must agree (tests/unit/build)
IMPACT_AREAS = ("governance", "wee", "evaw", "wps")

GRAPH_ONTOLOGY = "ontology"
GRAPH_PLAN = "plan"
GRAPH_REGISTRY = "registry"
# what ``plankg build`` writes, rebuilt from the source: stewards may not change these graphs
BUILT_GRAPHS = (GRAPH_ONTOLOGY, GRAPH_PLAN, GRAPH_REGISTRY)
# the change log, written by the service only (plankg.writes)
GRAPH_CHANGES = "changes"
