"""glibc malloc tuned so that freed tensor memory is reused instead of handed back to the
kernel, where that is bounded.

torch's CPU allocator does not cache: every activation is a fresh malloc. glibc serves blocks
above its mmap threshold (128 KiB, rising to at most 32 MiB) with fresh mmaps and unmaps them
on free, so each forward pass faults in and zeroes its activations page by page. On the 2-core
host, 128 images through the frozen EfficientNet prefix took 3.8–4.6 s, 2.2 million page faults
and more system than user time; with the thresholds raised, 0.8–0.9 s and no faults
(benchmarks/speed.py, `allocator` figure). Intel's CPU guides reach the same end by preloading
jemalloc or tcmalloc; mallopt needs no extra library.

The cost is memory: the heap keeps what was freed, and varied block sizes fragment it
(speed.py's text-layer setup: 14.9 GB peak inside the scope, 12.7 GB with it off). So freed
memory is kept within a scope (`freed_memory_kept`) whose pages go back when it ends: the
frozen-prefix image encoding, a training run, and every Kedro node (hooks.KeepFreedMemory:
a whole `kedro run --env rsicd` in 530 s at 3.1 GB peak RSS, against 533 s at 3.3 GB kept
process wide; benchmarks/README.md, peak RSS).
After a scope the thresholds are glibc's ceiling, 32 MiB and 64 MiB, not its starting 128 KiB:
any mallopt turns glibc's adaptive threshold off for good, and at 128 KiB every later
activation was mapped afresh (2,000 RSICD captions encoded 1.5× slower after a scope:
speed.py's `after_scope`).
SCLIP_KEEP_FREED_MEMORY=1 keeps it process wide (from `import sclip` on, for scripts and
notebooks; the Kedro hook then hands free pages back before every node). =0 never.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
import threading
from contextlib import contextmanager

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks below 512 MiB come from the heap: a batch of 64 at 224 px peaks at ~300 MB blocks
# (EfficientNet's 6× expansion at 112 px). Larger, one-off blocks keep their own mmap and go
# back on free: with the cap at 2 GiB a 1,024-image forward left 1.6–1.9 GB blocks in the heap,
# fragmented it, and benchmarks/speed.py's text-layer figure was OOM-killed at 24 GB.
MMAP_THRESHOLD = 512 * 2**20
# Up to 2 GiB free at the heap's top stays mapped: at 512 MiB a forward pass's freed
# activations were trimmed after every pass and faulted in again (the prefix 2.1× slower).
TRIM_THRESHOLD = 2**31 - 1
# After a scope: the most glibc's own adaptive thresholds reach (DEFAULT_MMAP_THRESHOLD_MAX,
# 4 MiB × sizeof(long); trim twice the mmap threshold, as its adaptation sets it).
GLIBC_MMAP_MAX = 4 * 2**20 * ctypes.sizeof(ctypes.c_long)
GLIBC_TRIM_MAX = 2 * GLIBC_MMAP_MAX
GLIBC_START = 128 * 2**10  # glibc's starting thresholds (benchmarks/alloc_speed.py's "start")
ENV = "SCLIP_KEEP_FREED_MEMORY"


def mode() -> str:
    """'process' (SCLIP_KEEP_FREED_MEMORY=1), 'off' (=0, or the user tunes malloc themselves:
    MALLOC_* or GLIBC_TUNABLES set; or not glibc) or 'scoped' (the default)."""
    value = os.environ.get(ENV, "")
    if value not in ("", "0", "1"):
        raise ValueError(f"{ENV} must be 0, 1 or unset, got {value!r}")
    own = "GLIBC_TUNABLES" in os.environ or any(k.startswith("MALLOC_") for k in os.environ)
    if value == "0" or own or _glibc() is None:
        return "off"
    return "process" if value == "1" else "scoped"


@functools.cache
def _glibc():
    """glibc's handle, loaded once; None off glibc (macOS, Windows, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.malloc_trim  # noqa: B018 - both must exist
    except (OSError, AttributeError):
        return None
    return libc


def _set_thresholds(mmap_threshold: int, trim_threshold: int) -> bool:
    libc = _glibc()
    return (
        libc is not None
        and bool(libc.mallopt(M_MMAP_THRESHOLD, mmap_threshold))
        and bool(libc.mallopt(M_TRIM_THRESHOLD, trim_threshold))
    )


def keep_freed_memory() -> bool:
    """Process wide where SCLIP_KEEP_FREED_MEMORY=1: raise glibc's thresholds now; whether it
    was done. sclip/__init__.py calls it before any tensor exists: once freed blocks sit in the
    heap, malloc serves from them whatever the thresholds say."""
    return mode() == "process" and _set_thresholds(MMAP_THRESHOLD, TRIM_THRESHOLD)


_scopes = {"open": 0}  # freed_memory_kept blocks now open, in any thread
_scopes_lock = threading.Lock()


@contextmanager
def freed_memory_kept():
    """Within the block freed memory is reused (in the default, scoped mode); after it the
    thresholds are glibc's adaptive ceiling (fixed from then on: mallopt ended the adaptation)
    and the free pages go back to the kernel. Blocks nest (an encoding inside a training run, or
    two Kedro nodes in threads): only the last one to close restores the thresholds."""
    if mode() != "scoped":
        yield
        return
    with _scopes_lock:
        _scopes["open"] += 1
        if _scopes["open"] == 1:
            _set_thresholds(MMAP_THRESHOLD, TRIM_THRESHOLD)
    try:
        yield
    finally:
        with _scopes_lock:
            _scopes["open"] -= 1
            if _scopes["open"] == 0:
                _set_thresholds(GLIBC_MMAP_MAX, GLIBC_TRIM_MAX)
                release_freed_memory()


def release_freed_memory() -> bool:
    """Hand the heap's free pages back to the kernel (glibc's malloc_trim); whether any were.
    About a second after a 10 GB peak, milliseconds after a small one."""
    libc = _glibc()
    return libc is not None and bool(libc.malloc_trim(0))
