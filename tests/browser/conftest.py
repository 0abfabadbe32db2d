"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for tests/browser/.

Nothing is downloaded: Playwright's Python wheel brings the driver and the tests
point it at the system Chromium. Screenshots go to tests/artifacts/browser/, or to
the directory named by PLANKG_BROWSER_ARTIFACTS (CI uploads it); the run's
summary lists the files written.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("PLANKG_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("PLANKG_BROWSER_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts" / "browser")
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the driver ships in the wheel)")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _STARTED.append(ARTIFACTS)
    return ARTIFACTS


_STARTED: list[Path] = []


def pytest_terminal_summary(terminalreporter) -> None:
    """Name the screenshots this run wrote, so a reader of the log can open them."""
    if not _STARTED:
        return
    shots = sorted(_STARTED[0].glob("*.png"))
    terminalreporter.section(f"browser screenshots in {_STARTED[0]}")
    for shot in shots:
        terminalreporter.write_line(shot.name)


class PageSession:
    """One browser context (cookies) and page, collecting console errors and CSP reports."""

    def __init__(self, context, base: str) -> None:
        self.context = context
        self.base = base
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        # None: only the fragment changed, so the browser stayed on the same document
        assert response is None or response.status == 200, (path, response.status)
        return response


@pytest.fixture
def session(browser, live_server) -> Iterator[PageSession]:
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    s = PageSession(context, live_server)
    try:
        yield s
    finally:
        context.close()
    # the CSP allows only our own files; a blocked inline script or style shows up here
    assert not [e for e in s.errors if "Content Security Policy" in e], s.errors
    assert not s.errors, s.errors


@pytest.fixture
def axe_session(browser, live_server) -> Iterator[PageSession]:
    """axe-core is injected by the test, so this context bypasses the CSP for that one script."""
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    s = PageSession(context, live_server)
    try:
        yield s
    finally:
        context.close()
