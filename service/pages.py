"""HTML pages for coordination staff: overview, impact areas, agencies, reader, network, query, search.

Every page is rendered server-side through ``service.rendering.render_page``
(also used by the entity, ontology and validation pages), so language choice,
escaping and the layout are the same everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool

from plankg import resources
from plankg.catalog import NamedQuery, Param
from plankg.errors import (
    NotFound,
    ParameterError,
    PayloadTooLarge,
    PlanKGError,
    QueryTimeout,
    TooManyRequests,
    UnknownEntity,
)
from plankg.namespaces import Namespaces
from plankg.store import QueryRequest, Term
from service import directory as dirs
from service.answer_cache import answer_cache, truncation_headers
from service.context import AppContext, get_ctx
from service.entity_params import Q_NAME_MAP, EntityNames, check_known, choices, enum_labels
from service.fairness import fair_share
from service.i18n import LANGS, labeller, translator
from service.message_catalogues import N_
from service.negotiation import page_or_json
from service.network import (
    AREA_COLOURS,
    Frame,
    Network,
    build_network,
    ego_network,
    render_ego_svg,
    render_svg,
)
from service.page_data import (
    AREA_IDS,
    PageData,
    agency,
    area,
    area_labels,
    collaborations,
    overview,
    page_href,
    reading,
    valid_slug,
)
from service.rendering import json_island, render_page, request_lang
from service.search_index import SearchIndex, parse_query, parse_type

PAIRS_PER_PAGE = 25
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}

EDITOR_START = "editor-start"

router = APIRouter()


# ---------------------------------------------------------------- helpers


def _value(term: Term | None) -> str:
    """A term's text; "" for a variable left unbound."""
    return "" if term is None else term.value


def _data(ctx: AppContext) -> PageData:
    return PageData(ctx.store, ctx.ns, ctx.catalog)


def _not_found(request: Request) -> HTMLResponse:
    return render_page(request, "error.html", {"status": 404, "message_key": "notfound.text"}, status_code=404)


def _bad_request(request: Request, message: str) -> HTMLResponse:
    return render_page(request, "error.html", {"status": 400, "message": message}, status_code=400)


def _area_param(request: Request) -> tuple[str | None, bool]:
    """The ?area= filter: (area or None, valid?)."""
    raw = request.query_params.get("area") or ""
    if not raw:
        return None, True
    return (raw, True) if raw in AREA_IDS else (None, False)


# ---------------------------------------------------------------- pages


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    return render_page(request, "home.html", {"plan": overview(_data(ctx))})


@router.get("/area/{area_id}", response_class=HTMLResponse, include_in_schema=False)
async def area_page(area_id: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    found = await run_in_threadpool(area, _data(ctx), area_id)
    if found is None:
        return _not_found(request)
    return render_page(request, "area.html", {"area": found, "groups": await _groups(request.app, ctx)})


@router.get("/agency/{org_id}", response_class=HTMLResponse, include_in_schema=False)
async def agency_page(org_id: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    found = await run_in_threadpool(agency, _data(ctx), org_id)
    if found is None:
        return await _unknown_entry(request, ctx, "agency", org_id)
    groups = await _groups(request.app, ctx)
    found["group"] = found["iri"] in groups
    lang = request_lang(request)
    t = translator(lang)
    me = f"org:{found['id']}"

    def ego_of() -> Network | None:  # the partner network around this agency; it reads the store
        return ego_network(_network(request, ctx, None), me) if found.get("id") else None

    ego = await run_in_threadpool(ego_of)
    name = found.get("acronym") or labeller(lang)(found["label"])
    ego_svg = Markup(render_ego_svg(ego, me, f"{t('agency.ego.title')} {name}", lang)) if ego else None
    return render_page(request, "agency.html", {"agency": found, "groups": groups, "ego_svg": ego_svg})


# ---------------------------------------------------------------- directories and search (per data version)


async def _versioned(app: Starlette, ctx: AppContext, key: tuple, compute) -> object:
    """``compute()`` (blocking: it reads the store) once per data version, in a worker thread."""

    async def run() -> object:
        return await run_in_threadpool(compute)

    return await answer_cache(app, "pages").value(ctx.store.version, key, run)


async def _groups(app: Starlette, ctx: AppContext) -> set[str]:
    sparql = ctx.catalog.internal_query(dirs.Q_GROUPS).sparql
    found = await _versioned(app, ctx, ("groups",), lambda: dirs.groups(ctx.store.select, sparql))
    assert isinstance(found, set)
    return found


async def _directory(app: Starlette, ctx: AppContext, name: str) -> list[dict]:
    group_iris = await _groups(app, ctx)
    data = _data(ctx)
    sparql = ctx.catalog.internal_query(dirs.Q_DIRECTORY).sparql
    found = await _versioned(
        app,
        ctx,
        ("directory", name),
        lambda: dirs.entries(dirs.DIRECTORIES[name], ctx.store.select, sparql, group_iris, ctx.ns.pk, data.local, data.href),
    )
    assert isinstance(found, list)
    return found


async def search_index(app: Starlette, ctx: AppContext) -> SearchIndex:
    """The search index of the data as it is now: built at start (``warm_up``) and again on the
    first search after each change of data version."""
    catalog, store, data = ctx.catalog, ctx.store, _data(ctx)
    group_iris = await _groups(app, ctx)

    def build() -> SearchIndex:
        version = store.version
        # most of the data read once: rows one at a time, and what the reads leave let go after
        with store.large_reads() as select:
            return SearchIndex.build(
                version,
                select(catalog.internal_query("search-index-entities").sparql),
                select(catalog.internal_query("search-index-mentions").sparql),
                select(catalog.internal_query("search-index-units").sparql),
                group_iris,
                data.href,
                data.local,
                ctx.ns.pk,
            )

    index = await _versioned(app, ctx, ("search-index",), build)
    assert isinstance(index, SearchIndex)
    return index


async def entity_names(app: Starlette, ctx: AppContext) -> EntityNames:
    """The names of the graph's own entities as the data is now: read whole once per data version."""
    store, sparql = ctx.store, ctx.catalog.internal_query(Q_NAME_MAP).sparql

    def build() -> EntityNames:
        with store.large_reads() as select:
            return EntityNames.build(select(sparql))

    names = await _versioned(app, ctx, ("entity-names",), build)
    assert isinstance(names, EntityNames)
    return names


async def warm_up(app: Starlette) -> None:
    """Called by the app's lifespan once the store is open: the first search, query page or
    answer need not build the index or the names."""
    ctx = app.state.ctx
    if ctx is not None:
        await search_index(app, ctx)
        await entity_names(app, ctx)


async def _unknown_entry(request: Request, ctx: AppContext, name: str, ident: str) -> Response:
    """A wrongly cased id goes to its page (308); an unknown one gets a 404 that suggests some."""
    items = await _directory(request.app, ctx, name)
    if name == "agency":  # an agency page shows any organization: mechanisms and groups too
        items = items + await _directory(request.app, ctx, "mechanism")
    ids = [e["id"] for e in items]
    found = dirs.canonical(ident, ids)
    if found is not None and found != ident:
        target = next(e["href"] for e in items if e["id"] == found)
        query = request.url.query
        return RedirectResponse(target + ("?" + query if query else ""), status_code=308)
    by_id = {e["id"]: e for e in items}
    suggestions = [by_id[i] for i in dirs.close_ids(ident, ids)]
    if len(ident) <= 100:
        index = await search_index(request.app, ctx)
        try:
            q = parse_query(ident.replace("-", " "))
        except PlanKGError:
            q = ""
        for hit in index.suggest(q) if q else []:
            if hit["href"] not in {s["href"] for s in suggestions}:
                suggestions.append({"href": hit["href"], "label": hit["label"], "notation": hit["acronym"]})
    return render_page(
        request,
        "not_found.html",
        {"ident": ident, "directory": name, "suggestions": suggestions[:8]},
        status_code=404,
    )


async def directory_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    name = request.url.path.strip("/")
    items = await _directory(request.app, ctx, name)
    if page_or_json(request.headers.get("accept"), request.query_params.get("format")) == "json":
        return JSONResponse({"directory": name, "count": len(items), "items": dirs.json_view(items)}, headers={"Vary": "Accept"})
    kind = request.query_params.get("kind") or ""
    kinds: dict[str, dict] = {}
    for e in items:
        kinds.setdefault(e["kind"], {"id": e["kind"], "label": e["kind_label"], "count": 0})["count"] += 1
    if kind and kind not in kinds:
        return _bad_request(request, translator(request_lang(request))("dir.badkind"))
    shown = [e for e in items if not kind or e["kind"] == kind]
    singles = [e for e in shown if not e["group"]]
    response = render_page(
        request,
        "directory.html",
        {
            "name": name,
            "title_key": dirs.DIRECTORIES[name].title_key,
            "sections": dirs.sections(singles),
            "groups": [e for e in shown if e["group"]],
            "kinds": sorted(kinds.values(), key=lambda k: k["label"]["en"]),
            "kind": kind,
            "count": len(shown),
        },
    )
    response.headers["Vary"] = "Accept, Cookie, Accept-Language"
    return response


async def directory_entry(ident: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    """``/mechanism/X``, ``/instrument/X``, ``/sdg/X``: to the entry's page, whatever the case of X."""
    name = request.url.path.strip("/").partition("/")[0]
    items = await _directory(request.app, ctx, name)
    found = dirs.canonical(ident, [e["id"] for e in items])
    if found is None:
        return await _unknown_entry(request, ctx, name, ident)
    return RedirectResponse(next(e["href"] for e in items if e["id"] == found), status_code=308)


for _name in dirs.DIRECTORIES:
    router.add_api_route(
        f"/{_name}",
        directory_page,
        methods=["GET"],
        summary=f"A–Z directory of {_name} entries with kind and counts",
        description=(
            "An HTML page for browsers; JSON (the entries with id, IRI, page, kind, labels, acronym, group, "
            "and how many key interventions and paragraphs name each) with Accept: application/json or ?format=json."
        ),
        tags=["Directories"],
        responses={200: {"description": "The directory", "content": {"text/html": {}, "application/json": {}}}},
    )
    if _name != "agency":
        router.add_api_route(f"/{_name}/{{ident}}", directory_entry, methods=["GET"], include_in_schema=False)


def _network(request: Request, ctx: AppContext, area_id: str | None) -> Network:
    data = _data(ctx)
    short = {a: {code: translator(code)(f"area.{a}") for code in LANGS} for a in AREA_IDS}
    return build_network(collaborations(data, area_id), area_labels(data), request_lang(request), area_id, short)


def _frame(request: Request, ctx: AppContext, area_id: str | None) -> Frame:
    """Title, filter, legend and source line drawn into the SVG (and so into every export)."""
    lang = request_lang(request)
    t = translator(lang)
    shown = t(f"area.{area_id}") if area_id else t("network.all")
    legend = [(AREA_COLOURS[a], t(f"area.{a}")) for a in AREA_IDS if a in AREA_COLOURS]
    # the configured base, never the Host header: a forged Host must not end up in a drawing
    base = ctx.ns.base.rstrip("/")
    link = f"{base}/network?" + urlencode({k: v for k, v in (("area", area_id), ("lang", lang)) if v})
    return Frame(
        title=f"{t('network.title')} · {t('site.name')}",
        filter=f"{t('network.filter.shown')}{shown} · {t('network.legend.colour')}",
        legend=legend,
        source=f"{t('network.source')} · {link}",
    )


def _page_param(request: Request) -> int | None:
    raw = request.query_params.get("page") or "1"
    # digits only and short: int() would accept " 2", "+2", "٢" and a 10,000-digit number
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
        return None
    return int(raw) or None


@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
def network_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    area_id, ok = _area_param(request)
    t = translator(request_lang(request))
    if not ok:
        return _bad_request(request, t("network.badarea"))
    page = _page_param(request)
    if page is None:
        return _bad_request(request, t("network.badpage"))
    net = _network(request, ctx, area_id)
    svg = render_svg(net, _frame(request, ctx, area_id), request_lang(request))
    by_id = {n.id: n for n in net.nodes}
    data = _data(ctx)
    group_nodes = {"org:" + data.local(iri).removeprefix("org/") for iri in dirs.groups(ctx.store.select, ctx.catalog.internal_query(dirs.Q_GROUPS).sparql)}
    pairs = [
        {
            "a": by_id[e.source],
            "b": by_id[e.target],
            "a_group": e.source in group_nodes,
            "b_group": e.target in group_nodes,
            "weight": e.weight,
            "interventions": [{"notation": n, "href": _intervention_href(n)} for n in e.interventions],
        }
        for e in sorted(net.edges, key=lambda e: (-e.weight, e.source, e.target))
        if e.kind == "co"
    ]
    pages = max(1, -(-len(pairs) // PAIRS_PER_PAGE))
    if page > pages:
        return _bad_request(request, t("network.badpage"))
    first = (page - 1) * PAIRS_PER_PAGE

    def pairs_href(n: int) -> str:
        params = {k: v for k, v in (("area", area_id), ("page", str(n) if n > 1 else None)) if v}
        return "/network" + ("?" + urlencode(params) if params else "") + "#h-pairs"

    return render_page(
        request,
        "network.html",
        {
            "svg": Markup(svg),  # built by render_svg, which escapes every text and attribute
            "net": net,
            "pairs": pairs[first : first + PAIRS_PER_PAGE],
            "pairs_total": len(pairs),
            "pairs_first": first + 1,
            "pager": {
                "page": page,
                "pages": pages,
                "prev": pairs_href(page - 1) if page > 1 else None,
                "next": pairs_href(page + 1) if page < pages else None,
                "all": [(n, pairs_href(n)) for n in range(1, pages + 1)],
            },
            "area_id": area_id or "",
            "areas": area_labels(data),
            "area_ids": AREA_IDS,
        },
    )


def _intervention_href(notation: str) -> str:
    """'56.2' -> the bullet item in the reader."""
    paragraph, _, position = notation.partition(".")
    if paragraph.isdigit() and position.isdigit():
        return f"/read#para-{paragraph}-item-{position}"
    return "/read"


@router.get("/network.svg", include_in_schema=False)
def network_svg(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    area_id, ok = _area_param(request)
    if not ok:
        raise ParameterError(f"area must be one of {', '.join(AREA_IDS)}")
    lang = request_lang(request)
    svg = render_svg(_network(request, ctx, area_id), _frame(request, ctx, area_id), lang, standalone=True)
    name = f"plankg-network-{area_id or 'all'}-{lang}.svg"
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg,
        media_type="image/svg+xml",
        headers={"Content-Disposition": f'inline; filename="{name}"', "Vary": "Cookie, Accept-Language"},
    )


@router.get("/network.json", include_in_schema=False)
def network_json(request: Request, ctx: AppContext = Depends(get_ctx)) -> JSONResponse:
    area_id, ok = _area_param(request)
    if not ok:
        raise ParameterError(f"area must be one of {', '.join(AREA_IDS)}")
    return JSONResponse(_network(request, ctx, area_id).to_json(), headers={"Vary": "Cookie, Accept-Language"})


HIGHLIGHT_MAX = 10
# where a reader may have come from: our own pages only, so the back link cannot lead off-site
_FROM = re.compile(r"/(?:agency|area|search|network|id|queries)(?:/[A-Za-z0-9._~%-]{1,120}){0,4}(?:\?[A-Za-z0-9._~%=&+-]{0,200})?")
Q_GLOSSES = "reader-glosses"


def _reader_params(request: Request, ns: Namespaces) -> tuple[set[str], str] | None:
    """?highlight=UNFPA,WHO (agency ids) and ?from=/agency/UNFPA (a page of ours); None when bad."""
    raw = request.query_params.get("highlight") or ""
    ids = [part.strip() for part in raw.split(",") if part.strip()] if raw else []
    if len(ids) > HIGHLIGHT_MAX or not all(valid_slug(i) for i in ids):
        return None
    came_from = request.query_params.get("from") or ""
    if came_from and not _FROM.fullmatch(came_from):
        return None
    return {page_href(ns, f"{ns.id}org/{i}").lower() for i in ids}, came_from


@router.get("/read", response_class=HTMLResponse, include_in_schema=False)
def reader_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    params = _reader_params(request, ctx.ns)
    t = translator(request_lang(request))
    if params is None:
        return _bad_request(request, t("read.badparams"))
    highlight, came_from = params
    data = _data(ctx)
    items: dict[str, dict] = {}
    para_area: dict[str, str] = {}
    for r in ctx.store.select(ctx.catalog.internal_query(Q_GLOSSES).sparql):
        area_id = data.local(_value(r["area"])).removeprefix("area/")
        para_area[data.local(_value(r["paragraph"]))] = area_id
        items[data.local(_value(r["item"]))] = {
            "notation": r["notation"].value if r["notation"] else "",
            "title": {"en": r["title_en"].value if r["title_en"] else "", "zh": r["title_zh"].value if r["title_zh"] else ""},
        }
    blocks = reader_blocks(reading(data))
    heading = ""
    for b in blocks:
        u = b["unit"]
        if u["kind"] in ("Section", "Summary", "Heading"):
            heading = "".join(p["text"] for p in u["pieces"])
        area_of = para_area.get(u["path"])
        b["context"] = t(f"area.{area_of}") if area_of in AREA_IDS else heading
        for child in b["children"]:
            child["gloss"] = items.get(child["path"])
    return render_page(
        request,
        "read.html",
        {
            "blocks": blocks,
            "highlight": highlight,
            "came_from": came_from,
            "front": [b["unit"] for b in blocks if b["unit"]["kind"] == "FrontMatter"],
        },
    )


def reader_blocks(units: list[dict]) -> list[dict]:
    """Group units for display: a paragraph with its items, then the footnotes they cite.

    A footnote is shown once, after the block that cites it first; one that no
    unit cites stays where the source put it.
    """
    footnotes = {u["number"]: u for u in units if u["kind"] == "Footnote"}
    placed: set[int] = set()
    blocks: list[dict] = []
    current: dict | None = None
    for unit in units:
        if unit["kind"] == "Footnote":
            continue
        if unit["kind"] in ("BulletItem", "DecisionItem") and current is not None and unit["parent"] == current["unit"]["path"]:
            current["children"].append(unit)
        else:
            current = {"unit": unit, "children": [], "footnotes": []}
            blocks.append(current)
        for number in unit["footnotes"]:
            if number in footnotes and number not in placed:
                placed.add(number)
                current["footnotes"].append({**footnotes[number], "back": unit["anchor"]})
    for number, unit in sorted(footnotes.items()):
        if number not in placed:
            blocks.append({"unit": unit, "children": [], "footnotes": []})
    return blocks


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
async def search_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    raw = request.query_params.get("q") or ""
    q = parse_query(raw)
    type_filter = parse_type(request.query_params.get("type"))
    results = (await search_index(request.app, ctx)).search(q, type_filter) if q else None
    if page_or_json(request.headers.get("accept"), request.query_params.get("format")) == "json":
        return JSONResponse({"q": raw.strip(), "type": type_filter, **(results or {"entities": [], "passages": [], "counts": {}, "total": 0})})
    return render_page(request, "search.html", {"q": raw.strip(), "type": type_filter, "results": results})


@router.get(
    "/search/suggest",
    summary="Typeahead: the entities that best match what is typed so far",
    description=(
        "Up to 8 organizations, instruments, SDG concepts and plan concepts whose names (labels in both "
        "languages, other names as printed in the Chinese text, acronyms) match q: exact acronym or name "
        "first, then names it starts, then names whose words it starts, then names that contain it. "
        "Labels are in the request's language (?lang=zh|en, the lang cookie, Accept-Language)."
    ),
    tags=["Search"],
    responses={200: {"description": "Suggestions", "content": {"application/json": {}}}},
)
async def search_suggest(
    request: Request,
    q: str = Query("", description="what is typed: at most 200 characters and 24 words", examples=["UNFPA", "人口基金"]),
    ctx: AppContext = Depends(get_ctx),
) -> JSONResponse:
    """Typeahead for the header search box: the best few entities for what is typed so far."""
    raw = q
    q = parse_query(raw)
    lang = request_lang(request)
    other = "en" if lang == "zh" else "zh"
    suggestions = []
    for hit in (await search_index(request.app, ctx)).suggest(q) if q else []:
        label = hit["label"].get(lang) or hit["label"].get(other) or hit["matched"]
        suggestions.append(
            {
                "label": label,
                "other": hit["label"].get(other, "") if hit["label"].get(other) != label else "",
                "acronym": hit["acronym"],
                "matched": hit["matched"],
                "kind": hit["kind_label"].get(lang) or hit["kind"],
                "type": hit["type"],
                "group": hit["group"],
                "href": hit["href"],
            }
        )
    return JSONResponse({"q": raw.strip(), "suggestions": suggestions}, headers={"Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"})


NAMES_MAX_IRIS = 200
NAMES_MAX_IRI_CHARS = 2000


@router.get(
    "/names",
    summary="The names of the graph's own entities, by IRI",
    description=(
        f"For each iri given (repeat the parameter: at most {NAMES_MAX_IRIS}, each at most "
        f"{NAMES_MAX_IRI_CHARS} characters) that names an entity of the graph under its /id/ namespace "
        "with a preferred label: its English and Chinese labels and its notation or acronym, those it has. "
        "Other IRIs are left out of the answer. The query editor names the IRIs of an answer with it; "
        "GET /queries/entity-labels lists the entities themselves."
    ),
    tags=["Search"],
    responses={
        200: {
            "description": "IRI → names",
            "content": {
                "application/json": {
                    "example": {"http://127.0.0.1:8000/id/org/UNFPA": {"en": "United Nations Population Fund", "zh": "联合国人口基金", "notation": "UNFPA"}}
                }
            },
        },
        400: {"description": "No iri, an iri longer than the limit, or a query string that is not UTF-8"},
        413: {"description": "More iri parameters than the limit"},
    },
)
async def entity_names_json(
    request: Request,
    iri: list[str] = Query(
        [], description=f"an entity's IRI; repeated, at most {NAMES_MAX_IRIS} times", examples=["http://127.0.0.1:8000/id/org/UNFPA"]
    ),
    ctx: AppContext = Depends(get_ctx),
) -> JSONResponse:
    """Names of IRIs, looked up in the per-version map: an IRI is only ever a key here."""
    if not iri:
        raise ParameterError("Give at least one iri parameter.")
    if len(iri) > NAMES_MAX_IRIS:
        raise PayloadTooLarge(f"At most {NAMES_MAX_IRIS} iri parameters in one request, not {len(iri)}.")
    if any(len(i) > NAMES_MAX_IRI_CHARS for i in iri):
        raise ParameterError(f"An iri is at most {NAMES_MAX_IRI_CHARS} characters long.")
    names = await entity_names(request.app, ctx)
    found = {i: n for i in dict.fromkeys(iri) if (n := names.get(i)) is not None}
    return JSONResponse(found, headers={"Cache-Control": "max-age=60"})


# ---------------------------------------------------------------- queries


async def _catalog_entries(request_app: Starlette, ctx: AppContext, lang: str, t: Callable[..., str]) -> list[dict]:
    """The named queries as the query page lists them: header texts in the page's language, the
    query body without its header, and for each parameter its picker's names or choices."""
    names = await entity_names(request_app, ctx)
    entries = []
    for q in ctx.catalog:
        params = []
        for p in q.params:
            described = {**p.describe(), "label": _known(t, "param." + p.name, p.name), "description": t(p.description)}
            if p.enum:
                described["labels"] = enum_labels(p, lang, names)
            if p.known:
                described["choices"] = await choices(ctx, p, lang)
            params.append(described)
        entries.append(
            {
                "name": q.name,
                "summary": t(q.summary),
                "description": t(q.description),
                "body": _body(q.sparql),
                "params": params,
                "form": q.form,
            }
        )
    return entries


def _body(sparql: str) -> str:
    """The query without its ``#+`` header: what a reader of the editor needs to see."""
    lines = sparql.splitlines()
    start = next((i for i, line in enumerate(lines) if not line.startswith("#+")), len(lines))
    return "\n".join(lines[start:]).strip("\n") + "\n"


@router.get("/query", response_class=HTMLResponse, include_in_schema=False)
async def query_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    lang = request_lang(request)
    t = translator(lang)
    entries = await _catalog_entries(request.app, ctx, lang, t)
    wanted = request.query_params.get("name")
    custom = "query" in request.query_params and not wanted
    first = None if custom else next((e for e in entries if e["name"] == wanted), entries[0] if entries else None)
    prefixes = ctx.ns.prefixes()
    # "your own query" starts from editor-start.rq below the prefixes of the graph
    body = _body(ctx.catalog.internal_query(EDITOR_START).sparql).splitlines()
    start = "\n".join(line for line in body if not line.upper().startswith("PREFIX ")).lstrip("\n")
    template = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + "\n" + start
    return render_page(
        request,
        "query.html",
        {
            "queries": entries,
            "selected": first["name"] if first else "",
            "initial": first["body"] if first else template,
            "catalog_json": json_island(entries),
            "strings_json": json_island(
                {
                    **script_strings(t),
                    "base": ctx.ns.id,
                    "prefixes": prefixes,
                    "template": template,
                }
            ),
        },
    )


def _known(t: Callable[..., str], key: str, default: str) -> str:
    """A catalogue entry, else the identifier itself (a column or value a catalogue does not name)."""
    text = t(key)
    return default if text == key else text


def form_texts(query: NamedQuery, t: Callable[..., str]) -> dict:
    """What a named query's form says, in the page's language: the header's texts from the
    catalogue, each parameter's label, help, expected value and option labels."""
    params = {}
    for p in query.params:
        values = p.enum or (("true", "false") if p.type == "boolean" else ())
        params[p.name] = {
            "label": _known(t, "param." + p.name, p.name),
            "help": t(p.description),
            "expected": _expected(p, t),
            "options": [(v, _known(t, "value." + v, v)) for v in values],
        }
    return {"summary": t(query.summary), "description": t(query.description), "params": params}


def _form_error(exc: PlanKGError, query: NamedQuery, t: Callable[..., str]) -> dict[str, str]:
    """The form's error in the page's language; the service's own words kept beside it, quoted."""
    param = query.param(getattr(exc, "parameter", "") or "")
    if isinstance(exc, UnknownEntity) and param is not None:
        # the catalogue words it per parameter where it can (form.unknown.agency), else generally
        key = "form.unknown." + param.name
        value = getattr(exc, "value", "")
        text = t(key, value=value) if t(key) != key else t("form.unknown", name=param.name, value=value)
        return {"text": text, "detail": exc.detail}
    if isinstance(exc, ParameterError) and param is not None:
        label = _known(t, "param." + param.name, param.name)
        return {"text": t("query.bad_param", name=label, expected=_expected(param, t)), "detail": exc.detail}
    if isinstance(exc, QueryTimeout):
        return {"text": t("query.timeout"), "detail": exc.detail}
    return {"text": t("query.failed"), "detail": exc.detail}


def _expected(p: Param, t: Callable[..., str]) -> str:
    """``Param.expected()`` in the page's language."""
    if p.enum:
        return t("expected.enum")
    if p.type == "iri":
        return t("expected.iri_prefix", example=p.example or "UNDP", prefix=p.prefix) if p.prefix else t("expected.iri")
    if p.type == "boolean":
        return t("expected.boolean")
    if p.type in NUMBER_KEYS:
        bounds = {k: _number_text(v) for k, v in (("min", p.min), ("max", p.max)) if v is not None}
        which = RANGE_KEYS[tuple(sorted(bounds))]
        return t(NUMBER_KEYS[p.type]) + (t(which, **bounds) if which else "")
    return t("expected.text", n=p.max_length)


NUMBER_KEYS = {"integer": N_("expected.integer"), "decimal": N_("expected.decimal"), "year": N_("expected.year")}
RANGE_KEYS = {("max", "min"): N_("expected.range"), ("min",): N_("expected.min"), ("max",): N_("expected.max"), (): ""}


def _number_text(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else str(value)


QUERY_SCRIPT_STRINGS = (
    "query.rows", "query.none", "query.error", "query.running", "query.truncated", "query.edited",
    "query.custom", "query.copied", "query.where", "query.where.line", "query.syntax",
    "query.triples", "form.any", "form.true", "form.false", "form.suggest",
    "yasr.Table", "yasr.Response", "yasr.Simple view", "yasr.Ellipse", "yasr.Page size:", "yasr.All",
    "yasr.Show all", "yasr.Filter query results", "yasr.results", "yasr.Download Results",
)
# placeholders the query page's script fills itself (query.js), kept as {name} for it
SCRIPT_PLACEHOLDERS = {"query.where": ("line", "column"), "query.where.line": ("line",), "yasr.results": ("n", "s")}


def script_strings(t: Callable[..., str]) -> dict[str, str]:
    return {k: t(k, **{name: "{" + name + "}" for name in SCRIPT_PLACEHOLDERS.get(k, ())}) for k in QUERY_SCRIPT_STRINGS}
FORM_CONTROLS = ("lang", "run", "download")
DOWNLOADS = {"csv": ("csv", "text/csv; charset=utf-8"), "json": ("json", "application/sparql-results+json")}


@router.get("/queries/{name}/form", response_class=HTMLResponse, include_in_schema=False)
async def query_form(name: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    if name not in ctx.catalog:
        return _not_found(request)
    query = ctx.catalog.get(name)
    lang = request_lang(request)
    t = translator(lang)
    names = await entity_names(request.app, ctx)
    raw = {k: v for k, v in request.query_params.items() if k not in FORM_CONTROLS}
    values = {p.name: raw.get(p.name, p.default or "") for p in query.params}
    context: dict = {
        "query": query,
        "values": values,
        "error": "",
        "table": None,
        "texts": form_texts(query, t),
        # typed pickers: areas and roles by name, agencies from the graph's own list
        "option_labels": {p.name: enum_labels(p, lang, names) for p in query.params if p.enum},
        "choices": {p.name: await choices(ctx, p, lang) for p in query.params if p.known},
    }
    download = request.query_params.get("download")
    if download is not None and download not in DOWNLOADS:
        raise ParameterError(f"download must be one of {', '.join(DOWNLOADS)}")
    if not ("run" in request.query_params or raw or download):
        return render_page(request, "query_form.html", context)
    try:
        bindings = query.bind(raw)
        await check_known(ctx, query, bindings)
        if download:
            fmt, media = DOWNLOADS[download]
            async with fair_share(request) as lane:
                text, bound = query.whole(bindings, ctx.settings.result_row_cap)
                answer = await ctx.executor.query(QueryRequest(text, formats={"select": fmt, "ask": fmt}, bindings=bound), fast_lane=lane.fast)
            settings = ctx.settings
            # a byte-order mark: Excel on Windows reads a CSV without one in the local code page
            body = (b"\xef\xbb\xbf" + answer.body) if download == "csv" else answer.body
            return Response(
                body,
                media_type=media,
                headers={
                    "Content-Disposition": f'attachment; filename="{name}.{download}"',
                    **truncation_headers(answer.rows, answer.truncated, settings.result_row_cap, settings.max_response_bytes),
                },
            )
        async with fair_share(request) as lane:
            text, bound = query.whole(bindings, ctx.settings.result_row_cap)
            answer = await ctx.executor.query(
                QueryRequest(text, formats={"select": "json", "ask": "json", "graph": "turtle"}, bindings=bound), fast_lane=lane.fast
            )
    except PlanKGError as exc:  # a bad value or a timeout: say so on the form, run nothing else
        if download or isinstance(exc, TooManyRequests):
            raise  # a 429 keeps its status and Retry-After
        status = 422 if isinstance(exc, UnknownEntity) else 503 if isinstance(exc, QueryTimeout) else 400
        context["error"] = _form_error(exc, query, t)
        return render_page(request, "query_form.html", context, status_code=status)
    prefixes = ctx.ns.rdf_prefixes()
    context["table"] = result_table(
        answer.kind, answer.body, answer.truncated, _data(ctx).href, lambda iri: names.name(iri, lang) or _compact(iri, prefixes)
    )
    context["columns"] = {h: _known(t, "column." + h, h) for h in context["table"].get("head", [])}
    if answer.kind != "graph":
        context["download"] = {
            fmt: f"/queries/{name}/form?" + urlencode({**raw, "download": fmt}) for fmt in DOWNLOADS
        }
    return render_page(request, "query_form.html", context)


def result_table(
    kind: str, body: bytes, truncated: bool, href: Callable[[str], str] = lambda iri: iri, name: Callable[[str], str] = lambda iri: ""
) -> dict:
    """SPARQL JSON results (or a graph's Turtle) as header + rows of display cells.

    ``name``: IRI → what to show for it (a label, a prefixed name) or ""; the IRI becomes the title.
    """
    if kind == "graph":
        return {"kind": "graph", "text": body.decode("utf-8"), "truncated": truncated}
    data = json.loads(body)
    if kind == "ask" or "boolean" in data:
        return {"kind": "ask", "value": bool(data.get("boolean")), "truncated": False}
    head = data.get("head", {}).get("vars", [])
    rows = []
    for binding in data.get("results", {}).get("bindings", []):
        cells = []
        for var in head:
            term = binding.get(var)
            if term is None:
                cells.append({"text": ""})
            elif term.get("type") == "uri":
                iri = term["value"]
                shown = name(iri)
                cells.append({"text": shown or iri, "iri": iri if shown else "", "href": _term_href(href(iri))})
            else:
                cells.append({"text": term["value"], "lang": term.get("xml:lang", "")})
        rows.append(cells)
    return {"kind": "select", "head": head, "rows": rows, "truncated": truncated}


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    """``pk:Footnote``, ``footnote:18``: the longest namespace that fits, or "" for none."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns) and len(iri) > len(ns)), key=len, default="")
    if not best:
        return ""
    prefix = next(p for p, ns in prefixes.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def _term_href(target: str) -> str:
    # only web links: a "javascript:" or "data:" IRI in the data must not become a link
    return target if target.startswith(("http://", "https://", "/")) else ""


# ---------------------------------------------------------------- static files


@router.get("/static/{path:path}", include_in_schema=False)
def static_file(path: str) -> Response:
    static = resources.static_dir().resolve()
    target = (static / path).resolve()
    if not target.is_file() or static not in target.parents:
        raise NotFound(f"There is no static file {path!r}.")
    media_type = STATIC_TYPES.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})
