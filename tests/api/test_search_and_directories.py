"""Search (entity-aware, bilingual, ranked, filtered), typeahead suggestions and the A–Z directories."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import httpx
import pytest


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def search(client, q, **params):
    r = client.get("/search", params={"q": q, "format": "json", **params})
    assert r.status_code == 200, r.text
    return r.json()


def hrefs(result) -> list[str]:
    return [e["href"] for e in result["entities"]]


# ---------------------------------------------------------------- search


def test_an_english_acronym_finds_the_chinese_passages_that_name_the_entity(client):
    found = search(client, "UNFPA")
    assert hrefs(found)[0] == "/agency/UNFPA"
    # the text says 人口基金, never "UNFPA": the passages come through the entity's mentions
    assert len(found["passages"]) >= 6
    for p in found["passages"]:
        marked = "".join(s["text"] for s in p["segments"] if s.get("mark"))
        assert "人口基金" in marked, p
    assert "/read#para-56-item-3" in {p["href"] for p in found["passages"]}


def test_a_chinese_name_finds_the_same_entity_and_passages(client):
    zh = search(client, "人口基金")
    en = search(client, "UNFPA")
    assert hrefs(zh)[0] == "/agency/UNFPA"
    assert {p["href"] for p in en["passages"]} <= {p["href"] for p in zh["passages"]}


@pytest.mark.parametrize(
    ("q", "first"),
    [("WHO", "/agency/WHO"), ("who", "/agency/WHO"), ("ＷＨＯ", "/agency/WHO"), ("World Health Organization", "/agency/WHO"),
     ("世界卫生组织", "/agency/WHO"), ("UNDP", "/agency/UNDP"), ("CEDAW", "/id/instrument/CEDAW")],
)
def test_an_exact_label_or_acronym_ranks_first(client, q, first):
    found = search(client, q)
    assert found["entities"], q
    top = found["entities"][0]
    assert top["href"] == first, [e["href"] for e in found["entities"][:5]]
    assert top["tier"] <= 2


def test_who_ranks_the_organization_above_names_that_merely_contain_the_letters(client):
    found = search(client, "WHO")
    assert len(found["entities"]) > 1, "other names hold 'who' too"
    assert found["entities"][0]["label"]["en"] == "World Health Organization"
    assert all(e["tier"] >= found["entities"][0]["tier"] for e in found["entities"])


def test_multi_word_queries_match_words_anywhere_in_a_name(client):
    found = search(client, "women peace")
    labels = [e["label"]["en"].lower() for e in found["entities"]]
    assert labels and all("women" in lab and "peace" in lab for lab in labels[:3]), labels
    assert found["passages"], "passages naming women, peace and security are found through the entity"
    assert search(client, "peace women")["entities"], "word order does not matter"


def test_the_type_filter_narrows_results_and_the_counts_stay(client):
    everything = search(client, "fund")
    assert everything["counts"]["agency"] > 0
    agencies = search(client, "fund", type="agency")
    assert agencies["entities"] and all(e["type"] == "agency" for e in agencies["entities"])
    assert agencies["passages"] == []
    assert agencies["counts"] == everything["counts"]
    text = search(client, "人口基金", type="text")
    assert text["entities"] == [] and text["passages"]


def test_an_unknown_type_is_a_problem(client):
    r = client.get("/search", params={"q": "fund", "type": "planet"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")


def test_result_counts_are_pluralized(client):
    one = client.get("/search", params={"q": "UNFPA", "type": "agency", "lang": "en"}).text
    assert re.search(r">\s*1 result\s*<", one), "one result is '1 result'"
    many = client.get("/search", params={"q": "UNFPA", "lang": "en"}).text
    assert re.search(r">\s*\d+ results\s*<", many) and "1 results" not in many
    zh = client.get("/search", params={"q": "UNFPA", "type": "agency", "lang": "zh"}).text
    assert "1 条结果" in zh


@pytest.mark.parametrize(
    "q",
    ["x" * 201, "a " * 25, "UNFPA\x00", "\x07", "x" * 5000, "%ED%A0%80", "%FF"],
    ids=["201-chars", "25-words", "nul", "bell", "5000-chars", "lone-surrogate", "not-utf8"],
)
def test_long_or_odd_queries_are_refused_with_a_problem(client, q):
    for path in ("/search", "/search/suggest"):
        r = client.get(f"{path}?q={q}" if q.startswith("%") else path, params=None if q.startswith("%") else {"q": q})
        assert r.status_code == 400, (path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_hostile_looking_but_legal_queries_just_find_nothing(client):
    for q in ("%", "_", ".*", "(a+)+$", "\\", "' OR 1=1 --", '") } DROP'):
        assert client.get("/search", params={"q": q}).status_code == 200
        assert client.get("/search/suggest", params={"q": q}).status_code == 200


# ---------------------------------------------------------------- suggestions


def test_suggestions_put_the_exact_acronym_first_in_the_page_language(client):
    r = client.get("/search/suggest", params={"q": "UNFPA", "lang": "zh"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    first = r.json()["suggestions"][0]
    assert first["href"] == "/agency/UNFPA" and first["label"] == "联合国人口基金" and first["acronym"] == "UNFPA"
    en = client.get("/search/suggest", params={"q": "人口基金", "lang": "en"}).json()["suggestions"][0]
    assert en["href"] == "/agency/UNFPA" and en["label"] == "United Nations Population Fund"


def test_suggestions_work_from_a_prefix_and_are_few(client):
    found = client.get("/search/suggest", params={"q": "unf"}).json()["suggestions"]
    assert found and found[0]["href"] == "/agency/UNFPA"
    assert len(client.get("/search/suggest", params={"q": "u"}).json()["suggestions"]) <= 8
    assert client.get("/search/suggest", params={"q": ""}).json()["suggestions"] == []


def test_suggestions_mark_groups(client):
    found = client.get("/search/suggest", params={"q": "United Nations system", "lang": "en"}).json()["suggestions"]
    assert found[0]["href"] == "/agency/UN-System" and found[0]["group"] is True
    assert client.get("/search/suggest", params={"q": "UNFPA"}).json()["suggestions"][0]["group"] is False


# ---------------------------------------------------------------- directories


@pytest.mark.parametrize("name", ["agency", "mechanism", "instrument", "sdg"])
def test_directories_are_html_for_browsers_and_json_for_clients(client, name):
    page = client.get(f"/{name}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-encoding"] == "gzip", "HTML is compressed for a client that accepts gzip"
    data = client.get(f"/{name}", headers={"Accept": "application/json"})
    assert data.status_code == 200 and data.headers["content-type"].startswith("application/json")
    items = data.json()["items"]
    assert items and data.json()["count"] == len(items)
    assert client.get(f"/{name}", params={"format": "json"}).json() == data.json()
    for item in items[:5]:
        assert item["page"] in page.text


def test_agency_directory_lists_agencies_a_to_z_with_counts_and_groups_apart(client):
    items = {i["id"]: i for i in client.get("/agency", params={"format": "json"}).json()["items"]}
    assert items["UNFPA"]["interventions"] == 4 and items["UNFPA"]["paragraphs"] >= 4
    assert items["UN-System"]["group"] and items["IFIs"]["group"] and not items["UNDP"]["group"]
    assert "CEB" not in items, "inter-agency mechanisms are in /mechanism"
    mechanisms = {i["id"] for i in client.get("/mechanism", params={"format": "json"}).json()["items"]}
    assert "CEB" in mechanisms and "UNFPA" not in mechanisms
    html = client.get("/agency", params={"lang": "en"}).text
    groups_at = html.index('id="h-groups"')
    assert html.index('href="/agency/UNFPA"') < groups_at < html.index('href="/agency/UN-System"')
    assert 'href="#letter-U"' in html


def test_sdg_directory_is_ordered_by_goal_target_indicator(client):
    items = client.get("/sdg", params={"format": "json"}).json()["items"]
    notations = [i["acronym"] for i in items]
    assert notations == sorted(notations, key=lambda n: [p.zfill(3) for p in n.split(".")])
    assert {"5", "5.2", "5.2.1"} <= set(notations)


def test_a_kind_filter_narrows_a_directory(client):
    html = client.get("/mechanism", params={"kind": "Fund", "lang": "en"}).text
    assert 'href="/agency/WPHF"' in html and 'href="/agency/CEB"' not in html
    assert client.get("/mechanism", params={"kind": "<script>"}).status_code == 400


@pytest.mark.parametrize(
    ("path", "target"),
    [("/agency/unfpa", "/agency/UNFPA"), ("/agency/Unfpa?lang=en", "/agency/UNFPA?lang=en"), ("/agency/un-women", "/agency/UN-Women"),
     ("/mechanism/ceb", "/agency/CEB"), ("/instrument/cedaw", "/id/instrument/CEDAW"), ("/sdg/5.2", "/id/sdg/5.2")],
)
def test_identifiers_in_any_case_redirect_permanently_to_the_canonical_page(client, path, target):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 308, (path, r.status_code)
    assert r.headers["location"] == target
    assert client.get(path, follow_redirects=True).status_code == 200


def test_an_unknown_identifier_is_a_helpful_404(client):
    r = client.get("/agency/UNFPB", params={"lang": "en"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert 'href="/agency/UNFPA"' in r.text, "a close id is suggested"
    assert 'href="/agency"' in r.text
    assert client.get("/agency/<script>").status_code == 404
    assert "<script>" not in client.get("/agency/%3Cscript%3E").text
    assert client.get("/instrument/nothing-like-this").status_code == 404


# ---------------------------------------------------------------- the index follows the data


def test_the_index_is_rebuilt_when_the_data_version_changes(live_server_factory):
    token = "steward-token-for-search"
    url = live_server_factory(write_tokens={"steward": token})
    b = "http://127.0.0.1:8000/"
    with httpx.Client(base_url=url, timeout=60) as c:
        assert c.get("/search/suggest", params={"q": "Fonds des Nations Unies"}).json()["suggestions"] == []
        update = (
            f"INSERT DATA {{ GRAPH <{b}graph/notes> {{ <{b}id/org/UNFPA> "
            f"<http://www.w3.org/2004/02/skos/core#altLabel> \"Fonds des Nations Unies pour la population\"@fr }} }}"
        )
        r = c.post("/update", content=update, headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}"})
        assert r.status_code == 204, r.text
        found = c.get("/search/suggest", params={"q": "Fonds des Nations Unies"}).json()["suggestions"]
        assert [s["href"] for s in found] == ["/agency/UNFPA"]
        assert found[0]["matched"] == "Fonds des Nations Unies pour la population"


def test_among_partial_matches_the_closest_name_comes_first(client):
    found = [e for e in search(client, "women peace")["entities"] if e["tier"] == 4 and e["matched"]]
    assert len(found) > 3
    lengths = [len(e["matched"]) for e in found]
    assert lengths == sorted(lengths), [e["matched"] for e in found]
    assert found[0]["label"]["en"] == "Women's Peace and Humanitarian Fund"


REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "organizations.csv"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.mark.skipif(not REFERENCE.is_file(), reason="../shared/reference is not beside the repository")
def test_every_reference_name_the_graph_carries_finds_its_organization_first(client):
    """The reference's names of an organization (Chinese forms as printed, acronym, English name):
    each one the graph holds as a label, other name or notation finds that organization first."""
    sparql = f"SELECT ?x ?form WHERE {{ ?x <{SKOS}prefLabel>|<{SKOS}altLabel>|<{SKOS}notation> ?form FILTER(STRSTARTS(STR(?x), STR(<http://127.0.0.1:8000/id/org/>))) }}"
    rows = client.get("/sparql", params={"query": sparql}, headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    owners: dict[str, set[str]] = {}
    for row in rows:
        owners.setdefault(" ".join(row["form"]["value"].casefold().split()), set()).add("/agency/" + row["x"]["value"].rsplit("/", 1)[-1])
    checked = 0
    with REFERENCE.open(encoding="utf-8") as f:
        for record in csv.DictReader(f):
            for form in [*record["zh_as_in_text"].split("|"), record["acronym"], record["en_name"]]:
                form = " ".join(form.split())
                expected = owners.get(form.casefold())
                if not form or not expected or len(expected) > 1:
                    continue
                found = client.get("/search/suggest", params={"q": form}).json()["suggestions"]
                assert found and found[0]["href"] in expected, (form, found[:1])
                checked += 1
    assert checked > 100


def test_the_index_is_built_at_start_beside_the_first_requests_and_once(app_factory, monkeypatch):
    import asyncio

    from service import pages
    from service.answer_cache import answer_cache
    from service.search_index import SearchIndex

    builds = []
    build = SearchIndex.build

    def counted(*args, **kwargs):
        builds.append(1)
        return build(*args, **kwargs)

    monkeypatch.setattr(SearchIndex, "build", counted)
    app = app_factory()

    async def started() -> tuple[bool, bool]:
        async with app.router.lifespan_context(app):
            ctx = app.state.ctx
            early = await pages.search_index(app, ctx)  # a search as the server starts: one build serves it and the warm-up
            for _ in range(600):
                kept = answer_cache(app, "pages").get(ctx.store.version, ("search-index",))
                if kept is not None:
                    return kept.value is early, True
                await asyncio.sleep(0.05)
            return False, False

    assert asyncio.run(started()) == (True, True)
    assert len(builds) == 1


def test_the_index_is_built_at_start_with_no_search_asking(app_factory):
    import asyncio

    from service.answer_cache import answer_cache

    app = app_factory()

    async def built() -> bool:
        async with app.router.lifespan_context(app):
            ctx = app.state.ctx
            for _ in range(600):
                if answer_cache(app, "pages").get(ctx.store.version, ("search-index",)) is not None:
                    return True
                await asyncio.sleep(0.05)
            return False

    assert asyncio.run(built())


def test_the_api_description_documents_the_directories_and_suggestions(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/agency", "/mechanism", "/instrument", "/sdg"):
        assert "application/json" in paths[path]["get"]["responses"]["200"]["content"], path
    assert [p["name"] for p in paths["/search/suggest"]["get"]["parameters"]] == ["q"]
