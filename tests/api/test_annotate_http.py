"""POST /annotate and the /annotate page over real HTTP: formats, negotiation, limits, problems."""

from __future__ import annotations

import httpx
import pytest
from problem_checks import assert_problem

ID = "http://127.0.0.1:8000/id/"


@pytest.fixture(scope="module")
def client(live_server_factory):
    url = live_server_factory(annotate_max_chars=200)
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c



def test_plain_chinese_text_gives_json_with_offsets_and_iris(client):
    text = "妇女署与开发署、人口基金合作，落实可持续发展目标 5.1.1。"
    r = client.post("/annotate", content=text.encode(), headers={"Content-Type": "text/plain; charset=utf-8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    found = r.json()["annotations"]
    assert [(a["surface"], a["iri"]) for a in found] == [
        ("妇女署", ID + "org/UN-Women"), ("开发署", ID + "org/UNDP"), ("人口基金", ID + "org/UNFPA"),
        ("可持续发展目标 5.1.1", ID + "sdg/5.1.1"),
    ]
    assert all(text[a["start"] : a["end"]] == a["surface"] for a in found)


def test_json_body_and_english_text(client):
    r = client.post("/annotate", json={"text": "The UN Trust Fund to End Violence against Women and UN Women"})
    assert [a["id"] for a in r.json()["annotations"]] == ["UN-Trust-Fund", "UN-Women"]


def test_jsonld_is_a_web_annotation_collection(client):
    r = client.post("/annotate", content="开发署".encode(), headers={"Content-Type": "text/plain", "Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld" and doc["total"] == 1
    assert doc["first"]["items"][0]["body"]["id"] == ID + "org/UNDP"


def test_the_page_highlights_a_pasted_passage_like_the_reader(client):
    page = client.get("/annotate?lang=en")
    assert page.status_code == 200 and '<textarea id="annotate-text" name="text"' in page.text
    r = client.post("/annotate", data={"text": "UNDP, UNFPA & <b>SDG 5</b>"}, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<a class="ent ent-org" href="/agency/UNDP"' in r.text
    assert '<a class="ent ent-sdg" href="/id/sdg/5"' in r.text
    assert "<b>SDG" not in r.text and "&lt;b&gt;" in r.text  # the pasted text is escaped


@pytest.mark.parametrize(
    "body,content_type,status,slug",
    [
        ("妇" * 201, "text/plain", 413, "payload-too-large"),
        ("   ", "text/plain", 400, "bad-request"),
        (b"\xff\xfe\x00", "text/plain", 400, "bad-request"),
        ("[" * 10_000, "application/json", 413, "payload-too-large"),
        ("[[[[", "application/json", 400, "bad-request"),
        ('{"text": 5}', "application/json", 400, "bad-request"),
        ("<x/>", "application/xml", 415, "unsupported-media-type"),
    ],
)
def test_bad_input_gets_a_problem(client, body, content_type, status, slug):
    data = body if isinstance(body, bytes) else body.encode()
    assert_problem(client.post("/annotate", content=data, headers={"Content-Type": content_type}), status, slug)


def test_an_unacceptable_format_is_406(client):
    r = client.post("/annotate", content="开发署".encode(), headers={"Content-Type": "text/plain", "Accept": "text/turtle"})
    assert_problem(r, 406, "not-acceptable")
