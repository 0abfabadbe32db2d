"""Lexical look at SPARQL text, before any engine sees it.

The engines differ in what they accept (pyoxigraph has no SERVICE client,
Virtuoso will LOAD files), so the guards that keep the service read-only and
local are applied here, the same for every store. The scan drops comments,
string literals and IRIs first, so a keyword inside them is never mistaken for
an operator.
"""

from __future__ import annotations

import re

from plankg.errors import FeatureDisabled, QuerySyntaxError, QueryTooComplex, UpdateNotAllowed

TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)
  | (?P<pname>[A-Za-z][\w.-]*:[\w.:%-]*|:[\w.:%-]*)
  | (?P<word>[A-Za-z_]+)
  | (?P<open>[{(])
  | (?P<close>[})])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


def keywords(text: str) -> list[str]:
    """Upper-cased bare words of the query, outside comments, strings and IRIs."""
    return [m.group("word").upper() for m in TOKEN.finditer(text) if m.lastgroup == "word"]


def iris(text: str) -> list[str]:
    return [m.group("iri")[1:-1] for m in TOKEN.finditer(text) if m.lastgroup == "iri"]


def nesting_depth(text: str) -> int:
    depth = best = 0
    for m in TOKEN.finditer(text):
        if m.lastgroup == "open":
            depth += 1
            best = max(best, depth)
        elif m.lastgroup == "close":
            depth -= 1
    return best


def query_form(text: str) -> str:
    """'select', 'ask' or 'graph' (CONSTRUCT/DESCRIBE); raises on updates."""
    words = keywords(text)
    for word in words:
        if word in QUERY_FORMS:
            return "graph" if word in ("CONSTRUCT", "DESCRIBE") else word.lower()
        if word in UPDATE_WORDS:
            raise UpdateNotAllowed(
                "This endpoint answers queries only; SPARQL Update operations are refused and were not executed."
            )
    raise QuerySyntaxError("Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")


def check_query(text: str, *, max_chars: int, max_depth: int = 64, allow_service: bool = False) -> str:
    """Apply the read-only and locality guards; return the query form."""
    if len(text) > max_chars:
        raise QueryTooComplex(f"The query is {len(text)} characters long; the limit is {max_chars}.")
    if nesting_depth(text) > max_depth:
        raise QueryTooComplex(f"The query nests groups more than {max_depth} levels deep.")
    form = query_form(text)
    words = set(keywords(text))
    if "SERVICE" in words and not allow_service:
        raise FeatureDisabled("Federated queries (SERVICE) are switched off on this endpoint.")
    check_iris_local(iris_in_dataset_clauses(text))
    return form


def iris_in_dataset_clauses(text: str) -> list[str]:
    """IRIs that follow FROM / FROM NAMED: the engine might try to fetch them."""
    out: list[str] = []
    pending = False
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "word":
            word = m.group("word").upper()
            if word == "FROM":
                pending = True
            elif word != "NAMED":
                pending = False
        elif kind == "iri":
            if pending:
                out.append(m.group("iri")[1:-1])
            pending = False
        elif kind != "comment" and not m.group(0).isspace():
            pending = False
    return out


def check_iris_local(values: list[str]) -> None:
    for value in values:
        if value.lower().startswith("file:"):
            raise FeatureDisabled("Dataset IRIs with the file: scheme are refused; graphs are never read from files.")
