"""The HTML pages through real HTTP: every internal link answers, language persists, markup is escaped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pyoxigraph as ox
import pytest

B = "http://127.0.0.1:8000/"
PK = B + "ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
AREAS = ("governance", "wee", "evaw", "wps")
SEEDS = (
    "/",
    *(f"/area/{a}" for a in AREAS),
    "/agency/UNFPA",
    "/agency/UNDP",
    "/agency/WHO",
    "/read",
    "/network",
    "/network?area=evaw",
    "/query",
    "/search?q=UNFPA",
    "/search?q=人口基金",
)
EVIL = '<script>alert("x")</script>'


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []
        self.styles = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name in ("href", "src", "action") and value:
                self.hrefs.append(value)
            if name.startswith("on"):
                self.handlers.append(f"{tag} {name}")
            if name == "style":
                self.styles += 1
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "script":
            self.scripts.append(values)


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def internal(base: str, page: str, href: str) -> str | None:
    if href.startswith(("mailto:", "javascript:", "data:")):
        return None
    url = urljoin(base + page, href)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def seed_pages(client) -> dict[str, httpx.Response]:
    pages = {}
    for path in SEEDS:
        pages[path] = client.get(path)
    names = re.findall(r'href="/queries/([a-z0-9-]+)/form"', pages["/query"].text)
    for name in sorted(set(names)):
        pages[f"/queries/{name}/form"] = client.get(f"/queries/{name}/form")
    return pages


def test_every_seed_page_is_html_and_answers_200(seed_pages):
    for path, response in seed_pages.items():
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"].startswith("text/html"), path


def test_every_internal_link_on_the_pages_answers_200(client, live_server, seed_pages):
    targets: dict[str, str] = {}
    for page, response in seed_pages.items():
        for href in parse(response.text).hrefs:
            target = internal(live_server, page, href)
            if target is not None:
                targets.setdefault(target, page)
    assert len(targets) > 150  # the pages really link around: agencies, paragraphs, entities
    failures = []
    for target, page in sorted(targets.items()):
        status = client.get(target).status_code
        if status != 200:
            failures.append(f"{target} (linked from {page}): {status}")
    assert not failures, "\n".join(failures)


def test_reader_fragment_links_point_at_existing_anchors(live_server, seed_pages):
    reader_ids = parse(seed_pages["/read"].text).ids
    missing = set()
    for page, response in seed_pages.items():
        for href in parse(response.text).hrefs:
            url = urljoin(live_server + page, href)
            parts = urlsplit(url)
            if parts.path == "/read" and parts.fragment and f"{parts.scheme}://{parts.netloc}" == live_server:
                if parts.fragment not in reader_ids:
                    missing.add(f"{href} on {page}")
    assert not missing, sorted(missing)


def test_pages_have_no_inline_scripts_or_handlers_so_the_csp_holds(seed_pages):
    for path, response in seed_pages.items():
        found = parse(response.text)
        assert not found.handlers, (path, found.handlers)
        assert found.styles == 0, path
        for script in found.scripts:
            # data blocks (JSON, JSON-LD) are never run, so they need no script-src
            assert script.get("src", "").startswith("/static/") or script.get("type") in ("application/json", "application/ld+json"), (path, script)
        assert "content-security-policy" in response.headers


def test_reader_has_every_paragraph_footnote_and_item_anchor(seed_pages):
    html = seed_pages["/read"].text
    ids = parse(html).ids
    assert {f"para-{n}" for n in range(1, 120)} <= ids
    assert {f"p{n}" for n in range(1, 120)} <= ids  # /read#p49 works too
    assert {f"footnote-{n}" for n in range(1, 27)} <= ids
    assert {"para-56-item-2", "para-119-item-a", "summary", "section-5", "front-1", "title-1"} <= ids
    # every footnote marker links to its footnote, and footnotes sit right after their block
    assert 'href="#footnote-26"' in html
    assert html.index('id="para-80"') < html.index('id="footnote-26"') < html.index('id="para-81"')
    # entity mentions are links: UNFPA's short form in paragraph 56, item 2
    item = html[html.index('id="para-56-item-2"') :]
    item = item[: item.index("</li>")]
    assert '<a class="ent ent-org" href="/agency/UNFPA">人口基金</a>' in item


def test_area_page_answers_which_agencies_co_deliver_with_paragraphs(seed_pages):
    html = seed_pages["/area/evaw"].text
    section = html[html.index('id="h-agencies"') : html.index('id="h-interventions"')]
    for agency in ("UNFPA", "UNDP", "WHO", "OHCHR", "UNODC"):
        assert f'href="/agency/{agency}"' in section
    assert 'href="/read#para-56-item-2"' in section
    assert "加强循证预防战略" in html  # the Chinese text of the intervention


def test_key_intervention_titles_are_in_the_page_language(seed_pages, live_server):
    """The Chinese page titles each key intervention with its Chinese label, the English page with ours."""
    titles = re.compile(r'<h3><span class="notation">56\.2</span> <span lang="([^"]+)">([^<]+)</span></h3>')
    zh = titles.search(seed_pages["/area/evaw"].text)
    assert zh and zh.group(1) == "zh-Hans" and re.search(r"[\u4e00-\u9fff]", zh.group(2))
    # its own request: a lang cookie on the shared client would change what later tests see
    for path in ("/area/evaw?lang=en", "/agency/UNFPA?lang=en"):
        en = titles.search(httpx.get(live_server + path, timeout=60).text)
        assert en and en.groups() == ("en", "Evidence-based prevention engaging men and boys with UN partners")
    agency_zh = titles.search(seed_pages["/agency/UNFPA"].text)
    assert agency_zh and agency_zh.group(1) == "zh-Hans"


def test_wps_area_page_lists_the_curated_wps_resolutions_with_the_paragraphs_citing_them(live_server):
    # its own request: a lang cookie on the shared client would change what later tests see
    html = httpx.get(live_server + "/area/wps?lang=en", timeout=60).text
    section = html.split("Instruments the area rests on (curated)", 1)[1].split("</section>", 1)[0]
    assert "S/RES/1325 (2000)" in section
    # the resolutions are cited in paragraph 4 and footnote 1, outside the area's own paragraphs
    assert 'href="/read#para-4"' in section


def test_agency_page_lists_partners_with_counts_wikidata_and_quotes(seed_pages):
    html = seed_pages["/agency/UNFPA"].text
    partners = html[html.index('id="h-partners"') : html.index('id="h-interventions"')]
    assert re.search(r'href="/agency/UNDP">[^<]+</a></th>\s*<td class="num">4</td>', partners)
    assert 'href="http://www.wikidata.org/entity/Q623036"' in html
    assert "<mark>人口基金</mark>" in html
    assert 'href="/read?highlight=UNFPA&amp;from=%2Fagency%2FUNFPA#para-56-item-3"' in html


def test_language_choice_persists_through_the_cookie(client):
    first = client.get("/area/evaw", params={"lang": "en"})
    assert first.status_code == 200
    assert '<html lang="en">' in first.text
    assert first.cookies.get("lang") == "en" or "lang=en" in first.headers.get("set-cookie", "")
    later = client.get("/agency/UNFPA", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in later.text  # the cookie wins over the browser's language
    switched = client.get("/agency/UNFPA", params={"lang": "zh"})
    assert '<html lang="zh-Hans">' in switched.text
    assert '<html lang="zh-Hans">' in client.get("/").text
    client.cookies.clear()


def test_first_visit_follows_accept_language(live_server):
    with httpx.Client(base_url=live_server) as fresh:
        assert '<html lang="en">' in fresh.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
        assert '<html lang="zh-Hans">' in fresh.get("/", headers={"Accept-Language": "zh-CN"}).text
        assert '<html lang="en">' in fresh.get("/", params={"lang": "fr"}, headers={"Accept-Language": "en"}).text


def test_unknown_area_and_agency_are_html_404_pages(client):
    for path in ("/area/nope", "/agency/NOPE", "/agency/a%20b", "/queries/nope/form"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
    assert client.get("/agency/..%2F..%2Fetc").status_code == 404
    assert client.get("/static/..%2F..%2Fpages.py").status_code == 404


def test_bad_network_area_is_400_and_svg_json_filter(client):
    assert client.get("/network", params={"area": "mars"}).status_code == 400
    assert client.get("/network.svg", params={"area": "mars"}).status_code == 400
    full = client.get("/network.json").json()
    evaw = client.get("/network.json", params={"area": "evaw"}).json()
    assert len(evaw["nodes"]) < len(full["nodes"])
    assert {n["id"] for n in evaw["nodes"] if n["kind"] == "area"} == {"area:evaw"}
    assert "org:UNFPA" in {n["id"] for n in evaw["nodes"]}
    svg = client.get("/network.svg", params={"area": "evaw", "lang": "en"})
    assert svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    assert root.get("data-nodes") == str(len(evaw["nodes"]))


def test_query_form_runs_binds_and_downloads(client, seed_pages):
    names = [p.split("/")[2] for p in seed_pages if p.startswith("/queries/")]
    assert "partners-by-area" in names
    r = client.get("/queries/partners-by-area/form", params={"area": "evaw", "run": "1", "lang": "en"})
    assert r.status_code == 200
    assert 'href="/agency/UNFPA"' in r.text
    # the answer's IRIs are shown by name, the IRI in the title
    assert re.search(r'title="http://127\.0\.0\.1:8000/id/org/UNFPA"[^>]*>[^<]*Population Fund', r.text), r.text[:2000]
    zh = client.get("/queries/partners-by-area/form", params={"area": "evaw", "run": "1", "lang": "zh"})
    assert re.search(r'title="http://127\.0\.0\.1:8000/id/org/UNFPA"[^>]*>联合国人口基金<', zh.text)
    csv = client.get("/queries/partners-by-area/form", params={"area": "evaw", "download": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "UNFPA" in csv.text
    bad = client.get("/queries/partners-by-area/form", params={"area": "mars", "run": "1"})
    assert bad.status_code == 400
    assert 'role="alert"' in bad.text and "mars" in bad.text
    unknown = client.get("/queries/partners-by-area/form", params={"nope": "1"})
    assert unknown.status_code == 400


def test_search_finds_labels_in_both_languages_and_paragraph_text(client):
    en = client.get("/search", params={"q": "population fund"}).text
    zh = client.get("/search", params={"q": "人口基金"}).text
    assert 'href="/agency/UNFPA"' in en and 'href="/agency/UNFPA"' in zh
    assert 'href="/read#para-56-item-3"' in zh
    assert "<mark>人口基金</mark>" in zh
    hostile = client.get("/search", params={"q": EVIL})
    assert hostile.status_code == 200
    assert EVIL not in hostile.text and "&lt;script&gt;" in hostile.text


# ---------------------------------------------------------------- escaping of graph data

HOSTILE_PAGES = (
    "/agency/UNFPA?lang=en",
    "/agency/UNDP?lang=en",
    "/area/evaw?lang=en",
    "/network?lang=en",
    "/network.svg?lang=en",
    "/search?q=fund&lang=en",
    "/search?q=img&lang=zh",
    "/queries/partners-by-area/form?area=evaw&lang=en",
)


def test_markup_in_labels_is_shown_escaped(make_settings, built_graph, live_server_factory, tmp_path):
    """A store with markup in labels (and a javascript: IRI): every page shows it as text."""
    from plankg.settings import Settings
    from plankg.store import open_store

    org = ox.NamedNode(B + "id/org/UNFPA")
    registry = ox.NamedNode(B + "graph/registry")
    extra = [
        ox.Quad(org, ox.NamedNode(SKOS + "prefLabel"), ox.Literal(EVIL + "Fund", language="en"), registry),
        ox.Quad(org, ox.NamedNode(SKOS + "notation"), ox.Literal("<b>UNFPA</b>"), registry),
        ox.Quad(org, ox.NamedNode(SKOS + "altLabel"), ox.Literal('<img src=x onerror="alert(1)">', language="zh"), registry),
        ox.Quad(ox.NamedNode(B + "id/org/UNDP"), ox.NamedNode(SKOS + "exactMatch"), ox.NamedNode("javascript:alert(1)"), registry),
    ]
    store_path = tmp_path / "hostile-store"
    store = open_store(Settings(store_path=store_path, dist_dir=tmp_path / "dist"))
    try:
        # replace UNFPA's English name and acronym, so every page must show the hostile ones
        replaced = {SKOS + "prefLabel", SKOS + "notation"}
        kept = [
            q
            for q in built_graph.quads
            if not (
                q.subject == org
                and q.predicate.value in replaced
                and (q.predicate.value == SKOS + "notation" or getattr(q.object, "language", None) == "en")
            )
        ]
        store.replace_dataset(kept + extra)
    finally:
        store.close()
    base = live_server_factory(store_path=store_path)
    with httpx.Client(base_url=base, timeout=60) as hostile:
        for path in HOSTILE_PAGES:
            r = hostile.get(path)
            assert r.status_code == 200, (path, r.text[:500])
            body = r.text
            assert "<script>alert" not in body, path
            assert "<img src=x" not in body and "<b>UNFPA</b>" not in body, path
            assert 'href="javascript:' not in body, path
            assert "&lt;script&gt;" in body or "&lt;img" in body or "&lt;b&gt;" in body, path
        svg = ET.fromstring(hostile.get("/network.svg", params={"lang": "en"}).content)  # still well-formed
        titles = [t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}title")]
        assert any(EVIL in t for t in titles)


def test_area_page_lists_mechanisms_funds_and_groups_apart_with_their_role(live_server):
    html = httpx.get(live_server + "/area/evaw?lang=en", timeout=60).text
    agencies = html[html.index('id="h-agencies"') : html.index('id="h-mechanisms"')]
    others = html[html.index('id="h-mechanisms"') : html.index('id="h-interventions"')]
    assert 'href="/agency/UN-System"' not in agencies and 'href="/agency/UN-Trust-Fund"' not in agencies
    assert 'href="/agency/UN-Trust-Fund"' in others and "managed by UN-Women on behalf of another" in others
    assert "代表……管理……联合国消除对妇女暴力行为信托基金" in others
    # the UN system in 56.4 is a generic group, shown as one
    group_row = others[others.index('class="role-generic-group"') :].split("</tr>", 1)[0]
    assert 'href="/agency/UN-System"' in group_row and "group" in group_row


def test_agency_page_gives_the_role_with_its_phrase(live_server):
    html = httpx.get(live_server + "/agency/ILO?lang=en", timeout=60).text
    assert "supported by UN-Women (beneficiary)" in html and "支持国际劳工组织" in html
    assert "co-delivers with UN-Women" in html


def test_evaw_page_shows_the_sdg_targets_and_indicators_it_serves_stated_or_curated(live_server):
    html = httpx.get(live_server + "/area/evaw?lang=en", timeout=60).text
    section = html[html.index('id="h-sdg-alignment"') :].split("</section>", 1)[0]
    stated = section[section.index('class="alignment-stated"') :].split("</li>", 1)[0]
    assert 'href="/id/sdg/5.2"' in stated and "stated in the text" in stated and "免于一切形式暴力" in stated
    assert 'href="http://metadata.un.org/sdg/5.2"' in stated
    curated = [li.split("</li>", 1)[0] for li in section.split('class="alignment-curated"')[1:]]
    assert any('href="/id/sdg/5.2.1"' in li and "curated" in li for li in curated)
    assert any('href="http://metadata.un.org/sdg/C050202"' in li for li in curated)


def test_an_entity_named_only_in_english_is_titled_in_chinese_on_the_chinese_page(live_server):
    """A statistic has an English label only: the zh title names its class and its Chinese text."""
    title = re.compile(r"<title>([^<]*) · ")
    zh = title.search(httpx.get(live_server + "/id/stat/p9-1?lang=zh", headers={"Accept": "text/html"}, timeout=60).text)
    en = title.search(httpx.get(live_server + "/id/stat/p9-1?lang=en", headers={"Accept": "text/html"}, timeout=60).text)
    assert zh and zh.group(1) == "统计数字：26 年"
    assert en and en.group(1).startswith("Years elapsed since the adoption of the Beijing Declaration")
def test_network_pairs_table_is_paged_25_at_a_time(client):
    first = client.get("/network", params={"lang": "en"}).text
    total = int(re.search(r'id="h-pairs">[^(]*\((\d+)\)', first).group(1))
    assert total > 25
    assert first.count("<tr>") - 1 == 25  # header row + 25
    last_page = -(-total // 25)
    last = client.get("/network", params={"lang": "en", "page": str(last_page)}).text
    assert last.count("<tr>") - 1 == total - 25 * (last_page - 1)
    assert 'rel="next"' in first and 'rel="next"' not in last and 'rel="prev"' in last


@pytest.mark.parametrize("page", ["0", "-1", "+2", " 2", "٢", "1e3", "9999", "9" * 400, "2.0"])
def test_network_page_outside_the_pages_is_400_not_500(client, page):
    assert client.get("/network", params={"page": page}).status_code == 400


def test_agency_page_draws_its_ego_network_of_partners(client):
    html = client.get("/agency/UNFPA", params={"lang": "en"}).text
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 720 380" class="ego-svg"'):]
    svg = svg[: svg.index("</svg>") + 6]
    hrefs = re.findall(r'<a href="([^"]+)" class="node"', svg)
    assert hrefs[0] == "/agency/UNFPA" and len(hrefs) > 2
    # the same partners as the table under it
    table = html[html.index('id="h-partners"') :]
    for href in hrefs[1:]:
        assert f'href="{href}"' in table


def test_reader_marks_the_agencies_asked_about_and_links_back(client):
    html = client.get("/read", params={"lang": "en", "highlight": "unfpa", "from": "/agency/UNFPA"}).text
    asked = re.findall(r'<mark class="asked"><a class="ent ent-org" href="([^"]+)"', html)
    assert asked and set(asked) == {"/agency/UNFPA"}
    assert 'id="reader-back" href="/agency/UNFPA"' in html
    plain = client.get("/read", params={"lang": "en"}).text
    assert '<mark class="asked">' not in plain


def test_reader_shows_english_titles_beside_chinese_items_only_in_english(client):
    en = client.get("/read", params={"lang": "en"}).text
    item = en[en.index('<li id="para-56-item-2">') :]
    item = item[: item.index("</li>")]
    assert '<span class="notation">56.2</span> <span lang="en">' in item
    zh = client.get("/read", params={"lang": "zh"}).text
    item = zh[zh.index('<li id="para-56-item-2">') :]
    assert '<span lang="en">' not in item[: item.index("</li>")]
    # the paragraph knows its area, for the sticky header
    assert re.search(r'id="para-56" data-num="56" data-context="Ending violence"', en)


def test_reader_front_matter_is_folded_into_document_details(client):
    html = client.get("/read", params={"lang": "en"}).text
    details = html[html.index('<details class="front-matter">') : html.index("</details>")]
    assert "Distr.: General" in details and 'class="masthead"' not in html


@pytest.mark.parametrize(
    "params",
    [
        {"from": "https://evil.example/"},
        {"from": "//evil.example/agency/x"},
        {"from": "/\\evil.example"},
        {"from": "javascript:alert(1)"},
        {"from": "/agency/UNFPA\" onmouseover=\"x"},
        {"from": "/read"},
        {"highlight": "<script>"},
        {"highlight": ",".join(["UNFPA"] * 11)},
        {"highlight": "a" * 200},
    ],
)
def test_reader_refuses_bad_highlight_and_foreign_back_links(client, params):
    r = client.get("/read", params=params)
    assert r.status_code == 400
    assert 'id="reader-back"' not in r.text and 'href="//evil' not in r.text and 'href="https://evil' not in r.text
