"""``POST /annotate`` and the ``/annotate`` page: any text in, the plan's entities it mentions out.

The body is hostile: the Admission middleware caps its bytes, ``PLANKG_ANNOTATE_MAX_CHARS`` its
characters; it is decoded as UTF-8 text (or a JSON object / an HTML form holding the text) and
handed to ``plankg.annotate``, whose matcher is bounded by the text's length. Nothing in it is
parsed as RDF. The work is a single pass over at most a few tens of thousands of characters, so it
runs on the thread pool rather than in a sandbox job.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from plankg.annotate import Annotation, Annotator, as_json, as_jsonld
from plankg.errors import BadRequest, NotAcceptable, PayloadTooLarge, UnsupportedMediaType
from plankg.namespaces import Namespaces
from service.context import AppContext, get_ctx
from service.negotiation import choose, parse_accept
from service.page_data import page_href
from service.rendering import render_page

router = APIRouter()

JSON = "application/json"
JSONLD = "application/ld+json"
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
# Web Annotation's media type for JSON-LD with its context
ANNO_PROFILE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'


async def annotator(request: Request, ctx: AppContext) -> Annotator:
    """One annotator per app, built from the registry on first use."""
    found: Annotator | None = getattr(request.app.state, "annotator", None)
    if found is None:
        built = await run_in_threadpool(Annotator.from_settings, ctx.settings)
        request.app.state.annotator = built
        return built
    return found


def _text_of(body: bytes, media_type: str, limit: int) -> str:
    # four bytes per character at most in UTF-8: a longer body cannot hold an allowed text
    if len(body) > 4 * limit + 1024:
        raise PayloadTooLarge(f"Text to annotate is limited to {limit} characters.")
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"The body is not UTF-8 (byte {exc.start}).") from None
    if media_type in ("text/plain", ""):
        return raw
    if media_type == JSON:
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            raise BadRequest('The body is not JSON; send {"text": "…"} or text/plain.') from None
        if not isinstance(value, dict) or not isinstance(value.get("text"), str):
            raise BadRequest('Send a JSON object with a string member "text".')
        return value["text"]
    if media_type == FORM:
        fields = parse_qs(raw, max_num_fields=4)
        texts = fields.get("text", [])
        if len(texts) != 1:
            raise BadRequest("Send one form field named text.")
        return texts[0]
    raise UnsupportedMediaType(f"Send text/plain, {JSON} or {FORM}; got {media_type}.")


def pieces(text: str, annotations: list[Annotation], ns: Namespaces) -> list[dict[str, Any]]:
    """The text cut into plain runs and linked mentions, as the reader shows the plan."""
    out: list[dict[str, Any]] = []
    pos = 0
    for a in annotations:
        if a.start < pos:
            continue  # a plan concept's label overlapping a name already shown
        if a.start > pos:
            out.append({"text": text[pos : a.start]})
        kind = {"organization": "org"}.get(a.kind, a.kind)
        out.append({"text": a.surface, "href": page_href(ns, a.iri), "kind": kind, "labels": {"en": a.label_en, "zh": a.label_zh}})
        pos = a.end
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


@router.get("/annotate", response_class=HTMLResponse, include_in_schema=False)
async def annotate_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    return render_page(request, "annotate.html", {"text": "", "result": None, "max_chars": ctx.settings.annotate_max_chars})


@router.post(
    "/annotate",
    summary="Annotate a text with the plan's entities",
    description=(
        "Send Chinese or English text (text/plain, a JSON object {\"text\": …}, or an HTML form field text). "
        "The answer lists every plan concept, organization, instrument, theme and SDG concept the text mentions, "
        "with character offsets, surface forms, types and IRIs: JSON, or JSON-LD in the W3C Web Annotation "
        "vocabulary (Accept: application/ld+json)."
    ),
)
async def annotate(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    ranges = parse_accept(request.headers.get("accept"))
    offers = [(JSON, "json"), (JSONLD, "jsonld"), (HTML, "html")] if media_type == FORM else [(JSON, "json"), (JSONLD, "jsonld")]
    picked = choose(ranges, offers) if ranges else ((HTML, "html") if media_type == FORM else (JSON, "json"))
    if picked is None:
        raise NotAcceptable(f"Annotations come as {JSON} or {JSONLD}.")
    limit = ctx.settings.annotate_max_chars
    text = _text_of(await request.body(), media_type, limit)
    engine = await annotator(request, ctx)
    found = await run_in_threadpool(engine.annotate, text)
    if picked[1] == "html":
        return render_page(
            request, "annotate.html", {"text": text, "result": {"pieces": pieces(text, found, ctx.ns), "count": len(found)}, "max_chars": limit}
        )
    if picked[1] == "jsonld":
        return JSONResponse(as_jsonld(text, found), media_type=ANNO_PROFILE)
    return JSONResponse(as_json(text, found))
