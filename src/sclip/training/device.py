"""Where training runs: the device, and whether bf16 autocast is worth it there."""

from __future__ import annotations

import logging

import torch

log = logging.getLogger(__name__)


def resolve_device(name: str) -> torch.device:
    """'auto' → CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def fast_bf16(device: torch.device) -> bool:
    """Whether bf16 autocast is fast here: a CUDA device with bf16, or a CPU with bf16 in its
    instruction set (AVX512-BF16 or AMX). oneDNN also runs bf16 on plain AVX512 by converting
    to fp32, which is slower than fp32 itself: conf/rsicd's frozen prefix ran at 0.67x of
    fp32 so on an AVX512 Xeon without BF16, and with no AVX512 at all torch falls back to
    reference convolutions (an RSICD step took 41 s in bf16 against 5.1 s in fp32 on AVX2)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:  # torch's CPU feature probes (private, present since 2.1)
        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except AttributeError:  # an older torch: oneDNN's own (looser) test
        return bool(getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)())


def resolve_precision(
    precision: str, device: torch.device, param: str = "training.precision"
) -> str:
    """'auto' → 'bf16' where it is fast (fast_bf16), else 'fp32'; a slow explicit 'bf16' warns."""
    if precision == "auto":
        return "bf16" if fast_bf16(device) else "fp32"
    if precision == "bf16" and not fast_bf16(device):
        log.warning(
            "%s=bf16 on a %s without fast bf16 kernels: expect it to be several "
            "times slower than fp32 (use 'auto' or 'fp32')",
            param,
            device.type,
        )
    return precision
