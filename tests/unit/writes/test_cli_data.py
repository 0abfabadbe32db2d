"""``plankg load`` / ``dump`` / ``restore`` as a user runs them (``plankg.cli.main``)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg.cli import main
from plankg.settings import Settings
from plankg.store import open_store

B = "http://127.0.0.1:8000/"
G_PARTNERS, G_CHANGES = B + "graph/partners", B + "graph/changes"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def store_env(make_settings, monkeypatch) -> Settings:
    """A store holding the built graph, and the environment that points ``plankg`` at it."""
    settings = make_settings()
    monkeypatch.setenv("PLANKG_STORE_PATH", str(settings.store_dir))
    monkeypatch.setenv("PLANKG_DIST_DIR", str(settings.dist))
    return settings


def quads_of(settings: Settings, graph: str | None = None) -> list[ox.Quad]:
    store = open_store(settings)
    try:
        return store.quads(graph)
    finally:
        store.close()


def canonical(quads) -> set:
    dataset = ox.Dataset(list(quads))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def test_load_refuses_data_that_breaks_the_shapes(store_env, capsys):
    before = quads_of(store_env)
    assert main(["load", str(FIXTURES / "new_partner_broken.ttl"), "--graph", G_PARTNERS]) == 1
    out = capsys.readouterr().out
    assert "does not conform" in out and "skos:prefLabel" in out and "Chinese" in out
    assert quads_of(store_env) == before


def test_load_reports_in_chinese(store_env, capsys):
    assert main(["load", str(FIXTURES / "new_partner_broken.ttl"), "--graph", G_PARTNERS, "--lang", "zh"]) == 1
    assert "不符合" in capsys.readouterr().out


def test_load_adds_conforming_data_and_records_it(store_env, capsys):
    assert main(["load", str(FIXTURES / "new_partner.ttl"), "--graph", G_PARTNERS, "--as", "bulk-loader"]) == 0
    assert len(quads_of(store_env, G_PARTNERS)) == 15
    log = quads_of(store_env, G_CHANGES)
    assert ox.NamedNode(B + "id/agent/bulk-loader") in {q.object for q in log}
    assert any(q.object == ox.Literal("plankg load new_partner.ttl") for q in log)
    assert "added 15" in capsys.readouterr().err


def test_load_dry_run_writes_nothing(store_env, capsys):
    before = quads_of(store_env)
    assert main(["load", str(FIXTURES / "new_partner.ttl"), "--graph", G_PARTNERS, "--dry-run"]) == 0
    assert quads_of(store_env) == before
    assert "would add 15" in capsys.readouterr().err


def test_load_of_a_file_that_does_not_parse_names_its_line(store_env, tmp_path, capsys):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n<urn:x:a> <urn:x:b> .\n")
    assert main(["load", str(bad), "--graph", G_PARTNERS]) == 2
    assert f"{bad}:2:" in capsys.readouterr().err


def test_load_replace_swaps_a_graphs_content(store_env, tmp_path):
    assert main(["load", str(FIXTURES / "new_partner.ttl"), "--graph", G_PARTNERS]) == 0
    other = tmp_path / "other.nt"
    other.write_text('<urn:x:a> <urn:x:b> "c" .\n')
    assert main(["load", str(other), "--graph", G_PARTNERS, "--replace"]) == 0
    assert [str(q.triple) for q in quads_of(store_env, G_PARTNERS)] == ['<urn:x:a> <urn:x:b> "c"']


def test_dump_then_restore_gives_back_an_isomorphic_dataset(store_env, tmp_path):
    assert main(["load", str(FIXTURES / "new_partner.ttl"), "--graph", G_PARTNERS]) == 0
    original = quads_of(store_env)
    for fmt, name in (("nquads", "backup.nq"), ("trig", "backup.trig")):
        dump = tmp_path / name
        assert main(["dump", "--format", fmt, "-o", str(dump)]) == 0
        # something changes after the backup…
        assert main(["load", str(FIXTURES / "new_partner.ttl"), "--graph", B + "graph/later"]) == 0
        assert canonical(quads_of(store_env)) != canonical(original)
        # …and the restore puts back exactly the backup
        assert main(["restore", str(dump)]) == 0
        assert canonical(quads_of(store_env)) == canonical(original)


def test_dump_to_standard_output_is_sorted_nquads(store_env, capsysbinary):
    assert main(["dump"]) == 0
    lines = capsysbinary.readouterr().out.decode().splitlines()
    assert lines == sorted(lines) and len(lines) == len(quads_of(store_env))


def test_a_restore_that_cannot_be_read_changes_nothing(store_env, tmp_path, capsys):
    before = quads_of(store_env)
    bad = tmp_path / "broken.nq"
    bad.write_text('<urn:x:a> <urn:x:b> "unterminated .\n')
    assert main(["restore", str(bad)]) == 2
    assert f"{bad}:1:" in capsys.readouterr().err
    assert quads_of(store_env) == before


def test_load_takes_graphs_not_datasets(store_env, tmp_path, capsys):
    dataset = tmp_path / "data.nq"
    dataset.write_text("<urn:x:a> <urn:x:b> <urn:x:c> <urn:x:g> .\n")
    assert main(["load", str(dataset), "--graph", G_PARTNERS]) == 2
    assert "restore" in capsys.readouterr().err


# ------------------------------------------------------------------ what a local admin must confirm (--force)
G_REGISTRY = B + "graph/registry"


def test_load_adds_to_a_built_graph_without_force(store_env, tmp_path):
    """plankg load runs where the store is: the admin role, so the built graphs take additions (validated)."""
    extra = tmp_path / "alias.nt"
    extra.write_text(f'<{B}id/org/UNFPA> <http://www.w3.org/2004/02/skos/core#altLabel> "人口基金别名"@zh .\n')
    assert main(["load", str(extra), "--graph", G_REGISTRY]) == 0
    assert len(quads_of(store_env, G_REGISTRY)) == len(set(quads_of(store_env, G_REGISTRY)))


def test_load_replace_of_a_built_graph_needs_force(store_env, tmp_path, capsys):
    registry = tmp_path / "registry.nt"
    registry.write_bytes(b"".join(f"{q.triple} .\n".encode() for q in quads_of(store_env, G_REGISTRY)))
    before = quads_of(store_env)
    assert main(["load", str(registry), "--graph", G_REGISTRY, "--replace"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("plankg: this load replaces") and G_REGISTRY in err and "--force" in err
    assert quads_of(store_env) == before
    assert main(["load", str(registry), "--graph", G_REGISTRY, "--replace", "--force"]) == 0


def test_load_replace_that_empties_a_graph_needs_force(store_env, tmp_path, capsys):
    assert main(["load", str(FIXTURES / "new_partner.ttl"), "--graph", G_PARTNERS]) == 0
    empty = tmp_path / "empty.ttl"
    empty.write_text("")
    assert main(["load", str(empty), "--graph", G_PARTNERS, "--replace"]) == 2
    assert "--force" in capsys.readouterr().err
    assert len(quads_of(store_env, G_PARTNERS)) == 15
    assert main(["load", str(empty), "--graph", G_PARTNERS, "--replace", "--force"]) == 0
    assert quads_of(store_env, G_PARTNERS) == []


def test_restore_of_an_empty_dump_needs_force(store_env, tmp_path, capsys):
    empty = tmp_path / "empty.nq"
    empty.write_text("")
    before = quads_of(store_env)
    assert main(["restore", str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "empty the store" in err[0] and "--force" in err[0]
    assert quads_of(store_env) == before
    assert main(["restore", str(empty), "--force"]) == 0
    assert quads_of(store_env) == []
