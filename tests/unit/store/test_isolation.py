"""Workers lose the network at the system level, whatever the query text says."""

from __future__ import annotations

import os
import socket
import time

import pyoxigraph as ox
import pytest

from plankg.errors import PlanKGError
from plankg.store import QueryRequest
from plankg.store.embedded import EmbeddedStore
from plankg.store.isolation import (
    BPF_RET_K,
    SECCOMP_RET_ALLOW,
    can_open_inet_socket,
    deny_network,
    seccomp_program,
)
from plankg.store.workers import WorkerOptions

from tcp_listener import Listener


def connections(listener: Listener) -> int:
    time.sleep(0.3)  # a connection started by a worker may still be on its way
    return len(listener.connections)


def in_child(fn) -> str:
    """Run ``fn`` in a forked child (isolation cannot be undone) and return what it reports."""
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        try:
            theirs.sendall(fn().encode())
        finally:
            os._exit(0)
    theirs.close()
    out = ours.recv(4096).decode()
    ours.close()
    os.waitpid(pid, 0)
    return out


def test_a_denied_process_cannot_reach_a_listener_on_loopback(listener):
    def attempt() -> str:
        layers = deny_network()
        try:
            socket.create_connection(("127.0.0.1", listener.port), timeout=1).close()
            return f"{layers} connected"
        except OSError:
            return f"{layers} refused"

    report = in_child(attempt)
    assert report.endswith("refused"), report
    assert connections(listener) == 0


def test_unix_socket_pairs_still_work_after_the_network_is_denied():
    def attempt() -> str:
        deny_network()
        a, b = socket.socketpair(socket.AF_UNIX)
        a.sendall(b"ok")
        return b.recv(2).decode() + (" inet" if can_open_inet_socket() else " no-inet")

    assert in_child(attempt) == "ok no-inet"


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_seccomp_filter_allows_only_unix_sockets_and_refuses_other_abis(machine):
    program = seccomp_program(machine)
    assert program is not None
    returns = [ins for ins in program if ins[0] == BPF_RET_K]
    allows = [ins for ins in returns if ins[3] == SECCOMP_RET_ALLOW]
    assert len(allows) == 2  # every other syscall; socket(AF_UNIX, …)
    assert len(returns) - len(allows) == 4  # other ABI, x32, io_uring, other socket families
    assert seccomp_program("sparc") is None


def test_a_service_clause_in_a_worker_query_reaches_nobody(listener):
    store = EmbeddedStore(None)
    store.replace_dataset([ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))])
    store.start_query_workers(1, options=WorkerOptions())
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        with pytest.raises(PlanKGError):
            store.query(QueryRequest(query, formats={"select": "json"}, timeout_s=5))
    finally:
        store.close()
    assert connections(listener) == 0


def test_federation_switched_on_leaves_query_workers_their_network(listener):
    store = EmbeddedStore(None)
    store.replace_dataset([ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"), ox.Literal("o"))])
    store.start_query_workers(1, options=WorkerOptions(allow_network=True))
    try:
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        with pytest.raises(PlanKGError):
            store.query(QueryRequest(query, formats={"select": "json"}, timeout_s=5))  # the listener speaks no HTTP
        assert store.workers.isolation == []
    finally:
        store.close()
    assert connections(listener) == 1
