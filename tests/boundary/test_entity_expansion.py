"""XML entities in RDF/XML are refused, not expanded and never resolved.

A 943-byte "billion laughs" document expands to gigabytes if a parser honours
nested internal entities; a quadratic blow-up (one large entity referenced many
times) stays under any body limit and still multiplies it. External entities
would read local files or connect out. Each attack gets a fresh server:
an expansion that runs away leaves the process bloated for whoever is next.
"""

from __future__ import annotations

import httpx
import pytest

from boundary_support import (
    MB,
    STEWARD,
    Attack,
    Listener,
    Probe,
    RssWatch,
    alive,
    ask_fast,
    assert_problem,
    dump_hash,
    finished,
    multipart,
)

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
CEILING = 600 * MB  # above the server's resident memory before the attack
LIMIT = 10.0  # "within a few seconds"; generous for 2 shared cores


def _doc(doctype: str, value: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n{doctype}\n]>\n'
        f'<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:ex="http://ex.test/">\n'
        f'<rdf:Description rdf:about="http://ex.test/s"><ex:p>{value}</ex:p></rdf:Description>\n</rdf:RDF>\n'
    ).encode()


def billion_laughs() -> bytes:
    lines = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else f"lol{i - 1}"
        lines.append(f'<!ENTITY lol{i} "' + f"&{prev};" * 10 + '">')
    return _doc("\n".join(lines), "&lol9;")


def quadratic() -> bytes:
    return _doc('<!ENTITY a "' + "x" * 50_000 + '">', "&a;" * 50_000)


def parameter_entities() -> bytes:
    lines = ['<!ENTITY % p0 "lol">']
    for i in range(1, 10):
        lines.append(f'<!ENTITY % p{i} "' + f"%p{i - 1};" * 10 + '">')
    lines.append('<!ENTITY % def "<!ENTITY big \'%p9;\'>">')
    lines.append("%def;")
    return _doc("\n".join(lines), "&big;")


def external_file() -> bytes:
    return _doc('<!ENTITY secret SYSTEM "file:///etc/passwd">', "&secret;")


def external_parameter_file() -> bytes:
    return _doc('<!ENTITY % secret SYSTEM "file:///etc/passwd">\n%secret;', "x")


def external_http(url: str) -> bytes:
    return _doc(f'<!ENTITY remote SYSTEM "{url}">', "&remote;")


def external_parameter_http(url: str) -> bytes:
    return _doc(f'<!ENTITY % remote SYSTEM "{url}">\n%remote;', "x")


def external_dtd(url: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{url}">\n'
        f'<rdf:RDF xmlns:rdf="{RDF_NS}"><rdf:Description rdf:about="http://ex.test/s"/></rdf:RDF>\n'
    ).encode()


TARGETS = ["validate-body", "validate-form", "graphs-put"]


def _send(target: str, doc: bytes):
    if target == "validate-body":
        return lambda c: c.post("/validate", content=doc, headers={"Content-Type": "application/rdf+xml", "Accept": "application/json"})
    if target == "validate-form":
        return lambda c: c.post("/validate", files=multipart(doc, "data.rdf"), headers={"Accept": "application/json"})
    return lambda c: c.put(
        "/graphs", params={"graph": "http://127.0.0.1:8000/graph/boundary-xml"}, content=doc,
        headers={**STEWARD, "Content-Type": "application/rdf+xml", "Accept": "application/json"},
    )


def _attack(server, target: str, doc: bytes, harmless_ok: bool = False) -> httpx.Response:
    before = dump_hash(server.url) if target == "graphs-put" else None
    watch = RssWatch(server.pid)
    baseline = watch.peak
    attack = Attack(_send(target, doc), server.url, timeout=LIMIT + 20)
    probe = Probe(server.url)
    probe.sample(count=8, every=0.3, attack=attack)
    try:
        r = finished(attack, LIMIT, server)
    except AssertionError as exc:
        peak = watch.stop()
        raise AssertionError(f"{exc}\n(tree RSS {baseline / MB:.0f} MB before, {peak / MB:.0f} MB at the peak)") from None
    peak = watch.stop()
    assert peak < baseline + CEILING, f"tree RSS rose from {baseline / MB:.0f} MB to {peak / MB:.0f} MB"
    probe.assert_fast()
    alive(server)
    if harmless_ok and r.status_code < 300:
        return r  # nothing to expand or fetch: taking the document is as good as refusing it
    assert_problem(r, (400, 413, 422))
    ask_fast(server.url)
    if before is not None:
        assert dump_hash(server.url) == before, "a refused write changed the data"
    return r


def _release(pool, target: str) -> None:
    if target == "graphs-put":
        pool.discard()  # a PUT that was taken changed the data the next test starts from
    else:
        pool.settle()


@pytest.mark.parametrize("target", TARGETS)
def test_billion_laughs(server_factory, target: str) -> None:
    doc = billion_laughs()
    assert len(doc) < 1200
    _attack(server_factory(), target, doc)


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_quadratic_blowup(server_factory, target: str) -> None:
    _attack(server_factory(), target, quadratic())


@pytest.mark.parametrize("target", ["validate-body", "graphs-put"])
def test_parameter_entities(server_factory, target: str) -> None:
    _attack(server_factory(), target, parameter_entities())


@pytest.mark.parametrize("doc", [external_file, external_parameter_file], ids=["general", "parameter"])
@pytest.mark.parametrize("target", TARGETS)
def test_external_file_entity_never_read(pool, target: str, doc) -> None:
    # nothing here grows: one server for these, replaced if an attack killed it
    try:
        r = _attack(pool.get(), target, doc())
    finally:
        _release(pool, target)
    assert "root:" not in r.text and "/bin/" not in r.text, "the file's content reached the client"


@pytest.mark.parametrize("doc", [external_http, external_parameter_http, external_dtd], ids=["general", "parameter", "dtd"])
@pytest.mark.parametrize("target", TARGETS)
def test_external_http_entity_never_fetched(pool, listener: Listener, target: str, doc) -> None:
    server = pool.get()
    try:
        # an external DTD that nothing references may be ignored rather than refused; never fetched
        _attack(server, target, doc(listener.url("/entity")), harmless_ok=doc is external_dtd)
    finally:
        _release(pool, target)
        listener.assert_untouched()
