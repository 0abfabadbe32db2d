"""/queries over real HTTP: listing, typed routes, negotiation, caching, problems, injection."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import httpx
import pytest
from problem_checks import assert_problem

from service.queries import Answer, ResultCache

B = "http://127.0.0.1:8000/"
ID = B + "id/"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def listing(client) -> list[dict]:
    r = client.get("/queries")
    assert r.status_code == 200, r.text
    return r.json()["queries"]



def triple_count(client) -> int:
    r = client.get("/sparql", params={"query": COUNT_ALL})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def bindings(r: httpx.Response) -> list[dict]:
    return r.json()["results"]["bindings"]


# ---------------------------------------------------------------- listing and documentation
def test_listing_describes_every_query_with_params_and_example(listing):
    names = [q["name"] for q in listing]
    assert len(names) >= 15 and len(names) == len(set(names))
    for required in ("partners-by-area", "agency-profile", "wps-resolutions", "sdg-indicators", "search-text", "paragraph"):
        assert required in names
    partners = next(q for q in listing if q["name"] == "partners-by-area")
    assert partners["summary"] and "partners" in partners["tags"]
    assert partners["example_url"] == "/queries/partners-by-area?area=evaw"
    assert partners["sparql_url"] == "/queries/partners-by-area.rq"
    area = partners["params"][0]
    assert (area["name"], area["type"], area["enum"], area["default"]) == ("area", "iri", ["governance", "wee", "evaw", "wps"], "evaw")


def test_every_listed_example_url_answers_with_rows(client, listing):
    for q in listing:
        r = client.get(q["example_url"])
        assert r.status_code == 200, (q["example_url"], r.text)
        assert bindings(r), q["example_url"]


def test_openapi_documents_each_named_query_once_with_typed_params(client, listing):
    doc = client.get("/openapi.json").json()
    operations = [op for path, item in doc["paths"].items() for op in item.values() if path.startswith("/queries/")]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for q in listing:
        path = doc["paths"].get(f"/queries/{q['name']}")
        assert path is not None and list(path) == ["get"], q["name"]
        op = path["get"]
        assert op["summary"] == q["summary"]
        declared = {p["name"]: p for p in op["parameters"]}
        paging = {"limit", "offset"} if q.get("page_size") else set()
        assert set(declared) == {p["name"] for p in q["params"]} | {"format"} | paging
        for param in q["params"]:
            assert declared[param["name"]]["required"] == param["required"]
            assert declared[param["name"]]["description"]
    paragraph = {p["name"]: p for p in doc["paths"]["/queries/paragraph"]["get"]["parameters"]}["paragraph_number"]
    assert paragraph["required"] is True
    assert (paragraph["schema"]["type"], paragraph["schema"]["minimum"], paragraph["schema"]["maximum"]) == ("integer", 1, 119)
    area = {p["name"]: p for p in doc["paths"]["/queries/partners-by-area"]["get"]["parameters"]}["area"]
    assert area["schema"]["enum"] == ["governance", "wee", "evaw", "wps"] and area["schema"]["default"] == "evaw"
    q = {p["name"]: p for p in doc["paths"]["/queries/search-text"]["get"]["parameters"]}["q"]
    assert q["schema"]["examples"] == ["安全理事会"] and q["schema"]["maxLength"] == 100


def test_browser_asking_for_the_listing_is_sent_to_the_query_page(client):
    r = client.get("/queries", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, follow_redirects=False)
    assert r.status_code in (200, 303)
    if r.status_code == 303:
        assert r.headers["location"] == "/query"


def test_query_text_is_served_as_sparql(client):
    r = client.get("/queries/wps-resolutions.rq")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.text.startswith("#+ summary:") and "SELECT" in r.text
    r = client.get("/queries/wps-resolutions.rq", headers={"Accept": "application/sparql-query"})
    assert r.headers["content-type"].startswith("application/sparql-query")
    assert client.get("/queries/wps-resolutions.rq", headers={"If-None-Match": r.headers["etag"]}).status_code == 304
    assert_problem(client.get("/queries/nope.rq"), 404, "unknown-query")


# ---------------------------------------------------------------- answers
def test_partners_by_area_json_by_default(client):
    r = client.get("/queries/partners-by-area", params={"area": "evaw"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/sparql-results+json")
    found = {b["acronym"]["value"] for b in bindings(r) if "acronym" in b}
    assert {"UNDP", "UNFPA", "WHO", "UNODC", "OHCHR", "UNICEF", "UNESCO", "ILO"} <= found
    assert ID + "org/UN-Women" not in {b["agency"]["value"] for b in bindings(r)}
    assert r.headers["x-plankg-rows"] == str(len(bindings(r)))
    assert r.headers["link"] == '</queries/partners-by-area.rq>; rel="describedby"; type="application/sparql-query"'


def test_csv_and_tsv_by_accept_and_by_format(client):
    r = client.get("/queries/partners-by-area", params={"area": "evaw"}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert "WHO" in {row["acronym"] for row in table}
    assert {row["paragraph_number"] for row in table} <= {"55", "56"}
    r = client.get("/queries/partners-by-area", params={"area": "evaw", "format": "tsv"})
    assert r.headers["content-type"].startswith("text/tab-separated-values")
    r = client.get("/queries/wps-resolutions", headers={"Accept": "application/sparql-results+xml"})
    assert r.headers["content-type"].startswith("application/sparql-results+xml") and "S/RES/1820 (2008)" in r.text


def test_default_value_is_used_when_the_parameter_is_absent(client):
    given = client.get("/queries/partners-by-area", params={"area": "evaw"})
    default = client.get("/queries/partners-by-area")
    assert default.status_code == 200 and default.content == given.content


def test_wps_resolutions_over_http(client):
    found = bindings(client.get("/queries/wps-resolutions"))
    assert len(found) == 10
    r1820 = next(b for b in found if b["symbol"]["value"] == "S/RES/1820 (2008)")
    assert (r1820["year_as_printed"]["value"], r1820["year_adopted"]["value"]) == ("2009", "2008")


def test_graph_format_for_a_select_query_is_406(client):
    r = client.get("/queries/wps-resolutions", headers={"Accept": "text/turtle"})
    assert_problem(r, 406, "not-acceptable")


def test_etag_revalidation_answers_304(client):
    first = client.get("/queries/agency-profile", params={"agency": "UNDP"})
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"] == "no-cache"
    again = client.get("/queries/agency-profile", params={"agency": "UNDP"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get("/queries/agency-profile", params={"agency": "UNFPA"}, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag
    csv_tag = client.get("/queries/agency-profile", params={"agency": "UNDP"}, headers={"Accept": "text/csv"}).headers["etag"]
    assert csv_tag != etag


def test_repeated_request_is_answered_identically(client):
    answers = [client.get("/queries/co-delivery-network", params={"area": "wps"}) for _ in range(3)]
    assert all(a.status_code == 200 for a in answers)
    assert len({a.content for a in answers}) == 1 and len({a.headers["etag"] for a in answers}) == 1


def test_head_gives_the_headers_without_a_body(client):
    r = client.head("/queries/impact-areas")
    assert r.status_code == 200 and r.content == b"" and r.headers["etag"]


# ---------------------------------------------------------------- problems
def test_unknown_query_is_404_problem(client):
    body = assert_problem(client.get("/queries/no-such-query"), 404, "unknown-query")
    assert "no-such-query" in body["detail"]


def test_unknown_parameter_is_400_naming_it(client):
    body = assert_problem(client.get("/queries/partners-by-area", params={"colour": "red"}), 400, "parameter")
    assert "'colour'" in body["detail"] and "area" in body["detail"]


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/queries/paragraph", {"paragraph_number": "forty-nine"}, "paragraph_number"),
        ("/queries/paragraph", {"paragraph_number": "500"}, "paragraph_number"),
        ("/queries/paragraph", {}, "paragraph_number"),
        ("/queries/partners-by-area", {"area": "mars"}, "area"),
        ("/queries/statistics", {"paragraph_number": "1.5"}, "paragraph_number"),
        ("/queries/search-text", {"q": "x" * 101}, "q"),
        # int() reads each of these as 49; a parameter takes ASCII digits only
        ("/queries/paragraph", {"paragraph_number": "٤٩"}, "paragraph_number"),
        ("/queries/paragraph", {"paragraph_number": "４９"}, "paragraph_number"),
        ("/queries/paragraph", {"paragraph_number": "+49"}, "paragraph_number"),
        ("/queries/paragraph", {"paragraph_number": " 49"}, "paragraph_number"),
        ("/queries/paragraph", {"paragraph_number": "4_9"}, "paragraph_number"),
    ],
)
def test_wrong_type_or_missing_value_is_400_naming_the_parameter(client, path, params, named):
    body = assert_problem(client.get(path, params=params), 400, "parameter")
    assert named in body["detail"]


def test_repeated_parameter_is_400(client):
    r = client.get("/queries/partners-by-area?area=evaw&area=wps")
    assert "'area'" in assert_problem(r, 400, "parameter")["detail"]


# ---------------------------------------------------------------- injection
INJECTIONS = [
    "evaw> } ; DROP ALL ; #",
    '" } UNION { ?s ?p ?o } #',
    "x' . ?s ?p ?o",
    "evaw\n} UNION {\n?s ?p ?o\n}\n#",
    "evaw%3E%20%7D",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_into_iri_parameters_is_refused_and_changes_nothing(client, value):
    before = triple_count(client)
    for path, name in (("/queries/partners-by-area", "area"), ("/queries/agency-profile", "agency"), ("/queries/mentions", "entity")):
        r = client.get(path, params={name: value})
        body = assert_problem(r, 400, "parameter")
        assert f"'{name}'" in body["detail"]
    assert triple_count(client) == before


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_into_the_search_text_is_a_literal(client, value):
    before = triple_count(client)
    r = client.get("/queries/search-text", params={"q": value})
    assert r.status_code == 200, r.text
    assert bindings(r) == []
    assert triple_count(client) == before


def test_raw_percent_encoded_injection_in_the_url_is_refused(client):
    r = client.get("/queries/partners-by-area?area=" + quote("evaw> } ; DROP ALL ; #", safe=""))
    assert_problem(r, 400, "parameter")


# ---------------------------------------------------------------- routes follow the .rq files
EXTRA_QUERY = """\
#+ summary: Paragraphs from a number on
#+ description: A query written for this test only.
#+ tags: [test]
#+ params:
#+   from_number: {type: integer, min: 1, max: 119, default: 118, description: "first paragraph"}
#+   flag: {type: boolean, description: "ignored flag"}
#+ example: from_number=118
PREFIX pk: <http://127.0.0.1:8000/ontology#>
SELECT ?from_number ?flag ?p ?n WHERE { ?p pk:paragraphNumber ?n . FILTER (?n >= ?from_number) } ORDER BY ?n
"""


def test_a_new_rq_file_becomes_a_typed_route(live_server_factory, tmp_path):
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "late-paragraphs.rq").write_text(EXTRA_QUERY, encoding="utf-8")
    url = live_server_factory(root_dir=tmp_path)
    with httpx.Client(base_url=url, timeout=60) as c:
        doc = c.get("/openapi.json").json()
        params = {p["name"]: p for p in doc["paths"]["/queries/late-paragraphs"]["get"]["parameters"]}
        assert params["from_number"]["schema"]["type"] == "integer" and params["from_number"]["schema"]["default"] == 118
        assert params["flag"]["schema"]["type"] == "boolean"
        assert [q["name"] for q in c.get("/queries").json()["queries"]] == ["late-paragraphs"]
        numbers = [b["n"]["value"] for b in c.get("/queries/late-paragraphs").json()["results"]["bindings"]]
        assert numbers == ["118", "119"]
        assert_problem(c.get("/queries/late-paragraphs", params={"flag": "maybe"}), 400, "parameter")
        assert_problem(c.get("/queries/partners-by-area"), 404, "unknown-query")


# ---------------------------------------------------------------- the answer cache
def answer(body: bytes = b"x") -> Answer:
    return Answer(body, "text/csv", 1, False)


def test_cache_is_emptied_when_the_data_version_changes():
    cache = ResultCache()
    cache.put("v1", ("q", (), "json"), answer())
    assert cache.get("v1", ("q", (), "json")) == answer()
    assert cache.get("v2", ("q", (), "json")) is None
    cache.put("v2", ("r", (), "json"), answer(b"y"))
    assert len(cache) == 1 and cache.get("v1", ("q", (), "json")) is None


def test_cache_drops_the_least_recently_used_entry():
    cache = ResultCache(entries=2)
    cache.put("v", ("a",), answer())
    cache.put("v", ("b",), answer())
    cache.get("v", ("a",))
    cache.put("v", ("c",), answer())
    assert cache.get("v", ("b",)) is None
    assert cache.get("v", ("a",)) is not None and cache.get("v", ("c",)) is not None


def test_cache_keeps_within_its_byte_budget():
    cache = ResultCache(max_bytes=10)
    cache.put("v", ("a",), answer(b"123456"))
    cache.put("v", ("b",), answer(b"123456"))
    assert len(cache) == 1 and cache.bytes == 6 and cache.get("v", ("b",)) is not None


# ---------------------------------------------------------------- roles
def test_partners_by_area_lists_co_delivering_un_entities_only(client):
    for area in ("governance", "wee", "evaw", "wps"):
        rows = bindings(client.get("/queries/partners-by-area", params={"area": area}))
        assert rows, area
        assert {b["role"]["value"] for b in rows} == {ID + "role/co-delivers"}
        assert {b["kind"]["value"] for b in rows} <= {B + "ontology#UNEntity", B + "ontology#SecretariatDepartment"}
        # the UN system as a whole is supported, represented or a group: never a co-delivering agency
        assert ID + "org/UN-System" not in {b["agency"]["value"] for b in rows}
        assert all(b["evidence"]["value"] for b in rows)


def test_partners_by_area_answers_any_role(client):
    rows = bindings(client.get("/queries/partners-by-area", params={"area": "wps", "role": "secretariat-of", "entities_only": "false"}))
    assert {b["agency"]["value"].rsplit("/", 1)[1] for b in rows} == {"IEG", "WPS-FPN", "WPHF", "EIF", "GRG"}
    assert all("秘书" in b["evidence"]["value"] for b in rows)
    supported = bindings(client.get("/queries/partners-by-area", params={"area": "wps", "role": "supports"}))
    assert {(b["intervention_notation"]["value"], b["agency"]["value"]) for b in supported} == {
        ("58.1", ID + "org/UN-System"), ("58.3", ID + "org/UN-System"),
    }
    assert_problem(client.get("/queries/partners-by-area", params={"role": "befriends"}), 400, "parameter")


def test_collaborations_by_role_separates_mechanisms_funds_and_groups(client):
    rows = bindings(client.get("/queries/collaborations-by-role", params={"area": "evaw"}))
    roles = {(b["intervention_notation"]["value"], b["organization"]["value"].rsplit("/", 1)[1]): b["role"]["value"].rsplit("/", 1)[1] for b in rows}
    assert roles[("55.6", "UN-Trust-Fund")] == "manages-fund"
    assert roles[("55.6", "UN-System")] == "on-behalf-of"
    assert roles[("56.4", "UN-System")] == "generic-group"
    chairs = bindings(client.get("/queries/collaborations-by-role", params={"role": "chairs"}))
    assert {b["organization"]["value"].rsplit("/", 1)[1] for b in chairs} == {"UN-WPS-Standing-Committee", "GCTCC-WG-Gender"}
    assert all(b["membership"]["value"] == "true" for b in chairs)


def test_co_delivery_queries_leave_out_groups_and_supported_systems(client):
    network = bindings(client.get("/queries/co-delivery-network"))
    assert not any(ID + "org/UN-System" in (b["agency_a"]["value"], b["agency_b"]["value"]) for b in network)
    partners = {b["partner"]["value"] for b in bindings(client.get("/queries/agency-co-partners", params={"agency": "UNDP"}))}
    assert ID + "org/UN-System" not in partners and ID + "org/IFIs" not in partners
    assert ID + "org/UNFPA" in partners


def test_agency_profile_gives_the_role_in_each_intervention(client):
    rows = bindings(client.get("/queries/agency-profile", params={"agency": "ILO"}))
    roles = {b["intervention"]["value"]: b["role"]["value"] for b in rows if "role" in b}
    assert roles[ID + "intervention/53-6"] == ID + "role/supports"
    assert roles[ID + "intervention/53-1"] == ID + "role/co-delivers"


# ---------------------------------------------------------------- qualified figures
def test_statistics_carry_their_qualifier_and_bound(client):
    rows = {b["statistic"]["value"].rsplit("/", 1)[1]: b for b in bindings(client.get("/queries/statistics"))}
    more = rows["p11-2"]
    assert more["qualifier"]["value"] == ID + "qualifier/more-than"
    assert more["qualifier_text"]["value"] == "超过了 90%" and more["min_value"]["value"] == "90"
    less = rows["p12-3"]  # 不到一半(48%): the value 48, the bound the words state 50
    assert (less["value"]["value"], less["max_value"]["value"]) == ("48", "50")
    assert rows["p117-1"]["max_value"]["value"] == "2023"
    assert rows["p15-2"]["qualifier"]["value"] == ID + "qualifier/about" and "min_value" not in rows["p15-2"]
    assert rows["p10-5"]["qualifier"]["value"] == ID + "qualifier/exact" and "qualifier_text" not in rows["p10-5"]
    bounded = {k for k, b in rows.items() if "min_value" in b or "max_value" in b}
    assert bounded == {"p10-3", "p11-1", "p11-2", "p12-3", "p13-2", "p117-1"}


# ---------------------------------------------------------------- SDG alignment
def test_sdg_alignment_says_which_links_are_stated_and_which_curated(client):
    rows = bindings(client.get("/queries/sdg-alignment", params={"concept": "area/evaw"}))
    kinds = {b["code"]["value"]: b["kind"]["value"].rsplit("/", 1)[1] for b in rows}
    assert kinds["5.2"] == "stated" and kinds["5.2.1"] == "curated" and kinds["5.2.2"] == "curated"
    stated = next(b for b in rows if b["code"]["value"] == "5.2")
    assert stated["paragraph_number"]["value"] == "54" and "免于一切形式暴力" in stated["evidence"]["value"]
    assert stated["un_iri"]["value"] == "http://metadata.un.org/sdg/5.2"
    assert all("rationale" in b for b in rows if b["kind"]["value"].endswith("/curated"))
    only_stated = bindings(client.get("/queries/sdg-alignment", params={"kind": "stated"}))
    assert only_stated and all(b["kind"]["value"] == ID + "alignment-kind/stated" for b in only_stated)
    assert {b["concept"]["value"] for b in bindings(client.get("/queries/sdg-alignment"))} >= {
        ID + f"outcome/{n}" for n in range(1, 8)
    }


def test_sdg_indicators_list_the_areas_and_outcomes_each_concept_serves(client):
    rows = bindings(client.get("/queries/sdg-indicators"))
    row = next(b for b in rows if b["code"]["value"] == "5.1.1")
    assert ID + "outcome/1|stated" in row["serves"]["value"].split()
    assert ID + "area/governance|curated" in row["serves"]["value"].split()


def test_organizations_count_co_delivery_apart_from_being_named(client):
    rows = {b["organization"]["value"].rsplit("/", 1)[1]: b for b in bindings(client.get("/queries/organizations"))}
    system = rows["UN-System"]
    assert int(system["interventions"]["value"]) == 7 and system["co_delivered"]["value"] == "0"
    undp = rows["UNDP"]
    assert undp["co_delivered"]["value"] == undp["interventions"]["value"]
    assert rows["ILO"]["co_delivered"]["value"] == str(int(rows["ILO"]["interventions"]["value"]) - 1)  # 53.6: supported


# ---------------------------------------------------------------- pages
# statistics is cut by the serializer; key-interventions inside the engine, with its total counted
# by key-interventions-total.rq and its parameter bound in the page's sub-SELECT
@pytest.mark.parametrize(("path", "limit"), [("/queries/statistics", 20), ("/queries/key-interventions", 7), ("/queries/key-interventions?area=wps", 3)])
def test_a_paged_query_walks_its_answer_page_by_page_through_the_next_links(client, path, limit):
    whole = client.get(path)
    assert whole.status_code == 200, whole.text
    total = int(whole.headers["X-PlanKG-Total"])
    assert total == len(bindings(whole)) > limit  # the plan's answer fits the default page
    rows, url, pages = [], path + ("&" if "?" in path else "?") + f"limit={limit}", 0
    while url:
        r = client.get(url)
        assert r.status_code == 200, r.text
        assert int(r.headers["X-PlanKG-Total"]) == total and int(r.headers["X-PlanKG-Limit"]) == limit
        rows += bindings(r)
        nxt = [part for part in r.headers["Link"].split(", ") if part.endswith('rel="next"')]
        url = nxt[0].split(">")[0].lstrip("<") if nxt else None
        pages += 1
    assert pages == -(-total // limit)
    assert rows == bindings(whole)  # the same rows in the same order, each once


def test_a_page_in_csv_holds_the_rows_of_the_same_page_in_json(client):
    as_json = bindings(client.get("/queries/organizations", params={"limit": 5, "offset": 7}))
    as_csv = list(csv.reader(io.StringIO(client.get("/queries/organizations", params={"limit": 5, "offset": 7, "format": "csv"}).text)))
    assert len(as_json) == 5 and len(as_csv) == 6
    first = as_csv[0][0]
    assert [row[0] for row in as_csv[1:]] == [b[first]["value"] for b in as_json]


def test_an_offset_past_the_end_is_an_empty_page_with_the_total(client):
    r = client.get("/queries/statistics", params={"offset": 100000})
    assert r.status_code == 200 and bindings(r) == []
    assert int(r.headers["X-PlanKG-Total"]) > 0 and 'rel="next"' not in r.headers["Link"]


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "-1"}, {"limit": "1e3"}, {"limit": "+5"}, {"limit": " 5"}, {"limit": "١٢"},
                                    {"offset": "-1"}, {"offset": "99999999999"}, {"limit": "100000000"}, {"offset": "0x10"}])
def test_a_bad_limit_or_offset_is_400_naming_it(client, params):
    body = assert_problem(client.get("/queries/statistics", params=params), 400, "parameter")
    assert repr(next(iter(params))) in body["detail"]


def test_a_query_that_is_not_paged_refuses_limit_and_offset(client):
    assert_problem(client.get("/queries/wps-resolutions", params={"limit": "5"}), 400, "parameter")


def test_openapi_declares_the_page_parameters_and_headers_of_paged_queries_only(client):
    paths = client.get("/openapi.json").json()["paths"]
    paged = paths["/queries/statistics"]["get"]
    assert {"limit", "offset"} <= {p["name"] for p in paged["parameters"]}
    assert "X-PlanKG-Total" in paged["responses"]["200"]["headers"]
    assert not {"limit", "offset"} & {p["name"] for p in paths["/queries/wps-resolutions"]["get"]["parameters"]}
