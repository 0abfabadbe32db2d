"""Running a coroutine to completion from a test, whatever loop the test's thread may hold.

Playwright's sync API (the browser tests) leaves a running event loop in the main
thread, where ``asyncio.run`` then refuses to start; a thread of its own always can.
``tests/`` is on the path through its conftest.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any


def run_in_own_loop(work: Awaitable[Any] | Callable[[], Awaitable[Any]]) -> Any:
    """``asyncio.run`` of ``work`` (a coroutine, or a function making one) in a thread of its own."""
    outcome: dict = {}

    async def main() -> Any:
        return await (work() if callable(work) else work)

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
