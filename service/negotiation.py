"""Content negotiation: ``Accept`` with q-values and wildcards (RFC 9110 §12.5.1).

For each media type the server offers, the client's weight is that of the
*most specific* range that matches it (``text/csv`` beats ``text/*`` beats
``*/*``, whatever their order in the header); ``q=0`` means "not this". The
offer with the highest weight wins; ties go to the server's order of offers,
which is also what a client gets without an ``Accept`` header or with
``*/*``: SPARQL JSON for SELECT/ASK, Turtle for graphs.

A ``format`` query parameter (``?format=csv``, or a media type) overrides
``Accept``, for links and browsers that cannot set headers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from plankg.errors import NotAcceptable, ParameterError

# a q-value written in ASCII digits (then clamped to 0..1); float() would also take "nan", "inf", "1e0" and "１"
QVALUE = re.compile(r"-?[0-9]{1,5}(?:\.[0-9]{0,5})?")

# offers in the server's order of preference: (media type, format key of plankg.store.results)
RESULT_OFFERS: tuple[tuple[str, str], ...] = (
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
)
GRAPH_OFFERS: tuple[tuple[str, str], ...] = (
    ("text/turtle", "turtle"),
    ("application/n-triples", "ntriples"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"),
    ("application/x-turtle", "turtle"),
    ("application/json", "jsonld"),
    ("application/xml", "rdfxml"),
    ("text/plain", "ntriples"),  # N-Triples is plain text and reads well in a browser tab
)
KIND_OFFERS = {"select": RESULT_OFFERS, "ask": RESULT_OFFERS, "graph": GRAPH_OFFERS}

# ?format= values: short names, then kinds they can serve
FORMAT_ALIASES: dict[str, dict[str, str]] = {
    "json": {"select": "json", "ask": "json", "graph": "jsonld"},
    "srj": {"select": "json", "ask": "json"},
    "xml": {"select": "xml", "ask": "xml", "graph": "rdfxml"},
    "srx": {"select": "xml", "ask": "xml"},
    "csv": {"select": "csv", "ask": "csv"},
    "tsv": {"select": "tsv", "ask": "tsv"},
    "turtle": {"graph": "turtle"},
    "ttl": {"graph": "turtle"},
    "ntriples": {"graph": "ntriples"},
    "nt": {"graph": "ntriples"},
    "jsonld": {"graph": "jsonld"},
    "json-ld": {"graph": "jsonld"},
    "rdfxml": {"graph": "rdfxml"},
    "rdf": {"graph": "rdfxml"},
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float = 1.0
    params: tuple[tuple[str, str], ...] = field(default=())

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return True
        if self.type != main:
            return False
        return self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.params else 2


def parse_accept(header: str | None) -> list[MediaRange]:
    """The ranges of an Accept header; malformed members are skipped, as RFC 9110 allows."""
    if not header or not header.strip():
        return []
    ranges = []
    for part in _split_outside_quotes(header, ","):
        pieces = _split_outside_quotes(part, ";")
        if not pieces:  # a member made only of ';'
            continue
        kind = pieces[0].strip().lower()
        main, slash, sub = kind.partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        for raw in pieces[1:]:
            name, eq, value = raw.strip().partition("=")
            name = name.strip().lower()
            value = value.strip().strip('"')
            if not eq or not name:
                continue
            if name == "q":
                q = min(max(float(value), 0.0), 1.0) if QVALUE.fullmatch(value) else 0.0
                break  # what follows q are accept-extensions, not media type parameters
            if name != "charset":  # a charset never changes which format fits
                params.append((name, value))
        ranges.append(MediaRange(main, sub, q, tuple(params)))
    return ranges


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    out: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    out.append("".join(buf))
    return [p for p in out if p.strip()]


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The client's weight for one media type: the most specific matching range decides."""
    if not ranges:
        return 1.0
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def choose(ranges: Sequence[MediaRange], offers: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """Best (media type, format) among the offers, or None when nothing is acceptable."""
    winner, top = None, 0.0
    for offer in offers:
        q = quality(ranges, offer[0])
        if q > top:
            winner, top = offer, q
    return winner


def formats_for(
    accept: str | None,
    format_param: str | Sequence[str] | None = None,
    kinds: Iterable[str] = ("select", "ask", "graph"),
) -> dict[str, str]:
    """The ``formats`` argument of ``Store.query``: a format per query kind the client accepts.

    A kind missing from the result makes the store raise NotAcceptable (406)
    once the query's actual kind is known. ``format_param`` may be repeated
    and hold comma-separated values (SPARQLWrapper sends ``format=tsv`` and
    ``format=text/tab-separated-values``); the first value that fits a kind wins.
    """
    kinds = tuple(kinds)
    values = [format_param] if isinstance(format_param, str) else list(format_param or [])
    values = [v.strip() for value in values for v in value.split(",") if v.strip()]
    if values:
        out: dict[str, str] = {}
        for value in values:
            try:
                found = _forced(value, kinds)
            except ParameterError:
                continue
            for kind, fmt in found.items():
                out.setdefault(kind, fmt)
        if not out and not any(_known(v) for v in values):
            _forced(values[0], kinds)  # raises with the list of known formats
        return out
    if accept is None or len(accept) <= _REMEMBERED_ACCEPT_CHARS:
        return dict(_formats_for_accept(accept, kinds))
    return dict(_pick_formats(accept, kinds))


# clients send the same few Accept headers again and again; a long one is worked out each time
_REMEMBERED_ACCEPT_CHARS = 512


@lru_cache(maxsize=256)
def _formats_for_accept(accept: str | None, kinds: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return _pick_formats(accept, kinds)


def _pick_formats(accept: str | None, kinds: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    ranges = parse_accept(accept)
    out = []
    for kind in kinds:
        picked = choose(ranges, KIND_OFFERS[kind])
        if picked:
            out.append((kind, picked[1]))
    return tuple(out)


def _known(value: str) -> bool:
    try:
        _forced(value, tuple(KIND_OFFERS))
    except ParameterError:
        return False
    return True


def _forced(value: str, kinds: Iterable[str]) -> dict[str, str]:
    key = value.strip().lower()
    if "/" in key:  # a media type in place of a short name
        key = key.split(";")[0].strip()
        out = {}
        for kind in kinds:
            for media, fmt in KIND_OFFERS[kind]:
                if media == key:
                    out[kind] = fmt
                    break
        if out:
            return out
    elif key in FORMAT_ALIASES:
        return {k: v for k, v in FORMAT_ALIASES[key].items() if k in kinds}
    names = ", ".join(sorted(FORMAT_ALIASES))
    raise ParameterError(f"Unknown format {value!r}; use one of {names}, or a media type.")


def media_type_for(kind: str, fmt: str) -> str:
    for media, key in KIND_OFFERS[kind]:
        if key == fmt:
            return media
    raise NotAcceptable(f"No media type for format {fmt!r}.")


def prefers_html(accept: str | None) -> bool:
    """A browser navigating here: text/html weighs more than any RDF or results type."""
    ranges = parse_accept(accept)
    if not ranges:
        return False
    html = max(quality(ranges, "text/html"), quality(ranges, "application/xhtml+xml"))
    if html == 0.0:
        return False
    others = [quality(ranges, media) for media, _ in RESULT_OFFERS + GRAPH_OFFERS if media not in ("application/xml", "text/xml", "text/plain")]
    # a browser's */* matches RDF types as well; only an explicit, heavier html counts
    explicit = any(r.type == "text" and r.subtype == "html" for r in ranges)
    return explicit and html > max(others, default=0.0)


# ---------------------------------------------------------------- conditional requests and bodies


def content_type(header: str | None) -> tuple[str | None, str | None]:
    """``Content-Type`` as (media type, charset), both lower-cased; (None, None) when absent."""
    if not header:
        return None, None
    media, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower() or None, charset


def with_charset(media_type: str) -> str:
    """A text media type with ``charset=utf-8`` (every text this service writes is UTF-8)."""
    return media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type


def weak_etag(*parts: str) -> str:
    """A weak ETag from the parts that decide a response (data version first)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x1e")
    return f'W/"{digest.hexdigest()[:32]}"'


def not_modified(header: str | None, etag: str) -> bool:
    """If-None-Match matches (weak comparison, RFC 9110 13.1.2)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in header.split(","))


# ---------------------------------------------------------------- representations of one resource
# Linked data (entity IRIs, the ontology, VoID): server order breaks ties, so ``*/*`` gets
# Turtle, as everywhere else in the service; a browser names text/html and gets the page.
REPRESENTATION_OFFERS: tuple[tuple[str, str], ...] = (
    ("text/turtle", "turtle"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "ntriples"),
    ("application/rdf+xml", "rdfxml"),
    ("text/html", "html"),
    ("application/xhtml+xml", "html"),
    ("application/x-turtle", "turtle"),
    ("application/json", "jsonld"),
    ("application/xml", "rdfxml"),
    ("text/plain", "ntriples"),
)
RDF_OFFERS = tuple(o for o in REPRESENTATION_OFFERS if o[1] != "html")
REPRESENTATION_MEDIA_TYPES = {
    "turtle": "text/turtle; charset=utf-8",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "html": "text/html; charset=utf-8",
}
# a suffix names one representation, for links that cannot set Accept
SUFFIXES = {".ttl": "turtle", ".jsonld": "jsonld", ".nt": "ntriples", ".rdf": "rdfxml", ".html": "html"}
SUFFIX_OF = {fmt: suffix for suffix, fmt in SUFFIXES.items()}
REPRESENTATION_NAMES = {
    "ttl": "turtle", "turtle": "turtle", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
    "nt": "ntriples", "ntriples": "ntriples", "rdf": "rdfxml", "rdfxml": "rdfxml", "xml": "rdfxml", "html": "html",
}


def representation(
    accept: str | None, format_param: str | None, offers: Sequence[tuple[str, str]] = REPRESENTATION_OFFERS
) -> str:
    """The format of a resource to answer with: ``?format=`` first, else ``Accept``; 406 when none fits."""
    if format_param:
        names = ", ".join(sorted({name for name, f in REPRESENTATION_NAMES.items() if any(f == g for _, g in offers)}))
        fmt = REPRESENTATION_NAMES.get(format_param.strip().lower())
        if fmt is None:
            raise ParameterError(f"Unknown format {format_param!r}; use one of {names}.")
        if not any(fmt == f for _, f in offers):
            raise NotAcceptable(f"This resource is not available as {format_param!r}; use one of {names}.")
        return fmt
    picked = choose(parse_accept(accept), offers)
    if picked is None:
        names = ", ".join(sorted({m for m, _ in offers}))
        raise NotAcceptable(f"This resource is available as {names}.")
    return picked[1]


PAGE_OFFERS: tuple[tuple[str, str], ...] = (("text/html", "html"), ("application/json", "json"))


def page_or_json(accept: str | None, format_param: str | None) -> str:
    """"html" or "json" for a page that also answers API clients: ``?format=`` first, then ``Accept``.

    HTML unless the client asks for JSON: a browser's ``*/*`` or no ``Accept`` at all gets the page.
    """
    if format_param:
        fmt = format_param.strip().lower()
        if fmt not in ("html", "json"):
            raise ParameterError("format must be html or json.")
        return fmt
    picked = choose(parse_accept(accept), PAGE_OFFERS)
    if picked is None:
        raise NotAcceptable("This page is available as text/html and application/json.")
    return picked[1]
