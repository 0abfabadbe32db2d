"""External authority: every UN SDG IRI the data cites exists in the UN SDG KOS, under the same code."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from plankg.namespaces import RDF, SKOS, Namespaces
from plankg.settings import Settings
from plankg.store.rdfio import format_for, parse_rdf
from plankg.validation.report import LabelIndex, ResultRow, node_id, shapes_namespace
from plankg.validation.shapes import _read

UN_SDG = "http://metadata.un.org/sdg/"
SDG_CODE_COMPACT = "http://metadata.un.org/sdg/ontology#SDGCodeCompact"

def load_sdg_kos(path: str | Path) -> tuple[set[str], dict[str, set[str]]]:
    """Concept IRIs of the UN SDG KOS dump, and their compact codes ("5.1.1")."""
    path = Path(path)
    quads = parse_rdf(_read(path), format_for(path=path), name=str(path))
    concepts: set[str] = set()
    codes: dict[str, set[str]] = defaultdict(set)
    for q in quads:
        subject = q.subject.value if isinstance(q.subject, ox.NamedNode) else None
        if subject is None or not subject.startswith(UN_SDG):
            continue
        if q.predicate.value == RDF + "type":
            concepts.add(subject)
        elif (
            q.predicate.value == SKOS + "notation"
            and isinstance(q.object, ox.Literal)
            and q.object.datatype.value == SDG_CODE_COMPACT
        ):
            codes[subject].add(q.object.value)
    return concepts, codes


def check_sdg_authority(
    settings: Settings, quads: list, kos_path: str | Path, labels: LabelIndex | None = None
) -> list[ResultRow]:
    """Every UN SDG IRI cited with skos:exactMatch exists in the KOS, under the same code."""
    ns = Namespaces.of(settings)
    labels = labels or LabelIndex(quads, ns)
    concepts, codes = load_sdg_kos(kos_path)
    cited: dict[tuple[object, str], None] = {}
    notations: dict[object, set[str]] = defaultdict(set)
    for q in quads:
        if q.predicate.value == SKOS + "exactMatch" and isinstance(q.object, ox.NamedNode) and q.object.value.startswith(UN_SDG):
            cited[(q.subject, q.object.value)] = None
        elif q.predicate.value == SKOS + "notation" and isinstance(q.object, ox.Literal):
            notations[q.subject].add(q.object.value)
    labels.prepare([subject for subject, _ in cited])
    shape = shapes_namespace(ns) + "SDGAuthorityCheck"
    rows = []
    for subject, iri in sorted(cited, key=lambda k: (str(k[0]), k[1])):
        if iri not in concepts:
            message = {
                "en": f"The UN SDG vocabulary (SDG KOS) has no concept <{iri}>.",
                "zh": f"联合国可持续发展目标词表（SDG KOS）中没有概念 <{iri}>。",
            }
        elif codes.get(iri) and notations.get(subject) and not (codes[iri] & notations[subject]):
            theirs = ", ".join(sorted(codes[iri]))
            ours = ", ".join(sorted(notations[subject]))
            message = {
                "en": f"<{iri}> is SDG {theirs} in the UN SDG vocabulary, but this concept's code is {ours}.",
                "zh": f"<{iri}> 在联合国可持续发展目标词表中为 {theirs}，而本概念的编码为 {ours}。",
            }
        else:
            continue
        rows.append(
            ResultRow(
                focus=node_id(subject),
                focus_label=labels.label(subject),
                path="skos:exactMatch",
                value=f"<{iri}>",
                severity="Violation",
                message=message,
                source_shape=shape,
                component="pksh:SDGAuthorityConstraintComponent",
            )
        )
    return rows
