"""Parameters that name entities of the graph: checking them and offering them in pickers.

A named query's ``iri`` parameter declared with ``known: <class>`` must name an
instance of that class (or of a subclass): ``agency=FOO`` is an unknown agency
(422 ``unknown-entity``), not a query that finds nothing. The check runs the
internal named query ``entity-known.rq`` with both terms bound; the choices a
form offers come from ``entity-choices.rq``; the names of enumerated IRIs (impact areas,
roles, themes) and of the IRIs of an answer from ``EntityNames``, every named entity of the
graph read once per data version with ``entity-name-map.rq`` (the public ``entity-labels`` is
cut at its row cap, and a large graph fills it with other entities). Used by the named-query
API and by the query forms, so both answer alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, cast

import pyoxigraph as ox

from plankg.catalog import NamedQuery, Param
from plankg.errors import UnknownEntity
from service.context import AppContext

Q_KNOWN = "entity-known"
Q_CHOICES = "entity-choices"
Q_NAME_MAP = "entity-name-map"


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


class EntityNames:
    """IRI → (English label, Chinese label, notation) of every entity under the service's /id/
    namespace that has a preferred label: read whole once per data version (``entity-name-map.rq``),
    where the public ``entity-labels`` is cut at its row cap. IRIs are only keys here."""

    def __init__(self, names: Mapping[str, tuple[str, str, str]]) -> None:
        self._names = dict(names)

    @classmethod
    def build(cls, rows: Iterable[Mapping[str, object]]) -> EntityNames:
        found: dict[str, list[str]] = {}
        for row in rows:
            iri = _text(row.get("entity"))
            entry = found.setdefault(iri, ["", "", ""])
            label, notation = row.get("label"), row.get("notation")
            if isinstance(label, ox.Literal):
                slot = {"en": 0, "zh": 1}.get(label.language or "")
                if slot is not None and not entry[slot]:  # the first of several: rows come in the store's order
                    entry[slot] = label.value
            elif notation is not None and not entry[2]:
                entry[2] = _text(notation)
        return cls({iri: (e[0], e[1], e[2]) for iri, e in found.items() if e[0] or e[1]})

    def __len__(self) -> int:
        return len(self._names)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __contains__(self, iri: object) -> bool:
        return iri in self._names

    def get(self, iri: str) -> dict[str, str] | None:
        """``{"en", "zh", "notation"}`` (absent when empty), or None for an IRI without a name."""
        found = self._names.get(iri)
        if found is None:
            return None
        return {k: v for k, v in zip(("en", "zh", "notation"), found, strict=True) if v}

    def name(self, iri: str, lang: str) -> str:
        """The label in ``lang``, the other language's when there is none; "" for an unnamed IRI."""
        en, zh, _ = self._names.get(iri, ("", "", ""))
        return _in_lang(en, zh, lang)


def enum_labels(param: Param, lang: str, names: EntityNames) -> dict[str, str]:
    """Names of an ``iri`` parameter's enumerated values (``evaw`` → "Ending violence…")."""
    if param.type != "iri" or not param.enum or not param.prefix:
        return {}
    out: dict[str, str] = {}
    for value in param.enum:
        name = names.name(param.prefix + value, lang)
        if name:
            out[value] = name
    return out


def _pick(row: Mapping[str, Any], lang: str) -> str:
    return _in_lang(_text(row.get("label_en")), _text(row.get("label_zh")), lang)


def _in_lang(en: str, zh: str, lang: str) -> str:
    """The label in ``lang``, the other language's when there is none."""
    return (zh or en) if lang == "zh" else (en or zh)


def _text(term: object) -> str:
    if term is None:
        return ""
    return str(getattr(term, "value", term))
