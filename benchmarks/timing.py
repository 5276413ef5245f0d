"""speed.py's timing helpers: interleaved repeats, same-round ratios, and the machine."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch


def timings(fns: dict, repeats: int) -> dict[str, list[float]]:
    """Seconds of each call of each fn, in interleaved rounds (one call of each per round)."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return times


def machine() -> dict:
    """What the figures depend on: CPU model and vector extensions, threads, versions."""
    from sclip.training.device import fast_bf16

    cpuinfo = Path("/proc/cpuinfo")
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_model": model,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "fast_bf16_cpu": fast_bf16(torch.device("cpu")),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
    }


def best_of(fns: dict, repeats: int) -> dict[str, float]:
    """Seconds per call of each fn: interleaved repeats, best (least disturbed) kept."""
    return {k: min(v) for k, v in timings(fns, repeats).items()}


def paired_ratio(times: dict[str, list[float]], num: str, den: str) -> float:
    """Median over rounds of num's time over den's in the same round: a neighbour's load that
    comes and goes slows both calls of a round alike, so it cancels where a best-of would not."""
    return statistics.median(n / d for n, d in zip(times[num], times[den], strict=True))
