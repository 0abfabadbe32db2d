"""Serialized answers kept per data version: the server-side half of HTTP caching.

Every write changes the store's version, and an entry of another version is
never served, so a cached answer is always the answer the store would give
now. Named queries and ``/sparql`` each have one cache per app
(``answer_cache(app, name)``), bounded in entries and bytes, least recently
used out first.

Identical misses are merged (single flight): while a query runs for a key,
every other request for that key waits for it and gets its answer, or its
error, instead of running it again. Right after a write every cached answer is
stale at once, and N clients asking the same thing would otherwise send N
copies of it to a pool of two workers, most of them to time out in the queue.
Errors that belong to the first request only (its client over its share, its
connection gone) are not shared: a waiter then runs the query itself.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette

from plankg.errors import TooManyRequests

CACHE_ENTRIES = 512
CACHE_BYTES = 64 * 1024 * 1024
CACHE_ENTRY_BYTES = 4 * 1024 * 1024  # larger answers are rare and not worth the memory


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    rows: int
    truncated: bool
    value: object = None  # what ``ResultCache.value`` keeps: something computed from the data, not a body
    total: int | None = None  # a page's: the rows of the whole answer


class _NotShared(Exception):
    """The first request of a flight failed for a reason of its own; a waiter tries again."""


class ResultCache:
    """Serialized answers of one data version, least recently used out first.

    Used from the event loop only (handlers touch it before and after awaiting
    the store), so it needs no lock. ``extra`` bytes of a ``put`` count what
    the key holds besides the body (a query's text).
    """

    def __init__(self, entries: int = CACHE_ENTRIES, max_bytes: int = CACHE_BYTES) -> None:
        self.entries = entries
        self.max_bytes = max_bytes
        self.version: str | None = None
        self.bytes = 0
        self._items: OrderedDict[tuple, tuple[Answer, int]] = OrderedDict()
        self._flights: dict[tuple, asyncio.Future] = {}

    async def get_or_run(
        self, version: str, key: tuple, run: Callable[[], Awaitable[Answer]], *, keep: bool = True, extra: int = 0
    ) -> Answer:
        """The cached answer, else the answer of the one ``run()`` for this key and version.

        ``keep``: put the answer in the cache (False for answers that must not be
        served twice, e.g. RAND); such keys are not merged either.
        """
        while True:
            hit = self.get(version, key)
            if hit is not None:
                return hit
            if not keep:
                return await run()
            flight = self._flights.get((version, key))
            if flight is None:
                return await self._lead(version, key, run, extra)
            try:
                # shielded: a waiter that goes away does not cancel the flight for the others
                return await asyncio.shield(flight)
            except _NotShared:
                continue

    async def _lead(self, version: str, key: tuple, run: Callable[[], Awaitable[Answer]], extra: int) -> Answer:
        flight: asyncio.Future = asyncio.get_running_loop().create_future()
        self._flights[(version, key)] = flight
        try:
            answer = await run()
        except (TooManyRequests, asyncio.CancelledError):
            _fail(flight, _NotShared())
            raise
        except BaseException as exc:
            _fail(flight, exc)
            raise
        else:
            flight.set_result(answer)
            self.put(version, key, answer, extra)
            return answer
        finally:
            del self._flights[(version, key)]

    async def value(self, version: str, key: tuple, compute: Callable[[], Awaitable[object]], *, size: int = 0) -> object:
        """A value computed from the data of ``version`` (a description's triples, a page's view),
        kept and merged exactly like an answer; ``size``: its bytes, roughly, for the bound."""

        async def run() -> Answer:
            return Answer(b"", "", 0, False, value=await compute())

        return (await self.get_or_run(version, key, run, extra=size)).value

    def get(self, version: str, key: tuple) -> Answer | None:
        if version != self.version:
            return None
        hit = self._items.get(key)
        if hit is None:
            return None
        self._items.move_to_end(key)
        return hit[0]

    def put(self, version: str, key: tuple, value: Answer, extra: int = 0) -> None:
        if version != self.version:
            self._items.clear()
            self.bytes = 0
            self.version = version
        if len(value.body) > CACHE_ENTRY_BYTES:
            return
        size = len(value.body) + extra
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._items[key] = (value, size)
        self.bytes += size
        while self._items and (len(self._items) > self.entries or self.bytes > self.max_bytes):
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)


def _fail(flight: asyncio.Future, exc: BaseException) -> None:
    flight.set_exception(exc)
    flight.exception()  # marks it retrieved: a flight nobody waited for must not log "never retrieved"


def truncation_headers(rows: int, truncated: bool, row_cap: int, max_bytes: int) -> dict[str, str]:
    """The headers of a cut answer, the same for every route: which cap cut it, and the cap.

    The row cap cuts at exactly its count, so a cut answer with fewer rows was cut by the byte cap.
    """
    if not truncated:
        return {}
    if rows >= row_cap:
        return {"X-PlanKG-Truncated": "true", "X-PlanKG-Row-Cap": str(row_cap)}
    return {"X-PlanKG-Truncated": "true", "X-PlanKG-Byte-Cap": str(max_bytes)}


def answer_cache(app: Starlette, name: str) -> ResultCache:
    """The app's cache called ``name``, made on first use: one per app, never shared between apps."""
    caches: dict[str, ResultCache] | None = getattr(app.state, "answer_caches", None)
    if caches is None:
        caches = app.state.answer_caches = {}
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = ResultCache()
    return cache
