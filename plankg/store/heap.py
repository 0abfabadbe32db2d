"""The process's heap after a large transient read: its free pages given back to the system."""

from __future__ import annotations


def give_back_free_pages() -> None:
    """glibc's ``malloc_trim``: the free memory between live allocations goes back to the system.

    After a large read (the rows of the search index, a copy of the data) the heap keeps its
    peak size; what was freed lies between what lives on and counts in the process's memory
    until reused. A fork that reuses it also copies those pages (copy on write). Without glibc:
    nothing.
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
