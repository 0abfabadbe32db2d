"""The ledger: a note beside an on-disk store that it has held data no build can make again.

A store directory can be deleted or emptied while the server is stopped (a
clean-up script, a volume that was not mounted, a restore of the wrong
backup). ``plankg serve`` builds an empty store from the source, which is
right on a fresh clone and wrong for a store that held steward writes: they
and their change log would be gone, and writing would go on as if nothing
happened. The store cannot tell, being gone; so the ledger, a small JSON file
*outside* the store directory (``<store>.ledger.json``), says so:

- written (atomically: temporary file, fsync, rename, fsync of the directory)
  before the first steward write commits, and at every ``plankg restore``;
- read by ``plankg serve`` and ``plankg build`` (``plankg.build.guard_rebuild``)
  before they build into an empty store;
- removed by ``plankg build --force``, which starts again from the source.

A ledger that cannot be read counts as one that says "held writes": the
mistake it can cause is a refusal that names its remedy, never lost data.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

FORMAT = 1


def ledger_path(store_dir: Path) -> Path:
    store_dir = Path(store_dir)
    return store_dir.with_name(store_dir.name + ".ledger.json")


def read(store_dir: Path) -> dict | None:
    """The ledger's content; None when there is none; ``{"heldWrites": True, "unreadable": …}`` when damaged."""
    path = ledger_path(store_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"heldWrites": True, "unreadable": str(exc)[:200]}
    if not isinstance(data, dict):
        return {"heldWrites": True, "unreadable": "not a JSON object"}
    return data


def held_writes(store_dir: Path) -> bool:
    data = read(store_dir)
    return bool(data and data.get("heldWrites", True))


def note(store_dir: Path, event: str, **details: object) -> dict:
    """Record that the store holds writes (``event``: ``write`` or ``restore``); returns the ledger."""
    now = _now()
    data = read(store_dir) or {}
    data.pop("unreadable", None)
    data.update({"format": FORMAT, "store": str(Path(store_dir).resolve()), "heldWrites": True})
    data.setdefault("firstWrite", now)
    if event == "restore":
        data["lastRestore"] = {"at": now, **details}
    else:
        data["lastNoted"] = now
    write_atomically(ledger_path(store_dir), (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())
    return data


def forget(store_dir: Path) -> None:
    """The store starts again from the source (``plankg build --force``)."""
    ledger_path(store_dir).unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all, and durably: a temporary file, fsync, rename, directory fsync."""
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # the rename itself survives a power cut once the directory is synced
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
