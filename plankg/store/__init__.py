"""Stores behind one interface; the only package that talks to triple stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

from plankg.store.base import QueryRequest, Store, Term
from plankg.store.results import GRAPH_FORMATS, RESULT_FORMATS, QueryResponse

if TYPE_CHECKING:
    from plankg.settings import Settings

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "QueryRequest", "QueryResponse", "Store", "Term", "open_store"]


def open_store(settings: Settings) -> Store:
    # imported here, not above: the query-worker zygote imports this package and
    # should start without pydantic (settings), which was most of its start-up
    from plankg.namespaces import Namespaces

    prefixes = Namespaces.of(settings).rdf_prefixes()
    if settings.store == "remote":
        from plankg.store.remote import RemoteStore

        return RemoteStore(settings, prefixes=prefixes)
    from plankg.store.embedded import EmbeddedStore

    try:
        settings.store_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from plankg.errors import StoreUnavailable

        raise StoreUnavailable(f"The store at {settings.store_dir} cannot be opened: its directory cannot be made ({exc.strerror or exc}).") from None
    return EmbeddedStore(settings.store_dir, prefixes=prefixes)
