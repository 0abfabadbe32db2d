"""plankg.store.changes: one SPARQL Update per change, exact for every term pyoxigraph can hold."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plankg.errors import BadRequest, QuerySyntaxError
from plankg.store.changes import change_update, commit, preview_update
from plankg.store.embedded import _syntax_error

G1, G2 = ox.NamedNode("http://example.org/g1"), ox.NamedNode("http://example.org/g2")
IRIS = [ox.NamedNode(f"http://example.org/n{i}") for i in range(4)] + [ox.NamedNode("http://example.org/ü/ä?x=1#f")]
BLANKS = [ox.BlankNode(f"b{i}") for i in range(3)]
PREDICATES = [ox.NamedNode(f"http://example.org/p{i}") for i in range(3)]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
LITERALS = st.one_of(
    TEXT.map(ox.Literal),
    st.tuples(TEXT, st.sampled_from(["en", "zh", "zh-Hans"])).map(lambda t: ox.Literal(t[0], language=t[1])),
    st.integers(-10**20, 10**20).map(lambda n: ox.Literal(str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
    TEXT.map(lambda s: ox.Literal(s, datatype=ox.NamedNode("http://example.org/odd-type"))),
)
QUADS = st.builds(
    ox.Quad,
    st.sampled_from(IRIS + BLANKS),
    st.sampled_from(PREDICATES),
    st.one_of(st.sampled_from(IRIS + BLANKS), LITERALS),
    st.sampled_from([ox.DefaultGraph(), G1, G2]),
)


def canonical(quads) -> set:
    dataset = ox.Dataset(list(quads))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def store_with(quads) -> ox.Store:
    store = ox.Store()
    store.extend(list(quads))
    return store


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(QUADS, max_size=25), st.data())
def test_the_update_turns_before_into_after(before, data):
    removed = data.draw(st.sets(st.sampled_from(sorted(before, key=str)), max_size=len(before)) if before else st.just(set()))
    added = data.draw(st.sets(QUADS, max_size=10))
    store = store_with(before)
    text = change_update(store, sorted(removed, key=str), sorted(added, key=str))
    if text is not None:
        store.update(text)
    assert canonical(store) == canonical((before - removed) | added)


def test_nothing_to_do_is_no_update():
    assert change_update(ox.Store(), [], []) is None


def test_quads_without_blank_nodes_are_named_exactly():
    a = ox.Quad(IRIS[0], PREDICATES[0], ox.Literal('say "hi"\n\\', language="en"), G1)
    b = ox.Quad(IRIS[1], PREDICATES[1], IRIS[2])
    text = change_update(store_with([a]), [a], [b])
    assert text.startswith("DELETE DATA") and "DROP" not in text
    store = store_with([a])
    store.update(text)
    assert list(store) == [b]


def test_a_graph_whose_blank_nodes_change_is_rewritten_whole():
    keep = ox.Quad(IRIS[0], PREDICATES[0], BLANKS[0], G1)
    inner = ox.Quad(BLANKS[0], PREDICATES[1], ox.Literal("x"), G1)
    other = ox.Quad(IRIS[1], PREDICATES[0], IRIS[2], G2)
    store = store_with([keep, inner, other])
    new = ox.Quad(BLANKS[0], PREDICATES[2], ox.Literal("y"), G1)
    text = change_update(store, [], [new])
    assert f"DROP SILENT GRAPH {G1}" in text and str(G2) not in text
    store.update(text)
    assert canonical(store) == canonical([keep, inner, other, new])


def test_dropped_graphs_and_drop_all():
    quads = [ox.Quad(IRIS[0], PREDICATES[0], IRIS[1], G1), ox.Quad(IRIS[0], PREDICATES[0], IRIS[1], G2)]
    store = store_with(quads)
    store.update(change_update(store, [quads[0]], [], drop_graphs=[G1.value]))
    assert list(store) == [quads[1]] and G1 not in set(store.named_graphs())
    fresh = [ox.Quad(IRIS[3], PREDICATES[2], IRIS[3])]
    store.update(change_update(store, [], fresh, drop_all=True))
    assert list(store) == fresh


def test_commit_writes_disk_and_replica_alike(tmp_path):
    disk = ox.Store(str(tmp_path / "db"))
    mem = ox.Store()
    old = ox.Quad(IRIS[0], PREDICATES[0], ox.Literal("old"), G1)
    for s in (disk, mem):
        s.add(old)
    new = [ox.Quad(IRIS[0], PREDICATES[0], ox.Literal("new"), G1), ox.Quad(BLANKS[0], PREDICATES[1], IRIS[1], G2)]
    mem = commit(disk, mem, [old], new)
    assert canonical(disk) == canonical(mem) == canonical(new)


def test_preview_runs_on_a_copy():
    a = ox.Quad(IRIS[0], PREDICATES[0], IRIS[1], G1)
    mem = store_with([a])
    removed, added = preview_update(mem, f"DELETE DATA {{ GRAPH {G1} {{ {a.subject} {a.predicate} {a.object} }} }} ; INSERT DATA {{ {IRIS[2]} {PREDICATES[2]} 7 }}", _syntax_error)
    assert removed == [a]
    assert [str(q) for q in added] == [f'{IRIS[2]} {PREDICATES[2]} "7"^^<http://www.w3.org/2001/XMLSchema#integer>']
    assert list(mem) == [a]


def test_preview_reports_syntax_errors_with_their_position():
    with pytest.raises(QuerySyntaxError) as caught:
        preview_update(ox.Store(), "INSERT DATA {\n <a> }", _syntax_error)
    assert caught.value.line == 2


def test_preview_reports_updates_that_cannot_run():
    with pytest.raises(BadRequest) as caught:
        preview_update(ox.Store(), "DROP GRAPH <http://example.org/missing>", _syntax_error)
    assert "http://example.org/missing" in caught.value.detail


# ---------------------------------------------------------------- the dataset an update's WHERE reads
AREA = ox.NamedNode("http://example.org/Area")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SEEN = ox.NamedNode("http://example.org/seen")


def union_store() -> ox.Store:
    """One area in G1, one in the store's default graph."""
    return store_with([ox.Quad(IRIS[0], TYPE, AREA, G1), ox.Quad(IRIS[1], TYPE, AREA, ox.DefaultGraph())])


def seen(added: list[ox.Quad]) -> set[str]:
    return {q.subject.value for q in added if q.predicate == SEEN}


MARK = f"INSERT {{ GRAPH {G2} {{ ?a {SEEN} true }} }} WHERE {{ ?a a {AREA} }}"


def test_the_where_reads_the_union_of_the_default_graph_and_every_named_graph():
    mem = union_store()
    assert seen(preview_update(mem, MARK, _syntax_error)[1]) == {IRIS[0].value, IRIS[1].value}
    assert seen(preview_update(mem, MARK, _syntax_error, union=False)[1]) == {IRIS[1].value}
    assert len(mem) == 2


def test_each_operation_sees_what_the_ones_before_it_wrote():
    mem = union_store()
    update = f"INSERT DATA {{ GRAPH <http://example.org/g3> {{ {IRIS[2]} a {AREA} }} }} ; {MARK}"
    assert seen(preview_update(mem, update, _syntax_error)[1]) == {IRIS[0].value, IRIS[1].value, IRIS[2].value}


def test_delete_where_reads_the_union_and_deletes_from_the_default_graph():
    removed, added = preview_update(union_store(), f"DELETE WHERE {{ ?a a {AREA} }}", _syntax_error)
    assert removed == [ox.Quad(IRIS[1], TYPE, AREA, ox.DefaultGraph())] and added == []


def test_with_and_using_in_the_update_keep_their_own_dataset():
    mem = union_store()
    assert seen(preview_update(mem, MARK.replace("WHERE", f"USING {G1} WHERE"), _syntax_error)[1]) == {IRIS[0].value}
    with_g1 = f"WITH {G1} INSERT {{ GRAPH {G2} {{ ?a {SEEN} true }} }} WHERE {{ ?a a {AREA} }}"
    assert seen(preview_update(mem, with_g1, _syntax_error)[1]) == {IRIS[0].value}


def test_using_graph_uri_and_using_named_graph_uri_replace_the_dataset():
    mem = union_store()
    assert seen(preview_update(mem, MARK, _syntax_error, using=[G1.value])[1]) == {IRIS[0].value}
    assert seen(preview_update(mem, MARK, _syntax_error, using_named=[G1.value])[1]) == set()  # no default graph then
    named = f"INSERT {{ GRAPH {G2} {{ ?a {SEEN} ?g }} }} WHERE {{ GRAPH ?g {{ ?a a {AREA} }} }}"
    assert seen(preview_update(mem, named, _syntax_error, using_named=[G1.value])[1]) == {IRIS[0].value}


def test_the_union_copy_of_the_default_graph_never_shows_in_the_change():
    removed, added = preview_update(union_store(), f"CLEAR ALL ; {MARK}", _syntax_error)
    assert len(removed) == 2 and added == []
    assert all("urn:plankg" not in str(q) for q in (*removed, *added))


def test_relative_iris_resolve_against_the_base_iri():
    _, added = preview_update(ox.Store(), f"INSERT DATA {{ GRAPH {G1} {{ <s> <p> <o> }} }}", _syntax_error, base_iri="http://example.org/update")
    assert [str(q) for q in added] == [f"<http://example.org/s> <http://example.org/p> <http://example.org/o> {G1}"]
    with pytest.raises(QuerySyntaxError, match="relative IRI"):
        preview_update(ox.Store(), f"INSERT DATA {{ GRAPH {G1} {{ <s> <p> <o> }} }}", _syntax_error)
