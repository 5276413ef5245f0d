"""Image files → uint8 pixel tensors, with PIL and torch only (torchvision cannot be used here)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

_SKIP_HINT = ". To skip and report unreadable images instead, set 'images.skip_unreadable: true'"


def load_image(path: str, size: int) -> np.ndarray:
    """One image as HxWx3 uint8: any mode converted to RGB, shorter side resized to `size`
    (bicubic), centre-cropped to size x size, as CLIP's preprocessing does."""
    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            w, h = img.size
            scale = size / min(w, h)
            nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
            if (nw, nh) != (w, h):
                img = img.resize((nw, nh), Image.Resampling.BICUBIC)
            if (nw, nh) != (size, size):  # a no-op crop still copies every pixel
                left, top = (nw - size) // 2, (nh - size) // 2
                img = img.crop((left, top, left + size, top + size))
            return np.asarray(img, dtype=np.uint8)
    except FileNotFoundError:
        raise FileNotFoundError(f"Image file not found: {path}{_SKIP_HINT}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(
            f"Cannot read image {path}: {err} (expected a readable image file){_SKIP_HINT}"
        ) from err


def load_pixels(paths: Sequence[str], size: int) -> torch.Tensor:
    """A batch of images as a uint8 tensor [B, 3, size, size]."""
    arrays = np.stack([load_image(p, size) for p in paths])
    return torch.from_numpy(arrays).permute(0, 3, 1, 2).contiguous()


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
