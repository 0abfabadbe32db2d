"""Fixtures of the hardening tests; the helpers they use are in hardening_support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hardening_support import FileTrap, Listener


@pytest.fixture
def listener() -> Iterator[Listener]:
    lst = Listener()
    try:
        yield lst
    finally:
        lst.close()


@pytest.fixture
def file_trap(tmp_path: Path) -> FileTrap:
    return FileTrap(tmp_path)
