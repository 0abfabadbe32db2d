"""Another agency's web page, on another origin, reads the service in a real browser (issue 18).

A tiny page is served from a second 127.0.0.1 port; in headless Chromium it reads
/sparql with ``fetch``, dereferences an IRI as JSON-LD and shows its English label,
and jsonld.js (vendored, tests/browser/vendor/jsonld/) expands every entity kind's
JSON-LD to the triples of its Turtle. Its document loader refuses every URL, so
nothing is fetched to read a context.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import pyoxigraph as ox
import pytest

from plankg.namespaces import Namespaces
from plankg.settings import Settings

pytestmark = pytest.mark.browser

JSONLD_JS = Path(__file__).resolve().parent / "vendor" / "jsonld" / "jsonld.min.js"
NS = Namespaces.of(Settings())

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another agency's dashboard</title>
<script src="jsonld.min.js"></script></head>
<body>
<p>Impact areas: <output id="areas">…</output></p>
<p>Agency: <output id="label">…</output></p>
<p id="error"></p>
<script>
const params = new URLSearchParams(location.search);
const api = params.get("api");  // where the service answers
const base = params.get("base");  // the base of its IRIs (PLANKG_BASE_IRI)
const noFetch = async (url) => { throw new Error("no remote document may be loaded: " + url); };
async function main() {
  const query = "PREFIX pk: <" + base + "ontology#> SELECT (COUNT(?a) AS ?n) WHERE { ?a a pk:ImpactArea }";
  const results = await fetch(api + "/sparql?query=" + encodeURIComponent(query),
                              {headers: {"Accept": "application/sparql-results+json"}});
  document.getElementById("areas").textContent = (await results.json()).results.bindings[0].n.value;
  const entity = await fetch(api + "/id/org/UNFPA", {headers: {"Accept": "application/ld+json"}});
  const doc = await entity.json();
  const expanded = await jsonld.expand(doc, {documentLoader: noFetch});
  const node = expanded.find((n) => n["@id"] === base + "id/org/UNFPA");
  const label = node["http://www.w3.org/2004/02/skos/core#prefLabel"].find((l) => l["@language"] === "en");
  document.getElementById("label").textContent = label["@value"];
}
main().catch((e) => { document.getElementById("error").textContent = String(e); });
window.toNQuads = async (path) => {
  const r = await fetch(api + path, {headers: {"Accept": "application/ld+json"}});
  return await jsonld.toRDF(await r.json(), {format: "application/n-quads", documentLoader: noFetch});
};
</script>
</body></html>
"""


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory) -> Iterator[str]:
    """A static site on a port of its own: another origin than the service."""
    assert JSONLD_JS.is_file(), "run npm run vendor (package.json) to vendor jsonld.js"
    root = tmp_path_factory.mktemp("other-origin")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    shutil.copy(JSONLD_JS, root / "jsonld.min.js")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dashboard(browser, other_origin, live_server):
    """The other origin's page, open in a fresh browser context, pointed at the service."""
    assert urlsplit(other_origin).port != urlsplit(live_server).port
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{other_origin}/index.html?" + urlencode({"api": live_server, "base": NS.base}))
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


def test_a_page_on_another_origin_queries_and_shows_an_english_label(dashboard, live_server):
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(dashboard.locator("#label")).to_have_text("United Nations Population Fund", timeout=20_000)
    expect(dashboard.locator("#areas")).to_have_text("4")
    assert dashboard.locator("#error").text_content() == ""


def one_entity_per_kind(built_graph) -> list[str]:
    found: dict[str, str] = {}
    for q in built_graph.quads:
        iri = q.subject.value
        if isinstance(q.subject, ox.NamedNode) and iri.startswith(NS.id):
            kind = iri[len(NS.id):].split("/")[0]
            if kind not in found or iri < found[kind]:
                found[kind] = iri
    return sorted(found.values())


def test_jsonld_js_expands_every_entity_kind_to_the_turtle_triples(dashboard, live_server, built_graph):
    dashboard.wait_for_function("typeof jsonld !== 'undefined' && typeof window.toNQuads === 'function'")
    with httpx.Client(base_url=live_server, timeout=60) as client:
        for iri in one_entity_per_kind(built_graph):
            path = urlsplit(iri).path
            nquads = dashboard.evaluate("(path) => window.toNQuads(path)", path)
            from_js = {q.triple for q in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)}
            turtle = client.get(path, headers={"Accept": "text/turtle"}).content
            from_turtle = {q.triple for q in ox.parse(turtle, format=ox.RdfFormat.TURTLE)}
            assert from_js == from_turtle and from_js, path
