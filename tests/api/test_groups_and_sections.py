"""Groups set apart from agencies wherever organizations are listed; no run of empty sections; footer links; compressed HTML."""

from __future__ import annotations

import re

import httpx
import pytest


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_a_group_is_not_in_an_areas_agency_table_but_named_apart(client):
    html = client.get("/area/evaw", params={"lang": "en"}).text
    agencies = section(html, "h-agencies")
    table, _, after = agencies.partition("</table>")
    assert 'href="/agency/UNFPA"' in table
    assert 'href="/agency/UN-Regional-Commissions"' not in table
    assert 'href="/agency/UN-Regional-Commissions"' in after and "group-badge" in after


def test_the_agency_page_of_a_group_says_it_is_one(client):
    html = client.get("/agency/UN-System", params={"lang": "en"}).text
    assert "group-badge" in html.split("</h1>")[0]
    assert "group-badge" not in client.get("/agency/UNFPA", params={"lang": "en"}).text.split("</h1>")[0]


def test_search_results_badge_groups(client):
    html = client.get("/search", params={"q": "international financial institutions", "lang": "en"}).text
    first = html[html.index('<ul class="results entities">') :].split("</li>")[0]
    assert 'href="/agency/IFIs"' in first and "group-badge" in first



@pytest.mark.parametrize("lang", ["en", "zh"])
def test_network_pairs_badge_groups_and_only_groups(client, lang):
    html = client.get("/network", params={"lang": lang}).text
    rows = section(html, "h-pairs").split("<tr>")[2:]
    cells = [cell for row in rows for cell in row.split("<td>")[1:3]]
    badged = {re.search(r'href="(/agency/[^"]+)"', c).group(1) for c in cells if "group-badge" in c}
    plain = {re.search(r'href="(/agency/[^"]+)"', c).group(1) for c in cells if "group-badge" not in c}
    assert badged and "/agency/UNFPA" in plain and not badged & plain
    # the agency page of each says whether it is a group: the table must agree with it
    for href in sorted(badged) + ["/agency/UNFPA"]:
        heading = client.get(href, params={"lang": lang}).text.split("</h1>")[0]
        assert ("group-badge" in heading) == (href in badged), href

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_evaw_page_has_no_run_of_empty_sections(client, lang):
    html = client.get("/area/evaw", params={"lang": lang}).text
    none = "none named" if lang == "en" else "未提及"
    assert not re.search(rf"<p>{none}</p></section>\s*<section[^>]*>\s*<h2[^>]*>[^<]*</h2>\s*<p>{none}</p>", html)
    # the SDG targets and indicators the area serves are on the page
    for code in ("5.2", "5.2.1", "5.2.2"):
        assert f'href="/id/sdg/{code}"' in html
    # the lists with nothing in them are named once, in one line
    assert html.count('class="none-named"') == 1


FOOTER_TARGETS = ("/read", "/network", "/query", "/docs", "/validate", "/ontology", "/void", "/dumps/plankg.ttl", "/agency", "/sdg")


def test_every_page_has_footer_links_that_answer(client):
    html = client.get("/", params={"lang": "en"}).text
    footer = html[html.index('<footer class="site-footer">') :]
    for target in FOOTER_TARGETS:
        assert f'href="{target}"' in footer, target
        assert client.get(target).status_code == 200, target


def test_html_is_gzip_compressed_when_accepted(client):
    r = client.get("/area/evaw", headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.headers["content-type"].startswith("text/html")
    plain = client.get("/area/evaw", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == r.text
