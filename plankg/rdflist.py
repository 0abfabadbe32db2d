"""Walking an RDF list (``rdf:first`` / ``rdf:rest``), the one walker every module uses.

Lists come from data the service did not write (uploaded shapes, the ontology, reports), so the
walk is bounded: it stops at ``rdf:nil``, at a node without ``rdf:first``, at a node it has seen
(a cyclic list) and after ``limit`` members.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
DEFAULT_LIMIT = 10_000


def list_items(head: Any, objects: Callable[[Any, str], list], limit: int = DEFAULT_LIMIT) -> list:
    """The members of the list at ``head``; ``objects(node, predicate)`` gives a node's values."""
    items: list = []
    seen: set[str] = set()
    while head is not None and getattr(head, "value", None) != RDF_NIL and len(items) < limit:
        key = str(head)
        if key in seen:
            break
        seen.add(key)
        first = objects(head, RDF_FIRST)
        if not first:
            break
        items.append(first[0])
        rest = objects(head, RDF_REST)
        head = rest[0] if rest else None
    return items
