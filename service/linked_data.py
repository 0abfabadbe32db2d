"""Linked data routes: entity IRIs, the ontology, the dataset description, dumps, context, sitemap.

Every IRI the graph mints under ``{base}id/`` is served at the same path, so
``http://127.0.0.1:8000/id/org/UNDP`` opens in a browser on a local run. The
IRIs name document-like things (paragraphs, organizations as the plan names
them), so the representation is served directly: no 303 redirect. Content
negotiation (``service.negotiation.representation``) picks HTML for a browser
and Turtle for ``*/*`` (curl, scripts); a suffix (``.ttl``, ``.jsonld``,
``.nt``, ``.rdf``, ``.html``) names one representation for links that cannot
set ``Accept``.

What a description holds is ``service.entity_description``'s; the ontology page
is ``service.ontology_doc``'s; JSON-LD is compacted with the published context
(``plankg.jsonld``). Everything computed from the data is kept per data version
in the app's ``linked-data`` cache (``service.answer_cache``), and every answer
carries an ETag and ``Last-Modified`` of that version: clients may keep it for
``PLANKG_LINKED_DATA_MAX_AGE_S`` seconds and revalidate with a 304 after that.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Awaitable, Callable, Iterable
from email.utils import formatdate, parsedate_to_datetime
from typing import Any, cast
from xml.sax.saxutils import escape

import pyoxigraph as ox
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from plankg.catalog import Catalog
from plankg.dataset import DUMPS, GZIP_MEDIA_TYPE, GZIP_SUFFIX, Dump, describe_dataset
from plankg.errors import NotFound, ParameterError
from plankg.jsonld import build_context, compact, context_document, context_version
from plankg.namespaces import EXTERNAL_PREFIXES, Namespaces
from plankg.store.rdfio import dataset_bytes, serialize_triples
from service.answer_cache import ResultCache, answer_cache
from service.context import AppContext, get_ctx
from service.entity_description import (
    Description,
    Terms,
    describe,
    entity_view,
    incoming_view,
    vocabulary_labels,
)
from service.negotiation import (
    RDF_OFFERS,
    REPRESENTATION_MEDIA_TYPES,
    SUFFIX_OF,
    SUFFIXES,
    not_modified,
    prefers_html,
    representation,
    weak_etag,
)
from service.ontology_doc import OWL, Index, OntologyDoc, ontology_triples
from service.page_data import AREA_IDS
from service.rendering import render_page, request_lang

router = APIRouter()

MEDIA_TYPES = REPRESENTATION_MEDIA_TYPES
OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML}
_RDF_TYPES = ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml")
CONTEXT_PATH = "context.jsonld"
Q_INSTANCES = "ld-class-instances"
Q_SITEMAP_ORGS = "ld-sitemap-organizations"
# pages of the site a crawler should know (the sitemap adds areas and agencies)
SITEMAP_PAGES = ("", "read", "network", "query", "ontology", "agency", "mechanism", "instrument", "sdg")
ROBOTS_DISALLOW = ("/sparql", "/update", "/graphs", "/validate", "/search", "/queries/")


def _get(path: str, **options):
    """GET in the API description, and HEAD beside it (linked-data clients probe with HEAD)."""

    def register(endpoint):
        router.add_api_route(path, endpoint, methods=["GET"], **options)
        router.add_api_route(path, endpoint, methods=["HEAD"], **{**options, "include_in_schema": False})
        return endpoint

    return register


def _served(description: str, *media_types: str) -> dict:
    """``responses`` for the API description: what a 200 can be (the problems are added app-wide)."""
    return {200: {"description": description, "content": {m: {} for m in media_types}}, 304: {"description": "Not modified (If-None-Match)"}}


# ------------------------------------------------------------------ the per-version cache


def _catalog(ctx: AppContext) -> Catalog:
    catalog = ctx.catalog
    assert isinstance(catalog, Catalog)
    return catalog


def _cache(request: Request) -> ResultCache:
    return answer_cache(request.app, "linked-data")


async def _computed(request: Request, ctx: AppContext, key: tuple, compute: Callable[[], object], size: int = 0):
    """``compute()`` (blocking: it reads the store) once per data version, in a worker thread."""

    async def run() -> object:
        return await run_in_threadpool(compute)

    return await _cache(request).value(ctx.store.version, key, run, size=size)


async def _bytes(request: Request, ctx: AppContext, key: tuple, compute: Callable[[], bytes]) -> bytes:
    body = await _computed(request, ctx, key, compute)
    assert isinstance(body, bytes)
    return body


async def _since(request: Request, ctx: AppContext) -> float:
    """When this process first served the current data version: its ``Last-Modified``."""

    async def now() -> float:
        return time.time()

    found = await _cache(request).value(ctx.store.version, ("since",), now)
    assert isinstance(found, float)
    return found


async def _context(request: Request, ctx: AppContext) -> dict:
    """The published JSON-LD context of the data as it is now (``plankg.jsonld``)."""
    store, ns = ctx.store, ctx.ns
    found = await _computed(request, ctx, ("context",), lambda: build_context((q.triple for q in store.quads()), ns))
    assert isinstance(found, dict)
    return found


# ------------------------------------------------------------------ answers


def rdf_bytes(triples: Iterable[ox.Triple], fmt: str, ns: Namespaces, context: dict, first: str | None = None) -> bytes:
    """Sorted, so the same data always gives the same bytes (and ETag)."""
    triples = list(triples)
    if fmt == "jsonld":
        # the published context's terms, inlined: a client never has to fetch /context.jsonld
        return compact(triples, context, first)
    return serialize_triples(triples, OX_FORMATS[fmt], used_prefixes(triples, ns.rdf_prefixes()))


def used_prefixes(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """Only the prefixes the triples use, so a small description starts with a short header."""
    iris = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}


def _http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)


def _fresh(request: Request, etag: str, since: float) -> bool:
    """The client's copy is current: If-None-Match matches, or (without it) If-Modified-Since is not older."""
    if "if-none-match" in request.headers:
        return not_modified(request.headers.get("if-none-match"), etag)
    stamp = request.headers.get("if-modified-since")
    if not stamp:
        return False
    try:
        return parsedate_to_datetime(stamp).timestamp() >= int(since)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False  # an unreadable date is ignored, as RFC 9110 says


class Answering:
    """The headers of one linked-data answer, and the 304 when the client has it."""

    def __init__(self, request: Request, ctx: AppContext, since: float, *, etag: str, path: str, negotiated: bool,
                 formats: Iterable[str] = (), extra: dict[str, str] | None = None) -> None:
        self.request = request
        self.headers = {
            "ETag": etag,
            "Last-Modified": _http_date(since),
            # the data changes only with a new version; a cache may keep an answer this long, then revalidates
            "Cache-Control": f"public, max-age={ctx.settings.linked_data_max_age_s}",
        }
        self.path, self.negotiated, self.formats = path, negotiated, list(formats)
        self.since = since
        self.extra = extra or {}

    def for_format(self, fmt: str) -> dict[str, str]:
        headers = dict(self.headers)
        if self.formats:
            headers["Link"] = _alternates(self.path, self.formats)
        if self.negotiated:
            headers["Vary"] = "Accept, Accept-Language, Cookie" if "html" in self.formats else "Accept"
            headers["Content-Location"] = self.path + SUFFIX_OF.get(fmt, "")
        elif fmt == "html":
            headers["Vary"] = "Accept-Language, Cookie"
        headers.update(self.extra)
        return headers

    def fresh(self) -> bool:
        return _fresh(self.request, self.headers["ETag"], self.since)


def _alternates(path: str, formats: Iterable[str]) -> str:
    links = [f'<{path}{SUFFIX_OF[f]}>; rel="alternate"; type="{MEDIA_TYPES[f].split(";")[0]}"' for f in formats]
    return ", ".join(links)


async def _respond(how: Answering, fmt: str, body: Callable[[], Awaitable[bytes]]) -> Response:
    headers = how.for_format(fmt)
    if how.fresh():
        return Response(status_code=304, headers=headers)
    return Response(await body(), media_type=MEDIA_TYPES[fmt], headers=headers)


async def _respond_html(how: Answering, render: Callable[[], Awaitable[Response]]) -> Response:
    """A page from render_page (which may set the language cookie), with our headers added."""
    headers = how.for_format("html")
    if how.fresh():
        return Response(status_code=304, headers=headers)
    page = await render()
    for name, value in headers.items():
        page.headers[name] = value
    return page


def _format_links(local: str) -> list[dict]:
    names = {"turtle": "Turtle", "jsonld": "JSON-LD", "ntriples": "N-Triples", "rdfxml": "RDF/XML"}
    return [{"href": local + SUFFIX_OF[f], "name": name, "type": MEDIA_TYPES[f]} for f, name in names.items()]


def _missing(request: Request, detail: str) -> Response:
    if prefers_html(request.headers.get("accept")):
        return render_page(request, "entity.html", {"missing": detail, "e": None}, status_code=404)
    raise NotFound(detail)


async def _vocabulary(request: Request, ctx: AppContext) -> dict[str, dict[str, str]]:
    found = await _computed(request, ctx, ("vocabulary",), lambda: vocabulary_labels(ctx.store, ctx.ns, _catalog(ctx)))
    assert isinstance(found, dict)
    return found


# ------------------------------------------------------------------ entity IRIs


def _incoming_param(request: Request) -> int | None:
    raw = request.query_params.get("incoming")
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
        raise ParameterError(f"incoming is a page number from 1; got {raw[:20]!r}.")
    return int(raw)


@_get("/id/{path:path}", summary="An entity of the graph (content-negotiated)", responses=_served("The entity: a page or RDF", "text/html", *_RDF_TYPES))
async def entity(path: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    """Its own statements, a bounded share of those pointing to it (``?incoming=N``: page N of all
    of them), the labels of everything on either side; as HTML, Turtle, JSON-LD, N-Triples or RDF/XML."""
    ns, store, catalog = ctx.ns, ctx.store, _catalog(ctx)
    page = _incoming_param(request)
    forced = None
    iri = ns.entity(path)

    async def look(target: str) -> Description | None:
        if not path:
            return None
        found = await _computed(request, ctx, ("described", target), lambda: describe(store, catalog, target))
        return found if isinstance(found, Description) else None

    described = await look(iri)
    if described is None:
        # a suffix names a representation only when the IRI without it exists
        stem, dot, ext = path.rpartition(".")
        if dot and "." + ext in SUFFIXES and stem:
            described = await look(ns.entity(stem))
            if described is not None:
                path, iri, forced = stem, ns.entity(stem), SUFFIXES["." + ext]
    if described is None:
        return _missing(request, f"Nothing in the graph has the IRI {iri}.")
    if page is not None and page > described.pages():
        raise NotFound(f"{iri} has {described.pages()} page(s) of incoming statements; there is no page {page}.")
    fmt = forced or representation(request.headers.get("accept"), request.query_params.get("format"))
    local = "/id/" + path
    since = await _since(request, ctx)
    suffix = "" if page is None else f"incoming-{page}"
    if fmt == "html":
        lang = request_lang(request)
        vocabulary = await _vocabulary(request, ctx)

        async def render() -> Response:
            terms = Terms(ns, vocabulary)
            if page is None:
                view = await run_in_threadpool(entity_view, store, ns, catalog, terms, described)
            else:
                view = _incoming_page_view(terms, described, page)
            return render_page(request, "entity.html", {"e": view, "local": local, "formats": _format_links(local)})

        how = Answering(request, ctx, since, etag=weak_etag(store.version, "html", lang, suffix), path=local,
                        negotiated=forced is None, formats=MEDIA_TYPES)
        return await _respond_html(how, render)

    async def body() -> bytes:
        context = await _context(request, ctx) if fmt == "jsonld" else {}

        def make() -> bytes:
            triples = described.triples() if page is None else described.incoming_page(page)
            return rdf_bytes(triples, fmt, ns, context, iri)

        # kept per version: compacting JSON-LD costs more than reading the rows
        return await _bytes(request, ctx, ("entity", iri, fmt, suffix), make)

    how = Answering(request, ctx, since, etag=weak_etag(store.version, fmt, suffix), path=local, negotiated=forced is None, formats=MEDIA_TYPES)
    return await _respond(how, fmt, body)


def _incoming_page_view(terms: Terms, described: Description, page: int) -> dict:
    iri = described.node.value
    own: dict[str, str] = {}
    for row in described.out_rows:
        if row["p"].value in (EXTERNAL_PREFIXES["skos"] + "prefLabel", EXTERNAL_PREFIXES["rdfs"] + "label") and isinstance(row["o"], ox.Literal):
            own.setdefault((row["o"].language or "en").split("-")[0], row["o"].value)
    return {
        "iri": iri,
        "compact": terms.compact(iri),
        "labels": {k: v for k, v in own.items() if k in ("en", "zh")},
        "alt_labels": [],
        "types": [],
        "own_text": [],
        "reader": None,
        "properties": [],
        "sources": {"items": [], "total": 0},
        "incoming": incoming_view(terms, described, page),
        "page": terms.href(iri),
    }


# ------------------------------------------------------------------ the ontology


async def _ontology(request: Request, ctx: AppContext) -> list[ox.Triple]:
    found = await _computed(request, ctx, ("ontology",), lambda: ontology_triples(ctx.store, ctx.ns))
    assert isinstance(found, list)
    return found


async def _serve_ontology(request: Request, ctx: AppContext, local: str, forced: str | None = None) -> Response:
    ns, store = ctx.ns, ctx.store
    triples = await _ontology(request, ctx)
    if not triples:
        return _missing(request, "The ontology is not loaded in the store.")
    fmt = forced or representation(request.headers.get("accept"), request.query_params.get("format"))
    since = await _since(request, ctx)
    if fmt == "html":
        lang = request_lang(request)
        vocabulary = await _vocabulary(request, ctx)

        def view() -> dict:
            q = _catalog(ctx).internal_query(Q_INSTANCES).sparql
            rows = cast(list[dict[str, Any]], store.select(q))
            instances = {r["c"].value: int(r["n"].value) for r in rows if isinstance(r["c"], ox.NamedNode)}
            return OntologyDoc(triples, ns, Terms(ns, vocabulary), instances).view()

        async def render() -> Response:
            doc = await _computed(request, ctx, ("ontology-view",), view)
            return render_page(request, "ontology.html", {"o": doc, "local": local, "formats": _format_links(local)})

        how = Answering(request, ctx, since, etag=weak_etag(store.version, "ontology-html", lang), path=local,
                        negotiated=forced is None, formats=MEDIA_TYPES)
        return await _respond_html(how, render)

    async def body() -> bytes:
        context = await _context(request, ctx) if fmt == "jsonld" else {}
        return await _bytes(request, ctx, ("ontology", fmt), lambda: rdf_bytes(triples, fmt, ns, context, ns.ontology))

    how = Answering(request, ctx, since, etag=weak_etag(store.version, "ontology", fmt), path=local, negotiated=forced is None, formats=MEDIA_TYPES)
    return await _respond(how, fmt, body)


@_get("/ontology", summary="The ontology (HTML documentation or RDF)", responses=_served("The ontology: its documentation page or RDF", "text/html", *_RDF_TYPES))
async def ontology(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return await _serve_ontology(request, ctx, "/ontology")


@_get("/ontology.{ext}", include_in_schema=False)
async def ontology_as(ext: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    if "." + ext not in SUFFIXES:
        return _missing(request, f"No representation of the ontology has the suffix .{ext}.")
    return await _serve_ontology(request, ctx, "/ontology", SUFFIXES["." + ext])


@_get("/ontology/{version}", summary="A version of the ontology (its owl:versionIRI)", responses=_served("That version of the ontology", "text/html", *_RDF_TYPES))
async def ontology_version(version: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    stem, dot, ext = version.rpartition(".")
    forced = None
    triples = await _ontology(request, ctx)
    current = Index.of(triples).one(ox.NamedNode(ctx.ns.ontology), OWL + "versionIRI")
    current_iri = current.value if isinstance(current, ox.NamedNode) else None
    wanted = ctx.ns.ontology + "/" + version
    if current_iri != wanted and dot and "." + ext in SUFFIXES:
        wanted, forced = ctx.ns.ontology + "/" + stem, SUFFIXES["." + ext]
        version = stem
    if current_iri != wanted:
        return _missing(request, f"There is no version {version!r} of the ontology; the current one is {current_iri or 'unknown'}.")
    return await _serve_ontology(request, ctx, "/ontology/" + version, forced)


# ------------------------------------------------------------------ dataset description


async def _serve_void(request: Request, ctx: AppContext, local: str) -> Response:
    store, ns = ctx.store, ctx.ns
    fmt = representation(request.headers.get("accept"), request.query_params.get("format"), RDF_OFFERS)
    since = await _since(request, ctx)

    async def body() -> bytes:
        triples = await _computed(request, ctx, ("void",), lambda: describe_dataset(store, ns, _catalog(ctx)))
        assert isinstance(triples, list)
        context = await _context(request, ctx) if fmt == "jsonld" else {}
        return await _bytes(request, ctx, ("void", fmt), lambda: rdf_bytes(triples, fmt, ns, context))

    how = Answering(request, ctx, since, etag=weak_etag(store.version, "void", fmt), path=local, negotiated=False,
                    extra={"Vary": "Accept", "Link": _void_links(local)})
    return await _respond(how, fmt, body)


def _void_links(local: str) -> str:
    return ", ".join(f'<{local}?format={name}>; rel="alternate"; type="{MEDIA_TYPES[f].split(";")[0]}"'
                     for name, f in (("ttl", "turtle"), ("jsonld", "jsonld"), ("nt", "ntriples"), ("rdf", "rdfxml")))


@_get("/void", summary="VoID and DCAT description of the dataset", responses=_served("The description, as RDF", *_RDF_TYPES))
async def void(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return await _serve_void(request, ctx, "/void")


@_get("/.well-known/void", summary="VoID description at its well-known location", responses=_served("The description, as RDF", *_RDF_TYPES))
async def well_known_void(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return await _serve_void(request, ctx, "/.well-known/void")


# ------------------------------------------------------------------ dumps


def dump_bytes(quads: list[ox.Quad], ns: Namespaces, dump: Dump) -> bytes:
    """A full dump of the store as it is now, as ``plankg build`` writes it to dist/."""
    return dataset_bytes(quads, dump.format, ns.rdf_prefixes())


@_get("/dumps/{filename}", summary="A full dump of the store (add .gz for the gzip-compressed file)",
      responses=_served("The dump", "application/n-quads", "application/trig", "text/turtle", "application/ld+json", GZIP_MEDIA_TYPE))
async def dump(filename: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    compressed = filename.endswith(GZIP_SUFFIX)
    name = filename.removesuffix(GZIP_SUFFIX)
    found = next((d for d in DUMPS if d.filename == name), None)
    if found is None:
        names = ", ".join(n for d in DUMPS for n in (d.filename, d.filename + GZIP_SUFFIX))
        raise NotFound(f"There is no dump {filename!r}; the dumps are {names}.")
    store, ns = ctx.store, ctx.ns
    since = await _since(request, ctx)
    how = Answering(request, ctx, since, etag=weak_etag(store.version, found.format, "gz" if compressed else ""), path="/dumps/" + filename,
                    negotiated=False, extra={"Content-Disposition": f'attachment; filename="{filename}"'})
    headers = how.for_format("")
    if how.fresh():
        return Response(status_code=304, headers=headers)
    def plain() -> bytes:
        return dump_bytes(list(store.quads()), ns, found)

    body = await _bytes(request, ctx, ("dump", found.filename), plain)
    if compressed:
        # mtime 0: the same data always gives the same bytes
        body = await _bytes(request, ctx, ("dump-gz", found.filename), lambda: gzip.compress(body, compresslevel=6, mtime=0))
        return Response(body, media_type=GZIP_MEDIA_TYPE, headers=headers)
    media = found.media_type + ("; charset=utf-8" if found.media_type.startswith("text/") else "")
    return Response(body, media_type=media, headers=headers)


# ------------------------------------------------------------------ the JSON-LD context


async def _serve_context(request: Request, ctx: AppContext, version: str | None) -> Response:
    context = await _context(request, ctx)
    current = context_version(context)
    if version is not None and version != current:
        raise NotFound(f"There is no context {version!r}; the current one is /context/{current}.jsonld (also at /{CONTEXT_PATH}).")
    versioned = f"{ctx.ns.base}context/{current}.jsonld"
    headers = {"ETag": f'W/"{current}"', "Link": f'<{versioned}>; rel="canonical"'}
    # a versioned context never changes; the unversioned one follows the data
    headers["Cache-Control"] = "public, max-age=31536000, immutable" if version else f"public, max-age={ctx.settings.linked_data_max_age_s}"
    if not_modified(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(context_document(context), media_type="application/ld+json", headers=headers)


@_get("/" + CONTEXT_PATH, summary="The JSON-LD @context of the data (terms for every property and class)",
      responses={200: {"description": "The context", "content": {"application/ld+json": {}}}})
async def context(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return await _serve_context(request, ctx, None)


@_get("/context/{version}.jsonld", summary="One version of the JSON-LD @context (it never changes)",
      responses={200: {"description": "The context", "content": {"application/ld+json": {}}}})
async def context_at(version: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    return await _serve_context(request, ctx, version)


# ------------------------------------------------------------------ discovery


@_get("/sitemap.xml", summary="Sitemap of the pages", responses={200: {"description": "The sitemap", "content": {"application/xml": {}}}})
async def sitemap(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    ns = ctx.ns

    def build() -> bytes:
        urls = [ns.base + page for page in SITEMAP_PAGES]
        urls += [f"{ns.base}area/{a}" for a in AREA_IDS]
        orgs = ns.entity("org/")
        rows = cast(list[dict[str, Any]], ctx.store.select(_catalog(ctx).internal_query(Q_SITEMAP_ORGS).sparql))
        for row in rows:
            slug = row["org"].value.removeprefix(orgs)
            if row["org"].value.startswith(orgs) and slug and "/" not in slug:
                urls.append(f"{ns.base}agency/{slug}")
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        lines += [f"  <url><loc>{escape(u)}</loc></url>" for u in urls]
        lines.append("</urlset>")
        return ("\n".join(lines) + "\n").encode()

    since = await _since(request, ctx)
    how = Answering(request, ctx, since, etag=weak_etag(ctx.store.version, "sitemap"), path="/sitemap.xml", negotiated=False)
    headers = how.for_format("")
    if how.fresh():
        return Response(status_code=304, headers=headers)
    return Response(await _bytes(request, ctx, ("sitemap",), build), media_type="application/xml", headers=headers)


@_get("/robots.txt", summary="Rules for crawlers, and where the sitemap is", responses={200: {"description": "robots.txt", "content": {"text/plain": {}}}})
async def robots(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]  # queries and uploads: work, not pages
    lines += [f"Sitemap: {ctx.ns.base}sitemap.xml", ""]
    return Response("\n".join(lines), media_type="text/plain; charset=utf-8", headers={"Cache-Control": "public, max-age=86400"})

