"""``/sparql``: the query operation of the W3C SPARQL 1.1 Protocol, read-only.

- ``GET ?query=``, ``POST`` form (``application/x-www-form-urlencoded``,
  ``query=``), ``POST`` direct (``application/sparql-query``, UTF-8); any other
  POST body type is 415. ``default-graph-uri`` / ``named-graph-uri`` (repeatable)
  set the dataset and win over FROM / FROM NAMED; without them the default
  graph is the union of all graphs.
- Relative IRIs in a query resolve against the endpoint's IRI, ``<base>sparql``
  (from ``PLANKG_BASE_IRI``, never the Host header); a ``BASE`` in the query wins.
- Updates (``update=``, ``application/sparql-update``, or an update in
  ``query=``) are refused with 400 before anything runs.
- ``GET`` without ``query`` answers the SPARQL Service Description (Turtle,
  N-Triples, JSON-LD or RDF/XML); a browser asking for HTML is sent (303) to
  the query page ``/query`` when the app has one.
- Results are cut at ``result_row_cap`` rows or ``max_response_bytes`` bytes,
  between two rows. A cut result carries the header ``X-PlanKG-Truncated: true``
  with ``X-PlanKG-Row-Cap: <cap>`` or ``X-PlanKG-Byte-Cap: <cap>``, and in
  SPARQL JSON/XML also the link ``urn:plankg:truncated`` in ``head``.
- Every answer has a weak ``ETag`` (data version + query + dataset + format)
  and ``Cache-Control: no-cache``: caches revalidate, ``If-None-Match`` gets a
  304 without running the query again. Answers are also kept in a per-app
  cache keyed the same way (``service.answer_cache``), so a repeated query is
  not run again until the data changes; queries that call RAND, NOW, UUID,
  STRUUID or BNODE always run.

The handlers take only the ``Request``: FastAPI's parameter and dependency
resolution cost more than the rest of a small query's handling, so the
parameters are read here and declared for ``/openapi.json`` by hand. Both are
marked hot: the app serves ``/sparql`` through a plain Starlette route placed
before the routers (``service.hot_routes``); the FastAPI routes of ``router``
describe the operations in ``/openapi.json`` (and serve an app that includes only ``router``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from plankg.errors import (
    NotAcceptable,
    ParameterError,
    QuerySyntaxError,
    UnsupportedMediaType,
    UpdateNotAllowed,
)
from plankg.namespaces import EXTERNAL_PREFIXES
from plankg.settings import Settings
from plankg.sparqltext import ABSOLUTE_IRI, check_iris_local, check_query, endpoint_base, scan
from plankg.store import QueryRequest
from plankg.store.rdfio import format_for, parse_rdf
from plankg.store.results import serialize_graph
from service.answer_cache import Answer, answer_cache, truncation_headers
from service.context import AppContext, allowed_methods, get_ctx
from service.fairness import fair_share
from service.hot_routes import hot
from service.negotiation import (
    GRAPH_OFFERS,
    choose,
    content_type,
    formats_for,
    not_modified,
    parse_accept,
    prefers_html,
    weak_etag,
    with_charset,
)

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
UPDATE_REFUSED = (
    "This endpoint answers SPARQL queries only; updates are refused and nothing was executed. "
    "Stewards send updates to /update with a token."
)
# longer texts are answered but not cached: the key would hold the whole text
_CACHED_QUERY_CHARS = 16_384


def _query_parameter(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {**schema, "description": description}, "description": description}


_OPTIONAL_TEXT = {"anyOf": [{"type": "string"}, {"type": "null"}]}
_IRI_LIST = {"type": "array", "items": {"type": "string"}, "default": []}
GET_PARAMETERS = [
    _query_parameter("query", "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT, DESCRIBE)", {**_OPTIONAL_TEXT, "title": "Query"}),
    _query_parameter("default-graph-uri", "Default graph IRI (repeatable)", {**_IRI_LIST, "title": "Default-Graph-Uri"}),
    _query_parameter("named-graph-uri", "Named graph IRI (repeatable)", {**_IRI_LIST, "title": "Named-Graph-Uri"}),
    _query_parameter("format", "Overrides Accept: json, xml, csv, tsv, turtle, ntriples, jsonld, rdfxml", {**_OPTIONAL_TEXT, "title": "Format"}),
]


@router.head("/sparql", include_in_schema=False, response_class=Response)
@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET) or the service description",
    response_class=Response,
    responses={
        200: {
            "description": "Query results (SPARQL JSON/XML/CSV/TSV, or an RDF graph), or the service description",
            "content": {media: {} for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")},
        },
        304: {"description": "Not modified (If-None-Match)"},
        400: {"description": "Malformed query, update refused, or a disabled feature", "content": {"application/problem+json": {}}},
        406: {"description": "No acceptable result format", "content": {"application/problem+json": {}}},
        503: {"description": "The query ran past the time limit", "content": {"application/problem+json": {}}},
    },
    openapi_extra={"parameters": GET_PARAMETERS},
)
async def sparql_get(request: Request) -> Response:
    ctx = await get_ctx(request)
    params = _url_params(request)
    if _values(params, "update"):
        raise UpdateNotAllowed(UPDATE_REFUSED)
    if not _values(params, "query"):
        return await _service_description(request, ctx, _values(params, "format"))
    return await _answer(request, ctx, params)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST form or direct)",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}, "default-graph-uri": {"type": "array", "items": {"type": "string"}}, "named-graph-uri": {"type": "array", "items": {"type": "string"}}}, "required": ["query"]}},
                DIRECT: {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        200: {"description": "Query results or an RDF graph"},
        400: {"description": "Malformed query or update refused", "content": {"application/problem+json": {}}},
        413: {"description": "Body too large", "content": {"application/problem+json": {}}},
        415: {"description": "Body is neither a form nor application/sparql-query", "content": {"application/problem+json": {}}},
    },
)
async def sparql_post(request: Request) -> Response:
    ctx = await get_ctx(request)
    media, charset = content_type(request.headers.get("content-type"))
    url_params = _url_params(request)
    if media == FORM:
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType("Forms must be sent in UTF-8.")
        body = await request.body()
        try:
            # curl -d sends raw UTF-8 where browsers percent-encode; both are fine
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise ParameterError("The form is not valid percent-encoded UTF-8.") from None
        params = url_params + form
        if _values(params, "update"):
            raise UpdateNotAllowed(UPDATE_REFUSED)
        if not _values(params, "query"):
            raise ParameterError("The form has no 'query' field.")
        return await _answer(request, ctx, params)
    if media == DIRECT:
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType("application/sparql-query bodies must be UTF-8.")
        body = await request.body()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise QuerySyntaxError("The query is not valid UTF-8.") from None
        if _values(url_params, "query"):
            raise ParameterError("Send the query either in the body or in the URL, not both.")
        return await _answer(request, ctx, url_params + [("query", text)])
    if media == UPDATE:
        raise UpdateNotAllowed(UPDATE_REFUSED)
    raise UnsupportedMediaType(
        f"POST a query as {FORM} (query=...) or as {DIRECT}; "
        + (f"{media} is not accepted." if media else "the request has no Content-Type.")
    )


# both take only the Request, so the app serves them as they are in front of the routers
hot(sparql_get)
hot(sparql_post)


# ---------------------------------------------------------------- the query operation
async def _answer(request: Request, ctx: AppContext, params: list[tuple[str, str]]) -> Response:
    settings = ctx.settings
    text = _single(params, "query")
    assert text is not None
    default_graphs = _iris(params, "default-graph-uri")
    named_graphs = _iris(params, "named-graph-uri")
    kind = await checked_kind(text, settings)
    check_iris_local(default_graphs + named_graphs)
    base = endpoint_base(settings.base_iri, _url_path(request))

    # formats for every kind: the lexical kind decides the early 406, the engine the final one
    formats = formats_for(request.headers.get("accept"), _values(params, "format"))
    if kind not in formats:
        raise NotAcceptable(
            f"None of the media types in Accept can represent a {'graph' if kind == 'graph' else kind.upper() + ' result'}; "
            + ("use text/turtle, application/n-triples, application/ld+json or application/rdf+xml." if kind == "graph" else "use application/sparql-results+json, application/sparql-results+xml, text/csv or text/tab-separated-values.")
        )
    version = ctx.store.version
    etag = weak_etag(version, text, "\x1f".join(default_graphs), "\x1f".join(named_graphs), formats[kind], str(settings.result_row_cap), base)
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)

    cacheable = len(text) <= _CACHED_QUERY_CHARS and not scan(text).volatile
    # the whole formats map: the engine, not the lexical kind, has the last word on the kind
    key = (text, tuple(default_graphs), tuple(named_graphs), tuple(sorted(formats.items())), base)

    async def run() -> Answer:
        async with fair_share(request) as lane:
            result = await ctx.executor.query(
                QueryRequest(
                    text,
                    formats=formats,
                    default_graph_uris=default_graphs or None,
                    named_graph_uris=named_graphs or None,
                    base_iri=base,
                ),
                fast_lane=lane.fast,
            )
        return Answer(result.body, with_charset(result.media_type), result.rows, result.truncated)

    hit = await answer_cache(request.app, "sparql").get_or_run(version, key, run, keep=cacheable, extra=len(text))
    headers.update(truncation_headers(hit.rows, hit.truncated, settings.result_row_cap, settings.max_response_bytes))
    headers["X-PlanKG-Rows"] = str(hit.rows)
    return Response(hit.body, media_type=hit.media_type, headers=headers)


# longer texts are checked in a thread: the scan is linear, but a text near the length limit
# dense with strings takes long enough to hold up every other request on the event loop
# (bench/results/request-path.md); in a thread the loop keeps its turns at the GIL
SCANNED_ON_LOOP_CHARS = 4_096


async def checked_kind(text: str, settings: Settings) -> str:
    """``check_query``'s verdict on ``text`` (its query form), off the event loop when the text is long."""
    if len(text) <= SCANNED_ON_LOOP_CHARS or len(text) > settings.max_query_chars:
        return check_query(text, max_chars=settings.max_query_chars, allow_service=settings.enable_service)
    return await run_in_threadpool(check_query, text, max_chars=settings.max_query_chars, allow_service=settings.enable_service)


def _url_params(request: Request) -> list[tuple[str, str]]:
    """``request.query_params.multi_items()``, read as Starlette reads them, without its objects."""
    return parse_qsl(request.scope["query_string"].decode("latin-1"), keep_blank_values=True)


def _url_path(request: Request) -> str:
    """``request.url.path`` (the path as Starlette's ``URL`` escapes it, and ``urlsplit`` drops tabs
    and line breaks from it), without parsing the whole URL. A route's pattern ends in ``$``, which
    matches before a trailing newline too: ``/sparql%0A`` is routed here."""
    path = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    if "\n" in path or "\r" in path or "\t" in path:
        path = path.replace("\t", "").replace("\r", "").replace("\n", "")
    return path


def _values(params: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = _values(params, name)
    if len(values) > 1:
        raise ParameterError(f"Give '{name}' once; this request has {len(values)}.")
    return values[0] if values else None


def _iris(params: list[tuple[str, str]], name: str) -> list[str]:
    values = _values(params, name)
    for value in values:
        if not ABSOLUTE_IRI.match(value):
            raise ParameterError(f"{name} must be an absolute IRI; {value!r} is not.")
    return values


# ---------------------------------------------------------------- service description
FORMATS_NS = "http://www.w3.org/ns/formats/"
RESULT_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


async def _service_description(request: Request, ctx: AppContext, format_param: list[str]) -> Response:
    accept = request.headers.get("accept")
    if not format_param and prefers_html(accept) and "GET" in allowed_methods(request, "/query"):
        return RedirectResponse("/query", status_code=303)
    if format_param:
        fmt = formats_for(None, format_param, kinds=("graph",)).get("graph")
        picked = next((offer for offer in GRAPH_OFFERS if offer[1] == fmt), None)
    else:
        picked = choose(parse_accept(accept), GRAPH_OFFERS)
    if picked is None:
        raise NotAcceptable("The service description is RDF: ask for text/turtle, application/n-triples, application/ld+json or application/rdf+xml.")
    media, fmt = picked
    # from the configured base, never from the request's Host header (which the client writes)
    endpoint = ctx.settings.base_iri + "sparql"

    async def run() -> Answer:
        # counting every graph's triples is a scan of the store: a client's share, once per data version
        async with fair_share(request):
            rows = await ctx.executor.run(ctx.store.select, ctx.query_text("graph-sizes"))
        turtle = _describe(ctx, endpoint, rows)
        triples = [q.triple for q in parse_rdf(turtle.encode("utf-8"), format_for("turtle"), name="service description")]
        prefixes = {"sd": EXTERNAL_PREFIXES["sd"], "void": EXTERNAL_PREFIXES["void"], "dcterms": EXTERNAL_PREFIXES["dcterms"], "formats": FORMATS_NS}
        return Answer(serialize_graph(triples, fmt, prefixes), with_charset(media), 0, False)

    # a key no query's can be (those are 5-tuples)
    described = await answer_cache(request.app, "sparql").get_or_run(ctx.store.version, ("service description", fmt), run)
    return Response(described.body, media_type=described.media_type, headers={"Vary": "Accept", "Cache-Control": "no-cache"})


def _describe(ctx: AppContext, endpoint: str, rows: list[dict]) -> str:
    named = "".join(
        f'  sd:namedGraph [ a sd:NamedGraph ; sd:name <{row["g"].value}> ; sd:graph [ a sd:Graph ; void:triples {row["n"].value} ] ] ;\n'
        for row in rows
        if row["g"] is not None and row["n"] is not None
    )
    features = "sd:UnionDefaultGraph, sd:BasicFederatedQuery" if ctx.settings.enable_service else "sd:UnionDefaultGraph"
    result_formats = ", ".join(f"formats:{name}" for name in RESULT_FORMAT_IRIS)
    return f"""@prefix sd: <{EXTERNAL_PREFIXES['sd']}> .
@prefix void: <{EXTERNAL_PREFIXES['void']}> .
@prefix dcterms: <{EXTERNAL_PREFIXES['dcterms']}> .
@prefix formats: <{FORMATS_NS}> .

<{endpoint}> a sd:Service ;
  sd:endpoint <{endpoint}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:resultFormat {result_formats} ;
  sd:feature {features} ;
  sd:defaultEntailmentRegime <http://www.w3.org/ns/entailment/Simple> ;
  dcterms:description "Read-only SPARQL 1.1 endpoint of the UN Women Strategic Plan 2022-2025 (UNW/2021/6) knowledge graph. Results are cut at {ctx.settings.result_row_cap} rows; queries are stopped after {ctx.settings.query_timeout_s:g} s."@en ;
  sd:defaultDataset [
    a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; dcterms:description "The union of all named graphs."@en ] ;
{named}  ] .
"""
