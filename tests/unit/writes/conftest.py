"""Fixtures for the write pipeline's unit tests.

- ``plan_quads``: the built graph's quads (session ``built_graph``).
- ``memory_store(quads)``: an embedded store without a disk (the replica only).
- ``bench`` is made importable: the scale test grows the plan with ``bench.generate``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def plan_quads(built_graph):
    return list(built_graph.quads)


@pytest.fixture
def memory_store():
    from plankg.namespaces import Namespaces
    from plankg.settings import Settings
    from plankg.store.embedded import EmbeddedStore

    opened = []

    def make(quads):
        store = EmbeddedStore(None, prefixes=Namespaces.of(Settings()).prefixes())
        store.replace_dataset(quads)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
