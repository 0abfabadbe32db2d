"""``/queries``: the named queries of ``queries/*.rq`` as a typed REST API.

- ``GET /queries`` lists them (JSON): summary, tags, typed parameters, an
  example URL and the URL of the query text. A browser asking for HTML is
  sent (303) to the query page ``/query`` when the app has one.
- ``GET /queries/{name}`` runs one. ``build_router(settings)`` generates a
  route per ``.rq`` file when the app is created, with its parameters declared
  from the file's header (type, enum, default, example, description), so
  ``/openapi.json`` documents each query once. The values are checked by
  ``plankg.catalog.bind`` (the same check as the CLI) and reach SPARQL as bound
  terms only; a wrong or unknown parameter is a 400 problem naming it.
- ``GET /queries/{name}.rq`` is the query text, for editors and the CLI.

Answers go the way ``/sparql`` answers go: content negotiation (``Accept`` or
``?format=``), the store's time limit, row cap and byte cap, a weak ETag (data version +
query + bound parameters + format) with ``If-None-Match`` → 304. Serialized
bodies are kept in a small per-app LRU keyed by the same things and emptied
when the data version changes: a named query is a small, repeated request, and
answering it from memory is what lets the service outrun a bare SPARQL server.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from plankg.catalog import Catalog, NamedQuery, page_total
from plankg.errors import NotAcceptable, ParameterError
from plankg.settings import Settings
from plankg.store import QueryRequest
from service.answer_cache import Answer, ResultCache, answer_cache, truncation_headers
from service.context import AppContext, allowed_methods, get_ctx
from service.entity_params import check_known
from service.fairness import fair_share
from service.hot_routes import hot
from service.negotiation import (
    choose,
    formats_for,
    not_modified,
    parse_accept,
    prefers_html,
    weak_etag,
    with_charset,
)

__all__ = ["Answer", "ResultCache", "answer", "build_router"]

TAG = "Named queries"
BASE = "/queries/"
FORMAT_HELP = "Overrides Accept: json, xml, csv or tsv (a graph query: turtle, ntriples, jsonld, rdfxml)"
RQ_OFFERS = (("text/plain", "text/plain; charset=utf-8"), ("application/sparql-query", "application/sparql-query; charset=utf-8"))

RESPONSES: dict = {
    200: {
        "description": "Query results: SPARQL JSON (default), SPARQL XML, CSV or TSV",
        "content": {
            media: {}
            for media in ("application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values")
        },
    },
    304: {"description": "Not modified (If-None-Match)"},
    400: {"description": "A parameter is unknown, missing or malformed", "content": {"application/problem+json": {}}},
    406: {"description": "No acceptable result format", "content": {"application/problem+json": {}}},
    503: {"description": "The query ran past the time limit", "content": {"application/problem+json": {}}},
}

PAGE_HEADERS = {
    "X-PlanKG-Total": {"description": "Rows of the whole answer", "schema": {"type": "integer"}},
    "X-PlanKG-Offset": {"description": "Rows skipped before this page", "schema": {"type": "integer"}},
    "X-PlanKG-Limit": {"description": "Rows per page", "schema": {"type": "integer"}},
    "Link": {"description": 'The query text (rel="describedby") and, while rows remain, the next page (rel="next")', "schema": {"type": "string"}},
}
PAGED_RESPONSES: dict = {**RESPONSES, 200: {**RESPONSES[200], "description": RESPONSES[200]["description"] + "; one page of the answer", "headers": PAGE_HEADERS}}


# ---------------------------------------------------------------- routers
def build_router(settings: Settings, catalog: Catalog | None = None) -> APIRouter:
    """The routes of one app: a typed route per named query of ``settings.queries_dir``."""
    if catalog is None:
        catalog = Catalog.load(settings)
    r = APIRouter(tags=[TAG])
    _add_listing(r)
    for query in catalog:
        endpoint = hot(_typed_endpoint(query), _plain_endpoint(query))
        r.add_api_route(
            BASE + query.name,
            endpoint,
            methods=["GET"],
            summary=query.summary,
            description=_description(query),
            operation_id="named_query_" + query.name.replace("-", "_"),
            response_class=Response,
            responses=PAGED_RESPONSES if query.page_size else RESPONSES,
        )
        r.add_api_route(BASE + query.name, endpoint, methods=["HEAD"], include_in_schema=False, response_class=Response)
    # a name without a route of its own is not in the catalog: 404 problem
    r.add_api_route(BASE + "{name}", run_named_query, methods=["GET", "HEAD"], include_in_schema=False, response_class=Response)
    return r


def _plain_endpoint(query: NamedQuery) -> Callable:
    """What the typed route of ``query`` answers, taking only the Request: the app serves it in
    front of the routers (``service.hot_routes``); the typed route stays for ``/openapi.json``."""
    required = [param.name for param in query.params if param.required]

    async def endpoint(request: Request) -> Response:
        ctx = await get_ctx(request)
        params = request.query_params
        missing = [name for name in required if name not in params]
        if missing:
            # what FastAPI says for the typed route's required parameters, so both routes answer alike
            raise RequestValidationError([{"type": "missing", "loc": ("query", name), "msg": "Field required", "input": None} for name in missing])
        return await answer(request, ctx, query)

    endpoint.__name__ = "named_query_" + query.name.replace("-", "_")
    return endpoint


def _add_listing(r: APIRouter) -> None:
    r.add_api_route(
        "/queries",
        list_queries,
        methods=["GET"],
        summary="List the named queries",
        description="Every named query with its summary, tags, typed parameters, an example URL and the URL of its SPARQL text.",
        operation_id="list_named_queries",
    )
    r.add_api_route(BASE + "{name}.rq", query_text, methods=["HEAD"], include_in_schema=False, response_class=Response)
    r.add_api_route(
        BASE + "{name}.rq",
        query_text,
        methods=["GET"],
        summary="The SPARQL text of a named query",
        description="The `.rq` file as it is (header comments included), valid SPARQL 1.1; `text/plain` by default, `application/sparql-query` on request.",
        operation_id="named_query_text",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}, "application/sparql-query": {}}}, 404: {"description": "No such query", "content": {"application/problem+json": {}}}},
    )


async def list_queries(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    if prefers_html(request.headers.get("accept")) and "GET" in allowed_methods(request, "/query"):
        return RedirectResponse("/query", status_code=303)
    catalog: Catalog = ctx.catalog
    return JSONResponse(
        {"queries": [q.describe(BASE) for q in catalog], "count": len(catalog)},
        headers={"Cache-Control": "no-cache", "Vary": "Accept"},
    )


async def query_text(name: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    query = ctx.catalog.get(name)
    picked = choose(parse_accept(request.headers.get("accept")), RQ_OFFERS)
    if picked is None:
        raise NotAcceptable("The query text is served as text/plain or application/sparql-query.")
    etag = 'W/"' + hashlib.sha256(query.sparql.encode("utf-8")).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(query.sparql.encode("utf-8"), media_type=picked[1], headers=headers)


async def run_named_query(name: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return await answer(request, ctx, ctx.catalog.get(name))


def _typed_endpoint(query: NamedQuery) -> Callable:
    """An endpoint whose signature declares the query's parameters, for OpenAPI.

    The declared parameters are all text: FastAPI only documents them (the
    JSON Schema carries the real type); ``bind`` checks the raw values, so the
    messages are the same over HTTP and on the command line.
    """

    async def endpoint(request: Request, ctx: AppContext = Depends(get_ctx), **_declared: object) -> Response:
        return await answer(request, ctx, query)

    kw = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=AppContext, default=Depends(get_ctx)),
    ]
    for i, param in enumerate(query.params):
        schema = param.schema()
        declared = Query(
            # the JSON-typed default (118, not "118"): FastAPI documents it and never validates it
            default=... if param.required else schema.pop("default", None),
            alias=param.name,
            description=_param_description(param),
            examples=[param.example] if param.example is not None else None,
            json_schema_extra=schema,
        )
        # positional names keep Python keywords and clashes ("request") out of the signature
        parameters.append(inspect.Parameter(f"p{i}", kw, annotation=str, default=declared))
    parameters.append(inspect.Parameter("format_", kw, annotation=str | None, default=Query(None, alias="format", description=FORMAT_HELP)))
    if query.page_size:
        parameters.append(inspect.Parameter("limit_", kw, annotation=int | None, default=Query(
            None, alias="limit", ge=1, description=f"Rows per page (default {query.page_size}, at most the service's row cap)")))
        parameters.append(inspect.Parameter("offset_", kw, annotation=int | None, default=Query(
            None, alias="offset", ge=0, le=10**9, description="Rows of the answer to skip: the `next` link of the `Link` header gives the next page's")))
    endpoint.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    endpoint.__name__ = "named_query_" + query.name.replace("-", "_")
    return endpoint


def _param_description(param) -> str:
    text = param.description or param.name
    if param.type == "iri" and param.prefix:
        text += f" (an id appended to {param.prefix}, or that full IRI)"
    return text


def _description(query: NamedQuery) -> str:
    parts = [query.description or query.summary]
    if query.tags:
        parts.append("Tags: " + ", ".join(query.tags) + ".")
    parts.append(f"Example: [`{query.example_url(BASE)}`]({query.example_url(BASE)}) · SPARQL: [`{BASE}{query.name}.rq`]({BASE}{query.name}.rq)")
    return "\n\n".join(parts)


# ---------------------------------------------------------------- running a query
async def answer(request: Request, ctx: AppContext, query: NamedQuery) -> Response:
    raw: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in raw:
            err = ParameterError(f"Give {key!r} once; this request has it more than once.")
            err.parameter = key  # type: ignore[attr-defined]
            raise err
        raw[key] = value
    format_param = raw.pop("format", None)
    page = _page(query, raw, ctx.settings.result_row_cap)
    bindings = query.bind(raw)
    formats = formats_for(request.headers.get("accept"), format_param or None, kinds=(query.form,))
    if query.form not in formats:
        raise NotAcceptable(
            "None of the media types in Accept can represent this query's result; "
            + ("use text/turtle, application/n-triples, application/ld+json or application/rdf+xml." if query.form == "graph" else "use application/sparql-results+json, application/sparql-results+xml, text/csv or text/tab-separated-values.")
        )
    fmt = formats[query.form]
    bound = tuple(sorted((name, str(term)) for name, term in bindings.items()))
    version = ctx.store.version
    cap = ctx.settings.result_row_cap
    etag = weak_etag(version, query.name, repr(bound), fmt, str(cap), *((repr(page),) if page else ()))
    headers = {
        "ETag": etag,
        "Cache-Control": "no-cache",
        "Vary": "Accept",
        "Link": f'<{BASE}{query.name}.rq>; rel="describedby"; type="application/sparql-query"',
    }
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)

    async def run() -> Answer:
        # only on a cache miss: a cached answer was checked when it was computed
        await check_known(ctx, query, bindings)
        if page is None:
            wanted = QueryRequest(query.sparql, formats={query.form: fmt}, bindings=bindings)
            async with fair_share(request) as lane:
                result = await ctx.executor.query(wanted, fast_lane=lane.fast)
            return Answer(result.body, with_charset(result.media_type), result.rows, result.truncated)
        limit, offset = page
        wanted, counting = ctx.catalog.page_requests(query, bindings, {query.form: fmt}, limit, offset)
        async with fair_share(request) as lane:
            result = await ctx.executor.query(wanted, fast_lane=lane.fast)
            counted = await ctx.executor.query(counting, fast_lane=lane.fast) if counting is not None else None
        return Answer(result.body, with_charset(result.media_type), result.rows, result.truncated, total=page_total(result, counted))

    hit = await answer_cache(request.app, "named").get_or_run(version, key=(query.name, bound, fmt, page), run=run)
    headers["X-PlanKG-Rows"] = str(hit.rows)
    if page is None:
        headers.update(truncation_headers(hit.rows, hit.truncated, cap, ctx.settings.max_response_bytes))
    else:
        paged = _page_headers(request, page, hit, cap, ctx.settings.max_response_bytes)
        if "Link" in paged:
            headers["Link"] += ", " + paged.pop("Link")
        headers.update(paged)
    return Response(hit.body, media_type=hit.media_type, headers=headers)


def _page(query: NamedQuery, raw: dict[str, str], row_cap: int) -> tuple[int, int] | None:
    """(limit, offset) of a paged query's request, taken out of ``raw``; None for a query not paged.

    A query without ``page_size`` keeps ``limit`` and ``offset`` in ``raw``, where ``bind``
    refuses them as parameters it does not know.
    """
    if query.page_size is None:
        return None
    limit = _whole(raw.pop("limit", ""), "limit", 1, row_cap, min(query.page_size, row_cap))
    offset = _whole(raw.pop("offset", ""), "offset", 0, 10**9, 0)
    return limit, offset


def _whole(raw: str, name: str, least: int, most: int, default: int) -> int:
    if raw == "":
        return default
    # ASCII digits only, at most ten: int() also takes "+1", " 1", "1_0" and other scripts' digits
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not least <= int(raw) <= most:
        err = ParameterError(f"{name!r} must be a whole number from {least} to {most}; got {raw[:40]!r}.")
        err.parameter = name  # type: ignore[attr-defined]
        raise err
    return int(raw)


def _page_headers(request: Request, page: tuple[int, int], hit: Answer, row_cap: int, max_bytes: int) -> dict[str, str]:
    """The total, and a ``next`` link while rows remain (RFC 8288), for every format alike.

    A page cut where the client asked is no truncation; one cut by the service's row cap
    or byte cap says so, as every answer does."""
    limit, offset = page
    headers = {"X-PlanKG-Total": str(hit.total), "X-PlanKG-Offset": str(offset), "X-PlanKG-Limit": str(limit)}
    if hit.truncated and (hit.rows < limit or hit.rows >= row_cap):
        headers.update(truncation_headers(hit.rows, hit.truncated, row_cap, max_bytes))
    if hit.total is not None and offset + hit.rows < hit.total and hit.rows > 0:
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]
        query += [("limit", str(limit)), ("offset", str(offset + hit.rows))]
        headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'
    return headers





