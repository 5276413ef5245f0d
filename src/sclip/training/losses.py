"""Contrastive loss of CLIP, with optional extra image negatives (S-CLIP's unpaired images).

All embeddings are L2-normalised here, unless the caller says they already are
(`normalized=True`: a method normalises a batch once for all its losses, which at heads-only
step sizes is a measurable share of the step); `scale` is s = exp(logit_scale)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def contrastive_loss(
    image_emb: torch.Tensor,
    text_emb: torch.Tensor,
    scale: torch.Tensor,
    extra_image_emb: torch.Tensor | None = None,
    *,
    normalized: bool = False,
) -> torch.Tensor:
    """L_con = ½·CE(s·X Yᵀ, diag) + ½·CE(s·Y [X;U]ᵀ, diag).

    image_emb X and text_emb Y are the B paired images and captions (row i matches row i);
    extra_image_emb U, if given, are images without captions, used as extra negatives for
    text→image only."""
    x, y, u = _normalize(normalized, image_emb, text_emb, extra_image_emb)
    return contrastive_from_logits(scale * x @ y.T, None if u is None else scale * u @ y.T)


def contrastive_from_logits(
    logits: torch.Tensor, extra_logits: torch.Tensor | None = None
) -> torch.Tensor:
    """L_con from the image→text logits s·X Yᵀ [B×B] and, if given, s·U Yᵀ [N×B] of the
    extra images. The text→image logits are their transpose: no second product, and a
    method that has s·U Yᵀ for its caption loss shares it."""
    target = torch.arange(logits.shape[0], device=logits.device)
    images = logits if extra_logits is None else torch.cat([logits, extra_logits])
    image_to_text = F.cross_entropy(logits, target)
    text_to_image = F.cross_entropy(images.T, target)
    return 0.5 * (image_to_text + text_to_image)


def _normalize(done: bool, *embs: torch.Tensor | None) -> tuple:
    return embs if done else tuple(e if e is None else F.normalize(e, dim=-1) for e in embs)


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over rows of −Σ_k target_k · log softmax(logits)_k (cross_entropy's probability
    targets: one autograd node instead of four, which counts at heads-only step sizes)."""
    return F.cross_entropy(logits, target)


def caption_loss(
    unpaired_emb: torch.Tensor,
    caption_emb: torch.Tensor,
    scale: torch.Tensor,
    target: torch.Tensor,
    *,
    normalized: bool = False,
) -> torch.Tensor:
    """L_cap = soft-CE(s·U Yᵀ, P): unpaired images against the batch's paired captions, with a
    pseudo-label P (rows are distributions over the captions; no gradient through P)."""
    u, y = _normalize(normalized, unpaired_emb, caption_emb)
    return soft_cross_entropy(scale * u @ y.T, target.detach())


def caption_text_loss(
    caption_emb: torch.Tensor,
    unpaired_emb: torch.Tensor,
    scale: torch.Tensor,
    target: torch.Tensor,
    *,
    normalized: bool = False,
) -> torch.Tensor:
    """The caption loss's other direction: soft-CE(s·Y Uᵀ, Pᵀ with columns normalised),
    each paired caption against the unpaired images, the target its column of P (the images
    the plan sends to it). Averaged over captions whose column has mass (a hard assignment can
    leave a caption no image); no gradient through P."""
    y, u = _normalize(normalized, caption_emb, unpaired_emb)
    columns = target.detach().T
    mass = columns.sum(dim=1, keepdim=True)
    total = F.cross_entropy(scale * y @ u.T, columns / mass.clamp_min(1e-12), reduction="sum")
    return total / (mass > 0).sum().clamp_min(1)


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
    similarities are all ≤ 0 fall back to uniform over the candidates; rows without candidates
    are all zero."""
    with torch.no_grad():
        u, k = F.normalize(unpaired_emb, dim=-1), F.normalize(keyword_emb, dim=-1)
        return _keyword_targets(scale * u @ k.T, candidates)


def _keyword_targets(logits: torch.Tensor, candidates: torch.Tensor) -> torch.Tensor:
    """keyword_targets from the logits s·U Kᵀ (no gradient flows through them here)."""
    with torch.no_grad():
        a = logits.clamp_min(0) * candidates
        a = torch.where(a.sum(dim=1, keepdim=True) > 0, a, candidates.to(a.dtype))
        return a / a.sum(dim=1, keepdim=True).clamp_min(1e-12)


def keyword_loss(
    unpaired_emb: torch.Tensor,
    keyword_emb: torch.Tensor,
    scale: torch.Tensor,
    candidates: torch.Tensor,
    *,
    normalized: bool = False,
) -> torch.Tensor:
    """L_kw = soft-CE(s·U Kᵀ, w), averaged over the unpaired images that HAVE candidates (the
    reference counts images without candidates as zeros in the mean, diluting the loss)."""
    # Rows without candidates get an all-zero target, so they add 0; dividing by the number
    # of rows with candidates (not masking rows out) keeps the graph free of a gather/scatter.
    u, k = _normalize(normalized, unpaired_emb, keyword_emb)
    logits = scale * u @ k.T  # the target's similarities too: one product, detached there
    target = _keyword_targets(logits, candidates)
    total = F.cross_entropy(logits, target, reduction="sum")
    return total / candidates.any(dim=1).sum().clamp_min(1)
