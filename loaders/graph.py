"""Turn the parsed document, the registry and the mentions into RDF quads.

This is the one place where IRIs are minted and where the ontology's terms
meet the data; every extracted assertion carries ``prov:wasDerivedFrom`` the
paragraph, item or footnote it came from.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from loaders.model import Document, Mention, Organization, Registry, TextUnit
from loaders.roles import decide_roles
from plankg.errors import BuildError, RegistryError
from plankg.namespaces import (
    DCT,
    GRAPH_PLAN,
    GRAPH_REGISTRY,
    ORG,
    PROV,
    RDF,
    RDFS,
    SKOS,
    WD,
    XSD,
    Namespaces,
)

PLAN_SYMBOL = "UNW/2021/6"
UN_WOMEN_ID = "UN-Women"

UNIT_CLASS = {
    "front": "FrontMatter",
    "title": "Title",
    "summary-heading": "Summary",
    "summary": "SummaryParagraph",
    "section": "Section",
    "heading": "Heading",
    "paragraph": "Paragraph",
    "item": "BulletItem",
    "decision": "DecisionItem",
    "footnote": "Footnote",
}
ORG_CLASS = {
    "un-entity": "UNEntity",
    "secretariat-department": "SecretariatDepartment",
    "inter-agency-mechanism": "InterAgencyMechanism",
    "fund": "Fund",
    "initiative": "Initiative",
    "network": "Network",
    "intergovernmental-body": "IntergovernmentalBody",
    "non-un-actor": "NonUNActor",
    "office-holder": "OfficeHolder",
}
INSTRUMENT_CLASS = {
    "security-council-resolution": "SecurityCouncilResolution",
    "general-assembly-resolution": "GeneralAssemblyResolution",
    "convention": "Convention",
    "declaration": "Declaration",
    "agenda": "Agenda",
    "framework": "Framework",
    "un-document": "UNDocument",
    "publication": "Publication",
}
SDG_CLASS = {"goal": "SDGGoal", "target": "SDGTarget", "indicator": "SDGIndicator"}
MENTION_PROPERTY = {
    "organization": "namesOrganization",
    "instrument": "cites",
    "theme": "touchesTheme",
    "sdg": "invokesSDG",
}
SECTION_EN = {
    1: "Overview",
    2: "Global context for the work of UN-Women",
    3: "Lessons learned from the first decade of UN-Women",
    4: "Guiding principles",
    5: "Driving development results",
    6: "UN-Women's high-impact business model 2.0",
    7: "Monitoring, reporting and evaluation",
    8: "Elements of a decision",
}
UNIT_LABELS = {
    "percent": ("percent", "百分比"),
    "count": ("count", "数量"),
    "year": ("calendar year", "年份"),
    "years": ("years (duration)", "年数"),
    "ratio": ("ratio", "比率"),
    "times": ("times (multiple)", "倍数"),
    "persons": ("persons", "人数"),
    "countries": ("countries", "国家数"),
    "measures": ("measures", "措施数"),
}
KEY_INTERVENTIONS_LEAD = "主要干预措施包括"
# how the text qualifies a figure: labels, definition, and which schema.org bound the value (or the
# row's bound) gives; "less-than" and "more-than" are strict, "at-most" and "at-least" are not
STATISTIC_QUALIFIERS = {
    "exact": ("exact", "确切", "The figure as stated, without a qualifier.", None),
    "less-than": ("less than", "不到", "The quantity is below the bound (不到, 少于).", "maxValue"),
    "more-than": ("more than", "超过", "The quantity is above the bound (超过, 多, 一倍多).", "minValue"),
    "at-least": ("at least", "至少", "The quantity is the bound or more (至少, 以上).", "minValue"),
    "at-most": ("at most / no later than", "至多 / 不迟于", "The quantity is the bound or less (至多, 不迟于).", "maxValue"),
    "about": ("about", "大约", "An approximate or estimated figure (大约, 左右, 据估计).", None),
}
SCHEMA = "http://schema.org/"


def unit_path(key: str) -> str:
    """Entity path of a text unit key (see ARCHITECTURE.md)."""
    if key == "summary-heading":
        return "summary"
    m = re.fullmatch(r"para-(\d+)-item-(\w+)", key)
    if m:
        return f"para/{m.group(1)}/item/{m.group(2)}"
    if key.startswith("heading-"):
        return "heading/" + key[len("heading-") :]
    kind, _, rest = key.partition("-")
    return f"{kind}/{rest}" if rest else kind


def instrument_slug(symbol: str) -> str:
    return re.sub(r"-+", "-", re.sub(r"[/ ()]", "-", symbol)).strip("-")


@dataclass
class GraphBuilder:
    ns: Namespaces
    quads: list[ox.Quad] = field(default_factory=list)

    def iri(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.ns.entity(path))

    def pk(self, local: str) -> ox.NamedNode:
        return ox.NamedNode(self.ns.term(local))

    def add(self, graph: str, s: ox.NamedNode, p: str | ox.NamedNode, o: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        pred = p if isinstance(p, ox.NamedNode) else ox.NamedNode(p)
        self.quads.append(ox.Quad(s, pred, o, ox.NamedNode(self.ns.graph(graph))))


def zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def typed(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def short_zh_label(text: str, limit: int = 40) -> str:
    """A readable Chinese label for a bullet item: its first clause."""
    clean = re.sub(r"[¹²³⁴⁵⁶⁷⁸⁹⁰]+", "", text)
    first = re.split(r"[，；：。,;]", clean, maxsplit=1)[0].strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"


def build_quads(ns: Namespaces, document: Document, registry: Registry, mentions: list[Mention]) -> list[ox.Quad]:
    b = GraphBuilder(ns)
    units = document.by_key()
    _plan(b, document)
    _units(b, document)
    concept_of_heading = _plan_concepts(b, document, registry)
    interventions = _key_interventions(b, document, registry, concept_of_heading)
    _registry(b, registry)
    _mentions(b, mentions, units, interventions, registry)
    _statistics(b, registry, units, mentions)
    _sdg_alignment(b, registry, units)
    return b.quads


# ------------------------------------------------------------------ document


def _plan(b: GraphBuilder, document: Document) -> None:
    plan = b.iri("plan")
    g = GRAPH_PLAN
    b.add(g, plan, RDF + "type", b.pk("StrategicPlan"))
    b.add(g, plan, DCT + "identifier", ox.Literal(PLAN_SYMBOL))
    b.add(g, plan, SKOS + "notation", ox.Literal(PLAN_SYMBOL))
    b.add(g, plan, DCT + "title", zh("联合国促进性别平等和增强妇女权能署(妇女署)《2022-2025 年战略计划》"))
    b.add(g, plan, DCT + "title", en("United Nations Entity for Gender Equality and the Empowerment of Women (UN-Women) Strategic Plan 2022–2025"))
    b.add(g, plan, RDFS + "label", zh("《2022-2025 年战略计划》"))
    b.add(g, plan, RDFS + "label", en("UN-Women Strategic Plan 2022–2025"))
    b.add(g, plan, DCT + "date", typed("2021-07-12", "date"))
    b.add(g, plan, DCT + "language", ox.Literal("zh"))
    b.add(g, plan, DCT + "publisher", b.iri("org/" + UN_WOMEN_ID))
    b.add(g, plan, DCT + "temporal", ox.Literal("2022/2025"))
    b.add(g, plan, RDFS + "comment", en(
        "Chinese text of document UNW/2021/6 (original: English), Executive Board of UN-Women, "
        "second regular session 2021, 14–15 September 2021, provisional agenda item 2."
    ))


def _units(b: GraphBuilder, document: Document) -> None:
    g = GRAPH_PLAN
    plan = b.iri("plan")
    for unit in document.units:
        node = b.iri(unit_path(unit.key))
        b.add(g, node, RDF + "type", b.pk(UNIT_CLASS[unit.kind]))
        b.add(g, node, b.pk("text"), zh(unit.text))
        b.add(g, node, b.pk("order"), typed(unit.order, "integer"))
        parent = b.iri(unit_path(unit.parent)) if unit.parent else plan
        b.add(g, node, DCT + "isPartOf", parent)
        if unit.kind == "section":
            b.add(g, plan, DCT + "hasPart", node)
        if unit.section and unit.section != unit.key:
            b.add(g, node, b.pk("inSection"), b.iri(unit_path(unit.section)))
        if unit.heading_path and unit.kind != "heading":
            b.add(g, node, b.pk("underHeading"), b.iri(unit_path(unit.heading_path[-1])))
        for ref in unit.footnote_refs:
            b.add(g, node, b.pk("hasFootnote"), b.iri(f"footnote/{ref.number}"))
        zh_label, en_label = _unit_labels(unit)
        b.add(g, node, RDFS + "label", zh(zh_label))
        b.add(g, node, RDFS + "label", en(en_label))
        if unit.kind == "paragraph":
            b.add(g, node, b.pk("paragraphNumber"), typed(unit.number, "integer"))
        elif unit.kind == "footnote":
            b.add(g, node, b.pk("footnoteNumber"), typed(unit.number, "integer"))
        elif unit.kind == "section":
            b.add(g, node, b.pk("sectionNumber"), typed(unit.number, "integer"))
            b.add(g, node, SKOS + "notation", ox.Literal(str(unit.number)))
        elif unit.kind in ("item", "decision") and unit.position is not None:
            b.add(g, node, b.pk("position"), typed(unit.position, "integer"))
        if unit.kind == "decision" and unit.letter:
            b.add(g, node, b.pk("itemLetter"), ox.Literal(unit.letter))
        if unit.kind == "heading" and unit.letter:
            b.add(g, node, SKOS + "notation", ox.Literal(unit.letter))


def _unit_labels(unit: TextUnit) -> tuple[str, str]:
    parent_no = re.match(r"para-(\d+)", unit.parent or "")
    if unit.kind == "paragraph":
        return f"第 {unit.number} 段", f"Paragraph {unit.number}"
    if unit.kind == "item" and parent_no:
        return f"第 {parent_no.group(1)} 段第 {unit.position} 项", f"Paragraph {parent_no.group(1)}, item {unit.position}"
    if unit.kind == "decision":
        return f"第 119 段({unit.letter})", f"Paragraph 119 ({unit.letter})"
    if unit.kind == "footnote":
        return f"脚注 {unit.number}", f"Footnote {unit.number}"
    if unit.kind == "section":
        return unit.text, f"Section {unit.number}: {SECTION_EN.get(unit.number or 0, '')}".rstrip(": ")
    if unit.kind == "summary":
        return f"摘要第 {unit.key.rsplit('-', 1)[-1]} 段", f"Summary paragraph {unit.key.rsplit('-', 1)[-1]}"
    if unit.kind == "summary-heading":
        return "摘要", "Summary"
    if unit.kind == "heading":
        return unit.text, f"Heading: {unit.letter + '. ' if unit.letter else ''}{unit.key[len('heading-'):]}"
    if unit.kind == "front":
        return f"文件首部第 {unit.key.rsplit('-', 1)[-1]} 行", f"Masthead line {unit.key.rsplit('-', 1)[-1]}"
    return f"标题第 {unit.key.rsplit('-', 1)[-1]} 行", f"Title line {unit.key.rsplit('-', 1)[-1]}"


# ------------------------------------------------------------------ plan concepts


def _paragraphs_under(document: Document, heading_key: str) -> list[TextUnit]:
    return [u for u in document.units if u.kind == "paragraph" and heading_key in u.heading_path]


def _plan_concepts(b: GraphBuilder, document: Document, registry: Registry) -> dict[str, str]:
    """Mint the plan's own concepts; returns heading key -> concept id."""
    g = GRAPH_PLAN
    units = document.by_key()
    concept_of_heading: dict[str, str] = {}
    for concept in registry.plan_concepts:
        node = b.iri(concept.id)
        b.add(g, node, RDF + "type", b.pk(concept.cls))
        b.add(g, node, SKOS + "prefLabel", en(concept.en_label))
        b.add(g, node, SKOS + "prefLabel", zh(concept.zh_label))
        b.add(g, node, RDFS + "label", en(concept.en_label))
        b.add(g, node, RDFS + "label", zh(concept.zh_label))
        b.add(g, node, SKOS + "definition", en(concept.en_definition))
        if concept.notation:
            b.add(g, node, SKOS + "notation", ox.Literal(concept.notation))
        b.add(g, node, DCT + "isPartOf", b.iri("plan"))
        described: list[TextUnit] = []
        if concept.heading_key:
            heading = units.get(concept.heading_key)
            if heading is None:
                raise RegistryError("plan_concepts.csv", concept.source_row, f"heading {concept.heading_key!r} is not in the document")
            concept_of_heading[concept.heading_key] = concept.id
            described.append(heading)
            b.add(g, node, b.pk("heading"), b.iri(unit_path(heading.key)))
            b.add(g, node, b.pk("text"), zh(heading.text))
            paragraphs = _paragraphs_under(document, concept.heading_key)
            if concept.cls == "Vision":
                paragraphs = [units["para-4"]]
                described += [u for u in document.units if u.parent == concept.heading_key]
        elif concept.cls == "MandateFunction":
            paragraphs = [units["para-3"]]
        else:
            paragraphs = []
        described += paragraphs
        if paragraphs:
            b.add(g, node, b.pk("startParagraph"), b.iri(unit_path(paragraphs[0].key)))
            b.add(g, node, b.pk("endParagraph"), b.iri(unit_path(paragraphs[-1].key)))
        for unit in described:
            b.add(g, node, b.pk("describedIn"), b.iri(unit_path(unit.key)))
            b.add(g, node, PROV + "wasDerivedFrom", b.iri(unit_path(unit.key)))
    return concept_of_heading


def _key_interventions(
    b: GraphBuilder, document: Document, registry: Registry, concept_of_heading: dict[str, str]
) -> dict[str, str]:
    """Bullet items of the areas' "主要干预措施包括" paragraphs; returns item key -> area id."""
    g = GRAPH_PLAN
    titles = {t.key: t for t in registry.intervention_titles}
    units = document.by_key()
    areas = {c.heading_key: c.id for c in registry.plan_concepts if c.cls == "ImpactArea" and c.heading_key}
    found: dict[str, str] = {}
    for unit in document.units:
        if unit.kind != "item" or unit.parent is None:
            continue
        paragraph = units[unit.parent]
        if not paragraph.text.startswith(KEY_INTERVENTIONS_LEAD):
            continue
        area = next((areas[h] for h in paragraph.heading_path if h in areas), None)
        if area is None:
            continue
        found[unit.key] = area
        node = b.iri("intervention/" + unit.key[len("para-") :].replace("-item-", "-"))
        b.add(g, node, RDF + "type", b.pk("KeyIntervention"))
        b.add(g, node, b.pk("impactArea"), b.iri(area))
        b.add(g, node, b.pk("sourceItem"), b.iri(unit_path(unit.key)))
        b.add(g, node, b.pk("sourceParagraph"), b.iri(unit_path(paragraph.key)))
        b.add(g, node, PROV + "wasDerivedFrom", b.iri(unit_path(unit.key)))
        b.add(g, node, b.pk("text"), zh(unit.text))
        b.add(g, node, SKOS + "prefLabel", zh(short_zh_label(unit.text)))
        b.add(g, node, RDFS + "label", zh(short_zh_label(unit.text)))
        b.add(g, node, SKOS + "notation", ox.Literal(f"{paragraph.number}.{unit.position}"))
        b.add(g, node, DCT + "isPartOf", b.iri("plan"))
        title = titles.get(unit.key)
        if title is not None:
            b.add(g, node, SKOS + "prefLabel", en(title.en_title))
            b.add(g, node, RDFS + "label", en(title.en_title))
    unknown = sorted(set(titles) - set(found))
    if unknown:
        row = titles[unknown[0]].source_row
        raise RegistryError("interventions.csv", row, f"{unknown[0]!r} is not a key intervention item in the document")
    return found


def intervention_path(item_key: str) -> str:
    return "intervention/" + item_key[len("para-") :].replace("-item-", "-")


# ------------------------------------------------------------------ registry


def _labels(b: GraphBuilder, node: ox.NamedNode, en_label: str, zh_label: str, forms: Iterable[str]) -> None:
    g = GRAPH_REGISTRY
    b.add(g, node, SKOS + "prefLabel", en(en_label))
    b.add(g, node, SKOS + "prefLabel", zh(zh_label))
    b.add(g, node, RDFS + "label", en(en_label))
    b.add(g, node, RDFS + "label", zh(zh_label))
    for form in forms:
        if form != zh_label:
            b.add(g, node, SKOS + "altLabel", zh(form))


def _registry(b: GraphBuilder, registry: Registry) -> None:
    g = GRAPH_REGISTRY
    for org in registry.organizations:
        node = b.iri("org/" + org.id)
        b.add(g, node, RDF + "type", b.pk(ORG_CLASS[org.kind]))
        _labels(b, node, org.en_name, org.zh_name, org.zh_forms)
        if org.acronym:
            b.add(g, node, SKOS + "notation", ox.Literal(org.acronym))
        if org.wikidata:
            b.add(g, node, SKOS + "exactMatch", ox.NamedNode(WD + org.wikidata))
        if org.parent:
            # an office is held in an organization; a unit is part of one
            link = "postIn" if org.kind == "office-holder" else "subOrganizationOf"
            b.add(g, node, ORG + link, b.iri("org/" + org.parent))
    for inst in registry.instruments:
        node = b.iri("instrument/" + inst.id)
        b.add(g, node, RDF + "type", b.pk(INSTRUMENT_CLASS[inst.kind]))
        _labels(b, node, inst.en_title, inst.zh_title, inst.zh_forms)
        b.add(g, node, DCT + "title", en(inst.en_title))
        if inst.symbol:
            b.add(g, node, b.pk("symbol"), ox.Literal(inst.symbol))
            b.add(g, node, SKOS + "notation", ox.Literal(inst.symbol))
        if inst.year:
            b.add(g, node, b.pk("yearAdopted"), typed(inst.year, "gYear"))
        if inst.year_as_printed and inst.year_as_printed != inst.year:
            b.add(g, node, b.pk("yearAsPrinted"), typed(inst.year_as_printed, "gYear"))
        if inst.note_en:
            b.add(g, node, b.pk("officialRecordNote"), en(inst.note_en))
        if inst.wikidata:
            b.add(g, node, SKOS + "exactMatch", ox.NamedNode(WD + inst.wikidata))
        if inst.part_of:
            b.add(g, node, b.pk("partOfFamily"), b.iri("instrument/" + inst.part_of))
        for concept in inst.underpins:
            b.add(g, node, b.pk("underpins"), b.iri(concept))
    codes = {s.code for s in registry.sdg}
    for sdg in registry.sdg:
        node = b.iri("sdg/" + sdg.code)
        b.add(g, node, RDF + "type", b.pk(SDG_CLASS[sdg.level]))
        _labels(b, node, sdg.en_title, sdg.zh_title, sdg.zh_forms)
        b.add(g, node, SKOS + "notation", ox.Literal(sdg.code))
        b.add(g, node, SKOS + "exactMatch", ox.NamedNode(sdg.un_iri))
        parent = sdg.code.rsplit(".", 1)[0] if "." in sdg.code else None
        if parent and parent in codes:
            b.add(g, node, SKOS + "broader", b.iri("sdg/" + parent))
        if sdg.wikidata:
            b.add(g, node, SKOS + "exactMatch", ox.NamedNode(WD + sdg.wikidata))
    for theme in registry.themes:
        node = b.iri("theme/" + theme.id)
        b.add(g, node, RDF + "type", b.pk("Theme"))
        _labels(b, node, theme.en_label, theme.zh_label, theme.zh_forms)
        b.add(g, node, SKOS + "definition", en(theme.en_definition))
        b.add(g, node, SKOS + "definition", zh(theme.zh_definition))
    scheme = b.iri("role")
    b.add(g, scheme, RDF + "type", ox.NamedNode(SKOS + "ConceptScheme"))
    b.add(g, scheme, RDFS + "label", en("Roles of a collaboration"))
    b.add(g, scheme, RDFS + "label", zh("合作关系中的角色"))
    b.add(g, scheme, SKOS + "prefLabel", en("Roles of a collaboration"))
    b.add(g, scheme, SKOS + "prefLabel", zh("合作关系中的角色"))
    for role in registry.roles:
        node = b.iri("role/" + role.id)
        b.add(g, node, RDF + "type", b.pk("CollaborationRole"))
        _labels(b, node, role.en_label, role.zh_label, ())
        b.add(g, node, SKOS + "definition", en(role.en_definition))
        b.add(g, node, SKOS + "definition", zh(role.zh_definition))
        b.add(g, node, SKOS + "notation", ox.Literal(role.id))
        b.add(g, node, SKOS + "inScheme", scheme)
        b.add(g, node, b.pk("membershipRole"), typed("true" if role.membership else "false", "boolean"))
    qualifiers = b.iri("qualifier")
    b.add(g, qualifiers, RDF + "type", ox.NamedNode(SKOS + "ConceptScheme"))
    _labels(b, qualifiers, "Qualifiers of a figure", "数字限定语", ())
    for ident, (en_label, zh_label, definition, _) in STATISTIC_QUALIFIERS.items():
        node = b.iri("qualifier/" + ident)
        b.add(g, node, RDF + "type", b.pk("StatisticQualifier"))
        _labels(b, node, en_label, zh_label, ())
        b.add(g, node, SKOS + "definition", en(definition))
        b.add(g, node, SKOS + "notation", ox.Literal(ident))
        b.add(g, node, SKOS + "inScheme", qualifiers)
    for unit_id, (en_label, zh_label) in UNIT_LABELS.items():
        node = b.iri("unit/" + unit_id)
        b.add(g, node, RDF + "type", b.pk("UnitOfMeasure"))
        _labels(b, node, en_label, zh_label, ())


# ------------------------------------------------------------------ mentions


def entity_path(kind: str, ident: str) -> str:
    return {"organization": "org/", "instrument": "instrument/", "sdg": "sdg/", "theme": "theme/"}[kind] + ident


def _mentions(
    b: GraphBuilder,
    mentions: list[Mention],
    units: dict[str, TextUnit],
    interventions: dict[str, str],
    registry: Registry,
) -> None:
    g = GRAPH_PLAN
    organizations: dict[str, Organization] = {o.id: o for o in registry.organizations}
    membership_roles = {r.id for r in registry.roles if r.membership}
    seen_direct: set[tuple[str, str]] = set()
    collaborations: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        unit = units[m.unit_key]
        text_node = b.iri(unit_path(unit.key))
        target = b.iri(entity_path(m.kind, m.entity_id))
        node = b.iri(f"mention/{m.unit_key}/{m.offset}")
        b.add(g, node, RDF + "type", b.pk("Mention"))
        b.add(g, node, b.pk("mentionOf"), target)
        b.add(g, node, b.pk("inText"), text_node)
        b.add(g, node, b.pk("offset"), typed(m.offset, "integer"))
        b.add(g, node, b.pk("surfaceForm"), zh(m.surface))
        b.add(g, node, PROV + "wasDerivedFrom", text_node)
        unit_zh, unit_en = _unit_labels(unit)
        b.add(g, node, RDFS + "label", zh(f"“{m.surface}”({unit_zh})"))
        b.add(g, node, RDFS + "label", en(f"Mention “{m.surface}” in {unit_en}"))
        paragraph = _paragraph_of(unit, units)
        if paragraph is not None:
            b.add(g, node, b.pk("sourceParagraph"), b.iri(unit_path(paragraph.key)))
        if (m.unit_key, target.value) not in seen_direct:
            seen_direct.add((m.unit_key, target.value))
            b.add(g, text_node, b.pk(MENTION_PROPERTY[m.kind]), target)
        if m.kind == "organization" and m.unit_key in interventions and m.entity_id != UN_WOMEN_ID:
            collaborations[(m.unit_key, m.entity_id)].append(m)
    notations = {key: key[len("para-") :].replace("-item-", ".") for key, _ in collaborations}
    unit_mentions: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        unit_mentions[m.unit_key].append(m)
    roles = decide_roles(registry, units, collaborations, notations, unit_mentions)
    for (item_key, org_id), found in sorted(collaborations.items()):
        unit = units[item_key]
        paragraph = units[unit.parent] if unit.parent else unit
        step = item_key[len("para-") :].replace("-item-", "-")
        node = b.iri(f"collaboration/{step}/{org_id}")
        intervention = b.iri(intervention_path(item_key))
        org = b.iri("org/" + org_id)
        b.add(g, node, RDF + "type", b.pk("Collaboration"))
        number = step.replace("-", ".")
        named = organizations[org_id]
        b.add(g, node, RDFS + "label", en(f"{named.en_name} in key intervention {number}"))
        b.add(g, node, RDFS + "label", zh(f"{named.zh_name}（主要干预措施 {number}）"))
        b.add(g, node, b.pk("collaborator"), org)
        b.add(g, node, b.pk("intervention"), intervention)
        b.add(g, node, PROV + "wasDerivedFrom", b.iri(unit_path(item_key)))
        b.add(g, node, b.pk("sourceParagraph"), b.iri(unit_path(paragraph.key)))
        for m in found:
            b.add(g, node, b.pk("surfaceForm"), zh(m.surface))
        b.add(g, intervention, b.pk("hasCollaborator"), org)
        decision = roles[(item_key, org_id)]
        role = b.iri("role/" + decision.role)
        b.add(g, node, PROV + "hadRole", role)
        b.add(g, node, b.pk("roleEvidence"), zh(decision.evidence))
        b.add(g, node, b.pk("roleBasis"), ox.Literal(decision.basis))
        if decision.role in membership_roles:
            # UN-Women holds the role inside the collaborator: a W3C ORG membership as well
            b.add(g, node, RDF + "type", ox.NamedNode(ORG + "Membership"))
            b.add(g, node, ORG + "member", b.iri("org/" + UN_WOMEN_ID))
            b.add(g, node, ORG + "organization", org)
            b.add(g, node, ORG + "role", role)


def _paragraph_of(unit: TextUnit, units: dict[str, TextUnit]) -> TextUnit | None:
    if unit.kind == "paragraph":
        return unit
    if unit.kind in ("item", "decision") and unit.parent:
        return units[unit.parent]
    return None


# ------------------------------------------------------------------ statistics


def _statistics(b: GraphBuilder, registry: Registry, units: dict[str, TextUnit], mentions: list[Mention]) -> None:
    g = GRAPH_PLAN
    cited: dict[str, list[str]] = defaultdict(list)
    for m in mentions:
        if m.kind == "instrument" and m.unit_key.startswith("footnote-"):
            if m.entity_id not in cited[m.unit_key]:
                cited[m.unit_key].append(m.entity_id)
    for stat in registry.statistics:
        key = f"para-{stat.paragraph}"
        paragraph = units.get(key)
        if paragraph is None:
            raise RegistryError("statistics.csv", stat.source_row, f"paragraph {stat.paragraph} does not exist")
        carriers = [paragraph] + [u for u in units.values() if u.parent == key]
        # a figure may sit in a footnote whose marker the paragraph (or its items) carries
        carriers += [units[f"footnote-{r.number}"] for u in list(carriers) for r in u.footnote_refs]
        carrier = next((u for u in carriers if stat.surface in u.text), None)
        if carrier is None:
            raise RegistryError(
                "statistics.csv", stat.source_row, f"{stat.surface!r} does not occur in paragraph {stat.paragraph}"
            )
        node = b.iri("stat/" + stat.id)
        b.add(g, node, RDF + "type", b.pk("Statistic"))
        b.add(g, node, b.pk("value"), typed(stat.value, stat.datatype))
        b.add(g, node, b.pk("unit"), b.iri("unit/" + stat.unit))
        b.add(g, node, RDFS + "label", en(stat.en_label))
        b.add(g, node, SKOS + "prefLabel", en(stat.en_label))
        b.add(g, node, b.pk("text"), zh(stat.surface))
        b.add(g, node, b.pk("population"), en(stat.group_en))
        b.add(g, node, b.pk("population"), zh(stat.group_zh))
        if stat.reference_year:
            b.add(g, node, b.pk("referenceYear"), typed(stat.reference_year, "gYear"))
        b.add(g, node, b.pk("qualifier"), b.iri("qualifier/" + stat.qualifier))
        if stat.qualifier_zh:
            if stat.qualifier_zh not in carrier.text:
                raise RegistryError(
                    "statistics.csv", stat.source_row, f"qualifier_zh {stat.qualifier_zh!r} does not occur in paragraph {stat.paragraph}"
                )
            b.add(g, node, b.pk("qualifierText"), zh(stat.qualifier_zh))
        side = STATISTIC_QUALIFIERS[stat.qualifier][3]
        if side is not None:
            b.add(g, node, SCHEMA + side, typed(stat.bound or stat.value, stat.datatype))
        b.add(g, node, PROV + "wasDerivedFrom", b.iri(unit_path(carrier.key)))
        b.add(g, node, b.pk("sourceParagraph"), b.iri(unit_path(paragraph.key)))
        if stat.source_footnote:
            fkey = f"footnote-{stat.source_footnote}"
            if fkey not in units:
                raise RegistryError("statistics.csv", stat.source_row, f"footnote {stat.source_footnote} does not exist")
            b.add(g, node, DCT + "source", b.iri(unit_path(fkey)))
            for instrument in cited.get(fkey, []):
                b.add(g, node, b.pk("sourceInstrument"), b.iri("instrument/" + instrument))


# ------------------------------------------------------------------ SDG alignment

ALIGNMENT_KINDS = {
    "stated": ("stated in the text", "文本中明确", "The plan states the link, by code or in words, in the paragraph given (pk:sourceParagraph, pk:alignmentEvidence)."),
    "curated": ("curated", "人工整理", "A link the plan does not state, added by the registry's stewards with a rationale (pk:rationale) in data/registry/sdg_alignment.csv."),
}


def _sdg_alignment(b: GraphBuilder, registry: Registry, units: dict[str, TextUnit]) -> None:
    """Plan concept -> SDG concept it serves: stated links in the plan's graph, curated ones in the registry's."""
    kinds = b.iri("alignment-kind")
    b.add(GRAPH_REGISTRY, kinds, RDF + "type", ox.NamedNode(SKOS + "ConceptScheme"))
    _labels(b, kinds, "Kinds of SDG alignment", "可持续发展目标对应关系类别", ())
    for ident, (en_label, zh_label, definition) in ALIGNMENT_KINDS.items():
        node = b.iri("alignment-kind/" + ident)
        b.add(GRAPH_REGISTRY, node, RDF + "type", b.pk("AlignmentKind"))
        _labels(b, node, en_label, zh_label, ())
        b.add(GRAPH_REGISTRY, node, SKOS + "definition", en(definition))
        b.add(GRAPH_REGISTRY, node, SKOS + "notation", ox.Literal(ident))
        b.add(GRAPH_REGISTRY, node, SKOS + "inScheme", kinds)
    for link in registry.sdg_alignment:
        g = GRAPH_PLAN if link.kind == "stated" else GRAPH_REGISTRY
        node = b.iri(f"sdg-alignment/{link.concept.replace('/', '-')}/{link.sdg}")
        concept, sdg = b.iri(link.concept), b.iri("sdg/" + link.sdg)
        b.add(g, node, RDF + "type", b.pk("SDGAlignment"))
        b.add(g, node, b.pk("alignedConcept"), concept)
        b.add(g, node, b.pk("alignedSDG"), sdg)
        b.add(g, node, b.pk("alignmentKind"), b.iri("alignment-kind/" + link.kind))
        b.add(g, node, RDFS + "label", en(f"{link.concept} serves SDG {link.sdg} ({link.kind})"))
        b.add(g, concept, b.pk("servesSDG"), sdg)
        # the kind on the concept itself too, so that its own page and Turtle view tell stated from curated
        b.add(g, concept, b.pk("servesSDGStated" if link.kind == "stated" else "servesSDGCurated"), sdg)
        if link.kind == "stated":
            key = f"para-{link.paragraph}"
            carriers = [units[key]] + [u for u in units.values() if u.parent == key]
            carrier = next((u for u in carriers if link.evidence and link.evidence in u.text), None)
            if carrier is None:
                raise RegistryError("sdg_alignment.csv", link.source_row, f"evidence {link.evidence!r} is not in paragraph {link.paragraph}")
            b.add(g, node, b.pk("sourceParagraph"), b.iri(unit_path(key)))
            b.add(g, node, PROV + "wasDerivedFrom", b.iri(unit_path(carrier.key)))
            b.add(g, node, b.pk("alignmentEvidence"), zh(link.evidence or ""))
        else:
            b.add(g, node, b.pk("rationale"), en(link.rationale or ""))


__all__ = ["build_quads", "unit_path", "intervention_path", "instrument_slug", "BuildError"]
