"""Discovery: schema.org Dataset on the home page, sitemap, robots.txt, Link headers."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import httpx
import pytest

from plankg.dataset import DUMPS
from plankg.namespaces import Namespaces
from plankg.settings import Settings

NS = Namespaces.of(Settings())
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
DATASET_SCRIPT = re.compile(r'<script type="application/ld\+json" id="dataset-jsonld">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def dataset(client) -> dict:
    page = client.get("/", headers={"Accept": "text/html"})
    found = DATASET_SCRIPT.findall(page.text)
    assert len(found) == 1, "one Dataset block on the home page"
    return json.loads(found[0])


def test_home_page_dataset_meets_googles_required_properties(dataset):
    """Google's Dataset rich result: name and description required; description 50 to 5000 characters."""
    assert dataset["@context"] in ("https://schema.org/", "https://schema.org", "http://schema.org/")
    assert dataset["@type"] == "Dataset"
    assert isinstance(dataset["name"], str) and dataset["name"].strip()
    assert isinstance(dataset["description"], str) and 50 <= len(dataset["description"]) <= 5000


def test_home_page_dataset_has_the_recommended_properties(dataset):
    assert dataset["license"].startswith(("http://", "https://"))
    assert dataset["url"] == NS.base
    assert dataset["creator"]["@type"] in ("Organization", "Person") and dataset["creator"]["name"]
    assert dataset["keywords"] and dataset["identifier"]
    downloads = dataset["distribution"]
    assert all(d["@type"] == "DataDownload" and d["contentUrl"] and d["encodingFormat"] for d in downloads)
    urls = {d["contentUrl"] for d in downloads}
    for dump in DUMPS:
        assert NS.base + "dumps/" + dump.filename in urls and NS.base + "dumps/" + dump.filename + ".gz" in urls
    assert NS.base + "sparql" in urls


def test_every_distribution_of_the_markup_is_served(client, dataset):
    for download in dataset["distribution"]:
        path = urlsplit(download["contentUrl"]).path
        r = client.head(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].split(";")[0] == download["encodingFormat"] or path == "/sparql"


def test_sitemap_lists_pages_that_answer(client):
    r = client.get("/sitemap.xml")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    locs = [e.text for e in ET.fromstring(r.content).iter(SITEMAP + "loc")]
    paths = [urlsplit(loc).path for loc in locs if loc]
    assert "/" in paths and "/read" in paths and "/area/evaw" in paths and "/agency/UNFPA" in paths
    for path in paths[:12] + [p for p in paths if p.startswith("/agency/")][:5]:
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 200, path


def test_robots_points_at_the_sitemap_and_keeps_crawlers_off_the_endpoints(client):
    r = client.get("/robots.txt")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert f"Sitemap: {NS.base}sitemap.xml" in lines
    assert "Disallow: /sparql" in lines and "Disallow: /update" in lines


@pytest.mark.parametrize(("path", "headers"), [
    ("/sparql?query=ASK%7B%7D", {}),
    ("/sparql", {"Accept": "text/turtle"}),
    ("/", {"Accept": "text/html"}),
    ("/read", {"Accept": "text/html"}),
    ("/id/org/UNFPA", {"Accept": "text/html"}),
])
def test_endpoint_and_pages_link_to_service_description_and_void(client, path, headers):
    r = client.get(path, headers=headers)
    assert r.status_code == 200
    links = httpx.Headers(r.headers).get_list("link", split_commas=True)
    assert any("</sparql>" in link and 'rel="service-desc"' in link for link in links), links
    assert any("</void>" in link and 'rel="describedby"' in link for link in links), links
