"""Find registry entities in the text: leftmost, longest match wins.

Scanning left to right and always taking the longest surface form that
starts at a position means a name inside a longer name is never a hit
(执行局 inside 安全理事会反恐委员会执行局, 可持续发展目标 3 inside the SDG 3
global action plan's name).

The forms are held in a character trie, so one scan costs at most (text length ×
longest form) steps whatever the text: the same matcher serves the build and
``plankg annotate`` on text nobody has vetted (no regular expression touches it).

Some forms need context (``data/registry/context_rules.csv``): 创新 next to 融资/金融
is innovative financing, not the digital-innovation theme (rule ``unless``); words
that describe an SDG indicator name it only next to a figure (rule ``only-if``).
A form a rule turns down is not a mention; the scan moves on past it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from loaders.model import ContextRule, Document, EntityKind, Mention, Registry
from plankg.errors import BuildError


def surface_index(registry: Registry) -> dict[str, tuple[EntityKind, str]]:
    index: dict[str, tuple[EntityKind, str]] = {}
    entries: list[tuple[str, EntityKind, str]] = []
    entries += [(f, "organization", o.id) for o in registry.organizations for f in o.zh_forms]
    entries += [(f, "instrument", i.id) for i in registry.instruments for f in i.zh_forms]
    entries += [(f, "sdg", s.code) for s in registry.sdg for f in s.zh_forms]
    entries += [(f, "theme", t.id) for t in registry.themes for f in t.zh_forms]
    clashes = []
    for form, kind, ident in entries:
        if not form:
            continue
        previous = index.get(form)
        if previous and previous != (kind, ident):
            clashes.append(f"{form!r} names both {previous[0]} {previous[1]} and {kind} {ident}")
        index[form] = (kind, ident)
    if clashes:
        raise BuildError("Ambiguous surface forms in the registry: " + "; ".join(sorted(clashes)))
    return index


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    form: str | None = None  # a surface form ends here


class SurfaceMatcher:
    """Leftmost-longest matching of a fixed set of surface forms, with context rules.

    ``fold`` maps each character before matching (``str.casefold`` for English names);
    ``word_chars`` are characters a match may not touch on either side (ASCII letters and
    digits for English, so that "UN" is not found inside "UNDP" or "tune").
    """

    def __init__(
        self,
        index: dict[str, tuple[EntityKind, str]],
        rules: list[ContextRule] = (),  # type: ignore[assignment]
        *,
        fold: bool = False,
        word_chars: str = "",
    ) -> None:
        self.index = {(f.casefold() if fold else f): v for f, v in index.items()}
        self.fold = fold
        self.word_chars = frozenset(word_chars)
        self.rules = {(r.form.casefold() if fold else r.form): r for r in rules}
        self.root = _Node()
        for form in self.index:
            node = self.root
            for ch in form:
                node = node.children.setdefault(ch, _Node())
            node.form = form

    def _longest(self, text: str, start: int) -> list[str]:
        """Every form that starts at ``start``, longest first."""
        node = self.root
        found: list[str] = []
        for i in range(start, len(text)):
            child = node.children.get(text[i])
            if child is None:
                break
            node = child
            if node.form is not None:
                found.append(node.form)
        found.reverse()
        return found

    def _bounded(self, text: str, start: int, end: int) -> bool:
        if not self.word_chars:
            return True
        before = start > 0 and text[start - 1] in self.word_chars
        after = end < len(text) and text[end] in self.word_chars
        return not before and not after

    def allowed(self, text: str, start: int, form: str) -> bool:
        rule = self.rules.get(form)
        if rule is None:
            return True
        end = start + len(form)
        around = text[max(0, start - rule.window) : start] + "\n" + text[end : end + rule.window]
        near = any(word in around for word in rule.context)
        return not near if rule.action == "unless" else near

    def scan(self, text: str) -> Iterator[tuple[int, str, EntityKind, str]]:
        """(offset, surface as in the text, kind, entity id) of each mention, left to right."""
        folded = text.casefold() if self.fold and len(text.casefold()) == len(text) else text
        i = 0
        while i < len(folded):
            hit = next((f for f in self._longest(folded, i) if self._bounded(folded, i, i + len(f))), None)
            if hit is None:
                i += 1
                continue
            if self.allowed(folded, i, hit):
                kind, ident = self.index[hit]
                yield i, text[i : i + len(hit)], kind, ident
            i += len(hit)


def matcher(registry: Registry) -> SurfaceMatcher:
    return SurfaceMatcher(surface_index(registry), registry.context_rules)


def find_mentions(document: Document, registry: Registry) -> list[Mention]:
    scanner = matcher(registry)
    mentions: list[Mention] = []
    for unit in document.units:
        for offset, surface, kind, ident in scanner.scan(unit.text):
            mentions.append(Mention(unit.key, kind, ident, surface, offset))
    return mentions
