"""Keep the window process's heap from fragmenting (glibc only; elsewhere nothing to do).

The window keeps hundreds of small frame snapshots (the timeline) while every frame allocates and frees
megabyte-sized temporaries (surface batches, autograd buffers). glibc raises its mmap threshold each time
such a block is freed, so later temporaries land in the heap between long-lived snapshots and the heap can
never shrink: measured here, 400 snapshots (27 MB of arrays) held 440 MB of extra RSS. A fixed threshold
keeps big temporaries in mmap, returned to the system when freed (measured: 80 MB extra instead).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h); setting it also turns off the dynamic adjustment
MMAP_THRESHOLD = 128 * 1024  # glibc's initial default

_done = False


def limit_heap_fragmentation() -> bool:
    """Fix glibc's mmap threshold for this process; True if it was set (now or before)."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _done = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # musl and other C libraries without mallopt
        return False
    return _done
