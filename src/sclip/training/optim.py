"""AdamW with CLIP's weight-decay exclusions, and a cosine schedule with linear warm-up."""

from __future__ import annotations

import math

import torch
from torch import nn

from sclip.training.config import TrainConfig


def no_decay(name: str, param: nn.Parameter) -> bool:
    """Gains, biases, norms and the logit scale get no weight decay (as in open_clip)."""
    return param.ndim < 2 or "bn" in name or "norm" in name.lower() or "logit_scale" in name


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.AdamW:
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("The model has no trainable parameters; check 'model.trainable'")
    groups = [
        {"params": [p for n, p in named if no_decay(n, p)], "weight_decay": 0.0},
        {
            "params": [p for n, p in named if not no_decay(n, p)],
            "weight_decay": config.weight_decay,
        },
    ]
    return torch.optim.AdamW(
        [g for g in groups if g["params"]], lr=config.lr, betas=config.betas, eps=config.eps
    )


def cosine_with_warmup(optimizer, warmup_steps: int, total_steps: int):
    """lr × step/warmup during warm-up, then half a cosine down to 0 at total_steps."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
