"""Property-based fuzzing of every operation in /openapi.json (schemathesis, against a live server).

For each operation schemathesis generates valid and invalid parameters and
bodies from the document; every response must be free of 5xx, have a status
and a media type the document declares, match the declared schema, and every
error must be a clean ``application/problem+json`` (title, detail, no trace).
The run is bounded (``MAX_EXAMPLES`` per operation, no deadline) and
derandomized, so CI sees the same cases every time. Write operations are
called with a steward's token, so the fuzzer reaches past authentication;
the store is a private copy.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hardening_support import AUTH, LEAKS, TOKEN  # noqa: E402

MAX_EXAMPLES = 25


@schemathesis.check
def problem_details(ctx, response, case) -> None:
    """Errors are RFC 9457 documents with a title and a detail, and leak nothing internal."""
    text = response.text or ""
    for marker in LEAKS:
        if marker in text:
            raise AssertionError(f"{marker!r} in the response to {case.method} {case.path}")
    if response.status_code < 400 or case.method == "HEAD":
        return
    media = (response.headers.get("content-type") or [""])[0]
    if media.startswith("text/html"):
        return  # a page (e.g. /validate for a browser) answers errors as a page
    if not media.startswith("application/problem+json"):
        raise AssertionError(f"{response.status_code} answered as {media!r}, not application/problem+json")
    body = response.json()
    if not (isinstance(body, dict) and body.get("title") and body.get("detail") and body.get("status") == response.status_code):
        raise AssertionError(f"not a complete problem document: {text[:300]}")


@pytest.fixture(scope="module")
def fuzz_url(live_server_factory):
    return live_server_factory(write_tokens={"steward": TOKEN}, query_timeout_s=5, result_row_cap=200)


@pytest.fixture(scope="module")
def api_schema(fuzz_url):
    return schemathesis.openapi.from_url(fuzz_url + "/openapi.json")


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, problem_details]
BOUNDED = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
GRAPH_WRITES = {"method": ["PUT", "POST", "DELETE"], "path": "/graphs"}

# GET /validate is checked on its own below, until its description says it is a page
schema = schemathesis.pytest.from_fixture("api_schema").exclude(method="GET", path="/validate")


@schema.parametrize()
@BOUNDED
def test_every_operation_holds_to_its_contract(case):
    case.call_and_validate(headers=AUTH, timeout=60, checks=CHECKS)


@pytest.mark.parametrize("method", GRAPH_WRITES["method"])
def test_graph_store_dry_run_answers_with_a_declared_report(fuzz_url, method):
    import httpx

    doc = httpx.get(fuzz_url + "/openapi.json", timeout=30).json()
    r = httpx.request(
        method,
        fuzz_url + "/graphs",
        params={"default": "", "dry-run": "true"},
        content=b"<urn:x:a> <urn:x:p> <urn:x:b> ." if method != "DELETE" else None,
        headers={"Content-Type": "text/turtle", "Accept": "application/json", **AUTH},
        timeout=60,
    )
    assert r.status_code == 200, r.text[:300]
    declared = doc["paths"]["/graphs"][method.lower()]["responses"]["200"]["content"]
    assert r.headers["content-type"].split(";")[0] in declared


def test_validate_page_is_declared_as_html(fuzz_url):
    import httpx

    doc = httpx.get(fuzz_url + "/openapi.json", timeout=30).json()
    declared = doc["paths"]["/validate"]["get"]["responses"]["200"]["content"]
    served = httpx.get(fuzz_url + "/validate", timeout=30).headers["content-type"].split(";")[0]
    assert served in declared, (served, list(declared))
