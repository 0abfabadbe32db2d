"""The partner network: agencies linked by the key interventions they co-deliver.

One renderer, on the server: the page inlines the SVG (so links work without
JavaScript), ``/network.svg`` serves the same drawing as a download, and the
page script swaps in a fresh SVG when the area filter changes. The layout is a
small deterministic force simulation, so the same data always gives the same
picture and no layout library has to be shipped.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations

WIDTH, HEIGHT = 960, 640
MARGIN = 80
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
    area: str = ""  # for areas: their id (colour)
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


LABEL_MAX = {"en": 18, "zh": 9}


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

    def short(text: str) -> str:
        limit = LABEL_MAX.get(lang, 18)
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

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
        nodes.append(
            Node(
                id=f"org:{oid}",
                kind="agency",
                label=short(r["network_label"][lang] or r["network_label"][other]),
                title=pick(r["label"]),
                href=r["href"],
                weight=involvement[oid],
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
    order = ("governance", "wee", "evaw", "wps")
    return order.index(a) if a in order else len(order)


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
        for k, i in enumerate(hubs):
            angle = 2 * math.pi * k / len(hubs) + math.pi / 4
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
    for nid, (x, y) in zip(node_ids, pos):
        px = MARGIN + (x - min(xs)) / span_x * (WIDTH - 2 * MARGIN) if n > 1 else WIDTH / 2
        py = MARGIN + (y - min(ys)) / span_y * (HEIGHT - 2 * MARGIN) if n > 1 else HEIGHT / 2
        out[nid] = (round(px, 1), round(py, 1))
    return out


def node_radius(node: Node) -> float:
    if node.kind == "area":
        return 16.0
    return 5.0 + 2.5 * math.sqrt(max(node.weight, 1))


def render_svg(net: Network, title: str, lang: str) -> str:
    """A standalone SVG (presentation attributes only, so it looks the same downloaded)."""
    # here, not at the top: xml.sax.saxutils imports urllib.request, ~40 ms of every server start
    from xml.sax.saxutils import escape, quoteattr

    by_id = {n.id: n for n in net.nodes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" class="network-svg" lang={quoteattr(lang)} '
        f'aria-labelledby="network-svg-title" data-nodes="{len(net.nodes)}" data-edges="{len(net.edges)}" '
        f'data-area={quoteattr(net.area or "")} font-family="sans-serif">',
        f'<title id="network-svg-title">{escape(title)}</title>',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
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
    for n in sorted(net.nodes, key=lambda n: n.kind == "area"):
        r = node_radius(n)
        if n.kind == "area":
            colour = AREA_COLOURS.get(n.area, "#333333")
            shape = (
                f'<rect x="{n.x - r:.1f}" y="{n.y - r:.1f}" width="{2 * r:g}" height="{2 * r:g}" rx="4" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="2"/>'
            )
            weight = ' font-weight="bold"'
            size = 15
        else:
            shape = f'<circle cx="{n.x}" cy="{n.y}" r="{r:.1f}" fill="{AGENCY_FILL}" stroke="{AGENCY_STROKE}" stroke-width="2"/>'
            weight = ""
            size = 12
        # the accessible name starts with the visible label (WCAG 2.5.3), then the full name
        name = n.label if n.label == n.title else f"{n.label}: {n.title}"
        out.append(
            f'<a href={quoteattr(n.href)} class="node node-{n.kind}" data-node={quoteattr(n.id)} '
            f'aria-label={quoteattr(name)}><title>{escape(n.title)}</title>{shape}'
            f'<text x="{n.x:.1f}" y="{n.y + r + size:.1f}" text-anchor="middle" font-size="{size}"{weight} '
            f'fill="{TEXT}" stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(n.label)}</text></a>'
        )
    out.append("</g></svg>")
    return "\n".join(out)
