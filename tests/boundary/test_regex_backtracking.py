"""An uploaded ``sh:pattern`` that backtracks without bound does not stall the server.

Python's ``re`` backtracks and holds the GIL while it does: ``^(a+)+$`` against
29 ``a`` and a ``!`` takes minutes, and every other request of the process waits
behind it. ``/validate`` with a shapes file is anonymous, so a 300-byte upload
could freeze the service. The check is on the *other* clients: ASK must keep
answering within 1 s while the upload runs, and the upload must end with a
problem (refused or stopped at the time limit), or with the right verdict. A fresh server per attack: a stalled one cannot serve the next test.
"""

from __future__ import annotations

import pytest

from boundary_support import Attack, Probe, alive, ask_fast, assert_problem, finished, multipart

SH = "http://www.w3.org/ns/shacl#"
UPLOAD_LIMIT = 60.0


def _upload(value: str, constraint: str) -> tuple[bytes, bytes]:
    data = f'<http://ex.test/a> <http://ex.test/p> "{value}" .\n'.encode()
    shapes = (
        f"@prefix sh: <{SH}> .\n"
        f"<http://ex.test/S> a sh:NodeShape ; sh:targetNode <http://ex.test/a> ;\n  {constraint} .\n"
    ).encode()
    return data, shapes


def _property(pattern: str, flags: str | None = None) -> str:
    extra = f' ; sh:flags "{flags}"' if flags else ""
    return f'sh:property [ sh:path <http://ex.test/p> ; sh:pattern "{pattern}"{extra} ]'


def _sparql(pattern: str) -> str:
    select = f'SELECT $this ?value WHERE {{ $this <http://ex.test/p> ?value . FILTER(!REGEX(?value, "{pattern}")) }}'
    return f'sh:sparql [ sh:select """{select}""" ]'


A30 = "a" * 29 + "!"
CASES = {
    "nested-plus": _upload(A30, _property("^(a+)+$")),
    "alternation": _upload("a" * 45 + "!", _property("^(a|aa)+$")),
    "dot-star-repeated": _upload("a" * 40 + "!", _property("^(.*a){25}$")),
    "case-insensitive": _upload(A30, _property("^(A+)+$", "i")),
    "sparql-regex": _upload(A30, _sparql("^(a+)+$")),
}


def test_main_upload_is_small() -> None:
    data, shapes = CASES["nested-plus"]
    assert len(data) + len(shapes) < 400


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_backtracking_pattern(server_factory, name: str) -> None:
    server = server_factory()
    data, shapes = CASES[name]
    attack = Attack(
        lambda c: c.post("/validate", files=multipart(data, "data.nt", shapes, "shapes.ttl"), headers={"Accept": "application/json"}),
        server.url, timeout=UPLOAD_LIMIT + 5,
    )
    probe = Probe(server.url)
    probe.sample(count=10, every=0.4)  # every time, even after the upload has ended
    probe.assert_fast()
    r = finished(attack, UPLOAD_LIMIT, server)
    alive(server)
    if r.status_code == 200:
        # an engine that does not backtrack (Rust's regex, behind a SPARQL REGEX) answers at once, and
        # then the verdict must be the right one: no value here matches its pattern
        body = r.json()
        assert body["conforms"] is False and body["counts"]["Violation"] >= 1, f"a wrong verdict: {r.text[:300]}"
    else:
        assert_problem(r, (400, 413, 503))
    ask_fast(server.url)
