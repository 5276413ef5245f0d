"""glibc malloc tuned so that freed tensor memory is reused instead of handed back to the
kernel.

torch's CPU allocator does not cache: every activation is a fresh malloc. glibc serves blocks
above its mmap threshold (128 KiB, rising to at most 32 MiB) with fresh mmaps and unmaps them
on free, so each forward pass faults in and zeroes its activations page by page. On the 2-core
host, 128 images through the frozen EfficientNet prefix took 4.8 s, 2.1 million page faults and
more system than user time; with the threshold raised, 1.0–1.4 s and no faults
(benchmarks/speed.py, `allocator` figure). Intel's CPU guides reach the same end by preloading
jemalloc or tcmalloc; mallopt needs no extra library.

The cost: the heap keeps what a node freed, so a process holds its peak. The Kedro hook
`ReleaseFreedMemory` hands free pages back after every node (`release_freed_memory`); within a
node the steady state is bounded (a conf/rsicd s_clip step: 2.5 GB resident and 0.9 s a step,
against 1.3 GB and 1.6 s with glibc's defaults).
"""

from __future__ import annotations

import ctypes
import os
import sys

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
OPT_OUT = "SCLIP_KEEP_FREED_MEMORY"


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; whether it was done.

    Left alone where the user tunes malloc themselves (MALLOC_* or GLIBC_TUNABLES set), where
    SCLIP_KEEP_FREED_MEMORY=0, and off glibc (macOS, Windows, musl)."""
    if os.environ.get(OPT_OUT, "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if "GLIBC_TUNABLES" in os.environ or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    # Once freed blocks sit in the heap malloc serves from them whatever the thresholds say, so
    # this must run before the first large tensor: sclip/__init__.py calls it.
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )


def release_freed_memory() -> bool:
    """Hand the heap's free pages back to the kernel (glibc's malloc_trim); whether any were.
    About a second after a 10 GB peak, milliseconds after a small one."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False
