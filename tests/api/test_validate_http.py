"""``/validate`` over HTTP: formats in and out, the page, errors as problems, nothing stored.

Ends with the data steward's scenario: a copy of the built dump with two
mistakes, checked with ``plankg validate --lang zh`` and posted to the service.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from problem_checks import assert_problem

ID = "http://127.0.0.1:8000/id/"
SH = "http://www.w3.org/ns/shacl#"
KOS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "un-sdg-kos.ttl"

GOOD = """@prefix pk: <http://127.0.0.1:8000/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://127.0.0.1:8000/id/org/X> a pk:UNEntity ;
    skos:prefLabel "Example Agency"@en , "示例机构"@zh ; skos:notation "EA" ;
    skos:exactMatch <http://www.wikidata.org/entity/Q42> .
"""
BROKEN = """@prefix pk: <http://127.0.0.1:8000/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://127.0.0.1:8000/id/org/X> a pk:UNEntity ;
    skos:prefLabel "Example <script>alert(1)</script> Agency"@en ; skos:notation "EA" ;
    skos:exactMatch <http://www.wikidata.org/entity/Q42> .
"""
SYNTAX_ERROR = "@prefix pk: <http://127.0.0.1:8000/ontology#> .\n\n<http://x/a> a pk:UNEntity .\n<http://x/b> pk:oops .\n"


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=300) as c:
        yield c



def violations(summary: dict) -> set[tuple]:
    return {(r["focusNode"], r["path"], r["severity"]) for r in summary["results"] if r["severity"] == "Violation"}


# ------------------------------------------------------------------ formats in


def test_a_turtle_body_gets_a_json_summary(client):
    r = client.post("/validate", content=BROKEN, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert "accept" in r.headers["vary"].lower()
    body = r.json()
    assert body["conforms"] is False
    assert violations(body) == {(ID + "org/X", "skos:prefLabel", "Violation")}


def test_conforming_data_is_still_a_200_report(client):
    r = client.post("/validate", content=GOOD, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 200
    assert r.json()["conforms"] is True


@pytest.mark.parametrize(
    "media_type, fmt",
    [
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
    ],
)
def test_other_rdf_syntaxes_by_content_type(client, media_type, fmt):
    triples = [q.triple for q in ox.parse(BROKEN.encode(), format=ox.RdfFormat.TURTLE)]
    body = ox.serialize(triples, format=fmt)
    r = client.post("/validate", content=body, headers={"Content-Type": media_type})
    assert r.status_code == 200, r.text
    assert violations(r.json()) == {(ID + "org/X", "skos:prefLabel", "Violation")}


def test_a_multipart_upload_with_own_shapes(client):
    shapes = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/S> a sh:NodeShape ; sh:targetClass <http://127.0.0.1:8000/ontology#UNEntity> ;
    sh:property [ sh:path <http://example.org/budget> ; sh:minCount 1 ; sh:severity sh:Warning ] .
"""
    r = client.post("/validate", files={"data": ("agency.ttl", GOOD.encode()), "shapes": ("mine.ttl", shapes.encode())})
    assert r.status_code == 200, r.text
    body = r.json()
    # only the uploaded shapes ran: a warning, so SHACL's verdict is "does not conform"; a write would pass
    assert body["conforms"] is False and body["writeGate"] == {"severity": "Violation", "passes": True}
    assert [(x["focusNode"], x["severity"]) for x in body["results"]] == [(ID + "org/X", "Warning")]
    assert body["added"] == []  # nothing but the posted data was validated


# a class hierarchy in the ontology (pk:UNEntity rdfs:subClassOf pk:Organization): sh:class follows it
# only when the ontology's rdfs:subClassOf triples are in the data
ORGANIZATION_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/S> a sh:NodeShape ; sh:targetNode <http://127.0.0.1:8000/id/org/X> ;
    sh:class <http://127.0.0.1:8000/ontology#Organization> .
"""


def test_uploaded_shapes_validate_exactly_the_posted_data_unless_the_ontology_is_asked_for(client):
    files = {"data": ("agency.ttl", GOOD.encode()), "shapes": ("mine.ttl", ORGANIZATION_SHAPES.encode())}
    exact = client.post("/validate", files=files)
    assert exact.status_code == 200, exact.text
    body = exact.json()
    assert body["added"] == []
    assert [(x["focusNode"], x["sourceConstraintComponent"]) for x in body["results"]] == [(ID + "org/X", "sh:ClassConstraintComponent")]
    with_ontology = client.post("/validate?context=ontology", files=files).json()
    assert with_ontology["results"] == [] and with_ontology["conforms"] is True
    assert [a["name"] for a in with_ontology["added"]] == ["ontology"] and with_ontology["added"][0]["triples"] > 0
    form = client.post("/validate", files=files, data={"context": "ontology"}).json()
    assert form["results"] == [] and [a["name"] for a in form["added"]] == ["ontology"]


def test_the_project_shapes_always_get_the_ontology_and_the_report_says_so(client):
    body = client.post("/validate", content=GOOD, headers={"Content-Type": "text/turtle"}).json()
    assert [a["name"] for a in body["added"]] == ["ontology"]


def test_the_report_names_the_engine_that_answered(client):
    from plankg.validation import DEFAULT_ENGINE, engine_name

    for accept in ("application/json", "text/turtle", "text/html"):
        r = client.post("/validate", content=GOOD, headers={"Content-Type": "text/turtle", "Accept": accept})
        assert r.status_code == 200
        assert r.headers["x-plankg-validation-engine"] == engine_name(DEFAULT_ENGINE)
    assert client.post("/validate", content=GOOD, headers={"Content-Type": "text/turtle"}).json()["engine"] == engine_name(DEFAULT_ENGINE)


def test_a_file_format_comes_from_its_extension_or_the_format_field(client):
    nt = ox.serialize([q.triple for q in ox.parse(BROKEN.encode(), format=ox.RdfFormat.TURTLE)], format=ox.RdfFormat.N_TRIPLES)
    r = client.post("/validate", files={"data": ("agency.nt", nt)})
    assert r.status_code == 200 and r.json()["conforms"] is False
    r = client.post("/validate", files={"data": ("agency.data", nt)}, data={"format": "ntriples"})
    assert r.status_code == 200 and r.json()["conforms"] is False
    assert_problem(client.post("/validate", files={"data": ("agency.data", nt)}), 415)


def test_pasted_text_with_its_format(client):
    r = client.post("/validate", data={"text": BROKEN, "format": "turtle"})
    assert r.status_code == 200
    assert violations(r.json()) == {(ID + "org/X", "skos:prefLabel", "Violation")}
    assert_problem(client.post("/validate", data={"text": BROKEN, "format": "klingon"}), 415)
    assert_problem(client.post("/validate", data={"format": "turtle"}), 400)


# ------------------------------------------------------------------ formats out


def test_the_report_graph_as_turtle_and_jsonld(client):
    r = client.post("/validate", content=BROKEN, headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    turtle = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    assert any(t.predicate.value == SH + "conforms" and t.object.value == "false" for t in turtle)
    r = client.post("/validate", content=BROKEN, headers={"Content-Type": "text/turtle", "Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.JSON_LD))) == len(turtle)


def test_a_browser_gets_an_escaped_page(client):
    r = client.post(
        "/validate?lang=en", content=BROKEN,
        headers={"Content-Type": "text/turtle", "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in r.text
    assert "Example &lt;script&gt;alert(1)&lt;/script&gt; Agency" in r.text
    assert "The data does not conform to the shapes." in r.text


def test_an_unacceptable_report_format_is_406(client):
    assert_problem(client.post("/validate", content=GOOD, headers={"Content-Type": "text/turtle", "Accept": "image/png"}), 406)


# ------------------------------------------------------------------ the page


def test_the_page_in_both_languages(client):
    zh = client.get("/validate?lang=zh")
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    assert "数据验证" in zh.text and 'enctype="multipart/form-data"' in zh.text
    en = client.get("/validate?lang=en")
    assert "Validate data" in en.text and 'name="text"' in en.text and 'name="shapes"' in en.text


def test_the_form_posted_from_the_page_shows_the_report_and_keeps_the_text(client):
    r = client.post("/validate?lang=zh", data={"text": BROKEN, "format": "turtle"}, headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "数据不符合形状要求。" in r.text
    assert "须有一个英文首选标签和一个中文首选标签" in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text  # the pasted text, escaped in the textarea


# ------------------------------------------------------------------ errors


def test_bad_syntax_is_a_400_problem_with_the_line(client):
    body = assert_problem(client.post("/validate", content=SYNTAX_ERROR, headers={"Content-Type": "text/turtle"}), 400)
    assert body["line"] == 4
    r = client.post("/validate", content=SYNTAX_ERROR, headers={"Content-Type": "text/turtle", "Accept": "text/html"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert ":4</code>" in r.text


def test_a_form_without_data_shows_the_page_with_the_error(client):
    r = client.post("/validate?lang=en", data={"text": "  ", "format": ""}, headers={"Accept": "text/html"})
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "No data: upload a file" in r.text


def test_an_unsupported_content_type_is_415(client):
    assert_problem(client.post("/validate", content=b"hello", headers={"Content-Type": "text/plain"}), 415)
    assert_problem(client.post("/validate", content=b"hello"), 415)


def test_remote_jsonld_contexts_are_not_fetched(client):
    doc = json.dumps({"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://x/a", "name": "A"})
    body = assert_problem(client.post("/validate", content=doc, headers={"Content-Type": "application/ld+json"}), 400)
    assert "remote JSON-LD contexts are not fetched" in body["detail"]


def test_uploaded_shapes_may_not_query_other_services(client):
    shapes = """@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/S> a sh:NodeShape ; sh:targetClass <http://127.0.0.1:8000/ontology#UNEntity> ;
    sh:sparql [ sh:select "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o } }" ] .
"""
    r = client.post("/validate", files={"data": ("agency.ttl", GOOD.encode()), "shapes": ("evil.ttl", shapes.encode())})
    body = assert_problem(r, 400)
    assert "SERVICE" in body["detail"]


@pytest.mark.parametrize(
    "constraint",
    [
        'sh:property [ sh:path <http://example.org/p> ; sh:minCount "many" ]',
        'sh:sparql [ sh:select "SELECT $this WHERE { $this ?p }" ]',
    ],
)
def test_shapes_the_validator_cannot_use_are_a_400(client, constraint):
    shapes = f"""@prefix sh: <http://www.w3.org/ns/shacl#> .
<http://example.org/S> a sh:NodeShape ; sh:targetClass <http://127.0.0.1:8000/ontology#UNEntity> ; {constraint} .
"""
    body = assert_problem(client.post("/validate", files={"data": ("a.ttl", GOOD.encode()), "shapes": ("bad.ttl", shapes.encode())}), 400)
    assert body["detail"].startswith("bad.ttl: the shapes cannot be used:")


def test_pasted_text_may_be_larger_than_a_megabyte(client):
    padding = "# " + "x" * 1000 + "\n"
    text = BROKEN + padding * 1100
    assert len(text.encode()) > 1024 * 1024
    r = client.post("/validate", data={"text": text, "format": "turtle"})
    assert r.status_code == 200, r.text
    assert violations(r.json()) == {(ID + "org/X", "skos:prefLabel", "Violation")}


def test_an_oversized_upload_is_413(live_server_factory):
    url = live_server_factory(max_body_bytes=2048)
    with httpx.Client(base_url=url, timeout=120) as c:
        r = c.post("/validate", content=GOOD + "# padding\n" * 400, headers={"Content-Type": "text/turtle"})
        assert_problem(r, 413)
        r = c.post("/validate", files={"data": ("big.ttl", (GOOD + "#\n" * 2000).encode())})
        assert_problem(r, 413)


NEW_COLLABORATION = f"""@prefix pk: <http://127.0.0.1:8000/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<{ID}collaboration/49-1/UNFPA> a pk:Collaboration ;
    pk:collaborator <{ID}org/UNFPA> ; pk:intervention <{ID}intervention/49-1> ;
    prov:wasDerivedFrom <{ID}para/49/item/1> ; pk:sourceParagraph <{ID}para/49> ; pk:surfaceForm "人口基金"@zh .
"""


def test_context_graph_resolves_references_to_the_stored_graph(client):
    alone = client.post("/validate", content=NEW_COLLABORATION, headers={"Content-Type": "text/turtle"}).json()
    assert alone["conforms"] is False  # UNFPA and intervention 49-1 are not in the posted data
    assert {r["focusNode"] for r in alone["results"]} >= {ID + "org/UNFPA", ID + "intervention/49-1"}
    r = client.post("/validate?context=graph", content=NEW_COLLABORATION, headers={"Content-Type": "text/turtle"})
    body = r.json()
    assert body["conforms"] is True, body
    assert body["results"] == []  # the stored graph's own warnings are not about the posted data
    assert [a["name"] for a in body["added"]] == ["graph", "ontology"]
    form = client.post("/validate", data={"text": NEW_COLLABORATION, "format": "turtle", "context": "graph"}).json()
    assert form["conforms"] is True
    both = client.post("/validate?context=graph,ontology", content=NEW_COLLABORATION, headers={"Content-Type": "text/turtle"}).json()
    assert both["conforms"] is True
    assert_problem(client.post("/validate?context=everything", content=GOOD, headers={"Content-Type": "text/turtle"}), 400)


def test_validating_never_changes_the_store(client):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def triples() -> int:
        r = client.get("/sparql", params={"query": count}, headers={"Accept": "application/sparql-results+json"})
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    before = triples()
    client.post("/validate", content=GOOD, headers={"Content-Type": "text/turtle"})
    client.post("/validate?context=graph", content=GOOD, headers={"Content-Type": "text/turtle"})
    client.post("/validate", files={"data": ("agency.ttl", BROKEN.encode())})
    assert triples() == before
    r = client.get("/sparql", params={"query": f"ASK {{ <{ID}org/X> ?p ?o }}"}, headers={"Accept": "application/sparql-results+json"})
    assert r.json()["boolean"] is False


# ------------------------------------------------------------------ the steward's scenario


@pytest.fixture(scope="module")
def steward_dump(built_graph, tmp_path_factory) -> Path:
    """The built dump with UNFPA's Chinese label and one collaboration's provenance deleted."""
    source = next(p for p in built_graph.outputs if p.name == "plankg.nq")
    org, collaboration = ID + "org/UNFPA", ID + "collaboration/56-2/UNDP"
    kept, dropped = [], []
    for line in source.read_text(encoding="utf-8").splitlines():
        chinese_label = line.startswith(f"<{org}> ") and ("#prefLabel>" in line or "#label>" in line) and '"@zh ' in line
        provenance = line.startswith(f"<{collaboration}> ") and ("#wasDerivedFrom>" in line or "#sourceParagraph>" in line)
        (dropped if chinese_label or provenance else kept).append(line)
    assert len(dropped) == 4, dropped
    path = tmp_path_factory.mktemp("steward") / "plankg-edited.nq"
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return path


def test_steward_cli_names_both_problems_in_chinese(steward_dump):
    done = subprocess.run(
        [sys.executable, "-m", "plankg.cli", "validate", str(steward_dump), "--lang", "zh"],
        cwd=steward_dump.parent, capture_output=True, timeout=600, check=False,
    )
    assert done.returncode == 1, done.stderr.decode()
    out = done.stdout.decode("utf-8")
    assert out.startswith("验证报告：不符合（违规 3 项")
    # the organization, by the label it still has
    assert f"United Nations Population Fund <{ID}org/UNFPA>" in out
    assert "[违规] skos:prefLabel：须有一个英文首选标签和一个中文首选标签" in out
    # the collaboration, by its collaborator and intervention
    assert f"联合国开发计划署（主要干预措施 56.2） <{ID}collaboration/56-2/UNDP>" in out
    assert "[违规] prov:wasDerivedFrom：缺少出处" in out
    assert "[违规] pk:sourceParagraph：缺少来源段落" in out


def test_steward_http_shows_the_same(client, steward_dump):
    data = steward_dump.read_bytes()
    summary = client.post("/validate?lang=zh", content=data, headers={"Content-Type": "application/n-quads"}).json()
    assert violations(summary) == {
        (ID + "org/UNFPA", "skos:prefLabel", "Violation"),
        (ID + "collaboration/56-2/UNDP", "prov:wasDerivedFrom", "Violation"),
        (ID + "collaboration/56-2/UNDP", "pk:sourceParagraph", "Violation"),
    }
    cli = subprocess.run(
        [sys.executable, "-m", "plankg.cli", "validate", str(steward_dump), "--report", "turtle"],
        cwd=steward_dump.parent, capture_output=True, timeout=600, check=False,
    )
    graph = list(ox.parse(cli.stdout, format=ox.RdfFormat.TURTLE))
    focus = {t.subject: t.object.value for t in graph if t.predicate.value == SH + "focusNode"}
    severity = {t.subject: t.object.value for t in graph if t.predicate.value == SH + "resultSeverity"}
    assert {focus[r] for r in focus if severity[r] == SH + "Violation"} == {f for f, _, _ in violations(summary)}
    assert len(focus) == len(summary["results"])

    page = client.post(
        "/validate?lang=zh", files={"data": ("plankg-edited.nq", data)}, headers={"Accept": "text/html"}
    ).text
    assert "United Nations Population Fund" in page
    assert "联合国开发计划署（主要干预措施 56.2）" in page
    assert "缺少出处：prov:wasDerivedFrom" in page


def test_steward_syntax_error_gets_its_line(client, steward_dump, tmp_path):
    lines = steward_dump.read_text(encoding="utf-8").splitlines()
    lines[99] = lines[99].replace("> <", "> ", 1)  # line 100 loses a term's opening bracket
    bad = tmp_path / "bad.nq"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "plankg.cli", "validate", str(bad)], cwd=tmp_path, capture_output=True, timeout=600, check=False
    )
    assert done.returncode == 2
    assert done.stderr.decode().startswith(f"plankg: {bad}:100: ")
    body = assert_problem(client.post("/validate", content=bad.read_bytes(), headers={"Content-Type": "application/n-quads"}), 400)
    assert body["line"] == 100


def test_the_built_dump_passes_the_authority_check_over_http(built_graph, live_server_factory):
    if not KOS.is_file():
        import os

        if os.environ.get("CI") == "true":
            pytest.fail(f"the UN SDG KOS dump is missing at {KOS}")
        pytest.skip("the UN SDG KOS dump is not on this machine")
    url = live_server_factory(sdg_kos_path=KOS)
    dump = next(p for p in built_graph.outputs if p.name == "plankg.nq").read_bytes()
    with httpx.Client(base_url=url, timeout=300) as c:
        body = c.post("/validate", content=dump, headers={"Content-Type": "application/n-quads"}).json()
    assert body["authorityChecked"] is True
    assert body["writeGate"]["passes"] is True
