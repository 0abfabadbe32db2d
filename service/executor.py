"""Runs store queries off the event loop, with the service's time limit, row cap and byte cap.

The store does the stopping (worker processes for the embedded store, see
``plankg.store.workers``) and waits without blocking the event loop
(``Store.query_async``), so one slow query never holds up other requests.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.concurrency import run_in_threadpool

from plankg.settings import Settings
from plankg.store import QueryResponse, Store, Term


class QueryExecutor:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.timeout_s = settings.query_timeout_s
        self.row_cap = settings.result_row_cap
        self.max_bytes = settings.max_response_bytes

    async def query(
        self,
        sparql: str,
        *,
        formats: Mapping[str, str],
        bindings: Mapping[str, Term] | None = None,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        row_cap: int | None = None,
        fast_lane: bool = False,
        base_iri: str | None = None,
        offset: int = 0,
        count_total: bool = False,
    ) -> QueryResponse:
        """Run and serialize a query; raises the store's domain errors (timeout, syntax, 406).

        ``fast_lane``: the client may use the store's reserved, short-deadline
        worker (``service.fairness`` decides).
        """
        return await self.store.query_async(
            sparql,
            formats=formats,
            bindings=bindings,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            timeout_s=self.timeout_s,
            row_cap=min(row_cap, self.row_cap) if row_cap else self.row_cap,
            max_bytes=self.max_bytes,
            fast_lane=fast_lane,
            base_iri=base_iri,
            **({"offset": offset, "count_total": count_total} if offset or count_total else {}),
        )

    async def run(self, fn, *args, **kwargs):
        """Any other blocking store call (select, construct, quads) off the event loop."""
        return await run_in_threadpool(fn, *args, **kwargs)
