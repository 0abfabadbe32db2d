"""service.auth: which token wrote, compared in constant time over every configured token."""

from __future__ import annotations

import hmac

from service.auth import token_name

TOKENS = {"steward": "steward-token-123", "curator": "curator-token-456", "auditor": "auditor-token-789"}


def test_the_matching_token_gives_its_name():
    assert token_name(TOKENS, "curator-token-456") == "curator"
    assert token_name(TOKENS, "steward-token-123") == "steward"


def test_near_misses_match_nothing():
    for presented in ("", "curator-token-45", "curator-token-4567", "CURATOR-TOKEN-456", " curator-token-456", "curator"):
        assert token_name(TOKENS, presented) is None


def test_every_token_is_compared_whichever_matches(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def counting(a, b):
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    for presented in ("steward-token-123", "auditor-token-789", "nobody"):
        calls.clear()
        token_name(TOKENS, presented)
        # one comparison per configured token, of equal-length digests: timing tells neither which nor how long
        assert calls == [(32, 32)] * len(TOKENS)
