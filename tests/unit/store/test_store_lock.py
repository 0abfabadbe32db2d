"""A store another process holds is refused with a clear error, and the holder's data is untouched."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest

from plankg.errors import StoreUnavailable
from plankg.store.embedded import EmbeddedStore

QUAD = ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:p"), ox.Literal("b"), ox.NamedNode("urn:x:g"))


def test_a_second_open_of_a_held_store_is_store_unavailable_and_the_data_stays(tmp_path):
    first = EmbeddedStore(tmp_path / "store")
    first.replace_dataset([QUAD])
    try:
        with pytest.raises(StoreUnavailable, match="cannot be opened"):
            EmbeddedStore(tmp_path / "store")
        assert first.quads_matching([(None, None, None, None)]) == [QUAD]
    finally:
        first.close()


def test_plankg_serve_on_a_held_store_exits_3_with_one_line_and_no_traceback(tmp_path):
    held = EmbeddedStore(tmp_path / "store")
    held.replace_dataset([QUAD])
    try:
        env = {"PLANKG_STORE_PATH": str(tmp_path / "store"), "PLANKG_DIST_DIR": str(tmp_path / "dist"), "PATH": ""}
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from plankg.cli import main; sys.exit(main(['serve', '--port', '0']))"],
            capture_output=True, text=True, timeout=120, env=env,
        )
        assert done.returncode == 3, done.stderr
        assert "cannot be opened" in done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert held.quads_matching([(None, None, None, None)]) == [QUAD]
    finally:
        held.close()
