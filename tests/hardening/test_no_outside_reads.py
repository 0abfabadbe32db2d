"""No request makes the service fetch a URL or read a file (server-side request forgery).

Each test points the request at a listener on 127.0.0.1 that records every
connection, and at a FIFO / a file whose reads are visible from outside
(hardening_support), then asserts both were left alone: a refusal that still
reached out would pass a status check but fail here. pyoxigraph *does* fetch
for LOAD and SERVICE, so these guards matter for the embedded store too.
"""

from __future__ import annotations

import json

import httpx
import pytest

from hardening_support import AUTH, TOKEN, B, assert_problem, dump_hash, watched

SELECT_JSON = {"Accept": "application/sparql-results+json"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}


@pytest.fixture(scope="module")
def client(live_server_factory, store_backend):
    # on the embedded store and, as a front-end, on oxigraph serve and Virtuoso (issue 13)
    url = live_server_factory(write_tokens={"steward": TOKEN}, query_timeout_s=5, **store_backend)
    with httpx.Client(base_url=url, timeout=60) as c:
        yield c


def _query(client: httpx.Client, how: str, query: str, **params) -> httpx.Response:
    if how == "get":
        return client.get("/sparql", params={"query": query, **params}, headers=SELECT_JSON)
    if how == "form":
        return client.post("/sparql", data={"query": query, **params}, headers=SELECT_JSON)
    return client.post("/sparql", params=params, content=query.encode(), headers={"Content-Type": "application/sparql-query", **SELECT_JSON})


HOW = ["get", "form", "direct"]


# ---------------------------------------------------------------- /sparql
@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{SERVICE<{url}>{{?s?p?o}}}}",
        "SELECT * WHERE {{ ?x ?y ?z . SERVICE ?svc {{ ?s ?p ?o }} VALUES ?svc {{ <{url}> }} }}",
        "BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    ],
)
def test_service_clause_is_refused_without_a_connection(client, listener, how, template):
    r = _query(client, how, template.format(url=listener.url("/sparql")))
    assert_problem(r, 400, "feature-disabled")
    listener.assert_untouched()


@pytest.mark.parametrize("how", HOW)
@pytest.mark.parametrize(
    "template",
    [
        "SELECT * FROM <{iri}> WHERE {{ ?s ?p ?o }}",
        "SELECT * FROM NAMED <{iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        "ASK FROM <{iri}> {{ ?s ?p ?o }}",
        "CONSTRUCT {{ ?s ?p ?o }} FROM <{iri}> WHERE {{ ?s ?p ?o }}",
        "DESCRIBE <urn:x> FROM <{iri}>",
    ],
)
def test_from_file_is_refused_without_reading_it(client, file_trap, how, template):
    for iri in [*file_trap.uris, "file:///etc/passwd"]:
        r = watched(lambda: _query(client, how, template.format(iri=iri)), file_trap)
        assert_problem(r, 400, "feature-disabled")
    file_trap.assert_untouched()




@pytest.mark.parametrize(
    "query",
    [
        pytest.param("SELECT * FROM <FILE://{path}> WHERE {{ ?s ?p ?o }}", id="upper-case-scheme"),
        # the engine undoes \\u escapes in IRIs: the lexical guard must see through them too
        pytest.param("SELECT * FROM <file\\u003a//{path}> WHERE {{ ?s ?p ?o }}", id="escaped-colon"),
        # a relative FROM resolved against a file: BASE is a file: IRI all the same
        pytest.param("BASE <file://{folder}/> SELECT * FROM <{name}> WHERE {{ ?s ?p ?o }}", id="file-base"),
        pytest.param("PREFIX f: <file://{folder}/> SELECT * FROM f:{name} WHERE {{ ?s ?p ?o }}", id="file-prefix"),
    ],
)
def test_disguised_file_iris_are_refused_without_reading(client, file_trap, query):
    fifo = file_trap.fifo
    text = query.format(path=fifo, folder=fifo.parent, name=fifo.name)
    r = watched(lambda: _query(client, "form", text), file_trap)
    assert_problem(r, 400, "feature-disabled")
    file_trap.assert_untouched()


@pytest.mark.parametrize("how", HOW)
def test_file_dataset_parameters_are_refused_without_reading(client, file_trap, how):
    for name in ("default-graph-uri", "named-graph-uri"):
        for iri in [*file_trap.uris, "file:///etc/passwd"]:
            r = watched(lambda: _query(client, how, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{name: iri}), file_trap)
            assert_problem(r, 400, "feature-disabled")
    file_trap.assert_untouched()


@pytest.mark.parametrize("how", HOW)
def test_http_dataset_iris_only_name_graphs_and_are_never_fetched(client, listener, how):
    """An http IRI in FROM or the dataset parameters names a graph in the store; nothing is fetched."""
    url = listener.url("/graph.ttl")
    for query, params in [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"default-graph-uri": url}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", {"named-graph-uri": url}),
        (f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }} LIMIT 1", {}),
        (f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1", {}),
    ]:
        r = _query(client, how, query, **params)
        assert r.status_code == 200, r.text
        assert r.json()["results"]["bindings"] == []  # a graph that is not in the store is empty
    listener.assert_untouched()


# ---------------------------------------------------------------- /update (with a valid token)
@pytest.mark.parametrize(
    "template",
    [
        "LOAD <{iri}>",
        "LOAD SILENT <{iri}>",
        "LOAD <{iri}> INTO GRAPH <" + B + "graph/loaded>",
        "load <{iri}>",
        "INSERT DATA {{ GRAPH <" + B + "graph/notes> {{ <urn:x:a> <urn:x:b> 'LOAD' }} }} ; LOAD <{iri}>",
        "INSERT {{ GRAPH <" + B + "graph/notes> {{ ?s ?p ?o }} }} WHERE {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}",
        "BASE <{iri}> LOAD <x>",
    ],
)
def test_update_never_loads_or_queries_outside(client, listener, file_trap, template):
    before = dump_hash(client)
    targets = [listener.url("/data.ttl"), *file_trap.uris, "file:///etc/passwd"]
    for iri in targets:
        for form in (False, True):
            text = template.format(iri=iri)
            if form:
                call = lambda: client.post("/update", data={"update": text}, headers=AUTH)  # noqa: E731
            else:
                call = lambda: client.post("/update", content=text.encode(), headers=UPDATE)  # noqa: E731
            assert_problem(watched(call, file_trap), 400, "feature-disabled")
    listener.assert_untouched()
    file_trap.assert_untouched()
    assert dump_hash(client) == before


def test_update_naming_a_file_graph_is_refused(client, file_trap):
    before = dump_hash(client)
    for iri in file_trap.uris:
        text = f"INSERT DATA {{ GRAPH <{iri}> {{ <urn:x:a> <urn:x:b> 1 }} }}"
        assert_problem(watched(lambda: client.post("/update", content=text.encode(), headers=UPDATE), file_trap), 400)
    file_trap.assert_untouched()
    assert dump_hash(client) == before


# ---------------------------------------------------------------- uploads: JSON-LD contexts, XML entities
def _jsonld_documents(url: str) -> list[bytes]:
    node = {"@id": "urn:x:a", "name": "x"}
    return [
        json.dumps({"@context": url, **node}).encode(),
        json.dumps({"@context": [url, {"ex": "urn:x:"}], **node}).encode(),
        json.dumps({"@context": {"@import": url}, **node}).encode(),
        json.dumps({"@context": {"ex": "urn:x:"}, "@graph": [{"@context": url, **node}]}).encode(),
        json.dumps({"@context": {"knows": {"@id": "urn:x:knows", "@context": url}}, "@id": "urn:x:a", "knows": {"@id": "urn:x:b", "name": "y"}}).encode(),
    ]


def _jsonld_targets(listener, file_trap) -> list[str]:
    return [listener.url("/context.jsonld"), *file_trap.uris]


def test_validate_never_fetches_a_remote_jsonld_context(client, listener, file_trap):
    for url in _jsonld_targets(listener, file_trap):
        for doc in _jsonld_documents(url):
            r = watched(lambda: client.post("/validate", content=doc, headers={"Content-Type": "application/ld+json"}), file_trap)
            assert_problem(r, 400, "rdf-syntax")
            files = {"data": ("data.jsonld", doc, "application/ld+json")}
            r = watched(lambda: client.post("/validate", files=files, headers={"Accept": "application/json"}), file_trap)
            assert_problem(r, 400, "rdf-syntax")
    listener.assert_untouched()
    file_trap.assert_untouched()


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_graph_store_never_fetches_a_remote_jsonld_context(client, listener, file_trap, method):
    before = dump_hash(client)
    for url in _jsonld_targets(listener, file_trap):
        for doc in _jsonld_documents(url):
            call = lambda: client.request(  # noqa: E731
                method, "/graphs", params={"graph": B + "graph/ctx"}, content=doc, headers={"Content-Type": "application/ld+json", **AUTH}
            )
            assert_problem(watched(call, file_trap), 400, "rdf-syntax")
    listener.assert_untouched()
    file_trap.assert_untouched()
    assert dump_hash(client) == before


def _xxe(system_id: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY secret SYSTEM "{system_id}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="urn:x:">
  <rdf:Description rdf:about="urn:x:a"><ex:p>&secret;</ex:p></rdf:Description>
</rdf:RDF>""".encode()


def test_rdfxml_external_entities_are_never_resolved(client, listener, file_trap):
    before = dump_hash(client)
    for system_id in [listener.url("/entity.txt"), *file_trap.uris]:
        doc = _xxe(system_id)
        r = watched(lambda: client.post("/validate", content=doc, headers={"Content-Type": "application/rdf+xml", "Accept": "application/json"}), file_trap)
        assert r.status_code in (200, 400), r.text
        if r.status_code == 400:
            assert_problem(r)
        assert "urn:secret" not in r.text
        call = lambda: client.put("/graphs", params={"graph": B + "graph/xxe"}, content=doc, headers={"Content-Type": "application/rdf+xml", **AUTH})  # noqa: E731
        r = watched(call, file_trap)
        assert r.status_code < 500, r.text
    listener.assert_untouched()
    file_trap.assert_untouched()
    # nothing from the entity ever reached the store
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'urn:secret')) }"}, headers=SELECT_JSON)
    assert r.json()["boolean"] is False
    client.delete("/graphs", params={"graph": B + "graph/xxe"}, headers=AUTH)
    assert dump_hash(client) == before


# ---------------------------------------------------------------- /validate: uploaded shapes and imports
SHAPE_WITH = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:x:shape> a sh:NodeShape ; sh:targetNode <urn:x:a> ;
  sh:sparql [ sh:message "x" ; sh:select \"\"\"{select}\"\"\" ] .
"""


@pytest.mark.parametrize(
    "select",
    [
        "SELECT $this WHERE {{ SERVICE <{url}> {{ $this ?p ?o }} }}",
        "SELECT $this FROM <{url}> WHERE {{ $this ?p ?o }}",
        "SELECT $this FROM NAMED <{url}> WHERE {{ $this ?p ?o }}",
    ],
)
def test_uploaded_shapes_never_reach_out(client, listener, file_trap, select):
    for url in [listener.url("/shapes"), *file_trap.uris]:
        shapes = SHAPE_WITH.format(select=select.format(url=url)).encode()
        files = {"data": ("data.ttl", b"<urn:x:a> <urn:x:p> <urn:x:b> .", "text/turtle"), "shapes": ("shapes.ttl", shapes, "text/turtle")}
        r = watched(lambda: client.post("/validate", files=files, headers={"Accept": "application/json"}), file_trap)
        assert_problem(r, 400)
    listener.assert_untouched()
    file_trap.assert_untouched()


def test_owl_imports_in_data_and_shapes_are_not_followed(client, listener, file_trap):
    for url in [listener.url("/ontology.ttl"), *file_trap.uris]:
        data = f"<urn:x:a> <http://www.w3.org/2002/07/owl#imports> <{url}> .".encode()
        shapes = f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
<urn:x:shapes> a owl:Ontology ; owl:imports <{url}> .
<urn:x:shape> a sh:NodeShape ; sh:targetNode <urn:x:a> ; sh:property [ sh:path <urn:x:p> ; sh:minCount 0 ] .""".encode()
        r = watched(lambda: client.post("/validate", content=data, headers={"Content-Type": "text/turtle", "Accept": "application/json"}), file_trap)
        assert r.status_code == 200, r.text
        files = {"data": ("data.ttl", data, "text/turtle"), "shapes": ("shapes.ttl", shapes, "text/turtle")}
        r = watched(lambda: client.post("/validate", files=files, headers={"Accept": "application/json"}), file_trap)
        assert r.status_code == 200, r.text
    listener.assert_untouched()
    file_trap.assert_untouched()
