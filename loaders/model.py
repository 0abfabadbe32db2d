"""Plain data model shared by the loaders.

The parser, the registry reader, the linker and the statistics reader produce
these objects; only ``loaders.graph`` turns them into RDF. Keeping RDF out of
the parsing code lets each step be tested on its own and keeps IRIs minted in
exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Kinds of text unit the document parser emits, in document order.
UnitKind = Literal[
    "front",  # masthead lines before the title (Distr., dates, session)
    "title",  # title lines of the document
    "summary-heading",  # 摘要
    "summary",  # a summary paragraph (before paragraph 1)
    "section",  # 一. 概述 … 八. 决定要点
    "heading",  # A. / 1. sub-headings and free headings (战略计划愿景)
    "paragraph",  # numbered paragraph 1–119
    "item",  # bullet item ("- ") belonging to a paragraph
    "decision",  # decision item (a)–(d) of paragraph 119
    "footnote",  # footnote 1–26
]


@dataclass(frozen=True)
class FootnoteRef:
    """A superscript footnote marker inside a unit's text."""

    number: int
    offset: int  # character offset of the marker in the unit's ``text``


@dataclass
class TextUnit:
    """One node of the document with its exact Chinese text.

    ``key`` is stable and readable and is what IRIs are minted from:
    ``front-1``, ``title-2``, ``summary-heading``, ``summary-3``, ``section-5``,
    ``heading-5-A``, ``heading-5-A-3``, ``heading-vision``, ``para-49``,
    ``para-49-item-3``, ``para-119-item-a``, ``footnote-12``.
    """

    kind: UnitKind
    key: str
    text: str  # exact text, page-break joins applied, markers kept in place
    order: int  # 1-based position in document order
    number: int | None = None  # paragraph, footnote or section number
    position: int | None = None  # 1-based position of an item in its paragraph
    letter: str | None = None  # decision item letter, heading marker ("A", "3")
    parent: str | None = None  # key of the containing paragraph / heading / section
    section: str | None = None  # key of the containing section ("section-5")
    heading_path: tuple[str, ...] = ()  # keys of enclosing headings, outermost first
    footnote_refs: tuple[FootnoteRef, ...] = ()
    line: int = 0  # 1-based line in the source file where the unit starts


@dataclass
class Document:
    units: list[TextUnit]
    source_path: str

    def by_key(self) -> dict[str, TextUnit]:
        return {u.key: u for u in self.units}

    def of_kind(self, kind: UnitKind) -> list[TextUnit]:
        return [u for u in self.units if u.kind == kind]


# ---------------------------------------------------------------- registry

OrgKind = Literal[
    "un-entity",
    "secretariat-department",
    "inter-agency-mechanism",
    "fund",
    "initiative",
    "network",
    "intergovernmental-body",
    "non-un-actor",
    "office-holder",
]

InstrumentKind = Literal[
    "security-council-resolution",
    "general-assembly-resolution",
    "convention",
    "declaration",
    "agenda",
    "framework",
    "un-document",
    "publication",
]


@dataclass(frozen=True)
class Organization:
    id: str  # IRI slug, e.g. "UNDP"
    en_name: str
    zh_name: str
    acronym: str | None
    kind: OrgKind
    zh_forms: tuple[str, ...]  # every surface form found in the text
    wikidata: str | None  # "Q641576"
    parent: str | None  # id of the parent organization
    source_row: int = 0


@dataclass(frozen=True)
class Instrument:
    id: str  # IRI slug, e.g. "S-RES-1325-2000"
    kind: InstrumentKind
    en_title: str
    zh_title: str
    symbol: str | None  # official document symbol, "S/RES/1325 (2000)"
    year: int | None  # official year (adoption / publication)
    year_as_printed: int | None  # year the Chinese text prints, when it differs
    zh_forms: tuple[str, ...]
    wikidata: str | None
    note_en: str | None  # what the official record says, when it differs
    part_of: str | None = None  # id of a family instrument (WPS resolutions)
    # plan concepts ("area/wps") the instrument underpins: curated, since the
    # text cites the WPS resolutions in paragraphs 4 and 62, not in the area itself
    underpins: tuple[str, ...] = ()
    source_row: int = 0


@dataclass(frozen=True)
class SdgConcept:
    code: str  # "5", "5.1", "5.1.1", "5.c.1"
    level: Literal["goal", "target", "indicator"]
    en_title: str
    zh_title: str
    un_iri: str  # http://metadata.un.org/sdg/C050101
    zh_forms: tuple[str, ...]
    wikidata: str | None
    source_row: int = 0


@dataclass(frozen=True)
class Theme:
    id: str  # "covid-19", "climate-change", "digital-innovation", "youth"
    en_label: str
    zh_label: str
    en_definition: str
    zh_definition: str
    zh_forms: tuple[str, ...]
    source_row: int = 0


@dataclass(frozen=True)
class Statistic:
    id: str  # "p10-1"
    paragraph: int
    surface: str  # exact substring of the paragraph text ("25.6%")
    value: str  # lexical value ("25.6")
    datatype: Literal["integer", "decimal", "gYear"]
    unit: str  # "percent", "count", "year", "ratio", "times", "usd"
    en_label: str
    group_en: str
    group_zh: str
    reference_year: int | None
    source_footnote: int | None
    # how the text qualifies the figure: "exact", "less-than", "more-than", "at-least", "at-most", "about"
    qualifier: str = "exact"
    qualifier_zh: str | None = None  # the words of the text that qualify it, around the surface ("超过了 90%")
    bound: str | None = None  # the bound the qualifier states, when it is not the value ("不到一半(48%)": 50)
    source_row: int = 0


@dataclass(frozen=True)
class InterventionTitle:
    key: str  # item key, "para-55-item-3"
    en_title: str
    source_row: int = 0


@dataclass(frozen=True)
class PlanConcept:
    """Curated English side of a plan concept whose Chinese comes from the text."""

    id: str  # "area/evaw", "outcome/3", "principle/a", "oee/2", "mandate/normative"
    cls: str  # ImpactArea, SystemicOutcome, GuidingPrinciple, OEEOutput, MandateFunction, Vision
    notation: str  # "3", "A"
    en_label: str
    en_definition: str
    zh_label: str
    heading_key: str | None  # key of the heading that opens it in the text
    source_row: int = 0


@dataclass(frozen=True)
class Role:
    """A kind of link between UN-Women and a collaborator (``roles.csv``)."""

    id: str  # "co-delivers", "chairs", ...
    en_label: str
    zh_label: str
    en_definition: str
    zh_definition: str
    membership: bool  # UN-Women holds this role inside the collaborator (W3C ORG membership)
    source_row: int = 0


@dataclass(frozen=True)
class RoleRule:
    """One pattern of ``role_rules.csv``: the first rule (by order) that fits a mention decides its role."""

    order: int
    role: str
    pattern: str  # literal parts, "…" for a gap within the sentence, "{org}" for the mention
    organizations: tuple[str, ...]  # organization ids or "kind:<org kind>"; empty = any
    notes: str | None
    source_row: int = 0


@dataclass(frozen=True)
class RoleOverride:
    """A curated role for one (key intervention, organization) of ``collaboration_roles.csv``."""

    intervention: str  # notation "59.3"
    organization: str
    role: str
    evidence: str  # exact phrase of the item text that decides it
    rationale: str
    source_row: int = 0


@dataclass(frozen=True)
class SdgAlignment:
    """A plan concept's link to an SDG concept it serves (``sdg_alignment.csv``)."""

    concept: str  # plan concept id, "area/evaw", "outcome/2"
    sdg: str  # SDG code, "5.2"
    kind: str  # "stated" (the text says so: paragraph and evidence) or "curated" (a rationale)
    paragraph: int | None
    evidence: str | None  # the words of the paragraph (or its items) that state the link
    rationale: str | None  # why a curated link holds, for a steward to read and edit
    source_row: int = 0


@dataclass(frozen=True)
class ContextRule:
    """A surface form that needs context (``context_rules.csv``): linked ``unless`` / ``only-if`` a word is near."""

    form: str
    kind: str  # "organization", "instrument", "sdg", "theme"
    entity_id: str
    action: str  # "unless": not linked when a context word is within the window; "only-if": linked only then
    context: tuple[str, ...]
    window: int  # characters looked at on each side of the form
    notes: str | None = None
    source_row: int = 0


@dataclass
class Registry:
    organizations: list[Organization] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    sdg: list[SdgConcept] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    statistics: list[Statistic] = field(default_factory=list)
    intervention_titles: list[InterventionTitle] = field(default_factory=list)
    plan_concepts: list[PlanConcept] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    role_rules: list[RoleRule] = field(default_factory=list)
    role_overrides: list[RoleOverride] = field(default_factory=list)
    sdg_alignment: list[SdgAlignment] = field(default_factory=list)
    context_rules: list[ContextRule] = field(default_factory=list)


# ---------------------------------------------------------------- linker

EntityKind = Literal["organization", "instrument", "sdg", "theme"]


@dataclass(frozen=True)
class Mention:
    unit_key: str  # text unit the mention is in
    kind: EntityKind
    entity_id: str  # registry id (org id, instrument id, sdg code, theme id)
    surface: str  # exact surface form matched
    offset: int  # character offset in the unit text
