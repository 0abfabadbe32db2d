"""Parameters that name entities, the query forms' typed pickers and the editor's catalogue, over HTTP."""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
import pytest

B = "http://127.0.0.1:8000/"
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


# ---------------------------------------------------------------- known entities in the API


@pytest.mark.parametrize("name", ["agency-profile", "agency-co-partners"])
def test_an_unknown_agency_is_a_422_problem_naming_it(client, name):
    r = client.get(f"/queries/{name}", params={"agency": "FOO"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["type"] == "urn:plankg:problem:unknown-entity"
    assert problem["detail"].startswith("Unknown agency 'FOO'")


@pytest.mark.parametrize(
    "value",
    [
        "unfpa",  # identifiers are case-sensitive: the lower-case id names nothing
        "area/evaw",  # an entity of another kind under the agency prefix
        B + "id/org/NOPE",  # a full IRI with the right prefix
        "UNFPA/extra",
        "UN-Women-",
    ],
)
def test_variants_of_an_agency_id_that_name_no_agency_are_refused(client, value):
    r = client.get("/queries/agency-profile", params={"agency": value})
    assert r.status_code == 422, (value, r.text[:200])
    assert r.json()["type"] == "urn:plankg:problem:unknown-entity"


def test_a_known_agency_answers_rows_by_short_id_and_by_full_iri(client):
    short = client.get("/queries/agency-profile", params={"agency": "UNFPA"})
    full = client.get("/queries/agency-profile", params={"agency": B + "id/org/UNFPA"})
    assert short.status_code == full.status_code == 200
    assert int(short.headers["x-plankg-rows"]) > 0
    assert short.headers["x-plankg-rows"] == full.headers["x-plankg-rows"]


def test_a_malformed_agency_is_still_a_400_parameter_problem(client):
    r = client.get("/queries/agency-profile", params={"agency": "a b<c>"})
    assert r.status_code == 400
    assert r.json()["type"] == "urn:plankg:problem:parameter"


def test_an_unknown_agency_answered_twice_is_refused_twice(client):
    # the answer cache must not keep a refusal as an answer, nor skip the check on a hit
    for _ in range(2):
        assert client.get("/queries/agency-co-partners", params={"agency": "FOO"}).status_code == 422


def test_entity_labels_is_a_named_query_with_both_languages(client):
    r = client.get("/queries/entity-labels", headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    rows = r.json()["results"]["bindings"]
    by_iri = {row["entity"]["value"]: row for row in rows}
    unfpa = by_iri[B + "id/org/UNFPA"]
    assert unfpa["label_zh"]["value"] == "联合国人口基金"
    assert "Population Fund" in unfpa["label_en"]["value"]
    assert all(row["entity"]["value"].startswith(B + "id/") for row in rows)


# ---------------------------------------------------------------- query forms


def test_form_unknown_agency_says_unknown_agency_in_both_languages(client):
    en = client.get("/queries/agency-profile/form", params={"agency": "FOO", "run": "1", "lang": "en"})
    zh = client.get("/queries/agency-profile/form", params={"agency": "FOO", "run": "1", "lang": "zh"})
    assert en.status_code == zh.status_code == 422
    assert "Unknown agency “FOO”" in unescape(en.text)
    assert "未知机构“FOO”" in unescape(zh.text)


def test_form_offers_agencies_as_suggestions_with_names(client):
    page = client.get("/queries/agency-profile/form", params={"lang": "en"}).text
    datalist = re.search(r'<datalist id="choices-agency">(.*?)</datalist>', page, re.S)
    assert datalist is not None
    options = dict(re.findall(r'<option value="([^"]+)">([^<]*)</option>', datalist.group(1)))
    assert "UNFPA" in options and "Population Fund" in options["UNFPA"]
    assert 'list="choices-agency"' in page
    assert "area" not in {v.split("/")[0] for v in options}  # agencies only, no impact areas


def test_form_shows_areas_by_name_and_sends_their_ids(client):
    page = client.get("/queries/partners-by-area/form", params={"lang": "en"}).text
    select = re.search(r'<select id="param-area".*?</select>', page, re.S).group(0)
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))
    assert set(options) >= {"governance", "wee", "evaw", "wps"}
    assert "violence" in unescape(options["evaw"]).lower()
    assert options["evaw"] != "evaw"


def test_form_results_show_labels_with_the_iri_as_title(client):
    page = client.get("/queries/partners-by-area/form", params={"area": "evaw", "run": "1", "lang": "en"}).text
    assert re.search(r'<a href="/agency/UNFPA" title="http://127\.0\.0\.1:8000/id/org/UNFPA">[^<]*Population Fund[^<]*</a>', page)
    # an IRI without a label is shown as a prefixed name, not in full
    assert ">http://127.0.0.1:8000/id/" not in page


def test_form_csv_starts_with_a_byte_order_mark(client):
    r = client.get("/queries/partners-by-area/form", params={"area": "evaw", "download": "csv"})
    assert r.status_code == 200 and r.content.startswith(BOM)
    assert r.content[len(BOM) :].startswith(b"area,agency,")
    assert "联合国人口基金" in r.content.decode("utf-8-sig")


# ---------------------------------------------------------------- the editor's catalogue


def _catalog(page: str) -> list[dict]:
    island = re.search(r'<script type="application/json" id="query-catalog">(.*?)</script>', page, re.S)
    assert island is not None
    return json.loads(unescape(island.group(1)) if "&quot;" in island.group(1) else island.group(1))


def test_editor_shows_the_named_query_without_its_header(client):
    page = client.get("/query", params={"name": "partners-by-area"}).text
    initial = unescape(re.search(r'<textarea id="query-text"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert initial.startswith("PREFIX pk:")
    assert "#+" not in initial
    entries = {e["name"]: e for e in _catalog(page)}
    assert all("#+" not in e["body"] for e in entries.values())
    area = next(p for p in entries["partners-by-area"]["params"] if p["name"] == "area")
    assert "violence" in area["labels"]["evaw"].lower() or "暴力" in area["labels"]["evaw"]
    agency = next(p for p in entries["agency-profile"]["params"] if p["name"] == "agency")
    assert any(c["value"] == "UNFPA" for c in agency["choices"])


def test_editor_page_loads_no_script_or_style_from_elsewhere(client):
    page = client.get("/query").text
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert "/static/vendor/yasgui/yasgui.min.js" in sources and "/static/vendor/fflate/fflate.min.js" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]
    for asset in ("/static/vendor/yasgui/yasgui.min.js", "/static/vendor/yasgui/yasgui.min.css", "/static/vendor/fflate/fflate.min.js"):
        assert client.get(asset).status_code == 200
