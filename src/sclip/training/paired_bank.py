"""A memory of the paired set for the caption pseudo-labels (option `paired_bank`).

In the paper an unpaired image's pseudo-label is a mix of the captions of the paired images
in its batch. With a few dozen classes a batch of 128 paired images often holds no image of
the unpaired image's class: on RSICD the in-batch nearest paired image shares its class 49 %
of the time, against 64–68 % over all 795 paired images (docs/rsicd-experiments.md). The
bank keeps, for every paired image, its embedding from the last step that drew it (detached) and the
caption drawn for it then, so the targets can be computed against the whole paired set.
One epoch reads every paired image, so no entry is older than an epoch; until the first
epoch ends only the images drawn so far take part (step 1 is the paper's in-batch target).

The bank's captions are embedded again every step, with gradient (L_cap's logits
s·U Y_bankᵀ): with cached pooled text states that is the text heads on ~800 rows."""

from __future__ import annotations

import torch
import torch.nn.functional as F


class PairedBank:
    """One slot per paired image (its position in TrainData.paired_images)."""

    def __init__(self, size: int) -> None:
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"A paired bank needs at least one paired image; got size {size!r}")
        self.size = size
        self.caption_rows = torch.full((size,), -1, dtype=torch.long)
        self.images: torch.Tensor | None = None  # [size × d], L2-normalised, allocated lazily

    @property
    def filled(self) -> torch.Tensor:
        """Positions of the slots written so far, ascending (the order of every bank tensor)."""
        return (self.caption_rows >= 0).nonzero().squeeze(1)

    def record_captions(self, positions: torch.Tensor, caption_rows: torch.Tensor) -> torch.Tensor:
        """Remember the captions drawn for this batch's paired images; return the caption rows
        of every filled slot (the batch's included), which the step embeds."""
        positions, caption_rows = positions.cpu(), caption_rows.cpu()
        if len(positions) != len(caption_rows):
            raise ValueError(
                f"paired bank: {len(positions)} positions but {len(caption_rows)} caption rows"
            )
        if len(positions) and (positions.min() < 0 or positions.max() >= self.size):
            raise ValueError(
                f"paired bank: positions must lie in [0, {self.size}); "
                f"got {positions.min().item()}..{positions.max().item()}"
            )
        self.caption_rows[positions] = caption_rows
        return self.caption_rows[self.filled]

    def update_images(self, positions: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
        """Store this batch's paired image embeddings (detached, normalised); return the
        embeddings of every filled slot, in the order of record_captions' rows."""
        images = F.normalize(images.detach().float(), dim=-1)
        if self.images is None:
            self.images = torch.zeros(self.size, images.shape[1], device=images.device)
        self.images = self.images.to(images.device)
        self.images[positions.to(images.device)] = images
        return self.images[self.filled.to(images.device)]

    def state_dict(self) -> dict:
        images = None if self.images is None else self.images.cpu()
        return {"size": self.size, "caption_rows": self.caption_rows.clone(), "images": images}

    def load_state_dict(self, state: dict, source: str = "checkpoint") -> None:
        missing = {"size", "caption_rows", "images"} - set(state)
        if missing:
            raise ValueError(f"{source}: its paired bank lacks {sorted(missing)}")
        if state["size"] != self.size:
            raise ValueError(
                f"{source}: its paired bank has {state.get('size')} slots but this run has "
                f"{self.size} paired images; it was written for another split"
            )
        if state["caption_rows"].shape != (self.size,):
            raise ValueError(
                f"{source}: its paired bank's caption_rows have shape "
                f"{tuple(state['caption_rows'].shape)}, expected ({self.size},)"
            )
        images = state["images"]
        if images is not None and (images.dim() != 2 or images.shape[0] != self.size):
            raise ValueError(
                f"{source}: its paired bank's images have shape {tuple(images.shape)}, "
                f"expected ({self.size}, embedding size)"
            )
        self.caption_rows = state["caption_rows"].clone()
        self.images = None if images is None else images.clone()
