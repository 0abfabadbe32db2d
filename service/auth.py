"""Who may write: bearer tokens from ``settings.write_tokens`` (name -> token).

- No tokens configured: writing is off (403 ``WritesDisabled``), whatever the request carries.
- No ``Authorization: Bearer …`` header, or a token that matches none: 401 with
  ``WWW-Authenticate: Bearer`` (from the problem table), and nothing is read or changed.
- A matching token gives a ``Writer``: its *name*, which the change log
  records, and its *role* (``steward`` or ``admin``, from the third field of
  ``PLANKG_WRITE_TOKENS``), which ``plankg.write_policy`` reads. The token
  itself is never logged, echoed or stored.

Tokens are compared in constant time: each configured token is compared (as
SHA-256 digests, so lengths do not show either) with ``hmac.compare_digest``,
all of them, every time, so the answer's timing does not tell which one
nearly matched or how many there are before it.

Method overrides (``X-HTTP-Method-Override``, ``_method``) are refused on the
write endpoints rather than ignored, so that no proxy or client library that
honours them can turn a read into a write (``reject_method_override``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request

from plankg.errors import BadRequest, Forbidden, Unauthorized, WritesDisabled
from plankg.settings import STEWARD

OVERRIDE_HEADERS = ("x-http-method-override", "x-http-method", "x-method-override")
OVERRIDE_PARAMS = ("_method", "method")


def token_name(tokens: Mapping[str, str], presented: str) -> str | None:
    """The name of the configured token equal to ``presented``, in constant time; else None."""
    given = hashlib.sha256(presented.encode("utf-8")).digest()
    found: str | None = None
    for name, token in tokens.items():
        expected = hashlib.sha256(token.encode("utf-8")).digest()
        if hmac.compare_digest(given, expected) and found is None:
            found = name
    return found


@dataclass(frozen=True)
class Writer:
    name: str
    role: str = STEWARD


def writer(request: Request, tokens: Mapping[str, str], roles: Mapping[str, str] | None = None) -> Writer:
    """Who sent this request (its token's name and role); raises 403 / 401 problems otherwise."""
    if not tokens:
        raise WritesDisabled(
            "Writing is switched off on this server: no write tokens are configured (PLANKG_WRITE_TOKENS)."
        )
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("Writing needs a token: send the header 'Authorization: Bearer <token>'.")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("Send the token as 'Authorization: Bearer <token>'; no other scheme is accepted.")
    name = token_name(tokens, credentials.strip())
    if name is None:
        raise Unauthorized("The token is not valid for writing.")
    return Writer(name, (roles or {}).get(name, STEWARD))


def reject_method_override(request: Request) -> None:
    for header in OVERRIDE_HEADERS:
        if header in request.headers:
            raise BadRequest(f"Method overrides ({header}) are not accepted; send the request with its real method.")
    for param in OVERRIDE_PARAMS:
        if param in request.query_params:
            raise BadRequest(f"Method overrides (?{param}=) are not accepted; send the request with its real method.")


class WriteEndpointsNoCORS:
    """ASGI middleware: a CORS preflight for a write to /graphs or /update is refused.

    The CORS middleware allows POST on every path, for /sparql. A preflight is
    how a browser on another site asks to send a write here; refusing it (403,
    no CORS headers) stops the browser before any request is made, whatever the
    request would carry. Reads (GET/HEAD /graphs) keep their CORS answers.
    Installed outside the CORS middleware, when CORS is configured.
    """

    PATHS = ("/graphs", "/update")

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS" and scope["path"] in self.PATHS:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
            requested = headers.get("access-control-request-method", "").strip().upper()
            if "origin" in headers and requested and requested not in ("GET", "HEAD"):
                from service.problems import problem_response

                response = problem_response(
                    403,
                    "forbidden",
                    Forbidden.title,
                    f"Cross-origin writes are not allowed: {scope['path']} takes writes only from clients that are not browsers on other sites.",
                    instance=scope["path"],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
