"""service.fairness: who the client is, its share of expensive work, and the fast lane."""

from __future__ import annotations

import pytest

from plankg.errors import QueryTimeout, TooManyRequests
from plankg.settings import Settings
from service.fairness import Fairness

from own_loop import run_in_own_loop


def fairness(**overrides) -> Fairness:
    return Fairness(Settings(**overrides))


def scope(peer: str, forwarded: str | None = None) -> dict:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return {"type": "http", "client": (peer, 50000), "headers": headers}


def run(coro):
    return run_in_own_loop(coro)


# ---------------------------------------------------------------- who the client is
def test_ipv4_peers_are_clients_of_their_own():
    f = fairness()
    assert f.client(scope("192.0.2.1")) == "192.0.2.1"
    assert f.client(scope("192.0.2.1")) != f.client(scope("192.0.2.2"))


def test_ipv6_peers_in_one_slash_64_are_one_client():
    f = fairness()
    assert f.client(scope("2001:db8:1:2::1")) == f.client(scope("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert f.client(scope("2001:db8:1:3::1")) != f.client(scope("2001:db8:1:2::1"))


def test_an_ipv4_mapped_ipv6_peer_is_its_ipv4_address():
    assert fairness().client(scope("::ffff:192.0.2.7")) == "192.0.2.7"


def test_x_forwarded_for_is_ignored_without_trusted_proxies():
    assert fairness().client(scope("192.0.2.1", "198.51.100.9")) == "192.0.2.1"


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client():
    f = fairness(trusted_proxies=["10.0.0.0/8"])
    assert f.client(scope("10.0.0.5", "198.51.100.9")) == "198.51.100.9"
    # a peer that is not a trusted proxy cannot name a client
    assert f.client(scope("192.0.2.1", "198.51.100.9")) == "192.0.2.1"


def test_the_client_is_right_of_the_first_untrusted_hop_not_what_the_client_wrote():
    f = fairness(trusted_proxies=["10.0.0.0/8"])
    # "1.1.1.1" was written by the client itself; 198.51.100.9 is who connected to our proxy
    assert f.client(scope("10.0.0.5", "1.1.1.1, 198.51.100.9, 10.0.0.7")) == "198.51.100.9"


def test_garbage_in_x_forwarded_for_stops_at_the_last_vouched_address():
    f = fairness(trusted_proxies=["10.0.0.0/8"])
    assert f.client(scope("10.0.0.5", "198.51.100.9, not-an-ip")) == "10.0.0.5"


def test_trusted_proxies_must_be_addresses_or_networks():
    with pytest.raises(ValueError):
        Settings(trusted_proxies="10.0.0.0/8,proxy.example")


# ---------------------------------------------------------------- shares
def test_a_client_over_its_share_gets_too_many_requests_with_retry_after():
    f = fairness(client_max_concurrent=2)

    async def scenario():
        async with f.slot(scope("192.0.2.1")), f.slot(scope("192.0.2.1")):
            with pytest.raises(TooManyRequests) as refused:
                async with f.slot(scope("192.0.2.1")):
                    pass
            assert refused.value.retry_after >= 1
            # another client is not affected
            async with f.slot(scope("192.0.2.2")):
                pass
        # shares come back when the work ends
        assert f.in_flight("192.0.2.1") == 0
        async with f.slot(scope("192.0.2.1")):
            pass

    run(scenario())


def test_a_share_comes_back_when_the_work_fails():
    f = fairness(client_max_concurrent=1)

    async def scenario():
        with pytest.raises(RuntimeError):
            async with f.slot(scope("192.0.2.1")):
                raise RuntimeError("boom")
        assert f.in_flight("192.0.2.1") == 0

    run(scenario())


# ---------------------------------------------------------------- fast lane
def test_the_fast_lane_is_for_a_client_with_nothing_else_in_flight():
    f = fairness()

    async def scenario():
        async with f.slot(scope("192.0.2.1")) as first:
            assert first.fast
            async with f.slot(scope("192.0.2.1")) as second:
                assert not second.fast
            async with f.slot(scope("192.0.2.2")) as other:
                assert other.fast

    run(scenario())


def test_a_query_past_the_time_limit_takes_its_client_out_of_the_fast_lane_for_a_while(monkeypatch):
    import service.fairness as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    f = fairness(fast_lane_penalty_s=30)

    async def scenario():
        with pytest.raises(QueryTimeout):
            async with f.slot(scope("192.0.2.1")):
                raise QueryTimeout("stopped")
        async with f.slot(scope("192.0.2.1")) as lane:
            assert not lane.fast
        async with f.slot(scope("192.0.2.2")) as other:
            assert other.fast
        now[0] += 31
        async with f.slot(scope("192.0.2.1")) as lane:
            assert lane.fast

    run(scenario())


def test_the_penalty_memory_is_bounded(monkeypatch):
    import service.fairness as module

    monkeypatch.setattr(module, "_PENALTY_MEMORY", 8)
    f = fairness()
    for i in range(50):
        f.ran_past_time_limit(f"192.0.2.{i}")
    assert len(f._penalty_until) <= 8
    assert f.penalized("192.0.2.49")  # the latest is remembered


def test_a_client_holds_at_most_its_places_in_the_sandbox():
    from plankg.errors import TooManyRequests
    from plankg.settings import Settings
    from service.fairness import Fairness

    fairness = Fairness(Settings(client_max_jobs=1))
    one = {"type": "http", "client": ("192.0.2.1", 1234), "headers": []}
    other = {"type": "http", "client": ("192.0.2.2", 1234), "headers": []}

    async def scenario() -> list[str]:
        seen = []
        async with fairness.sandbox_slot(one):
            try:
                async with fairness.sandbox_slot(one):
                    seen.append("second job of the same client ran")
            except TooManyRequests as exc:
                seen.append(f"refused, retry after {exc.retry_after}")
            async with fairness.sandbox_slot(other):
                seen.append("another client ran")
        async with fairness.sandbox_slot(one):
            seen.append("the first client again, once its job ended")
        return seen

    assert run_in_own_loop(scenario()) == [
        "refused, retry after 5",
        "another client ran",
        "the first client again, once its job ended",
    ]
