"""Read the curated registry CSVs in ``data/registry/`` into ``loaders.model`` objects.

Seven files, each with an exact column set:

* ``organizations.csv``, ``instruments.csv``, ``sdg.csv``, ``themes.csv`` (required)
* ``statistics.csv``, ``interventions.csv``, ``plan_concepts.csv`` (optional:
  a missing file gives an empty list)

Cells are stripped; an empty cell is ``None``; ``|`` separates the values of a
multi-valued cell (``zh_forms``). Every problem raises
:class:`plankg.errors.RegistryError` with the file path and the 1-based line of
the CSV file (the header is line 1, so the first data row is line 2).

The reader only checks what the CSVs say about themselves and each other (kinds,
formats, duplicates, references between rows, surface forms shared by two
entities). Whether a surface form occurs in the text is the linker's and the
tests' concern.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

from loaders.model import (
    ContextRule,
    Instrument,
    InstrumentKind,
    InterventionTitle,
    Organization,
    OrgKind,
    PlanConcept,
    Registry,
    Role,
    RoleOverride,
    RoleRule,
    SdgAlignment,
    SdgConcept,
    Statistic,
    Theme,
)
from plankg.errors import RegistryError

ORGANIZATIONS = "organizations.csv"
INSTRUMENTS = "instruments.csv"
SDG = "sdg.csv"
THEMES = "themes.csv"
STATISTICS = "statistics.csv"
INTERVENTIONS = "interventions.csv"
PLAN_CONCEPTS = "plan_concepts.csv"
ROLES = "roles.csv"
ROLE_RULES = "role_rules.csv"
COLLABORATION_ROLES = "collaboration_roles.csv"
SDG_ALIGNMENT = "sdg_alignment.csv"
CONTEXT_RULES = "context_rules.csv"
ENTITY_PREFIXES = {"org": "organization", "instrument": "instrument", "sdg": "sdg", "theme": "theme"}

COLUMNS: dict[str, tuple[str, ...]] = {
    ORGANIZATIONS: ("id", "en_name", "zh_name", "acronym", "kind", "zh_forms", "wikidata", "parent", "notes"),
    INSTRUMENTS: (
        "id", "kind", "en_title", "zh_title", "symbol", "year", "year_as_printed",
        "zh_forms", "wikidata", "note_en", "part_of", "underpins", "notes",
    ),
    SDG: ("code", "level", "en_title", "zh_title", "un_iri", "zh_forms", "wikidata"),
    THEMES: ("id", "en_label", "zh_label", "en_definition", "zh_definition", "zh_forms"),
    STATISTICS: (
        "id", "paragraph", "surface", "value", "datatype", "unit", "en_label",
        "group_en", "group_zh", "reference_year", "source_footnote", "qualifier", "qualifier_zh", "bound",
    ),
    INTERVENTIONS: ("key", "en_title"),
    PLAN_CONCEPTS: ("id", "class", "notation", "en_label", "en_definition", "zh_label", "heading_key"),
    ROLES: ("id", "en_label", "zh_label", "en_definition", "zh_definition", "membership"),
    ROLE_RULES: ("order", "role", "pattern", "organizations", "notes"),
    COLLABORATION_ROLES: ("intervention", "organization", "role", "evidence", "rationale"),
    SDG_ALIGNMENT: ("concept", "sdg", "kind", "paragraph", "evidence", "rationale"),
    CONTEXT_RULES: ("form", "entity", "action", "context", "window", "notes"),
}
REQUIRED_FILES = (ORGANIZATIONS, INSTRUMENTS, SDG, THEMES)

ORG_KINDS: frozenset[str] = frozenset(get_args(OrgKind))
INSTRUMENT_KINDS: frozenset[str] = frozenset(get_args(InstrumentKind))
SDG_LEVELS = frozenset({"goal", "target", "indicator"})
DATATYPES = frozenset({"integer", "decimal", "gYear"})
# how a figure is qualified; see STATISTIC_QUALIFIERS in loaders.graph for labels and bounds
QUALIFIERS = frozenset({"exact", "less-than", "more-than", "at-least", "at-most", "about"})
PLAN_CONCEPT_CLASSES = frozenset(
    {"Vision", "MandateFunction", "GuidingPrinciple", "ImpactArea", "SystemicOutcome", "OEEOutput", "KeyIntervention"}
)

SLUG = re.compile(r"[A-Za-z0-9._-]+")
QID = re.compile(r"Q[1-9][0-9]*")
YEAR = re.compile(r"[12][0-9]{3}")
SDG_CODE = re.compile(r"(?P<goal>[1-9][0-9]?)(?:\.(?P<target>[1-9][0-9]?|[a-d])(?:\.(?P<indicator>[1-9][0-9]?))?)?")
SDG_BASE = "http://metadata.un.org/sdg/"
LEXICAL = {
    "integer": re.compile(r"[+-]?[0-9]+"),
    "decimal": re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"),
    "gYear": re.compile(r"-?[0-9]{4,}"),
}
UNIT_SLUG = re.compile(r"[a-z][a-z0-9-]*")
INTERVENTION_KEY = re.compile(r"para-[1-9][0-9]*-item-[1-9][0-9]*")
PLAN_CONCEPT_ID = re.compile(r"[a-z]+(?:/[A-Za-z0-9._-]+)?")
HEADING_KEY = re.compile(r"heading-[A-Za-z0-9-]+")


def instrument_slug(symbol: str) -> str:
    """IRI slug of an instrument with a document symbol: ``S/RES/1325 (2000)`` -> ``S-RES-1325-2000``."""
    return re.sub(r"-+", "-", re.sub(r"[/ ()]", "-", symbol)).strip("-")


def sdg_iri(code: str) -> str:
    """UN SDG KOS IRI of a goal, target or indicator code (``5.a.1`` -> ``…/sdg/C050a01``)."""
    m = SDG_CODE.fullmatch(code)
    if m is None:
        raise ValueError(code)
    if m["indicator"] is None:
        return SDG_BASE + code
    return f"{SDG_BASE}C{int(m['goal']):02d}{m['target'].rjust(2, '0')}{int(m['indicator']):02d}"


# ------------------------------------------------------------------ reading rows


class _Row:
    """One data row: typed accessors that raise RegistryError at the row's line."""

    def __init__(self, path: str, line: int, cells: dict[str, str | None]) -> None:
        self.path = path
        self.line = line
        self.cells = cells

    def error(self, reason: str) -> RegistryError:
        return RegistryError(self.path, self.line, reason)

    def opt(self, column: str) -> str | None:
        return self.cells[column]

    def req(self, column: str) -> str:
        value = self.cells[column]
        if value is None:
            raise self.error(f"missing required value in column {column!r}")
        return value

    def enum(self, column: str, allowed: frozenset[str]) -> str:
        value = self.req(column)
        if value not in allowed:
            raise self.error(f"{column} {value!r} is not one of {', '.join(sorted(allowed))}")
        return value

    def slug(self, column: str) -> str:
        value = self.req(column)
        if not SLUG.fullmatch(value):
            raise self.error(f"{column} {value!r} is not a safe IRI path segment ([A-Za-z0-9._-]+)")
        return value

    def qid(self, column: str = "wikidata") -> str | None:
        value = self.opt(column)
        if value is not None and not QID.fullmatch(value):
            raise self.error(f"{column} {value!r} is not a Wikidata QID (Q followed by digits)")
        return value

    def year(self, column: str) -> int | None:
        value = self.opt(column)
        if value is None:
            return None
        if not YEAR.fullmatch(value):
            raise self.error(f"{column} {value!r} is not a four-digit year")
        return int(value)

    def integer(self, column: str, low: int, high: int, required: bool) -> int | None:
        value = self.req(column) if required else self.opt(column)
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]+", value) or not low <= int(value) <= high:
            raise self.error(f"{column} {value!r} is not a whole number from {low} to {high}")
        return int(value)

    def forms(self, column: str = "zh_forms", required: bool = True) -> tuple[str, ...]:
        value = self.req(column) if required else self.opt(column)
        if value is None:
            return ()
        items = [item.strip() for item in value.split("|")]
        if any(not item for item in items):
            raise self.error(f"{column} has an empty item between '|' separators")
        duplicates = sorted({item for item in items if items.count(item) > 1})
        if duplicates:
            raise self.error(f"{column} lists {duplicates[0]!r} twice")
        return tuple(items)


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise RegistryError(str(path), line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    return text.removeprefix("\ufeff")


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[_Row]:
    name = str(path)
    reader = csv.reader(io.StringIO(_decode(path), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise RegistryError(name, 1, f"empty file: expected the header {','.join(columns)}")
        header = [h.strip() for h in header]
        if sorted(header) != sorted(columns) or len(set(header)) != len(header):
            unknown = sorted(set(header) - set(columns))
            missing = sorted(set(columns) - set(header))
            detail = []
            if unknown:
                detail.append("unknown " + ", ".join(repr(c) for c in unknown))
            if missing:
                detail.append("missing " + ", ".join(repr(c) for c in missing))
            if not detail:
                detail.append("a column is repeated")
            raise RegistryError(
                name, 1, f"unexpected column set ({'; '.join(detail)}); expected {','.join(columns)}"
            )
        previous_end = reader.line_num
        for record in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                continue  # blank line
            if len(record) != len(header):
                raise RegistryError(name, line, f"expected {len(header)} cells, found {len(record)}")
            cells = {h: (c.strip() or None) for h, c in zip(header, record, strict=True)}
            yield _Row(name, line, cells)
    except csv.Error as exc:
        raise RegistryError(name, reader.line_num, f"malformed CSV: {exc}") from None


def _read(directory: Path, filename: str, parse: Callable[[_Row], object]) -> list:
    path = directory / filename
    if not path.is_file():
        if filename in REQUIRED_FILES:
            raise RegistryError(str(path), 0, "required registry file is missing")
        return []
    return [parse(row) for row in _rows(path, COLUMNS[filename])]


# ------------------------------------------------------------------ one parser per file


def _organization(row: _Row) -> Organization:
    return Organization(
        id=row.slug("id"),
        en_name=row.req("en_name"),
        zh_name=row.req("zh_name"),
        acronym=row.opt("acronym"),
        kind=row.enum("kind", ORG_KINDS),  # type: ignore[arg-type]
        zh_forms=row.forms(),
        wikidata=row.qid(),
        parent=row.opt("parent"),
        source_row=row.line,
    )


def _instrument(row: _Row) -> Instrument:
    ident = row.slug("id")
    symbol = row.opt("symbol")
    if symbol is not None and ident != instrument_slug(symbol):
        raise row.error(f"id {ident!r} does not match its symbol {symbol!r} (expected {instrument_slug(symbol)!r})")
    year = row.year("year")
    printed = row.year("year_as_printed")
    if printed is not None:
        if year is None:
            raise row.error("year_as_printed is set but the official year is missing")
        if printed == year:
            raise row.error("year_as_printed equals year: fill it only when the text prints a different year")
    return Instrument(
        id=ident,
        kind=row.enum("kind", INSTRUMENT_KINDS),  # type: ignore[arg-type]
        en_title=row.req("en_title"),
        zh_title=row.req("zh_title"),
        symbol=symbol,
        year=year,
        year_as_printed=printed,
        zh_forms=row.forms(),
        wikidata=row.qid(),
        note_en=row.opt("note_en"),
        part_of=row.opt("part_of"),
        underpins=tuple(_split(row.opt("underpins"))),
        source_row=row.line,
    )


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in cell.split("|")] if cell else []


def _underpinned(path: Path, registry: Registry) -> None:
    """``underpins`` must name plan concepts that exist."""
    known = {c.id for c in registry.plan_concepts}
    for item in registry.instruments:
        for target in item.underpins:
            if target not in known:
                raise RegistryError(str(path), item.source_row, f"underpins {target!r} is not a plan concept id")


def _sdg(row: _Row) -> SdgConcept:
    code = row.req("code")
    m = SDG_CODE.fullmatch(code)
    if m is None:
        raise row.error(f"code {code!r} is not an SDG goal, target or indicator code (5, 5.1, 5.a, 5.1.1)")
    level = row.enum("level", SDG_LEVELS)
    expected_level = "indicator" if m["indicator"] else "target" if m["target"] else "goal"
    if level != expected_level:
        raise row.error(f"level {level!r} does not fit code {code!r} (expected {expected_level!r})")
    un_iri = row.req("un_iri")
    if un_iri != sdg_iri(code):
        raise row.error(f"un_iri {un_iri!r} is not the UN SDG IRI of {code!r} (expected {sdg_iri(code)!r})")
    return SdgConcept(
        code=code,
        level=level,  # type: ignore[arg-type]
        en_title=row.req("en_title"),
        zh_title=row.req("zh_title"),
        un_iri=un_iri,
        zh_forms=row.forms(required=False),
        wikidata=row.qid(),
        source_row=row.line,
    )


def _theme(row: _Row) -> Theme:
    return Theme(
        id=row.slug("id"),
        en_label=row.req("en_label"),
        zh_label=row.req("zh_label"),
        en_definition=row.req("en_definition"),
        zh_definition=row.req("zh_definition"),
        zh_forms=row.forms(),
        source_row=row.line,
    )


def _statistic(row: _Row) -> Statistic:
    datatype = row.enum("datatype", DATATYPES)
    value = row.req("value")
    if not LEXICAL[datatype].fullmatch(value):
        raise row.error(f"value {value!r} is not a valid {datatype}")
    unit = row.req("unit")
    if not UNIT_SLUG.fullmatch(unit):
        raise row.error(f"unit {unit!r} is not a lower-case slug")
    surface = row.req("surface")
    qualifier = row.enum("qualifier", QUALIFIERS)
    qualifier_zh = row.opt("qualifier_zh")
    bound = row.opt("bound")
    if qualifier != "exact" and qualifier_zh is None:
        raise row.error(f"qualifier {qualifier!r} needs qualifier_zh, the words of the text that qualify the figure")
    if qualifier_zh is not None and surface not in qualifier_zh:
        raise row.error(f"qualifier_zh {qualifier_zh!r} does not contain the surface {surface!r}")
    if bound is not None:
        if qualifier in ("exact", "about"):
            raise row.error(f"bound is set but qualifier {qualifier!r} states no bound")
        if not LEXICAL[datatype].fullmatch(bound):
            raise row.error(f"bound {bound!r} is not a valid {datatype}")
    return Statistic(
        id=row.slug("id"),
        paragraph=row.integer("paragraph", 1, 119, required=True),  # type: ignore[arg-type]
        surface=surface,
        value=value,
        datatype=datatype,  # type: ignore[arg-type]
        unit=unit,
        en_label=row.req("en_label"),
        group_en=row.req("group_en"),
        group_zh=row.req("group_zh"),
        reference_year=row.year("reference_year"),
        source_footnote=row.integer("source_footnote", 1, 26, required=False),
        qualifier=qualifier,
        qualifier_zh=qualifier_zh,
        bound=bound,
        source_row=row.line,
    )


def _intervention(row: _Row) -> InterventionTitle:
    key = row.req("key")
    if not INTERVENTION_KEY.fullmatch(key):
        raise row.error(f"key {key!r} is not an item key like 'para-49-item-3'")
    return InterventionTitle(key=key, en_title=row.req("en_title"), source_row=row.line)


def _plan_concept(row: _Row) -> PlanConcept:
    ident = row.req("id")
    if not PLAN_CONCEPT_ID.fullmatch(ident):
        raise row.error(f"id {ident!r} is not a concept path like 'area/evaw' or 'vision'")
    cls = row.enum("class", PLAN_CONCEPT_CLASSES)
    heading = row.opt("heading_key")
    if heading is not None and not HEADING_KEY.fullmatch(heading):
        raise row.error(f"heading_key {heading!r} is not a heading key like 'heading-5-A-3'")
    notation = row.opt("notation")
    if notation is None and cls != "Vision":
        raise row.error("missing required value in column 'notation'")
    return PlanConcept(
        id=ident,
        cls=cls,
        notation=notation or "",  # the vision has no number
        en_label=row.req("en_label"),
        en_definition=row.req("en_definition"),
        zh_label=row.req("zh_label"),
        heading_key=heading,
        source_row=row.line,
    )


def _role(row: _Row) -> Role:
    return Role(
        id=row.slug("id"),
        en_label=row.req("en_label"),
        zh_label=row.req("zh_label"),
        en_definition=row.req("en_definition"),
        zh_definition=row.req("zh_definition"),
        membership=row.enum("membership", frozenset({"yes", "no"})) == "yes",
        source_row=row.line,
    )


def _role_rule(row: _Row) -> RoleRule:
    pattern = row.req("pattern")
    if pattern.count("{org}") != 1:
        raise row.error(f"pattern {pattern!r} must contain {{org}} exactly once")
    if "……" in pattern:
        raise row.error(f"pattern {pattern!r} has two gaps (…) in a row")
    organizations = tuple(_split(row.opt("organizations")))
    for item in organizations:
        if item.startswith("kind:") and item[len("kind:") :] not in ORG_KINDS:
            raise row.error(f"organizations {item!r} names an unknown organization kind")
    return RoleRule(
        order=row.integer("order", 1, 9999, required=True),  # type: ignore[arg-type]
        role=row.slug("role"),
        pattern=pattern,
        organizations=organizations,
        notes=row.opt("notes"),
        source_row=row.line,
    )


def _role_override(row: _Row) -> RoleOverride:
    intervention = row.req("intervention")
    if not re.fullmatch(r"[1-9][0-9]*\.[1-9][0-9]*", intervention):
        raise row.error(f"intervention {intervention!r} is not a key intervention number like '59.3'")
    return RoleOverride(
        intervention=intervention,
        organization=row.slug("organization"),
        role=row.slug("role"),
        evidence=row.req("evidence"),
        rationale=row.req("rationale"),
        source_row=row.line,
    )


def _sdg_alignment(row: _Row) -> SdgAlignment:
    kind = row.enum("kind", frozenset({"stated", "curated"}))
    paragraph = row.integer("paragraph", 1, 119, required=kind == "stated")
    evidence = row.opt("evidence")
    rationale = row.opt("rationale")
    if kind == "stated" and evidence is None:
        raise row.error("a stated link needs evidence: the words of the paragraph that state it")
    if kind == "curated" and rationale is None:
        raise row.error("a curated link needs a rationale")
    return SdgAlignment(
        concept=row.req("concept"),
        sdg=row.req("sdg"),
        kind=kind,
        paragraph=paragraph,
        evidence=evidence,
        rationale=rationale,
        source_row=row.line,
    )


def _context_rule(row: _Row) -> ContextRule:
    entity = row.req("entity")
    prefix, _, ident = entity.partition("/")
    if prefix not in ENTITY_PREFIXES or not ident:
        raise row.error(f"entity {entity!r} is not org/…, instrument/…, sdg/… or theme/…")
    return ContextRule(
        form=row.req("form"),
        kind=ENTITY_PREFIXES[prefix],
        entity_id=ident,
        action=row.enum("action", frozenset({"unless", "only-if"})),
        context=row.forms("context"),
        window=row.integer("window", 1, 40, required=True),  # type: ignore[arg-type]
        notes=row.opt("notes"),
        source_row=row.line,
    )


def _context_rules_known(directory: Path, registry: Registry) -> None:
    """A rule is about a form the registry gives to that entity."""
    forms: dict[tuple[str, str], tuple[str, ...]] = {}
    forms.update({("organization", o.id): o.zh_forms for o in registry.organizations})
    forms.update({("instrument", i.id): i.zh_forms for i in registry.instruments})
    forms.update({("sdg", x.code): x.zh_forms for x in registry.sdg})
    forms.update({("theme", t.id): t.zh_forms for t in registry.themes})
    for rule in registry.context_rules:
        known = forms.get((rule.kind, rule.entity_id))
        if known is None:
            raise RegistryError(str(directory / CONTEXT_RULES), rule.source_row, f"{rule.kind} {rule.entity_id!r} is not in the registry")
        if rule.form not in known:
            raise RegistryError(
                str(directory / CONTEXT_RULES), rule.source_row, f"{rule.form!r} is not a surface form of {rule.kind} {rule.entity_id!r}"
            )


def _alignments_known(directory: Path, registry: Registry) -> None:
    concepts = {c.id for c in registry.plan_concepts}
    codes = {s.code for s in registry.sdg}
    for link in registry.sdg_alignment:
        if link.concept not in concepts:
            raise RegistryError(str(directory / SDG_ALIGNMENT), link.source_row, f"concept {link.concept!r} is not a plan concept id")
        if link.sdg not in codes:
            raise RegistryError(str(directory / SDG_ALIGNMENT), link.source_row, f"sdg {link.sdg!r} is not a code of {SDG}")


def _roles_known(directory: Path, registry: Registry) -> None:
    """Rules and overrides name roles of roles.csv and organizations of organizations.csv."""
    roles = {r.id for r in registry.roles}
    orgs = {o.id for o in registry.organizations}
    for rule in registry.role_rules:
        if rule.role not in roles:
            raise RegistryError(str(directory / ROLE_RULES), rule.source_row, f"role {rule.role!r} is not in {ROLES}")
        for item in rule.organizations:
            if not item.startswith("kind:") and item not in orgs:
                raise RegistryError(str(directory / ROLE_RULES), rule.source_row, f"organization {item!r} is not a known organization id")
    for override in registry.role_overrides:
        if override.role not in roles:
            raise RegistryError(str(directory / COLLABORATION_ROLES), override.source_row, f"role {override.role!r} is not in {ROLES}")
        if override.organization not in orgs:
            raise RegistryError(
                str(directory / COLLABORATION_ROLES), override.source_row, f"organization {override.organization!r} is not a known organization id"
            )


# ------------------------------------------------------------------ checks across rows


def _unique(path: Path, items: list, key: Callable[[Any], str], what: str) -> None:
    seen: dict[str, int] = {}
    for item in items:
        value = key(item)
        if value in seen:
            raise RegistryError(str(path), item.source_row, f"duplicate {what} {value!r} (first on line {seen[value]})")
        seen[value] = item.source_row


def _references(path: Path, items: list, attr: str, what: str) -> None:
    """``attr`` (parent / part_of) must name another row of the same file, without cycles."""
    by_id = {item.id: item for item in items}
    for item in items:
        target = getattr(item, attr)
        if target is None:
            continue
        if target not in by_id:
            raise RegistryError(str(path), item.source_row, f"{attr} {target!r} is not a known {what} id")
        chain = [item.id]
        while target is not None:
            if target in chain:
                raise RegistryError(str(path), item.source_row, f"{attr} forms a cycle: {' -> '.join(chain + [target])}")
            chain.append(target)
            target = getattr(by_id[target], attr)


def _shared_forms(directory: Path, registry: Registry) -> None:
    """One surface form must name one entity, or the linker cannot choose."""
    owners: dict[str, tuple[str, str, int]] = {}
    groups: list[tuple[str, list, Callable[[Any], str]]] = [
        (ORGANIZATIONS, registry.organizations, lambda o: o.id),
        (INSTRUMENTS, registry.instruments, lambda i: i.id),
        (SDG, registry.sdg, lambda s: s.code),
        (THEMES, registry.themes, lambda t: t.id),
    ]
    for filename, items, key in groups:
        for item in items:
            for form in item.zh_forms:
                if form in owners:
                    first_file, first_id, first_line = owners[form]
                    raise RegistryError(
                        str(directory / filename),
                        item.source_row,
                        f"surface form {form!r} of {key(item)!r} already names {first_id!r} "
                        f"({first_file} line {first_line})",
                    )
                owners[form] = (filename, key(item), item.source_row)


def load_registry(directory: str | Path) -> Registry:
    """Read and validate every registry CSV in ``directory``."""
    directory = Path(directory)
    registry = Registry(
        organizations=_read(directory, ORGANIZATIONS, _organization),
        instruments=_read(directory, INSTRUMENTS, _instrument),
        sdg=_read(directory, SDG, _sdg),
        themes=_read(directory, THEMES, _theme),
        statistics=_read(directory, STATISTICS, _statistic),
        intervention_titles=_read(directory, INTERVENTIONS, _intervention),
        plan_concepts=_read(directory, PLAN_CONCEPTS, _plan_concept),
        roles=_read(directory, ROLES, _role),
        role_rules=sorted(_read(directory, ROLE_RULES, _role_rule), key=lambda r: r.order),
        role_overrides=_read(directory, COLLABORATION_ROLES, _role_override),
        sdg_alignment=_read(directory, SDG_ALIGNMENT, _sdg_alignment),
        context_rules=_read(directory, CONTEXT_RULES, _context_rule),
    )
    _unique(directory / ORGANIZATIONS, registry.organizations, lambda o: o.id, "id")
    _unique(directory / INSTRUMENTS, registry.instruments, lambda i: i.id, "id")
    _unique(directory / SDG, registry.sdg, lambda s: s.code, "code")
    _unique(directory / THEMES, registry.themes, lambda t: t.id, "id")
    _unique(directory / STATISTICS, registry.statistics, lambda s: s.id, "id")
    _unique(directory / INTERVENTIONS, registry.intervention_titles, lambda t: t.key, "key")
    _unique(directory / PLAN_CONCEPTS, registry.plan_concepts, lambda c: c.id, "id")
    _references(directory / ORGANIZATIONS, registry.organizations, "parent", "organization")
    _references(directory / INSTRUMENTS, registry.instruments, "part_of", "instrument")
    _unique(directory / ROLES, registry.roles, lambda r: r.id, "id")
    _unique(directory / ROLE_RULES, registry.role_rules, lambda r: str(r.order), "order")
    _unique(directory / COLLABORATION_ROLES, registry.role_overrides, lambda o: f"{o.intervention} {o.organization}", "override")
    _roles_known(directory, registry)
    _unique(directory / SDG_ALIGNMENT, registry.sdg_alignment, lambda a: f"{a.concept} {a.sdg}", "link")
    _alignments_known(directory, registry)
    _unique(directory / CONTEXT_RULES, registry.context_rules, lambda r: r.form, "form")
    _context_rules_known(directory, registry)
    _shared_forms(directory, registry)
    _underpinned(directory / INSTRUMENTS, registry)
    return registry


__all__ = ["load_registry", "instrument_slug", "sdg_iri", "COLUMNS", "REQUIRED_FILES"]
