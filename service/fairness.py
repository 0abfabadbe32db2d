"""Fair shares of expensive work: no few clients can starve the rest.

Expensive work is what costs more than a lookup: a query that goes to the
engine (``/sparql`` and named queries on a cache miss, the query form page, the
service description's graph count once per data version), ``POST /validate``
and steward writes. Each client may have
``client_max_concurrent`` of those in flight; one more is refused at once with
429 and ``Retry-After``, before any of its work starts. Answers from the cache,
and requests that wait for an identical query already running
(``service.answer_cache``), cost nothing and are not counted.

The client is the peer's IP address; IPv6 peers count per /64, the block one
subscriber usually gets, or else one host could take a share per address.
``X-Forwarded-For`` is believed only from peers in ``trusted_proxies``, and then
only as far as the chain runs through trusted proxies: the address right of the
first untrusted one is the client (the left part is the client's own word).

The fast lane: the store may keep a worker with a short deadline for
light clients (``QueryExecutor.query(fast_lane=...)``). A request gets it when
its client has no other expensive request in flight and none of its queries
ran past the time limit in the last ``fast_lane_penalty_s`` seconds, so a
client that floods or runs heavy queries cannot take the lane from the others.

Everything lives in one ``Fairness`` per app (``app.state.fairness``), used from
the event loop only, so it needs no lock.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from plankg.errors import QueryTimeout, TooManyRequests
from plankg.settings import Settings

# expensive from the first byte of the body: (method, path) checked by the FairShare middleware
EXPENSIVE_ROUTES = frozenset({("POST", "/validate"), ("PUT", "/graphs"), ("POST", "/graphs"), ("DELETE", "/graphs"), ("POST", "/update")})


def is_expensive(path: str, method: str) -> bool:
    """Operations whose work counts against the client's share, as the API description says."""
    return path == "/sparql" or (path.startswith("/queries/") and not path.endswith(".rq")) or (method.upper(), path) in EXPENSIVE_ROUTES


# clients out of the fast lane that are remembered at most (each cost a query past the time limit)
_PENALTY_MEMORY = 4096


@dataclass(frozen=True)
class Lane:
    client: str
    fast: bool  # may use the store's fast lane


class Fairness:
    def __init__(self, settings: Settings) -> None:
        self.max_concurrent = settings.client_max_concurrent
        self.penalty_s = settings.fast_lane_penalty_s
        self._proxies = tuple(ipaddress.ip_network(p, strict=False) for p in settings.trusted_proxies)
        self._in_flight: dict[str, int] = {}
        self._penalty_until: dict[str, float] = {}
        self.max_jobs = settings.client_max_jobs
        self._jobs: dict[str, int] = {}

    # ------------------------------------------------------------ who is asking
    def client(self, scope: Scope) -> str:
        peer = (scope.get("client") or ("unknown", 0))[0]
        if self._proxies and self._trusted(peer):
            peer = self._forwarded(scope, peer)
        return _key(peer)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._proxies)

    def _forwarded(self, scope: Scope, peer: str) -> str:
        chain: list[str] = []
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                chain += [part.strip() for part in value.decode("latin-1").split(",")]
        client = peer
        for hop in reversed(chain):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # garbage in the chain: stop at the last address a trusted proxy vouched for
            client = hop
            if not self._trusted(hop):
                break
        return client

    # ------------------------------------------------------------ shares
    def in_flight(self, client: str) -> int:
        return self._in_flight.get(client, 0)

    def penalized(self, client: str, now: float | None = None) -> bool:
        until = self._penalty_until.get(client)
        if until is None:
            return False
        if (now if now is not None else time.monotonic()) >= until:
            del self._penalty_until[client]
            return False
        return True

    def ran_past_time_limit(self, client: str) -> None:
        """The client's query hit the time limit: out of the fast lane for a while."""
        now = time.monotonic()
        if len(self._penalty_until) >= _PENALTY_MEMORY:
            # bounded: keep the penalties that end last, forget the expired and the rest
            live = sorted(((until, key) for key, until in self._penalty_until.items() if until > now), reverse=True)
            self._penalty_until = {key: until for until, key in live[: _PENALTY_MEMORY * 3 // 4]}
        self._penalty_until[client] = now + self.penalty_s

    @asynccontextmanager
    async def slot(self, scope: Scope) -> AsyncIterator[Lane]:
        """Hold one of the client's shares while the work runs; TooManyRequests when none is left."""
        client = self.client(scope)
        running = self._in_flight.get(client, 0)
        if running >= self.max_concurrent:
            raise TooManyRequests(
                f"This client already has {running} expensive requests (queries, validations or writes) in progress, "
                f"the most one client may have; wait for one to finish.",
                retry_after=1,
            )
        lane = Lane(client, fast=running == 0 and not self.penalized(client))
        self._in_flight[client] = running + 1
        try:
            yield lane
        except QueryTimeout:
            self.ran_past_time_limit(client)
            raise
        finally:
            left = self._in_flight[client] - 1
            if left:
                self._in_flight[client] = left
            else:
                del self._in_flight[client]


    @asynccontextmanager
    async def sandbox_slot(self, scope: Scope) -> AsyncIterator[None]:
        """Hold one of the client's places in the sandbox while its job runs.

        The sandbox has few slots for everyone (``PLANKG_JOB_WORKERS``), and a job may
        run to its time limit: without a per-client bound one client's uploads would
        hold every slot, and everybody else's validations would wait for them.
        """
        client = self.client(scope)
        running = self._jobs.get(client, 0)
        if running >= self.max_jobs:
            raise TooManyRequests(
                f"This client already has {running} upload or write being processed, the most one client may have; "
                "wait for it to finish.",
                retry_after=5,
            )
        self._jobs[client] = running + 1
        try:
            yield
        finally:
            left = self._jobs[client] - 1
            if left:
                self._jobs[client] = left
            else:
                del self._jobs[client]


def _key(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # not an IP (a Unix socket, a test client): its own name
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def fairness_of(request: Request) -> Fairness:
    """The app's ``Fairness`` (made on first use for an app that ``create_app`` did not make)."""
    fairness = getattr(request.app.state, "fairness", None)
    if fairness is None:
        fairness = request.app.state.fairness = Fairness(request.app.state.ctx.settings)
    return fairness


def fair_share(request: Request):
    """``async with fair_share(request) as lane:`` around a route's expensive work."""
    return fairness_of(request).slot(request.scope)


class FairShare:
    """Takes a share for the routes that are expensive from their first body byte (EXPENSIVE_ROUTES)."""

    def __init__(self, app: ASGIApp, fairness: Fairness) -> None:
        self.app = app
        self.fairness = fairness

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) not in EXPENSIVE_ROUTES:
            await self.app(scope, receive, send)
            return
        from service import problems

        try:
            async with self.fairness.slot(scope):
                await self.app(scope, receive, send)
        except TooManyRequests as exc:
            await problems.from_domain_error(exc, scope.get("path"))(scope, receive, send)
