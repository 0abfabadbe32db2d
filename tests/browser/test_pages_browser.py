"""The staff pages in a real browser: the questions they answer, language, editor, network, accessibility."""

from __future__ import annotations

import csv
import io
import re

from pathlib import Path

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
    page.wait_for_url(re.compile(r"/read#para-56-item-2$"))
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


def test_named_query_runs_from_the_editor_and_downloads_csv(session, artifacts):
    page = session.page
    session.goto("/query")
    page.select_option("#query-pick", "partners-by-area")
    assert "partners" in page.input_value("#query-text").lower() or "pk:impactArea" in page.input_value("#query-text")
    assert page.get_attribute("#query-form-link", "href") == "/queries/partners-by-area/form"
    page.get_by_role("button", name="Run").click()
    rows = page.locator("#query-results table tbody tr")
    rows.first.wait_for()
    assert rows.count() > 20
    assert re.match(r"\d+ rows", page.inner_text("#query-status"))
    assert page.locator("#query-results a[href='/id/org/UNFPA']").count() >= 1
    page.screenshot(path=str(artifacts / "07-query-editor.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    path = info.value.path()
    table = list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    assert table[0][:2] == ["area", "agency"] and len(table) == rows.count() + 1

    # an error is shown, not thrown
    page.fill("#query-text", "SELECT * WHERE { ?s ?p }")
    page.focus("#query-text")
    page.keyboard.press("Control+Enter")
    page.locator("#query-results [role=alert]").wait_for()
    session.errors.clear()  # the 400 of the bad query is logged by the browser on purpose


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
