"""What the HTML pages show, read from the store with bound SPARQL.

Every function returns plain dicts and lists (labels as ``{"zh": …, "en": …}``)
so templates never see RDF terms; values such as an area or agency id reach
the queries only as bound IRIs, never spliced into the query text.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from plankg.namespaces import Namespaces
from plankg.store import Store

AREA_IDS = ("governance", "wee", "evaw", "wps")
# ids in IRIs are registry slugs or acronyms: letters, digits and a few joiners
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_MARKER = re.compile(f"[{SUPERSCRIPT}]+")
_FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPT, "0123456789")
UN_WOMEN = "UN-Women"


@dataclass(frozen=True)
class PageData:
    """The store and the IRI scheme a page reads through."""

    store: Store
    ns: Namespaces

    # ------------------------------------------------------------ plumbing
    def prefixes(self) -> str:
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.ns.prefixes().items())

    def select(self, body: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, ox.NamedNode | ox.Literal | None]]:
        return self.store.select(self.prefixes() + body, bindings or None)

    def entity(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.ns.entity(path))

    def local(self, iri: str) -> str:
        """The id path of one of our IRIs ("org/UNDP"), or "" for a foreign IRI."""
        return iri[len(self.ns.id) :] if iri.startswith(self.ns.id) else ""

    def href(self, iri: str) -> str:
        """Where a person should go for an IRI: our pages first, then entity pages."""
        path = self.local(iri)
        if not path:
            # a foreign IRI is a link only on the web: "javascript:" in the data must not become one
            return iri if iri.startswith(("http://", "https://")) else ""
        kind, _, rest = path.partition("/")
        if kind == "org":
            return f"/agency/{rest}"
        if kind == "area":
            return f"/area/{rest}"
        if kind in ("para", "footnote", "summary", "heading", "section", "front", "title"):
            return "/read#" + anchor(path)
        return "/id/" + path


def anchor(path: str) -> str:
    """HTML id of a text unit from its id path: para/49/item/3 -> para-49-item-3."""
    return path.replace("/", "-")


def valid_slug(value: str) -> bool:
    return bool(_SLUG.fullmatch(value))


def _v(term: object) -> str:
    return getattr(term, "value", "") if term is not None else ""


def _num(term: object) -> int | None:
    try:
        return int(_v(term))
    except ValueError:
        return None


def _labels(row: Mapping[str, object], en: str = "en", zh: str = "zh") -> dict[str, str]:
    return {"en": _v(row.get(en)), "zh": _v(row.get(zh))}


LABELS = """
  OPTIONAL {{ {s} skos:prefLabel ?{p}en FILTER(lang(?{p}en) = "en") }}
  OPTIONAL {{ {s} skos:prefLabel ?{p}zh FILTER(lang(?{p}zh) = "zh") }}
"""


def labels_of(var: str, prefix: str = "") -> str:
    return LABELS.format(s="?" + var, p=prefix)


# ---------------------------------------------------------------- overview


def overview(data: PageData) -> dict:
    rows = data.select(
        """
SELECT ?c ?kind ?notation ?en ?zh ?def ?start ?end WHERE {
  VALUES ?kind { pk:Vision pk:MandateFunction pk:GuidingPrinciple pk:ImpactArea pk:SystemicOutcome pk:OEEOutput }
  ?c a ?kind .
  OPTIONAL { ?c skos:notation ?notation }
  OPTIONAL { ?c skos:definition ?def FILTER(lang(?def) = "en") }
  OPTIONAL { ?c pk:startParagraph/pk:paragraphNumber ?start }
  OPTIONAL { ?c pk:endParagraph/pk:paragraphNumber ?end }
"""
        + labels_of("c")
        + "} ORDER BY ?kind ?notation"
    )
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        kind = _v(row["kind"]).removeprefix(data.ns.pk)
        groups[kind].append(
            {
                "iri": _v(row["c"]),
                "href": data.href(_v(row["c"])),
                "notation": _v(row["notation"]),
                "label": _labels(row),
                "definition": _v(row["def"]),
                "start": _num(row["start"]),
                "end": _num(row["end"]),
            }
        )
    for items in groups.values():
        items.sort(key=lambda c: (len(c["notation"]), c["notation"]))
    vision_text = data.select(
        'SELECT ?t WHERE { id:vision pk:describedIn ?h . ?h a pk:Heading ; pk:text ?t . FILTER NOT EXISTS { id:vision pk:heading ?h } }'
    )
    counts = data.select(
        """
SELECT (COUNT(DISTINCT ?i) AS ?interventions) (COUNT(DISTINCT ?o) AS ?agencies) WHERE {
  ?i a pk:KeyIntervention . OPTIONAL { ?i pk:hasCollaborator ?o }
}"""
    )[0]
    paragraphs = data.select("SELECT (COUNT(?p) AS ?n) WHERE { ?p a pk:Paragraph }")[0]
    per_area = {
        _v(r["a"]): (_num(r["n"]), _num(r["orgs"]))
        for r in data.select(
            """
SELECT ?a (COUNT(DISTINCT ?i) AS ?n) (COUNT(DISTINCT ?o) AS ?orgs) WHERE {
  ?i pk:impactArea ?a . OPTIONAL { ?i pk:hasCollaborator ?o }
} GROUP BY ?a"""
        )
    }
    for area in groups.get("ImpactArea", []):
        area["id"] = data.local(area["iri"]).removeprefix("area/")
        area["interventions"], area["agencies"] = per_area.get(area["iri"], (0, 0))
    return {
        "vision": groups.get("Vision", [None])[0],
        "vision_text": _v(vision_text[0]["t"]) if vision_text else "",
        "mandate": groups.get("MandateFunction", []),
        "principles": groups.get("GuidingPrinciple", []),
        "areas": groups.get("ImpactArea", []),
        "outcomes": groups.get("SystemicOutcome", []),
        "oee": groups.get("OEEOutput", []),
        "counts": {
            "interventions": _num(counts["interventions"]) or 0,
            "agencies": _num(counts["agencies"]) or 0,
            "paragraphs": _num(paragraphs["n"]) or 0,
        },
    }


# ---------------------------------------------------------------- impact area


def area(data: PageData, area_id: str) -> dict | None:
    if area_id not in AREA_IDS:
        return None
    node = data.entity("area/" + area_id)
    head = data.select(
        """
SELECT ?area ?en ?zh ?def ?notation ?start ?end WHERE {
  ?area a pk:ImpactArea .
  OPTIONAL { ?area skos:definition ?def FILTER(lang(?def) = "en") }
  OPTIONAL { ?area skos:notation ?notation }
  OPTIONAL { ?area pk:startParagraph/pk:paragraphNumber ?start }
  OPTIONAL { ?area pk:endParagraph/pk:paragraphNumber ?end }
"""
        + labels_of("area")
        + "}",
        area=node,
    )
    if not head:
        return None
    h = head[0]
    rows = data.select(
        """
SELECT ?area ?i ?notation ?text ?en ?zh ?para ?pnum ?item WHERE {
  ?i pk:impactArea ?area ; pk:text ?text ; pk:sourceParagraph ?para ; pk:sourceItem ?item .
  ?para pk:paragraphNumber ?pnum .
  OPTIONAL { ?i skos:notation ?notation }
"""
        + labels_of("i")
        + "}",
        area=node,
    )
    orgs = data.select(
        """
SELECT ?area ?i ?o ?oen ?ozh ?acr ?role ?ren ?rzh ?evidence ?kind WHERE {
  ?i pk:impactArea ?area .
  ?c pk:intervention ?i ; pk:collaborator ?o ; prov:hadRole ?role .
  OPTIONAL { ?c pk:roleEvidence ?evidence }
  OPTIONAL { ?role skos:prefLabel ?ren FILTER(lang(?ren) = "en") }
  OPTIONAL { ?role skos:prefLabel ?rzh FILTER(lang(?rzh) = "zh") }
  OPTIONAL { ?o a ?kind FILTER(?kind IN (pk:UNEntity, pk:SecretariatDepartment)) }
  OPTIONAL { ?o skos:notation ?acr }
"""
        + labels_of("o", "o")
        + "}",
        area=node,
    )
    by_intervention: dict[str, list[dict]] = defaultdict(list)
    agency_count: Counter[str] = Counter()
    agency_info: dict[str, dict] = {}
    others: list[dict] = []
    for r in orgs:
        org = _agency_ref(data, r)
        org["role"] = _role_ref(data, r)
        org["evidence"] = _v(r["evidence"])
        by_intervention[_v(r["i"])].append(org)
        # an agency co-delivers and is a UN entity; mechanisms, funds and groups are listed apart with their role
        org["is_agency"] = org["role"]["id"] == "co-delivers" and r["kind"] is not None
        if org["is_agency"]:
            agency_count[org["id"]] += 1
            agency_info[org["id"]] = org
        else:
            others.append({**org, "intervention": _v(r["i"])})
    interventions = []
    for r in rows:
        iri = _v(r["i"])
        item_path = data.local(_v(r["item"]))
        interventions.append(
            {
                "iri": iri,
                "notation": _v(r["notation"]),
                "text": _v(r["text"]),
                "label": _labels(r),
                "paragraph": _num(r["pnum"]),
                "href": "/read#" + anchor(item_path),
                "entity_href": data.href(iri),
                "agencies": sorted(by_intervention.get(iri, []), key=lambda o: o["short"]["en"].lower()),
            }
        )
    interventions.sort(key=lambda i: [int(x) for x in i["notation"].split(".") if x.isdigit()])
    named_in: dict[str, list[dict]] = defaultdict(list)
    where: dict[str, dict] = {str(i["iri"]): i for i in interventions}
    for item in interventions:
        for org in item["agencies"]:
            if org["is_agency"]:
                named_in[org["id"]].append({"notation": item["notation"], "href": item["href"], "paragraph": item["paragraph"]})
    mechanisms = []
    for org in others:
        source = where.get(org.pop("intervention"))
        if source is not None:
            mechanisms.append({**org, "notation": source["notation"], "href_item": source["href"], "paragraph": source["paragraph"]})
    mechanisms.sort(key=lambda o: ([int(x) for x in o["notation"].split(".") if x.isdigit()], o["short"]["en"].lower()))
    agencies = [
        {**agency_info[oid], "count": n, "interventions": named_in[oid]}
        for oid, n in sorted(agency_count.items(), key=lambda kv: (-kv[1], agency_info[kv[0]]["short"]["en"].lower()))
    ]
    return {
        "id": area_id,
        "iri": node.value,
        "label": _labels(h),
        "definition": _v(h["def"]),
        "notation": _v(h["notation"]),
        "start": _num(h["start"]),
        "end": _num(h["end"]),
        "interventions": interventions,
        "agencies": agencies,
        "mechanisms": mechanisms,
        "instruments": _area_references(data, node, "pk:cites"),
        "underpinned_by": _area_underpinnings(data, node),
        "sdgs": _area_references(data, node, "pk:invokesSDG"),
        "sdg_alignment": sdg_alignment(data, node),
        "themes": _area_references(data, node, "pk:touchesTheme"),
    }


def _agency_ref(data: PageData, row: Mapping[str, object], var: str = "o") -> dict:
    iri = _v(row[var])
    ident = data.local(iri).removeprefix("org/")
    labels = _labels(row, var + "en", var + "zh")
    acronym = _v(row.get("acr"))
    short = {"en": acronym or labels["en"], "zh": labels["zh"] or acronym}
    return {"id": ident, "iri": iri, "href": f"/agency/{ident}", "label": labels, "short": short, "acronym": acronym}


def _role_ref(data: PageData, row: Mapping[str, object]) -> dict:
    """The role of a collaboration: its id ("co-delivers") and labels."""
    iri = _v(row.get("role"))
    return {"id": data.local(iri).removeprefix("role/"), "iri": iri, "label": _labels(row, "ren", "rzh")}


def _area_references(data: PageData, area_node: ox.NamedNode, prop: str) -> list[dict]:
    """Instruments (or SDG concepts) named in the area's paragraphs and their items."""
    if prop not in ("pk:cites", "pk:invokesSDG", "pk:touchesTheme"):
        raise ValueError(prop)
    rows = data.select(
        f"""
SELECT ?area ?x ?notation ?en ?zh (GROUP_CONCAT(DISTINCT STR(?pnum); separator=",") AS ?paras) WHERE {{
  ?area pk:describedIn ?para . ?para a pk:Paragraph ; pk:paragraphNumber ?pnum .
  {{ ?para {prop} ?x }} UNION {{ ?part dcterms:isPartOf ?para ; {prop} ?x }}
  OPTIONAL {{ ?x skos:notation ?notation }}
"""
        + labels_of("x")
        + "} GROUP BY ?area ?x ?notation ?en ?zh",
        area=area_node,
    )
    out = []
    for r in rows:
        paras = sorted({int(p) for p in _v(r["paras"]).split(",") if p})
        out.append(
            {
                "iri": _v(r["x"]),
                "href": data.href(_v(r["x"])),
                "notation": _v(r["notation"]),
                "label": _labels(r),
                "paragraphs": paras,
            }
        )
    out.sort(key=lambda x: (x["notation"] or x["label"]["en"]).lower())
    return out


def sdg_alignment(data: PageData, concept: ox.NamedNode) -> list[dict]:
    """SDG goals, targets and indicators a plan concept serves, each stated (with its paragraph) or curated."""
    rows = data.select(
        """
SELECT ?concept ?x ?notation ?en ?zh ?kind ?evidence ?rationale ?pnum ?un WHERE {
  ?a pk:alignedConcept ?concept ; pk:alignedSDG ?x ; pk:alignmentKind ?k .
  ?k skos:notation ?kind .
  OPTIONAL { ?a pk:alignmentEvidence ?evidence }
  OPTIONAL { ?a pk:rationale ?rationale }
  OPTIONAL { ?a pk:sourceParagraph/pk:paragraphNumber ?pnum }
  OPTIONAL { ?x skos:notation ?notation }
  OPTIONAL { ?x skos:exactMatch ?un FILTER(STRSTARTS(STR(?un), "http://metadata.un.org/sdg/")) }
"""
        + labels_of("x")
        + "}",
        concept=concept,
    )
    out = []
    for r in rows:
        iri = _v(r["x"])
        out.append(
            {
                "iri": iri,
                "href": data.href(iri),
                "un_iri": _v(r["un"]),
                "notation": _v(r["notation"]),
                "label": _labels(r),
                "kind": _v(r["kind"]),
                "evidence": _v(r["evidence"]),
                "rationale": _v(r["rationale"]),
                "paragraph": _num(r["pnum"]),
            }
        )
    out.sort(key=lambda x: [p.zfill(3) for p in x["notation"].split(".")])
    return out


def _area_underpinnings(data: PageData, area_node: ox.NamedNode) -> list[dict]:
    """Instruments curated as underpinning the area (pk:underpins), with every paragraph that cites them.

    The text often cites an area's founding instruments outside the area's own
    paragraphs (the WPS resolutions in paragraphs 4 and 62 and in footnote 1,
    say), so the paragraphs here come from the whole plan, not from the area.
    """
    rows = data.select(
        """
SELECT ?x ?notation ?en ?zh (GROUP_CONCAT(DISTINCT STR(?pnum); separator=",") AS ?paras) WHERE {
  ?x pk:underpins ?area .
  OPTIONAL { ?x skos:notation ?notation }
  OPTIONAL {
    # cited in the paragraph, in one of its items, or in a footnote whose marker it carries
    { ?para pk:cites ?x } UNION { ?part dcterms:isPartOf ?para ; pk:cites ?x }
    UNION { ?note pk:cites ?x . { ?para pk:hasFootnote ?note } UNION { ?part dcterms:isPartOf ?para ; pk:hasFootnote ?note } }
    ?para a pk:Paragraph ; pk:paragraphNumber ?pnum .
  }
"""
        + labels_of("x")
        + "} GROUP BY ?x ?notation ?en ?zh",
        area=area_node,
    )
    out = [
        {
            "iri": _v(r["x"]),
            "href": data.href(_v(r["x"])),
            "notation": _v(r["notation"]),
            "label": _labels(r),
            "paragraphs": sorted({int(p) for p in _v(r["paras"]).split(",") if p}),
        }
        for r in rows
    ]
    out.sort(key=lambda x: (x["notation"] or x["label"]["en"]).lower())
    return out


# ---------------------------------------------------------------- agency


def agency(data: PageData, org_id: str) -> dict | None:
    if not valid_slug(org_id):
        return None
    node = data.entity("org/" + org_id)
    head = data.select(
        """
SELECT ?org ?kind ?kindEn ?kindZh ?acr ?match ?parent ?pen ?pzh WHERE {
  ?org a ?kind .
  ?kind rdfs:subClassOf* ?top . VALUES ?top { pk:Organization org:Post pk:OfficeHolder }
  OPTIONAL { ?kind rdfs:label ?kindEn FILTER(lang(?kindEn) = "en") }
  OPTIONAL { ?kind rdfs:label ?kindZh FILTER(lang(?kindZh) = "zh") }
  OPTIONAL { ?org skos:notation ?acr }
  OPTIONAL { ?org skos:exactMatch ?match FILTER(STRSTARTS(STR(?match), "http://www.wikidata.org/entity/")) }
  OPTIONAL { ?org org:subOrganizationOf ?parent .
    OPTIONAL { ?parent skos:prefLabel ?pen FILTER(lang(?pen) = "en") }
    OPTIONAL { ?parent skos:prefLabel ?pzh FILTER(lang(?pzh) = "zh") } }
}""",
        org=node,
    )
    if not head:
        return None
    names = data.select("SELECT ?org ?en ?zh WHERE { " + labels_of("org") + "}", org=node)
    alt = data.select('SELECT ?org ?alt WHERE { ?org skos:altLabel ?alt } ORDER BY ?alt', org=node)
    h = head[0]
    interventions = data.select(
        """
SELECT ?org ?i ?notation ?text ?en ?zh ?a ?aen ?azh ?item ?pnum ?role ?ren ?rzh ?evidence WHERE {
  ?i pk:hasCollaborator ?org ; pk:impactArea ?a ; pk:text ?text ; pk:sourceItem ?item ;
     pk:sourceParagraph/pk:paragraphNumber ?pnum .
  OPTIONAL { ?i skos:notation ?notation }
  OPTIONAL {
    ?c pk:intervention ?i ; pk:collaborator ?org ; prov:hadRole ?role .
    OPTIONAL { ?c pk:roleEvidence ?evidence }
    OPTIONAL { ?role skos:prefLabel ?ren FILTER(lang(?ren) = "en") }
    OPTIONAL { ?role skos:prefLabel ?rzh FILTER(lang(?rzh) = "zh") }
  }
"""
        + labels_of("i")
        + labels_of("a", "a")
        + "}",
        org=node,
    )
    partners = data.select(
        """
SELECT ?org ?o ?oen ?ozh ?acr (COUNT(DISTINCT ?i) AS ?n) (GROUP_CONCAT(DISTINCT ?notation; separator=" ") AS ?via) WHERE {
  ?i pk:hasCollaborator ?org, ?o . FILTER(?o != ?org)
  # co-partners share co-delivery: both co-deliver the intervention (groups and chaired mechanisms are not partners)
  ?mine pk:intervention ?i ; pk:collaborator ?org ; prov:hadRole ?codelivers .
  ?theirs pk:intervention ?i ; pk:collaborator ?o ; prov:hadRole ?codelivers .
  OPTIONAL { ?i skos:notation ?notation }
  OPTIONAL { ?o skos:notation ?acr }
"""
        + labels_of("o", "o")
        + "} GROUP BY ?org ?o ?oen ?ozh ?acr",
        org=node,
        codelivers=data.entity("role/co-delivers"),
    )
    quotes = data.select(
        """
SELECT ?org ?u ?text ?order ?pnum ?m ?offset ?surface ?uen ?uzh WHERE {
  ?m pk:mentionOf ?org ; pk:inText ?u ; pk:offset ?offset ; pk:surfaceForm ?surface .
  ?u pk:text ?text ; pk:order ?order .
  OPTIONAL { ?m pk:sourceParagraph/pk:paragraphNumber ?pnum }
  OPTIONAL { ?u rdfs:label ?uen FILTER(lang(?uen) = "en") }
  OPTIONAL { ?u rdfs:label ?uzh FILTER(lang(?uzh) = "zh") }
} ORDER BY ?order ?offset""",
        org=node,
    )
    areas: dict[str, dict] = {}
    items = []
    for r in interventions:
        aid = data.local(_v(r["a"])).removeprefix("area/")
        entry = areas.setdefault(aid, {"id": aid, "href": f"/area/{aid}", "label": _labels(r, "aen", "azh"), "count": 0})
        entry["count"] += 1
        items.append(
            {
                "notation": _v(r["notation"]),
                "text": _v(r["text"]),
                "label": _labels(r),
                "area": entry,
                "paragraph": _num(r["pnum"]),
                "href": "/read#" + anchor(data.local(_v(r["item"]))),
                "role": _role_ref(data, r) if r.get("role") is not None else None,
                "evidence": _v(r.get("evidence")),
            }
        )
    items.sort(key=lambda i: [int(x) for x in i["notation"].split(".") if x.isdigit()])
    co = []
    for r in partners:
        ref = _agency_ref(data, r)
        ref["count"] = _num(r["n"]) or 0
        ref["via"] = sorted(_v(r["via"]).split(), key=lambda n: [int(x) for x in n.split(".") if x.isdigit()])
        co.append(ref)
    co.sort(key=lambda o: (-o["count"], o["short"]["en"].lower()))
    passages: dict[str, dict] = {}
    for r in quotes:
        path = data.local(_v(r["u"]))
        entry = passages.setdefault(
            path,
            {
                "anchor": anchor(path),
                "href": "/read#" + anchor(path),
                "paragraph": _num(r["pnum"]),
                "label": _labels(r, "uen", "uzh"),
                "text": _v(r["text"]),
                "marks": [],
            },
        )
        entry["marks"].append((_num(r["offset"]) or 0, len(_v(r["surface"]))))
    for entry in passages.values():
        entry["segments"] = highlight(entry.pop("text"), entry.pop("marks"))
    match = _v(h["match"])
    return {
        "id": org_id,
        "iri": node.value,
        "entity_href": "/id/org/" + org_id,
        "label": _labels(names[0]) if names else {"en": org_id, "zh": org_id},
        "acronym": _v(h["acr"]),
        "alt": [_v(r["alt"]) for r in alt],
        "kind": _labels(h, "kindEn", "kindZh"),
        "wikidata": match,
        "wikidata_id": match.rsplit("/", 1)[-1] if match else "",
        "parent": (
            {"href": data.href(_v(h["parent"])), "label": _labels(h, "pen", "pzh")} if h["parent"] is not None else None
        ),
        "areas": sorted(areas.values(), key=lambda a: AREA_IDS.index(a["id"]) if a["id"] in AREA_IDS else 9),
        "interventions": items,
        "partners": co,
        "passages": list(passages.values()),
    }


def highlight(text: str, marks: list[tuple[int, int]]) -> list[dict]:
    """Split text into plain and marked pieces; marks are (offset, length) and may not overlap."""
    out: list[dict] = []
    pos = 0
    for offset, length in sorted(marks):
        if offset < pos or offset + length > len(text):
            continue
        if offset > pos:
            out.append({"text": text[pos:offset]})
        out.append({"text": text[offset : offset + length], "mark": True})
        pos = offset + length
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


# ---------------------------------------------------------------- network


def collaborations(data: PageData, area_id: str | None = None) -> list[dict]:
    """(intervention, area, agency) triples, optionally for one area."""
    body = """
SELECT ?i ?a ?o ?oen ?ozh ?acr ?notation WHERE {
  ?i pk:impactArea ?a ; pk:hasCollaborator ?o .
  # the co-delivery network: groups, chaired mechanisms and supported systems are not partners
  ?c pk:intervention ?i ; pk:collaborator ?o ; prov:hadRole ?codelivers .
  OPTIONAL { ?i skos:notation ?notation }
  OPTIONAL { ?o skos:notation ?acr }
""" + labels_of("o", "o") + "}"
    codelivers = data.entity("role/co-delivers")
    rows = data.select(body, a=data.entity("area/" + area_id), codelivers=codelivers) if area_id else data.select(body, codelivers=codelivers)
    alt: dict[str, list[str]] = defaultdict(list)
    for r in data.select("SELECT ?o ?alt WHERE { ?i pk:hasCollaborator ?o . ?o skos:altLabel ?alt }"):
        alt[_v(r["o"])].append(_v(r["alt"]))
    out = []
    for r in rows:
        ref = _agency_ref(data, r)
        # the network is crowded: label nodes with the shortest name the text uses
        forms = [f for f in [ref["label"]["zh"], *alt.get(ref["iri"], [])] if len(f) >= 2]
        ref["network_label"] = {"en": ref["short"]["en"], "zh": min(forms, key=len) if forms else ref["short"]["zh"]}
        ref["intervention"] = _v(r["notation"]) or data.local(_v(r["i"]))
        ref["area"] = data.local(_v(r["a"])).removeprefix("area/")
        out.append(ref)
    return out


def area_labels(data: PageData) -> dict[str, dict[str, str]]:
    rows = data.select("SELECT ?a ?en ?zh WHERE { ?a a pk:ImpactArea . " + labels_of("a") + "}")
    return {data.local(_v(r["a"])).removeprefix("area/"): _labels(r) for r in rows}


# ---------------------------------------------------------------- reader


def reading(data: PageData) -> list[dict]:
    """Every text unit in document order, cut into plain, entity and footnote-marker pieces."""
    units = data.select(
        """
SELECT ?u ?kind ?text ?order ?parent ?pnum ?fnum ?letter ?position WHERE {
  ?u pk:order ?order ; pk:text ?text ; a ?kind .
  FILTER(STRSTARTS(STR(?kind), STR(pk:)))
  OPTIONAL { ?u dcterms:isPartOf ?parent }
  OPTIONAL { ?u pk:paragraphNumber ?pnum }
  OPTIONAL { ?u pk:footnoteNumber ?fnum }
  OPTIONAL { ?u pk:itemLetter ?letter }
  OPTIONAL { ?u pk:position ?position }
} ORDER BY ?order"""
    )
    mentions = data.select(
        """
SELECT ?u ?offset ?surface ?x ?type WHERE {
  ?m a pk:Mention ; pk:inText ?u ; pk:offset ?offset ; pk:surfaceForm ?surface ; pk:mentionOf ?x .
  OPTIONAL { ?x a ?type FILTER(STRSTARTS(STR(?type), STR(pk:))) }
}"""
    )
    footnotes = data.select("SELECT ?u ?n WHERE { ?u pk:hasFootnote/pk:footnoteNumber ?n }")
    marks: dict[str, dict[int, dict]] = defaultdict(dict)
    for r in mentions:
        offset = _num(r["offset"]) or 0
        iri = _v(r["x"])
        kind = mention_kind(data.local(iri))
        marks[_v(r["u"])][offset] = {"length": len(_v(r["surface"])), "href": data.href(iri), "kind": kind}
    cited: dict[str, set[int]] = defaultdict(set)
    for r in footnotes:
        cited[_v(r["u"])].add(_num(r["n"]) or 0)
    out = []
    seen: set[str] = set()
    for r in units:
        iri = _v(r["u"])
        if iri in seen:  # a unit with two pk: classes would come twice
            continue
        seen.add(iri)
        path = data.local(iri)
        kind = _v(r["kind"]).removeprefix(data.ns.pk)
        out.append(
            {
                "iri": iri,
                "path": path,
                "anchor": anchor(path),
                "kind": kind,
                "parent": data.local(_v(r["parent"])),
                "number": _num(r["pnum"]) or _num(r["fnum"]),
                "letter": _v(r["letter"]),
                "position": _num(r["position"]),
                "pieces": pieces(_v(r["text"]), marks.get(iri, {}), cited.get(iri, set())),
                "footnotes": sorted(cited.get(iri, set())),
            }
        )
    return out


def mention_kind(path: str) -> str:
    kind = path.partition("/")[0]
    return {"org": "org", "instrument": "instrument", "sdg": "sdg", "theme": "theme"}.get(kind, "other")


def pieces(text: str, marks: Mapping[int, dict], footnotes: set[int]) -> list[dict]:
    """Cut a unit's text at entity mentions and footnote markers.

    A marker run such as ``²⁶`` links to footnote 26 only when the unit cites
    it; otherwise it stays text (a superscript that is not a marker).
    """
    out: list[dict] = []
    plain = ""
    i = 0
    while i < len(text):
        mark = marks.get(i)
        if mark and i + mark["length"] <= len(text):
            if plain:
                out.append({"text": plain})
                plain = ""
            end = i + mark["length"]
            out.append({"text": text[i:end], "href": mark["href"], "kind": mark["kind"]})
            i = end
            continue
        marker = _MARKER.match(text, i)
        if marker:
            number = int(marker.group().translate(_FROM_SUPERSCRIPT))
            if number in footnotes:
                if plain:
                    out.append({"text": plain})
                    plain = ""
                out.append({"text": marker.group(), "footnote": number})
                i = marker.end()
                continue
        plain += text[i]
        i += 1
    if plain:
        out.append({"text": plain})
    return out
