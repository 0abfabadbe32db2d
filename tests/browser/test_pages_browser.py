"""The staff pages in a real browser: the questions they answer, language, editor, network, accessibility."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.browser



def test_from_home_to_who_co_delivers_ending_violence_and_the_paragraph_that_says_so(session, artifacts):
    page = session.page
    session.goto("/?lang=en")
    page.screenshot(path=str(artifacts / "01-home-en.png"), full_page=True)
    page.get_by_role("link", name="Which agencies co-deliver ending-violence interventions?").click()
    page.wait_for_url(re.compile(r"/area/evaw"))
    agencies = page.locator("#h-agencies + .table-wrap table")
    assert agencies.get_by_role("link", name="UNFPA", exact=True).is_visible()
    for name in ("UNDP", "WHO", "OHCHR", "UNODC"):
        assert agencies.get_by_role("link", name=name, exact=True).count() == 1
    page.screenshot(path=str(artifacts / "02-area-evaw-en.png"), full_page=True)

    agencies.get_by_role("link", name="UNFPA", exact=True).click()
    page.wait_for_url(re.compile(r"/agency/UNFPA"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("United Nations Population Fund")
    partners = page.locator("#h-partners + .table-wrap table tbody tr")
    assert partners.count() >= 10
    first = partners.first
    assert first.locator("th").inner_text() == "UNDP" and first.locator("td.num").inner_text() == "4"
    page.screenshot(path=str(artifacts / "03-agency-unfpa-en.png"), full_page=True)

    # the answer's source: the bullet item of paragraph 56 in the reader
    first.get_by_role("link", name="56.2").click()
    page.wait_for_url(re.compile(r"/read\?highlight=UNFPA&from=%2Fagency%2FUNFPA#para-56-item-2$"))
    item = page.locator("#para-56-item-2")
    assert item.is_visible() and "人口基金" in item.inner_text()
    assert page.evaluate("document.querySelector(':target').id") == "para-56-item-2"
    box = item.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"]  # scrolled into view
    page.screenshot(path=str(artifacts / "04-reader-para-56-en.png"))

    # and a mention in the reader leads back to the agency
    item.get_by_role("link", name="人口基金").click()
    page.wait_for_url(re.compile(r"/agency/UNFPA$"))


def test_reader_deep_links_and_footnotes_in_place(session, artifacts):
    page = session.page
    session.goto("/read#p49")
    assert page.evaluate("document.querySelector(':target').id") == "p49"
    assert page.locator("#para-49").is_visible()
    page.screenshot(path=str(artifacts / "05-reader-p49.png"))
    session.goto("/read#para-80")
    page.locator("#para-80 a.fn-ref").click()
    assert page.evaluate("location.hash") == "#footnote-26"
    assert page.locator("#footnote-26").is_visible()
    page.locator("#footnote-26 a.fn-num").click()
    assert page.evaluate("location.hash") == "#para-80"


def test_language_switch_persists_across_navigation(session, artifacts):
    page = session.page
    session.goto("/area/evaw")
    assert page.get_attribute("html", "lang") == "en"  # the browser asks for English first
    page.get_by_role("link", name="中文").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text() == "制止暴力侵害妇女和女童"
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="伙伴网络").click()
    page.wait_for_url(re.compile(r"/network$"))
    assert page.get_attribute("html", "lang") == "zh-Hans"  # no ?lang= in the URL: the cookie carried it
    page.get_by_role("link", name="人口基金", exact=True).first.click()
    page.wait_for_url(re.compile(r"/agency/UNFPA"))
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert "共同实施伙伴" in page.inner_text("#h-partners")
    page.screenshot(path=str(artifacts / "06-agency-unfpa-zh.png"), full_page=True)
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "UN-Women Strategic Plan 2022–2025"


def test_query_form_page_shows_a_table(session, artifacts):
    page = session.page
    session.goto("/queries/partners-by-area/form")
    page.select_option("#param-area", "wps")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url(re.compile(r"area=wps"))
    # co-delivering UN entities only since collaborations carry roles: compare with the API's answer
    answer = page.request.get(session.base + "/queries/partners-by-area?area=wps")
    rows = int(answer.headers["x-plankg-rows"])
    assert rows > 0 and page.locator(".results-table tbody tr").count() == rows
    page.screenshot(path=str(artifacts / "08-query-form.png"), full_page=True)


def test_network_filter_changes_the_node_count(session, artifacts):
    page = session.page
    session.goto("/network")
    before = int(page.inner_text("#node-count"))
    assert page.locator("#network-canvas svg .node").count() == before
    page.screenshot(path=str(artifacts / "09-network-all.png"), full_page=True)
    page.select_option("#network-area", "evaw")
    expect(page.locator("#node-count")).not_to_have_text(str(before))
    after = int(page.inner_text("#node-count"))
    assert 0 < after < before
    assert page.locator("#network-canvas svg .node").count() == after
    assert "area=evaw" in page.url
    assert "area=evaw" in page.get_attribute("#network-download", "href")
    # keyboard: a node is focusable and highlights its links
    node = page.locator("#network-canvas svg a.node[data-node='org:UNFPA']")
    node.focus()
    assert page.locator("#network-canvas svg.focus-mode line.hl").count() > 0
    page.screenshot(path=str(artifacts / "10-network-evaw.png"), full_page=True)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/agency/UNFPA"))


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(session):
    page = session.page
    session.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def _label_boxes(page) -> list[dict]:
    """Screen boxes of the network's visible node labels."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#network-canvas svg .node'))
            .filter(n => getComputedStyle(n.querySelector('text')).visibility !== 'hidden')
            .map(n => { const r = n.querySelector('text').getBoundingClientRect();
                        return {id: n.getAttribute('data-node'), x: r.x, y: r.y, w: r.width, h: r.height}; })"""
    )


def test_network_is_laid_out_by_d3_with_labels_that_do_not_overlap(session, artifacts):
    page = session.page
    session.goto("/network?lang=en")
    expect(page.locator("#network-canvas svg")).to_have_attribute("data-laid-out", "d3-force")
    boxes = _label_boxes(page)
    assert len(boxes) >= 20  # most labels shown; the rest appear on hover or focus
    overlapping = [
        (a["id"], b["id"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        # a pixel of anti-aliasing either way is not an overlap
        if a["x"] + 1 < b["x"] + b["w"] and b["x"] + 1 < a["x"] + a["w"] and a["y"] + 1 < b["y"] + b["h"] and b["y"] + 1 < a["y"] + a["h"]
    ]
    assert not overlapping, overlapping
    # no label is cut short: each shows the node's whole label
    texts = page.evaluate("Array.from(document.querySelectorAll('#network-canvas svg .node text')).map(t => t.textContent)")
    assert not [t for t in texts if t.endswith("…")]
    # a hidden label shows when its node has focus
    minor = page.locator("#network-canvas svg a.node.label-minor").first
    if minor.count():
        minor.focus()
        assert page.evaluate("getComputedStyle(document.activeElement.querySelector('text')).visibility") == "visible"
    page.screenshot(path=str(artifacts / "11-network-labels-en.png"), full_page=True)


def test_network_zooms_and_pans_with_the_buttons(session, artifacts):
    page = session.page
    session.goto("/network?lang=en")
    viewport = page.locator("#network-canvas svg g.viewport")
    before = viewport.get_attribute("transform")
    page.get_by_role("button", name="Zoom in").click()
    zoomed = viewport.get_attribute("transform")
    assert zoomed != before and "scale(1.5" in zoomed
    page.get_by_role("button", name="Pan left").click()
    assert viewport.get_attribute("transform") != zoomed
    page.screenshot(path=str(artifacts / "12-network-zoomed.png"))
    page.get_by_role("button", name="Reset view").click()
    assert viewport.get_attribute("transform") == "translate(0.00 0.00) scale(1.0000) translate(0 58)"


def test_network_exports_svg_and_png_with_title_legend_filter_and_source(session, artifacts):
    page = session.page
    session.goto("/network?area=evaw&lang=en")
    with page.expect_download() as svg_download:
        page.locator("#network-download").click()
    svg_path = artifacts / "network-export-evaw.svg"
    svg_download.value.save_as(svg_path)
    text = svg_path.read_text(encoding="utf-8")
    assert svg_download.value.suggested_filename == "plankg-network-evaw-en.svg"
    for expected in ("Partner network", "Impact area: Ending violence", "Economic empowerment", "Source: UN-Women Strategic Plan", "/network?area=evaw"):
        assert expected in text, expected
    assert "focus-mode" not in text and " hl" not in text
    with page.expect_download() as png_download:
        page.get_by_role("button", name="Download PNG").click()
    png_path = artifacts / "network-export-evaw.png"
    png_download.value.save_as(png_path)
    data = png_path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert png_download.value.suggested_filename == "plankg-network-evaw-en.png"


def test_reader_landing_keeps_paragraph_and_area_in_view_with_a_way_back(session, artifacts):
    page = session.page
    session.goto("/agency/UNFPA?lang=en")
    page.locator("#h-interventions ~ ol a.para-link").first.click()
    page.wait_for_url(re.compile(r"/read\?highlight=UNFPA"))
    bar = page.locator("#reader-where")
    expect(bar).to_have_text(re.compile(r"^¶\d+ · "))
    assert page.locator("mark.asked").count() > 1
    page.screenshot(path=str(artifacts / "13-reader-from-agency.png"))
    page.goto(session.base + "/read?lang=en#p56")
    expect(bar).to_have_text("¶56 · Ending violence")
    page.mouse.wheel(0, 250)
    expect(bar).to_have_text("¶56 · Ending violence")  # still inside paragraph 56's items
    page.locator("#reader-back").wait_for(state="attached")
    page.goto(session.base + "/read?lang=en&from=/agency/UNFPA#p56")
    page.locator("#reader-back").click()
    page.wait_for_url(re.compile(r"/agency/UNFPA$"))


def test_reader_side_contents_stay_in_view_on_wide_screens(session):
    page = session.page
    session.goto("/read?lang=en#p80")
    toc = page.locator("nav.toc")
    box = toc.bounding_box()
    assert box is not None and 0 <= box["y"] < 200 and box["x"] < 400  # beside the text, still on screen
