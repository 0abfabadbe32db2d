"""``plankg validate FILE...``: check RDF files against the shapes, report in English or Chinese.

Exit status: 0 the data passes the write gate (no result at or above
``PLANKG_WRITE_GATE_SEVERITY``, default violation: warnings and infos allowed; the
report's own verdict is SHACL's sh:conforms), 1 it does not, 2 it could not be validated (unreadable file, bad syntax: ``file:line: reason``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plankg.settings import Settings

REPORT_FORMATS = ("text", "turtle", "jsonld")
INPUT_FORMATS = ("turtle", "jsonld", "ntriples", "nquads", "trig", "rdfxml")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check RDF files against the SHACL shapes",
        description="Validate RDF data against the project's SHACL shapes (or your own) and, when an "
        "SDG KOS dump is given, check every UN SDG IRI the data cites. Exit 0: passes the write gate (no violation, "
        "by default); 1: does not; 2: could not validate.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="RDF data (syntax from the extension, or --format)")
    p.add_argument("--shapes", action="append", metavar="FILE", help="shapes to use instead of shapes/*.ttl (repeatable)")
    p.add_argument(
        "--with-ontology",
        action="store_true",
        help="add the ontology's rdfs:subClassOf triples to the data also for --shapes (always done for shapes/*.ttl)",
    )
    p.add_argument(
        "--context",
        action="append",
        metavar="FILE",
        help="RDF the data refers to, e.g. dist/plankg.nq (repeatable): validated along so references "
        "resolve, but only problems about nodes in FILE... are reported",
    )
    p.add_argument("--format", choices=INPUT_FORMATS, help="RDF syntax of the data files")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the text report (default: en)")
    p.add_argument("--report", choices=REPORT_FORMATS, default="text", help="report as text (default), Turtle or JSON-LD")
    p.add_argument("--sdg-kos", metavar="FILE", type=Path, help="UN SDG KOS dump for the SDG IRI check (default: PLANKG_SDG_KOS_PATH)")
    p.set_defaults(func=cmd_validate)


def cmd_validate(settings: Settings, args: argparse.Namespace) -> int:
    from plankg.store.rdfio import parse_rdf_file
    from plankg.validation import load_shapes, validate_quads

    if args.sdg_kos is not None:
        settings = settings.model_copy(update={"sdg_kos_path": args.sdg_kos})
    from plankg.stamp import check_data

    quads = []
    for name in args.files:
        found = parse_rdf_file(name, args.format)
        check_data(settings, found, name)  # made with another PLANKG_BASE_IRI: say so, not hundreds of violations
        quads += found
    context = None
    if args.context:
        context = [q for name in args.context for q in parse_rdf_file(name)]
    shapes = load_shapes(settings, args.shapes)
    report = validate_quads(settings, quads, shapes, context=context, ontology=True if args.with_ontology else None)
    if args.report == "turtle":
        sys.stdout.buffer.write(report.graph_turtle())
    elif args.report == "jsonld":
        sys.stdout.buffer.write(report.graph_jsonld() + b"\n")
    else:
        # bytes, so the Chinese report prints whatever the terminal's locale says
        sys.stdout.buffer.write(report.text(lang=args.lang).encode("utf-8"))
    sys.stdout.flush()
    return 0 if report.passes_gate else 1
