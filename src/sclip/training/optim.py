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
    block_lr = tower_block_lrs(model, config)
    groups: dict[tuple[bool, float], list[nn.Parameter]] = {}
    for name, param in named:
        key = (no_decay(name, param), block_lr.get(id(param), config.lr))
        groups.setdefault(key, []).append(param)
    return torch.optim.AdamW(
        [
            {"params": params, "weight_decay": 0.0 if skip else config.weight_decay, "lr": lr}
            for (skip, lr), params in groups.items()
        ],
        lr=config.lr,
        betas=config.betas,
        eps=config.eps,
    )


def tower_block_lrs(model: nn.Module, config: TrainConfig) -> dict[int, float]:
    """{id(param): lr} for the towers' blocks where `{tower}_tower_lr` is set (pretrained
    weights, which a high lr can wreck); the projection heads (each tower's last stage) and
    the logit scale keep `lr`."""
    lrs: dict[int, float] = {}
    for tower in ("image", "text"):
        lr, stages = getattr(config, f"{tower}_tower_lr"), getattr(model, f"{tower}_stages", None)
        if lr is not None and stages is not None:
            for stage in list(stages)[:-1]:
                lrs.update({id(p): lr for p in stage.parameters()})
    return lrs


def cosine_with_warmup(optimizer, warmup_steps: int, total_steps: int):
    """lr × step/warmup during warm-up, then half a cosine down to 0 at total_steps."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
