"""Every store answers like every other: embedded pyoxigraph, Oxigraph server, Virtuoso.

Expected answers are computed from the built quads themselves, not from one
of the stores, so the embedded store is checked too. The one normalization:
Virtuoso keeps numbers as SQL numbers, and an integral xsd:decimal ("90")
written through SPARQL Update comes back as xsd:integer (its bulk loader
keeps the type), so for Virtuoso integral decimals and integers compare as
the same term on both sides; every other term (IRIs, language tags, Chinese
text, gYear, integer) must match exactly.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
import time
from collections import defaultdict
from typing import NamedTuple

import pyoxigraph as ox
import pytest

from plankg.errors import (
    BadRequest,
    QuerySyntaxError,
    QueryTimeout,
    StoreUnavailable,
    UpdateNotAllowed,
)
from plankg.namespaces import GRAPH_ONTOLOGY, GRAPH_PLAN, GRAPH_REGISTRY, Namespaces
from plankg.settings import Settings
from plankg.store import GRAPH_FORMATS, RESULT_FORMATS, QueryRequest, Store
from plankg.store.embedded import EmbeddedStore
from plankg.store.remote import RemoteStore

import engines

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
OTHER_BASE = "http://other.invalid/kg/"
QUERY_RESULTS_PARSERS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
}


class Backend(NamedTuple):
    name: str
    store: Store


class Facts:
    """Answers read straight from the built quads."""

    def __init__(self, settings: Settings, quads: list[ox.Quad]) -> None:
        self.ns = Namespaces.of(settings)
        self.quads = quads
        self.by_predicate: dict[str, dict[ox.NamedNode, set]] = defaultdict(lambda: defaultdict(set))
        for q in quads:
            self.by_predicate[q.predicate.value][q.subject].add(q.object)

    def pk(self, local: str) -> str:
        return self.ns.term(local)

    def objects(self, predicate: str) -> dict:
        return self.by_predicate[predicate]

    def graph(self, name: str) -> str:
        return self.ns.graph(name)

    @property
    def prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in sorted(self.ns.prefixes().items()))

    def paragraph_with_footnote(self) -> ox.NamedNode:
        """A paragraph that has a number, a text and a footnote: a subject every query shape can use."""
        numbered = self.objects(self.pk("paragraphNumber"))
        texts = self.objects(self.pk("text"))
        notes = self.objects(self.pk("hasFootnote"))
        return min((p for p in numbered if p in texts and p in notes), key=str)


@pytest.fixture(scope="session")
def facts(built_graph, tmp_path_factory) -> Facts:
    root = tmp_path_factory.mktemp("facts")  # the same base IRI as the build; nothing is written
    return Facts(Settings(dist_dir=root / "dist", store_path=root / "store"), built_graph.quads)


@pytest.fixture(scope="session")
def embedded(built_graph, facts) -> EmbeddedStore:
    store = EmbeddedStore(None, prefixes=facts.ns.prefixes())
    store.replace_dataset(built_graph.quads)
    return store


STORE_PARAMS = ["embedded", *(pytest.param(name, marks=pytest.mark.remote) for name in engines.ENGINE_NAMES)]


@pytest.fixture(params=STORE_PARAMS)
def backend(request, tmp_path) -> Backend:
    if request.param == "embedded":
        return Backend("embedded", request.getfixturevalue("embedded"))
    engine = request.getfixturevalue(f"{request.param}_engine")
    settings = engines.settings_for(engine, tmp_path)
    return Backend(request.param, RemoteStore(settings, prefixes=Namespaces.of(settings).prefixes()))


@pytest.fixture
def remote(engine, tmp_path) -> Backend:
    settings = engines.settings_for(engine, tmp_path)
    return Backend(engine.name, RemoteStore(settings, prefixes=Namespaces.of(settings).prefixes()))


# ---------------------------------------------------------------- comparing terms
def comparable(term, backend: str):
    """The term as this backend is expected to give it back (see the module docstring)."""
    if (
        backend == "virtuoso"
        and isinstance(term, ox.Literal)
        and term.datatype.value == XSD + "decimal"
        and float(term.value).is_integer()
    ):
        return ox.Literal(str(int(float(term.value))), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(term, ox.Triple):
        return ox.Triple(term.subject, term.predicate, comparable(term.object, backend))
    if isinstance(term, ox.Quad):
        return ox.Quad(term.subject, term.predicate, comparable(term.object, backend), term.graph_name)
    return term


def canonical(quads, backend: str) -> set[ox.Quad]:
    """Quads with blank nodes relabelled canonically: each store names them its own way."""
    dataset = ox.Dataset([comparable(q, backend) for q in quads])
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def solutions(body: bytes, fmt: str) -> tuple[list[str], set[tuple]]:
    """Variables and rows of a serialized SELECT answer; CSV rows hold plain strings."""
    if fmt == "csv":
        header, *rows = csv.reader(io.StringIO(body.decode("utf-8")))
        return header, {tuple(row) for row in rows}
    parsed = ox.parse_query_results(body, QUERY_RESULTS_PARSERS[fmt])
    variables = [v.value for v in parsed.variables]
    return variables, {tuple(row[v] for v in variables) for row in parsed}


def boolean(body: bytes, fmt: str) -> bool:
    if fmt in ("csv", "tsv"):
        return body.decode("utf-8").split()[1] == "true"
    return bool(ox.parse_query_results(body, QUERY_RESULTS_PARSERS[fmt]))


def triples(body: bytes, fmt: str) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(body, format=GRAPH_FORMATS[fmt][1])}


def answer_set(response) -> object:
    """A SELECT/ASK/graph answer as a comparable value, parsed back from its JSON or N-Triples body."""
    if response.kind == "graph":
        return triples(response.body, response.format)
    if response.kind == "ask":
        return boolean(response.body, response.format)
    variables, rows = solutions(response.body, response.format)
    return {frozenset(zip(variables, row, strict=True)) for row in rows}


ALL_FORMATS = {"select": "json", "ask": "json", "graph": "ntriples"}


# ---------------------------------------------------------------- answers in every format
@pytest.mark.parametrize("fmt", sorted(RESULT_FORMATS))
def test_select_gives_the_paragraphs_in_every_result_format(backend, facts, fmt):
    numbers = facts.objects(facts.pk("paragraphNumber"))
    texts = facts.objects(facts.pk("text"))
    expected = {(p, n, t) for p in numbers for n in numbers[p] for t in texts.get(p, ())}
    query = facts.prologue + "SELECT ?part ?n ?text WHERE { ?part pk:paragraphNumber ?n ; pk:text ?text }"

    response = backend.store.query(QueryRequest(query, formats={"select": fmt}))

    assert (response.kind, response.format, response.media_type) == ("select", fmt, RESULT_FORMATS[fmt])
    variables, rows = solutions(response.body, fmt)
    assert variables == ["part", "n", "text"]
    if fmt == "csv":
        assert rows == {tuple(term.value for term in row) for row in expected}
    else:
        assert rows == expected
    assert response.rows == len(expected) and not response.truncated


@pytest.mark.parametrize("fmt", sorted(RESULT_FORMATS))
def test_ask_answers_true_and_false_in_every_result_format(backend, facts, fmt):
    paragraph = facts.paragraph_with_footnote()
    (number,) = facts.objects(facts.pk("paragraphNumber"))[paragraph]
    ask = facts.prologue + "ASK { %s pk:paragraphNumber %s }"

    yes = backend.store.query(QueryRequest(ask % (paragraph, number), formats={"ask": fmt}))
    no = backend.store.query(QueryRequest(ask % (paragraph, int(number.value) + 1000), formats={"ask": fmt}))

    assert (yes.kind, yes.media_type) == ("ask", RESULT_FORMATS[fmt])
    assert boolean(yes.body, fmt) is True
    assert boolean(no.body, fmt) is False


@pytest.mark.parametrize("fmt", sorted(GRAPH_FORMATS))
def test_construct_gives_the_instruments_in_every_graph_format(backend, facts, fmt):
    years = facts.objects(facts.pk("yearAdopted"))
    labels = facts.objects(SKOS_PREFLABEL)
    year_p, label_p = ox.NamedNode(facts.pk("yearAdopted")), ox.NamedNode(SKOS_PREFLABEL)
    expected = set()
    for instrument in years.keys() & labels.keys():
        expected |= {ox.Triple(instrument, year_p, y) for y in years[instrument]}
        expected |= {ox.Triple(instrument, label_p, label) for label in labels[instrument]}
    assert expected, "the registry should give instruments a year and a label"
    query = facts.prologue + (
        "CONSTRUCT { ?i pk:yearAdopted ?y ; skos:prefLabel ?l } WHERE { ?i pk:yearAdopted ?y ; skos:prefLabel ?l }"
    )

    response = backend.store.query(QueryRequest(query, formats={"graph": fmt}))

    assert (response.kind, response.media_type) == ("graph", GRAPH_FORMATS[fmt][0])
    assert triples(response.body, fmt) == expected
    assert response.rows == len(expected)


# ---------------------------------------------------------------- terms come back exactly
def test_chinese_text_round_trips_exactly(backend, facts):
    texts = facts.objects(facts.pk("text"))
    expected = {(part, text) for part in texts for text in texts[part]}
    assert any(t.language == "zh" and any("\u4e00" <= ch <= "\u9fff" for ch in t.value) for _, t in expected)

    rows = backend.store.select(facts.prologue + "SELECT ?part ?text WHERE { ?part pk:text ?text }")

    assert {(row["part"], row["text"]) for row in rows} == expected


def test_integers_and_years_come_back_typed(backend, facts):
    numbers = facts.objects(facts.pk("paragraphNumber"))
    years = facts.objects(facts.pk("yearAdopted"))

    got_numbers = backend.store.select(facts.prologue + "SELECT ?p ?n WHERE { ?p pk:paragraphNumber ?n }")
    got_years = backend.store.select(facts.prologue + "SELECT ?i ?y WHERE { ?i pk:yearAdopted ?y }")

    assert {(r["p"], r["n"]) for r in got_numbers} == {(p, n) for p in numbers for n in numbers[p]}
    assert {r["n"].datatype.value for r in got_numbers} == {XSD + "integer"}
    assert {(r["i"], r["y"]) for r in got_years} == {(i, y) for i in years for y in years[i]}
    assert {r["y"].datatype.value for r in got_years} == {XSD + "gYear"}


def test_statistic_values_keep_their_value_and_type(backend, facts):
    values = facts.objects(facts.pk("value"))
    expected = {(s, comparable(v, backend.name)) for s in values for v in values[s]}
    assert any(v.datatype.value == XSD + "decimal" for s in values for v in values[s])

    rows = backend.store.select(facts.prologue + "SELECT ?s ?v WHERE { ?s pk:value ?v }")

    assert {(r["s"], comparable(r["v"], backend.name)) for r in rows} == expected


def test_every_quad_comes_back(backend, facts):
    assert canonical(backend.store.quads(), backend.name) == canonical(facts.quads, backend.name)
    registry = facts.graph(GRAPH_REGISTRY)
    assert {comparable(q, backend.name) for q in backend.store.quads(registry)} == {
        comparable(q, backend.name) for q in facts.quads if q.graph_name.value == registry
    }
    assert backend.store.is_empty() is False


# ---------------------------------------------------------------- the dataset
def test_the_default_graph_is_the_union_of_plankgs_graphs(backend, facts):
    query = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"

    (row,) = backend.store.select(query)

    # Virtuoso's own system graphs (~2,500 triples) must not show up here.
    assert int(row["n"].value) == len({q.triple for q in facts.quads})


def test_graph_patterns_see_exactly_plankgs_named_graphs(backend, facts):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    every = backend.store.query(QueryRequest(query, formats=ALL_FORMATS))
    plan_only = backend.store.query(QueryRequest(query, formats=ALL_FORMATS, named_graph_uris=[facts.graph(GRAPH_PLAN)]))

    # named graphs alone leave the default graph empty, as FROM NAMED without FROM does
    default_left = backend.store.query(
        QueryRequest("ASK { ?s ?p ?o }", formats=ALL_FORMATS, named_graph_uris=[facts.graph(GRAPH_PLAN)])
    )

    assert answer_set(every) == {frozenset({("g", q.graph_name)}) for q in facts.quads}
    assert answer_set(plan_only) == {frozenset({("g", ox.NamedNode(facts.graph(GRAPH_PLAN)))})}
    assert answer_set(default_left) is False


def test_default_graph_uris_restrict_the_query_to_one_graph(backend, facts):
    registry = facts.graph(GRAPH_REGISTRY)
    expected = {comparable(q.triple, backend.name) for q in facts.quads if q.graph_name.value == registry}
    assert not any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in expected)
    ask = facts.prologue + "ASK { ?p pk:paragraphNumber ?n }"

    response = backend.store.query(
        QueryRequest("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", formats=ALL_FORMATS, default_graph_uris=[registry])
    )
    in_registry = backend.store.query(QueryRequest(ask, formats=ALL_FORMATS, default_graph_uris=[registry]))
    in_plan = backend.store.query(QueryRequest(ask, formats=ALL_FORMATS, default_graph_uris=[facts.graph(GRAPH_PLAN)]))

    assert {comparable(t, backend.name) for t in answer_set(response)} == expected
    assert answer_set(in_registry) is False
    assert answer_set(in_plan) is True


# ---------------------------------------------------------------- bindings
def test_a_bound_variable_selects_one_paragraph(backend, facts):
    paragraph = facts.paragraph_with_footnote()
    texts = facts.objects(facts.pk("text"))[paragraph]

    rows = backend.store.select(
        facts.prologue + "SELECT ?part ?text WHERE { ?part pk:text ?text }", bindings={"part": paragraph}
    )

    assert {(r["part"], r["text"]) for r in rows} == {(paragraph, t) for t in texts}


def binding_cases(facts: Facts) -> dict[str, tuple[str, dict]]:
    paragraph = facts.paragraph_with_footnote()
    (text,) = facts.objects(facts.pk("text"))[paragraph]
    area = min({a for areas in facts.objects(facts.pk("impactArea")).values() for a in areas}, key=str)
    tricky = ox.Literal('引号 "quoted" \\ back\nslash\ttab }) # not a comment', language="zh")
    return {
        "select with projection": ("SELECT ?part ?text WHERE { ?part pk:text ?text }", {"part": paragraph}),
        "select ending in a comment": ("SELECT ?part ?n WHERE { ?part pk:paragraphNumber ?n } # last line", {"part": paragraph}),
        "literal used in a filter": (
            "SELECT ?part ?n ?max WHERE { ?part pk:paragraphNumber ?n FILTER(?n <= ?max) }",
            {"max": ox.Literal("5", datatype=ox.NamedNode(XSD + "integer"))},
        ),
        "optional part": (
            "SELECT ?part ?note ?text WHERE { ?part pk:text ?text OPTIONAL { ?part pk:hasFootnote ?note } }",
            {"part": paragraph},
        ),
        "aggregate per group": (
            "SELECT ?area (COUNT(?ki) AS ?n) WHERE { ?ki pk:impactArea ?area } GROUP BY ?area",
            {"area": area},
        ),
        "ask on Chinese text": ("ASK { ?part pk:text ?text }", {"text": text}),
        "ask that fails": ("ASK { ?part pk:text ?text }", {"text": ox.Literal(text.value + "。", language="zh")}),
        "construct": ("CONSTRUCT { ?part pk:text ?text } WHERE { ?part pk:text ?text }", {"part": paragraph}),
        "construct where": ("CONSTRUCT WHERE { ?part pk:paragraphNumber ?n }", {"part": paragraph}),
        "literal that needs escaping": ("SELECT ?x WHERE {}", {"x": tricky}),
        "two variables": (
            "SELECT ?part ?text WHERE { ?part pk:text ?text }",
            {"part": paragraph, "text": text},
        ),
    }


CASE_NAMES = [
    "select with projection", "select ending in a comment", "literal used in a filter", "optional part",
    "aggregate per group", "ask on Chinese text", "ask that fails", "construct", "construct where",
    "literal that needs escaping", "two variables",
]


@pytest.mark.parametrize("case", CASE_NAMES)
def test_values_bindings_answer_like_the_embedded_substitution(remote, embedded, facts, case):
    query, bindings = binding_cases(facts)[case]
    query = facts.prologue + query

    expected = answer_set(embedded.query(QueryRequest(query, formats=ALL_FORMATS, bindings=bindings)))
    got = answer_set(remote.store.query(QueryRequest(query, formats=ALL_FORMATS, bindings=bindings)))

    assert got == expected
    assert expected not in (set(), None), "a case that finds nothing could not tell the two apart"


# ---------------------------------------------------------------- the row cap
def test_the_row_cap_truncates_a_select_and_says_so(backend, facts):
    query = "SELECT ?s ?c WHERE { ?s a ?c }"
    total = sum(1 for q in facts.quads if q.predicate.value == RDF_TYPE)

    cut = backend.store.query(QueryRequest(query, formats={"select": "json"}, row_cap=5))
    cut_xml = backend.store.query(QueryRequest(query, formats={"select": "xml"}, row_cap=5))
    whole = backend.store.query(QueryRequest(query, formats={"select": "json"}, row_cap=total))

    assert (cut.rows, cut.truncated) == (5, True)
    document = json.loads(cut.body)
    assert document["truncated"] is True and len(document["results"]["bindings"]) == 5
    assert b'<link href="urn:plankg:truncated"/>' in cut_xml.body
    assert (whole.rows, whole.truncated) == (total, False)
    assert "truncated" not in json.loads(whole.body)


def test_the_row_cap_truncates_a_graph(backend):
    response = backend.store.query(
        QueryRequest("CONSTRUCT { ?s a ?c } WHERE { ?s a ?c }", formats={"graph": "ntriples"}, row_cap=3)
    )

    assert (response.rows, response.truncated) == (3, True)
    assert len(triples(response.body, "ntriples")) == 3


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_the_byte_cap_cuts_a_select_between_rows_and_says_so(backend, fmt):
    cap = 16 * 1024
    response = backend.store.query(QueryRequest("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", formats={"select": fmt}, row_cap=100_000, max_bytes=cap))

    assert response.truncated and 0 < response.rows < 100_000
    assert len(response.body) <= cap
    if fmt == "json":
        assert len(json.loads(response.body)["results"]["bindings"]) == response.rows
    if fmt == "xml":
        assert b'<link href="urn:plankg:truncated"/>' in response.body


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "jsonld", "rdfxml"])
def test_the_byte_cap_cuts_a_graph_between_triples(backend, fmt):
    cap = 16 * 1024
    response = backend.store.query(QueryRequest("CONSTRUCT WHERE { ?s ?p ?o }", formats={"graph": fmt}, row_cap=100_000, max_bytes=cap))

    assert response.truncated and 0 < response.rows < 100_000
    assert len(response.body) <= cap
    assert len(triples(response.body, fmt)) == response.rows


# ---------------------------------------------------------------- failures
def test_a_malformed_query_raises_query_syntax_error_with_its_line(backend):
    with pytest.raises(QuerySyntaxError) as caught:
        backend.store.query(QueryRequest("SELECT * WHERE {\n ?s ?p \n}", formats=ALL_FORMATS))

    assert caught.value.detail.startswith("SPARQL syntax error: ")
    assert caught.value.line in (2, 3)


def test_an_update_sent_as_a_query_is_refused_and_changes_nothing(engine, facts, tmp_path):
    store = RemoteStore(engines.settings_for(engine, tmp_path))
    before = store.version
    update = f"INSERT DATA {{ GRAPH <{facts.graph(GRAPH_PLAN)}> {{ <urn:x:s> <urn:x:p> <urn:x:o> }} }}"

    with pytest.raises(UpdateNotAllowed):
        store.query(QueryRequest(update, formats=ALL_FORMATS))

    assert RemoteStore(engines.settings_for(engine, tmp_path)).version == before


def test_an_unreachable_endpoint_raises_store_unavailable(tmp_path):
    port = engines.free_port()  # nothing listens there
    settings = Settings(
        store="remote",
        remote_query_url=f"http://127.0.0.1:{port}/sparql",
        remote_update_url=f"http://127.0.0.1:{port}/sparql",
        dist_dir=tmp_path / "dist",
        store_path=tmp_path / "store",
    )
    store = RemoteStore(settings)

    with pytest.raises(StoreUnavailable) as caught:
        store.query(QueryRequest("SELECT * WHERE { ?s ?p ?o }", formats=ALL_FORMATS))
    with pytest.raises(StoreUnavailable):
        store.version  # noqa: B018 - the property is what is checked
    with pytest.raises(StoreUnavailable):
        store.replace_dataset([])

    assert str(port) not in caught.value.detail  # no internal addresses in what users see


@pytest.mark.remote
def test_a_wrong_endpoint_path_raises_store_unavailable(oxigraph_engine, tmp_path):
    settings = engines.settings_for(oxigraph_engine, tmp_path)
    store = RemoteStore(settings.model_copy(update={"remote_query_url": settings.remote_query_url + "/nothing"}))

    with pytest.raises(StoreUnavailable):
        store.query(QueryRequest("ASK {}", formats=ALL_FORMATS))


def test_remote_without_a_query_url_is_refused_at_start(tmp_path):
    with pytest.raises(StoreUnavailable):
        RemoteStore(Settings(store="remote", dist_dir=tmp_path / "dist", store_path=tmp_path / "store"))


# ---------------------------------------------------------------- writing
def rebased(quads: list[ox.Quad], old_base: str, new_base: str) -> list[ox.Quad]:
    text = "".join(f"{q} .\n" for q in quads).replace(old_base, new_base)
    return list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))


def test_replace_dataset_loads_and_replaces_only_its_own_graphs(request, engine, facts, tmp_path):
    main = RemoteStore(engines.settings_for(engine, tmp_path))
    main_version = main.version
    other_settings = engines.settings_for(engine, tmp_path, base_iri=OTHER_BASE)
    other = RemoteStore(other_settings)
    data = rebased(facts.quads, facts.ns.base, OTHER_BASE)
    other_ns = Namespaces.of(other_settings)

    start = time.perf_counter()
    other.replace_dataset(data)
    engines.record_timing(request.config, engine.name, "load via replace_dataset", time.perf_counter() - start)

    assert canonical(other.quads(), engine.name) == canonical(data, engine.name)
    assert set(other.graphs()) == {other_ns.graph(g) for g in (GRAPH_ONTOLOGY, GRAPH_PLAN, GRAPH_REGISTRY)}
    assert RemoteStore(engines.settings_for(engine, tmp_path)).version == main_version  # the main dataset is untouched

    registry_only = [q for q in data if q.graph_name.value == other_ns.graph(GRAPH_REGISTRY)]
    version = other.version
    other.replace_dataset(registry_only)

    assert other.version != version
    assert {comparable(q, engine.name) for q in other.quads()} == {comparable(q, engine.name) for q in registry_only}

    other.replace_dataset([])

    assert other.is_empty() is True
    assert RemoteStore(engines.settings_for(engine, tmp_path)).version == main_version


def test_replace_dataset_refuses_default_graph_triples_and_changes_nothing(engine, facts, tmp_path):
    store = RemoteStore(engines.settings_for(engine, tmp_path))
    before = store.version
    stray = ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("x"), ox.DefaultGraph())

    with pytest.raises(BadRequest):
        store.replace_dataset([*facts.quads[:10], stray])

    assert RemoteStore(engines.settings_for(engine, tmp_path)).version == before


# ---------------------------------------------------------------- one number per store
def test_a_simple_select_answers_quickly_enough_to_measure(request, backend, facts):
    paragraph = facts.paragraph_with_footnote()
    query = facts.prologue + "SELECT ?part ?text WHERE { ?part pk:text ?text }"
    expected = {frozenset({("part", paragraph), ("text", t)}) for t in facts.objects(facts.pk("text"))[paragraph]}
    seconds = []
    for _ in range(20):
        start = time.perf_counter()
        response = backend.store.query(QueryRequest(query, formats={"select": "json"}, bindings={"part": paragraph}))
        seconds.append(time.perf_counter() - start)
        assert answer_set(response) == expected
    engines.record_timing(request.config, backend.name, "simple SELECT (median)", statistics.median(seconds))


# Last in the module: the engine may go on working on the abandoned query for a few seconds.
@pytest.mark.slow
def test_a_query_past_the_time_limit_raises_query_timeout(remote):
    # ~130 million pairs: seconds of work for either engine, which stops it at ENGINE_QUERY_LIMIT_S at worst
    cross_join = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"

    with pytest.raises(QueryTimeout):
        remote.store.query(QueryRequest(cross_join, formats=ALL_FORMATS, timeout_s=1.0))
