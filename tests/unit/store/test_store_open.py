"""A store that cannot be opened says why, in one line each: a file, damage, permissions, a lock.

RocksDB's errors carry no errno, so ``open_disk`` reads the directory first
and the message second; a damaged directory is never opened at all (RocksDB
would start a new, empty store in it and bury what was left).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg.errors import StoreUnavailable
from plankg.store.embedded import EmbeddedStore, open_disk

QUAD = ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p"), ox.Literal("b"), ox.NamedNode("urn:x:g"))


@pytest.fixture
def saved(tmp_path):
    """A closed store on disk holding one quad."""
    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.replace_dataset([QUAD])
    store.close()
    return path


def refusal(path) -> str:
    with pytest.raises(StoreUnavailable) as refused:
        open_disk(path)
    message = str(refused.value)
    assert message.startswith(f"The store at {path} cannot be opened: ") and "\n" not in message
    assert refused.value.exit_code == 3
    return message


def test_a_store_path_that_is_a_file_says_so(tmp_path):
    (tmp_path / "store").write_text("not a store")
    assert "is a file, not a directory" in refusal(tmp_path / "store")


def test_a_store_without_its_manifest_is_damaged_and_left_as_it_was(saved):
    for name in os.listdir(saved):
        if name.startswith("MANIFEST-"):
            (saved / name).unlink()
    before = sorted(os.listdir(saved))
    message = refusal(saved)
    assert "damaged" in message and "MANIFEST" in message and "plankg restore" in message
    assert sorted(os.listdir(saved)) == before


def test_a_store_without_its_current_file_is_damaged_and_not_replaced_by_an_empty_one(saved):
    (saved / "CURRENT").unlink()
    before = sorted(os.listdir(saved))
    assert "damaged" in refusal(saved)
    assert sorted(os.listdir(saved)) == before  # RocksDB, let open it, writes a new store over these files


def test_a_directory_of_other_files_is_not_taken_for_a_store(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    assert "holds other files, not a store" in refusal(tmp_path)
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_an_empty_directory_is_a_new_store(tmp_path):
    (tmp_path / "store").mkdir()
    assert len(open_disk(tmp_path / "store")) == 0


def test_a_store_without_permission_says_so(saved):
    if os.geteuid() != 0:
        saved.chmod(0o000)
        try:
            message = refusal(saved)
        finally:
            saved.chmod(0o700)
    elif shutil.which("setpriv"):
        # root reads everything: ask as nobody, from a directory nobody may enter but not read and write
        import tempfile

        runs = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", "pass"],
                              capture_output=True, timeout=60)
        if runs.returncode != 0:  # e.g. a pyenv interpreter under /root, which nobody may not read
            pytest.skip(f"nobody cannot run {sys.executable}")

        outside = Path(tempfile.mkdtemp(prefix="plankg-perm-"))
        try:
            outside.chmod(0o755)
            store = outside / "store"
            shutil.copytree(saved, store)
            store.chmod(0o700)
            done = subprocess.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c",
                 f"from plankg.store.embedded import open_disk\nfrom plankg.errors import StoreUnavailable\n"
                 f"try:\n    open_disk({str(store)!r})\nexcept StoreUnavailable as exc:\n    print(exc)\n"],
                capture_output=True, text=True, timeout=60, cwd=os.getcwd(),
                env={"PYTHONPATH": os.getcwd(), "PATH": os.environ.get("PATH", "")},
            )
            assert done.returncode == 0, done.stderr
            message = done.stdout.strip()
            saved = store
        finally:
            shutil.rmtree(outside)
    else:
        pytest.skip("running as root without setpriv: permissions are not enforced")
    assert message.startswith(f"The store at {saved} cannot be opened: ")
    assert "may not read and write it" in message and "another process" not in message


def test_a_store_another_process_holds_says_so(saved):
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import pyoxigraph as ox, sys; s = ox.Store({str(saved)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        message = refusal(saved)
        assert "another process is using it" in message
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()
    store = EmbeddedStore(saved)
    try:
        assert store.quads_matching([(None, None, None, None)]) == [QUAD]
    finally:
        store.close()


def test_plankg_dump_of_a_damaged_store_is_one_line_and_exit_3(saved, monkeypatch, capsys):
    from plankg.cli import main

    (saved / "CURRENT").unlink()
    monkeypatch.setenv("PLANKG_STORE_PATH", str(saved))
    assert main(["dump"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "damaged" in err[0] and "Traceback" not in err[0]
