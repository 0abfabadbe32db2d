"""The message catalogues every UI string comes from: gettext ``.po`` files read with Babel.

``service/locale/{zh,en}/LC_MESSAGES/messages.po`` hold the strings. Page strings
are keyed by id (``nav.home``) and both catalogues translate them; the named
queries' summaries, descriptions and parameter help are keyed by their English
text in the ``.rq`` headers, which the Chinese catalogue translates.

The ``.po`` sources are compiled in memory when first needed (no ``.mo`` files to
build or commit), so a fresh clone and a wheel install work without a step.

Run as a module it is the catalogues' tool:

``python -m service.message_catalogues absorb [--replace] FILE…``
    carry ``STRINGS = {key: {"en": …, "zh": …}}`` dicts (the old string tables,
    still used on branches begun before the catalogues) into both catalogues:
    new keys are added, keys the catalogues hold keep the catalogues' text (listed
    when the table's differs; ``--replace`` takes the table's); then delete the
    dicts and call ``t(key)`` as before.
``python -m service.message_catalogues check``
    list UI strings the code uses that a catalogue does not translate.
"""

from __future__ import annotations

import ast
import io
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

SERVICE_DIR = Path(__file__).resolve().parent
LOCALE_DIR = SERVICE_DIR / "locale"
LANGS = ("zh", "en")
DOMAIN = "messages"
# the calls that take a message: t() is the pages' name for gettext
KEYWORDS = {"t": None, "_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
# a fixed date keeps rewritten catalogues byte-identical when nothing changed
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a key for extraction where it is named before it is translated."""
    return message


def po_path(lang: str, root: Path = LOCALE_DIR) -> Path:
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str, root: Path = LOCALE_DIR) -> Catalog:
    with po_path(lang, root).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def write_catalogue(catalog: Catalog, lang: str, root: Path = LOCALE_DIR) -> None:
    path = po_path(lang, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    catalog.fuzzy = False
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, sort_output=True, omit_header=False)
    path.write_bytes(buf.getvalue())


@lru_cache(maxsize=len(LANGS))
def translations(lang: str) -> Translations:
    """gettext translations for a language, English behind Chinese for anything missing."""
    buf = io.BytesIO()
    write_mo(buf, read_catalogue(lang))
    buf.seek(0)
    found = Translations(fp=buf, domain=DOMAIN)
    if lang != "en":
        found.add_fallback(translations("en"))
    return found


# ---------------------------------------------------------------- extraction


def extracted(root: Path = SERVICE_DIR) -> dict[str, list[str]]:
    """Every literal message the templates and the Python code pass to t/_/gettext/ngettext,
    with where it is used."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(root), METHODS, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True
    ):
        # a plural entry is found by its singular id
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def query_messages(queries_dir: Path) -> dict[str, str]:
    """The English texts of the public named queries' headers that pages show, by where."""
    from plankg.catalog import parse_query

    out: dict[str, str] = {}
    for path in sorted(queries_dir.glob("*.rq")):
        query = parse_query(path.stem, path.read_text(encoding="utf-8"), path=str(path))
        if not query.public:
            continue
        texts = [query.summary, query.description, *(p.description for p in query.params)]
        for text in texts:
            if text:
                out.setdefault(text, path.name)
    return out


def untranslated(catalogues: dict[str, Catalog], messages: Iterable[str], langs: Iterable[str] = LANGS) -> list[tuple[str, str]]:
    """(lang, msgid) for each message a catalogue lacks or leaves empty."""
    missing = []
    for msgid in messages:
        for lang in langs:
            entry = catalogues[lang].get(msgid)
            strings = entry.string if entry is not None else None
            if not strings or (isinstance(strings, tuple) and not all(strings)):
                missing.append((lang, msgid))
    return missing


# ---------------------------------------------------------------- absorbing old tables


def string_tables(path: Path) -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """Top-level ``NAME = {key: {"en": …, "zh": …}}`` dicts named STRINGS (or ``*_STRINGS``) in a file,
    read as literals (the file is not imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and re.fullmatch(r"(\w+_)?STRINGS", target.id) and isinstance(value, ast.Dict):
            table = ast.literal_eval(value)
            if all(isinstance(v, dict) for v in table.values()):
                yield target.id, table


def _po_format(text: str) -> str:
    """``{name}`` placeholders of the old tables as gettext's ``%(name)s``."""
    return re.sub(r"\{(\w+)\}", r"%(\1)s", text.replace("%", "%%")) if "{" in text else text


def absorb(tables: dict[str, dict[str, str]], prefix: str = "", root: Path = LOCALE_DIR, replace: bool = False) -> list[str]:
    """Add the entries of a string table to both catalogues; returns the keys added (or changed).

    A key the catalogues already hold keeps the catalogues' text unless ``replace``: an old
    table carried over a merge still holds texts that were corrected in the catalogues since
    (``differing`` lists those, to compare by hand). An entry that lacks a language is refused:
    the catalogues are complete or nothing."""
    lacking = [key for key, forms in tables.items() if not all(forms.get(lang) for lang in LANGS)]
    if lacking:
        raise ValueError(f"entries without both zh and en: {', '.join(lacking)}")
    catalogues = {lang: read_catalogue(lang, root) for lang in LANGS}
    changed = []
    for key, forms in tables.items():
        msgid = prefix + key
        known = all(catalogues[lang].get(msgid) is not None for lang in LANGS)
        if known and not replace:
            continue
        for lang in LANGS:
            text = _po_format(forms[lang])
            flags = ("python-format",) if "%(" in text else ()
            entry = catalogues[lang].get(msgid)
            if entry is not None and entry.string == text:
                continue
            if entry is None:
                catalogues[lang].add(msgid, text, flags=flags)
            else:  # Catalog.add keeps an existing entry's text
                entry.string = text
                entry.flags = set(flags)
            if msgid not in changed:
                changed.append(msgid)
    for lang in LANGS:
        write_catalogue(catalogues[lang], lang, root)
    return changed


def differing(tables: dict[str, dict[str, str]], prefix: str = "", root: Path = LOCALE_DIR) -> list[str]:
    """Keys of a table whose text differs from the catalogues' (which ``absorb`` keeps)."""
    catalogues = {lang: read_catalogue(lang, root) for lang in LANGS}
    out = []
    for key, forms in tables.items():
        entries = [(catalogues[lang].get(prefix + key), _po_format(forms.get(lang, ""))) for lang in LANGS]
        found = [(e, text) for e, text in entries if e is not None]
        if len(found) == len(entries) and any(e.string != text for e, text in found):
            out.append(prefix + key)
    return out


def _main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("absorb", "check"):
        print(__doc__)
        return 2
    if argv[0] == "absorb":
        replace = "--replace" in argv
        for name in [a for a in argv[1:] if a != "--replace"]:
            for table_name, table in string_tables(Path(name)):
                others = differing(table)
                added = absorb(table, replace=replace)
                print(f"{name}: {table_name}: {len(added)} entries added{' or replaced' if replace else ''}; now delete {table_name}")
                if others and not replace:
                    print(f"  kept the catalogues' text for (compare; --replace takes the table's): {', '.join(others)}")
        return 0
    from plankg.settings import Settings

    catalogues = {lang: read_catalogue(lang) for lang in LANGS}
    missing = untranslated(catalogues, extracted())
    missing += untranslated(catalogues, query_messages(Settings().queries_dir), ("zh",))
    for lang, msgid in missing:
        print(f"{lang}: {msgid}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
