"""``/validate``: data stewards check RDF against the SHACL shapes before it goes into the graph.

- ``POST /validate`` takes the data as the request body (Turtle, JSON-LD,
  N-Triples, N-Quads, TriG or RDF/XML, by ``Content-Type``) or as a form
  (``multipart/form-data`` with a ``data`` file and an optional ``shapes``
  file, or a ``text`` field with pasted data and its ``format``). The report
  comes back as a JSON summary (``application/json``, also for ``*/*``),
  the W3C report graph (``application/ld+json``, ``text/turtle``) or a page
  (``text/html``). A report is a 200 whether or not the data conforms.
  With ``context=graph`` (query parameter or form field) the data is checked
  together with the stored graph, so a file that adds, say, a collaboration
  with an organization defined in the registry is not told that the
  organization is unknown; only problems about the posted data are reported.
  With uploaded shapes the data is validated exactly as posted: the
  ontology's class hierarchy (its rdfs:subClassOf triples) is added only with
  ``context=ontology`` (the project's shapes always get it; both values may be
  given, comma-separated). The report's ``added`` lists what was added, its
  ``engine`` (also the ``X-PlanKG-Validation-Engine`` header) the SHACL engine
  that answered; ``conforms`` is SHACL's (false on any result) and
  ``writeGate`` says whether a write of the data would pass.
- ``GET /validate`` is the page with the form.

Validating never writes to the store (it reads it only for ``context=graph``);
the posted data lives in the request only. The data and any uploaded shapes are
parsed and validated in the store's sandbox (``plankg.untrusted``, a worker
process with memory, stack and time limits and no network), never in the
server process; a client that hangs up stops its validation. JSON-LD contexts
are never fetched, and uploaded shapes may not reach out either (no SERVICE,
FROM, owl:imports, SHACL-AF); see plankg.validation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from plankg.errors import (
    BadRequest,
    NotAcceptable,
    ParameterError,
    PlanKGError,
    UnsupportedMediaType,
)
from plankg.store.rdfio import EXTENSIONS, FORMAT_NAMES
from service.context import AppContext, get_ctx
from service.negotiation import choose, content_type, parse_accept
from service.problems import status_for
from service.report_page import FORM_FORMATS, answer_report, report_page
from service.sandbox import run_untrusted

if TYPE_CHECKING:
    from plankg.validation import Report

router = APIRouter()

# what the report can be sent as, in the server's order of preference (the first wins for */*)
REPORT_OFFERS: tuple[tuple[str, str], ...] = (
    ("application/json", "summary"),
    ("application/ld+json", "jsonld"),
    ("text/turtle", "turtle"),
    ("text/html", "html"),
)
# data formats a request body may carry (Content-Type); JSON is taken as JSON-LD
DATA_MEDIA_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

@router.get(
    "/validate",
    summary="A page to validate RDF data against the shapes",
    response_model=None,
    response_class=HTMLResponse,
)
async def validate_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return report_page(request, ctx)


@router.post(
    "/validate",
    summary="Validate RDF data against the SHACL shapes (never stored)",
    response_model=None,
    responses={
        200: {
            "description": "The validation report (whether or not the data conforms)",
            "content": {media: {} for media, _ in REPORT_OFFERS},
        },
        400: {"description": "The data or shapes could not be parsed (problem with `line`)"},
        406: {"description": "None of the report formats is acceptable"},
        413: {"description": "The request body is larger than the limit"},
        415: {"description": "The Content-Type is not an RDF syntax or a form"},
    },
)
async def validate_post(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    answer = _negotiate(request.headers.get("accept"))
    media_type = content_type(request.headers.get("content-type"))[0] or ""
    form_values: dict[str, str] = {}
    try:
        if media_type in FORM_TYPES:
            data, data_format, data_name, shapes_bytes, shapes_name, form_values = await _read_form(request, ctx.settings.max_body_bytes)
        elif media_type in DATA_MEDIA_TYPES:
            data, data_format, data_name = await request.body(), DATA_MEDIA_TYPES[media_type], "request body"
            shapes_bytes, shapes_name = None, None
        else:
            raise UnsupportedMediaType(
                f"Send the data as one of {', '.join(DATA_MEDIA_TYPES)}, or as a form ({', '.join(FORM_TYPES)})."
                if media_type
                else "The request has no Content-Type; send RDF (e.g. text/turtle) or a form."
            )
        with_graph, with_ontology = _context(request.query_params.get("context") or form_values.get("context"))
        report = await _validate(request, ctx, data, data_format, data_name, shapes_bytes, shapes_name, with_graph, with_ontology)
    except PlanKGError as exc:
        if answer != "html":
            raise  # a problem document, from the one table in service.problems
        # a steward at the form reads the error on the page, with what they submitted
        return report_page(request, ctx, error=exc, form=form_values, status_code=status_for(exc)[0])
    return answer_report(request, ctx, report, answer, form_values)


def _negotiate(accept: str | None) -> str:
    picked = choose(parse_accept(accept), REPORT_OFFERS)
    if picked is None:
        raise NotAcceptable("The report is available as " + ", ".join(media for media, _ in REPORT_OFFERS) + ".")
    return picked[1]


async def _read_form(request: Request, limit: int):
    # Starlette caps a text field at 1 MB by default; pasted data may be as large as any body.
    form = await request.form(max_files=4, max_fields=16, max_part_size=limit)
    try:
        upload = form.get("data")
        text = form.get("text")
        fmt_name = str(form.get("format") or "").strip()
        context = form.get("context")
        values = {"text": text if isinstance(text, str) else "", "format": fmt_name, "context": context if isinstance(context, str) else ""}
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read()
            data_format = _format_of(fmt_name, upload)
            name = upload.filename
        elif isinstance(text, str) and text.strip():
            data = text.encode("utf-8")
            data_format = _named_format(fmt_name or "turtle")
            name = "pasted data"
        else:
            raise BadRequest("No data: upload a file in the 'data' field or paste it into 'text'.")
        shapes_upload = form.get("shapes")
        if isinstance(shapes_upload, UploadFile) and shapes_upload.filename:
            shapes_bytes = await shapes_upload.read()
            shapes_name = shapes_upload.filename
        else:
            shapes_bytes, shapes_name = None, None
    finally:
        await form.close()
    return data, data_format, name, shapes_bytes, shapes_name, values


def _format_of(fmt_name: str, upload: UploadFile) -> ox.RdfFormat:
    """A file's syntax: the form's format field, else its extension, else its part's Content-Type."""
    if fmt_name:
        return _named_format(fmt_name)
    name = (upload.filename or "").lower()
    for ext, found in EXTENSIONS.items():
        if name.endswith(ext):
            return found
    part_type = (upload.content_type or "").split(";")[0].strip().lower()
    if part_type in DATA_MEDIA_TYPES:
        return DATA_MEDIA_TYPES[part_type]
    raise UnsupportedMediaType(f"Cannot tell the RDF syntax of {upload.filename!r}: give a format or a known extension.")


def _named_format(name: str) -> ox.RdfFormat:
    try:
        return FORMAT_NAMES[name.lower()]
    except KeyError:
        raise UnsupportedMediaType(f"Unknown RDF format {name!r}; use one of {', '.join(FORM_FORMATS)}.") from None


CONTEXTS = ("graph", "ontology")


def _context(value: str | None) -> tuple[bool, bool]:
    """(with the stored graph, with the ontology's class hierarchy) from ``context=graph,ontology``."""
    names = [part.strip() for part in (value or "").split(",") if part.strip()]
    unknown = [name for name in names if name not in CONTEXTS]
    if unknown:
        raise ParameterError(
            f"context takes 'graph' (check the data with the stored graph) and/or 'ontology' (add the "
            f"ontology's class hierarchy), comma-separated, not {unknown[0]!r}."
        )
    return "graph" in names, "ontology" in names


async def _validate(
    request: Request,
    ctx: AppContext,
    data: bytes,
    data_format: ox.RdfFormat,
    data_name: str,
    shapes_bytes,
    shapes_name,
    with_graph: bool,
    with_ontology: bool,
) -> Report:
    """Parse and validate in the sandbox: the data, the shapes and their SPARQL are the client's."""
    from plankg.untrusted import Upload

    upload = Upload(data, data_format.media_type, data_name)
    shapes = Upload(shapes_bytes, _shapes_format(shapes_name).media_type, shapes_name or "shapes") if shapes_bytes is not None else None
    # a sandbox without the data (remote store) is handed the stored graph; read only, nothing is written back
    context = await run_in_threadpool(ctx.store.quads) if with_graph and not ctx.store.sandbox_has_data else None
    return await run_untrusted(request, ctx, "plankg.untrusted:validate_upload", ctx.settings, upload, shapes, with_graph, context, with_ontology)


def _shapes_format(name: str | None) -> ox.RdfFormat:
    lowered = (name or "").lower()
    for ext, found in EXTENSIONS.items():
        if lowered.endswith(ext):
            return found
    return ox.RdfFormat.TURTLE
