"""A per-request trace of where a query's time goes, for ``bench.mixed --trace``.

Off unless the setting ``trace_file`` (``PLANKG_TRACE_FILE``) names a file: then one
``Trace`` is made for the server (``WorkerOptions.of``) and shared by the worker pool
and the ASGI wrapper (``service.tracing``). Records are dicts kept in memory
(``list.append``, no lock, no I/O on the request's path) and written as JSON lines
when the server stops. Times are ``time.monotonic()``, which every process on the
machine reads alike, so a worker's own timestamps line up with the server's.

Kinds of record: ``request`` (one per HTTP request, with the pool's fields for a
query), ``span`` (something the service did that may hold others up: a write's change
applied, a fork, a kill, a job, a collection), ``lag`` (event-loop lag samples).
"""

from __future__ import annotations

import contextvars
import gc
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# the record of the HTTP request being served (set by the ASGI wrapper); the pool adds its fields
current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("plankg_trace_request", default=None)

LAG_EVERY_S = 0.005
# what a trace keeps, at most, until it is written (a traced server left running grows by a record a
# request and a lag sample every few milliseconds); the records past the cap are counted, not kept
MAX_RECORDS = 500_000
MAX_LAG_SAMPLES = 500_000


class Trace:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.records: list[dict[str, Any]] = []
        self.lag: list[tuple[float, float]] = []  # (when, how late a 5 ms sleep woke up)
        self._gc_started: float | None = None
        self.dropped = 0  # records past MAX_RECORDS
        self._written = False
        self._write_lock = threading.Lock()

    def note(self, kind: str, **fields: Any) -> None:
        fields["kind"] = kind
        if len(self.records) >= MAX_RECORDS:
            self.dropped += 1
            return
        self.records.append(fields)

    @contextmanager
    def span(self, what: str, **fields: Any) -> Iterator[dict[str, Any]]:
        """Time ``what`` (and the thread it ran on); the caller may add fields to the record."""
        record: dict[str, Any] = {"what": what, "t0": time.monotonic(), "thread": threading.current_thread().name, **fields}
        try:
            yield record
        finally:
            record["t1"] = time.monotonic()
            self.note("span", **record)

    def watch_gc(self) -> None:
        """Collections in this process as spans (the server's: they stop the event loop)."""
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.monotonic()
        elif self._gc_started is not None:
            self.note("span", what="gc", t0=self._gc_started, t1=time.monotonic(), generation=info.get("generation"), collected=info.get("collected"))
            self._gc_started = None

    async def sample_lag(self) -> None:
        """How late the event loop wakes a task that sleeps ``LAG_EVERY_S``, until cancelled (or
        ``MAX_LAG_SAMPLES`` are kept)."""
        import asyncio

        while len(self.lag) < MAX_LAG_SAMPLES:
            t = time.monotonic()
            await asyncio.sleep(LAG_EVERY_S)
            now = time.monotonic()
            self.lag.append((now, now - t - LAG_EVERY_S))

    def write(self) -> None:
        """All records to ``path`` as JSON lines (once; later calls do nothing)."""
        with self._write_lock:
            if self._written:
                return
            self._written = True
            try:
                gc.callbacks.remove(self._on_gc)
            except ValueError:
                pass
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("w", encoding="utf-8") as out:
                for record in list(self.records):
                    out.write(json.dumps(record, default=str) + "\n")
                samples = [[round(a, 6), round(b, 6)] for a, b in self.lag]
                out.write(json.dumps({"kind": "lag", "every_s": LAG_EVERY_S, "samples": samples, "dropped_records": self.dropped}) + "\n")

# a key of a traced query's request to its worker: answer with the worker's own times
WORKER_TIMES = "_plankg_times"
