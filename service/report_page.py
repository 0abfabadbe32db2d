"""The validation report as an answer: a JSON summary, JSON-LD, Turtle, or the ``/validate`` page.

Shared by the routers that validate (``service.validate``) and those that refuse a write with its
report (``service.graphs``); routers import this module, never each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from plankg.errors import LocatedError, PlanKGError
from service.context import AppContext
from service.page_data import page_href
from service.rendering import render_page, request_lang

if TYPE_CHECKING:
    from plankg.validation import Report

# the formats offered on the page's form, by the names plankg.store.rdfio knows
FORM_FORMATS = ("turtle", "jsonld", "ntriples", "nquads", "trig", "rdfxml")

def answer_report(request: Request, ctx: AppContext, report: Report, answer: str, form: dict[str, str]) -> Response:
    headers = {"Vary": "Accept", "X-PlanKG-Validation-Engine": report.engine}
    if answer == "summary":
        return JSONResponse(report.summary(), headers=headers)
    if answer == "jsonld":
        return Response(report.graph_jsonld(), media_type="application/ld+json", headers=headers)
    if answer == "turtle":
        return Response(report.graph_turtle(), media_type="text/turtle; charset=utf-8", headers=headers)
    response = report_page(request, ctx, report=report, form=form)
    response.headers.update(headers)
    return response


def report_page(
    request: Request,
    ctx: AppContext,
    *,
    report: Report | None = None,
    error: PlanKGError | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    lang = request_lang(request)
    context: dict[str, Any] = {
        "formats": FORM_FORMATS,
        "form": form or {"context": "graph"},
        "report": None,
        "error": _error_view(error) if error is not None else None,
        "base": ctx.ns.base,
    }
    if report is not None:
        context["report"] = {
            "conforms": report.conforms,
            "counts": report.counts(),
            "authority_checked": report.authority_checked,
            "gate_passes": report.passes_gate,
            "gate_severity": report.gate.severity,
            "engine": report.engine,
            "groups": [
                {
                    "focus": focus,
                    "href": page_href(ctx.ns, focus) if focus.startswith(ctx.ns.id) else None,
                    "label": rows[0].label(lang),
                    "rows": [
                        {"severity": r.severity, "path": r.path, "value": r.value, "message": r.message_in(lang)}
                        for r in rows
                    ],
                }
                for focus, rows in report.by_focus()
            ],
        }
    return render_page(request, "validate.html", context, status_code=status_code)


def _error_view(error: PlanKGError) -> dict[str, Any]:
    if isinstance(error, LocatedError):
        where = f"{error.path}:{error.line}" if error.line else error.path
        return {"where": where, "line": error.line or None, "reason": error.reason}
    return {"where": None, "line": None, "reason": error.detail}
