"""Queries and updates never make the server connect anywhere.

The lexical guard in ``plankg.sparqltext`` looks for the words SERVICE and
LOAD after dropping comments, strings and IRIs. A SPARQL local name may carry
backslash escapes (``ex:a\\#b``) and the whole text may carry ``\\u`` escapes;
a scan that reads ``\\#`` as the start of a comment, or ``\\u0053ERVICE`` as a
word ``u0053ERVICE``, no longer sees the keyword that the engine then runs.
A connection to the listener is the proof: status codes alone would not show it.
The targets are 127.0.0.1 only (a local listener, or a port nothing listens on).
"""

from __future__ import annotations

import re

import httpx
import pytest

from boundary_support import (
    STEWARD,
    B,
    Listener,
    alive,
    ask_fast,
    assert_problem,
    closed_port,
    dump_hash,
)

SPARQL_JSON = {"Accept": "application/sparql-results+json"}

# every template is one line: a scan fooled into a comment at '#' skips to the end of the line
QUERIES = {
    "escaped-hash": r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\#b AS ?k) SERVICE <{url}> { ?s ?p ?o } }",
    "escaped-hash-in-prefix-position": r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:\#b AS ?k) SERVICE <{url}> { ?s ?p ?o } }",
    "escaped-dot": r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\.b AS ?k) SERVICE <{url}> { ?s ?p ?o } }",
    "escaped-quote": r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\'b AS ?k) SERVICE <{url}> { ?s ?p ?o } BIND('z' AS ?z) }",
    "escaped-double-quote": r'PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\"b AS ?k) SERVICE <{url}> { ?s ?p ?o } BIND("z" AS ?z) }',
    "escaped-tilde": r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\~b AS ?k) SERVICE <{url}> { ?s ?p ?o } }",
    "escaped-dash": r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\-b AS ?k) SERVICE <{url}> { ?s ?p ?o } }",
    "codepoint-u": r"SELECT * WHERE { \u0053ERVICE <{url}> { ?s ?p ?o } }",
    "codepoint-U": r"SELECT * WHERE { \U00000053ERVICE <{url}> { ?s ?p ?o } }",
    "lower-case": "select * where { service <{url}> { ?s ?p ?o } }",
    "silent": "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "silent-hidden": r"PREFIX ex: <http://x/> SELECT * WHERE { BIND(ex:a\#b AS ?k) SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "variable": "SELECT * WHERE { VALUES ?svc { <{url}> } SERVICE ?svc { ?s ?p ?o } }",
    "variable-hidden": r"PREFIX ex: <http://x/> SELECT * WHERE { VALUES ?svc { <{url}> } BIND(ex:a\#b AS ?k) SERVICE ?svc { ?s ?p ?o } }",
    "long-string-before": "SELECT * WHERE { BIND('''it's a '' quote''' AS ?q) SERVICE <{url}> { ?s ?p ?o } }",
    "escaped-quote-string-before": r'SELECT * WHERE { BIND("\"" AS ?q) SERVICE <{url}> { ?s ?p ?o } }',
    "comment-before": "SELECT * WHERE { # SERVICE is not here\n SERVICE <{url}> { ?s ?p ?o } }",
    "escaped-iri": r"SELECT * WHERE { SERVICE <http\u003a//127.0.0.1:{port}/x> { ?s ?p ?o } }",
    "escaped-iri-and-keyword": r"SELECT * WHERE { \u0053ERVICE <\u0068ttp://127.0.0.1:{port}/x> { ?s ?p ?o } }",
}

# A dataset clause names a graph of the store; it is never dereferenced. So it may be answered
# (an empty graph is a fine answer), as long as nothing is fetched and a 500 never comes.
DATASET_CLAUSES = {
    "from": "SELECT * FROM <{url}> WHERE { ?s ?p ?o } LIMIT 1",
    "from-named": "SELECT * FROM NAMED <{url}> WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1",
    "from-escaped-iri": r"SELECT * FROM <\u0068ttp://127.0.0.1:{port}/> WHERE { ?s ?p ?o } LIMIT 1",
}


def _fill(template: str, port: int) -> str:
    url = f"http://127.0.0.1:{port}/x"
    return template.replace("{url}", url).replace("{port}", str(port))


def _send(client: httpx.Client, how: str, query: str, extra: dict | None = None) -> httpx.Response:
    params = {"query": query, **(extra or {})}
    if how == "get":
        return client.get("/sparql", params=params, headers=SPARQL_JSON)
    if how == "form":
        return client.post("/sparql", data=params, headers=SPARQL_JSON)
    return client.post("/sparql", content=query.encode(), params=extra or {}, headers={**SPARQL_JSON, "Content-Type": "application/sparql-query"})


def _normalized(r: httpx.Response, port: int) -> tuple:
    text = r.text.replace(str(port), "PORT")
    text = re.sub(r"incident id is [0-9a-f]+|\"id\":\s*\"[0-9a-f]+\"", "ID", text)
    return r.status_code, r.headers.get("content-type"), text


@pytest.mark.parametrize("how", ["get", "form", "direct"])
@pytest.mark.parametrize("name", list(QUERIES))
def test_query_reaches_nothing(pool, listener: Listener, name: str, how: str) -> None:
    server = pool.get()
    with server.client(timeout=20) as client:
        r = _send(client, how, _fill(QUERIES[name], listener.port))
        listener.assert_untouched()
        assert_problem(r)
        # the answer must not tell an open port from a closed one
        other = closed_port()
        r_closed = _send(client, how, _fill(QUERIES[name], other))
        assert _normalized(r, listener.port) == _normalized(r_closed, other), "the answer differs between an open and a closed port"
    alive(server)


@pytest.mark.parametrize("how", ["get", "form", "direct"])
@pytest.mark.parametrize("name", list(DATASET_CLAUSES))
def test_dataset_clauses_name_stored_graphs_and_fetch_nothing(pool, listener: Listener, name: str, how: str) -> None:
    server = pool.get()
    with server.client(timeout=20) as client:
        r = _send(client, how, _fill(DATASET_CLAUSES[name], listener.port))
        listener.assert_untouched()
        if r.status_code != 200:
            assert_problem(r)
        other = closed_port()
        r_closed = _send(client, how, _fill(DATASET_CLAUSES[name], other))
        assert _normalized(r, listener.port) == _normalized(r_closed, other), "the answer differs between an open and a closed port"
    alive(server)


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_dataset_parameters_reach_nothing(pool, listener: Listener, param: str) -> None:
    server = pool.get()
    with server.client(timeout=20) as client:
        for how in ("get", "form", "direct"):
            r = _send(client, how, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", {param: listener.url("/")})
            listener.assert_untouched()
            if r.status_code != 200:
                assert_problem(r)
    alive(server)


# ---------------------------------------------------------------- updates (steward token)
G = B + "graph/boundary-scratch"

UPDATES = {
    "load-escaped-hash": r"PREFIX ex: <http://x/> INSERT DATA { GRAPH <{g}> { ex:s ex:p ex:a\#b } } ; LOAD <{url}> INTO GRAPH <{g}>",
    "load-escaped-hash-silent": r"PREFIX ex: <http://x/> INSERT DATA { GRAPH <{g}> { ex:s ex:p ex:a\#b } } ; LOAD SILENT <{url}> INTO GRAPH <{g}>",
    "load-codepoint": r"\u004cOAD <{url}> INTO GRAPH <{g}>",
    "load-silent": "LOAD SILENT <{url}> INTO GRAPH <{g}>",
    "insert-where-service": "INSERT { GRAPH <{g}> { ?s ?p ?o } } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "insert-where-service-hidden": r"PREFIX ex: <http://x/> INSERT { GRAPH <{g}> { ?s ?p ?o } } WHERE { BIND(ex:a\#b AS ?k) SERVICE <{url}> { ?s ?p ?o } }",
    "insert-where-service-codepoint": r"INSERT { GRAPH <{g}> { ?s ?p ?o } } WHERE { \u0053ERVICE <{url}> { ?s ?p ?o } }",
}
FILE_UPDATES = {
    "load-file": "LOAD <file:///etc/hostname> INTO GRAPH <{g}>",
    "load-file-hidden": r"PREFIX ex: <http://x/> INSERT DATA { GRAPH <{g}> { ex:s ex:p ex:a\#b } } ; LOAD <file:///etc/hostname> INTO GRAPH <{g}>",
    "file-graph-name": "INSERT DATA { GRAPH <file:///tmp/boundary-graph> { <http://ex.test/s> <http://ex.test/p> \"o\" } }",
    "file-graph-name-escaped": r"INSERT DATA { GRAPH <file\u003a///tmp/boundary-graph> { <http://ex.test/s> <http://ex.test/p> \"o\" } }",
    "file-graph-hidden": r"PREFIX ex: <http://x/> INSERT DATA { GRAPH <{g}> { ex:s ex:p ex:a\#b } } ; INSERT DATA { GRAPH <file:///tmp/boundary-graph> { ex:s ex:p ex:o } }",
    "load-file-into-file": "LOAD <file:///etc/hostname> INTO GRAPH <file:///tmp/boundary-graph>",
}


def _update(server, text: str, dry_run: bool) -> httpx.Response:
    with server.client(timeout=30) as client:
        return client.post(
            "/update", content=text.encode(), params={"dry-run": "true"} if dry_run else {},
            headers={**STEWARD, "Content-Type": "application/sparql-update", "Accept": "application/json"},
        )


@pytest.mark.parametrize("dry_run", [False, True], ids=["commit", "dry-run"])
@pytest.mark.parametrize("name", list(UPDATES))
def test_update_reaches_nothing(pool, listener: Listener, name: str, dry_run: bool) -> None:
    server = pool.get()
    before = dump_hash(server.url)
    text = UPDATES[name].replace("{url}", listener.url("/x")).replace("{g}", G)
    try:
        r = _update(server, text, dry_run)
        listener.assert_untouched()
        assert_problem(r)
        assert dump_hash(server.url) == before, "a refused update changed the data"
        alive(server)
    finally:
        pool.settle(before)


@pytest.mark.parametrize("dry_run", [False, True], ids=["commit", "dry-run"])
@pytest.mark.parametrize("name", list(FILE_UPDATES))
def test_update_file_iris_refused(pool, name: str, dry_run: bool) -> None:
    server = pool.get()
    before = dump_hash(server.url)
    try:
        r = _update(server, FILE_UPDATES[name].replace("{g}", G), dry_run)
        body = assert_problem(r)
        assert "boundary-graph" not in str(body.get("graphs", ""))
        assert dump_hash(server.url) == before, "a refused update changed the data"
        ask_fast(server.url)
    finally:
        pool.settle(before)
