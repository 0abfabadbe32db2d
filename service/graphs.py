"""``/graphs`` (SPARQL 1.1 Graph Store HTTP Protocol) and ``/update`` (SPARQL 1.1 Update).

Reading is open: ``GET``/``HEAD /graphs?graph=IRI`` or ``?default`` answers the
graph as Turtle, N-Triples, JSON-LD or RDF/XML (by ``Accept``), 404 when the
graph has no triples; ``GET /graphs`` alone lists the graphs with their sizes
and when they were last changed.

Writing needs a steward's bearer token (``service.auth``):

- ``PUT /graphs?graph=IRI`` replaces the graph, ``POST`` adds to it, ``DELETE``
  removes it (``?default`` for the default graph). The body of PUT and POST is
  one graph: Turtle, N-Triples, JSON-LD or RDF/XML by ``Content-Type``;
  relative IRIs resolve against the graph's IRI. ``POST`` also takes
  ``multipart/form-data``, every part one graph (its own Content-Type or file
  extension), all added together. ``POST /graphs`` without ``?graph`` / ``?default``
  creates a graph ``<base>graph/posted/<random>`` and answers 201 with its IRI
  in ``Location`` (Graph Store Protocol 5.5).
- ``POST /update`` takes ``application/sparql-update`` or a form with
  ``update=``. LOAD and SERVICE are refused, as are ``file:`` graph names
  (``plankg.sparqltext.check_update``). The WHERE of every operation reads what
  ``/sparql`` reads: the union of all graphs as its default graph, the named
  graphs by ``GRAPH``; ``WITH`` / ``USING`` in the update, or the protocol's
  ``using-graph-uri`` / ``using-named-graph-uri`` (not both: 400), set another
  dataset. Templates without ``GRAPH`` write the store's own default graph.
  Relative IRIs resolve against the endpoint, ``<base>update``. ``CLEAR ALL``,
  ``DROP NAMED`` and the like leave the change log; naming it is refused.

Roles and confirmation (``plankg.write_policy``): the built graphs
(``graph/ontology``, ``graph/plan``, ``graph/registry``) are read-only to
stewards (403). A write that removes a whole graph or most of the data needs an
admin token and ``?confirm=<graph IRI>`` (``default``, or ``all`` when it spans
several graphs); without it, 428 says what to confirm, and nothing changes.

Every write is validated before it is committed (``plankg.writes``): a write
that breaks the shapes gets **422** with the report, in the formats of
``/validate`` by ``Accept`` (JSON summary as ``application/problem+json``,
JSON-LD, Turtle, HTML), and nothing changes. ``?dry-run=true`` or the header
``Prefer: dry-run`` validates without committing: 200 with the report (or
422). A committed write answers **201** (the graph is new; ``Location``) or
**204**, with ``X-PlanKG-Activity`` naming its record in ``graph/changes`` and
``X-PlanKG-Added`` / ``X-PlanKG-Removed`` counting the triples. Graphs written
are named under ``<base>graph/`` (or the default graph); ``graph/changes`` is
the service's own and refuses writes (403).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from plankg.errors import (
    BadRequest,
    NotAcceptable,
    NotFound,
    ParameterError,
    PlanKGError,
    QuerySyntaxError,
    UnsupportedMediaType,
    WriteBusy,
)
from plankg.sparqltext import (
    ABSOLUTE_IRI,
    MAX_BASE_IRI_CHARS,
    check_iris_local,
    check_update,
    endpoint_base,
    names_dataset,
)
from plankg.store.results import serialize_graph
from plankg.untrusted import Upload, WriteRequest
from service.auth import Writer, reject_method_override, writer
from service.context import AppContext, get_ctx
from service.negotiation import GRAPH_OFFERS, choose, content_type, not_modified, parse_accept
from service.problems import PROBLEM_JSON, problem_type, status_for
from service.report_page import answer_report
from service.sandbox import run_untrusted

if TYPE_CHECKING:
    from plankg.writes import WriteOutcome, WritePipeline

router = APIRouter(tags=["Graph Store and Update"])

# the body of PUT / POST /graphs is one graph
GRAPH_BODY_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
DATASET_BODY_TYPES = ("application/n-quads", "application/trig")
MULTIPART = "multipart/form-data"
_EXTENSIONS = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json", ".rdf": "application/rdf+xml", ".owl": "application/rdf+xml"}
_MAX_PARTS = 16
# graphs made by POST /graphs without a graph: <base>graph/posted/<random>, in the stewards' namespace
NEW_GRAPHS = "posted"
FORM = "application/x-www-form-urlencoded"
UPDATE = "application/sparql-update"
REPORT_OFFERS = (
    ("application/json", "summary"),
    ("application/problem+json", "summary"),
    ("application/ld+json", "jsonld"),
    ("text/turtle", "turtle"),
    ("text/html", "html"),
)
_MAX_USING = 64  # dataset IRIs in one update request
_TRUE = ("true", "1", "yes", "on", "")
_FALSE = ("false", "0", "no", "off")

_GRAPH_PARAMETERS = [
    {"name": "graph", "in": "query", "required": False, "schema": {"type": "string", "format": "iri"}, "description": "The named graph's IRI"},
    {"name": "default", "in": "query", "required": False, "allowEmptyValue": True, "schema": {"type": "string"}, "description": "Present (no value): the default graph"},
]
_WRITE_PARAMETERS = [
    *_GRAPH_PARAMETERS,
    {"name": "dry-run", "in": "query", "required": False, "schema": {"type": "boolean"}, "description": "Validate and report; commit nothing (also: header Prefer: dry-run)"},
    {
        "name": "confirm",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "Needed (with an admin token) by a write that removes a whole graph, replaces a built graph or removes more than half of the data: "
        "the IRI of the graph it removes, 'default' for the default graph, or 'all' when it removes from several graphs. "
        "Without it such a write answers 428 naming the value to send.",
    },
]
_GRAPH_CONTENT: dict[str, dict] = {media: {"schema": {"type": "string"}} for media in ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")}
_GRAPH_BODY = {"requestBody": {"required": True, "content": _GRAPH_CONTENT}}
_POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            **_GRAPH_CONTENT,
            "multipart/form-data": {"schema": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}},
        },
    }
}

GSP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Dry run (?dry-run=true or Prefer: dry-run): the SHACL report of the write, by Accept; nothing was committed", "content": {media: {} for media, _ in REPORT_OFFERS}},
    400: {"description": "Bad parameters, RDF that does not parse (with `line`), or a method override", "content": {PROBLEM_JSON: {}}},
    401: {"description": "No valid bearer token", "content": {PROBLEM_JSON: {}}},
    403: {"description": "Writing is switched off, or the graph may not be written with this token's role", "content": {PROBLEM_JSON: {}}},
    415: {"description": "The body is not one RDF graph", "content": {PROBLEM_JSON: {}}},
    422: {"description": "The write would break the shapes; nothing changed. The SHACL report, by Accept", "content": {media: {} for media, _ in REPORT_OFFERS}},
    409: {"description": "Another front-end changed the data while this write was prepared (remote store); nothing changed", "content": {PROBLEM_JSON: {}}},
    428: {"description": "A destructive write without ?confirm= naming what it removes; nothing changed", "content": {PROBLEM_JSON: {}}},
    501: {"description": "The configured store does not take writes through plankg", "content": {PROBLEM_JSON: {}}},
}


# ---------------------------------------------------------------- reading
@router.head("/graphs", include_in_schema=False, response_class=Response)
@router.get(
    "/graphs",
    summary="A graph (?graph=IRI or ?default), or the list of graphs",
    response_class=Response,
    openapi_extra={"parameters": _GRAPH_PARAMETERS},
    responses={
        200: {"description": "The graph, or (without parameters) the list of graphs as JSON", "content": {**{media: {} for media, _ in GRAPH_OFFERS[:4]}, "application/json": {}}},
        304: {"description": "Not modified (If-None-Match)"},
        404: {"description": "No such graph", "content": {PROBLEM_JSON: {}}},
        406: {"description": "No acceptable RDF format", "content": {PROBLEM_JSON: {}}},
    },
)
async def graphs_get(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    reject_method_override(request)
    kind, graph = _target(request)
    if kind == "none":
        return JSONResponse(await ctx.executor.run(_listing, ctx), headers={"Cache-Control": "no-cache"})
    picked = choose(parse_accept(request.headers.get("accept")), GRAPH_OFFERS)
    if picked is None:
        raise NotAcceptable("A graph is available as text/turtle, application/n-triples, application/ld+json or application/rdf+xml.")
    media, fmt = picked
    version = ctx.store.version
    etag = 'W/"' + hashlib.sha256(f"{version}\x1f{graph}\x1f{fmt}".encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept"}
    if not_modified(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    node = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
    quads = await ctx.executor.run(ctx.store.quads_matching, [(None, None, None, node)])
    if not quads and graph is not None:
        raise NotFound(f"There is no graph <{graph}> in the store.")
    body = await run_in_threadpool(serialize_graph, [q.triple for q in quads], fmt, ctx.ns.rdf_prefixes())
    headers["X-PlanKG-Triples"] = str(len(quads))
    return Response(body, media_type=media + ("; charset=utf-8" if media.startswith("text/") else ""), headers=headers)


def _listing(ctx: AppContext) -> dict:
    sizes = ctx.store.select(ctx.query_text("graph-sizes"))
    default = ctx.store.quads_matching([(None, None, None, ox.DefaultGraph())])
    return {
        "defaultGraph": {"triples": len(default), "href": "/graphs?default"},
        "graphs": [
            {
                "graph": row["g"].value,
                "triples": int(row["n"].value),
                "modified": row["m"].value if row["m"] is not None else None,
                "href": "/graphs?graph=" + quote(row["g"].value, safe=""),
            }
            for row in sizes
            if row["g"] is not None and row["n"] is not None
        ],
    }


# ---------------------------------------------------------------- writing: the Graph Store
@router.put("/graphs", summary="Replace a graph (steward token; validated first)", response_class=Response, status_code=204, openapi_extra={"parameters": _WRITE_PARAMETERS, **_GRAPH_BODY}, responses={201: {"description": "The graph was created"}, 204: {"description": "The graph was replaced"}, **GSP_RESPONSES})
async def graphs_put(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    who, graph, dry_run, answer, confirm = _writing(request, ctx)
    body = await _graph_body(request, ctx, graph)
    return await _perform(request, ctx, answer, dry_run, WriteRequest("put", graph, body=body, role=who.role, confirm=confirm), who.name, graph)


@router.post(
    "/graphs",
    summary="Add triples to a graph, or (without ?graph / ?default) create a new graph (steward token; validated first)",
    response_class=Response,
    status_code=204,
    openapi_extra={"parameters": _WRITE_PARAMETERS, **_POST_BODY},
    responses={201: {"description": "The graph was created; a new graph's IRI is in Location"}, 204: {"description": "The triples were added"}, **GSP_RESPONSES},
)
async def graphs_post(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    who, graph, dry_run, answer, confirm = _writing(request, ctx, allow_none=True)
    new = graph is None and _target(request)[0] == "none"
    if new:
        # Graph Store Protocol 5.5: POST to the service itself makes a graph, named by the service
        graph = ctx.ns.graph(f"{NEW_GRAPHS}/{uuid.uuid4().hex}")
    media, _ = content_type(request.headers.get("content-type"))
    if media == MULTIPART:
        body, parts = None, await _multipart_body(request, ctx)
    else:
        body, parts = await _graph_body(request, ctx, graph), ()
    write = WriteRequest("post", graph, body=body, parts=parts, role=who.role, confirm=confirm)
    return await _perform(request, ctx, answer, dry_run, write, who.name, graph, location=graph if new else None)


@router.delete("/graphs", summary="Delete a graph (steward token; validated first)", response_class=Response, status_code=204, openapi_extra={"parameters": _WRITE_PARAMETERS}, responses={204: {"description": "The graph was deleted"}, 404: {"description": "No such graph"}, **GSP_RESPONSES})
async def graphs_delete(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    who, graph, dry_run, answer, confirm = _writing(request, ctx)
    return await _perform(request, ctx, answer, dry_run, WriteRequest("delete", graph, role=who.role, confirm=confirm), who.name, None)


# ---------------------------------------------------------------- writing: SPARQL Update
@router.post(
    "/update",
    summary="SPARQL 1.1 Update (steward token; validated first)",
    response_class=Response,
    status_code=204,
    openapi_extra={
        "parameters": _WRITE_PARAMETERS[2:],
        "requestBody": {
            "required": True,
            "content": {
                UPDATE: {"schema": {"type": "string"}},
                FORM: {"schema": {"type": "object", "properties": {"update": {"type": "string"}}, "required": ["update"]}},
            },
        }
    },
    responses={204: {"description": "The update was applied"}, **GSP_RESPONSES},
)
async def update_post(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    reject_method_override(request)
    who = writer(request, ctx.settings.write_tokens, ctx.settings.write_roles)
    dry_run = _dry_run(request)
    confirm = _confirm(request)
    answer = _report_format(request)
    url_params = list(request.query_params.multi_items())
    media, charset = content_type(request.headers.get("content-type"))
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType("Updates must be sent in UTF-8.")
    body = await request.body()
    if media == UPDATE:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise QuerySyntaxError("The update is not valid UTF-8.") from None
        params = url_params
    elif media == FORM:
        try:
            form = parse_qsl(body.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise ParameterError("The form is not valid percent-encoded UTF-8.") from None
        params = url_params + form
        updates = [v for k, v in params if k == "update"]
        if len(updates) != 1:
            raise ParameterError("The form needs exactly one 'update' field." if not updates else "Give 'update' once.")
        text = updates[0]
    else:
        raise UnsupportedMediaType(
            f"POST an update as {UPDATE} or as a form ({FORM}, update=…); "
            + (f"{media} is not accepted." if media else "the request has no Content-Type.")
        )
    using = _using(params, "using-graph-uri")
    using_named = _using(params, "using-named-graph-uri")
    check_update(text, max_chars=ctx.settings.max_query_chars)
    if (using or using_named) and names_dataset(text):
        # SPARQL 1.1 Protocol 2.2.3: the request's dataset and the update's own may not both be given
        raise ParameterError(
            "using-graph-uri / using-named-graph-uri and USING / WITH in the update both name the dataset; give one of them."
        )
    write = WriteRequest(
        "update", update=text, role=who.role, confirm=confirm, base_iri=endpoint_base(ctx.settings.base_iri, request.url.path), using=using, using_named=using_named
    )
    return await _perform(request, ctx, answer, dry_run, write, who.name, None)


def _using(params: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    """The protocol's using-graph-uri / using-named-graph-uri: absolute IRIs, as valid graph names."""
    values = tuple(v for k, v in params if k == name)
    if len(values) > _MAX_USING:
        raise ParameterError(f"Give at most {_MAX_USING} {name} values; this request has {len(values)}.")
    for value in values:
        if len(value) > MAX_BASE_IRI_CHARS or not ABSOLUTE_IRI.match(value):
            raise ParameterError(f"{name} must be an absolute IRI; {value[:80]!r} is not.")
        try:
            ox.NamedNode(value)
        except ValueError as exc:
            raise ParameterError(f"{name} must be a valid IRI: {exc}") from None
    check_iris_local(list(values))
    return values


# ---------------------------------------------------------------- the steps every write shares
def _writing(request: Request, ctx: AppContext, *, allow_none: bool = False) -> tuple[Writer, str | None, bool, str, str | None]:
    """Checks before any body is read: override, token, target, flags."""
    reject_method_override(request)
    who = writer(request, ctx.settings.write_tokens, ctx.settings.write_roles)
    kind, graph = _target(request)
    if kind == "none" and not allow_none:
        raise ParameterError("Name the graph: ?graph=<IRI> or ?default.")
    return who, graph, _dry_run(request), _report_format(request), _confirm(request)


def _write_lock(request: Request) -> asyncio.Lock:
    """The app's one write lock, held from the candidate to the commit (made on the event loop, so only once)."""
    lock = getattr(request.app.state, "write_lock", None)
    if lock is None:
        lock = request.app.state.write_lock = asyncio.Lock()
    return lock


async def warm_up(app) -> None:
    """Called by the app's lifespan once the store is open, when writes are on: ``plankg.writes``
    imported in a thread, after the server answers. Imported by the first write instead, on the
    event loop, it held every request up for as long (a tenth of a second, several on a busy machine)."""
    ctx = app.state.ctx
    if ctx is not None and ctx.settings.writes_enabled:
        import importlib

        await run_in_threadpool(importlib.import_module, "plankg.writes")


def _pipeline(request: Request, ctx: AppContext) -> WritePipeline:
    """The app's one pipeline (its lock serializes writes); made in the event loop, so only once."""
    pipeline = getattr(request.app.state, "write_pipeline", None)
    if pipeline is None or pipeline.store is not ctx.store:
        # imported on first use: every server start would pay for plankg.writes, which only steward writes need
        from plankg.writes import WritePipeline

        pipeline = WritePipeline(ctx.settings, ctx.store)
        request.app.state.write_pipeline = pipeline
    return pipeline


async def _graph_body(request: Request, ctx: AppContext, graph: str | None) -> Upload:
    """The body as it is: the sandbox parses it (``plankg.untrusted``)."""
    media, charset = content_type(request.headers.get("content-type"))
    if media in DATASET_BODY_TYPES:
        raise UnsupportedMediaType(f"The body is one graph: send Turtle, N-Triples, JSON-LD or RDF/XML, not {media}.")
    if media not in GRAPH_BODY_TYPES:
        raise UnsupportedMediaType(
            "Send the graph as " + ", ".join(GRAPH_BODY_TYPES) + ("." if not media else f"; {media} is not accepted.")
        )
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType("RDF bodies must be UTF-8.")
    body = await request.body()
    return Upload(body, GRAPH_BODY_TYPES[media].media_type, "request body")


async def _multipart_body(request: Request, ctx: AppContext) -> tuple[Upload, ...]:
    """``multipart/form-data`` (Graph Store Protocol 5.5): every part is RDF added to the graph.

    Each part is kept as it is (the sandbox parses it, like any body), at most
    ``_MAX_PARTS`` of them; the body as a whole is within ``PLANKG_MAX_BODY_BYTES``.
    A part's syntax is its Content-Type, else its file name's extension.
    """
    from starlette.datastructures import UploadFile

    limit = ctx.settings.max_body_bytes
    try:
        form = await request.form(max_files=_MAX_PARTS, max_fields=_MAX_PARTS, max_part_size=limit)
    except HTTPException as exc:  # Starlette's own refusal: too many parts, a malformed body
        raise BadRequest(f"The multipart body was refused: {exc.detail}") from None
    try:
        parts: list[Upload] = []
        for name, value in form.multi_items():
            if not isinstance(value, UploadFile):
                raise BadRequest(f"Part {name[:80]!r} is a form field; every part must be an RDF file (with a filename).")
            media, charset = content_type(value.content_type)
            if media not in GRAPH_BODY_TYPES:
                media = next((m for ext, m in _EXTENSIONS.items() if (value.filename or "").lower().endswith(ext)), media)
            if media not in GRAPH_BODY_TYPES:
                raise UnsupportedMediaType(
                    f"Part {name[:80]!r}: send each part as " + ", ".join(GRAPH_BODY_TYPES) + (f", not {media}." if media else " (it has no Content-Type).")
                )
            if charset not in (None, "utf-8", "utf8"):
                raise UnsupportedMediaType("RDF parts must be UTF-8.")
            parts.append(Upload(await value.read(), GRAPH_BODY_TYPES[media].media_type, f"part {(value.filename or name)[:80]!r}"))
    finally:
        await form.close()
    if not parts:
        raise BadRequest("The multipart body has no parts.")
    return tuple(parts)


async def _perform(request: Request, ctx: AppContext, answer: str, dry_run: bool, write: WriteRequest, agent: str, graph: str | None, *, location: str | None = None) -> Response:
    """Prepare the write in the sandbox, commit it here; one write at a time, waited for a bounded time."""
    from plankg.writes import now, refusal

    pipeline = _pipeline(request, ctx)
    pipeline.require_writable_store()
    lock = _write_lock(request)
    try:
        async with asyncio.timeout(ctx.settings.write_wait_s):
            await lock.acquire()
    except TimeoutError:
        raise WriteBusy(
            f"Another write has been in progress for more than {ctx.settings.write_wait_s:g} s; nothing was changed. Try again shortly."
        ) from None
    try:
        started = now()
        # a store shared with other front-ends notes the version the candidate is worked out against
        await run_in_threadpool(ctx.store.begin_write)
        prepared: tuple[str, WriteOutcome] = await run_untrusted(request, ctx, "plankg.untrusted:prepare_write", ctx.settings, write, dry_run)
        verdict, outcome = prepared
        if verdict == "invalid":
            exc = refusal(outcome)
            return _report_response(request, ctx, exc.report, answer, 422, outcome, exc)
        if not dry_run and not outcome.change.empty:
            outcome = await run_in_threadpool(pipeline.commit, outcome, agent, started)
    finally:
        lock.release()
    headers = {"X-PlanKG-Added": str(len(outcome.change.added)), "X-PlanKG-Removed": str(len(outcome.change.removed))}
    if _prefers_dry_run(request):
        headers["Preference-Applied"] = "dry-run"
    if dry_run:
        response = _report_response(request, ctx, outcome.report, answer, 200, outcome, None)
        response.headers.update(headers)
        return response
    if outcome.activity:
        headers["X-PlanKG-Activity"] = outcome.activity
    if outcome.created and graph is not None and request.method in ("PUT", "POST"):
        # a graph the service named: Location is its IRI (the protocol's); else where to GET it
        headers["Location"] = location or "/graphs?graph=" + quote(graph, safe="")
        return Response(status_code=201, headers=headers)
    return Response(status_code=204, headers=headers)


def _report_response(request: Request, ctx: AppContext, report, answer: str, status: int, outcome, exc: PlanKGError | None) -> Response:
    """The report as /validate gives it; for 422 the JSON summary is a problem document too."""
    if answer == "summary":
        body = outcome.summary() if outcome is not None else report.summary()
        if exc is not None:
            code, slug = status_for(exc)
            counts = report.counts()
            body = {
                "type": problem_type(slug),
                "title": exc.title,
                "status": status,
                "detail": f"The write was not applied: it breaks the shapes ({counts['Violation']} violation{'' if counts['Violation'] == 1 else 's'}). "
                + "; ".join(f"<{r.focus}> {r.path or ''}: {r.message_in('en')}" for r in report.results if r.severity == "Violation")[:2000],
                "instance": request.url.path,
                **body,
            }
            return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers={"Vary": "Accept"})
        return JSONResponse(body, status_code=status, headers={"Vary": "Accept"})
    response = answer_report(request, ctx, report, answer, {})
    response.status_code = status
    return response


# ---------------------------------------------------------------- parameters
def _target(request: Request) -> tuple[str, str | None]:
    params = request.query_params
    graphs = params.getlist("graph")
    has_default = "default" in params
    if graphs and has_default:
        raise ParameterError("Give either ?graph=<IRI> or ?default, not both.")
    if len(graphs) > 1:
        raise ParameterError(f"Give 'graph' once; this request has {len(graphs)}.")
    if has_default:
        if params.get("default"):
            raise ParameterError("?default takes no value.")
        return "default", None
    if graphs:
        if not ABSOLUTE_IRI.match(graphs[0]):
            raise ParameterError(f"graph must be an absolute IRI; {graphs[0]!r} is not.")
        try:
            ox.NamedNode(graphs[0])  # the regex lets through characters IRIs may not hold (U+FFFD)
        except ValueError as exc:
            raise ParameterError(f"graph must be a valid IRI: {exc}") from None
        return "graph", graphs[0]
    return "none", None


def _dry_run(request: Request) -> bool:
    values = request.query_params.getlist("dry-run")
    if len(values) > 1:
        raise ParameterError("Give 'dry-run' once.")
    if values:
        value = values[0].strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ParameterError(f"dry-run is true or false, not {values[0]!r}.")
    return _prefers_dry_run(request)


def _confirm(request: Request) -> str | None:
    """``?confirm=``: what a destructive write may remove (plankg.write_policy compares it)."""
    values = request.query_params.getlist("confirm")
    if len(values) > 1:
        raise ParameterError("Give 'confirm' once.")
    return values[0] if values else None


def _prefers_dry_run(request: Request) -> bool:
    """RFC 7240 ``Prefer: dry-run`` (an extension preference; names are case-insensitive)."""
    for header in request.headers.getlist("prefer"):
        for preference in header.split(","):
            if preference.split(";")[0].split("=")[0].strip().lower() == "dry-run":
                return True
    return False


def _report_format(request: Request) -> str:
    """How a report would be sent; a client that accepts none gets the JSON summary all the same."""
    picked = choose(parse_accept(request.headers.get("accept")), REPORT_OFFERS)
    return picked[1] if picked else "summary"



