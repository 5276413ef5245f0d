"""A tiny dual encoder and a synthetic image-caption problem, shared by the training tests."""

from __future__ import annotations

import dataclasses

import torch

from sclip.evaluation.evaluate import EvalSet
from sclip.models import ModelConfig
from sclip.models.dual_encoder import DualEncoder
from sclip.models.layers import Projection
from sclip.training.batch import TrainData
from sclip.training.config import TrainConfig


class Frozen(torch.nn.Module):
    """A fixed random feature map standing in for a pretrained tower."""

    def __init__(self, dim_in, dim_out, seed):
        super().__init__()
        self.lin = torch.nn.Linear(dim_in, dim_out)
        g = torch.Generator().manual_seed(seed)
        torch.nn.init.normal_(self.lin.weight, generator=g)
        torch.nn.init.normal_(self.lin.bias, generator=g)

    def forward(self, x):
        return torch.tanh(self.lin(x))


def tiny_model():
    g = torch.Generator().manual_seed(0)
    return DualEncoder(
        ModelConfig(embed_dim=8),
        [Frozen(6, 16, 1), Projection(16, 8, g)],
        [Frozen(6, 16, 2), Projection(16, 8, g)],
        tokenizer=None,
    )


def problem(n=96, seed=0):
    """Images and captions that share a latent code; 4 captions per image."""
    g = torch.Generator().manual_seed(seed)
    latent = torch.randn(n, 6, generator=g)
    images = latent + 0.1 * torch.randn(n, 6, generator=g)
    captions = latent.repeat_interleave(4, 0) + 0.3 * torch.randn(4 * n, 6, generator=g)
    return images, captions


def data_and_eval():
    images, captions = problem()
    train_rows = torch.arange(64)
    data = TrainData(
        image_state=images,
        image_stage=0,
        text_state=captions[: 64 * 4],
        text_stage=0,
        paired_images=train_rows[:32],
        captions_of=[torch.arange(4 * i, 4 * i + 4) for i in range(32)],
        unpaired_images=train_rows[32:],
    )
    val = EvalSet(
        image_state=images[64:],
        image_stage=0,
        text_state=captions[64 * 4 :],
        text_stage=0,
        caption_image=torch.arange(32).repeat_interleave(4),
        labels=torch.full((32,), -1),
        class_names=[],
    )
    return data, val


def tiny_config(epochs=3, **kw) -> TrainConfig:
    """Training settings for the tiny problem: 8 + 8 images a step, on the CPU."""
    settings = dict(
        epochs=epochs,
        paired_batch_size=8,
        unpaired_batch_size=8,
        lr=1e-2,
        warmup_steps=2,
        device="cpu",
        select_metric="last",
    )
    return TrainConfig(**{**settings, **kw})


def stop_after(method, steps: int):
    """`method` with its losses raising KeyboardInterrupt after `steps` steps: a killed run."""
    losses, calls = method.losses, []

    def stopping(model, step):
        calls.append(1)
        if len(calls) > steps:
            raise KeyboardInterrupt
        return losses(model, step)

    method.losses = stopping
    return method


class PooledFrozen(torch.nn.Module):
    """A frozen stage on spatial states: average pooling, then a fixed random map."""

    def __init__(self):
        super().__init__()
        self.inner = Frozen(6, 16, 1)

    def forward(self, x):
        return self.inner(x.mean(dim=(2, 3)))


def spatial_problem():
    """The tiny problem with image states as 6 × 4 × 4 maps (a fixed spatial pattern)."""
    data, _ = data_and_eval()
    pattern = 1 + 0.5 * torch.randn(6, 4, 4, generator=torch.Generator().manual_seed(3))
    return dataclasses.replace(data, image_state=data.image_state[:, :, None, None] * pattern)


def spatial_model():
    g = torch.Generator().manual_seed(0)
    return DualEncoder(
        ModelConfig(embed_dim=8),
        [PooledFrozen(), Projection(16, 8, g)],
        [Frozen(6, 16, 2), Projection(16, 8, g)],
        tokenizer=None,
    )
