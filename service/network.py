"""The partner network: agencies linked by the key interventions they co-deliver.

One renderer, on the server: the page inlines the SVG (so links work without
JavaScript), ``/network.svg`` serves the same drawing as a download, and the
page script swaps in a fresh SVG when the area filter changes. The server's
layout is a small deterministic force simulation, so the same data always gives
the same picture without JavaScript; in the browser, network.js lays the same
SVG out again with d3-force (collision-free nodes and labels) and adds zoom,
pan and export. The drawing carries its own title, filter, legend and source
line so that a downloaded copy (SVG or PNG) stands on its own.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

from plankg.namespaces import IMPACT_AREAS

WIDTH, HEIGHT = 960, 640
MARGIN = 80
HEADER, FOOTER = 58, 62  # bands above and below the plot: title and filter; legend and source
AREA_COLOURS = {"governance": "#1f5fa6", "wee": "#8a4b00", "evaw": "#a3143c", "wps": "#2d6a2d"}
AGENCY_FILL = "#ffffff"
AGENCY_STROKE = "#3b3b3b"
EDGE_CO = "#5a5a5a"
TEXT = "#111111"


@dataclass
class Node:
    id: str  # "area:evaw" or "org:UNDP"
    kind: str  # "area" | "agency"
    label: str
    title: str
    href: str
    weight: int = 0
    area: str = ""  # an area's id; for an agency, the area it is named in most (its colour)
    x: float = 0.0
    y: float = 0.0


@dataclass
class Edge:
    source: str
    target: str
    kind: str  # "co" (agency-agency) | "area" (area-agency)
    weight: int
    interventions: list[str] = field(default_factory=list)


@dataclass
class Network:
    nodes: list[Node]
    edges: list[Edge]
    area: str | None

    def to_json(self) -> dict:
        return {
            "area": self.area,
            "nodes": [n.__dict__ for n in self.nodes],
            "edges": [e.__dict__ for e in self.edges],
        }


@dataclass
class Frame:
    """What a drawing says about itself: it must stay readable once downloaded."""

    title: str
    filter: str  # e.g. "Impact area: Ending violence"
    legend: list[tuple[str, str]]  # (colour, text)
    source: str


def build_network(
    rows: list[dict],
    area_labels: dict[str, dict[str, str]],
    lang: str,
    area: str | None = None,
    area_short: dict[str, dict[str, str]] | None = None,
) -> Network:
    """rows: (intervention, area, agency) as returned by page_data.collaborations."""
    other = "en" if lang == "zh" else "zh"
    area_short = area_short or area_labels

    def pick(forms: dict[str, str]) -> str:
        return forms.get(lang) or forms.get(other) or ""

    agencies: dict[str, dict] = {}
    by_intervention: dict[str, set[str]] = {}
    area_weight: Counter[tuple[str, str]] = Counter()
    area_href: dict[str, str] = {}  # page_data.page_href of each area
    area_items: dict[tuple[str, str], list[str]] = {}
    area_of: dict[str, str] = {}
    for r in rows:
        if area and r["area"] != area:
            continue
        agencies[r["id"]] = r
        by_intervention.setdefault(r["intervention"], set()).add(r["id"])
        area_of[r["intervention"]] = r["area"]
        area_weight[(r["area"], r["id"])] += 1
        area_href[r["area"]] = r["area_href"]
        area_items.setdefault((r["area"], r["id"]), []).append(r["intervention"])
    involvement = Counter(r for members in by_intervention.values() for r in members)
    nodes: list[Node] = []
    areas_present = sorted({a for a, _ in area_weight}, key=_area_order)
    for a in areas_present:
        nodes.append(
            Node(
                id=f"area:{a}",
                kind="area",
                label=pick(area_short.get(a, {})) or a,
                title=pick(area_labels.get(a, {})) or a,
                href=area_href[a],
                weight=sum(1 for i in by_intervention if area_of[i] == a),
                area=a,
            )
        )
    for oid in sorted(agencies):
        r = agencies[oid]
        # whole labels: the browser hides the ones that would collide until hover or focus
        nodes.append(
            Node(
                id=f"org:{oid}",
                kind="agency",
                label=r["network_label"][lang] or r["network_label"][other],
                title=pick(r["label"]),
                href=r["href"],
                weight=involvement[oid],
                area=min(
                    (a for a, o in area_weight if o == oid), key=lambda a: (-area_weight[(a, oid)], _area_order(a))
                ),
            )
        )
    pairs: dict[tuple[str, str], list[str]] = {}
    for intervention, members in sorted(by_intervention.items(), key=lambda kv: _notation_key(kv[0])):
        for a, b in combinations(sorted(members), 2):
            pairs.setdefault((a, b), []).append(intervention)
    edges = [
        Edge(f"area:{a}", f"org:{o}", "area", n, sorted(area_items[(a, o)], key=_notation_key))
        for (a, o), n in sorted(area_weight.items())
    ]
    edges += [Edge(f"org:{a}", f"org:{b}", "co", len(items), items) for (a, b), items in sorted(pairs.items())]
    positions = layout(tuple(n.id for n in nodes), tuple((e.source, e.target, e.weight) for e in edges))
    for n in nodes:
        n.x, n.y = positions[n.id]
    return Network(nodes, edges, area)


def _area_order(a: str) -> int:
    return IMPACT_AREAS.index(a) if a in IMPACT_AREAS else len(IMPACT_AREAS)


def _notation_key(notation: str) -> list[int]:
    return [int(p) for p in notation.replace("-", ".").split(".") if p.isdigit()]


@lru_cache(maxsize=64)
def layout(
    node_ids: tuple[str, ...], edges: tuple[tuple[str, str, int], ...], iterations: int = 250
) -> dict[str, tuple[float, float]]:
    """Fruchterman-Reingold in the unit square; area hubs are pinned around the centre.

    Seeded from the node ids, so a given network always gets the same drawing.
    """
    n = len(node_ids)
    if n == 0:
        return {}
    rng = random.Random(",".join(node_ids))
    index = {nid: i for i, nid in enumerate(node_ids)}
    hubs = [i for i, nid in enumerate(node_ids) if nid.startswith("area:")]
    pos = [[rng.random(), rng.random()] for _ in node_ids]
    pinned: set[int] = set()
    if len(hubs) > 1:
        for h, i in enumerate(hubs):
            angle = 2 * math.pi * h / len(hubs) + math.pi / 4
            pos[i] = [0.5 + 0.36 * math.cos(angle), 0.5 + 0.36 * math.sin(angle)]
            pinned.add(i)
    elif len(hubs) == 1:
        pos[hubs[0]] = [0.5, 0.5]
        pinned.add(hubs[0])
    # hub links pull less than co-delivery links, so agencies cluster by partnership first
    links = [
        (index[a], index[b], w if not a.startswith("area:") else 0.5)
        for a, b, w in edges
        if a in index and b in index
    ]
    k = math.sqrt(1.0 / n) * 1.25
    temperature = 0.1
    for step in range(iterations):
        disp = [[0.0, 0.0] for _ in node_ids]
        for i in range(n):
            xi, yi = pos[i]
            for j in range(i + 1, n):
                dx = xi - pos[j][0]
                dy = yi - pos[j][1]
                d2 = dx * dx + dy * dy or 1e-9
                f = k * k / d2  # repulsion / distance, folded: (k²/d) · (d⃗/d)
                disp[i][0] += dx * f
                disp[i][1] += dy * f
                disp[j][0] -= dx * f
                disp[j][1] -= dy * f
        for a, b, w in links:
            dx = pos[a][0] - pos[b][0]
            dy = pos[a][1] - pos[b][1]
            d = math.sqrt(dx * dx + dy * dy) or 1e-9
            f = d / k * (1 + 0.3 * (w - 1))  # attraction: d²/k, stronger for heavier links
            disp[a][0] -= dx * f
            disp[a][1] -= dy * f
            disp[b][0] += dx * f
            disp[b][1] += dy * f
        for i in range(n):
            if i in pinned:
                continue
            # gravity keeps loosely linked nodes from drifting off the page
            disp[i][0] += (0.5 - pos[i][0]) * 0.35
            disp[i][1] += (0.5 - pos[i][1]) * 0.35
            length = math.hypot(*disp[i]) or 1e-9
            move = min(length, temperature)
            pos[i][0] = min(1.0, max(0.0, pos[i][0] + disp[i][0] / length * move))
            pos[i][1] = min(1.0, max(0.0, pos[i][1] + disp[i][1] / length * move))
        temperature = 0.1 * (1 - (step + 1) / iterations) + 0.002
    xs = [p[0] for p in pos]
    ys = [p[1] for p in pos]
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0
    out = {}
    for nid, (x, y) in zip(node_ids, pos, strict=True):
        px = MARGIN + (x - min(xs)) / span_x * (WIDTH - 2 * MARGIN) if n > 1 else WIDTH / 2
        py = MARGIN + (y - min(ys)) / span_y * (HEIGHT - 2 * MARGIN) if n > 1 else HEIGHT / 2
        out[nid] = (round(px, 1), round(py, 1))
    return out


def node_radius(node: Node) -> float:
    if node.kind == "area":
        return 16.0
    return 5.0 + 2.5 * math.sqrt(max(node.weight, 1))


def label_size(node: Node) -> int:
    return 15 if node.kind == "area" else 12


def place_labels(nodes: list[Node]) -> dict[str, tuple[float, float, str] | None]:
    """Where each label goes (x, y, text-anchor), or None when every place would collide.

    Greedy, the most important nodes first: below, above, right or left of the
    node, wherever the label hits no placed label, no node and stays in the plot.
    network.js does the same with measured text after its own layout.
    """
    boxes = {n.id: (n.x - node_radius(n), n.y - node_radius(n), 2 * node_radius(n), 2 * node_radius(n)) for n in nodes}
    placed: list[tuple[float, float, float, float]] = []
    out: dict[str, tuple[float, float, str] | None] = {}

    def hits(a, b) -> bool:
        return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]

    for n in sorted(nodes, key=lambda n: (n.kind != "area", -n.weight, n.id)):
        r, size = node_radius(n), label_size(n)
        w, h, gap = _text_width(n.label, size), size * 1.15, 3
        candidates = [
            ((n.x - w / 2, n.y + r + gap, w, h), (n.x, n.y + r + gap + size * 0.9, "middle")),
            ((n.x - w / 2, n.y - r - gap - h, w, h), (n.x, n.y - r - gap - size * 0.2, "middle")),
            ((n.x + r + gap, n.y - h / 2, w, h), (n.x + r + gap, n.y + size * 0.35, "start")),
            ((n.x - r - gap - w, n.y - h / 2, w, h), (n.x - r - gap, n.y + size * 0.35, "end")),
        ]
        out[n.id] = None
        for box, spot in candidates:
            inside = box[0] >= 0 and box[1] >= 0 and box[0] + w <= WIDTH and box[1] + h <= HEIGHT
            if inside and not any(hits(box, p) for p in placed) and not any(
                hits(box, b) for nid, b in boxes.items() if nid != n.id
            ):
                placed.append(box)
                out[n.id] = spot
                break
    return out


def render_svg(net: Network, frame: Frame, lang: str, standalone: bool = False) -> str:
    """An SVG drawn with presentation attributes only, so it looks the same downloaded.

    The plot sits in ``g.viewport`` (what zoom and pan move), clipped between a
    header band (title, filter) and a footer band (legend, source line). Labels
    that would collide are marked ``label-minor`` (the page shows them on hover
    or focus); a standalone file, which has no stylesheet, leaves them out.
    """
    # here, not at the top: xml.sax.saxutils imports urllib.request, which every server start would pay for
    from xml.sax.saxutils import escape, quoteattr

    by_id = {n.id: n for n in net.nodes}
    total = HEADER + HEIGHT + FOOTER
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {total}" '
        f'width="{WIDTH}" height="{total}" class="network-svg" lang={quoteattr(lang)} role="group" '
        f'aria-labelledby="network-svg-title" data-nodes="{len(net.nodes)}" data-edges="{len(net.edges)}" '
        f'data-area={quoteattr(net.area or "")} data-plot="0 {HEADER} {WIDTH} {HEIGHT}" font-family="sans-serif">',
        f'<title id="network-svg-title">{escape(frame.title)}</title>',
        f'<rect width="{WIDTH}" height="{total}" fill="#ffffff"/>',
        f'<clipPath id="network-plot"><rect x="0" y="{HEADER}" width="{WIDTH}" height="{HEIGHT}"/></clipPath>',
        f'<g clip-path="url(#network-plot)"><g class="viewport" transform="translate(0 {HEADER})">',
        '<g class="edges">',
    ]
    for e in net.edges:
        a, b = by_id[e.source], by_id[e.target]
        colour = AREA_COLOURS.get(a.area, EDGE_CO) if e.kind == "area" else EDGE_CO
        width = 1.0 + 1.5 * (e.weight - 1) if e.kind == "co" else 1.0
        opacity = "0.35" if e.kind == "area" else "0.7"
        dash = ' stroke-dasharray="4 3"' if e.kind == "area" else ""
        out.append(
            f'<line x1="{a.x}" y1="{a.y}" x2="{b.x}" y2="{b.y}" stroke="{colour}" stroke-width="{width:g}" '
            f'stroke-opacity="{opacity}"{dash} data-source={quoteattr(e.source)} data-target={quoteattr(e.target)} '
            f'data-kind="{e.kind}" data-weight="{e.weight}"><title>{escape(a.title)} — {escape(b.title)}: '
            f'{escape(", ".join(e.interventions))}</title></line>'
        )
    out.append('</g><g class="nodes">')
    spots = place_labels(net.nodes)
    for n in sorted(net.nodes, key=lambda n: n.kind == "area"):
        r = node_radius(n)
        colour = AREA_COLOURS.get(n.area, AGENCY_STROKE)
        if n.kind == "area":
            shape = (
                f'<rect x="{n.x - r:.1f}" y="{n.y - r:.1f}" width="{2 * r:g}" height="{2 * r:g}" rx="4" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="2"/>'
            )
            weight = ' font-weight="bold"'
        else:
            shape = (
                f'<circle cx="{n.x}" cy="{n.y}" r="{r:.1f}" fill="{colour}" fill-opacity="0.85" '
                f'stroke="{AGENCY_STROKE}" stroke-width="1.5"/>'
            )
            weight = ""
        size = label_size(n)
        spot = spots[n.id]
        x, y, anchor = spot or (n.x, n.y + r + size, "middle")
        minor = "" if spot else " label-minor"
        text = (
            ""
            if standalone and not spot
            else f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{weight} '
            f'fill="{TEXT}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(n.label)}</text>'
        )
        # the accessible name starts with the visible label (WCAG 2.5.3), then the full name
        name = n.label if n.label == n.title else f"{n.label}: {n.title}"
        out.append(
            f'<a href={quoteattr(n.href)} class="node node-{n.kind}{minor}" data-node={quoteattr(n.id)} '
            f'data-area={quoteattr(n.area)} data-weight="{n.weight}" '
            f'aria-label={quoteattr(name)}><title>{escape(n.title)}</title>{shape}{text}</a>'
        )
    out.append("</g></g></g>")
    out.extend(_frame_svg(frame, escape))
    out.append("</svg>")
    return "\n".join(out)


def _frame_svg(frame: Frame, escape) -> list[str]:
    """Title and filter above the plot, legend and source below; hidden from screen readers,
    which get the same text from the page around the drawing."""
    bottom = HEADER + HEIGHT
    out = [
        '<g class="frame" aria-hidden="true">',
        f'<rect width="{WIDTH}" height="{HEADER}" fill="#ffffff"/>',
        f'<rect y="{bottom}" width="{WIDTH}" height="{FOOTER}" fill="#ffffff"/>',
        f'<line x1="0" y1="{HEADER - 0.5}" x2="{WIDTH}" y2="{HEADER - 0.5}" stroke="#c9d1d9"/>',
        f'<line x1="0" y1="{bottom + 0.5}" x2="{WIDTH}" y2="{bottom + 0.5}" stroke="#c9d1d9"/>',
        f'<text x="16" y="26" font-size="20" font-weight="bold" fill="{TEXT}">{escape(frame.title)}</text>',
        f'<text x="16" y="48" font-size="14" fill="#333333">{escape(frame.filter)}</text>',
    ]
    x = 16.0
    for colour, text in frame.legend:
        out.append(
            f'<rect x="{x:.0f}" y="{bottom + 12}" width="12" height="12" rx="2" fill="{colour}"/>'
            f'<text x="{x + 17:.0f}" y="{bottom + 23}" font-size="13" fill="{TEXT}">{escape(text)}</text>'
        )
        x += 17 + _text_width(text, 13) + 22
    out.append(f'<text x="16" y="{bottom + 50}" font-size="12" fill="#333333">{escape(frame.source)}</text>')
    out.append("</g>")
    return out


def _text_width(text: str, size: float) -> float:
    """An estimate without a font: CJK glyphs are square, Latin ones about half as wide."""
    return sum(size if ord(c) > 0x2E80 else size * 0.56 for c in text)


EGO_WIDTH, EGO_HEIGHT = 720, 380


def ego_network(net: Network, centre: str) -> Network | None:
    """One agency, the agencies it co-delivers with, and the links among them, drawn as a ring."""
    if centre not in {n.id for n in net.nodes}:
        return None
    co = [e for e in net.edges if e.kind == "co"]
    partners = {e.target if e.source == centre else e.source for e in co if centre in (e.source, e.target)}
    if not partners:
        return None
    keep = partners | {centre}
    by_id = {n.id: n for n in net.nodes}
    strength = {p: 0 for p in partners}
    for e in co:
        if centre in (e.source, e.target):
            strength[e.target if e.source == centre else e.source] = e.weight
    # strongest partners first, around the ring from twelve o'clock
    ring = sorted(partners, key=lambda p: (-strength[p], by_id[p].label))
    nodes = [Node(**{**by_id[centre].__dict__, "x": EGO_WIDTH / 2, "y": EGO_HEIGHT / 2})]
    radius_x, radius_y = EGO_WIDTH / 2 - 190, EGO_HEIGHT / 2 - 45
    for k, pid in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * k / len(ring)
        nodes.append(
            Node(
                **{
                    **by_id[pid].__dict__,
                    "x": round(EGO_WIDTH / 2 + radius_x * math.cos(angle), 1),
                    "y": round(EGO_HEIGHT / 2 + radius_y * math.sin(angle), 1),
                }
            )
        )
    edges = [e for e in co if e.source in keep and e.target in keep]
    return Network(nodes, edges, net.area)


def render_ego_svg(net: Network, centre: str, title: str, lang: str) -> str:
    """The ego network as an inline SVG; every node links to its agency page."""
    from xml.sax.saxutils import escape, quoteattr

    by_id = {n.id: n for n in net.nodes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {EGO_WIDTH} {EGO_HEIGHT}" class="ego-svg" '
        f'lang={quoteattr(lang)} role="group" aria-labelledby="ego-svg-title" data-nodes="{len(net.nodes)}" '
        f'font-family="sans-serif">',
        f'<title id="ego-svg-title">{escape(title)}</title>',
    ]
    for e in sorted(net.edges, key=lambda e: centre in (e.source, e.target)):
        a, b = by_id[e.source], by_id[e.target]
        spoke = centre in (e.source, e.target)
        out.append(
            f'<line x1="{a.x}" y1="{a.y}" x2="{b.x}" y2="{b.y}" stroke="{EDGE_CO}" '
            f'stroke-width="{(1 + 1.5 * (e.weight - 1)) if spoke else 1:g}" stroke-opacity="{0.75 if spoke else 0.25}"/>'
        )
    for n in net.nodes:
        is_centre = n.id == centre
        r = 14.0 if is_centre else min(node_radius(n), 11.0)
        # labels point away from the centre, so long names run off to the side, not over the ring
        dx = (n.x - EGO_WIDTH / 2) / (EGO_WIDTH / 2)
        anchor, x = "middle", n.x
        if not is_centre and abs(dx) > 0.25:
            anchor, x = ("start", n.x + r + 5) if dx > 0 else ("end", n.x - r - 5)
            y = n.y + 4
        elif n.y < EGO_HEIGHT / 2 and not is_centre:
            y = n.y - r - 5
        else:
            y = n.y + r + 13
        bold = ' font-weight="bold"' if is_centre else ""
        out.append(
            f'<a href={quoteattr(n.href)} class="node" data-node={quoteattr(n.id)}>'
            f'<title>{escape(n.title)}</title>'
            f'<circle cx="{n.x}" cy="{n.y}" r="{r:g}" fill="{AREA_COLOURS.get(n.area, AGENCY_STROKE)}" '
            f'stroke="{AGENCY_STROKE}" stroke-width="{2.5 if is_centre else 1.5}"/>'
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{14 if is_centre else 12}"'
            f'{bold} fill="{TEXT}" stroke="#ffffff" stroke-width="3" '
            f'paint-order="stroke">{escape(n.label)}</text></a>'
        )
    out.append("</svg>")
    return "\n".join(out)
