"""Parameters that name entities of the graph: checking them and offering them in pickers.

A named query's ``iri`` parameter declared with ``known: <class>`` must name an
instance of that class (or of a subclass): ``agency=FOO`` is an unknown agency
(422 ``unknown-entity``), not a query that finds nothing. The check runs the
internal named query ``entity-known.rq`` with both terms bound; the choices a
form offers come from ``entity-choices.rq``, and the names of enumerated IRIs
(impact areas, roles, themes) from ``entity-names.rq``, one IRI at a time (the public
``entity-labels``, which names the IRIs of a form's answer, is cut at its row cap, and a large
graph fills it with other entities). Used by the named-query API
and by the query forms, so both answer alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import pyoxigraph as ox

from plankg.catalog import NamedQuery, Param
from plankg.errors import UnknownEntity
from service.context import AppContext

Q_KNOWN = "entity-known"
Q_CHOICES = "entity-choices"
Q_NAMES = "entity-names"
Q_LABELS = "entity-labels"


async def check_known(ctx: AppContext, query: NamedQuery, bindings: Mapping[str, ox.NamedNode | ox.Literal]) -> None:
    """Refuse a bound value of a ``known:`` parameter that names no such entity."""
    for param in query.params:
        term = bindings.get(param.name)
        if param.known is None or not isinstance(term, ox.NamedNode):
            continue
        sparql = ctx.catalog.internal_query(Q_KNOWN).sparql
        rows = await ctx.executor.run(ctx.store.select, sparql, {"entity": term, "class": ox.NamedNode(param.known)})
        if not rows:
            raise _unknown(param, term.value)


def _unknown(param: Param, iri: str) -> UnknownEntity:
    shown = iri[len(param.prefix) :] if param.prefix and iri.startswith(param.prefix) else iri
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    err = UnknownEntity(
        f"Unknown {param.name} {shown!r}: no {param.name} of the graph has this identifier; "
        f"GET /queries/entity-labels lists the entities and their identifiers."
    )
    err.parameter = param.name  # type: ignore[attr-defined]
    err.value = shown  # type: ignore[attr-defined]
    return err


async def choices(ctx: AppContext, param: Param, lang: str) -> list[dict[str, str]]:
    """The entities a ``known:`` parameter accepts: value (short id) and a label to show."""
    if param.known is None:
        return []
    sparql = ctx.catalog.internal_query(Q_CHOICES).sparql
    rows = cast(list[dict[str, Any]], await ctx.executor.run(ctx.store.select, sparql, {"class": ox.NamedNode(param.known)}))
    out = []
    for row in rows:
        iri = _text(row.get("entity"))
        value = iri[len(param.prefix) :] if param.prefix and iri.startswith(param.prefix) else iri
        name = _pick(row, lang)
        notation = _text(row.get("notation"))
        label = " — ".join(x for x in (notation, name) if x and x != value) or value
        out.append({"value": value, "label": label})
    out.sort(key=lambda c: c["value"].lower())
    return out


async def enum_labels(ctx: AppContext, param: Param, lang: str, names: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """Names of an ``iri`` parameter's enumerated values (``evaw`` → "Ending violence…").

    ``names``: the labels looked up so far, by IRI (a page of many parameters names the same
    areas in several queries); filled with the ones looked up here.
    """
    if param.type != "iri" or not param.enum or not param.prefix:
        return {}
    names = {} if names is None else names
    out: dict[str, str] = {}
    for value in param.enum:
        iri = param.prefix + value
        if iri not in names:
            names[iri] = await _labels_of(ctx, iri)
        name = _pick(names[iri], lang)
        if name:
            out[value] = name
    return out


async def labels(ctx: AppContext, lang: str) -> dict[str, str]:
    """IRI → label in ``lang`` (English when there is none), from ``entity-labels.rq`` (cut at its
    row cap: on a large graph some entities have no name here)."""
    sparql = ctx.catalog.get(Q_LABELS).sparql
    rows = cast(list[dict[str, Any]], await ctx.executor.run(ctx.store.select, sparql))
    out: dict[str, str] = {}
    for row in rows:
        name = _pick(row, lang)
        if name:
            out[_text(row.get("entity"))] = name
    return out


async def _labels_of(ctx: AppContext, iri: str) -> dict[str, str]:
    sparql = ctx.catalog.internal_query(Q_NAMES).sparql
    rows = cast(list[dict[str, Any]], await ctx.executor.run(ctx.store.select, sparql, {"entity": ox.NamedNode(iri)}))
    return {key: _text(value) for key, value in (rows[0] if rows else {}).items() if value is not None}


def _pick(row: Mapping[str, Any], lang: str) -> str:
    first, second = ("label_zh", "label_en") if lang == "zh" else ("label_en", "label_zh")
    return _text(row.get(first)) or _text(row.get(second))


def _text(term: object) -> str:
    if term is None:
        return ""
    return str(getattr(term, "value", term))
