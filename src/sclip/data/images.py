"""Image files → uint8 pixel tensors, with PIL and torch only (torchvision cannot be used here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

_SKIP_HINT = ". To skip and report unreadable images instead, set 'images.skip_unreadable: true'"


def decode_rgb(path: str) -> np.ndarray:
    """One image file as HxWx3 uint8 at its own size, any mode converted to RGB."""
    try:
        with Image.open(path) as img:
            return np.asarray(img if img.mode == "RGB" else img.convert("RGB"), dtype=np.uint8)
    except FileNotFoundError:
        raise FileNotFoundError(f"Image file not found: {path}{_SKIP_HINT}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(
            f"Cannot read image {path}: {err} (expected a readable image file){_SKIP_HINT}"
        ) from err


def resized_shape(h: int, w: int, size: int) -> tuple[int, int]:
    """(height, width) with the shorter side at `size`, as CLIP's preprocessing resizes."""
    scale = size / min(h, w)
    return max(size, round(h * scale)), max(size, round(w * scale))


def resize_crop(pixels: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 [B, 3, H, W] → [B, 3, size, size]: shorter side resized (bicubic), centre crop.

    torch's antialiased uint8 bicubic is PIL's filter (a = -0.5, same support when
    shrinking): within 2 levels of PIL's resize, and on a channels-last batch it ran 4.6x
    faster than PIL image by image (0.15 vs 0.70 ms for RSICD's 150 → 224 on 2 cores, an ad
    hoc timing; benchmarks/README.md, "Resize in torch")."""
    h, w = pixels.shape[-2:]
    nh, nw = resized_shape(h, w, size)
    if (nh, nw) != (h, w):
        pixels = F.interpolate(pixels, size=(nh, nw), mode="bicubic", antialias=True)
    top, left = (nh - size) // 2, (nw - size) // 2
    return pixels[..., top : top + size, left : left + size]


def load_image(path: str, size: int) -> np.ndarray:
    """One image as size x size x 3 uint8, preprocessed as load_pixels does."""
    return load_pixels([path], size)[0].permute(1, 2, 0).numpy()


def load_pixels(paths: Sequence[str], size: int) -> torch.Tensor:
    """A batch of images as uint8 [B, 3, size, size] in channels-last memory (the image tower
    runs NHWC). Images of one size are resized together, in torch's threads."""
    arrays = [decode_rgb(p) for p in paths]
    same_size = defaultdict(list)
    for i, a in enumerate(arrays):
        same_size[a.shape].append(i)
    groups = []
    for rows in same_size.values():
        # HWC arrays stacked → NCHW view of NHWC memory, the layout the fast kernel wants
        group = torch.from_numpy(np.stack([arrays[i] for i in rows])).permute(0, 3, 1, 2)
        groups.append(resize_crop(group, size))
    if len(groups) == 1:  # one size (a dataset's usual case): already in order
        return groups[0].contiguous(memory_format=torch.channels_last)
    order = torch.tensor([i for rows in same_size.values() for i in rows])
    pixels = torch.cat(groups).contiguous(memory_format=torch.channels_last)
    return pixels[torch.argsort(order)]


def unreadable_images(paths: Sequence[str]) -> dict[str, str]:
    """Path → reason for every image that PIL cannot fully decode (missing, corrupt, truncated).

    Decodes the pixels (``Image.load``), not just the header: a truncated JPEG opens fine and
    fails only there."""
    bad = {}
    for path in paths:
        try:
            with Image.open(path) as img:
                img.load()
        except FileNotFoundError:
            bad[path] = "file not found"
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
            bad[path] = f"{type(err).__name__}: {err}"
    return bad
