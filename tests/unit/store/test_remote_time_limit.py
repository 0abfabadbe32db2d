"""The remote store answers the time-limit problem when the engine stops a query mid-answer.

``oxigraph serve --timeout-s`` cancels a query whose answer is already streaming
by writing a sentence into the 200 body and ending it; the store must say
"time limit", never hand out a cut answer or call the engine broken. A stub
endpoint on 127.0.0.1 sends exactly such bodies.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from plankg.errors import QueryTimeout, StoreUnavailable
from plankg.settings import Settings
from plankg.store import QueryRequest
from plankg.store.remote import RemoteStore

ROWS = "".join(f'{{"s":{{"type":"uri","value":"urn:x:{i}"}}}},' for i in range(3000))
CUT_JSON = ('{"head":{"vars":["s"]},"results":{"bindings":[' + ROWS[:-1]).encode() + b"The SPARQL operation has been cancelled"
BROKEN_JSON = ('{"head":{"vars":["s"]},"results":{"bindings":[' + ROWS[:-1]).encode() + b"}}garbage"
CUT_NT = "".join(f"<urn:x:{i}> <urn:x:p> <urn:x:o> .\n" for i in range(3000)).encode()[:-40] + b"The SPARQL operation has been cancelled"


class _Endpoint(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        params = parse_qs(self.rfile.read(length).decode())
        type(self).seen.append(params)
        query = params.get("query", [""])[0]
        if "CONSTRUCT" in query:
            body, media = CUT_NT, "application/n-triples"
        elif "broken" in query:
            body, media = BROKEN_JSON, "application/sparql-results+json"
        else:
            body, media = CUT_JSON, "application/sparql-results+json"
        self.send_response(200)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Endpoint.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


FORMATS = {"select": "json", "graph": "ntriples", "ask": "json"}


def test_a_select_cut_by_the_engines_time_limit_is_a_query_timeout(stub):
    store = RemoteStore(Settings(store="remote", remote_query_url=stub))

    with pytest.raises(QueryTimeout):
        store.query(QueryRequest("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }", formats=FORMATS, default_graph_uris=["urn:g"], named_graph_uris=["urn:g"], timeout_s=5))


def test_a_construct_cut_by_the_engines_time_limit_is_a_query_timeout(stub):
    store = RemoteStore(Settings(store="remote", remote_query_url=stub))

    with pytest.raises(QueryTimeout):
        store.query(QueryRequest("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", formats=FORMATS, default_graph_uris=["urn:g"], named_graph_uris=["urn:g"], timeout_s=5))


def test_a_broken_answer_without_the_cancellation_stays_store_unavailable(stub):
    store = RemoteStore(Settings(store="remote", remote_query_url=stub))

    with pytest.raises(StoreUnavailable):
        store.query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o } # broken", formats=FORMATS, default_graph_uris=["urn:g"], named_graph_uris=["urn:g"], timeout_s=5))


def test_the_time_limit_is_passed_to_the_engine_in_milliseconds(stub):
    store = RemoteStore(Settings(store="remote", remote_query_url=stub))

    with pytest.raises(QueryTimeout):
        store.query(QueryRequest("SELECT ?s WHERE { ?s ?p ?o }", formats=FORMATS, default_graph_uris=["urn:g"], named_graph_uris=["urn:g"], timeout_s=2.5))

    sent = int(_Endpoint.seen[-1]["timeout"][0])  # what is left of the 2.5 s when the request goes out
    assert 2000 < sent <= 2500
