"""The reference's augmentation, RandomResizedCrop(224, scale=(s, 1)), on cached feature maps.

Training here starts from states cached before the trained stages, so the pixels are gone; a
crop of the image is, up to the borders, a crop of the convolutional feature map at the same
place (convolutions commute with translation), and resizing it back to the map's size stands
for resizing the crop back to 224 px. Each image of a step gets its own crop, drawn as
torchvision draws it (`crop_boxes`), resampled bilinearly (`F.grid_sample`). Only spatial states
[N, C, H, W] can be cropped: pooled (heads-only) or token states are a clear error."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

RATIO = (3 / 4, 4 / 3)


def check_crop_scale(scale) -> None:
    """`training.feature_crop_scale`: null (off) or the smallest area share in (0, 1]."""
    if scale is None:
        return
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 < scale <= 1:
        raise ValueError(
            f"Parameter 'training.feature_crop_scale' must be null or a number in (0, 1] "
            f"(RandomResizedCrop's smallest area share; the reference uses 0.9); got {scale!r}"
        )


def crop_boxes(n: int, scale: float, generator: torch.Generator, tries: int = 10) -> torch.Tensor:
    """n random crops as grid_sample's affine matrices [n, 2, 3], drawn as torchvision's
    RandomResizedCrop draws them: area share uniform in [scale, 1] and aspect ratio
    log-uniform in [3/4, 4/3], the first of `tries` draws that fits the map kept (else the
    whole map), at a uniform position inside the map. On the CPU, from `generator` alone."""
    area = torch.empty(n, tries).uniform_(scale, 1.0, generator=generator)
    log_ratio = torch.empty(n, tries).uniform_(*map(math.log, RATIO), generator=generator)
    ratio = log_ratio.exp()
    width = (area * ratio).sqrt()  # shares of the map's width and height
    height = (area / ratio).sqrt()
    fits = (width <= 1) & (height <= 1)
    first = fits.int().argmax(dim=1, keepdim=True)  # the first draw that fits (0 if none)
    width = torch.where(fits.any(dim=1), width.gather(1, first).squeeze(1), 1.0)
    height = torch.where(fits.any(dim=1), height.gather(1, first).squeeze(1), 1.0)
    # Crop centres in grid_sample's [-1, 1] coordinates, keeping the crop inside the map.
    offsets = torch.rand(2, n, generator=generator)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = width, (offsets[0] * (1 - width) + width / 2) * 2 - 1
    theta[:, 1, 1], theta[:, 1, 2] = height, (offsets[1] * (1 - height) + height / 2) * 2 - 1
    return theta


def resized_crop(states: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
    """Row i of `states` [N, C, H, W] cropped to boxes[i] and resized back to H × W
    (bilinear), in the states' dtype."""
    if states.dim() != 4:
        raise ValueError(
            "training.feature_crop_scale crops spatial image states [N, C, H, W], but the "
            f"cached image states have shape {tuple(states.shape)}: train at least one image "
            "block (model.trainable.image ≥ 1) so that states are cached before pooling, or "
            "set feature_crop_scale to null"
        )
    if len(boxes) != len(states):
        raise ValueError(f"{len(boxes)} crop boxes for {len(states)} image states")
    maps = states.float()
    grid = F.affine_grid(boxes.to(maps.device), list(maps.shape), align_corners=False)
    out = F.grid_sample(maps, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return out.to(states.dtype)


def step_generator(seed: int, epoch: int, step: int) -> torch.Generator:
    """The crops' generator of one training step: a function of (seed, epoch, step) only, so a
    resumed run draws the crops an uninterrupted one would."""
    return torch.Generator().manual_seed((seed * 1_000_003 + epoch) * 1_000_003 + step)


def step_crops(scale: float | None, seed: int, epoch: int, step: int, batch, paired=True):
    """The crop boxes of one step's global batch, (paired, unpaired), or None when crops are
    off; paired=False leaves the paired images whole (None in their place), their boxes drawn
    anyway so that the unpaired ones do not move. Every rank draws the same boxes and crops
    its own slice (`embed_batch`), so N processes crop as one process on the whole batch does."""
    if scale is None:
        return None
    g = step_generator(seed, epoch, step)
    paired_boxes, unpaired_boxes = (
        crop_boxes(len(rows), scale, g) for rows in (batch.paired_images, batch.unpaired_images)
    )
    return (paired_boxes if paired else None), unpaired_boxes
