"""The partner network: pairs from shared interventions, a stable layout, a safe SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from service.network import HEIGHT, WIDTH, build_network, layout, render_svg

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


def test_long_labels_are_shortened_but_kept_whole_in_the_accessible_name():
    rows = [row("X", "1.1", "evaw", "A very long organization name indeed"), row("Y", "1.1", "evaw")]
    net = build_network(rows, LABELS, "en")
    node = next(n for n in net.nodes if n.id == "org:X")
    assert node.label.endswith("…") and len(node.label) <= 18
    svg = ET.fromstring(render_svg(net, "t", "en"))
    link = next(a for a in svg.iter("{http://www.w3.org/2000/svg}a") if a.get("data-node") == "org:X")
    assert link.get("aria-label").startswith(node.label) and "indeed" in link.get("aria-label")


def test_svg_escapes_text_and_attributes():
    rows = [row('<script>"x"</script>', "1.1", "evaw", "<b>&</b>"), row("Y", "1.1", "evaw")]
    text = render_svg(build_network(rows, LABELS, "en"), "<title>", "en")
    assert "<script>" not in text and "<b>" not in text
    svg = ET.fromstring(text)  # well-formed
    assert svg.get("data-nodes") == "3"
    hrefs = [a.get("href") for a in svg.iter("{http://www.w3.org/2000/svg}a")]
    assert '/agency/<script>"x"</script>' in hrefs  # the attribute round-trips as text
