"""Linked data answers the same on a remote engine as on the embedded store.

The entity, VoID and dump queries bind IRIs as variables; a remote store
writes those bindings into the query text as a VALUES block, which must give
the same triples and counts as pyoxigraph's substitution.
"""

from __future__ import annotations

import httpx
import pyoxigraph as ox
import pytest

from plankg.catalog import Catalog
from plankg.dataset import describe_dataset
from plankg.namespaces import Namespaces
from plankg.settings import Settings
from plankg.store.embedded import EmbeddedStore
from plankg.store.remote import RemoteStore

NS = Namespaces.of(Settings())
ENTITIES = ("org/UNFPA", "para/56", "para/49/item/3", "intervention/56-2", "sdg/5.1.1", "instrument/S-RES-1325-2000")


def normalized(triples) -> set[str]:
    """N-Triples lines; Virtuoso turns integral decimals into integers, so numbers compare by value."""
    out = set()
    for t in triples:
        obj = t.object
        if isinstance(obj, ox.Literal) and obj.datatype.value.endswith(("#decimal", "#integer")):
            obj = ox.Literal(str(float(obj.value)))
        out.add(f"{t.subject} {t.predicate} {obj}")
    return out


@pytest.fixture
def embedded(built_graph) -> EmbeddedStore:
    store = EmbeddedStore(None, prefixes=NS.prefixes())
    store.replace_dataset(built_graph.quads)
    return store


def test_void_counts_agree_with_the_embedded_store(remote_settings, embedded):
    remote = RemoteStore(remote_settings, prefixes=NS.prefixes())
    catalog = Catalog.load(Settings())
    assert normalized(describe_dataset(remote, NS, catalog)) == normalized(describe_dataset(embedded, NS, catalog))


def test_entities_serve_the_same_triples(live_server_factory, remote_overrides, live_server):
    url = live_server_factory(**remote_overrides)
    with httpx.Client(base_url=url, timeout=60) as remote, httpx.Client(base_url=live_server, timeout=60) as local:
        for path in ENTITIES:
            got = remote.get("/id/" + path, headers={"Accept": "application/n-triples"})
            want = local.get("/id/" + path, headers={"Accept": "application/n-triples"})
            assert got.status_code == want.status_code == 200, path
            parse = lambda r: {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)}  # noqa: E731
            assert normalized(parse(got)) == normalized(parse(want)), path
            page = remote.get("/id/" + path, headers={"Accept": "text/html"})
            assert page.status_code == 200, path
        assert "联合国人口基金" in remote.get("/id/org/UNFPA", headers={"Accept": "text/html"}).text
        assert remote.get("/id/org/NO-SUCH", headers={"Accept": "text/turtle"}).status_code == 404
