"""AdamW with CLIP's weight-decay exclusions, and a cosine schedule with linear warm-up."""

from __future__ import annotations

import math
import re

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
    groups: dict[tuple[bool, float], list[nn.Parameter]] = {}
    for name, param in named:
        groups.setdefault((no_decay(name, param), param_lr(model, name, config)), []).append(param)
    return torch.optim.AdamW(
        [
            {"params": params, "weight_decay": 0.0 if skip else config.weight_decay, "lr": lr}
            for (skip, lr), params in groups.items()
        ],
        lr=config.lr,
        betas=config.betas,
        eps=config.eps,
    )


_TOWER_BLOCK = re.compile(r"(?:^|\.)(image|text)_stages\.(\d+)\.")


def param_lr(model: nn.Module, name: str, config: TrainConfig) -> float:
    """`{tower}_tower_lr` for a trained block of a tower (pretrained weights, which a high lr
    can wreck), `lr` for the projection heads (the last stage) and the logit scale."""
    match = _TOWER_BLOCK.search(name)
    if match is None:
        return config.lr
    tower, stage = match.group(1), int(match.group(2))
    stages = getattr(model, f"{tower}_stages", None)
    if stages is not None and stage == len(stages) - 1:
        return config.lr
    tower_lr = getattr(config, f"{tower}_tower_lr")
    return config.lr if tower_lr is None else tower_lr


def cosine_with_warmup(optimizer, warmup_steps: int, total_steps: int):
    """lr × step/warmup during warm-up, then half a cosine down to 0 at total_steps."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
