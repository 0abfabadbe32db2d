"""Every page, in both languages, on a desktop and on a phone: axe-core finds nothing
moderate or worse, nothing scrolls sideways at 375 px, and a screenshot of each is kept."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api")
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "area-governance": "/area/governance",
    "area-wee": "/area/wee",
    "area-evaw": "/area/evaw",
    "area-wps": "/area/wps",
    "agency-unfpa": "/agency/UNFPA",
    "agency-who": "/agency/WHO",
    "reader": "/read",
    "reader-from-agency": "/read?highlight=UNFPA&from=/agency/UNFPA#para-56-item-2",
    "network": "/network",
    "network-evaw": "/network?area=evaw",
    "network-page-2": "/network?page=2",
    "query": "/query",
    "query-form": "/queries/partners-by-area/form?area=evaw&run=1",
    "search": "/search?q=UNFPA",
    "directory-agency": "/agency",
    "directory-sdg": "/sdg",
    "validate": "/validate",
    "ontology": "/ontology",
    "entity": "/id/org/UNFPA",
    "annotate": "/annotate",
}
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 375, "height": 812}
BLOCKING = ("moderate", "serious", "critical")


def axe_findings(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )


def sideways(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def url(path: str, lang: str) -> str:
    base, _, fragment = path.partition("#")
    joined = base + ("&" if "?" in base else "?") + f"lang={lang}"
    return joined + ("#" + fragment if fragment else "")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_passes_axe_on_desktop_and_phone_and_fits_375_px(browser, live_server, artifacts, name, lang):
    # axe-core is injected by the test, so this context bypasses the CSP for that one script
    context = browser.new_context(locale="zh-CN" if lang == "zh" else "en-US", viewport=DESKTOP, bypass_csp=True)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        found = {}
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            # by way of a blank page: a second goto to a URL with a #fragment would only scroll,
            # and a reload would restore the previous scroll position instead of landing
            page.goto("about:blank")
            response = page.goto(live_server + url(PAGES[name], lang))
            assert response is not None and response.status == 200, (name, response and response.status)
            page.wait_for_load_state("load")
            page.screenshot(path=str(artifacts / f"page-{name}-{lang}-{label}.png"), full_page=label == "desktop")
            found[label] = [v for v in axe_findings(page) if v["impact"] in BLOCKING]
        page.set_viewport_size(NARROW)
        page.goto("about:blank")
        page.goto(live_server + url(PAGES[name], lang))
        overflow = sideways(page)
        assert not found["desktop"] and not found["phone"], found
        assert overflow <= 0, (name, lang, overflow)
        assert not errors, errors
    finally:
        context.close()
