"""service.auth: which token wrote, compared in constant time over every configured token."""

from __future__ import annotations

import hmac

import pytest

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


# ------------------------------------------------------------------ roles (the third field of PLANKG_WRITE_TOKENS)
def test_a_token_without_a_role_is_a_steward_and_admin_is_given_as_a_third_field(monkeypatch):
    from plankg.settings import Settings

    monkeypatch.setenv("PLANKG_WRITE_TOKENS", "amina:amina-token-1, li:li-token-22:admin ,wei:wei-token-333:steward")
    settings = Settings()
    assert settings.write_tokens == {"amina": "amina-token-1", "li": "li-token-22", "wei": "wei-token-333"}
    assert (settings.role_of("amina"), settings.role_of("li"), settings.role_of("wei")) == ("steward", "admin", "steward")


@pytest.mark.parametrize(
    "value,why",
    [
        ("li:li-token-22:root", "must be steward or admin"),
        ("li:li-token-22:Admin", "must be steward or admin"),
        ("li:li-token-22:", "must be steward or admin"),
        ("li:li-token-22:admin:extra", "entries"),
        ("li:short", r"8\+ characters"),
        ("li:li-token-22,li:li-token-33", "more than once"),
    ],
    ids=["unknown", "case", "empty-role", "four-fields", "short-token", "twice"],
)
def test_anything_else_in_the_role_field_is_a_settings_error(monkeypatch, value, why):
    from pydantic import ValidationError

    from plankg.settings import Settings

    monkeypatch.setenv("PLANKG_WRITE_TOKENS", value)
    with pytest.raises(ValidationError, match=why) as refused:
        Settings()
    assert refused.value.errors()[0]["loc"] == ("write_tokens",)
    assert "li-token-22" not in str(refused.value.errors()[0]["msg"])


def test_plankg_names_the_bad_setting_in_one_line(monkeypatch, capsys):
    from plankg.cli import main

    monkeypatch.setenv("PLANKG_WRITE_TOKENS", "li:li-token-22:superuser")
    assert main(["dump"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("plankg: invalid setting PLANKG_WRITE_TOKENS:") and "superuser" in err[0]


def test_the_writer_carries_the_tokens_role():
    from starlette.requests import Request

    from service.auth import Writer, writer

    def request(token: str) -> Request:
        return Request({"type": "http", "method": "PUT", "headers": [(b"authorization", f"Bearer {token}".encode())]})

    roles = {"curator": "admin"}
    assert writer(request("curator-token-456"), TOKENS, roles) == Writer("curator", "admin")
    assert writer(request("steward-token-123"), TOKENS, roles) == Writer("steward", "steward")
    assert writer(request("steward-token-123"), TOKENS) == Writer("steward", "steward")
