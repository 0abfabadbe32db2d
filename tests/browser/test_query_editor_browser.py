"""The SPARQL editor on /query as a researcher uses it: every named query with its parameters,
downloads whose content is checked, syntax errors with the line marked, shareable links."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser

BOM = "\ufeff"
B = "http://127.0.0.1:8000/"


def set_query(page, text: str) -> None:
    # the editor is CodeMirror (YASQE): its instance hangs on its element
    page.evaluate("t => document.querySelector('#query-editor .CodeMirror').CodeMirror.setValue(t)", text)


def editor_text(page) -> str:
    return page.evaluate("() => document.querySelector('#query-editor .CodeMirror').CodeMirror.getValue()")


def marked_lines(page) -> list[str]:
    return page.evaluate(
        """() => { const out = [];
          document.querySelector('#query-editor .CodeMirror').CodeMirror.eachLine(
            l => { if ((l.bgClass || '').includes('query-error-line')) out.push(l.text) });
          return out }"""
    )


def run(page) -> str:
    page.evaluate("() => { document.getElementById('query-status').textContent = '' }")
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function(
        "() => { const s = document.getElementById('query-status').textContent; return s && s !== 'Running…' }"
    )
    return page.inner_text("#query-status")


def download(page, label: str):
    with page.expect_download() as info:
        page.get_by_role("button", name=label).click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


def shared_params(page) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(page.get_attribute("#query-share", "href")).query))


def test_every_named_query_runs_from_the_editor_with_its_parameters_and_downloads(session, artifacts):
    page = session.page
    session.goto("/query?lang=en")
    page.wait_for_selector("#query-editor .CodeMirror")
    names = [n for n in page.eval_on_selector_all("#query-pick option", "os => os.map(o => o.value)") if n]
    assert len(names) >= 19
    for name in names:
        page.select_option("#query-pick", name)
        assert not editor_text(page).startswith("#+"), name
        if name == "partners-by-area":
            # a parameter set in the editor reaches the server: wee, not the default evaw
            page.select_option("#qp-area", "wee")
        status = run(page)
        assert page.inner_text("#query-error") == "", (name, page.inner_text("#query-error"))
        assert re.match(r"\d+ rows", status), (name, status)
        params = {k: v for k, v in shared_params(page).items() if k not in ("name", "run", "lang")}
        api = page.request.get(session.base + f"/queries/{name}", params=params, headers={"Accept": "application/sparql-results+json"})
        assert api.status == 200, (name, params, api.text()[:200])
        expected = api.json()
        filename, body = download(page, "Download CSV")
        assert filename == f"{name}.csv"
        text = body.decode("utf-8")
        assert text.startswith(BOM), name
        table = list(csv.reader(io.StringIO(text[1:])))
        assert table[0] == expected["head"]["vars"], name
        assert len(table) - 1 == len(expected["results"]["bindings"]) == int(status.split()[0]), name
        if name == "partners-by-area":
            assert len(table) > 1 and {row[0] for row in table[1:]} == {B + "id/area/wee"}
            page.screenshot(path=str(artifacts / "query-editor-partners-by-area-wee.png"), full_page=True)
    assert not session.errors, session.errors


def test_json_and_xlsx_downloads_hold_the_rows_with_chinese_intact(session):
    page = session.page
    session.goto("/query?lang=en&name=agency-profile&agency=UNFPA")
    page.wait_for_selector("#query-editor .CodeMirror")
    status = run(page)
    rows = int(status.split()[0])
    assert rows > 0
    filename, body = download(page, "Download JSON")
    assert filename == "agency-profile.json"
    data = json.loads(body)
    assert len(data["results"]["bindings"]) == rows
    filename, body = download(page, "Download XLSX")
    assert filename == "agency-profile.xlsx"
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "xl/workbook.xml" in z.namelist()
    assert sheet.count("<row ") == rows + 1
    assert "联合国人口基金" in sheet and "<t xml:space=\"preserve\">agency</t>" in sheet
    # the agency's name is shown beside its IRI in the table, once /names has answered
    page.wait_for_selector("#query-results .iri-label:has-text('Population Fund')")


def test_an_unknown_agency_in_the_editor_says_unknown_agency(session):
    page = session.page
    session.goto("/query?lang=en&name=agency-profile")
    page.wait_for_selector("#query-editor .CodeMirror")
    page.fill("#qp-agency", "FOO")
    run(page)
    assert "Unknown agency 'FOO'" in page.inner_text("#query-error")
    session.errors.clear()  # the browser logs the 422 it was sent on purpose


def test_a_syntax_error_marks_the_line_in_the_editor(session, artifacts):
    page = session.page
    session.goto("/query?lang=en")
    page.wait_for_selector("#query-editor .CodeMirror")
    set_query(page, "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?s WHERE {\n  ?s skos:prefLabel ?l .\n  FILTER(?l = \n}")
    run(page)
    error = page.inner_text("#query-error")
    assert "Syntax error (line 5, column" in error
    # the excerpt repeats the line with a caret; the editor highlights the same line
    assert re.search(r"^5 \| \}$", error, re.M)
    assert marked_lines(page) == ["}"]
    assert page.locator("#query-editor .query-error-line").count() == 1
    page.screenshot(path=str(artifacts / "query-editor-syntax-error.png"), full_page=True)
    # editing clears the mark
    page.get_by_role("button", name="Run", exact=True).focus()
    set_query(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    assert marked_lines(page) == []
    session.errors.clear()  # the 400 of the bad query is logged by the browser on purpose


def test_the_shareable_link_reproduces_a_named_query_with_its_parameters(session):
    page = session.page
    session.goto("/query?lang=en&name=partners-by-area")
    page.wait_for_selector("#query-editor .CodeMirror")
    page.select_option("#qp-area", "wps")
    page.select_option("#qp-entities_only", "false")
    first = run(page)
    link = page.get_attribute("#query-share", "href")
    other = session.context.new_page()
    other.goto(session.base + link)
    other.wait_for_function("() => /\\d+ rows/.test(document.getElementById('query-status').textContent)")
    assert other.input_value("#query-pick") == "partners-by-area"
    assert other.input_value("#qp-area") == "wps" and other.input_value("#qp-entities_only") == "false"
    assert other.inner_text("#query-status") == first
    other.close()


def test_the_shareable_link_reproduces_an_own_query_and_its_file_is_not_named_after_a_named_query(session):
    page = session.page
    session.goto("/query?lang=en&name=partners-by-area")
    page.wait_for_selector("#query-editor .CodeMirror")
    own = "PREFIX pk: <http://127.0.0.1:8000/ontology#>\nSELECT ?area WHERE { ?area a pk:ImpactArea } ORDER BY ?area\n"
    set_query(page, own)
    assert page.is_visible("#query-edited")
    status = run(page)
    assert status == "4 rows"
    filename, body = download(page, "Download CSV")
    assert filename == "custom-query.csv"
    assert body.decode("utf-8").startswith(BOM + "area\r\n")
    link = page.get_attribute("#query-share", "href")
    other = session.context.new_page()
    other.goto(session.base + link)
    other.wait_for_function("() => /\\d+ rows/.test(document.getElementById('query-status').textContent)")
    assert other.evaluate("() => document.querySelector('#query-editor .CodeMirror').CodeMirror.getValue()") == own
    assert other.inner_text("#query-status") == "4 rows"
    other.close()


def test_construct_results_show_as_turtle_and_download(session, artifacts):
    page = session.page
    session.goto("/query?lang=en")
    page.wait_for_selector("#query-editor .CodeMirror")
    set_query(
        page,
        "PREFIX pk: <http://127.0.0.1:8000/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "CONSTRUCT { ?a skos:prefLabel ?l } WHERE { ?a a pk:ImpactArea ; skos:prefLabel ?l }\n",
    )
    status = run(page)
    assert re.match(r"\d+ triples", status), status
    assert page.is_disabled("#download-csv") and page.is_enabled("#download-turtle")
    shown = page.inner_text("#query-results")
    assert "@prefix" in shown and "prefLabel" in shown and "Ending violence" in shown
    filename, body = download(page, "Download Turtle")
    assert filename == "custom-query.ttl"
    import pyoxigraph as ox

    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    assert len(triples) == int(status.split()[0]) and len(triples) >= 8
    page.screenshot(path=str(artifacts / "query-editor-construct.png"), full_page=True)


def test_the_editor_in_chinese_shows_chinese_labels(session):
    page = session.page
    session.goto("/query?lang=zh&name=partners-by-area&run=1")
    page.wait_for_function("() => /行/.test(document.getElementById('query-status').textContent)")
    page.wait_for_selector("#query-results .iri-label:has-text('联合国人口基金')")


def test_the_editor_asks_names_only_for_the_graphs_own_iris_it_shows(session):
    page = session.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if urlsplit(r.url).path == "/names" else None)
    session.goto("/query?lang=en&name=agency-profile&agency=UNFPA&run=1")
    page.wait_for_selector("#query-results .iri-label:has-text('Population Fund')")
    assert asked and not any("entity-labels" in u for u in asked)
    iris = [v for u in asked for k, v in parse_qsl(urlsplit(u).query) if k == "iri"]
    assert len(iris) == len(set(iris)) and all(i.startswith("http") and "/id/" in i for i in iris)
    assert all(len([k for k, _ in parse_qsl(urlsplit(u).query) if k == "iri"]) <= 200 for u in asked)


def test_the_editor_shows_the_answer_without_names_when_names_fail(session):
    page = session.page
    page.route("**/names?*", lambda route: route.fulfill(status=503, body="down"))
    session.goto("/query?lang=en&name=agency-profile&agency=UNFPA&run=1")
    page.wait_for_selector("#query-results a.iri[data-labelled]")
    page.wait_for_timeout(300)  # let the refused request come back
    assert page.locator("#query-results .iri-label").count() == 0
    # the refused request is logged by the browser; no script error is
    assert not [e for e in session.errors if "Failed to load resource" not in e], session.errors
    session.errors.clear()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_axe_finds_nothing_serious_in_the_editor_with_results_shown(axe_session, artifacts, lang):
    page = axe_session.page
    axe_session.goto(f"/query?lang={lang}&name=agency-profile&agency=UNFPA&run=1")
    page.wait_for_selector("#query-results .iri-label")
    page.add_script_tag(path=str(Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"))
    result = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations.map(
             v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    page.screenshot(path=str(artifacts / f"query-editor-results-{lang}.png"), full_page=True)
    assert not [v for v in result if v["impact"] in ("serious", "critical", "moderate")], result
