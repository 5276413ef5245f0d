"""Small modules the towers are assembled from."""

from __future__ import annotations

import torch
from torch import nn


class Normalize(nn.Module):
    """uint8 pixels [B,3,H,W] → float, normalised per channel with the tower's statistics."""

    def __init__(self, mean: tuple[float, float, float], std: tuple[float, float, float]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1) * 255, persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1) * 255, persistent=False)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return (pixels.float() - self.mean) / self.std


class Projection(nn.Module):
    """Linear map into the shared embedding space (CLIP's projection, no bias)."""

    def __init__(self, in_dim: int, out_dim: int, generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.proj = nn.Linear(in_dim, out_dim, bias=False)
        with torch.no_grad():
            # CLIP's init: std = width^-0.5, so embeddings start at unit-ish scale.
            self.proj.weight.normal_(0.0, in_dim**-0.5, generator=generator)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.proj(features)


def padding_bias(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Attention mask [B,L] (1 = token) → additive bias [B,1,1,L] (0 or a large negative)."""
    return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def causal_padding_bias(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Causal plus padding additive bias [B,1,L,L], as CLIP's text transformer uses."""
    length = mask.shape[1]
    causal = torch.ones(length, length, dtype=torch.bool, device=mask.device).tril()
    allowed = causal[None, None] & mask[:, None, None, :].bool()
    return (~allowed).to(dtype) * torch.finfo(dtype).min


class MeanPool(nn.Module):
    """Mean of token states over the attention mask (sentence-transformers pooling)."""

    def forward(self, state: dict[str, torch.Tensor]) -> torch.Tensor:
        mask = state["attention_mask"].unsqueeze(-1).to(state["hidden"].dtype)
        return (state["hidden"] * mask).sum(1) / mask.sum(1).clamp_min(1e-9)
