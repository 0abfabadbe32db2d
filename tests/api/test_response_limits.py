"""The byte cap on answers over HTTP, and no answer built from the Host header.

One server whose answers are capped at 64 KiB (the smallest cap allowed); the
graph's full triple listing is several MB, the co-delivery network 130 KB.
"""

from __future__ import annotations

import csv
import io

import httpx
import pyoxigraph as ox
import pytest

B = "http://127.0.0.1:8000/"
CAP = 64 * 1024
ALL = "SELECT * WHERE { ?s ?p ?o }"
GRAPH = "CONSTRUCT WHERE { ?s ?p ?o }"
RESULTS = {
    "json": ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    "tsv": ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    "csv": ("text/csv", None),
}
GRAPHS = {
    "turtle": ("text/turtle", ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ox.RdfFormat.RDF_XML),
}


@pytest.fixture(scope="module")
def client(live_server_factory):
    url = live_server_factory(max_response_bytes=CAP)
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c


def assert_cut_by_bytes(r: httpx.Response) -> None:
    assert r.status_code == 200, r.text[:300]
    assert r.headers["x-plankg-truncated"] == "true"
    assert r.headers["x-plankg-byte-cap"] == str(CAP)
    assert "x-plankg-row-cap" not in r.headers
    assert len(r.content) <= CAP


@pytest.mark.parametrize("fmt", list(RESULTS))
def test_a_select_past_the_byte_cap_is_cut_flagged_and_valid(client, fmt):
    media, parser = RESULTS[fmt]
    r = client.get("/sparql", params={"query": ALL}, headers={"Accept": media})
    assert_cut_by_bytes(r)
    rows = int(r.headers["x-plankg-rows"])
    assert 0 < rows < 10_000
    if parser is None:
        assert len(list(csv.reader(io.StringIO(r.text, newline="")))) == rows + 1
    else:
        assert len(list(ox.parse_query_results(r.content, parser))) == rows
    if fmt == "json":
        assert "urn:plankg:truncated" in r.json()["head"]["link"]
    if fmt == "xml":
        assert 'href="urn:plankg:truncated"' in r.text


@pytest.mark.parametrize("fmt", list(GRAPHS))
def test_a_graph_past_the_byte_cap_is_cut_flagged_and_parses(client, fmt):
    media, parser = GRAPHS[fmt]
    r = client.post("/sparql", content=GRAPH, headers={"Content-Type": "application/sparql-query", "Accept": media})
    assert_cut_by_bytes(r)
    triples = list(ox.parse(r.content, format=parser))
    assert len(triples) == int(r.headers["x-plankg-rows"]) > 0


def test_a_named_query_past_the_byte_cap_is_cut_the_same_way(client):
    r = client.get("/queries/co-delivery-network", headers={"Accept": "application/sparql-results+json"})
    assert_cut_by_bytes(r)
    assert "urn:plankg:truncated" in r.json()["head"]["link"]
    # and again from the cache, with the same notice
    again = client.get("/queries/co-delivery-network", headers={"Accept": "application/sparql-results+json"})
    assert_cut_by_bytes(again)
    assert again.content == r.content


def test_a_download_from_the_query_form_is_cut_the_same_way(client):
    r = client.get("/queries/co-delivery-network/form", params={"download": "json"})
    assert_cut_by_bytes(r)


def test_a_small_answer_is_whole_and_not_flagged(client):
    r = client.get("/queries/impact-areas", headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and "x-plankg-truncated" not in r.headers


# ---------------------------------------------------------------- Host is never echoed
def test_the_service_description_names_the_configured_endpoint_whatever_the_host_header(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example"})
    assert r.status_code == 200
    assert "evil.example" not in r.text
    assert f"<{B}sparql>" in r.text


@pytest.mark.parametrize("path", ["/queries/", "/sparql/", "/graphs/"])
def test_a_trailing_slash_redirect_is_relative_not_to_the_host_header(client, path):
    r = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert 300 <= r.status_code < 400
    assert r.headers["location"] == path.rstrip("/")
