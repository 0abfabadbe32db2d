"""ABSOLUTE_IRI: the one check a dataset, base or graph IRI from a request passes before any
engine sees it, so the embedded store and a remote engine refuse the same IRIs."""

from __future__ import annotations

import pytest

from plankg.sparqltext import ABSOLUTE_IRI


@pytest.mark.parametrize("iri", ["http://x/a", "urn:x:y", "http://x/人口基金", "http://x/a?b=c#d", "http://x/\u00a0b", "http://x/\U00010000"])
def test_iris_of_the_grammar_pass(iri):
    assert ABSOLUTE_IRI.match(iri)


@pytest.mark.parametrize(
    "iri",
    [
        "http://x/\ufffd",  # the replacement character: outside ucschar
        "http://x/\uffff",
        "http://x/\ufdd0",
        "http://x/\U0001fffe",
        "http://x/\U0010ffff",
        "http://x/\n",  # a final newline, which $ would have let through
        "http://x/a\r",
        "http://x/ a",
        "http://x/\x7f",
        "http://x/\x85",
        "http://x/<a>",
        "relative/path",
        "",
    ],
)
def test_characters_iris_forbid_are_refused(iri):
    assert not ABSOLUTE_IRI.match(iri)
