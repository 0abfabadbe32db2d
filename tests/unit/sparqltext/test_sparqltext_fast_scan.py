"""The scan behind check_query against the scan it replaced (TOKEN's alternation, token by token).

``_reference_scan`` is the earlier ``sparqltext._scan`` as it was; the scan in use must read
every text as it did: the same tokens, the same Scan, the same check_query verdict. The texts
are generated from a seeded random mix of the fragments that can hide a keyword or cut a token
(escapes, \\u escapes, comments, CR-only newlines, unterminated strings, NUL, unicode, brackets).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from plankg import sparqltext
from plankg.errors import PlanKGError
from plankg.sparqltext import _FAST_TOKEN, _SCAN_TOKEN, Scan, check_query

_KINDS = {1: "space", 2: "comment", 3: "string", 4: "string", 5: "iri", 6: "var", 7: "pname", 8: "word",
          9: "open", 10: "open", 11: "close", 12: "close", 13: "unary", 14: "unary", 15: "other"}


def _reference_scan(text: str) -> Scan:
    words: list[str] = []
    dataset: list[str] = []
    base: list[str] = []
    prefixes: dict[str, str] = {}
    depth = best = run = 0
    pending = after_base = False
    before: re.Match[str] | None = None
    last: re.Match[str] | None = None
    for m in _SCAN_TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space" or kind == "comment":
            continue
        if kind == "unary":
            run += 1
            best = max(best, depth + run)
            pending = after_base = False
            continue
        run = 0
        if kind == "word":
            word = m.group("word").upper()
            words.append(word)
            if word == "FROM":
                pending = True
            elif word != "NAMED":
                pending = False
            after_base = word == "BASE"
        elif kind == "iri":
            iri = m.group("iri")[1:-1]
            if pending:
                dataset.append(iri)
            if after_base:
                base.append(iri)
            if (
                before is not None and before.lastgroup == "word" and before.group("word").upper() == "PREFIX"
                and last is not None and last.lastgroup == "pname" and last.group(0).endswith(":")
            ):
                prefixes[last.group(0)[:-1]] = iri
            pending = after_base = False
        elif m.group(0).isspace():
            continue
        else:
            if kind == "open":
                depth += 1
                best = max(best, depth)
            elif kind == "close":
                depth -= 1
            pending = after_base = False
        before, last = last, m
    return Scan(tuple(words), best, tuple(dataset), tuple(base), tuple(prefixes.values()))


def _old_tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "", m.group(0)) for m in _SCAN_TOKEN.finditer(text) if m.lastgroup != "space"]


def _new_tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in _FAST_TOKEN.finditer(text):
        kind = m.lastindex
        assert kind is not None
        if kind != 1:
            out.append((_KINDS[kind], text[m.start() : m.end(kind)]))
        assert text[m.end(kind) : m.end()].strip() == "" and not re.search(r"\S", text[m.end(kind) : m.end()])
    return out


def _verdict(text: str, scanner) -> tuple[str, str]:
    original = sparqltext._scan
    sparqltext._scan = scanner
    sparqltext._remembered_scan.cache_clear()
    sparqltext._disguised_iris.cache_clear()
    try:
        return ("ok", check_query(text, max_chars=100_000, max_depth=8))
    except PlanKGError as e:
        return (type(e).__name__, str(e))
    finally:
        sparqltext._scan = original
        sparqltext._remembered_scan.cache_clear()
        sparqltext._disguised_iris.cache_clear()


FRAGMENTS = [
    "SELECT", "select", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "from", "NAMED", "BASE", "PREFIX", "prefix",
    "SERVICE", "LOAD", "INSERT", "RAND", "now", "LIMIT", "1", "0.5", ".5", "-1", "+2", "e", "_", "a1b", "é", "Ω",
    "x", "ex:", ":", "ex:a", ":a", "a.b:", "a.b:c.d", "ex:a\\#b", "ex:a\\.", "ex:%20x", "ex:a:b", "_:b0", "ex:\u00b7",
    "?x", "$y", "?", "$", "?\u00e9", "?select", "$FROM",
    "<http://a/g>", "<file:///etc/passwd>", "<FILE:x>", "<fi\\u006ce:x>", "<\\u0066ile:y>", "<a b>", "<", ">",
    "<<", ">>", "<<<", "<x", "<>", "< >", "<\"x\">",
    "'", '"', "'''", '"""', "''", '""', "'a'", '"b"', "'FROM <file:x>'", '"""SERVICE\n"""', "'''it''s'''",
    "\\", "\\'", '\\"', "\\u0053ERVICE", "\\U00000053", "\\u", "\\n", "\\\\",
    "#", "# SERVICE", "#c\n", "#c\r", "#c\r\n",
    " ", "  ", "\t", "\n", "\r", "\r\n", "\x00", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "\u2028", "\u3000",
    "{", "}", "(", ")", "[", "]", "{ ?s ?p ?o }", "((", "))",
    "!", "!=", "^", "^^", "^=", "-", "+", "-(", "+.", "!!!!", "*", ",", ";", ".", "=", "|", "&&", "@en", "%",
    "\U0001f600", "\ud800", "\ufffd", "\uffff", "ǅ", "٣", "·",
]


def _generated(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = rng.choices(FRAGMENTS, k=rng.randint(1, 24))
        glue = rng.choice(["", " ", "\n"])
        text = "".join(p + (glue if rng.random() < 0.6 else "") for p in parts)
        if rng.random() < 0.05:
            text = text * rng.randint(2, 40)  # long strings, deep nesting
        texts.append(text)
    # random characters alone, ASCII and not
    for _ in range(count // 4):
        alphabet = "".join(rng.choice(FRAGMENTS) for _ in range(6)) + "'\"<>{}()#\\:?$ \n\r"
        texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))))
    return texts


HAND_PICKED = [
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1\n#1-23-123456789",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 1 # a\rSERVICE <http://x> {}",
    "SELECT * { ?s ?p '''unterminated SERVICE",
    'SELECT * { ?s ?p "unterminated\nSERVICE <http://x> {} }',
    "PREFIX f: <file:///> SELECT * FROM f:x { }",
    "BASE <file:///> SELECT * FROM <x> {}",
    "PREFIX p: PREFIX q: <http://a/> SELECT * {}",
    "PREFIX p: - <file:x> SELECT * {}",
    "PREFIX # c\n p: # d\r <file:x> SELECT * {}",
    "SELECT * FROM \x1c <file:x> {}",
    "SELECT * FROM ! <file:x> {}",
    "SELECT * FROM NAMED\x85<file:x> {}",
    "SELECT * { " + "{" * 70 + "}" * 70 + " }",
    "ASK { FILTER(" + "!" * 70 + "true) }",
    "SELECT * { ?s ?p " + "-(" * 40 + "1" + ")" * 40 + " }",
    "SELECT * {}\x00SERVICE",
    "\\u0053ELECT * { \\u0053ERVICE <http://x> {} }",
    "SELECT * FROM <\\u0066ile:///etc/passwd> {}",
    "SELECT * { ?s ?p '" + "a" * 5000 + "' }",
    "SELECT * { ?s ?p " + '"\\"' * 300 + " }",
    "",
    "   ",
    "\u2028\u2029SELECT",
]


def _catalog_texts() -> list[str]:
    root = Path(__file__).resolve().parents[3]
    return [p.read_text(encoding="utf-8") for folder in ("queries", "ontology") for p in sorted((root / folder).rglob("*.rq"))]


def _assert_same(text: str) -> None:
    assert _new_tokens(text) == _old_tokens(text), repr(text)
    assert sparqltext._scan(text) == _reference_scan(text), repr(text)


@pytest.mark.parametrize("text", HAND_PICKED)
def test_hand_picked_texts_scan_and_check_as_before(text):
    _assert_same(text)
    assert _verdict(text, sparqltext._scan) == _verdict(text, _reference_scan)


@pytest.mark.parametrize("seed", range(4))
def test_generated_texts_scan_as_before(seed):
    for text in _generated(seed, 1500):
        _assert_same(text)


def test_generated_texts_get_the_same_check_query_verdict():
    verdicts = set()
    for text in _generated(99, 800):
        new, old = _verdict(text, sparqltext._scan), _verdict(text, _reference_scan)
        assert new == old, repr(text)
        verdicts.add(new[0])
    # the inputs reach the guards, not only the syntax refusal
    assert {"ok", "FeatureDisabled", "QueryTooComplex", "UpdateNotAllowed", "QuerySyntaxError"} <= verdicts


def test_catalog_queries_and_their_mutations_scan_as_before():
    texts = _catalog_texts()
    assert texts
    rng = random.Random(7)
    for text in texts:
        _assert_same(text)
        for _ in range(5):  # a cut, a deleted character, an inserted fragment
            at = rng.randrange(len(text) + 1)
            _assert_same(text[:at])
            _assert_same(text[:at] + text[at + 1 :])
            _assert_same(text[:at] + rng.choice(FRAGMENTS) + text[at:])


def test_every_token_kind_is_generated():
    kinds = {kind for text in _generated(0, 1500) for kind, _ in _new_tokens(text)}
    assert kinds == set(_KINDS.values()) - {"space"}
