"""Integer parameters of named queries take ASCII digits only.

Python's ``\\d`` and ``int()`` accept any Unicode decimal digit (``١٢``, ``１２``)
and ``int()`` strips white space and takes a sign, so a check written with them
lets through values that the declared type (and every other client of the
same API) would not read as the same number. ``paragraph_number`` and
``footnote_number`` are the integer parameters in ``queries/*.rq``.
"""

from __future__ import annotations

import pytest

from boundary_support import assert_problem

BAD = {
    "arabic-indic": "١٢",
    "extended-arabic-indic": "۱۲",
    "devanagari": "१२",
    "fullwidth": "１２",
    "mathematical-bold": "𝟏𝟐",
    "plus-sign": "+12",
    "leading-space": " 12",
    "trailing-space": "12 ",
    "leading-zero-padding-tab": "\t12",
    "underscore": "1_2",
}


@pytest.fixture(scope="module")
def server(pool):
    return pool.get()


@pytest.mark.parametrize("query,param", [("paragraph", "paragraph_number"), ("footnote-citations", "footnote_number")])
def test_ascii_digits_work(server, query: str, param: str) -> None:
    with server.client(timeout=20) as client:
        r = client.get(f"/queries/{query}", params={param: "12"})
    assert r.status_code == 200, r.text[:300]


@pytest.mark.parametrize("name", list(BAD))
@pytest.mark.parametrize("query,param", [("paragraph", "paragraph_number"), ("footnote-citations", "footnote_number")])
def test_other_digits_are_refused(server, query: str, param: str, name: str) -> None:
    with server.client(timeout=20) as client:
        r = client.get(f"/queries/{query}", params={param: BAD[name]})
    assert_problem(r, 400)
