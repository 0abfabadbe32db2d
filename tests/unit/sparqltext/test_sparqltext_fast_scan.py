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
from plankg.sparqltext import (
    _FAST_TOKEN,
    _SCAN_TOKEN,
    GRAPH_NAMING_WORDS,
    TOKEN,
    Operation,
    Scan,
    _tokens,
    check_query,
    unescaped,
)


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


def _reference_escaped_iris(text: str) -> list[str]:
    if "\\u" not in text and "\\U" not in text:
        return []
    blanked = list(text)
    for m in _SCAN_TOKEN.finditer(text):
        if m.lastgroup in ("comment", "string"):
            blanked[m.start() : m.end()] = " " * (m.end() - m.start())
    return [m.group(1) for m in re.finditer(r"<([^<>\"{}|^`\s]*\\[uU][^<>\"{}|^`\s]*)>", "".join(blanked))]


def _reference_declared_prefixes(text: str) -> dict[str, str]:
    if "PREFIX" not in text.upper():
        return {}
    tokens = [m for m in _SCAN_TOKEN.finditer(text) if m.lastgroup not in ("comment", "space") and not m.group(0).isspace()]
    prefixes: dict[str, str] = {}
    for i, m in enumerate(tokens[:-2]):
        if m.lastgroup == "word" and m.group("word").upper() == "PREFIX":
            name, iri = tokens[i + 1], tokens[i + 2]
            if name.lastgroup == "pname" and name.group(0).endswith(":") and iri.lastgroup == "iri":
                prefixes[name.group(0)[:-1]] = iri.group("iri")[1:-1]
    return prefixes


def _reference_iris_after(text: str, words: set[str]) -> list[str]:
    upper = text.upper()
    if not any(word in upper for word in words):
        return []
    out: list[str] = []
    pending = False
    for m in _SCAN_TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "space":
            continue
        if kind == "word":
            pending = m.group("word").upper() in words
        elif kind == "iri":
            if pending:
                out.append(m.group("iri")[1:-1])
            pending = False
        elif kind != "comment" and not m.group(0).isspace():
            pending = False
    return out


def _reference_update_graphs(text: str) -> set[str] | None:
    """The graph IRIs an update names, or None when it may reach graphs it does not name.

    An update reads and writes the default graph and the graphs it names; it
    reaches others through ``GRAPH ?g``, ``ALL`` / ``NAMED`` (CLEAR, DROP) or
    names this scan cannot resolve (relative IRIs, undeclared prefixes), and
    then the answer is None.
    """
    if _reference_escaped_iris(text):
        return None  # the scan does not read escaped IRIs
    tokens = [m for m in TOKEN.finditer(text) if m.lastgroup != "comment" and not m.group(0).isspace()]
    prefixes = {name: unescaped(iri) for name, iri in _reference_declared_prefixes(text).items()}
    found: set[str] = set()
    pending = False
    previous = ""
    for i, m in enumerate(tokens):
        kind = m.lastgroup
        if kind == "word":
            word = m.group("word").upper()
            if word == "BASE" or word == "ALL" or (word == "NAMED" and previous in ("CLEAR", "DROP")):
                return None
            pending = word in GRAPH_NAMING_WORDS
            previous = word
            continue
        if pending:
            if kind == "var":
                return None
            if kind == "iri":
                iri = unescaped(m.group("iri")[1:-1])
                if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
                    return None
                found.add(iri)
            elif kind == "pname" and not (i > 0 and tokens[i - 1].lastgroup == "word" and tokens[i - 1].group("word").upper() == "PREFIX"):
                prefix, _, local = m.group(0).partition(":")
                if prefix not in prefixes:
                    return None
                found.add(prefixes[prefix] + re.sub(r"\\(.)", r"\1", local))  # PN_LOCAL_ESC stands for its character
        pending = False
        previous = ""
    return found


def _reference_update_operations(text: str) -> list[Operation]:
    """The operations of an update, split at the ``;`` between them (outside every bracket)."""
    ops: list[Operation] = []
    prologue = ""
    start = 0
    depth = 0
    tokens: list[tuple[re.Match, bool]] = []  # (token, outside every bracket)

    def close(end: int) -> None:
        nonlocal prologue
        # the prologue: BASE <iri> and PREFIX p: <iri> before the operation's first word
        i = 0
        while i < len(tokens) and tokens[i][0].lastgroup == "word" and tokens[i][0].group("word").upper() in ("BASE", "PREFIX"):
            i += 3 if tokens[i][0].group("word").upper() == "PREFIX" else 2
        if i >= len(tokens):
            prologue += text[start:end]
            return
        body_start = tokens[i][0].start()
        words = [(m, m.group("word").upper(), top) for m, top in tokens[i:] if m.lastgroup == "word"]
        first = words[0][1] if words else ""
        second = words[1][1] if len(words) > 1 else ""
        where = next((m for m, w, top in words if top and w == "WHERE"), None)
        reads = where is not None and first in ("WITH", "INSERT", "DELETE") and second != "DATA"
        prologue += text[start:body_start]
        ops.append(
            Operation(
                prologue,
                text[body_start:end],
                first,
                reads,
                reads and first == "DELETE" and second == "WHERE",
                where.start() - body_start if where is not None and reads else -1,
                any(top and w in ("WITH", "USING") for _, w, top in words),
            )
        )

    for m in _SCAN_TOKEN.finditer(text):
        kind = m.lastgroup
        if kind in ("space", "comment") or m.group(0).isspace():
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "other" and m.group(0) == ";" and depth == 0:
            close(m.start())
            start = m.end()
            tokens = []
            continue
        tokens.append((m, depth == 0))
    close(len(text))
    return ops

def _old_tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "", m.group(0)) for m in _SCAN_TOKEN.finditer(text) if m.lastgroup != "space"]


def _new_tokens(text: str) -> list[tuple[str, str]]:
    return [(kind, text[start:end]) for kind, start, end in _tokens(text)]


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
    # updates
    "DELETE", "DATA", "WITH", "GRAPH", "USING", "CLEAR", "DROP", "ALL", "INTO", "TO", "ADD", "; ", "ex:g",
    "INSERT DATA { GRAPH <http://a/g> { <http://a/s> <http://a/p> 1 } }", "DELETE WHERE { ?s ?p ?o }",
    "WITH <http://a/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "PREFIX ex: <http://a/>",
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
    # inputs the replaced scan read in quadratic time (short here: the reference is that scan)
    "a-" * 300,
    "SELECT * {} é.PREFIX p: <file:x>",  # a word at the end of a run of name characters
    "SELECT * FROM 1.a-FROM <file:x> {}",
    "a." * 300 + ":x",
    "é." * 300,
    "_a." * 200,
    "'" + "\\'" * 300,
    "'''" + "\\'" * 300 + "\n'''",
    '"""' + '\\"' * 300,
    "'''" + "''a" * 200,
    "'\\'\n" * 100 + "'",
    "PREFIX p: <\\u0066ile:x> " + "'\\'" * 200 + " SELECT * {}",
    "PREFIX ex: <http://a/> INSERT DATA { GRAPH ex:g { ex:s ex:p 'a;b' } } ; CLEAR GRAPH <http://a/h> ; DROP ALL",
    "WITH <http://a/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } USING NAMED <http://a/u> WHERE { ?s ?p ?o }",
    "BASE <http://a/> DELETE WHERE { GRAPH <g> { ?s ?p ?o } } ; ADD <http://a/x> TO GRAPH ex:y",
    "PREFIX e\\u0078: <http://a/> INSERT DATA { GRAPH e:g { e:s e:p e:o } } # ; CLEAR ALL\r; MOVE <http://a/b> TO <http://a/c>",
]


def _catalog_texts() -> list[str]:
    root = Path(__file__).resolve().parents[3]
    return [p.read_text(encoding="utf-8") for folder in ("queries", "ontology") for p in sorted((root / folder).rglob("*.rq"))]


def _assert_same(text: str) -> None:
    assert _new_tokens(text) == _old_tokens(text), repr(text)
    assert sparqltext._scan(text) == _reference_scan(text), repr(text)
    assert sparqltext.escaped_iris(text) == _reference_escaped_iris(text), repr(text)
    assert sparqltext.declared_prefixes(text) == _reference_declared_prefixes(text), repr(text)
    words = {"FROM", "NAMED", "GRAPH", "BASE", "WITH"}
    assert sparqltext.iris_after(text, words) == _reference_iris_after(text, words), repr(text)
    assert sparqltext.update_graphs(text) == _reference_update_graphs(text), repr(text)
    assert sparqltext.update_operations(text) == _reference_update_operations(text), repr(text)


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


@pytest.mark.parametrize("text", ["a-" * 50_000, "é." * 50_000, "x1.y-" * 20_000])
def test_a_run_of_name_characters_without_a_colon_is_one_match(text):
    # TOKEN tried a prefixed name from each letter of it, to its end: quadratic
    assert _FAST_TOKEN.match(text).end() == len(text)


@pytest.mark.parametrize("quote", ["'", '"', "'''", '"""'])
def test_a_string_that_does_not_close_is_read_once(monkeypatch, quote):
    # TOKEN read it again from each escaped quote in it, to its end: quadratic
    text = quote + ("\\" + quote[0] + " ") * 20_000
    read = []

    class Counting:
        def __init__(self, pattern):
            self.pattern = pattern

        def match(self, text, pos):
            found = self.pattern.match(text, pos)
            read.append(found.end() - pos)
            return found

    monkeypatch.setattr(sparqltext, "_BODY", {key: Counting(p) for key, p in sparqltext._BODY.items()})
    sparqltext._scan(text)
    assert len(read) <= 4 and sum(read) <= 2 * len(text)  # once per kind of string, not once per quote


def test_every_token_kind_is_generated():
    kinds = {kind for text in _generated(0, 1500) for kind, _ in _new_tokens(text)}
    assert kinds == {"comment", "string", "iri", "var", "pname", "word", "open", "close", "unary", "other"}
