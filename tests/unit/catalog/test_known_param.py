"""The ``known: <class>`` declaration of an iri parameter: where it is allowed and how it is listed."""

from __future__ import annotations

import pytest

from plankg.catalog import parse_query
from plankg.errors import QueryFileError

CLASS = "http://127.0.0.1:8000/ontology#Organization"


def _query(decl: str) -> str:
    return f"#+ summary: s\n#+ params:\n#+   agency:\n{decl}SELECT ?agency WHERE {{ ?agency ?p ?o }}\n"


def test_known_is_kept_and_listed_for_an_iri_parameter():
    q = parse_query("q", _query(f'#+     type: iri\n#+     prefix: "http://127.0.0.1:8000/id/org/"\n#+     known: "{CLASS}"\n'))
    assert q.param("agency").known == CLASS
    assert q.describe()["params"][0]["known"] == CLASS


@pytest.mark.parametrize(
    "decl",
    [
        f'#+     type: string\n#+     known: "{CLASS}"\n',  # only iri parameters name entities
        "#+     type: iri\n#+     known: Organization\n",  # a class IRI, not a local name
        "#+     type: iri\n#+     known: [a, b]\n",
        '#+     type: iri\n#+     known: "javascript:alert(1)"\n',
    ],
)
def test_known_is_refused_where_it_cannot_name_a_class(decl):
    with pytest.raises(QueryFileError, match="known"):
        parse_query("q", _query(decl))
