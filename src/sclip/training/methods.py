"""Training methods: each turns one batch's embeddings into named losses whose sum trains."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sclip.models import DualEncoder
from sclip.training.losses import contrastive_loss


@dataclass
class StepInputs:
    """Unnormalised embeddings of one batch: paired images X, their captions Y, unpaired U."""

    paired_images: torch.Tensor
    captions: torch.Tensor
    unpaired_images: torch.Tensor | None


class ClipFineTuning:
    """`clip_ft`: the contrastive loss on paired data only."""

    name = "clip_ft"
    uses_unpaired = False

    def losses(self, model: DualEncoder, step: StepInputs) -> dict[str, torch.Tensor]:
        return {"contrastive": contrastive_loss(step.paired_images, step.captions, model.scale)}


METHODS = {"clip_ft": ClipFineTuning}


def make_method(name: str, **kwargs):
    """The method named by a parameter; unknown names are a clear error."""
    if name not in METHODS:
        raise ValueError(f"Unknown training method {name!r}; expected one of {sorted(METHODS)}")
    return METHODS[name](**kwargs)
