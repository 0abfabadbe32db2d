"""``plankg load`` / ``dump`` / ``restore``: bulk data in and out of the store.

- ``plankg load FILE... --graph IRI`` adds the files to a graph (``--replace``:
  replaces its content) through the same gate as ``PUT``/``POST /graphs``: the
  affected part of the data is validated first and nothing is written unless
  it conforms; the change is recorded in ``graph/changes`` with the agent
  ``--as NAME`` (default ``cli``). ``--dry-run`` validates only. Exit 0: loaded
  (or would load); 1: does not conform (the report is printed); 2: a file
  could not be read or parsed (``file:line: reason``), or the load needs
  ``--force``. Whoever runs plankg on the server's machine holds the store
  itself, so ``load`` writes with the admin role (it may add to the built
  graphs), but what ``plankg.write_policy`` calls destructive (``--replace`` of
  a built graph, or of a graph with data that empties it or removes most of the
  data) needs ``--force``, the command line's ``?confirm=``.
- ``plankg dump [--format nquads|trig] [-o FILE]`` writes the whole dataset,
  every graph including the change log, sorted (equal data, equal bytes).
- ``plankg restore FILE`` replaces the whole dataset with a dump in one
  transaction: a restore that fails or is killed leaves the old dataset. It
  puts back exactly what the dump holds (its change log included) and adds
  no record of its own, so ``dump`` after ``restore`` gives the same data.
  An empty dump would empty the store: that needs ``--force``. Every restore
  is noted in the store's ledger (``plankg.store.ledger``).

All three open the store themselves, so they run while the server is stopped
(the on-disk store admits one process at a time; a running server makes them
exit 3 with "is another plankg process using it?").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from plankg.settings import Settings

INPUT_FORMATS = ("turtle", "jsonld", "ntriples", "nquads", "trig", "rdfxml")
DUMP_FORMATS = ("nquads", "trig")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "load",
        help="add RDF files to a graph, validated first",
        description="Load RDF files into one graph of the store. The part of the data the files affect "
        "is checked against the shapes first; nothing is written unless it conforms. "
        "Exit 0: loaded; 1: does not conform; 2: a file could not be read or parsed.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="RDF data (syntax from the extension, or --format)")
    p.add_argument("--graph", required=True, metavar="IRI", help="the graph to load into (under <base>graph/), or 'default'")
    p.add_argument("--replace", action="store_true", help="replace the graph's content instead of adding to it")
    p.add_argument("--format", choices=INPUT_FORMATS, help="RDF syntax of the files")
    p.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    p.add_argument("--force", action="store_true", help="confirm a destructive load: --replace of a built graph, or one that removes most of the data")
    p.add_argument("--as", dest="agent", default="cli", metavar="NAME", help="name recorded as the agent of the change (default: cli)")
    p.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the report (default: en)")
    p.set_defaults(func=cmd_load)

    p = subparsers.add_parser(
        "dump",
        help="write the whole dataset (every graph) as N-Quads or TriG",
        description="Write every graph of the store, steward writes and the change log included, to a file or "
        "standard output; plankg restore reads it back.",
    )
    p.add_argument("--format", choices=DUMP_FORMATS, default="nquads", help="nquads (default) or trig")
    p.add_argument("-o", "--output", metavar="FILE", type=Path, help="file to write (default: standard output)")
    p.set_defaults(func=cmd_dump)

    p = subparsers.add_parser(
        "restore",
        help="replace the whole dataset with a dump, in one transaction",
        description="Replace everything the store holds with a dump of plankg dump, all at once: a restore "
        "that fails leaves the store as it was. An empty dump needs --force.",
    )
    p.add_argument("file", metavar="FILE", help="a dump (.nq or .trig; or give --format)")
    p.add_argument("--format", choices=DUMP_FORMATS, help="syntax of the dump when the extension does not tell")
    p.add_argument("--force", action="store_true", help="restore even a dump with no data (it empties the store)")
    p.set_defaults(func=cmd_restore)


def cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    import pyoxigraph as ox
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from plankg.errors import ConfirmationRequired, ParameterError, ValidationFailed
    from plankg.settings import ADMIN
    from plankg.store import open_store
    from plankg.store.rdfio import parse_rdf_file
    from plankg.write_policy import confirm_value
    from plankg.writes import WritePipeline

    graph = None if args.graph == "default" else args.graph
    if graph is not None and ":" not in graph:
        raise ParameterError(f"--graph must be an absolute IRI or 'default', not {args.graph!r}.")
    console = _console()
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    store = open_store(settings)
    try:
        pipeline = WritePipeline(settings, store)
        quads = []
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("read", total=len(args.files) + 1)
            for name in args.files:
                bar.update(task, description=f"read {name}")
                parsed = parse_rdf_file(name, args.format)
                if any(not isinstance(q.graph_name, ox.DefaultGraph) for q in parsed):
                    raise ParameterError(f"{name} names graphs of its own; load takes graphs (one --graph), restore takes datasets.")
                quads += parsed
                bar.advance(task)
            bar.update(task, description="validate" + ("" if args.dry_run else " and commit"))
            operation = f"plankg load {' '.join(Path(f).name for f in args.files)}" + (" --replace" if args.replace else "")
            write = pipeline.put_graph if args.replace else pipeline.post_graph
            try:
                outcome = write(
                    graph, quads, agent=args.agent, dry_run=args.dry_run, operation=operation,
                    role=ADMIN, confirm=confirm_value([graph]) if args.force else None,
                )
            except ConfirmationRequired as exc:
                bar.update(task, description="refused: needs --force")
                raise ConfirmationRequired(f"this load {getattr(exc, 'reason', 'removes data')}; run it again with --force to do it (nothing was changed).") from None
            except ValidationFailed as exc:
                bar.update(task, description="refused: the data does not conform")
                _print_report(exc.report, args.lang)
                return exc.exit_code
            bar.advance(task)
            bar.update(task, description="done")
    finally:
        store.close()
    _print_report(outcome.report, args.lang)
    verb = "would add" if args.dry_run else "added"
    console.print(
        f"{verb} {len(outcome.change.added)} and {'would remove' if args.dry_run else 'removed'} "
        f"{len(outcome.change.removed)} triples in {('graph <' + graph + '>') if graph else 'the default graph'}"
        + (f"; recorded as <{outcome.activity}>" if outcome.activity else "")
        + f" (validated {outcome.validated_triples} triples around {outcome.focus_nodes} nodes)"
    )
    return 0


def cmd_dump(settings: Settings, args: argparse.Namespace) -> int:
    from plankg.namespaces import Namespaces
    from plankg.store import open_store
    from plankg.store.rdfio import dataset_bytes

    store = open_store(settings)
    try:
        quads = store.quads()
    finally:
        store.close()
    data = dataset_bytes(quads, args.format, Namespaces.of(settings).rdf_prefixes())
    if args.output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        from plankg.store.ledger import write_atomically

        write_atomically(Path(args.output).resolve(), data)
        _console().print(f"wrote {len(quads)} quads to {args.output}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from plankg.errors import ConfirmationRequired
    from plankg.store import open_store
    from plankg.store.rdfio import parse_rdf_file

    quads = parse_rdf_file(args.file, args.format)
    if not quads and not args.force:
        raise ConfirmationRequired(f"{args.file} holds no data: restoring it would empty the store. Run again with --force to do that (nothing was changed).")
    store = open_store(settings)
    try:
        store.apply_changes([], quads, drop_all=True)
    finally:
        store.close()
    _console().print(f"restored {len(quads)} quads from {args.file}")
    return 0


def _print_report(report, lang: str) -> None:
    sys.stdout.buffer.write(report.text(lang=lang).encode("utf-8"))
    sys.stdout.flush()


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)
