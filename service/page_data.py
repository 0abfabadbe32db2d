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
from typing import Any

import pyoxigraph as ox

from plankg.catalog import Catalog
from plankg.namespaces import IMPACT_AREAS, Namespaces
from plankg.store import Store, Term

AREA_IDS = IMPACT_AREAS
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
    catalog: Catalog

    # ------------------------------------------------------------ plumbing
    def select(self, name: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, Term | None]]:
        """Rows of the service's own query ``queries/{name}.rq`` with these variables bound."""
        return self.store.select(self.catalog.internal_query(name).sparql, bindings or None)

    def entity(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.ns.entity(path))

    def local(self, iri: str) -> str:
        """The id path of one of our IRIs ("org/UNDP"), or "" for a foreign IRI."""
        return iri[len(self.ns.id) :] if iri.startswith(self.ns.id) else ""

    def href(self, iri: str) -> str:
        return page_href(self.ns, iri)


# the text units the reader shows; each has an anchor there
READER_KINDS = ("para", "footnote", "summary", "heading", "section", "front", "title")


def page_href(ns: Namespaces, iri: str) -> str:
    """The one place an IRI becomes the page a person should go to: our pages first
    (agency, area, the reader), then the entity page; a foreign IRI only when it is a web link."""
    path = iri[len(ns.id) :] if iri.startswith(ns.id) else ""
    if not path:
        # "javascript:" in the data must not become a link
        return iri if iri.startswith(("http://", "https://")) else ""
    kind, _, rest = path.partition("/")
    if kind == "org" and rest and "/" not in rest:
        return f"/agency/{rest}"
    if kind == "area" and rest in AREA_IDS:
        return f"/area/{rest}"
    if kind in READER_KINDS:
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


# ---------------------------------------------------------------- overview


def overview(data: PageData) -> dict:
    rows = data.select("page-overview-concepts")
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
    vision_text = data.select("page-vision-text")
    counts = data.select("page-overview-counts")[0]
    per_area = {
        _v(r["a"]): (_num(r["n"]), _num(r["orgs"]))
        for r in data.select("page-area-counts")
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
            "paragraphs": _num(counts["paragraphs"]) or 0,
        },
    }


# ---------------------------------------------------------------- impact area


def area(data: PageData, area_id: str) -> dict | None:
    if area_id not in AREA_IDS:
        return None
    node = data.entity("area/" + area_id)
    head = data.select("page-area-head", area=node)
    if not head:
        return None
    h = head[0]
    rows = data.select("page-area-interventions", area=node)
    orgs = data.select("page-area-collaborations", area=node)
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
    interventions: list[dict[str, Any]] = []
    for r in rows:
        iri = _v(r["i"])
        interventions.append(
            {
                "iri": iri,
                "notation": _v(r["notation"]),
                "text": _v(r["text"]),
                "label": _labels(r),
                "paragraph": _num(r["pnum"]),
                "href": data.href(_v(r["item"])),
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
    return {"id": ident, "iri": iri, "href": data.href(iri), "label": labels, "short": short, "acronym": acronym}


def _role_ref(data: PageData, row: Mapping[str, object]) -> dict:
    """The role of a collaboration: its id ("co-delivers") and labels."""
    iri = _v(row.get("role"))
    return {"id": data.local(iri).removeprefix("role/"), "iri": iri, "label": _labels(row, "ren", "rzh")}


def _area_references(data: PageData, area_node: ox.NamedNode, prop: str) -> list[dict]:
    """Instruments (or SDG concepts) named in the area's paragraphs and their items."""
    if prop not in ("pk:cites", "pk:invokesSDG", "pk:touchesTheme"):
        raise ValueError(prop)
    rows = data.select("page-area-references", area=area_node, prop=ox.NamedNode(data.ns.pk + prop.removeprefix("pk:")))
    out: list[dict[str, Any]] = []
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
    rows = data.select("page-sdg-alignment", concept=concept)
    out: list[dict[str, Any]] = []
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
    rows = data.select("page-area-underpinnings", area=area_node)
    out: list[dict[str, Any]] = [
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
    head = data.select("page-agency-head", org=node)
    if not head:
        return None
    names = data.select("page-agency-names", org=node)
    alt = data.select("page-agency-altlabels", org=node)
    h = head[0]
    interventions = data.select("page-agency-interventions", org=node)
    partners = data.select("page-agency-partners", org=node)
    quotes = data.select("page-agency-passages", org=node)
    areas: dict[str, dict] = {}
    items: list[dict[str, Any]] = []
    for r in interventions:
        aid = data.local(_v(r["a"])).removeprefix("area/")
        entry = areas.setdefault(aid, {"id": aid, "href": data.href(_v(r["a"])), "label": _labels(r, "aen", "azh"), "count": 0})
        entry["count"] += 1
        items.append(
            {
                "notation": _v(r["notation"]),
                "text": _v(r["text"]),
                "label": _labels(r),
                "area": entry,
                "paragraph": _num(r["pnum"]),
                "href": data.href(_v(r["item"])),
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
                "href": data.href(_v(r["u"])),
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
    rows = data.select("page-collaborations", a=data.entity("area/" + area_id)) if area_id else data.select("page-collaborations")
    alt: dict[str, list[str]] = defaultdict(list)
    for r in data.select("page-collaborator-altlabels"):
        alt[_v(r["o"])].append(_v(r["alt"]))
    out = []
    for r in rows:
        ref = _agency_ref(data, r)
        # the network is crowded: label nodes with the shortest name the text uses
        forms = [f for f in [ref["label"]["zh"], *alt.get(ref["iri"], [])] if len(f) >= 2]
        ref["network_label"] = {"en": ref["short"]["en"], "zh": min(forms, key=len) if forms else ref["short"]["zh"]}
        ref["intervention"] = _v(r["notation"]) or data.local(_v(r["i"]))
        ref["area"] = data.local(_v(r["a"])).removeprefix("area/")
        ref["area_href"] = data.href(_v(r["a"]))
        out.append(ref)
    return out


def area_labels(data: PageData) -> dict[str, dict[str, str]]:
    rows = data.select("page-area-labels")
    return {data.local(_v(r["a"])).removeprefix("area/"): _labels(r) for r in rows}


# ---------------------------------------------------------------- reader


def reading(data: PageData) -> list[dict]:
    """Every text unit in document order, cut into plain, entity and footnote-marker pieces."""
    units = data.select("page-reader-units")
    mentions = data.select("page-reader-mentions")
    footnotes = data.select("page-reader-footnotes")
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
