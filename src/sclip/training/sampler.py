"""Which rows go into each training step.

One epoch is one pass over the paired images in a random order; each time a paired image is
read, one of its captions is drawn at random (as the reference does). Unpaired images are drawn
alongside. Every epoch's draws come from a generator seeded by (seed, epoch), so a resumed run
sees exactly the batches an uninterrupted one would."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Batch:
    paired_images: torch.Tensor  # image rows
    captions: torch.Tensor  # caption rows, one per paired image
    unpaired_images: torch.Tensor  # image rows, possibly empty
    # Where each paired image sits in the sampler's paired_images (a paired bank's slots)
    paired_positions: torch.Tensor | None = None


class PairedSampler:
    """Batches of (paired image, random caption of it) plus unpaired images."""

    def __init__(
        self,
        paired_images: torch.Tensor,
        captions_of: Sequence[torch.Tensor],
        unpaired_images: torch.Tensor,
        paired_batch_size: int,
        unpaired_batch_size: int = 0,
        seed: int = 0,
    ) -> None:
        if len(captions_of) != len(paired_images):
            raise ValueError("captions_of needs one entry per paired image")
        if any(len(c) == 0 for c in captions_of):
            raise ValueError("Every paired image needs at least one caption")
        if paired_batch_size > len(paired_images):
            raise ValueError(
                f"Parameter 'training.paired_batch_size' ({paired_batch_size}) is larger than the "
                f"paired set ({len(paired_images)} images); lower it or raise 'split.label_ratio'"
            )
        if unpaired_batch_size > 0 and len(unpaired_images) == 0:
            raise ValueError(
                "Parameter 'training.unpaired_batch_size' > 0 but there are no unpaired images "
                "(label_ratio is 1.0?)"
            )
        self.paired_images, self.unpaired_images = paired_images, unpaired_images
        self.counts = torch.tensor([len(c) for c in captions_of])
        self.offsets = torch.cumsum(self.counts, 0) - self.counts
        self.flat_captions = torch.cat(list(captions_of))
        self.bp, self.bu, self.seed = paired_batch_size, unpaired_batch_size, seed

    def __len__(self) -> int:
        """Steps per epoch; the last incomplete batch is dropped (contrastive batches stay full)."""
        return len(self.paired_images) // self.bp

    def epoch(self, epoch: int) -> Iterator[Batch]:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        order = torch.randperm(len(self.paired_images), generator=g)
        pick = (torch.rand(len(order), generator=g) * self.counts[order]).long()
        captions = self.flat_captions[self.offsets[order] + pick]
        n_unpaired = len(self.unpaired_images)
        unpaired_order = torch.randperm(n_unpaired, generator=g) if n_unpaired else None
        for step in range(len(self)):
            sl = slice(step * self.bp, (step + 1) * self.bp)
            unpaired = torch.empty(0, dtype=torch.long)
            if self.bu:
                idx = torch.arange(step * self.bu, (step + 1) * self.bu) % n_unpaired
                unpaired = self.unpaired_images[unpaired_order[idx]]
            yield Batch(self.paired_images[order[sl]], captions[sl], unpaired, order[sl])
