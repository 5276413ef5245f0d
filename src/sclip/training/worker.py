"""One rank of a distributed training run (started by sclip.training.distributed.launch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import torch.distributed as dist

from sclip.evaluation.evaluate import EvalSet, Evaluator
from sclip.models import DualEncoder
from sclip.training.batch import TrainData
from sclip.training.config import TrainConfig
from sclip.training.device import resolve_device
from sclip.training.distributed import init_worker, rank_and_world
from sclip.training.loop import TrainResult, train


def train_worker(
    make_model: Callable[[], DualEncoder],
    data: TrainData,
    config: TrainConfig,
    method,
    val: EvalSet | None,
    templates: list[str],
    eval_seed: int,
    checkpoint_dir: Path | None,
    checkpoint_every_steps: int,
    backend: str = "auto",
) -> TrainResult | None:
    """Join the group, build the model (the same seeded init on every rank), train; rank 0
    evaluates, checkpoints and returns the result, the others return None."""
    device = init_worker(backend)
    if device is not None:
        config = replace(config, device=str(device))
    try:
        rank, _ = rank_and_world()
        model = make_model()
        evaluator = None
        if rank == 0 and val is not None:
            device = resolve_device(config.device)
            evaluator = Evaluator(model.to(device), val, templates, eval_seed, device)
        result = train(
            model,
            data,
            config,
            method,
            evaluator,
            checkpoint_dir,
            progress=False,
            checkpoint_every_steps=checkpoint_every_steps,
        )
        return result if rank == 0 else None
    finally:
        dist.destroy_process_group()
