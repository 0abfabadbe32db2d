"""One check that an HTTP answer is a clean problem document (RFC 9457), shared by the API and hardening tests."""

from __future__ import annotations

import httpx

from plankg.settings import PROJECT_ROOT

PROBLEM_JSON = "application/problem+json"

# text that must never reach a client: traces, interpreter and project paths
LEAKS = ("Traceback", 'File "', "site-packages", "/usr/lib/python", "/root/", str(PROJECT_ROOT), "/tmp/pytest-")


def assert_problem(r: httpx.Response, status: int | None = None, slug: str | None = None) -> dict:
    """The response is a problem document with status, title and detail, and no trace or path; returns its body."""
    if status is not None:
        assert r.status_code == status, f"{r.status_code}: {r.text[:500]}"
    assert r.status_code >= 400, r.text[:500]
    assert r.headers.get("content-type", "").startswith(PROBLEM_JSON), (r.headers.get("content-type"), r.text[:300])
    body = r.json()
    assert body.get("status") == r.status_code
    assert isinstance(body.get("title"), str) and body["title"].strip()
    assert isinstance(body.get("detail"), str) and body["detail"].strip()
    assert isinstance(body.get("type"), str) and body["type"].startswith("urn:plankg:problem:"), body
    if slug is not None:
        assert body["type"] == f"urn:plankg:problem:{slug}", body
    assert_no_leak(r.text)
    return body


def assert_no_leak(text: str) -> None:
    for marker in LEAKS:
        assert marker not in text, f"{marker!r} leaked to the client: {text[:500]}"
