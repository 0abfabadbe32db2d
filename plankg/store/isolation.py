"""Take the network away from a worker process, where text cannot argue with it.

The query guards in ``plankg.sparqltext`` read the query's text; a text scan
can be fooled by an escape it does not know. So the processes that evaluate
untrusted queries, updates and uploads also lose the network itself, in two
layers, each applied when the kernel allows it:

1. **A network namespace of their own** (``unshare(CLONE_NEWNET)``; as a user
   without ``CAP_SYS_ADMIN``, inside a new user namespace): the process sees
   only a loopback interface that is down, so nothing outside it, not even
   127.0.0.1, can be reached.
2. **A seccomp filter** that refuses ``socket()`` for every family but
   ``AF_UNIX`` (EACCES) and ``io_uring_setup`` (which could open sockets
   without calling ``socket()``). It needs no privilege, only
   ``PR_SET_NO_NEW_PRIVS``, so it also holds for a non-root user in a
   container where namespaces are off. 32-bit and x32 system calls are refused
   outright: the i386 ``socketcall`` would otherwise go around the filter.

The Unix socket pairs the server talks to its workers over were opened before,
and stay usable. ``deny_network`` says which layers took, so the server can log
it and the README's promise can be checked.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import struct

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

# classic BPF opcodes
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_RET_K = 0x06

SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000

AF_UNIX = 1
X32_SYSCALL_BIT = 0x40000000

# (audit arch, socket, io_uring_setup) by machine
_ARCH = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}

# offsets into struct seccomp_data
_NR, _ARCH_OFFSET, _ARG0 = 0, 4, 16


def deny_network() -> list[str]:
    """Apply every layer this kernel allows to the calling process (and its future children).

    Call it while the process has a single thread: the user-namespace variant
    of ``unshare`` refuses multi-threaded callers.
    """
    applied = []
    if _own_network_namespace():
        applied.append("netns")
    if _seccomp_no_sockets():
        applied.append("seccomp")
    return applied


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _own_network_namespace() -> bool:
    try:
        libc = _libc()
    except OSError:
        return False
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if libc.unshare(flags) == 0:
            return True
    return False


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_program(machine: str | None = None) -> list[tuple[int, int, int, int]] | None:
    """The filter as (code, jt, jf, k) instructions, or None on a machine it does not know."""
    arch = _ARCH.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, nr_socket, nr_io_uring = arch
    deny = SECCOMP_RET_ERRNO | errno.EACCES
    return [
        (BPF_LD_W_ABS, 0, 0, _ARCH_OFFSET),
        (BPF_JEQ_K, 1, 0, audit_arch),  # native calls go on to the checks
        (BPF_RET_K, 0, 0, deny),  # another ABI (i386 socketcall): refused
        (BPF_LD_W_ABS, 0, 0, _NR),
        (BPF_JGE_K, 0, 1, X32_SYSCALL_BIT),
        (BPF_RET_K, 0, 0, deny),  # x32 calls
        (BPF_JEQ_K, 0, 1, nr_io_uring),
        (BPF_RET_K, 0, 0, deny),
        (BPF_JEQ_K, 1, 0, nr_socket),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_LD_W_ABS, 0, 0, _ARG0),  # socket(domain, …): the low word of the first argument
        (BPF_JEQ_K, 0, 1, AF_UNIX),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RET_K, 0, 0, deny),
    ]


def _seccomp_no_sockets() -> bool:
    program = seccomp_program()
    if program is None or struct.calcsize("P") != 8:
        return False
    try:
        libc = _libc()
    except OSError:
        return False
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    fprog = _SockFprog(len(program), filters)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return False
    return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.cast(ctypes.byref(fprog), ctypes.c_void_p), 0, 0) == 0


def can_open_inet_socket() -> bool:
    """Whether this process can still open an internet socket at all."""
    import socket

    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        return False
    sock.close()
    return True

