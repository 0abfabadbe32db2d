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
from service.rendering import render_page, request_lang

if TYPE_CHECKING:
    from plankg.validation import Report

# the formats offered on the page's form, by the names plankg.store.rdfio knows
FORM_FORMATS = ("turtle", "jsonld", "ntriples", "nquads", "trig", "rdfxml")

STRINGS: dict[str, dict[str, str]] = {
    "title": {"en": "Validate data", "zh": "数据验证"},
    "intro": {
        "en": "Check RDF data against the graph's SHACL shapes before it is loaded. Upload a file or paste "
        "the data; nothing is stored. Problems are listed per resource, with what is wrong and why.",
        "zh": "在数据载入图谱之前，按图谱的 SHACL 形状检查 RDF 数据。请上传文件或粘贴数据；不会保存任何内容。"
        "问题按资源列出，并说明错在何处及原因。",
    },
    "data.file": {"en": "Data file", "zh": "数据文件"},
    "data.text": {"en": "…or paste the data", "zh": "……或粘贴数据"},
    "data.format": {"en": "Format", "zh": "格式"},
    "data.format.auto": {"en": "automatic", "zh": "自动"},
    "data.format.hint": {
        "en": "Automatic: a file's format comes from its extension (.ttl, .jsonld, .nt, .nq, .trig, .rdf); pasted data is read as Turtle.",
        "zh": "自动：文件的格式按扩展名确定（.ttl、.jsonld、.nt、.nq、.trig、.rdf）；粘贴的数据按 Turtle 读取。",
    },
    "shapes.file": {"en": "Your own shapes (optional)", "zh": "自定义形状（可选）"},
    "shapes.hint": {
        "en": "Without a shapes file the graph's own shapes are used.",
        "zh": "如不提供形状文件，则使用图谱自身的形状。",
    },
    "context": {
        "en": "Check references against the stored graph (report only problems about this data)",
        "zh": "对照已存储的图谱核对引用（只报告本数据的问题）",
    },
    "submit": {"en": "Validate", "zh": "验证"},
    "report": {"en": "Report", "zh": "验证报告"},
    "conforms": {"en": "The data conforms to the shapes.", "zh": "数据符合形状要求。"},
    "fails": {"en": "The data does not conform to the shapes.", "zh": "数据不符合形状要求。"},
    "counts": {"en": "Violations: {Violation} · Warnings: {Warning} · Infos: {Info}", "zh": "违规：{Violation} · 警告：{Warning} · 提示：{Info}"},
    "gate.passes": {
        "en": "A write of this data would pass the write gate (it refuses data with a {severity} or worse).",
        "zh": "写入此数据可以通过写入关口（关口拒绝含{severity}及更严重问题的数据）。",
    },
    "gate.fails": {
        "en": "A write of this data would be refused (the write gate refuses data with a {severity} or worse).",
        "zh": "写入此数据将被拒绝（写入关口拒绝含{severity}及更严重问题的数据）。",
    },
    "engine": {"en": "Validated by {engine}.", "zh": "验证引擎：{engine}。"},
    "authority": {
        "en": "SDG IRIs were checked against the UN SDG vocabulary.",
        "zh": "已按联合国可持续发展目标词表核对可持续发展目标 IRI。",
    },
    "no.authority": {
        "en": "SDG IRIs were not checked against the UN SDG vocabulary (no SDG KOS dump configured).",
        "zh": "未按联合国可持续发展目标词表核对可持续发展目标 IRI（未配置 SDG KOS 文件）。",
    },
    "col.severity": {"en": "Severity", "zh": "级别"},
    "col.path": {"en": "Property", "zh": "属性"},
    "col.value": {"en": "Value", "zh": "值"},
    "col.message": {"en": "Problem", "zh": "问题"},
    "no.results": {"en": "No problems found.", "zh": "未发现问题。"},
    "error": {"en": "The data could not be validated", "zh": "无法验证数据"},
    "line": {"en": "line", "zh": "行"},
    "Violation": {"en": "Violation", "zh": "违规"},
    "Warning": {"en": "Warning", "zh": "警告"},
    "Info": {"en": "Info", "zh": "提示"},
}


def strings(lang: str):
    def vt(key: str, **values: Any) -> str:
        text = STRINGS.get(key, {}).get(lang) or STRINGS.get(key, {}).get("en") or key
        return text.format(**values) if values else text

    return vt


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
        "vt": strings(lang),
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
                    "href": _local_href(focus, ctx.ns.base),
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


def _local_href(iri: str, base: str) -> str | None:
    """A link for focus nodes this service serves (entities under the base IRI)."""
    if iri.startswith(base + "id/"):
        return "/" + iri[len(base) :]
    return None
