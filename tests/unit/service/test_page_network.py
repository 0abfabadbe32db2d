"""The partner network: pairs from shared interventions, a stable layout, a safe SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from service.network import (
    HEIGHT,
    WIDTH,
    Frame,
    build_network,
    ego_network,
    layout,
    render_ego_svg,
    render_svg,
)

FRAME = Frame("t", "Impact area: all", [("#a3143c", "Ending violence")], "Source: UNW/2021/6")

LABELS = {"evaw": {"en": "Ending violence", "zh": "制止暴力"}, "wee": {"en": "Economy", "zh": "经济"}}


def row(org: str, intervention: str, area: str, label: str | None = None) -> dict:
    name = label or org
    return {
        "id": org,
        "href": f"/agency/{org}",
        "label": {"en": name, "zh": name + "署"},
        "network_label": {"en": name, "zh": name + "署"},
        "intervention": intervention,
        "area": area,
        "area_href": f"/area/{area}",
    }


ROWS = [
    row("UNFPA", "56.2", "evaw"),
    row("UNDP", "56.2", "evaw"),
    row("WHO", "56.2", "evaw"),
    row("UNFPA", "56.3", "evaw"),
    row("UNDP", "56.3", "evaw"),
    row("UNDP", "53.1", "wee"),
    row("ILO", "53.1", "wee"),
]


def test_agencies_are_linked_once_per_pair_weighted_by_shared_interventions():
    net = build_network(ROWS, LABELS, "en")
    co = {(e.source, e.target): e for e in net.edges if e.kind == "co"}
    assert co[("org:UNDP", "org:UNFPA")].weight == 2
    assert co[("org:UNDP", "org:UNFPA")].interventions == ["56.2", "56.3"]
    assert co[("org:UNDP", "org:WHO")].weight == 1
    assert ("org:ILO", "org:UNFPA") not in co
    hubs = {(e.source, e.target): e.weight for e in net.edges if e.kind == "area"}
    assert hubs[("area:evaw", "org:UNDP")] == 2 and hubs[("area:wee", "org:UNDP")] == 1


def test_filtering_by_area_keeps_only_that_area():
    net = build_network(ROWS, LABELS, "zh", area="wee")
    assert sorted(n.id for n in net.nodes) == ["area:wee", "org:ILO", "org:UNDP"]
    assert [n.label for n in net.nodes if n.kind == "area"] == ["经济"]


def test_layout_is_deterministic_and_inside_the_drawing():
    ids = ("area:evaw", "org:A", "org:B", "org:C")
    edges = (("area:evaw", "org:A", 1), ("org:A", "org:B", 2))
    first = layout(ids, edges)
    layout.cache_clear()
    assert layout(ids, edges) == first
    for x, y in first.values():
        assert 0 <= x <= WIDTH and 0 <= y <= HEIGHT


def test_long_labels_are_kept_whole_on_the_node_and_in_the_accessible_name():
    rows = [row("X", "1.1", "evaw", "A very long organization name indeed"), row("Y", "1.1", "evaw")]
    net = build_network(rows, LABELS, "en")
    node = next(n for n in net.nodes if n.id == "org:X")
    assert node.label == "A very long organization name indeed"
    svg = ET.fromstring(render_svg(net, FRAME, "en"))
    link = next(a for a in svg.iter(SVG + "a") if a.get("data-node") == "org:X")
    assert link.get("aria-label").startswith(node.label)
    assert link.find(SVG + "text").text == node.label


SVG = "{http://www.w3.org/2000/svg}"


def test_an_agency_takes_the_colour_of_the_area_it_is_named_in_most():
    net = build_network(ROWS, LABELS, "en")
    area_of = {n.id: n.area for n in net.nodes}
    assert area_of["org:UNDP"] == "evaw"  # two evaw interventions, one wee
    assert area_of["org:ILO"] == "wee"
    svg = ET.fromstring(render_svg(net, FRAME, "en"))
    fills = {a.get("data-node"): a.find(SVG + "circle").get("fill") for a in svg.iter(SVG + "a") if a.get("data-node").startswith("org:")}
    assert fills["org:UNDP"] == "#a3143c" and fills["org:ILO"] == "#8a4b00"


def test_the_drawing_carries_title_filter_legend_and_source_outside_the_zoomed_plot():
    svg = ET.fromstring(render_svg(build_network(ROWS, LABELS, "en"), FRAME, "en"))
    frame = next(g for g in svg.iter(SVG + "g") if g.get("class") == "frame")
    texts = [t.text for t in frame.iter(SVG + "text")]
    assert texts == ["t", "Impact area: all", "Ending violence", "Source: UNW/2021/6"]
    viewport = next(g for g in svg.iter(SVG + "g") if g.get("class") == "viewport")
    assert frame not in list(viewport.iter(SVG + "g"))
    assert len(list(viewport.iter(SVG + "a"))) == int(svg.get("data-nodes"))


def test_ego_network_holds_the_agency_its_partners_and_the_links_among_them():
    ego = ego_network(build_network(ROWS, LABELS, "en"), "org:UNFPA")
    assert [n.id for n in ego.nodes] == ["org:UNFPA", "org:UNDP", "org:WHO"]  # strongest partner first
    assert {(e.source, e.target) for e in ego.edges} == {("org:UNDP", "org:UNFPA"), ("org:UNFPA", "org:WHO"), ("org:UNDP", "org:WHO")}
    assert ego_network(build_network(ROWS, LABELS, "en"), "org:NOBODY") is None
    svg = ET.fromstring(render_ego_svg(ego, "org:UNFPA", "<t>", "en"))
    assert [a.get("href") for a in svg.iter(SVG + "a")] == ["/agency/UNFPA", "/agency/UNDP", "/agency/WHO"]
    assert svg.find(SVG + "title").text == "<t>"


def test_svg_escapes_text_and_attributes():
    rows = [row('<script>"x"</script>', "1.1", "evaw", "<b>&</b>"), row("Y", "1.1", "evaw")]
    text = render_svg(build_network(rows, LABELS, "en"), Frame("<title>", "<f>", [("#000", "<l>")], "<s>"), "en")
    assert "<script>" not in text and "<b>" not in text
    assert not any(raw in text for raw in ("<f>", "<l>", "<s>")) and "&lt;title&gt;" in text
    svg = ET.fromstring(text)  # well-formed
    assert svg.get("data-nodes") == "3"
    hrefs = [a.get("href") for a in svg.iter("{http://www.w3.org/2000/svg}a")]
    assert '/agency/<script>"x"</script>' in hrefs  # the attribute round-trips as text


def test_labels_that_would_collide_are_marked_minor_and_left_out_of_a_standalone_file():
    # ten agencies in one intervention: a crowded drawing with long names
    rows = [row(f"ORG{i}", "1.1", "evaw", f"Organization number {i} with a long name") for i in range(10)]
    net = build_network(rows, LABELS, "en")
    for n in net.nodes:  # all on one spot: only one label can be placed there
        n.x, n.y = 480.0, 320.0
    page = ET.fromstring(render_svg(net, FRAME, "en"))
    nodes = [a for a in page.iter(SVG + "a")]
    minor = [a for a in nodes if "label-minor" in a.get("class")]
    assert minor and len(minor) < len(nodes)
    assert all(a.find(SVG + "text") is not None for a in nodes)  # the page shows them on hover or focus
    standalone = ET.fromstring(render_svg(net, FRAME, "en", standalone=True))
    texts = [a.find(SVG + "text") for a in standalone.iter(SVG + "a")]
    assert sum(t is None for t in texts) == len(minor)
    assert all(a.get("aria-label") for a in standalone.iter(SVG + "a"))  # names stay for screen readers
