"""`training.compile`: the image tower's trainable stages through torch.compile.

On RSICD's CPU step (last two EfficientNet blocks, 640 images, bf16) inductor's fused kernels
took the image blocks' forward+backward from 1.4 s to 0.78 s, after ~20 s of compiling
(`precision_step` in benchmarks/speed.py times the whole step). Where
compiling fails (no C++ compiler, an unsupported platform) training goes on eagerly."""

from __future__ import annotations

import logging
from collections.abc import Callable

import torch

log = logging.getLogger(__name__)


class CompiledOrEager:
    """Calls `fn` compiled (static shapes: a step's batch sizes are fixed, so each gets its own
    graph instead of a slower dynamic one); if compiling fails, warns once and calls it eagerly."""

    def __init__(self, fn: Callable, what: str) -> None:
        self.fn, self.what = fn, what
        self.compiled: Callable | None = torch.compile(fn, dynamic=False)

    def __call__(self, *args):
        if self.compiled is not None:
            try:
                return self.compiled(*args)
            except Exception as err:  # noqa: BLE001 -- any backend failure: fall back
                log.warning(
                    "training.compile: compiling %s failed (%s: %s); training eagerly",
                    self.what,
                    type(err).__name__,
                    str(err).splitlines()[0] if str(err) else "",
                )
                self.compiled = None
        return self.fn(*args)
