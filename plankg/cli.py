"""The ``plankg`` command: build, serve, validate, query, load, dump, restore.

Errors the user can fix are printed as one line (``file:line: reason``) with
a non-zero exit code; no traceback reaches the terminal for those.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from plankg import cli_annotate, cli_data, cli_query, cli_validate
from plankg.errors import PlanKGError
from plankg.settings import Settings


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from plankg.build import build, guard_rebuild
    from plankg.store import open_store

    console = _console()
    store = open_store(settings)
    try:
        guard_rebuild(settings, store, force=args.force)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=False) as bar:
            task = bar.add_task("build", total=None)
            result = build(settings, store, progress=lambda step: bar.update(task, description=step), validate=not args.no_validate)
            bar.update(task, description="done")
    finally:
        store.close()
    if args.json:
        import json

        print(json.dumps({"counts": result.counts, "quads": len(result.quads), "seconds": result.seconds}, indent=1))
        return 0
    from rich.table import Table

    table = Table(title=f"plankg build: {len(result.quads)} quads")
    table.add_column("class")
    table.add_column("instances", justify="right")
    for name, count in result.counts.items():
        table.add_row(name, str(count))
    console.print(table)
    for path in result.outputs:
        console.print(f"wrote {path}")
    where = settings.store_dir if settings.store == "embedded" else settings.remote_query_url
    console.print(f"loaded the store at {where}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import logging

    from plankg.build import open_built_store
    from plankg.store.workers import WorkerOptions

    if args.host:
        settings = settings.model_copy(update={"host": args.host})
    if args.port:
        settings = settings.model_copy(update={"port": args.port})
    log = logging.getLogger("plankg.service")
    # built here, not in the app's start-up: a failed build is one line on the terminal, not a traceback
    store = open_built_store(settings, progress=lambda step: log.warning("build: %s", step))
    try:
        # before the web stack is imported: the query workers get ready in a thread (the
        # zygote, a process of its own, copies a checkpoint of the disk)
        # while FastAPI and the routers are imported and the app is made
        options = WorkerOptions.of(settings)
        store.start_query_workers(settings.query_workers, wait=False, options=options)
        import uvicorn

        from service.app import create_app
        from service.server import uvicorn_options

        app = create_app(settings, store=store, defer_routes=True)  # the server listens before every router is made
        app.state.freeze_gc = True  # the one app of this process (service.app._warm_all)
        if options.trace is not None:  # bench.mixed --trace
            from service.tracing import TraceRequests

            app = TraceRequests(app, options.trace)  # type: ignore[assignment]
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level="info",
            access_log=settings.access_log,
            server_header=False,
            **uvicorn_options(settings),  # 431 past the header limit, the send timeout, no proxy headers
        )
    finally:
        store.close()  # the app's shutdown closes it too; this is for a start that failed before
    return 0


def settings_help() -> str:
    """The ``PLANKG_*`` settings and their defaults, from the settings model itself."""
    lines = ["settings (environment variables, or a .env file in the working directory):"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "none" if default in (None, {}, []) else ",".join(default) if isinstance(default, list) else default
        lines.append(f"  PLANKG_{name.upper():<28} {field.description or f'default: {shown}'}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plankg",
        description="Knowledge graph of the UN Women Strategic Plan 2022–2025 (UNW/2021/6).",
        epilog=settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "build",
        help="build the graph into dist/ and the store",
        description="Parse the plan's text, read the registry, link, map to RDF, validate against the shapes, "
        "then write dist/ (N-Quads, TriG, Turtle, JSON-LD) and load the store (PLANKG_STORE_PATH). "
        "Refuses (exit 3) a store that holds or lost steward writes unless --force.",
    )
    p.add_argument("--no-validate", action="store_true", help="skip the SHACL check (not for releases)")
    p.add_argument("--json", action="store_true", help="print counts as JSON")
    p.add_argument(
        "--force",
        action="store_true",
        help="build even over a store that holds steward writes, or that lost them (its ledger says so): they are replaced by the source",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser(
        "serve",
        help="serve the graph over HTTP (builds it first if the store is empty and never held steward writes)",
        description="Serve the pages, the named queries, /sparql and the linked data on the store, building the "
        "graph first when the store is empty. A store built with another PLANKG_BASE_IRI is refused (exit 2).",
    )
    p.add_argument("--host", help="address to listen on (default: PLANKG_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default: PLANKG_PORT, 8000)")
    p.set_defaults(func=cmd_serve)

    for module in (cli_validate, cli_query, cli_data, cli_annotate):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = f"setting PLANKG_{str(first['loc'][0]).upper()}" if first["loc"] else "settings"
        print(f"plankg: invalid {where}: {first['msg']}", file=sys.stderr)
        return 2
    try:
        code = args.func(settings, args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except BrokenPipeError:
        # the reader went away (`plankg query --list | head -1`): end quietly, as other tools do;
        # stdout goes to /dev/null so that the interpreter's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a pipe's writer
    except PlanKGError as exc:
        print(f"plankg: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
