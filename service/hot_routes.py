"""Hot routes: declared once on their router, and served by a plain Starlette route in front.

Matching a path against FastAPI's included routers, and FastAPI's dependency resolution,
cost more than answering a cached query. So a router marks the endpoint of a hot route
with ``hot`` (naming, when the declared endpoint is a typed one for ``/openapi.json``, the
plain endpoint that takes only the ``Request``), and the app puts one Starlette ``Route``
per such path before every router (``promoted``). The router's route stays: it is what
``/openapi.json`` describes, and it serves an app that includes only that router. The app
made by ``service.app.create_app`` answers these paths before its middleware too
(``service.app.HotPath``, from ``hot_endpoints``); the promoted routes serve the requests
it leaves to the whole stack.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route

Endpoint = Callable[[Request], Awaitable[Response]]

_PLAIN = "__plankg_hot__"


def hot(declared: Callable[..., Any], plain: Endpoint | None = None) -> Callable[..., Any]:
    """Mark ``declared`` (the endpoint a router declares) as hot; ``plain`` answers in its place in
    front of the routers (by default ``declared`` itself, which must then take only the Request)."""
    setattr(declared, _PLAIN, plain or declared)
    return declared


def hot_endpoints(routes: Iterable[BaseRoute]) -> dict[str, dict[str, Endpoint]]:
    """The plain endpoint of each hot route among ``routes``: path -> method -> endpoint."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        plain = getattr(route.endpoint, _PLAIN, None)
        if plain is not None:
            for method in route.methods or ():
                by_path.setdefault(route.path, {})[method] = plain
    return by_path


def promoted(by_path: dict[str, dict[str, Endpoint]]) -> list[Route]:
    """One plain route per path of ``hot_endpoints``, for all of their methods."""
    return [Route(path, _by_method(handlers), methods=sorted(handlers), include_in_schema=False) for path, handlers in by_path.items()]


def _by_method(handlers: dict[str, Endpoint]) -> Endpoint:
    if len(set(handlers.values())) == 1:
        return next(iter(handlers.values()))

    async def endpoint(request: Request) -> Response:
        # the Route lets through only these methods, and HEAD where GET is one (answered as GET)
        return await (handlers.get(request.method) or handlers["GET"])(request)

    return endpoint
