"""Runs store queries off the event loop, with the service's time limit, row cap and byte cap.

The store does the stopping (worker processes for the embedded store, see
``plankg.store.workers``) and waits without blocking the event loop
(``Store.query_async``), so one slow query never holds up other requests.
"""

from __future__ import annotations

from dataclasses import replace

from starlette.concurrency import run_in_threadpool

from plankg.settings import Settings
from plankg.store import QueryRequest, QueryResponse, Store


class QueryExecutor:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.timeout_s = settings.query_timeout_s
        self.row_cap = settings.result_row_cap
        self.max_bytes = settings.max_response_bytes

    async def query(self, request: QueryRequest, *, fast_lane: bool = False) -> QueryResponse:
        """Run and serialize a query within the service's limits (its time limit and byte cap, and
        the row cap or the request's lower one); raises the store's domain errors (timeout, syntax, 406).

        ``fast_lane``: the client may use the store's reserved, short-deadline
        worker (``service.fairness`` decides).
        """
        row_cap = min(request.row_cap, self.row_cap) if request.row_cap else self.row_cap
        limited = replace(request, timeout_s=self.timeout_s, row_cap=row_cap, max_bytes=self.max_bytes)
        return await self.store.query_async(limited, fast_lane=fast_lane)

    async def run(self, fn, *args, **kwargs):
        """Any other blocking store call (select, construct, quads) off the event loop."""
        return await run_in_threadpool(fn, *args, **kwargs)
