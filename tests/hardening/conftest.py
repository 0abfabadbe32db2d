"""Fixtures of the hardening tests; the helpers they use are in hardening_support.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardening_support import FileTrap


@pytest.fixture
def file_trap(tmp_path: Path) -> FileTrap:
    return FileTrap(tmp_path)
