"""Serialized answers kept per data version: the server-side half of HTTP caching.

Every write changes the store's version, and an entry of another version is
never served, so a cached answer is always the answer the store would give
now. Named queries and ``/sparql`` each have one cache per app
(``answer_cache(app, name)``), bounded in entries and bytes, least recently
used out first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from starlette.applications import Starlette

CACHE_ENTRIES = 512
CACHE_BYTES = 64 * 1024 * 1024
CACHE_ENTRY_BYTES = 4 * 1024 * 1024  # larger answers are rare and not worth the memory


@dataclass(frozen=True)
class Answer:
    body: bytes
    media_type: str
    rows: int
    truncated: bool


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


def answer_cache(app: Starlette, name: str) -> ResultCache:
    """The app's cache called ``name``, made on first use: one per app, never shared between apps."""
    caches: dict[str, ResultCache] | None = getattr(app.state, "answer_caches", None)
    if caches is None:
        caches = app.state.answer_caches = {}
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = ResultCache()
    return cache
