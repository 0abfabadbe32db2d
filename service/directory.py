"""A–Z directories of agencies, mechanisms, instruments and SDG concepts.

Read through ``queries/directory.rq`` (the class to list is bound, never spliced)
and ``queries/organization-groups.rq``; the rows become plain dicts so templates
and the JSON form see the same thing. Groups ("United Nations system",
"international financial institutions", "regional commissions") are organizations
but not agencies: each directory lists them apart.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

Q_DIRECTORY = "directory"
Q_GROUPS = "organization-groups"

# which directory an organization's kind files it in; the rest of pk:Organization is an agency
MECHANISM_KINDS = frozenset({"InterAgencyMechanism", "IntergovernmentalBody", "Fund", "Network", "Initiative"})


@dataclass(frozen=True)
class Directory:
    name: str  # the URL segment: /agency, /mechanism, …
    top: str  # local name of the class under pk: whose instances it lists
    title_key: str

    def holds(self, kind: str) -> bool:
        if self.name == "agency":
            return kind not in MECHANISM_KINDS
        if self.name == "mechanism":
            return kind in MECHANISM_KINDS
        return True


DIRECTORIES = {
    "agency": Directory("agency", "Organization", "dir.agency"),
    "mechanism": Directory("mechanism", "Organization", "dir.mechanism"),
    "instrument": Directory("instrument", "Instrument", "dir.instrument"),
    "sdg": Directory("sdg", "SDGConcept", "dir.sdg"),
}


def groups(select: Callable[..., list], sparql: str) -> set[str]:
    return {_v(r["org"]) for r in select(sparql)}


def entries(
    directory: Directory,
    select: Callable[..., list],
    sparql: str,
    group_iris: set[str],
    pk: str,
    local: Callable[[str], str],
    href: Callable[[str], str],
) -> list[dict]:
    """Every entry of one directory, sorted A–Z by acronym or English name (SDGs by number)."""
    rows = select(sparql, {"top": ox.NamedNode(pk + directory.top)})
    seen: dict[str, dict] = {}
    for r in rows:
        iri = _v(r["x"])
        kind = _v(r["kind"]).removeprefix(pk)
        path = local(iri)
        if not path or not directory.holds(kind):
            continue
        entry = seen.get(iri)
        interventions, paragraphs = _int(r["interventions"]), _int(r["paragraphs"])
        if entry is not None:  # an entity of two kinds: keep the larger counts
            entry["interventions"] = max(entry["interventions"], interventions)
            entry["paragraphs"] = max(entry["paragraphs"], paragraphs)
            continue
        label = {"en": _v(r["en"]), "zh": _v(r["zh"])}
        notation = _v(r["notation"])
        seen[iri] = {
            "id": path.partition("/")[2],
            "iri": iri,
            "href": href(iri),
            "kind": kind,
            "kind_label": {"en": _v(r["kind_en"]), "zh": _v(r["kind_zh"])},
            "label": label,
            "notation": notation,
            "group": iri in group_iris,
            "interventions": interventions,
            "paragraphs": paragraphs,
            "letter": initial(notation if directory.name in ("agency", "mechanism") and notation else label["en"] or notation),
        }
    out = list(seen.values())
    if directory.name == "sdg":
        out.sort(key=lambda e: [p.zfill(3) for p in e["notation"].split(".")])
        for e in out:
            e["letter"] = e["notation"].split(".")[0] or "#"
    else:
        out.sort(key=lambda e: (e["letter"], sort_name(e)))
    return out


def sort_name(entry: Mapping) -> str:
    return (entry["notation"] or entry["label"]["en"] or entry["label"]["zh"]).casefold()


def initial(name: str) -> str:
    """The A–Z letter a name is filed under; "#" for one that starts with no Latin letter."""
    for c in unicodedata.normalize("NFKD", name):
        if c.isascii() and c.isalpha():
            return c.upper()
        if c.isalnum():
            break
    return "#"


def sections(items: list[dict]) -> list[dict]:
    """Consecutive entries under one letter (or SDG goal), for the A–Z index and headings."""
    out: list[dict] = []
    for e in items:
        if not out or out[-1]["letter"] != e["letter"]:
            out.append({"letter": e["letter"], "entries": []})
        out[-1]["entries"].append(e)
    return out


def json_view(items: list[dict]) -> list[dict]:
    return [
        {
            "id": e["id"],
            "iri": e["iri"],
            "page": e["href"],
            "kind": e["kind"],
            "label": e["label"],
            "acronym": e["notation"],
            "group": e["group"],
            "interventions": e["interventions"],
            "paragraphs": e["paragraphs"],
        }
        for e in items
    ]


# ids are short and the list is a few hundred: difflib's work here is bounded by both
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")


def canonical(ident: str, known: list[str]) -> str | None:
    """The known id that ``ident`` names ignoring case (``unfpa`` -> ``UNFPA``), or None."""
    if not _ID.fullmatch(ident):
        return None
    folded = ident.casefold()
    for k in known:
        if k.casefold() == folded:
            return k
    return None


def close_ids(ident: str, known: list[str], limit: int = 5) -> list[str]:
    if not _ID.fullmatch(ident):
        return []
    by_fold = {k.casefold(): k for k in known}
    return [by_fold[m] for m in difflib.get_close_matches(ident.casefold(), list(by_fold), n=limit, cutoff=0.6)]


def _v(term: object) -> str:
    return getattr(term, "value", "") if term is not None else ""


def _int(term: object) -> int:
    try:
        return int(_v(term))
    except ValueError:
        return 0
