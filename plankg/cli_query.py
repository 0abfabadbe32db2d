"""``plankg query``: run a named query, or a SPARQL file, on the local store.

    plankg query partners-by-area area=evaw --format csv
    plankg query --sparql my.rq            # or '-' for standard input
    plankg query --list

Named-query parameters are checked exactly as the HTTP API checks them
(``plankg.catalog.bind``) and reach SPARQL as bound terms. A bad parameter is
one line on standard error and exit code 2.
"""

from __future__ import annotations

import argparse
import sys

from plankg.errors import ParameterError, StoreUnavailable
from plankg.settings import Settings

RESULT_FORMATS = ("json", "csv", "tsv", "xml")
GRAPH_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml")
# a results format asked of a graph query means its nearest graph syntax
GRAPH_ALIASES = {"json": "jsonld", "xml": "rdfxml"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "query",
        help="run a named query (NAME k=v ...) or a SPARQL file on the local store",
        description="Run a named query of queries/*.rq with its parameters as k=v pairs, or any read-only SPARQL query with --sparql.",
    )
    p.add_argument("name", nargs="?", help="named query, e.g. partners-by-area (see --list)")
    p.add_argument("params", nargs="*", metavar="k=v", help="parameter values, e.g. area=evaw")
    p.add_argument("--sparql", metavar="FILE", help="run the SPARQL query in FILE ('-' reads standard input)")
    p.add_argument(
        "--format",
        choices=RESULT_FORMATS + GRAPH_FORMATS,
        help="output format (default: json for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE)",
    )
    p.add_argument("--list", action="store_true", help="list the named queries and their parameters")
    p.set_defaults(func=cmd_query)


def cmd_query(settings: Settings, args: argparse.Namespace) -> int:
    from plankg.catalog import Catalog

    if args.list:
        _print_list(Catalog.load(settings))
        return 0
    if args.sparql:
        if args.name or args.params:
            raise ParameterError("Give either a named query with its parameters or --sparql FILE, not both.")
        text = _read_sparql(args.sparql)
        from plankg.sparqltext import check_query

        form = check_query(text, max_chars=settings.max_query_chars, allow_service=settings.enable_service)
        bindings = None
    else:
        if not args.name:
            raise ParameterError("Name a query (plankg query --list shows them) or give --sparql FILE.")
        query = Catalog.load(settings).get(args.name)
        text, bindings = query.whole(query.bind(parse_pairs(args.params)), settings.result_row_cap)
        form = query.form
    formats = output_formats(form, args.format)

    from plankg.store import QueryRequest, open_store

    store = open_store(settings)
    try:
        if store.is_empty():
            raise StoreUnavailable("The store is empty; run 'plankg build' first.")
        result = store.query(
            QueryRequest(
                text,
                formats=formats,
                bindings=bindings,
                timeout_s=settings.query_timeout_s,
                row_cap=settings.result_row_cap,
            )
        )
    finally:
        store.close()
    out = sys.stdout.buffer
    out.write(result.body)
    if not result.body.endswith(b"\n"):
        out.write(b"\n")
    out.flush()
    if result.truncated:
        print(f"plankg: the answer was cut at {settings.result_row_cap} rows (PLANKG_RESULT_ROW_CAP).", file=sys.stderr)
    return 0


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    raw: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ParameterError(f"Parameters are written name=value; {pair!r} is not.")
        if key in raw:
            raise ParameterError(f"Parameter {key!r} is given twice.")
        raw[key] = value
    return raw


def output_formats(form: str, wanted: str | None) -> dict[str, str]:
    """The store's ``formats`` argument for one query form."""
    if form == "graph":
        fmt = GRAPH_ALIASES.get(wanted or "", wanted) or "turtle"
        if fmt not in GRAPH_FORMATS:
            raise ParameterError(f"A CONSTRUCT/DESCRIBE answer is a graph: use --format {', '.join(GRAPH_FORMATS)}.")
        return {"graph": fmt}
    fmt = wanted or "json"
    if fmt not in RESULT_FORMATS:
        raise ParameterError(f"A {form.upper()} answer is a result table: use --format {', '.join(RESULT_FORMATS)}.")
    return {form: fmt}


def _read_sparql(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise ParameterError(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise ParameterError(f"{path} is not UTF-8 text.") from None


def _print_list(catalog) -> None:
    for query in catalog:
        params = " ".join(
            f"{p.name}={'<' + p.type + '>' if p.default is None else p.default}" + ("" if p.required else "?")
            for p in query.params
        )
        print(f"{query.name} {params}".rstrip())
        print(f"    {query.summary}")
