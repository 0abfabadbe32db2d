"""Query worker processes, so that a query past its deadline can be stopped.

pyoxigraph has no query timeout and may spend minutes inside one ``next()``
call, where no Python code runs; a thread cannot be stopped there, a process
can. So queries run in a few long-lived worker processes that each hold a
copy of the data in memory; at the deadline the server kills the worker
(SIGKILL) and gets a new one.

Workers are forked from a *zygote*: a fresh interpreter (never a fork of the
multi-threaded server, whose locks could be held by other threads at fork
time) that loads the data once and then only forks: it copies it from a
checkpoint of the server's on-disk store (``Store.backup``, hard links) that
it opens read-only and removes afterwards, or, without one (a store in memory,
a failed checkpoint), parses an N-Quads snapshot the server sends. A new
worker therefore costs a ``fork()``, not a reload. When a write changes the
data, the zygote takes the same SPARQL Update, and so do the idle workers, in
place (a busy one when it comes back, before its next query); a large change,
or a new snapshot, replaces every worker by a fresh fork instead. Either way no
query sees stale data after a write returns.

The same zygote forks the **sandbox** for work on untrusted input that is
not a query: parsing request bodies, uploaded shapes and their SPARQL,
SHACL validation of uploads, the candidate of a steward's write
(``run_job``). A job gets a worker of its own, forked for it and killed after
it, whatever happened: it runs with a memory ceiling (``RLIMIT_AS``), a large
stack, the time limit, and is killed when the caller is cancelled (a client
that hangs up). A crash there (a parser's stack overflow, an allocation past
the ceiling) ends that worker only; the caller gets a domain error.

Every worker runs without network access (``plankg.store.isolation``), unless
SPARQL federation is switched on, and then only query workers keep it.

**Fast lane**: ``fast_lane`` extra workers take a query only when every
regular worker is busy and the caller says the client may use it (the
service's fairness policy). Its deadline is short, so a client looping
time-limit queries holds the regular workers, never this one, and a cheap
query from anyone else is still answered at once.

Wire format: length-prefixed pickles over Unix socket pairs. Only the server
and its own children ever hold these sockets.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

from plankg import errors
from plankg.store import trace as tracing
from plankg.store.results import QueryResponse

log = logging.getLogger("plankg.store.workers")

_HEADER = struct.Struct("!Q")
_ZYGOTE_BOOT = (
    "import sys, json; sys.path[:0] = json.loads(sys.argv[1]); from plankg.store.workers import zygote_main; "
    "zygote_main(int(sys.argv[2]), allow_network=sys.argv[3] == '1', answer=sys.argv[4])"
)
JOB = "job"  # first item of a job message; a query message starts with its text


@dataclass(frozen=True)
class WorkerOptions:
    """How the worker processes are set up (from the settings, once)."""

    allow_network: bool = False  # query workers keep the network (SPARQL SERVICE switched on)
    fast_lane: int = 0  # extra workers for cheap queries while the regular ones are busy
    fast_lane_timeout_s: float = 1.0
    job_slots: int = 2  # sandboxed jobs at once
    job_memory_bytes: int = 1 << 30  # address space a job may add to its worker's
    job_stack_bytes: int = 256 << 20  # the thread a job runs on: deep input recurses in native parsers
    # ("module:function", args) the zygote runs once, so that every job forked from it starts warm
    # (imports, parsed shapes): trusted code on the server's own files, never a client's input
    warm: tuple[str, tuple] | None = None
    # a query still running after this long gets a lower CPU priority (nice), so that on a busy
    # machine the short queries of everyone else are not slowed down by it; None: never
    demote_after_s: float | None = 0.25
    demoted_nice: int = 10
    # a sandboxed job (a write's candidate and its validation, an upload's) runs at this nice: the
    # query workers, forked from the same zygote, go first when both want the CPU
    job_nice: int = 5
    # bench.mixed --trace (the setting ``trace_file``): each query's waits and the pool's spans
    trace: tracing.Trace | None = field(default=None, compare=False)

    def without_lanes(self) -> WorkerOptions:
        from dataclasses import replace

        return replace(self, fast_lane=0)

    @classmethod
    def of(cls, settings) -> WorkerOptions:
        return cls(
            allow_network=settings.enable_service,
            fast_lane=settings.fast_lane_workers,
            fast_lane_timeout_s=min(settings.fast_lane_timeout_s, settings.query_timeout_s),
            job_slots=settings.job_workers,
            job_memory_bytes=settings.job_memory_mb << 20,
            warm=("plankg.untrusted:warm", (settings,)),
            trace=tracing.Trace(settings.trace_file) if getattr(settings, "trace_file", None) else None,
        )


# ---------------------------------------------------------------- framing
def _frame(obj: object) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _send(sock: socket.socket, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    header = _HEADER.pack(len(data))
    # one write for both: two let the reader wake for the header alone
    sent = sock.sendmsg([header, data])
    if sent < len(header) + len(data):
        rest = (header + data)[sent:] if sent < len(header) else memoryview(data)[sent - len(header):]
        sock.sendall(rest)


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


# What crosses a socket between the server, the zygote and a worker: a pickled tuple whose
# first item names its shape ("ok", "error", "crash", a command). Any, because the reader
# looks at that first item before it relies on the rest.
Message = Any

_T = TypeVar("_T")


def _recv(sock: socket.socket, deadline: float | None = None) -> Message:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    data = _recv_exact(sock, size, deadline)
    sock.settimeout(None)
    return pickle.loads(data)


class _FrameReader:
    """Collects one length-prefixed reply from a non-blocking socket, driven by the loop.

    Reads into one buffer, grown once to the announced size: ``recv(1 MiB)``
    allocated (and the allocator mapped and unmapped) a megabyte per reply.
    """

    FIRST_READ = 16 * 1024

    def __init__(self, sock: socket.socket, done: asyncio.Future) -> None:
        self.sock = sock
        self.done = done
        self.buf = bytearray(self.FIRST_READ)
        self.got = 0
        self.size: int | None = None

    def on_readable(self) -> None:
        if self.done.done():
            return
        try:
            while True:
                if self.got == len(self.buf):
                    self.buf.extend(bytes(self.FIRST_READ))  # header not in yet (rare): read on
                n = self.sock.recv_into(memoryview(self.buf)[self.got:])
                if n == 0:
                    self.done.set_exception(EOFError("peer closed the socket"))
                    return
                self.got += n
                if self.size is None and self.got >= _HEADER.size:
                    (self.size,) = _HEADER.unpack_from(self.buf)
                    total = _HEADER.size + self.size
                    if total > len(self.buf):
                        self.buf.extend(bytes(total - len(self.buf)))
                if self.size is not None and self.got >= _HEADER.size + self.size:
                    self.done.set_result(pickle.loads(memoryview(self.buf)[_HEADER.size : _HEADER.size + self.size]))
                    return
        except BlockingIOError:
            return
        except OSError as exc:
            self.done.set_exception(exc)


async def _asend(sock: socket.socket, message: object) -> None:
    loop = asyncio.get_running_loop()
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    payload = _HEADER.pack(len(data)) + data
    sock.setblocking(False)
    try:
        sent = sock.send(payload)  # a request nearly always fits the socket buffer
    except BlockingIOError:
        sent = 0
    if sent < len(payload):
        await loop.sock_sendall(sock, memoryview(payload)[sent:])


async def _areply(sock: socket.socket, timeout_s: float | None) -> Message:
    """Await one reply: a single reader registration, no thread, no extra task."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    reader = _FrameReader(sock, done)
    loop.add_reader(sock.fileno(), reader.on_readable)
    try:
        async with asyncio.timeout(timeout_s):
            return await done
    finally:
        loop.remove_reader(sock.fileno())


# ---------------------------------------------------------------- server side
@dataclass(eq=False)
class _Worker:
    pid: int
    sock: socket.socket
    generation: int
    lane: str = "regular"
    version: int = 0  # the changes of its generation it holds (``WorkerPool._version`` when current)
    worn: int = 0  # characters of changes it took in place since its fork
    demoted: bool = False  # its CPU priority was lowered during a long query
    unacked: bool = False  # sent changes without an answer (``DataChange.ack``) since its last query


@dataclass(frozen=True)
class DataChange:
    """A message to an idle worker: take this change (a SPARQL Update the zygote took), answer ``("ok",)``.

    Not ``ack``: answer nothing, and end (close the socket) if the change cannot be taken. The pool
    sends such changes to the idle workers and goes on at once; the next query sent to the worker
    is read after the change, and a worker that ended instead is replaced, the query sent again.
    """

    update: str
    ack: bool = True


# A change of at most this many characters reaches the live workers in place (each runs the
# update: milliseconds for a small write, where forking every worker anew cost a fork each);
# a larger one reaches them as fresh forks of the zygote. A worker that has taken this much
# in place is replaced by a fresh fork off the write's path: the pages an update touches
# become the worker's own, so its share of the zygote's memory shrinks with every change.
IN_PLACE_CHARS = 16 * 1024
CHANGE_LOG = 64  # changes kept for a worker that was busy while they came (it takes them when it returns)
CHANGE_TIMEOUT_S = 30.0


class _Idle:
    """Idle workers, last in first out (a warm worker first); taking one and
    counting it busy is a single step under the pool's lock, so a reload never
    miscounts the workers it must replace.

    Callers on the event loop wait for a worker as futures, served first when
    one comes back: waiting in a thread cost a thread hop per query whenever
    every worker was busy, which under load is most of the time.
    """

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._cond = threading.Condition(lock)
        self._items: list[_Worker] = []
        self._waiters: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Future]] = collections.deque()
        self.busy = 0
        # the pool's give-back (set by it) for a worker taken but never sent a query: a change or a
        # reload that came meanwhile reached the idle workers only, so it catches up (or is replaced)
        self.returned: Callable[[_Worker], None] | None = None

    def put(self, worker: _Worker | None) -> None:
        """A worker is free (None: the pool closed, every waiter gives up)."""
        with self._cond:
            while self._waiters:
                loop, waiter = self._waiters.popleft()
                if waiter.done():
                    continue
                if worker is None:
                    _call_on(loop, _settle, waiter, None, None)
                    continue
                self.busy += 1
                _call_on(loop, _settle, waiter, worker, self)
                return
            if worker is not None:
                self._items.append(worker)
                self._cond.notify()

    def try_take(self) -> tuple[_Worker | None, bool]:
        """(an idle worker now or None, whether the answer is sure); never waits, for the lock either.

        Not sure: the lock was held, so there may be an idle worker all the same.
        """
        if not self._lock.acquire(blocking=False):
            return None, False
        try:
            if not self._items:
                return None, True
            self.busy += 1
            return self._items.pop(), True
        finally:
            self._lock.release()

    def take(self, timeout: float | None, closed: Callable[[], bool]) -> _Worker | None:
        with self._cond:
            self._cond.wait_for(lambda: self._items or closed(), timeout)
            if not self._items:
                return None
            self.busy += 1
            return self._items.pop()

    async def take_async(self, timeout: float | None, closed: Callable[[], bool]) -> _Worker | None:
        """``take`` for the event loop: a future in line, no thread.

        The lock is only tried: a reload holds it while the zygote reads the
        whole dataset, and the event loop must not stop for that, so then the
        wait goes to a thread as ``take``.
        """
        loop = asyncio.get_running_loop()
        if not self._lock.acquire(blocking=False):
            import anyio.to_thread

            return await anyio.to_thread.run_sync(self.take, timeout, closed)
        try:
            if self._items:
                self.busy += 1
                return self._items.pop()
            if closed():
                return None
            waiter = loop.create_future()
            self._waiters.append((loop, waiter))
        finally:
            self._lock.release()
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except TimeoutError:
            return self._abandon(waiter)
        except BaseException:
            worker = self._abandon(waiter)
            if worker is not None:
                self.give_back_untouched(worker)
            raise

    def _abandon(self, waiter: asyncio.Future) -> _Worker | None:
        """Stop waiting; a worker handed over in the meantime is returned."""
        with self._lock:
            try:
                self._waiters.remove(next(w for w in self._waiters if w[1] is waiter))
            except StopIteration:
                pass
            if waiter.done() and not waiter.cancelled():
                return waiter.result()
            waiter.cancel()
            return None

    def give_back_untouched(self, worker: _Worker) -> None:
        """A worker taken but never sent a query."""
        if self.returned is not None:
            self.returned(worker)
            return
        with self._lock:
            self.busy -= 1
            self.put(worker)

    def take_idle(self, which: Callable[[_Worker], bool]) -> _Worker | None:
        """One idle worker that ``which`` picks, taken out without counting it busy (the caller
        holds the lock and puts back another in its place)."""
        with self._cond:
            for i, worker in enumerate(self._items):
                if which(worker):
                    return self._items.pop(i)
            return None

    def take_all_idle(self) -> list[_Worker]:
        """Every idle worker, taken out without counting them busy (the caller holds the lock and puts
        them back, or others in their place)."""
        items, self._items = self._items, []
        return items

    def idle_workers(self) -> list[_Worker]:
        return list(self._items)

    def drain(self) -> list[_Worker]:
        with self._cond:
            items, self._items = self._items, []
            return items

    def wake_all(self) -> None:
        with self._cond:
            self._cond.notify_all()
        self.put(None)


async def _surely_in_thread(fn: Callable[..., _T], *args: object) -> _T:
    """``fn(*args)`` in a worker thread; if the task is cancelled before the thread
    takes it (anyio checks for cancellation first), it runs here all the same: a dead
    worker that is never replaced was a worker lost to the pool, and its socket leaked."""
    import anyio.to_thread

    taken = False

    def run() -> _T:
        nonlocal taken
        taken = True
        return fn(*args)

    try:
        return await anyio.to_thread.run_sync(run)
    except BaseException:
        if not taken:
            try:
                fn(*args)
            except errors.PlanKGError:
                pass  # what it would have told the caller, who was cancelled meanwhile
        raise


def _call_on(loop: asyncio.AbstractEventLoop, fn: Callable, *args: object) -> None:
    """Run ``fn`` on ``loop``: at once when this is the loop's thread, else scheduled there."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn(*args)
    elif not loop.is_closed():
        loop.call_soon_threadsafe(fn, *args)


def _settle(waiter: asyncio.Future, worker: _Worker | None, idle: _Idle | None) -> None:
    if not waiter.done():
        waiter.set_result(worker)
    elif worker is not None and idle is not None:
        idle.give_back_untouched(worker)  # the waiter gave up meanwhile: next in line


class WorkerPool:
    """``count`` worker processes; ``query`` borrows one, kills it at the deadline."""

    def __init__(
        self, count: int, *, prefixes: Mapping[str, str], snapshot: Callable[[], bytes], options: WorkerOptions | None = None,
        answer: str = "", checkpoint: Callable[[], str | None] | None = None,
    ) -> None:
        self.count = count
        # makes a checkpoint of the on-disk store (a directory the zygote copies the data from, then
        # removes), None when it cannot; the pool then loads ``snapshot``
        self._checkpoint = checkpoint
        # "module:function" that answers a query in a worker, named by the store that owns the pool
        # (this module imports no store); "" for a pool that runs sandbox jobs only
        self.answer = answer
        self.prefixes = dict(prefixes)
        self._snapshot = snapshot
        self.options = options or WorkerOptions()
        self._control_lock = threading.RLock()
        # set while the zygote copies the data with the lock released (``_call_releasing``): the
        # workers are taken and given back meanwhile, every other talk with the zygote waits
        self._zygote_busy = False
        self._zygote_free = threading.Condition(self._control_lock)
        # the idle workers of both lanes and the waiters for them: held for list operations and the
        # send of a small change only, never while the zygote is talked to (a fork, a kill, a
        # change the zygote takes can take long on a busy machine; a query waited for them all).
        # Taken after ``_control_lock`` when both are held, never before it
        self._idle_lock = threading.RLock()
        self._idle = _Idle(self._idle_lock)
        self._fast = _Idle(self._idle_lock)
        self._idle.returned = self._fast.returned = self._return_untouched
        self._refreshing = False  # a thread replaces worn workers (``_refresh_worn``)
        # per lane, a fresh fork waiting for a worn worker to come back, which it then replaces
        self._standby: dict[str, _Worker] = {}
        self._job_slots = threading.BoundedSemaphore(max(1, self.options.job_slots))
        self.isolation: list[str] = []  # the network layers the zygote applied (plankg.store.isolation)
        self._spare: _Worker | None = None  # a job worker forked ahead of the next job
        self._zygote: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._generation = 0  # a new one each time the zygote loads a snapshot: older workers go
        # changes the zygote took in place in this generation, counted; the last few kept for the
        # workers that were busy while they came
        self._version = 0
        self._changes: collections.deque[tuple[int, str]] = collections.deque(maxlen=CHANGE_LOG)
        self._live: set[int] = set()  # pids of workers not yet killed or retired
        self._closed = False

    # -- life cycle
    def launch(self) -> None:
        """Start the zygote's interpreter, which takes a while, before there is a snapshot to send."""
        with self._control_lock:
            if self._zygote is None:
                self._spawn_zygote()

    def start(self, snapshot: bytes | None = None, meanwhile: Callable[[], None] | None = None, ready: Callable[[], None] | None = None) -> None:
        """Load the zygote (``snapshot``, else a fresh one) and fork the workers.

        ``meanwhile`` runs while the zygote parses the snapshot. With ``ready`` and a
        checkpoint of the disk, the first workers answer from the checkpoint on disk
        (each opens it read-only, in milliseconds) while the zygote copies it into
        memory; ``ready`` is called once they can answer, and the workers holding the
        copy in memory replace them once it is made (the disk answers 2-8x slower).
        """
        with self._control_lock:
            if self._zygote is None:
                self._spawn_zygote()
            checkpoint = self._checkpoint() if ready is not None and snapshot is None and self._checkpoint is not None else None
            if checkpoint is None or ready is None:
                self._load_zygote(snapshot, meanwhile)
                self._fork_all()
                self._warm()
                return
            self.isolation = self._call(("disk", checkpoint, self.prefixes)) or []
            self._fork_all()
            ready()
            # the warm-up before the copy, not after the forks: what it allocates after a fork lands in
            # free chunks all over the copy's heap, and each page it writes there is copied (COW) from
            # the workers' (bench/results/memory-1m.md)
            self._warm()
            try:
                # the generation moves on after the copy: a worker given back meanwhile (on the event
                # loop) goes back to the idle ones, never waits for the zygote to fork its successor
                self._call_releasing(("copy", checkpoint, self.prefixes))
            except (OSError, EOFError) as exc:
                if self._closed:
                    return
                log.warning("the query workers' zygote could not copy the store's checkpoint (%s); starting it again", exc)
                self._restart_zygote()
            if self._closed:
                return
            self._generation += 1
            self._renew_workers()

    def _fork_all(self) -> None:
        for _ in range(self.count):
            self._idle.put(self._fork())
        for _ in range(self.options.fast_lane):
            self._fast.put(self._fork("fast"))

    def reload(self) -> None:
        """The data changed: reload the zygote, replace every worker."""
        with self._control_lock:
            if self._closed:
                return
            self._generation += 1
            try:
                self._load_zygote()
            except (OSError, EOFError):
                self._restart_zygote()
            self._renew_workers()

    def apply(self, update: str) -> None:
        """The data changed by ``update`` (a SPARQL Update the server's store took).

        The zygote takes the same; should it refuse, it reloads the whole snapshot, so it
        never holds other data than the server. A small change then reaches the idle
        workers (and the job worker forked ahead) in place, each running the same update
        at once; a busy worker takes it when it comes back, before any other query. A
        large change, or a worker that refuses it, means fresh forks. Either way, once
        this returns no query can reach a worker without the change.
        """
        with self._span("apply", chars=len(update)) as span:
            self._apply(update, span)

    def _apply(self, update: str, span: dict[str, Any]) -> None:
        with self._control_lock:
            span["locked"] = time.monotonic()
            if self._closed:
                return
            try:
                self._call(("update", update))
            except (OSError, EOFError):
                log.warning("the query workers' zygote did not take a change; reloading it")
                self._generation += 1
                try:
                    self._load_zygote()
                except (OSError, EOFError):
                    self._restart_zygote()
                self._renew_workers()
                return
            if len(update) > IN_PLACE_CHARS:
                with self._idle_lock:
                    self._version += 1
                    self._changes.append((self._version, update))
                self._generation += 1
                self._renew_workers()
                return
            worn = self._pass_on(update)
        if worn and not self._closed:
            for lane, idle in (("regular", self._idle), ("fast", self._fast)):
                if any(w.worn > IN_PLACE_CHARS for w in idle.idle_workers()):
                    self._start_refresh(lane)

    def _pass_on(self, update: str) -> bool:
        """The zygote's latest change (under ``_control_lock``) to every idle worker, sent without
        waiting for them (they stay idle: the next query to each is read after it), and to the spare
        job worker, waited for; True when a worker has now taken enough in place to be replaced.

        The idle workers are held only while the change is written to their sockets: before, every
        idle worker was taken out until all had run the update, and cheap queries queued meanwhile.
        """
        lost: list[_Worker] = []
        gone: list[_Worker] = []
        with self._idle_lock:
            # the new version and the sends in one step: a worker given back meanwhile either is
            # idle here and gets the change, or sees the new version and takes it on its way back
            self._version += 1
            self._changes.append((self._version, update))
            for idle in (self._idle, self._fast):
                for worker in idle.take_all_idle():
                    if self._send_quietly(worker, [update]):
                        idle.put(worker)
                    else:
                        lost.append(worker)
            for lane, standby in list(self._standby.items()):
                if not self._send_quietly(standby, [update]):
                    del self._standby[lane]
                    gone.append(standby)  # not replaced: the next worn worker starts another
            worn = any(w.worn > IN_PLACE_CHARS for idle in (self._idle, self._fast) for w in idle.idle_workers())
        for standby in gone:  # the zygote is asked off the idle lock (a kill can restart it)
            self._kill(standby)
        for worker in lost:  # dead while idle: a fresh fork in its place (off the idle lock)
            log.warning("query worker %s was gone when a change came; replacing it", worker.pid)
            self._kill(worker)
            self._lane(worker).put(self._fork(worker.lane))
        spare, self._spare = self._spare, None
        if spare is not None and spare in self._send_changes([spare], [update]):
            spare.version = self._version
            spare.worn += len(update)
            self._spare = spare  # a spare that refused is refilled after the next job
        return worn

    def _send_quietly(self, worker: _Worker, updates: list[str]) -> bool:
        """``updates`` written to an idle worker's socket (``DataChange.ack`` False), under the idle
        lock (and on the event loop); False when the socket is gone (the worker died) or full.

        Never waits: a worker alive but not reading (still running earlier changes) held the idle
        lock, and so every query and the event loop, until it read. A full socket means a stream
        cut mid-frame: it is closed, and the worker replaced as a dead one."""
        payload = b"".join(_frame(DataChange(update, ack=False)) for update in updates)
        try:
            worker.sock.settimeout(None)  # with a timeout, send() would wait for room first
            sent = worker.sock.send(payload, socket.MSG_DONTWAIT)
        except BlockingIOError:
            sent = 0
        except OSError:
            return False
        if sent < len(payload):
            worker.sock.close()
            return False
        worker.version = self._version
        worker.worn += sum(len(u) for u in updates)
        worker.unacked = True
        return True

    def _send_changes(self, workers: list[_Worker], updates: list[str]) -> set[_Worker]:
        """Send ``updates`` to ``workers`` (idle, held by the caller) and wait for them all; the ones
        that took every one. A worker that refused or did not answer in time is killed."""
        with self._span("changes", workers=len(workers), updates=len(updates)):
            return self._send_changes_now(workers, updates)

    def _send_changes_now(self, workers: list[_Worker], updates: list[str]) -> set[_Worker]:
        sent: list[_Worker] = []
        for worker in workers:
            try:
                worker.sock.settimeout(None)
                for update in updates:
                    _send(worker.sock, DataChange(update))
                sent.append(worker)
            except OSError:
                self._kill(worker)
        deadline = time.monotonic() + CHANGE_TIMEOUT_S
        took: set[_Worker] = set()
        for worker in sent:
            try:
                if all(_recv(worker.sock, deadline) == ("ok",) for _ in updates):
                    took.add(worker)
                    continue
            except (OSError, EOFError, TimeoutError, pickle.UnpicklingError):
                pass
            log.warning("query worker %s did not take a change; replacing it", worker.pid)
            self._kill(worker)
        return took

    def _current(self, worker: _Worker) -> bool:
        """The worker holds the data as the zygote does now."""
        return worker.generation == self._generation and worker.version == self._version

    def _start_refresh(self, lane: str, standby: bool = False) -> None:
        """``_refresh_worn`` in a thread, unless one runs already."""
        with self._idle_lock:
            if self._refreshing or self._closed or (standby and lane in self._standby):
                return
            self._refreshing = True
        threading.Thread(target=self._refresh_worn, args=(lane, standby), name="plankg-worker-refresh", daemon=True).start()

    def _refresh_worn(self, lane: str, standby: bool = False) -> None:
        """A fresh fork for a worn worker of ``lane`` (one that took enough changes in place).

        The fork comes first, the worn worker goes after: it keeps answering while its successor
        is forked (on a busy machine a fork can take long, and a lane short of a worker meanwhile
        made its queries queue). An idle worn worker is swapped for the fork at once. With
        ``standby`` (a worn worker was given back, and may be busy again already: under load a
        worker given back goes straight to a waiting query and is never idle), when no idle one
        was swapped the fork waits as the lane's standby, and takes the place of the next worn
        worker given back.
        """
        idle = self._fast if lane == "fast" else self._idle
        swapped = False
        try:
            while True:  # one fork per idle worn worker
                with self._control_lock:
                    if self._closed:
                        return
                    with self._idle_lock:
                        if not any(w.worn > IN_PLACE_CHARS for w in idle.idle_workers()) and (swapped or not standby or lane in self._standby):
                            return
                    try:
                        with self._span("refresh_worn", lane=lane):
                            fresh = self._fork(lane)
                    except (OSError, EOFError):
                        log.warning("a worn query worker could not be replaced")
                        return
                    with self._idle_lock:
                        # under both locks: no change comes between the fork and the swap
                        worn = idle.take_idle(lambda w: w.worn > IN_PLACE_CHARS)
                        if worn is not None:
                            idle.put(fresh)
                            goes = worn
                            swapped = True
                        elif standby and lane not in self._standby:
                            self._standby[lane] = fresh
                            goes = None
                        else:
                            goes = fresh
                    if goes is not None:
                        self._retire(goes)
                    if worn is None:
                        return
        finally:
            with self._idle_lock:
                self._refreshing = False

    def _renew_workers(self) -> None:
        """After the zygote's data changed (under the lock): idle workers go, new ones are forked."""
        with self._idle_lock:
            standbys, self._standby = list(self._standby.values()), {}
        for worker in standbys:
            self._retire(worker)
        for lane, idle, count in (("regular", self._idle, self.count), ("fast", self._fast, self.options.fast_lane)):
            for worker in idle.drain():
                self._retire(worker)
            # busy workers of the old generation are replaced when they come back
            for _ in range(count - idle.busy):
                idle.put(self._fork(lane))

    def close(self) -> None:
        with self._control_lock:
            if self._closed:
                return
            self._closed = True
            if self._spare is not None:
                self._spare.sock.close()
                self._spare = None
            with self._idle_lock:  # a worker given back on the loop may take its standby meanwhile
                standbys, self._standby = list(self._standby.values()), {}
            for standby in standbys:
                standby.sock.close()
            self._live.clear()
            for idle in (self._idle, self._fast):
                for worker in idle.drain():
                    worker.sock.close()
                idle.wake_all()
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

    def _zygote_gone(self) -> bool:
        zygote = self._zygote
        return zygote is None or zygote.poll() is not None

    def processes(self) -> tuple[int | None, list[int]]:
        """(zygote pid, worker pids): for diagnostics and tests."""
        with self._control_lock:
            return (self._zygote.pid if self._zygote else None), sorted(self._live)

    # -- queries
    def query(self, sparql: str, request: dict, timeout_s: float | None) -> QueryResponse:
        for attempt in (1, 2):
            worker = self._borrow(timeout_s)
            try:
                worker.sock.settimeout(None)
                _send(worker.sock, (sparql, request))
            except OSError:
                self._lost_idle(worker, attempt)
                continue
            try:
                deadline = time.monotonic() + timeout_s if timeout_s else None
                reply = _recv(worker.sock, deadline)
                worker.unacked = False
                break
            except ConnectionResetError:
                # reset, not EOF: the worker died with our request unread
                self._lost_idle(worker, attempt)
            except TimeoutError:
                self._replace(worker)
                raise self._timeout(timeout_s) from None
            except (OSError, EOFError):
                if worker.unacked:  # it ended at a change sent ahead, not at the query
                    self._lost_idle(worker, attempt)
                    continue
                zygote_gone = self._zygote_gone()
                log.exception("query worker %s stopped during a query", worker.pid)
                self._replace(worker)
                if attempt == 1 and zygote_gone:
                    continue  # it died with its zygote, not of this query: once more on a new worker
                raise self._crashed() from None
        self._give_back(worker)
        return _unpack(reply)

    async def query_async(
        self, sparql: str, request: dict, timeout_s: float | None, *, fast_lane: bool = False
    ) -> QueryResponse:
        """``query`` for the event loop: waits on the worker's socket, not in a thread.

        ``fast_lane``: the client may use the fast lane when every regular worker
        is busy; there the query gets the lane's short deadline.
        """
        traced = self._traced_query()
        if traced is not None:
            request = {**request, tracing.WORKER_TIMES: True}
        for attempt in (1, 2):
            worker = None
            if fast_lane and self.options.fast_lane and not self._closed:
                worker = await self._either_lane(timeout_s, traced)
                if worker is not None and worker.lane == "fast":
                    timeout_s = min(timeout_s or self.options.fast_lane_timeout_s, self.options.fast_lane_timeout_s)
            if worker is None:
                worker = await self._aborrow(timeout_s)
            if traced is not None:
                traced.update(q_worker=time.monotonic(), lane=worker.lane, pid=worker.pid, attempt=attempt)
            try:
                await _asend(worker.sock, (sparql, request))
            except OSError:
                await _surely_in_thread(self._lost_idle, worker, attempt)
                continue
            demote = (
                asyncio.get_running_loop().call_later(self.options.demote_after_s, self._demote, worker)
                if self.options.demote_after_s is not None else None
            )
            try:
                reply = await _areply(worker.sock, timeout_s)
                break
            except ConnectionResetError:
                # reset, not EOF: the worker died with our request unread
                await _surely_in_thread(self._lost_idle, worker, attempt)
            except TimeoutError:
                if traced is not None:
                    traced["q_timeout"] = time.monotonic()
                await _surely_in_thread(self._replace, worker)
                if worker.lane == "fast":
                    raise errors.QueryTimeout(
                        f"Every query worker was busy, so the query ran in the fast lane, which stops queries after "
                        f"{timeout_s:g} s. Try again in a few seconds: it will wait for a regular worker."
                    ) from None
                raise self._timeout(timeout_s) from None
            except (OSError, EOFError):
                if worker.unacked:  # it ended at a change sent ahead (it could not take it), not at the query
                    await _surely_in_thread(self._lost_idle, worker, attempt)
                    continue
                zygote_gone = self._zygote_gone()
                log.exception("query worker %s stopped during a query", worker.pid)
                await _surely_in_thread(self._replace, worker)
                if attempt == 1 and zygote_gone:
                    continue  # it died with its zygote, not of this query: once more on a new worker
                raise self._crashed() from None
            except BaseException:
                # cancelled half-way: the worker's state is unknown, so it goes, killed and replaced
                # in a thread: the event loop does not wait for the zygote (a fork can take long)
                self._replace_later(worker)
                raise
            finally:
                if demote is not None:
                    demote.cancel()
        else:  # a second attempt ends in a reply or an exception; this says so to the type checker
            raise self._crashed()
        worker.unacked = False  # the changes sent ahead were read before the query
        if traced is not None:
            traced["q_reply"] = time.monotonic()
            if reply[0] == "ok" and len(reply) == 3:
                traced["w_recv"], traced["w_done"], traced["w_cpu"] = reply[2]
        worker.sock.setblocking(True)
        if not self._give_back_at_once(worker):
            self._give_back_later(worker)
        return _unpack(reply)

    def _traced_query(self) -> dict[str, Any] | None:
        """The trace record this query's times go in (its HTTP request's), or None: not traced."""
        trace = self.options.trace
        if trace is None:
            return None
        record = tracing.current.get()
        if record is None:
            record = {}
            trace.note("query", record=record)
        record["q_in"] = time.monotonic()
        return record

    def _span(self, what: str, **fields: Any) -> AbstractContextManager[dict[str, Any]]:
        trace = self.options.trace
        return nullcontext({}) if trace is None else trace.span(what, **fields)

    # -- sandboxed jobs
    async def run_job(self, target: str, args: tuple, timeout_s: float) -> Any:  # what ``target`` returns
        """``target(store, prefixes, *args)`` in a worker forked for it, then killed.

        ``target`` is ``"module:function"``, named by the server's own code, never by
        a client. The worker has the data as it is now (``store``, an in-memory
        pyoxigraph store: a job may change it, nobody else sees that), the memory
        ceiling and stack of ``WorkerOptions`` and no network. Raises the job's own
        domain errors, ``WorkTimeout`` past ``timeout_s``, ``ResourceLimitExceeded``
        when the worker died (an overflowed stack, an allocation past the ceiling),
        ``StoreUnavailable`` when every job slot stays taken. Cancelling the caller
        kills the worker.
        """
        if self._closed:
            raise errors.StoreUnavailable("The store is shutting down.")
        await self._job_slot(timeout_s)
        try:
            with self._span("job", target=target) as span:
                return await self._run_job(target, args, timeout_s, span)
        finally:
            self._job_slots.release()

    async def _run_job(self, target: str, args: tuple, timeout_s: float, span: dict[str, Any]) -> Any:
        spare = self._spare_job()
        span["spare"] = spare is not None
        worker = spare if spare is not None else await _surely_in_thread(self._fork_job)
        answered = False
        try:
            limits = {
                "memory": self.options.job_memory_bytes,
                "stack": self.options.job_stack_bytes,
                "cpu_s": int(timeout_s) + 2,
                "deny_network": self.options.allow_network,  # else the zygote took it already
                "nice": self.options.job_nice,
            }
            try:
                await _asend(worker.sock, (JOB, target, args, limits))
                reply = await _areply(worker.sock, timeout_s)
                answered = True
            except TimeoutError:
                raise errors.WorkTimeout(
                    f"The work ran longer than {timeout_s:g} s and was stopped; nothing was changed. "
                    "Send less data, or simpler shapes (a regular expression that backtracks, a SPARQL "
                    "constraint or update that joins everything with everything)."
                ) from None
            except (OSError, EOFError):
                raise errors.ResourceLimitExceeded(
                    "Processing this input went past the service's limits (memory "
                    f"{self.options.job_memory_bytes >> 20} MB, or a structure nested too deeply for the "
                    "parser) and was stopped; nothing was changed."
                ) from None
        finally:
            if answered:
                self._retire(worker)  # it exits by itself after its answer; the zygote reaps it
            else:
                await _surely_in_thread(self._end_job, worker)
            if not self._closed:
                threading.Thread(target=self._refill_spare_job, name="plankg-spare-job", daemon=True).start()
        if reply[0] == "crash":
            log.error("sandboxed job %s failed: %s", target, reply[1])
            raise errors.BadRequest("The input could not be processed, so it was refused; nothing was changed.")
        return _unpack_job(reply)

    async def _job_slot(self, timeout_s: float) -> None:
        """A place among the jobs that run at once; waited for on the loop, never in a thread."""
        if self._job_slots.acquire(blocking=False):
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if self._job_slots.acquire(blocking=False):
                return
        raise errors.StoreUnavailable("Every sandbox worker is busy with other uploads or writes; try again in a few seconds.")

    def _fork_job(self) -> _Worker:
        with self._control_lock:  # one conversation with the zygote at a time
            return self._fork("job")

    def _spare_job(self) -> _Worker | None:
        """The worker forked ahead for the next job, if it holds the data as it is now."""
        if not self._control_lock.acquire(blocking=False):
            return None  # a reload or fork is under way: fork our own, in a thread
        try:
            spare, self._spare = self._spare, None
            if spare is not None and not self._current(spare):
                self._retire(spare)
                return None
            return spare
        finally:
            self._control_lock.release()

    def _refill_spare_job(self) -> None:
        """Fork the next job's worker now, off the request's path (the fork is most of a small job's cost)."""
        with self._control_lock:
            if self._closed or (self._spare is not None and self._current(self._spare)):
                return
            if self._spare is not None:
                self._retire(self._spare)
            try:
                self._spare = self._fork("job")
            except (OSError, EOFError):
                self._spare = None

    def _end_job(self, worker: _Worker) -> None:
        with self._control_lock:
            self._kill(worker)

    async def _either_lane(self, timeout_s: float | None, traced: dict[str, Any] | None = None) -> _Worker | None:
        """A regular worker if one is idle, else a fast-lane one, whichever frees first.

        Queued for in both lanes at once, first come first served: the first worker either
        lane frees goes to the caller that has waited longest. (Looking again every few
        milliseconds instead served whoever looked at the right moment: under 16 readers,
        one could wait a second while others were served ten times.) A fast-lane worker is
        busy for at most the lane's short deadline, so the wait is short even while every
        regular worker runs a long query. None: the pool closed. A lock held by another
        thread (a worker being forked) is a reason to look again shortly.
        """
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + (timeout_s or self.options.fast_lane_timeout_s)
        while not self._closed:
            waiter = loop.create_future()
            worker, queued = self._take_or_queue(loop, waiter)
            if worker is not None:
                return worker
            if not queued:
                if traced is not None:
                    traced["lock_misses"] = traced.get("lock_misses", 0) + 1
                if time.monotonic() >= deadline:
                    break
                await asyncio.sleep(0.005)
                continue
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    return await waiter
            except TimeoutError:
                worker = self._leave_queues(waiter)
                if worker is not None:
                    return worker
                break
            except BaseException:
                worker = self._leave_queues(waiter)
                if worker is not None:
                    self._lane(worker).give_back_untouched(worker)
                raise
            finally:
                self._forget_served(waiter)
        if self._closed:
            return None
        raise errors.StoreUnavailable("Every query worker is busy with a long query; try again in a few seconds.")

    def _take_or_queue(self, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future) -> tuple[_Worker | None, bool]:
        """(an idle worker of either lane, regular first; or None and whether ``waiter`` now waits
        in both lanes' queues). Never waits for the lock: (None, False) when it is held."""
        if not self._idle_lock.acquire(blocking=False):
            return None, False
        try:
            for idle in (self._idle, self._fast):
                if idle._items:
                    idle.busy += 1
                    return idle._items.pop(), False
            if self._closed:
                return None, False
            self._idle._waiters.append((loop, waiter))
            self._fast._waiters.append((loop, waiter))
            return None, True
        finally:
            self._idle_lock.release()

    def _forget_served(self, waiter: asyncio.Future) -> None:
        """A served waiter out of the other lane's queue, if the lock is free now (the event loop does
        not wait for it); else it stays there, done, and the lane's next ``put`` passes it by."""
        if not waiter.done() or not self._idle_lock.acquire(blocking=False):
            return
        try:
            for idle in (self._idle, self._fast):
                for entry in [w for w in idle._waiters if w[1] is waiter]:
                    idle._waiters.remove(entry)
        finally:
            self._idle_lock.release()

    def _leave_queues(self, waiter: asyncio.Future) -> _Worker | None:
        """Take ``waiter`` out of both queues; a worker handed to it meanwhile is returned."""
        with self._idle_lock:
            for idle in (self._idle, self._fast):
                for entry in [w for w in idle._waiters if w[1] is waiter]:
                    idle._waiters.remove(entry)
            if waiter.done() and not waiter.cancelled():
                return waiter.result()
            waiter.cancel()
            return None

    async def _aborrow(self, timeout_s: float | None) -> _Worker:
        worker = None if self._closed else await self._idle.take_async(timeout_s or None, lambda: self._closed)
        return self._taken(worker)

    def _lost_idle(self, worker: _Worker, attempt: int) -> None:
        """The worker died while idle, so the query never reached it: try another once."""
        log.warning("query worker %s was gone before a query; replacing it", worker.pid)
        self._replace(worker)
        if attempt > 1:
            raise self._crashed()

    @staticmethod
    def _timeout(timeout_s: float | None) -> errors.QueryTimeout:
        return errors.QueryTimeout(
            f"The query ran longer than {timeout_s:g} s and was stopped. Narrow it down (fewer "
            "patterns without shared variables, a LIMIT, more specific terms) and try again."
        )

    @staticmethod
    def _crashed() -> errors.StoreUnavailable:
        return errors.StoreUnavailable("The query worker stopped unexpectedly; it has been replaced. Try again.")

    def _borrow(self, timeout_s: float | None) -> _Worker:
        return self._taken(self._idle.take(timeout_s or None, lambda: self._closed))

    def _taken(self, worker: _Worker | None) -> _Worker:
        """What a wait for an idle worker gave: the worker, or why there is none."""
        if self._closed:
            if worker is not None:
                self._give_back(worker)
            raise errors.StoreUnavailable("The store is shutting down.")
        if worker is None:
            raise errors.StoreUnavailable(
                "Every query worker is busy with a long query; try again in a few seconds."
            )
        return worker

    def _lane(self, worker: _Worker) -> _Idle:
        return self._fast if worker.lane == "fast" else self._idle

    def _give_back(self, worker: _Worker) -> None:
        """A worker back from a query: idle again, after the changes that came meanwhile (or
        replaced by a fresh fork: of an older generation, worn, or refusing them)."""
        with self._control_lock:
            idle = self._lane(worker)
            with self._idle_lock:
                idle.busy -= 1
            if self._closed:
                worker.sock.close()
                return
            if worker.demoted:
                try:
                    os.setpriority(os.PRIO_PROCESS, worker.pid, 0)
                    worker.demoted = False
                except OSError:  # not allowed to raise a priority again: a fresh fork instead
                    self._retire(worker)
                    idle.put(self._fork(worker.lane))
                    return
            if worker.generation == self._generation and worker.version != self._version:
                missing = [update for version, update in self._changes if version > worker.version]
                if len(missing) == self._version - worker.version:  # else the log no longer reaches back
                    if worker not in self._send_changes([worker], missing):  # it was killed
                        idle.put(self._fork(worker.lane))
                        return
                    worker.version = self._version
                    worker.worn += sum(len(u) for u in missing)
            if self._current(worker) and worker.worn <= IN_PLACE_CHARS:
                idle.put(worker)
            else:
                self._retire(worker)
                idle.put(self._fork(worker.lane))

    def _demote(self, worker: _Worker) -> None:
        """A long query's worker yields the CPU to the others' (nice); its priority is restored,
        or it is replaced, when it comes back."""
        if worker.pid not in self._live:
            return  # killed meanwhile (its pid may be another process's soon)
        try:
            os.setpriority(os.PRIO_PROCESS, worker.pid, self.options.demoted_nice)
            worker.demoted = True
        except OSError:  # gone meanwhile: the query's own path sees that
            pass

    def _give_back_at_once(self, worker: _Worker) -> bool:
        """``_give_back`` for the event loop when it needs no wait for a process: the worker is of the
        current generation, and the changes it missed, if any, are still in the log (they are written
        to its socket, not waited for: the next query is read after them). False: call
        ``_give_back`` in a thread instead (a fresh fork, a priority to restore)."""
        # held by others for list operations and small sends only: waiting a moment beats a thread
        if not self._idle_lock.acquire(timeout=0.05):
            return False
        try:
            if self._closed or worker.generation != self._generation or worker.demoted:
                return False
            if worker.version != self._version:
                missing = [update for version, update in self._changes if version > worker.version]
                if len(missing) != self._version - worker.version:
                    return False  # the log no longer reaches back: a fresh fork
                if not self._send_quietly(worker, missing):
                    return False  # gone: replaced in the thread
            idle = self._lane(worker)
            retired = None
            if worker.worn > IN_PLACE_CHARS:
                fresh = self._standby.pop(worker.lane, None)
                if fresh is not None and self._current(fresh):
                    retired, worker = worker, fresh  # the standby forked for it takes its place
                elif fresh is not None:
                    retired = fresh  # behind (it never is: changes reach it as the idle ones)
            idle.busy -= 1
            idle.put(worker)
            worn = worker.worn > IN_PLACE_CHARS
        finally:
            self._idle_lock.release()
        if retired is not None:
            self._retire(retired)
        if worn:  # it goes on answering until a fresh fork takes its place
            self._start_refresh(worker.lane, standby=True)
        return True

    def _return_untouched(self, worker: _Worker) -> None:
        """A worker taken but never sent a query (its caller gave up): given back as any other."""
        if not self._give_back_at_once(worker):
            self._give_back_later(worker)

    def _give_back_later(self, worker: _Worker) -> None:
        """Off the event loop and off the caller's answer: the worker takes the changes it missed
        (or is replaced) in a thread of its own."""
        def run() -> None:
            try:
                with self._span("catch_up", lane=worker.lane, behind=self._version - worker.version, demoted=worker.demoted):
                    self._give_back(worker)
            except (OSError, EOFError):  # the fork failed too: the next query's own path restarts the zygote
                log.exception("query worker %s could not be given back", worker.pid)

        threading.Thread(target=run, name="plankg-worker-catch-up", daemon=True).start()

    def _replace_later(self, worker: _Worker) -> None:
        """``_replace`` in a thread of its own; the caller does not wait (it is being cancelled)."""
        def run() -> None:
            try:
                self._replace(worker)
            except (OSError, EOFError):  # the fork failed too: the next query's own path restarts the zygote
                log.exception("query worker %s could not be replaced", worker.pid)

        threading.Thread(target=run, name="plankg-worker-replace", daemon=True).start()

    def _replace(self, worker: _Worker) -> None:
        with self._span("replace", lane=worker.lane), self._control_lock:
            idle = self._lane(worker)
            with self._idle_lock:
                idle.busy -= 1
            self._kill(worker)
            if not self._closed:
                idle.put(self._fork(worker.lane))

    # -- zygote conversation (all under _control_lock)

    def _start_zygote(self) -> None:
        self._spawn_zygote()
        self._warm()  # before the data and the forks, as at start
        self._load_zygote()

    def _spawn_zygote(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._zygote = subprocess.Popen(
                [sys.executable, "-c", _ZYGOTE_BOOT, _json_path(), str(theirs.fileno()), "1" if self.options.allow_network else "0", self.answer],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in a terminal reaches the server only
                close_fds=True,
            )
        finally:
            theirs.close()
        self._control = ours

    def _load_zygote(self, snapshot: bytes | None = None, meanwhile: Callable[[], None] | None = None) -> None:
        checkpoint = self._checkpoint() if snapshot is None and self._checkpoint is not None else None
        reply = None
        if checkpoint is not None:
            # the zygote reads the data itself: no dump of the store, no copy of it through the socket
            try:
                reply = self._call(("copy", checkpoint, self.prefixes), meanwhile=meanwhile)
                meanwhile = None
            except _Refused as exc:
                log.warning("the query workers' zygote could not copy the store's checkpoint (%s); it loads a dump", exc)
        if reply is None:
            reply = self._call(("load", self._snapshot() if snapshot is None else snapshot, self.prefixes), meanwhile=meanwhile)
        self.isolation = reply or []
        if not self.options.allow_network and not self.isolation:
            log.warning("query workers could not be cut off from the network (no namespace, no seccomp): only the query text guards stand")

    def _warm(self) -> None:
        """Have a new zygote run ``options.warm``: jobs forked from it start warm.

        Sent without waiting for an answer (it sends none): the first queries need none of what
        the warm-up makes (it readies the sandbox's jobs), so they need not wait for it. At start it
        goes after the first (disk) workers' forks and before the copy of the data and the forks
        that hold it, so the zygote writes nothing into pages it shares with them. A kill, fork or
        job asked meanwhile waits behind it, once, at start.
        """
        if self.options.warm is None or self._control is None:
            return
        self._zygote_free.wait_for(lambda: not self._zygote_busy)
        try:
            _send(self._control, ("warm", *self.options.warm))
        except OSError as exc:  # jobs still run, only slower to start
            log.warning("the sandbox could not be warmed: %s", exc)

    def _restart_zygote(self) -> None:
        log.warning("query worker zygote is gone; starting a new one")
        if self._control is not None:
            self._control.close()
        if self._zygote is not None:
            self._zygote.kill()
            self._zygote.wait()
        self._generation += 1  # its workers died with it
        self._live.clear()
        self._start_zygote()

    def _call(self, message: tuple, fd: int | None = None, meanwhile: Callable[[], None] | None = None) -> Message:
        with self._span("zygote", command=message[0]):
            return self._call_now(message, fd, meanwhile)

    def _call_now(self, message: tuple, fd: int | None = None, meanwhile: Callable[[], None] | None = None) -> Message:
        self._zygote_free.wait_for(lambda: not self._zygote_busy)
        if self._control is None:
            raise OSError("no zygote")
        _send(self._control, message)
        if fd is not None:
            socket.send_fds(self._control, [b"F"], [fd])
        if meanwhile is not None:
            meanwhile()
        reply = _recv(self._control)
        if not (isinstance(reply, tuple) and reply and reply[0] == "ok"):
            raise _Refused(f"zygote refused {message[0]!r}: {reply!r}")
        return reply[1] if len(reply) > 1 else None

    def _call_releasing(self, message: tuple) -> Message:
        """``_call`` for a long command (the copy of the data): the lock, which is also the idle
        workers', is released while the zygote works, so queries go on meanwhile. Holds the lock once."""
        self._zygote_free.wait_for(lambda: not self._zygote_busy)
        if self._control is None:
            raise OSError("no zygote")
        _send(self._control, message)
        self._zygote_busy = True
        self._control_lock.release()
        try:
            reply = _recv(self._control)
        finally:
            self._control_lock.acquire()
            self._zygote_busy = False
            self._zygote_free.notify_all()
        if not (isinstance(reply, tuple) and reply and reply[0] == "ok"):
            raise _Refused(f"zygote refused {message[0]!r}: {reply!r}")
        return reply[1] if len(reply) > 1 else None

    def _fork(self, lane: str = "regular") -> _Worker:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                pid = self._call(("fork",), theirs.fileno())
            except (OSError, EOFError):
                self._restart_zygote()
                pid = self._call(("fork",), theirs.fileno())
        finally:
            theirs.close()
        self._live.add(int(pid))
        return _Worker(int(pid), ours, self._generation, lane, version=self._version)

    def _kill(self, worker: _Worker) -> None:
        worker.sock.close()
        self._live.discard(worker.pid)
        if self._closed:
            return  # the zygote killed every worker on quit
        try:
            self._call(("kill", worker.pid))
        except (OSError, EOFError):
            self._restart_zygote()

    def _retire(self, worker: _Worker) -> None:
        # closing its socket ends an idle worker's loop; the zygote reaps it
        worker.sock.close()
        self._live.discard(worker.pid)


class _Refused(OSError):
    """The zygote answered, and said no."""


def _json_path() -> str:
    import json

    return json.dumps([p for p in sys.path if p])


def _unpack(reply: Message) -> QueryResponse:
    return QueryResponse(*_unpack_job(reply))


def _unpack_job(reply: Message) -> Any:
    status, *rest = reply
    if status == "ok":
        return rest[0]
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
def zygote_main(control_fd: int, allow_network: bool = False, answer: str = "") -> None:
    """Hold the data in memory, fork workers on request, reap them; exit when the server goes."""
    isolation: list[str] = []
    if not allow_network:
        from plankg.store.isolation import deny_network

        isolation = deny_network()  # first, while this process has one thread
    import pyoxigraph as ox

    answer_query = None
    if answer:  # imported once here, so workers start warm
        import importlib

        module_name, _, name = answer.partition(":")
        answer_query = getattr(importlib.import_module(module_name), name)

    import gc

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    control = socket.socket(fileno=control_fd)
    store = ox.Store()
    prefixes: dict = {}
    children: set[int] = set()
    disk_path: str | None = None  # a checkpoint the workers answer from until the copy in memory is made
    disk_users: set[int] = set()  # workers that opened it: it is removed once they are gone
    import shutil

    def reap() -> None:
        nonlocal disk_path
        for pid in list(children):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                children.discard(pid)
        disk_users.intersection_update(children)
        if disk_path is not None and not disk_users and not store_on_disk:
            shutil.rmtree(disk_path, ignore_errors=True)
            disk_path = None

    store_on_disk = False  # True from "disk" until "copy": new workers open the checkpoint

    while True:
        # retired workers exit on their own; reap them even when no command comes
        while children and not select.select([control], [], [], 1.0)[0]:
            reap()
        try:
            message = _recv(control)
        except (EOFError, OSError):
            message = ("quit",)
        reap()
        command = message[0]
        if command == "load":
            fresh = ox.Store()
            # lenient (no IRI checks, ~1/3 faster): pyoxigraph wrote these N-Quads from data it had checked.
            # Parsed then added, not Store.load, which renames blank nodes: a write prepared here names
            # the server's blank nodes by their labels, or it removes nothing there
            fresh.bulk_extend(ox.parse(message[1], format=ox.RdfFormat.N_QUADS, lenient=True))
            store, prefixes = fresh, message[2]
            _send(control, ("ok", isolation))
        elif command == "disk":
            # workers forked from now on open this checkpoint read-only (after the fork: RocksDB's
            # threads are not forked) and answer from it, until "copy"
            disk_path, prefixes, store_on_disk = message[1], message[2], True
            _send(control, ("ok", isolation))
        elif command == "copy":
            # a checkpoint of the server's disk store: nobody writes it, so a read-only open is safe.
            # The quads keep the disk's blank-node labels, as the server reads them
            in_use = message[1] == disk_path and bool(disk_users)
            try:
                fresh = _copy_checkpoint(message[1], remove=not in_use)
            except (OSError, RuntimeError, ValueError) as exc:
                store_on_disk = False
                _send(control, ("refused", str(exc)[:200]))
            else:
                store, prefixes, store_on_disk = fresh, message[2], False
                if not in_use:
                    disk_path = None
                _send(control, ("ok", isolation))
        elif command == "update":
            # a write's change, as the server's store took it (DROP / DELETE DATA / INSERT DATA
            # written by the server from checked quads): milliseconds, where a reload reads everything
            try:
                store.update(message[1])
            except (OSError, ValueError, SyntaxError, RuntimeError) as exc:
                _send(control, ("refused", str(exc)[:200]))
            else:
                _send(control, ("ok",))
        elif command == "warm":  # no answer: the server does not wait for it
            try:
                module_name, _, name = message[1].partition(":")
                import importlib

                # on an empty store, as before the data came: what it fills must not depend on the data
                getattr(importlib.import_module(module_name), name)(ox.Store(), {}, *message[2])
            except Exception:  # noqa: BLE001 - jobs still run, only slower to start
                import traceback

                traceback.print_exc()
            # what the warm-up made is kept out of the collector's passes, which would touch
            # (and so copy) every page of it in each forked worker
            gc.freeze()
        elif command == "fork":
            _, fds, _, _ = socket.recv_fds(control, 1, 1)
            # every object made since the warm-up's freeze (a change's, a copy's) out of the
            # collector's passes too: a pass in the worker would write to (and so copy) its pages
            gc.freeze()
            pid = os.fork()
            if pid == 0:
                try:
                    control.close()
                    own = ox.Store.read_only(disk_path) if store_on_disk and disk_path is not None else store
                    _worker_main(socket.socket(fileno=fds[0]), own, prefixes, answer_query)
                finally:
                    os._exit(0)
            os.close(fds[0])
            children.add(pid)
            if store_on_disk:
                disk_users.add(pid)
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
            if disk_path is not None:
                shutil.rmtree(disk_path, ignore_errors=True)
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


def _copy_checkpoint(path: str, remove: bool = True):
    """An in-memory store holding the quads of the on-disk store at ``path`` (a checkpoint), which
    is removed afterwards (``remove``). RocksDB's thread pools stay behind, idle: the workers forked
    later never call into RocksDB, only into the in-memory store.

    Read whole as N-Quads, then parsed: quads added while RocksDB reads left its blocks and
    buffers between the store's own allocations: a larger store for about the same time
    (``bench/results/memory-1m.md``). The dump keeps the disk's blank-node labels, as the
    server reads them, and the parse keeps them (not ``Store.load``, which renames them)."""
    import shutil

    import pyoxigraph as ox

    from plankg.store.heap import give_back_free_pages

    try:
        disk = ox.Store.read_only(path)
        data = disk.dump(format=ox.RdfFormat.N_QUADS) or b""
        del disk
        give_back_free_pages()  # the read-only store's caches, before the store is built
        fresh = ox.Store()
        # lenient (no IRI checks): pyoxigraph wrote these N-Quads from data it had checked
        fresh.bulk_extend(ox.parse(data, format=ox.RdfFormat.N_QUADS, lenient=True))
        del data
        # what was freed lies between live data: every worker forked later would write there
        # (and so copy those pages) as its allocations reuse it
        give_back_free_pages()
    finally:
        if remove:
            shutil.rmtree(path, ignore_errors=True)
    return fresh


def _worker_main(sock: socket.socket, store, prefixes: dict, answer) -> None:
    _die_with_parent()
    while True:
        try:
            message = _recv(sock)
        except (EOFError, OSError):
            return
        if isinstance(message, DataChange):
            try:
                store.update(message.update)
            except (OSError, ValueError, SyntaxError, RuntimeError) as exc:
                # the pool replaces a worker that could not take a change: it never answers again
                if message.ack:
                    try:
                        _send(sock, ("refused", str(exc)[:200]))
                    except OSError:
                        pass
                return
            if not message.ack:
                continue
            try:
                _send(sock, ("ok",))
            except OSError:
                return
            continue
        if len(message) == 4 and message[0] == JOB:
            # one job per worker: it may have changed the store or hit a limit
            try:
                _send(sock, _run_job(store, prefixes, *message[1:]))
            except BaseException:
                pass  # the worker ends after its one job whatever became of it
            return
        sparql, request = message
        times = (time.monotonic(), time.process_time()) if request.pop(tracing.WORKER_TIMES, False) else None
        try:
            result = answer(store, sparql, prefixes=prefixes, **request)
            reply: tuple = ("ok", (result.kind, result.format, result.media_type, result.body, result.rows, result.truncated, result.total))
        except errors.PlanKGError as exc:
            reply = _error_reply(exc)
        except Exception as exc:  # noqa: BLE001 - reported to the server, which logs it
            reply = ("crash", f"{type(exc).__name__}: {exc}")
        if times is not None and reply[0] == "ok":  # traced: when the worker read the query and answered, and its CPU time
            reply = (*reply, (times[0], time.monotonic(), time.process_time() - times[1]))
        try:
            _send(sock, reply)
        except OSError:
            return


def _run_job(store, prefixes: dict, target: str, args: tuple, limits: dict) -> tuple:
    """Run a job under its limits, on a thread with a large stack; the reply to send."""
    import importlib
    import resource

    if limits.get("deny_network"):
        from plankg.store.isolation import deny_network

        deny_network()
    if limits.get("nice"):
        try:
            os.nice(int(limits["nice"]))
        except OSError:
            pass
    module_name, _, name = target.partition(":")
    fn = getattr(importlib.import_module(module_name), name)
    stack = int(limits["stack"])
    # the ceiling counts what the worker maps already (the data) plus the job's stack and budget
    ceiling = _address_space() + stack + int(limits["memory"])
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CPU, (int(limits["cpu_s"]), int(limits["cpu_s"]) + 1))
    outcome: list[tuple] = []

    def run() -> None:
        sys.setrecursionlimit(20_000)
        try:
            outcome.append(("ok", fn(store, prefixes, *args)))
        except errors.PlanKGError as exc:
            outcome.append(_error_reply(exc))
        except RecursionError:
            outcome.append(("error", "InputTooComplex", "The input is nested too deeply to be processed.", {}))
        except MemoryError:
            outcome.append(("error", "ResourceLimitExceeded", "Processing this input needs more memory than the service allows.", {}))
        except Exception as exc:  # noqa: BLE001 - reported to the server, which logs it
            outcome.append(("crash", f"{type(exc).__name__}: {exc}"))

    threading.stack_size(stack)
    thread = threading.Thread(target=run, name="plankg-job")
    thread.start()
    thread.join()
    return outcome[0] if outcome else ("crash", "the job ended without an answer")


def _address_space() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _error_reply(exc: errors.PlanKGError) -> tuple:
    """A domain error as the server's ``_unpack_job`` raises it again: class name, detail, plain attributes."""
    extra = {k: v for k, v in vars(exc).items() if k != "detail" and _plain(v)}
    return ("error", type(exc).__name__, exc.detail, extra)


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
