"""The search journey in Chromium: type an acronym or a Chinese name in the header, pick the suggestion, land on the agency."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("typed", "lang"), [("UNFPA", "en"), ("人口基金", "zh"), ("unfpa", "zh")])
def test_staff_find_an_agency_from_the_header_search_by_keyboard(session, artifacts, typed, lang):
    page = session.page
    session.goto(f"/?lang={lang}")
    box = page.get_by_role("combobox")
    box.click()
    box.fill(typed)
    listbox = page.locator("#site-q-list")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    first = page.locator("#site-q-list [role=option]").first
    assert "UNFPA" in first.inner_text() or "人口基金" in first.inner_text()
    page.screenshot(path=str(artifacts / f"search-suggest-{lang}-{typed.encode().hex()[:12]}.png"))
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "site-q-opt-0"
    assert first.get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        box.press("Enter")
    assert page.url.endswith("/agency/UNFPA")
    # the agency page answers the staff member's questions: areas, partners, the paragraphs that name it
    assert page.locator("#h-areas").is_visible()
    assert page.locator("section[aria-labelledby=h-areas] a[href^='/area/']").count() >= 1
    assert page.locator("section[aria-labelledby=h-partners] a[href^='/agency/']").count() >= 1
    assert page.locator("section[aria-labelledby=h-quotes] mark").count() >= 1
    page.screenshot(path=str(artifacts / f"search-agency-{lang}.png"), full_page=False)


def test_escape_closes_suggestions_and_enter_then_runs_a_full_search(session, artifacts):
    page = session.page
    session.goto("/?lang=en")
    box = page.get_by_role("combobox")
    box.fill("women peace")
    page.locator("#site-q-list").wait_for(state="visible")
    box.press("Escape")
    assert page.locator("#site-q-list").is_hidden() and box.get_attribute("aria-expanded") == "false"
    with page.expect_navigation():
        box.press("Enter")
    assert "/search?q=women+peace" in page.url
    assert "results" in page.locator(".result-count").inner_text()
    assert page.locator("ol.passages li").count() >= 1
    page.screenshot(path=str(artifacts / "search-results-women-peace-en.png"))


def test_the_agency_directory_leads_to_an_agency(session, artifacts):
    page = session.page
    session.goto("/agency?lang=zh")
    page.screenshot(path=str(artifacts / "directory-agency-zh.png"))
    page.locator("a[href='/agency/UNFPA']").first.click()
    page.wait_for_url("**/agency/UNFPA")
    assert page.locator("h1").inner_text().startswith("联合国人口基金")
