"""Writes resume by themselves once a full disk has space again, and nothing is lost or half-applied.

After a failed write RocksDB refuses every later one until the store is opened
again; the embedded store reopens it (at once, or before the next write when
the disk still refuses) and tells from the reopened store whether the change
got in. The fault-injected tests run everywhere; the tmpfs test fills a real
file system (root only).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pyoxigraph as ox
import pytest

from plankg.errors import StoreUnavailable
from plankg.store import embedded
from plankg.store.embedded import EmbeddedStore

G = ox.NamedNode("urn:x:g")


def quads(tag: str, n: int, size: int = 10) -> list[ox.Quad]:
    return [ox.Quad(ox.NamedNode(f"urn:x:{tag}/{i}"), ox.NamedNode("urn:x:p"), ox.Literal("x" * size + str(i)), G) for i in range(n)]


class Refusing:
    """An on-disk store whose next update or flush fails as RocksDB's do on a full disk."""

    def __init__(self, inner: ox.Store, step: str) -> None:
        self.inner, self.step = inner, step

    def update(self, text: str) -> None:
        if self.step == "update":
            raise OSError("IO error: No space left on device: While appending to file: 000010.log: No space left on device")
        self.inner.update(text)

    def flush(self) -> None:
        if self.step == "flush":
            raise OSError("IO error: No space left on device: While appending to file: 000012.sst: No space left on device")
        self.inner.flush()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    # the server reads the disk store itself: the stand-in answers as it does
    def __contains__(self, quad: ox.Quad) -> bool:
        return quad in self.inner

    def __len__(self) -> int:
        return len(self.inner)

    def __iter__(self):
        return iter(self.inner)


def on_disk(path) -> set[ox.Quad]:
    store = EmbeddedStore(path)
    try:
        return set(store.quads_matching([(None, None, None, None)]))
    finally:
        store.close()


@pytest.fixture
def store(tmp_path):
    opened = EmbeddedStore(tmp_path / "store")
    opened.replace_dataset(quads("old", 5))
    yield opened
    opened.close()


def everything(store: EmbeddedStore) -> set[ox.Quad]:
    return set(store.quads_matching([(None, None, None, None)]))


def test_a_refused_update_changes_nothing_and_the_next_write_succeeds(store):
    before = everything(store)
    store._disk = Refusing(store._disk, "update")
    with pytest.raises(StoreUnavailable, match="nothing was changed"):
        store.apply_changes(quads("old", 1), quads("lost", 3))
    assert everything(store) == before
    assert not isinstance(store._disk, Refusing)  # reopened at once
    store.apply_changes(quads("old", 1), quads("new", 3))
    expected = (before - set(quads("old", 1))) | set(quads("new", 3))
    assert everything(store) == expected
    store.close()
    assert on_disk(store.path) == expected


def test_a_change_whose_flush_failed_is_in_the_log_and_counts_as_saved(store):
    before = everything(store)
    store._disk = Refusing(store._disk, "flush")
    store.apply_changes([], quads("logged", 2))  # no error: the reopened store replayed it
    expected = before | set(quads("logged", 2))
    assert everything(store) == expected
    store.apply_changes([], quads("next", 1))
    store.close()
    assert on_disk(store.path) == expected | set(quads("next", 1))


def test_while_the_disk_still_refuses_writes_wait_and_reads_go_on(store, monkeypatch):
    before = everything(store)
    real_open = embedded.open_disk
    refusals = iter([True, True, True])  # the write, the next write, the rebuild; then space again

    def open_when_space(path):
        if next(refusals, False):
            raise StoreUnavailable(f"The store at {path} cannot be opened: the disk is full. Free some space and try again.")
        return real_open(path)

    monkeypatch.setattr(embedded, "open_disk", open_when_space)
    store._disk = Refusing(store._disk, "update")
    with pytest.raises(StoreUnavailable, match="resume by themselves"):
        store.apply_changes([], quads("lost", 2))
    assert everything(store) == before  # reads: the disk, opened read-only while it cannot be reopened
    with pytest.raises(StoreUnavailable, match="still refuses"):
        store.apply_changes([], quads("lost-again", 2))
    with pytest.raises(StoreUnavailable):
        store.replace_dataset([])  # never only in memory
    assert everything(store) == before
    store.apply_changes([], quads("later", 2))  # space again: reopened before the write
    expected = before | set(quads("later", 2))
    assert everything(store) == expected
    store.close()
    assert on_disk(store.path) == expected


def test_a_pipeline_write_after_a_full_disk_records_only_what_was_saved(make_settings):
    from plankg.writes import WritePipeline

    settings = make_settings()
    from plankg.store import open_store

    store = open_store(settings)
    try:
        pipeline = WritePipeline(settings, store)
        note = [ox.Quad(ox.NamedNode("urn:x:n"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal("n"))]
        store._disk = Refusing(store._disk, "update")
        with pytest.raises(StoreUnavailable):
            pipeline.post_graph(settings.base_iri + "graph/notes", note, agent="amina")
        changes = settings.base_iri + "graph/changes"
        assert store.quads(changes) == []
        outcome = pipeline.post_graph(settings.base_iri + "graph/notes", note, agent="amina")
        assert outcome.committed
        activities = {q.subject for q in store.quads(changes) if q.predicate.value.endswith("#type") and q.object.value.endswith("Activity")}
        assert activities == {ox.NamedNode(outcome.activity)}
    finally:
        store.close()


# ------------------------------------------------------------------ a real full disk (tmpfs)
@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    where = tmp_path / "tmpfs"
    where.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)], capture_output=True).returncode != 0:
        pytest.skip("tmpfs cannot be mounted here")
    yield where
    subprocess.run(["umount", str(where)], check=True)


def test_writes_resume_once_a_full_disk_has_space_again(small_disk):
    store = EmbeddedStore(small_disk / "store")
    saved: set[ox.Quad] = set()
    try:
        store.replace_dataset([])
        for batch in range(200):
            chunk = quads(f"b{batch}", 2000, size=200)
            try:
                store.apply_changes([], chunk)
            except StoreUnavailable as refused:
                assert "disk" in str(refused)
                failed = chunk
                break
            saved |= set(chunk)
        else:
            pytest.fail("the small disk never filled up")
        assert everything(store) == saved
        with pytest.raises(StoreUnavailable) as still_full:  # still full
            store.apply_changes([], quads("still-full", 2000, size=200))
        if "reached the store's log" in still_full.value.detail:
            # the write got into the log before the flush failed, and the error said so: it counts
            saved |= set(quads("still-full", 2000, size=200))
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        store.apply_changes([], quads("after", 3))  # no restart
        saved |= set(quads("after", 3))
        assert everything(store) == saved
    finally:
        store.close()
    on_file = on_disk(small_disk / "store")
    assert on_file == saved and not (set(failed) & on_file)


class RefusingBulk(Refusing):
    def bulk_extend(self, quads) -> None:
        raise OSError("IO error: No space left on device: While appending to file: 000020.sst: No space left on device")


def test_a_build_that_fills_the_disk_is_one_clear_error_and_the_store_recovers(store):
    store._disk = RefusingBulk(store._disk, "none")
    with pytest.raises(StoreUnavailable, match="could not be written to the store.*No space left"):
        store.replace_dataset(quads("built", 3))
    store.replace_dataset(quads("built", 3))  # reopened before the next write
    store.close()
    assert on_disk(store.path) == set(quads("built", 3))
