"""Markup in the data or in a request is shown as text on every page; security headers everywhere.

The server's store gets hostile data before it starts (labels and texts with
``<script>``, attribute breakers, ``javascript:`` IRIs as links), as a steward's
write or an imported registry could bring. Every page that shows that data, and
every page that echoes a request parameter, must show it escaped: no inline
script, no event-handler attribute, no ``javascript:`` link. Each check also
asserts that the escaped text *is* on the page, so a page that stopped showing
the data cannot pass by accident.
"""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest
from starlette.concurrency import run_in_threadpool

from hardening_support import B

SCRIPT = "<script>alert('xss-1')</script>"
IMG = '"><img src=x onerror=alert(2)>'
SVG = "'><svg onload=alert(3)>"
ESCAPED_SCRIPT = "&lt;script&gt;alert("
ESCAPED_IMG = "&lt;img src=x onerror=alert(2)&gt;"

RDF, RDFS, SKOS, PK, ORG = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2004/02/skos/core#",
    B + "ontology#",
    "http://www.w3.org/ns/org#",
)
G_REGISTRY, G_PLAN = ox.NamedNode(B + "graph/registry"), ox.NamedNode(B + "graph/plan")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _hostile_change(quads: list[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(removed, added): UNFPA, intervention 56.2 and paragraph 1 relabelled with markup; a new org EVIL."""
    unfpa, evil, i562, para1 = _n(B + "id/org/UNFPA"), _n(B + "id/org/EVIL"), _n(B + "id/intervention/56-2"), _n(B + "id/para/1")
    relabel = {_n(SKOS + "prefLabel"), _n(RDFS + "label")}
    removed = [
        q
        for q in quads
        if (q.subject in (unfpa, i562) and q.predicate in relabel)
        or (q.subject == para1 and q.predicate == _n(PK + "text"))
    ]
    added: list[ox.Quad] = []
    for q in removed:
        value = q.object
        if q.subject == para1:
            text = value.value + SCRIPT
        elif value.language == "en":
            text = f"{IMG} {value.value} {SCRIPT}"
        else:
            text = f"{SCRIPT}{value.value}"
        added.append(ox.Quad(q.subject, q.predicate, ox.Literal(text, language=value.language), q.graph_name))
    added += [
        ox.Quad(unfpa, _n(SKOS + "altLabel"), ox.Literal(SVG + "人口基金", language="zh"), G_REGISTRY),
        ox.Quad(unfpa, _n(ORG + "subOrganizationOf"), _n("javascript:alert(document.domain)"), G_REGISTRY),
        ox.Quad(unfpa, _n(SKOS + "exactMatch"), _n("javascript:alert(4)"), G_REGISTRY),
        ox.Quad(evil, _n(RDF + "type"), _n(PK + "UNEntity"), G_REGISTRY),
        ox.Quad(evil, _n(SKOS + "prefLabel"), ox.Literal(IMG + " Evil " + SCRIPT, language="en"), G_REGISTRY),
        ox.Quad(evil, _n(SKOS + "prefLabel"), ox.Literal(SCRIPT + "恶意", language="zh"), G_REGISTRY),
        ox.Quad(evil, _n(RDFS + "label"), ox.Literal(IMG + " Evil " + SCRIPT, language="en"), G_REGISTRY),
        ox.Quad(evil, _n(SKOS + "notation"), ox.Literal(SVG), G_REGISTRY),
        ox.Quad(evil, _n(SKOS + "altLabel"), ox.Literal(SCRIPT + "恶意", language="zh"), G_REGISTRY),
        ox.Quad(evil, _n(ORG + "subOrganizationOf"), _n("javascript:alert(5)"), G_REGISTRY),
        ox.Quad(evil, _n(RDFS + "seeAlso"), _n("javascript:alert(6)"), G_REGISTRY),
        ox.Quad(i562, _n(PK + "hasCollaborator"), evil, G_PLAN),
        ox.Quad(para1, _n(RDFS + "seeAlso"), _n("javascript:alert(7)"), G_PLAN),
    ]
    return removed, added


def _with_hostile_data(app) -> None:
    """Wrap the lifespan: once the store is open, write the hostile change into it."""
    original = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a):
        async with original(a) as state:
            store = a.state.ctx.store
            removed, added = _hostile_change(await run_in_threadpool(store.quads))
            assert removed, "the hostile fixture found nothing to relabel"
            await run_in_threadpool(store.apply_changes, removed, added)
            yield state

    app.router.lifespan_context = lifespan


@pytest.fixture(scope="module")
def client(live_server_factory):
    url = live_server_factory(customize=_with_hostile_data)
    with httpx.Client(base_url=url, timeout=60, headers={"Accept": "text/html"}) as c:
        yield c


# ---------------------------------------------------------------- what "safe" means
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "cite", "background"}


class _Audit(HTMLParser):
    """Collects what a browser would act on: handler attributes, script URLs, script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value and re.match(r"\s*(javascript|vbscript):", value, re.I):
                self.problems.append(f"script URL {name}={value!r} on <{tag}>")
        if tag == "script":
            self._script = {"attrs": dict(attrs), "body": ""}

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script["body"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            attrs, body = self._script["attrs"], self._script["body"]
            if attrs.get("type") in ("application/json", "application/ld+json"):
                pass  # a data island: never run
            elif not (attrs.get("src") or "").startswith("/") or (attrs.get("src") or "").startswith("//") or body.strip():
                self.problems.append(f"inline or foreign script {attrs} {body[:80]!r}")
            self._script = None


def assert_safe_markup(text: str, where: str) -> None:
    """No inline script, no event-handler attribute, no script URL anywhere in the page."""
    audit = _Audit()
    audit.feed(text)
    audit.close()
    assert not audit.problems, f"{where}: {audit.problems[:5]}"
    for m in re.finditer(r"<script\b[^>]*application/json[^>]*>(.*?)</script", text, re.S | re.I):
        assert "<" not in m.group(1), f"{where}: a JSON island holds a raw '<': {m.group(1)[:200]}"
    for raw in (SCRIPT, IMG.removeprefix('">'), SVG.removeprefix("'>")):
        assert raw not in text, f"{where}: {raw!r} is in the page unescaped"


def page(client: httpx.Client, path: str, **params) -> str:
    r = client.get(path, params=params or None)
    assert r.status_code < 500, f"{path}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"].startswith("text/html"), (path, r.headers["content-type"])
    assert_safe_markup(r.text, path)
    return r.text


# ---------------------------------------------------------------- pages that show the data
@pytest.mark.parametrize(
    "path",
    [
        "/agency/UNFPA",
        "/agency/EVIL",
        "/id/org/UNFPA",
        "/id/org/EVIL",
        "/id/intervention/56-2",
        "/id/para/1",
        "/area/evaw",
        "/network",
        "/read",
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_show_hostile_data_escaped(client, path, lang):
    text = page(client, path, lang=lang)
    assert ESCAPED_SCRIPT in text or ESCAPED_IMG in text, f"{path}: the hostile labels are not shown at all"


@pytest.mark.parametrize("path", ["/agency/UNFPA", "/agency/EVIL", "/id/org/EVIL", "/id/para/1"])
def test_javascript_iris_are_never_links(client, path):
    text = page(client, path, lang="en")
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", text, re.I)
    if path.startswith("/id/"):
        assert "javascript:alert(" in text, "the entity page should still show the IRI as text"


def test_search_results_show_hostile_labels_escaped(client):
    for q in ("evil", "script", "人口基金"):
        text = page(client, "/search", q=q)
        assert ESCAPED_SCRIPT in text or ESCAPED_IMG in text, q


def test_network_svg_escapes_labels(client):
    r = client.get("/network.svg", params={"lang": "en"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert_safe_markup(r.text, "/network.svg")
    assert "&lt;script&gt;" in r.text or "&lt;img" in r.text


@pytest.mark.parametrize(
    ("name", "params"),
    [("agency-profile", {"agency": "UNFPA"}), ("organizations", {}), ("partners-by-area", {"area": "evaw"}), ("search-text", {"q": "script"})],
)
def test_named_query_form_results_are_escaped(client, name, params):
    text = page(client, f"/queries/{name}/form", run="1", lang="en", **params)
    assert ESCAPED_SCRIPT in text or ESCAPED_IMG in text, f"{name}: the hostile labels are not in the results"


# ---------------------------------------------------------------- pages that echo the request
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/search", {"q": SCRIPT}),
        ("/search", {"q": IMG}),
        ("/query", {"name": IMG}),
        ("/queries/paragraph/form", {"paragraph_number": SCRIPT, "run": "1"}),
        ("/queries/agency-profile/form", {"agency": IMG, "run": "1"}),
        ("/network", {"area": SCRIPT}),
        ("/read", {"lang": SCRIPT}),
        ("/", {"lang": IMG}),
        ("/area/" + IMG, {}),
        ("/agency/" + IMG, {}),
        ("/id/" + IMG, {}),
        ("/queries/" + IMG + "/form", {}),
    ],
)
def test_reflected_parameters_are_escaped(client, path, params):
    page(client, path, **params)


# ---------------------------------------------------------------- /validate: the report page
HOSTILE_DATA = f"""@prefix pk: <{PK}> . @prefix rdfs: <{RDFS}> . @prefix skos: <{SKOS}> .
<javascript:alert(8)> a pk:Paragraph ; rdfs:label "{SCRIPT}"@en ; pk:paragraphNumber "{IMG.replace('"', '&quot;')}" ;
  pk:text "{SCRIPT}"@zh .
<{B}id/org/X> a pk:UNEntity ; skos:prefLabel "{IMG.replace('"', "'")}"@en .
"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validation_report_page_escapes_the_data(client, lang):
    r = client.post("/validate", params={"lang": lang}, content=HOSTILE_DATA.encode(), headers={"Content-Type": "text/turtle", "Accept": "text/html"})
    assert r.status_code == 200, r.text[:500]
    assert_safe_markup(r.text, "/validate report")
    assert ESCAPED_SCRIPT in r.text, "the report does not show the hostile label"
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", r.text, re.I)


def test_validation_upload_form_escapes_pasted_text_and_errors(client):
    broken = f'<urn:x:a> <urn:x:p> "{SCRIPT}" ; <urn:x:q> {SCRIPT} .'
    r = client.post("/validate", data={"text": broken, "format": "turtle"}, headers={"Accept": "text/html"})
    assert r.status_code == 400, r.text[:300]
    assert_safe_markup(r.text, "/validate error page")
    assert ESCAPED_SCRIPT in r.text, "the pasted text should be kept in the form, escaped"


def test_validation_upload_file_name_is_escaped(client):
    files = {"data": (SCRIPT + ".ttl", b"<urn:x:a> <urn:x:p> ", "text/turtle")}
    r = client.post("/validate", files=files, headers={"Accept": "text/html"})
    assert r.status_code == 400
    assert_safe_markup(r.text, "/validate upload error")


# ---------------------------------------------------------------- security headers, on every response
HEADER_PROBES = [
    ("GET", "/", {}),
    ("GET", "/agency/UNFPA", {}),
    ("GET", "/area/nowhere", {}),
    ("GET", "/search?q=x", {}),
    ("GET", "/static/css/site.css", {}),
    ("GET", "/static/js/query.js", {}),
    ("GET", "/openapi.json", {"Accept": "application/json"}),
    ("GET", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}),
    ("GET", "/sparql?query=nonsense", {"Accept": "application/sparql-results+json"}),
    ("GET", "/id/org/UNFPA", {"Accept": "text/turtle"}),
    ("GET", "/dumps/nothing", {}),
    ("GET", "/queries/organizations", {}),
    ("POST", "/validate", {"Content-Type": "text/turtle", "Accept": "application/json"}),
    ("PUT", "/graphs?default", {"Content-Type": "text/turtle"}),
    ("PATCH", "/sparql", {}),
    ("HEAD", "/", {}),
    ("OPTIONS", "/sparql", {}),
    ("GET", "/nothing-here", {}),
]


def _csp(value: str) -> dict[str, list[str]]:
    out = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


@pytest.mark.parametrize(("method", "path", "headers"), HEADER_PROBES, ids=[f"{m} {p}" for m, p, _ in HEADER_PROBES])
def test_security_headers_on_every_response(client, method, path, headers):
    r = client.request(method, path, headers=headers, content=b"<urn:x:a> <urn:x:b> <urn:x:c> ." if method in ("POST", "PUT") else None)
    assert r.headers.get("x-content-type-options") == "nosniff", (r.status_code, dict(r.headers))
    assert r.headers.get("referrer-policy") in ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
    csp = _csp(r.headers.get("content-security-policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts == ["'self'"], f"scripts may come from {scripts}"
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") in (["'self'"], ["'none'"])
    assert csp.get("frame-ancestors") in (["'none'"], ["'self'"])
    for directive in ("default-src", "style-src", "img-src", "connect-src"):
        assert all(v not in ("*", "'unsafe-inline'", "'unsafe-eval'", "http:", "https:") for v in csp.get(directive, [])), directive


def test_pages_load_no_script_or_style_from_elsewhere(client):
    for path in ("/", "/area/wps", "/agency/UNFPA", "/network", "/read", "/query", "/search?q=a", "/validate", "/id/org/UNFPA", "/ontology"):
        text = client.get(path).text
        for m in re.finditer(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)""", text, re.I):
            target = m.group(1)
            if m.group(0).lower().startswith("<link") and re.search(r'rel="?(alternate|license|canonical)', m.group(0)):
                continue
            assert target.startswith("/") and not target.startswith("//"), f"{path} loads {target}"
