"""HTML pages for coordination staff: overview, impact areas, agencies, reader, network, query, search.

Every page is rendered server-side through ``service.rendering.render_page``
(also used by the entity, ontology and validation pages), so language choice,
escaping and the layout are the same everywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from plankg.errors import NotFound, ParameterError, PlanKGError, QueryTimeout, TooManyRequests
from service.answer_cache import truncation_headers
from service.context import AppContext, get_ctx
from service.fairness import fair_share
from service.i18n import LANGS, STRINGS, labeller, translator
from service.network import AREA_COLOURS, Frame, Network, build_network, ego_network, render_ego_svg, render_svg
from service.page_data import (
    AREA_IDS,
    PageData,
    agency,
    area,
    area_labels,
    collaborations,
    overview,
    reading,
    search,
    valid_slug,
)
from service.rendering import TEMPLATES_DIR, json_island, render_page, request_lang

STATIC_DIR = TEMPLATES_DIR.parent / "static"
SEARCH_MAX = 100
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
DEFAULT_QUERY = """PREFIX pk: <http://127.0.0.1:8000/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?area ?label WHERE { ?area a pk:ImpactArea ; skos:prefLabel ?label }"""

router = APIRouter()


# ---------------------------------------------------------------- helpers


def _data(ctx: AppContext) -> PageData:
    return PageData(ctx.store, ctx.ns)


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
def area_page(area_id: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    found = area(_data(ctx), area_id)
    if found is None:
        return _not_found(request)
    return render_page(request, "area.html", {"area": found})


@router.get("/agency/{org_id}", response_class=HTMLResponse, include_in_schema=False)
def agency_page(org_id: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    found = agency(_data(ctx), org_id)
    if found is None:
        return _not_found(request)
    lang = request_lang(request)
    t = translator(lang)
    ego = ego_network(_network(request, ctx, None), f"org:{found['id']}") if found.get("id") else None
    name = found.get("acronym") or labeller(lang)(found["label"])
    ego_svg = Markup(render_ego_svg(ego, f"org:{found['id']}", f"{t('agency.ego.title')} {name}", lang)) if ego else None
    return render_page(request, "agency.html", {"agency": found, "ego_svg": ego_svg})


def _network(request: Request, ctx: AppContext, area_id: str | None) -> Network:
    data = _data(ctx)
    short = {a: {code: STRINGS[f"area.{a}"][code] for code in LANGS} for a in AREA_IDS}
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
    pairs = [
        {
            "a": by_id[e.source],
            "b": by_id[e.target],
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

    def page_href(n: int) -> str:
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
                "prev": page_href(page - 1) if page > 1 else None,
                "next": page_href(page + 1) if page < pages else None,
                "all": [(n, page_href(n)) for n in range(1, pages + 1)],
            },
            "area_id": area_id or "",
            "areas": area_labels(_data(ctx)),
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


def _reader_params(request: Request) -> tuple[set[str], str] | None:
    """?highlight=UNFPA,WHO (agency ids) and ?from=/agency/UNFPA (a page of ours); None when bad."""
    raw = request.query_params.get("highlight") or ""
    ids = [part.strip() for part in raw.split(",") if part.strip()] if raw else []
    if len(ids) > HIGHLIGHT_MAX or not all(valid_slug(i) for i in ids):
        return None
    came_from = request.query_params.get("from") or ""
    if came_from and not _FROM.fullmatch(came_from):
        return None
    return {f"/agency/{i}".lower() for i in ids}, came_from


@router.get("/read", response_class=HTMLResponse, include_in_schema=False)
def reader_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    params = _reader_params(request)
    t = translator(request_lang(request))
    if params is None:
        return _bad_request(request, t("read.badparams"))
    highlight, came_from = params
    data = _data(ctx)
    items: dict[str, dict] = {}
    para_area: dict[str, str] = {}
    for r in ctx.store.select(ctx.catalog.internal_query(Q_GLOSSES).sparql):
        area_id = data.local(r["area"].value).removeprefix("area/")
        para_area[data.local(r["paragraph"].value)] = area_id
        items[data.local(r["item"].value)] = {
            "notation": r["notation"].value if r["notation"] else "",
            "title": {"en": r["title_en"].value if r["title_en"] else "", "zh": r["title_zh"].value if r["title_zh"] else ""},
        }
    blocks = reader_blocks(reading(data))
    heading = ""
    for b in blocks:
        u = b["unit"]
        if u["kind"] in ("Section", "Summary", "Heading"):
            heading = "".join(p["text"] for p in u["pieces"])
        area_id = para_area.get(u["path"])
        b["context"] = t(f"area.{area_id}") if area_id in AREA_IDS else heading
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
def search_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    q = (request.query_params.get("q") or "").strip()[:SEARCH_MAX]
    results = search(_data(ctx), q) if q else None
    return render_page(request, "search.html", {"q": q, "results": results})


# ---------------------------------------------------------------- queries


def _catalog_entries(ctx: AppContext) -> list[dict]:
    return [
        {
            "name": q.name,
            "summary": q.summary,
            "description": q.description,
            "sparql": q.sparql,
            "params": [p.describe() for p in q.params],
            "form": q.form,
        }
        for q in ctx.catalog
    ]


@router.get("/query", response_class=HTMLResponse, include_in_schema=False)
def query_page(request: Request, ctx: AppContext = Depends(get_ctx)) -> HTMLResponse:
    entries = _catalog_entries(ctx)
    t = translator(request_lang(request))
    wanted = request.query_params.get("name")
    first = next((e for e in entries if e["name"] == wanted), entries[0] if entries else None)
    return render_page(
        request,
        "query.html",
        {
            "queries": entries,
            "selected": first["name"] if first else "",
            "initial": first["sparql"] if first else ctx.ns.rebase(DEFAULT_QUERY),
            "catalog_json": json_island(entries),
            "strings_json": json_island({**{k: t(k) for k in QUERY_SCRIPT_STRINGS}, "base": ctx.ns.id}),
        },
    )


QUERY_SCRIPT_STRINGS = ("query.rows", "query.none", "query.error", "query.running", "query.truncated")
FORM_CONTROLS = ("lang", "run", "download")
DOWNLOADS = {"csv": ("csv", "text/csv; charset=utf-8"), "json": ("json", "application/sparql-results+json")}


@router.get("/queries/{name}/form", response_class=HTMLResponse, include_in_schema=False)
async def query_form(name: str, request: Request, ctx: AppContext = Depends(get_ctx)) -> Response:
    if name not in ctx.catalog:
        return _not_found(request)
    query = ctx.catalog.get(name)
    raw = {k: v for k, v in request.query_params.items() if k not in FORM_CONTROLS}
    values = {p.name: raw.get(p.name, p.default or "") for p in query.params}
    context: dict = {"query": query, "values": values, "error": "", "table": None}
    download = request.query_params.get("download")
    if download is not None and download not in DOWNLOADS:
        raise ParameterError(f"download must be one of {', '.join(DOWNLOADS)}")
    if not ("run" in request.query_params or raw or download):
        return render_page(request, "query_form.html", context)
    try:
        bindings = query.bind(raw)
        if download:
            fmt, media = DOWNLOADS[download]
            async with fair_share(request) as lane:
                answer = await ctx.executor.query(query.sparql, formats={"select": fmt, "ask": fmt}, bindings=bindings, fast_lane=lane.fast)
            settings = ctx.settings
            return Response(
                answer.body,
                media_type=media,
                headers={
                    "Content-Disposition": f'attachment; filename="{name}.{download}"',
                    **truncation_headers(answer.rows, answer.truncated, settings.result_row_cap, settings.max_response_bytes),
                },
            )
        async with fair_share(request) as lane:
            answer = await ctx.executor.query(
                query.sparql, formats={"select": "json", "ask": "json", "graph": "turtle"}, bindings=bindings, fast_lane=lane.fast
            )
    except PlanKGError as exc:  # a bad value or a timeout: say so on the form, run nothing else
        if download or isinstance(exc, TooManyRequests):
            raise  # a 429 keeps its status and Retry-After
        context["error"] = exc.detail
        return render_page(request, "query_form.html", context, status_code=503 if isinstance(exc, QueryTimeout) else 400)
    context["table"] = result_table(answer.kind, answer.body, answer.truncated, _data(ctx).href)
    if answer.kind != "graph":
        context["download"] = {
            fmt: f"/queries/{name}/form?" + urlencode({**raw, "download": fmt}) for fmt in DOWNLOADS
        }
    return render_page(request, "query_form.html", context)


def result_table(kind: str, body: bytes, truncated: bool, href: Callable[[str], str] = lambda iri: iri) -> dict:
    """SPARQL JSON results (or a graph's Turtle) as header + rows of display cells."""
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
                cells.append({"text": term["value"], "href": _term_href(href(term["value"]))})
            else:
                cells.append({"text": term["value"], "lang": term.get("xml:lang", "")})
        rows.append(cells)
    return {"kind": "select", "head": head, "rows": rows, "truncated": truncated}


def _term_href(target: str) -> str:
    # only web links: a "javascript:" or "data:" IRI in the data must not become a link
    return target if target.startswith(("http://", "https://", "/")) else ""


# ---------------------------------------------------------------- static files


@router.get("/static/{path:path}", include_in_schema=False)
def static_file(path: str) -> Response:
    target = (STATIC_DIR / path).resolve()
    if not target.is_file() or STATIC_DIR not in target.parents:
        raise NotFound(f"There is no static file {path!r}.")
    media_type = STATIC_TYPES.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})
