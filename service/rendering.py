"""Rendering a page: the templates, the request's language, and the headers every page carries.

Used by every router that answers with HTML (pages, entity and ontology pages,
validation), so that language choice, escaping and the layout are the same
everywhere; routers import this module, never each other.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from plankg.dataset import schema_org_dataset
from service.i18n import COOKIE, LANGS, labeller, pick_lang, plural, translator

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
COOKIE_MAX_AGE = 365 * 24 * 3600


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # every page shows text from the graph; never trust it as markup
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["dataset_markup"] = dataset_markup
    return Jinja2Templates(env=env)


def request_lang(request: Request) -> str:
    return pick_lang(
        request.query_params.get("lang"),
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
    )


def _lang_url(request: Request, code: str) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", code))
    return f"{request.url.path}?{urlencode(params)}"


def json_island(value: object) -> Markup:
    """JSON inside a ``<script type="application/…json">`` block: ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def dataset_markup(request: Request) -> Markup:
    """The schema.org ``Dataset`` of the home page, for dataset search engines."""
    ctx = request.app.state.ctx
    return json_island(schema_org_dataset(ctx.ns))


def render_page(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a template that extends base.html in the request's language."""
    lang = request_lang(request)
    t = translator(lang)
    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "t": t,
        "plural": lambda n, key: plural(t, n, key),
        "label": labeller(lang),
        "lang_url": lambda code: _lang_url(request, code),
        "q": "",
    }
    values.update(context or {})
    response = templates().TemplateResponse(request, template, values, status_code=status_code)
    response.headers["Vary"] = "Cookie, Accept-Language"  # the same URL renders in either language
    if request.query_params.get("lang") in LANGS and request.cookies.get(COOKIE) != lang:
        response.set_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, samesite="lax", httponly=True)
    return response
