"""A short run of bench/load.py: 8 clients for 5 s, no errors, memory that does not run away.

The server is a child process (so its memory can be read from /proc) on the
session's built store. No timing is asserted: the figures depend on the machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench/ is a tool, not an installed package
    sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

# generous: the point is to catch a leak or a cache without a bound, not to measure
MAX_GROWTH_MB = 200.0


@pytest.mark.slow
def test_short_mixed_load_has_no_errors_and_bounded_memory(make_settings):
    settings = make_settings()
    summary = load.run(clients=8, duration=5, store_path=settings.store_dir, workers=2, request_timeout=60)
    print("\n" + load.render(summary))
    assert summary["requests"] > 0
    assert summary["errors"] == 0, summary["errors_by_status"]
    assert set(summary["kinds"]) == set(load.MIX), "every kind of request was sent"
    memory = summary["memory"]
    assert memory is not None and memory["samples"] >= 5
    for figure in ("rss_mb", "tree_pss_mb"):
        assert memory[figure]["start"] > 0
        assert memory[figure]["end"] - memory[figure]["start"] < MAX_GROWTH_MB, memory
