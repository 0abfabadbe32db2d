"""GET /names: the names of the graph's own entities by IRI, for the query editor, and its limits."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from problem_checks import assert_problem

B = "http://127.0.0.1:8000/"
UNFPA = B + "id/org/UNFPA"
EVAW = B + "id/area/evaw"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def _ask(client: httpx.Client, iris: list[str]) -> httpx.Response:
    return client.get("/names?" + "&".join("iri=" + quote(i, safe="") for i in iris))


def test_known_iris_get_both_labels_and_unknown_ones_are_absent(client):
    r = _ask(client, [UNFPA, EVAW, B + "id/org/NOSUCH", "http://example.org/x", "not an iri", ""])
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    found = r.json()
    assert set(found) == {UNFPA, EVAW}
    assert "Population Fund" in found[UNFPA]["en"] and found[UNFPA]["zh"] == "联合国人口基金"
    assert found[UNFPA]["notation"] == "UNFPA"
    assert found[EVAW]["en"] and found[EVAW]["zh"]


def test_an_answer_does_not_depend_on_the_pages_language(client):
    assert _ask(client, [UNFPA]).json() == client.get("/names", params={"iri": UNFPA, "lang": "zh"}).json()


def test_a_repeated_iri_is_answered_once(client):
    r = _ask(client, [UNFPA] * 200)
    assert r.status_code == 200 and list(r.json()) == [UNFPA]


def test_no_iri_is_a_problem(client):
    assert_problem(client.get("/names"), 400)


def test_more_than_200_iris_is_too_large(client):
    body = assert_problem(_ask(client, [f"{B}id/org/X{n}" for n in range(201)]), 413)
    assert "200" in body["detail"]


def test_ten_thousand_iris_in_a_body_sized_query_string_are_refused_without_a_500(client):
    # the head is cut before the app at the server's header limit; either way no 500 and no trace
    r = _ask(client, ["a"] * 10_000)
    assert 400 <= r.status_code < 500


def test_an_iri_longer_than_2000_characters_is_a_problem(client):
    assert _ask(client, [B + "id/" + "x" * (2000 - len(B) - 3)]).status_code == 200
    body = assert_problem(_ask(client, [B + "id/" + "x" * 2000]), 400)
    assert "2000" in body["detail"]


def test_invalid_utf8_is_a_problem(client):
    assert_problem(client.get("/names?iri=%FF%FE"), 400)


def test_the_endpoint_is_documented(client):
    op = client.get("/openapi.json").json()["paths"]["/names"]["get"]
    assert [p["name"] for p in op["parameters"]] == ["iri"]
    assert "413" in op["responses"] and "400" in op["responses"]
