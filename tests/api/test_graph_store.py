"""/graphs over real HTTP: the Graph Store Protocol, tokens, the validation gate, the change log."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
from problem_checks import assert_problem

from plankg import errors
from service.problems import status_for

B = "http://127.0.0.1:8000/"
PK = B + "ontology#"
G_REGISTRY = B + "graph/registry"
G_CHANGES = B + "graph/changes"
G_PARTNERS = B + "graph/partners"
SVRI = B + "id/org/SVRI"
TOKEN = "steward-token-0123456789"
OTHER_TOKEN = "curator-token-9876543210"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TURTLE = {"Content-Type": "text/turtle"}
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADMIN = {"Authorization": f"Bearer {OTHER_TOKEN}"}  # the curator's token has the admin role


@pytest.fixture(scope="module")
def server(live_server_factory, store_backend) -> str:
    return live_server_factory(
        write_tokens={"steward": TOKEN, "curator": OTHER_TOKEN}, write_roles={"curator": "admin"}, cors_origins=["http://allowed.example"], **store_backend
    )


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def read_only(live_server):
    """The session's server: default settings, so no write tokens."""
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c



def count(client: httpx.Client, graph: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    r = client.get("/sparql", params={"query": q})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def graph_url(graph: str, **extra: str) -> str:
    return "/graphs?graph=" + quote(graph, safe="") + "".join(f"&{k}={v}" for k, v in extra.items())


def put(client: httpx.Client, graph: str, turtle: str | bytes, headers: dict | None = None, **extra: str) -> httpx.Response:
    return client.put(graph_url(graph, **extra), content=turtle, headers={**TURTLE, **AUTH, **(headers or {})})


def broken_partner(tag: str) -> bytes:
    """The broken fixture about an organization of its own, so that tests do not meet each other's data."""
    return (FIXTURES / "new_partner_broken.ttl").read_bytes().replace(b"SVRI", tag.encode())


def partners(client: httpx.Client) -> tuple[set[str], str]:
    # every kind of organization: SVRI, the partner the tests add, is a research network, not a UN entity
    r = client.get(
        "/queries/partners-by-area", params={"area": "evaw", "entities_only": "false"}, headers={"Accept": "application/sparql-results+json"}
    )
    assert r.status_code == 200, r.text
    return {b["agency"]["value"] for b in r.json()["results"]["bindings"]}, r.headers["etag"]


# ------------------------------------------------------------------ reading is open
def test_get_named_graph_answers_its_triples_with_an_etag(client):
    r = client.get(graph_url(G_REGISTRY), headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/n-triples")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))
    assert len(triples) == count(client, G_REGISTRY) > 100
    again = client.get(graph_url(G_REGISTRY), headers={"Accept": "application/n-triples", "If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


def test_get_default_graph_is_empty_after_a_build(client):
    r = client.get("/graphs?default", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert list(ox.parse(r.content, format=ox.RdfFormat.TURTLE)) == []


def test_get_unknown_graph_is_404(client):
    assert_problem(client.get(graph_url(B + "graph/nothing-here")), 404, "not-found")


def test_head_answers_headers_without_a_body(client):
    r = client.head(graph_url(G_REGISTRY), headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.content == b""
    assert r.headers["etag"]


def test_listing_names_every_graph_with_its_size(client):
    r = client.get("/graphs")
    assert r.status_code == 200
    sizes = {g["graph"]: g["triples"] for g in r.json()["graphs"]}
    assert sizes[G_REGISTRY] == count(client, G_REGISTRY)
    assert {B + "graph/ontology", B + "graph/plan"} <= set(sizes)


def test_graph_and_default_together_are_400(client):
    assert_problem(client.get(graph_url(G_REGISTRY) + "&default"), 400, "parameter")


# ------------------------------------------------------------------ who may write
def test_writing_is_off_without_configured_tokens(read_only):
    before = count(read_only, G_PARTNERS)
    r = read_only.put(graph_url(G_PARTNERS), content=(FIXTURES / "new_partner.ttl").read_bytes(), headers={**TURTLE, **AUTH})
    body = assert_problem(r, 403, "writes-disabled")
    assert "switched off" in body["detail"]
    assert_problem(read_only.post("/update", content="INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", headers={"Content-Type": "application/sparql-update", **AUTH}), 403, "writes-disabled")
    assert count(read_only, G_PARTNERS) == before == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0000000"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
    ids=["missing", "wrong", "basic-scheme", "empty", "longer"],
)
def test_write_without_a_valid_token_is_401_and_changes_nothing(client, headers):
    graph = B + "graph/auth-check"
    r = client.put(graph_url(graph), content=b"<urn:x:a> <urn:x:b> <urn:x:c> .", headers={**TURTLE, **headers})
    assert_problem(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert TOKEN not in r.text
    assert count(client, graph) == 0


def test_each_configured_token_writes_and_is_recorded_by_its_name(client):
    graph = B + "graph/second-token"
    r = client.post(graph_url(graph), content=b"<urn:x:a> <urn:x:b> <urn:x:c> .", headers={**TURTLE, "Authorization": f"Bearer {OTHER_TOKEN}"})
    assert r.status_code == 201, r.text
    q = f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?name WHERE {{ <{r.headers['x-plankg-activity']}> prov:wasAssociatedWith/rdfs:label ?name }}"""
    rows = client.get("/sparql", params={"query": q}).json()["results"]["bindings"]
    assert [row["name"]["value"] for row in rows] == ["curator"]


@pytest.mark.parametrize(
    "method,url,headers",
    [
        ("POST", graph_url(G_REGISTRY), {"X-HTTP-Method-Override": "DELETE"}),
        ("GET", graph_url(G_REGISTRY, _method="DELETE"), {}),
        ("POST", graph_url(G_REGISTRY, _method="DELETE"), {}),
        ("POST", "/update", {"X-HTTP-Method-Override": "PUT"}),
    ],
    ids=["header-on-post", "param-on-get", "param-on-post", "header-on-update"],
)
def test_method_overrides_are_refused_and_change_nothing(client, method, url, headers):
    before = count(client, G_REGISTRY)
    r = client.request(method, url, content=b"", headers={**TURTLE, **AUTH, **headers})
    assert_problem(r, 400, "bad-request")
    assert count(client, G_REGISTRY) == before


@pytest.mark.parametrize(
    "path,method,request_headers",
    [
        ("/graphs", "PUT", "content-type"),
        ("/graphs", "DELETE", ""),
        ("/graphs", "POST", "content-type"),
        ("/update", "POST", "authorization, content-type"),
        ("/update", "POST", ""),
    ],
)
def test_cors_preflight_never_opens_writes(client, path, method, request_headers):
    headers = {"Origin": "http://allowed.example", "Access-Control-Request-Method": method}
    if request_headers:
        headers["Access-Control-Request-Headers"] = request_headers
    r = client.options(path, headers=headers)
    assert r.status_code >= 400
    assert "access-control-allow-origin" not in r.headers
    assert method not in r.headers.get("access-control-allow-methods", "")


def test_cors_still_serves_cross_origin_reads_of_graphs(client):
    r = client.options("/graphs", headers={"Origin": "http://allowed.example", "Access-Control-Request-Method": "GET"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://allowed.example"


def test_the_change_log_and_foreign_graphs_refuse_writes(client):
    before = count(client, G_CHANGES)
    assert_problem(put(client, G_CHANGES, b"<urn:x:a> <urn:x:b> <urn:x:c> ."), 403, "forbidden")
    assert_problem(put(client, "http://elsewhere.example/g", b"<urn:x:a> <urn:x:b> <urn:x:c> ."), 403, "forbidden")
    assert_problem(put(client, "file:///etc/passwd", b"<urn:x:a> <urn:x:b> <urn:x:c> ."), 403, "forbidden")
    assert count(client, G_CHANGES) == before


# ------------------------------------------------------------------ the steward's walk-through
def test_new_partner_is_refused_without_its_chinese_label_then_accepted(client):
    """README walk-through: 422 naming the problem, graph unchanged; the fixed file is committed."""
    known, etag_before = partners(client)
    assert SVRI not in known

    r = put(client, G_PARTNERS, (FIXTURES / "new_partner_broken.ttl").read_bytes())
    body = assert_problem(r, 422, "validation-failed")
    assert body["conforms"] is False and body["committed"] is False
    violations = [row for row in body["results"] if row["severity"] == "Violation"]
    assert [(v["focusNode"], v["path"]) for v in violations] == [(SVRI, "skos:prefLabel")]
    assert "Chinese" in violations[0]["message"]["en"] and "中文" in violations[0]["message"]["zh"]
    assert SVRI in body["detail"]
    assert body["validation"]["triples"] < count(client, B + "graph/plan")  # only the affected part was checked
    assert_problem(client.get(graph_url(G_PARTNERS)), 404, "not-found")
    assert partners(client) == (known, etag_before)

    r = put(client, G_PARTNERS, (FIXTURES / "new_partner.ttl").read_bytes())
    assert r.status_code == 201, r.text
    assert r.headers["location"] == graph_url(G_PARTNERS)
    assert r.headers["x-plankg-added"] == "15" and r.headers["x-plankg-removed"] == "0"
    assert r.headers["x-plankg-activity"].startswith(B + "id/change/")
    now_known, etag_after = partners(client)
    assert now_known == known | {SVRI}
    assert etag_after != etag_before
    assert count(client, G_PARTNERS) == 15

    again = put(client, G_PARTNERS, (FIXTURES / "new_partner.ttl").read_bytes())
    assert again.status_code == 204
    assert again.headers["x-plankg-added"] == "0" and "x-plankg-activity" not in again.headers


@pytest.mark.parametrize(
    "accept,media,check",
    [
        ("text/turtle", "text/turtle", lambda body: b"conforms" in body and b"false" in body),
        ("application/ld+json", "application/ld+json", lambda body: b"ValidationResult" in body),
        ("text/html", "text/html", lambda body: b"org/Formats" in body and b"<html" in body),
    ],
    ids=["turtle", "jsonld", "html"],
)
def test_refused_write_sends_the_report_in_the_format_asked_for(client, accept, media, check):
    graph = B + "graph/report-formats"
    r = put(client, graph, broken_partner("Formats"), {"Accept": accept})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(media)
    assert check(r.content)
    assert count(client, graph) == 0


def test_dry_run_validates_and_commits_nothing(client):
    graph = B + "graph/dry-run"
    changes_before = count(client, G_CHANGES)
    r = put(client, graph, (FIXTURES / "new_partner.ttl").read_bytes(), **{"dry-run": "true"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["writeGate"] == {"severity": "Violation", "passes": True} and body["dryRun"] is True and body["committed"] is False
    assert body["changes"]["added"] == 15
    r = put(client, graph, (FIXTURES / "new_partner.ttl").read_bytes(), {"Prefer": "dry-run"})
    assert r.status_code == 200 and r.headers["preference-applied"] == "dry-run"
    r = put(client, graph, broken_partner("DryRun"), {"Prefer": "dry-run"})
    assert r.status_code == 422
    assert count(client, graph) == 0 and count(client, G_CHANGES) == changes_before


# ------------------------------------------------------------------ the protocol's operations
def test_post_adds_put_replaces_delete_removes(client):
    graph = B + "graph/gsp-cycle"
    r = client.post(graph_url(graph), content=b"<urn:x:s1> <urn:x:p> 1 . <urn:x:s2> <urn:x:p> 2 .", headers={**TURTLE, **AUTH})
    assert r.status_code == 201 and r.headers["x-plankg-added"] == "2"
    r = client.post(graph_url(graph), content=b"<urn:x:s2> <urn:x:p> 2 . <urn:x:s3> <urn:x:p> 3 .", headers={**TURTLE, **AUTH})
    assert r.status_code == 204 and r.headers["x-plankg-added"] == "1"
    assert count(client, graph) == 3
    r = client.put(graph_url(graph), content=b'[] <urn:x:p> "blank" . <urn:x:s1> <urn:x:p> 1 .', headers={**TURTLE, **AUTH})
    assert r.status_code == 204
    assert (r.headers["x-plankg-added"], r.headers["x-plankg-removed"]) == ("1", "2")
    assert count(client, graph) == 2
    r = client.get(graph_url(graph), headers={"Accept": "application/n-triples"})
    assert sum(1 for t in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES) if isinstance(t.subject, ox.BlankNode)) == 1
    assert_problem(client.delete(graph_url(graph), headers=AUTH), 403, "forbidden")  # removing a graph is an admin's
    r = client.delete(graph_url(graph, confirm=quote(graph, safe="")), headers=ADMIN)
    assert r.status_code == 204 and r.headers["x-plankg-removed"] == "2"
    assert count(client, graph) == 0
    assert_problem(client.delete(graph_url(graph), headers=AUTH), 404, "not-found")


def test_default_graph_can_be_written_and_shows_in_queries(client, store_backend):
    r = client.put("/graphs?default", content=b"<urn:x:default> <urn:x:p> <urn:x:o> .", headers={**TURTLE, **AUTH})
    if store_backend:  # a remote engine holds plankg's data in named graphs only (README)
        assert_problem(r, 400, "bad-request")
        assert client.get("/sparql", params={"query": "ASK { <urn:x:default> ?p ?o }"}).json()["boolean"] is False
        return
    assert r.status_code == 204, r.text  # the default graph always exists: never "created"
    ask = client.get("/sparql", params={"query": "ASK { <urn:x:default> <urn:x:p> <urn:x:o> }"})
    assert ask.json()["boolean"] is True
    assert client.delete("/graphs?default&confirm=default", headers=ADMIN).status_code == 204
    assert client.get("/sparql", params={"query": "ASK { <urn:x:default> ?p ?o }"}).json()["boolean"] is False


def test_every_committed_write_is_in_the_change_log(client):
    graph = B + "graph/logged"
    r = client.post(graph_url(graph), content=b"<urn:x:a> <urn:x:b> 1 , 2 , 3 .", headers={**TURTLE, **AUTH})
    activity = r.headers["x-plankg-activity"]
    q = f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX pk: <{PK}>
        SELECT ?start ?end ?agent ?name ?what ?added ?removed ?generated ?modified WHERE {{
          GRAPH <{G_CHANGES}> {{
            <{activity}> a prov:Activity ; prov:startedAtTime ?start ; prov:endedAtTime ?end ;
              prov:wasAssociatedWith ?agent ; dcterms:description ?what ;
              pk:triplesAdded ?added ; pk:triplesRemoved ?removed ; prov:generated ?generated .
            ?agent a prov:Agent ; rdfs:label ?name .
            ?generated dcterms:modified ?modified .
          }} }}"""
    rows = client.get("/sparql", params={"query": q}).json()["results"]["bindings"]
    assert len(rows) == 1, rows
    row = {k: v["value"] for k, v in rows[0].items()}
    assert row["agent"] == B + "id/agent/steward" and row["name"] == "steward"
    assert (row["added"], row["removed"], row["generated"]) == ("3", "0", graph)
    assert row["start"] <= row["end"] == row["modified"]
    assert graph in row["what"]
    r = client.delete(graph_url(graph, confirm=quote(graph, safe="")), headers=ADMIN)
    q = f"PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?u ?g WHERE {{ <{r.headers['x-plankg-activity']}> prov:used ?u OPTIONAL {{ <{r.headers['x-plankg-activity']}> prov:generated ?g }} }}"
    rows = client.get("/sparql", params={"query": q}).json()["results"]["bindings"]
    assert [(row["u"]["value"], "g" in row) for row in rows] == [(graph, False)]


# ------------------------------------------------------------------ bad input changes nothing
def test_turtle_that_does_not_parse_is_400_with_its_line(client):
    graph = B + "graph/bad-syntax"
    r = put(client, graph, b"<urn:x:a> <urn:x:b> <urn:x:c> .\n<urn:x:a> <urn:x:b> .\n")
    body = assert_problem(r, 400, "rdf-syntax")
    assert body["line"] == 2
    assert count(client, graph) == 0


def test_a_dataset_body_is_415(client):
    r = client.put(graph_url(B + "graph/quads"), content=b"<urn:x:a> <urn:x:b> <urn:x:c> <urn:x:g> .", headers={"Content-Type": "application/n-quads", **AUTH})
    assert_problem(r, 415, "unsupported-media-type")


def test_writes_unsupported_is_a_501_problem():
    assert status_for(errors.WritesUnsupported("remote")) == (501, "writes-unsupported")


# ------------------------------------------------------------------ roles and confirmation (plankg.write_policy)
@pytest.mark.parametrize("graph", [B + "graph/ontology", B + "graph/plan", G_REGISTRY])
def test_built_graphs_are_read_only_to_stewards(client, graph):
    before = count(client, graph)
    note = b"<urn:x:a> <urn:x:b> <urn:x:c> ."
    for r in (put(client, graph, note), client.post(graph_url(graph), content=note, headers={**TURTLE, **AUTH}), client.delete(graph_url(graph), headers=AUTH)):
        body = assert_problem(r, 403, "forbidden")
        assert graph in body["detail"] and "read-only to stewards" in body["detail"]
    assert count(client, graph) == before


def test_an_admin_removing_a_built_graph_is_asked_to_confirm_it_by_name(client):
    before = count(client, G_REGISTRY)
    body = assert_problem(client.delete(graph_url(G_REGISTRY), headers=ADMIN), 428, "confirmation-required")
    assert f"confirm={G_REGISTRY}" in body["detail"]
    for wrong in ("all", "yes", quote(B + "graph/plan", safe="")):
        body = assert_problem(client.delete(graph_url(G_REGISTRY, confirm=wrong), headers=ADMIN), 428, "confirmation-required")
        assert f"confirm={G_REGISTRY}" in body["detail"]
    body = assert_problem(put(client, G_REGISTRY, b"<urn:x:a> <urn:x:b> <urn:x:c> .", ADMIN), 428, "confirmation-required")
    assert f"confirm={G_REGISTRY}" in body["detail"] and "replaces" in body["detail"]
    assert count(client, G_REGISTRY) == before


def test_a_put_that_empties_a_graph_needs_an_admin_and_confirmation(client):
    graph = B + "graph/to-empty"
    assert put(client, graph, b"<urn:x:a> <urn:x:b> <urn:x:c> .").status_code == 201
    assert_problem(put(client, graph, b""), 403, "forbidden")
    assert_problem(put(client, graph, b"", ADMIN), 428, "confirmation-required")
    assert count(client, graph) == 1
    assert put(client, graph, b"", ADMIN, confirm=quote(graph, safe="")).status_code == 204
    assert count(client, graph) == 0


def test_the_confirm_parameter_is_documented(client):
    spec = client.get("/openapi.json").json()
    for method in ("put", "post", "delete"):
        operation = spec["paths"]["/graphs"][method]
        assert "confirm" in {p["name"] for p in operation["parameters"]}
        assert "428" in operation["responses"]
    assert "confirm" in {p["name"] for p in spec["paths"]["/update"]["post"]["parameters"]}


# ------------------------------------------------------------------ POST to the store: new graphs, multipart
def test_post_without_a_graph_creates_one_in_the_stewards_namespace(client):
    r = client.post("/graphs", content=b'<urn:x:new1> <urn:x:p> "made by POST" .', headers={**TURTLE, **AUTH})
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    assert location.startswith(B + "graph/posted/") and location != B + "graph/posted/"
    assert count(client, location) == 1
    r = client.get("/graphs", params={"graph": location}, headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and '<urn:x:new1> <urn:x:p> "made by POST"' in r.text
    again = client.post("/graphs", content=b'<urn:x:new1> <urn:x:p> "made by POST" .', headers={**TURTLE, **AUTH})
    assert again.status_code == 201 and again.headers["location"] != location  # every POST names a graph of its own


def test_post_without_a_graph_needs_a_token_and_valid_rdf(client, read_only):
    assert_problem(client.post("/graphs", content=b"<urn:x:a> <urn:x:p> .", headers={**TURTLE, **AUTH}), 400, "rdf-syntax")
    assert_problem(client.post("/graphs", content=b"<urn:x:a> <urn:x:p> 1 .", headers=TURTLE), 401, "unauthorized")


MULTIPART_BOUNDARY = "a6fe4cd636164618814be9f8d3d1a0de"


def multipart(*parts: tuple[str, str, bytes]) -> bytes:
    out = b""
    for name, media, data in parts:
        out += (
            f"--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{name}\"\r\n"
            f"Content-Type: {media}\r\n\r\n"
        ).encode() + data + b"\r\n"
    return out + f"--{MULTIPART_BOUNDARY}--\r\n".encode()


MULTIPART = {"Content-Type": f"multipart/form-data; boundary={MULTIPART_BOUNDARY}", **AUTH}


def test_multipart_post_adds_every_part(client):
    graph = B + "graph/multipart"
    body = multipart(
        ("a.ttl", "text/turtle; charset=utf-8", b'<urn:x:m> <urn:x:given> "Jane" . <urn:x:m> <urn:x:card> [ <urn:x:n> 1 ] .'),
        ("b.nt", "application/n-triples", b'<urn:x:m> <urn:x:family> "Doe" .\n'),
        ("c.ttl", "text/turtle", b"<urn:x:m> <urn:x:card> [ <urn:x:n> 2 ] ."),  # its [] is not a.ttl's
    )
    r = client.post(graph_url(graph), content=body, headers=MULTIPART)
    assert r.status_code == 201, r.text
    assert r.headers["x-plankg-added"] == "6" and count(client, graph) == 6


def test_multipart_parts_are_checked_like_bodies(client):
    graph = B + "graph/multipart-refused"
    assert_problem(client.post(graph_url(graph), content=multipart(("a.txt", "text/plain", b"hello")), headers=MULTIPART), 415, "unsupported-media-type")
    assert_problem(client.post(graph_url(graph), content=multipart(("a.ttl", "text/turtle", b"<urn:x:a> <urn:x:b> .")), headers=MULTIPART), 400, "rdf-syntax")
    field = f'--{MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--{MULTIPART_BOUNDARY}--\r\n'.encode()
    assert_problem(client.post(graph_url(graph), content=field, headers=MULTIPART), 400, "bad-request")
    many = multipart(*[(f"p{i}.nt", "application/n-triples", b"<urn:x:a> <urn:x:b> 1 .\n") for i in range(40)])
    assert_problem(client.post(graph_url(graph), content=many, headers=MULTIPART), 400, "bad-request")
    deep = b"<urn:x:a> <urn:x:b> " + b"(" * 400 + b")" * 400 + b" ."
    assert_problem(client.post(graph_url(graph), content=multipart(("deep.ttl", "text/turtle", deep)), headers=MULTIPART), 400, "input-too-complex")
    assert count(client, graph) == 0


def test_put_replacing_blank_nodes_removes_the_old_ones(client):
    graph = B + "graph/blank-replace"
    for name in ("John", "Jane"):
        r = put(client, graph, f'<urn:x:person> <urn:x:card> [ <urn:x:fn> "{name}" ] .')
        assert r.status_code in (201, 204), r.text
    r = client.get("/graphs", params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert '"Jane"' in r.text and '"John"' not in r.text and count(client, graph) == 2
