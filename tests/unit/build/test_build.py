"""The build: deterministic output, faithful linking, clear errors on bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from plankg.build import assemble, build, write_dist
from plankg.errors import OntologyError, RDFSyntaxError, RegistryError
from plankg.settings import PROJECT_ROOT, Settings
from plankg.store.rdfio import sorted_nquads

BASE = "http://127.0.0.1:8000/"
PK = BASE + "ontology#"
ID = BASE + "id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def result():
    return assemble(Settings())


@pytest.fixture(scope="module")
def index(result):
    """subject -> predicate -> [objects] over the whole dataset."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for q in result.quads:
        out[q.subject.value][q.predicate.value].append(q.object)
    return out


def _copy_root(tmp_path: Path) -> Path:
    """A project root of our own whose registry and ontology the test may break."""
    root = tmp_path / "root"
    for name in ("data", "ontology", "shapes", "queries"):
        shutil.copytree(PROJECT_ROOT / name, root / name)
    return root


def test_the_readme_gives_the_quad_count_of_the_build(result):
    import re

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    said = re.search(r"The built graph holds ([\d,]+) quads", readme)
    assert said, "README.md no longer says how many quads the build makes"
    assert int(said.group(1).replace(",", "")) == len(result.quads), f"README.md: write {len(result.quads):,} quads"


def test_two_builds_give_byte_identical_sorted_nquads(result):
    again = assemble(Settings())
    assert sorted_nquads(again.quads) == sorted_nquads(result.quads)


def test_dist_files_are_byte_identical_across_builds(result, tmp_path):
    first = write_dist(Settings(dist_dir=tmp_path / "a"), result.quads)
    second = write_dist(Settings(dist_dir=tmp_path / "b"), assemble(Settings()).quads)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    names = {p.name for p in first}
    assert {"plankg.nq", "plankg.ttl", "plankg.trig", "plankg.jsonld", "context.jsonld"} <= names


def test_only_the_ontologys_axioms_use_blank_nodes(result):
    import pyoxigraph as ox

    blank = [q for q in result.quads if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)]
    assert {q.graph_name.value for q in blank} <= {BASE + "graph/ontology"}


def test_counts_of_the_documents_parts(result):
    counts = result.counts
    assert counts["Paragraph"] == 119
    assert counts["Footnote"] == 26
    assert counts["DecisionItem"] == 4
    assert counts["ImpactArea"] == 4
    assert counts["SystemicOutcome"] == 7
    assert counts["MandateFunction"] == 3
    assert counts["GuidingPrinciple"] == 4
    assert counts["OEEOutput"] == 5
    assert counts["KeyIntervention"] == 40


def test_every_collaboration_names_its_collaborator_in_the_items_text(index):
    """Precision: a collaborator is asserted only where the item's own text names it."""
    collaborations = [s for s, p in index.items() if any(o.value == PK + "Collaboration" for o in p.get(RDF_TYPE, []))]
    assert collaborations
    for node in collaborations:
        item = index[node]["http://www.w3.org/ns/prov#wasDerivedFrom"][0].value
        org = index[node][PK + "collaborator"][0].value
        text = index[item][PK + "text"][0].value
        forms = [o.value for o in index[org][SKOS + "prefLabel"] + index[org].get(SKOS + "altLabel", []) if o.language == "zh"]
        assert any(f in text for f in forms), (node, forms)


def _collaborators(index, item_path: str) -> set[str]:
    intervention = ID + "intervention/" + item_path
    return {o.value.removeprefix(ID + "org/") for o in index[intervention].get(PK + "hasCollaborator", [])}


def test_an_item_naming_no_agency_has_no_collaborator(index):
    # 55-1: "支持会员国加强制定、监测和报告…" names member states only
    assert _collaborators(index, "55-1") == set()
    # 49-1: 50/50 gender balance, no agency
    assert _collaborators(index, "49-1") == set()


def test_executive_board_is_not_found_inside_ctads_name(index):
    # 58-2 names 安全理事会反恐委员会执行局 (CTED), which contains 执行局 (UN-Women's Executive Board)
    found = _collaborators(index, "58-2")
    assert "CTED" in found and "UN-Women-Executive-Board" not in found


def test_un_women_itself_is_never_its_own_collaborator(index):
    for subject, props in index.items():
        if subject.startswith(ID + "intervention/"):
            assert ID + "org/UN-Women" not in {o.value for o in props.get(PK + "hasCollaborator", [])}


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("50-2", {"DCO", "UNDP", "DESA", "OHCHR", "DPPA", "UNODC", "UNHCR"}),  # governance
        ("53-1", {"ILO", "OHCHR", "UNDP", "UNFPA", "UNICEF", "UN-Regional-Commissions", "IFIs"}),  # economic
        ("53-2", {"ILO", "ITC", "UNDP", "UN-Global-Compact", "UNIDO", "UNOPS"}),
        ("56-2", {"UNFPA", "WHO", "UNDP", "OHCHR", "UNODC", "UNICEF", "UNESCO", "ILO"}),  # ending violence
        ("59-4", {"DPO", "DPPA", "OHCHR", "UNCT", "CTED", "UNDP", "OCHA", "UNFPA", "UNHCR", "UNDRR"}),  # WPS
    ],
)
def test_collaborators_found_in_each_impact_area(index, item, expected):
    assert expected <= _collaborators(index, item)


def test_statistic_has_typed_value_unit_and_source(index):
    stat = index[ID + "stat/p10-4"] if ID + "stat/p10-4" in index else None
    rows = [s for s in index if s.startswith(ID + "stat/p10-")]
    values = {index[s][PK + "value"][0].value for s in rows}
    assert "25.6" in values and "34.3" in values
    for s in rows:
        value = index[s][PK + "value"][0]
        assert value.datatype.value.startswith("http://www.w3.org/2001/XMLSchema#")
        assert index[s][PK + "unit"]
    del stat


def test_a_bad_registry_row_fails_with_file_and_line(tmp_path):
    root = _copy_root(tmp_path)
    path = root / "data" / "registry" / "organizations.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("un-entity", "space-agency", 1).replace("office-holder", "space-agency", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RegistryError) as caught:
        assemble(Settings(root_dir=root))
    assert caught.value.path.endswith("organizations.csv") and caught.value.line == 4
    assert "space-agency" in str(caught.value)


def test_an_unparseable_ontology_fails_with_file_and_line(tmp_path):
    root = _copy_root(tmp_path)
    path = root / "ontology" / "plankg.ttl"
    text = path.read_text(encoding="utf-8").splitlines()
    text.insert(20, "pk:Broken a owl:Class ;; rdfs:label")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(OntologyError) as caught:
        assemble(Settings(root_dir=root))
    assert caught.value.path.endswith("plankg.ttl") and caught.value.line >= 21


def test_a_build_without_shapes_fails_instead_of_skipping_validation(tmp_path):
    root = _copy_root(tmp_path)
    for path in (root / "shapes").glob("*.ttl"):
        path.unlink()
    with pytest.raises(RDFSyntaxError, match=r"no shapes \(\*\.ttl\) found"):
        build(Settings(root_dir=root), None)
    assert not (root / "dist").exists()  # nothing was written before the check


def test_cli_build_reports_a_bad_row_as_file_line_without_traceback(tmp_path):
    root = _copy_root(tmp_path)
    path = root / "data" / "registry" / "instruments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    ident, _kind, rest = lines[2].split(",", 2)
    lines[2] = ",".join((ident, "decree", rest))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "PLANKG_ROOT_DIR": str(root), "PLANKG_STORE_PATH": str(tmp_path / "store"),
           "PLANKG_DIST_DIR": str(tmp_path / "dist")}
    done = subprocess.run([sys.executable, "-m", "plankg.cli", "build"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "instruments.csv:3:" in done.stderr and "decree" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "dist").exists(), "a failed build must not write dist/"


def test_the_impact_area_ids_are_those_of_the_graph_and_of_every_area_parameter(result):
    from plankg.catalog import Catalog
    from plankg.namespaces import IMPACT_AREAS

    areas = {q.subject.value for q in result.quads if q.predicate.value == RDF_TYPE and q.object.value == PK + "ImpactArea"}
    assert areas == {ID + "area/" + slug for slug in IMPACT_AREAS}
    catalog = Catalog.load(Settings())
    # an area named by its id; the pages' own queries take the area's full IRI, which the page built
    enums = {q.name: p.enum for q in [*catalog, *catalog.internal.values()] for p in q.params if p.name == "area" and not (p.type == "iri" and p.prefix is None)}
    assert enums, "no named query takes an area"
    for name, enum in enums.items():
        assert set(enum) == set(IMPACT_AREAS), name
