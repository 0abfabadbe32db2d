"""Deterministic scale-up of the real plan graph for the benchmarks.

The real graph (``plankg.build.assemble``) is ~11k quads. To see how the
service behaves at 100k and 1M triples the generator adds *country-level*
material in the plan's own shape: paragraphs with bullet items under the
impact areas' headings, one key intervention per item (Chinese text, English
and Chinese labels), collaborations with provenance to those items, the
mentions a linker would have found, statistics with typed values, and more
organizations (zh/en labels, acronyms) in the registry graph. Every IRI
follows the patterns of ARCHITECTURE.md and every class and property is one
the real graph already uses, so the named queries keep their meaning and just
return more rows (e.g. ``partners-by-area`` lists many more partners).

Real agencies (UNDP, UNFPA, …) are reused as partners next to generated ones,
so queries about a real agency also grow with the scale.

Same seed and scale give byte-identical sorted N-Quads: one seeded
``random.Random``, lists iterated in a fixed order, output sorted.

    python -m bench.generate --scale 100k --seed 7   # -> bench/work/plankg-100k-s7.nq
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from plankg.namespaces import (
    DCT,
    GRAPH_PLAN,
    GRAPH_REGISTRY,
    IMPACT_AREAS,
    PROV,
    RDF,
    RDFS,
    SKOS,
    XSD,
    Namespaces,
)
from plankg.settings import Settings
from plankg.store.rdfio import sorted_nquads

WORK_DIR = Path(__file__).resolve().parent / "work"
DEFAULT_SEED = 7
FIRST_PARAGRAPH = 1001  # generated paragraphs never collide with the plan's 1–119


# (ISO 3166 alpha-3, English name, Chinese name as UN documents write it)
COUNTRIES = [
    ("AFG", "Afghanistan", "阿富汗"), ("ARG", "Argentina", "阿根廷"), ("BGD", "Bangladesh", "孟加拉国"),
    ("BOL", "Bolivia", "玻利维亚"), ("BRA", "Brazil", "巴西"), ("BFA", "Burkina Faso", "布基纳法索"),
    ("KHM", "Cambodia", "柬埔寨"), ("CMR", "Cameroon", "喀麦隆"), ("CAF", "Central African Republic", "中非共和国"),
    ("TCD", "Chad", "乍得"), ("CHL", "Chile", "智利"), ("CHN", "China", "中国"), ("COL", "Colombia", "哥伦比亚"),
    ("COD", "Democratic Republic of the Congo", "刚果民主共和国"), ("CIV", "Côte d'Ivoire", "科特迪瓦"),
    ("ECU", "Ecuador", "厄瓜多尔"), ("EGY", "Egypt", "埃及"), ("SLV", "El Salvador", "萨尔瓦多"),
    ("ETH", "Ethiopia", "埃塞俄比亚"), ("FJI", "Fiji", "斐济"), ("GHA", "Ghana", "加纳"),
    ("GTM", "Guatemala", "危地马拉"), ("HTI", "Haiti", "海地"), ("HND", "Honduras", "洪都拉斯"),
    ("IND", "India", "印度"), ("IDN", "Indonesia", "印度尼西亚"), ("IRQ", "Iraq", "伊拉克"),
    ("JOR", "Jordan", "约旦"), ("KEN", "Kenya", "肯尼亚"), ("KGZ", "Kyrgyzstan", "吉尔吉斯斯坦"),
    ("LBN", "Lebanon", "黎巴嫩"), ("LBR", "Liberia", "利比里亚"), ("LBY", "Libya", "利比亚"),
    ("MWI", "Malawi", "马拉维"), ("MLI", "Mali", "马里"), ("MEX", "Mexico", "墨西哥"),
    ("MDA", "Republic of Moldova", "摩尔多瓦共和国"), ("MAR", "Morocco", "摩洛哥"), ("MOZ", "Mozambique", "莫桑比克"),
    ("MMR", "Myanmar", "缅甸"), ("NPL", "Nepal", "尼泊尔"), ("NER", "Niger", "尼日尔"), ("NGA", "Nigeria", "尼日利亚"),
    ("PAK", "Pakistan", "巴基斯坦"), ("PSE", "State of Palestine", "巴勒斯坦国"), ("PNG", "Papua New Guinea", "巴布亚新几内亚"),
    ("PHL", "Philippines", "菲律宾"), ("RWA", "Rwanda", "卢旺达"), ("SEN", "Senegal", "塞内加尔"),
    ("SLE", "Sierra Leone", "塞拉利昂"), ("SOM", "Somalia", "索马里"), ("ZAF", "South Africa", "南非"),
    ("SSD", "South Sudan", "南苏丹"), ("LKA", "Sri Lanka", "斯里兰卡"), ("SDN", "Sudan", "苏丹"),
    ("SYR", "Syrian Arab Republic", "阿拉伯叙利亚共和国"), ("TJK", "Tajikistan", "塔吉克斯坦"),
    ("TZA", "United Republic of Tanzania", "坦桑尼亚联合共和国"), ("TUN", "Tunisia", "突尼斯"), ("TUR", "Türkiye", "土耳其"),
    ("UGA", "Uganda", "乌干达"), ("UKR", "Ukraine", "乌克兰"), ("VNM", "Viet Nam", "越南"), ("YEM", "Yemen", "也门"),
    ("ZMB", "Zambia", "赞比亚"), ("ZWE", "Zimbabwe", "津巴布韦"),
]

# generated partner kinds: (ontology class, acronym stem, English name, Chinese name)
ORG_KINDS = [
    ("NonUNActor", "WLA", "Women Lawyers Association", "妇女律师协会"),
    ("NonUNActor", "RWC", "Rural Women's Cooperative Federation", "农村妇女合作社联合会"),
    ("NonUNActor", "WEC", "Women Entrepreneurs Chamber", "女企业家商会"),
    ("NonUNActor", "GBV", "Gender-Based Violence Survivors Alliance", "性别暴力幸存者联盟"),
    ("NonUNActor", "NSO", "National Statistics Office", "国家统计局"),
    ("NonUNActor", "MWA", "Ministry of Women's Affairs", "妇女事务部"),
    ("Network", "WPN", "Women Peacebuilders Network", "妇女建设和平者网络"),
    ("Network", "YFN", "Young Feminists Network", "青年女权主义者网络"),
    ("Network", "WPC", "Women Parliamentarians Caucus", "女议员核心小组"),
    ("Initiative", "DGI", "Digital Gender Inclusion Initiative", "数字性别包容倡议"),
    ("Initiative", "CRI", "Climate Resilience for Women Initiative", "妇女气候复原力倡议"),
    ("Fund", "WEF", "Women's Economic Empowerment Fund", "增强妇女经济权能基金"),
]

# per impact area: (English action, Chinese action) pairs for intervention text
ACTIONS = {
    "governance": [
        ("Strengthen gender-responsive budgeting", "加强促进性别平等的预算编制"),
        ("Support women's participation in local elections", "支持妇女参与地方选举"),
        ("Reform discriminatory laws", "改革歧视性法律"),
        ("Build capacity of gender equality mechanisms", "加强性别平等机制的能力"),
        ("Improve sex-disaggregated data", "改进按性别分列的数据"),
    ],
    "wee": [
        ("Expand women's access to decent work", "扩大妇女获得体面工作的机会"),
        ("Recognize and redistribute unpaid care work", "承认并重新分配无偿照护工作"),
        ("Support women-owned enterprises in public procurement", "支持妇女拥有的企业参与公共采购"),
        ("Increase rural women's access to land and finance", "增加农村妇女获得土地和资金的机会"),
        ("Extend social protection to informal workers", "将社会保护扩大到非正规劳动者"),
    ],
    "evaw": [
        ("Scale up evidence-based prevention programmes", "扩大循证预防方案"),
        ("Improve essential services for survivors", "改善为幸存者提供的基本服务"),
        ("Address online and technology-facilitated violence", "应对网上和技术助长的暴力"),
        ("Make cities safe for women and girls", "为妇女和女童建设安全城市"),
        ("Strengthen laws against femicide", "加强打击杀害妇女行为的法律"),
    ],
    "wps": [
        ("Support women mediators in peace processes", "支持和平进程中的妇女调解人"),
        ("Integrate gender in humanitarian response", "将性别观点纳入人道主义应对"),
        ("Finance women-led organizations in crises", "为危机中妇女领导的组织提供资金"),
        ("Protect women human rights defenders", "保护妇女人权维护者"),
        ("Implement national action plans on resolution 1325", "执行关于第 1325 号决议的国家行动计划"),
    ],
}

# statistic templates: (unit key, value kind, English population, Chinese population, English label stem, Chinese text stem)
STATISTICS = [
    ("percent", "decimal", "women", "妇女", "Share of women in local councils", "地方议会中妇女所占比例"),
    ("percent", "decimal", "women and girls", "妇女和女童", "Prevalence of intimate partner violence", "亲密伴侣暴力发生率"),
    ("persons", "integer", "rural women", "农村妇女", "Rural women reached by the programme", "方案惠及的农村妇女人数"),
    ("count", "integer", "survivors", "幸存者", "Survivors referred to essential services", "转介至基本服务的幸存者人数"),
    ("years", "integer", "women", "妇女", "Years since the national action plan was adopted", "国家行动计划通过以来的年数"),
    ("percent", "decimal", "women entrepreneurs", "女企业家", "Share of public contracts awarded to women-owned firms", "授予妇女拥有企业的公共合同比例"),
]


@dataclass
class Base:
    """What the generator reuses from the real graph."""

    quads: list[ox.Quad]
    areas: list[tuple[str, str, str]]  # (slug, heading IRI, section IRI)
    partners: list[tuple[str, str]]  # (org IRI, Chinese surface form) of real UN entities
    themes: list[tuple[str, str]]  # (theme IRI, Chinese surface form)
    units: set[str]  # unit IRIs the real graph defines
    next_order: int


def parse_scale(text: str) -> int | None:
    """'plan' -> None (the real graph as it is); '100k' -> 100000; '1m' -> 1000000; '25000' -> 25000."""
    text = text.strip().lower()
    if text == "plan":
        return None
    found = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text)
    if not found:
        raise ValueError(f"scale {text!r}: expected 'plan', a number, or a number with k/m (100k, 1m)")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[found.group(2)]
    return int(float(found.group(1)) * factor)


def read_base(settings: Settings, quads: list[ox.Quad] | None = None) -> Base:
    from plankg.build import assemble

    ns = Namespaces.of(settings)
    if quads is None:
        quads = assemble(settings).quads
    pk = ns.pk
    by_pred: dict[str, list[ox.Quad]] = {}
    for q in quads:
        by_pred.setdefault(q.predicate.value, []).append(q)
    types = {(q.subject.value, q.object.value) for q in by_pred.get(RDF + "type", [])}

    def values(subject: str, predicate: str) -> list[ox.Term]:
        return sorted((q.object for q in by_pred.get(predicate, []) if q.subject.value == subject), key=str)

    section_of = {q.subject.value: q.object.value for q in by_pred.get(pk + "inSection", [])}
    under = {}
    for q in by_pred.get(pk + "underHeading", []):
        under.setdefault(q.object.value, q.subject.value)
    areas = []
    for slug in IMPACT_AREAS:
        area = ns.entity("area/" + slug)
        headings = values(area, pk + "heading")
        if not headings:
            raise ValueError(f"the real graph has no pk:heading for {area}")
        heading = headings[0].value
        section = section_of.get(under.get(heading, ""), ns.entity("section/5"))
        areas.append((slug, heading, section))

    def zh_forms(iri: str) -> list[str]:
        return [t.value for t in values(iri, SKOS + "altLabel") if isinstance(t, ox.Literal) and t.language == "zh"]

    un_women = ns.entity("org/UN-Women")
    partners = []
    for subject, cls in sorted(types):
        if cls == pk + "UNEntity" and subject != un_women:
            forms = zh_forms(subject)
            if forms:
                partners.append((subject, forms[0]))
    themes = []
    for subject, cls in sorted(types):
        if cls == pk + "Theme":
            forms = zh_forms(subject)
            if forms:
                themes.append((subject, forms[0]))
    units = {s for s, c in types if c == pk + "UnitOfMeasure"}
    orders = [int(q.object.value) for q in by_pred.get(pk + "order", [])]
    if not partners:
        raise ValueError("the real graph has no UN entities with Chinese surface forms to reuse as partners")
    return Base(quads, areas, partners, themes, units, max(orders, default=0) + 1)


class Extender:
    """Adds country-level material to the real graph until it reaches a size."""

    def __init__(self, settings: Settings, base: Base, seed: int) -> None:
        self.ns = Namespaces.of(settings)
        self.base = base
        self.rng = random.Random(seed)
        self.plan_g = ox.NamedNode(self.ns.graph(GRAPH_PLAN))
        self.registry_g = ox.NamedNode(self.ns.graph(GRAPH_REGISTRY))
        self.out: list[ox.Quad] = []
        self.paragraph = FIRST_PARAGRAPH
        self.order = base.next_order
        self.stat_per_paragraph: dict[int, int] = {}
        self.orgs_by_country: dict[str, list[tuple[str, str]]] = {}
        self.org_count = 0

    # ---------------------------------------------------------------- terms
    def iri(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.ns.entity(path))

    def pk(self, local: str) -> ox.NamedNode:
        return ox.NamedNode(self.ns.pk + local)

    def add(self, graph: ox.NamedNode, s: ox.NamedNode, p: ox.NamedNode | str, o: ox.Term) -> None:
        self.out.append(ox.Quad(s, p if isinstance(p, ox.NamedNode) else ox.NamedNode(p), o, graph))

    @staticmethod
    def zh(text: str) -> ox.Literal:
        return ox.Literal(text, language="zh")

    @staticmethod
    def en(text: str) -> ox.Literal:
        return ox.Literal(text, language="en")

    @staticmethod
    def typed(value: object, datatype: str) -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))

    # ---------------------------------------------------------------- organizations
    def new_org(self, country: tuple[str, str, str]) -> tuple[str, str]:
        code, country_en, country_zh = country
        cls, stem, kind_en, kind_zh = ORG_KINDS[self.rng.randrange(len(ORG_KINDS))]
        existing = self.orgs_by_country.setdefault(code, [])
        serial = 1 + sum(1 for iri, _ in existing if f"/{code}-{stem}" in iri)
        acronym = f"{code}-{stem}" + (f"-{serial}" if serial > 1 else "")
        name_en = f"{kind_en} of {country_en}" + (f", chapter {serial}" if serial > 1 else "")
        name_zh = f"{country_zh}{kind_zh}" + (f"第{serial}分会" if serial > 1 else "")
        short_zh = f"{country_zh}{kind_zh[-4:] if len(kind_zh) > 4 else kind_zh}" + (f"第{serial}分会" if serial > 1 else "")
        node = self.iri("org/" + acronym)
        g = self.registry_g
        self.add(g, node, RDF + "type", self.pk(cls))
        for p in (RDFS + "label", SKOS + "prefLabel"):
            self.add(g, node, p, self.en(name_en))
            self.add(g, node, p, self.zh(name_zh))
        self.add(g, node, SKOS + "altLabel", self.zh(name_zh))
        if short_zh != name_zh:
            self.add(g, node, SKOS + "altLabel", self.zh(short_zh))
        self.add(g, node, SKOS + "notation", ox.Literal(acronym))
        existing.append((node.value, short_zh))
        self.org_count += 1
        return node.value, short_zh

    def partners_for(self, country: tuple[str, str, str], wanted_orgs: int) -> list[tuple[str, str]]:
        """One to three partners: real UN agencies and organizations of the country."""
        local = self.orgs_by_country.get(country[0], [])
        if not local or (self.org_count < wanted_orgs and (len(local) < 2 or self.rng.random() < 0.3)):
            self.new_org(country)
            local = self.orgs_by_country[country[0]]
        picks: list[tuple[str, str]] = []
        for _ in range(self.rng.choice((1, 2, 2, 3))):
            pool = self.base.partners if self.rng.random() < 0.5 else local
            choice = pool[self.rng.randrange(len(pool))]
            if choice not in picks:
                picks.append(choice)
        return picks

    # ---------------------------------------------------------------- the document
    def paragraph_block(self, country: tuple[str, str, str], area: tuple[str, str, str], wanted_orgs: int) -> None:
        code, country_en, country_zh = country
        slug, heading, section = area
        number = self.paragraph
        self.paragraph += 1
        g = self.plan_g
        para = self.iri(f"para/{number}")
        heading_n = ox.NamedNode(heading)
        section_n = ox.NamedNode(section)
        self.add(g, para, RDF + "type", self.pk("Paragraph"))
        self.add(g, para, self.pk("inSection"), section_n)
        self.add(g, para, self.pk("underHeading"), heading_n)
        self.add(g, para, DCT + "isPartOf", heading_n)
        self.add(g, para, self.pk("paragraphNumber"), self.typed(number, "integer"))
        self.add(g, para, self.pk("order"), self.typed(self.order, "integer"))
        self.order += 1
        self.add(g, para, self.pk("text"), self.zh(f"在{country_zh}，主要干预措施包括："))
        self.add(g, para, RDFS + "label", self.en(f"Paragraph {number}"))
        self.add(g, para, RDFS + "label", self.zh(f"第 {number} 段"))
        if self.rng.random() < 0.6:
            self.statistic(number, para, country)
        actions = ACTIONS[slug]
        for position in range(1, self.rng.choice((3, 4, 4, 5)) + 1):
            action_en, action_zh = actions[self.rng.randrange(len(actions))]
            partners = self.partners_for(country, wanted_orgs)
            theme = self.base.themes[self.rng.randrange(len(self.base.themes))] if self.base.themes and self.rng.random() < 0.3 else None
            self.item(number, para, position, country, slug, heading_n, section_n, action_en, action_zh, partners, theme)

    def item(self, number, para, position, country, slug, heading_n, section_n, action_en, action_zh, partners, theme) -> None:
        code, country_en, country_zh = country
        g = self.plan_g
        node = self.iri(f"para/{number}/item/{position}")
        together = "、".join(form for _, form in partners)
        text = f"{action_zh}，包括在{country_zh}与{together}合作"
        if theme is not None:
            text += f"，并关注{theme[1]}"
        text += "；"
        self.add(g, node, RDF + "type", self.pk("BulletItem"))
        self.add(g, node, self.pk("inSection"), section_n)
        self.add(g, node, self.pk("underHeading"), heading_n)
        self.add(g, node, DCT + "isPartOf", para)
        self.add(g, node, self.pk("position"), self.typed(position, "integer"))
        self.add(g, node, self.pk("order"), self.typed(self.order, "integer"))
        self.order += 1
        self.add(g, node, self.pk("text"), self.zh(text))
        self.add(g, node, RDFS + "label", self.en(f"Paragraph {number}, item {position}"))
        self.add(g, node, RDFS + "label", self.zh(f"第 {number} 段第 {position} 项"))

        ki = self.iri(f"intervention/{number}-{position}")
        label_en = f"{action_en} in {country_en}"
        label_zh = f"{country_zh}：{action_zh}"
        self.add(g, ki, RDF + "type", self.pk("KeyIntervention"))
        self.add(g, ki, self.pk("impactArea"), self.iri("area/" + slug))
        self.add(g, ki, self.pk("sourceItem"), node)
        self.add(g, ki, self.pk("sourceParagraph"), para)
        self.add(g, ki, self.pk("text"), self.zh(text))
        self.add(g, ki, DCT + "isPartOf", self.iri("plan"))
        for p in (RDFS + "label", SKOS + "prefLabel"):
            self.add(g, ki, p, self.en(label_en))
            self.add(g, ki, p, self.zh(label_zh))
        self.add(g, ki, SKOS + "notation", ox.Literal(f"{number}.{position}"))
        self.add(g, ki, PROV + "wasDerivedFrom", node)

        unit_key = f"para-{number}-item-{position}"
        for org_iri, form in partners:
            org = ox.NamedNode(org_iri)
            acronym = org_iri.rsplit("/", 1)[-1]
            collab = self.iri(f"collaboration/{number}-{position}/{acronym}")
            self.add(g, node, self.pk("namesOrganization"), org)
            self.add(g, ki, self.pk("hasCollaborator"), org)
            self.add(g, collab, RDF + "type", self.pk("Collaboration"))
            self.add(g, collab, self.pk("collaborator"), org)
            self.add(g, collab, self.pk("intervention"), ki)
            self.add(g, collab, self.pk("sourceParagraph"), para)
            self.add(g, collab, self.pk("surfaceForm"), self.zh(form))
            self.add(g, collab, PROV + "wasDerivedFrom", node)
            self.mention(unit_key, node, para, org, form, text)
        if theme is not None:
            self.add(g, node, self.pk("touchesTheme"), ox.NamedNode(theme[0]))
            self.mention(unit_key, node, para, ox.NamedNode(theme[0]), theme[1], text)

    def mention(self, unit_key: str, unit: ox.NamedNode, para: ox.NamedNode, target: ox.NamedNode, form: str, text: str) -> None:
        offset = text.find(form)
        g = self.plan_g
        node = self.iri(f"mention/{unit_key}/{offset}")
        self.add(g, node, RDF + "type", self.pk("Mention"))
        self.add(g, node, self.pk("mentionOf"), target)
        self.add(g, node, self.pk("inText"), unit)
        self.add(g, node, self.pk("offset"), self.typed(offset, "integer"))
        self.add(g, node, self.pk("sourceParagraph"), para)
        self.add(g, node, self.pk("surfaceForm"), self.zh(form))
        self.add(g, node, PROV + "wasDerivedFrom", unit)

    def statistic(self, number: int, para: ox.NamedNode, country: tuple[str, str, str]) -> None:
        code, country_en, country_zh = country
        unit_key, kind, pop_en, pop_zh, label_en, text_zh = STATISTICS[self.rng.randrange(len(STATISTICS))]
        unit = self.ns.entity("unit/" + unit_key)
        if unit not in self.base.units:
            return  # only units the real graph defines
        serial = self.stat_per_paragraph.get(number, 0) + 1
        self.stat_per_paragraph[number] = serial
        year = self.rng.randrange(2015, 2022)
        if kind == "decimal":
            value = self.typed(f"{self.rng.randrange(10, 900) / 10:.1f}", "decimal")
            shown = f"{value.value}%"
        else:
            value = self.typed(self.rng.randrange(3, 250_000) if unit_key != "years" else 2022 - year, "integer")
            shown = value.value
        g = self.plan_g
        node = self.iri(f"stat/p{number}-{serial}")
        self.add(g, node, RDF + "type", self.pk("Statistic"))
        self.add(g, node, self.pk("value"), value)
        self.add(g, node, self.pk("unit"), ox.NamedNode(unit))
        self.add(g, node, self.pk("population"), self.en(f"{pop_en} in {country_en}"))
        self.add(g, node, self.pk("population"), self.zh(f"{country_zh}{pop_zh}"))
        self.add(g, node, self.pk("referenceYear"), self.typed(year, "gYear"))
        self.add(g, node, self.pk("text"), self.zh(f"{year}年{country_zh}{text_zh}为{shown}"))
        self.add(g, node, self.pk("sourceParagraph"), para)
        self.add(g, node, RDFS + "label", self.en(f"{label_en} in {country_en} ({year})"))
        self.add(g, node, SKOS + "prefLabel", self.en(f"{label_en} in {country_en} ({year})"))
        self.add(g, node, PROV + "wasDerivedFrom", para)

    # ---------------------------------------------------------------- driver
    def extend_to(self, extra: int) -> list[ox.Quad]:
        """Add blocks until about ``extra`` quads are added; returns only the added quads."""
        wanted_orgs = max(20, extra // 400)
        countries = COUNTRIES
        areas = self.base.areas
        i = 0
        while len(self.out) < extra:
            # walk countries × areas in a shuffled but seeded order, round after round
            if i % (len(countries) * len(areas)) == 0:
                combos = [(c, a) for c in countries for a in areas]
                self.rng.shuffle(combos)
            country, area = combos[i % len(combos)]
            self.paragraph_block(country, area, wanted_orgs)
            i += 1
        return self.out


def canonical_blank_nodes(quads: list[ox.Quad]) -> list[ox.Quad]:
    """Give blank nodes labels that depend only on where they sit in the graph.

    The ontology's OWL lists and restrictions parse to blank nodes with fresh
    random labels on every run, which would break byte-identical output. A
    blank node's label here hashes what it says (its outgoing triples, nested
    blank nodes first) and where it hangs (its first parent's label and the
    predicate), so equal inputs give equal labels and no two nodes merge.
    """
    import hashlib

    out_edges: dict[str, list[ox.Quad]] = {}
    in_edges: dict[str, list[ox.Quad]] = {}
    for q in quads:
        if isinstance(q.subject, ox.BlankNode):
            out_edges.setdefault(q.subject.value, []).append(q)
        if isinstance(q.object, ox.BlankNode):
            in_edges.setdefault(q.object.value, []).append(q)
    if not out_edges and not in_edges:
        return quads
    content: dict[str, str] = {}
    labels: dict[str, str] = {}

    def digest(*parts: str) -> str:
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

    def content_of(node: str, depth: int = 0) -> str:
        if node not in content:
            if depth > 1000:
                raise ValueError("blank nodes form a cycle; cannot label them canonically")
            parts = sorted(
                f"{q.predicate} {content_of(q.object.value, depth + 1) if isinstance(q.object, ox.BlankNode) else q.object} {q.graph_name}"
                for q in out_edges.get(node, [])
            )
            content[node] = digest(*parts)
        return content[node]

    def label_of(node: str, depth: int = 0) -> str:
        if node not in labels:
            if depth > 1000:
                raise ValueError("blank nodes form a cycle; cannot label them canonically")
            parents = sorted(
                f"{label_of(q.subject.value, depth + 1) if isinstance(q.subject, ox.BlankNode) else q.subject} {q.predicate}"
                for q in in_edges.get(node, [])
            )
            labels[node] = "b" + digest(content_of(node), *parents)
        return labels[node]

    def term(t):
        return ox.BlankNode(label_of(t.value)) if isinstance(t, ox.BlankNode) else t

    return [ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name) for q in quads]


def generate(settings: Settings, target: int | None, seed: int = DEFAULT_SEED, base: Base | None = None) -> list[ox.Quad]:
    """The real graph grown to about ``target`` quads (None: the real graph), sorted, no duplicates."""
    base = base or read_base(settings)
    quads = canonical_blank_nodes(list(base.quads))
    if target is not None and target > len(quads):
        quads += Extender(settings, base, seed).extend_to(target - len(quads))
    return sorted(set(quads), key=str)


def extension(settings: Settings, size: int, seed: int = DEFAULT_SEED, base: Base | None = None) -> list[ox.Quad]:
    """Only generated quads (about ``size``): what an upload of new material looks like."""
    base = base or read_base(settings)
    return sorted(set(Extender(settings, base, seed).extend_to(size)), key=str)


def output_path(scale: str, seed: int, work_dir: Path = WORK_DIR) -> Path:
    return work_dir / f"plankg-{scale.lower()}-s{seed}.nq"


def write(settings: Settings, scale: str, seed: int = DEFAULT_SEED, work_dir: Path = WORK_DIR, base: Base | None = None, force: bool = False) -> Path:
    """Write the sorted N-Quads of a scale (kept when the file is already there, unless ``force``)."""
    path = output_path(scale, seed, work_dir)
    if path.exists() and not force:
        return path
    work_dir.mkdir(parents=True, exist_ok=True)
    data = sorted_nquads(generate(settings, parse_scale(scale), seed, base=base))
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="100k", help="plan, 100k, 1m, or a number of quads")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, help="output file (default bench/work/plankg-<scale>-s<seed>.nq)")
    args = parser.parse_args(argv)
    settings = Settings()
    quads = generate(settings, parse_scale(args.scale), args.seed)
    path = args.out or output_path(args.scale, args.seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(sorted_nquads(quads))
    print(f"{len(quads)} quads -> {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
