"""The one table from domain errors to HTTP status, and ``application/problem+json`` (RFC 9457).

Choices that are not obvious:

- An update sent to the query endpoint (``update=`` or an update in ``query=``)
  is **400**: the SPARQL 1.1 Protocol answers a request that is not a legal
  query with 400, and nothing is executed. Updates go to ``/update`` with a token.
- A query past the time limit is **503** (as Fuseki and GraphDB answer), with
  no ``Retry-After``: the same query would time out again.
- Bad parameters, including FastAPI's request validation, are **400** (the
  protocol's "bad request"), never 422; 422 is kept for well-formed data that
  breaks the shapes (``ValidationFailed``).
- ``StoreUnavailable`` is 503 with ``Retry-After: 5``; ``Unauthorized`` 401
  with ``WWW-Authenticate: Bearer``; ``WritesDisabled`` 403.

An unexpected exception becomes a 500 whose body carries only an ``id``; the
exception, with that id, goes to the server log. No traceback or exception
text ever reaches a client.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from plankg import errors
from service.context import allowed_methods

log = logging.getLogger("plankg.service")

PROBLEM_JSON = "application/problem+json"

# exception class -> (status, type slug); looked up along the class's MRO
PROBLEMS: dict[type[errors.PlanKGError], tuple[int, str]] = {
    errors.QuerySyntaxError: (400, "query-syntax"),
    errors.UpdateNotAllowed: (400, "update-not-allowed"),
    errors.FeatureDisabled: (400, "feature-disabled"),
    errors.QueryTooComplex: (400, "query-too-complex"),
    errors.QueryTimeout: (503, "query-timeout"),
    errors.InputTooComplex: (400, "input-too-complex"),
    errors.ResourceLimitExceeded: (413, "resource-limit"),
    errors.WorkTimeout: (503, "work-timeout"),
    errors.TooManyRequests: (429, "too-many-requests"),
    errors.ConfirmationRequired: (428, "confirmation-required"),
    errors.WriteBusy: (503, "write-busy"),
    errors.WriteConflict: (409, "write-conflict"),
    errors.NotAcceptable: (406, "not-acceptable"),
    errors.UnsupportedMediaType: (415, "unsupported-media-type"),
    errors.PayloadTooLarge: (413, "payload-too-large"),
    errors.UnknownQuery: (404, "unknown-query"),
    errors.NotFound: (404, "not-found"),
    errors.UnknownEntity: (422, "unknown-entity"),
    errors.ParameterError: (400, "parameter"),
    errors.BadRequest: (400, "bad-request"),
    errors.Unauthorized: (401, "unauthorized"),
    errors.Forbidden: (403, "forbidden"),
    errors.WritesDisabled: (403, "writes-disabled"),
    errors.WritesUnsupported: (501, "writes-unsupported"),
    errors.StoreUnavailable: (503, "store-unavailable"),
    errors.ValidationFailed: (422, "validation-failed"),
    errors.BuildError: (503, "build"),
    errors.RDFSyntaxError: (400, "rdf-syntax"),
    errors.QueryFileError: (400, "query-file"),
    errors.LocatedError: (400, "input"),
    errors.PlanKGError: (400, "error"),
}

EXTRA_HEADERS: dict[type[errors.PlanKGError], dict[str, str]] = {
    errors.Unauthorized: {"WWW-Authenticate": 'Bearer realm="plankg"'},
    errors.StoreUnavailable: {"Retry-After": "5"},
    errors.WriteBusy: {"Retry-After": "2"},
}

# attributes of an exception that are safe and useful to send as extension members
_MEMBERS = ("line", "column")


def problem_type(slug: str) -> str:
    return f"urn:plankg:problem:{slug}"


def status_for(exc: errors.PlanKGError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in PROBLEMS:
            return PROBLEMS[cls]
    return PROBLEMS[errors.PlanKGError]


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **members: object,
) -> JSONResponse:
    body: dict[str, object] = {"type": problem_type(slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in members.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def from_domain_error(exc: errors.PlanKGError, instance: str | None = None) -> JSONResponse:
    status, slug = status_for(exc)
    headers: dict[str, str] = {}
    for cls in type(exc).__mro__:
        headers = {**EXTRA_HEADERS.get(cls, {}), **headers}
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(retry_after, int):
        headers["Retry-After"] = str(retry_after)
    members = {name: getattr(exc, name) for name in _MEMBERS if isinstance(getattr(exc, name, None), int)}
    return problem_response(status, slug, exc.title, exc.detail, instance=instance, headers=headers or None, **members)


def _slug(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "-")
    except ValueError:
        return "http-error"


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.PlanKGError)
    return from_domain_error(exc, request.url.path)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "HTTP error"
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    if status == 404 and detail is None:
        detail = f"Nothing is served at {request.url.path}."
    headers = dict(exc.headers or {})
    if status == 405:
        # Starlette names only the first route that matched the path; list them all
        allow = _allowed_methods(request)
        if allow:
            headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
            headers["Allow"] = allow
        if detail is None:
            detail = f"{request.method} is not supported here" + (f"; use {allow}." if allow else ".")
    return problem_response(status, _slug(status), title, detail, instance=request.url.path, headers=headers or None)


def _allowed_methods(request: Request) -> str:
    methods = allowed_methods(request)
    return ", ".join(methods)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path", "header"))
        problems.append({"parameter": where, "message": err.get("msg", "invalid")})
    detail = "; ".join(f"{p['parameter']}: {p['message']}" for p in problems) or "The request is invalid."
    return problem_response(400, "parameter", errors.ParameterError.title, detail, instance=request.url.path, errors=problems)


def unexpected(request_path: str | None, exc: BaseException) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.error("unexpected error %s on %s", incident, request_path, exc_info=exc)
    return problem_response(
        500,
        "internal",
        "Internal error",
        f"Something went wrong on our side; the incident id is {incident}.",
        instance=request_path,
        id=incident,
    )


def install(app: FastAPI, expensive: Callable[[str, str], bool]) -> None:
    """``expensive(path, method)``: whether an operation counts against a client's share
    (``service.fairness.is_expensive``; given, so that this module does not import the middleware
    that imports it)."""
    app.add_exception_handler(errors.PlanKGError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    # other exceptions: service.app.CatchAll answers with unexpected()
    _document_problems(app, expensive)


# ---------------------------------------------------------------- the problems in /openapi.json
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def _document_problems(app: FastAPI, expensive: Callable[[str, str], bool]) -> None:
    """Declare in the API description the problems every operation can answer.

    Some come from no route: a target that is not UTF-8 (400), the body limit
    (413), the store starting or stopping (503); parameter errors are 400, not
    FastAPI's 422. Every error status is declared as ``application/problem+json``
    (and as a page too where the operation serves pages).
    """
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if responses.get("422", {}).get("description") == "Validation Error":
                    del responses["422"]  # FastAPI's own; RequestValidationError is answered as 400
                generic = {"400": "Bad request", "503": "The store is unavailable or the query ran past the time limit"}
                if "{" in path:
                    generic["404"] = "Nothing is served at this path"
                if "requestBody" in operation or method in ("post", "put", "patch"):
                    generic["413"] = "Request body too large"
                    generic["415"] = "Unsupported media type"
                if expensive(path, method):
                    generic["429"] = "This client has too many expensive requests in progress (see Retry-After)"
                for status, description in generic.items():
                    responses.setdefault(status, {"description": description})
                pages = "text/html" in responses.get("200", {}).get("content", {})
                for status, response in responses.items():
                    if not status.isdigit() or int(status) < 400:
                        continue
                    content = response.setdefault("content", {})
                    if content.get("application/json") in ({}, {"schema": {}}):
                        del content["application/json"]  # FastAPI's default for a route's response class
                    problem = content.setdefault(PROBLEM_JSON, {})
                    problem.setdefault("schema", _PROBLEM_REF)
                    if pages:
                        content.setdefault("text/html", {})
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
