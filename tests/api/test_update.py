"""/update over real HTTP: SPARQL 1.1 Update behind a token, validated first, kept inside the store."""

from __future__ import annotations

import httpx
import pytest
from problem_checks import assert_problem

B = "http://127.0.0.1:8000/"
PK = B + "ontology#"
G_PLAN, G_REGISTRY, G_CHANGES = B + "graph/plan", B + "graph/registry", B + "graph/changes"
UNFPA = B + "id/org/UNFPA"
TOKEN = "steward-token-for-updates"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DIRECT = {"Content-Type": "application/sparql-update", **AUTH}
ADMIN_TOKEN = "admin-token-for-updates"
AS_ADMIN = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {ADMIN_TOKEN}"}
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.fixture(scope="module")
def client(live_server_factory, store_backend):
    url = live_server_factory(write_tokens={"steward": TOKEN, "root": ADMIN_TOKEN}, write_roles={"root": "admin"}, **store_backend)
    with httpx.Client(base_url=url, timeout=120) as c:
        yield c



def ask(client: httpx.Client, pattern: str) -> bool:
    r = client.get("/sparql", params={"query": f"PREFIX pk: <{PK}> PREFIX skos: <{SKOS}> ASK {{ {pattern} }}"})
    assert r.status_code == 200, r.text
    return r.json()["boolean"]


def total(client: httpx.Client) -> int:
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def test_insert_data_is_committed_and_recorded(client):
    r = client.post("/update", content=f"INSERT DATA {{ GRAPH <{B}graph/notes> {{ <urn:x:note1> <urn:x:says> \"hello\" }} }}", headers=DIRECT)
    assert r.status_code == 204, r.text
    assert r.headers["x-plankg-added"] == "1"
    assert ask(client, '<urn:x:note1> <urn:x:says> "hello"')
    activity = r.headers["x-plankg-activity"]
    assert ask(client, f'GRAPH <{G_CHANGES}> {{ <{activity}> <http://www.w3.org/ns/prov#generated> <{B}graph/notes> }}')


def test_form_update_is_accepted(client):
    r = client.post("/update", data={"update": f"INSERT DATA {{ GRAPH <{B}graph/notes> {{ <urn:x:note2> <urn:x:says> \"form\" }} }}"}, headers=AUTH)
    assert r.status_code == 204, r.text
    assert ask(client, '<urn:x:note2> <urn:x:says> "form"')


def test_delete_insert_where_changes_what_it_matches(client):
    client.post("/update", content=f"INSERT DATA {{ GRAPH <{B}graph/notes> {{ <urn:x:n3> <urn:x:v> 1 . <urn:x:n4> <urn:x:v> 1 }} }}", headers=DIRECT)
    r = client.post(
        "/update",
        content=f"WITH <{B}graph/notes> DELETE {{ ?s <urn:x:v> 1 }} INSERT {{ ?s <urn:x:v> 2 }} WHERE {{ ?s <urn:x:v> 1 }}",
        headers=DIRECT,
    )
    assert r.status_code == 204, r.text
    assert (r.headers["x-plankg-added"], r.headers["x-plankg-removed"]) == ("2", "2")
    assert ask(client, "<urn:x:n3> <urn:x:v> 2 . <urn:x:n4> <urn:x:v> 2") and not ask(client, "?s <urn:x:v> 1")


def test_update_that_breaks_the_shapes_is_422_and_changes_nothing(client):
    before = total(client)
    update = f'PREFIX skos: <{SKOS}> DELETE {{ GRAPH <{G_REGISTRY}> {{ <{UNFPA}> skos:prefLabel ?l }} }} WHERE {{ GRAPH <{G_REGISTRY}> {{ <{UNFPA}> skos:prefLabel ?l FILTER (LANG(?l) = "zh") }} }}'
    r = client.post("/update", content=update, headers=AS_ADMIN)  # the registry is built: an admin's to change
    body = assert_problem(r, 422, "validation-failed")
    assert [(row["focusNode"], row["path"]) for row in body["results"] if row["severity"] == "Violation"] == [(UNFPA, "skos:prefLabel")]
    assert body["changes"] == {"added": 0, "removed": 1, "graphs": [G_REGISTRY]}
    assert ask(client, f'<{UNFPA}> skos:prefLabel "联合国人口基金"@zh')
    assert total(client) == before


def test_removing_a_type_is_caught_on_the_nodes_that_point_to_it(client):
    """sh:class checks on the collaborations that name UNFPA read its type."""
    update = f'DELETE DATA {{ GRAPH <{G_REGISTRY}> {{ <{UNFPA}> a <{PK}UNEntity> }} }}'
    body = assert_problem(client.post("/update", content=update, headers=AS_ADMIN), 422, "validation-failed")
    focus = {row["focusNode"] for row in body["results"] if row["severity"] == "Violation"}
    assert UNFPA in focus
    assert ask(client, f"<{UNFPA}> a pk:UNEntity")


def test_dry_run_update_reports_without_committing(client):
    r = client.post("/update?dry-run=true", content=f"INSERT DATA {{ GRAPH <{B}graph/notes> {{ <urn:x:dry> <urn:x:p> 1 }} }}", headers=DIRECT)
    assert r.status_code == 200
    assert r.json()["conforms"] is True and r.json()["changes"]["added"] == 1
    assert not ask(client, "<urn:x:dry> ?p ?o")


@pytest.mark.parametrize(
    "update,slug",
    [
        (f"LOAD <file:///etc/passwd> INTO GRAPH <{B}graph/x>", "feature-disabled"),
        ("LOAD <http://example.org/data.ttl>", "feature-disabled"),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "feature-disabled"),
        ("INSERT DATA { GRAPH <file:///tmp/x> { <urn:x:a> <urn:x:b> <urn:x:c> } }", "feature-disabled"),
        ("DELETE { ?s ?p ?o } USING <file:///etc/passwd> WHERE { ?s ?p ?o }", "feature-disabled"),
        ("SELECT * WHERE { ?s ?p ?o }", "query-syntax"),
    ],
    ids=["load-file", "load-http", "service", "file-graph", "using-file", "a-query"],
)
def test_updates_that_reach_outside_are_refused(client, update, slug):
    before = total(client)
    assert_problem(client.post("/update", content=update, headers=DIRECT), 400, slug)
    assert total(client) == before


def test_update_that_does_not_parse_is_400_with_its_position(client):
    body = assert_problem(client.post("/update", content="INSERT DATA {\n  <urn:x:a> <urn:x:b> \n}", headers=DIRECT), 400, "query-syntax")
    assert (body["line"], body["column"]) == (3, 1)


def test_updates_may_not_touch_the_change_log(client):
    before = total(client)
    for update in (f"INSERT DATA {{ GRAPH <{G_CHANGES}> {{ <urn:x:a> <urn:x:b> <urn:x:c> }} }}", f"CLEAR GRAPH <{G_CHANGES}>", "DROP ALL"):
        assert_problem(client.post("/update", content=update, headers=DIRECT), 403, "forbidden")
    assert total(client) == before


def test_protocol_errors_are_problems(client):
    assert_problem(client.post("/update", content="INSERT DATA {}", headers={**AUTH, "Content-Type": "text/plain"}), 415, "unsupported-media-type")
    assert_problem(client.post("/update", data={"query": "x"}, headers=AUTH), 400, "parameter")
    # the request's dataset and the update's own (WITH / USING) may not both be given
    assert_problem(
        client.post("/update?using-graph-uri=" + B + "graph/plan", content=f"WITH <{B}graph/notes> DELETE {{ ?s <urn:x:no> ?o }} WHERE {{ ?s <urn:x:no> ?o }}", headers=DIRECT), 400, "parameter"
    )
    assert_problem(client.post("/update", params={"using-graph-uri": "not-absolute"}, content="DELETE WHERE { ?s <urn:x:no> ?o }", headers=DIRECT), 400, "parameter")
    assert_problem(client.post("/update", params={"using-named-graph-uri": "file:///etc/passwd"}, content="DELETE WHERE { ?s <urn:x:no> ?o }", headers=DIRECT), 400, "feature-disabled")
    r = client.get("/update")
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    assert_problem(client.post("/update", content="INSERT DATA {}", headers={"Content-Type": "application/sparql-update"}), 401, "unauthorized")


def test_named_query_answers_and_etags_follow_an_update(client):
    def partners():
        # every kind of organization: the partner added below is not a UN entity
        params = {"area": "evaw", "entities_only": "false"}
        r = client.get("/queries/partners-by-area", params=params, headers={"Accept": "application/sparql-results+json"})
        return {b["agency"]["value"] for b in r.json()["results"]["bindings"]}, r.headers["etag"]

    known, etag = partners()
    assert partners() == (known, etag)  # cached, same version
    org = B + "id/org/Update-Partner"
    update = f"""PREFIX pk: <{PK}> PREFIX skos: <{SKOS}> PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    INSERT DATA {{ GRAPH <{B}graph/partners-by-update> {{
      <{org}> a pk:NonUNActor ; skos:prefLabel "Update Partner"@en , "更新伙伴"@zh ; rdfs:label "Update Partner"@en , "更新伙伴"@zh .
      <{B}id/collaboration/55-5/Update-Partner> a pk:Collaboration ; pk:collaborator <{org}> ;
        pk:intervention <{B}id/intervention/55-5> ; pk:sourceParagraph <{B}id/para/55> ;
        prov:wasDerivedFrom <{B}id/para/55/item/5> ; pk:surfaceForm "伙伴关系"@zh ;
        prov:hadRole <{B}id/role/co-delivers> ; pk:roleEvidence "扩大关键伙伴关系"@zh .
      <{B}id/intervention/55-5> pk:hasCollaborator <{org}> . }} }}"""
    r = client.post("/update", content=update, headers=DIRECT)
    assert r.status_code == 204, r.text
    now, new_etag = partners()
    assert now == known | {org} and new_etag != etag


# ------------------------------------------------------------------ roles and confirmation (plankg.write_policy)
def test_a_steward_may_not_change_a_built_graph(client):
    before = total(client)
    update = f'INSERT DATA {{ GRAPH <{G_REGISTRY}> {{ <{UNFPA}> <{SKOS}altLabel> "一个新的别名"@zh }} }}'
    body = assert_problem(client.post("/update", content=update, headers=DIRECT), 403, "forbidden")
    assert G_REGISTRY in body["detail"] and "read-only to stewards" in body["detail"]
    assert total(client) == before


@pytest.fixture(scope="module")
def fresh(live_server_factory):
    """A store holding only the build: no change log yet, as on the first day."""
    url = live_server_factory(write_tokens={"steward": TOKEN, "root": ADMIN_TOKEN}, write_roles={"root": "admin"})
    with httpx.Client(base_url=url, timeout=120) as c:
        yield c


REMOVE_THE_BUILD = f"DROP GRAPH <{B}graph/ontology> ; DROP GRAPH <{G_PLAN}> ; DROP GRAPH <{G_REGISTRY}>"


@pytest.mark.parametrize("update", ["CLEAR ALL", "DROP ALL", REMOVE_THE_BUILD], ids=["clear-all", "drop-all", "drop-built-graphs"])
def test_removing_everything_is_refused_though_nothing_would_be_left_to_fail_the_shapes(fresh, update):
    before = total(fresh)
    body = assert_problem(fresh.post("/update", content=update, headers=DIRECT), 403, "forbidden")
    assert "stewards" in body["detail"]
    body = assert_problem(fresh.post("/update", content=update, headers=AS_ADMIN), 428, "confirmation-required")
    assert "confirm=all" in body["detail"]
    body = assert_problem(fresh.post(f"/update?confirm={G_PLAN}", content=update, headers=AS_ADMIN), 428, "confirmation-required")
    assert "confirm=all" in body["detail"]
    assert_problem(fresh.post("/update?dry-run=true", content=update, headers=AS_ADMIN), 428, "confirmation-required")
    assert total(fresh) == before > 1000


def test_confirm_is_given_once(fresh):
    assert_problem(fresh.post("/update?confirm=all&confirm=all", content="CLEAR ALL", headers=AS_ADMIN), 400, "parameter")


def test_an_admin_who_confirms_clears_a_graph_and_it_is_recorded(fresh):
    graph = B + "graph/scratch"
    assert fresh.post("/update", content=f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:a> <urn:x:b> 1 , 2 }} }}", headers=DIRECT).status_code == 204
    body = assert_problem(fresh.post("/update", content=f"CLEAR GRAPH <{graph}>", headers=AS_ADMIN), 428, "confirmation-required")
    assert f"confirm={graph}" in body["detail"]
    r = fresh.post("/update", params={"confirm": graph}, content=f"CLEAR GRAPH <{graph}>", headers=AS_ADMIN)
    assert r.status_code == 204 and r.headers["x-plankg-removed"] == "2"
    activity = r.headers["x-plankg-activity"]
    assert ask(fresh, f"GRAPH <{G_CHANGES}> {{ <{activity}> <http://www.w3.org/ns/prov#wasAssociatedWith> <{B}id/agent/root> }}")


def test_the_where_of_an_update_reads_what_sparql_reads(client):
    """The four impact areas live in graph/plan: /sparql's default graph (the union) finds them, and so does an update's WHERE."""
    assert ask(client, "?a a pk:ImpactArea")
    r = client.post(
        "/update",
        content=f"PREFIX pk: <{PK}> INSERT {{ GRAPH <{B}graph/notes> {{ ?a <urn:x:seenBy> <urn:x:update> }} }} WHERE {{ ?a a pk:ImpactArea }}",
        headers=DIRECT,
    )
    assert r.status_code == 204, r.text
    assert r.headers["x-plankg-added"] == "4"
    # GRAPH ?g ranges over the named graphs, as on /sparql
    r = client.post(
        "/update",
        content=f"PREFIX pk: <{PK}> INSERT {{ GRAPH <{B}graph/notes> {{ ?a <urn:x:inGraph> ?g }} }} WHERE {{ GRAPH ?g {{ ?a a pk:ImpactArea }} }}",
        headers=DIRECT,
    )
    assert r.status_code == 204 and r.headers["x-plankg-added"] == "4", r.text
    assert ask(client, f"<{B}id/area/evaw> <urn:x:inGraph> <{B}graph/plan>")


def test_insert_without_graph_writes_the_store_default_graph(client, store_backend):
    r = client.post("/update", content="INSERT DATA { <urn:x:default1> <urn:x:says> \"in the default graph\" }", headers=DIRECT)
    if store_backend:  # a remote engine holds plankg's data in named graphs only (README)
        assert_problem(r, 400, "bad-request")
        assert not ask(client, "<urn:x:default1> ?p ?o")
        return
    assert r.status_code == 204, r.text
    turtle = client.get("/graphs?default", headers={"Accept": "application/n-triples"}).text
    assert '<urn:x:default1> <urn:x:says> "in the default graph"' in turtle
    # a DELETE without GRAPH removes from the store's default graph only: the plan's triples stay
    r = client.post("/update", content=f"PREFIX pk: <{PK}> DELETE {{ ?a a pk:ImpactArea }} WHERE {{ ?a a pk:ImpactArea }}", headers=DIRECT)
    assert r.status_code == 204 and r.headers["x-plankg-removed"] == "0", r.text
    assert ask(client, "?a a pk:ImpactArea")


def test_using_graph_uri_and_using_named_graph_uri_set_the_dataset_of_the_where(client):
    update = f"PREFIX pk: <{PK}> INSERT {{ GRAPH <{B}graph/notes> {{ ?a <urn:x:foundIn> <urn:x:registry> }} }} WHERE {{ ?a a pk:ImpactArea }}"
    r = client.post("/update", params={"using-graph-uri": G_REGISTRY}, content=update, headers=DIRECT)
    assert r.status_code == 204 and r.headers["x-plankg-added"] == "0", r.text  # the registry has no impact areas
    update = f"PREFIX pk: <{PK}> INSERT {{ GRAPH <{B}graph/notes> {{ ?a <urn:x:namedIn> ?g }} }} WHERE {{ GRAPH ?g {{ ?a a pk:ImpactArea }} }}"
    r = client.post("/update", params={"using-named-graph-uri": [G_PLAN, G_REGISTRY]}, content=update, headers=DIRECT)
    assert r.status_code == 204 and r.headers["x-plankg-added"] == "4", r.text
    r = client.post("/update", params={"using-named-graph-uri": G_REGISTRY}, content=update.replace("namedIn", "namedInRegistry"), headers=DIRECT)
    assert r.status_code == 204 and r.headers["x-plankg-added"] == "0", r.text


def test_relative_iris_in_an_update_resolve_against_the_update_endpoint(client):
    r = client.post("/update", content=f"INSERT DATA {{ GRAPH <{B}graph/notes> {{ <urn:x:rel> <urn:x:to> <relative/thing> }} }}", headers=DIRECT)
    assert r.status_code == 204, r.text
    assert ask(client, f"<urn:x:rel> <urn:x:to> <{B}relative/thing>")
