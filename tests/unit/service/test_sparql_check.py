"""service.sparql.checked_kind: a long query text is checked off the event loop, with the same verdicts."""

from __future__ import annotations

import asyncio

import pytest

from plankg.errors import FeatureDisabled, QueryTooComplex
from plankg.settings import Settings
from service import sparql

from own_loop import run_in_own_loop


def _on_loop_when_checked(monkeypatch, text: str) -> bool:
    seen: list[bool] = []
    real = sparql.check_query

    def recording(*args, **kwargs):
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return real(*args, **kwargs)

    monkeypatch.setattr(sparql, "check_query", recording)
    assert run_in_own_loop(sparql.checked_kind(text, Settings())) == "select"
    assert len(seen) == 1
    return seen[0]


def _select_of_length(chars: int) -> str:
    head = "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # "
    return head + "x" * (chars - len(head))


def test_a_short_query_is_checked_on_the_event_loop(monkeypatch):
    assert _on_loop_when_checked(monkeypatch, _select_of_length(sparql.SCANNED_ON_LOOP_CHARS))


def test_a_long_query_is_checked_in_a_thread(monkeypatch):
    assert not _on_loop_when_checked(monkeypatch, _select_of_length(sparql.SCANNED_ON_LOOP_CHARS + 1))


def test_a_long_query_refused_in_the_thread_raises_the_same_error():
    text = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } } #" + "'\\'" * 3_000
    assert len(text) > sparql.SCANNED_ON_LOOP_CHARS
    with pytest.raises(FeatureDisabled):
        run_in_own_loop(sparql.checked_kind(text, Settings()))


def test_a_query_over_the_length_limit_is_refused_before_any_scan(monkeypatch):
    monkeypatch.setattr(sparql, "run_in_threadpool", None)  # a thread would be a scan of a text refused by its length
    settings = Settings(max_query_chars=10_000)
    with pytest.raises(QueryTooComplex):
        run_in_own_loop(sparql.checked_kind(_select_of_length(10_001), settings))
