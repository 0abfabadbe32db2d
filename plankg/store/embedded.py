"""The embedded store: pyoxigraph on disk for durability, in memory for queries.

One copy of the data per role that needs it. The on-disk store (RocksDB) holds
the data and answers the server's own reads (pages, linked data, the write
pipeline's lookups: trusted queries, point lookups mostly). Queries from
clients run in worker processes (``plankg.store.workers``) forked from a zygote
that holds the one in-memory copy: the disk answers the named queries 2–8×
slower (``bench/results/memory-start.md``). The zygote copies the data from a
checkpoint of the disk (``Store.backup``: hard links), not from a dump piped to
it; while it copies, the first workers answer from that checkpoint on disk
(each opens it read-only after its fork), and writes wait until the copy is
made. pyoxigraph cannot interrupt a running query, and a worker can be killed
at the deadline.

A store without a disk (tests, a sandbox's copy: ``EmbeddedStore.over``) holds
its data in memory and answers from there.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from plankg.errors import ParameterError, QuerySyntaxError, QueryTimeout, StoreUnavailable
from plankg.sparqltext import explain_syntax_error, iris_in_dataset_clauses, with_bindings
from plankg.store.base import QueryRequest, Store, Term, pick_format
from plankg.store.heap import give_back_free_pages
from plankg.store.results import (
    GRAPH_FORMATS,
    NATIVE_FORMATS,
    NO_CAP,
    RESULT_FORMATS,
    QueryResponse,
    native_select,
    serialize_ask,
    write_graph,
    write_page,
)

if TYPE_CHECKING:
    from plankg.store.workers import WorkerPool

log = logging.getLogger("plankg.store")


def _syntax_error(exc: SyntaxError, text: str = "", base_iri: str | None = None) -> QuerySyntaxError:
    """The parser's error, with its position, in words that name the fault (``sparqltext.explain_syntax_error``)."""
    message, line, column = explain_syntax_error(str(exc), text, base_iri=base_iri)
    return QuerySyntaxError(message, line=line, column=column)


def run_query(
    mem: ox.Store,
    sparql: str,
    bindings: Mapping[str, Term] | None = None,
    default_graph_uris: list[str] | None = None,
    named_graph_uris: list[str] | None = None,
    base_iri: str | None = None,
):
    """Evaluate with the project's dataset rules; returns pyoxigraph's lazy result.

    The protocol's dataset (default-graph-uri / named-graph-uri) wins over the
    query's FROM clauses; with neither, the default graph is the union of all
    graphs. Named graphs without default graphs mean an empty default graph,
    as FROM NAMED without FROM does in SPARQL.
    """
    kwargs: dict = {"base_iri": base_iri} if base_iri else {}
    if default_graph_uris or named_graph_uris:
        try:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris or []]
            if named_graph_uris:
                kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
        except ValueError as exc:  # e.g. a character IRIs may not hold
            raise ParameterError(f"Not a valid graph IRI: {exc}") from None
    elif not iris_in_dataset_clauses(sparql):
        # pyoxigraph lets the union flag override FROM, so set it only without FROM
        kwargs["use_default_graph_as_union"] = True
    if bindings:
        # The same leading VALUES block as on remote stores (terms written by
        # pyoxigraph, so no value can leave its term): one binding semantics for
        # every store, and pyoxigraph pushes it into UNION branches, where its
        # substitutions are not, which makes the queries with UNIONs much faster.
        sparql = with_bindings(sparql, bindings)
    try:
        return mem.query(sparql, **kwargs)
    except SyntaxError as exc:
        raise _syntax_error(exc, sparql, base_iri) from None
    except RuntimeError as exc:
        # pyoxigraph refuses a binding for a variable the query does not project
        raise ParameterError(f"A value was bound that the query cannot take: {exc}") from None
    except ValueError as exc:
        raise QuerySyntaxError(f"The query could not be evaluated: {exc}") from None


def answer(
    mem: ox.Store,
    sparql: str,
    *,
    formats: Mapping[str, str],
    prefixes: Mapping[str, str],
    bindings: Mapping[str, Term] | None = None,
    default_graph_uris: list[str] | None = None,
    named_graph_uris: list[str] | None = None,
    deadline: float | None = None,
    row_cap: int | None = None,
    max_bytes: int | None = None,
    base_iri: str | None = None,
    offset: int = 0,
    count_total: bool = False,
) -> QueryResponse:
    """Run a query and serialize it: the whole job, in-process or in a worker.

    The answer is cut at ``row_cap`` rows or ``max_bytes`` bytes, whichever comes
    first, between two rows (triples); a cut below ``row_cap`` rows is the byte cap's.
    A SELECT's answer starts at row ``offset`` (a page); ``count_total`` also counts
    every row of the answer, in the same evaluation (``QueryResponse.total``).
    """
    result = run_query(mem, sparql, bindings, default_graph_uris, named_graph_uris, base_iri)
    cap = row_cap or NO_CAP
    size = max_bytes or NO_CAP
    try:
        if isinstance(result, ox.QueryBoolean):
            fmt = pick_format(formats, "ask")
            return QueryResponse("ask", fmt, RESULT_FORMATS[fmt], serialize_ask(bool(result), fmt), 1, False)
        if isinstance(result, ox.QuerySolutions):
            fmt = pick_format(formats, "select")
            if fmt in NATIVE_FORMATS and deadline is None:
                # written by the engine and cut there, without a deadline to check between rows
                # (in a worker, the pool keeps time)
                native = native_select(result, fmt, cap, size, offset=offset, count=count_total)
                if native is not None:
                    return QueryResponse("select", fmt, RESULT_FORMATS[fmt], *native)
                # the head alone past the byte cap, or a value over 16 MiB to read back: ours, row by row
                result = run_query(mem, sparql, bindings, default_graph_uris, named_graph_uris, base_iri)
            variables = [v.value for v in result.variables]
            page = write_page(variables, _deadline(result, deadline), fmt, row_cap=cap, max_bytes=size, offset=offset, count_total=count_total)
            return QueryResponse("select", fmt, RESULT_FORMATS[fmt], *page)
        fmt = pick_format(formats, "graph")
        body, rows, cut = write_graph(_deadline(result, deadline), fmt, dict(prefixes), row_cap=cap, max_bytes=size)
        return QueryResponse("graph", fmt, GRAPH_FORMATS[fmt][0], body, rows, cut)
    except (OSError, RuntimeError) as exc:
        # evaluation errors surface while iterating (e.g. a bad regex, SERVICE ?unbound)
        raise QuerySyntaxError(f"The query could not be evaluated: {exc}") from None


class EmbeddedStore(Store):
    kind = "embedded"

    def __init__(self, path: Path | None, prefixes: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.prefixes = dict(prefixes or {})
        self._disk = open_disk(path) if path is not None else None
        # True after a failed write whose reopen failed too: the next write reopens first
        self._disk_lost = False
        self._ledger_noted: bool | None = None  # read from the ledger on the first write
        # only a store without a disk holds its data in memory; one with a disk reads the disk
        self._replica: ox.Store | None = ox.Store() if path is None else None
        # while a failed write left the disk closed and it cannot be reopened yet: a read-only handle
        self._read_only: ox.Store | None = None
        # lock order: _write_lock, then _replica_lock, then the worker pool's own
        self._replica_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._version = uuid.uuid4().hex[:12]
        self._workers: WorkerPool | None = None  # once started
        self._starting: Future | None = None  # set by the first start_query_workers: done once queries can go
        self._started: Future = Future()  # done once that start has ended (the data copied into the workers)
        self._start_lock = threading.Lock()

    @classmethod
    def over(cls, mem: ox.Store, prefixes: Mapping[str, str] | None = None) -> EmbeddedStore:
        """A store with no disk and no workers over an in-memory pyoxigraph store (a sandbox's copy)."""
        store = cls(None, prefixes)
        store._replica = mem
        return store

    @property
    def _mem(self) -> ox.Store:
        """The store the reads in this process go to: the disk, or the data in memory without one."""
        if self._replica is not None:
            return self._replica
        disk = self._disk
        if disk is not None:
            return disk
        with self._replica_lock:
            # the disk was closed by a failed write and could not be reopened: read what it holds
            # (a read-only open takes no lock and writes nothing; it replays the write-ahead log)
            if self._disk is not None:
                return self._disk
            if self._read_only is None:
                try:
                    self._read_only = ox.Store.read_only(str(self.path))
                except (OSError, RuntimeError) as exc:
                    raise StoreUnavailable(f"The store at {self.path} cannot be read now: {_reason(str(exc))}") from None
            return self._read_only

    # ------------------------------------------------------------ reading
    def query(self, request: QueryRequest) -> QueryResponse:
        pool = self._pool()
        if pool is not None:
            return pool.query(request.sparql, _answer_arguments(request), request.timeout_s)
        # without workers the deadline is only checked between rows
        deadline = time.monotonic() + request.timeout_s if request.timeout_s else None
        return answer(self._mem, request.sparql, prefixes=self.prefixes, deadline=deadline, **_answer_arguments(request))

    async def query_async(self, request: QueryRequest, *, fast_lane: bool = False) -> QueryResponse:
        pool = self._workers
        if pool is None and self._starting is not None:
            import anyio.to_thread

            pool = await anyio.to_thread.run_sync(self._pool)  # a start under way is waited for off the loop
        if pool is None:
            return await super().query_async(request)
        return await pool.query_async(request.sparql, _answer_arguments(request), request.timeout_s, fast_lane=fast_lane)

    def select(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term | None]]:
        result = run_query(self._mem, sparql, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QuerySyntaxError("select() needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names} for row in result]

    @contextmanager
    def large_reads(self) -> Iterator[Callable[[str], Iterator[dict[str, Term | None]]]]:
        """Rows one at a time, from a checkpoint of the disk (hard links) opened read-only for the
        block: RocksDB's caches filled by a read of most of the data go with that handle (the
        server's own handle would keep them), and the heap's free pages go back at the end
        (``bench/results/memory-1m.md``). The checkpoint's files stay whatever the disk compacts
        meanwhile. Without a disk, or when no checkpoint can be made, ``_mem``."""
        checkpoint = self._checkpoint() if self._replica is None else None
        reader: ox.Store | None = None
        if checkpoint is not None:
            try:
                reader = ox.Store.read_only(checkpoint)
            except (OSError, RuntimeError) as exc:
                log.warning("large reads go to the store's own handle: %s", _reason(str(exc)))

        def rows(sparql: str) -> Iterator[dict[str, Term | None]]:
            result = run_query(reader if reader is not None else self._mem, sparql)
            if not isinstance(result, ox.QuerySolutions):
                raise QuerySyntaxError("large_reads() needs SELECT queries")
            names = [v.value for v in result.variables]
            for row in result:
                yield {n: row[n] for n in names}

        try:
            yield rows
        finally:
            reader = None  # the last reference once the rows are read: RocksDB's caches go with it
            if checkpoint is not None:
                shutil.rmtree(checkpoint, ignore_errors=True)
            give_back_free_pages()

    def construct(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        result = run_query(self._mem, sparql, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QuerySyntaxError("construct() needs a CONSTRUCT or DESCRIBE query")
        return list(result)

    def quads(self, graph: str | None = None) -> list[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return list(self._mem.quads_for_pattern(None, None, None, g))

    def holds_graph(self, graph: str) -> bool:
        return next(iter(self._mem.quads_for_pattern(None, None, None, ox.NamedNode(graph))), None) is not None

    def is_empty(self) -> bool:
        return next(iter(self._mem.quads_for_pattern(None, None, None, None)), None) is None

    def __len__(self) -> int:
        return len(self._mem)

    @property
    def version(self) -> str:
        return self._version

    # ------------------------------------------------------------ query workers
    def start_query_workers(self, count: int, *, wait: bool = True, options=None) -> None:
        """Start the worker processes (once); with ``wait=False`` in a thread of their own.

        ``plankg serve`` starts them that way before it imports the web stack, so the
        disk is read and the zygote loads while the app is made. A later call with
        ``wait=True`` (the app's start-up), any query and ``close`` wait for that start
        and raise its error.
        """
        with self._start_lock:
            starting = self._starting
            if starting is None:
                starting = self._starting = Future()
                if wait:
                    self._start_workers(count, starting, options)
                else:
                    threading.Thread(target=self._start_workers, args=(count, starting, options), name="plankg-query-workers", daemon=True).start()
        if wait:
            starting.result()

    def _start_workers(self, count: int, starting: Future, options=None) -> None:
        from plankg.store.workers import WorkerPool

        pool = WorkerPool(
            count, prefixes=self.prefixes, snapshot=self._snapshot, options=options, answer=f"{__name__}:answer",
            checkpoint=self._checkpoint if self.path is not None else None,
        )
        try:
            # under the write lock: a write lands before the workers load (they get its
            # data) or after they are counted in ``_workers`` (they take the change)
            with self._write_lock:

                def ready() -> None:
                    # queries go to the workers answering from the disk's checkpoint; writes wait
                    # (the write lock) until the zygote's copy is made and the workers hold it
                    self._workers = pool
                    starting.set_result(None)

                pool.start(ready=ready if self.path is not None else None)
                self._workers = pool
        except BaseException as exc:
            if starting.done():
                log.exception("the query workers' zygote failed after the first workers answered")
            else:
                pool.close()
                starting.set_exception(exc)
        else:
            if not starting.done():
                starting.set_result(None)
        finally:
            self._started.set_result(None)

    def _pool(self):
        """The worker pool, once a start that is under way has finished; None without workers."""
        pool = self._workers
        if pool is None and self._starting is not None:
            self._starting.result()
            pool = self._workers
        return pool

    @property
    def workers(self):
        """The WorkerPool once started (diagnostics, tests), else None."""
        return self._pool()

    def sandbox(self):
        """The query workers' pool: its jobs see the data as it is (the zygote's copy)."""
        pool = self._pool()
        if pool is None:
            self.start_query_workers(1)
            pool = self._pool()
        return pool

    @property
    def sandbox_has_data(self) -> bool:
        return True

    def _snapshot(self) -> bytes:
        """The data as N-Quads: what a fresh worker zygote loads when there is no checkpoint to copy."""
        return self._mem.dump(format=ox.RdfFormat.N_QUADS) or b""

    def _remove_checkpoints(self) -> None:
        """Checkpoints a zygote did not remove (it was killed while it copied one)."""
        if self.path is None:
            return
        for stale in self.path.parent.glob(f".{self.path.name}.load-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def _checkpoint(self) -> str | None:
        """A checkpoint of the disk (RocksDB's: hard links, milliseconds) for a reader that the disk
        must not change under (the zygote's copy, ``large_reads``); None if none can be made (the
        zygote then loads ``_snapshot``). Its reader removes it."""
        disk = self._disk
        if disk is None or self.path is None:
            return None
        target = self.path.with_name(f".{self.path.name}.load-{uuid.uuid4().hex[:12]}")
        try:
            disk.backup(str(target))
        except (OSError, RuntimeError) as exc:
            log.warning("no checkpoint of the store for the query workers (%s); they load a dump", str(exc).splitlines()[0][:200] if str(exc) else exc)
            shutil.rmtree(target, ignore_errors=True)
            return None
        return str(target)

    def _data_changed(self, update: str | None = None) -> None:
        """Every write ends here (under the write lock): new version, fresh workers.

        ``update``: the SPARQL Update the store took; the workers' zygote
        takes the same (milliseconds), where reloading the whole data took seconds
        at a million quads. Without it, or when the zygote refuses it, it reloads.
        """
        # not self._pool(): a start under way waits for this lock, and loads the new data
        try:
            if self._workers is not None:
                if update is not None:
                    self._workers.apply(update)
                else:
                    self._workers.reload()
        finally:
            # the new version once the workers hold the change, not before: the service caches an
            # answer under the version it read when the request came, and the workers go on
            # answering while a change reaches them (a query given an idle worker before the change
            # did must not be kept as the new version's answer)
            self._version = uuid.uuid4().hex[:12]

    # ------------------------------------------------------------ writing
    def replace_dataset(self, quads: Iterable[ox.Quad]) -> None:
        quads = list(quads)
        with self._write_lock:
            self._resume_disk()
            if self._disk is not None:
                try:
                    self._disk.clear()
                    self._disk.bulk_extend(quads)
                    self._disk.flush()
                except (OSError, RuntimeError) as exc:
                    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                    self._disk = None  # RocksDB refuses all writes after a failed one: reopen before the next
                    self._disk_lost = True
                    raise StoreUnavailable(
                        f"The data could not be written to the store at {self.path} ({reason}); it may hold part of it. "
                        "Run the build again once the cause (a full disk?) is fixed."
                    ) from None
            if self._disk is None:
                fresh = ox.Store()
                fresh.bulk_extend(quads)
                self._replica = fresh
            self._data_changed()

    # ------------------------------------------------------------ steward writes (plankg.writes)
    def quads_matching(self, patterns) -> list[ox.Quad]:
        mem = self._mem
        out: list[ox.Quad] = []
        for s, p, o, g in patterns:
            out.extend(mem.quads_for_pattern(s, p, o, g))
        return out

    def preview_update(self, sparql: str, **dataset) -> tuple[list[ox.Quad], list[ox.Quad]]:
        from plankg.store.changes import preview_update

        return preview_update(self._mem, sparql, _syntax_error, **dataset)

    def apply_changes(self, removed, added, drop_graphs=(), drop_all: bool = False) -> None:
        from plankg.store.changes import commit

        with self._write_lock:
            self._resume_disk()
            if removed or added or drop_graphs or drop_all:
                self._note_in_ledger(restore=drop_all, quads=len(added))
            reopen = self._reopen_disk if self._disk is not None else None
            updates: list[str] = []
            before = self._replica
            trace = self._workers.options.trace if self._workers is not None else None
            try:
                with trace.span("commit", quads=len(added) + len(removed)) if trace is not None else nullcontext():
                    after = commit(self._disk, before, removed, added, drop_graphs, drop_all, reopen=reopen, applied=updates.append)
            except StoreUnavailable as exc:
                if getattr(exc, "unsure", False):  # the disk's state could not be told apart: show what it holds
                    if self._disk is None:
                        self._replica = getattr(exc, "replica", self._replica)
                    self._data_changed()
                raise
            if self._disk is None and after is not None:
                self._replica = after
            if not updates and after is before:
                self._version = uuid.uuid4().hex[:12]  # nothing to change: the workers hold the same data
                return
            # the disk (or the data in memory) took the update: the query side takes the same; else it
            # reloads. Not an update with blank nodes: INSERT DATA mints fresh ones, so the zygote's labels
            # would differ from the disk's, and a write prepared on its copy would name nodes the server
            # lacks (a literal holding "_:" only costs a reload)
            update = updates[0] if updates and after is before and "_:" not in updates[0] else None
            self._data_changed(update)

    def _reopen_disk(self) -> ox.Store:
        """The disk store opened afresh; StoreUnavailable (and the next write tries again) if it cannot be."""
        self._disk = None  # the only other handle: RocksDB's directory lock goes with it
        self._disk_lost = True
        disk = open_disk(self.path)  # type: ignore[arg-type]
        with self._replica_lock:
            self._disk, self._disk_lost, self._read_only = disk, False, None
        return disk

    def _resume_disk(self) -> None:
        """Before a write, after a failed one left the disk closed: reopen it, and reload the workers
        from it (a change whose flush failed is in the disk's log, and replayed by the open)."""
        if not self._disk_lost:
            return
        try:
            self._reopen_disk()
        except StoreUnavailable:
            raise StoreUnavailable(
                "The store's disk still refuses writes (is it full?); nothing was changed. Writes resume by themselves once it has space."
            ) from None
        log.warning("the store at %s is writable again", self.path)
        self._data_changed()

    def _note_in_ledger(self, *, restore: bool, quads: int) -> None:
        """Before the first write (and every restore): the ledger beside the store says it holds writes."""
        if self.path is None:
            return
        from plankg.store import ledger

        if not restore:
            if self._ledger_noted is None:
                self._ledger_noted = ledger.held_writes(self.path)
            if self._ledger_noted:
                return
        try:
            ledger.note(self.path, "restore" if restore else "write", **({"quads": quads} if restore else {}))
        except OSError as exc:
            raise StoreUnavailable(
                f"The change was not saved: the store's ledger ({ledger.ledger_path(self.path)}) could not be written: {exc.strerror or exc}."
            ) from None
        self._ledger_noted = True

    def close(self) -> None:
        if self._starting is not None:
            try:
                self._starting.result()  # a start under way ends before its pool is closed
                self._started.result()
            except BaseException:  # noqa: BLE001 - its error was (or will be) raised where it was awaited
                pass
        pool, self._workers = self._workers, None
        if pool is not None:
            pool.close()
        self._remove_checkpoints()
        if self._disk is not None:
            self._disk.flush()
            self._disk = None
        self._read_only = None


def open_disk(path: Path) -> ox.Store:
    """pyoxigraph's on-disk store at ``path``, or ``StoreUnavailable`` saying why it cannot be opened.

    RocksDB's errors carry no errno (pyoxigraph raises OSError with only a
    message, and RuntimeError for corruption), so the reason is read from the
    directory first, and from the message for what only the open can tell
    (a lock held by another process, permissions when running as root).
    """
    path = Path(path)
    why = _unopenable(path)
    if why is None:
        try:
            return ox.Store(str(path))
        except (OSError, RuntimeError) as exc:
            why = _reason(str(exc))
    raise StoreUnavailable(f"The store at {path} cannot be opened: {why}")


# what RocksDB keeps in a store directory; a directory with these but no CURRENT is a damaged store
_ROCKSDB_FILES = re.compile(r"^(?:\d+\.(?:sst|log|blob)|MANIFEST-\d+|OPTIONS-\d+|CURRENT|IDENTITY|LOCK|LOG(?:\.old\.\d+)?)$")
_DAMAGED = "it is damaged ({}). Move it away, then restore a dump into a fresh one (plankg restore FILE) or build it again from the source (plankg build --force)."
_PERMISSION = "the user running plankg may not read and write it; give that user the directory and its files (chown), or point PLANKG_STORE_PATH elsewhere."


def _unopenable(path: Path) -> str | None:
    """Why the directory cannot hold a store, told from outside; None when an open may work."""
    import os

    if not path.exists():
        return None if path.parent.is_dir() or not path.parent.exists() else "its parent is not a directory."
    if not path.is_dir():
        return "it is a file, not a directory. Point PLANKG_STORE_PATH at a directory, or move the file away."
    try:
        names = set(os.listdir(path))
    except PermissionError:
        return _PERMISSION
    except OSError as exc:
        return f"its directory cannot be read ({exc.strerror or exc})."
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return _PERMISSION
    if not names:
        return None
    if "CURRENT" not in names:
        if any(_ROCKSDB_FILES.match(name) for name in names):
            return _DAMAGED.format("its CURRENT file, which names the live MANIFEST, is missing")
        return "it holds other files, not a store. Point PLANKG_STORE_PATH at an empty directory or at a store."
    try:
        manifest = (path / "CURRENT").read_text(encoding="ascii", errors="replace").strip()
    except OSError as exc:
        return _PERMISSION if isinstance(exc, PermissionError) else _DAMAGED.format(f"CURRENT cannot be read: {exc.strerror or exc}")
    if not re.fullmatch(r"MANIFEST-\d+", manifest):
        return _DAMAGED.format("its CURRENT file does not name a MANIFEST")
    if manifest not in names:
        return _DAMAGED.format(f"{manifest}, its list of data files, is missing")
    return None


def _reason(message: str) -> str:
    """Why RocksDB refused to open a store, in the user's words, from its message."""
    lowered = message.lower()
    if "lock" in lowered and ("temporarily unavailable" in lowered or "lock hold by" in lowered or "no locks available" in lowered):
        return "another process is using it (a running plankg serve, load, dump or restore?). Stop that one first: a store on disk admits one process at a time."
    if "permission denied" in lowered:
        return _PERMISSION
    if "no space left" in lowered:
        return "the disk is full. Free some space and try again."
    if "read-only file system" in lowered:
        return "it is on a read-only file system."
    if "corruption" in lowered or "manifest" in lowered or "no such file" in lowered:
        return _DAMAGED.format(message.splitlines()[0][:200])
    return message.splitlines()[0][:300] if message else "the storage engine refused it."


def _answer_arguments(request: QueryRequest) -> dict:
    """The keyword arguments of ``answer`` as plain, picklable values (they travel to the workers)."""
    paging = {"offset": int(request.offset), "count_total": bool(request.count_total)} if request.offset or request.count_total else {}
    return dict(
        **paging,
        formats=dict(request.formats),
        bindings=dict(request.bindings) if request.bindings else None,
        default_graph_uris=list(request.default_graph_uris) if request.default_graph_uris else None,
        named_graph_uris=list(request.named_graph_uris) if request.named_graph_uris else None,
        row_cap=request.row_cap,
        max_bytes=request.max_bytes,
        base_iri=request.base_iri,
    )


def _deadline(items, deadline: float | None):
    """Yield items until the deadline passes; queries that stream are stopped here."""
    if deadline is None:
        yield from items
        return
    for n, item in enumerate(items):
        if n % 256 == 0 and time.monotonic() > deadline:
            raise QueryTimeout("The query ran past the time limit and was stopped.")
        yield item
