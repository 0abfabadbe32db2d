"""The fixed SPARQL the remote store runs: ``queries/engine/*.rq`` (queries) and ``*.ru`` (updates).

The store layer sits below the catalog (imports flow catalog -> store), so it
reads its own files: each starts with a ``#+`` YAML header (``summary``, and
``params`` naming each variable that is bound, with its type: ``iri``,
``string`` or ``term``; ``required: false`` for one that may stay a variable).
They live in a directory of their own, so the catalog never serves them.

Binding. SPARQL 1.1 Update has no protocol-level bindings, and a ``VALUES``
block leading an update's WHERE would change what the engine plans (the
version check and claim were measured against ground text on both engines).
So :func:`ground` writes each bound term into the text in place of its
variable: the one place where a term becomes SPARQL text. A term is written by
pyoxigraph's N-Triples serializer (valid SPARQL term syntax, every quote,
line break and backslash escaped), then read back by the same lexer the
service's guards use (``plankg.sparqltext.TOKEN``); unless it is exactly one
IRI token, or one string token with a language tag or an IRI datatype, it is
refused. Blank nodes and variables are never bound. A variable is replaced
only where the lexer sees a variable, never inside a string, IRI or comment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from plankg.errors import ParameterError, QueryFileError
from plankg.sparqltext import TOKEN

TYPES = {"iri": (ox.NamedNode,), "string": (ox.Literal,), "term": (ox.NamedNode, ox.Literal)}
HEADER_KEYS = {"summary", "description", "params"}
PARAM_KEYS = {"type", "required", "description"}
_LANGUAGE = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool = True


@dataclass(frozen=True)
class Statement:
    name: str
    text: str
    params: tuple[Param, ...]
    update: bool

    def bound(self, **terms: ox.NamedNode | ox.Literal | None) -> str:
        """The text with each declared parameter's term in place of its variable (``None``: left a variable,
        for a parameter that is not required)."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(terms) - set(declared))
        if unknown:
            raise ValueError(f"{self.name}: no parameter {unknown[0]!r}")
        given: dict[str, ox.NamedNode | ox.Literal] = {}
        for param in self.params:
            term = terms.get(param.name)
            if term is None:
                if param.required:
                    raise ValueError(f"{self.name}: parameter {param.name!r} is required")
                continue
            if not isinstance(term, TYPES[param.type]):
                raise ParameterError(f"?{param.name} must be bound to a {param.type}, not {type(term).__name__}.")
            given[param.name] = term
        return ground(self.text, given)


def ground(text: str, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """``text`` with each variable named in ``terms`` replaced by that term, serialized and checked."""
    written = {name: serialize(term) for name, term in terms.items()}
    out: list[str] = []
    last = 0
    for m in TOKEN.finditer(text):
        if m.lastgroup == "var" and m.group()[1:] in written:
            out += [text[last:m.start()], written[m.group()[1:]]]
            last = m.end()
    out.append(text[last:])
    return "".join(out)


def serialize(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph | ox.Triple) -> str:
    """An IRI or a literal as SPARQL text; anything else, or a text that is not exactly that term, is refused."""
    if isinstance(term, ox.NamedNode):
        text = str(term)
        if _one_token(text, "iri"):
            return text
    elif isinstance(term, ox.Literal):
        text = str(term)
        first = TOKEN.match(text)
        if first is not None and first.lastgroup == "string":
            rest = text[first.end():]
            if rest == "" or _LANGUAGE.fullmatch(rest) or (rest.startswith("^^") and _one_token(rest[2:], "iri")):
                return text
    else:
        raise ParameterError(f"Only an IRI or a literal can be bound here, not a {type(term).__name__}.")
    raise ParameterError("A term could not be written as one SPARQL term.")  # pragma: no cover - pyoxigraph escapes


def _one_token(text: str, kind: str) -> bool:
    m = TOKEN.match(text)
    return m is not None and m.lastgroup == kind and m.end() == len(text)


@lru_cache(maxsize=8)
def load(directory: Path) -> dict[str, Statement]:
    """Every statement of ``directory`` by name (file name without its suffix)."""
    out: dict[str, Statement] = {}
    for path in sorted([*directory.glob("*.rq"), *directory.glob("*.ru")]):
        out[path.stem] = parse(path.stem, path.read_text(encoding="utf-8"), update=path.suffix == ".ru", path=str(path))
    return out


def parse(name: str, text: str, *, update: bool, path: str = "") -> Statement:
    path = path or name
    header = [line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines() if line.startswith("#+")]
    try:
        meta = yaml.safe_load("\n".join(header)) if header else None
    except yaml.YAMLError as exc:
        raise QueryFileError(path, 1, f"header is not valid YAML: {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("summary"), str):
        raise QueryFileError(path, 1, "the file must start with a '#+ summary: …' header")
    extra = sorted(set(meta) - HEADER_KEYS)
    if extra:
        raise QueryFileError(path, 1, f"unknown header key {extra[0]!r}")
    variables = {m.group()[1:] for m in TOKEN.finditer(text) if m.lastgroup == "var"}
    params: list[Param] = []
    for pname, decl in (meta.get("params") or {}).items():
        if not isinstance(decl, dict) or decl.get("type") not in TYPES or set(decl) - PARAM_KEYS:
            raise QueryFileError(path, 1, f"parameter {pname!r} needs a type ({', '.join(TYPES)})")
        if pname not in variables:
            raise QueryFileError(path, 1, f"parameter {pname!r} is no variable of the text")
        params.append(Param(str(pname), decl["type"], bool(decl.get("required", True))))
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#+"))
    return Statement(name, body, tuple(params), update)
