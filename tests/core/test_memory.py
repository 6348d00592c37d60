import subprocess
import sys

import pytest

from ganviz.core.memory import limit_heap_fragmentation


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_fixed_mmap_threshold_sends_big_temporaries_back_to_the_system(child_env):
    """With the threshold fixed, a freed 4 MB block is unmapped at once; with glibc's dynamic threshold a
    block of that size that follows a freed one stays in the heap (and the RSS) after it is freed."""
    probe = """
import ctypes, sys
from ganviz.core.memory import limit_heap_fragmentation
if sys.argv[1] == "fixed":
    assert limit_heap_fragmentation() and limit_heap_fragmentation()
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
block = 4 << 20
libc.free(libc.malloc(block))  # the dynamic rule raises the threshold past 4 MB here
p = libc.malloc(block)
ctypes.memset(p, 1, block)
keep = libc.malloc(64)  # a long-lived small object above it pins the heap top
before = rss()
libc.free(p)
print(before - rss())
"""
    # glibc tunables in the environment (dask.distributed sets MALLOC_TRIM_THRESHOLD_ in os.environ on import)
    # switch the dynamic threshold off by themselves; the probe compares against glibc's plain default
    env = {k: v for k, v in child_env.items() if not k.startswith(("MALLOC_", "GLIBC_TUNABLES"))}
    freed = {
        mode: int(
            subprocess.run(
                [sys.executable, "-c", probe, mode], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
        for mode in ("dynamic", "fixed")
    }
    assert freed["fixed"] >= 3500, freed  # KiB given back
    assert freed["dynamic"] < 1000, freed


def test_idempotent():
    first = limit_heap_fragmentation()
    assert limit_heap_fragmentation() == first
