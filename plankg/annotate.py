"""Annotate any text with the plan's concepts, organizations, instruments, themes and SDG concepts.

Chinese text is matched with the registry's Chinese surface forms and the plan concepts'
Chinese labels, by the build's own matcher (``loaders.linker.SurfaceMatcher``: a character
trie, leftmost-longest, with the context rules), so that a paragraph of the plan gets exactly
the build's mentions. Text without any Chinese character is matched with the English names,
acronyms, symbols and SDG codes, case-folded, whole words only.

The text is hostile: it is never parsed as RDF, it is size-limited
(``PLANKG_ANNOTATE_MAX_CHARS``), and the matcher costs at most (text length × longest form)
steps; no regular expression runs over it.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from loaders.graph import INSTRUMENT_CLASS, ORG_CLASS, SDG_CLASS
from loaders.linker import SurfaceMatcher, surface_index
from loaders.model import Registry
from loaders.registry import load_registry
from plankg.errors import BadRequest, PayloadTooLarge
from plankg.namespaces import Namespaces
from plankg.settings import Settings


def english_variants(name: str) -> list[str]:
    """The ways English text writes a registry name: UN-Women as "UN Women", a resolution without its year."""
    out = [name, name.replace("-", " ")]
    if name.endswith(")") and " (" in name and name[name.rindex(" (") + 2 : -1].isdigit():
        out.append(name[: name.rindex(" (")])
    return list(dict.fromkeys(out))


KIND_PATH = {"organization": "org/", "instrument": "instrument/", "sdg": "sdg/", "theme": "theme/", "concept": ""}
WORD_CHARS = string.ascii_letters + string.digits
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
QUOTE_CONTEXT = 16  # characters of prefix and suffix in a TextQuoteSelector


@dataclass(frozen=True)
class Annotation:
    """One mention. Plan concepts may overlap the registry's mentions (a concept's label holds names)."""

    start: int
    end: int
    surface: str
    kind: str  # organization, instrument, sdg, theme, concept
    entity: str  # registry id ("UNDP", "5.2", "area/evaw")
    iri: str
    type: str  # class of the entity, as an IRI
    label_en: str
    label_zh: str

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "surface": self.surface,
            "kind": self.kind,
            "id": self.entity,
            "iri": self.iri,
            "type": self.type,
            "label": {"en": self.label_en, "zh": self.label_zh},
        }


def has_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


class Annotator:
    """Built once from the registry (at start-up); ``annotate`` is then pure and bounded."""

    def __init__(self, registry: Registry, ns: Namespaces, max_chars: int) -> None:
        self.ns = ns
        self.max_chars = max_chars
        self.info: dict[tuple[str, str], tuple[str, str, str]] = {}  # (kind, id) -> (class, en, zh)
        english: dict[str, tuple[Any, str]] = {}
        for o in registry.organizations:
            self.info[("organization", o.id)] = (ORG_CLASS[o.kind], o.en_name, o.zh_name)
            for name in (o.en_name, o.acronym):
                for variant in english_variants(name or ""):
                    if variant:
                        english.setdefault(variant, ("organization", o.id))
        for i in registry.instruments:
            self.info[("instrument", i.id)] = (INSTRUMENT_CLASS[i.kind], i.en_title, i.zh_title)
            for name in (i.en_title, i.symbol):
                for variant in english_variants(name or ""):
                    if variant:
                        english.setdefault(variant, ("instrument", i.id))
        for s in registry.sdg:
            self.info[("sdg", s.code)] = (SDG_CLASS[s.level], s.en_title, s.zh_title)
            word = {"goal": "Goal", "target": "target", "indicator": "indicator"}[s.level]
            for name in (f"SDG {s.code}", f"SDG{s.code}", f"{word} {s.code}", f"Sustainable Development Goal {s.code}"):
                english.setdefault(name, ("sdg", s.code))
        for t in registry.themes:
            self.info[("theme", t.id)] = ("Theme", t.en_label, t.zh_label)
            english.setdefault(t.en_label, ("theme", t.id))
        concepts_zh: dict[str, Any] = {}
        concepts_en: dict[str, Any] = {}
        for c in registry.plan_concepts:
            self.info[("concept", c.id)] = (c.cls, c.en_label, c.zh_label)
            concepts_zh.setdefault(c.zh_label, ("concept", c.id))
            concepts_en.setdefault(c.en_label, ("concept", c.id))
        # the registry's forms exactly as the build links them; plan concepts (whose labels hold
        # registry names: 联合国系统协调) in a scan of their own, so that they never displace a mention
        self.chinese = SurfaceMatcher(surface_index(registry), registry.context_rules)
        self.chinese_concepts = SurfaceMatcher(concepts_zh)
        self.english_concepts = SurfaceMatcher(concepts_en, fold=True, word_chars=WORD_CHARS)
        # an English name shared by two entities stays with the first (the registry's order)
        self.english = SurfaceMatcher(english, fold=True, word_chars=WORD_CHARS)

    @classmethod
    def from_settings(cls, settings: Settings) -> Annotator:
        return cls(load_registry(settings.registry_dir), Namespaces.of(settings), settings.annotate_max_chars)

    def check(self, text: str) -> None:
        if len(text) > self.max_chars:
            raise PayloadTooLarge(f"Text to annotate is limited to {self.max_chars} characters; this one has {len(text)}.")
        if not text.strip():
            raise BadRequest("There is no text to annotate.")

    def annotate(self, text: str) -> list[Annotation]:
        self.check(text)
        chinese = has_chinese(text)
        matchers = (self.chinese, self.chinese_concepts) if chinese else (self.english, self.english_concepts)
        hits = sorted((hit for m in matchers for hit in m.scan(text)), key=lambda h: (h[0], -len(h[1])))
        out = []
        for offset, surface, kind, ident in hits:
            cls, en, zh = self.info[(kind, ident)]
            out.append(
                Annotation(
                    start=offset,
                    end=offset + len(surface),
                    surface=surface,
                    kind=kind,
                    entity=ident,
                    iri=self.ns.entity(KIND_PATH[kind] + ident),
                    type=self.ns.term(cls),
                    label_en=en,
                    label_zh=zh,
                )
            )
        return out


def as_json(text: str, annotations: list[Annotation]) -> dict[str, Any]:
    return {
        "language": "zh" if has_chinese(text) else "en",
        "length": len(text),
        "annotations": [a.as_json() for a in annotations],
    }


def as_jsonld(text: str, annotations: list[Annotation], source: str = "urn:plankg:annotate:input") -> dict[str, Any]:
    """A W3C Web Annotation collection: one annotation per mention, identifying its entity."""
    items = []
    for n, a in enumerate(annotations, start=1):
        items.append(
            {
                "id": f"{source}#annotation-{n}",
                "type": "Annotation",
                "motivation": "identifying",
                "body": {"id": a.iri, "type": "SpecificResource", "purpose": "identifying", "label": a.label_en},
                "target": {
                    "source": source,
                    "selector": [
                        {"type": "TextPositionSelector", "start": a.start, "end": a.end},
                        {
                            "type": "TextQuoteSelector",
                            "exact": a.surface,
                            "prefix": text[max(0, a.start - QUOTE_CONTEXT) : a.start],
                            "suffix": text[a.end : a.end + QUOTE_CONTEXT],
                        },
                    ],
                },
            }
        )
    return {
        "@context": ANNO_CONTEXT,
        "id": source,
        "type": "AnnotationCollection",
        "label": "plankg annotations",
        "total": len(items),
        "first": {"type": "AnnotationPage", "items": items},
    }


__all__ = ["Annotation", "Annotator", "as_json", "as_jsonld", "has_chinese"]
