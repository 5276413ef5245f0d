"""Contrastive loss of CLIP, with optional extra image negatives (S-CLIP's unpaired images).

All embeddings are L2-normalised here; `scale` is s = exp(logit_scale)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def contrastive_loss(
    image_emb: torch.Tensor,
    text_emb: torch.Tensor,
    scale: torch.Tensor,
    extra_image_emb: torch.Tensor | None = None,
) -> torch.Tensor:
    """L_con = ½·CE(s·X Yᵀ, diag) + ½·CE(s·Y [X;U]ᵀ, diag).

    image_emb X and text_emb Y are the B paired images and captions (row i matches row i);
    extra_image_emb U, if given, are images without captions, used as extra negatives for
    text→image only."""
    x, y = F.normalize(image_emb, dim=-1), F.normalize(text_emb, dim=-1)
    target = torch.arange(x.shape[0], device=x.device)
    images = x if extra_image_emb is None else torch.cat([x, F.normalize(extra_image_emb, dim=-1)])
    image_to_text = F.cross_entropy(scale * x @ y.T, target)
    text_to_image = F.cross_entropy(scale * y @ images.T, target)
    return 0.5 * (image_to_text + text_to_image)
