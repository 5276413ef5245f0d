"""Top-level functions for the distributed tests (spawned workers import them by name)."""

from __future__ import annotations

import torch

from sclip.training.batch import embed_batch
from sclip.training.distributed import average_gradients, init_worker, rank_and_world
from sclip.training.methods import KeywordBank, make_method
from sclip.training.sampler import Batch
from tests.training.tiny_problem import data_and_eval, tiny_model


def keyword_bank() -> KeywordBank:
    g = torch.Generator().manual_seed(3)
    return KeywordBank(
        state=torch.randn(5, 6, generator=g),
        stage=0,
        candidates=torch.rand(64 * 4, 5, generator=g) > 0.6,
    )


def global_batch() -> Batch:
    """8 paired images with one caption each and 8 unpaired images."""
    return Batch(
        paired_images=torch.tensor([0, 3, 5, 8, 13, 21, 22, 30]),
        captions=torch.tensor([1, 12, 22, 33, 53, 84, 89, 121]),
        unpaired_images=torch.tensor([32, 35, 40, 41, 47, 50, 58, 63]),
    )


def s_clip_step(rank: int = 0, world: int = 1) -> dict:
    """One s_clip step's losses and parameter gradients (gradients averaged over ranks)."""
    model = tiny_model()
    data, _ = data_and_eval()
    method = make_method("s_clip", keywords=keyword_bank())
    cpu = torch.device("cpu")
    step = embed_batch(model, data, global_batch(), cpu, rank, world, text_bank=method.text_bank())
    parts = method.losses(model, step)
    sum(parts.values()).backward()
    average_gradients(model)
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return {"losses": {k: v.item() for k, v in parts.items()}, "grads": grads}


def distributed_s_clip_step():
    init_worker("gloo")
    try:
        return s_clip_step(*rank_and_world())
    finally:
        torch.distributed.destroy_process_group()
