"""Query worker processes, so that a query past its deadline can be stopped.

pyoxigraph has no query timeout and may spend minutes inside one ``next()``
call, where no Python code runs; a thread cannot be stopped there, a process
can. So queries run in a few long-lived worker processes that each hold a
copy of the in-memory replica; at the deadline the server kills the worker
(SIGKILL) and gets a new one.

Workers are forked from a *zygote*: a fresh interpreter (never a fork of the
multi-threaded server, whose locks could be held by other threads at fork
time) that loads the replica once from N-Quads and then only forks. A new
worker therefore costs a ``fork()``, not a reload. When the data changes the
zygote reloads and every worker is replaced, so no query sees stale data
after a write returns.

Wire format: length-prefixed pickles over Unix socket pairs. Only the server
and its own children ever hold these sockets.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from plankg import errors
from plankg.store.results import QueryResponse

log = logging.getLogger("plankg.store.workers")

_HEADER = struct.Struct("!Q")
_ZYGOTE_BOOT = "import sys, json; sys.path[:0] = json.loads(sys.argv[1]); from plankg.store.workers import zygote_main; zygote_main(int(sys.argv[2]))"


# ---------------------------------------------------------------- framing
def _send(sock: socket.socket, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)))
    sock.sendall(data)


def _recv_exact(sock: socket.socket, size: int, deadline: float | None) -> bytearray:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError("peer closed the socket")
        got += n
    return buf


def _recv(sock: socket.socket, deadline: float | None = None) -> object:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    data = _recv_exact(sock, size, deadline)
    sock.settimeout(None)
    return pickle.loads(data)


# ---------------------------------------------------------------- server side
@dataclass(eq=False)
class _Worker:
    pid: int
    sock: socket.socket
    generation: int


class WorkerPool:
    """``count`` worker processes; ``query`` borrows one, kills it at the deadline."""

    def __init__(self, count: int, *, prefixes: Mapping[str, str], snapshot: Callable[[], bytes]) -> None:
        self.count = count
        self.prefixes = dict(prefixes)
        self._snapshot = snapshot
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._control_lock = threading.RLock()
        self._zygote: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._generation = 0
        self._busy = 0  # borrowed workers, replaced on return when stale
        self._closed = False

    # -- life cycle
    def start(self) -> None:
        with self._control_lock:
            self._start_zygote()
            for _ in range(self.count):
                self._idle.put(self._fork())

    def reload(self) -> None:
        """The data changed: reload the zygote, replace every worker."""
        with self._control_lock:
            if self._closed:
                return
            self._generation += 1
            try:
                self._call(("load", self._snapshot(), self.prefixes))
            except (OSError, EOFError):
                self._restart_zygote()
            while True:
                try:
                    worker = self._idle.get_nowait()
                except queue.Empty:
                    break
                self._retire(worker)
            # busy workers of the old generation are replaced when they come back
            for _ in range(self.count - self._busy):
                self._idle.put(self._fork())

    def close(self) -> None:
        with self._control_lock:
            if self._closed:
                return
            self._closed = True
            while True:
                try:
                    self._idle.get_nowait().sock.close()
                except queue.Empty:
                    break
            if self._control is not None:
                try:
                    self._call(("quit",))
                except (OSError, EOFError):
                    pass
                self._control.close()
                self._control = None
            if self._zygote is not None:
                try:
                    self._zygote.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._zygote.kill()
                    self._zygote.wait()
                self._zygote = None

    # -- queries
    def query(self, sparql: str, request: dict, timeout_s: float | None) -> QueryResponse:
        worker = self._borrow(timeout_s)
        deadline = time.monotonic() + timeout_s if timeout_s else None
        try:
            _send(worker.sock, (sparql, request))
            reply = _recv(worker.sock, deadline)
        except TimeoutError:
            self._replace(worker)
            raise errors.QueryTimeout(
                f"The query ran longer than {timeout_s:g} s and was stopped. Narrow it down (fewer "
                "patterns without shared variables, a LIMIT, more specific terms) and try again."
            ) from None
        except (OSError, EOFError):
            log.exception("query worker %s failed", worker.pid)
            self._replace(worker)
            raise errors.StoreUnavailable(
                "The query worker stopped unexpectedly; it has been replaced. Try again."
            ) from None
        self._give_back(worker)
        return _unpack(reply)

    def _borrow(self, timeout_s: float | None) -> _Worker:
        if self._closed:
            raise errors.StoreUnavailable("The store is shutting down.")
        try:
            worker = self._idle.get(timeout=timeout_s or None)
        except queue.Empty:
            raise errors.StoreUnavailable(
                "Every query worker is busy with a long query; try again in a few seconds."
            ) from None
        with self._control_lock:
            self._busy += 1
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._control_lock:
            self._busy -= 1
            if self._closed:
                worker.sock.close()
            elif worker.generation == self._generation:
                self._idle.put(worker)
            else:
                self._retire(worker)
                self._idle.put(self._fork())

    def _replace(self, worker: _Worker) -> None:
        with self._control_lock:
            self._busy -= 1
            self._kill(worker)
            if not self._closed:
                self._idle.put(self._fork())

    # -- zygote conversation (all under _control_lock)

    def _start_zygote(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._zygote = subprocess.Popen(
                [sys.executable, "-c", _ZYGOTE_BOOT, _json_path(), str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in a terminal reaches the server only
                close_fds=True,
            )
        finally:
            theirs.close()
        self._control = ours
        self._call(("load", self._snapshot(), self.prefixes))

    def _restart_zygote(self) -> None:
        log.warning("query worker zygote is gone; starting a new one")
        if self._control is not None:
            self._control.close()
        if self._zygote is not None:
            self._zygote.kill()
            self._zygote.wait()
        self._generation += 1  # its workers died with it
        self._start_zygote()

    def _call(self, message: tuple, fd: int | None = None) -> object:
        if self._control is None:
            raise OSError("no zygote")
        _send(self._control, message)
        if fd is not None:
            socket.send_fds(self._control, [b"F"], [fd])
        reply = _recv(self._control)
        if not (isinstance(reply, tuple) and reply and reply[0] == "ok"):
            raise OSError(f"zygote refused {message[0]!r}: {reply!r}")
        return reply[1] if len(reply) > 1 else None

    def _fork(self) -> _Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                pid = self._call(("fork",), theirs.fileno())
            except (OSError, EOFError):
                self._restart_zygote()
                pid = self._call(("fork",), theirs.fileno())
        finally:
            theirs.close()
        return _Worker(int(pid), ours, self._generation)

    def _kill(self, worker: _Worker) -> None:
        worker.sock.close()
        if self._closed:
            return  # the zygote killed every worker on quit
        try:
            self._call(("kill", worker.pid))
        except (OSError, EOFError):
            self._restart_zygote()

    def _retire(self, worker: _Worker) -> None:
        # closing its socket ends an idle worker's loop; the zygote reaps it
        worker.sock.close()


def _json_path() -> str:
    import json

    return json.dumps([p for p in sys.path if p])


def _unpack(reply: object) -> QueryResponse:
    status, *rest = reply  # type: ignore[misc]
    if status == "ok":
        return QueryResponse(*rest[0])
    if status == "error":
        name, detail, extra = rest
        cls = getattr(errors, name, None)
        if not (isinstance(cls, type) and issubclass(cls, errors.PlanKGError)):
            cls = errors.PlanKGError
        exc = cls.__new__(cls)
        errors.PlanKGError.__init__(exc, detail)
        exc.__dict__.update(extra)
        raise exc
    raise RuntimeError(f"query worker failed: {rest[0]}")


# ---------------------------------------------------------------- zygote side
def zygote_main(control_fd: int) -> None:
    """Hold the replica, fork workers on request, reap them; exit when the server goes."""
    import pyoxigraph as ox

    from plankg.store import embedded  # imported once here, so workers start warm

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=control_fd)
    store = ox.Store()
    prefixes: dict = {}
    children: set[int] = set()

    def reap() -> None:
        for pid in list(children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                children.discard(pid)

    while True:
        try:
            message = _recv(control)
        except (EOFError, OSError):
            message = ("quit",)
        reap()
        command = message[0]
        if command == "load":
            fresh = ox.Store()
            fresh.load(message[1], format=ox.RdfFormat.N_QUADS)
            store, prefixes = fresh, message[2]
            _send(control, ("ok",))
        elif command == "fork":
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
            pid = os.fork()
            if pid == 0:
                try:
                    control.close()
                    _worker_main(socket.socket(fileno=fds[0]), store, prefixes, embedded.answer)
                finally:
                    os._exit(0)
            os.close(fds[0])
            children.add(pid)
            _send(control, ("ok", pid))
        elif command == "kill":
            pid = message[1]
            if pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
                children.discard(pid)
            _send(control, ("ok",))
        elif command == "quit":
            for pid in children:
                try:
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                except (ProcessLookupError, ChildProcessError):
                    pass
            try:
                _send(control, ("ok",))
            except OSError:
                pass
            os._exit(0)


def _worker_main(sock: socket.socket, store, prefixes: dict, answer) -> None:
    _die_with_parent()
    while True:
        try:
            sparql, request = _recv(sock)
        except (EOFError, OSError):
            return
        try:
            result = answer(store, sparql, prefixes=prefixes, **request)
            reply: tuple = ("ok", (result.kind, result.format, result.media_type, result.body, result.rows, result.truncated))
        except errors.PlanKGError as exc:
            extra = {k: v for k, v in vars(exc).items() if k != "detail" and _plain(v)}
            reply = ("error", type(exc).__name__, exc.detail, extra)
        except Exception as exc:  # noqa: BLE001 - reported to the server, which logs it
            reply = ("crash", f"{type(exc).__name__}: {exc}")
        try:
            _send(sock, reply)
        except OSError:
            return


def _plain(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _die_with_parent() -> None:
    """A worker must not outlive its zygote (it may be deep in a long query)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the zygote kills workers on quit
        pass
    if os.getppid() == 1:
        os._exit(0)
