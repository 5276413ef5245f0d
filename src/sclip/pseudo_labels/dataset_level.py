"""Dataset-level pseudo-labels and their quality, for inspection.

Training recomputes caption pseudo-labels per batch with the current encoder; this module
does it once over the whole dataset with the frozen image features, so a user can see how good
the pseudo-labels can be before training, and compare OT with nearest-neighbour and softmax
assignment."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from sclip.pseudo_labels.ot import marginal_error, sinkhorn_plan

ASSIGNMENTS = ("ot", "nearest", "softmax")


def assign(
    unpaired: torch.Tensor, paired: torch.Tensor, method: str, epsilon: float, **sinkhorn
) -> torch.Tensor:
    """Soft caption targets [unpaired × paired], rows summing to 1, on L2-normalised features.

    ot: row-normalised entropic OT plan with cost 1 − cos and uniform marginals (S-CLIP);
    nearest: one-hot on the most similar paired image (Hard-PL); softmax: softmax(cos/ε)
    (Soft-PL, with the same temperature)."""
    u, x = F.normalize(unpaired.double(), dim=-1), F.normalize(paired.double(), dim=-1)
    sim = u @ x.T
    if method == "nearest":
        return F.one_hot(sim.argmax(dim=1), x.shape[0]).double()
    if method == "softmax":
        return (sim / epsilon).softmax(dim=1)
    if method == "ot":
        plan = sinkhorn_plan(1.0 - sim, epsilon, **sinkhorn)
        return plan / plan.sum(dim=1, keepdim=True).clamp_min(1e-300)
    raise ValueError(f"Unknown assignment {method!r}; expected one of {ASSIGNMENTS}")


def ot_plan(
    unpaired: torch.Tensor,
    paired: torch.Tensor,
    epsilon: float,
    relative_tol: float = 1e-4,
    **sinkhorn,
) -> tuple[torch.Tensor, float]:
    """The unnormalised plan and its marginal error; Sinkhorn stops once every marginal is
    within relative_tol of its target, whatever the dataset's size."""
    u, x = F.normalize(unpaired.double(), dim=-1), F.normalize(paired.double(), dim=-1)
    plan = sinkhorn_plan(1.0 - u @ x.T, epsilon, relative_tol=relative_tol, **sinkhorn)
    return plan, marginal_error(plan)


def class_agreement(
    targets: torch.Tensor, unpaired_labels: np.ndarray, paired_labels: np.ndarray
) -> dict:
    """How often the pseudo-label points at a paired image of the unpaired image's class:
    `top1` for the argmax, `mass` for the target's total weight on same-class images."""
    known = np.array([isinstance(v, str) for v in unpaired_labels])
    if not known.any():
        return {"top1": None, "mass": None}
    same = torch.tensor(
        (
            np.asarray(unpaired_labels, dtype=object)[known, None]
            == np.asarray(paired_labels, dtype=object)[None, :]
        ).astype(np.float64)
    )
    t = targets[torch.from_numpy(known)]
    nearest_same = same.gather(1, t.argmax(dim=1, keepdim=True)).squeeze(1)
    return {
        "top1": 100.0 * nearest_same.mean().item(),
        "mass": 100.0 * (t * same).sum(dim=1).mean().item(),
    }


def caption_closeness(
    targets: torch.Tensor, paired_caption_emb: torch.Tensor, hidden_caption_emb: torch.Tensor
) -> float:
    """Mean cosine between the pseudo-caption (target-weighted mean of the paired images'
    caption embeddings) and the unpaired image's own hidden captions (their mean embedding)."""
    pseudo = F.normalize(targets.to(paired_caption_emb.dtype) @ paired_caption_emb, dim=-1)
    return (pseudo * F.normalize(hidden_caption_emb, dim=-1)).sum(dim=1).mean().item()
