"""service.answer_cache: identical misses run once and share the answer, or the error."""

from __future__ import annotations

import asyncio

import pytest

from plankg.errors import QueryTimeout, TooManyRequests
from service.answer_cache import Answer, ResultCache, truncation_headers

from own_loop import run_in_own_loop

ANSWER = Answer(b"{}", "application/sparql-results+json", 0, False)


def test_concurrent_identical_misses_run_the_query_once_and_share_the_answer():
    cache = ResultCache()
    runs = 0

    async def run() -> Answer:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return ANSWER

    async def scenario():
        answers = await asyncio.gather(*(cache.get_or_run("v1", ("q",), run) for _ in range(143)))
        assert all(a is ANSWER for a in answers)
        # and the next one is a cache hit
        assert await cache.get_or_run("v1", ("q",), run) is ANSWER

    run_in_own_loop(scenario())
    assert runs == 1


def test_an_error_is_shared_too():
    cache = ResultCache()
    runs = 0

    async def run() -> Answer:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        raise QueryTimeout("stopped")

    async def scenario():
        results = await asyncio.gather(*(cache.get_or_run("v1", ("q",), run) for _ in range(10)), return_exceptions=True)
        assert all(isinstance(r, QueryTimeout) for r in results)

    run_in_own_loop(scenario())
    assert runs == 1


def test_another_version_or_key_is_another_flight():
    cache = ResultCache()
    seen = []

    async def run_for(tag):
        async def run() -> Answer:
            seen.append(tag)
            await asyncio.sleep(0.02)
            return ANSWER

        return run

    async def scenario():
        await asyncio.gather(
            cache.get_or_run("v1", ("a",), await run_for("v1a")),
            cache.get_or_run("v2", ("a",), await run_for("v2a")),
            cache.get_or_run("v1", ("b",), await run_for("v1b")),
        )

    run_in_own_loop(scenario())
    assert sorted(seen) == ["v1a", "v1b", "v2a"]


def test_a_refusal_of_the_first_client_is_not_shared_the_next_waiter_runs_instead():
    cache = ResultCache()
    calls = []

    async def refused() -> Answer:
        calls.append("refused")
        await asyncio.sleep(0.02)
        raise TooManyRequests("over its share")

    async def fine() -> Answer:
        calls.append("fine")
        await asyncio.sleep(0.02)
        return ANSWER

    async def scenario():
        first = asyncio.create_task(cache.get_or_run("v1", ("q",), refused))
        await asyncio.sleep(0)
        second = asyncio.create_task(cache.get_or_run("v1", ("q",), fine))
        with pytest.raises(TooManyRequests):
            await first
        assert await second is ANSWER

    run_in_own_loop(scenario())
    assert calls == ["refused", "fine"]


def test_a_cancelled_first_request_does_not_cancel_the_waiters():
    cache = ResultCache()

    async def slow() -> Answer:
        await asyncio.sleep(0.05)
        return ANSWER

    async def scenario():
        first = asyncio.create_task(cache.get_or_run("v1", ("q",), slow))
        await asyncio.sleep(0)
        second = asyncio.create_task(cache.get_or_run("v1", ("q",), slow))
        await asyncio.sleep(0.01)
        first.cancel()
        assert await second is ANSWER

    run_in_own_loop(scenario())


def test_answers_that_are_not_kept_are_not_merged():
    cache = ResultCache()
    runs = 0

    async def run() -> Answer:
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.01)
        return ANSWER

    async def scenario():
        await asyncio.gather(*(cache.get_or_run("v1", ("rand",), run, keep=False) for _ in range(3)))

    run_in_own_loop(scenario())
    assert runs == 3 and len(cache) == 0


def test_truncation_headers_name_the_cap_that_cut():
    assert truncation_headers(10, False, 10, 1000) == {}
    assert truncation_headers(10, True, 10, 1000) == {"X-PlanKG-Truncated": "true", "X-PlanKG-Row-Cap": "10"}
    assert truncation_headers(3, True, 10, 1000) == {"X-PlanKG-Truncated": "true", "X-PlanKG-Byte-Cap": "1000"}
