"""Find registry entities in the text: leftmost, longest match wins.

Scanning left to right and always taking the longest surface form that
starts at a position means a name inside a longer name is never a hit
(执行局 inside 安全理事会反恐委员会执行局, 可持续发展目标 3 inside the SDG 3
global action plan's name).
"""

from __future__ import annotations

from collections import defaultdict

from plankg.errors import BuildError

from loaders.model import Document, EntityKind, Mention, Registry


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


def find_mentions(document: Document, registry: Registry) -> list[Mention]:
    index = surface_index(registry)
    by_first: dict[str, list[str]] = defaultdict(list)
    for form in index:
        by_first[form[0]].append(form)
    for forms in by_first.values():
        forms.sort(key=len, reverse=True)

    mentions: list[Mention] = []
    for unit in document.units:
        text = unit.text
        i = 0
        while i < len(text):
            hit = next((f for f in by_first.get(text[i], ()) if text.startswith(f, i)), None)
            if hit is None:
                i += 1
                continue
            kind, ident = index[hit]
            mentions.append(Mention(unit.key, kind, ident, hit, i))
            i += len(hit)
    return mentions
