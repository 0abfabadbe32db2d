"""Fixtures of the packaging tests: a wheel of the checkout installed into a fresh venv."""

from __future__ import annotations

import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from packaging_support import ROOT, run


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """A venv holding the wheel and, through a .pth line, this interpreter's dependencies (no download)."""
    work = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist", ROOT)
    (wheel,) = (work / "dist").glob("plankg-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--no-deps", wheel)
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    # this interpreter's packages, after the venv's own (a line of a .pth is appended to sys.path,
    # and the .pth files of that directory, the checkout's editable install among them, are not read)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n", encoding="utf-8")
    return env_dir
