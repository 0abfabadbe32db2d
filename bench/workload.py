"""The requests every contender gets: the named queries with their example parameters.

The service answers ``GET /queries/{name}?…`` itself. The peers have no named
queries, so they (and the service's own ``/sparql``) get the same query's text
with the example's values as constants: a ``VALUES`` block placed first in the
WHERE group, its terms written by pyoxigraph (``str(term)`` is N-Triples
syntax, valid SPARQL). A client value is never pasted into the text by hand.
Each inlined text is checked against the store's own binding of the example
(same rows) before anything is timed, so every contender answers the same
question.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox

from plankg.catalog import Catalog, NamedQuery
from plankg.settings import Settings
from plankg.sparqltext import with_bindings

ACCEPT = "application/sparql-results+json"

@dataclass(frozen=True)
class Request:
    query: str  # named query
    params: dict[str, str]  # its example, as a client sends it
    sparql: str  # the same question as self-contained SPARQL
    rows: int  # rows the embedded store returns (the reference)
    ref_ms: float = 0.0  # one in-process run with the store's binding

    @property
    def label(self) -> str:
        return self.query + ("?" + urlencode(self.params) if self.params else "")

    @property
    def named_path(self) -> str:
        return f"/queries/{self.query}" + ("?" + urlencode(self.params) if self.params else "")

    def form_body(self) -> str:
        return urlencode({"query": self.sparql})


def inline_values(sparql: str, bindings: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with its parameters fixed by a VALUES block, as a remote store sends it."""
    return with_bindings(sparql, bindings)


def _rows(mem: ox.Store, sparql: str, bindings=None) -> Counter:
    kwargs = {"use_default_graph_as_union": True}
    if bindings:
        kwargs["substitutions"] = {ox.Variable(k): v for k, v in bindings.items()}
    result = mem.query(sparql, **kwargs)
    if isinstance(result, ox.QueryBoolean):
        return Counter([bool(result)])
    names = [v.value for v in result.variables]
    return Counter(json.dumps([_cell(r[n]) for n in names]) for r in result)


def _cell(term) -> object:
    # GROUP_CONCAT joins in whatever order the engine meets the values: compare the parts
    if term is None:
        return None
    if isinstance(term, ox.Literal) and "; " in term.value:
        return sorted(term.value.split("; "))
    return str(term)


def requests_for(settings: Settings, quads: list[ox.Quad], catalog: Catalog | None = None, skip: dict[str, str] | None = None) -> tuple[list[Request], list[str]]:
    """One request per named SELECT/ASK query and example; notes on what was left out and why.

    ``skip`` maps query names to the reason they stay out (e.g. too slow at this scale).
    """
    catalog = catalog or Catalog.load(settings)
    mem = ox.Store()
    mem.bulk_extend(quads)
    out: list[Request] = []
    notes: list[str] = []
    for query in catalog:
        if skip and query.name in skip:
            notes.append(f"{query.name}: {skip[query.name]}")
            continue
        if query.form not in ("select", "ask"):
            notes.append(f"{query.name}: a {query.form.upper()} query (graph result) is not in the SPARQL-results comparison")
            continue
        for example in _examples(query):
            bindings = query.bind(example)
            text = inline_values(query.sparql, bindings)
            start = time.perf_counter()
            expected = _rows(mem, query.sparql, bindings)
            ref_ms = (time.perf_counter() - start) * 1000
            got = _rows(mem, text)
            if got != expected:
                notes.append(f"{query.name} {example}: the inlined text answers differently from the bound query; left out")
                continue
            out.append(Request(query.name, dict(example), text, sum(expected.values()), ref_ms))
    return out, notes


def _examples(query: NamedQuery) -> list[dict[str, str]]:
    """Its examples; the defaults when it has none; one per query keeps the mix even."""
    examples = list(query.examples) or [{}]
    return examples[:1]
