"""page_href: the one place an IRI becomes the page a person goes to."""

from __future__ import annotations

import pytest

from plankg.namespaces import Namespaces
from plankg.settings import Settings
from service.page_data import page_href

NS = Namespaces.of(Settings())
ID = NS.id


@pytest.mark.parametrize(
    ("iri", "page"),
    [
        (ID + "org/UNFPA", "/agency/UNFPA"),
        (ID + "area/evaw", "/area/evaw"),
        (ID + "area/elsewhere", "/id/area/elsewhere"),  # only the four areas have pages
        (ID + "para/56/item/2", "/read#para-56-item-2"),
        (ID + "footnote/1", "/read#footnote-1"),
        (ID + "stat/p9-1", "/id/stat/p9-1"),
        (ID + "org/UNFPA/extra", "/id/org/UNFPA/extra"),
        ("https://www.wikidata.org/entity/Q1", "https://www.wikidata.org/entity/Q1"),
        ("javascript:alert(1)", ""),  # never a link
        ("urn:x:y", ""),
    ],
)
def test_page_href_sends_each_iri_to_its_page(iri, page):
    assert page_href(NS, iri) == page


def test_every_router_uses_page_href_instead_of_building_page_links():
    """The pages' own link shapes appear in page_data.page_href only."""
    import re
    from pathlib import Path

    import service

    built = re.compile(r"""["']/(?:agency|area)/["']\s*\+|f["']/(?:agency|area)/\{|["']/read#["']\s*\+""")
    offenders = [
        p.name for p in Path(service.__file__).parent.glob("*.py")
        if p.name not in ("page_data.py",) and built.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders
