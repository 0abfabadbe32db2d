"""The VoID/DCAT description (plankg.dataset) counts what the store holds."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest

from plankg.build import assemble
from plankg.catalog import Catalog
from plankg.dataset import DUMPS, LINK_TARGETS, dataset_iri, describe_dataset
from plankg.namespaces import DCAT, DCT, EXTERNAL_PREFIXES, RDF_TYPE, VOID, Namespaces
from plankg.settings import Settings
from plankg.store.embedded import EmbeddedStore

SKOS_EXACT = EXTERNAL_PREFIXES["skos"] + "exactMatch"


@pytest.fixture(scope="module")
def built() -> list[ox.Quad]:
    return assemble(Settings()).quads


def _store(quads: list[ox.Quad], ns: Namespaces) -> EmbeddedStore:
    store = EmbeddedStore(None, prefixes=ns.prefixes())
    store.replace_dataset(quads)
    return store


@pytest.fixture(scope="module")
def ns() -> Namespaces:
    return Namespaces.of(Settings())


@pytest.fixture(scope="module")
def store(built, ns) -> EmbeddedStore:
    return _store(built, ns)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(Settings())


@pytest.fixture(scope="module")
def description(store, ns, catalog) -> list[ox.Triple]:
    return describe_dataset(store, ns, catalog)


def objects(triples, subject: str, predicate: str) -> list:
    return [t.object for t in triples if t.subject.value == subject and t.predicate.value == predicate]


def one_int(triples, subject: str, predicate: str) -> int:
    found = objects(triples, subject, predicate)
    assert len(found) == 1, (subject, predicate, found)
    return int(found[0].value)


def test_void_triples_equals_distinct_triples_in_the_store(description, store, ns):
    expected = len({q.triple for q in store.quads()})
    assert one_int(description, dataset_iri(ns), VOID + "triples") == expected


def test_dataset_is_both_void_and_dcat_with_titles_in_both_languages(description, ns):
    ds = dataset_iri(ns)
    types = {o.value for o in objects(description, ds, RDF_TYPE)}
    assert {VOID + "Dataset", DCAT + "Dataset"} <= types
    for predicate in (DCT + "title", DCT + "description"):
        assert {o.language for o in objects(description, ds, predicate)} == {"en", "zh"}


def test_dataset_names_endpoint_uri_space_source_and_license(description, ns):
    ds = dataset_iri(ns)
    assert [o.value for o in objects(description, ds, VOID + "sparqlEndpoint")] == [ns.base + "sparql"]
    assert [o.value for o in objects(description, ds, VOID + "uriSpace")] == [ns.id]
    assert ns.entity("plan") in {o.value for o in objects(description, ds, DCT + "source")}
    assert objects(description, ds, DCT + "license")
    assert ns.ontology in {o.value for o in objects(description, ds, VOID + "vocabulary")}


def test_entities_counts_distinct_subjects_under_the_uri_space(description, store, ns):
    subjects = {q.subject.value for q in store.quads() if q.subject.value.startswith(ns.id)}
    assert one_int(description, dataset_iri(ns), VOID + "entities") == len(subjects)


def test_one_subset_per_named_graph_with_its_triple_count(description, store, ns):
    per_graph = Counter(q.graph_name.value for q in store.quads())
    subsets = {o.value for o in objects(description, dataset_iri(ns), VOID + "subset")}
    for graph, count in per_graph.items():
        assert graph in subsets
        assert one_int(description, graph, VOID + "triples") == count


def test_class_partitions_count_instances_per_class(description, store, ns):
    instances: dict[str, set[str]] = {}
    for q in store.quads():
        if q.predicate.value == RDF_TYPE:
            instances.setdefault(q.object.value, set()).add(q.subject.value)
    partitions = objects(description, dataset_iri(ns), VOID + "classPartition")
    seen = {}
    for part in partitions:
        (cls,) = objects(description, part.value, VOID + "class")
        seen[cls.value] = one_int(description, part.value, VOID + "entities")
    assert seen == {cls: len(members) for cls, members in instances.items()}
    assert seen[ns.term("Paragraph")] == 119


def test_linksets_count_exact_match_links_per_target(description, store, ns):
    triples = {q.triple for q in store.quads() if q.predicate.value == SKOS_EXACT}
    linksets = [o.value for o in objects(description, dataset_iri(ns), VOID + "subset") if "#links-" in o.value]
    assert len(linksets) == len(LINK_TARGETS)
    for target in LINK_TARGETS:
        linkset = next(s for s in linksets if s.endswith("links-" + target.key))
        expected = sum(1 for t in triples if t.object.value.startswith(target.uri_space))
        assert expected > 0, target.key
        assert one_int(description, linkset, VOID + "triples") == expected
        assert [o.value for o in objects(description, linkset, VOID + "linkPredicate")] == [SKOS_EXACT]
        (other,) = objects(description, linkset, VOID + "objectsTarget")
        assert [o.value for o in objects(description, other.value, VOID + "uriSpace")] == [target.uri_space]


def test_every_dump_and_its_gzip_file_is_a_data_dump_and_a_distribution_with_media_type(description, ns):
    ds = dataset_iri(ns)
    dumps = {o.value for o in objects(description, ds, VOID + "dataDump")}
    assert dumps == {ns.base + "dumps/" + d.filename + suffix for d in DUMPS for suffix in ("", ".gz")}
    by_url = {}
    compressed = {}
    for dist in objects(description, ds, DCAT + "distribution"):
        for url in objects(description, dist.value, DCAT + "downloadURL"):
            by_url[url.value] = [o.value for o in objects(description, dist.value, DCAT + "mediaType")]
            compressed[url.value] = [o.value for o in objects(description, dist.value, DCAT + "compressFormat")]
    iana = "https://www.iana.org/assignments/media-types/"
    for dump in DUMPS:
        url = ns.base + "dumps/" + dump.filename
        assert by_url[url] == by_url[url + ".gz"] == [iana + dump.media_type]
        assert compressed[url] == [] and compressed[url + ".gz"] == [iana + "application/gzip"]


def test_description_is_deterministic_and_has_no_blank_nodes(description, store, ns, catalog):
    assert describe_dataset(store, ns, catalog) == description
    assert not any(isinstance(term, ox.BlankNode) for t in description for term in (t.subject, t.object))


def test_description_follows_a_write(built, ns, catalog):
    store = _store(built, ns)
    before = one_int(describe_dataset(store, ns, catalog), dataset_iri(ns), VOID + "triples")
    kept = [q for q in built if not q.subject.value.startswith(ns.entity("mention/"))]
    store.replace_dataset(kept)
    after = one_int(describe_dataset(store, ns, catalog), dataset_iri(ns), VOID + "triples")
    assert after == len({q.triple for q in kept}) < before


def test_another_base_moves_every_minted_iri(built, catalog):
    other = Namespaces("https://kg.example.org/plan/")
    store = _store([], other)
    triples = describe_dataset(store, other, catalog)
    ours = {t.subject.value for t in triples if "127.0.0.1" in t.subject.value}
    assert not ours
    assert one_int(triples, dataset_iri(other), VOID + "triples") == 0
