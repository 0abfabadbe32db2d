"""The vendored editor (YASGUI, fflate): present, versioned, licensed, and the CSP allows only its two style blocks."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from service.app import CONTENT_SECURITY_POLICY, YASR_STYLE_HASHES

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "service" / "static" / "vendor"


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def test_vendored_versions_match_package_json():
    pinned = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]
    assert (VENDOR / "yasgui" / "VERSION").read_text().strip() == pinned["@zazuko/yasgui"]
    assert (VENDOR / "fflate" / "VERSION").read_text().strip() == pinned["fflate"]
    for name in ("yasgui", "fflate"):
        assert "MIT" in (VENDOR / name / "LICENSE").read_text(encoding="utf-8")


def test_csp_hashes_are_those_of_the_style_blocks_yasr_inserts():
    bundle = (VENDOR / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    grips = re.search(r"createStyle\([a-zA-Z_$]+,`( \.grip-resizable[^`]*)`\)", bundle)
    cursor = re.search(r"dragCursor:`([^`]*)`", bundle)
    assert grips is not None and cursor is not None, "the column resizer changed: recompute YASR_STYLE_HASHES"
    expected = {_sha256(grips.group(1)), _sha256("*{cursor:" + cursor.group(1) + "!important}")}
    assert set(YASR_STYLE_HASHES) == expected
    style_src = re.search(r"style-src ([^;]*);", CONTENT_SECURITY_POLICY).group(1).split()
    assert style_src == ["'self'", *YASR_STYLE_HASHES]  # no 'unsafe-inline', nothing else


def test_the_bundle_calls_no_remote_service_by_default_that_the_page_does_not_switch_off():
    # the page turns these off (query.js); if the bundle grows a new remote default, look again
    bundle = (VENDOR / "yasgui" / "yasgui.min.js").read_text(encoding="utf-8")
    page = (ROOT / "service" / "static" / "js" / "query.js").read_text(encoding="utf-8")
    assert "lov.linkeddata.es" in bundle and 'autocompleters: ["prefixes", "variables"]' in page
    assert "prefixCcApi: null" in page and "persistenceId: null" in page
