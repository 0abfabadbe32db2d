"""Rendering a page: the templates, the request's language, and the headers every page carries.

Used by every router that answers with HTML (pages, entity and ontology pages,
validation), so that language choice, escaping and the layout are the same
everywhere; routers import this module, never each other.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from plankg import resources
from plankg.dataset import schema_org_dataset
from service.i18n import COOKIE, DEFAULT_LANG, LANGS, labeller, pick_lang
from service.message_catalogues import translations

COOKIE_MAX_AGE = 365 * 24 * 3600
HAN = re.compile("[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        autoescape=True,  # every page shows text from the graph; never trust it as markup
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # newstyle: %(name)s placeholders filled by keyword, the result escaped like any value
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["t"] = env.globals["gettext"]  # the pages' short name for gettext
    env.globals["plural"] = _plural
    env.globals["dataset_markup"] = dataset_markup
    env.filters["script_lang"] = script_lang
    return Jinja2Templates(env=env)


def _translations(context: Context):
    lang = context.get("lang")
    return translations(lang if lang in LANGS else DEFAULT_LANG)


@pass_context
def _gettext(context: Context, message: str) -> str:
    # gettext("") is the catalogue's header; an empty description stays empty
    return _translations(context).gettext(message) if message else message


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _translations(context).ngettext(singular, plural, n)


@pass_context
def _plural(context: Context, n: int, key: str) -> str:
    """``key.one`` or ``key.other`` by the count, with ``%(n)s`` filled; the catalogues keep
    Chinese, which has no plural forms, in ``.other``."""
    text = _translations(context).gettext(f"{key}.one" if n == 1 else f"{key}.other")
    return text % {"n": n}


def script_lang(text: str) -> str:
    """The language tag of a text from the plan by its script: Chinese when it holds Han characters."""
    return "zh-Hans" if HAN.search(text) else "en"


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
    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
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
