"""Lexical look at SPARQL text, before any engine sees it.

The engines differ in what they accept (pyoxigraph has no SERVICE client,
Virtuoso will LOAD files), so the guards that keep the service read-only and
local are applied here, the same for every store. The scan drops comments,
string literals and IRIs first, so a keyword inside them is never mistaken for
an operator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox

from plankg.errors import (
    FeatureDisabled,
    ParameterError,
    QuerySyntaxError,
    QueryTooComplex,
    UpdateNotAllowed,
)

# The terminals of the SPARQL 1.1 grammar (section 19.8) that can hide text from a
# scan: a comment runs to the end of the line, and a line ends at CR as well as LF; a
# prefixed name's local part may hold backslash escapes (PN_LOCAL_ESC, so `ex:a\#b`
# is one name, not a name and a comment) and %-escapes (PLX). The scan must cut the
# text exactly where the engine does, or a keyword it does not see still runs.
PN_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7-\uffff]+)
  | (?P<pname>(?:[^\W\d_][\w.\u00b7-]*)?:(?:[\w.:%\u00b7-]|"""
    + PN_LOCAL_ESC
    + r""")*)
  | (?P<word>[A-Za-z_]+)
  | (?P<open>[{(\[]|<<)
  | (?P<close>[})\]]|>>)
  | (?P<unary>[!^](?!=)|[-+](?![0-9.]))
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}


# TOKEN with runs of white space as one token: a third fewer matches for scan() to walk through
_SCAN_TOKEN = re.compile(r"(?P<space>\s+)|" + TOKEN.pattern.strip(), re.VERBOSE | re.DOTALL)

# The terminals of TOKEN as the scan behind check_query reads them, in time linear in the text.
# TOKEN read some texts in quadratic time, on the event loop: from each letter of `a-a-a-…` the
# prefixed name's prefix ran to the end of the run before it failed for want of a colon, and from
# each quote of `'\'\'\'…` a string ran to the end of the line (or of the text, for `'''`) before it
# failed for want of a closing quote (figures in bench/results/request-path.md). Here a run of name characters
# that no colon follows is one token (RUN), cut into TOKEN's words, unary minus and others by
# _RUN_PART; a quote is one token (QUOTE) whose string the scan reads itself, remembering where a
# string that failed stopped: a later quote of the same kind before that point is an escaped one
# inside it, and its string stops at the same place, so it fails too and is not read again.
# Each alternative starts with a literal or a set (the engine skips an alternative after one
# comparison), ends with an empty group that names it (lastindex), and takes the white space after
# it. Alternatives whose first characters overlap keep TOKEN's order (an IRI before `<<`; a word
# that is a whole run, a prefixed name, a run, then a word inside a run); the others cannot compete.
# The `*+`/`++` change nothing that matches: what follows them is outside their set.
_PN_LOCAL = r"(?:[\w.:%\u00b7-]|" + PN_LOCAL_ESC + r")*"
_FAST_TOKEN = re.compile(
    r"""
    (?:
      \s+()
    | \#[^\r\n]*()
    | ['"]()
    | <[^<>"{}|^`\\\s]*>()
    | [?$][A-Za-z0-9_\u00b7-\uffff]+()
    | [A-Za-z_]++(?![\w.\u00b7:-])()
    | [^\W\d_][\w.\u00b7-]*+:"""
    + _PN_LOCAL
    + r"""()
    | :"""
    + _PN_LOCAL
    + r"""()
    | [^\W\d_][\w.\u00b7-]*+()
    | [A-Za-z_]+()
    | [{(\[]()
    | <<()
    | [})\]]()
    | >>()
    | [!^](?!=)()
    | [-+](?![0-9.])()
    | .()
    )\s*
    """,
    re.VERBOSE | re.DOTALL,
)
# _FAST_TOKEN's naming groups
_SPACE, _COMMENT, _QUOTE, _IRI, _VAR, _WORD, _PNAME, _PNAME_BARE, _RUN, _WORD_IN_RUN = range(1, 11)
_OPEN, _CLOSE, _UNARY = (11, 12), (13, 14), (15, 16)
_OTHER = 17
# inside a RUN (name characters, no colon after them): TOKEN's words, unary minus, one-character others
_RUN_PART = re.compile(r"[A-Za-z_]+()|-(?![0-9.])()|.()", re.DOTALL)
# a string's body from after its opening quote(s), up to where it ends or fails
_BODY = {
    ("'", True): re.compile(r"(?:[^'\\]|\\.|'(?!''))*+", re.DOTALL),
    ('"', True): re.compile(r'(?:[^"\\]|\\.|"(?!""))*+', re.DOTALL),
    ("'", False): re.compile(r"(?:[^'\\\n\r]|\\.)*+", re.DOTALL),
    ('"', False): re.compile(r'(?:[^"\\\n\r]|\\.)*+', re.DOTALL),
}
_WHITE = re.compile(r"\s*")
_KIND_NAMES = {_SPACE: "space", _COMMENT: "comment", _IRI: "iri", _VAR: "var", _WORD: "word", _PNAME: "pname",
               _PNAME_BARE: "pname", _WORD_IN_RUN: "word", 11: "open", 12: "open", 13: "close", 14: "close",
               15: "unary", 16: "unary", _OTHER: "other"}


def _end(pattern: re.Pattern[str], text: str, at: int) -> int:
    """Where ``pattern`` (one that also matches nothing) stops, from ``at``."""
    found = pattern.match(text, at)
    return found.end() if found is not None else at


def _string_end(text: str, at: int, failed: dict[tuple[str, bool], int]) -> int:
    """Where the token at quote ``at`` ends: after its string, or after the quote alone (no string
    closes). ``failed``: per kind of string, where the last one that did not close stopped."""
    quote = text[at]
    if text.startswith(quote * 3, at) and at >= failed.get((quote, True), 0):
        stop = _end(_BODY[quote, True], text, at + 3)
        if text.startswith(quote * 3, stop):
            return stop + 3
        failed[quote, True] = stop
    if at >= failed.get((quote, False), 0):
        stop = _end(_BODY[quote, False], text, at + 1)
        if text.startswith(quote, stop):
            return stop + 1
        failed[quote, False] = stop
    return at + 1


def _tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """(kind, start, end) of each token TOKEN finds, white space left out: the kinds are TOKEN's group names."""
    failed: dict[tuple[str, bool], int] = {}
    pos = 0
    while True:
        for m in _FAST_TOKEN.finditer(text, pos):
            kind = m.lastindex or _OTHER  # every alternative names itself
            start, end = m.start(), m.end(kind)
            if kind == _QUOTE:
                end = _string_end(text, start, failed)
                yield ("string" if end > start + 1 else "other"), start, end
                pos = _end(_WHITE, text, end)
                break
            if kind == _RUN:
                for part in _RUN_PART.finditer(text, start, end):
                    yield ("word", "unary", "other")[part.lastindex - 1], part.start(), part.end()  # type: ignore[operator]
            elif kind != _SPACE:
                yield _KIND_NAMES[kind], start, end
        else:
            return

# functions whose value differs from one evaluation to the next
VOLATILE_WORDS = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})
# a text up to this long is scanned once and remembered: the service sees the same queries again and again
_REMEMBERED_CHARS = 16_384


@dataclass(frozen=True)
class Scan:
    """What one pass over a query's tokens tells."""

    words: tuple[str, ...]  # upper-cased bare words, in order
    depth: int  # deepest nesting of ( { [ <<, and of unary operators (! - + ^) within them
    dataset_iris: tuple[str, ...]  # IRIs after FROM / FROM NAMED
    base_iris: tuple[str, ...] = ()  # IRIs right after BASE, as iris_after(text, {"BASE"})
    prefix_iris: tuple[str, ...] = ()  # namespaces, as declared_prefixes(text).values()

    @property
    def volatile(self) -> bool:
        """Calls a function whose answer changes between runs (RAND, NOW, UUID, STRUUID, BNODE)."""
        return not VOLATILE_WORDS.isdisjoint(self.words)


def scan(text: str) -> Scan:
    if len(text) <= _REMEMBERED_CHARS:
        return _remembered_scan(text)
    return _scan(text)


@lru_cache(maxsize=1024)
def _remembered_scan(text: str) -> Scan:
    return _scan(text)


def _scan(text: str) -> Scan:
    words: list[str] = []
    dataset: list[str] = []
    base: list[str] = []
    prefixes: dict[str, str] = {}
    depth = best = run = 0
    pending = after_base = False
    # where a PREFIX declaration stands: 1 after the word PREFIX, 2 after `PREFIX p:` (then `name` is p)
    declaring = 0
    name = ""
    failed: dict[tuple[str, bool], int] = {}
    pos = 0
    while True:
        for m in _FAST_TOKEN.finditer(text, pos):
            kind = m.lastindex
            if kind == _WORD or kind == _WORD_IN_RUN:
                word = text[m.start() : m.end(kind)].upper()
                words.append(word)
                if word == "FROM":
                    pending = True
                elif word != "NAMED":
                    pending = False
                after_base = word == "BASE"
                declaring = 1 if word == "PREFIX" else 0
                run = 0
            elif kind == _SPACE or kind == _COMMENT:
                continue
            elif kind in _UNARY:
                # `!!!…x`, `-(-(…`, `^^^p` nest expressions as deeply as brackets do, for the parser
                run += 1
                if depth + run > best:
                    best = depth + run
                pending = after_base = False
            elif kind in _OPEN:
                run = 0
                depth += 1
                if depth > best:
                    best = depth
                pending = after_base = False
                declaring = 0
            elif kind in _CLOSE:
                run = 0
                depth -= 1
                pending = after_base = False
                declaring = 0
            elif kind == _IRI:
                run = 0
                iri = text[m.start() + 1 : m.end(kind) - 1]
                if pending:
                    dataset.append(iri)
                if after_base:
                    base.append(iri)
                if declaring == 2:
                    prefixes[name] = iri
                pending = after_base = False
                declaring = 0
            elif kind == _RUN:
                for part in _RUN_PART.finditer(text, m.start(), m.end(kind)):
                    if part.lastindex == 1:  # a word, as above
                        word = part.group().upper()
                        words.append(word)
                        if word == "FROM":
                            pending = True
                        elif word != "NAMED":
                            pending = False
                        after_base = word == "BASE"
                        declaring = 1 if word == "PREFIX" else 0
                        run = 0
                    elif part.lastindex == 2:  # unary minus, as above
                        run += 1
                        if depth + run > best:
                            best = depth + run
                        pending = after_base = False
                    else:
                        run = 0
                        pending = after_base = False
                        declaring = 0
            elif kind == _QUOTE:  # a string, or a quote that opens none
                run = 0
                pending = after_base = False
                declaring = 0
                pos = _end(_WHITE, text, _string_end(text, m.start(), failed))
                break
            else:  # a variable, a prefixed name, anything else
                run = 0
                pending = after_base = False
                if kind == _PNAME or kind == _PNAME_BARE:
                    end = m.end(kind)
                    if declaring == 1 and text[end - 1] == ":":
                        declaring, name = 2, text[m.start() : end - 1]
                        continue
                declaring = 0
        else:
            break
    return Scan(tuple(words), best, tuple(dataset), tuple(base), tuple(prefixes.values()))


def keywords(text: str) -> list[str]:
    """Upper-cased bare words of the query, outside comments, strings and IRIs."""
    return list(scan(text).words)


def iris(text: str) -> list[str]:
    return [m.group("iri")[1:-1] for m in TOKEN.finditer(text) if m.lastgroup == "iri"]


def nesting_depth(text: str) -> int:
    return scan(text).depth


def query_form(text: str) -> str:
    """'select', 'ask' or 'graph' (CONSTRUCT/DESCRIBE); raises on updates."""
    return _form(scan(text).words)


def _form(words: tuple[str, ...]) -> str:
    for word in words:
        if word in QUERY_FORMS:
            return "graph" if word in ("CONSTRUCT", "DESCRIBE") else word.lower()
        if word in UPDATE_WORDS:
            raise UpdateNotAllowed(
                "This endpoint answers queries only; SPARQL Update operations are refused and were not executed."
            )
    raise QuerySyntaxError("Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")


def check_query(text: str, *, max_chars: int, max_depth: int = 64, allow_service: bool = False) -> str:
    """Apply the read-only and locality guards; return the query form."""
    if len(text) > max_chars:
        raise QueryTooComplex(f"The query is {len(text)} characters long; the limit is {max_chars}.")
    found = scan(text)
    if found.depth > max_depth:
        raise QueryTooComplex(f"The query nests groups or operators more than {max_depth} levels deep.")
    form = _form(found.words)
    if "SERVICE" in _all_words(text, found) and not allow_service:
        raise FeatureDisabled("Federated queries (SERVICE) are switched off on this endpoint.")
    check_iris_local(list(found.dataset_iris))
    check_iris_local(list(_disguised_iris(text) if len(text) <= _REMEMBERED_CHARS else _find_disguised_iris(text)))
    return form


def _all_words(text: str, found: Scan) -> frozenset[str]:
    """The bare words of the text as written and as read with its codepoint escapes
    resolved (``\\u0053ERVICE``): the SPARQL specification resolves them before parsing,
    and an engine that follows it would run the keyword a scan of the raw text misses."""
    words = frozenset(found.words)
    if "\\u" in text or "\\U" in text:
        words |= frozenset(scan(unescaped(text)).words)
    return words


@lru_cache(maxsize=1024)
def _disguised_iris(text: str) -> tuple[str, ...]:
    return _find_disguised_iris(text)


def _find_disguised_iris(text: str) -> tuple[str, ...]:
    # a dataset IRI can be a file: IRI in disguise: \u-escaped, or relative to a file: BASE or PREFIX
    found = scan(text)
    named = list(found.dataset_iris) + list(found.base_iris) + list(found.prefix_iris)
    return tuple(unescaped(iri) for iri in named + escaped_iris(text))


def iris_in_dataset_clauses(text: str) -> list[str]:
    """IRIs that follow FROM / FROM NAMED: the engine might try to fetch them."""
    return list(scan(text).dataset_iris)


def check_iris_local(values: list[str]) -> None:
    for value in values:
        if value.lower().startswith("file:"):
            raise FeatureDisabled("Dataset IRIs with the file: scheme are refused; graphs are never read from files.")


# ---------------------------------------------------------------- updates (/update, stewards only)
# Where an IRI names a graph in an update. The embedded engine only *names* graphs
# with them, but an engine behind PLANKG_STORE=remote might dereference one.
UPDATE_GRAPH_WORDS = {"USING", "NAMED", "WITH", "GRAPH", "FROM", "INTO", "TO"}


def check_update(text: str, *, max_chars: int, max_depth: int = 64) -> None:
    """Guards for SPARQL Update: an update may change the store, never reach outside it.

    LOAD (fetches a document) and SERVICE (asks another endpoint) are refused
    whatever they name; so are ``file:`` IRIs as graph names, as on /sparql.
    A query sent as an update is refused too: it belongs at /sparql.
    """
    if len(text) > max_chars:
        raise QueryTooComplex(f"The update is {len(text)} characters long; the limit is {max_chars}.")
    found = scan(text)
    if found.depth > max_depth:
        raise QueryTooComplex(f"The update nests groups or operators more than {max_depth} levels deep.")
    words = list(found.words)
    every_word = _all_words(text, found)
    if "LOAD" in every_word:
        raise FeatureDisabled(
            "LOAD is refused: an update may not fetch documents. Send the data itself with PUT or POST /graphs."
        )
    if "SERVICE" in every_word:
        raise FeatureDisabled("SERVICE is refused in updates: an update may not query other endpoints.")
    first = next((w for w in words if w in UPDATE_WORDS or w in QUERY_FORMS), None)
    if first is None:
        raise QuerySyntaxError("Not a SPARQL update: expected INSERT, DELETE, CLEAR, DROP, CREATE, COPY, MOVE or ADD.")
    if first in QUERY_FORMS:
        raise QuerySyntaxError(f"This is a {first} query, not an update; send queries to /sparql.")
    # a graph name can also be a file: IRI in disguise: \u-escaped, or relative to a file: BASE or PREFIX
    named = iris_after(text, UPDATE_GRAPH_WORDS | {"BASE"}) + list(declared_prefixes(text).values())
    check_iris_local([unescaped(iri) for iri in named + escaped_iris(text)])


_IRI_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def unescaped(iri: str) -> str:
    """An IRI as the engine reads it: ``\\u003a`` is a colon."""
    return _IRI_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iri)


def escaped_iris(text: str) -> list[str]:
    """IRIs written with ``\\u`` escapes, which the token scan does not read as IRIs."""
    if "\\u" not in text and "\\U" not in text:
        return []
    blanked = list(text)
    for kind, start, end in _tokens(text):
        if kind == "comment" or kind == "string":
            blanked[start:end] = " " * (end - start)
    return [m.group(1) for m in re.finditer(r"<([^<>\"{}|^`\s]*\\[uU][^<>\"{}|^`\s]*)>", "".join(blanked))]


def declared_prefixes(text: str) -> dict[str, str]:
    """``PREFIX p: <iri>`` declarations: prefix -> namespace IRI (as written)."""
    if "PREFIX" not in text.upper():
        return {}
    tokens = [(kind, text[start:end]) for kind, start, end in _tokens(text) if kind != "comment"]
    prefixes: dict[str, str] = {}
    for i, (kind, value) in enumerate(tokens[:-2]):
        if kind == "word" and value.upper() == "PREFIX":
            (name_kind, name), (iri_kind, iri) = tokens[i + 1], tokens[i + 2]
            if name_kind == "pname" and name.endswith(":") and iri_kind == "iri":
                prefixes[name[:-1]] = iri[1:-1]
    return prefixes


def iris_after(text: str, words: set[str]) -> list[str]:
    """IRIs written right after one of ``words`` (e.g. ``GRAPH <…>``, ``USING NAMED <…>``)."""
    upper = text.upper()
    if not any(word in upper for word in words):
        return []
    out: list[str] = []
    pending = False
    for kind, start, end in _tokens(text):
        if kind == "word":
            pending = text[start:end].upper() in words
        elif kind == "iri":
            if pending:
                out.append(text[start + 1 : end - 1])
            pending = False
        elif kind != "comment":
            pending = False
    return out


# Words after which an update names a graph (GRAPH <g>, WITH <g>, USING [NAMED] <g>, ADD <g> TO <h>, …)
GRAPH_NAMING_WORDS = {"GRAPH", "WITH", "USING", "NAMED", "ADD", "MOVE", "COPY", "TO", "INTO"}


def update_graphs(text: str) -> set[str] | None:
    """The graph IRIs an update names, or None when it may reach graphs it does not name.

    An update reads and writes the default graph and the graphs it names; it
    reaches others through ``GRAPH ?g``, ``ALL`` / ``NAMED`` (CLEAR, DROP) or
    names this scan cannot resolve (relative IRIs, undeclared prefixes), and
    then the answer is None.
    """
    if escaped_iris(text):
        return None  # the scan does not read escaped IRIs
    tokens = [(kind, text[start:end]) for kind, start, end in _tokens(text) if kind != "comment"]
    prefixes = {name: unescaped(iri) for name, iri in declared_prefixes(text).items()}
    found: set[str] = set()
    pending = False
    previous = ""
    for i, (kind, value) in enumerate(tokens):
        if kind == "word":
            word = value.upper()
            if word == "BASE" or word == "ALL" or (word == "NAMED" and previous in ("CLEAR", "DROP")):
                return None
            pending = word in GRAPH_NAMING_WORDS
            previous = word
            continue
        if pending:
            if kind == "var":
                return None
            if kind == "iri":
                iri = unescaped(value[1:-1])
                if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
                    return None
                found.add(iri)
            elif kind == "pname" and not (i > 0 and tokens[i - 1][0] == "word" and tokens[i - 1][1].upper() == "PREFIX"):
                prefix, _, local = value.partition(":")
                if prefix not in prefixes:
                    return None
                found.add(prefixes[prefix] + re.sub(r"\\(.)", r"\1", local))  # PN_LOCAL_ESC stands for its character
        pending = False
        previous = ""
    return found


# ---------------------------------------------------------------- base IRIs and error messages
# an absolute IRI as SPARQL and the protocols take one: a scheme, then no character IRIs forbid
# (RFC 3987: no controls, spaces or delimiters, no surrogates or noncharacters such as U+FFFD's
# block and U+1FFFE); \Z, not $, which would let a final newline through
_NONCHARACTERS = "".join(chr(plane * 0x10000 + low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF))
ABSOLUTE_IRI = re.compile(
    "^[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufff0-\uffff" + _NONCHARACTERS + "]*\\Z"
)
MAX_BASE_IRI_CHARS = 2048


def check_base_iri(value: str, *, max_chars: int = MAX_BASE_IRI_CHARS) -> str:
    """A base IRI for relative IRIs in a query or update: absolute, short, IRI characters only."""
    if len(value) > max_chars:
        raise ParameterError(f"The base IRI is {len(value)} characters long; the limit is {max_chars}.")
    if not ABSOLUTE_IRI.match(value):
        raise ParameterError(f"The base IRI must be an absolute IRI; {value[:80]!r} is not.")
    if value.lower().startswith("file:"):
        raise FeatureDisabled("A file: base IRI is refused; graphs are never read from files.")
    return value


def endpoint_base(base_iri: str, path: str) -> str:
    """The base IRI of a request's query or update: the endpoint's URL, as the service is configured to be reached.

    SPARQL 1.1 Protocol lets the service define the base IRI and suggests the endpoint
    itself, as Oxigraph does. The path is the request's, the scheme and authority the
    configured ``PLANKG_BASE_IRI``'s: the Host header is the client's to write, and an
    answer (cached for everyone) must not depend on it.
    """
    return check_base_iri(base_iri + path.lstrip("/"))


_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


def explain_syntax_error(message: str, text: str, *, base_iri: str | None = None) -> tuple[str, int | None, int | None]:
    """A parser's message rewritten to name what is wrong, with its (line, column).

    pyoxigraph's PEG parser reports the furthest position it reached and a few of the
    tokens it would have taken there, which often names the wrong thing: ``<s>`` without
    a base IRI gives "expected OPTIONAL". The usual causes are looked for in the text
    first (a relative or malformed IRI, an undeclared prefix); otherwise the message
    quotes the text at the position, and the parser's words follow.
    """
    found = _AT.search(message)
    line = column = None
    expected = message
    if found:
        line, column, expected = int(found.group(1)), int(found.group(2)), " ".join(found.group(3).split())
    where = f" at line {line}, column {column}" if line is not None else " in the text"
    for m in TOKEN.finditer(text):
        if m.lastgroup != "iri":
            continue
        iri = m.group("iri")[1:-1]
        if not ABSOLUTE_IRI.match(iri) and base_iri is None and "BASE" not in scan(text).words:
            iri_line, iri_column = _position(text, m.start())
            return (
                f"SPARQL syntax error: <{iri}> at line {iri_line}, column {iri_column} is a relative IRI and there is no "
                "base IRI to resolve it against; write an absolute IRI or declare BASE <…>.",
                iri_line,
                iri_column,
            )
    invalid = re.search(r"<([^<>\n]*[\s\"{}|\\^`][^<>\n]*)>", text) if "IRI parsing failed" in expected else None
    if invalid is not None:
        iri_line, iri_column = _position(text, invalid.start())
        return (
            f"SPARQL syntax error: <{invalid.group(1)[:80]}> at line {iri_line}, column {iri_column} is not a valid IRI "
            "(IRIs may not hold spaces or any of \" { } | \\ ^ `).",
            iri_line,
            iri_column,
        )
    declared = declared_prefixes(text)
    previous = None
    for m in TOKEN.finditer(text):
        if m.lastgroup == "comment" or m.group(0).isspace():
            continue
        after_prefix_word = previous is not None and previous.lastgroup == "word" and previous.group(0).upper() == "PREFIX"
        blank = previous is not None and previous.group(0).endswith("_") and previous.end() == m.start()  # _:b0
        previous = m
        if m.lastgroup == "pname" and not after_prefix_word and not blank and m.group(0).partition(":")[0] not in declared:
            prefix = m.group(0).partition(":")[0]
            pl, pc = _position(text, m.start())
            return f"SPARQL syntax error: the prefix '{prefix}:' at line {pl}, column {pc} is not declared; add PREFIX {prefix}: <…>.", pl, pc
    near = ""
    if line is not None and column is not None:
        lines = text.splitlines() or [""]
        if 1 <= line <= len(lines):
            rest = lines[line - 1][max(column - 1, 0) :].strip()
            before = lines[line - 1][: max(column - 1, 0)].strip()
            near = f" near «{rest[:40]}»" if rest else f" after «{before[-40:]}», at the end of the line"
    return f"SPARQL syntax error: the text{where}{near} does not fit the grammar (the parser {_expected_words(expected)}).", line, column


def _expected_words(expected: str) -> str:
    expected = expected[:200] + ("…" if len(expected) > 200 else "")
    return expected if expected.startswith("expected") else "says: " + expected


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count("\n") + 1
    return line, offset - (before.rfind("\n") + 1) + 1


# ---------------------------------------------------------------- the operations of an update
@dataclass(frozen=True)
class Operation:
    """One operation of an update request, with the prologue (BASE / PREFIX) in force before it."""

    prologue: str
    text: str
    first: str  # its first word: INSERT, DELETE, WITH, CLEAR, …
    reads: bool  # has a WHERE: DELETE/INSERT … WHERE or DELETE WHERE
    short_form: bool  # DELETE WHERE { quads }
    where_at: int  # offset of its WHERE in ``text`` (-1 when it has none)
    dataset: bool  # says WITH or USING itself

    def with_dataset(self, using: list[str], using_named: list[str]) -> str:
        """The operation with ``USING <g>`` / ``USING NAMED <g>`` before its WHERE (IRIs already checked).

        ``DELETE WHERE { q }`` cannot carry USING; it is ``DELETE { q } WHERE { q }``, written so.
        """
        clauses = " ".join([f"USING <{iri}>" for iri in using] + [f"USING NAMED <{iri}>" for iri in using_named])
        if not self.reads:
            return self.prologue + self.text
        if self.short_form:
            pattern = self.text[self.where_at + len("WHERE") :]
            return f"{self.prologue}{self.text[: self.where_at]}{pattern} {clauses} WHERE {pattern}"
        return f"{self.prologue}{self.text[: self.where_at]}{clauses} {self.text[self.where_at :]}"


def update_operations(text: str) -> list[Operation]:
    """The operations of an update, split at the ``;`` between them (outside every bracket)."""
    ops: list[Operation] = []
    prologue = ""
    start = 0
    depth = 0
    tokens: list[tuple[str, int, str, bool]] = []  # (kind, start, upper-cased text, outside every bracket)

    def close(end: int) -> None:
        nonlocal prologue
        # the prologue: BASE <iri> and PREFIX p: <iri> before the operation's first word
        i = 0
        while i < len(tokens) and tokens[i][0] == "word" and tokens[i][2] in ("BASE", "PREFIX"):
            i += 3 if tokens[i][2] == "PREFIX" else 2
        if i >= len(tokens):
            prologue += text[start:end]
            return
        body_start = tokens[i][1]
        words = [(at, word, top) for kind, at, word, top in tokens[i:] if kind == "word"]
        first = words[0][1] if words else ""
        second = words[1][1] if len(words) > 1 else ""
        where = next((at for at, w, top in words if top and w == "WHERE"), None)
        reads = where is not None and first in ("WITH", "INSERT", "DELETE") and second != "DATA"
        prologue += text[start:body_start]
        ops.append(
            Operation(
                prologue,
                text[body_start:end],
                first,
                reads,
                reads and first == "DELETE" and second == "WHERE",
                where - body_start if where is not None and reads else -1,
                any(top and w in ("WITH", "USING") for _, w, top in words),
            )
        )

    for kind, at, end in _tokens(text):
        if kind == "comment":
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "other" and text[at] == ";" and depth == 0:
            close(at)
            start = end
            tokens = []
            continue
        tokens.append((kind, at, text[at:end].upper(), depth == 0))
    close(len(text))
    return ops


def names_dataset(text: str) -> bool:
    """Whether an update says WITH or USING itself (then using-graph-uri / using-named-graph-uri may not be given)."""
    return not {"WITH", "USING"}.isdisjoint(scan(text).words)


# ---------------------------------------------------------------- binding by text
def with_bindings(
    sparql: str,
    bindings: Mapping[str, ox.NamedNode | ox.BlankNode | ox.Literal] | None,
    serialize: Callable[[ox.NamedNode | ox.Literal], str] = str,
) -> str:
    """Bind variables by a VALUES block at the start of the query's outermost group.

    The endpoint protocol has no initial bindings, so the binding has to be
    written into the text. A trailing ``VALUES`` clause would be the textbook
    way, but Virtuoso 7 rejects it after ASK and evaluates it after projection
    (so binding an unprojected variable fails); a block leading the WHERE
    group works on every engine. How it differs from the embedded store's
    substitution (SEP-0007 style, variables replaced before evaluation):
    the values join the outermost group only, so a sub-SELECT that does not
    project the variable does not see it; binding a variable the query never
    mentions simply adds a column to ``SELECT *`` instead of being an error;
    and a ``BIND(... AS ?x)`` of a bound variable is an error on strict engines.
    Terms are written by pyoxigraph (N-Triples syntax is valid SPARQL), so no
    value can break out of its term; ``serialize`` may check that text further
    (the remote store's ``statements.serialize``: engines read it, not pyoxigraph).
    """
    if not bindings:
        return sparql
    names, terms = [], []
    for name, term in bindings.items():
        try:
            names.append(str(ox.Variable(name)))
        except ValueError:
            raise ParameterError(f"{name!r} is not a SPARQL variable name.") from None
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise ParameterError(f"?{name} can only be bound to an IRI or a literal on a remote store.")
        terms.append(serialize(term))
    block = f"VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }}"

    form = None
    depth = 0
    seen_where = False
    top_groups: list[re.Match] = []
    where_at = -1
    for m in TOKEN.finditer(sparql):
        kind = m.lastgroup
        if kind == "word" and depth == 0:
            word = m.group("word").upper()
            if form is None and word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = word
            elif word == "WHERE":
                seen_where, where_at = True, m.start()
        elif kind == "open":
            if depth == 0 and m.group() == "{":
                top_groups.append(m)
                if seen_where:
                    break
            depth += 1
        elif kind == "close":
            depth -= 1
    if seen_where and form == "CONSTRUCT" and len(top_groups) == 1:
        # CONSTRUCT WHERE { T }: the group is also the template and may hold triples only.
        start = top_groups[0].end()
        end = _matching_close(sparql, top_groups[0])
        template = sparql[start:end]
        return f"{sparql[:where_at]}{{{template}}} WHERE {{ {block} {template} }}{sparql[end + 1:]}"
    index = 1 if form == "CONSTRUCT" and not seen_where else (len(top_groups) - 1 if seen_where else 0)
    if 0 <= index < len(top_groups):
        at = top_groups[index].end()
        return f"{sparql[:at]} {block} {sparql[at:]}"
    # DESCRIBE <x> without a pattern: give it one, ahead of any solution modifier.
    for m in TOKEN.finditer(sparql):
        if m.lastgroup == "word" and m.group("word").upper() in ("ORDER", "LIMIT", "OFFSET", "VALUES"):
            return f"{sparql[:m.start()]}WHERE {{ {block} }}\n{sparql[m.start():]}"
    return f"{sparql}\nWHERE {{ {block} }}"


def _matching_close(text: str, opening: re.Match) -> int:
    depth = 0
    for m in TOKEN.finditer(text, opening.start()):
        if m.lastgroup == "open":
            depth += 1
        elif m.lastgroup == "close":
            depth -= 1
            if depth == 0:
                return m.start()
    raise QuerySyntaxError("Unbalanced braces in the query.")
