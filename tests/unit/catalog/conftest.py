"""The built graph in an in-memory store, and the named-query catalog, shared by the catalog tests."""

import pytest

from plankg.catalog import Catalog
from plankg.settings import Settings
from plankg.store.embedded import EmbeddedStore


@pytest.fixture(scope="module")
def store(built_graph):
    store = EmbeddedStore(None)
    store.replace_dataset(built_graph.quads)
    yield store
    store.close()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(Settings())
