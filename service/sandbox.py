"""Running a job on a client's input in the store's sandbox, for as long as the client waits.

The job (``plankg.untrusted``) runs in a worker process of its own
(``WorkerPool.run_job``); here it is raced against the client's connection:
when the client hangs up, the wait is cancelled and the worker killed, so
abandoned uploads do not keep the sandbox busy for the rest of their time limit.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Request

from plankg.errors import ClientDisconnected
from service.context import AppContext
from service.fairness import fairness_of


async def run_untrusted(request: Request, ctx: AppContext, target: str, *args: object) -> Any:  # what ``target`` returns
    """``target(store, prefixes, *args)`` in the sandbox, within the client's place there
    (``service.fairness``); cancelled if the client disconnects."""
    async with fairness_of(request).sandbox_slot(request.scope):
        return await _race(request, ctx, target, args)


async def _race(request: Request, ctx: AppContext, target: str, args: tuple) -> Any:
    job = asyncio.ensure_future(ctx.store.sandbox().run_job(target, args, ctx.settings.job_timeout_s))
    watch = asyncio.ensure_future(_disconnected(request))
    try:
        await asyncio.wait((job, watch), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (job, watch):
            if not task.done():
                task.cancel()
    if not job.done():
        try:
            await job  # let the cancellation reach the pool, which kills the worker
        except asyncio.CancelledError:
            pass
        raise ClientDisconnected("The client disconnected; its work was stopped and nothing was changed.")
    return job.result()


async def _disconnected(request: Request) -> None:
    # the body has been read, so the next message the server sends up is the disconnect
    while True:
        message = await request.receive()
        if message.get("type") == "http.disconnect":
            return
