"""plankg.catalog: reading .rq headers, and turning client text into bound RDF terms."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql import prepareQuery

from plankg.catalog import Catalog, bind, parse_query
from plankg.errors import ParameterError, QueryFileError, QuerySyntaxError, UnknownQuery
from plankg.settings import PROJECT_ROOT, Settings
from plankg.store.embedded import EmbeddedStore

XSD = "http://www.w3.org/2001/XMLSchema#"
B = "http://127.0.0.1:8000/"
QUERIES_DIR = PROJECT_ROOT / "queries"

GOOD = """\
#+ summary: Agencies in an area
#+ description: >-
#+   A longer text that
#+   spans lines.
#+ tags: [partners, areas]
#+ params:
#+   area: {type: iri, prefix: "http://127.0.0.1:8000/id/area/", enum: [governance, wee, evaw, wps], default: evaw, description: "impact area"}
#+   n: {type: integer, min: 1, max: 119}
#+   q: string
#+ examples: ["area=evaw&n=56", {area: wps}]
#+ language: [zh, en]
PREFIX pk: <http://127.0.0.1:8000/ontology#>
SELECT ?area ?n ?q ?x WHERE {
  ?x pk:impactArea ?area ; pk:paragraphNumber ?n ; pk:text ?q .
}
"""


def header_error(text: str, name: str = "sample") -> QueryFileError:
    with pytest.raises(QueryFileError) as caught:
        parse_query(name, text, path=f"queries/{name}.rq")
    return caught.value


def sample(params: str, body_vars: str = "?v", extra: str = "") -> str:
    """A one-parameter query file around a parameter declaration."""
    return (
        "#+ summary: s\n#+ params:\n"
        + "".join(f"#+   {line}\n" for line in params.splitlines())
        + extra
        + f"SELECT {body_vars} WHERE {{ ?s ?p {body_vars.split()[0]} }}\n"
    )


# ---------------------------------------------------------------- headers
def test_good_header_is_read_into_the_model():
    q = parse_query("sample", GOOD)
    assert q.summary == "Agencies in an area"
    assert q.description == "A longer text that spans lines."
    assert q.tags == ("partners", "areas")
    assert q.languages == ("zh", "en")
    assert q.form == "select"
    assert [p.name for p in q.params] == ["area", "n", "q"]
    area, n, text = q.params
    assert (area.type, area.prefix, area.enum, area.default) == ("iri", B + "id/area/", ("governance", "wee", "evaw", "wps"), "evaw")
    assert (n.type, int(n.min), int(n.max), n.required) == ("integer", 1, 119, False)
    assert text.type == "string"
    assert q.examples == ({"area": "evaw", "n": "56"}, {"area": "wps"})
    assert q.example_url() == "/queries/sample?area=evaw&n=56"
    assert q.sparql == GOOD  # the whole file: valid SPARQL with its header as comments


def test_description_lists_the_params_for_clients():
    listed = parse_query("sample", GOOD).describe()
    assert listed["params"][0] == {
        "name": "area", "type": "iri", "required": False, "description": "impact area",
        "default": "evaw", "prefix": B + "id/area/", "enum": ["governance", "wee", "evaw", "wps"],
    }
    assert listed["sparql_url"] == "/queries/sample.rq"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("SELECT * WHERE { ?s ?p ?o }\n", 1, "no '#+' header"),
        ("#+ description: no summary\nSELECT * WHERE { ?s ?p ?o }\n", 1, "'summary' is required"),
        ("#+ summary: s\n#+ colour: blue\nSELECT * WHERE { ?s ?p ?o }\n", 2, "unknown header key 'colour'"),
        ("#+ summary: s\n#+ tags: [a, b\nSELECT * WHERE { ?s ?p ?o }\n", 2, "not valid YAML"),
        ("#+ summary: s\n#+ tags: {a: 1}\nSELECT * WHERE { ?s ?p ?o }\n", 2, "'tags' must be a list"),
        ("#+ summary: s\nDELETE WHERE { ?s ?p ?o }\n", 2, "SPARQL Update"),
        ("#+ summary: s\n#+ example: area=evaw\nSELECT * WHERE { ?s ?p ?o }\n", 2, "Unknown parameter 'area'"),
    ],
)
def test_bad_header_names_the_file_and_line(text, line, reason):
    err = header_error(text)
    assert err.path == "queries/sample.rq"
    assert err.line == line
    assert reason in err.reason
    assert str(err).startswith(f"queries/sample.rq:{line}: ")


def test_headers_read_by_libyaml_equal_the_pure_python_reading(monkeypatch):
    import yaml

    if getattr(yaml, "CSafeLoader", None) is None:
        pytest.skip("PyYAML without libyaml: only the pure-Python reading exists")
    settings = Settings()
    fast = Catalog.load(settings)
    monkeypatch.delattr(yaml, "CSafeLoader")
    assert Catalog.load(settings) == fast and len(fast) > 0


def test_a_header_libyaml_refuses_is_reported_as_the_pure_python_parser_says_it():
    import yaml

    header = "summary: s\ntags: [a, b"
    with pytest.raises(yaml.MarkedYAMLError) as pure:
        yaml.safe_load(header)
    err = header_error("#+ summary: s\n#+ tags: [a, b\nSELECT * WHERE { ?s ?p ?o }\n")
    assert err.reason == f"header is not valid YAML: {pure.value.problem}"


@pytest.mark.parametrize(
    ("declaration", "reason"),
    [
        ("v: {type: colour}", "type 'colour' is not one of"),
        ("v: {type: string, size: 3}", "unknown field 'size'"),
        ("v: {type: string, prefix: 'http://x/'}", "'prefix' is for iri parameters"),
        ("v: {type: integer, default: many}", "default of Parameter 'v' expects an integer"),
        ("v: {type: iri, prefix: 'http://x/', enum: [a, b], default: c}", "expects one of a, b"),
        ("v: {type: integer, min: one}", "'min' must be a number"),
        ("v: {type: string, required: true, default: x}", "cannot have a default"),
        ("v: {type: string, required: maybe}", "'required' must be true or false"),
        ("v: [string]", "must be declared as a mapping"),
    ],
)
def test_bad_parameter_declaration_is_refused_at_its_line(declaration, reason):
    err = header_error(sample(declaration))
    assert err.line == 3  # "#+   v: …" is the third line of the file
    assert reason in err.reason


def test_parameter_must_be_a_variable_of_the_query():
    err = header_error(sample("area: iri", body_vars="?v"))
    assert "?area" in err.reason and "not used" in err.reason


def test_parameter_must_be_projected_so_that_the_store_can_bind_it():
    text = "#+ summary: s\n#+ params:\n#+   o: string\nSELECT ?s WHERE { ?s ?p ?o }\n"
    err = header_error(text)
    assert err.line == 3 and "SELECT projection" in err.reason


def test_select_star_and_aggregate_projection_count_as_projected():
    star = "#+ summary: s\n#+ params:\n#+   o: string\nSELECT * WHERE { ?s ?p ?o }\n"
    alias = "#+ summary: s\n#+ params:\n#+   o: string\nSELECT ?o (COUNT(?s) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?o\n"
    assert parse_query("star", star).params[0].name == "o"
    assert parse_query("alias", alias).params[0].name == "o"


def test_variable_inside_an_expression_is_not_projected():
    text = "#+ summary: s\n#+ params:\n#+   o: string\nSELECT (STR(?o) AS ?label) WHERE { ?s ?p ?o }\n"
    assert "SELECT projection" in header_error(text).reason


@pytest.mark.parametrize("name", ["format", "1x", "a-b"])
def test_reserved_or_invalid_parameter_names_are_refused(name):
    text = f"#+ summary: s\n#+ params:\n#+   {name}: string\nSELECT ?v WHERE {{ ?s ?p ?v }}\n"
    err = header_error(text)
    assert err.line == 3
    assert "reserved" in err.reason or "SPARQL variable name" in err.reason


def test_file_name_must_be_usable_in_a_url():
    err = header_error(GOOD, name="Partners by area")
    assert "lower-case" in err.reason


def test_catalog_load_reports_the_bad_file(tmp_path: Path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "ok.rq").write_text("#+ summary: fine\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    (tmp_path / "queries" / "broken.rq").write_text("#+ summary: x\n#+ params: [\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryFileError) as caught:
        Catalog.load(Settings(root_dir=tmp_path))
    assert caught.value.path.endswith("broken.rq")
    assert caught.value.line == 2


def test_catalog_get_unknown_name_raises_unknown_query(tmp_path: Path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "ok.rq").write_text("#+ summary: fine\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    catalog = Catalog.load(Settings(root_dir=tmp_path))
    assert catalog.names == ["ok"] and "ok" in catalog
    with pytest.raises(UnknownQuery, match="'nope'"):
        catalog.get("nope")


def test_catalog_rebases_queries_and_iri_prefixes_onto_the_configured_base():
    other = "https://plan.example.org/kg/"
    catalog = Catalog.load(Settings(base_iri=other))
    query = catalog.get("partners-by-area")
    assert B not in query.sparql
    assert f"<{other}ontology#>" in query.sparql
    assert bind(query, {"area": "wps"})["area"] == ox.NamedNode(other + "id/area/wps")


# ---------------------------------------------------------------- binding
@pytest.fixture(scope="module")
def good():
    return parse_query("sample", GOOD)


def test_iri_short_id_is_appended_to_the_prefix(good):
    assert bind(good, {"area": "wps"})["area"] == ox.NamedNode(B + "id/area/wps")


def test_iri_full_form_with_the_prefix_is_accepted(good):
    assert bind(good, {"area": B + "id/area/wee"})["area"] == ox.NamedNode(B + "id/area/wee")


def test_default_applies_when_absent_or_empty(good):
    assert bind(good, {})["area"] == ox.NamedNode(B + "id/area/evaw")
    assert bind(good, {"area": ""})["area"] == ox.NamedNode(B + "id/area/evaw")


def test_absent_optional_parameter_stays_unbound(good):
    assert set(bind(good, {})) == {"area"}


@pytest.mark.parametrize("value", ["undp", "EVAW", "evaw/x", "http://example.org/id/area/evaw", B + "id/area/nope"])
def test_enum_refuses_other_values_and_names_them(good, value):
    with pytest.raises(ParameterError) as caught:
        bind(good, {"area": value})
    assert "'area'" in caught.value.detail
    assert "one of governance, wee, evaw, wps" in caught.value.detail
    assert caught.value.parameter == "area"


def test_integer_is_typed_and_range_checked(good):
    assert bind(good, {"n": "56"})["n"] == ox.Literal("56", datatype=ox.NamedNode(XSD + "integer"))
    for bad in ("0", "120", "5.5", "fifty", "1e3", "56 ; DROP ALL"):
        with pytest.raises(ParameterError, match="'n' .*expects an integer from 1 to 119"):
            bind(good, {"n": bad})


@pytest.mark.parametrize(
    "raw",
    ["١٢", "１２", "+12", " 12", "12 ", "1_2", "\t12", "12\n", "۱۲", "𝟏𝟐", "²"],
    ids=["arabic-indic", "fullwidth", "plus", "leading-space", "trailing-space", "underscore", "tab", "newline", "persian", "math-bold", "superscript"],
)
def test_integers_are_ascii_digits_only(good, raw):
    """int() takes every one of these as 12 (or 2); a parameter takes none of them."""
    with pytest.raises(ParameterError, match="'n' .*expects an integer"):
        bind(good, {"n": raw})


@pytest.mark.parametrize(("declaration", "raw"), [("{type: decimal}", "１.５"), ("{type: decimal}", "+1.5"), ("{type: decimal}", " 1.5"), ("{type: year}", "２００８"), ("{type: year}", "٢٠٠٨"), ("{type: year}", " 2008")])
def test_decimals_and_years_are_ascii_digits_only(declaration, raw):
    query = parse_query("t", sample(f"v: {declaration}"))
    with pytest.raises(ParameterError, match="'v'"):
        bind(query, {"v": raw})


def test_unknown_parameter_is_refused_with_the_accepted_names(good):
    with pytest.raises(ParameterError) as caught:
        bind(good, {"area": "evaw", "colour": "red"})
    assert "Unknown parameter 'colour'" in caught.value.detail
    assert "area, n, q" in caught.value.detail


def test_required_parameter_missing_is_refused():
    text = "#+ summary: s\n#+ params:\n#+   n: {type: integer, required: true}\nSELECT ?n WHERE { ?s ?p ?n }\n"
    query = parse_query("req", text)
    for raw in ({}, {"n": ""}):
        with pytest.raises(ParameterError, match="'n' of query 'req' is required; it expects an integer"):
            bind(query, raw)


@pytest.mark.parametrize(
    ("declaration", "raw", "expected"),
    [
        ("{type: decimal}", "25.6", ox.Literal("25.6", datatype=ox.NamedNode(XSD + "decimal"))),
        ("{type: boolean}", "TRUE", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
        ("{type: boolean}", "0", ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean"))),
        ("{type: year}", "2008", ox.Literal("2008", datatype=ox.NamedNode(XSD + "gYear"))),
        ("{type: lang-string, lang: zh}", "开发署", ox.Literal("开发署", language="zh")),
        ("{type: string}", "violence", ox.Literal("violence")),
        ("{type: iri}", "http://metadata.un.org/sdg/C050101", ox.NamedNode("http://metadata.un.org/sdg/C050101")),
    ],
)
def test_each_type_binds_to_its_rdf_term(declaration, raw, expected):
    query = parse_query("t", sample(f"v: {declaration}"))
    assert bind(query, {"v": raw})["v"] == expected


@pytest.mark.parametrize(
    ("declaration", "raw"),
    [
        ("{type: decimal}", "1,5"),
        ("{type: boolean}", "yes"),
        ("{type: year}", "08"),
        ("{type: year, min: 2000}", "1999"),
        ("{type: iri}", "not an iri"),
        ("{type: iri}", "file:///etc/passwd"),
        ("{type: string, max_length: 5}", "too long"),
    ],
)
def test_each_type_refuses_malformed_text(declaration, raw):
    query = parse_query("t", sample(f"v: {declaration}"))
    with pytest.raises(ParameterError, match="'v'"):
        bind(query, {"v": raw})


# ---------------------------------------------------------------- injection
INJECTIONS = [
    "evaw> } ; DROP ALL ; #",
    '" } UNION { ?s ?p ?o } #',
    "x' . ?s ?p ?o",
    "evaw>\n} UNION {\n?s ?p ?o\n}\n#",
    "evaw\r\nSELECT * WHERE { ?s ?p ?o }",
    "<http://127.0.0.1:8000/id/area/evaw>",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_into_an_iri_parameter_is_refused(value):
    query = parse_query("t", sample("v: {type: iri, prefix: 'http://127.0.0.1:8000/id/area/'}"))
    with pytest.raises(ParameterError, match="'v'"):
        bind(query, {"v": value})


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_into_a_string_parameter_is_one_literal(value):
    query = parse_query("t", sample("v: string"))
    term = bind(query, {"v": value})["v"]
    assert term == ox.Literal(value)  # the whole text is the value; nothing reaches the query text
    assert query.sparql == sample("v: string")


# ---------------------------------------------------------------- the repository's queries
def test_repository_has_at_least_fifteen_named_queries():
    assert len(list(QUERIES_DIR.glob("*.rq"))) >= 15


@pytest.mark.parametrize("path", sorted(QUERIES_DIR.glob("*.rq")), ids=lambda p: p.stem)
def test_every_query_file_loads_and_parses_as_sparql(path: Path):
    text = path.read_text(encoding="utf-8")
    query = parse_query(path.stem, text, path=str(path))
    assert query.summary and query.description
    prepareQuery(text)  # rdflib's parser: the file is SPARQL 1.1 as it stands
    store = EmbeddedStore(None)  # and the engine's parser, with and without its examples
    try:
        store.select(text)
        for example in query.examples:
            store.select(text, bind(query, example))
    except QuerySyntaxError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{path.name}: {exc.detail}")


@pytest.mark.parametrize("path", sorted(QUERIES_DIR.glob("*.rq")), ids=lambda p: p.stem)
def test_every_query_has_an_example_that_binds(path: Path):
    query = parse_query(path.stem, path.read_text(encoding="utf-8"))
    for param in query.params:
        if param.required:
            assert any(param.name in example for example in query.examples), param.name


def test_queries_marked_not_public_are_kept_apart_from_the_named_queries():
    catalog = Catalog.load(Settings())
    assert catalog.internal and not set(catalog.internal) & set(catalog.queries)
    assert all(not q.public for q in catalog.internal.values()) and all(q.public for q in catalog)
    assert catalog.internal_query("ld-entity-out").name == "ld-entity-out"
    with pytest.raises(UnknownQuery):
        catalog.get("ld-entity-out")  # never served under /queries/{name}


def test_public_must_be_a_boolean():
    with pytest.raises(QueryFileError, match="'public' must be true or false"):
        parse_query("q", "#+ summary: s\n#+ public: sometimes\nSELECT * WHERE { ?s ?p ?o }")


@pytest.mark.parametrize("make_dir", [True, False], ids=["empty-queries-dir", "no-queries-dir"])
def test_catalog_load_refuses_an_install_without_named_queries(tmp_path: Path, make_dir: bool):
    if make_dir:
        (tmp_path / "queries").mkdir()
        (tmp_path / "queries" / "notes.txt").write_text("not a query\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match=r"no named queries \(\*\.rq\) found") as caught:
        Catalog.load(Settings(root_dir=tmp_path))
    assert caught.value.path == str(tmp_path / "queries")


@pytest.mark.parametrize("value", ["0", "-5", "true", "ten", "1.5"])
def test_a_page_size_must_be_a_whole_number_of_rows(tmp_path: Path, value: str):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "paged.rq").write_text(f"#+ summary: x\n#+ page_size: {value}\nSELECT * WHERE {{ ?s ?p ?o }}\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match="page_size"):
        Catalog.load(Settings(root_dir=tmp_path))


def test_a_page_size_is_for_select_queries_only(tmp_path: Path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "paged.rq").write_text("#+ summary: x\n#+ page_size: 10\nCONSTRUCT WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match="page_size"):
        Catalog.load(Settings(root_dir=tmp_path))


def test_a_paged_query_says_its_page_size_and_keeps_limit_and_offset_for_the_page(tmp_path: Path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "paged.rq").write_text("#+ summary: x\n#+ page_size: 10\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    query = Catalog.load(Settings(root_dir=tmp_path)).get("paged")
    assert query.page_size == 10 and query.describe()["page_size"] == 10
    (tmp_path / "queries" / "clash.rq").write_text(
        "#+ summary: x\n#+ params:\n#+   limit:\n#+     type: integer\nSELECT * WHERE { ?s ?p ?limit }\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match="limit"):
        Catalog.load(Settings(root_dir=tmp_path))


CUT = (
    "#+ summary: x\n#+ page_size: 10\n#+ total: paged-total\n#+ params:\n#+   o: string\n"
    "SELECT ?s ?o ?label WHERE {{ {{ SELECT ?s ?o WHERE {{ ?s ?p ?o }} ORDER BY ?s {cut} }} OPTIONAL {{ ?s ?q ?label }} }}\n"
)
COUNT = "#+ summary: x\n#+ public: false\n#+ params:\n#+   o: string\nSELECT ?o (COUNT(*) AS ?total) WHERE { ?s ?p ?o } GROUP BY ?o\n"


def test_a_query_with_a_total_is_cut_in_its_sub_select_where_its_parameters_are_bound(tmp_path: Path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "paged.rq").write_text(CUT.format(cut="LIMIT 10 OFFSET 0"), encoding="utf-8")
    (tmp_path / "queries" / "paged-total.rq").write_text(COUNT, encoding="utf-8")
    catalog = Catalog.load(Settings(root_dir=tmp_path))
    query = catalog.get("paged")
    text = query.page_text(query.bind({"o": 'a" } ?x'}), 3, 40)
    assert 'SELECT ?s ?o WHERE { VALUES (?o) { ("a\\" } ?x") }  ?s ?p ?o } ORDER BY ?s LIMIT 3 OFFSET 40 }' in text
    assert text.count("VALUES") == 1 and "OPTIONAL { ?s ?q ?label }" in text
    page, count = catalog.page_requests(query, query.bind({}), {"select": "json"}, 3, 40)
    assert page.row_cap == 3 and "LIMIT 4 OFFSET 40" in page.sparql and not page.bindings  # one row past the page
    assert count is not None and count.sparql == catalog.total_query(query).sparql
    # the whole answer (CLI, query form) is one page as long as the cap, the parameters bound in it
    text, bound = query.whole(query.bind({"o": "x"}), 100)
    assert bound is None and 'SELECT ?s ?o WHERE { VALUES (?o) { ("x") }  ?s ?p ?o } ORDER BY ?s LIMIT 101 OFFSET 0 }' in text
    counter = catalog.total_query(query)
    assert counter is not None and counter.whole(counter.bind({"o": "x"}), 100) == (counter.sparql, counter.bind({"o": "x"}))


@pytest.mark.parametrize("cut", ["LIMIT 9 OFFSET 0", "LIMIT 10 OFFSET 1", "LIMIT 10", "OFFSET 0 LIMIT 10", "LIMIT 10 OFFSET 0 } LIMIT 3 {"])
def test_a_total_needs_one_page_cut_of_the_page_size_in_a_sub_select(tmp_path: Path, cut: str):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "paged.rq").write_text(CUT.format(cut=cut), encoding="utf-8")
    (tmp_path / "queries" / "paged-total.rq").write_text(COUNT, encoding="utf-8")
    with pytest.raises(QueryFileError, match="total"):
        Catalog.load(Settings(root_dir=tmp_path))


def test_a_total_names_a_counting_query_with_the_same_parameters(tmp_path: Path):
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "paged.rq").write_text(CUT.format(cut="LIMIT 10 OFFSET 0"), encoding="utf-8")
    with pytest.raises(QueryFileError, match="paged-total"):
        Catalog.load(Settings(root_dir=tmp_path))
    (tmp_path / "queries" / "paged-total.rq").write_text(COUNT.replace("#+ params:\n#+   o: string\n", ""), encoding="utf-8")
    with pytest.raises(QueryFileError, match="same parameters"):
        Catalog.load(Settings(root_dir=tmp_path))
    (tmp_path / "queries" / "paged-total.rq").write_text(COUNT.replace("?total", "?n"), encoding="utf-8")
    with pytest.raises(QueryFileError, match=r"\?total"):
        Catalog.load(Settings(root_dir=tmp_path))
