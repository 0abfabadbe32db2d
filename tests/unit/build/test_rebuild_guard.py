"""``plankg serve`` and ``plankg build`` never rebuild over steward writes, lost or present.

The ledger beside the store (``<store>.ledger.json``) is written before the
first steward write commits and at every restore; a store that is empty but
whose ledger says it held writes is refused (exit 3, one line naming
``plankg restore`` and ``plankg build --force``), as is a build over a store
whose change log is not empty.
"""

from __future__ import annotations

import json
import shutil

import pyoxigraph as ox
import pytest

from plankg.build import guard_rebuild, open_built_store
from plankg.cli import main
from plankg.errors import StoreUnavailable
from plankg.settings import Settings
from plankg.store import ledger, open_store
from plankg.writes import WritePipeline

B = "http://127.0.0.1:8000/"
G_NOTES, G_CHANGES = B + "graph/notes", B + "graph/changes"
NOTE = ox.Quad(ox.NamedNode("urn:x:note"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal("kept"))


@pytest.fixture
def env(make_settings, monkeypatch, tmp_path) -> Settings:
    """A store holding the build, and the environment that points plankg at it (dist/ of its own)."""
    settings = make_settings(dist_dir=tmp_path / "dist")
    monkeypatch.setenv("PLANKG_STORE_PATH", str(settings.store_dir))
    monkeypatch.setenv("PLANKG_DIST_DIR", str(settings.dist))
    return settings


def write_a_note(settings: Settings) -> None:
    store = open_store(settings)
    try:
        assert WritePipeline(settings, store).post_graph(G_NOTES, [NOTE], agent="amina").committed
    finally:
        store.close()


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "Traceback" not in err[0]
    return err[0]


def store_is_empty(settings: Settings) -> bool:
    store = open_store(settings)
    try:
        return store.is_empty()
    finally:
        store.close()


def test_the_first_write_notes_the_ledger_beside_the_store(env):
    assert ledger.read(env.store_dir) is None
    write_a_note(env)
    path = ledger.ledger_path(env.store_dir)
    assert path.parent == env.store_dir.parent and path.name == env.store_dir.name + ".ledger.json"
    data = json.loads(path.read_text())
    assert data["heldWrites"] is True and data["firstWrite"]


@pytest.mark.parametrize("how", ["deleted", "emptied"])
def test_serve_refuses_to_rebuild_a_store_that_lost_its_writes(env, capsys, how):
    write_a_note(env)
    shutil.rmtree(env.store_dir)
    if how == "emptied":
        env.store_dir.mkdir()
    assert main(["serve", "--port", "0"]) == 3
    line = one_line(capsys)
    assert str(env.store_dir) in line and "held steward writes" in line
    assert "plankg restore FILE" in line and "plankg build --force" in line
    assert store_is_empty(env)  # not rebuilt behind the steward's back

    assert main(["build", "--no-validate"]) == 3
    assert "plankg build --force" in one_line(capsys)
    assert store_is_empty(env)


def test_build_force_starts_again_from_the_source_and_forgets_the_ledger(env, capsys):
    write_a_note(env)
    shutil.rmtree(env.store_dir)
    assert main(["build", "--force", "--no-validate", "--json"]) == 0
    assert not store_is_empty(env)
    assert ledger.read(env.store_dir) is None
    store = open_built_store(env)  # serve's start: no rebuild, no refusal
    store.close()


def test_restoring_a_dump_brings_the_writes_back_and_is_noted(env, capsys, tmp_path):
    write_a_note(env)
    dump = tmp_path / "backup.nq"
    assert main(["dump", "-o", str(dump)]) == 0
    shutil.rmtree(env.store_dir)
    assert main(["restore", str(dump)]) == 0
    assert ledger.read(env.store_dir)["lastRestore"]["quads"] > 0
    store = open_built_store(env)
    try:
        assert store.quads(G_NOTES) == [ox.Quad(NOTE.subject, NOTE.predicate, NOTE.object, ox.NamedNode(G_NOTES))]
    finally:
        store.close()


def test_build_over_a_store_with_a_change_log_is_refused(env, capsys):
    write_a_note(env)
    assert main(["build", "--no-validate"]) == 3
    line = one_line(capsys)
    assert "holds steward writes" in line and "plankg dump" in line and "plankg build --force" in line
    store = open_store(env)
    try:
        assert store.quads(G_NOTES)
    finally:
        store.close()


def test_a_store_written_before_ledgers_existed_gets_one_when_served(env):
    write_a_note(env)
    ledger.forget(env.store_dir)
    store = open_built_store(env)
    store.close()
    assert ledger.held_writes(env.store_dir)


def test_an_unreadable_ledger_counts_as_one_that_held_writes(env):
    store = open_store(env)
    try:
        store.replace_dataset([])
        ledger.ledger_path(env.store_dir).write_text("{not json")
        with pytest.raises(StoreUnavailable, match="held steward writes"):
            guard_rebuild(env, store)
        guard_rebuild(env, store, force=True)
        ledger.forget(env.store_dir)
        guard_rebuild(env, store)  # a fresh clone: empty, no ledger, built as before
    finally:
        store.close()
