"""``Store.large_reads``: the rows of a read of most of the data, one at a time, from a handle let go afterwards."""

from __future__ import annotations

import types

import pyoxigraph as ox
import pytest

from plankg.errors import QuerySyntaxError
from plankg.store.embedded import EmbeddedStore

EX = "http://example.org/"
ROWS = "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?s"


def quads(n: int) -> list[ox.Quad]:
    return [ox.Quad(ox.NamedNode(f"{EX}s{i:03}"), ox.NamedNode(f"{EX}p"), ox.Literal(str(i)), ox.NamedNode(f"{EX}g")) for i in range(n)]


@pytest.fixture
def disk_store(tmp_path):
    s = EmbeddedStore(tmp_path / "store")
    s.replace_dataset(quads(50))
    yield s
    s.close()


def leftovers(store: EmbeddedStore) -> list[str]:
    return [p.name for p in store.path.parent.glob(f".{store.path.name}.load-*")]


def test_large_reads_of_a_disk_store_give_the_rows_of_select_one_at_a_time_and_leave_no_checkpoint(disk_store):
    with disk_store.large_reads() as select:
        rows = select(ROWS)
        assert isinstance(rows, types.GeneratorType)
        assert leftovers(disk_store)  # read from a checkpoint of the disk, not the server's own handle
        assert list(rows) == disk_store.select(ROWS)
    assert not leftovers(disk_store)


def test_large_reads_see_the_data_as_it_was_when_the_block_began(disk_store):
    with disk_store.large_reads() as select:
        disk_store.apply_changes([], quads(51)[50:])
        assert len(list(select(ROWS))) == 50
    assert len(disk_store.select(ROWS)) == 51


def test_large_reads_without_a_checkpoint_read_the_stores_own_handle(disk_store):
    disk_store._checkpoint = lambda: None  # type: ignore[method-assign]
    with disk_store.large_reads() as select:
        assert list(select(ROWS)) == disk_store.select(ROWS)


def test_large_reads_of_a_store_in_memory_read_it(tmp_path):
    s = EmbeddedStore(None)
    s.replace_dataset(quads(5))
    with s.large_reads() as select:
        assert list(select(ROWS)) == s.select(ROWS)


def test_large_reads_take_only_select_queries(disk_store):
    with disk_store.large_reads() as select, pytest.raises(QuerySyntaxError):
        list(select("ASK { ?s ?p ?o }"))
    assert not leftovers(disk_store)
