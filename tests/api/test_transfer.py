"""Transfer: gzip for text, .gz dumps, ETag / Last-Modified tied to the data version, 304s."""

from __future__ import annotations

import gzip
import zlib

import httpx
import pytest

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
TEXT_ANSWERS = [
    ("/", {"Accept": "text/html"}),
    ("/id/org/UNFPA", {"Accept": "text/turtle"}),
    ("/id/org/UNFPA", {"Accept": "application/ld+json"}),
    ("/ontology", {"Accept": "text/html"}),
    ("/void", {"Accept": "text/turtle"}),
    ("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2050", {"Accept": "application/sparql-results+json"}),
    ("/queries/impact-areas", {"Accept": "text/csv"}),
    ("/context.jsonld", {}),
    ("/sitemap.xml", {}),
    ("/dumps/plankg.ttl", {}),
]
CACHED = ["/id/org/UNFPA", "/id/para/49", "/ontology", "/void", "/dumps/plankg.nq", "/dumps/plankg.trig.gz"]


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def raw(client: httpx.Client, path: str, headers: dict) -> httpx.Response:
    """The bytes as sent: httpx would otherwise decode the gzip transparently."""
    with client.stream("GET", path, headers=headers) as r:
        r.read_raw = b"".join(r.iter_raw())  # type: ignore[attr-defined]
    return r


@pytest.mark.parametrize(("path", "headers"), TEXT_ANSWERS)
def test_text_answers_are_gzipped_for_clients_that_accept_it(client, path, headers):
    zipped = raw(client, path, {**headers, **GZIP})
    plain = raw(client, path, {**headers, **IDENTITY})
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert zlib.decompress(zipped.read_raw, wbits=31) == plain.read_raw  # type: ignore[attr-defined]
    assert len(zipped.read_raw) < len(plain.read_raw)  # type: ignore[attr-defined]


def test_gz_dump_is_the_plain_dump_compressed_and_is_not_compressed_twice(client):
    plain = client.get("/dumps/plankg.nq", headers=IDENTITY)
    gz = raw(client, "/dumps/plankg.nq.gz", GZIP)
    assert gz.status_code == 200 and gz.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in gz.headers
    assert gz.headers["content-disposition"] == 'attachment; filename="plankg.nq.gz"'
    assert gzip.decompress(gz.read_raw) == plain.content  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", CACHED)
def test_iris_and_dumps_revalidate_by_version(client, path):
    first = client.get(path, headers={"Accept": "text/turtle"} if not path.startswith("/dumps") else {})
    assert first.status_code == 200
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert "max-age=" in first.headers["cache-control"] and "no-cache" not in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": etag, "Accept": "text/turtle"})
    assert again.status_code == 304 and again.content == b""
    since = client.get(path, headers={"If-Modified-Since": modified, "Accept": "text/turtle"})
    assert since.status_code == 304
    stale = client.get(path, headers={"If-None-Match": 'W/"another-version"', "If-Modified-Since": modified, "Accept": "text/turtle"})
    assert stale.status_code == 200  # If-None-Match decides when both are sent


def test_a_write_changes_etag_and_last_modified(live_server_factory, built_graph):
    apps: list = []
    url = live_server_factory(customize=apps.append)
    with httpx.Client(base_url=url, timeout=60) as c:
        before = c.get("/id/org/UNFPA", headers={"Accept": "text/turtle"})
        apps[0].state.ctx.store.replace_dataset([q for q in built_graph.quads if "UNDP" not in q.subject.value])
        after = c.get("/id/org/UNFPA", headers={"Accept": "text/turtle", "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]


def test_gzip_leaves_the_response_byte_cap_in_place(live_server_factory):
    url = live_server_factory(max_response_bytes=64 * 1024)
    with httpx.Client(base_url=url, timeout=60) as c:
        r = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv", **GZIP})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers.get("x-plankg-truncated") == "true"
    assert len(r.content) <= 64 * 1024  # the cap counts the answer before compression
