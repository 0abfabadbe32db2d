"""A request the engine ends in a deadlock is sent again a bounded number of times.

Virtuoso at serializable isolation ends one of two simultaneous transactions
(reads included) with ``Virtuoso 40001 Error SR172: Transaction deadlocked``
and rolls it back whole. A stub endpoint on 127.0.0.1 answers that a set number
of times before it answers properly.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from plankg.errors import EngineDeadlock, QuerySyntaxError, StoreUnavailable, WriteConflict
from plankg.settings import Settings
from plankg.store import remote
from plankg.store.remote import RemoteStore

DEADLOCK = b"Virtuoso 40001 Error SR172: Transaction deadlocked\n\nSPARQL query:\n"
ANSWER = b'{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"uri","value":"urn:x:1"}}]}}'


class _Endpoint(BaseHTTPRequestHandler):
    deadlocks = 0  # how many requests still get a deadlock
    requests = 0
    failure = DEADLOCK

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        text = self.rfile.read(length).decode()
        cls = type(self)
        cls.requests += 1
        if cls.deadlocks > 0:
            cls.deadlocks -= 1
            body = cls.failure + parse_qs(text).get("query", [text])[0].encode()
            self.send_response(500)
            self.send_header("Content-Type", "text/plain")
        else:
            body = ANSWER if "query=" in text else b""
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub(monkeypatch):
    monkeypatch.setattr(remote, "DEADLOCK_PAUSE_S", 0.001)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Endpoint.deadlocks, _Endpoint.requests, _Endpoint.failure = 0, 0, DEADLOCK
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield RemoteStore(Settings(store="remote", remote_query_url=url + "/query", remote_update_url=url + "/update"))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _select(store: RemoteStore):
    return store._solutions("SELECT ?s WHERE { ?s ?p ?o }", "select", ["urn:g"], ["urn:g"], 5, None, 10)


def test_a_read_ended_in_a_deadlock_is_sent_again_and_answered(stub):
    _Endpoint.deadlocks = remote.DEADLOCK_RETRIES

    variables, rows, _ = _select(stub)

    assert variables == ["s"] and len(rows) == 1
    assert _Endpoint.requests == remote.DEADLOCK_RETRIES + 1


def test_an_update_ended_in_a_deadlock_is_sent_again(stub):
    _Endpoint.deadlocks = 2

    stub._update("INSERT DATA { GRAPH <urn:g> { <urn:x:s> <urn:x:p> <urn:x:o> } }")

    assert _Endpoint.requests == 3


def test_deadlocks_past_the_retries_end_the_read_as_the_engine_being_busy(stub):
    _Endpoint.deadlocks = remote.DEADLOCK_RETRIES + 1

    with pytest.raises(EngineDeadlock) as caught:
        _select(stub)

    assert isinstance(caught.value, StoreUnavailable)
    assert _Endpoint.requests == remote.DEADLOCK_RETRIES + 1


def test_deadlocks_past_the_retries_on_a_writes_way_are_a_write_conflict(stub):
    _Endpoint.deadlocks = 100

    with pytest.raises(WriteConflict):
        stub.begin_write()


def test_a_query_that_only_mentions_a_deadlock_is_not_retried(stub):
    """The engine echoes the query after its message; only the message's SQLSTATE counts."""
    _Endpoint.deadlocks = 1
    _Endpoint.failure = b"Virtuoso 37000 Error SP030: syntax error\n\nSPARQL query:\n# Virtuoso 40001 Error\n"

    with pytest.raises(QuerySyntaxError):
        _select(stub)

    assert _Endpoint.requests == 1
