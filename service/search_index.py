"""Bilingual, entity-aware search over the plan: an in-memory index of one data version.

Built from three internal queries (``queries/search-index-*.rq``): every named
entity with all its names (labels in both languages, other names as printed in
the Chinese text, acronyms), every mention of an entity in the text, and every
text unit. An English acronym or name thus finds the Chinese passages that name
the entity by any of its forms ("UNFPA" finds the passages that say 人口基金).

The work per query is bounded by the size of the data and by the limits below
(query length, number of words, results returned), never by the query's content:
matching is plain substring tests on case-folded text, no regular expression
is built from the query.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from plankg.errors import ParameterError

MAX_QUERY_CHARS = 200
MAX_WORDS = 24
MAX_RESULTS = 100
SUGGESTIONS = 8
# a passage is found through an entity only when the query names that entity well (exactly, or by
# the start of its words); a loose substring hit ("fund" in twenty names) would pull in half the plan
PASSAGE_TIERS = 4
ENTITY_PASSAGES = 10

# the filter a search can be narrowed to, by the top class that files the entity
TYPE_OF_TOP = {
    "Organization": "agency",
    "Post": "agency",
    "OfficeHolder": "agency",
    "Instrument": "instrument",
    "SDGConcept": "sdg",
}
TYPES = ("agency", "instrument", "sdg", "concept", "text")
# earlier kinds first among equally good matches: staff look for agencies most
TYPE_ORDER = {t: i for i, t in enumerate(TYPES)}

# how good a match is: lower is better
EXACT_NOTATION, EXACT_LABEL, EXACT_ALT, PREFIX, WORD_PREFIX, SUBSTRING, ALL_WORDS = range(7)


def normalize(text: str) -> str:
    """Case-folded NFKC with single spaces: full-width letters, ligatures and case all compare equal."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def fold_keeping_length(text: str) -> str:
    """normalize() character by character where that keeps one character, so offsets still hold."""
    out = []
    for c in text:
        f = unicodedata.normalize("NFKC", c).casefold()
        out.append(f if len(f) == 1 else c.lower() if len(c.lower()) == 1 else c)
    return "".join(out)


def parse_query(raw: str | None) -> str:
    """The search text, normalized; ParameterError when it is over the limits."""
    if raw is None:
        return ""
    if len(raw) > MAX_QUERY_CHARS * 4:  # before normalizing, which costs in the length
        raise ParameterError(f"q must be at most {MAX_QUERY_CHARS} characters.")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r" for c in raw):
        raise ParameterError("q must not contain control characters.")
    q = normalize(raw)
    if len(q) > MAX_QUERY_CHARS:
        raise ParameterError(f"q must be at most {MAX_QUERY_CHARS} characters.")
    if len(q.split()) > MAX_WORDS:
        raise ParameterError(f"q must have at most {MAX_WORDS} words.")
    return q


def parse_type(raw: str | None) -> str:
    if not raw:
        return ""
    if raw not in TYPES:
        raise ParameterError(f"type must be one of {', '.join(TYPES)}.")
    return raw


@dataclass
class Entity:
    iri: str
    href: str
    type: str
    kind: str
    kind_label: dict[str, str]
    label: dict[str, str] = field(default_factory=lambda: {"en": "", "zh": ""})
    notations: list[str] = field(default_factory=list)
    alt: list[str] = field(default_factory=list)
    group: bool = False
    # (normalized form, how good an exact match of it is)
    forms: list[tuple[str, int]] = field(default_factory=list)

    def view(self, tier: int, matched: str) -> dict:
        return {
            "iri": self.iri,
            "href": self.href,
            "type": self.type,
            "kind": self.kind,
            "kind_label": self.kind_label,
            "label": self.label,
            "acronym": self.notations[0] if self.notations else "",
            "group": self.group,
            "matched": matched,
            "tier": tier,
        }


@dataclass
class Unit:
    iri: str
    href: str
    text: str
    folded: str  # normalize() keeps length only for most text; matches are found on this and mapped by position
    order: int
    paragraph: int | None
    label: dict[str, str]


@dataclass
class SearchIndex:
    version: str
    entities: list[Entity]
    units: list[Unit]
    mentions: dict[str, list[tuple[int, int, int]]]  # entity IRI -> [(unit index, offset, length)]

    # ------------------------------------------------------------ building
    @classmethod
    def build(
        cls,
        version: str,
        entity_rows: Iterable[Mapping[str, object]],
        mention_rows: Iterable[Mapping[str, object]],
        unit_rows: Iterable[Mapping[str, object]],
        groups: set[str],
        href: Callable[[str], str],
        local: Callable[[str], str],
        pk: str,
    ) -> SearchIndex:
        by_iri: dict[str, Entity] = {}
        for r in entity_rows:
            iri = _v(r["x"])
            if not local(iri):
                continue
            top = _v(r["top"]).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            kind = _v(r["kind"]).removeprefix(pk)
            entity = by_iri.get(iri)
            if entity is None:
                entity = by_iri[iri] = Entity(
                    iri=iri,
                    href=href(iri),
                    type=TYPE_OF_TOP.get(top, "concept"),
                    kind=kind,
                    kind_label={"en": _v(r.get("kind_en")), "zh": _v(r.get("kind_zh"))},
                    group=iri in groups,
                )
                # the id is an acronym or a short name (instrument/CEDAW, org/UN-System): a name too
                ident = local(iri).partition("/")[2]
                entity.forms += [(normalize(ident), EXACT_ALT), (normalize(ident.replace("-", " ")), EXACT_ALT)]
            elif ":" in entity.kind and _v(r["kind"]).startswith(pk):
                entity.kind, entity.kind_label = kind, {"en": _v(r.get("kind_en")), "zh": _v(r.get("kind_zh"))}
            form, how, lang = _v(r["form"]), _v(r["form_kind"]), getattr(r["form"], "language", None) or ""
            if not form:
                continue
            if how == "pref" and lang in ("en", "zh"):
                entity.label[lang] = form
            elif how == "notation" and form not in entity.notations:
                entity.notations.append(form)
            elif how == "alt" and form not in entity.alt:
                entity.alt.append(form)
            tier = {"notation": EXACT_NOTATION, "pref": EXACT_LABEL}.get(how, EXACT_ALT)
            entity.forms.append((normalize(form), tier))
        units: list[Unit] = []
        position: dict[str, int] = {}
        for r in unit_rows:
            iri = _v(r["unit"])
            path = local(iri)
            if not path or iri in position:
                continue
            text = _v(r["text"])
            position[iri] = len(units)
            units.append(
                Unit(
                    iri=iri,
                    href=href(iri),
                    text=text,
                    folded=fold_keeping_length(text),
                    order=_int(r["order"]) or 0,
                    paragraph=_int(r.get("pnum")),
                    label={"en": _v(r.get("en")), "zh": _v(r.get("zh"))},
                )
            )
        mentions: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for r in mention_rows:
            at = position.get(_v(r["unit"]))
            if at is not None:
                mentions[_v(r["x"])].append((at, _int(r["offset"]) or 0, len(_v(r["surface"]))))
        return cls(version, list(by_iri.values()), units, dict(mentions))

    # ------------------------------------------------------------ searching
    def match_entities(self, q: str) -> list[tuple[int, Entity, str]]:
        """(tier, entity, the name that matched) for every entity the query names, best first."""
        words = q.split()
        found = []
        for entity in self.entities:
            best: tuple[int, str] | None = None
            for form, exact_tier in entity.forms:
                tier = _tier(q, words, form, exact_tier)
                if tier is not None and (best is None or tier < best[0]):
                    best = (tier, form)
            if best is None and len(words) > 1:
                # the words may be spread over its names ("peace women" and "women, peace and security")
                joined = " ".join(f for f, _ in entity.forms)
                if all(w in joined for w in words):
                    best = (ALL_WORDS, "")
            if best is not None:
                # among partial matches the shorter name is the closer one ("women, peace and security"
                # before "women's peace and humanitarian fund"); exact ones are all equally close
                closeness = 0 if best[0] <= EXACT_ALT else len(best[1]) if best[1] else 1000
                found.append((best[0], closeness, entity, self._display(entity, best[1])))
        found.sort(key=lambda m: (m[0], m[1], TYPE_ORDER[m[2].type], m[2].group, len(m[2].label["en"] or m[2].label["zh"]), m[2].label["en"].lower()))
        return [(tier, entity, matched) for tier, _, entity, matched in found]

    @staticmethod
    def _display(entity: Entity, folded: str) -> str:
        for original in [*entity.notations, entity.label["en"], entity.label["zh"], *entity.alt]:
            if original and normalize(original) == folded:
                return original
        return ""

    def search(self, q: str, type_filter: str = "", limit: int = MAX_RESULTS) -> dict:
        """Entities and passages for a normalized query, with counts per type before the filter."""
        matches = self.match_entities(q) if q else []
        words = q.split()
        # passages: those whose text holds every word, and those naming an entity the query names well
        marks: dict[int, set[tuple[int, int]]] = defaultdict(set)
        via: dict[int, list[Entity]] = defaultdict(list)
        for tier, entity, _ in matches[:ENTITY_PASSAGES]:
            if tier > PASSAGE_TIERS:
                break
            for at, offset, length in self.mentions.get(entity.iri, ()):
                marks[at].add((offset, length))
                if entity not in via[at]:
                    via[at].append(entity)
        for at, unit in enumerate(self.units):
            if words and all(w in unit.folded for w in words):
                for w in words:
                    marks[at].update(_occurrences(unit.folded, w))
        passages = []
        for at in sorted(marks, key=lambda i: self.units[i].order):
            unit = self.units[at]
            passages.append(
                {
                    "href": unit.href,
                    "label": unit.label,
                    "paragraph": unit.paragraph,
                    "segments": _segments(unit.text, marks[at]),
                    "via": [{"href": e.href, "label": e.label, "acronym": e.notations[0] if e.notations else ""} for e in via.get(at, [])],
                }
            )
        counts = {t: 0 for t in TYPES}
        for _, entity, _ in matches:
            counts[entity.type] += 1
        counts["text"] = len(passages)
        entities = [e.view(tier, matched) for tier, e, matched in matches if not type_filter or e.type == type_filter]
        if type_filter and type_filter != "text":
            passages = []
        elif type_filter == "text":
            entities = []
        return {
            "entities": entities[:limit],
            "passages": passages[:limit],
            "counts": counts,
            "total": len(entities) + len(passages),
            "more": len(entities) > limit or len(passages) > limit,
        }

    def suggest(self, q: str, limit: int = SUGGESTIONS) -> list[dict]:
        return [e.view(tier, matched) for tier, e, matched in self.match_entities(q)[:limit]] if q else []


def _tier(q: str, words: list[str], form: str, exact_tier: int) -> int | None:
    if form == q:
        return exact_tier
    if form.startswith(q):
        return PREFIX
    # every word must occur in the form to start one of its words: the cheap test first
    if not all(w in form for w in words):
        return None
    form_words = _words(form)
    if all(any(fw.startswith(w) for fw in form_words) for w in words):
        return WORD_PREFIX
    if q in form:
        return SUBSTRING
    return None


@lru_cache(maxsize=8192)
def _words(form: str) -> tuple[str, ...]:
    return tuple(form.replace(",", " ").replace("-", " ").split())


def _occurrences(haystack: str, needle: str) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    start = haystack.find(needle)
    while start >= 0 and needle:
        out.add((start, len(needle)))
        start = haystack.find(needle, start + len(needle))
    return out


def _segments(text: str, marks: Iterable[tuple[int, int]]) -> list[dict]:
    """Plain and marked pieces of text; overlapping marks are merged."""
    spans: list[list[int]] = []
    for offset, length in sorted(marks):
        end = offset + length
        if offset < 0 or end > len(text) or not length:
            continue
        if spans and offset <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([offset, end])
    out: list[dict] = []
    pos = 0
    for start, end in spans:
        if start > pos:
            out.append({"text": text[pos:start]})
        out.append({"text": text[start:end], "mark": True})
        pos = end
    if pos < len(text):
        out.append({"text": text[pos:]})
    return out


def _v(term: object) -> str:
    return getattr(term, "value", "") if term is not None else ""


def _int(term: object) -> int | None:
    try:
        return int(_v(term))
    except ValueError:
        return None
