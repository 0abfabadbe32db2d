"""``plankg annotate FILE``: the plan's entities that a text mentions, as JSON or Web Annotation JSON-LD."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from plankg.errors import BadRequest, PayloadTooLarge
from plankg.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "annotate",
        help="list the plan concepts, organizations, instruments, themes and SDG concepts a text mentions",
        description="Annotate a UTF-8 text file (Chinese, or English) with the registry's entities: offsets, surface forms, types, IRIs.",
    )
    p.add_argument("file", help="text file ('-' reads standard input)")
    p.add_argument("--format", choices=("json", "jsonld"), default="json", help="json (default) or W3C Web Annotation JSON-LD")
    p.set_defaults(func=cmd_annotate)


def _read(name: str, limit: int) -> str:
    # read at most what an allowed text can take, so that a huge file is refused without loading it
    cap = 4 * limit + 1024
    if name == "-":
        data = sys.stdin.buffer.read(cap + 1)
    else:
        try:
            with Path(name).open("rb") as f:
                data = f.read(cap + 1)
        except OSError as exc:
            raise BadRequest(f"Cannot read {name}: {exc.strerror}.") from None
    if len(data) > cap:
        raise PayloadTooLarge(f"Text to annotate is limited to {limit} characters (PLANKG_ANNOTATE_MAX_CHARS).")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{name} is not UTF-8 (byte {exc.start}).") from None


def cmd_annotate(settings: Settings, args: argparse.Namespace) -> int:
    from plankg.annotate import Annotator, as_json, as_jsonld

    text = _read(args.file, settings.annotate_max_chars)
    found = Annotator.from_settings(settings).annotate(text)
    source = "urn:plankg:annotate:input" if args.file == "-" else Path(args.file).resolve().as_uri()
    out = as_jsonld(text, found, source) if args.format == "jsonld" else as_json(text, found)
    sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    return 0
