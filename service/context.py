"""What every request handler shares: one ``AppContext`` per app, built in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.routing import Match

from plankg.catalog import Catalog
from plankg.errors import StoreUnavailable
from plankg.namespaces import Namespaces
from plankg.settings import Settings
from plankg.store import Store
from service.executor import QueryExecutor


@dataclass
class AppContext:
    settings: Settings
    ns: Namespaces
    store: Store
    catalog: Catalog
    executor: QueryExecutor

    def query_text(self, name: str) -> str:
        """The SPARQL of one of the service's own queries (``queries/{name}.rq``, ``public: false``)."""
        return self.catalog.internal_query(name).sparql

    def close(self) -> None:
        self.store.close()


async def get_ctx(request: Request) -> AppContext:
    """FastAPI dependency: ``ctx: AppContext = Depends(get_ctx)``.

    ``async`` on purpose: FastAPI runs a plain ``def`` dependency in the thread
    pool, a hop that cost more than the rest of a small query's handling.
    """
    ctx = getattr(request.app.state, "ctx", None)
    if ctx is None:  # only before start-up finished or after shutdown
        raise StoreUnavailable("The service is starting or stopping; try again in a moment.")
    return ctx


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request, path: str | None = None) -> list[str]:
    """Methods some route of the app answers at ``path`` (default: this request's path)."""
    scope = dict(request.scope)
    scope["path"] = path or request.url.path
    found = []
    for method in _METHODS:
        scope["method"] = method
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            found.append(method)
    return found
