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


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over rows of −Σ_k target_k · log softmax(logits)_k."""
    return -(target * F.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def caption_loss(
    unpaired_emb: torch.Tensor, caption_emb: torch.Tensor, scale: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """L_cap = soft-CE(s·U Yᵀ, P): unpaired images against the batch's paired captions, with a
    pseudo-label P (rows are distributions over the captions; no gradient through P)."""
    u, y = F.normalize(unpaired_emb, dim=-1), F.normalize(caption_emb, dim=-1)
    return soft_cross_entropy(scale * u @ y.T, target.detach())


def keyword_targets(
    unpaired_emb: torch.Tensor,
    keyword_emb: torch.Tensor,
    scale: torch.Tensor,
    candidates: torch.Tensor,
) -> torch.Tensor:
    """S-CLIP's partial-label target over the vocabulary: w_k = a_k / Σ_{c∈cand} a_c on the
    candidate set, 0 elsewhere, a_k = s·cos(u, k), detached.

    a_k is clamped at 0 first: a negative similarity would give a negative "probability"
    (the formula assumes the positive similarities a trained CLIP has); rows whose candidate
    similarities are all ≤ 0 fall back to uniform over the candidates."""
    with torch.no_grad():
        u, k = F.normalize(unpaired_emb, dim=-1), F.normalize(keyword_emb, dim=-1)
        a = (scale * u @ k.T).clamp_min(0) * candidates
        uniform = candidates.float() / candidates.sum(dim=1, keepdim=True).clamp_min(1)
        total = a.sum(dim=1, keepdim=True)
        return torch.where(total > 0, a / total.clamp_min(1e-12), uniform)


def keyword_loss(
    unpaired_emb: torch.Tensor,
    keyword_emb: torch.Tensor,
    scale: torch.Tensor,
    candidates: torch.Tensor,
) -> torch.Tensor:
    """L_kw = soft-CE(s·U Kᵀ, w), averaged over the unpaired images that HAVE candidates (the
    reference counts images without candidates as zeros in the mean, diluting the loss)."""
    has = candidates.any(dim=1)
    if not has.any():
        return unpaired_emb.sum() * 0.0  # keeps the graph; contributes nothing
    u, k = F.normalize(unpaired_emb[has], dim=-1), F.normalize(keyword_emb, dim=-1)
    target = keyword_targets(unpaired_emb[has], keyword_emb, scale, candidates[has])
    return soft_cross_entropy(scale * u @ k.T, target)
