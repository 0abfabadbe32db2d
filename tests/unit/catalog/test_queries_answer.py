"""The named queries answer the questions they are named after, on the built graph."""

from __future__ import annotations

import pytest

from plankg.catalog import Catalog, NamedQuery, bind
from plankg.settings import Settings
from plankg.sparqltext import with_bindings

B = "http://127.0.0.1:8000/"
ID = B + "id/"
PK = B + "ontology#"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def rows(store, query: NamedQuery, **params) -> list[dict[str, str]]:
    """Rows as {variable: value text}; unbound variables left out. The whole answer, as the CLI
    and the query form run it (a query cut inside the engine: one page as long as a cap)."""
    found = store.select(*query.whole(bind(query, params), 1_000_000))
    return [{k: v.value for k, v in row.items() if v is not None} for row in found]


def run(store, catalog, name: str, **params) -> list[dict[str, str]]:
    return rows(store, catalog.get(name), **params)


NAMES = sorted(p.stem for p in Settings().queries_dir.glob("*.rq"))


def lookup(catalog: Catalog, name: str) -> NamedQuery:
    """Public named queries and the service's own (``public: false``) alike."""
    return catalog.internal[name] if name in catalog.internal else catalog.get(name)


# ---------------------------------------------------------------- every query
@pytest.mark.parametrize("name", NAMES)
def test_every_example_answers_with_rows(store, catalog, name):
    query = lookup(catalog, name)
    for example in query.examples or ({},):
        assert rows(store, query, **example), f"{query.example_url()} returned no rows"


@pytest.mark.parametrize("name", NAMES)
def test_paragraph_provenance_is_consistent(store, catalog, name):
    """Wherever a row names a paragraph, its IRI and its number agree."""
    query = lookup(catalog, name)
    for example in query.examples or ({},):
        for row in rows(store, query, **example):
            for iri_var, number_var in (
                ("paragraph", "paragraph_number"),
                ("start_paragraph", "start_number"),
                ("end_paragraph", "end_number"),
                ("first_paragraph", "first_paragraph_number"),
            ):
                if iri_var in row and number_var in row:
                    assert row[iri_var] == f"{ID}para/{row[number_var]}"


@pytest.mark.parametrize("name", NAMES)
def test_store_substitution_and_values_block_give_the_same_rows(store, catalog, name):
    """The embedded store substitutes bound terms; remote stores get a VALUES block.
    Each query is written so that both mean the same."""
    query = lookup(catalog, name)

    def normal(found):
        return sorted(tuple(sorted((k, str(v)) for k, v in row.items() if v is not None)) for row in found)

    for example in query.examples or ({},):
        bindings = bind(query, example)
        assert normal(store.select(query.sparql, bindings)) == normal(store.select(with_bindings(query.sparql, bindings)))


# ---------------------------------------------------------------- partners
EVAW_PARTNERS = {"UNDP", "UNFPA", "WHO", "UNODC", "OHCHR", "UNICEF", "UNESCO", "ILO"}


def test_partners_by_area_evaw_names_the_agencies_of_paragraph_56(store, catalog):
    found = run(store, catalog, "partners-by-area", area="evaw")
    acronyms = {r.get("acronym") for r in found}
    assert EVAW_PARTNERS <= acronyms
    assert ID + "org/UN-Women" not in {r["agency"] for r in found}
    who = [r for r in found if r.get("acronym") == "WHO"]
    assert who and all(r["label_zh"] == "世界卫生组织" for r in who)
    assert any("世卫组织" in r["surface_forms"] for r in who)
    assert {r["area"] for r in found} == {ID + "area/evaw"}
    assert all(r["paragraph_number"] in ("55", "56") for r in found)


def test_partners_by_area_is_one_row_per_agency_and_intervention(store, catalog):
    for area in ("governance", "wee", "evaw", "wps"):
        found = run(store, catalog, "partners-by-area", area=area)
        assert found, area
        pairs = [(r["agency"], r["intervention"]) for r in found]
        assert len(pairs) == len(set(pairs))
        assert all(r["item"].startswith(r["paragraph"] + "/item/") for r in found)


def test_partners_by_area_changes_with_the_area(store, catalog):
    evaw = {r["agency"] for r in run(store, catalog, "partners-by-area", area="evaw")}
    wps = {r["agency"] for r in run(store, catalog, "partners-by-area", area="wps")}
    assert evaw != wps
    assert ID + "org/DPPA" in wps and ID + "org/DPPA" not in evaw


def test_agency_profile_gives_every_unit_naming_the_agency_with_chinese_text(store, catalog):
    found = run(store, catalog, "agency-profile", agency="UNDP")
    assert found and {r["agency"] for r in found} == {ID + "org/UNDP"}
    assert all(("开发署" in r["text"]) or ("开发计划署" in r["text"]) for r in found)
    interventions = {r["intervention"] for r in found if "intervention" in r}
    assert ID + "intervention/56-2" in interventions
    row = next(r for r in found if r.get("intervention") == ID + "intervention/56-2")
    assert row["area"] == ID + "area/evaw" and row["paragraph_number"] == "56"


def test_agency_co_partners_lists_others_with_counts(store, catalog):
    found = run(store, catalog, "agency-co-partners", agency="UNFPA")
    partners = {r["partner"]: r for r in found}
    assert ID + "org/UNFPA" not in partners and ID + "org/UN-Women" not in partners
    undp = partners[ID + "org/UNDP"]
    assert int(undp["shared"]) >= 2
    assert ID + "area/evaw" in undp["areas"].split()
    assert [int(r["shared"]) for r in found] == sorted((int(r["shared"]) for r in found), reverse=True)


def test_co_delivery_network_counts_shared_interventions(store, catalog):
    found = run(store, catalog, "co-delivery-network", area="evaw")
    pairs = {(r["agency_a"], r["agency_b"]): int(r["shared"]) for r in found}
    assert pairs[(ID + "org/UNDP", ID + "org/UNFPA")] >= 2
    assert all(a < b for a, b in pairs)
    assert not any(ID + "org/UN-Women" in pair for pair in pairs)
    everywhere = run(store, catalog, "co-delivery-network")
    assert len(everywhere) > len(found)
    assert {r["area"] for r in everywhere} == {ID + "area/" + a for a in ("governance", "wee", "evaw", "wps")}


# ---------------------------------------------------------------- themes and instruments
def test_interventions_by_theme_come_from_items_touching_the_theme(store, catalog):
    found = run(store, catalog, "interventions-by-theme", theme="climate-change")
    assert found and {r["theme"] for r in found} == {ID + "theme/climate-change"}
    assert all(r["intervention"].startswith(ID + "intervention/") for r in found)
    assert all(r["item"].startswith(r["paragraph"] + "/item/") for r in found)


def test_instruments_by_area_cite_from_the_areas_units(store, catalog):
    found = run(store, catalog, "instruments-by-area", area="wps")
    assert {r["area"] for r in found} == {ID + "area/wps"}
    in_area = [r for r in found if r["basis"] == "cited in the area"]
    assert in_area and all(57 <= int(r["paragraph_number"]) <= 59 for r in in_area)
    assert all(r["kind"].startswith(PK) for r in found)


def test_instruments_by_area_lists_the_wps_resolutions_that_underpin_the_area(store, catalog):
    found = run(store, catalog, "instruments-by-area", area="wps")
    underpinning = {r["symbol"] for r in found if r["basis"] == "underpins" and r.get("symbol")}
    assert {"S/RES/1325 (2000)", "S/RES/1820 (2008)", "S/RES/2493 (2019)"} <= underpinning
    # the evidence is where the plan cites them: footnote 1 of paragraph 4, and paragraph 62
    cited_in = {r["paragraph_number"] for r in found if r["basis"] == "underpins"}
    assert {"4", "62"} <= cited_in
    # an area no instrument is curated for lists no underpinning rows
    evaw = run(store, catalog, "instruments-by-area", area="evaw")
    assert not [r for r in evaw if r["basis"] == "underpins"]


def test_wps_resolutions_are_the_ten_of_footnote_1(store, catalog):
    found = run(store, catalog, "wps-resolutions")
    assert len(found) == 10
    assert {r["footnote_number"] for r in found} == {"1"}
    assert {r["paragraph_number"] for r in found} == {"4"}
    by_symbol = {r["symbol"]: r for r in found}
    r1820 = by_symbol["S/RES/1820 (2008)"]
    assert (r1820["year_as_printed"], r1820["year_adopted"], r1820["years_disagree"]) == ("2009", "2008", "true")
    assert r1820["surface_form"] == "第 1820(2009)号"
    r1325 = by_symbol["S/RES/1325 (2000)"]
    assert (r1325["year_as_printed"], r1325["year_adopted"], r1325["years_disagree"]) == ("2000", "2000", "false")
    assert all(r["family"] == ID + "instrument/WPS-resolutions" for r in found)


def test_footnote_citations_for_footnote_1(store, catalog):
    found = run(store, catalog, "footnote-citations", footnote_number="1")
    assert len(found) == 10 and {r["footnote"] for r in found} == {ID + "footnote/1"}
    assert len(run(store, catalog, "footnote-citations")) > len(found)


def test_sdg_indicators_carry_the_un_iris(store, catalog):
    found = run(store, catalog, "sdg-indicators")
    un = {r.get("un_iri") for r in found}
    assert "http://metadata.un.org/sdg/C050101" in un
    row = next(r for r in found if r.get("un_iri") == "http://metadata.un.org/sdg/C050101")
    assert row["code"] == "5.1.1" and row["level"] == PK + "SDGIndicator" and row["paragraph_number"]


# ---------------------------------------------------------------- statistics and structure
def test_statistics_carry_value_unit_source_and_paragraph(store, catalog):
    found = run(store, catalog, "statistics")
    ids = [r["statistic"] for r in found]
    assert len(ids) == len(set(ids))  # one row per statistic
    p10 = {r["statistic"]: r for r in run(store, catalog, "statistics", paragraph_number="10")}
    assert p10 and all(r["paragraph_number"] == "10" for r in p10.values())
    women = p10[ID + "stat/p10-5"]
    assert (women["value"], women["unit"], women["footnote_number"]) == ("25.6", ID + "unit/percent", "4")
    assert women["population_zh"] and women["source_instruments"]


def test_systemic_outcomes_have_ordered_paragraph_ranges(store, catalog):
    found = run(store, catalog, "systemic-outcomes")
    assert [r["notation"] for r in found] == [str(n) for n in range(1, 8)]
    assert all(int(r["start_number"]) <= int(r["end_number"]) for r in found)


def test_impact_areas_count_interventions_and_partners(store, catalog):
    found = {r["area"]: r for r in run(store, catalog, "impact-areas")}
    assert set(found) == {ID + "area/" + a for a in ("governance", "wee", "evaw", "wps")}
    assert all(int(r["interventions"]) > 0 and int(r["partners"]) > 0 for r in found.values())


def test_plan_structure_lists_the_results_architecture(store, catalog):
    found = run(store, catalog, "plan-structure")
    per_class: dict[str, int] = {}
    for r in found:
        per_class[r["class"].removeprefix(PK)] = per_class.get(r["class"].removeprefix(PK), 0) + 1
    assert per_class == {
        "Vision": 1, "MandateFunction": 3, "GuidingPrinciple": 4, "ImpactArea": 4, "SystemicOutcome": 7, "OEEOutput": 5,
    }


def test_key_interventions_filter_by_area(store, catalog):
    everything = run(store, catalog, "key-interventions")
    wps = run(store, catalog, "key-interventions", area="wps")
    assert len({r["area"] for r in everything}) == 4
    assert wps and {r["area"] for r in wps} == {ID + "area/wps"} and len(wps) < len(everything)
    assert all(r["paragraph_number"] in ("58", "59") for r in wps)


def test_organizations_lists_kinds_and_counts(store, catalog):
    found = {r["organization"]: r for r in run(store, catalog, "organizations")}
    undp = found[ID + "org/UNDP"]
    assert undp["kind"] == PK + "UNEntity" and int(undp["interventions"]) > 0
    assert found[ID + "org/OHCHR"]["kind"] == PK + "SecretariatDepartment"


# ---------------------------------------------------------------- text
def test_mentions_surface_forms_sit_at_their_offsets(store, catalog):
    found = run(store, catalog, "mentions", entity="org/UNFPA")
    assert found
    for r in found:
        offset = int(r["offset"])
        assert r["text"][offset : offset + len(r["surface_form"])] == r["surface_form"]
    same = run(store, catalog, "mentions", entity=ID + "org/UNFPA")
    assert same == found


def test_paragraph_returns_its_items_and_the_entities_they_name(store, catalog):
    found = run(store, catalog, "paragraph", paragraph_number="49")
    assert found[0]["part"] == ID + "para/49" and found[0]["kind"] == PK + "Paragraph"
    items = [r for r in found if r["kind"] == PK + "BulletItem"]
    assert [r["position"] for r in items] == ["1", "2", "3", "4", "5"]
    assert ID + "org/H6" in items[4]["entities"].split()


def test_paragraph_includes_the_footnotes_it_carries(store, catalog):
    found = run(store, catalog, "paragraph", paragraph_number="4")
    assert ID + "footnote/1" in {r["part"] for r in found}


def test_search_text_finds_chinese_text_and_english_labels(store, catalog):
    chinese = run(store, catalog, "search-text", q="安全理事会")
    assert chinese and all("安全理事会" in r["text"] for r in chinese if "text" in r["matched"].split("; "))
    assert ID + "footnote/1" in {r["unit"] for r in chinese}
    english = run(store, catalog, "search-text", q="Population Fund")
    assert ID + "para/53/item/1" in {r["unit"] for r in english}
    assert all("United Nations Population Fund" in r["matched"] for r in english)


# ---------------------------------------------------------------- answers recomputed from the quads
# The queries are shaped for pyoxigraph's planner (sub-SELECTs per figure, OPTIONAL held to a
# BOUND test in place of a join, a property path); these tests work out from the quads what
# each answer means, so that a rewrite for speed cannot change it unnoticed.
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
UNIT_KINDS = {PK + k for k in ("Paragraph", "BulletItem", "DecisionItem", "Footnote", "SummaryParagraph")}


@pytest.fixture(scope="module")
def facts(built_graph) -> dict[str, set[tuple[str, str]]]:
    """predicate IRI -> {(subject, object)} over all graphs, terms as their values."""
    out: dict[str, set[tuple[str, str]]] = {}
    for quad in built_graph.quads:
        out.setdefault(quad.predicate.value, set()).add((quad.subject.value, quad.object.value))
    return out


def objects(facts, predicate: str, subject: str) -> set[str]:
    return {o for s, o in facts.get(predicate, ()) if s == subject}


def subjects(facts, predicate: str, obj: str) -> set[str]:
    return {s for s, o in facts.get(predicate, ()) if o == obj}


def carriers(facts, unit: str) -> set[tuple[str, str]]:
    """(paragraph, number) carrying a unit: itself, its parent, its footnote's marker, or the marker's parent."""
    markers = subjects(facts, PK + "hasFootnote", unit)
    candidates = {unit} | objects(facts, DCT + "isPartOf", unit) | markers
    candidates |= {p for m in markers for p in objects(facts, DCT + "isPartOf", m)}
    return {(p, n) for p in candidates for n in objects(facts, PK + "paragraphNumber", p)}


def test_organizations_counts_are_those_of_the_quads(store, catalog, facts):
    found = run(store, catalog, "organizations")
    assert {r["organization"] for r in found} == {o for _, o in facts[PK + "namesOrganization"]}
    assert any(r["interventions"] == "0" for r in found), "no organization without interventions to check"
    for r in found:
        org = r["organization"]
        units = subjects(facts, PK + "namesOrganization", org)
        assert int(r["units"]) == len(units), org
        assert int(r["interventions"]) == len(subjects(facts, PK + "hasCollaborator", org)), org
        numbers = {n for u in units for p in {u} | objects(facts, DCT + "isPartOf", u)
                   for n in objects(facts, PK + "paragraphNumber", p)}
        if numbers:
            first = str(min(numbers, key=int))
            assert r["first_paragraph_number"] == first, org
            assert r["first_paragraph"] in subjects(facts, PK + "paragraphNumber", first), org
        else:
            assert "first_paragraph" not in r, org
    assert [int(r["units"]) for r in found] == sorted((int(r["units"]) for r in found), reverse=True)


@pytest.mark.parametrize("q", ["安全理事会", "violence", "Population Fund", "数字"])
def test_search_text_matches_are_those_of_the_quads(store, catalog, facts, q):
    needle = q.lower()
    expected: dict[str, set[str]] = {}
    for unit, text in facts[PK + "text"]:
        if needle in text.lower():
            expected.setdefault(unit, set()).add("text")
    links = {(u, e) for p in ("namesOrganization", "cites", "invokesSDG", "touchesTheme") for u, e in facts.get(PK + p, ())}
    links |= {(u, e) for e, u in facts[PK + "sourceItem"]}
    for unit, entity in links:
        for label in objects(facts, SKOS + "prefLabel", entity):
            if needle in label.lower():
                expected.setdefault(unit, set()).add(f"label of <{entity}>: {label}")
    typed = {s for s, o in facts[RDF_TYPE] if o in UNIT_KINDS}
    expected = {u: how for u, how in expected.items() if u in typed}
    found = run(store, catalog, "search-text", q=q)
    matched: dict[str, set[str]] = {}
    for r in found:
        matched.setdefault(r["unit"], set()).update(r["matched"].split("; "))
    assert matched == expected


PARAGRAPH_CASES = [
    ("agency-profile", {"agency": "UNDP"}), ("agency-profile", {"agency": "UN-Women"}),
    ("mentions", {"entity": "org/UNFPA"}), ("mentions", {"entity": "instrument/S-RES-1325-2000"}),
    ("search-text", {"q": "安全理事会"}), ("sdg-indicators", {}), ("instruments-by-area", {"area": "wps"}),
]


@pytest.mark.parametrize(("name", "params"), PARAGRAPH_CASES)
def test_a_units_paragraph_is_its_own_its_parents_or_its_footnote_markers(store, catalog, facts, name, params):
    found = run(store, catalog, name, **params)
    assert found
    per_unit: dict[str, set] = {}
    for r in found:
        per_unit.setdefault(r["unit"], set()).add((r["paragraph"], r["paragraph_number"]) if "paragraph" in r else None)
    assert any(u.startswith(ID + "footnote/") for u in per_unit) or name in ("agency-profile", "mentions", "sdg-indicators")
    for unit, got in per_unit.items():
        assert got == (carriers(facts, unit) or {None}), unit


def test_footnote_citations_surface_forms_are_those_of_the_mentions(store, catalog, facts):
    for r in run(store, catalog, "footnote-citations"):
        mentions = subjects(facts, PK + "inText", r["footnote"]) & subjects(facts, PK + "mentionOf", r["instrument"])
        forms = {f for m in mentions for f in objects(facts, PK + "surfaceForm", m)}
        assert set(r["surface_forms"].split("; ") if forms else ()) == forms, r["footnote"]
        assert {(r["paragraph"], r["paragraph_number"])} <= carriers(facts, r["footnote"])


@pytest.mark.parametrize("area", ["governance", "wee", "evaw", "wps"])
def test_instruments_cited_in_an_area_are_cited_by_its_units(store, catalog, facts, area):
    parts = objects(facts, PK + "describedIn", ID + "area/" + area)
    units = parts | {u for p in parts for u in subjects(facts, DCT + "isPartOf", p)}
    units |= {f for u in set(units) for f in objects(facts, PK + "hasFootnote", u)}
    expected = set()
    for unit in units:
        for cited in objects(facts, PK + "cites", unit):
            expected.add((cited, unit))
            expected |= {(i, unit) for i in subjects(facts, PK + "partOfFamily", cited)}
    found = run(store, catalog, "instruments-by-area", area=area)
    assert {(r["instrument"], r["unit"]) for r in found if r["basis"] == "cited in the area"} == expected


# ---------------------------------------------------------------- injection
INJECTIONS = [
    "evaw> } ; DROP ALL ; #",
    '" } UNION { ?s ?p ?o } #',
    "x' . ?s ?p ?o",
    "\n} UNION {\n?s ?p ?o\n}\n#",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injected_search_text_is_a_literal_that_matches_nothing(store, catalog, value):
    before = store.select(COUNT_ALL)[0]["n"].value
    assert run(store, catalog, "search-text", q=value) == []
    assert store.select(COUNT_ALL)[0]["n"].value == before
