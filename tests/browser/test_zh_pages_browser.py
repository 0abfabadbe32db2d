"""Every page in Chinese holds no untranslated UI text, as a reader sees it in Chromium.

The rule, applied to what the browser renders (text nodes, the title, and the
placeholder, aria-label, title and alt attributes):

- Data is exempt where the page marks it so: inside an element whose nearest
  ``lang`` is not Chinese (English labels and titles from the graph carry
  ``lang="en"``), inside ``code``, ``pre``, ``kbd``, ``samp``, ``textarea``,
  ``script``, ``style``, ``[translate=no]``, or an SVG (the network's node
  labels are the agencies' own acronyms).
- What is left may hold Latin only as IRIs and URLs, prefixed names
  (``skos:prefLabel``), paths and file names, symbols with digits
  (``A/RES/70/1``, ``UNW/2021/6``, ``COVID-19``), acronyms (two or more capitals:
  ``UNFPA``, ``SDG``, ``SPARQL``) and the few names in ``ALLOWED``.

Any other Latin word is UI text a Chinese reader was not given in Chinese.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

# names that are not translated in Chinese UI text, each for a reason
ALLOWED = {
    "Ctrl", "Enter", "Tab",  # key caps
    "UN-Women",  # the entity's own name as the source text and the dataset title print it
}

SCAN = """() => {
  const out = [];
  const skip = el => {
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const tag = e.localName;
      if (['code', 'pre', 'kbd', 'samp', 'textarea', 'script', 'style', 'svg', 'noscript', 'template'].includes(tag)) return true;
      if (e.getAttribute('translate') === 'no') return true;
      const lang = e.getAttribute('lang');
      if (lang !== null) return !lang.toLowerCase().startsWith('zh');
    }
    return false;
  };
  const visible = el => { const s = getComputedStyle(el); return s.display !== 'none' && s.visibility !== 'hidden'; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || skip(el) || !n.textContent.trim()) continue;
    out.push({where: el.localName + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''), text: n.textContent});
  }
  for (const el of document.body.querySelectorAll('[placeholder], [aria-label], [title], img[alt]')) {
    if (skip(el)) continue;
    for (const a of ['placeholder', 'aria-label', 'title', 'alt']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push({where: el.localName + '@' + a, text: v});
    }
  }
  out.push({where: 'title', text: document.title});
  return out;
}"""

DATA_FORMS = re.compile(
    r"“[^”]*”|「[^」]*」|\"[^\"]*\""  # quoted: the words of the text or of a user, as they are
    r"|[a-z][a-z0-9+.-]*://\S*"  # IRIs and URLs
    r"|\S+@\S+\.\S+"  # e-mail addresses
    r"|(?<![\w/])/[\w./#?=&%-]*"  # absolute paths
    r"|\b[\w.-]+(?:/[\w.-]+)+"  # relative paths (data/registry/roles.csv, org/UNFPA)
    r"|(?:\b[\w-]+)?\.(?:rq|ttl|jsonld|nt|nq|trig|rdf|csv|json|svg|png|html|xlsx)\b"  # file names, extensions
    r"|\b[\w-]+\.(?:org|com|net|int)\b"  # domain names (schema.org)
    r"|\b[a-z][\w-]*:[\w-]+"  # prefixed names
    r"|[?$][A-Za-z_]\w*"  # SPARQL variables
    r"|\b\w+=\w+"  # parameter=value
    r"|\b[a-z]+(?:_[a-z0-9]+)+\b"  # snake_case identifiers (parameter and column names)
    r"|\b[\w-]*\d[\w/.-]*"  # symbols and codes with digits
    r"|\b(?:N-Triples|N-Quads|JSON-LD|RDF/XML|TriG|Turtle|VoID)\b"  # W3C format and vocabulary names
    r"|\b[A-Z]{2,}[A-Za-z]*s?\b(?:-[A-Z][A-Za-z]*)*"  # acronyms (and their plural or hyphenated forms)
)
WORD = re.compile(r"[A-Za-z]{2,}(?:[-'][A-Za-z]+)*")


def untranslated(text: str, identifiers: frozenset[str] = frozenset()) -> list[str]:
    """The Latin words of a Chinese UI text that are not data by the rule above.
    ``identifiers``: the named queries' names, which URLs and the CLI use as they are."""
    rest = DATA_FORMS.sub(" ", text)
    rest = re.sub(r"[\w-]+", lambda m: " " if m.group() in identifiers else m.group(), rest)
    return [w for w in WORD.findall(rest) if w not in ALLOWED]


def test_the_rule_flags_english_ui_text_and_passes_data_forms():
    assert untranslated("Impact areas") == ["Impact", "areas"]
    assert untranslated("3 results") == ["results"]
    assert untranslated("查询失败：Unknown parameter") == ["Unknown", "parameter"]
    for data in ("人口基金（UNFPA）", "http://127.0.0.1:8000/id/org/UNFPA", "skos:prefLabel", "UNW/2021/6 中文本",
                 "下载 CSV", "第 56 段", "A/RES/70/1", "COVID-19", "/queries/partners-by-area/form", "partners-by-area.rq",
                 "按 Ctrl+Enter 运行查询。", "SDGs", "UN-Women", "“violence”", "（.ttl、.jsonld）", "entities_only=false",
                 "min_value / max_value", "?basis", "schema.org", "N-Triples", "data/registry/roles.csv", "数据集描述（VoID）"):
        assert untranslated(data) == [], data
    assert untranslated("partners-by-area — 机构", frozenset({"partners-by-area"})) == []
    assert untranslated("partners by area", frozenset({"partners-by-area"})) == ["partners", "by", "area"]


def _zh_paths(base: str) -> list[str]:
    """Every kind of page: the fixed ones, each named query's form, an entity page of each class."""
    paths = [
        "/", "/area/governance", "/area/wee", "/area/evaw", "/area/wps",
        "/agency/UNFPA", "/agency/UN-System", "/agency/CEB", "/network", "/network?area=wps", "/read",
        "/search", "/search?q=UNFPA", "/search?q=暴力", "/search?q=zzzz",
        "/query", "/validate", "/ontology", "/annotate",
    ]
    # the directories, where this version has them as pages
    for directory in ("/agency", "/mechanism", "/instrument", "/sdg", "/theme"):
        answer = httpx.get(base + directory + "?lang=zh", headers={"Accept": "text/html"}, timeout=60)
        if answer.status_code == 200 and answer.headers.get("content-type", "").startswith("text/html"):
            paths.append(directory)
    listing = httpx.get(base + "/queries", timeout=60).json()
    entries = listing["queries"] if isinstance(listing, dict) else listing
    for q in entries:
        paths.append(f"/queries/{q['name']}/form")
        paths.append(q["example_url"].replace(f"/queries/{q['name']}", f"/queries/{q['name']}/form", 1) + ("&" if "?" in q["example_url"] else "?") + "run=1")
    samples = httpx.post(
        base + "/sparql",
        # the graph's IRIs are under the configured base, not the test server's address
        data={"query": "SELECT ?c (MIN(STR(?s)) AS ?x) WHERE { ?s a ?c FILTER(CONTAINS(STR(?s), '/id/')) } GROUP BY ?c"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    ).json()["results"]["bindings"]
    ids = sorted({"/id/" + row["x"]["value"].split("/id/", 1)[1] for row in samples})
    assert len(ids) > 20 and "/id/org/UNFPA" not in paths
    paths += ids
    return paths


@pytest.fixture(scope="module")
def zh_context(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    try:
        yield context
    finally:
        context.close()


def _findings(page, identifiers: frozenset[str]) -> list[str]:
    found = []
    for node in page.evaluate(SCAN):
        words = untranslated(node["text"], identifiers)
        if words:
            found.append(f"{node['where']}: {' '.join(words)} ← {node['text'].strip()[:80]!r}")
    return found


def test_no_zh_page_holds_untranslated_ui_text(zh_context, live_server, artifacts: Path):
    base = live_server.rstrip("/")
    page = zh_context.new_page()
    report: dict[str, list[str]] = {}
    paths = _zh_paths(base)
    listing = httpx.get(base + "/queries", timeout=60).json()
    names = frozenset(q["name"] for q in (listing["queries"] if isinstance(listing, dict) else listing))
    assert len(paths) > 40
    for path in paths:
        response = page.goto(base + path + ("&" if "?" in path else "?") + "lang=zh")
        assert response is not None and response.status == 200, (path, response and response.status)
        if not path.startswith(("/id/", "/queries/")) or path.endswith("/form"):
            shot = re.sub(r"[^\w]+", "-", path).strip("-") or "home"
            page.screenshot(path=str(artifacts / f"zh-{shot}.png"), full_page=True)
        found = _findings(page, names)
        if found:
            report[path] = found
    # pages that answer with an error, and a form that refuses its input
    for path, status in (("/no-such-page", 404), ("/network?area=nowhere", 400), ("/agency/NO-SUCH", 404), ("/id/org/NO-SUCH", 404),
                         ("/queries/partners-by-area/form?area=nowhere&run=1", 400)):
        response = page.goto(base + path)
        assert response is not None and response.status == status, path
        if found := _findings(page, names):
            report[path] = found
    page.goto(base + "/validate?lang=zh")
    page.fill("textarea", "@prefix : <http://example.org/> . :a :b ")
    page.get_by_role("button", name="验证").click()
    page.wait_for_load_state()
    page.screenshot(path=str(artifacts / "zh-validate-error.png"), full_page=True)
    if found := _findings(page, names):
        report["POST /validate (syntax error)"] = found
    page.goto(base + "/validate?lang=zh")
    page.fill("textarea", "@prefix pk: <" + base + "/ontology#> .\n<" + base + "/id/org/NEW> a pk:UNEntity .")
    page.get_by_role("button", name="验证").click()
    page.wait_for_load_state()
    assert page.locator("#h-report").count() == 1
    page.screenshot(path=str(artifacts / "zh-validate-report.png"), full_page=True)
    if found := _findings(page, names):
        report["POST /validate (violations)"] = found
    page.goto(base + "/annotate?lang=zh")
    page.fill("textarea", "人口基金和开发署支持消除对妇女的暴力行为。")
    page.get_by_role("button", name="标注").click()
    page.wait_for_load_state()
    if found := _findings(page, names):
        report["POST /annotate"] = found
    page.close()
    (artifacts / "zh-untranslated.txt").write_text("\n".join(f"{p}\n  " + "\n  ".join(f) for p, f in report.items()), encoding="utf-8")
    assert not report, "\n".join(f"{path}\n  " + "\n  ".join(found[:12]) for path, found in report.items())
