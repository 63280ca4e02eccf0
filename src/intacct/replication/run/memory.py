"""Keep a long extraction's memory flat: glibc's allocator settings for many threads.

The engine's workers each parse pages of several MB and free them a moment later. With
glibc's defaults every thread gets a heap of its own (up to 8 per core) and a freed large
buffer raises the threshold under which the next ones come from those heaps instead of
being mapped: freed pages then stay in the heaps as holes, and the process's resident
memory creeps up with the length of the run instead of staying at what it holds
(measured: peak RSS 155 MB after 50k records and 206 MB after 500k; with these settings
97 MB and 113 MB, same time, ``benchmarks/replication_extract.py``).

So, once per process, before the engine starts its threads: at most two heaps
(``M_ARENA_MAX``) and a fixed mapping threshold of 256 KiB (``M_MMAP_THRESHOLD``), so
answer buffers go back to the system as soon as they are freed. Nothing is changed where
the allocator is not glibc, or where the user set ``MALLOC_ARENA_MAX``,
``MALLOC_MMAP_THRESHOLD_`` or ``GLIBC_TUNABLES`` (their choice wins).

Arrow (the columnar pages) allocates from its own jemalloc pool by default, which keeps
freed pages for reuse; it is pointed at the system allocator instead, so the same
settings hold for it (14 MB less at the peak of a run at 8 requests in flight), unless
the user chose a pool (``ARROW_DEFAULT_MEMORY_POOL``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

__all__ = ["tune_allocator"]

_M_MMAP_THRESHOLD = -3  # glibc malloc.h
_M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 256 * 1024
_USER_SETTINGS = ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")

_lock = threading.Lock()
_done: bool | None = None  # None: not tried yet; then whether the settings were applied


def tune_allocator() -> bool:
    """Apply the settings once per process; True if they are in effect."""
    global _done
    with _lock:
        if _done is None:
            _done = _apply()
            _arrow_pool()
        return _done


def _arrow_pool() -> None:
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    try:
        import pyarrow
    except ImportError:
        return
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())


def _apply() -> bool:
    if not sys.platform.startswith("linux") or any(v in os.environ for v in _USER_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # musl has mallopt, but not these
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt answers 1 on success; either setting alone already helps
    arenas: bool = mallopt(_M_ARENA_MAX, ARENAS) == 1
    mapped: bool = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    return arenas and mapped
