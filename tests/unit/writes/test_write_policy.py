"""plankg.write_policy: which role may make which change, and what a destructive one must confirm.

The unit tests judge hand-made changes against given graph sizes; the pipeline
tests at the end run real writes on the built graph and check nothing changed
when the policy refuses (including the old hole: an update that removes every
built graph conforms, since nothing is left to validate).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg import write_policy
from plankg.errors import ConfirmationRequired, Forbidden
from plankg.namespaces import Namespaces
from plankg.settings import Settings
from plankg.writes import Change, WritePipeline

NS = Namespaces.of(Settings())
B = NS.base
G_PLAN, G_REGISTRY, G_ONTOLOGY, G_CHANGES = (NS.graph(n) for n in ("plan", "registry", "ontology", "changes"))
G_NOTES, G_OTHER = NS.graph("notes"), NS.graph("other")


def quads(graph: str | None, n: int, start: int = 0) -> list[ox.Quad]:
    g = ox.NamedNode(graph) if graph else ox.DefaultGraph()
    return [ox.Quad(ox.NamedNode(f"urn:x:s{i}"), ox.NamedNode("urn:x:p"), ox.Literal(str(i)), g) for i in range(start, start + n)]


SIZES = {G_PLAN: 400, G_REGISTRY: 300, G_ONTOLOGY: 200, G_CHANGES: 50, G_NOTES: 10, G_OTHER: 10, None: 0}


def sizes(graph, cap):
    if graph == write_policy.DATA:
        return min(sum(n for g, n in SIZES.items() if g != G_CHANGES), cap)
    return min(SIZES.get(graph, 0), cap)


def judge(change: Change, role: str = "steward", confirm: str | None = None) -> None:
    write_policy.check(change, role=role, confirm=confirm, ns=NS, sizes=sizes)


def change(removed=(), added=(), graphs=(), **extra) -> Change:
    return Change("test", removed=list(removed), added=list(added), graphs=tuple(graphs), **extra)


# ------------------------------------------------------------------ built graphs and the change log
@pytest.mark.parametrize("graph", [G_PLAN, G_REGISTRY, G_ONTOLOGY])
def test_a_steward_may_not_add_to_or_remove_from_a_built_graph(graph):
    with pytest.raises(Forbidden, match="read-only to stewards"):
        judge(change(added=quads(graph, 1), graphs=[graph]))
    with pytest.raises(Forbidden, match="read-only to stewards"):
        judge(change(removed=quads(graph, 1), graphs=[graph]))


def test_a_steward_addressing_a_built_graph_is_refused_even_when_nothing_would_change():
    with pytest.raises(Forbidden):
        judge(change(graphs=[G_REGISTRY]))


def test_an_admin_may_edit_a_built_graph_without_confirming():
    judge(change(removed=quads(G_REGISTRY, 3), added=quads(G_REGISTRY, 3, 100), graphs=[G_REGISTRY]), role="admin")


@pytest.mark.parametrize("role", ["steward", "admin"])
def test_nobody_writes_the_change_log(role):
    with pytest.raises(Forbidden, match="change log"):
        judge(change(added=quads(G_CHANGES, 1), graphs=[G_CHANGES]), role=role, confirm="all")


def test_a_steward_edits_a_graph_of_their_own_freely():
    judge(change(removed=quads(G_NOTES, 4), added=quads(G_NOTES, 2, 50), graphs=[G_NOTES]))
    judge(change(added=quads(None, 5), graphs=[None]))


# ------------------------------------------------------------------ destructive writes
def test_emptying_a_graph_needs_an_admin_and_its_iri():
    emptied = change(removed=quads(G_NOTES, 10), graphs=[G_NOTES], drop_graphs=(G_NOTES,))
    with pytest.raises(Forbidden, match=f"only an admin .*confirm={G_NOTES}"):
        judge(emptied)
    with pytest.raises(ConfirmationRequired) as asked:
        judge(emptied, role="admin")
    assert f"confirm={G_NOTES}" in asked.value.detail and "nothing was changed" in asked.value.detail
    for wrong in ("all", G_OTHER, G_NOTES + " ", "yes"):
        with pytest.raises(ConfirmationRequired, match="does not name it"):
            judge(emptied, role="admin", confirm=wrong)
    judge(emptied, role="admin", confirm=G_NOTES)


def test_an_update_that_removes_every_triple_of_a_graph_is_a_removal_of_the_graph():
    with pytest.raises(ConfirmationRequired, match=f"confirm={G_OTHER}"):
        judge(change(removed=quads(G_OTHER, 10), graphs=[G_OTHER]), role="admin")
    judge(change(removed=quads(G_OTHER, 9), graphs=[G_OTHER]))  # one triple stays: an edit


def test_a_graph_emptied_and_refilled_in_one_write_is_not_removed():
    judge(change(removed=quads(G_OTHER, 10), added=quads(G_OTHER, 1, 99), graphs=[G_OTHER]))


def test_the_default_graph_is_confirmed_as_default():
    SIZES[None] = 3
    try:
        with pytest.raises(ConfirmationRequired, match="confirm=default"):
            judge(change(removed=quads(None, 3), graphs=[None], drop_graphs=(None,)), role="admin")
        judge(change(removed=quads(None, 3), graphs=[None], drop_graphs=(None,)), role="admin", confirm="default")
    finally:
        SIZES[None] = 0


def test_replacing_a_built_graph_needs_confirmation_even_when_little_differs():
    put = change(removed=quads(G_REGISTRY, 1), added=quads(G_REGISTRY, 1, 500), graphs=[G_REGISTRY], replaced=(G_REGISTRY,), existed={G_REGISTRY: True})
    with pytest.raises(ConfirmationRequired, match=f"confirm={G_REGISTRY}"):
        judge(put, role="admin")
    judge(put, role="admin", confirm=G_REGISTRY)


def test_replacing_a_graph_of_ones_own_is_not_destructive():
    judge(change(removed=quads(G_NOTES, 2), added=quads(G_NOTES, 2, 70), graphs=[G_NOTES], replaced=(G_NOTES,), existed={G_NOTES: True}))


def test_removing_several_graphs_is_confirmed_with_all():
    everything = change(
        removed=quads(G_PLAN, 400) + quads(G_REGISTRY, 300) + quads(G_ONTOLOGY, 200),
        graphs=[G_PLAN, G_REGISTRY, G_ONTOLOGY],
    )
    with pytest.raises(Forbidden):
        judge(everything)
    with pytest.raises(ConfirmationRequired, match="confirm=all"):
        judge(everything, role="admin", confirm=G_PLAN)
    judge(everything, role="admin", confirm="all")


def test_removing_more_than_half_of_the_data_needs_confirmation_though_no_graph_empties():
    # 920 triples of data (the change log's 50 do not count); 461 removed from two graphs
    mass = change(removed=quads(G_PLAN, 390) + quads(G_REGISTRY, 71), graphs=[G_PLAN, G_REGISTRY])
    with pytest.raises(ConfirmationRequired, match="more than half.*confirm=all"):
        judge(mass, role="admin")
    judge(mass, role="admin", confirm="all")
    judge(change(removed=quads(G_PLAN, 390) + quads(G_REGISTRY, 70), graphs=[G_PLAN, G_REGISTRY]), role="admin")  # exactly half


def test_most_of_the_data_in_one_graph_is_confirmed_with_that_graph(monkeypatch):
    monkeypatch.setitem(SIZES, G_PLAN, 2000)
    with pytest.raises(ConfirmationRequired, match=f"more than half.*confirm={G_PLAN}"):
        judge(change(removed=quads(G_PLAN, 1500), graphs=[G_PLAN]), role="admin")


def test_a_change_that_removes_nothing_is_never_destructive():
    judge(change(added=quads(G_NOTES, 1000), graphs=[G_NOTES]))


# ------------------------------------------------------------------ through the pipeline, on the built graph
def everything(store) -> list[ox.Quad]:
    return sorted(store.quads_matching([(None, None, None, None)]), key=str)


@pytest.fixture
def pipeline(memory_store, plan_quads):
    return WritePipeline(Settings(), memory_store(plan_quads))


@pytest.mark.parametrize(
    "update",
    [
        "CLEAR ALL",
        "DROP ALL",
        "CLEAR NAMED",
        f"DROP GRAPH <{G_ONTOLOGY}> ; DROP GRAPH <{G_PLAN}> ; DROP GRAPH <{G_REGISTRY}>",
        "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    ],
    ids=["clear-all", "drop-all", "clear-named", "drop-built-graphs", "delete-where-everything"],
)
def test_removing_the_whole_built_graph_is_refused_to_a_steward_and_unconfirmed_admin(pipeline, update):
    before = everything(pipeline.store)
    with pytest.raises(Forbidden):
        pipeline.update(update, agent="t")
    with pytest.raises(ConfirmationRequired, match="confirm=all"):
        pipeline.update(update, agent="root", role="admin")
    with pytest.raises(ConfirmationRequired):
        pipeline.update(update, agent="root", role="admin", dry_run=True)
    assert everything(pipeline.store) == before


def test_clear_all_clears_every_graph_but_the_change_log_which_stays_refused_by_name(pipeline):
    pipeline.post_graph(G_NOTES, quads(None, 2), agent="t")
    def activities() -> set:
        return {q.subject for q in pipeline.store.quads(G_CHANGES) if q.object.value.endswith("prov#Activity")}

    before = activities()
    assert before
    with pytest.raises(Forbidden, match="change log"):
        pipeline.update(f"CLEAR GRAPH <{G_CHANGES}>", agent="root", role="admin", confirm=G_CHANGES)
    outcome = pipeline.update("CLEAR ALL", agent="root", role="admin", confirm="all")
    assert outcome.committed and all(q.graph_name.value == G_CHANGES for q in everything(pipeline.store))
    assert before < activities()  # kept, and the CLEAR ALL recorded in it


def test_an_admin_who_confirms_removes_a_built_graph_and_the_log_says_so(pipeline):
    with pytest.raises(ConfirmationRequired, match=f"confirm={G_ONTOLOGY}"):
        pipeline.delete_graph(G_ONTOLOGY, agent="root", role="admin")
    assert pipeline.store.quads(G_ONTOLOGY)
    outcome = pipeline.delete_graph(G_ONTOLOGY, agent="root", role="admin", confirm=G_ONTOLOGY)
    assert outcome.committed and not pipeline.store.quads(G_ONTOLOGY)
    assert any(q.object.value == G_ONTOLOGY for q in pipeline.store.quads(G_CHANGES))


def test_a_steward_deletes_no_graph_not_even_their_own(pipeline):
    pipeline.post_graph(G_NOTES, quads(None, 2), agent="t")
    with pytest.raises(Forbidden, match=f"confirm={G_NOTES}"):
        pipeline.delete_graph(G_NOTES, agent="t")
    with pytest.raises(Forbidden):
        pipeline.put_graph(G_NOTES, [], agent="t")
    with pytest.raises(Forbidden):
        pipeline.update(f"CLEAR GRAPH <{G_NOTES}>", agent="t")
    assert len(pipeline.store.quads(G_NOTES)) == 2
    assert pipeline.put_graph(G_NOTES, [], agent="root", role="admin", confirm=G_NOTES).committed
    assert pipeline.store.quads(G_NOTES) == []


def test_a_put_of_a_built_graph_by_an_admin_needs_its_iri(pipeline):
    registry = [q for q in pipeline.store.quads(G_REGISTRY)]
    with pytest.raises(ConfirmationRequired, match=f"confirm={G_REGISTRY}"):
        pipeline.put_graph(G_REGISTRY, registry, agent="root", role="admin")
    with pytest.raises(Forbidden):
        pipeline.put_graph(G_REGISTRY, registry, agent="t")


def test_the_pipeline_counts_only_as_far_as_the_policy_needs(pipeline, plan_quads):
    in_plan = sum(1 for q in plan_quads if q.graph_name == ox.NamedNode(G_PLAN))
    assert pipeline._triples_in(G_PLAN, 10**9) == in_plan
    assert pipeline._triples_in(G_PLAN, 5) == 5
    assert pipeline._triples_in(write_policy.DATA, 10**9) == len(plan_quads)
    pipeline.post_graph(G_NOTES, quads(None, 2), agent="t")  # now there is a change log, which is not data
    assert pipeline._triples_in(write_policy.DATA, 10**9) == len(plan_quads) + 2
    assert pipeline._triples_in(None, 10**9) == 0


def test_clear_default_with_data_in_it_needs_confirm_default(pipeline):
    pipeline.put_graph(None, quads(None, 3), agent="t")
    with pytest.raises(Forbidden):
        pipeline.update("CLEAR DEFAULT", agent="t")
    with pytest.raises(ConfirmationRequired, match="confirm=default"):
        pipeline.update("CLEAR DEFAULT", agent="root", role="admin")
    assert pipeline.update("CLEAR DEFAULT", agent="root", role="admin", confirm="default").committed
    assert pipeline.store.quads_matching([(None, None, None, ox.DefaultGraph())]) == []
    assert pipeline.update("CLEAR DEFAULT", agent="t").change.empty  # nothing left to remove: nothing to confirm
