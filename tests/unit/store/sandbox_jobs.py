"""Jobs for tests/unit/store/test_sandbox.py: imported by name inside the sandbox's workers."""

from __future__ import annotations

import ctypes
import os
import socket
import time

from plankg.errors import ParameterError


def count_quads(store, prefixes: dict) -> int:
    return len(store)


def refuse(store, prefixes: dict, detail: str) -> None:
    raise ParameterError(detail)


def crash(store, prefixes: dict) -> None:
    ctypes.string_at(0)  # a native fault, as a parser's stack overflow would be


def recurse(store, prefixes: dict) -> int:
    def down(n: int) -> int:
        return down(n + 1) + 1

    return down(0)


def allocate(store, prefixes: dict, megabytes: int) -> int:
    chunks = [bytearray(1 << 20) for _ in range(megabytes)]
    return len(chunks)


def spin(store, prefixes: dict, pid_file: str) -> None:
    with open(pid_file, "w") as f:
        f.write(str(os.getpid()))
    while True:
        time.sleep(0.01)


def connect(store, prefixes: dict, port: int) -> str:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as exc:
        return type(exc).__name__
    return "connected"


def unexpected(store, prefixes: dict) -> None:
    raise KeyError("/secret/path/in/the/server")


def mutate(store, prefixes: dict) -> int:
    store.update("INSERT DATA { <http://example.org/x> <http://example.org/y> <http://example.org/z> }")
    return len(store)


# a zygote's warm-up and a query worker's answer that tells whether it was forked after that warm-up
_WARMED: list[bool] = []


def mark_warm(store, prefixes: dict) -> None:
    _WARMED.append(True)


def answer_warm(store, sparql: str, *, prefixes: dict, **request):
    import gc

    from plankg.store.results import QueryResponse

    state = f"warm={bool(_WARMED)} frozen={gc.get_freeze_count() > 0} quads={len(store)}"
    return QueryResponse("ask", "json", "text/plain", state.encode(), 1, False)
