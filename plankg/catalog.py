"""Named queries: ``queries/<name>.rq`` files with a typed header.

Each file is a valid SPARQL query as it stands; its leading ``#+`` comment
lines hold YAML metadata in the manner of grlc's decorators (summary,
description, tags, params, examples, language). Parameters are declared there
with a type and are bound to the query's variables of the same name as RDF
terms (the store's substitutions); a client value is never spliced into the
query text, so no value can change the query's shape.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

import pyoxigraph as ox
import yaml

from plankg.errors import ParameterError, PlanKGError, QueryFileError, UnknownQuery
from plankg.namespaces import XSD, Namespaces
from plankg.settings import Settings
from plankg.sparqltext import TOKEN, check_query, with_bindings
from plankg.store import QueryRequest
from plankg.store.results import QueryResponse
from plankg.store.statements import serialize

PARAM_TYPES = ("string", "lang-string", "integer", "decimal", "boolean", "iri", "year")
HEADER_KEYS = {"summary", "description", "tags", "params", "example", "examples", "language", "public", "page_size", "total"}
PARAM_KEYS = {"type", "description", "default", "required", "enum", "prefix", "lang", "min", "max", "max_length", "example", "known"}
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# names the HTTP layer gives a meaning of its own (``?format=csv`` overrides Accept)
# and a paged query's page (``?limit=``, ``?offset=``)
RESERVED_PARAMS = {"format", "limit", "offset"}
# what a short identifier after an IRI prefix may contain: the characters of the
# project's own IRIs (org/UNDP, area/evaw, instrument/S-RES-1325-2000, sdg/5.1.1)
SHORT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*(?:/[A-Za-z0-9._~-]+)*")
ABSOLUTE_IRI = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
# ASCII digits only, written out: Python's \d, int() and Decimal() also take other scripts'
# digits (١٢, １２), and int() takes "+12", " 12" and "1_2"; a number means one spelling here
INTEGER = re.compile(r"-?[0-9]{1,15}")
DECIMAL = re.compile(r"-?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})")
YEAR = re.compile(r"[0-9]{4}")
BOOLEANS = {"true": "true", "1": "true", "false": "false", "0": "false"}
DEFAULT_MAX_LENGTH = 200
# the page cut of a query with a ``total`` query: its one ``LIMIT <page_size> OFFSET 0``
PAGE_CUT = re.compile(r"LIMIT\s+([0-9]+)\s+OFFSET\s+([0-9]+)\b", re.IGNORECASE)

@dataclass(frozen=True)
class Param:
    """One declared parameter; ``parse`` turns a client's text into an RDF term."""

    name: str
    type: str = "string"
    description: str = ""
    required: bool = False
    default: str | None = None
    enum: tuple[str, ...] = ()
    prefix: str | None = None  # iri: short ids are appended to it
    lang: str | None = None  # lang-string: the language tag of the bound literal
    min: Decimal | None = None
    max: Decimal | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    example: str | None = None
    # iri: the class the value must be an instance of in the graph (checked by the service,
    # which has the store: "unknown agency" rather than an empty answer)
    known: str | None = None

    def expected(self) -> str:
        """What a valid value looks like, in words, for error messages and docs."""
        if self.enum:
            return "one of " + ", ".join(self.enum)
        if self.type == "iri":
            if self.prefix:
                return f"an identifier such as {self.example or 'UNDP'!r} (appended to <{self.prefix}>) or a full IRI starting with that prefix"
            return "an absolute http(s) IRI"
        if self.type == "integer":
            return "an integer" + _range_text(self)
        if self.type == "decimal":
            return "a decimal number" + _range_text(self)
        if self.type == "boolean":
            return "true or false"
        if self.type == "year":
            return "a four-digit year" + _range_text(self)
        return f"text of at most {self.max_length} characters"

    def parse(self, raw: str, query: str = "") -> ox.NamedNode | ox.Literal:
        def refuse(why: str = "") -> ParameterError:
            shown = raw if len(raw) <= 60 else raw[:57] + "…"
            where = f" of query {query!r}" if query else ""
            err = ParameterError(
                f"Parameter {self.name!r}{where} expects {self.expected()}; got {shown!r}{why}."
            )
            err.parameter = self.name  # type: ignore[attr-defined]
            return err

        if self.type in ("string", "lang-string"):
            if len(raw) > self.max_length:
                raise refuse(f" ({len(raw)} characters)")
            if self.enum and raw not in self.enum:
                raise refuse()
            if self.type == "lang-string":
                return ox.Literal(raw, language=self.lang or "zh")
            return ox.Literal(raw)
        # numbers are taken as sent: " 12" is not a number a client meant to send
        value = raw if self.type in ("integer", "decimal", "year") else raw.strip()
        if self.type == "iri":
            return ox.NamedNode(self._iri(value, refuse))
        if self.enum and value not in self.enum:
            raise refuse()
        if self.type == "integer":
            if not INTEGER.fullmatch(value):
                raise refuse()
            self._check_range(Decimal(value), refuse)
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if self.type == "decimal":
            if not DECIMAL.fullmatch(value):
                raise refuse()
            try:
                number = Decimal(value)
            except InvalidOperation:
                raise refuse() from None
            self._check_range(number, refuse)
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
        if self.type == "boolean":
            if value.lower() not in BOOLEANS:
                raise refuse()
            return ox.Literal(BOOLEANS[value.lower()], datatype=ox.NamedNode(XSD + "boolean"))
        if self.type == "year":
            if not YEAR.fullmatch(value):
                raise refuse()
            self._check_range(Decimal(value), refuse)
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
        raise refuse()  # pragma: no cover - types are checked when the file loads

    def _iri(self, value: str, refuse) -> str:
        if self.prefix and value.startswith(self.prefix):
            short = value[len(self.prefix) :]
        elif self.prefix:
            short = value
        else:
            if not ABSOLUTE_IRI.fullmatch(value) or (self.enum and value not in self.enum):
                raise refuse()
            return value
        if not SHORT_ID.fullmatch(short) or (self.enum and short not in self.enum):
            raise refuse()
        return self.prefix + short

    def _check_range(self, number: Decimal, refuse) -> None:
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            raise refuse()

    def schema(self) -> dict:
        """JSON Schema of the parameter as clients send it (query-string text)."""
        out: dict = {}
        if self.type == "integer":
            out["type"] = "integer"
        elif self.type == "decimal":
            out["type"] = "number"
        elif self.type == "boolean":
            out["type"] = "boolean"
        else:
            out["type"] = "string"
        if self.type == "year":
            out["pattern"] = r"^\d{4}$"
        if self.type in ("string", "lang-string"):
            out["maxLength"] = self.max_length
        if self.enum:
            out["enum"] = list(self.enum)
        if self.min is not None:
            out["minimum"] = _number(self.min)
        if self.max is not None:
            out["maximum"] = _number(self.max)
        if self.default is not None:
            out["default"] = _typed_default(self)
        return out

    def describe(self) -> dict:
        """The parameter as listed by ``GET /queries``."""
        out = {"name": self.name, "type": self.type, "required": self.required, "description": self.description}
        for key in ("default", "prefix", "lang", "example", "known"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.enum:
            out["enum"] = list(self.enum)
        if self.min is not None:
            out["min"] = _number(self.min)
        if self.max is not None:
            out["max"] = _number(self.max)
        return out


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _typed_default(param: Param) -> object:
    if param.type == "integer":
        return int(param.default)  # type: ignore[arg-type]
    if param.type == "decimal":
        return float(param.default)  # type: ignore[arg-type]
    if param.type == "boolean":
        return BOOLEANS.get(str(param.default).lower()) == "true"
    return param.default


def _range_text(param: Param) -> str:
    if param.min is not None and param.max is not None:
        return f" from {_number(param.min)} to {_number(param.max)}"
    if param.min is not None:
        return f" of at least {_number(param.min)}"
    if param.max is not None:
        return f" of at most {_number(param.max)}"
    return ""


@dataclass(frozen=True)
class NamedQuery:
    name: str
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    examples: tuple[dict[str, str], ...]
    sparql: str  # the whole file, header comments included: valid SPARQL as it is
    form: str  # "select", "ask" or "graph"
    languages: tuple[str, ...] = ()
    path: str = ""
    # False: a query the service runs for its own pages (``public: false`` in the header),
    # not listed by GET /queries nor served under /queries/{name}
    public: bool = True
    # a SELECT whose answer can be longer than a page (``page_size`` in the header): served in
    # pages of this many rows by default (``?limit=``, ``?offset=``), with the total and a next link
    page_size: int | None = None
    # ``total`` in the header: the ``public: false`` query that counts the rows of the whole
    # answer. Such a query is cut inside the engine: the page's sub-SELECT carries its one
    # ``LIMIT <page_size> OFFSET 0``, whose numbers each page sets, and the parameters are
    # bound there (a VALUES block leading its group), not in the outermost group
    total: str | None = None
    # where the page's sub-SELECT starts, where its LIMIT's and its OFFSET's numbers are
    page_cut: tuple[int, int, int, int, int] | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def bind(self, raw_params: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
        return bind(self, raw_params)

    def example_url(self, base: str = "/queries/") -> str:
        example = self.examples[0] if self.examples else {}
        return base + self.name + ("?" + urlencode(example, safe="/") if example else "")

    def describe(self, base: str = "/queries/") -> dict:
        """The query as listed by ``GET /queries``."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "form": self.form,
            "params": [p.describe() for p in self.params],
            "examples": [dict(e) for e in self.examples],
            "example_url": self.example_url(base),
            "sparql_url": base + self.name + ".rq",
            "languages": list(self.languages),
            **({"page_size": self.page_size} if self.page_size else {}),
        }

    def whole(self, bindings: Mapping[str, ox.NamedNode | ox.Literal], row_cap: int) -> tuple[str, Mapping[str, ox.NamedNode | ox.Literal] | None]:
        """The text and the bindings that answer the whole query, up to ``row_cap`` rows (the
        CLI, the query form): a query cut inside the engine is one page as long as the cap
        and one row more (the serializer's cut says the answer was cut)."""
        if self.page_cut is None:
            return self.sparql, bindings
        return self.page_text(bindings, row_cap + 1, 0), None

    def page_text(self, bindings: Mapping[str, ox.NamedNode | ox.Literal], limit: int, offset: int) -> str:
        """The text of one page of a query cut inside the engine (``total`` in its header).

        The page's sub-SELECT gets the page's numbers (whole numbers the service checked,
        written by ``int``) and the bound parameters as a leading VALUES block, written as
        every store writes bindings (``statements.serialize``: exactly one term each).
        """
        if self.page_cut is None:
            raise ValueError(f"query {self.name!r} is not cut inside the engine")
        start, limit_at, limit_end, offset_at, offset_end = self.page_cut
        text = self.sparql
        sub = text[start:limit_at] + str(int(limit)) + text[limit_end:offset_at] + str(int(offset))
        return text[:start] + with_bindings(sub, bindings, serialize) + text[offset_end:]


def bind(query: NamedQuery, raw_params: Mapping[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Typed terms for the query's variables; refuses unknown, missing and malformed values.

    An empty value counts as absent (HTML forms send empty fields); absent
    optional parameters without a default stay unbound, so the query's pattern
    matches every value.
    """
    declared = {p.name for p in query.params}
    unknown = sorted(set(raw_params) - declared)
    if unknown:
        accepted = ", ".join(sorted(declared)) or "no parameters"
        err = ParameterError(
            f"Unknown parameter {unknown[0]!r} for query {query.name!r}; it accepts: {accepted}."
        )
        err.parameter = unknown[0]  # type: ignore[attr-defined]
        raise err
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        raw = raw_params.get(param.name)
        if raw is None or raw == "":
            raw = param.default
        if raw is None:
            if param.required:
                err = ParameterError(
                    f"Parameter {param.name!r} of query {query.name!r} is required; it expects {param.expected()}."
                )
                err.parameter = param.name  # type: ignore[attr-defined]
                raise err
            continue
        out[param.name] = param.parse(raw, query.name)
    return out


@dataclass
class Catalog:
    queries: dict[str, NamedQuery] = field(default_factory=dict)
    internal: dict[str, NamedQuery] = field(default_factory=dict)  # ``public: false``

    @classmethod
    def load(cls, settings: Settings) -> Catalog:
        ns = Namespaces.of(settings)
        queries: dict[str, NamedQuery] = {}
        internal: dict[str, NamedQuery] = {}
        directory = settings.queries_dir
        paths = sorted(directory.glob("*.rq")) if directory.is_dir() else []
        if not paths:
            # an install without its queries would serve a site whose every page fails
            raise QueryFileError(str(directory), 0, "no named queries (*.rq) found")
        for path in paths:
            text = ns.rebase(path.read_text(encoding="utf-8"))
            query = parse_query(path.stem, text, path=str(path), max_chars=settings.max_query_chars)
            (queries if query.public else internal)[query.name] = query
        catalog = cls(queries, internal)
        for query in [*queries.values(), *internal.values()]:
            if query.total is not None:
                _check_total(query, catalog)
        return catalog

    def total_query(self, query: NamedQuery) -> NamedQuery | None:
        """The query counting the rows of ``query``'s whole answer (``total`` in its header)."""
        if query.total is None:
            return None
        return self.queries.get(query.total) or self.internal_query(query.total)

    def page_requests(
        self, query: NamedQuery, bindings: Mapping[str, ox.NamedNode | ox.Literal], formats: Mapping[str, str], limit: int, offset: int
    ) -> tuple[QueryRequest, QueryRequest | None]:
        """What the store runs for one page of a paged query: the page, and the count of the total.

        A query with a ``total`` is cut inside the engine and counted by its own light
        query (two evaluations of different queries, neither of them twice); any other paged
        query is evaluated once, its total counted by the serializer going on past the page.
        """
        counter = self.total_query(query)
        if counter is None:
            return QueryRequest(query.sparql, formats=formats, bindings=bindings, row_cap=limit, offset=offset, count_total=True), None
        # one row past the page, which the serializer cuts: the page says it was cut, as a page
        # cut from the whole answer does
        page = QueryRequest(query.page_text(bindings, limit + 1, offset), formats=formats, row_cap=limit)
        return page, QueryRequest(counter.sparql, formats={"select": "json"}, bindings=bindings)


    def internal_query(self, name: str) -> NamedQuery:
        """A ``public: false`` query the service itself runs; a missing one is a broken install."""
        try:
            return self.internal[name]
        except KeyError:
            raise QueryFileError(f"{name}.rq", 0, "this query file of the service is missing from the queries directory") from None

    def get(self, name: str) -> NamedQuery:
        try:
            return self.queries[name]
        except KeyError:
            raise UnknownQuery(
                f"There is no named query {name!r}; the {len(self.queries)} available ones are listed by "
                "GET /queries and by 'plankg query --list'."
            ) from None

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self.queries.values())

    def __len__(self) -> int:
        return len(self.queries)

    def __contains__(self, name: object) -> bool:
        return name in self.queries

    @property
    def names(self) -> list[str]:
        return list(self.queries)


def page_total(page: QueryResponse, count: QueryResponse | None) -> int | None:
    """The total of a page's answer: counted by the serializer, or read from the count query's answer.

    A count query groups by its parameters (it must project them to be bound), so unbound
    ones give a count per value: the total is the sum of its ``?total`` column."""
    if count is None:
        return page.total
    rows = json.loads(count.body)["results"]["bindings"]
    return sum(int(row["total"]["value"]) for row in rows if "total" in row)


def _check_total(query: NamedQuery, catalog: Catalog) -> None:
    counter = catalog.queries.get(query.total or "") or catalog.internal.get(query.total or "")
    where = f"{query.name}.rq"
    if counter is None:
        raise QueryFileError(query.path or where, 0, f"its 'total' names {query.total}.rq, which is not in the queries directory")
    if counter.form != "select" or "total" not in _projection(counter.sparql):
        raise QueryFileError(counter.path or f"{counter.name}.rq", 0, f"it counts the total of {where}: it must be a SELECT projecting ?total")
    if {p.name for p in counter.params} != {p.name for p in query.params}:
        raise QueryFileError(counter.path or f"{counter.name}.rq", 0, f"it counts the total of {where}: it must declare the same parameters")


# ------------------------------------------------------------------ parsing


def _yaml_header(text: str) -> object:
    """``yaml.safe_load`` through libyaml when PyYAML has it (8x faster: the pure-Python
    parser was most of ``Catalog.load``); a header libyaml refuses is read again by the
    pure-Python parser, whose error messages and line numbers are the ones reported."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def parse_query(name: str, text: str, *, path: str = "", max_chars: int = 100_000) -> NamedQuery:
    """Read one ``.rq`` file's text; QueryFileError(path, line, reason) when it is wrong."""
    path = path or f"{name}.rq"
    if not NAME.fullmatch(name):
        raise QueryFileError(path, 0, f"the file name {name!r} must be lower-case letters, digits and '-' (it becomes the URL)")
    lines = text.splitlines()
    header_lines: list[str] = []
    for line in lines:
        if not line.startswith("#+"):
            break
        header_lines.append(line[3:] if line.startswith("#+ ") else line[2:])
    if not header_lines:
        raise QueryFileError(path, 1, "no '#+' header: the file must start with '#+ summary: …'")

    def where(key: str, within: str | None = None) -> int:
        """1-based file line of a header key (inside a block when ``within`` is given)."""
        start = 0
        if within is not None:
            start = next((i for i, h in enumerate(header_lines) if re.match(rf"\s*{re.escape(within)}\s*:", h)), 0)
        for i in range(start, len(header_lines)):
            if re.match(rf"\s*{re.escape(key)}\s*:", header_lines[i]):
                return i + 1
        return start + 1

    try:
        meta = _yaml_header("\n".join(header_lines))
    except yaml.MarkedYAMLError as exc:
        at = exc.problem_mark.line + 1 if exc.problem_mark else 1
        at = min(at, len(header_lines))  # "unexpected end" points past the header
        raise QueryFileError(path, at, f"header is not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise QueryFileError(path, 1, f"header is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise QueryFileError(path, 1, "header must be 'key: value' lines (summary, description, tags, params, example)")
    for key in meta:
        if key not in HEADER_KEYS:
            raise QueryFileError(path, where(str(key)), f"unknown header key {key!r}; known: {', '.join(sorted(HEADER_KEYS))}")
    summary = meta.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise QueryFileError(path, where("summary") if "summary" in meta else 1, "'summary' is required and must be text")
    description = meta.get("description") or ""
    if not isinstance(description, str):
        raise QueryFileError(path, where("description"), "'description' must be text")
    tags = _str_list(meta.get("tags"), path, where("tags"), "tags")
    public = meta.get("public", True)
    if not isinstance(public, bool):
        raise QueryFileError(path, where("public"), "'public' must be true or false")
    languages = _str_list(meta.get("language"), path, where("language"), "language")

    try:
        form = check_query(text, max_chars=max_chars)
    except PlanKGError as exc:
        raise QueryFileError(path, len(header_lines) + 1, exc.detail) from None
    page_size = meta.get("page_size")
    if page_size is not None and (isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1 or form != "select"):
        raise QueryFileError(path, where("page_size"), "'page_size' must be a whole number of rows of at least 1, on a SELECT query")

    total = meta.get("total")
    page_cut = None
    if total is not None:
        if not isinstance(total, str) or not NAME.fullmatch(total) or total == name:
            raise QueryFileError(path, where("total"), "'total' must name the query file (without .rq) that counts the rows of the whole answer")
        if page_size is None:
            raise QueryFileError(path, where("total"), "'total' is for a paged query: give its 'page_size' too")
        page_cut = _page_cut(text, page_size)
        inner = _projection(text[page_cut[0]:]) if page_cut else set()
        declared = meta.get("params")
        for pname in declared if isinstance(declared, dict) else {}:
            if "*" not in inner and str(pname) not in inner:
                page_cut = None  # a parameter bound in the page's sub-SELECT must come out of it
        if page_cut is None:
            raise QueryFileError(
                path, where("total"),
                f"a query with a 'total' is cut inside the engine: it must hold one 'LIMIT {page_size} OFFSET 0' (its page_size), "
                "at the end of a sub-SELECT that projects every parameter",
            )

    raw_params = meta.get("params") or {}
    if not isinstance(raw_params, dict):
        raise QueryFileError(path, where("params"), "'params' must map each parameter name to its declaration")
    variables = _variables(text)
    projected = _projection(text) if form == "select" else None
    params: list[Param] = []
    for pname, decl in raw_params.items():
        at = where(str(pname), within="params")
        params.append(_param(str(pname), decl, path, at, variables, projected))

    query = NamedQuery(
        name=name,
        summary=summary.strip(),
        description=description.strip(),
        tags=tuple(tags),
        params=tuple(params),
        examples=(),
        sparql=text,
        form=form,
        languages=tuple(languages),
        path=path,
        public=public,
        page_size=page_size,
        total=total,
        page_cut=page_cut,
    )
    examples = _examples(meta, path, where("examples") if "examples" in meta else where("example"))
    for example in examples:
        try:
            bind(query, example)
        except ParameterError as exc:
            raise QueryFileError(path, where("examples") if "examples" in meta else where("example"), f"example {example}: {exc.detail}") from None
    return NamedQuery(**{**query.__dict__, "examples": tuple(examples)})


def _str_list(value: object, path: str, line: int, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return [str(v) for v in value]
    raise QueryFileError(path, line, f"'{key}' must be a list of words, e.g. [partners, areas]")


def _param(name: str, decl: object, path: str, line: int, variables: set[str], projected: set[str] | None) -> Param:
    if not VARIABLE.fullmatch(name):
        raise QueryFileError(path, line, f"parameter name {name!r} must be a SPARQL variable name (letters, digits, '_')")
    if name in RESERVED_PARAMS:
        raise QueryFileError(path, line, f"parameter name {name!r} is reserved by the service; choose another")
    if isinstance(decl, str):
        decl = {"type": decl}
    if not isinstance(decl, dict):
        raise QueryFileError(path, line, f"parameter {name!r} must be declared as a mapping, e.g. {{type: string}}")
    for key in decl:
        if key not in PARAM_KEYS:
            raise QueryFileError(path, line, f"parameter {name!r}: unknown field {key!r}; known: {', '.join(sorted(PARAM_KEYS))}")
    ptype = decl.get("type", "string")
    if ptype not in PARAM_TYPES:
        raise QueryFileError(path, line, f"parameter {name!r}: type {ptype!r} is not one of {', '.join(PARAM_TYPES)}")
    if name not in variables:
        raise QueryFileError(path, line, f"parameter {name!r} is not used in the query: it binds the variable ?{name}")
    if projected is not None and "*" not in projected and name not in projected:
        # the embedded engine binds a parameter only through a projected variable
        raise QueryFileError(path, line, f"parameter {name!r}: ?{name} must be in the SELECT projection so that it can be bound")

    def text(key: str) -> str | None:
        value = decl.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise QueryFileError(path, line, f"parameter {name!r}: {key!r} must be a single value")

    def number(key: str) -> Decimal | None:
        value = decl.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise QueryFileError(path, line, f"parameter {name!r}: {key!r} must be a number")
        return Decimal(str(value))

    enum = decl.get("enum") or []
    if not isinstance(enum, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in enum):
        raise QueryFileError(path, line, f"parameter {name!r}: 'enum' must be a list of values")
    prefix = text("prefix")
    if prefix is not None and (ptype != "iri" or not ABSOLUTE_IRI.fullmatch(prefix)):
        raise QueryFileError(path, line, f"parameter {name!r}: 'prefix' is for iri parameters and must be an http(s) IRI")
    known = text("known")
    if known is not None and (ptype != "iri" or not ABSOLUTE_IRI.fullmatch(known)):
        raise QueryFileError(path, line, f"parameter {name!r}: 'known' is for iri parameters and must be the http(s) IRI of a class")
    required = decl.get("required", False)
    if not isinstance(required, bool):
        raise QueryFileError(path, line, f"parameter {name!r}: 'required' must be true or false")
    max_length = decl.get("max_length", DEFAULT_MAX_LENGTH)
    if isinstance(max_length, bool) or not isinstance(max_length, int) or not 1 <= max_length <= 10_000:
        raise QueryFileError(path, line, f"parameter {name!r}: 'max_length' must be an integer from 1 to 10000")
    description = decl.get("description") or ""
    if not isinstance(description, str):
        raise QueryFileError(path, line, f"parameter {name!r}: 'description' must be text")
    param = Param(
        name=name,
        type=ptype,
        description=description,
        required=required,
        default=text("default"),
        enum=tuple(str(v) for v in enum),
        prefix=prefix,
        lang=text("lang"),
        min=number("min"),
        max=number("max"),
        max_length=max_length,
        example=text("example"),
        known=known,
    )
    for key in ("default", "example"):
        value = getattr(param, key)
        if value is not None:
            try:
                param.parse(value)
            except ParameterError as exc:
                raise QueryFileError(path, line, f"{key} of {exc.detail}") from None
    if param.required and param.default is not None:
        raise QueryFileError(path, line, f"parameter {name!r}: a required parameter cannot have a default")
    return param


def _examples(meta: dict, path: str, line: int) -> list[dict[str, str]]:
    raw = meta.get("examples", meta.get("example"))
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out: list[dict[str, str]] = []
    for item in items:
        if isinstance(item, str):
            pairs: dict[str, str] = {}
            for part in filter(None, item.split("&")):
                key, sep, value = part.partition("=")
                if not sep:
                    raise QueryFileError(path, line, f"example {item!r} must be 'name=value' pairs joined by '&'")
                pairs[key.strip()] = value.strip()
            out.append(pairs)
        elif isinstance(item, dict):
            out.append({str(k): str(v) for k, v in item.items()})
        else:
            raise QueryFileError(path, line, "'example' must be 'name=value&…' text or a mapping")
    return out


def _page_cut(text: str, page_size: int) -> tuple[int, int, int, int, int] | None:
    """Where a query's page cut is: the sub-SELECT holding the one ``LIMIT page_size OFFSET 0``."""
    depth = 0
    selects: list[tuple[int, int]] = []  # (depth, start) of each SELECT keyword
    cut = None
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and m.group().upper() == "SELECT":
            selects.append((depth, m.start()))
        elif kind == "word" and m.group().upper() in ("LIMIT", "OFFSET"):
            if cut is not None and cut[2] <= m.start() < cut[3]:
                continue  # the OFFSET of the cut
            found = PAGE_CUT.match(text, m.start())
            if cut is not None or found is None or m.group().upper() != "LIMIT" or depth == 0:
                return None
            if int(found.group(1)) != page_size or int(found.group(2)) != 0:
                return None
            start = next((at for d, at in reversed(selects) if d == depth), None)
            if start is None:
                return None
            cut = (start, found.start(1), found.end(1), found.start(2), found.end(2))
    return cut


def _variables(text: str) -> set[str]:
    return {m.group("var")[1:] for m in TOKEN.finditer(text) if m.lastgroup == "var"}


def _projection(text: str) -> set[str]:
    """Variables the outermost SELECT projects (``*`` for ``SELECT *``)."""
    out: set[str] = set()
    inside = False
    depth = 0
    after_as = False
    for m in TOKEN.finditer(text):  # comments, strings and IRIs are tokens of their own
        kind = m.lastgroup
        if kind in ("comment", "string", "iri"):
            continue
        if not inside:
            if kind == "word" and m.group().upper() == "SELECT":
                inside = True
            continue
        if m.group() == "{" or (kind == "word" and depth == 0 and m.group().upper() in ("WHERE", "FROM")):
            break
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif m.group() == "*" and depth == 0:
            out.add("*")
        elif kind == "word" and m.group().upper() == "AS":
            after_as = True
        elif kind == "var":
            if depth == 0 or after_as:
                out.add(m.group()[1:])
            after_as = False
    return out

