"""plankg.writes: what a write validates, what it commits, what it records."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from plankg.errors import Forbidden, ValidationFailed, WritesDisabled, WritesUnsupported
from plankg.settings import Settings
from plankg.store import Store
from plankg.validation import validate_quads
from plankg.writes import WritePipeline

B = "http://127.0.0.1:8000/"
PK = B + "ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
G_PARTNERS, G_CHANGES, G_REGISTRY, G_PLAN = B + "graph/partners", B + "graph/changes", B + "graph/registry", B + "graph/plan"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def fixture_quads(name: str) -> list[ox.Quad]:
    return list(ox.parse(path=str(FIXTURES / name), format=ox.RdfFormat.TURTLE))


class Counting:
    """validate_quads, counting what the pipeline hands it."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.shapes: list = []

    def __call__(self, settings, quads, shapes=None):
        quads = list(quads)
        self.sizes.append(len(quads))
        self.shapes.append(shapes)
        return validate_quads(settings, quads, shapes)


def violations(report) -> set[tuple]:
    return {(r.focus, r.path, r.component) for r in report.results if r.severity == "Violation"}


# ------------------------------------------------------------------ scale
@pytest.mark.slow
def test_a_write_against_a_large_graph_validates_only_the_affected_part(memory_store, plan_quads):
    from bench.generate import generate

    settings = Settings()
    big = generate(settings, 1_000_000)
    store = memory_store(big)
    counting = Counting()
    pipeline = WritePipeline(settings, store, validate=counting)
    outcome = pipeline.put_graph(G_PARTNERS, fixture_quads("new_partner.ttl"), agent="steward")
    assert outcome.committed and outcome.report.passes_gate
    assert len(store) > 990_000
    # the validator saw the partner's neighbourhood: a few thousand triples of a million
    assert counting.sizes == [outcome.validated_triples]
    assert outcome.validated_triples < 5_000
    with pytest.raises(ValidationFailed) as refused:
        pipeline.put_graph(B + "graph/broken", [_renamed(q, "SVRI", "SVRI2") for q in fixture_quads("new_partner_broken.ttl")], agent="steward")
    assert {(f, p) for f, p, _ in violations(refused.value.report)} == {(B + "id/org/SVRI2", "skos:prefLabel")}
    assert counting.sizes[-1] < 5_000


def _renamed(q: ox.Quad, old: str, new: str) -> ox.Quad:
    def term(t):
        return ox.NamedNode(t.value.replace(old, new)) if isinstance(t, ox.NamedNode) else t

    return ox.Quad(term(q.subject), q.predicate, term(q.object), q.graph_name)


# ------------------------------------------------------------------ the part is enough
PLAN_UPDATES = {
    "zh-label-removed": f"""PREFIX skos: <{SKOS}> DELETE {{ GRAPH <{G_REGISTRY}> {{ <{B}id/org/UNFPA> skos:prefLabel ?l }} }}
        WHERE {{ GRAPH <{G_REGISTRY}> {{ <{B}id/org/UNFPA> skos:prefLabel ?l FILTER (LANG(?l) = "zh") }} }}""",
    "type-removed": f"DELETE DATA {{ GRAPH <{G_REGISTRY}> {{ <{B}id/org/UNFPA> a <{PK}UNEntity> }} }}",
    "item-moved": f"DELETE DATA {{ GRAPH <{G_PLAN}> {{ <{B}id/para/55/item/5> <{DCTERMS}isPartOf> <{B}id/para/55> }} }} ;"
    f" INSERT DATA {{ GRAPH <{G_PLAN}> {{ <{B}id/para/55/item/5> <{DCTERMS}isPartOf> <{B}id/para/56> }} }}",
    "paragraph-renumbered": f"""PREFIX pk: <{PK}> DELETE {{ GRAPH <{G_PLAN}> {{ <{B}id/para/7> pk:paragraphNumber 7 }} }}
        INSERT {{ GRAPH <{G_PLAN}> {{ <{B}id/para/7> pk:paragraphNumber 200 }} }} WHERE {{}}""",
    "paragraph-untyped": f"DELETE DATA {{ GRAPH <{G_PLAN}> {{ <{B}id/para/55> a <{PK}Paragraph> }} }}",
    "collaborator-not-an-org": f"""PREFIX pk: <{PK}> INSERT DATA {{ GRAPH <{G_PLAN}> {{
        <{B}id/collaboration/55-5/x> a pk:Collaboration ; pk:collaborator <{B}id/para/12> ;
        pk:intervention <{B}id/intervention/55-5> ; pk:sourceParagraph <{B}id/para/55> ;
        <http://www.w3.org/ns/prov#wasDerivedFrom> <{B}id/para/55/item/5> ; pk:surfaceForm "x"@zh }} }}""",
    "area-link-removed": f"DELETE DATA {{ GRAPH <{G_PLAN}> {{ <{B}id/intervention/55-5> <{PK}impactArea> <{B}id/area/evaw> }} }}",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PLAN_UPDATES))
def test_the_affected_part_finds_what_a_full_validation_finds(memory_store, plan_quads, name):
    settings = Settings()
    store = memory_store(plan_quads)
    pipeline = WritePipeline(settings, store)
    with pytest.raises(ValidationFailed) as refused:
        pipeline.update(PLAN_UPDATES[name], agent="t", role="admin")
    found = violations(refused.value.report)
    assert refused.value.outcome.validated_triples < len(plan_quads) / 2

    # the same change, applied to a copy of everything and validated whole
    removed, added = store.preview_update(PLAN_UPDATES[name])
    after = (set(plan_quads) - set(removed)) | set(added)
    full = violations(validate_quads(settings, sorted(after, key=str)))
    assert found == full, name


def test_a_conforming_write_reports_nothing_about_nodes_it_only_reached(memory_store, plan_quads):
    """Rim nodes are in the validated data only partly; their would-be violations are not the write's."""
    pipeline = WritePipeline(Settings(), memory_store(plan_quads))
    outcome = pipeline.put_graph(G_PARTNERS, fixture_quads("new_partner.ttl"), agent="steward")
    assert outcome.report.passes_gate and violations(outcome.report) == set()
    assert outcome.committed


def test_global_constraints_run_only_when_their_predicates_change(memory_store, plan_quads):
    counting = Counting()
    pipeline = WritePipeline(Settings(), memory_store(plan_quads), validate=counting)
    pipeline.post_graph(B + "graph/notes", [ox.Quad(ox.NamedNode(B + "id/para/7"), ox.NamedNode(SKOS + "note"), ox.Literal("n"))], agent="t")
    sparql = ox.NamedNode("http://www.w3.org/ns/shacl#sparql")
    plan_shape = ox.NamedNode(B + "shapes#StrategicPlanShape")
    assert not [q for q in counting.shapes[-1].quads if q.subject == plan_shape and q.predicate == sparql]
    with pytest.raises(ValidationFailed) as refused:
        pipeline.update(PLAN_UPDATES["paragraph-renumbered"], agent="t", role="admin")
    assert len([q for q in counting.shapes[-1].quads if q.subject == plan_shape and q.predicate == sparql]) == 3  # the footnote one stays out
    assert (B + "id/plan", "pk:paragraphNumber") in {(f, p) for f, p, _ in violations(refused.value.report)}


# ------------------------------------------------------------------ commit and record
def test_commit_changes_the_version_and_records_the_change(memory_store, plan_quads):
    store = memory_store(plan_quads)
    pipeline = WritePipeline(Settings(), store)
    version = store.version
    first = pipeline.put_graph(G_PARTNERS, fixture_quads("new_partner.ttl"), agent="steward one")
    assert first.committed and first.created and store.version != version
    log = store.quads(G_CHANGES)
    activity = ox.NamedNode(first.activity)
    about = {(q.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], q.object) for q in log if q.subject == activity}
    assert ("wasAssociatedWith", ox.NamedNode(B + "id/agent/steward-one")) in about
    assert ("triplesAdded", ox.Literal("15", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))) in about
    assert ("generated", ox.NamedNode(G_PARTNERS)) in about and ("used", ox.NamedNode(G_PARTNERS)) not in about

    second = pipeline.post_graph(G_PARTNERS, [ox.Quad(ox.NamedNode(B + "id/org/SVRI"), ox.NamedNode(SKOS + "altLabel"), ox.Literal("SVRI", language="zh"))], agent="steward")
    modified = [q for q in store.quads(G_CHANGES) if q.subject == ox.NamedNode(G_PARTNERS) and q.predicate.value == DCTERMS + "modified"]
    assert len(modified) == 1 and not second.created
    ended = [q.object for q in store.quads(G_CHANGES) if q.subject == ox.NamedNode(second.activity) and q.predicate.value.endswith("endedAtTime")]
    assert [q.object for q in modified] == ended


def test_dry_run_and_empty_changes_commit_nothing(memory_store, plan_quads):
    store = memory_store(plan_quads)
    pipeline = WritePipeline(Settings(), store)
    version, size = store.version, len(store)
    outcome = pipeline.put_graph(G_PARTNERS, fixture_quads("new_partner.ttl"), agent="t", dry_run=True)
    assert outcome.report.passes_gate and not outcome.committed and outcome.activity is None
    assert (store.version, len(store)) == (version, size)
    outcome = pipeline.post_graph(G_REGISTRY, [q for q in plan_quads if q.graph_name == ox.NamedNode(G_REGISTRY)][:5], agent="t", role="admin")
    assert outcome.change.empty and not outcome.committed
    assert (store.version, len(store)) == (version, size)


@pytest.mark.parametrize("graph", [G_CHANGES, "http://elsewhere.example/graph", "file:///etc/passwd"])
def test_graphs_outside_the_stewards_reach_are_refused(memory_store, plan_quads, graph):
    pipeline = WritePipeline(Settings(), memory_store(plan_quads))
    with pytest.raises(Forbidden):
        pipeline.put_graph(graph, fixture_quads("new_partner.ttl"), agent="t")


def test_an_update_may_not_touch_the_change_log(memory_store, plan_quads):
    store = memory_store(plan_quads)
    pipeline = WritePipeline(Settings(), store)
    pipeline.post_graph(B + "graph/notes", [ox.Quad(ox.NamedNode("urn:x:a"), ox.NamedNode("urn:x:b"), ox.Literal("c"))], agent="t")
    with pytest.raises(Forbidden):
        pipeline.update(f"CLEAR GRAPH <{G_CHANGES}>", agent="t")
    assert store.quads(G_CHANGES)


def test_a_remote_store_without_an_update_url_refuses_before_any_work():
    from plankg.store.remote import RemoteStore

    # never contacted (nothing listens on port 9): the refusal comes before the candidate is computed
    store = RemoteStore(Settings(store="remote", remote_query_url="http://127.0.0.1:9/sparql"))
    pipeline = WritePipeline(Settings(), store)
    with pytest.raises(WritesDisabled):
        pipeline.put_graph(G_PARTNERS, fixture_quads("new_partner.ttl"), agent="t")
    with pytest.raises(WritesDisabled):
        pipeline.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", agent="t")


def test_a_store_that_cannot_commit_refuses_before_any_work(memory_store, plan_quads):
    class ReadOnly(type(memory_store(plan_quads))):
        apply_changes = Store.apply_changes

    store = memory_store(plan_quads)
    store.__class__ = ReadOnly
    pipeline = WritePipeline(Settings(), store)
    with pytest.raises(WritesUnsupported):
        pipeline.update("INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }", agent="t")


SAMPLED = 10


@pytest.fixture(scope="module")
def sampled_removals(plan_quads) -> list[str]:
    """One triple of each of SAMPLED predicates of the data, picked with a fixed seed."""
    import random

    quads = [q for q in plan_quads if q.graph_name.value != B + "graph/ontology"]
    by_predicate: dict[str, list] = {}
    for q in quads:
        by_predicate.setdefault(q.predicate.value, []).append(q)
    rng = random.Random(2021)
    picked = rng.sample(sorted(by_predicate), SAMPLED)
    return [rng.choice(sorted(by_predicate[p], key=str)) for p in picked]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(SAMPLED))
def test_removing_any_one_triple_is_judged_as_a_full_validation_judges_it(memory_store, plan_quads, sampled_removals, index):
    settings = Settings()
    store = memory_store(plan_quads)
    q = sampled_removals[index]
    update = f"DELETE DATA {{ GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }} }}"
    after = sorted(set(plan_quads) - {q}, key=str)
    full = violations(validate_quads(settings, after))
    try:
        outcome = WritePipeline(settings, store).update(update, agent="t", dry_run=True, role="admin")
        found = violations(outcome.report)
    except ValidationFailed as refused:
        found = violations(refused.report)
    assert found == full, str(q)


def test_a_change_to_the_ontology_is_judged_with_the_whole_ontology(memory_store, plan_quads):
    store = memory_store(plan_quads)
    pipeline = WritePipeline(Settings(), store)
    ontology = f"<{B}graph/ontology>"
    rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    unlabelled = f"INSERT DATA {{ GRAPH {ontology} {{ <{PK}Newcomer> a <http://www.w3.org/2002/07/owl#Class> ; <{rdfs}isDefinedBy> <{B}ontology> }} }}"
    with pytest.raises(ValidationFailed) as refused:
        pipeline.update(unlabelled, agent="t", role="admin")
    assert {f for f, _, _ in violations(refused.value.report)} == {B + "ontology"}
    assert any(PK + "Newcomer" in (r.value or "") or "Newcomer" in r.message_in("en") for r in refused.value.report.results)
    commented = f'INSERT DATA {{ GRAPH {ontology} {{ <{PK}Collaboration> <{rdfs}comment> "Also added by stewards."@en }} }}'
    assert pipeline.update(commented, agent="t", role="admin").committed


# ------------------------------------------------------------------ the write gate
def test_the_write_gate_severity_decides_what_a_write_may_carry(memory_store, plan_quads):
    """The new partner carries infos but no violation: SHACL says it does not conform, the default
    gate lets it in, a gate at ``info`` refuses it (and writes nothing)."""
    partner = fixture_quads("new_partner.ttl")
    lenient = WritePipeline(Settings(), memory_store(plan_quads))
    outcome = lenient.put_graph(G_PARTNERS, partner, agent="steward", dry_run=True)
    assert outcome.report.results and not outcome.report.conforms
    assert outcome.report.passes_gate
    assert {r.severity for r in outcome.report.results} == {"Info"}

    strict_store = memory_store(plan_quads)
    strict = WritePipeline(Settings(write_gate_severity="info"), strict_store)
    with pytest.raises(ValidationFailed, match="of severity info or more") as refused:
        strict.put_graph(G_PARTNERS, partner, agent="steward")
    assert refused.value.outcome.report.summary()["writeGate"] == {"severity": "Info", "passes": False}  # type: ignore[attr-defined]
    assert not strict_store.quads_matching([(None, None, None, ox.NamedNode(G_PARTNERS))])
