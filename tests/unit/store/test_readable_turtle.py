"""rdfio.readable: Turtle and TriG never write an escaped prefixed name; nothing else changes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from plankg.namespaces import EXTERNAL_PREFIXES, Namespaces
from plankg.settings import Settings
from plankg.store.rdfio import serialize_dataset, serialize_triples

NS = Namespaces.of(Settings())
P = ox.NamedNode(NS.term("p"))
TRICKY = [
    ox.Literal('id:org\\/UNFPA "quoted" pk:x\\/y\nnext line'),  # looks like an escaped name, but is text
    ox.Literal("para:49\\/item", language="zh"),
    ox.NamedNode(NS.entity("para/49/item/3")),
    ox.NamedNode(NS.entity("org/UN.")),  # a final dot needs an escape too
    ox.NamedNode(NS.entity("org/UNFPA")),
    ox.Literal("5", datatype=ox.NamedNode(EXTERNAL_PREFIXES["xsd"] + "integer")),
]


def triples() -> list[ox.Triple]:
    subjects = [ox.NamedNode(NS.entity(p)) for p in ("collaboration/56-2/UNDP", "org/UNFPA", "sdg/5.1.1")]
    return [ox.Triple(s, P, o) for s in subjects for o in TRICKY]


@pytest.mark.parametrize("fmt", [ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG])
def test_escaped_names_are_written_in_full_and_the_data_is_unchanged(fmt):
    data = triples()
    if fmt == ox.RdfFormat.TRIG:
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(NS.graph("plan"))) for t in data]
        body = serialize_dataset(quads, fmt, NS.rdf_prefixes())
        assert set(ox.parse(body, format=fmt)) == set(quads)
    else:
        body = serialize_triples(data, fmt, NS.rdf_prefixes())
        assert {q.triple for q in ox.parse(body, format=fmt)} == set(data)
    text = body.decode()
    assert "organization:UNFPA" in text and "sdg:5.1.1" in text
    assert f"<{NS.entity('para/49/item/3')}>" in text and f"<{NS.entity('org/UN.')}>" in text
    outside_strings = "".join(part for i, part in enumerate(text.split('"')) if i % 2 == 0)
    assert "\\/" not in outside_strings and "\\." not in outside_strings
    assert 'id:org\\\\/UNFPA' in text  # the literal's own backslashes are kept, escaped


def test_entity_kind_prefixes_never_shadow_a_vocabulary_prefix():
    plain, rdf = NS.prefixes(), NS.rdf_prefixes()
    assert all(rdf[k] == v for k, v in plain.items())
    assert rdf["organization"] == NS.entity("org/") and rdf["org"] == EXTERNAL_PREFIXES["org"]
    assert len(set(rdf.values())) == len(rdf)
